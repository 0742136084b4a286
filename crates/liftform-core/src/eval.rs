//! Accuracy against labelled clips: what `liftform eval` prints. The labels are the shared format
//! (`{"clips": {"name.mp4": {"required": [...], "allowed": [...], "ambiguous": false, ...}}}`):
//! `required` codes should be found (as a fault or a warning), `allowed` codes are defensible and
//! not counted against the tool, and ambiguous clips count for neither side. Each clip's report is
//! reduced to a [`ClipResult`]; [`evaluate`] scores them per rule, per clip and per source (the
//! file name's first `_`-separated word: the folder a clip came from, so a result can be read
//! source by source when the thresholds were tuned on some sources and not on others).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::{Report, Severity};

/// A labels file.
#[derive(Debug, Clone, Deserialize)]
pub struct Labels {
    pub clips: BTreeMap<String, ClipLabel>,
}

/// What a clip should show. Unknown fields (author labels, notes) are kept out of the score.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClipLabel {
    /// Codes that should be found (fault or warning).
    pub required: Vec<String>,
    /// Codes that are defensible: found or not, they do not count.
    pub allowed: Vec<String>,
    /// The clip counts for neither side.
    pub ambiguous: bool,
    /// side | front | rear | oblique, when labelled.
    pub view: Option<String>,
    /// Pulls towards lockout seen in the clip, when labelled.
    pub reps: Option<usize>,
    /// Another exercise: any finding is a false one.
    pub not_a_deadlift: bool,
    /// The lift, in words (`conventional`, `sumo`, `romanian (…)`, `kettlebell deadlift`, …).
    pub variant: Option<String>,
}

impl ClipLabel {
    /// The lift the label names, in the report's terms: `not a deadlift`, `sumo`, `romanian`,
    /// `trap_bar`, else `conventional` (kettlebell pulls are judged as conventional ones).
    pub fn expected_lift(&self) -> &'static str {
        let variant = self.variant.as_deref().unwrap_or("").to_ascii_lowercase();
        if self.not_a_deadlift {
            "not a deadlift"
        } else if variant.starts_with("sumo") {
            "sumo"
        } else if variant.starts_with("romanian") {
            "romanian"
        } else if variant.starts_with("trap") {
            "trap_bar"
        } else {
            "conventional"
        }
    }
}

impl Labels {
    /// Reads a labels file; a problem is one line naming the file.
    pub fn read(path: &Path) -> Result<Labels> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input(path, format!("cannot read labels: {e}")))?;
        let labels: Labels = serde_json::from_str(&text).map_err(|e| {
            Error::input(
                path,
                format!(
                    "not a labels file ({e}); expected {{\"clips\": {{\"clip.mp4\": {{\"required\": [...], ...}}}}}}"
                ),
            )
        })?;
        for (clip, label) in &labels.clips {
            for code in label.required.iter().chain(&label.allowed) {
                if !crate::rules::all_rules().iter().any(|r| r.code == code) {
                    return Err(Error::input(path, format!("clip `{clip}` names an unknown rule code `{code}`")));
                }
            }
        }
        Ok(labels)
    }
}

/// What the analysis said about one clip, reduced to what the score needs.
#[derive(Debug, Clone, Serialize)]
pub struct ClipResult {
    pub clip: String,
    /// Codes found as a fault or a warning.
    pub found: BTreeSet<String>,
    /// Codes the report says it could not judge (on any rep or the whole clip).
    pub not_assessed: BTreeSet<String>,
    /// Pulls towards lockout found, whole or partly seen (the labels count them the same way).
    pub reps: usize,
    /// The view the analysis saw (side, oblique, front, unknown).
    pub view: String,
    /// The lift recognised: `not a deadlift`, or the variant (`unknown` with no rep).
    pub lift: String,
    /// One line: each finding's code, time and measured value.
    pub findings: String,
}

impl ClipResult {
    pub fn from_report(clip: &str, report: &Report) -> ClipResult {
        let found =
            report.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.code.to_string()).collect();
        let not_assessed = report.not_assessed.iter().map(|n| n.code.to_string()).collect();
        let findings = report
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .map(|f| format!("{}@{:.1}s={:.1}{}", f.code, f.start_s, f.measured, f.unit))
            .collect::<Vec<_>>()
            .join(" ");
        ClipResult {
            clip: clip.to_string(),
            found,
            not_assessed,
            reps: report.reps.len(),
            view: report.view.kind.as_str().to_string(),
            lift: if report.lift.deadlift { report.lift.variant.as_str().to_string() } else { "not a deadlift".into() },
            findings,
        }
    }
}

