//! F3, K2 and L6 e-mails as data: the core composes them in the line's
//! language (L6); the edge's outbox delivers them.

use crate::protocol::{Author, ChatMessage};
use crate::text::escape_html as escape;
use crate::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};

/// One e-mail waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    /// The plain-text part; every mail has one.
    pub body: String,
    /// An HTML part with the same content, every text escaped (what a
    /// visitor wrote is never live markup in someone's mail client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
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
/// (the transcript passed in is the client's view). The subject names the
/// company and the day the conversation began; the body gives each day
/// once and each message its time, in the first known of `time_zones`
/// (the visitor's, then the line's; UTC when none is known), with the
/// operators' names. A file is its name and size, linked to `links`'
/// address for it (file id, address) when there is one (issue 11.11).
pub fn transcript_copy(
    to: &str,
    company: &str,
    language: &str,
    time_zones: &[&str],
    messages: &[ChatMessage],
    links: &[(String, String)],
) -> Result<OutgoingEmail, ProtocolError> {
    let to = address(to)?;
    let ru = language == "ru";
    use crate::hours::WallClock;
    use chrono::Timelike;
    // The zone's rules are read once for the whole transcript.
    let (time_zone, clock) = time_zones
        .iter()
        .chain(&["UTC"])
        .find_map(|z| WallClock::named(z).map(|c| (*z, Some(c))))
        .unwrap_or(("UTC", None));
    let wall = |at: crate::Millis| clock.as_ref().and_then(|c| c.at(at)).unwrap_or_default();
    let started = messages.first().map(|m| wall(m.at).date());
    let subject = match (ru, started) {
        (true, Some(d)) => format!("Ваша переписка с {company}, {}", day(d, true)),
        (false, Some(d)) => format!("Your conversation with {company}, {}", day(d, false)),
        (true, None) => format!("Ваша переписка с {company}"),
        (false, None) => format!("Your conversation with {company}"),
    };
    let (you, system) = if ru {
        ("Вы", "Система")
    } else {
        ("You", "System")
    };
    let zone_note = if ru {
        format!("Время: {time_zone}")
    } else {
        format!("Times in {time_zone}")
    };
    let mut body = format!("{subject}\n{zone_note}\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\"><h2 style=\"font-size:18px\">{}</h2><p style=\"color:#667\">{}</p>",
        escape(&subject),
        escape(&zone_note)
    );
    let mut shown_day = None;
    for m in messages {
        let local = wall(m.at);
        if shown_day != Some(local.date()) {
            shown_day = Some(local.date());
            let d = day(local.date(), ru);
            body.push_str(&format!("\n— {d} —\n"));
            html.push_str(&format!(
                "<h3 style=\"font-size:14px;color:#667\">{}</h3>",
                escape(&d)
            ));
        }
        let who = match &m.author {
            Author::Visitor => you.to_owned(),
            Author::Operator { name } => name.clone().unwrap_or_else(|| company.to_owned()),
            Author::System => system.to_owned(),
        };
        let time = format!("{:02}:{:02}", local.hour(), local.minute());
        // A file: "[name, size]" and its link; then its caption, if any.
        let (file_text, file_html, words) = match &m.attachment {
            Some(a) => {
                let label = format!("{}, {}", a.name, crate::attachments::size_words(a.size));
                let url = links.iter().find(|(id, _)| *id == a.id).map(|(_, u)| u);
                let html = match url {
                    Some(u) => format!("<a href=\"{}\">{}</a> ", escape(u), escape(&label)),
                    None => format!("[{}] ", escape(&label)),
                };
                let text = match url {
                    Some(u) => format!("[{label}] {u} "),
                    None => format!("[{label}] "),
                };
                let caption = if m.text == a.name {
                    ""
                } else {
                    m.text.as_str()
                };
                (text, html, caption)
            }
            None => (String::new(), String::new(), m.text.as_str()),
        };
        body.push_str(format!("{time} {who}: {file_text}{words}").trim_end());
        body.push('\n');
        html.push_str(&format!(
            "<p style=\"margin:4px 0\"><span style=\"color:#667\">{time}</span> <b>{}</b>: {file_html}{}</p>",
            escape(&who),
            escape(words).replace('\n', "<br>")
        ));
    }
    if !links.is_empty() {
        let note = if ru {
            "Ссылки на файлы действуют 7 дней."
        } else {
            "The links to files work for 7 days."
        };
        body.push_str(&format!("\n{note}\n"));
        html.push_str(&format!("<p style=\"color:#667\">{note}</p>"));
    }
    html.push_str("</body></html>");
    Ok(OutgoingEmail {
        to,
        subject,
        body,
        html: Some(html),
    })
}

