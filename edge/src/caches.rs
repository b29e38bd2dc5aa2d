//! Short-lived caches in the worker's isolate, so the message path does not
//! call a shared object on every request.
//!
//! - Operator sessions: a verified session is trusted for [`SESSION_TTL_MS`]
//!   before the accounts object is asked again. Logout and account changes
//!   made through this isolate evict at once; other isolates (Cloudflare
//!   runs many) see a logout, a dismissal or a role change within the TTL.
//!   That is the trade-off for taking the one global object off every
//!   operator request (see docs/architecture.md).
//! - Line settings: what the widget's config and new sessions read. A
//!   settings change made through this isolate evicts at once; other
//!   isolates see it within [`SETTINGS_TTL_MS`].
//! - The lines directory: whether a line exists, so a request naming an
//!   unknown line is refused before its Durable Object is touched (each
//!   new id would otherwise create storage); with the settings' TTL.
//! - Line availability (issue 11.1: online now, the usual reply time),
//!   for the widget's config: with the settings' TTL, so a page view wakes
//!   the line's object at most once per TTL and isolate.
//! - Line membership: whether an operator works on a line (its queue holds
//!   them), with the settings' TTL; a settings or department change made
//!   through this isolate evicts the line's entries at once.

use openline_core::line::Availability;
use openline_core::protocol::Account;
use openline_core::settings::LineSettings;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a verified operator session is trusted without asking again.
pub const SESSION_TTL_MS: f64 = 5_000.0;
/// How long a line's settings are reused by the worker.
pub const SETTINGS_TTL_MS: f64 = 10_000.0;
/// Entries kept at most per cache; past it the cache starts afresh.
const MAX_ENTRIES: usize = 10_000;

struct Cache<T> {
    entries: HashMap<String, (T, f64)>,
}

impl<T: Clone> Cache<T> {
    fn new() -> Self {
        Cache {
            entries: HashMap::new(),
        }
    }
    fn get(&self, key: &str, now: f64) -> Option<T> {
        self.entries
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v.clone())
    }
    fn put(&mut self, key: String, value: T, until: f64) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(key, (value, until));
    }
}

thread_local! {
    static SESSIONS: RefCell<Cache<Account>> = RefCell::new(Cache::new());
    static SETTINGS: RefCell<Cache<LineSettings>> = RefCell::new(Cache::new());
    static MEMBERS: RefCell<Cache<bool>> = RefCell::new(Cache::new());
    static LINES: RefCell<Cache<bool>> = RefCell::new(Cache::new());
    static AVAILABILITY: RefCell<Cache<Availability>> = RefCell::new(Cache::new());
}

/// A line's availability as it said less than the TTL ago.
pub fn availability(line: &str) -> Option<Availability> {
    AVAILABILITY.with(|c| c.borrow().get(line, now()))
}

/// Remembers what a line said of its availability.
pub fn remember_availability(line: &str, a: Availability) {
    AVAILABILITY.with(|c| {
        c.borrow_mut()
            .put(line.to_owned(), a, now() + SETTINGS_TTL_MS)
    });
}

/// Whether a line exists, as the directory said less than the TTL ago.
pub fn line_exists(line: &str) -> Option<bool> {
    LINES.with(|c| c.borrow().get(line, now()))
}

/// Remembers what the directory says of a line.
pub fn remember_line(line: &str, exists: bool) {
    LINES.with(|c| {
        c.borrow_mut()
            .put(line.to_owned(), exists, now() + SETTINGS_TTL_MS)
    });
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// The account of a session verified less than the TTL ago.
pub fn session(token_hash: &str) -> Option<Account> {
    SESSIONS.with(|c| c.borrow().get(token_hash, now()))
}

/// Remembers a verified session.
pub fn remember_session(token_hash: &str, account: &Account) {
    SESSIONS.with(|c| {
        c.borrow_mut().put(
            token_hash.to_owned(),
            account.clone(),
            now() + SESSION_TTL_MS,
        )
    });
}

/// Forgets one session (logout).
pub fn forget_session(token_hash: &str) {
    SESSIONS.with(|c| {
        c.borrow_mut().entries.remove(token_hash);
    });
}

/// Forgets every session of an account (dismissal, role change).
pub fn forget_account(account: &str) {
    SESSIONS.with(|c| c.borrow_mut().entries.retain(|_, (a, _)| a.id != account));
}

/// A line's settings read less than the TTL ago.
pub fn settings(line: &str) -> Option<LineSettings> {
    SETTINGS.with(|c| c.borrow().get(line, now()))
}

/// Remembers a line's settings.
pub fn remember_settings(line: &str, settings: &LineSettings) {
    SETTINGS.with(|c| {
        c.borrow_mut()
            .put(line.to_owned(), settings.clone(), now() + SETTINGS_TTL_MS)
    });
}

/// Forgets a line's settings (changed or deleted), and who works on it.
pub fn forget_settings(line: &str) {
    SETTINGS.with(|c| {
        c.borrow_mut().entries.remove(line);
    });
    LINES.with(|c| {
        c.borrow_mut().entries.remove(line);
    });
    let prefix = format!("{line}\n");
    MEMBERS.with(|c| {
        c.borrow_mut()
            .entries
            .retain(|k, _| !k.starts_with(&prefix))
    });
}

/// Whether `operator` works on `line`, as the line said less than the TTL
/// ago.
pub fn membership(line: &str, operator: &str) -> Option<bool> {
    MEMBERS.with(|c| c.borrow().get(&format!("{line}\n{operator}"), now()))
}

/// Remembers what the line said of an operator.
pub fn remember_membership(line: &str, operator: &str, member: bool) {
    MEMBERS.with(|c| {
        c.borrow_mut().put(
            format!("{line}\n{operator}"),
            member,
            now() + SETTINGS_TTL_MS,
        )
    });
}
