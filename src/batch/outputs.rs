//! Where each video's outputs go (the one place that maps an input to its output folder), and
//! how a video's outputs are known to be finished.
//!
//! A video's folder is `<out>/<its sub-folder>/<stem>/`, as `analyze` writes it, unless the stem
//! is not unique in that output folder: then it keeps its extension (`dup.mp4/` and `dup.mov/`
//! for `dup.mp4` and `dup.mov`; `set1.mp4/` for a `set1.mp4` beside a mirrored `set1/` folder).
//! Names are compared ignoring case (so the folders differ on every file system too), and a name
//! still shared after that (`A.mp4` and `a.mp4`) gets `-2`, `-3`… in name order. The rule depends
//! only on the names of the videos found, so the same folder gives the same output folders on
//! every run and `--skip-existing` finds them again.
//!
//! A video is finished when its folder holds [`DONE_FILE`], written last: the video it is for,
//! which outputs were made and every file written. `--skip-existing` keeps a video only when that
//! file names the same video, covers every output the current options ask for, and each file it
//! lists is still there; the file is removed before a video is (re)done, so work cut short never
//! passes for finished.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::discover::{resolve, Input};
use crate::error::{output, Result};
use liftform_core::output::write_atomically;
use liftform_render::RenderOptions;

/// Written last into a video's folder: what was asked for and every file written.
pub const DONE_FILE: &str = "outputs.json";
const DONE_SCHEMA: &str = "liftform.outputs/v1";

/// Files a batch writes at the top of its output folder: no video's folder takes these names.
const TOP_FILES: [&str; 4] = ["summary.csv", "index.html", "trends.csv", "trends.html"];

/// The output folder of each input, in the same order, all different.
pub fn output_dirs(out_dir: &Path, videos: &[Input]) -> Vec<PathBuf> {
    let relatives: Vec<&Path> = videos.iter().map(|v| v.relative.as_path()).collect();
    // the videos of each mirrored folder, and the names already taken there: the sub-folders
    // that mirror folders of videos, and at the top the summary's files
    let mut in_folder: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
    let mut taken: HashMap<&Path, HashSet<String>> = HashMap::new();
    taken.entry(Path::new("")).or_default().extend(TOP_FILES.iter().map(|f| key(OsStr::new(f))));
    for (i, relative) in relatives.iter().enumerate() {
        let parent = relative.parent().unwrap_or(Path::new(""));
        in_folder.entry(parent).or_default().push(i);
        for folder in parent.ancestors() {
            if let (Some(above), Some(name)) = (folder.parent(), folder.file_name()) {
                taken.entry(above).or_default().insert(key(name));
            }
        }
    }
    let mut dirs = vec![PathBuf::new(); relatives.len()];
    for (parent, mut members) in in_folder {
        members.sort_by_key(|&i| relatives[i].file_name());
        let names: Vec<&OsStr> =
            members.iter().map(|&i| relatives[i].file_name().unwrap_or(OsStr::new("video"))).collect();
        let reserved = taken.remove(parent).unwrap_or_default();
        for (&i, name) in members.iter().zip(folder_names(&names, &reserved)) {
            dirs[i] = out_dir.join(parent).join(name);
        }
    }
    dirs
}

/// How names are compared: ignoring case.
fn key(name: &OsStr) -> String {
    name.to_string_lossy().to_lowercase()
}

/// Folder names for the files `names` (one folder's videos, in name order), none of them in
/// `reserved` nor equal to another (ignoring case): the stem where it is unique, else the whole
/// file name, else the whole name with `-2`, `-3`…
pub fn folder_names(names: &[&OsStr], reserved: &HashSet<String>) -> Vec<OsString> {
    let stem = |name: &OsStr| Path::new(name).file_stem().unwrap_or(name).to_owned();
    let mut chosen: Vec<OsString> = names.iter().map(|n| stem(n)).collect();
    let counts = |chosen: &[OsString]| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for name in chosen {
            *counts.entry(key(name)).or_default() += 1;
        }
        counts
    };
    // a shared stem keeps its extension, which may clash with another stem: until nothing changes
    loop {
        let counts = counts(&chosen);
        let mut changed = false;
        for (name, full) in chosen.iter_mut().zip(names) {
            let k = key(name);
            if (counts[&k] > 1 || reserved.contains(&k)) && name.as_os_str() != *full {
                *name = full.to_os_string();
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // still shared (names that differ only in case, or a reserved one): numbered in name order
    let counts = counts(&chosen);
    let mut used: HashSet<String> = reserved.clone();
    used.extend(chosen.iter().map(|n| key(n)).filter(|k| counts[k] == 1));
    for name in chosen.iter_mut() {
        let k = key(name);
        if counts[&k] == 1 && !reserved.contains(&k) {
            continue;
        }
        if used.insert(k) {
            continue; // the first of those sharing it keeps it
        }
        let numbered = (2..)
            .map(|n| {
                let mut numbered = name.clone();
                numbered.push(format!("-{n}"));
                numbered
            })
            .find(|candidate| !used.contains(&key(candidate)))
            .expect("an unused number");
        used.insert(key(&numbered));
        *name = numbered;
    }
    chosen
}

/// Refuses to write a video's outputs where they would not be outputs: `dir` (its planned output
/// folder) exists as something other than a folder (an input file, say), or leads through a link
/// into the input folder `root` (canonical) outside the output folder `out_dir`.
pub fn check_output_dir(dir: &Path, root: &Path, out_dir: &Path) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_ok() && !std::fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Err(output(dir, "exists and is not a folder; the video's outputs were not written"));
    }
    let (resolved, out) = (resolve(dir), resolve(out_dir));
    if resolved.starts_with(root) && !resolved.starts_with(&out) {
        return Err(output(
            dir,
            format!("leads into the input folder ({}); the video's outputs were not written", resolved.display()),
        ));
    }
    Ok(())
}

