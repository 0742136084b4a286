//! The form rules: one file per rule, each with a stable code, a kebab-case name, the phase it
//! looks at, what it measures and in which unit, a default threshold (a named constant in the
//! rule's file, overridable from the config file), a severity, and three short texts in our own
//! words (what, why, fix) drawn from the source articles in `../shared/seeds/`.
//!
//! A rule that cannot judge a rep from the camera angle or the data says so in `not_assessed`
//! with the reason; it never passes silently.

use std::collections::BTreeMap;

use crate::analysis::AnalysisConfig;
use crate::kinematics::{ScaleSource, Signals};
use crate::report::{round_to, Finding, NotAssessed, Severity};
use crate::reps::Rep;
use crate::signal;
use crate::track::{BarOrigin, Facing};
use crate::view::{View, ViewKind};

pub mod dl001_bar_not_over_midfoot;
pub mod dl002_rounded_back;
pub mod dl003_hips_rise_early;
pub mod dl004_bar_drift;
pub mod dl005_lockout_hyperextension;
pub mod dl006_squatted_setup;
pub mod dl007_incomplete_lockout;
pub mod dl008_form_breakdown;

/// A rule's static description (what `liftform rules` lists and `liftform explain` prints).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The phase(s) it looks at.
    pub phase: &'static str,
    /// The measured quantity, in words.
    pub measures: &'static str,
    pub unit: &'static str,
    /// `"above"` when exceeding the threshold fires, `"below"` when falling short fires.
    pub fires_when: &'static str,
    /// The config key (`[dlNNN] key = value`) and its default.
    pub threshold_key: &'static str,
    pub default_threshold: f64,
    /// Every number the rule reads from its config section, with unit and valid range:
    /// config validation, `liftform explain` and the README's table all read them from here.
    pub thresholds: &'static [Threshold],
    /// Which camera views the rule can judge.
    pub views: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

/// One number a rule reads from its config section (`[dlNNN] key = value`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Threshold {
    pub key: &'static str,
    pub unit: &'static str,
    pub default: f64,
    /// The smallest and largest value that makes sense; a config outside is refused.
    pub min: f64,
    pub max: f64,
}

/// Checks every rule's numbers in `config` (a TOML value of the whole configuration) against
/// the ranges the rules declare. The error names the key, the value and the range.
pub fn check_threshold_ranges(config: &toml::Value) -> Result<(), String> {
    for info in all_rules() {
        let section = info.code.to_ascii_lowercase();
        for t in info.thresholds {
            let Some(number) = config_setting(config, &section, t.key) else { continue };
            if !(t.min..=t.max).contains(&number) {
                return Err(format!(
                    "invalid config: `{section}.{key}` = {number} is outside its valid range {min} to {max} {unit}",
                    number = config_number(number),
                    key = t.key,
                    min = fmt_threshold(t.min),
                    max = fmt_threshold(t.max),
                    unit = t.unit
                ));
            }
        }
    }
    Ok(())
}

