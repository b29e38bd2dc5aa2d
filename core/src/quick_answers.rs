//! QA1: canned replies in groups, which operators insert in one action —
//! picked from a list, or typed as their `/` shortcut. A line has its own;
//! answers shared by the deployment are offered on every line. They are
//! prepared in bulk from a CSV file and exported the same way.

use crate::text;
use crate::ProtocolError;
use serde::{Deserialize, Serialize};

/// A stored quick answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickAnswer {
    pub id: String,
    pub group: String,
    pub title: String,
    pub text: String,
    /// Typed after `/` in the composer, it inserts this answer (`ship`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
    /// Offered on every line (the deployment's), not only this one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

/// A quick answer to create or replace (the id is the server's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickAnswerInput {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub title: String,
    pub text: String,
    /// Letters, digits and `-`, at most 30; a leading `/` is dropped; empty
    /// or absent: none.
    #[serde(default)]
    pub shortcut: Option<String>,
    /// Create it for every line (administrators only); ignored on a change.
    #[serde(default)]
    pub shared: bool,
}

/// The name of the group an answer without one goes to.
pub const DEFAULT_GROUP: &str = "General";

/// A group's name as stored: trimmed, 1–60 characters.
pub fn group_name(raw: &str) -> Result<String, ProtocolError> {
    match raw.trim() {
        "" => Ok(DEFAULT_GROUP.to_owned()),
        g if g.chars().count() > 60 => Err(ProtocolError::invalid_field(
            "group",
            "at most 60 characters",
        )),
        g => Ok(g.to_owned()),
    }
}

impl QuickAnswerInput {
    /// Trims and checks the fields; an empty group is "General" and an
    /// empty title is the text's first words.
    pub fn validated(&self) -> Result<QuickAnswerInput, ProtocolError> {
        let text = text::message_text(&self.text)?;
        let group = group_name(&self.group)?;
        let title = match self.title.trim() {
            "" => text.chars().take(40).collect::<String>(),
            t if t.chars().count() > 100 => {
                return Err(ProtocolError::invalid_field(
                    "title",
                    "at most 100 characters",
                ))
            }
            t => t.to_owned(),
        };
        let shortcut = match self
            .shortcut
            .as_deref()
            .map(|s| s.trim().trim_start_matches('/').to_lowercase())
        {
            None => None,
            Some(s) if s.is_empty() => None,
            Some(s)
                if s.len() <= 30 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                Some(s)
            }
            Some(_) => {
                return Err(ProtocolError::invalid_field(
                    "shortcut",
                    "letters, digits and -, at most 30",
                ))
            }
        };
        Ok(QuickAnswerInput {
            group,
            title,
            text,
            shortcut,
            shared: self.shared,
        })
    }
}

/// Quick answers matching a search (shortcut, title, group or text,
/// case-insensitive), grouped and sorted for the console's picker; the
/// answer whose shortcut is exactly the query comes first, so `/ship` and
/// Enter insert it.
pub fn search<'a>(all: &'a [QuickAnswer], query: &str) -> Vec<&'a QuickAnswer> {
    let q = query.trim().trim_start_matches('/').to_lowercase();
    let mut hits: Vec<&QuickAnswer> = all
        .iter()
        .filter(|a| {
            q.is_empty()
                || a.shortcut.as_deref().is_some_and(|s| s.contains(&q))
                || a.title.to_lowercase().contains(&q)
                || a.group.to_lowercase().contains(&q)
                || a.text.to_lowercase().contains(&q)
        })
        .collect();
    crate::order::sort_by(&mut hits, |a, b| {
        let exact = |x: &QuickAnswer| x.shortcut.as_deref() != Some(q.as_str());
        (exact(a), &a.group, &a.title).cmp(&(exact(b), &b.group, &b.title))
    });
    hits
}

/// The columns of the CSV file, in order (a header row is written and
/// expected); `shared` is `yes` for the deployment's answers.
pub const CSV_COLUMNS: [&str; 5] = ["group", "title", "shortcut", "text", "shared"];

