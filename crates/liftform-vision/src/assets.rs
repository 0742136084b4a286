//! Finding the files liftform needs at run time — the ONNX models and the ONNX Runtime library —
//! without environment variables, whether run from the source tree or from an installed location.
//!
//! Search order (first hit wins): an explicit environment override, the executable's own folder,
//! the install layout (`<prefix>/bin/liftform`, `<prefix>/share/liftform/models`,
//! `<prefix>/lib/liftform/`), and finally the source tree this binary was built from.

use std::path::{Path, PathBuf};

use crate::error::{input, Error, Result};

/// The ONNX Runtime build the `ort` crate was written against (from the PyPI wheel).
pub const ORT_LIBRARY_FILE: &str = "libonnxruntime.so.1.31.1";
pub const DETECTOR_MODEL_FILE: &str = "blazepose_detector.onnx";
/// The repository's root (this crate sits in `crates/liftform-vision/`): `models/` and `.ort/` are
/// there.
fn source_tree() -> &'static Path {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().and_then(Path::parent).unwrap_or(crate_dir)
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok()?.canonicalize().ok()?.parent().map(Path::to_path_buf)
}

/// Folders that may hold the models, in search order.
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("LIFTFORM_MODELS_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(exe) = exe_dir() {
        dirs.push(exe.join("models"));
        dirs.push(exe.join("../share/liftform/models"));
    }
    dirs.push(source_tree().join("models"));
    dirs
}

/// Candidate paths of the ONNX Runtime library, in search order.
pub fn ort_library_candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(path) = std::env::var_os("LIFTFORM_ORT_LIB") {
        paths.push(PathBuf::from(path));
    }
    if let Some(exe) = exe_dir() {
        paths.push(exe.join(ORT_LIBRARY_FILE));
        paths.push(exe.join("lib").join(ORT_LIBRARY_FILE));
        paths.push(exe.join("../lib/liftform").join(ORT_LIBRARY_FILE));
    }
    paths.push(source_tree().join(".ort/lib").join(ORT_LIBRARY_FILE));
    paths
}

fn first_existing(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find(|p| p.is_file()).cloned()
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// An environment override that is set must point at something: a typo there would otherwise
/// be skipped without a word and another copy used.
fn check_override(var: &str, want_folder: bool) -> Result<()> {
    let Some(value) = std::env::var_os(var) else { return Ok(()) };
    let path = PathBuf::from(value);
    let ok = if want_folder { path.is_dir() } else { path.is_file() };
    if ok {
        return Ok(());
    }
    let kind = if want_folder { "folder" } else { "file" };
    Err(input(&path, format!("{var} names this, but there is no such {kind}; fix it or unset {var}")))
}

pub fn find_ort_library() -> Result<PathBuf> {
    check_override("LIFTFORM_ORT_LIB", false)?;
    let candidates = ort_library_candidates();
    first_existing(&candidates).ok_or_else(|| Error::AssetNotFound {
        what: format!("ONNX Runtime library {ORT_LIBRARY_FILE}"),
        searched: list(&candidates),
        hint: ". Run tools/setup.sh, or set LIFTFORM_ORT_LIB",
    })
}

/// Finds a model file by name in the model folders.
pub fn find_model_file(file_name: &str) -> Result<PathBuf> {
    check_override("LIFTFORM_MODELS_DIR", true)?;
    let candidates: Vec<PathBuf> = model_dirs().into_iter().map(|d| d.join(file_name)).collect();
    first_existing(&candidates).ok_or_else(|| Error::AssetNotFound {
        what: format!("model file {file_name}"),
        searched: list(&candidates),
        hint: "",
    })
}

/// sha256 of a file as lowercase hex.
pub fn sha256_hex(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).map_err(|e| input(path, format!("cannot open: {e}")))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| input(path, format!("cannot read: {e}")))?;
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_lists_end_with_the_source_tree() {
        assert!(model_dirs().last().unwrap().ends_with("models"));
        assert!(ort_library_candidates().last().unwrap().ends_with(ORT_LIBRARY_FILE));
    }

    #[test]
    fn a_missing_model_names_where_it_looked() {
        let msg = find_model_file("no_such_model.onnx").unwrap_err().to_string();
        assert!(msg.contains("no_such_model.onnx") && msg.contains("looked in"), "{msg}");
    }
}
