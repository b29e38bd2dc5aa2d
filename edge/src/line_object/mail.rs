//! What the line sends by e-mail, through the outbox: K2's notices to the
//! people named, and L6's operator answers to a client who left the page.

use super::schema::ContactRow;
use super::LineObject;
use crate::api::internal;
use crate::rpc;
use crate::sql::{rows, run};
use openline_core::email::OutgoingEmail;
use openline_core::line::Notice;
use openline_core::protocol::Account;
use openline_core::replies::Queued;
use openline_core::ProtocolError;
use serde::Deserialize;
use worker::{Method, SqlStorageValue as V};

#[derive(Deserialize)]
struct AtRow {
    at: i64,
}

impl LineObject {
    /// K2: recipients whose login is an e-mail address also get an e-mail
    /// through the outbox.
    pub(super) async fn mail_notice(
        &self,
        to: &[String],
        notice: &Notice,
    ) -> std::result::Result<(), ProtocolError> {
        let accounts: Vec<Account> = rpc::call_json(
            &rpc::stub(&self.env, "ACCOUNTS", "accounts")?,
            Method::Get,
            "/accounts",
            None::<&()>,
        )
        .await?;
        let (name, language) = {
            let guard = self.line.borrow();
            let s = guard.as_ref().map(|(_, l)| l.settings());
            (
                s.map(|s| s.name.clone()).unwrap_or_default(),
                s.map(|s| s.language.clone()).unwrap_or_default(),
            )
        };
        for address in accounts
            .iter()
            .filter(|a| to.contains(&a.id) && !a.dismissed)
            .filter_map(Account::mail_address)
        {
            let mail = openline_core::email::notice(address, &name, &language, notice)?;
            self.enqueue(&mail).await?;
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
