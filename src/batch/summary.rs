//! The batch's one place to look: a row per video, read from that video's own `report.json` so
//! the summary always agrees with the reports; written as `summary.csv` and a sortable
//! `index.html`.

use std::path::Path;

use serde_json::Value;

use crate::error::Result;
use liftform_core::output::write_atomically;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Analysed in this run.
    Analysed,
    /// A complete report from an earlier run was kept (`--skip-existing`).
    Existing,
    Failed,
    /// Not finished: the batch was interrupted.
    Interrupted,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Analysed => "analysed",
            RowStatus::Existing => "existing",
            RowStatus::Failed => "failed",
            RowStatus::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The video's path relative to the batch folder.
    pub video: String,
    pub status: RowStatus,
    /// Why it failed (one line), empty otherwise.
    pub reason: String,
    pub reps: Option<usize>,
    /// Findings (fault or warning) per rule code, in code order.
    pub findings_per_code: Vec<(String, usize)>,
    /// `fault`, `warning`, `clean`, `no rep found`, `not a deadlift`, or empty when there is no
    /// report.
    pub worst_severity: String,
    /// The lift recognised (`conventional`, `sumo`, `romanian`, `unknown`, `not a deadlift`),
    /// empty when there is no report.
    pub lift: String,
    pub mean_bar_speed_m_s: Option<f64>,
    /// The set's velocity loss (last full rep against the best, %), from the report.
    pub velocity_loss_pct: Option<f64>,
    /// The report's path relative to the output folder.
    pub report: Option<String>,
}

impl SummaryRow {
    pub fn failed(video: String, status: RowStatus, reason: String, codes: &[&str]) -> SummaryRow {
        SummaryRow {
            video,
            status,
            reason,
            reps: None,
            findings_per_code: codes.iter().map(|c| (c.to_string(), 0)).collect(),
            worst_severity: String::new(),
            lift: String::new(),
            mean_bar_speed_m_s: None,
            velocity_loss_pct: None,
            report: None,
        }
    }

