//! Issue 13 with 11.3: files through Telegram both ways. A client's photo
//! or document is fetched (`getFile`, then the file's address) and kept as
//! the message's attachment; an operator's file goes out as `sendPhoto` or
//! `sendDocument` with the file in a multipart body. What the adapter needs
//! to decide and to write is here, without I/O.

use crate::files::FileKind;
use serde::{Deserialize, Serialize};

/// A file a Telegram message carries, as Telegram names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramFile {
    pub file_id: String,
    /// A document's own name (photos have none).
    pub name: Option<String>,
}

impl TelegramFile {
    /// The name the file is kept under: the document's, else "photo".
    pub fn shown_name(&self) -> &str {
        self.name.as_deref().unwrap_or("photo")
    }
}

/// The largest picture Telegram takes as a photo (`sendPhoto`: 10 MB).
pub const MAX_PHOTO_BYTES: u64 = 10_000_000;

/// Telegram's method and field for sending a file of `kind` and `size`:
/// pictures as photos (Telegram shows them inline) up to its photo limit,
/// the rest as documents. GIFs go as documents, which keeps them as sent.
pub fn send_method(kind: FileKind, size: u64) -> (&'static str, &'static str) {
    match kind {
        FileKind::Png | FileKind::Jpeg | FileKind::Webp if size <= MAX_PHOTO_BYTES => {
            ("sendPhoto", "photo")
        }
        _ => ("sendDocument", "document"),
    }
}

/// `getFile`'s answer: where to download the file, and its size if told.
pub fn file_path(answer: &str) -> Option<(String, Option<u64>)> {
    #[derive(Deserialize)]
    struct Answer {
        ok: bool,
        result: Option<File>,
    }
    #[derive(Deserialize)]
    struct File {
        file_path: Option<String>,
        file_size: Option<u64>,
    }
    let a: Answer = serde_json::from_str(answer).ok()?;
    let f = a.result.filter(|_| a.ok)?;
    let path = f.file_path.filter(|p| !p.is_empty() && !p.contains(".."))?;
    Some((path, f.file_size))
}

/// A `multipart/form-data` body: the text `fields`, then the file under
/// `file_field` with its name and type. The boundary must not occur in
/// the file (a random one of 32 hex digits will not, in practice).
pub fn multipart(
    boundary: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    file_name: &str,
    mime: &str,
    bytes: &[u8],
) -> Vec<u8> {
    // Quotes and line breaks would end the header's value early.
    let name: String = file_name
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\r' | '\n' | '\\') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut out = Vec::with_capacity(bytes.len() + 512);
    for (k, v) in fields {
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    out.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    out.extend_from_slice(bytes);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_go_as_photos_the_rest_as_documents() {
        assert_eq!(send_method(FileKind::Jpeg, 1000), ("sendPhoto", "photo"));
        assert_eq!(
            send_method(FileKind::Pdf, 1000),
            ("sendDocument", "document")
        );
        assert_eq!(send_method(FileKind::Gif, 1000).0, "sendDocument");
        assert_eq!(
            send_method(FileKind::Png, MAX_PHOTO_BYTES + 1),
            ("sendDocument", "document"),
            "too big for a photo"
        );
    }

    #[test]
    fn get_file_answers_give_a_path_or_nothing() {
        assert_eq!(
            file_path(
                r#"{"ok":true,"result":{"file_id":"a","file_size":12,"file_path":"photos/file_1.jpg"}}"#
            ),
            Some(("photos/file_1.jpg".into(), Some(12)))
        );
        assert_eq!(
            file_path(r#"{"ok":true,"result":{"file_id":"a"}}"#),
            None,
            "too big to download: no path"
        );
        assert_eq!(
            file_path(
                r#"{"ok":false,"error_code":400,"description":"Bad Request: invalid file_id"}"#
            ),
            None
        );
        assert_eq!(
            file_path(r#"{"ok":true,"result":{"file_path":"../../etc"}}"#),
            None
        );
        assert_eq!(file_path("not json"), None);
    }

    #[test]
    fn a_multipart_body_has_each_field_and_the_file() {
        let body = multipart(
            "B0",
            &[("chat_id", "42"), ("caption", "Anna")],
            "document",
            "a\"b.pdf",
            "application/pdf",
            b"%PDF-1.4",
        );
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            text,
            "--B0\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n\
             --B0\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nAnna\r\n\
             --B0\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a_b.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--B0--\r\n"
        );
    }
}
