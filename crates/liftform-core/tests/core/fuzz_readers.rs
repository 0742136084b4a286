//! Fuzzing the analysis half's inputs with proptest: the recording reader (`Recording::read`) on
//! random bytes and on damaged copies of a valid recording, the config reader
//! (`AnalysisConfig::from_toml_str`) on random and damaged TOML, and the analysis on random
//! well-formed recordings and random accepted configs.
//!
//! Every case must end in `Ok` or in an `Err` of one line naming the file (and, for a bad frame,
//! its line): never a panic, never a changed input. A recording the reader accepts, and a config
//! it accepts, must then go through `analyze` without an internal error.
//!
//! Case counts keep the whole test binary short; `PROPTEST_CASES=N` runs every property here
//! with N cases instead (the README says how long a long run took).

use std::sync::OnceLock;

use crate::common;

use common::sim::{simulate, SimConfig};
use liftform_core::analysis::{analyze, AnalysisConfig};
use liftform_core::recording::{
    BarSample, BarSource, FrameRecord, Landmark, ModelInfo, PoseSample, Recording, RecordingHeader, RecordingWriter,
    SourceInfo, TrunkProfile, LANDMARK_COUNT, RECORDING_SCHEMA,
};
use liftform_core::report::Report;
use proptest::prelude::*;
use serde_json::Value;

/// `cases` unless `PROPTEST_CASES` asks for another number; no regression files are written.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const FILE_NAME: &str = "fuzz-poses.jsonl";

/// Writes `bytes` to a file, reads it as a recording and checks the reader's contract: the file
/// is unchanged, and an error is one line naming the file.
fn read_bytes(bytes: &[u8]) -> Result<Recording, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, bytes).unwrap();
    let read = Recording::read(&path);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the reader changed its input");
    read.map_err(|e| {
        let msg = e.to_string();
        assert_one_line(&msg);
        assert!(msg.contains(FILE_NAME), "the error does not name the file: {msg}");
        assert_eq!(e.exit_code(), 2, "{msg}");
        msg
    })
}

/// The reader's error for `bytes`, which it must refuse.
fn refused(bytes: &[u8]) -> String {
    match read_bytes(bytes) {
        Ok(rec) => panic!(
            "accepted ({} frames): {:?}",
            rec.frames.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ),
        Err(msg) => msg,
    }
}

fn assert_one_line(msg: &str) {
    assert!(!msg.is_empty());
    assert!(!msg.chars().any(|c| c.is_control()), "not one printable line: {msg:?}");
}

/// The analysis ran through (no caught panic) and its report serialises.
fn check_report(report: &Report) {
    assert!(
        report.warnings.iter().all(|w| !w.starts_with("internal error")),
        "the analysis panicked: {:?}",
        report.warnings
    );
    let json = serde_json::to_string(report).expect("the report serialises");
    let back: Value = serde_json::from_str(&json).expect("the report is valid JSON");
    assert_eq!(back["schema"], "liftform.report/v1");
    let _ = report.to_text();
    for f in &report.findings {
        assert!(f.frame_start <= f.frame_end, "{f:?}");
        assert!(report.reps.iter().any(|r| r.index == f.rep), "finding on a missing rep: {f:?}");
    }
}

