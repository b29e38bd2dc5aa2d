//! C1 by hand: two clients of a line who are one person. A verified user
//! and an anonymous visitor join automatically when the visitor logs in
//! (`line::Event::MergeClient`); clients who left the same e-mail or phone
//! are proposed to operators as possibly one person, and they merge them
//! once they confirm. The rules of who may merge what, and which id the
//! merged client keeps, are here once.

use crate::consent::Contacts;
use crate::error::{ErrorCode, ProtocolError};
use crate::identity::VERIFIED_PREFIX;
use serde::{Deserialize, Serialize};

/// Why two clients are proposed as one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Likeness {
    /// The same e-mail address, whatever its letter case.
    Email,
    /// The same phone number, whatever its spacing and punctuation.
    Phone,
}

/// A client of the line proposed as the same person as the card's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SimilarClient {
    pub client: String,
    pub contacts: Contacts,
    pub by: Likeness,
}

/// `POST …/clients/{client}/merge` `{"with": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MergeRequest {
    pub with: String,
}

/// What a merge did: `merged` is gone, its records are `client`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Merged {
    pub client: String,
    pub merged: String,
}

/// A phone number's digits: what two spellings of it share.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Fewer digits than this are not a phone number worth matching on.
const MIN_PHONE_DIGITS: usize = 6;

/// Whether two clients' contacts say they are one person, and why.
pub fn likeness(a: &Contacts, b: &Contacts) -> Option<Likeness> {
    let email = |c: &Contacts| c.email.as_deref().map(|e| e.trim().to_lowercase());
    if email(a).is_some_and(|e| !e.is_empty() && Some(&e) == email(b).as_ref()) {
        return Some(Likeness::Email);
    }
    let phone = |c: &Contacts| c.phone.as_deref().map(phone_digits);
    let p = phone(a).filter(|p| p.len() >= MIN_PHONE_DIGITS)?;
    (Some(p) == phone(b)).then_some(Likeness::Phone)
}

/// An identity something proves and keeps writing under: a verified user
/// of the site, or a channel's client (a Telegram chat's messages always
/// come as its `tg-…` client). Merged away, it would come back as a new
/// client with the next message.
pub fn proven(client: &str) -> bool {
    client.starts_with(VERIFIED_PREFIX) || crate::channels::is_channel_client(client)
}

/// Who may merge two clients: an operator those proposed as one person
/// (`likeness` is some), a supervisor any two. Then which id stays:
/// a proven one (a verified user's, a channel's) over an anonymous
/// visitor's (the proof of identity stays with the person), else the
/// card's the merge was asked from. Two proven identities stay two: they
/// never merge. Returns `(from, into)`.
pub fn merge_order(
    client: &str,
    with: &str,
    likeness: Option<Likeness>,
    supervisor: bool,
) -> Result<(String, String), ProtocolError> {
    if client == with {
        return Err(ProtocolError::invalid_field(
            "with",
            "another client of the line, not the same one",
        ));
    }
    if likeness.is_none() && !supervisor {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "these clients left no common e-mail or phone: only a supervisor merges them",
        ));
    }
    match (proven(client), proven(with)) {
        (true, true) => Err(ProtocolError::new(
            ErrorCode::Conflict,
            "both clients have an identity the site's login or a channel proves: they stay two and are not merged",
        )),
        (false, true) => Ok((client.to_owned(), with.to_owned())),
        _ => Ok((with.to_owned(), client.to_owned())),
    }
}
