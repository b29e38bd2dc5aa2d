//! QA1: canned replies in groups, which operators insert in one action.

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
}

/// A quick answer to create or replace (the id is the server's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QuickAnswerInput {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub title: String,
    pub text: String,
}

impl QuickAnswerInput {
    /// Trims and checks the fields; an empty group is "General" and an
    /// empty title is the text's first words.
    pub fn validated(&self) -> Result<QuickAnswerInput, ProtocolError> {
        let text = text::message_text(&self.text)?;
        let group = match self.group.trim() {
            "" => "General".to_owned(),
            g if g.chars().count() > 60 => {
                return Err(ProtocolError::invalid_field(
                    "group",
                    "at most 60 characters",
                ))
            }
            g => g.to_owned(),
        };
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
        Ok(QuickAnswerInput { group, title, text })
    }
}

/// Quick answers matching a search (title, group or text, case-insensitive),
/// grouped and sorted for the console's picker.
pub fn search<'a>(all: &'a [QuickAnswer], query: &str) -> Vec<&'a QuickAnswer> {
    let q = query.trim().to_lowercase();
    let mut hits: Vec<&QuickAnswer> = all
        .iter()
        .filter(|a| {
            q.is_empty()
                || a.title.to_lowercase().contains(&q)
                || a.group.to_lowercase().contains(&q)
                || a.text.to_lowercase().contains(&q)
        })
        .collect();
    hits.sort_by(|a, b| (&a.group, &a.title).cmp(&(&b.group, &b.title)));
    hits
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
        }
    }

    #[test]
    fn defaults_fill_an_empty_group_and_title() {
        let v = QuickAnswerInput {
            group: " ".into(),
            title: "".into(),
            text: "  We ship within two working days across the EU.  ".into(),
        }
        .validated()
        .unwrap();
        assert_eq!(v.group, "General");
        assert_eq!(v.title, "We ship within two working days across t");
        assert!(QuickAnswerInput {
            group: String::new(),
            title: String::new(),
            text: " ".into()
        }
        .validated()
        .is_err());
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
}