/// The number at `section.key` of a configuration (TOML), if there is one.
pub fn config_setting(config: &toml::Value, section: &str, key: &str) -> Option<f64> {
    match config.get(section)?.get(key)? {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// A number as a config error shows it: very large or small ones in exponent form (as the user
/// likely typed them), others as they are.
pub fn config_number(value: f64) -> String {
    if value != 0.0 && !(1e-3..1e6).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// The README's rule table (Markdown), generated from the rules themselves; a test keeps the
/// README's copy identical.
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| code | rule | severity | looks at | fires when (default) | config key |\n|---|---|---|---|---|---|\n",
    );
    for r in all_rules() {
        let op = if r.fires_when.starts_with("above") { ">" } else { "<" };
        s.push_str(&format!(
            "| {} | {} | {} | {}: {} | {} {} {} | `[{}] {}` |\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.phase,
            r.measures,
            op,
            fmt_threshold(r.default_threshold),
            r.unit,
            r.code.to_ascii_lowercase(),
            r.threshold_key
        ));
    }
    s
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub signals: &'a Signals,
    pub reps: &'a [Rep],
    pub view: &'a View,
    pub config: &'a AnalysisConfig,
}

impl<'a> Context<'a> {
    /// The reps a rule can judge. The others are recorded in `out` as not assessed, with the
    /// reason: the rule-wide `gate` (view, scale, bar), or, when the rule looks at the setup
    /// (`needs_setup`), a clip that starts after it.
    pub fn judgeable_reps(
        &self,
        out: &mut Outcome,
        code: &'static str,
        gate: Option<String>,
        needs_setup: bool,
    ) -> Vec<&'a Rep> {
        let mut judgeable = Vec::new();
        for rep in self.reps {
            if let Some(reason) = &gate {
                out.not_assessed(code, Some(rep.index), reason.clone());
            } else if needs_setup && rep.setup_start.is_none() {
                out.not_assessed(code, Some(rep.index), "the clip starts after the setup of this rep");
            } else {
                judgeable.push(rep);
            }
        }
        judgeable
    }
}

/// What a rule returns: findings, not-assessed notes, and per-rep metrics for the report.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub not_assessed: Vec<NotAssessed>,
    /// (rep index, metric name with unit, value)
    pub metrics: Vec<(usize, String, f64)>,
}

impl Outcome {
    pub fn not_assessed(&mut self, code: &'static str, rep: Option<usize>, reason: impl Into<String>) {
        self.not_assessed.push(NotAssessed { code, reason: reason.into(), rep });
    }

    pub fn metric(&mut self, rep: usize, name: &str, value: f64) {
        if value.is_finite() {
            self.metrics.push((rep, name.to_string(), value));
        }
    }

    /// When every rep was not assessed for the same reason, one set-level note says it.
    pub fn merge_not_assessed(&mut self, rep_count: usize) {
        if rep_count < 2 || self.not_assessed.len() != rep_count {
            return;
        }
        let first = &self.not_assessed[0];
        if self.not_assessed.iter().all(|n| n.reason == first.reason && n.rep.is_some()) {
            let merged = NotAssessed { code: first.code, reason: first.reason.clone(), rep: None };
            self.not_assessed = vec![merged];
        }
    }
}

/// One rule.
pub trait Rule {
    fn info(&self) -> &'static RuleInfo;
    fn enabled(&self, config: &AnalysisConfig) -> bool;
    fn check(&self, ctx: &Context) -> Outcome;
}

/// All rules, in code order.
pub fn registry() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(dl001_bar_not_over_midfoot::BarNotOverMidfoot),
        Box::new(dl002_rounded_back::RoundedBack),
        Box::new(dl003_hips_rise_early::HipsRiseEarly),
        Box::new(dl004_bar_drift::BarDrift),
        Box::new(dl005_lockout_hyperextension::LockoutHyperextension),
        Box::new(dl006_squatted_setup::SquattedSetup),
        Box::new(dl007_incomplete_lockout::IncompleteLockout),
        Box::new(dl008_form_breakdown::FormBreakdown),
    ]
}

/// The rules' descriptions, in code order (for `liftform rules`).
pub fn all_rules() -> Vec<&'static RuleInfo> {
    registry().iter().map(|r| r.info()).collect()
}

/// One line per rule: code, name, severity, phase, threshold.
pub fn list_text() -> String {
    let mut s = String::new();
    for r in all_rules() {
        s.push_str(&format!(
            "{}  {:<24} {:<8} {:<26} fires {} {} {}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.phase,
            r.fires_when,
            fmt_threshold(r.default_threshold),
            r.unit
        ));
    }
    s
}

