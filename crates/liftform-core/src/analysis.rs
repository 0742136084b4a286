//! The analysis half, end to end: Recording → Track → View → Signals → Reps → Findings → Report.
//!
//! [`analyze`] never panics, whatever the recording (empty, one frame, NaN-filled, random): it
//! always returns a [`Report`], with the reasons in `warnings` and `not_assessed` when there was
//! little to judge.
//!
//! Configuration: [`AnalysisConfig`], read from a **TOML** file with [`AnalysisConfig::from_file`].
//! Every key is optional (defaults are the named constants in the modules and rule files);
//! unknown keys are an error naming the key. Example:
//!
//! ```toml
//! [kinematics]
//! lifter_height_cm = 182      # used for cm when no plate is tracked
//!
//! [dl001]
//! max_offset_cm = 6.0
//!
//! [dl003]
//! enabled = false
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kinematics::{self, KinematicsConfig};
use crate::lift::{self, LiftConfig, Variant};
use crate::recording::Recording;
use crate::report::{
    round_to, verdict_word, BarReport, Finding, ModelReport, NotAssessed, PhaseReport, RepReport, Report, ScaleReport,
    SourceReport, ViewReport, REPORT_SCHEMA,
};
use crate::reps::{self, RepConfig};
use crate::rules::{self, Context, Outcome};
use crate::track::{Track, TrackConfig};
use crate::view::{self, ViewConfig, ViewKind};

pub use crate::rules::dl001_bar_not_over_midfoot::Dl001Config;
pub use crate::rules::dl002_rounded_back::Dl002Config;
pub use crate::rules::dl003_hips_rise_early::Dl003Config;
pub use crate::rules::dl004_bar_drift::Dl004Config;
pub use crate::rules::dl005_lockout_hyperextension::Dl005Config;
pub use crate::rules::dl006_squatted_setup::Dl006Config;
pub use crate::rules::dl007_incomplete_lockout::Dl007Config;
pub use crate::rules::dl008_form_breakdown::Dl008Config;

/// All analysis settings. Each section is a TOML table; each rule's thresholds sit under its
/// lower-case code (`[dl002] max_flexion_deg = 20`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisConfig {
    pub track: TrackConfig,
    pub view: ViewConfig,
    pub kinematics: KinematicsConfig,
    pub reps: RepConfig,
    pub lift: LiftConfig,
    pub dl001: Dl001Config,
    pub dl002: Dl002Config,
    pub dl003: Dl003Config,
    pub dl004: Dl004Config,
    pub dl005: Dl005Config,
    pub dl006: Dl006Config,
    pub dl007: Dl007Config,
    pub dl008: Dl008Config,
}

