//! The vision crate's error type. Every variant renders as one line naming the file or thing at
//! fault; [`Error::exit_code`] tells the CLI whether the user can fix it (2) or it is ours (1).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, an unwritable output, or an interruption (the analysis half's kinds).
    #[error(transparent)]
    Core(#[from] liftform_core::Error),
    /// A model file or the ONNX Runtime library could not be found where it was looked for.
    #[error("{what} not found; looked in: {searched}{hint}")]
    AssetNotFound { what: String, searched: String, hint: &'static str },
    /// A model file or the ONNX Runtime library is there but unusable.
    #[error("{}: {problem}", path.display())]
    Runtime { path: PathBuf, problem: String },
    /// The ONNX Runtime environment could not be set up (the message names the library).
    #[error("{0}")]
    RuntimeSetup(String),
    /// OpenCV failed on a valid frame.
    #[error("OpenCV{context}: {source}")]
    OpenCv { context: &'static str, source: opencv::Error },
    /// ONNX Runtime failed while running a model on a valid frame.
    #[error("ONNX Runtime: {0}")]
    Inference(String),
    /// A tensor handed to or returned by a model has the wrong size.
    #[error("tensor {name} has {got} values, expected {expected}")]
    TensorShape { name: String, got: usize, expected: usize },
    /// Rotating a decoded frame upright failed.
    #[error("{}: rotating frame {frame}: {source}", path.display())]
    Rotate { path: PathBuf, frame: u64, source: opencv::Error },
    /// A worker thread of ours stopped unexpectedly.
    #[error("{0}")]
    Thread(&'static str),
}

impl Error {
    /// 2 for anything the user can fix (input, output, setup), 1 for a failure of ours, 130 for
    /// an interruption.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Core(e) => e.exit_code(),
            Error::AssetNotFound { .. } | Error::Runtime { .. } | Error::RuntimeSetup(_) => 2,
            Error::OpenCv { .. }
            | Error::Inference(_)
            | Error::TensorShape { .. }
            | Error::Rotate { .. }
            | Error::Thread(_) => 1,
        }
    }
}

/// An OpenCV failure with no part named (the bar tracker names itself in `context`).
impl From<opencv::Error> for Error {
    fn from(source: opencv::Error) -> Error {
        Error::OpenCv { context: "", source }
    }
}

/// A bad input file (the core's kind, named here for brevity).
pub fn input(path: &std::path::Path, message: impl Into<String>) -> Error {
    Error::Core(liftform_core::Error::input(path, message))
}

/// An output that could not be written.
pub fn output(path: &std::path::Path, message: impl Into<String>) -> Error {
    Error::Core(liftform_core::Error::output(path, message))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