/// One clip scored against its label.
#[derive(Debug, Clone, Serialize)]
pub struct ClipScore {
    pub clip: String,
    pub source: String,
    pub ambiguous: bool,
    pub not_a_deadlift: bool,
    /// A non-ambiguous clip with nothing required: it should come out with no finding.
    pub clean: bool,
    pub required: Vec<String>,
    pub allowed: Vec<String>,
    pub found: Vec<String>,
    /// Required codes not found.
    pub missed: Vec<String>,
    /// Of the missed codes, those the report said it could not judge.
    pub missed_not_assessed: Vec<String>,
    /// Found codes neither required nor allowed (counted only on non-ambiguous clips).
    pub false_findings: Vec<String>,
    pub reps_expected: Option<usize>,
    pub reps_found: usize,
    pub view_labelled: Option<String>,
    pub view_found: String,
    pub lift_expected: String,
    pub lift_found: String,
    pub findings: String,
}

/// One rule over all non-ambiguous clips.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleScore {
    pub code: String,
    /// Clips that require the code.
    pub required: usize,
    /// ... and where it was found.
    pub found: usize,
    /// ... and where it was missed because the report said it could not judge it.
    pub missed_not_assessed: usize,
    /// Clips where it was found though neither required nor allowed.
    pub false_findings: usize,
    /// Clips where the report said it could not judge the code at all.
    pub not_assessed: usize,
}

/// Totals over a set of clips (all of them, or one source's).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub clips: usize,
    pub ambiguous: usize,
    pub required: usize,
    pub required_found: usize,
    pub clean: usize,
    /// Clean clips with no finding outside their allowed codes.
    pub clean_without_finding: usize,
    pub false_findings: usize,
    /// Clips whose rep count is labelled, and those where the count found matches.
    pub reps_labelled: usize,
    pub reps_exact: usize,
    /// Clips where a rep was found (so there was a lift to recognise), and those whose lift was
    /// recognised as labelled.
    pub lift_judged: usize,
    pub lift_right: usize,
}

impl Totals {
    fn add(&mut self, c: &ClipScore) {
        self.clips += 1;
        if c.lift_found != "unknown" {
            self.lift_judged += 1;
            self.lift_right += usize::from(c.lift_found == c.lift_expected);
        }
        if let (Some(expected), false) = (c.reps_expected, c.not_a_deadlift) {
            self.reps_labelled += 1;
            self.reps_exact += usize::from(expected == c.reps_found);
        }
        if c.ambiguous {
            self.ambiguous += 1;
            return;
        }
        self.required += c.required.len();
        self.required_found += c.required.len() - c.missed.len();
        self.false_findings += c.false_findings.len();
        if c.clean {
            self.clean += 1;
            self.clean_without_finding += usize::from(c.false_findings.is_empty());
        }
    }

    /// Share of required codes found (1 when none is required).
    pub fn recall(&self) -> f64 {
        share(self.required_found, self.required)
    }

