//! The analysis crate's error type. Every variant renders as a single line that names the file
//! at fault, so the CLI can print it once and exit. The vision, render and CLI crates wrap it.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something wrong with a file the user gave us (video, recording, config).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// We could not write an output.
    #[error("{}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    /// The user pressed Ctrl-C (or the process was asked to stop); whatever was being written has been removed.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn input(path: &Path, message: impl Into<String>) -> Error {
        Error::Input { path: path.to_path_buf(), message: message.into() }
    }

    pub fn output(path: &Path, message: impl Into<String>) -> Error {
        Error::Output { path: path.to_path_buf(), message: message.into() }
    }

    /// Exit code for the CLI: 2 for anything the user can fix (bad input or output), 130 for an
    /// interruption.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input { .. } | Error::Output { .. } => 2,
            Error::Interrupted => 130,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
