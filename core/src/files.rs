//! Files people upload (O1 avatars today, attachments next): what a file
//! is, read from its first bytes and never from its name or the type its
//! sender claims, and the limits each use sets (attachments' own rules:
//! `attachments.rs`).

use crate::{ErrorCode, ProtocolError};

/// A file type the product accepts, recognised by content.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
}

impl FileKind {
    /// The type served with the file.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The extension of the stored name.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Gif => "gif",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }

    /// Whether a browser shows it as a picture.
    pub fn is_image(self) -> bool {
        !matches!(self, FileKind::Pdf)
    }

    /// Its name on the wire (as serde writes it): `png`, `jpeg`…
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            other => other.extension(),
        }
    }

    /// Every kind, in a fixed order.
    pub const ALL: [FileKind; 5] = [
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Gif,
        FileKind::Webp,
        FileKind::Pdf,
    ];

    /// The kind a stored name's extension stands for (names are made by
    /// [`FileKind::extension`], so this is their inverse).
    pub fn from_extension(ext: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.extension() == ext)
    }
}

/// What the first bytes say the file is, if it is a kind we accept.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(FileKind::Gif)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else {
        None
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        0,
    ]))
}

/// An image's width and height from its header, without decoding it; None
/// when the header is cut short or malformed.
pub fn image_size(bytes: &[u8], kind: FileKind) -> Option<(u32, u32)> {
    match kind {
        // The IHDR chunk comes first: width and height at 16 and 20.
        FileKind::Png => {
            (bytes.get(12..16)? == b"IHDR").then_some((be32(bytes, 16)?, be32(bytes, 20)?))
        }
        FileKind::Gif => Some((le16(bytes, 6)?, le16(bytes, 8)?)),
        FileKind::Webp => match bytes.get(12..16)? {
            b"VP8 " => Some((le16(bytes, 26)? & 0x3FFF, le16(bytes, 28)? & 0x3FFF)),
            b"VP8L" => {
                let b = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
                Some(((b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1))
            }
            b"VP8X" => Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1)),
            _ => None,
        },
        FileKind::Jpeg => jpeg_size(bytes),
        FileKind::Pdf => None,
    }
}

/// Walks a JPEG's segments to its frame header (SOF0–SOF15 but the DHT,
/// JPG and DAC markers), which holds height then width.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
            at += 1; // fill bytes
        }
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        let length = be16(b, at + 2)? as usize;
        let is_frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            return Some((be16(b, at + 7)?, be16(b, at + 5)?));
        }
        if length < 2 {
            return None;
        }
        at += 2 + length;
    }
}

/// O1: the largest avatar accepted, in bytes. The console shrinks a
/// picture to 256 × 256 before sending it, so this is generous.
pub const AVATAR_MAX_BYTES: usize = 512 * 1024;
/// O1: the largest side of an avatar, in pixels.
pub const AVATAR_MAX_SIDE: u32 = 1024;

/// O1: an avatar must be a picture (PNG, JPEG, GIF or WebP by content),
/// at most [`AVATAR_MAX_BYTES`] and [`AVATAR_MAX_SIDE`] on each side.
pub fn check_avatar(bytes: &[u8]) -> Result<FileKind, ProtocolError> {
    let bad = |why: &str| ProtocolError::new(ErrorCode::InvalidField, format!("avatar: {why}"));
    if bytes.is_empty() {
        return Err(bad("the picture is empty"));
    }
    if bytes.len() > AVATAR_MAX_BYTES {
        return Err(bad("at most 512 KB"));
    }
    let kind = sniff(bytes)
        .filter(|k| k.is_image())
        .ok_or_else(|| bad("a PNG, JPEG, GIF or WebP picture is needed"))?;
    match image_size(bytes, kind) {
        Some((w, h)) if w > 0 && h > 0 && w <= AVATAR_MAX_SIDE && h <= AVATAR_MAX_SIDE => Ok(kind),
        Some(_) => Err(bad("at most 1024 × 1024 pixels")),
        None => Err(bad("the picture could not be read")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG header of the given size (signature, IHDR).
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn wire_names_are_serde_s() {
        for k in FileKind::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
    }

    #[test]
    fn the_kind_comes_from_the_content_not_the_name() {
        assert_eq!(sniff(&png(1, 1)), Some(FileKind::Png));
        assert_eq!(sniff(b"GIF89a\x10\0\x20\0"), Some(FileKind::Gif));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn sizes_are_read_from_each_header() {
        assert_eq!(image_size(&png(300, 200), FileKind::Png), Some((300, 200)));
        assert_eq!(
            image_size(b"GIF89a\x10\0\x20\0", FileKind::Gif),
            Some((16, 32))
        );
        // A baseline JPEG: SOI, an APP0 segment, then SOF0 (height 40, width 50).
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x28, 0x00, 0x32, 0x03,
        ];
        assert_eq!(image_size(&jpeg, FileKind::Jpeg), Some((50, 40)));
        // WebP lossless: 1 + 14 bits each.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        let bits: u32 = (99) | (49 << 14);
        webp.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(image_size(&webp, FileKind::Webp), Some((100, 50)));
        assert_eq!(
            image_size(&png(1, 1)[..18], FileKind::Png),
            None,
            "cut short"
        );
    }

    #[test]
    fn an_avatar_is_a_picture_of_bounded_size() {
        assert_eq!(check_avatar(&png(256, 256)), Ok(FileKind::Png));
        let code = |r: Result<FileKind, ProtocolError>| r.map_err(|e| e.message);
        assert!(code(check_avatar(b"%PDF-1.7\n"))
            .unwrap_err()
            .contains("PNG, JPEG, GIF or WebP"));
        assert!(code(check_avatar(&png(4096, 10)))
            .unwrap_err()
            .contains("1024"));
        assert!(code(check_avatar(&[])).unwrap_err().contains("empty"));
        let mut big = png(10, 10);
        big.resize(AVATAR_MAX_BYTES + 1, 0);
        assert!(code(check_avatar(&big)).unwrap_err().contains("512 KB"));
    }
}
