//! Finding the videos in a folder by what the files contain, not only by their names. This is the
//! one place that decides what a batch reads: regular files only (never a named pipe, socket or
//! device, which could block for ever), each file once however many links lead to it, each folder
//! looked into once (so a link loop ends), and nothing in the output folder or in the output
//! folder of an earlier run (our own videos are never read back as inputs).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::{input, output, Result};

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
    sniff(&head_of(path, 512))
}

fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)))
}

/// One video found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where it was found: the batch folder joined with `relative`.
    pub path: PathBuf,
    /// Its path in the batch folder: what the summary shows and the outputs mirror.
    pub relative: PathBuf,
    /// The file itself (links resolved); no two inputs share one.
    pub canonical: PathBuf,
}

/// The folder's videos (sorted by their path in the folder), and the other entries with why they
/// were left out.
#[derive(Debug)]
pub struct Discovery {
    /// The batch folder, canonical.
    pub root: PathBuf,
    pub videos: Vec<Input>,
    pub ignored: Vec<(PathBuf, String)>,
}

/// The header that starts a batch's `summary.csv`: a folder holding one is a batch's output.
const SUMMARY_HEADER: &[u8] = b"video,status,reps,";

/// Lists `dir` (and its sub-folders with `recursive`, following links to folders), breadth first
/// and in name order, so a file reached by several paths is taken under the shallowest (the first
/// in name order among equals) and the result is the same on every run. Hidden files and folders
/// (a leading dot, which is also how our own temporary files are named) are not looked at.
///
/// `out_dir`, the batch's output folder, is never looked into, also when a link leads there; an
/// output folder that is the input folder or holds it is an error (the outputs would be read
/// back). Folders holding another run's outputs (a liftform `report.json`, or a batch's
/// `summary.csv`) are not looked into either.
pub fn discover(dir: &Path, recursive: bool, out_dir: Option<&Path>) -> Result<Discovery> {
    let meta = std::fs::metadata(dir).map_err(|e| input(dir, format!("cannot open: {e}")))?;
    if !meta.is_dir() {
        return Err(input(dir, "is not a folder"));
    }
    let root = dir.canonicalize().map_err(|e| input(dir, format!("cannot open: {e}")))?;
    let out = out_dir.map(resolve);
    if let (Some(out_dir), Some(out)) = (out_dir, &out) {
        if root.starts_with(out) {
            return Err(output(
                out_dir,
                format!(
                    "the output folder is the input folder {} or holds it, so its outputs would be read back as \
                     videos: choose another (a sub-folder of the input folder will do)",
                    dir.display()
                ),
            ));
        }
    }
    let mut found = Discovery { root: root.clone(), videos: Vec::new(), ignored: Vec::new() };
    // canonical folder or file → its path in the batch folder where it was first found
    let mut folders_seen: HashMap<PathBuf, PathBuf> = HashMap::from([(root.clone(), PathBuf::new())]);
    let mut files_seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut pending = VecDeque::from([PathBuf::new()]);
    while let Some(folder) = pending.pop_front() {
        let listing = match std::fs::read_dir(dir.join(&folder)) {
            Ok(listing) => listing,
            Err(e) if folder.as_os_str().is_empty() => return Err(input(dir, format!("cannot list: {e}"))),
            Err(e) => {
                found.ignored.push((dir.join(&folder), format!("cannot list: {e}")));
                continue;
            }
        };
        let mut names: Vec<_> = listing.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let relative = folder.join(&name);
            let path = dir.join(&relative);
            let mut ignore = |why: String| found.ignored.push((path.clone(), why));
            // metadata follows links: a link is what it leads to
            let (meta, canonical) = match std::fs::metadata(&path).and_then(|m| Ok((m, path.canonicalize()?))) {
                Ok(found) => found,
                Err(e) => {
                    ignore(format!("cannot read: {e}"));
                    continue;
                }
            };
            if meta.is_dir() && !recursive {
                continue;
            }
            if let Some(out) = out.as_ref().filter(|out| canonical.starts_with(out)) {
                if canonical != *out {
                    ignore("leads into the output folder".into());
                }
                continue;
            }
            if meta.is_dir() {
                if let Some(first) = folders_seen.get(&canonical) {
                    ignore(format!("a folder already looked at, as {}", shown(dir, first)));
                } else if root.starts_with(&canonical) {
                    ignore("holds the batch folder (a link loop)".into());
                } else if let Some(why) = earlier_output(&path) {
                    ignore(why.into());
                } else {
                    folders_seen.insert(canonical, relative.clone());
                    pending.push_back(relative);
                }
            } else if !meta.is_file() {
                ignore("not a regular file (a named pipe, socket or device), never opened".into());
            } else if let Some(first) = files_seen.get(&canonical) {
                ignore(format!("the same file as {}", shown(dir, first)));
            } else if has_video_extension(&path) || sniff_file(&path) == Sniffed::Video {
                files_seen.insert(canonical.clone(), relative.clone());
                found.videos.push(Input { path, relative, canonical });
            } else {
                ignore("not a video (by name and content)".into());
            }
        }
    }
    found.videos.sort_by(|a, b| a.relative.cmp(&b.relative));
    found.ignored.sort();
    Ok(found)
}

