//! A lifter's progress across sessions: for a coach's folder laid out as
//! `ATHLETE/DATE-anything.mp4`, `trends.csv` and `trends.html` give one row per athlete and
//! session (reps, faults per rep by rule, mean bar speed, velocity loss) and, per athlete, charts
//! of those over time. The athlete is the video's first sub-folder; the session's date is the
//! first date in the file name (`2026-03-14`, `2026_03_14` or `20260314`), else the day the file
//! was created (or last modified, where the file system keeps no creation time), in UTC. Videos
//! directly in the batch folder belong to no athlete and are left out; with none in a
//! sub-folder no trends are written, so other layouts work as before.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use liftform_core::output::write_atomically;

use super::summary::{RowStatus, SummaryRow};
use crate::error::Result;

pub const TRENDS_CSV: &str = "trends.csv";
pub const TRENDS_HTML: &str = "trends.html";

/// One athlete's one session (all their videos of that date together).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub athlete: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Where the date came from: `name` or `file time`.
    pub date_from: &'static str,
    pub videos: usize,
    pub reps: usize,
    /// Findings (fault or warning) per rep, by rule code, in code order.
    pub faults_per_rep: Vec<(String, f64)>,
    /// Mean of the videos' mean lifting speeds (m/s).
    pub mean_bar_speed_m_s: Option<f64>,
    /// Mean of the videos' velocity loss across the set (%).
    pub velocity_loss_pct: Option<f64>,
}

/// The sessions of every finished video in an athlete's sub-folder, by athlete then date.
pub fn sessions(rows: &[SummaryRow], root: &Path, codes: &[&str]) -> Vec<Session> {
    let mut groups: BTreeMap<(String, String), (Vec<&SummaryRow>, &'static str)> = BTreeMap::new();
    for row in rows.iter().filter(|r| matches!(r.status, RowStatus::Analysed | RowStatus::Existing)) {
        let path = Path::new(&row.video);
        let mut parts = path.components();
        let (Some(first), Some(_)) = (parts.next(), parts.next()) else { continue };
        let athlete = first.as_os_str().to_string_lossy().into_owned();
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (date, from) = match date_in_name(&stem) {
            Some(date) => (date, "name"),
            None => match file_date(&root.join(path)) {
                Some(date) => (date, "file time"),
                None => continue,
            },
        };
        let entry = groups.entry((athlete, date)).or_insert((Vec::new(), from));
        entry.0.push(row);
        if from == "file time" {
            entry.1 = from;
        }
    }
    groups
        .into_iter()
        .map(|((athlete, date), (rows, date_from))| {
            let reps: usize = rows.iter().filter_map(|r| r.reps).sum();
            let faults_per_rep = codes
                .iter()
                .map(|code| {
                    let n: usize = rows
                        .iter()
                        .flat_map(|r| r.findings_per_code.iter())
                        .filter(|(c, _)| c == code)
                        .map(|(_, n)| n)
                        .sum();
                    (code.to_string(), if reps > 0 { n as f64 / reps as f64 } else { 0.0 })
                })
                .collect();
            let mean =
                |values: Vec<f64>| (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            Session {
                athlete,
                date,
                date_from,
                videos: rows.len(),
                reps,
                faults_per_rep,
                mean_bar_speed_m_s: mean(rows.iter().filter_map(|r| r.mean_bar_speed_m_s).collect()),
                velocity_loss_pct: mean(rows.iter().filter_map(|r| r.velocity_loss_pct).collect()),
            }
        })
        .collect()
}

/// The first date in a file name: `YYYY-MM-DD`, `YYYY_MM_DD`, `YYYY.MM.DD` or `YYYYMMDD`, with a
/// plausible year, month and day.
pub fn date_in_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let s = bytes.get(from..from + n)?;
        s.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(s).ok()?.parse().ok())?
    };
    for start in 0..bytes.len() {
        if start > 0 && bytes[start - 1].is_ascii_digit() {
            continue; // a date starts a run of digits
        }
        let Some(year) = digits(start, 4) else { continue };
        let separated = matches!(bytes.get(start + 4), Some(b'-' | b'_' | b'.'));
        let (month, day, end) = if separated {
            let sep = bytes[start + 4];
            if bytes.get(start + 7) != Some(&sep) {
                continue;
            }
            (digits(start + 5, 2), digits(start + 8, 2), start + 10)
        } else {
            (digits(start + 4, 2), digits(start + 6, 2), start + 8)
        };
        let (Some(month), Some(day)) = (month, day) else { continue };
        if bytes.get(end).is_some_and(u8::is_ascii_digit) {
            continue; // part of a longer number
        }
        if (1990..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day) {
            return Some(format!("{year:04}-{month:02}-{day:02}"));
        }
    }
    None
}

