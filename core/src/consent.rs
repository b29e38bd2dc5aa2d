//! A1: contact data is accepted only with consent to the line's current
//! text, and every consent is recorded with the text's version and time.

use crate::settings::ConsentText;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// Contact data a client leaves (F2, F4, H4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contacts {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Contacts {
    /// Nothing left at all.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.email.is_none() && self.phone.is_none()
    }

    /// Trimmed fields, blanks as absent: what is stored.
    pub fn normalized(&self) -> Contacts {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Contacts {
            name: clean(&self.name),
            email: clean(&self.email),
            phone: clean(&self.phone),
        }
    }
}

/// One consent received: who, when, which text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentRecord {
    pub client: String,
    pub version: u32,
    pub text: String,
    pub at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("consent: the consent to personal-data processing is required")]
    ConsentRequired,
    #[error("consent: the consent text has changed; please read it again")]
    StaleConsent,
    #[error("{field}: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
}

/// Validates contact data and the consent given with it. Returns the
/// consent record to store (None when the line asks for no consent).
pub fn accept_contacts(
    client: &str,
    contacts: &Contacts,
    consent_version: Option<u32>,
    line_consent: Option<&ConsentText>,
    now: Millis,
) -> Result<Option<ConsentRecord>, ContactError> {
    let email = contacts
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let phone = contacts
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if email.is_none() && phone.is_none() {
        return Err(ContactError::Invalid {
            field: "email",
            reason: "an e-mail address or a phone number is required",
        });
    }
    if let Some(e) = email {
        crate::email::address(e).map_err(|_| ContactError::Invalid {
            field: "email",
            reason: "not a valid e-mail address",
        })?;
    }
    if let Some(p) = phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let allowed = p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !(allowed && (5..=20).contains(&digits)) {
            return Err(ContactError::Invalid {
                field: "phone",
                reason: "not a valid phone number",
            });
        }
    }
    if let Some(name) = &contacts.name {
        if name.chars().count() > 100 {
            return Err(ContactError::Invalid {
                field: "name",
                reason: "at most 100 characters",
            });
        }
    }
    let Some(text) = line_consent else {
        return Ok(None);
    };
    match consent_version {
        None => Err(ContactError::ConsentRequired),
        Some(v) if v != text.version => Err(ContactError::StaleConsent),
        Some(v) => Ok(Some(ConsentRecord {
            client: client.to_owned(),
            version: v,
            text: text.text.clone(),
            at: now,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent() -> ConsentText {
        ConsentText {
            version: 2,
            text: "I agree to the processing of my personal data.".into(),
        }
    }

    fn email(e: &str) -> Contacts {
        Contacts {
            name: None,
            email: Some(e.into()),
            phone: None,
        }
    }

    #[test]
    fn contacts_without_consent_are_refused_when_the_line_asks_for_it() {
        let r = accept_contacts("c", &email("a@b.co"), None, Some(&consent()), 5);
        assert_eq!(r, Err(ContactError::ConsentRequired));
    }

    #[test]
    fn consent_is_recorded_with_the_texts_version_and_time() {
        let r = accept_contacts("c", &email("a@b.co"), Some(2), Some(&consent()), 5).unwrap();
        let rec = r.unwrap();
        assert_eq!((rec.version, rec.at, rec.client.as_str()), (2, 5, "c"));
    }

    #[test]
    fn consent_to_an_older_text_is_refused() {
        let r = accept_contacts("c", &email("a@b.co"), Some(1), Some(&consent()), 5);
        assert_eq!(r, Err(ContactError::StaleConsent));
    }

    #[test]
    fn malformed_contacts_name_their_field() {
        let r = accept_contacts("c", &email("not-an-email"), Some(2), Some(&consent()), 5);
        assert!(matches!(
            r,
            Err(ContactError::Invalid { field: "email", .. })
        ));
        let phone = Contacts {
            name: None,
            email: None,
            phone: Some("call me".into()),
        };
        let r = accept_contacts("c", &phone, Some(2), Some(&consent()), 5);
        assert!(matches!(
            r,
            Err(ContactError::Invalid { field: "phone", .. })
        ));
        let none = Contacts {
            name: Some("Ann".into()),
            email: None,
            phone: None,
        };
        assert!(accept_contacts("c", &none, None, None, 5).is_err());
    }
}