fn shown(dir: &Path, relative: &Path) -> String {
    if relative.as_os_str().is_empty() {
        "the batch folder".into()
    } else {
        dir.join(relative).display().to_string()
    }
}

/// The first bytes of `path` when it is a regular file (never opens anything else).
fn head_of(path: &Path, n: usize) -> Vec<u8> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    let mut head = Vec::with_capacity(n);
    let _ = File::open(path).and_then(|f| f.take(n as u64).read_to_end(&mut head));
    head
}

/// Why `folder` holds another run's outputs (and so no inputs), if it does.
fn earlier_output(folder: &Path) -> Option<&'static str> {
    if head_of(&folder.join("summary.csv"), SUMMARY_HEADER.len()) == SUMMARY_HEADER {
        return Some("the output folder of another batch (its videos are outputs, not inputs)");
    }
    let report = head_of(&folder.join("report.json"), 256);
    let marker = b"\"liftform.report/";
    if report.windows(marker.len()).any(|w| w == marker) {
        return Some("a video's output folder from another run (its videos are outputs, not inputs)");
    }
    None
}

/// `path` made absolute with its links resolved as far as it exists, the rest appended: an
/// output folder not made yet compares with canonical paths all the same.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<Component> = absolute.components().collect();
    for existing in (1..=parts.len()).rev() {
        let Ok(mut resolved) = parts[..existing].iter().collect::<PathBuf>().canonicalize() else { continue };
        for part in &parts[existing..] {
            match part {
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::Normal(name) => resolved.push(name),
                _ => {}
            }
        }
        return resolved;
    }
    absolute
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

    fn names(d: &Path, found: &Discovery) -> Vec<String> {
        let names: Vec<String> = found.videos.iter().map(|v| v.relative.display().to_string()).collect();
        for v in &found.videos {
            assert_eq!(v.path, d.join(&v.relative));
            assert_eq!(v.canonical, v.path.canonicalize().unwrap());
        }
        names
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
        assert_eq!(names(d, &flat), ["renamed.bin", "set.MP4"]);
        assert_eq!(flat.ignored.len(), 1);
        let deep = discover(d, true, Some(&d.join("out"))).unwrap();
        assert_eq!(names(d, &deep), ["client/a/deep.mov", "renamed.bin", "set.MP4"]);
        assert!(discover(&d.join("notes.txt"), false, None).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_lead_to_each_file_and_folder_once_and_loops_end() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("in");
        std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::fs::write(d.join("a.mp4"), b"x").unwrap();
        std::fs::write(d.join("sub/deeper/b.mp4"), b"x").unwrap();
        std::fs::write(dir.path().join("elsewhere/c.mp4"), b"x").unwrap();
        symlink("..", d.join("sub/up")).unwrap(); // the batch folder again
        symlink("../..", d.join("sub/deeper/top")).unwrap();
        symlink(".", d.join("sub/self")).unwrap();
        symlink(dir.path(), d.join("sub/outside")).unwrap(); // holds the batch folder
        symlink("../a.mp4", d.join("sub/a-again.mp4")).unwrap();
        symlink("../elsewhere", d.join("linked")).unwrap();
        symlink("linked", d.join("linked-twice")).unwrap();
        symlink("nowhere", d.join("broken.mp4")).unwrap();

        let found = discover(&d, true, None).unwrap();
        assert_eq!(names(&d, &found), ["a.mp4", "linked/c.mp4", "sub/deeper/b.mp4"]);
        let ignored: Vec<(String, &str)> = found
            .ignored
            .iter()
            .map(|(p, why)| (p.strip_prefix(&d).unwrap().display().to_string(), why.as_str()))
            .collect();
        let why = |name: &str| ignored.iter().find(|(n, _)| n == name).map(|(_, w)| *w).unwrap_or("");
        assert!(why("sub/up").starts_with("a folder already looked at, as the batch folder"), "{ignored:?}");
        assert!(why("sub/deeper/top").starts_with("a folder already looked at"), "{ignored:?}");
        assert!(why("sub/self").starts_with("a folder already looked at"), "{ignored:?}");
        assert_eq!(why("sub/outside"), "holds the batch folder (a link loop)");
        assert!(why("sub/a-again.mp4").starts_with("the same file as"), "{ignored:?}");
        assert!(why("sub/a-again.mp4").ends_with("in/a.mp4"), "{ignored:?}");
        assert!(why("linked-twice").ends_with("in/linked"), "{ignored:?}");
        assert!(why("broken.mp4").starts_with("cannot read"), "{ignored:?}");
        assert_eq!(ignored.len(), 7, "{ignored:?}");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.mp4"), b"x").unwrap();
        // a socket stands for every file that is not a regular one (a FIFO would block an open)
        let _socket = std::os::unix::net::UnixListener::bind(d.join("socket.mp4")).unwrap();
        std::os::unix::fs::symlink("socket.mp4", d.join("link.mov")).unwrap();
        let found = discover(d, false, None).unwrap();
        assert_eq!(names(d, &found), ["a.mp4"]);
        assert_eq!(found.ignored.len(), 2);
        assert!(found.ignored.iter().all(|(_, why)| why.starts_with("not a regular file")), "{:?}", found.ignored);
    }

    #[cfg(unix)]
    #[test]
    fn the_output_folder_and_earlier_outputs_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("in");
        for folder in ["out/a", "old-run/b", "loose/c", "user"] {
            std::fs::create_dir_all(d.join(folder)).unwrap();
        }
        std::fs::write(d.join("a.mp4"), b"x").unwrap();
        std::fs::write(d.join("out/a/annotated.mp4"), b"x").unwrap();
        std::fs::write(d.join("old-run/summary.csv"), b"video,status,reps,DL001\n").unwrap();
        std::fs::write(d.join("old-run/b/annotated.mp4"), b"x").unwrap();
        std::fs::write(d.join("loose/c/report.json"), b"{\n  \"schema\": \"liftform.report/v1\",\n}").unwrap();
        std::fs::write(d.join("loose/c/annotated.mp4"), b"x").unwrap();
        std::fs::write(d.join("user/report.json"), b"{\"mine\": true}").unwrap();
        std::fs::write(d.join("user/set.mp4"), b"x").unwrap();
        std::os::unix::fs::symlink("out/a", d.join("shortcut")).unwrap();
        std::os::unix::fs::symlink("out/a/annotated.mp4", d.join("linked.mp4")).unwrap();

        // spelled with a `..` and through the current folder: compared canonically
        let out = d.join("user/../out");
        let found = discover(&d, true, Some(&out)).unwrap();
        assert_eq!(names(&d, &found), ["a.mp4", "user/set.mp4"], "{:?}", found.ignored);
        let ignored: Vec<String> =
            found.ignored.iter().map(|(p, _)| p.strip_prefix(&d).unwrap().display().to_string()).collect();
        assert_eq!(ignored, ["linked.mp4", "loose/c", "old-run", "shortcut", "user/report.json"]);
        assert!(discover(&d, true, Some(&d.join("new/out"))).is_ok(), "an output folder not made yet");

        // the output folder must not be the input folder or hold it
        for out in [d.clone(), d.join("."), dir.path().to_path_buf(), d.join("user/..")] {
            let e = discover(&d, true, Some(&out)).unwrap_err().to_string();
            assert!(e.contains("the output folder is the input folder"), "{e}");
        }
    }

    #[test]
    fn resolve_follows_what_exists_and_appends_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        std::fs::create_dir(d.join("a")).unwrap();
        assert_eq!(resolve(&d.join("a/../a/new/x")), d.join("a/new/x"));
        assert_eq!(resolve(&d.join("new/../b")), d.join("b"));
        assert_eq!(resolve(&d.join("a")), d.join("a"));
    }
}
