//! Whether a visitor's session start resumes a conversation or opens one —
//! the decisions only; the edge looks things up (the token's dialog, the
//! client's last dialog) and applies them.

use crate::identity;
use crate::text;
use crate::ProtocolError;

/// What a stored token's dialog says of itself (its object checked the
/// token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenDialog<'a> {
    pub dialog: &'a str,
    pub line: &'a str,
    pub client: &'a str,
}

/// A client's last dialog on the line, and whether it has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastDialog<'a> {
    pub dialog: &'a str,
    pub finished: bool,
}

/// Whether a stored token resumes its dialog on `line`: the dialog is on
/// this line, belongs to the same person — a verified user's token is
/// theirs alone, and a logged-out browser does not see a verified user's
/// conversation — and has not finished (`last`: the token's client's last
/// dialog, as the line knows it).
pub fn token_resumes(
    line: &str,
    token: TokenDialog<'_>,
    verified: Option<&str>,
    last: Option<LastDialog<'_>>,
) -> bool {
    let same_person = match verified {
        Some(c) => c == token.client,
        None => !identity::is_verified_client(token.client),
    };
    let finished = last.is_some_and(|l| l.dialog == token.dialog && l.finished);
    token.line == line && same_person && !finished
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
    /// The client the request names: a verified user, or a returning
    /// anonymous visitor's id.
    Known(String),
    /// A new anonymous visitor: the edge mints an id.
    Fresh,
}

/// The decision after the token: a verified user's open dialog joins from
/// this device; otherwise a dialog opens unless this is only a resume.
/// Only the site can vouch for a verified client: an anonymous request
/// naming one (a logged-out browser, or someone borrowing the id) starts as
/// a new anonymous visitor.
pub fn start(
    verified: Option<&str>,
    verified_last: Option<LastDialog<'_>>,
    resume_only: bool,
    requested_client: Option<&str>,
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
    let client = match (verified, requested_client) {
        (Some(c), _) => NewClient::Known(c.to_owned()),
        (None, Some(c)) if !identity::is_verified_client(c) => {
            NewClient::Known(text::identifier("client", c)?)
        }
        (None, _) => NewClient::Fresh,
    };
    Ok(Start::Open { client })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified_client() -> String {
        identity::client_for_user("shop", "user-42")
    }

    #[test]
    fn a_token_resumes_its_open_dialog_on_the_same_line_for_the_same_person() {
        let t = TokenDialog {
            dialog: "d1",
            line: "shop",
            client: "v1",
        };
        assert!(token_resumes("shop", t, None, None));
        assert!(!token_resumes("other", t, None, None), "another line");
        let finished = LastDialog {
            dialog: "d1",
            finished: true,
        };
        assert!(!token_resumes("shop", t, None, Some(finished)), "finished");
        let newer = LastDialog {
            dialog: "d2",
            finished: true,
        };
        assert!(token_resumes("shop", t, None, Some(newer)));
    }

    #[test]
    fn a_verified_users_token_is_theirs_alone() {
        let c = verified_client();
        let t = TokenDialog {
            dialog: "d1",
            line: "shop",
            client: &c,
        };
        assert!(token_resumes("shop", t, Some(&c), None));
        assert!(!token_resumes("shop", t, None, None), "logged out");
        let other = identity::client_for_user("shop", "user-7");
        assert!(
            !token_resumes("shop", t, Some(&other), None),
            "another user"
        );
        let anon = TokenDialog { client: "v1", ..t };
        assert!(
            !token_resumes("shop", anon, Some(&c), None),
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
    fn only_the_site_vouches_for_a_verified_client() {
        let c = verified_client();
        assert_eq!(
            start(None, None, false, Some(&c)).unwrap(),
            Start::Open {
                client: NewClient::Fresh
            }
        );
        assert_eq!(
            start(None, None, false, Some("v1")).unwrap(),
            Start::Open {
                client: NewClient::Known("v1".into())
            }
        );
        assert!(start(None, None, false, Some("bad id!")).is_err());
        assert_eq!(
            start(None, None, false, None).unwrap(),
            Start::Open {
                client: NewClient::Fresh
            }
        );
    }
}