    /// Share of clean clips without a false finding (1 when there is none).
    pub fn clean_share(&self) -> f64 {
        share(self.clean_without_finding, self.clean)
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub schema: &'static str,
    pub totals: Totals,
    pub rules: Vec<RuleScore>,
    pub sources: BTreeMap<String, Totals>,
    pub clips: Vec<ClipScore>,
    /// Labelled clips with no result (the video was missing or could not be read), with why.
    pub missing: Vec<(String, String)>,
}

pub const EVAL_SCHEMA: &str = "liftform.eval/v1";

/// The source a clip came from: its name's first `_`-separated word (`bichraix_bad011.mp4` →
/// `bichraix`), or the whole stem.
pub fn source_of(clip: &str) -> String {
    let name = Path::new(clip).file_stem().map_or(clip.into(), |s| s.to_string_lossy().into_owned());
    name.split('_').next().unwrap_or(&name).to_string()
}

/// Scores each result against its label. `missing` lists labelled clips without a result.
pub fn evaluate(labels: &Labels, results: &[ClipResult], missing: Vec<(String, String)>) -> Evaluation {
    let mut rules: BTreeMap<String, RuleScore> = crate::rules::all_rules()
        .into_iter()
        .map(|r| (r.code.to_string(), RuleScore { code: r.code.to_string(), ..RuleScore::default() }))
        .collect();
    let mut totals = Totals::default();
    let mut sources: BTreeMap<String, Totals> = BTreeMap::new();
    let mut clips = Vec::new();
    for result in results {
        let Some(label) = labels.clips.get(&result.clip) else { continue };
        let score = score_clip(label, result);
        totals.add(&score);
        sources.entry(score.source.clone()).or_default().add(&score);
        for code in &result.not_assessed {
            if let Some(r) = rules.get_mut(code) {
                r.not_assessed += 1;
            }
        }
        if !score.ambiguous {
            for code in &score.required {
                let r = rules.entry(code.clone()).or_default();
                r.required += 1;
                r.found += usize::from(!score.missed.contains(code));
                r.missed_not_assessed += usize::from(score.missed_not_assessed.contains(code));
            }
            for code in &score.false_findings {
                rules.entry(code.clone()).or_default().false_findings += 1;
            }
        }
        clips.push(score);
    }
    Evaluation { schema: EVAL_SCHEMA, totals, rules: rules.into_values().collect(), sources, clips, missing }
}

fn score_clip(label: &ClipLabel, result: &ClipResult) -> ClipScore {
    let missed: Vec<String> = label.required.iter().filter(|c| !result.found.contains(*c)).cloned().collect();
    let missed_not_assessed = missed.iter().filter(|c| result.not_assessed.contains(*c)).cloned().collect();
    let false_findings = if label.ambiguous {
        Vec::new()
    } else {
        result.found.iter().filter(|c| !label.required.contains(c) && !label.allowed.contains(c)).cloned().collect()
    };
    ClipScore {
        clip: result.clip.clone(),
        source: source_of(&result.clip),
        ambiguous: label.ambiguous,
        not_a_deadlift: label.not_a_deadlift,
        clean: !label.ambiguous && label.required.is_empty(),
        required: label.required.clone(),
        allowed: label.allowed.clone(),
        found: result.found.iter().cloned().collect(),
        missed,
        missed_not_assessed,
        false_findings,
        reps_expected: label.reps,
        reps_found: result.reps,
        view_labelled: label.view.clone(),
        view_found: result.view.clone(),
        lift_expected: label.expected_lift().to_string(),
        lift_found: result.lift.clone(),
        findings: result.findings.clone(),
    }
}

impl Evaluation {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The evaluation for people: per rule, per source, per clip, then the totals.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(",") };
        let _ = writeln!(s, "per rule (non-ambiguous clips):");
        let _ = writeln!(
            s,
            "  {:<7} {:>8} {:>6} {:>20} {:>14} {:>13}",
            "code", "required", "found", "missed:not assessed", "false findings", "not assessed"
        );
        for r in self.rules.iter().filter(|r| r.required + r.false_findings + r.not_assessed > 0) {
            let _ = writeln!(
                s,
                "  {:<7} {:>8} {:>6} {:>20} {:>14} {:>13}",
                r.code, r.required, r.found, r.missed_not_assessed, r.false_findings, r.not_assessed
            );
        }
        let _ = writeln!(s, "per source:");
        for (source, t) in &self.sources {
            let _ = writeln!(s, "  {:<12} {}", source, totals_line(t));
        }
        let _ = writeln!(s, "per clip:");
        let _ = writeln!(
            s,
            "  {:<30} {:<16} {:<13} {:<13} {:<15} {:<9} {:<9} notes",
            "clip", "view label/found", "required", "allowed", "found", "missed", "false"
        );
        for c in &self.clips {
            let mut notes = Vec::new();
            if c.ambiguous {
                notes.push("ambiguous".to_string());
            }
            if c.not_a_deadlift {
                notes.push("not a deadlift".to_string());
            }
            if !c.missed_not_assessed.is_empty() {
                notes.push(format!("not assessed: {}", c.missed_not_assessed.join(",")));
            }
            if c.lift_found != "unknown" && c.lift_found != c.lift_expected {
                notes.push(format!("lift {} (labelled {})", c.lift_found, c.lift_expected));
            }
            if let Some(expected) = c.reps_expected {
                if expected != c.reps_found {
                    notes.push(format!("reps {} of {expected}", c.reps_found));
                }
            }
            if !c.findings.is_empty() {
                notes.push(c.findings.clone());
            }
            let _ = writeln!(
                s,
                "  {:<30} {:<16} {:<13} {:<13} {:<15} {:<9} {:<9} {}",
                c.clip,
                format!("{}/{}", c.view_labelled.as_deref().unwrap_or("?"), c.view_found),
                list(&c.required),
                list(&c.allowed),
                list(&c.found),
                list(&c.missed),
                list(&c.false_findings),
                notes.join("; ")
            );
        }
        for (clip, why) in &self.missing {
            let _ = writeln!(s, "  {clip:<30} not evaluated: {why}");
        }
        let _ = writeln!(s, "total: {}", totals_line(&self.totals));
        s
    }
}

