//! Developer tools for calibrating the analysis, all `#[ignore]`d: they print signals and
//! metrics for simulated sets (`SIM=clean|fwd|drift|round|hips|hyper|squat|incomplete|walk`),
//! one recording (`CLIP=path.jsonl`, `STEP=n`) or a folder of recordings (`DIR=...`).
//! Run with `LIFTFORM_EXPLORE=1 cargo test -p liftform-core --test core <name> -- --ignored --nocapture`.

use crate::common;
use common::sim::*;
use liftform_core::analysis::{analyze, AnalysisConfig};

fn show(name: &str, cfg: &SimConfig) {
    let out = simulate(cfg);
    let c = AnalysisConfig::default();
    let track = liftform_core::track::Track::from_recording(&out.recording, &c.track);
    let view = liftform_core::view::classify(&track, &c.view);
    let s = liftform_core::kinematics::compute(&track, &c.kinematics, false);
    let seg = liftform_core::reps::find_reps(&s, &c.reps);
    println!(
        "== {name}: view {:?} {:?} conf {} sep {:.2}; scale {:?}; body {:.0} cm; reps {}",
        view.kind,
        view.facing,
        view.confidence,
        view.separation_ratio,
        s.scale,
        s.body_scale_cm,
        seg.reps.len()
    );
    for r in &seg.reps {
        println!(
            "  rep {} setup {:?} liftoff {:.2}s knee {:?} lock {:.2}-{:.2} low_end {:?}",
            r.index,
            r.setup_start.map(|k| s.t_s[k]),
            s.t_s[r.liftoff],
            r.knee_pass.map(|k| s.t_s[k]),
            s.t_s[r.lockout_start],
            s.t_s[r.lockout_end],
            r.lowering_end.map(|k| s.t_s[k])
        );
    }
    println!("  truth pulls {:?} faults {:?}", out.pulls, out.faults);
    let step = (s.len() / 30).max(1);
    for k in (0..s.len()).step_by(step) {
        println!("  t {:.2} bar ({:.1},{:.1}) mf {:.1} hip {:.0} knee {:.0} trunk {:.0} thigh {:.0} flex {:.1} arch {:.1} chord {:.1}", s.t_s[k], s.bar_x_cm[k], s.bar_y_cm[k], s.midfoot_x_cm[k], s.hip_angle_deg[k], s.knee_angle_deg[k], s.trunk_from_vertical_deg[k], s.thigh_above_horizontal_deg[k], s.back_flex_deg[k], s.back_arch_deg[k], s.trunk_chord_cm[k]);
    }
    let rep = analyze(&out.recording, &c);
    for f in &rep.findings {
        println!("  FINDING {} {:.2}-{:.2} {} {} ({})", f.code, f.start_s, f.end_s, f.measured, f.unit, f.message);
    }
    for n in &rep.not_assessed {
        println!("  NA {} {:?} {}", n.code, n.rep, n.reason);
    }
    for (r, m) in rep.reps.iter().map(|r| (r.index, &r.metrics)) {
        println!("  metrics {r}: {m:?}");
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let which = std::env::var("SIM").unwrap_or_default();
    let base = SimConfig::default();
    let f = |kind: FaultKind| SimConfig { faults: vec![Fault { kind, rep: 1 }], ..SimConfig::default() };
    match which.as_str() {
        "clean" => show("clean", &base),
        "fwd" => show("bar forward 10", &f(FaultKind::BarForwardAtSetup { cm: 10.0 })),
        "drift" => show("drift 12", &f(FaultKind::BarDrift { cm: 12.0 })),
        "round" => show("round 30", &f(FaultKind::RoundedBack { deg: 30.0 })),
        "hips" => show("hips 1.0", &f(FaultKind::HipsRiseEarly { share: 1.0 })),
        "hyper" => show(
            "hyper",
            &SimConfig {
                reps: 3,
                seed: 7,
                noise_px: 1.5,
                drop_share: 0.03,
                faults: vec![Fault { kind: FaultKind::Hyperextension { lean_deg: 20.0, arch_deg: 35.0 }, rep: 2 }],
                ..SimConfig::default()
            },
        ),
        "squat" => show("squat", &f(FaultKind::SquatSetup { extra_shank_deg: 15.0 })),
        "incomplete" => show("incomplete", &f(FaultKind::IncompleteLockout { deg: 30.0 })),
        "walk" => show("walk", &SimConfig { walk_in_s: 1.0, grip_reset: true, reps: 2, ..SimConfig::default() }),
        _ => show("clean", &base),
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_clip() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let path = std::env::var("CLIP").unwrap_or_default();
    let rec = liftform_core::recording::Recording::read(std::path::Path::new(&path)).unwrap();
    let c = AnalysisConfig::default();
    let track = liftform_core::track::Track::from_recording(&rec, &c.track);
    let view = liftform_core::view::classify(&track, &c.view);
    let s = liftform_core::kinematics::compute(&track, &c.kinematics, false);
    let seg = liftform_core::reps::find_reps(&s, &c.reps);
    println!(
        "== view {:?} {:?} conf {} sep {:.2}; near {:?} scale {:?}; body {:.0} cm; trusted {:.2}; midfoot_from_foot {}",
        view.kind,
        view.facing,
        view.confidence,
        view.separation_ratio,
        track.near_side,
        s.scale,
        s.body_scale_cm,
        track.trusted_share(),
        s.midfoot_from_foot
    );
    for r in &seg.reps {
        println!(
            "  rep {} setup {:?} liftoff {:.2}s knee {:?} lock {:.2}-{:.2} low_end {:?} partial {} {}",
            r.index,
            r.setup_start.map(|k| s.t_s[k]),
            s.t_s[r.liftoff],
            r.knee_pass.map(|k| s.t_s[k]),
            s.t_s[r.lockout_start],
            s.t_s[r.lockout_end],
            r.lowering_end.map(|k| s.t_s[k]),
            r.partial_start,
            r.partial_end
        );
    }
    let step: usize = std::env::var("STEP").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for k in (0..s.len()).step_by(step) {
        println!("  t {:.2} {} bar ({:.1},{:.1}) mf {:.1} hip ({:.0},{:.0}) knee ({:.0},{:.0}) sh ({:.0},{:.0}) hipA {:.0} kneeA {:.0} trunk {:.0} thigh {:.0} shank {:.0} head {:.0} chord {:.1} arch {:.0} flex {:.0}", s.t_s[k], if s.trusted[k] {"T"} else {"-"}, s.bar_x_cm[k], s.bar_y_cm[k], s.midfoot_x_cm[k], s.hip_x_cm[k], s.hip_y_cm[k], s.knee_x_cm[k], s.knee_y_cm[k], s.shoulder_x_cm[k], s.shoulder_y_cm[k], s.hip_angle_deg[k], s.knee_angle_deg[k], s.trunk_from_vertical_deg[k], s.thigh_above_horizontal_deg[k], s.shank_from_vertical_deg[k], s.head_forward_deg[k], s.trunk_chord_cm[k], s.back_arch_deg[k], s.back_flex_deg[k]);
    }
    let rep = analyze(&rec, &c);
    for f in &rep.findings {
        println!("  FINDING {} {:.2}-{:.2} {} {} ({})", f.code, f.start_s, f.end_s, f.measured, f.unit, f.message);
    }
    for n in &rep.not_assessed {
        println!("  NA {} {:?} {}", n.code, n.rep, n.reason);
    }
    for (r, m) in rep.reps.iter().map(|r| (r.index, &r.metrics)) {
        println!("  metrics {r}: {m:?}");
    }
    for w in &rep.warnings {
        println!("  WARN {w}");
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_all_metrics() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let dir = std::env::var("DIR").unwrap_or("/work/shared/data/mediapipe_ref".into());
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().map(|x| x == "jsonl").unwrap_or(false))
        .collect();
    paths.sort();
    let c = AnalysisConfig::default();
    for p in paths {
        let rec = liftform_core::recording::Recording::read(&p).unwrap();
        let r = analyze(&rec, &c);
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        for rep in &r.reps {
            let m = &rep.metrics;
            let g = |k: &str| m.get(k).map(|v| format!("{v:.1}")).unwrap_or("-".into());
            println!("{:<24} r{} wander {:>5} off {:>5} drift {:>5} flat {:>11} thigh {:>5} shank {:>5} hip {:>5} knee {:>5} ext {:>5} chord% {:>5} flex {:>5} v {:>5} pshare {:.2} | {}", name, rep.index, g("setup_midfoot_wander_cm"), g("setup_bar_offset_cm"), g("bar_drift_cm"), format!("{}/{}", g("back_flattening_to_knee_deg"), g("hip_lead_to_knee_cm")), g("setup_thigh_angle_deg"), g("setup_shank_angle_deg"), g("lockout_hip_angle_deg"), g("lockout_knee_angle_deg"), g("lockout_extension_deg"), g("trunk_chord_shortening_pct"), g("back_flexion_peak_deg"), g("mean_concentric_velocity_m_s"), liftform_core::kinematics::compute(&liftform_core::track::Track::from_recording(&rec, &c.track), &c.kinematics, false).back_profile_share, r.findings.iter().map(|f| f.code).collect::<Vec<_>>().join(","));
        }
        if r.reps.is_empty() {
            println!("{name:<24} no reps {:?}", r.warnings);
        }
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_slow() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let cfg = SimConfig {
        reps: 4,
        faults: vec![Fault { kind: FaultKind::Slow { factor: 2.2 }, rep: 4 }],
        seed: 1,
        noise_px: 1.5,
        drop_share: 0.03,
        ..SimConfig::default()
    };
    show("slow", &cfg);
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_back() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let path = std::env::var("CLIP").unwrap_or_default();
    let rec = liftform_core::recording::Recording::read(std::path::Path::new(&path)).unwrap();
    let c = AnalysisConfig::default();
    let track = liftform_core::track::Track::from_recording(&rec, &c.track);
    let s = liftform_core::kinematics::compute(&track, &c.kinematics, false);
    let seg = liftform_core::reps::find_reps(&s, &c.reps);
    for r in &seg.reps {
        println!(
            "rep liftoff {:.2} lock {:.2}-{:.2} end {:?}",
            s.t_s[r.liftoff],
            s.t_s[r.lockout_start],
            s.t_s[r.lockout_end],
            r.lowering_end.map(|k| s.t_s[k])
        );
    }
    let back_pos = track.facing == liftform_core::track::Facing::Right;
    let step: usize = std::env::var("STEP").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for k in (0..s.len()).step_by(step) {
        let prof = track.trunk_profile[k]
            .as_ref()
            .map(|p| {
                let side = if back_pos { &p.pos_px } else { &p.neg_px };
                side.iter().map(|v| v.map(|x| format!("{:.0}", x)).unwrap_or("-".into())).collect::<Vec<_>>().join(" ")
            })
            .unwrap_or_default();
        let (h, sh) = (track.mid_hip_raw_px[k], track.mid_shoulder_raw_px[k]);
        println!(
            "t {:.2} {} trunk {:>4.0} hipA {:>4.0} flex {:>5.1} arch {:>5.1} chord {:>4.0}px | {}",
            s.t_s[k],
            if s.trusted[k] { "T" } else { "-" },
            s.trunk_from_vertical_deg[k],
            s.hip_angle_deg[k],
            s.back_flex_deg[k],
            s.back_arch_deg[k],
            (sh[0] - h[0]).hypot(sh[1] - h[1]),
            prof
        );
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_bend_stats() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let dir = std::env::var("DIR").unwrap_or("/tmp/own_flat".into());
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let c = AnalysisConfig::default();
    for p in paths {
        let rec = liftform_core::recording::Recording::read(&p).unwrap();
        let track = liftform_core::track::Track::from_recording(&rec, &c.track);
        let s = liftform_core::kinematics::compute(&track, &c.kinematics, false);
        let bent: Vec<f64> = (0..s.len())
            .filter(|&k| s.trusted[k] && s.trunk_from_vertical_deg[k] >= 30.0)
            .map(|k| s.back_flex_deg[k])
            .collect();
        let q = |x| liftform_core::signal::percentile(&bent, x);
        println!(
            "{:<28} n {:>3} p10 {:>5.1} p50 {:>5.1} p80 {:>5.1} p90 {:>5.1} max {:>5.1}",
            p.file_stem().unwrap().to_string_lossy(),
            bent.len(),
            q(0.1),
            q(0.5),
            q(0.8),
            q(0.9),
            q(1.0)
        );
    }
}

#[test]
#[ignore = "exploration printout, not a check: run with LIFTFORM_EXPLORE=1 -- --ignored --nocapture"]
fn explore_text() {
    if std::env::var_os("LIFTFORM_EXPLORE").is_none() {
        return;
    }
    let path = std::env::var("CLIP").unwrap_or_default();
    let rec = liftform_core::recording::Recording::read(std::path::Path::new(&path)).unwrap();
    let r = analyze(&rec, &AnalysisConfig::default());
    println!("{}", r.to_text());
}
