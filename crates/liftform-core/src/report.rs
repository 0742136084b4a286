//! The report (`liftform.report/v1`, DESIGN.md §4) and its printers: JSON (serde) and a readable
//! terminal summary ([`Report::to_text`]).
//!
//! Field names here are a public contract: scripts and dashboards read them. Fields beyond the
//! §4 sketch (`rep` on a not-assessed entry, `confidence` on a finding, `verdict` and `partial`
//! on a rep, `bar`, `near_side` and `separation_ratio` on the view) are additions, never renames.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kinematics::ScaleSource;
use crate::reps::PhaseKind;
use crate::track::{BarOrigin, Facing, Side};
use crate::view::ViewKind;

pub const REPORT_SCHEMA: &str = "liftform.report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fault,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fault => "fault",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub source: SourceReport,
    pub model: ModelReport,
    pub view: ViewReport,
    pub scale: ScaleReport,
    pub bar: BarReport,
    /// Which lift the clip shows (`lift`): conventional, sumo, trap_bar, romanian or unknown,
    /// with a confidence, and whether it is a deadlift at all.
    pub lift: crate::lift::Lift,
    pub reps: Vec<RepReport>,
    pub findings: Vec<Finding>,
    pub not_assessed: Vec<NotAssessed>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceReport {
    pub path: String,
    pub fps: f64,
    pub frames: u64,
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
    pub rotation_deg: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    pub name: String,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewReport {
    pub kind: ViewKind,
    pub facing: Facing,
    pub confidence: f64,
    /// The side of the body nearer the camera, whose keypoints were used.
    pub near_side: Side,
    /// Left–right separation over trunk length (0 = pure side view).
    pub separation_ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleReport {
    pub cm_per_px: Option<f64>,
    pub source: ScaleSource,
    /// With `source: height`, the lifter height the lengths assume (given, or the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifter_height_cm: Option<f64>,
    /// What the centimetres rest on, in words (e.g. that they are proportional to the lifter's
    /// body size when the height is assumed).
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarReport {
    /// `plate` (tracked plate centre), `wrists` (wrists' midpoint), or `none`.
    pub source: BarOrigin,
    /// The set's best mean lifting speed over a full rep (m/s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_mean_concentric_velocity_m_s: Option<f64>,
    /// How much slower the last full rep was than the best (%): fatigue across the set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub velocity_loss_pct: Option<f64>,
}

impl Default for BarReport {
    fn default() -> Self {
        BarReport { source: BarOrigin::None, best_mean_concentric_velocity_m_s: None, velocity_loss_pct: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReport {
    pub kind: PhaseKind,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepReport {
    pub index: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub phases: Vec<PhaseReport>,
    pub metrics: BTreeMap<String, f64>,
    /// The bar's path through the rep in cm (x from the mid-foot toward the toes, y up), one
    /// point per trusted frame; empty when the bar was not seen.
    pub bar_path: crate::rep_bar::BarPathReport,
    /// `clean`, `warnings` or `faults` (of what could be assessed).
    pub verdict: String,
    /// The clip cut into this rep (it starts mid-pull or ends before the bar is down).
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    pub rep: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub frame_start: u64,
    pub frame_end: u64,
    pub measured: f64,
    pub threshold: f64,
    pub unit: &'static str,
    pub message: String,
    pub advice: String,
    /// How much the measurement can be trusted (0–1): lower for keypoint proxies, estimated
    /// scales or low-visibility frames.
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotAssessed {
    pub code: &'static str,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep: Option<usize>,
}

/// Rounds to `digits` decimals; non-finite stays as is (serialises as null).
pub fn round_to(v: f64, digits: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let p = 10f64.powi(digits);
    (v * p).round() / p
}

/// `mm:ss.s`, e.g. `01:05.3`.
pub fn mmss(t_s: f64) -> String {
    if !t_s.is_finite() || t_s < 0.0 {
        return "--:--.-".into();
    }
    let tenths = (t_s * 10.0).round() as u64;
    let (m, rem) = (tenths / 600, tenths % 600);
    format!("{:02}:{:02}.{}", m, rem / 10, rem % 10)
}

/// A number for people: 3 significant figures or so, `?` when unknown.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "?".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

impl Report {
    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Writes the JSON report to `path` (directly; the CLI writes atomically itself).
    pub fn write_json(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json() + "\n").map_err(|e| Error::output(path, format!("cannot write: {e}")))
    }

    /// The readable terminal summary: per rep its findings with time, measured value against the
    /// limit and the advice, then a one-line verdict; then what was not assessed and why.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "liftform: {} ({:.1} s, {} fps, {} frames)",
            self.source.path,
            self.source.duration_s,
            fmt_num(self.source.fps),
            self.source.frames
        );
        let facing = match self.view.facing {
            Facing::Left => "facing left",
            Facing::Right => "facing right",
            Facing::Unknown => "facing unknown",
        };
        let scale = match (self.scale.source, self.scale.cm_per_px) {
            (ScaleSource::Plate, Some(c)) => format!("{c:.3} cm/px from the plate"),
            (ScaleSource::Height, Some(c)) => format!("{c:.3} cm/px estimated from body size"),
            _ => "no length scale".into(),
        };
        let bar = match self.bar.source {
            BarOrigin::Plate => "bar from the plate",
            BarOrigin::Wrists => "bar from the wrists",
            BarOrigin::None => "bar not seen",
        };
        let _ = writeln!(
            s,
            "view: {} ({}, confidence {:.2}) · {} · {}",
            self.view.kind.as_str(),
            facing,
            self.view.confidence,
            scale,
            bar
        );
        if !self.lift.deadlift {
            let _ = writeln!(s, "lift: not a deadlift ({}); no form is judged", self.lift.basis);
        } else if self.lift.variant != crate::lift::Variant::Unknown {
            let _ = writeln!(
                s,
                "lift: {} deadlift (confidence {:.1})",
                self.lift.variant.as_str().replace('_', " "),
                self.lift.confidence
            );
        }
        if self.reps.is_empty() {
            let _ = writeln!(s, "\nNo reps found.");
        }
        for rep in &self.reps {
            let velocity = rep
                .metrics
                .get("mean_concentric_velocity_m_s")
                .filter(|v| v.is_finite())
                .map(|v| format!(", bar speed {v:.2} m/s"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "\nRep {}  {}–{}{}{}",
                rep.index,
                mmss(rep.start_s),
                mmss(rep.end_s),
                velocity,
                if rep.partial { " (partly outside the clip)" } else { "" }
            );
            let mut in_rep: Vec<&Finding> = self.findings.iter().filter(|f| f.rep == rep.index).collect();
            in_rep.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
            for f in &in_rep {
                let _ = writeln!(
                    s,
                    "  {}–{}  {} {} [{}]: {} (measured {} {}, limit {} {})",
                    mmss(f.start_s),
                    mmss(f.end_s),
                    f.code,
                    f.rule,
                    f.severity.as_str(),
                    f.message,
                    fmt_num(f.measured),
                    f.unit,
                    fmt_num(f.threshold),
                    f.unit
                );
                let _ = writeln!(s, "      fix: {}", f.advice);
            }
            let not_here: Vec<&str> = self
                .not_assessed
                .iter()
                .filter(|n| n.rep.is_none() || n.rep == Some(rep.index))
                .map(|n| n.code)
                .collect();
            let _ = writeln!(s, "  verdict: {}", verdict_line(&in_rep, &not_here));
        }
        if !self.not_assessed.is_empty() {
            let _ = writeln!(s, "\nNot assessed:");
            for n in &self.not_assessed {
                match n.rep {
                    Some(r) => {
                        let _ = writeln!(s, "  {} (rep {}): {}", n.code, r, n.reason);
                    }
                    None => {
                        let _ = writeln!(s, "  {}: {}", n.code, n.reason);
                    }
                }
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "\nWarnings:");
            for w in &self.warnings {
                let _ = writeln!(s, "  {w}");
            }
        }
        s
    }
}

/// `clean`, `warnings` or `faults` for a rep's findings.
pub fn verdict_word(findings: &[&Finding]) -> &'static str {
    if findings.iter().any(|f| f.severity == Severity::Fault) {
        "faults"
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        "warnings"
    } else {
        "clean"
    }
}

fn verdict_line(findings: &[&Finding], not_assessed: &[&str]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Info) {
        if !names.contains(&f.rule) {
            names.push(f.rule);
        }
    }
    let caveat = if not_assessed.is_empty() {
        String::new()
    } else {
        let mut codes: Vec<&str> = not_assessed.to_vec();
        codes.sort_unstable();
        codes.dedup();
        format!(" ({} not assessed: {})", codes.len(), codes.join(", "))
    };
    match verdict_word(findings) {
        "faults" => format!("needs work: {}{}", names.join(", "), caveat),
        "warnings" => format!("mostly fine, watch: {}{}", names.join(", "), caveat),
        _ => format!("clean{}", caveat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(mmss(0.0), "00:00.0");
        assert_eq!(mmss(65.34), "01:05.3");
        assert_eq!(mmss(59.96), "01:00.0");
        assert_eq!(mmss(f64::NAN), "--:--.-");
    }
}
