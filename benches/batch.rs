//! Batch throughput: `cargo bench --bench batch`.
//!
//! Runs `liftform batch` on a folder of copies of a clip (LIFTFORM_BENCH_BATCH_CLIP, else the
//! shared 720p clip bichraix_good014.mp4; LIFTFORM_BENCH_BATCH_VIDEOS copies, default 8) with 1, 2
//! and N (= cores) jobs, and reports videos per minute, the speed-up over one job and the peak
//! memory of the whole batch process.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn bench_clip() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIFTFORM_BENCH_BATCH_CLIP") {
        return Some(PathBuf::from(p));
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/videos/bichraix_good014.mp4");
    shared.is_file().then_some(shared)
}

fn main() {
    let Some(clip) = bench_clip() else {
        println!("skipped: no bench clip (set LIFTFORM_BENCH_BATCH_CLIP or provide ../shared/data)");
        return;
    };
    let videos: usize = std::env::var("LIFTFORM_BENCH_BATCH_VIDEOS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("clients");
    std::fs::create_dir(&folder).unwrap();
    for k in 0..videos {
        std::fs::copy(&clip, folder.join(format!("set{k:02}.mp4"))).unwrap();
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("{videos} copies of {} on {cores} cores", clip.display());
    let mut jobs_list = vec![1, 2, cores];
    jobs_list.dedup();
    let mut single = None;
    for jobs in jobs_list {
        let out = work.path().join(format!("out{jobs}"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_liftform"));
        command.args(["batch", "-q", "--jobs", &jobs.to_string(), "-o"]).arg(&out).arg(&folder);
        let (peak_mb, seconds, ok) = support::peak_rss_mb(command);
        assert!(ok, "the batch failed");
        let per_minute = videos as f64 * 60.0 / seconds;
        let speedup = per_minute / *single.get_or_insert(per_minute);
        println!("jobs {jobs}: {per_minute:6.1} videos/min ({seconds:.1} s, ×{speedup:.2} of one job), peak memory {peak_mb:.0} MB");
    }
}