impl AnalysisConfig {
    /// Reads a TOML config file. Missing keys keep their defaults; an unknown key, a wrong type
    /// or a non-finite number is an error naming the file and the key.
    pub fn from_file(path: &Path) -> Result<AnalysisConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input(path, format!("cannot read config: {e}")))?;
        Self::from_toml_str(&text).map_err(|msg| Error::input(path, msg))
    }

    /// Parses TOML text (the error is a one-line message).
    pub fn from_toml_str(text: &str) -> std::result::Result<AnalysisConfig, String> {
        let cfg: AnalysisConfig =
            toml::from_str(text).map_err(|e| format!("invalid config: {}", one_line(&e.to_string())))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The defaults as TOML text (a starting point for a config file).
    pub fn default_toml() -> String {
        toml::to_string(&AnalysisConfig::default()).unwrap_or_default()
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let value = toml::Value::try_from(self).map_err(|e| format!("invalid config: {e}"))?;
        fn walk(prefix: &str, v: &toml::Value) -> std::result::Result<(), String> {
            match v {
                toml::Value::Float(f) if !f.is_finite() => {
                    Err(format!("invalid config: `{prefix}` must be a finite number"))
                }
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                        walk(&p, v)?;
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        walk("", &value)?;
        rules::check_threshold_ranges(&value)?;
        check_setting_ranges(&value)
    }
}

/// Valid ranges of the settings outside the rules (the rules declare their own): (section, key,
/// unit, min, max). A test checks that every numeric setting is here with its default in range.
pub const SETTING_RANGES: &[(&str, &str, &str, f64, f64)] = &[
    ("track", "min_visibility", "ratio", 0.0, 1.0),
    ("track", "min_pose_score", "ratio", 0.0, 1.0),
    ("track", "max_gap_s", "s", 0.0, 5.0),
    ("track", "smooth_half_window_s", "s", 0.0, 2.0),
    ("track", "jump_min_body_fraction", "ratio", 0.0, 2.0),
    ("track", "jump_half_window_s", "s", 0.0, 5.0),
    ("track", "min_bar_confidence", "ratio", 0.0, 1.0),
    ("track", "min_segment_ratio", "ratio", 0.0, 1.0),
    ("track", "max_segment_ratio", "ratio", 1.0, 10.0),
    ("track", "foot_tolerance_body_fraction", "ratio", 0.0, 2.0),
    ("track", "planted_foot_min_visibility", "ratio", 0.0, 1.0),
    ("track", "planted_foot_min_seen_s", "s", 0.0, 10.0),
    ("view", "side_max_separation", "ratio", 0.0, 2.0),
    ("view", "front_min_separation", "ratio", 0.0, 2.0),
    ("view", "min_trusted_share", "ratio", 0.0, 1.0),
    ("kinematics", "lifter_height_cm", "cm", 100.0, 250.0),
    ("kinematics", "back_t_low", "ratio", 0.0, 1.0),
    ("kinematics", "back_t_high", "ratio", 0.0, 1.0),
    ("kinematics", "back_t_high_oblique", "ratio", 0.0, 1.0),
    ("reps", "low_level", "ratio", 0.0, 1.0),
    ("reps", "high_level", "ratio", 0.0, 1.0),
    ("reps", "min_travel_body_fraction", "ratio", 0.0, 2.0),
    ("reps", "min_plate_travel_body_fraction", "ratio", 0.0, 2.0),
    ("reps", "level_margin_fraction", "ratio", 0.0, 1.0),
    ("reps", "setup_max_s", "s", 0.0, 60.0),
    ("reps", "min_pull_s", "s", 0.0, 10.0),
    ("lift", "hands_below_knee_min", "trunk lengths", -5.0, 5.0),
    ("lift", "lying_trunk_min_deg", "deg", 0.0, 90.0),
    ("lift", "sumo_stance_ratio_min", "ratio", 0.0, 20.0),
    ("lift", "romanian_knee_min_deg", "deg", 90.0, 180.0),
    ("lift", "romanian_hands_below_knee_max", "trunk lengths", -5.0, 5.0),
];

/// A message on one printable line: newlines become spaces, other control characters are escaped.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Pairs of settings where the first must stay below the second.
const ORDERED_SETTINGS: &[(&str, &str, &str)] = &[
    ("track", "min_segment_ratio", "max_segment_ratio"),
    ("view", "side_max_separation", "front_min_separation"),
    ("kinematics", "back_t_low", "back_t_high"),
    ("kinematics", "back_t_low", "back_t_high_oblique"),
    ("reps", "low_level", "high_level"),
];

fn check_setting_ranges(config: &toml::Value) -> std::result::Result<(), String> {
    for &(section, key, unit, min, max) in SETTING_RANGES {
        if let Some(number) = rules::config_setting(config, section, key).filter(|n| !(min..=max).contains(n)) {
            return Err(format!(
                "invalid config: `{section}.{key}` = {number} is outside its valid range {min} to {max} {unit}",
                number = rules::config_number(number)
            ));
        }
    }
    for &(section, low, high) in ORDERED_SETTINGS {
        if let (Some(a), Some(b)) =
            (rules::config_setting(config, section, low), rules::config_setting(config, section, high))
        {
            if a >= b {
                return Err(format!("invalid config: `{section}.{low}` = {a} must be below `{section}.{high}` = {b}"));
            }
        }
    }
    Ok(())
}

/// Everything one analysis computed: the report, and the cleaned track and per-frame signals it
/// was judged from. The report's printers and the renderer both read this one value, so the
/// numbers drawn on the video are the numbers the rules saw and nothing is computed twice.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub track: Track,
    pub signals: kinematics::Signals,
    pub report: Report,
}

/// Runs the whole analysis on a recording and returns the report.
pub fn analyze(recording: &Recording, config: &AnalysisConfig) -> Report {
    analyze_in_full(recording, config).report
}

/// Runs the whole analysis on a recording. Never panics: a failure inside is caught and turned
/// into a report with a warning (and an empty track).
pub fn analyze_in_full(recording: &Recording, config: &AnalysisConfig) -> Analysis {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyze_inner(recording, config))) {
        Ok(analysis) => analysis,
        Err(_) => {
            let mut report = empty_report(recording);
            report.warnings.push("internal error: the analysis failed on this recording (please report it)".into());
            let nothing = Recording { header: recording.header.clone(), frames: Vec::new() };
            let track = Track::from_recording(&nothing, &config.track);
            let signals = kinematics::compute(&track, &config.kinematics, false);
            Analysis { track, signals, report }
        }
    }
}

