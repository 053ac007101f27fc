//! Suyuan's workflows that are not HTTP: imports, exports, question
//! proposals, planning, backup and restore. The web handlers, the command
//! line and the demo call the same function for the same work, so that a
//! workflow stands in one place.
//!
//! Each takes the store (and the search index when it changes the
//! library) and the time from the caller's clock; each answers with an
//! `AppError` that says what was wrong, never an HTTP status.

mod error;

pub mod backup;
pub mod exams;
pub mod gatherings;
pub mod library;
pub mod members;
pub mod progress;
pub mod questions;

pub use error::{AppError, AppResult};