    /// Builds the row from a video's report (as JSON, so a fresh report and one read back from
    /// disk give the same row).
    pub fn from_report(
        video: String,
        status: RowStatus,
        report: &Value,
        report_link: String,
        codes: &[&str],
    ) -> SummaryRow {
        let findings: Vec<&Value> = report["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["severity"] != "info").collect())
            .unwrap_or_default();
        let count = |code: &str| findings.iter().filter(|f| f["code"] == code).count();
        let reps = report["reps"].as_array();
        let not_a_deadlift = report["lift"]["deadlift"] == false;
        // a clip with nothing judged is not "clean": it says why nothing was judged
        let worst = if not_a_deadlift {
            "not a deadlift"
        } else if reps.is_none_or(|r| r.is_empty()) {
            "no rep found"
        } else if findings.iter().any(|f| f["severity"] == "fault") {
            "fault"
        } else if findings.is_empty() {
            "clean"
        } else {
            "warning"
        };
        let lift = if not_a_deadlift { "not a deadlift" } else { report["lift"]["variant"].as_str().unwrap_or("") };
        let speeds: Vec<f64> = reps
            .map(|r| r.iter().filter_map(|rep| rep["metrics"]["mean_concentric_velocity_m_s"].as_f64()).collect())
            .unwrap_or_default();
        SummaryRow {
            video,
            status,
            reason: String::new(),
            reps: reps.map(Vec::len),
            findings_per_code: codes.iter().map(|c| (c.to_string(), count(c))).collect(),
            worst_severity: worst.into(),
            lift: lift.into(),
            mean_bar_speed_m_s: (!speeds.is_empty()).then(|| speeds.iter().sum::<f64>() / speeds.len() as f64),
            velocity_loss_pct: report["bar"]["velocity_loss_pct"].as_f64(),
            report: Some(report_link),
        }
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn speed(v: Option<f64>) -> String {
    v.map(|s| format!("{s:.2}")).unwrap_or_default()
}

pub fn to_csv(rows: &[SummaryRow], codes: &[&str]) -> String {
    let mut header = vec!["video", "status", "reps"];
    header.extend_from_slice(codes);
    header.extend_from_slice(&["worst_severity", "lift", "mean_bar_speed_m_s", "report", "reason"]);
    let mut out = header.join(",") + "\n";
    for r in rows {
        let mut fields = vec![csv_field(&r.video), r.status.as_str().into(), opt(&r.reps)];
        fields.extend(r.findings_per_code.iter().map(|(_, n)| n.to_string()));
        fields.extend([
            r.worst_severity.clone(),
            r.lift.clone(),
            speed(r.mean_bar_speed_m_s),
            csv_field(&opt(&r.report)),
            csv_field(&r.reason),
        ]);
        out += &(fields.join(",") + "\n");
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn to_html(rows: &[SummaryRow], codes: &[&str], title: &str) -> String {
    let mut head = String::from("<th>video</th><th>status</th><th>reps</th>");
    for c in codes {
        head += &format!("<th>{c}</th>");
    }
    head += "<th>worst</th><th>lift</th><th>mean bar speed (m/s)</th><th>note</th>";
    let mut body = String::new();
    for r in rows {
        let video = match &r.report {
            Some(link) => format!("<a href=\"{}\">{}</a>", html_escape(link), html_escape(&r.video)),
            None => html_escape(&r.video),
        };
        body += &format!(
            "<tr class=\"{}\"><td>{video}</td><td>{}</td><td>{}</td>",
            r.worst_severity.replace(' ', "-"),
            r.status.as_str(),
            opt(&r.reps)
        );
        for (_, n) in &r.findings_per_code {
            body += &format!("<td>{}</td>", if *n > 0 { n.to_string() } else { String::new() });
        }
        body += &format!(
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(&r.worst_severity),
            html_escape(&r.lift),
            speed(r.mean_bar_speed_m_s),
            html_escape(&r.reason)
        );
    }
    let failed = rows.iter().filter(|r| r.status == RowStatus::Failed).count();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>liftform: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; }}
th {{ cursor: pointer; background: #f4f4f4; position: sticky; top: 0; }}
tr.fault td:first-child {{ border-left: 4px solid #c62828; }}
tr.warning td:first-child {{ border-left: 4px solid #f9a825; }}
tr.clean td:first-child {{ border-left: 4px solid #2e7d32; }}
</style></head>
<body>
<h1>liftform: {title}</h1>
<p>{n} videos, {failed} failed. Click a column to sort.</p>
<table id="summary"><thead><tr>{head}</tr></thead><tbody>
{body}</tbody></table>
<script>
document.querySelectorAll('#summary th').forEach((th, col) => th.addEventListener('click', () => {{
  const tbody = document.querySelector('#summary tbody');
  const rows = Array.from(tbody.rows);
  const asc = th.dataset.sort !== 'asc';
  document.querySelectorAll('#summary th').forEach(h => delete h.dataset.sort);
  th.dataset.sort = asc ? 'asc' : 'desc';
  const key = r => {{ const t = r.cells[col].innerText.trim(); const n = parseFloat(t); return isNaN(n) ? t : n; }};
  rows.sort((a, b) => {{ const x = key(a), y = key(b);
    const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
    return asc ? c : -c; }});
  rows.forEach(r => tbody.appendChild(r));
}}));
</script>
</body></html>
"#,
        n = rows.len(),
        title = html_escape(title)
    )
}

/// Writes `summary.csv` and `index.html` into `out_dir`, each atomically.
pub fn write_summary(out_dir: &Path, rows: &[SummaryRow], codes: &[&str], title: &str) -> Result<()> {
    write_atomically(&out_dir.join("summary.csv"), to_csv(rows, codes).as_bytes())?;
    write_atomically(&out_dir.join("index.html"), to_html(rows, codes, title).as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: [&str; 2] = ["DL001", "DL002"];

    fn report() -> Value {
        serde_json::json!({
            "reps": [{"metrics": {"mean_concentric_velocity_m_s": 0.5}}, {"metrics": {"mean_concentric_velocity_m_s": 0.3}}],
            "findings": [
                {"code": "DL002", "severity": "warning"},
                {"code": "DL002", "severity": "fault"},
                {"code": "DL001", "severity": "info"}
            ]
        })
    }

    #[test]
    fn a_row_counts_findings_per_code_and_finds_the_worst() {
        let row =
            SummaryRow::from_report("a/b.mp4".into(), RowStatus::Analysed, &report(), "a/b/report.json".into(), &CODES);
        assert_eq!(row.reps, Some(2));
        assert_eq!(row.findings_per_code, vec![("DL001".to_string(), 0), ("DL002".to_string(), 2)]);
        assert_eq!(row.worst_severity, "fault");
        assert!((row.mean_bar_speed_m_s.unwrap() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn nothing_judged_is_not_clean() {
        let none = serde_json::json!({"reps": [], "findings": [], "lift": {"variant": "unknown", "deadlift": true}});
        let row = SummaryRow::from_report("n.mp4".into(), RowStatus::Analysed, &none, "n/report.json".into(), &CODES);
        assert_eq!(row.worst_severity, "no rep found");
        let squat = serde_json::json!({"reps": [{"metrics": {}}], "findings": [], "lift": {"variant": "unknown", "deadlift": false}});
        let row = SummaryRow::from_report("s.mp4".into(), RowStatus::Analysed, &squat, "s/report.json".into(), &CODES);
        assert_eq!((row.worst_severity.as_str(), row.lift.as_str()), ("not a deadlift", "not a deadlift"));
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_html_escapes() {
        let ok =
            SummaryRow::from_report("x.mp4".into(), RowStatus::Existing, &report(), "x/report.json".into(), &CODES);
        let bad = SummaryRow::failed(
            "we,ird \"name\".mp4".into(),
            RowStatus::Failed,
            "is empty, expected a video".into(),
            &CODES,
        );
        let csv = to_csv(&[ok, bad.clone()], &CODES);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "video,status,reps,DL001,DL002,worst_severity,lift,mean_bar_speed_m_s,report,reason");
        assert_eq!(lines[1], "x.mp4,existing,2,0,2,fault,,0.40,x/report.json,");
        assert_eq!(lines[2], "\"we,ird \"\"name\"\".mp4\",failed,,0,0,,,,,\"is empty, expected a video\"");
        let html = to_html(&[bad], &CODES, "<clients>");
        assert!(html.contains("&lt;clients&gt;") && html.contains("we,ird &quot;name&quot;.mp4"));
    }
}