/// QA1 export: the answers as CSV (RFC 4180, a header row, `\r\n`).
pub fn to_csv(answers: &[QuickAnswer]) -> String {
    let mut out = String::new();
    let mut row = |fields: [&str; 5]| {
        let cells: Vec<String> = fields.iter().map(|f| csv_cell(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    row(CSV_COLUMNS);
    for a in answers {
        row([
            &a.group,
            &a.title,
            a.shortcut.as_deref().unwrap_or(""),
            &a.text,
            if a.shared { "yes" } else { "" },
        ]);
    }
    out
}

/// A cell quoted when it must be; a leading `=`, `+`, `-`, `@`, tab or
/// carriage return is prefixed with `'` so a spreadsheet shows the text
/// rather than running it as a formula, and so is a leading `'` (the
/// import removes exactly one).
pub(crate) fn csv_cell(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// QA1 import: the answers of a CSV file whose header names the columns
/// (`text` required; `group`, `title`, `shortcut`, `shared` optional, in
/// any order;
/// `,` or `;` between cells). Every row is checked; the first bad one is
/// named (`row 3: text: …`) and nothing is taken.
pub fn from_csv(input: &str) -> Result<Vec<QuickAnswerInput>, ProtocolError> {
    let bad = |why: String| ProtocolError::invalid_field("csv", &why);
    let input = input.trim_start_matches('\u{feff}');
    let delimiter = match input.lines().next() {
        Some(h) if h.matches(';').count() > h.matches(',').count() => b';',
        _ => b',',
    };
    let mut rows = parse_csv(input, delimiter).into_iter();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| bad("the file is empty".into()))?
        .into_iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let text_at = col("text").ok_or_else(|| bad("a column named text is needed".into()))?;
    let (group_at, title_at, shortcut_at) = (col("group"), col("title"), col("shortcut"));
    let shared_at = col("shared");
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |at: Option<usize>| {
            at.and_then(|a| row.get(a))
                .map(|c| c.strip_prefix('\'').unwrap_or(c).to_owned())
                .unwrap_or_default()
        };
        let input = QuickAnswerInput {
            group: cell(group_at),
            title: cell(title_at),
            text: cell(Some(text_at)),
            shortcut: Some(cell(shortcut_at)),
            shared: matches!(cell(shared_at).trim(), "yes" | "true" | "1"),
        };
        // Rows are counted as in a spreadsheet: the header is row 1.
        let valid = input
            .validated()
            .map_err(|e| bad(format!("row {}: {}", i + 2, e.message)))?;
        out.push(valid);
    }
    if out.is_empty() {
        return Err(bad("no quick answers under the header".into()));
    }
    Ok(out)
}

/// Rows of cells, with csv-core doing the quoting rules.
fn parse_csv(input: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = Vec::new();
    let mut buf = [0u8; 4096];
    let mut data = input.as_bytes();
    loop {
        let (result, read, written) = reader.read_field(data, &mut buf);
        data = &data[read..];
        field.extend_from_slice(&buf[..written]);
        match result {
            csv_core::ReadFieldResult::InputEmpty => {}
            csv_core::ReadFieldResult::OutputFull => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                row.push(String::from_utf8_lossy(&field).into_owned());
                field.clear();
                if record_end {
                    rows.push(std::mem::take(&mut row));
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qa(group: &str, title: &str, text: &str) -> QuickAnswer {
        QuickAnswer {
            id: title.into(),
            group: group.into(),
            title: title.into(),
            text: text.into(),
            shortcut: None,
            shared: false,
        }
    }

    #[test]
    fn defaults_fill_an_empty_group_and_title() {
        let v = QuickAnswerInput {
            group: " ".into(),
            text: "  We ship within two working days across the EU.  ".into(),
            ..Default::default()
        }
        .validated()
        .unwrap();
        assert_eq!(v.group, "General");
        assert_eq!(v.title, "We ship within two working days across t");
        assert!(QuickAnswerInput {
            text: " ".into(),
            ..Default::default()
        }
        .validated()
        .is_err());
    }

    #[test]
    fn a_shortcut_is_a_short_word_without_its_slash() {
        let with = |s: &str| {
            QuickAnswerInput {
                text: "Hello!".into(),
                shortcut: Some(s.into()),
                ..Default::default()
            }
            .validated()
        };
        assert_eq!(with("/Ship").unwrap().shortcut.as_deref(), Some("ship"));
        assert_eq!(with("  ").unwrap().shortcut, None);
        assert!(with("two words").is_err());
        assert!(with(&"x".repeat(31)).is_err());
    }

    #[test]
    fn search_matches_title_group_and_text_and_sorts_by_group() {
        let all = vec![
            qa("Shipping", "EU delivery", "Two days"),
            qa("Greetings", "Hello", "Hi! How can I help?"),
            qa("Shipping", "Returns", "Within 30 days"),
        ];
        let titles: Vec<&str> = search(&all, "days")
            .iter()
            .map(|a| a.title.as_str())
            .collect();
        assert_eq!(titles, vec!["EU delivery", "Returns"]);
        assert_eq!(search(&all, "").len(), 3);
        assert_eq!(search(&all, "GREET")[0].title, "Hello");
    }

    #[test]
    fn an_exact_shortcut_comes_first() {
        let mut hello = qa("Greetings", "Hello", "Hi! How can I help?");
        hello.shortcut = Some("hi".into());
        let all = vec![qa("Greetings", "Hi there", "Hi, this is Anna"), hello];
        assert_eq!(search(&all, "/hi")[0].title, "Hello");
    }

    #[test]
    fn csv_round_trips_quotes_commas_and_line_breaks() {
        let mut a = qa("Shipping", "EU, fast", "Line one\n\"quoted\" line two");
        a.shortcut = Some("eu".into());
        let csv = to_csv(&[a.clone(), qa("General", "Hi", "Hello")]);
        assert!(csv.starts_with("group,title,shortcut,text,shared\r\n"));
        let back = from_csv(&csv).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].group, "Shipping");
        assert_eq!(back[0].title, "EU, fast");
        assert_eq!(back[0].text, a.text);
        assert_eq!(back[0].shortcut.as_deref(), Some("eu"));
        assert_eq!(back[1].shortcut, None);
    }

    #[test]
    fn csv_export_defuses_spreadsheet_formulas_and_import_restores_them() {
        let csv = to_csv(&[qa("General", "Sum", "=SUM(A1:A9)")]);
        assert!(csv.contains(",'=SUM(A1:A9)"), "{csv}");
        assert_eq!(from_csv(&csv).unwrap()[0].text, "=SUM(A1:A9)");
        // A text that starts with ' keeps it through the round trip.
        let csv = to_csv(&[qa("General", "Poem", "'Tis the season")]);
        assert_eq!(from_csv(&csv).unwrap()[0].text, "'Tis the season");
    }

    #[test]
    fn csv_keeps_which_answers_are_shared() {
        let mut hi = qa("Greetings", "Hello", "Hello!");
        hi.shared = true;
        let back = from_csv(&to_csv(&[hi, qa("General", "Hi", "Hi")])).unwrap();
        assert_eq!((back[0].shared, back[1].shared), (true, false));
    }

    #[test]
    fn csv_import_takes_any_column_order_semicolons_and_a_bom() {
        let got = from_csv("\u{feff}Text;Group\r\nWe open at 9;Hours\r\n;\r\n").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].group, "Hours");
        assert_eq!(got[0].text, "We open at 9");
    }

    #[test]
    fn csv_import_names_the_bad_row_and_takes_nothing() {
        let e = from_csv("text,shortcut\nHello,hi\nBye,two words\n").unwrap_err();
        assert!(e.message.contains("row 3"), "{}", e.message);
        assert!(from_csv("title\nHello\n")
            .unwrap_err()
            .message
            .contains("text"));
        assert!(from_csv("").is_err());
        assert!(from_csv("text\n").is_err());
    }
}