/// The day a file was created (or last modified), UTC.
fn file_date(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let time = meta.created().or_else(|_| meta.modified()).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(civil_date((secs / 86_400) as i64))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (proleptic Gregorian; Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

pub fn to_csv(sessions: &[Session], codes: &[&str]) -> String {
    let mut out = String::from("athlete,date,date_from,videos,reps");
    for code in codes {
        let _ = write!(out, ",{code}_per_rep");
    }
    out += ",mean_bar_speed_m_s,velocity_loss_pct\n";
    for s in sessions {
        let athlete = if s.athlete.contains([',', '"', '\n']) {
            format!("\"{}\"", s.athlete.replace('"', "\"\""))
        } else {
            s.athlete.clone()
        };
        let _ = write!(out, "{athlete},{},{},{},{}", s.date, s.date_from, s.videos, s.reps);
        for (_, v) in &s.faults_per_rep {
            let _ = write!(out, ",{v:.2}");
        }
        let _ = writeln!(out, ",{},{}", num(s.mean_bar_speed_m_s, 3), num(s.velocity_loss_pct, 1));
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A small line chart (inline SVG) of `points` (session index, value) with the dates below.
fn chart(title: &str, unit: &str, dates: &[&str], series: &[(&str, &str, Vec<Option<f64>>)]) -> String {
    const W: f64 = 560.0;
    const H: f64 = 180.0;
    const PAD: f64 = 36.0;
    let values: Vec<f64> = series.iter().flat_map(|s| s.2.iter().flatten().copied()).collect();
    if values.is_empty() {
        return String::new();
    }
    let top = values.iter().cloned().fold(f64::MIN, f64::max).max(1e-9) * 1.15;
    let n = dates.len().max(2) as f64 - 1.0;
    let x = |i: usize| PAD + (W - 2.0 * PAD) * i as f64 / n;
    let y = |v: f64| H - PAD + (PAD * 2.0 - H) * (v / top);
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\">",
        esc(title)
    );
    let _ = write!(
        svg,
        "<line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#999\"/><text x=\"4\" y=\"{t}\" font-size=\"11\">{top:.2} {unit}</text>",
        b = H - PAD,
        r = W - PAD,
        t = PAD - 6.0,
        unit = esc(unit)
    );
    for (i, d) in dates.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x(i),
            H - 12.0,
            esc(d)
        );
    }
    for (name, colour, points) in series {
        let pts: Vec<String> =
            points.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"/>",
            pts.join(" ")
        );
        for p in &pts {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                svg,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3.5\" fill=\"{colour}\"><title>{}</title></circle>",
                esc(name)
            );
        }
    }
    svg += "</svg>";
    let legend: Vec<String> = series
        .iter()
        .map(|(name, colour, _)| format!("<span style=\"color:{colour}\">■</span> {}", esc(name)))
        .collect();
    let _ = write!(svg, "<div class=\"legend\">{}</div></figure>", legend.join(" &nbsp; "));
    svg
}

