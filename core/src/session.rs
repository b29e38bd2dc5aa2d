//! Whether a visitor's session start resumes a conversation or opens one —
//! the decisions only; the edge looks things up (the token's dialog, the
//! client's last dialog) and applies them.

use crate::identity;
use crate::ProtocolError;

/// What a stored token's dialog says of itself (its object checked the
/// token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDialog<'a> {
    pub dialog: &'a str,
    /// The line the dialog is on now (Q9 may have moved it).
    pub line: &'a str,
    /// The line it was opened on: the widget that holds the token.
    pub first_line: &'a str,
    pub client: &'a str,
}

/// A client's last dialog on the line, and whether it has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastDialog<'a> {
    pub dialog: &'a str,
    pub finished: bool,
}

/// What a stored token leads to when a session starts on `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStart {
    /// Its own dialog goes on.
    Resume,
    /// The client has a newer open dialog (C7 opened one after theirs
    /// finished): the token vouches for the client, so this browser joins
    /// it with a token of its own.
    Join { dialog: String },
    /// Nothing to go on with (another line or person, or finished).
    Nothing,
}

/// Whether a stored token goes on with a conversation on `line`: the
/// dialog was opened on this line (and may have moved to another since,
/// Q9: the conversation follows it), belongs to the same person — a
/// verified user's token is theirs alone, and a logged-out browser does not
/// see a verified user's conversation — and the client's last dialog on the
/// dialog's line (`last`) is not this one finished. When the last is
/// another, open dialog, the browser joins that one.
pub fn token_start(
    line: &str,
    token: TokenDialog<'_>,
    verified: Option<&str>,
    last: Option<LastDialog<'_>>,
) -> TokenStart {
    let same_person = match verified {
        Some(c) => c == token.client,
        None => !identity::is_verified_client(token.client),
    };
    let here = token.line == line || token.first_line == line;
    if !(same_person && here) {
        return TokenStart::Nothing;
    }
    match last {
        Some(l) if l.dialog == token.dialog && l.finished => TokenStart::Nothing,
        Some(l) if l.dialog != token.dialog && !l.finished => TokenStart::Join {
            dialog: l.dialog.to_owned(),
        },
        _ => TokenStart::Resume,
    }
}

/// What a session start does when no stored token resumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A verified user's open dialog, from another device: hand this device
    /// its own token for it.
    JoinFromDevice { dialog: String },
    /// A background resume (`resume_only`) with nothing to resume.
    NothingToResume,
    /// A new dialog for this client.
    Open { client: NewClient },
}

/// The client a new dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewClient {
    /// A verified user, or a returning anonymous visitor (by their key).
    Known(String),
    /// A new anonymous visitor: the edge mints a key.
    Fresh,
}

