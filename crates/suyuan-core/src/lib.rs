//! Suyuan's domain rules: the unit tree, members, roles and scopes, the clock.
//!
//! Nothing here does I/O or knows about databases, HTTP or search: values are
//! validated when they are built, so that the layers above can only hold
//! values that make sense.

pub mod access;
pub mod archive;
pub mod audit;
pub mod campaigns;
pub mod clock;
pub mod exams;
pub mod gatherings;
pub mod library;
pub mod members;
pub mod mistakes;
pub mod outbound;
pub mod pledges;
pub mod progress;
pub mod public;
pub mod questions;
pub mod reading;
pub mod requests;
pub mod second_factor;
pub mod sites;
pub mod table;
pub mod text;
pub mod units;