fn fmt_threshold(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The full text for `liftform explain CODE` (case-insensitive; also accepts the kebab name).
pub fn explain(code: &str) -> Option<String> {
    let want = code.trim().to_ascii_lowercase();
    let r = all_rules().into_iter().find(|r| r.code.to_ascii_lowercase() == want || r.name == want)?;
    Some(format!(
        "{code} {name} ({sev})\n\
         phase:     {phase}\n\
         measures:  {measures} [{unit}]\n\
         fires:     when the measure is {when} the threshold; default {thr} {unit} (config: [{sect}] {key})\n\
         views:     {views}\n\n\
         What it checks\n  {what}\n\n\
         Why it matters\n  {why}\n\n\
         How to fix it\n  {fix}\n",
        code = r.code,
        name = r.name,
        sev = r.severity.as_str(),
        phase = r.phase,
        measures = r.measures,
        unit = r.unit,
        when = r.fires_when,
        thr = fmt_threshold(r.default_threshold),
        sect = r.code.to_ascii_lowercase(),
        key = r.threshold_key,
        views = r.views,
        what = r.what,
        why = r.why,
        fix = r.fix,
    ))
}

// ---------------------------------------------------------------------------------------------
// Shared helpers for the rule files.

/// What a rule needs from the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewNeed {
    /// A side view with a known facing.
    Side,
    /// A side or oblique view with a known facing.
    SideOrOblique,
    /// Any view.
    Any,
}

/// `Some(reason)` when the view does not allow the rule.
pub fn view_gate(view: &View, need: ViewNeed) -> Option<String> {
    let ok = match need {
        ViewNeed::Any => return None,
        ViewNeed::Side => view.kind == ViewKind::Side,
        ViewNeed::SideOrOblique => matches!(view.kind, ViewKind::Side | ViewKind::Oblique),
    };
    if !ok {
        return Some(match view.kind {
            ViewKind::Unknown => "the camera view could not be determined from the keypoints".into(),
            ViewKind::Front => "the camera faces the lifter; this needs a side view".into(),
            ViewKind::Oblique => "the camera films at an angle (oblique view); this needs a side view".into(),
            ViewKind::Side => "the view does not allow it".into(),
        });
    }
    if view.facing == Facing::Unknown {
        return Some("the direction the lifter faces could not be determined".into());
    }
    None
}

/// `Some(reason)` when there is no length scale.
pub fn scale_gate(s: &Signals) -> Option<String> {
    (s.scale.source == ScaleSource::None || !s.scale.cm_per_px.is_finite())
        .then(|| "no length scale (neither a plate nor the lifter's body could be measured)".to_string())
}

/// `Some(reason)` when there is no bar.
pub fn bar_gate(s: &Signals) -> Option<String> {
    (s.bar_origin == BarOrigin::None).then(|| "neither the bar nor the lifter's wrists were seen".to_string())
}

/// Number of samples in `seconds` (at least 1).
pub fn frames_for(s: &Signals, seconds: f64) -> usize {
    ((seconds / s.frame_dt_s()).round() as usize).max(1)
}

/// The largest value that `values` holds for at least `width` consecutive samples within
/// `lo..=hi` (the maximum of sliding-window minima; a window needs 80 % known samples). Returns the index of
/// the window's worst sample and the value. A one-frame spike cannot set it.
pub fn sustained_max(values: &[f64], lo: usize, hi: usize, width: usize) -> Option<(usize, f64)> {
    if values.is_empty() || lo > hi {
        return None;
    }
    let hi = hi.min(values.len() - 1);
    let width = width.max(1);
    let mut best: Option<(usize, f64)> = None;
    let mut k = lo;
    while k + width <= hi + 1 {
        let w = &values[k..k + width];
        let known = w.iter().filter(|v| v.is_finite()).count();
        // a dropped frame or two does not break a window (at least 80 % known)
        if known * 5 >= width * 4 && known > 0 {
            let m = w.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
            let peak = k + signal::argmax(w).map(|(i, _)| i).unwrap_or(0);
            if best.map(|b| m > b.1).unwrap_or(true) {
                best = Some((peak, m));
            }
        }
        k += 1;
    }
    if best.is_none() {
        // window longer than the finite data: fall back to the median of what there is
        let slice = &values[lo.min(hi)..=hi];
        let med = signal::median(slice);
        if med.is_finite() {
            let at = lo + signal::argmax(slice).map(|(i, _)| i).unwrap_or(0);
            best = Some((at, med));
        }
    }
    best
}

