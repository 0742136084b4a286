//! The single-page report (`report.html`): a verdict per rep, the findings on a timeline under the
//! annotated video (a click seeks the video to the finding), a keyframe thumbnail per finding,
//! the measured values against their limits with the advice, the plots, what was not assessed.
//!
//! Self-contained and offline: CSS and script inline, images as `data:` URIs, no network. The
//! video is *referenced* as the sibling `annotated.mp4`, not embedded: a data URI would grow the
//! page by a third more than the video (tens of MB for a long set) and make it slow to open on a
//! phone, while the folder (`report.html` + `annotated.mp4`) copied anywhere keeps working.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use liftform_core::kinematics::ScaleSource;
use liftform_core::report::fmt_num;
use liftform_core::report::{mmss, Finding, Report};
use liftform_core::reps::PhaseKind;
use liftform_core::track::{BarOrigin, Facing};

use super::overlay::phase_name;
use super::scene::Scene;
use super::Keyframe;

pub struct PageInput<'a> {
    pub report: &'a Report,
    pub scene: &'a Scene<'a>,
    /// The annotated video's file name, relative to the page (None: no video was written).
    pub video_file: Option<&'a str>,
    /// Finding index → keyframe.
    pub keyframes: &'a BTreeMap<usize, Keyframe>,
    /// (title, PNG bytes).
    pub plots: &'a [(String, Vec<u8>)],
}

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, padded).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

fn verdict_text(v: &str) -> &'static str {
    match v {
        "faults" => "needs work",
        "warnings" => "mostly fine",
        _ => "clean",
    }
}

fn metric_name(key: &str) -> String {
    let (name, unit) = split_unit(key);
    let name = name.replace('_', " ");
    match unit {
        Some(u) => format!("{name} ({u})"),
        None => name,
    }
}

fn split_unit(key: &str) -> (&str, Option<&'static str>) {
    for (suffix, unit) in
        [("_m_s", "m/s"), ("_cm", "cm"), ("_deg", "°"), ("_s", "s"), ("_ratio", "ratio"), ("_pct", "%")]
    {
        if let Some(stem) = key.strip_suffix(suffix) {
            return (stem, Some(unit));
        }
    }
    (key, None)
}

