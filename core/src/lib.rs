//! openline's pure core.
//!
//! Everything here is deterministic and free of I/O: no clock, no storage,
//! no network. The edge worker, the widget and the console are thin adapters
//! that feed events (with the current time in epoch milliseconds) in and
//! apply the returned effects. That keeps the product's rules testable
//! natively in milliseconds and shared by every piece.
//!
//! - [`line`]: routing and the dialog lifecycle of one line (Q, T, R, K, B).
//! - [`conversation`]: who sees which message and typing inside a dialog (Q11, W1).
//! - [`settings`], [`hours`], [`operator`], [`consent`]: the line's rules.
//! - [`session`]: whether a visitor's session start resumes or opens a dialog.
//! - [`timers`]: the deadline table behind the edge's single alarm.
//! - [`protocol`], [`error`], [`text`]: the wire format shared by all pieces.

pub mod accounts;
pub mod attachments;
pub mod bots;
pub mod channels;
pub mod client_merge;
pub mod consent;
pub mod conversation;
pub mod dates;
pub mod deployment;
pub mod dialog_search;
pub mod email;
pub mod error;
pub mod files;
pub mod frame_reader;
pub mod hours;
pub mod identity;
pub mod leads;
pub mod line;
pub mod operator;
pub mod order;
pub mod privacy;
pub mod protocol;
pub mod quick_answers;
pub mod replies;
pub mod requests;
pub mod session;
pub mod settings;
pub mod simulator;
pub mod statistics;
pub mod telegram_files;
pub mod text;
pub mod timers;
pub mod tzdb;
pub mod visits;
pub mod webhooks;
pub mod widget_settings;

pub use error::{ErrorBody, ErrorCode, ProtocolError};

/// Epoch milliseconds: the only notion of time the core knows, always
/// passed in by the adapter.
pub type Millis = i64;
/// One minute in milliseconds.
pub const MINUTE: Millis = 60_000;
