//! The render crate's error type: one line naming the file or thing at fault, with the exit code
//! the CLI uses (2: the user can fix it, 1: a failure of ours).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, an unwritable output, or an interruption.
    #[error(transparent)]
    Core(#[from] liftform_core::Error),
    /// Decoding the video again failed.
    #[error(transparent)]
    Vision(#[from] liftform_vision::Error),
    /// The encoder asked for is not installed.
    #[error("{0}")]
    EncoderMissing(String),
    /// OpenCV failed while drawing or encoding a valid frame.
    #[error("OpenCV: {0}")]
    OpenCv(#[from] opencv::Error),
    /// Drawing the overlay on one frame failed.
    #[error("{}: drawing frame {frame}: {source}", video.display())]
    Draw { video: PathBuf, frame: u64, source: opencv::Error },
    /// A frame handed to the video writer does not match the video's size or type.
    #[error("{}: frame {frame} is {width}x{height} (type {typ}), the video is {video_width}x{video_height} BGR", path.display())]
    FrameMismatch { path: PathBuf, frame: u64, width: i32, height: i32, typ: i32, video_width: i32, video_height: i32 },
    /// The writer was used after it was finished (a bug of ours).
    #[error("{0}")]
    WriterClosed(&'static str),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Core(e) => e.exit_code(),
            Error::Vision(e) => e.exit_code(),
            Error::EncoderMissing(_) => 2,
            Error::OpenCv(_) | Error::Draw { .. } | Error::FrameMismatch { .. } | Error::WriterClosed(_) => 1,
        }
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
