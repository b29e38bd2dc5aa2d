//! Issue 11.3: files in a conversation — what a line accepts (kinds by
//! content, a largest size), the name a file is shown under, and the links
//! that serve it: signed and expiring, handed only to the dialog's
//! participants, so a file's address leaks nothing lasting.

use crate::files::{sniff, FileKind};
use crate::{ErrorCode, Millis, ProtocolError};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// A file sent in a conversation, as a message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    /// Where it is kept: `{dialog}/{random}.{ext}` (links name it).
    pub id: String,
    /// The name it was sent under (cleaned by [`shown_name`]).
    pub name: String,
    pub kind: FileKind,
    /// Its size in bytes.
    pub size: u64,
}

/// What a line accepts as attachments (per line, in its settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttachmentRules {
    /// Whether files may be sent at all (by visitors and operators).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The largest file, in bytes ([`MIN_BYTES`]–[`MAX_BYTES`]).
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u32,
    /// The kinds accepted, recognised by content (not by name).
    #[serde(default = "all_kinds")]
    pub kinds: Vec<FileKind>,
}

fn yes() -> bool {
    true
}

fn default_max_bytes() -> u32 {
    DEFAULT_MAX_BYTES
}

fn all_kinds() -> Vec<FileKind> {
    FileKind::ALL.to_vec()
}

/// The largest file a line accepts unless it says otherwise: 10 MB.
pub const DEFAULT_MAX_BYTES: u32 = 10 * 1024 * 1024;
/// The largest limit a line may set: 25 MB (a Worker reads the body whole).
pub const MAX_BYTES: u32 = 25 * 1024 * 1024;
/// The smallest limit a line may set: 1 KB.
pub const MIN_BYTES: u32 = 1024;
/// Longest name shown, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// How long a link serves its file.
pub const LINK_TTL_MS: Millis = 15 * 60 * 1000;
/// How long a link in an e-mail copy (F3) serves its file: a mail is read
/// later than a page, but such a link must not serve for ever either.
pub const MAIL_LINK_TTL_MS: Millis = 7 * 24 * 60 * 60 * 1000;

impl Default for AttachmentRules {
    fn default() -> Self {
        AttachmentRules {
            enabled: true,
            max_bytes: DEFAULT_MAX_BYTES,
            kinds: all_kinds(),
        }
    }
}

impl AttachmentRules {
    /// The settings' check (field, reason): a limit within bounds, some
    /// kind when enabled.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if !(MIN_BYTES..=MAX_BYTES).contains(&self.max_bytes) {
            return Some(("attachments.max_bytes", "between 1 KB and 25 MB"));
        }
        if self.enabled && self.kinds.is_empty() {
            return Some((
                "attachments.kinds",
                "name at least one kind, or turn attachments off",
            ));
        }
        None
    }

    /// A file's kind by its content, if the line accepts it: refused when
    /// attachments are off (403), too big (413), empty (400) or of a kind
    /// the line does not take (415) — whatever its name says.
    pub fn check(&self, bytes: &[u8]) -> Result<FileKind, ProtocolError> {
        if !self.enabled {
            return Err(ProtocolError::new(
                ErrorCode::Forbidden,
                "this line does not accept files",
            ));
        }
        if bytes.is_empty() {
            return Err(ProtocolError::invalid_field("file", "the file is empty"));
        }
        if bytes.len() > self.max_bytes as usize {
            return Err(self.too_big());
        }
        sniff(bytes)
            .filter(|k| self.kinds.contains(k))
            .ok_or_else(|| {
                ProtocolError::new(
                    ErrorCode::UnsupportedMediaType,
                    "this kind of file is not accepted here",
                )
            })
    }
}

impl AttachmentRules {
    /// The refusal of a file over the line's limit (413).
    pub fn too_big(&self) -> ProtocolError {
        ProtocolError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "files of at most {} are accepted",
                size_words(self.max_bytes.into())
            ),
        )
    }
}

/// "2.5 MB", "300 KB", "900 B": a size as people read it.
pub fn size_words(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10).div_ceil(MB);
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= KB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{bytes} B")
    }
}

/// The name a file is shown under: its last path part, without control
/// characters, at most [`MAX_NAME_CHARS`]; "file.{ext}" when nothing is
/// left (nor marks that reorder text). The extension is the kind's,
/// whatever the sender named it.
pub fn shown_name(raw: &str, kind: FileKind) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect::<String>()
        .trim()
        .to_owned();
    let stem = match clean.rsplit_once('.') {
        Some((stem, _)) => stem.trim(),
        None => clean.as_str(),
    };
    let ext = kind.extension();
    let stem: String = stem.chars().take(MAX_NAME_CHARS - ext.len() - 1).collect();
    if stem.is_empty() {
        format!("file.{ext}")
    } else {
        format!("{stem}.{ext}")
    }
}

/// Marks that reorder text (an "exe" shown as "pdf" after U+202E).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A stored file's id for `dialog`: `{dialog}/{random}.{ext}`.
pub fn file_id(dialog: &str, random: &str, kind: FileKind) -> String {
    format!("{dialog}/{random}.{}", kind.extension())
}

/// The dialog a file id belongs to, if the id is well formed: one slash,
/// a random part of hex digits and a known extension. Anything else (a
/// path climbing out, another bucket's key) is no file of ours.
pub fn dialog_of(id: &str) -> Option<&str> {
    let (dialog, file) = id.split_once('/')?;
    let (random, ext) = file.split_once('.')?;
    let ok = !dialog.is_empty()
        && dialog
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && random.len() >= 16
        && random.chars().all(|c| c.is_ascii_hexdigit())
        && FileKind::from_extension(ext).is_some();
    ok.then_some(dialog)
}