fn totals_line(t: &Totals) -> String {
    format!(
        "{} clips ({} ambiguous): required found {}/{} ({:.0} %), clean clips without a false finding {}/{} ({:.0} %), false findings {}, rep count exact {}/{}, lift recognised {}/{}",
        t.clips,
        t.ambiguous,
        t.required_found,
        t.required,
        100.0 * t.recall(),
        t.clean_without_finding,
        t.clean,
        100.0 * t.clean_share(),
        t.false_findings,
        t.reps_exact,
        t.reps_labelled,
        t.lift_right,
        t.lift_judged
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(json: &str) -> Labels {
        serde_json::from_str(json).unwrap()
    }

    fn result(clip: &str, found: &[&str], not_assessed: &[&str], reps: usize) -> ClipResult {
        ClipResult {
            clip: clip.into(),
            found: found.iter().map(|s| s.to_string()).collect(),
            not_assessed: not_assessed.iter().map(|s| s.to_string()).collect(),
            reps,
            view: "side".into(),
            lift: "conventional".into(),
            findings: String::new(),
        }
    }

    #[test]
    fn required_allowed_false_and_ambiguous_are_counted_apart() {
        let l = labels(
            r#"{"clips": {
                "a_1.mp4": {"required": ["DL003"], "allowed": ["DL002"], "reps": 1},
                "a_2.mp4": {"required": [], "reps": 3},
                "b_1.mp4": {"required": ["DL002"], "ambiguous": true},
                "b_2.mp4": {"required": ["DL002", "DL004"]}
            }}"#,
        );
        let results = [
            result("a_1.mp4", &["DL002", "DL003"], &[], 1),
            result("a_2.mp4", &["DL001"], &[], 2),
            result("b_1.mp4", &["DL006"], &[], 1),
            result("b_2.mp4", &["DL004"], &["DL002"], 1),
        ];
        let e = evaluate(&l, &results, vec![]);
        let t = &e.totals;
        assert_eq!((t.required, t.required_found), (3, 2));
        assert_eq!((t.clean, t.clean_without_finding), (1, 0));
        assert_eq!(t.false_findings, 1, "DL001 on a clean clip; DL006 on an ambiguous one does not count");
        assert_eq!((t.reps_labelled, t.reps_exact), (2, 1));
        let dl002 = e.rules.iter().find(|r| r.code == "DL002").unwrap();
        assert_eq!((dl002.required, dl002.found, dl002.missed_not_assessed), (1, 0, 1));
        assert_eq!(e.sources["a"].false_findings, 1);
        assert_eq!(e.sources["b"].required, 2);
        let text = e.to_text();
        assert!(text.contains("required found 2/3"), "{text}");
        assert!(text.contains("not assessed: DL002"), "{text}");
    }

    #[test]
    fn a_labels_file_with_an_unknown_code_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("liftform-eval-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("labels.json");
        std::fs::write(&path, r#"{"clips": {"x.mp4": {"required": ["DL999"]}}}"#).unwrap();
        let err = Labels::read(&path).unwrap_err().to_string();
        assert!(err.contains("labels.json") && err.contains("DL999"), "{err}");
        std::fs::write(&path, "[1, 2]").unwrap();
        let err = Labels::read(&path).unwrap_err().to_string();
        assert!(err.contains("not a labels file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