/// "30 Nov 2026" or "30 ноября 2026".
fn day(d: chrono::NaiveDate, ru: bool) -> String {
    use chrono::Datelike;
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const RU: [&str; 12] = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ];
    let month = d.month0() as usize;
    let name = if ru { RU[month] } else { EN[month] };
    format!("{} {name} {}", d.day(), d.year())
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
        // Shown in the console only (see `Notice::mailed`), or written with
        // the client's words by [`away`].
        Notice::UnclosedLimitNear { .. }
        | Notice::PassedOn { .. }
        | Notice::ClientWaiting { .. }
        | Notice::ContactsLeft { .. } => {
            return Err(ProtocolError::new(
                crate::ErrorCode::Internal,
                "this notice is shown in the console only",
            ))
        }
    };
    Ok(OutgoingEmail {
        to,
        subject,
        body,
        html: None,
    })
}

/// L6: the least time between two mails of operators' answers in one
/// dialog: a conversation carried on by e-mail, not a mail per message.
pub const OFFLINE_REPLY_EVERY_MS: i64 = 15 * 60 * 1000;

/// L6: whether an operator's answer goes to the client by e-mail — the
/// client is not on the page (no socket of theirs is open) and left an
/// address, and no such mail of this dialog went out in the last
/// [`OFFLINE_REPLY_EVERY_MS`]. A hidden note never does. The last mail's
/// time is asked for only when the rest holds (a storage read the message
/// path skips while the client is on the page).
pub fn offline_reply_due(
    visitor_connected: bool,
    hidden: bool,
    last_mailed_at: impl FnOnce() -> Option<i64>,
    now: i64,
) -> bool {
    !visitor_connected
        && !hidden
        && last_mailed_at().is_none_or(|at| now - at >= OFFLINE_REPLY_EVERY_MS)
}

/// L6: an operator's answer to a client who left the page, in the line's
/// language, with who wrote it; plain text and an escaped HTML part.
pub fn offline_reply(
    to: &str,
    line_name: &str,
    language: &str,
    operator: Option<&str>,
    text: &str,
) -> Result<OutgoingEmail, ProtocolError> {
    let to = address(to)?;
    let ru = language == "ru";
    let subject = if ru {
        format!("Ответ на ваше сообщение от «{line_name}»")
    } else {
        format!("{line_name} replied to your message")
    };
    let who = operator.unwrap_or(line_name);
    let (intro, outro) = if ru {
        (
            format!("{who} ({line_name}) пишет:"),
            "Чтобы ответить, вернитесь в чат на сайте.",
        )
    } else {
        (
            format!("{who} ({line_name}) wrote:"),
            "To answer, come back to the chat on the website.",
        )
    };
    let body = format!("{intro}\n\n{text}\n\n{outro}\n");
    let html = format!(
        "<p>{}</p><blockquote style=\"white-space:pre-wrap\">{}</blockquote><p>{}</p>",
        escape(&intro),
        escape(text),
        escape(outro)
    );
    Ok(OutgoingEmail {
        to,
        subject,
        body,
        html: Some(html),
    })
}

/// What the e-mail about a client left waiting says (part 5 of issue 13).
pub struct AwayMail<'a> {
    pub line_name: &'a str,
    pub language: &'a str,
    /// The line's time zone, for the time of the client's words.
    pub time_zone: &'a str,
    /// None: the client left contacts (rather than wrote while away).
    pub cause: Option<crate::line::Away>,
    pub contacts: &'a crate::consent::Contacts,
    /// The client's latest words, oldest first.
    pub words: &'a [ChatMessage],
    /// The console's address (`OPENLINE_PUBLIC_URL` + `/console/`), when
    /// the deployment says where it is.
    pub link: Option<&'a str>,
}

