//! The command line's error type: each crate's own, plus the batch runner's. One line each,
//! naming the file or thing at fault; [`Error::exit_code`] maps them to the CLI's exit codes.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] liftform_core::Error),
    #[error(transparent)]
    Vision(#[from] liftform_vision::Error),
    #[error(transparent)]
    Render(#[from] liftform_render::error::Error),
    /// The batch runner's worker threads could not be started or one of them panicked.
    #[error("{0}")]
    Workers(String),
}

impl Error {
    /// 2 for anything the user can fix (bad input, output or setup), 1 for an internal failure,
    /// 130 for an interruption.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Core(e) => e.exit_code(),
            Error::Vision(e) => e.exit_code(),
            Error::Render(e) => e.exit_code(),
            Error::Workers(_) => 1,
        }
    }

    /// Whether the user interrupted the run (Ctrl-C).
    pub fn is_interrupted(&self) -> bool {
        self.exit_code() == 130
    }
}

/// A bad input file.
pub fn input(path: &std::path::Path, message: impl Into<String>) -> Error {
    Error::Core(liftform_core::Error::input(path, message))
}

/// An output that could not be written.
pub fn output(path: &std::path::Path, message: impl Into<String>) -> Error {
    Error::Core(liftform_core::Error::output(path, message))
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
