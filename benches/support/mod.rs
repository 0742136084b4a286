//! Helpers shared by the benches.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs a command and returns (peak resident memory in MB, wall seconds, success), polling the
/// child's VmHWM from /proc until it exits.
pub fn peak_rss_mb(mut command: Command) -> (f64, f64, bool) {
    let start = Instant::now();
    let mut child = command.spawn().expect("the command starts");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                let kb: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait works") {
            return (peak_kb as f64 / 1024.0, start.elapsed().as_secs_f64(), status.success());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
