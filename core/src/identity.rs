//! Identity verification for logged-in users of the host site.
//!
//! A site that knows who its visitor is puts the user's id and
//! `HMAC-SHA256(line's identity secret, user id)` (hex) into the snippet;
//! its server computes the hash, so a visitor cannot claim someone else's
//! id. A verified user becomes one client of the line on every device and
//! browser: their card, earlier dialogs (C1, C6) and previous operator (Q8)
//! follow them, and an open dialog resumes on a new device.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Prefix of client ids that belong to verified users; anonymous visitors
/// can never claim one.
pub const VERIFIED_PREFIX: &str = "u";

/// Longest user id accepted (the host site's own id: a number, a UUID…).
pub const MAX_USER_ID_CHARS: usize = 200;

/// Why an identity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("identity.user_id: 1–200 characters")]
    BadUserId,
    #[error("identity.hash: it does not match the user id (HMAC-SHA256 with the line's identity secret, hex)")]
    HashMismatch,
}

/// Checks `hash` (hex HMAC-SHA256 of `user_id` under `secret`), in
/// constant time.
pub fn verify(secret: &str, user_id: &str, hash: &str) -> Result<(), IdentityError> {
    if user_id.is_empty() || user_id.chars().count() > MAX_USER_ID_CHARS {
        return Err(IdentityError::BadUserId);
    }
    let given = hex::decode(hash.trim()).map_err(|_| IdentityError::HashMismatch)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| IdentityError::HashMismatch)?;
    mac.update(user_id.as_bytes());
    mac.verify_slice(&given)
        .map_err(|_| IdentityError::HashMismatch)
}

/// The hash a site's server computes for `user_id` (also what tests and
/// the admin's documentation use).
pub fn sign(secret: &str, user_id: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Prefix of anonymous visitors' client ids.
pub const ANONYMOUS_PREFIX: &str = "v";

/// The line's client id of an anonymous visitor, derived from the secret
/// key their browser keeps (64 hex digits, minted by the edge): stable
/// across visits and dialogs (Q8, C1), and claimable only by the browser
/// holding the key — the id itself, which operators and the API see, does
/// not let anyone act as the visitor.
pub fn client_for_key(line: &str, key: &str) -> Result<String, crate::ProtocolError> {
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(crate::ProtocolError::invalid_field(
            "client_key",
            "64 hexadecimal digits, as the edge handed it out",
        ));
    }
    let digest =
        Sha256::digest(format!("anonymous\n{line}\n{}", key.to_ascii_lowercase()).as_bytes());
    Ok(format!("{ANONYMOUS_PREFIX}{}", hex::encode(&digest[..12])))
}

/// The line's client id of a verified user: stable, and not the site's
/// user id itself (it appears in URLs and logs).
pub fn client_for_user(line: &str, user_id: &str) -> String {
    let digest = Sha256::digest(format!("{line}\n{user_id}").as_bytes());
    format!("{VERIFIED_PREFIX}{}", hex::encode(&digest[..12]))
}

/// Whether a client id belongs to a verified user.
pub fn is_verified_client(client: &str) -> bool {
    client.len() == VERIFIED_PREFIX.len() + 24
        && client.starts_with(VERIFIED_PREFIX)
        && client[VERIFIED_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_from_the_site_server_verifies_and_any_other_does_not() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(sign("Jefe", "what do ya want for nothing?"), expected);
        assert_eq!(
            verify("Jefe", "what do ya want for nothing?", expected),
            Ok(())
        );
        assert_eq!(
            verify(
                "Jefe",
                "what do ya want for nothing?",
                &expected.to_uppercase()
            ),
            Ok(())
        );
        assert_eq!(
            verify("Jefe", "someone else", expected),
            Err(IdentityError::HashMismatch)
        );
        assert_eq!(verify("Jefe", "x", "zz"), Err(IdentityError::HashMismatch));
        assert_eq!(verify("Jefe", "", expected), Err(IdentityError::BadUserId));
    }

    #[test]
    fn a_verified_user_is_one_stable_client_per_line_that_anonymous_ids_cannot_look_like() {
        let a = client_for_user("demo", "42");
        assert_eq!(a, client_for_user("demo", "42"));
        assert_ne!(a, client_for_user("demo", "43"));
        assert_ne!(a, client_for_user("other", "42"));
        assert!(is_verified_client(&a));
        assert!(!is_verified_client("v0123456789abcdef01234567"));
        assert!(!is_verified_client("u42"));
    }
}
