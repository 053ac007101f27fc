use sea_orm::{DbErr, SqlErr};
use std::path::PathBuf;
use suyuan_core::members::ImportError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the message says which.
    #[error("{0}")]
    Conflict(String),
    /// The request breaks a domain rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("cannot use the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database holds a value Suyuan cannot read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// A booking refused by a site's rules or places.
    #[error(transparent)]
    Booking(#[from] suyuan_core::sites::BookingError),
    /// A request's step refused by its rules, naming the field.
    #[error(transparent)]
    Request(#[from] suyuan_core::requests::RequestError),
    /// A write that failed with others in its batch; retrying may succeed.
    #[error("the database could not record it ({0}); try again")]
    Unavailable(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Values that break one of core's rules: the message names the field.
macro_rules! invalid {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for StoreError {
            fn from(err: $error) -> Self {
                StoreError::Invalid(err.to_string())
            }
        }
    )*};
}

invalid!(
    suyuan_core::text::TextError,
    suyuan_core::gatherings::NotNow,
    suyuan_core::exams::TestError,
    suyuan_core::exams::DrawError,
    suyuan_core::exams::StartError,
    suyuan_core::units::UnitError,
    suyuan_core::campaigns::CalendarError,
    suyuan_core::sites::SiteError,
    suyuan_core::pledges::PledgeError,
    suyuan_core::sites::HoursError,
    suyuan_core::sites::CreditCodeError,
);

impl From<sea_orm::TryGetError> for StoreError {
    fn from(err: sea_orm::TryGetError) -> Self {
        StoreError::Corrupt(format!("a row: {err:?}"))
    }
}

/// Maps a unique-constraint violation to a message a person can act on,
/// where the statement runs (no racy check beforehand).
pub(crate) trait OnConflict<T> {
    fn on_conflict(self, message: impl FnOnce() -> String) -> StoreResult<T>;
}

impl<T> OnConflict<T> for Result<T, DbErr> {
    fn on_conflict(self, message: impl FnOnce() -> String) -> StoreResult<T> {
        self.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(message()),
            _ => StoreError::Db(err),
        })
    }
}