/// The contiguous run of samples around `at` (within `lo..=hi`) where `values > level`.
pub fn run_around(values: &[f64], at: usize, lo: usize, hi: usize, level: f64) -> (usize, usize) {
    let hi = hi.min(values.len().saturating_sub(1));
    let at = at.clamp(lo.min(hi), hi);
    let mut a = at;
    while a > lo && values[a - 1].is_finite() && values[a - 1] > level {
        a -= 1;
    }
    let mut b = at;
    while b < hi && values[b + 1].is_finite() && values[b + 1] > level {
        b += 1;
    }
    (a, b)
}

/// Share of trusted samples within `lo..=hi`.
pub fn trusted_share(s: &Signals, lo: usize, hi: usize) -> f64 {
    if s.is_empty() || lo > hi {
        return 0.0;
    }
    let hi = hi.min(s.len() - 1);
    let n = hi - lo + 1;
    s.trusted[lo..=hi].iter().filter(|b| **b).count() as f64 / n as f64
}

/// Default: a rule needs at least this share of trusted frames in the window it judges.
pub const MIN_WINDOW_TRUST: f64 = 0.5;

/// `Some(reason)` when too few frames in `lo..=hi` show the lifter clearly.
pub fn trust_gate(s: &Signals, lo: usize, hi: usize, what: &str) -> Option<String> {
    let share = trusted_share(s, lo, hi);
    (share < MIN_WINDOW_TRUST)
        .then(|| format!("the lifter is hidden or poorly tracked {what} ({:.0} % of frames usable)", share * 100.0))
}

/// Builds a finding over samples `a..=b`.
#[allow(clippy::too_many_arguments)]
pub fn finding(
    s: &Signals,
    info: &'static RuleInfo,
    severity: Severity,
    rep: usize,
    a: usize,
    b: usize,
    measured: f64,
    threshold: f64,
    message: String,
    confidence: f64,
) -> Finding {
    let last = s.len().saturating_sub(1);
    let (a, b) = (a.min(last), b.min(last).max(a.min(last)));
    Finding {
        code: info.code,
        rule: info.name,
        severity,
        rep,
        start_s: round_to(s.t_s.get(a).copied().unwrap_or(0.0), 3),
        end_s: round_to(s.t_s.get(b).copied().unwrap_or(0.0), 3),
        frame_start: s.frame.get(a).copied().unwrap_or(0),
        frame_end: s.frame.get(b).copied().unwrap_or(0),
        measured: round_to(measured, 2),
        threshold: round_to(threshold, 2),
        unit: info.unit,
        message,
        advice: info.fix.to_string(),
        confidence: round_to(confidence.clamp(0.0, 1.0), 2),
    }
}

/// Confidence factor from the data behind a rule: view confidence, trusted share, and the
/// length scale's origin (an estimated scale is less certain than a plate).
pub fn base_confidence(ctx: &Context, lo: usize, hi: usize, uses_lengths: bool) -> f64 {
    let mut c = ctx.view.confidence.clamp(0.2, 1.0) * trusted_share(ctx.signals, lo, hi).clamp(0.0, 1.0);
    if uses_lengths && ctx.signals.scale.source == ScaleSource::Height {
        c *= 0.85;
    }
    if ctx.signals.bar_origin == BarOrigin::Wrists && uses_lengths {
        c *= 0.9;
    }
    c
}