pub fn to_html(sessions: &[Session], codes: &[&str], title: &str) -> String {
    const COLOURS: [&str; 8] = ["#1f6fd1", "#e08a14", "#1e9e46", "#c8323c", "#8c50c8", "#6b6b6b", "#b5651d", "#0e9aa7"];
    let mut body = String::new();
    let mut athletes: BTreeMap<&str, Vec<&Session>> = BTreeMap::new();
    for s in sessions {
        athletes.entry(s.athlete.as_str()).or_default().push(s);
    }
    for (athlete, list) in &athletes {
        let _ = write!(body, "<section><h2>{}</h2>", esc(athlete));
        let dates: Vec<&str> = list.iter().map(|s| s.date.as_str()).collect();
        body += &chart(
            "Mean lifting speed and velocity loss",
            "",
            &dates,
            &[("mean bar speed (m/s)", COLOURS[0], list.iter().map(|s| s.mean_bar_speed_m_s).collect())],
        );
        let fault_series: Vec<(&str, &str, Vec<Option<f64>>)> = codes
            .iter()
            .enumerate()
            .filter(|(i, _)| list.iter().any(|s| s.faults_per_rep[*i].1 > 0.0))
            .map(|(i, code)| {
                (*code, COLOURS[(i + 1) % COLOURS.len()], list.iter().map(|s| Some(s.faults_per_rep[i].1)).collect())
            })
            .collect();
        if fault_series.is_empty() {
            body += "<p class=\"note\">No faults in any session.</p>";
        } else {
            body += &chart("Faults per rep, by rule", "per rep", &dates, &fault_series);
        }
        body += "<table><tr><th>date</th><th>videos</th><th>reps</th>";
        for code in codes {
            let _ = write!(body, "<th>{code} / rep</th>");
        }
        body += "<th>mean bar speed (m/s)</th><th>velocity loss (%)</th></tr>";
        for s in list {
            let _ = write!(
                body,
                "<tr><td>{}{}</td><td>{}</td><td>{}</td>",
                s.date,
                if s.date_from == "name" { "" } else { " (file time)" },
                s.videos,
                s.reps
            );
            for (_, v) in &s.faults_per_rep {
                let _ = write!(body, "<td>{}</td>", if *v > 0.0 { format!("{v:.2}") } else { String::new() });
            }
            let _ =
                write!(body, "<td>{}</td><td>{}</td></tr>", num(s.mean_bar_speed_m_s, 2), num(s.velocity_loss_pct, 0));
        }
        body += "</table></section>\n";
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>liftform trends: {title}</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; }} th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }} figure {{ margin: .5rem 0; }} figcaption {{ font-weight: 600; }}
.legend {{ font-size: 13px; }} .note {{ color: #666; }}
</style></head><body>
<h1>Trends: {title}</h1>
<p class="note">One row per athlete and session (the date in the file name, else the file's time). Faults per rep count faults and warnings.</p>
{body}</body></html>
"#,
        title = esc(title)
    )
}

/// Writes `trends.csv` and `trends.html` when any finished video sits in an athlete's folder.
pub fn write_trends(out_dir: &Path, rows: &[SummaryRow], root: &Path, codes: &[&str], title: &str) -> Result<bool> {
    let sessions = sessions(rows, root, codes);
    if sessions.is_empty() {
        return Ok(false);
    }
    write_atomically(&out_dir.join(TRENDS_CSV), to_csv(&sessions, codes).as_bytes())?;
    write_atomically(&out_dir.join(TRENDS_HTML), to_html(&sessions, codes, title).as_bytes())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_found_in_names_and_nonsense_is_not() {
        assert_eq!(date_in_name("2026-03-14-heavy triple").as_deref(), Some("2026-03-14"));
        assert_eq!(date_in_name("set_2026_03_14").as_deref(), Some("2026-03-14"));
        assert_eq!(date_in_name("20260314 pull").as_deref(), Some("2026-03-14"));
        assert_eq!(date_in_name("IMG_1234"), None);
        assert_eq!(date_in_name("2026-13-01"), None);
        assert_eq!(date_in_name("1202603141"), None);
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_454), "2026-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
