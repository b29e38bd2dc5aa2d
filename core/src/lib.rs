//! openline's pure core.
//!
//! Everything here is deterministic and free of I/O: no clock, no storage,
//! no network. The edge worker, the widget and the console are thin adapters
//! that feed events (with the current time in epoch milliseconds) in and
//! apply the returned effects. That keeps the product's rules testable
//! natively in milliseconds and shared by every piece.

pub mod error;
pub mod protocol;
pub mod text;

pub use error::{ErrorBody, ErrorCode, ProtocolError};