/// Metric names collected into per-rep maps for the report.
pub fn metrics_by_rep(outcomes: &[Outcome]) -> BTreeMap<usize, BTreeMap<String, f64>> {
    let mut m: BTreeMap<usize, BTreeMap<String, f64>> = BTreeMap::new();
    for o in outcomes {
        for (rep, name, v) in &o.metrics {
            m.entry(*rep).or_default().insert(name.clone(), round_to(*v, 3));
        }
    }
    m
}

/// The "set position" of a rep: the sample in the last `window_s` before liftoff where the hips
/// sit lowest (the lifter is set and about to pull). Falls back to liftoff.
pub fn set_position(s: &Signals, rep: &Rep, window_s: f64) -> usize {
    let Some(start) = rep.setup_start else { return rep.liftoff };
    let lo = rep.liftoff.saturating_sub(frames_for(s, window_s)).max(start);
    let hi = rep.liftoff.min(s.len() - 1);
    let slice: Vec<f64> = (lo..=hi).map(|k| if s.trusted[k] { s.hip_y_cm[k] } else { f64::NAN }).collect();
    signal::argmin(&slice).map(|(i, _)| lo + i).unwrap_or(rep.liftoff)
}

/// Frames where the lifter stands tall (trunk near vertical, hips open): the lifter's own
/// neutral for back shape and trunk length.
pub fn upright_frames(s: &Signals, max_trunk_deg: f64, min_hip_deg: f64) -> Vec<usize> {
    (0..s.len())
        .filter(|&k| {
            s.trusted[k]
                && s.trunk_from_vertical_deg[k].abs() <= max_trunk_deg
                && s.hip_angle_deg[k] >= min_hip_deg
                && s.knee_angle_deg[k] >= min_hip_deg
        })
        .collect()
}

/// Median of `value(k)` over the trusted frames of `lo..=hi` (NaN when none is trusted).
pub fn trusted_median(s: &Signals, lo: usize, hi: usize, value: impl Fn(usize) -> f64) -> f64 {
    signal::median(&(lo..=hi).map(|k| if s.trusted[k] { value(k) } else { f64::NAN }).collect::<Vec<_>>())
}

/// The bar's horizontal offset from the mid-foot over the setup window `lo..=hi` (cm, forward
/// positive): the feet do not move, so the bar's median against the mid-foot's median over the
/// window, else the median of the per-frame offsets. DL001 judges it; DL006 reads it too.
pub fn setup_bar_offset_cm(s: &Signals, lo: usize, hi: usize) -> f64 {
    let mf = s.midfoot_x_over(lo..hi + 1);
    let bar = trusted_median(s, lo, hi, |k| s.bar_x_cm[k]);
    if (bar - mf).is_finite() {
        bar - mf
    } else {
        trusted_median(s, lo, hi, |k| s.bar_x_cm[k] - s.midfoot_x_cm[k])
    }
}

/// Median horizontal distance of the bar in front of the near shin (the ankle–knee line taken at
/// the bar's height) over `lo..=hi`, in cm; NaN where the shin or the bar is not seen.
pub fn bar_to_shin_gap_cm(s: &Signals, lo: usize, hi: usize) -> f64 {
    trusted_median(s, lo, hi, |k| {
        let (ax, ay, kx, ky) = (s.ankle_x_cm[k], s.ankle_y_cm[k], s.knee_x_cm[k], s.knee_y_cm[k]);
        if (ky - ay).abs() < 1.0 {
            return f64::NAN;
        }
        let t = (s.bar_y_cm[k] - ay) / (ky - ay);
        s.bar_x_cm[k] - (ax + t * (kx - ax))
    })
}