/// The MAC of a link to file `id` valid until `expires` (epoch ms).
fn link_mac(key: &[u8], id: &str, expires: Millis) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b"\n");
    mac.update(expires.to_string().as_bytes());
    Some(mac)
}

/// The signature of a link to file `id` valid until `expires` (epoch ms).
pub fn link_signature(key: &[u8], id: &str, expires: Millis) -> String {
    link_mac(key, id, expires)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// The query of a link to `id` that serves until `expires` (now plus
/// [`LINK_TTL_MS`] or [`MAIL_LINK_TTL_MS`]): `exp={ms}&sig={hex}`.
pub fn link_query(key: &[u8], id: &str, expires: Millis) -> String {
    format!("exp={expires}&sig={}", link_signature(key, id, expires))
}

/// Whether a link's `exp` and `sig` serve `id` at `now`: signed with `key`
/// (compared in constant time) and not expired.
pub fn link_valid(key: &[u8], id: &str, expires: Millis, sig: &str, now: Millis) -> bool {
    let (Some(mac), Ok(sig)) = (link_mac(key, id, expires), hex::decode(sig)) else {
        return false;
    };
    now <= expires && mac.verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";

    #[test]
    fn a_file_is_judged_by_its_content_size_and_the_line_s_kinds() {
        let rules = AttachmentRules::default();
        assert_eq!(rules.check(PNG), Ok(FileKind::Png));
        assert_eq!(rules.check(b"%PDF-1.4 x"), Ok(FileKind::Pdf));
        let code = |r: Result<FileKind, ProtocolError>| r.err().map(|e| e.code);
        assert_eq!(
            code(rules.check(b"hello, world")),
            Some(ErrorCode::UnsupportedMediaType)
        );
        assert_eq!(code(rules.check(b"")), Some(ErrorCode::InvalidField));
        let images = AttachmentRules {
            kinds: vec![FileKind::Png, FileKind::Jpeg],
            max_bytes: MIN_BYTES,
            ..AttachmentRules::default()
        };
        assert_eq!(
            code(images.check(b"%PDF-1.4 x")),
            Some(ErrorCode::UnsupportedMediaType)
        );
        let big = [PNG, &[0u8; 1100]].concat();
        assert_eq!(code(images.check(&big)), Some(ErrorCode::PayloadTooLarge));
        let off = AttachmentRules {
            enabled: false,
            ..AttachmentRules::default()
        };
        assert_eq!(code(off.check(PNG)), Some(ErrorCode::Forbidden));
    }

    #[test]
    fn settings_bounds() {
        assert!(AttachmentRules::default().problem().is_none());
        for max_bytes in [0, MIN_BYTES - 1, MAX_BYTES + 1] {
            let r = AttachmentRules {
                max_bytes,
                ..AttachmentRules::default()
            };
            assert!(r.problem().is_some(), "{max_bytes}");
        }
        let none = AttachmentRules {
            kinds: vec![],
            ..AttachmentRules::default()
        };
        assert!(none.problem().is_some());
        assert!(AttachmentRules {
            enabled: false,
            ..none
        }
        .problem()
        .is_none());
        // Lines saved before attachments existed accept them with defaults.
        let old: AttachmentRules = serde_json::from_str("{}").unwrap();
        assert_eq!(old, AttachmentRules::default());
    }

    #[test]
    fn names_keep_their_last_part_and_take_the_kind_s_extension() {
        assert_eq!(
            shown_name("C:\\Users\\olga\\photo.PNG", FileKind::Png),
            "photo.png"
        );
        assert_eq!(shown_name("../../etc/passwd", FileKind::Pdf), "passwd.pdf");
        assert_eq!(
            shown_name("invoice\u{202e}fdp.exe", FileKind::Pdf),
            "invoicefdp.pdf"
        );
        assert_eq!(shown_name("", FileKind::Jpeg), "file.jpg");
        assert_eq!(shown_name("  .png", FileKind::Png), "file.png");
        assert_eq!(
            shown_name(&"a".repeat(500), FileKind::Gif).chars().count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn ids_name_their_dialog_and_nothing_else() {
        let id = file_id("d-1", "0123456789abcdef", FileKind::Png);
        assert_eq!(dialog_of(&id), Some("d-1"));
        for bad in [
            "d1/../x/0123456789abcdef.png",
            "d1/0123456789abcdef.svg",
            "d1/short.png",
            "avatars/0123456789abcdef.png/x",
            "/0123456789abcdef.png",
            "d1/0123456789abcdeg.png",
        ] {
            assert_eq!(dialog_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_link_serves_its_file_until_it_expires_and_no_other() {
        let key = b"k".repeat(32);
        let id = "d1/0123456789abcdef.png";
        let now = 1_000_000;
        let q = link_query(&key, id, now + LINK_TTL_MS);
        let (exp, sig) = q.split_once("&sig=").unwrap();
        let exp: Millis = exp.trim_start_matches("exp=").parse().unwrap();
        assert_eq!(exp, now + LINK_TTL_MS);
        assert!(link_valid(&key, id, exp, sig, now));
        assert!(link_valid(&key, id, exp, sig, exp));
        assert!(!link_valid(&key, id, exp, sig, exp + 1), "expired");
        assert!(
            !link_valid(&key, "d2/0123456789abcdef.png", exp, sig, now),
            "another file"
        );
        assert!(
            !link_valid(&key, id, exp + 60_000, sig, now),
            "a longer life"
        );
        assert!(!link_valid(b"other", id, exp, sig, now), "another key");
        assert!(!link_valid(&key, id, exp, "zz", now));
    }
}
