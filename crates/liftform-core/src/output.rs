//! Writing outputs so that a failure or an interruption never leaves a half-written file: each
//! file is written under a temporary name in the same folder and renamed into place at the end.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file being written. Dropped without [`AtomicFile::commit`], the temporary file is removed.
pub struct AtomicFile {
    final_path: PathBuf,
    temp_path: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(final_path: &Path) -> Result<AtomicFile> {
        let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temp_path = final_path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&temp_path).map_err(|e| Error::output(final_path, format!("cannot write: {e}")))?;
        Ok(AtomicFile { final_path: final_path.to_path_buf(), temp_path, writer: Some(BufWriter::new(file)) })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer is present until commit")
    }

    pub fn path(&self) -> &Path {
        &self.final_path
    }

    /// Flushes and moves the file into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        let fail = |e: std::io::Error| Error::output(&self.final_path, format!("cannot write: {e}"));
        let mut writer = self.writer.take().expect("commit is called once");
        writer.flush().map_err(fail)?;
        let file = writer.into_inner().map_err(|e| fail(e.into_error()))?;
        file.sync_all().map_err(fail)?;
        std::fs::rename(&self.temp_path, &self.final_path).map_err(fail)?;
        Ok(self.final_path.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(bytes).map_err(|e| Error::output(path, format!("cannot write: {e}")))?;
    file.commit().map(|_| ())
}

/// Creates (if needed) the output folder for one video: `<out_dir>/<video stem>/`.
pub fn video_output_dir(out_dir: &Path, video: &Path) -> Result<PathBuf> {
    let stem = video.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "video".into());
    let dir = out_dir.join(stem);
    std::fs::create_dir_all(&dir).map_err(|e| Error::output(&dir, format!("cannot create output folder: {e}")))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_file_leaves_nothing_and_committed_file_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poses.jsonl");
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.writer().write_all(b"partial").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut f = AtomicFile::create(&path).unwrap();
        f.writer().write_all(b"whole").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
