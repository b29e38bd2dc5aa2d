//! Random identifiers and secrets, and how secrets are stored (hashed) and
//! compared (in constant time).

use sha2::{Digest, Sha256};

/// A random identifier of `bytes` random bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(hex::encode(buf))
}

/// SHA-256 of a high-entropy secret (a token, never a password), hex.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// SHA-256 of some bytes, hex: a file's content address.
pub fn token_hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Compares two strings without an early exit, so timing reveals nothing
/// about how much of a secret matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