/// Whether the hands, not a tracked plate, placed the bar over most of `lo..=hi` (the whole clip
/// when the bar is the wrists; the frames where the plate was missed otherwise): the rules that
/// give the wrists a margin give it there too.
pub fn bar_from_hands(s: &Signals, lo: usize, hi: usize) -> bool {
    if s.bar_origin == BarOrigin::Wrists {
        return true;
    }
    let hi = hi.min(s.bar_from_hands.len().saturating_sub(1));
    if lo > hi || s.bar_from_hands.is_empty() {
        return false;
    }
    2 * s.bar_from_hands[lo..=hi].iter().filter(|b| **b).count() > hi + 1 - lo
}

/// The DL001 limit on the bar's offset from the mid-foot over `lo..=hi` (cm): a bar placed by
/// the hands gets the wrists' margin.
pub fn midfoot_offset_limit_cm(ctx: &Context, lo: usize, hi: usize) -> f64 {
    let cfg = &ctx.config.dl001;
    cfg.max_offset_cm + if bar_from_hands(ctx.signals, lo, hi) { cfg.wrist_margin_cm } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_listed_and_explained() {
        let rules = all_rules();
        assert_eq!(rules.len(), 8);
        for (i, r) in rules.iter().enumerate() {
            assert_eq!(r.code, format!("DL{:03}", i + 1));
            let text = explain(r.code).unwrap();
            assert!(text.contains(r.name) && text.contains(r.fix));
            assert!(!r.what.is_empty() && !r.why.is_empty() && !r.fix.is_empty());
        }
        assert!(explain("dl003").is_some());
        assert!(explain("hips-rise-early").is_some());
        assert!(explain("DL999").is_none());
        assert!(list_text().lines().count() == 8);
    }

    #[test]
    fn every_config_number_of_a_rule_is_declared_with_its_default_in_range() {
        let config = toml::Value::try_from(crate::analysis::AnalysisConfig::default()).unwrap();
        for r in all_rules() {
            let section = config.get(r.code.to_ascii_lowercase()).and_then(|v| v.as_table()).unwrap();
            let numeric: Vec<&String> =
                section.iter().filter(|(_, v)| v.is_float() || v.is_integer()).map(|(k, _)| k).collect();
            assert_eq!(numeric.len(), r.thresholds.len(), "{}: declared {:?}", r.code, r.thresholds);
            for key in numeric {
                let t = r.thresholds.iter().find(|t| t.key == key).unwrap_or_else(|| panic!("{}.{key}", r.code));
                let v = section[key].as_float().or(section[key].as_integer().map(|i| i as f64)).unwrap();
                assert_eq!(v, t.default, "{}.{key}", r.code);
                assert!(t.min <= t.default && t.default <= t.max, "{}.{key}", r.code);
            }
            let main = r.thresholds.iter().find(|t| t.key == r.threshold_key).unwrap();
            assert_eq!(main.default, r.default_threshold);
            assert_eq!(main.unit, r.unit, "{}", r.code);
        }
    }

    #[test]
    fn readme_rule_table_is_generated_from_the_rules() {
        let readme = include_str!("../../../../README.md");
        let (begin, end) = ("<!-- rules-table:begin -->\n", "<!-- rules-table:end -->");
        let start = readme.find(begin).expect("README has the rules-table markers") + begin.len();
        let stop = readme[start..].find(end).expect("README has the end marker") + start;
        assert_eq!(
            &readme[start..stop],
            markdown_table(),
            "the README's rule table drifted from the rules: paste `liftform rules --markdown` between its markers"
        );
    }

    #[test]
    fn sustained_max_ignores_single_spikes() {
        let v = [0.0, 1.0, 9.0, 1.0, 2.0, 2.0, 2.0, 0.0];
        let (_, m) = sustained_max(&v, 0, 7, 3).unwrap();
        assert_eq!(m, 2.0);
        assert!(sustained_max(&[], 0, 3, 2).is_none());
        let (_, m) = sustained_max(&[f64::NAN, 3.0], 0, 1, 5).unwrap();
        assert_eq!(m, 3.0);
        assert_eq!(run_around(&v, 5, 0, 7, 1.5), (4, 6));
    }
}
