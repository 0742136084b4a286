//! The HTML report in a real browser: Debian's `chromium`, headless. Opt-in: it runs where a
//! `chromium` is on PATH (or `LIFTFORM_CHROMIUM` names one) and prints `skipped: chromium not
//! found` elsewhere — CI does not install a browser (300 MB and a minute of set-up for one check).
//!
//! Checks: no console error or failed resource while the page loads, the video element loads
//! the annotated clip (metadata, size), and clicking a finding on the timeline seeks the video to
//! the finding's time. Screenshots (phone and desktop widths) are written when
//! `LIFTFORM_CHECK_OUT=DIR` is set, for a person to look at.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use liftform_core::analysis::{analyze_in_full, AnalysisConfig};
use liftform_core::recording::Recording;
use liftform_render::{render, RenderOptions};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIFTFORM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser", "google-chrome"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--autoplay-policy=no-user-gesture-required",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Hooks installed before anything else runs: errors, failed resources, console.error.
const HOOKS: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  if (t && t !== window && (t.src || t.currentSrc)) { window.__errors.push('failed to load ' + (t.currentSrc || t.src)); }
  else { window.__errors.push('error: ' + e.message); }
}, true);
window.addEventListener('unhandledrejection', function (e) { window.__errors.push('rejection: ' + e.reason); });
(function () { var ce = console.error; console.error = function () { window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); return ce.apply(console, arguments); }; })();
</script>"#;

/// Runs after the page: waits for the video's metadata, clicks the last finding on the timeline,
/// and writes the outcome into the DOM for --dump-dom.
const PROBE: &str = r#"<script>
(function () {
  var v = document.getElementById('video');
  var done = false;
  function finish(o) {
    if (done) return; done = true;
    var pre = document.createElement('pre'); pre.id = 'liftform-check';
    pre.textContent = 'LIFTFORM_CHECK ' + JSON.stringify(o);
    document.body.appendChild(pre);
  }
  function run() {
    var marks = document.querySelectorAll('.mark');
    var m = marks[marks.length - 1];
    var before = v.currentTime;
    m.click();
    var target = parseFloat(m.getAttribute('data-t'));
    function report() {
      finish({ readyState: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,
               before: before, after: v.currentTime, target: target, marks: marks.length,
               selected: document.querySelectorAll('.mark.sel').length, errors: window.__errors });
    }
    v.addEventListener('seeked', function () { setTimeout(report, 100); });
    setTimeout(report, 3000);
  }
  if (v.readyState >= 1) run();
  else {
    v.addEventListener('loadedmetadata', run);
    v.addEventListener('error', function () { finish({ error: 'video error ' + (v.error && v.error.code), errors: window.__errors }); });
  }
  setTimeout(function () { finish({ timeout: true, readyState: v.readyState, errors: window.__errors }); }, 10000);
})();
</script>"#;

#[test]
#[ignore = "needs ../shared/data"]
fn report_page_loads_plays_and_seeks_in_chromium() {
    let Some(browser) = chromium() else {
        println!("skipped: chromium not found (apt-get install chromium to run this check)");
        return;
    };
    let Some(data) = support::shared_data() else { return };
    let (video, rec) = (
        data.join("synthetic/deadlift_faults_cam15deg.mp4"),
        data.join("mediapipe_ref/deadlift_faults_cam15deg.jsonl"),
    );
    if !video.is_file() || !rec.is_file() {
        println!("skipped: {} or {} not found", video.display(), rec.display());
        return;
    }
    let recording = Recording::read(&rec).unwrap();
    let config = AnalysisConfig::default();
    let mut analysis = analyze_in_full(&recording, &config);
    let report = &mut analysis.report;
    // A finding at known frames (whatever the rules find on this recording), so there is one to click.
    let fps = recording.header.source.fps;
    report.findings.push(support::test_finding(150, 170, fps));
    let kept = std::env::var_os("LIFTFORM_CHECK_OUT").map(PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let options = RenderOptions { annotate: true, html: true, clips: false };
    let summary = render(&video, &recording, &analysis, &dir, &options).unwrap();
    let page = std::fs::read_to_string(summary.html.unwrap()).unwrap();

    // A copy with the hooks and the probe, beside annotated.mp4.
    let probe_page =
        page.replacen("<head>", &format!("<head>\n{HOOKS}"), 1).replacen("</body>", &format!("{PROBE}\n</body>"), 1);
    let check = dir.join("check.html");
    std::fs::write(&check, probe_page).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = headless(&browser, profile.path())
        .args(["--virtual-time-budget=20000", "--dump-dom"])
        .arg(format!("file://{}", check.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let line = dom
        .split("<pre id=\"liftform-check\">LIFTFORM_CHECK ")
        .nth(1)
        .unwrap_or_else(|| panic!("no result from the page; chromium said: {}", String::from_utf8_lossy(&out.stderr)));
    let json = line
        .split("</pre>")
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let r: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    println!("chromium: {r}");
    assert_eq!(r["errors"].as_array().map(|a| a.len()), Some(0), "console errors: {r}");
    assert!(r.get("timeout").is_none() && r.get("error").is_none(), "{r}");
    assert!(r["readyState"].as_i64().unwrap_or(0) >= 1, "the video loads: {r}");
    assert_eq!(r["width"].as_i64(), Some(640));
    assert_eq!(r["height"].as_i64(), Some(360));
    let (before, after, target) =
        (r["before"].as_f64().unwrap(), r["after"].as_f64().unwrap(), r["target"].as_f64().unwrap());
    assert!((after - target).abs() < 0.05 && (after - before).abs() > 0.1, "clicking a finding seeks: {r}");
    assert_eq!(r["selected"].as_i64(), Some(1), "the clicked finding is highlighted");

    if let Some(keep) = kept {
        let page = format!("file://{}", keep.join("report.html").display());
        for (name, size) in [("screenshot_phone.png", "390,2400"), ("screenshot_desktop.png", "1280,3600")] {
            let status = headless(&browser, profile.path())
                .args([&format!("--window-size={size}"), "--virtual-time-budget=5000"])
                .arg(format!("--screenshot={}", keep.join(name).display()))
                .arg(&page)
                .output()
                .unwrap();
            assert!(status.status.success());
        }
        println!("kept: {}", keep.display());
    }
}