fn to_text(rec: &Recording) -> String {
    let mut w = RecordingWriter::new(Vec::new(), &rec.header).unwrap();
    for f in &rec.frames {
        w.write_frame(f).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

/// Valid recordings as lines (header first): a plain one, one with a plate track and one with
/// dropouts and NaN landmarks (written as null).
fn base_lines() -> &'static [Vec<String>] {
    static BASE: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let sims = [
            SimConfig { reps: 1, ..SimConfig::default() },
            SimConfig { reps: 1, seed: 7, with_plate: true, with_profile: false, ..SimConfig::default() },
            SimConfig { reps: 2, seed: 3, drop_share: 0.2, nan_share: 0.1, ..SimConfig::default() },
        ];
        sims.iter()
            .map(|cfg| {
                let text = to_text(&simulate(cfg).recording);
                assert!(read_bytes(text.as_bytes()).is_ok(), "a valid recording must read");
                text.lines().map(str::to_owned).collect()
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// The recording reader
// ---------------------------------------------------------------------------------------------

/// Values put in place of a number somewhere in a line.
const ODD_VALUES: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1e300",
    "-1e300",
    "3.5e38",
    "1e-320",
    "-0",
    "18446744073709551616",
    "-1",
    "\"x\"",
    "\"\\u0007\\n\"",
    "null",
    "true",
    "[]",
    "[1]",
    "{}",
    "",
    "0x10",
    "01",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Cut the text at this share of its length.
    Truncate(f64),
    /// XOR one byte (at a share of the length) with a non-zero mask.
    FlipByte(f64, u8),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Replace the n-th number of a line with an odd value.
    ReplaceNumber(usize, usize, usize),
    /// Insert a line of junk.
    InsertLine(usize, String),
    /// Add or remove landmarks in a frame's pose.
    LandmarkCount(usize, i32),
    /// Make one landmark entry something other than a number.
    LandmarkEntry(usize, usize, usize, usize),
    /// Give one landmark another number of entries.
    LandmarkWidth(usize, usize, usize),
    /// Remove a key of the JSON object on a line.
    DropKey(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let idx = || 0usize..400;
    prop_oneof![
        (0.0f64..1.0).prop_map(Mutation::Truncate),
        (0.0f64..1.0, 1u8..=255).prop_map(|(p, m)| Mutation::FlipByte(p, m)),
        idx().prop_map(Mutation::DeleteLine),
        idx().prop_map(Mutation::DuplicateLine),
        (idx(), idx()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (idx(), 0usize..200, 0..ODD_VALUES.len()).prop_map(|(l, n, v)| Mutation::ReplaceNumber(l, n, v)),
        (idx(), "[\\[\\]{}\",:0-9a-z.eE+ -]{0,80}").prop_map(|(l, s)| Mutation::InsertLine(l, s)),
        (idx(), -33i32..50).prop_map(|(l, d)| Mutation::LandmarkCount(l, d)),
        (idx(), 0usize..33, 0usize..5, 0..ODD_VALUES.len())
            .prop_map(|(l, j, k, v)| Mutation::LandmarkEntry(l, j, k, v)),
        (idx(), 0usize..33, 0usize..9).prop_map(|(l, j, w)| Mutation::LandmarkWidth(l, j, w)),
        (idx(), 0usize..8).prop_map(|(l, k)| Mutation::DropKey(l, k)),
    ]
}

/// Applies a mutation to JSON lines (the first is the header).
fn apply(lines: &mut Vec<String>, m: &Mutation) {
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    let json_edit = |lines: &mut Vec<String>, l: usize, f: &dyn Fn(&mut Value)| {
        if let Ok(mut v) = serde_json::from_str::<Value>(&lines[l]) {
            f(&mut v);
            lines[l] = v.to_string();
        }
    };
    match m {
        Mutation::Truncate(_) | Mutation::FlipByte(..) => {
            // byte-level: handled on the joined text
        }
        Mutation::DeleteLine(l) => {
            lines.remove(l % n);
        }
        Mutation::DuplicateLine(l) => {
            let line = lines[l % n].clone();
            lines.insert(l % n, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::ReplaceNumber(l, k, v) => {
            let line = &lines[l % n];
            let numbers = number_spans(line);
            if !numbers.is_empty() {
                let (s, e) = numbers[k % numbers.len()];
                lines[l % n] = format!("{}{}{}", &line[..s], ODD_VALUES[*v], &line[e..]);
            }
        }
        Mutation::InsertLine(l, s) => lines.insert(l % (n + 1), s.clone()),
        Mutation::LandmarkCount(l, d) => json_edit(lines, if n > 1 { 1 + l % (n - 1) } else { 0 }, &|v| {
            if let Some(lms) = v.pointer_mut("/pose/landmarks").and_then(Value::as_array_mut) {
                if *d < 0 {
                    lms.truncate(lms.len().saturating_sub(d.unsigned_abs() as usize));
                } else if let Some(first) = lms.first().cloned() {
                    lms.extend(std::iter::repeat_n(first, *d as usize));
                }
            }
        }),
        Mutation::LandmarkEntry(l, j, k, val) => json_edit(lines, l % n, &|v| {
            if let Some(entry) = v.pointer_mut(&format!("/pose/landmarks/{j}/{k}")) {
                *entry = serde_json::from_str(ODD_VALUES[*val]).unwrap_or(Value::String("?".into()));
            }
        }),
        Mutation::LandmarkWidth(l, j, w) => json_edit(lines, l % n, &|v| {
            if let Some(lm) = v.pointer_mut(&format!("/pose/landmarks/{j}")).and_then(Value::as_array_mut) {
                lm.resize(*w, Value::from(1.0));
            }
        }),
        Mutation::DropKey(l, k) => json_edit(lines, l % n, &|v| {
            if let Some(obj) = v.as_object_mut() {
                if let Some(key) = obj.keys().nth(k % obj.len().max(1)).cloned() {
                    obj.remove(&key);
                }
            }
        }),
    }
}

/// Byte spans of the JSON numbers in a line (outside strings).
fn number_spans(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut spans = Vec::new();
    let (mut i, mut in_string) = (0, false);
    while i < b.len() {
        let c = b[i];
        if in_string {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_string = false;
            }
            i += 1;
        } else if c == b'"' {
            in_string = true;
            i += 1;
        } else if c == b'-' || c.is_ascii_digit() {
            let s = i;
            while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                i += 1;
            }
            spans.push((s, i));
        } else {
            i += 1;
        }
    }
    spans
}

fn mutated(base: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut lines = base_lines()[base % base_lines().len()].clone();
    let mut bytes_edits = Vec::new();
    for m in mutations {
        match m {
            Mutation::Truncate(_) | Mutation::FlipByte(..) => bytes_edits.push(m.clone()),
            _ => apply(&mut lines, m),
        }
    }
    let mut bytes = (lines.join("\n") + "\n").into_bytes();
    for m in bytes_edits {
        match m {
            Mutation::Truncate(p) => bytes.truncate((bytes.len() as f64 * p) as usize),
            Mutation::FlipByte(p, mask) if !bytes.is_empty() => {
                let at = ((bytes.len() as f64 * p) as usize).min(bytes.len() - 1);
                bytes[at] ^= mask;
            }
            _ => {}
        }
    }
    bytes
}

/// The line number an error names (`line N`), if any.
fn named_line(msg: &str) -> Option<usize> {
    let at = msg.find("line ")? + 5;
    msg[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// A frame line (1-based file line number) that has a pose, in base recording `base`.
fn posed_line(base: usize, pick: usize) -> usize {
    let lines = &base_lines()[base];
    let posed: Vec<usize> = (1..lines.len()).filter(|&l| !lines[l].contains("\"pose\":null")).collect();
    posed[pick % posed.len()] + 1
}

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary bytes: an error naming the file, never a panic.
    #[test]
    fn recording_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_bytes(&bytes);
    }

    /// A valid header followed by JSON-looking junk reaches the frame parser.
    #[test]
    fn recording_reader_survives_json_like_frames(
        base in 0usize..3,
        body in "[\\[\\]{}\",:0-9a-z_.eE+ \n-]{0,600}",
    ) {
        let text = format!("{}\n{body}", base_lines()[base][0]);
        if let Ok(rec) = read_bytes(text.as_bytes()) {
            check_report(&analyze(&rec, &AnalysisConfig::default()));
        }
    }

    /// Damaged copies of valid recordings: whatever the reader accepts, the analysis takes.
    #[test]
    fn recording_reader_survives_damaged_recordings(
        base in 0usize..3,
        mutations in proptest::collection::vec(mutation(), 1..5),
    ) {
        let bytes = mutated(base, &mutations);
        if let Ok(rec) = read_bytes(&bytes) {
            for f in &rec.frames {
                if let Some(p) = &f.pose {
                    prop_assert_eq!(p.landmarks.len(), LANDMARK_COUNT);
                }
            }
            check_report(&analyze(&rec, &AnalysisConfig::default()));
        }
    }

    /// A landmark list of the wrong length is refused, naming the file and the line.
    #[test]
    fn wrong_landmark_count_is_refused_naming_the_line(
        base in 0usize..3,
        pick in any::<usize>(),
        count in (0usize..80).prop_filter("not 33", |&c| c != LANDMARK_COUNT),
    ) {
        let line = posed_line(base, pick);
        let mut lines = base_lines()[base].clone();
        let mut v: Value = serde_json::from_str(&lines[line - 1]).unwrap();
        let lms = v.pointer_mut("/pose/landmarks").unwrap().as_array_mut().unwrap();
        let first = lms[0].clone();
        lms.resize(count, first);
        lines[line - 1] = v.to_string();
        let msg = refused((lines.join("\n") + "\n").as_bytes());
        prop_assert_eq!(named_line(&msg), Some(line), "{}", msg);
        prop_assert!(msg.contains("landmark"), "{}", msg);
    }

    /// A landmark entry that is not a number (or a landmark of the wrong width) is refused,
    /// naming the file and the line.
    #[test]
    fn non_numeric_landmark_entry_is_refused_naming_the_line(
        base in 0usize..3,
        pick in any::<usize>(),
        j in 0usize..33,
        k in 0usize..4,
        bad in prop_oneof![
            Just(Value::String("1.0".into())),
            Just(Value::Bool(true)),
            Just(Value::Array(vec![])),
            Just(serde_json::json!({"x": 1})),
            "\\PC{0,12}".prop_map(Value::String),
        ],
        width in prop_oneof![0usize..4, 6usize..10],
        wrong_width in any::<bool>(),
    ) {
        let line = posed_line(base, pick);
        let mut lines = base_lines()[base].clone();
        let mut v: Value = serde_json::from_str(&lines[line - 1]).unwrap();
        let lm = v.pointer_mut(&format!("/pose/landmarks/{j}")).unwrap().as_array_mut().unwrap();
        if wrong_width {
            lm.resize(width, Value::from(0.5));
        } else {
            lm[k] = bad;
        }
        lines[line - 1] = v.to_string();
        let msg = refused((lines.join("\n") + "\n").as_bytes());
        prop_assert_eq!(named_line(&msg), Some(line), "{}", msg);
    }

    /// What the writer writes, the reader reads: NaN and infinities (written as null) included.
    #[test]
    fn whatever_the_writer_writes_reads_back(frames in proptest::collection::vec(frame(LANDMARK_COUNT..=LANDMARK_COUNT), 0..30)) {
        let rec = Recording { header: header(30.0), frames };
        let back = read_bytes(to_text(&rec).as_bytes()).unwrap();
        prop_assert_eq!(back.frames.len(), rec.frames.len());
        check_report(&analyze(&back, &AnalysisConfig::default()));
    }
}

#[test]
fn the_reader_names_each_kind_of_damage() {
    let base = &base_lines()[0];
    let header = &base[0];
    let frame = &base[1];
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        ("\n\n".into(), "line 1"),
        (format!("{header}\n{{\"i\":0}}\n"), "line 2"),
        (format!("{header}\n{frame}\n{}\n", &frame[..frame.len() / 2]), "line 3"),
        (format!("{header}\n\n{frame}\nnot json\n"), "line 4"),
        (format!("{header}\n{}\n", frame.replacen("\"i\":0", "\"i\":-1", 1)), "line 2"),
        (format!("{header}\n{}\n", frame.replacen("\"i\":0", "\"i\":1e400", 1)), "line 2"),
    ];
    for (text, expect) in cases {
        let msg = refused(text.as_bytes());
        assert!(msg.contains(expect), "expected {expect:?} in: {msg}");
    }
    // not UTF-8 on line 3
    let mut bytes = format!("{header}\n{frame}\n").into_bytes();
    bytes.extend_from_slice(b"{\"i\":\xff\xfe}\n");
    let msg = refused(&bytes);
    assert!(msg.contains("line 3"), "{msg}");
    // a string with a newline in it stays on one line in the message (read_bytes checks)
    let plate_frame = base_lines()[1].iter().find(|l| l.contains("\"source\":\"plate\"")).unwrap();
    let text = format!("{header}\n{}\n", plate_frame.replacen("\"source\":\"plate\"", "\"source\":\"pl\\nate\"", 1));
    let msg = refused(text.as_bytes());
    assert!(msg.contains("line 2"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// The config reader
// ---------------------------------------------------------------------------------------------

/// Every `(section, key, default value)` of the default config.
fn config_keys() -> Vec<(String, String, toml::Value)> {
    let value: toml::Value = toml::from_str(&AnalysisConfig::default_toml()).unwrap();
    let mut keys = Vec::new();
    for (section, table) in value.as_table().unwrap() {
        for (key, v) in table.as_table().unwrap() {
            keys.push((section.clone(), key.clone(), v.clone()));
        }
    }
    keys
}

/// A config with one key set to a TOML value text.
fn config_with(section: &str, key: &str, value: &str) -> String {
    format!("[{section}]\n{key} = {value}\n")
}

fn parse_config(text: &str) -> Result<AnalysisConfig, String> {
    AnalysisConfig::from_toml_str(text).inspect_err(|msg| assert_one_line(msg))
}

/// A short simulated set the accepted configs are run on.
fn sim_recording() -> &'static Recording {
    static REC: OnceLock<Recording> = OnceLock::new();
    REC.get_or_init(|| simulate(&SimConfig { reps: 3, with_plate: true, ..SimConfig::default() }).recording)
}

const TOML_VALUES: &[&str] = &[
    "nan",
    "+inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e12",
    "-1e12",
    "1000000000000",
    "-1000000000000",
    "9223372036854775807",
    "99999999999999999999",
    "-1",
    "0",
    "0.0",
    "-0.0",
    "1",
    "2",
    "\"side\"",
    "\"front\"",
    "\"sideways\"",
    "\"\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "1979-05-27",
    "'literal'",
    "\"\"\"multi\nline\"\"\"",
];

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary text: parsed or refused in one line, never a panic.
    #[test]
    fn config_reader_survives_random_text(text in "\\PC{0,300}") {
        let _ = parse_config(&text);
    }

    /// TOML-looking text built from the config's own sections and keys.
    #[test]
    fn config_reader_survives_toml_like_text(
        parts in proptest::collection::vec(
            (0usize..64, 0..TOML_VALUES.len(), "[ \\[\\]=.a-z_0-9#\"\n]{0,12}"),
            0..12,
        ),
    ) {
        let keys = config_keys();
        let mut text = String::new();
        for (k, v, junk) in parts {
            let (section, key, _) = &keys[k % keys.len()];
            text.push_str(&format!("[{section}]\n{key} = {}\n{junk}\n", TOML_VALUES[v]));
        }
        if let Ok(cfg) = parse_config(&text) {
            check_report(&analyze(sim_recording(), &cfg));
        }
    }

    /// Damaged copies of the default config (bytes cut, changed or repeated).
    #[test]
    fn config_reader_survives_damaged_defaults(
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, 1u8..128), 0..4),
        repeat in any::<bool>(),
    ) {
        let mut bytes = AnalysisConfig::default_toml().into_bytes();
        if repeat {
            bytes.extend(bytes.clone());
        }
        for (p, mask) in flips {
            let at = ((bytes.len() as f64 * p) as usize).min(bytes.len() - 1);
            bytes[at] ^= mask;
        }
        bytes.truncate(((bytes.len() as f64) * (0.5 + cut / 2.0)) as usize);
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(cfg) = parse_config(&text) {
                check_report(&analyze(sim_recording(), &cfg));
            }
        }
    }

    /// A value of the wrong type, or a number far outside any sensible range, is refused and the
    /// message names the key.
    #[test]
    fn bad_values_are_refused_naming_the_key(k in 0usize..64, v in 0..TOML_VALUES.len()) {
        let keys = config_keys();
        let (section, key, default) = &keys[k % keys.len()];
        let value = TOML_VALUES[v];
        let text = config_with(section, key, value);
        let parsed = parse_config(&text);
        let wrong = match default {
            toml::Value::Boolean(_) => !matches!(value, "true" | "false"),
            toml::Value::Float(_) | toml::Value::Integer(_) => {
                !value.parse::<f64>().is_ok_and(|x| x.is_finite() && x.abs() < 1e9)
                    || (matches!(default, toml::Value::Integer(_)) && value.contains('.'))
            }
            toml::Value::String(_) => !matches!(value, "\"side\"" | "\"front\""),
            _ => false,
        };
        if wrong {
            let msg = parsed.expect_err(&text);
            prop_assert!(msg.contains(key.as_str()), "{}: {}", text, msg);
        }
    }

    /// Every number of the config: values across and beyond a wide span are either refused
    /// naming the key, or accepted and then analysed without an internal error.
    #[test]
    fn accepted_numbers_never_break_the_analysis(
        picks in proptest::collection::vec((0usize..64, prop_oneof![
            -2.0f64..2.0,
            -1000.0f64..1000.0,
            Just(0.0),
            Just(1.0),
            Just(1e6),
            Just(-1e6),
        ]), 1..6),
    ) {
        let keys = config_keys();
        let mut sections: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        let mut assigned = std::collections::BTreeSet::new();
        for (k, x) in &picks {
            let (section, key, default) = &keys[k % keys.len()];
            let value = match default {
                toml::Value::Float(_) => format!("{x:?}"),
                toml::Value::Integer(_) => format!("{}", x.round() as i64),
                _ => continue,
            };
            if assigned.insert((section.as_str(), key.as_str())) {
                sections.entry(section.as_str()).or_default().push(format!("{key} = {value}"));
            }
        }
        let text: String =
            sections.iter().map(|(s, lines)| format!("[{s}]\n{}\n", lines.join("\n"))).collect();
        match parse_config(&text) {
            Ok(cfg) => check_report(&analyze(sim_recording(), &cfg)),
            Err(msg) => {
                let named = sections.values().flatten().any(|l| msg.contains(l.split(' ').next().unwrap()));
                prop_assert!(named, "{}: {}", text, msg);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Every stage setting at once at a random value (low above high, windows of zero, ...):
    /// refused naming a key, or analysed without an internal error.
    #[test]
    fn random_stage_settings_never_break_the_analysis(
        factors in proptest::collection::vec(prop_oneof![0.0f64..1.0, 0.0f64..4.0, Just(0.0)], 32),
    ) {
        let mut text = String::new();
        let mut n = 0;
        for section in ["track", "view", "kinematics", "reps"] {
            text.push_str(&format!("[{section}]\n"));
            for (_, key, default) in config_keys().iter().filter(|k| k.0 == section) {
                let Some(default) = default.as_float() else { continue };
                let f = factors[n % factors.len()];
                n += 1;
                // ratios are drawn across 0..1, everything else around its default
                let x = if default <= 1.0 { f.min(1.0) } else { default * f };
                text.push_str(&format!("{key} = {x:?}\n"));
            }
        }
        match parse_config(&text) {
            Ok(cfg) => check_report(&analyze(sim_recording(), &cfg)),
            Err(msg) => prop_assert!(msg.contains('`'), "{}: {}", text, msg),
        }
    }
}

/// `--height` sets the lifter's height after the config is read (so unchecked): any number must
/// still give a report.
#[test]
fn any_lifter_height_gives_a_report() {
    for height in [0.0, -175.0, 1e-300, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE] {
        let mut cfg = AnalysisConfig::default();
        cfg.kinematics.lifter_height_cm = height;
        check_report(&analyze(sim_recording(), &cfg));
    }
}

/// `[view] force` takes a view's name and nothing else.
#[test]
fn a_forced_view_is_a_known_name() {
    for name in ["side", "oblique", "front"] {
        let cfg = parse_config(&format!("[view]\nforce = \"{name}\"\n")).unwrap();
        check_report(&analyze(sim_recording(), &cfg));
    }
    for bad in ["\"sideways\"", "\"\"", "1", "true", "[\"side\"]"] {
        let msg = parse_config(&format!("[view]\nforce = {bad}\n")).unwrap_err();
        assert!(msg.contains("force"), "{bad}: {msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// The analysis on random well-formed recordings
// ---------------------------------------------------------------------------------------------

fn header(fps: f64) -> RecordingHeader {
    RecordingHeader {
        schema: RECORDING_SCHEMA.into(),
        source: SourceInfo { path: "fuzz.mp4".into(), fps, frames: 0, width: 1920, height: 1080, rotation_deg: 0 },
        model: ModelInfo { name: "fuzz".into(), sha256: None },
        plate_diameter_mm: None,
    }
}

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => 0.0f32..2000.0,
        1 => -1e4f32..1e4,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(f32::MAX),
        1 => Just(0.0f32),
    ]
}

fn unit_f32() -> impl Strategy<Value = f32> {
    prop_oneof![4 => 0.0f32..1.0, 1 => Just(f32::NAN), 1 => Just(1.0f32), 1 => Just(-1.0f32), 1 => Just(5.0f32)]
}

fn landmark() -> impl Strategy<Value = Landmark> {
    (any_f32(), any_f32(), any_f32(), unit_f32(), proptest::option::of(unit_f32()))
        .prop_map(|(x, y, z, v, p)| Landmark { x_px: x, y_px: y, z, visibility: v, presence: p })
}

fn frame(landmarks: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = FrameRecord> {
    (
        0u64..100,
        prop_oneof![4 => 0.0f64..10.0, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => Just(-1.0), 1 => Just(1e15)],
        proptest::option::of((
            unit_f32(),
            proptest::collection::vec(landmark(), landmarks),
            proptest::option::of(proptest::collection::vec([any_f32(), any_f32(), any_f32()], 33..=33)),
            proptest::option::of(proptest::collection::vec(
                (unit_f32(), proptest::option::of(any_f32()), proptest::option::of(any_f32())),
                0..13,
            )),
        )),
        proptest::option::of((any_f32(), any_f32(), proptest::option::of(any_f32()), unit_f32(), any::<bool>())),
    )
        .prop_map(|(i, t_s, pose, bar)| FrameRecord {
            i,
            t_s,
            pose: pose.map(|(score, landmarks, world_landmarks, profile)| PoseSample {
                score,
                landmarks,
                world_landmarks,
                trunk_profile: profile.map(|samples| TrunkProfile {
                    t: samples.iter().map(|s| s.0).collect(),
                    pos_px: samples.iter().map(|s| s.1).collect(),
                    neg_px: samples.iter().map(|s| s.2).collect(),
                }),
            }),
            bar: bar.map(|(x_px, y_px, r_px, confidence, plate)| BarSample {
                x_px,
                y_px,
                r_px,
                confidence,
                source: if plate { BarSource::Plate } else { BarSource::Wrists },
            }),
        })
}

proptest! {
    #![proptest_config(config(128))]

    /// Random frames with 33 landmarks each: random positions, visibilities and times (NaN,
    /// infinite, negative, huge), duplicate and out-of-order frame numbers.
    #[test]
    fn analysis_survives_random_well_formed_recordings(
        fps in prop_oneof![Just(30.0f64), Just(0.0), Just(f64::NAN), Just(-5.0), Just(1e9), 1.0f64..240.0],
        plate_mm in proptest::option::of(prop_oneof![
            Just(450.0f64), Just(0.0), Just(-450.0), Just(f64::NAN), Just(f64::INFINITY), Just(1e300), 1.0f64..2000.0,
        ]),
        frames in proptest::collection::vec(frame(LANDMARK_COUNT..=LANDMARK_COUNT), 0..60),
    ) {
        let rec = Recording { header: RecordingHeader { plate_diameter_mm: plate_mm, ..header(fps) }, frames };
        check_report(&analyze(&rec, &AnalysisConfig::default()));
    }

    /// A simulated set whose frames are shuffled, repeated and retimed.
    #[test]
    fn analysis_survives_reordered_and_duplicated_frames(
        seed in 0u64..1000,
        swaps in proptest::collection::vec((0usize..400, 0usize..400), 0..40),
        dups in proptest::collection::vec(0usize..400, 0..20),
        retime in proptest::collection::vec((0usize..400, prop_oneof![Just(f64::NAN), Just(0.0), -5.0f64..20.0]), 0..10),
        same_i in any::<bool>(),
        plate_mm in proptest::option::of(prop_oneof![Just(0.0f64), Just(-450.0), Just(f64::NAN), 1.0f64..2000.0]),
    ) {
        let mut rec = simulate(&SimConfig { seed, reps: 2, with_plate: seed % 2 == 0, ..SimConfig::default() }).recording;
        if plate_mm.is_some() {
            rec.header.plate_diameter_mm = plate_mm;
        }
        let n = rec.frames.len();
        for (a, b) in swaps {
            rec.frames.swap(a % n, b % n);
        }
        for d in dups {
            let f = rec.frames[d % n].clone();
            rec.frames.insert(d % n, f);
        }
        for (k, t) in retime {
            rec.frames[k % n].t_s = t;
        }
        if same_i {
            rec.frames.iter_mut().for_each(|f| f.i = 0);
        }
        check_report(&analyze(&rec, &AnalysisConfig::default()));
    }
}

#[test]
fn a_config_file_is_read_not_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.toml");
    let text = "[dl001]\nmax_offset_cm = 7.5\n[track]\nmin_visibility = 7\n";
    std::fs::write(&path, text).unwrap();
    let msg = AnalysisConfig::from_file(&path).unwrap_err().to_string();
    assert_one_line(&msg);
    assert!(msg.contains("fuzz.toml") && msg.contains("track.min_visibility"), "{msg}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}
