//! What belongs to the whole deployment rather than one line: the
//! company's name, which a new line is named after unless told otherwise
//! (L1).

use crate::{text, ProtocolError};
use serde::{Deserialize, Serialize};

/// `GET`/`PUT /api/v1/deployment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deployment {
    /// The company's name (1–100 characters); empty until an administrator
    /// sets it.
    #[serde(default)]
    pub company_name: String,
}

impl Deployment {
    /// The settings as stored: the name trimmed and checked.
    pub fn validated(&self) -> Result<Deployment, ProtocolError> {
        Ok(Deployment {
            company_name: text::display_name("company_name", &self.company_name)?,
        })
    }

    /// L1: a new line's name: the one asked for, else the company's.
    pub fn line_name(&self, asked: &str) -> Result<String, ProtocolError> {
        if !asked.trim().is_empty() {
            return text::display_name("name", asked);
        }
        if self.company_name.trim().is_empty() {
            return Err(ProtocolError::invalid_field(
                "name",
                "give the line a name, or set the company's name for new lines to take",
            ));
        }
        text::display_name("name", &self.company_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(name: &str) -> Deployment {
        Deployment {
            company_name: name.into(),
        }
    }

    #[test]
    fn a_new_line_takes_the_company_name_unless_given_one() {
        assert_eq!(
            company("Northwind Tea").line_name("").unwrap(),
            "Northwind Tea"
        );
        assert_eq!(
            company("Northwind Tea").line_name("  ").unwrap(),
            "Northwind Tea"
        );
        assert_eq!(
            company("Northwind Tea").line_name(" Sales ").unwrap(),
            "Sales"
        );
    }

    #[test]
    fn without_either_name_the_line_is_refused_naming_the_field() {
        let e = company("").line_name("").unwrap_err();
        assert!(e.message.starts_with("name:"), "{}", e.message);
    }

    #[test]
    fn the_company_name_is_checked_like_any_display_name() {
        assert!(company("").validated().is_err());
        assert!(company("a\nb").validated().is_err());
        assert_eq!(
            company("  Northwind ").validated().unwrap(),
            company("Northwind")
        );
    }
}
