//! What the line sends by e-mail, through the outbox: K2's notices to the
//! people named, and L6's operator answers to a client who left the page.

use super::schema::ContactRow;
use super::LineObject;
use crate::api::internal;
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::email::{AwayMail, OutgoingEmail};
use openline_core::line::Notice;
use openline_core::protocol::{Account, Author, ChatMessage, History};
use openline_core::replies::Queued;
use openline_core::ProtocolError;
use serde::Deserialize;
use worker::{Method, SqlStorageValue as V};

/// How many of the client's latest messages an away mail quotes.
const AWAY_WORDS: usize = 5;

#[derive(Deserialize)]
struct AtRow {
    at: i64,
}

impl LineObject {
    /// The mail addresses of these accounts (an `email`, or a login that is
    /// one), dismissed accounts left out.
    async fn addresses_of(&self, to: &[String]) -> std::result::Result<Vec<String>, ProtocolError> {
        let accounts: Vec<Account> = rpc::call_json(
            &rpc::stub(&self.env, "ACCOUNTS", "accounts")?,
            Method::Get,
            "/accounts",
            None::<&()>,
        )
        .await?;
        Ok(accounts
            .iter()
            .filter(|a| to.contains(&a.id) && !a.dismissed)
            .filter_map(Account::mail_address)
            .map(str::to_owned)
            .collect())
    }

    /// K2: recipients whose login is an e-mail address also get an e-mail
    /// through the outbox.
    pub(super) async fn mail_notice(
        &self,
        to: &[String],
        notice: &Notice,
    ) -> std::result::Result<(), ProtocolError> {
        if matches!(
            notice,
            Notice::ClientWaiting { .. } | Notice::ContactsLeft { .. }
        ) {
            return self.mail_away(to, notice).await;
        }
        let (name, language) = {
            let guard = self.line.borrow();
            let s = guard.as_ref().map(|(_, l)| l.settings());
            (
                s.map(|s| s.name.clone()).unwrap_or_default(),
                s.map(|s| s.language.clone()).unwrap_or_default(),
            )
        };
        for address in self.addresses_of(to).await? {
            let mail = openline_core::email::notice(&address, &name, &language, notice)?;
            self.enqueue(&mail).await?;
        }
        Ok(())
    }

    /// F4/H4 by e-mail (issue 13, part 5): who the client is, their latest
    /// words and where to answer, to the line's shared inbox if it has one,
    /// else to the operators told.
    async fn mail_away(
        &self,
        to: &[String],
        notice: &Notice,
    ) -> std::result::Result<(), ProtocolError> {
        let (dialog, client, cause) = match notice {
            Notice::ClientWaiting {
                dialog,
                client,
                cause,
            } => (dialog, client, Some(*cause)),
            Notice::ContactsLeft { dialog, client } => (dialog, client, None),
            _ => return Ok(()),
        };
        let (name, language, inbox) = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let s = line.settings();
            let inbox = s.away_notice.as_ref().and_then(|a| a.mail_to.clone());
            (s.name.clone(), s.language.clone(), inbox)
        };
        let addresses = match inbox {
            Some(a) => vec![a],
            None => self.addresses_of(to).await?,
        };
        if addresses.is_empty() {
            return Ok(());
        }
        let time_zone = self.time_zone()?;
        let contacts = self.contacts_of(client)?;
        // The client's latest run of words (no operator has answered them).
        let history: History = rpc::call_json(
            &rpc::dialog_stub(&self.env, dialog)?,
            Method::Get,
            "/operator-history?after=0",
            None::<&()>,
        )
        .await?;
        let mut words: Vec<ChatMessage> = history
            .messages
            .into_iter()
            .rev()
            .take_while(|m| m.author == Author::Visitor || m.author == Author::System)
            .filter(|m| m.author == Author::Visitor)
            .take(AWAY_WORDS)
            .collect();
        words.reverse();
        let base = self
            .env
            .var("OPENLINE_PUBLIC_URL")
            .ok()
            .map(|v| v.to_string());
        let link = base.map(|b| format!("{}/console/", b.trim_end_matches('/')));
        let about = AwayMail {
            line_name: &name,
            language: &language,
            time_zone: &time_zone,
            cause,
            contacts: &contacts,
            words: &words,
            link: link.as_deref(),
        };
        for address in addresses {
            self.enqueue(&openline_core::email::away(&address, &about)?)
                .await?;
        }
        Ok(())
    }

    /// L6: when an operator's answer of this dialog last went by e-mail.
    pub(super) fn last_offline_mail(&self, dialog: &str) -> Option<i64> {
        let found: Vec<AtRow> = rows(
            &self.sql(),
            "SELECT at FROM offline_mails WHERE dialog = ?",
            vec![V::from(dialog)],
        )
        .ok()?;
        found.first().map(|r| r.at)
    }

    /// L6: an operator's answer mailed to the dialog's client, if they
    /// left an address; the time is kept so the next mails wait their turn.
    pub(super) async fn mail_offline_reply(
        &self,
        dialog: &str,
        operator: Option<&str>,
        text: &str,
        now: i64,
    ) -> std::result::Result<(), ProtocolError> {
        let (client, name, language) = {
            let guard = self.line.borrow();
            let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
            let Some(d) = line.dialog(dialog) else {
                return Ok(());
            };
            let s = line.settings();
            (d.client.clone(), s.name.clone(), s.language.clone())
        };
        let contacts: Vec<ContactRow> = rows(
            &self.sql(),
            "SELECT name, email, phone FROM client_contacts WHERE client = ?",
            vec![V::from(client.as_str())],
        )?;
        let Some(to) = contacts.into_iter().find_map(|c| c.email) else {
            return Ok(());
        };
        let mail = openline_core::email::offline_reply(&to, &name, &language, operator, text)?;
        self.enqueue(&mail).await?;
        run(
            &self.sql(),
            "INSERT INTO offline_mails (dialog, at) VALUES (?, ?)
             ON CONFLICT(dialog) DO UPDATE SET at = excluded.at",
            vec![V::from(dialog), V::from(now)],
        )?;
        Ok(())
    }

    async fn enqueue(&self, mail: &OutgoingEmail) -> std::result::Result<(), ProtocolError> {
        let outbox = rpc::stub(&self.env, "OUTBOX", "outbox")?;
        rpc::parse::<Queued>(rpc::call(&outbox, Method::Post, "/enqueue", Some(mail), &[]).await?)
            .await?;
        Ok(())
    }
}