/// The decision after the token: a verified user's open dialog joins from
/// this device; otherwise a dialog opens unless this is only a resume. The
/// verified user comes first; then the anonymous visitor whose key the
/// browser holds (`anonymous`: the client id derived from it); else a new
/// anonymous visitor.
pub fn start(
    verified: Option<&str>,
    verified_last: Option<LastDialog<'_>>,
    resume_only: bool,
    anonymous: Option<&str>,
) -> Result<Start, ProtocolError> {
    if let (Some(_), Some(last)) = (verified, verified_last) {
        if !last.finished {
            return Ok(Start::JoinFromDevice {
                dialog: last.dialog.to_owned(),
            });
        }
    }
    if resume_only {
        return Ok(Start::NothingToResume);
    }
    let client = match (verified, anonymous) {
        (Some(c), _) | (None, Some(c)) => NewClient::Known(c.to_owned()),
        (None, None) => NewClient::Fresh,
    };
    Ok(Start::Open { client })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified_client() -> String {
        identity::client_for_user("shop", "user-42")
    }

    fn token<'a>(dialog: &'a str, client: &'a str) -> TokenDialog<'a> {
        TokenDialog {
            dialog,
            line: "shop",
            first_line: "shop",
            client,
        }
    }

    #[test]
    fn a_token_resumes_its_open_dialog_on_the_same_line_for_the_same_person() {
        let t = token("d1", "v1");
        assert_eq!(token_start("shop", t, None, None), TokenStart::Resume);
        assert_eq!(token_start("other", t, None, None), TokenStart::Nothing);
        let finished = LastDialog {
            dialog: "d1",
            finished: true,
        };
        assert_eq!(
            token_start("shop", t, None, Some(finished)),
            TokenStart::Nothing
        );
        let newer = LastDialog {
            dialog: "d2",
            finished: true,
        };
        assert_eq!(
            token_start("shop", t, None, Some(newer)),
            TokenStart::Resume
        );
    }

    #[test]
    fn a_conversation_moved_to_another_line_follows_the_token_of_its_first_line() {
        let moved = TokenDialog {
            line: "wholesale",
            ..token("d1", "v1")
        };
        let open = LastDialog {
            dialog: "d1",
            finished: false,
        };
        assert_eq!(
            token_start("shop", moved, None, Some(open)),
            TokenStart::Resume
        );
        assert_eq!(
            token_start("elsewhere", moved, None, Some(open)),
            TokenStart::Nothing
        );
    }

    #[test]
    fn a_finished_dialogs_token_joins_the_clients_newer_open_dialog() {
        let t = token("d1", "v1");
        let newer = LastDialog {
            dialog: "d2",
            finished: false,
        };
        assert_eq!(
            token_start("shop", t, None, Some(newer)),
            TokenStart::Join {
                dialog: "d2".into()
            }
        );
        let c = verified_client();
        let theirs = token("d1", &c);
        assert_eq!(
            token_start("shop", theirs, None, Some(newer)),
            TokenStart::Nothing,
            "a logged-out browser does not join a verified user's dialog"
        );
    }

    #[test]
    fn a_verified_users_token_is_theirs_alone() {
        let c = verified_client();
        let t = token("d1", &c);
        assert_eq!(token_start("shop", t, Some(&c), None), TokenStart::Resume);
        assert_eq!(
            token_start("shop", t, None, None),
            TokenStart::Nothing,
            "logged out"
        );
        let other = identity::client_for_user("shop", "user-7");
        assert_eq!(
            token_start("shop", t, Some(&other), None),
            TokenStart::Nothing,
            "another user"
        );
        let anon = token("d1", "v1");
        assert_eq!(
            token_start("shop", anon, Some(&c), None),
            TokenStart::Nothing,
            "an anonymous token is not a logged-in user's"
        );
    }

    #[test]
    fn a_verified_users_open_dialog_joins_from_another_device() {
        let c = verified_client();
        let open = LastDialog {
            dialog: "d9",
            finished: false,
        };
        assert_eq!(
            start(Some(&c), Some(open), true, None).unwrap(),
            Start::JoinFromDevice {
                dialog: "d9".into()
            }
        );
        let done = LastDialog {
            finished: true,
            ..open
        };
        assert_eq!(
            start(Some(&c), Some(done), false, None).unwrap(),
            Start::Open {
                client: NewClient::Known(c.clone())
            }
        );
    }

    #[test]
    fn a_background_resume_never_opens_a_dialog() {
        assert_eq!(
            start(None, None, true, Some("v1")).unwrap(),
            Start::NothingToResume
        );
    }

    #[test]
    fn the_verified_user_comes_before_the_browsers_anonymous_self() {
        let c = verified_client();
        let anon = identity::client_for_key("shop", &"ab".repeat(32)).unwrap();
        assert_eq!(
            start(Some(&c), None, false, Some(&anon)).unwrap(),
            Start::Open {
                client: NewClient::Known(c.clone())
            }
        );
        assert_eq!(
            start(None, None, false, Some(&anon)).unwrap(),
            Start::Open {
                client: NewClient::Known(anon.clone())
            }
        );
        assert_eq!(
            start(None, None, false, None).unwrap(),
            Start::Open {
                client: NewClient::Fresh
            }
        );
    }

    #[test]
    fn an_anonymous_client_is_claimable_only_with_its_key() {
        let key = "0f".repeat(32);
        let a = identity::client_for_key("shop", &key).unwrap();
        assert_eq!(
            a,
            identity::client_for_key("shop", &key.to_uppercase()).unwrap()
        );
        assert!(a.starts_with(identity::ANONYMOUS_PREFIX) && a.len() == 25);
        assert_ne!(
            a,
            identity::client_for_key("other", &key).unwrap(),
            "per line"
        );
        assert!(!identity::is_verified_client(&a));
        for bad in ["", "short", &"zz".repeat(32), &"0f".repeat(33)] {
            assert!(identity::client_for_key("shop", bad).is_err(), "{bad}");
        }
    }
}