/// The page.
pub fn page(input: &PageInput) -> String {
    let r = input.report;
    let scene = input.scene;
    let fps = scene.fps;
    let total_frames = r.source.frames.max(1) as f64;
    let pos = |frame: u64| (frame as f64 / total_frames * 100.0).clamp(0.0, 100.0);
    let video_t = |frame: u64| (frame as f64 + 0.25) / fps;
    // A finding's code in its severity's colour, as a button that seeks the video to it;
    // `after` follows the code inside the button.
    let code_link = |n: usize, f: &Finding, after: &str| {
        format!(
            "<button class=\"link\" data-t=\"{:.4}\" data-f=\"{}\"><b class=\"sevtext {}\">{}</b>{}</button>",
            video_t(f.frame_start),
            n,
            f.severity.as_str(),
            esc(f.code),
            after
        )
    };
    let name = std::path::Path::new(&r.source.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| r.source.path.clone());

    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"liftform {}\">\n<title>liftform: {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&name),
        CSS
    );

    // Header: the clip and the verdict per rep.
    let facing = match r.view.facing {
        Facing::Left => "facing left",
        Facing::Right => "facing right",
        Facing::Unknown => "facing unknown",
    };
    let scale = match r.scale.source {
        ScaleSource::Plate => "cm from the plate",
        ScaleSource::Height => "cm estimated from body size",
        ScaleSource::None => "no length scale",
    };
    let bar = match r.bar.source {
        BarOrigin::Plate => "bar tracked by its plate",
        BarOrigin::Wrists => "bar from the wrists",
        BarOrigin::None => "bar not seen",
    };
    let _ = write!(
        h,
        "<header><h1>{}</h1><p class=\"sub\">{} · {} fps · {}×{} · {} view, {} · {} · {}</p>",
        esc(&name),
        mmss(r.source.duration_s),
        fmt_num(r.source.fps),
        r.source.width,
        r.source.height,
        r.view.kind.as_str(),
        facing,
        scale,
        bar
    );
    if !r.lift.deadlift {
        let _ = write!(h, "<p class=\"note\">Not a deadlift: {}. No form is judged.</p>", esc(&r.lift.basis));
    } else if r.lift.variant != liftform_core::lift::Variant::Unknown {
        let _ = write!(
            h,
            "<p class=\"sub\">{} deadlift (confidence {:.1})</p>",
            esc(&r.lift.variant.as_str().replace('_', " ")),
            r.lift.confidence
        );
    }
    h.push_str("<div class=\"verdicts\">");
    if r.reps.is_empty() {
        h.push_str("<span class=\"chip none\">no rep found</span>");
    }
    for rep in &r.reps {
        let _ = write!(
            h,
            "<a class=\"chip {}\" href=\"#rep{}\">Rep {}: {}</a>",
            esc(&rep.verdict),
            rep.index,
            rep.index,
            verdict_text(&rep.verdict)
        );
    }
    h.push_str("</div></header>\n");

    // The player and the timeline.
    h.push_str("<section class=\"player\" id=\"player\">");
    match input.video_file {
        Some(file) => {
            let _ = write!(
                h,
                "<video id=\"video\" src=\"{}\" controls playsinline muted preload=\"auto\"></video>",
                esc(file)
            );
        }
        None => h.push_str("<p class=\"note\">No annotated video was written (run with --annotate).</p>"),
    }
    // Lanes so overlapping findings do not hide each other.
    let mut lanes_end: Vec<f64> = Vec::new();
    let mut markers = String::new();
    let mut order: Vec<usize> = (0..r.findings.len()).collect();
    order.sort_by_key(|&n| r.findings[n].frame_start);
    for n in order {
        let f = &r.findings[n];
        let (a, b) = super::banner_frames(f, fps);
        let (left, right) = (pos(a), pos(b + 1).max(pos(a) + 1.2));
        let lane = match lanes_end.iter().position(|end| *end <= left) {
            Some(l) => l,
            None => {
                lanes_end.push(0.0);
                lanes_end.len() - 1
            }
        };
        lanes_end[lane] = right + 0.5;
        let _ = write!(
            markers,
            "<button class=\"mark {}\" style=\"left:{:.3}%;width:{:.3}%;top:{}px\" data-t=\"{:.4}\" data-f=\"{}\" title=\"{} {} at {}\">{}</button>",
            f.severity.as_str(),
            left,
            (right - left).min(100.0 - left),
            34 + 24 * lane,
            video_t(f.frame_start),
            n,
            esc(f.code),
            esc(f.rule),
            mmss(f.start_s),
            esc(f.code)
        );
    }
    let _ = write!(
        h,
        "<div id=\"timeline\" class=\"timeline\" style=\"height:{}px\" data-duration=\"{:.4}\">",
        40 + 24 * lanes_end.len().max(1),
        total_frames / fps
    );
    for rep in &r.reps {
        for p in &rep.phases {
            let (a, b) = (scene.frame_at_time(p.start_s), scene.frame_at_time(p.end_s));
            let _ = write!(
                h,
                "<div class=\"phase {}\" style=\"left:{:.3}%;width:{:.3}%\" title=\"rep {} {}\"></div>",
                phase_name(p.kind),
                pos(a),
                (pos(b) - pos(a)).max(0.2),
                rep.index,
                phase_name(p.kind)
            );
        }
        let a = scene.frame_at_time(rep.start_s);
        let _ = write!(h, "<div class=\"replabel\" style=\"left:{:.3}%\">rep {}</div>", pos(a), rep.index);
    }
    h.push_str(&markers);
    h.push_str("<div id=\"playhead\" class=\"playhead\"></div></div>");
    h.push_str("<div class=\"legend\">");
    for k in [PhaseKind::Setup, PhaseKind::Pull, PhaseKind::Lockout, PhaseKind::Lowering] {
        let _ = write!(h, "<span><i class=\"phase {}\"></i>{}</span>", phase_name(k), phase_name(k));
    }
    h.push_str("<span><i class=\"sev fault\"></i>fault</span><span><i class=\"sev warning\"></i>warning</span><span><i class=\"sev info\"></i>info</span>");
    h.push_str("<span class=\"hint\">Tap a finding to see it in the video.</span></div></section>\n");

    // Reps.
    h.push_str("<section><h2>Reps</h2><div class=\"reps\">");
    if r.reps.is_empty() {
        h.push_str("<p>No rep was found in this clip.</p>");
    }
    for rep in &r.reps {
        let in_rep: Vec<(usize, &Finding)> =
            r.findings.iter().enumerate().filter(|(_, f)| f.rep == rep.index).collect();
        let _ = write!(
            h,
            "<article class=\"rep {}\" id=\"rep{}\"><h3>Rep {} <span class=\"badge {}\">{}</span></h3><p class=\"sub\">{}–{}{}</p>",
            esc(&rep.verdict),
            rep.index,
            rep.index,
            esc(&rep.verdict),
            verdict_text(&rep.verdict),
            mmss(rep.start_s),
            mmss(rep.end_s),
            if rep.partial { " · partly outside the clip" } else { "" }
        );
        if !rep.metrics.is_empty() {
            h.push_str("<table class=\"metrics\">");
            for (k, v) in &rep.metrics {
                let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(&metric_name(k)), fmt_num(*v));
            }
            h.push_str("</table>");
        }
        if in_rep.is_empty() {
            h.push_str("<p>No finding in this rep.</p>");
        } else {
            h.push_str("<ul class=\"short\">");
            for (n, f) in in_rep {
                let after = format!(" {} at {}", esc(f.rule), mmss(f.start_s));
                let _ = write!(h, "<li>{}</li>", code_link(n, f, &after));
            }
            h.push_str("</ul>");
        }
        let na: Vec<&str> =
            r.not_assessed.iter().filter(|x| x.rep.is_none() || x.rep == Some(rep.index)).map(|x| x.code).collect();
        if !na.is_empty() {
            let mut na = na;
            na.sort_unstable();
            na.dedup();
            let _ = write!(h, "<p class=\"sub\">Not assessed: {}</p>", esc(&na.join(", ")));
        }
        h.push_str("</article>");
    }
    h.push_str("</div></section>\n");

    // Findings.
    let _ = write!(h, "<section><h2>Findings ({})</h2>", r.findings.len());
    if r.findings.is_empty() {
        h.push_str("<p>Nothing to report in what could be assessed.</p>");
    }
    for (n, f) in r.findings.iter().enumerate() {
        let _ = write!(h, "<article class=\"finding {}\" id=\"finding{}\" data-f=\"{}\">", f.severity.as_str(), n, n);
        match input.keyframes.get(&n) {
            Some(k) => {
                let _ = write!(
                    h,
                    "<button class=\"thumb\" data-t=\"{:.4}\" data-f=\"{}\"><img alt=\"{} at frame {}\" src=\"data:image/jpeg;base64,{}\"></button>",
                    video_t(f.frame_start),
                    n,
                    esc(f.code),
                    k.frame,
                    base64(&k.jpeg)
                );
            }
            None => h.push_str("<div class=\"thumb empty\"></div>"),
        }
        let _ = write!(
            h,
            "<div class=\"body\"><button class=\"title\" data-t=\"{:.4}\" data-f=\"{}\"><span class=\"badge {}\">{}</span> <b>{}</b> {} <span class=\"when\">rep {} · {}–{} ▶</span></button>\
             <p class=\"msg\">{}</p>{}<p class=\"advice\"><b>How to fix:</b> {}</p></div></article>",
            video_t(f.frame_start),
            n,
            f.severity.as_str(),
            f.severity.as_str(),
            esc(f.code),
            esc(f.rule),
            f.rep,
            mmss(f.start_s),
            mmss(f.end_s),
            esc(&f.message),
            gauge(f),
            esc(&f.advice)
        );
        h.push('\n');
    }
    h.push_str("</section>\n");

    // Measured against limits.
    if !r.findings.is_empty() {
        h.push_str("<section><h2>Measured against limits</h2><div class=\"scroll\"><table class=\"limits\"><thead><tr><th>code</th><th>rule</th><th>rep</th><th>measured</th><th>limit</th><th>unit</th><th>confidence</th></tr></thead><tbody>");
        for (n, f) in r.findings.iter().enumerate() {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                code_link(n, f, ""),
                esc(f.rule),
                f.rep,
                fmt_num(f.measured),
                fmt_num(f.threshold),
                esc(f.unit),
                fmt_num(f.confidence)
            );
        }
        h.push_str("</tbody></table></div></section>\n");
    }

    // Not assessed.
    if !r.not_assessed.is_empty() {
        h.push_str("<section><h2>Not assessed</h2><ul class=\"na\">");
        for x in &r.not_assessed {
            let rep = x.rep.map(|n| format!(" (rep {n})")).unwrap_or_default();
            let _ = write!(h, "<li><b>{}</b>{}: {}</li>", esc(x.code), rep, esc(&x.reason));
        }
        h.push_str("</ul></section>\n");
    }

    // Plots.
    if !input.plots.is_empty() {
        h.push_str("<section><h2>Plots</h2>");
        for (title, png) in input.plots {
            let _ = write!(
                h,
                "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{}</figcaption></figure>",
                esc(title),
                base64(png),
                esc(title)
            );
        }
        h.push_str("</section>\n");
    }

    if !r.warnings.is_empty() {
        h.push_str("<section><h2>Warnings</h2><ul class=\"na\">");
        for w in &r.warnings {
            let _ = write!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></section>\n");
    }
    let _ = write!(
        h,
        "<footer>liftform {} · {} · model {} · angles: hip shoulder–hip–knee, knee hip–knee–ankle (180° = straight), back = hip→shoulder line above horizontal</footer>\n</main>\n<script>{}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(r.schema),
        esc(&r.model.name),
        SCRIPT
    );
    h
}