/// The kinds of output that `render` makes, each with whether it does: the annotated clip
/// (`--annotate`, and `--html`, whose page plays it), the page, the finding clips, the plots (any).
fn made(render: &RenderOptions) -> [(&'static str, bool); 4] {
    [
        ("annotated", render.annotate || render.html),
        ("html", render.html),
        ("clips", render.clips),
        ("plots", render.any()),
    ]
}

/// Removes `dir`'s [`DONE_FILE`] before the video is (re)done, so that if it is cut short it does
/// not pass for finished with a mix of old and new files.
pub fn forget_finished(dir: &Path) -> Result<()> {
    match std::fs::remove_file(dir.join(DONE_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(output(&dir.join(DONE_FILE), format!("cannot remove: {e}")))
        }
        _ => Ok(()),
    }
}

/// Records that `video` (its path in the batch folder) is finished in `dir`, once every file in
/// `files` was written with the outputs `render` asks for.
pub fn mark_finished(dir: &Path, video: &Path, render: &RenderOptions, files: &[PathBuf]) -> Result<()> {
    let mut listed: Vec<String> =
        files.iter().filter_map(|f| f.strip_prefix(dir).ok()).map(|f| f.to_string_lossy().into_owned()).collect();
    listed.sort();
    let made: serde_json::Map<String, Value> = made(render).iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let done = json!({
        "schema": DONE_SCHEMA,
        "video": video.to_string_lossy(),
        "made": made,
        "files": listed,
    });
    let text = serde_json::to_string_pretty(&done).unwrap_or_default() + "\n";
    write_atomically(&dir.join(DONE_FILE), text.as_bytes())?;
    Ok(())
}

/// Whether `video` is finished in `dir` for what `render` asks for now (see the module's notes).
pub fn is_finished(dir: &Path, video: &Path, render: &RenderOptions) -> bool {
    let Some(done) =
        std::fs::read_to_string(dir.join(DONE_FILE)).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok())
    else {
        return false;
    };
    let files = done["files"].as_array().map(Vec::as_slice).unwrap_or_default();
    let listed = |name: &str| files.iter().any(|f| f == name);
    done["schema"] == DONE_SCHEMA
        && done["video"] == *video.to_string_lossy()
        && made(render).iter().all(|(kind, wanted)| !wanted || done["made"][kind] == true)
        && listed("report.json")
        && listed("poses.jsonl")
        && files.iter().all(|f| f.as_str().is_some_and(|f| dir.join(f).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(relatives: &[&str]) -> Vec<String> {
        let videos: Vec<Input> = relatives
            .iter()
            .map(|r| Input { path: PathBuf::from(r), relative: PathBuf::from(r), canonical: PathBuf::from(r) })
            .collect();
        output_dirs(Path::new("out"), &videos).iter().map(|d| d.display().to_string()).collect()
    }

    #[test]
    fn outputs_mirror_the_sub_folders_by_stem() {
        assert_eq!(
            dirs(&["client/a/set1.mp4", "set1.mov", "b/set1.mp4"]),
            ["out/client/a/set1", "out/set1", "out/b/set1"]
        );
    }

    #[test]
    fn a_shared_stem_keeps_its_extension() {
        assert_eq!(dirs(&["dup.mov", "dup.mp4", "other.mp4"]), ["out/dup.mov", "out/dup.mp4", "out/other"]);
        // a file without extension and one with: the stem is the whole name of the first
        assert_eq!(dirs(&["set1", "set1.mp4"]), ["out/set1", "out/set1.mp4"]);
        // ignoring case
        assert_eq!(dirs(&["Dup.mp4", "dup.mov"]), ["out/Dup.mp4", "out/dup.mov"]);
        // the extension kept clashes with another stem, which then keeps its own
        assert_eq!(dirs(&["dup.mov", "dup.mov.mp4", "dup.mp4"]), ["out/dup.mov", "out/dup.mov.mp4", "out/dup.mp4"]);
    }

    #[test]
    fn names_that_differ_only_in_case_are_numbered() {
        assert_eq!(dirs(&["A.mp4", "a.mp4", "a.mp4-2.mov"]), ["out/A.mp4", "out/a.mp4-3", "out/a.mp4-2"]);
    }

    #[test]
    fn mirrored_folders_and_the_summary_files_are_taken() {
        assert_eq!(
            dirs(&["set1.mp4", "set1/x.mp4", "set1/deeper/y.mp4", "set1/deeper.mov"]),
            ["out/set1.mp4", "out/set1/x", "out/set1/deeper/y", "out/set1/deeper.mov"]
        );
        assert_eq!(
            dirs(&["index.html.mp4", "summary.csv.mov", "sub/index.html.mp4"]),
            ["out/index.html.mp4", "out/summary.csv.mov", "out/sub/index.html"]
        );
    }

    #[test]
    fn the_same_names_give_the_same_folders_in_any_order() {
        let names = ["dup.mov", "b/set.mp4", "dup.mp4", "b.mp4", "B.MOV", "x"];
        let forward = dirs(&names);
        let mut reversed_names = names;
        reversed_names.reverse();
        let mut backward = dirs(&reversed_names);
        backward.reverse();
        assert_eq!(forward, backward);
        let unique: HashSet<String> = forward.iter().map(|d| d.to_lowercase()).collect();
        assert_eq!(unique.len(), names.len());
    }

    #[cfg(unix)]
    #[test]
    fn an_output_folder_is_never_an_input_nor_inside_the_input_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        let (root, out) = (d.join("in"), d.join("out"));
        std::fs::create_dir_all(root.join("alice")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(root.join("alice/set"), b"x").unwrap();
        std::os::unix::fs::symlink(root.join("alice"), out.join("alice")).unwrap();
        std::fs::write(out.join("file"), b"x").unwrap();
        assert!(check_output_dir(&out.join("alice/set"), &root, &out)
            .unwrap_err()
            .to_string()
            .contains("not a folder"));
        let e = check_output_dir(&out.join("alice/other"), &root, &out).unwrap_err().to_string();
        assert!(e.contains("leads into the input folder"), "{e}");
        assert!(check_output_dir(&out.join("file"), &root, &out).is_err());
        assert!(check_output_dir(&out.join("bob/set"), &root, &out).is_ok());
        // an output folder inside the input folder is fine
        assert!(check_output_dir(&root.join("reports/set"), &root, &root.join("reports")).is_ok());
    }

    #[test]
    fn a_video_is_finished_when_its_record_covers_what_is_asked_and_every_file_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let video = Path::new("alice/set.mp4");
        let html = RenderOptions { html: true, ..RenderOptions::default() };
        let files: Vec<PathBuf> = ["poses.jsonl", "report.json", "annotated.mp4", "report.html", "plot_angles.png"]
            .iter()
            .map(|f| d.join(f))
            .collect();
        for f in &files {
            std::fs::write(f, b"x").unwrap();
        }
        assert!(!is_finished(d, video, &RenderOptions::default()), "no record: not finished");
        mark_finished(d, video, &html, &files).unwrap();
        assert!(is_finished(d, video, &html));
        assert!(is_finished(d, video, &RenderOptions::default()), "less asked for");
        assert!(is_finished(d, video, &RenderOptions { annotate: true, ..RenderOptions::default() }));
        assert!(!is_finished(d, video, &RenderOptions { clips: true, ..html }), "clips not made");
        assert!(!is_finished(d, Path::new("bob/set.mp4"), &html), "another video's");
        std::fs::remove_file(d.join("plot_angles.png")).unwrap();
        assert!(!is_finished(d, video, &RenderOptions::default()), "a file it lists is gone");
        mark_finished(d, video, &html, &files[..4]).unwrap();
        assert!(is_finished(d, video, &html));
        forget_finished(d).unwrap();
        forget_finished(d).unwrap();
        assert!(!is_finished(d, video, &html), "forgotten before it is done again");
        mark_finished(d, video, &html, &files[1..4]).unwrap();
        assert!(!is_finished(d, video, &html), "the recording is always made");
    }
}