/// F4/H4 by e-mail: a client wrote while nobody could answer, or left
/// their contacts in a dialog nobody holds — who they are, what they
/// wrote and when (in the line's zone), and the link to answer; in the
/// line's language, plain text and escaped HTML.
pub fn away(to: &str, m: &AwayMail) -> Result<OutgoingEmail, ProtocolError> {
    use crate::line::Away;
    use chrono::Timelike;
    let to = address(to)?;
    let ru = m.language == "ru";
    let clock = crate::hours::WallClock::named(m.time_zone);
    let who = m
        .contacts
        .name
        .clone()
        .or_else(|| m.contacts.email.clone())
        .or_else(|| m.contacts.phone.clone())
        .unwrap_or_else(|| if ru { "Клиент" } else { "A client" }.to_owned());
    // A subject is one header line: a client's name with line breaks (or
    // other controls) must not add headers.
    let who: String = who
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = m.line_name;
    let (subject, why) = match (m.cause, ru) {
        (Some(Away::OutsideHours), false) => (
            format!("{line}: {who} wrote outside working hours"),
            "They wrote while the line was closed; the dialog waits in the queue.",
        ),
        (Some(Away::NobodyAtWork), false) => (
            format!("{line}: {who} wrote while nobody was at work"),
            "No operator was at work; the dialog waits in the queue.",
        ),
        (None, false) => (
            format!("{line}: {who} left their contacts"),
            "Nobody has taken the dialog yet; they wait for an answer.",
        ),
        (Some(Away::OutsideHours), true) => (
            format!("{line}: {who} написал(а) в нерабочее время"),
            "Клиент написал, когда линия не работала; диалог ждёт в очереди.",
        ),
        (Some(Away::NobodyAtWork), true) => (
            format!("{line}: {who} написал(а), когда никого не было"),
            "Ни одного оператора не было на работе; диалог ждёт в очереди.",
        ),
        (None, true) => (
            format!("{line}: {who} оставил(а) контакты"),
            "Диалог ещё никто не взял; клиент ждёт ответа.",
        ),
    };
    let labels: [&str; 5] = if ru {
        [
            "Имя",
            "E-mail",
            "Телефон",
            "Ответить",
            "Ответьте из консоли операторов.",
        ]
    } else {
        [
            "Name",
            "E-mail",
            "Phone",
            "Answer",
            "Answer from the operators' console.",
        ]
    };
    let c = m.contacts;
    let rows: Vec<(&str, &str)> = [(0, &c.name), (1, &c.email), (2, &c.phone)]
        .into_iter()
        .filter_map(|(i, v)| v.as_deref().map(|v| (labels[i], v)))
        .collect();
    let time = |at: crate::Millis| {
        let local = clock.as_ref().and_then(|c| c.at(at)).unwrap_or_default();
        format!(
            "{} {:02}:{:02}",
            day(local.date(), ru),
            local.hour(),
            local.minute()
        )
    };
    let mut body = format!("{why}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.4\"><p>{}</p>",
        escape(why)
    );
    for (label, value) in &rows {
        body.push_str(&format!("{label}: {value}\n"));
        html.push_str(&format!(
            "<p style=\"margin:2px 0\"><b>{label}:</b> {}</p>",
            escape(value)
        ));
    }
    for w in m.words {
        body.push_str(&format!("\n{} — {}\n", time(w.at), w.text));
        html.push_str(&format!(
            "<p style=\"margin:8px 0 0;color:#667\">{}</p><blockquote style=\"white-space:pre-wrap;margin:4px 0\">{}</blockquote>",
            escape(&time(w.at)),
            escape(&w.text)
        ));
    }
    match m.link {
        Some(link) => {
            body.push_str(&format!("\n{}: {link}\n", labels[3]));
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(link),
                labels[3]
            ));
        }
        None => {
            body.push_str(&format!("\n{}\n", labels[4]));
            html.push_str(&format!("<p>{}</p>", labels[4]));
        }
    }
    html.push_str("</body></html>");
    Ok(OutgoingEmail {
        to,
        subject,
        body,
        html: Some(html),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn away_mail_names_the_client_quotes_their_words_with_times_and_escapes_html() {
        let contacts = crate::consent::Contacts {
            name: Some("Olga <b>".into()),
            email: Some("olga@example.com".into()),
            phone: None,
        };
        let words = [ChatMessage {
            seq: 1,
            client_id: "m1".into(),
            author: Author::Visitor,
            text: "Is <oolong> in stock?".into(),
            at: 1_796_000_000_000,
            hidden: false,
            kind: None,
            attachment: None,
            quick_replies: Vec::new(),
        }];
        let mail = |language, cause| {
            away(
                "desk@northwind.example",
                &AwayMail {
                    line_name: "Northwind Tea",
                    language,
                    time_zone: "Europe/Moscow",
                    cause,
                    contacts: &contacts,
                    words: &words,
                    link: Some("https://chat.example/console/"),
                },
            )
            .unwrap()
        };
        let sneaky = crate::consent::Contacts {
            name: Some("Eve\r\nBcc: all@example.com".into()),
            ..Default::default()
        };
        let mut about = AwayMail {
            line_name: "Northwind Tea",
            language: "en",
            time_zone: "UTC",
            cause: None,
            contacts: &sneaky,
            words: &[],
            link: None,
        };
        let one_line = away("desk@northwind.example", &about).unwrap().subject;
        assert!(
            !one_line.contains('\n') && !one_line.contains('\r'),
            "{one_line}"
        );
        about.contacts = &contacts;
        assert!(away("desk@northwind.example", &about)
            .unwrap()
            .body
            .contains("Answer from the operators' console."));
        let en = mail("en", Some(crate::line::Away::OutsideHours));
        assert_eq!(
            en.subject,
            "Northwind Tea: Olga <b> wrote outside working hours"
        );
        // 1 796 000 000 000 ms = 2026-11-30 00:53:20 UTC = 03:53 in Moscow.
        assert!(
            en.body
                .contains("30 Nov 2026 03:53 — Is <oolong> in stock?"),
            "{}",
            en.body
        );
        assert!(en.body.contains("E-mail: olga@example.com"));
        let html = en.html.unwrap();
        assert!(html.contains("Olga &lt;b&gt;") && html.contains("Is &lt;oolong&gt;"));
        assert!(!html.contains("<oolong>"));
        let ru = mail("ru", None);
        assert_eq!(ru.subject, "Northwind Tea: Olga <b> оставил(а) контакты");
        assert!(ru.body.contains("30 ноября 2026 03:53"));
    }

    #[test]
    fn l6_an_answer_goes_by_mail_only_to_an_absent_client_and_not_too_often() {
        let now = 10 * OFFLINE_REPLY_EVERY_MS;
        assert!(offline_reply_due(false, false, || None, now));
        assert!(
            !offline_reply_due(true, false, || None, now),
            "on the page: the socket shows it"
        );
        assert!(
            !offline_reply_due(false, true, || None, now),
            "a hidden note never"
        );
        assert!(!offline_reply_due(false, false, || Some(now - 60_000), now));
        assert!(offline_reply_due(
            false,
            false,
            || Some(now - OFFLINE_REPLY_EVERY_MS),
            now
        ));
    }

    #[test]
    fn l6_the_mailed_answer_is_in_the_lines_language_and_escaped() {
        let en = offline_reply(
            "olga@example.com",
            "Northwind Tea",
            "en",
            Some("Anna"),
            "Yes <b>two</b> tins",
        )
        .unwrap();
        assert_eq!(en.subject, "Northwind Tea replied to your message");
        assert!(en
            .body
            .starts_with("Anna (Northwind Tea) wrote:\n\nYes <b>two</b> tins"));
        let html = en.html.unwrap();
        assert!(html.contains("Yes &lt;b&gt;two&lt;/b&gt; tins") && !html.contains("<b>"));
        let ru = offline_reply("olga@example.com", "Чайная", "ru", None, "Да").unwrap();
        assert_eq!(ru.subject, "Ответ на ваше сообщение от «Чайная»");
        assert!(ru.body.starts_with("Чайная (Чайная) пишет:"));
        assert!(offline_reply("not an address", "Tea", "en", None, "x").is_err());
    }

    /// 2026-11-30 12:05 UTC (15:05 in Moscow).
    const NOV_30_12_05_UTC: i64 = 1_796_040_300_000;

    fn msg(author: Author, text: &str) -> ChatMessage {
        ChatMessage {
            seq: 1,
            client_id: "c".into(),
            author,
            text: text.into(),
            at: NOV_30_12_05_UTC,
            hidden: false,
            kind: None,
            attachment: None,
            quick_replies: Vec::new(),
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
        let e = transcript_copy("a@b.ru", "Чайная", "ru", &["Europe/Moscow"], &m, &[]).unwrap();
        assert_eq!(e.subject, "Ваша переписка с Чайная, 30 ноября 2026");
        assert!(e
            .body
            .contains("— 30 ноября 2026 —\n15:05 Вы: Привет\n15:05 Анна: Здравствуйте!\n"));
        let e = transcript_copy("a@b.ru", "Tea", "en", &["Europe/Moscow"], &m[..1], &[]).unwrap();
        assert_eq!(e.subject, "Your conversation with Tea, 30 Nov 2026");
    }

    #[test]
    fn times_are_in_the_given_zone_and_each_new_day_is_named_once() {
        let mut late = msg(Author::Visitor, "late");
        late.at = NOV_30_12_05_UTC + 11 * 3_600_000; // 23:05 UTC, 02:05 next day in Moscow
        let m = [msg(Author::Visitor, "noon"), late.clone(), late];
        let e = transcript_copy("a@b.io", "Tea", "en", &["Europe/Moscow"], &m, &[]).unwrap();
        assert!(e.body.contains("— 30 Nov 2026 —\n15:05 You: noon\n\n— 1 Dec 2026 —\n02:05 You: late\n02:05 You: late\n"), "{}", e.body);
        let e =
            transcript_copy("a@b.io", "Tea", "en", &["Not/AZone", "Asia/Tokyo"], &m, &[]).unwrap();
        assert!(e.body.contains("Times in Asia/Tokyo\n") && e.body.contains("21:05 You: noon"));
        let e = transcript_copy("a@b.io", "Tea", "en", &["Not/AZone"], &m, &[]).unwrap();
        assert!(
            e.body.contains("Times in UTC\n")
                && e.body.contains("12:05 You: noon")
                && e.body.contains("23:05 You: late")
        );
        assert!(
            transcript_copy("a@b.io", "Tea", "en", &[], &[], &[])
                .unwrap()
                .subject
                == "Your conversation with Tea"
        );
    }

    #[test]
    fn files_are_named_sized_and_linked_with_their_captions() {
        use crate::attachments::Attachment;
        use crate::files::FileKind;
        let file = |id: &str, name: &str, text: &str| {
            let mut m = msg(Author::Visitor, text);
            m.attachment = Some(Attachment {
                id: id.into(),
                name: name.into(),
                kind: FileKind::Png,
                size: 2048,
            });
            m
        };
        let m = [
            file("d/1.png", "cup.png", "cup.png"),
            file("d/2.png", "lid.png", "the lid <too>"),
            file("d/3.png", "gone.png", "gone.png"),
        ];
        let links = [
            ("d/1.png".to_owned(), "https://x.io/f/1?a=1&b=2".to_owned()),
            ("d/2.png".to_owned(), "https://x.io/f/2".to_owned()),
        ];
        let e = transcript_copy("a@b.io", "Tea", "en", &["UTC"], &m, &links).unwrap();
        assert!(
            e.body
                .contains("12:05 You: [cup.png, 2 KB] https://x.io/f/1?a=1&b=2\n"),
            "{}",
            e.body
        );
        assert!(e
            .body
            .contains("12:05 You: [lid.png, 2 KB] https://x.io/f/2 the lid <too>\n"));
        assert!(
            e.body.contains("12:05 You: [gone.png, 2 KB]\n"),
            "no link: the name only"
        );
        assert!(e.body.contains("The links to files work for 7 days."));
        let html = e.html.unwrap();
        assert!(
            html.contains("<a href=\"https://x.io/f/1?a=1&amp;b=2\">cup.png, 2 KB</a>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"https://x.io/f/2\">lid.png, 2 KB</a> the lid &lt;too&gt;"));
        assert!(html.contains("[gone.png, 2 KB]"));
        let none = transcript_copy("a@b.io", "Tea", "en", &["UTC"], &m[..1], &[]).unwrap();
        assert!(!none.body.contains("7 days"), "no note without links");
    }

    #[test]
    fn the_html_part_shows_what_people_wrote_as_text() {
        let m = [msg(
            Author::Visitor,
            "<a href=\"https://evil.example\">win</a> & <script>",
        )];
        let e = transcript_copy("a@b.io", "Tea & <Co>", "en", &[], &m, &[]).unwrap();
        let html = e.html.unwrap();
        assert!(!html.contains("<a href") && !html.contains("<script>") && !html.contains("<Co>"));
        assert!(html.contains(
            "&lt;a href=&quot;https://evil.example&quot;&gt;win&lt;/a&gt; &amp; &lt;script&gt;"
        ));
        assert!(
            e.body.contains("<a href=\"https://evil.example\">win</a>"),
            "the text part is literal"
        );
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
            transcript_copy("nobody", "Tea", "en", &[], &[], &[])
                .unwrap_err()
                .code,
            ErrorCode::InvalidField
        );
    }
}
