//! F3 and K2 e-mails as data: the core composes them in the line's
//! language (L6); the edge's outbox delivers them.

use crate::protocol::{Author, ChatMessage};
use crate::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};

/// One e-mail waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Checks the shape of an e-mail address (the mail API has the last word).
pub fn address(raw: &str) -> Result<String, ProtocolError> {
    let a = raw.trim();
    let ok = a.len() <= 254
        && !a.chars().any(char::is_whitespace)
        && a.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        });
    if ok {
        Ok(a.to_owned())
    } else {
        Err(ProtocolError::new(
            ErrorCode::InvalidField,
            "email: not a valid e-mail address",
        ))
    }
}

/// F3: a copy of the dialog for the client, hidden messages never included
/// (the transcript passed in is the client's view).
pub fn transcript_copy(
    to: &str,
    line_name: &str,
    language: &str,
    messages: &[ChatMessage],
) -> Result<OutgoingEmail, ProtocolError> {
    let to = address(to)?;
    let ru = language == "ru";
    let subject = if ru {
        format!("Копия переписки: {line_name}")
    } else {
        format!("A copy of your conversation with {line_name}")
    };
    let (you, system) = if ru {
        ("Вы", "Система")
    } else {
        ("You", "System")
    };
    let mut body = String::new();
    for m in messages {
        let who = match &m.author {
            Author::Visitor => you.to_owned(),
            Author::Operator { name } => name.clone().unwrap_or_else(|| line_name.to_owned()),
            Author::System => system.to_owned(),
        };
        body.push_str(&format!("{who}: {}\n", m.text));
    }
    Ok(OutgoingEmail { to, subject, body })
}

/// K2/Q12: a notification for a supervisor or operator, in the line's
/// language; only for notices that are [`crate::line::Notice::mailed`].
pub fn notice(
    to: &str,
    line_name: &str,
    language: &str,
    notice: &crate::line::Notice,
) -> Result<OutgoingEmail, ProtocolError> {
    use crate::line::{KpiKind, Notice};
    let to = address(to)?;
    let ru = language == "ru";
    let (subject, body) = match notice {
        Notice::KpiMissed {
            dialog,
            kpi,
            operator,
        } => {
            let what = match (kpi, ru) {
                (KpiKind::FirstAnswer, false) => "time to first answer",
                (KpiKind::Answer, false) => "time to answer",
                (KpiKind::FirstAnswer, true) => "время до первого ответа",
                (KpiKind::Answer, true) => "время ответа",
            };
            let who = operator.clone().unwrap_or_else(|| "—".into());
            if ru {
                (
                    format!("{line_name}: нарушен KPI «{what}»"),
                    format!("Диалог {dialog} не обработан вовремя ({what}). Оператор: {who}.\n"),
                )
            } else {
                (
                    format!("{line_name}: KPI missed — {what}"),
                    format!("Dialog {dialog} was not handled in time ({what}). Operator: {who}.\n"),
                )
            }
        }
        Notice::UnclosedLimitReached { operator, limit } => {
            if ru {
                (
                    format!("{line_name}: достигнут лимит незакрытых диалогов"),
                    format!("У оператора {operator} {limit} незакрытых диалогов; закройте неактивные.\n"),
                )
            } else {
                (
                    format!("{line_name}: unclosed dialog limit reached"),
                    format!("Operator {operator} holds {limit} unclosed dialogs; please close inactive ones.\n"),
                )
            }
        }
        // Shown in the console only (see `Notice::mailed`).
        Notice::UnclosedLimitNear { .. } | Notice::PassedOn { .. } => {
            return Err(ProtocolError::new(
                crate::ErrorCode::Internal,
                "this notice is shown in the console only",
            ))
        }
    };
    Ok(OutgoingEmail { to, subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq: 1,
            client_id: "c".into(),
            author,
            text: text.into(),
            at: 0,
            hidden: false,
            kind: None,
        }
    }

    #[test]
    fn the_copy_is_in_the_lines_language_and_names_the_speakers() {
        let m = [
            msg(Author::Visitor, "Привет"),
            msg(
                Author::Operator {
                    name: Some("Анна".into()),
                },
                "Здравствуйте!",
            ),
        ];
        let e = transcript_copy("a@b.ru", "Чайная", "ru", &m).unwrap();
        assert_eq!(e.subject, "Копия переписки: Чайная");
        assert_eq!(e.body, "Вы: Привет\nАнна: Здравствуйте!\n");
        let e = transcript_copy("a@b.ru", "Tea", "en", &m[..1]).unwrap();
        assert!(e.subject.starts_with("A copy"));
    }

    #[test]
    fn a_kpi_notice_names_the_dialog_and_the_indicator() {
        let n = crate::line::Notice::KpiMissed {
            dialog: "d7".into(),
            kpi: crate::line::KpiKind::FirstAnswer,
            operator: Some("anna".into()),
        };
        let e = notice("sveta@shop.example", "Tea", "en", &n).unwrap();
        assert_eq!(e.subject, "Tea: KPI missed — time to first answer");
        assert!(e.body.contains("d7") && e.body.contains("anna"));
        assert!(notice("sveta", "Tea", "en", &n).is_err());
    }

    #[test]
    fn a_bad_address_is_a_field_error() {
        assert_eq!(
            transcript_copy("nobody", "Tea", "en", &[])
                .unwrap_err()
                .code,
            ErrorCode::InvalidField
        );
    }
}
