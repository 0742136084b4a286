//! Finding the videos in a folder by what the files contain, not only by their names.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{input, Result};

/// Extensions that announce a video; such a file is analysed even when its content looks wrong,
/// so that a damaged clip is reported rather than silently skipped.
const VIDEO_EXTENSIONS: [&str; 10] = ["mp4", "mov", "m4v", "mkv", "webm", "avi", "mts", "m2ts", "ts", "3gp"];

/// What the first bytes of a file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Video,
    NotVideo,
}

/// Recognises the common video containers from their first bytes: ISO/QuickTime (`ftyp` box or
/// other top-level atoms), Matroska/WebM (EBML), AVI (RIFF…AVI), MPEG transport streams (0x47
/// every 188 bytes), MPEG program streams.
pub fn sniff(head: &[u8]) -> Sniffed {
    let is = |offset: usize, magic: &[u8]| {
        head.len() >= offset + magic.len() && &head[offset..offset + magic.len()] == magic
    };
    let quicktime_atom = ["ftyp", "moov", "mdat", "free", "wide", "skip"].iter().any(|a| is(4, a.as_bytes()));
    let transport_stream = head.len() >= 189 && head[0] == 0x47 && head[188] == 0x47;
    if quicktime_atom
        || is(0, &[0x1A, 0x45, 0xDF, 0xA3])
        || (is(0, b"RIFF") && is(8, b"AVI "))
        || transport_stream
        || is(0, &[0x00, 0x00, 0x01, 0xBA])
    {
        Sniffed::Video
    } else {
        Sniffed::NotVideo
    }
}

fn sniff_file(path: &Path) -> Sniffed {
    let mut head = [0u8; 512];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    sniff(&head[..n])
}

fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)))
}

/// The folder's videos (sorted), and the other files with why they were left out.
pub struct Discovery {
    pub videos: Vec<PathBuf>,
    pub ignored: Vec<(PathBuf, String)>,
}

/// Lists `dir` (and its sub-folders with `recursive`). Hidden files and folders (a leading dot,
/// which is also how our own temporary files are named) are not looked at.
pub fn discover(dir: &Path, recursive: bool, skip_dir: Option<&Path>) -> Result<Discovery> {
    let meta = std::fs::metadata(dir).map_err(|e| input(dir, format!("cannot open: {e}")))?;
    if !meta.is_dir() {
        return Err(input(dir, "is not a folder"));
    }
    let skip_dir = skip_dir.and_then(|d| d.canonicalize().ok());
    let mut found = Discovery { videos: Vec::new(), ignored: Vec::new() };
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| input(&folder, format!("cannot list: {e}")))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                let is_output = skip_dir.as_ref().is_some_and(|s| path.canonicalize().is_ok_and(|p| &p == s));
                if recursive && !is_output {
                    pending.push(path);
                }
                continue;
            }
            if has_video_extension(&path) || sniff_file(&path) == Sniffed::Video {
                found.videos.push(path);
            } else {
                found.ignored.push((path, "not a video (by name and content)".into()));
            }
        }
    }
    found.videos.sort();
    found.ignored.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff(b"\x00\x00\x00\x20ftypisom\x00\x00"), Sniffed::Video);
        assert_eq!(sniff(b"\x1A\x45\xDF\xA3\x01"), Sniffed::Video);
        assert_eq!(sniff(b"RIFF\x00\x00\x00\x00AVI LIST"), Sniffed::Video);
        let mut ts = vec![0u8; 400];
        ts[0] = 0x47;
        ts[188] = 0x47;
        assert_eq!(sniff(&ts), Sniffed::Video);
        assert_eq!(sniff(b"hello, this is text"), Sniffed::NotVideo);
        assert_eq!(sniff(b""), Sniffed::NotVideo);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Sniffed::NotVideo);
    }

    #[test]
    fn discovery_uses_names_and_content_and_skips_hidden_and_output_folders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("set.MP4"), b"garbage but named like a video").unwrap();
        std::fs::write(d.join("renamed.bin"), b"\x00\x00\x00\x20ftypisom\x00\x00").unwrap();
        std::fs::write(d.join("notes.txt"), b"hello").unwrap();
        std::fs::write(d.join(".hidden.mp4"), b"x").unwrap();
        std::fs::create_dir_all(d.join("client/a")).unwrap();
        std::fs::write(d.join("client/a/deep.mov"), b"x").unwrap();
        std::fs::create_dir(d.join("out")).unwrap();
        std::fs::write(d.join("out/old.mp4"), b"x").unwrap();

        let flat = discover(d, false, None).unwrap();
        let names =
            |v: &[PathBuf]| v.iter().map(|p| p.strip_prefix(d).unwrap().display().to_string()).collect::<Vec<_>>();
        assert_eq!(names(&flat.videos), ["renamed.bin", "set.MP4"]);
        assert_eq!(flat.ignored.len(), 1);
        let deep = discover(d, true, Some(&d.join("out"))).unwrap();
        assert_eq!(names(&deep.videos), ["client/a/deep.mov", "renamed.bin", "set.MP4"]);
        assert!(discover(&d.join("notes.txt"), false, None).is_err());
    }
}