fn source_report(rec: &Recording) -> SourceReport {
    let src = &rec.header.source;
    let fps = if src.fps.is_finite() { src.fps } else { 0.0 };
    let frames = if rec.frames.is_empty() { src.frames } else { rec.frames.len() as u64 };
    let duration_s = if fps > 0.0 { frames as f64 / fps } else { 0.0 };
    SourceReport {
        path: src.path.clone(),
        fps: round_to(fps, 3),
        frames,
        duration_s: round_to(duration_s, 3),
        width: src.width,
        height: src.height,
        rotation_deg: src.rotation_deg,
    }
}

fn empty_report(rec: &Recording) -> Report {
    Report {
        schema: REPORT_SCHEMA,
        source: source_report(rec),
        model: ModelReport { name: rec.header.model.name.clone(), sha256: rec.header.model.sha256.clone() },
        view: ViewReport {
            kind: ViewKind::Unknown,
            facing: crate::track::Facing::Unknown,
            confidence: 0.0,
            near_side: crate::track::Side::Right,
            separation_ratio: None,
        },
        scale: ScaleReport {
            cm_per_px: None,
            source: crate::kinematics::ScaleSource::None,
            lifter_height_cm: None,
            basis: "no scale: nothing to measure the lifter by".into(),
        },
        bar: BarReport { source: crate::track::BarOrigin::None, ..BarReport::default() },
        lift: lift::Lift::unknown("not recognised yet"),
        reps: Vec::new(),
        findings: Vec::new(),
        not_assessed: Vec::new(),
        warnings: Vec::new(),
    }
}

/// The rules assume a conventional pull from the floor. Another exercise gets no form judgement at
/// all; a Romanian deadlift has no floor setup (bar over mid-foot, hips rising off the floor and a
/// squatted setup do not apply); a sumo stance sets the hips low by design. What a variant takes
/// away is listed as not assessed, with the reason.
fn gate_by_lift(lift: &lift::Lift, report: &mut Report) {
    let (codes, reason): (&[&str], String) = if !lift.deadlift {
        (
            &["DL001", "DL002", "DL003", "DL004", "DL005", "DL006", "DL007", "DL008"],
            format!("this does not look like a deadlift: {}", lift.basis),
        )
    } else {
        match lift.variant {
            Variant::Romanian => {
                (&["DL001", "DL003", "DL006"], "a Romanian deadlift starts from the top and has no floor setup".into())
            }
            Variant::Sumo => (&["DL006"], "a sumo stance sets the hips low by design".into()),
            _ => return,
        }
    };
    for &code in codes {
        report.findings.retain(|f| f.code != code);
        report.not_assessed.retain(|n| n.code != code);
        report.not_assessed.push(NotAssessed { code, reason: reason.clone(), rep: None });
    }
}

