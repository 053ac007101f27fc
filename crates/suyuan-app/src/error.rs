use std::path::PathBuf;
use thiserror::Error;

use suyuan_core::members::ImportError;
use suyuan_core::table::TableError;
use suyuan_search::SearchError;
use suyuan_store::StoreError;

#[derive(Debug, Error)]
pub enum AppError {
    /// What was asked breaks a rule; the message names the field, line or
    /// file and why. Nothing was changed.
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist.
    #[error("not found")]
    NotFound,
    /// Files that could not be read, each with its reason; nothing was
    /// imported.
    #[error("nothing was imported; {} file(s) could not be read:\n{}", .0.len(), .0.join("\n"))]
    Files(Vec<String>),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the search index: {0}")]
    Search(#[from] SearchError),
    /// A spreadsheet could not be written.
    #[error("the spreadsheet: {0}")]
    Table(#[from] TableError),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A field that breaks a rule, named before the reason.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        AppError::Invalid(format!("{field}: {reason}"))
    }

    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| AppError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl From<ImportError> for AppError {
    fn from(err: ImportError) -> Self {
        AppError::Invalid(err.to_string())
    }
}