/// A bar showing the measured value against its limit (both as magnitudes on one scale).
fn gauge(f: &Finding) -> String {
    let text = format!(
        "<p class=\"measure\">measured <b>{} {}</b> · limit {} {}</p>",
        fmt_num(f.measured),
        esc(f.unit),
        fmt_num(f.threshold),
        esc(f.unit)
    );
    if !(f.measured.is_finite() && f.threshold.is_finite()) || f.measured.signum() * f.threshold.signum() < 0.0 {
        return text;
    }
    let (m, t) = (f.measured.abs(), f.threshold.abs());
    let top = m.max(t) * 1.2;
    if top <= 0.0 {
        return text;
    }
    format!(
        "{text}<div class=\"gauge\"><div class=\"fill {}\" style=\"width:{:.1}%\"></div><div class=\"limit\" style=\"left:{:.1}%\"></div></div>",
        f.severity.as_str(),
        m / top * 100.0,
        t / top * 100.0
    )
}

const CSS: &str = r#"
:root{--fault:#d62828;--warning:#f08c00;--info:#1f6fb4;--clean:#2b8a3e;--ink:#1d232a;--sub:#5c6670;--line:#dde2e7;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:12px}
h1{font-size:1.35rem;margin:.2rem 0;word-break:break-all}
h2{font-size:1.15rem;margin:1.4rem 0 .6rem}
h3{font-size:1.05rem;margin:0 0 .3rem}
.sub{color:var(--sub);font-size:.9rem;margin:.2rem 0}
.verdicts{display:flex;flex-wrap:wrap;gap:6px;margin:.5rem 0}
.chip{display:inline-block;padding:4px 10px;border-radius:999px;color:#fff;text-decoration:none;font-weight:600;font-size:.9rem;background:var(--clean)}
.chip.faults{background:var(--fault)}.chip.warnings{background:var(--warning)}.chip.none{background:var(--sub)}
.player{position:sticky;top:0;z-index:5;background:var(--bg);padding:6px 0 4px;border-bottom:1px solid var(--line)}
video{display:block;width:100%;max-height:62vh;background:#000;border-radius:6px}
@media (max-width:700px){video{max-height:40vh}main{padding:8px}}
.timeline{position:relative;margin:8px 0 4px;background:#fff;border:1px solid var(--line);border-radius:6px;cursor:pointer;overflow:hidden}
.timeline .phase{position:absolute;top:4px;height:24px;opacity:.85}
.phase.setup{background:#c9ced4}.phase.pull{background:#8fb8ee}.phase.lockout{background:#94d3a6}.phase.lowering{background:#c9a9e4}
.replabel{position:absolute;top:6px;font-size:.75rem;font-weight:700;padding-left:3px;pointer-events:none;color:#233}
.mark{position:absolute;height:20px;border:0;border-radius:4px;color:#fff;font:700 .72rem/20px system-ui,sans-serif;padding:0 3px;overflow:hidden;white-space:nowrap;text-align:left;cursor:pointer;min-width:3.4em}
.mark.fault{background:var(--fault)}.mark.warning{background:var(--warning);color:#111}.mark.info{background:var(--info)}
.mark.sel{outline:3px solid #111;outline-offset:1px}
.playhead{position:absolute;top:0;bottom:0;width:2px;background:#111;left:0;pointer-events:none}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:.8rem;color:var(--sub)}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.sev.fault{background:var(--fault)}.sev.warning{background:var(--warning)}.sev.info{background:var(--info)}
.hint{margin-left:auto}
.reps{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px}
.rep,.finding{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.rep{border-top:5px solid var(--clean)}.rep.faults{border-top-color:var(--fault)}.rep.warnings{border-top-color:var(--warning)}
.badge{display:inline-block;padding:1px 8px;border-radius:4px;font-size:.78rem;font-weight:700;color:#fff;background:var(--clean);vertical-align:1px;text-transform:uppercase}
.badge.fault,.badge.faults{background:var(--fault)}.badge.warning,.badge.warnings{background:var(--warning);color:#111}.badge.info{background:var(--info)}
.metrics{border-collapse:collapse;font-size:.88rem;margin:.4rem 0}
.metrics td{padding:2px 10px 2px 0;border-bottom:1px solid var(--line)}
.metrics td:last-child{text-align:right;font-variant-numeric:tabular-nums}
ul.short{padding-left:1.1rem;margin:.4rem 0}
button.link,button.title,button.thumb{background:none;border:0;padding:0;font:inherit;color:inherit;text-align:left;cursor:pointer}
button.link{text-decoration:underline dotted}
.sevtext.fault{color:var(--fault)}.sevtext.warning{color:#b86a00}.sevtext.info{color:var(--info)}
.finding{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:12px;margin-bottom:10px;border-left:6px solid var(--info)}
.finding.fault{border-left-color:var(--fault)}.finding.warning{border-left-color:var(--warning)}
.finding.active{box-shadow:0 0 0 3px #111}
@media (max-width:700px){.finding{grid-template-columns:1fr}}
.thumb img{display:block;width:100%;border-radius:6px}
.thumb.empty{min-height:0}
.title{font-size:1rem;display:block;width:100%}
.when{display:block;color:var(--sub);font-size:.85rem}
.msg{margin:.4rem 0}
.measure{margin:.3rem 0;font-size:.92rem}
.gauge{position:relative;height:10px;background:#e9ecef;border-radius:5px;margin:2px 0 8px;overflow:visible}
.gauge .fill{height:100%;border-radius:5px;background:var(--info)}
.gauge .fill.fault{background:var(--fault)}.gauge .fill.warning{background:var(--warning)}
.gauge .limit{position:absolute;top:-4px;width:3px;height:18px;background:#111}
.advice{margin:.3rem 0;font-size:.93rem}
.scroll{overflow-x:auto}
table.limits{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
.limits th,.limits td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
.limits td:nth-child(4),.limits td:nth-child(5){text-align:right;font-variant-numeric:tabular-nums}
ul.na{padding-left:1.1rem}
figure{margin:0 0 14px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
figure img{display:block;max-width:100%;max-height:85vh;width:auto;height:auto;margin:0 auto}
figcaption{color:var(--sub);font-size:.85rem;margin-top:4px}
footer{color:var(--sub);font-size:.8rem;margin:1.5rem 0 1rem}
.note{padding:10px;background:#fff3cd;border-radius:6px}
"#;

const SCRIPT: &str = r#"
(function(){
  var v = document.getElementById('video');
  var tl = document.getElementById('timeline');
  var ph = document.getElementById('playhead');
  var dur = tl ? parseFloat(tl.getAttribute('data-duration')) : 0;
  var cards = document.querySelectorAll('article.finding');
  function duration(){ return (v && isFinite(v.duration) && v.duration > 0) ? v.duration : dur; }
  function select(f){
    document.querySelectorAll('.mark').forEach(function(m){ m.classList.toggle('sel', m.getAttribute('data-f') === f); });
    cards.forEach(function(c){ c.classList.toggle('active', c.getAttribute('data-f') === f); });
  }
  function seek(t){
    if (!v) return;
    v.pause();
    try { v.currentTime = t; } catch (e) {}
    update();
    var box = v.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) { v.scrollIntoView({block: 'start'}); }
  }
  function update(){
    if (!v || !ph) return;
    var d = duration();
    ph.style.left = (d > 0 ? Math.min(100, 100 * v.currentTime / d) : 0) + '%';
  }
  document.querySelectorAll('[data-t]').forEach(function(el){
    el.addEventListener('click', function(ev){
      ev.preventDefault(); ev.stopPropagation();
      seek(parseFloat(el.getAttribute('data-t')));
      select(el.getAttribute('data-f'));
    });
  });
  if (tl) tl.addEventListener('click', function(ev){
    var box = tl.getBoundingClientRect();
    if (box.width > 0) seek(duration() * (ev.clientX - box.left) / box.width);
  });
  if (v) {
    v.addEventListener('timeupdate', update);
    v.addEventListener('seeked', update);
    v.addEventListener('play', function loop(){ update(); if (!v.paused) requestAnimationFrame(loop); });
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn metric_names_keep_units() {
        assert_eq!(metric_name("mean_concentric_velocity_m_s"), "mean concentric velocity (m/s)");
        assert_eq!(metric_name("bar_drift_cm"), "bar drift (cm)");
        assert_eq!(metric_name("pull_duration_s"), "pull duration (s)");
    }
}
