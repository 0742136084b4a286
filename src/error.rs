//! The library's one error type. Every variant renders as a single line that names the file
//! (or thing) at fault, so the CLI can print it once and exit.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something wrong with a file the user gave us (video, recording, config).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// We could not write an output.
    #[error("{}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    /// A model file or the ONNX Runtime library is missing or unusable.
    #[error("{0}")]
    Setup(String),
    /// A failure inside OpenCV or ONNX Runtime while processing valid input.
    #[error("{0}")]
    Internal(String),
    /// The user pressed Ctrl-C; whatever was being written has been removed.
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

    /// Exit code for the CLI: 2 for anything the user can fix (bad input, output or setup),
    /// 1 for an internal failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input { .. } | Error::Output { .. } | Error::Setup(_) => 2,
            Error::Internal(_) => 1,
            Error::Interrupted => 130,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