fn analyze_inner(rec: &Recording, config: &AnalysisConfig) -> Analysis {
    let track = Track::from_recording(rec, &config.track);
    let view = view::classify(&track, &config.view);
    let signals = kinematics::compute(&track, &config.kinematics, view.kind == ViewKind::Oblique);
    let seg = reps::find_reps(&signals, &config.reps);

    let mut report = empty_report(rec);
    report.view = ViewReport {
        kind: view.kind,
        facing: view.facing,
        confidence: round_to(view.confidence, 2),
        near_side: track.near_side,
        separation_ratio: view.separation_ratio.is_finite().then(|| round_to(view.separation_ratio, 3)),
    };
    let height_cm = config.kinematics.lifter_height_cm;
    let (lifter_height_cm, basis) = match signals.scale.source {
        crate::kinematics::ScaleSource::Plate => (
            None,
            format!(
                "the tracked near plate ({:.0} mm across), brought to the lifter's plane",
                track.plate_diameter_mm
            ),
        ),
        crate::kinematics::ScaleSource::Height if height_cm == crate::kinematics::LIFTER_HEIGHT_CM => (
            Some(height_cm),
            format!("an assumed {height_cm:.0} cm lifter (no trustworthy plate, no height given): lengths are proportional to the lifter's body size, not measured"),
        ),
        crate::kinematics::ScaleSource::Height => {
            (Some(height_cm), format!("the lifter's height as given ({height_cm:.0} cm) and body size in the video"))
        }
        crate::kinematics::ScaleSource::None => (None, "no scale: the lifter's body was not seen well enough".into()),
    };
    report.scale = ScaleReport {
        cm_per_px: signals.scale.cm_per_px.is_finite().then(|| round_to(signals.scale.cm_per_px, 4)),
        source: signals.scale.source,
        lifter_height_cm,
        basis,
    };
    report.bar.source = track.bar_origin;
    report.warnings.extend(track.warnings.iter().cloned());
    report.warnings.extend(seg.warnings.iter().cloned());
    if rec.frames.is_empty() {
        report.warnings.push("the recording has no frames".into());
    } else if track.trusted.iter().all(|t| !t) {
        report.warnings.push("no frame shows the lifter clearly enough to analyse".into());
    }
    if signals.scale.source == crate::kinematics::ScaleSource::Height {
        report.warnings.push(format!(
            "lengths in cm are estimated from the lifter's body size assuming a {:.0} cm tall lifter (no trustworthy plate scale); give --height (or [kinematics] lifter_height_cm) to correct them",
            config.kinematics.lifter_height_cm
        ));
    }
    if track.bar_origin == crate::track::BarOrigin::Wrists {
        report.warnings.push("the bar position is taken from the wrists (no plate track in the recording)".into());
    }

    let ctx = Context { signals: &signals, reps: &seg.reps, view: &view, config };
    let mut outcomes: Vec<Outcome> = Vec::new();
    for rule in rules::registry() {
        if !rule.enabled(config) {
            continue;
        }
        if seg.reps.is_empty() {
            let mut o = Outcome::default();
            o.not_assessed(rule.info().code, None, "no rep was found in the recording");
            outcomes.push(o);
            continue;
        }
        outcomes.push(rule.check(&ctx));
    }
    let metrics = rules::metrics_by_rep(&outcomes);
    for o in outcomes {
        report.findings.extend(o.findings);
        report.not_assessed.extend(o.not_assessed);
    }
    let lift = lift::recognise(&track, &signals, &seg.reps, &view, &config.lift);
    gate_by_lift(&lift, &mut report);
    report.lift = lift;
    report.findings.sort_by(|a, b| a.rep.cmp(&b.rep).then(a.start_s.total_cmp(&b.start_s)).then(a.code.cmp(b.code)));

    let t = |k: usize| round_to(signals.t_s.get(k).copied().unwrap_or(f64::NAN), 3);
    // Bar speed across the set, as velocity-based training apps report it: each full rep's mean
    // lifting speed against the set's best.
    let rep_speed = |rep: &reps::Rep| {
        let v = rep.mean_concentric_velocity_m_s(&signals);
        (v.is_finite() && !rep.partial_start).then_some(v)
    };
    let best_speed = seg.reps.iter().filter_map(rep_speed).fold(f64::NAN, f64::max);
    if best_speed.is_finite() && best_speed > 0.0 {
        report.bar.best_mean_concentric_velocity_m_s = Some(round_to(best_speed, 3));
        let last = seg.reps.iter().rev().find_map(rep_speed);
        report.bar.velocity_loss_pct = last.map(|v| round_to(100.0 * (1.0 - v / best_speed), 1));
    }
    for rep in &seg.reps {
        let mut m = metrics.get(&rep.index).cloned().unwrap_or_default();
        if !rep.partial_start && rep.track_jumps(&signals) {
            report.warnings.push(format!(
                "rep {}: the bar's track jumps during the pull (faster than {} m/s), so its speed is not reported",
                rep.index,
                reps::MAX_PLAUSIBLE_SPEED_M_S
            ));
        }
        if let Some(v) = rep_speed(rep) {
            m.insert("mean_concentric_velocity_m_s".into(), round_to(v, 3));
            m.insert("velocity_loss_pct".into(), round_to(100.0 * (1.0 - v / best_speed), 1));
            let peak = rep.peak_concentric_velocity_m_s(&signals);
            if peak.is_finite() {
                m.insert("peak_concentric_velocity_m_s".into(), round_to(peak, 3));
            }
        }
        let pull_s = signals.t_s[rep.lockout_start] - signals.t_s[rep.liftoff];
        if pull_s.is_finite() && !rep.partial_start {
            m.insert("pull_duration_s".into(), round_to(pull_s, 3));
        }
        if let Some(end) = rep.lowering_end.filter(|_| !rep.partial_end) {
            let lowering_s = signals.t_s[end] - signals.t_s[rep.lockout_end];
            if lowering_s.is_finite() && lowering_s > 0.0 {
                m.insert("lowering_duration_s".into(), round_to(lowering_s, 3));
            }
        }
        let rom_cm = rep.bar_top_y_cm - rep.bar_floor_y_cm;
        if rom_cm.is_finite() && !rep.partial_start {
            m.insert("vertical_rom_cm".into(), round_to(rom_cm, 1));
        }
        let bar = crate::rep_bar::rep_bar_measures(&signals, rep);
        for (key, value) in
            [("pull_max_drift_cm", bar.pull_max_drift_cm), ("lowering_max_drift_cm", bar.lowering_max_drift_cm)]
        {
            if let Some(v) = value {
                m.insert(key.into(), v);
            }
        }
        let in_rep: Vec<&Finding> = report.findings.iter().filter(|f| f.rep == rep.index).collect();
        report.reps.push(RepReport {
            index: rep.index,
            start_s: t(rep.start()),
            end_s: t(rep.end()),
            phases: rep
                .phases()
                .iter()
                .map(|p| PhaseReport { kind: p.kind, start_s: t(p.start), end_s: t(p.end) })
                .collect(),
            metrics: m,
            bar_path: bar.path,
            verdict: verdict_word(&in_rep).to_string(),
            partial: rep.partial_start || rep.partial_end,
        });
    }
    Analysis { track, signals, report }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_through_toml() {
        let text = AnalysisConfig::default_toml();
        let back = AnalysisConfig::from_toml_str(&text).unwrap();
        assert_eq!(back, AnalysisConfig::default());
    }

    #[test]
    fn partial_config_keeps_defaults_and_unknown_keys_fail_by_name() {
        let c = AnalysisConfig::from_toml_str("[dl001]\nmax_offset_cm = 7.5\n").unwrap();
        assert_eq!(c.dl001.max_offset_cm, 7.5);
        assert_eq!(c.dl002, Dl002Config::default());
        let e = AnalysisConfig::from_toml_str("[dl001]\nmax_ofset_cm = 7.5\n").unwrap_err();
        assert!(e.contains("max_ofset_cm"), "{e}");
        let e = AnalysisConfig::from_toml_str("[dl009]\nx = 1\n").unwrap_err();
        assert!(e.contains("dl009"), "{e}");
        let e = AnalysisConfig::from_toml_str("[dl003]\nmax_hip_lead_cm = nan\n").unwrap_err();
        assert!(e.contains("dl003.max_hip_lead_cm"), "{e}");
        let e = AnalysisConfig::from_toml_str("[dl001]\nmax_offset_cm = -3\n").unwrap_err();
        assert!(e.contains("dl001.max_offset_cm") && e.contains("-3") && e.contains("0 to 50 cm"), "{e}");
        let e = AnalysisConfig::from_toml_str("[dl008]\nmin_reps = 1\n").unwrap_err();
        assert!(e.contains("dl008.min_reps"), "{e}");
    }

    #[test]
    fn every_setting_outside_the_rules_has_a_range_holding_its_default() {
        let value = toml::Value::try_from(AnalysisConfig::default()).unwrap();
        for (section, table) in value.as_table().unwrap().iter().filter(|(s, _)| !s.starts_with("dl")) {
            for (key, v) in table.as_table().unwrap() {
                let Some(number) = v.as_float().or(v.as_integer().map(|i| i as f64)) else { continue };
                let range = SETTING_RANGES.iter().find(|r| r.0 == section && r.1 == key);
                let (_, _, _, min, max) = range.unwrap_or_else(|| panic!("`{section}.{key}` has no valid range"));
                assert!((*min..=*max).contains(&number), "`{section}.{key}` default {number} outside {min}..{max}");
            }
        }
        let e = AnalysisConfig::from_toml_str("[kinematics]\nlifter_height_cm = -5\n").unwrap_err();
        assert!(e.contains("kinematics.lifter_height_cm") && e.contains("-5") && e.contains("100 to 250 cm"), "{e}");
        let e = AnalysisConfig::from_toml_str("[kinematics]\nlifter_height_cm = 1e308\n").unwrap_err();
        assert!(e.contains("= 1e308 is outside"), "{e}");
        let e = AnalysisConfig::from_toml_str("[reps]\nlow_level = 0.8\n").unwrap_err();
        assert!(e.contains("reps.low_level") && e.contains("must be below"), "{e}");
    }

    #[test]
    fn from_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cfg.toml");
        std::fs::write(&p, "bogus = 1\n").unwrap();
        let e = AnalysisConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("cfg.toml") && e.contains("bogus"), "{e}");
        assert!(AnalysisConfig::from_file(&dir.path().join("missing.toml")).is_err());
    }
}
