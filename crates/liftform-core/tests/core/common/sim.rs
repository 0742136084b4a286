//! A deterministic deadlift simulator that writes `liftform.recording/v1` recordings.
//!
//! Planar model (centimetres, x forward, y up, origin at the ankle): the ankle is fixed; the
//! shank and thigh are rigid; the trunk has two segments (lumbar: hip→L1, thoracic: L1→shoulder)
//! so the back can round (L1 pushed to the back side) or arch (to the front); the arms hang from
//! the shoulders to the bar. Per time the bar position, the shank angle, the arm's angle from
//! vertical and the lumbar flexion are set; the hip follows by two-circle inverse kinematics
//! (thigh from the knee, trunk chord from the shoulder), L1 from the flexion.
//!
//! The camera is orthographic, turned `yaw_deg` away from the side view; the far side's joints
//! sit half a body width behind the sagittal plane. The trunk profile (`pose.trunk_profile`) is
//! computed exactly as `recording::TrunkProfile` documents, from a body of constant
//! half-thickness around the two trunk segments. Noise, dropped frames, NaN samples and faults
//! of chosen size and timing are injected from a seed; the output is bit-for-bit repeatable.

#![allow(dead_code)]

use liftform_core::recording::{
    landmark_index as lm, BarSample, BarSource, FrameRecord, Landmark, ModelInfo, PoseSample, Recording,
    RecordingHeader, SourceInfo, TrunkProfile, RECORDING_SCHEMA,
};

// Segment lengths (cm) of a ~178 cm lifter.
pub const SHANK_CM: f64 = 44.0;
pub const THIGH_CM: f64 = 43.0;
pub const LUMBAR_CM: f64 = 20.0;
pub const THORACIC_CM: f64 = 31.0;
pub const ARM_CM: f64 = 60.0;
pub const WRIST_ABOVE_BAR_CM: f64 = 8.0;
pub const TRUNK_HALF_THICKNESS_CM: f64 = 11.0;
pub const ANKLE_HEIGHT_CM: f64 = 8.0;
pub const PLATE_RADIUS_CM: f64 = 22.5;
/// Mid-foot (heel–toe midpoint) ahead of the ankle.
pub const MIDFOOT_X_CM: f64 = 6.5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// Bar this many cm in front of the mid-foot at setup (returns to the legs during the pull).
    BarForwardAtSetup { cm: f64 },
    /// Bar swings this many cm forward mid-pull.
    BarDrift { cm: f64 },
    /// Lumbar flexion up to this many degrees during the pull.
    RoundedBack { deg: f64 },
    /// Before liftoff the knees straighten by this share of the setup shank angle while the bar
    /// stays on the floor (hips shoot up first).
    HipsRiseEarly { share: f64 },
    /// At lockout: shoulders lean back (arm angle) and the lower back arches, in degrees.
    Hyperextension { lean_deg: f64, arch_deg: f64 },
    /// Setup with the shank this many degrees further forward (hips lower).
    SquatSetup { extra_shank_deg: f64 },
    /// Lockout with the hips this many degrees short of straight.
    IncompleteLockout { deg: f64 },
    /// This rep's pull takes `factor` times as long.
    Slow { factor: f64 },
}

impl FaultKind {
    /// The rule code the fault should trigger.
    pub fn code(&self) -> &'static str {
        match self {
            FaultKind::BarForwardAtSetup { .. } => "DL001",
            FaultKind::RoundedBack { .. } => "DL002",
            FaultKind::HipsRiseEarly { .. } => "DL003",
            FaultKind::BarDrift { .. } => "DL004",
            FaultKind::Hyperextension { .. } => "DL005",
            FaultKind::SquatSetup { .. } => "DL006",
            FaultKind::IncompleteLockout { .. } => "DL007",
            FaultKind::Slow { .. } => "DL008",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// 1-based rep.
    pub rep: usize,
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub fps: f64,
    pub reps: usize,
    pub facing_right: bool,
    pub yaw_deg: f64,
    pub px_per_cm: f64,
    pub ankle_px: [f64; 2],
    pub width: u32,
    pub height: u32,
    /// Gaussian keypoint noise (px, standard deviation).
    pub noise_px: f64,
    /// Share of frames with no pose.
    pub drop_share: f64,
    /// Share of landmarks set to NaN.
    pub nan_share: f64,
    pub with_profile: bool,
    pub profile_noise_px: f64,
    pub with_plate: bool,
    /// Stand and walk in before the first setup (s); 0 = start set.
    pub walk_in_s: f64,
    /// Half-stand and re-grip during the first setup.
    pub grip_reset: bool,
    /// Drop the first seconds of the clip (starts mid-rep).
    pub start_at_s: f64,
    pub setup_s: f64,
    pub pull_s: f64,
    pub lockout_s: f64,
    pub lower_s: f64,
    pub tail_s: f64,
    pub faults: Vec<Fault>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            fps: 30.0,
            reps: 1,
            facing_right: true,
            yaw_deg: 0.0,
            px_per_cm: 3.5,
            ankle_px: [900.0, 950.0],
            width: 1920,
            height: 1080,
            noise_px: 1.0,
            drop_share: 0.0,
            nan_share: 0.0,
            with_profile: true,
            profile_noise_px: 0.5,
            with_plate: false,
            walk_in_s: 0.0,
            grip_reset: false,
            start_at_s: 0.0,
            setup_s: 1.0,
            pull_s: 1.0,
            lockout_s: 0.6,
            lower_s: 1.0,
            tail_s: 0.6,
            faults: Vec::new(),
        }
    }
}

/// Where an injected fault shows (in clip time).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    pub code: &'static str,
    pub rep: usize,
    pub start_s: f64,
    pub end_s: f64,
}

pub struct SimOutput {
    pub recording: Recording,
    pub faults: Vec<FaultWindow>,
    /// (liftoff_s, lockout_start_s) per rep, in clip time.
    pub pulls: Vec<(f64, f64)>,
}

/// splitmix64: small, seeded, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

type V = [f64; 2];

fn add(a: V, b: V) -> V {
    [a[0] + b[0], a[1] + b[1]]
}
fn sub(a: V, b: V) -> V {
    [a[0] - b[0], a[1] - b[1]]
}
fn mul(a: V, k: f64) -> V {
    [a[0] * k, a[1] * k]
}
fn len(a: V) -> f64 {
    a[0].hypot(a[1])
}
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}
fn smooth(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}
/// 0 outside [a, c], rising smoothly to 1 at b.
fn bump(x: f64, a: f64, b: f64, c: f64) -> f64 {
    if x <= a || x >= c {
        0.0
    } else if x <= b {
        smooth((x - a) / (b - a))
    } else {
        smooth((c - x) / (c - b))
    }
}

/// The posture inputs at one instant.
#[derive(Debug, Clone, Copy)]
struct Drive {
    bar: V,
    shank_deg: f64,
    arm_deg: f64,
    flex_deg: f64,
    /// Hands on the bar (false when walking in / re-gripping: wrists follow `hands`).
    hands: Option<V>,
    /// Standing posture by forward kinematics instead: legs straight, trunk leaning back by
    /// this many degrees, arms hanging straight down (the bar follows the hands).
    stand_lean_deg: Option<f64>,
}

/// Solved joint positions (body cm).
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub ankle: V,
    pub knee: V,
    pub hip: V,
    pub l1: V,
    pub shoulder: V,
    pub elbow: V,
    pub wrist: V,
    pub ear: V,
    pub nose: V,
    pub heel: V,
    pub toe: V,
    pub bar: V,
}

fn chord_len(flex_deg: f64) -> f64 {
    let f = flex_deg.to_radians();
    (LUMBAR_CM * LUMBAR_CM + THORACIC_CM * THORACIC_CM + 2.0 * LUMBAR_CM * THORACIC_CM * f.cos()).sqrt()
}

fn solve_standing(lean_deg: f64, flex_deg: f64) -> Body {
    let knee = [0.0, SHANK_CM];
    let hip = [0.0, SHANK_CM + THIGH_CM];
    let c = chord_len(flex_deg);
    let l = lean_deg.to_radians();
    let shoulder = add(hip, [-c * l.sin(), c * l.cos()]);
    let wrist = sub(shoulder, [0.0, ARM_CM]);
    let bar = sub(wrist, [0.0, WRIST_ABOVE_BAR_CM]);
    let d = Drive { bar, shank_deg: 0.0, arm_deg: 0.0, flex_deg, hands: Some(wrist), stand_lean_deg: None };
    let mut b = solve(&d);
    b.knee = knee;
    b.hip = hip;
    b.shoulder = shoulder;
    // L1 for this chord (as in `solve`)
    let hs = sub(shoulder, hip);
    let dch = mul(hs, 1.0 / len(hs).max(1e-9));
    let n_back = [-dch[1], dch[0]];
    let along = ((LUMBAR_CM * LUMBAR_CM - THORACIC_CM * THORACIC_CM + c * c) / (2.0 * c)).clamp(-LUMBAR_CM, LUMBAR_CM);
    let off = (LUMBAR_CM * LUMBAR_CM - along * along).max(0.0).sqrt() * flex_deg.signum();
    b.l1 = add(add(hip, mul(dch, along)), mul(n_back, off));
    let thor = sub(shoulder, b.l1);
    let tdir = mul(thor, 1.0 / len(thor).max(1e-9));
    let front = [tdir[1], -tdir[0]];
    b.ear = add(add(shoulder, mul(tdir, 14.0)), mul(front, 2.0));
    b.nose = add(b.ear, mul(front, 9.0));
    b.elbow = add(mul(add(shoulder, wrist), 0.5), mul(front, 1.0));
    b
}

fn solve(d: &Drive) -> Body {
    if let Some(lean) = d.stand_lean_deg {
        return solve_standing(lean, d.flex_deg);
    }
    let ankle = [0.0, 0.0];
    let th = d.shank_deg.to_radians();
    let knee = [SHANK_CM * th.sin(), SHANK_CM * th.cos()];
    let wrist = d.hands.unwrap_or(add(d.bar, [0.0, WRIST_ABOVE_BAR_CM]));
    let a = d.arm_deg.to_radians();
    let shoulder = add(wrist, [ARM_CM * a.sin(), ARM_CM * a.cos()]);
    let c = chord_len(d.flex_deg);
    // hip: circle(knee, THIGH) ∩ circle(shoulder, c), the solution behind the knee→shoulder line
    let ks = sub(shoulder, knee);
    let dist = len(ks).max(1e-9);
    let u = mul(ks, 1.0 / dist);
    let back = [-u[1], u[0]]; // left-hand normal of knee→shoulder: behind the lifter
    let hip = if dist >= THIGH_CM + c {
        add(knee, mul(u, THIGH_CM))
    } else if dist <= (THIGH_CM - c).abs() {
        add(knee, mul(back, THIGH_CM))
    } else {
        let along = (THIGH_CM * THIGH_CM - c * c + dist * dist) / (2.0 * dist);
        let off = (THIGH_CM * THIGH_CM - along * along).max(0.0).sqrt();
        add(add(knee, mul(u, along)), mul(back, off))
    };
    // L1 from the flexion: on the back side of the hip→shoulder chord when rounded
    let hs = sub(shoulder, hip);
    let c_now = len(hs).max(1e-9);
    let dch = mul(hs, 1.0 / c_now);
    let n_back = [-dch[1], dch[0]];
    let along = ((LUMBAR_CM * LUMBAR_CM - THORACIC_CM * THORACIC_CM + c_now * c_now) / (2.0 * c_now))
        .clamp(-LUMBAR_CM, LUMBAR_CM);
    let off = (LUMBAR_CM * LUMBAR_CM - along * along).max(0.0).sqrt() * d.flex_deg.signum();
    let l1 = add(add(hip, mul(dch, along)), mul(n_back, off));
    // head: along the thoracic direction, then the nose ahead
    let thor = sub(shoulder, l1);
    let tdir = mul(thor, 1.0 / len(thor).max(1e-9));
    let front = [tdir[1], -tdir[0]];
    let ear = add(add(shoulder, mul(tdir, 14.0)), mul(front, 2.0));
    let nose = add(ear, mul(front, 9.0));
    let elbow = add(mul(add(shoulder, wrist), 0.5), mul(front, 1.0));
    Body {
        ankle,
        knee,
        hip,
        l1,
        shoulder,
        elbow,
        wrist,
        ear,
        nose,
        heel: [-6.0, -ANKLE_HEIGHT_CM + 2.0],
        toe: [19.0, -ANKLE_HEIGHT_CM + 2.0],
        bar: d.bar,
    }
}

/// Bar height (above the ankle) that puts the hip angle at `hip_deg` with straight knees and
/// vertical arms over `bar_x`.
fn top_bar_y(bar_x: f64, hip_deg: f64, arm_deg: f64) -> f64 {
    let c = chord_len(0.0);
    let g = hip_deg.to_radians();
    let ks = (THIGH_CM * THIGH_CM + c * c - 2.0 * THIGH_CM * c * g.cos()).sqrt();
    let a = arm_deg.to_radians();
    let sx = bar_x + ARM_CM * a.sin();
    let dy = (ks * ks - sx * sx).max(0.0).sqrt();
    SHANK_CM + dy - ARM_CM * a.cos() - WRIST_ABOVE_BAR_CM
}

const SET_SHANK_DEG: f64 = 10.0;
const SET_ARM_DEG: f64 = 5.0;
const TOP_HIP_DEG: f64 = 176.0;

struct Timeline {
    /// (kind, rep, start, end) in absolute sim time
    segs: Vec<(&'static str, usize, f64, f64)>,
    total_s: f64,
}

fn faults_of(cfg: &SimConfig, rep: usize) -> Vec<FaultKind> {
    cfg.faults.iter().filter(|f| f.rep == rep).map(|f| f.kind).collect()
}

fn timeline(cfg: &SimConfig) -> Timeline {
    let mut t = 0.0;
    let mut segs = Vec::new();
    if cfg.walk_in_s > 0.0 {
        segs.push(("stand", 0, t, t + cfg.walk_in_s));
        t += cfg.walk_in_s;
        segs.push(("bend", 0, t, t + 0.8));
        t += 0.8;
    }
    for rep in 1..=cfg.reps {
        let f = faults_of(cfg, rep);
        let mut setup = cfg.setup_s;
        if rep == 1 && cfg.grip_reset {
            setup += 1.2;
        }
        let hips_early = f.iter().any(|k| matches!(k, FaultKind::HipsRiseEarly { .. }));
        segs.push(("setup", rep, t, t + setup));
        t += setup;
        if hips_early {
            segs.push(("hips", rep, t, t + 0.45));
            t += 0.45;
        }
        let slow =
            f.iter().find_map(|k| if let FaultKind::Slow { factor } = k { Some(*factor) } else { None }).unwrap_or(1.0);
        let pull = cfg.pull_s * slow;
        segs.push(("pull", rep, t, t + pull));
        t += pull;
        segs.push(("lockout", rep, t, t + cfg.lockout_s));
        t += cfg.lockout_s;
        segs.push(("lower", rep, t, t + cfg.lower_s));
        t += cfg.lower_s;
    }
    segs.push(("rest", cfg.reps, t, t + cfg.tail_s));
    t += cfg.tail_s;
    Timeline { segs, total_s: t }
}

/// The rep's posture keyframes.
struct RepPlan {
    set_bar_x: f64,
    set_shank: f64,
    top_bar: V,
    top_arm: f64,
    top_flex: f64,
    top_shank: f64,
    hips_share: f64,
    drift_cm: f64,
    flex_peak: f64,
    lean_deg: f64,
    arch_deg: f64,
}

fn plan(cfg: &SimConfig, rep: usize) -> RepPlan {
    let mut p = RepPlan {
        set_bar_x: MIDFOOT_X_CM,
        set_shank: SET_SHANK_DEG,
        top_bar: [MIDFOOT_X_CM, 0.0],
        top_arm: 0.0,
        top_flex: 0.0,
        top_shank: 0.0,
        hips_share: 0.0,
        drift_cm: 0.0,
        flex_peak: 0.0,
        lean_deg: 0.0,
        arch_deg: 0.0,
    };
    let mut top_hip = TOP_HIP_DEG;
    for f in faults_of(cfg, rep) {
        match f {
            FaultKind::BarForwardAtSetup { cm } => p.set_bar_x += cm,
            FaultKind::BarDrift { cm } => p.drift_cm = cm,
            FaultKind::RoundedBack { deg } => p.flex_peak = deg,
            FaultKind::HipsRiseEarly { share } => p.hips_share = share,
            FaultKind::Hyperextension { lean_deg, arch_deg } => {
                p.lean_deg = lean_deg;
                p.arch_deg = arch_deg;
            }
            FaultKind::SquatSetup { extra_shank_deg } => p.set_shank += extra_shank_deg,
            FaultKind::IncompleteLockout { deg } => {
                top_hip = TOP_HIP_DEG - deg;
                p.top_shank = deg * 0.3;
            }
            FaultKind::Slow { .. } => {}
        }
    }
    let y = top_bar_y(p.top_bar[0], top_hip, 0.0) - (1.0 - p.top_shank.to_radians().cos()) * SHANK_CM;
    p.top_bar[1] = y;
    p
}

fn floor_bar_y() -> f64 {
    PLATE_RADIUS_CM - ANKLE_HEIGHT_CM
}

fn set_drive(p: &RepPlan) -> Drive {
    Drive {
        bar: [p.set_bar_x, floor_bar_y()],
        shank_deg: p.set_shank,
        arm_deg: SET_ARM_DEG,
        flex_deg: 0.0,
        hands: None,
        stand_lean_deg: None,
    }
}

fn top_drive(p: &RepPlan) -> Drive {
    Drive {
        bar: p.top_bar,
        shank_deg: p.top_shank,
        arm_deg: p.top_arm,
        flex_deg: p.top_flex,
        hands: None,
        stand_lean_deg: None,
    }
}

/// Drive inputs at absolute sim time `t`.
fn drive_at(cfg: &SimConfig, tl: &Timeline, t: f64) -> Drive {
    let seg = tl.segs.iter().find(|s| t >= s.2 && t < s.3).or(tl.segs.last()).copied().unwrap_or(("rest", 1, 0.0, 1.0));
    let (kind, rep, a, b) = seg;
    let u = if b > a { ((t - a) / (b - a)).clamp(0.0, 1.0) } else { 1.0 };
    let rep = rep.max(1);
    let p = plan(cfg, rep);
    let set = set_drive(&p);
    let top = top_drive(&p);
    let hips_set =
        Drive { shank_deg: p.set_shank * (1.0 - p.hips_share), arm_deg: set.arm_deg + 12.0 * p.hips_share, ..set };
    let standing_hands = |d: &Drive| -> Drive {
        // standing without the bar: the top posture, hands at the thighs, bar on the floor
        let mut s = top_drive(&plan(cfg, 1));
        s.hands = Some(add(s.bar, [0.0, WRIST_ABOVE_BAR_CM]));
        s.bar = d.bar;
        s
    };
    match kind {
        "stand" => standing_hands(&set),
        "bend" => {
            let st = standing_hands(&set);
            let w = smooth(u);
            let hands0 = st.hands.unwrap_or(st.bar);
            let hands1 = add(set.bar, [0.0, WRIST_ABOVE_BAR_CM]);
            Drive {
                bar: set.bar,
                shank_deg: lerp(st.shank_deg, set.shank_deg, w),
                arm_deg: lerp(st.arm_deg, set.arm_deg, w),
                flex_deg: 0.0,
                hands: Some([lerp(hands0[0], hands1[0], w), lerp(hands0[1], hands1[1], w)]),
                stand_lean_deg: None,
            }
        }
        "setup" => {
            let mut d = set;
            if rep == 1 && cfg.grip_reset {
                // half-stand and re-grip in the middle of the setup: hands leave the bar by 15 cm
                let r = bump(t - a, 0.2, 0.7, 1.2);
                d.hands = Some(add(set.bar, [0.0, WRIST_ABOVE_BAR_CM + 15.0 * r]));
                d.shank_deg = set.shank_deg * (1.0 - 0.5 * r);
            }
            d
        }
        "hips" => Drive {
            shank_deg: lerp(set.shank_deg, hips_set.shank_deg, smooth(u)),
            arm_deg: lerp(set.arm_deg, hips_set.arm_deg, smooth(u)),
            ..set
        },
        "pull" => {
            let from = if p.hips_share > 0.0 { hips_set } else { set };
            let w_bar = smooth(u);
            let w_knee = smooth((u / 0.55).min(1.0));
            let w_hip = smooth(((u - 0.15) / 0.85).max(0.0));
            let bar_x = lerp(from.bar[0], top.bar[0], smooth(u)) + p.drift_cm * bump(u, 0.1, 0.5, 0.9);
            Drive {
                bar: [bar_x, lerp(from.bar[1], top.bar[1], w_bar)],
                shank_deg: lerp(from.shank_deg, top.shank_deg, w_knee),
                arm_deg: lerp(from.arm_deg, top.arm_deg, w_hip),
                flex_deg: lerp(from.flex_deg, top.flex_deg, smooth(((u - 0.75) / 0.25).max(0.0)))
                    + p.flex_peak * bump(u, 0.0, 0.4, 0.9),
                hands: None,
                stand_lean_deg: None,
            }
        }
        "lockout" => {
            if p.lean_deg != 0.0 || p.arch_deg != 0.0 {
                // over-extend during the first 40 % of the lockout, hold, and come back at the end
                let w = bump(u, 0.0, 0.4, 1.0).max(if u > 0.4 && u < 0.9 { 1.0 } else { 0.0 });
                Drive { stand_lean_deg: Some(p.lean_deg * w), flex_deg: -p.arch_deg * w, ..top }
            } else {
                top
            }
        }
        "lower" => {
            let next = plan(cfg, if rep < cfg.reps { rep + 1 } else { 0 });
            let to = set_drive(&next);
            let w = smooth(u);
            Drive {
                bar: [lerp(top.bar[0], to.bar[0], w), lerp(top.bar[1], to.bar[1], w)],
                shank_deg: lerp(top.shank_deg, to.shank_deg, smooth(((u - 0.3) / 0.7).max(0.0))),
                arm_deg: lerp(top.arm_deg, to.arm_deg, smooth((u / 0.5).min(1.0))),
                flex_deg: lerp(top.flex_deg, 0.0, smooth((u / 0.3).min(1.0))),
                hands: None,
                stand_lean_deg: None,
            }
        }
        _ => {
            // rest after the last rep: bar on the floor, set posture
            set_drive(&plan(cfg, 0))
        }
    }
}

/// Also used between reps: the next rep's setup starts at the bar's setup x (bar may slide forward).
fn fault_windows(cfg: &SimConfig, tl: &Timeline) -> Vec<FaultWindow> {
    let mut out = Vec::new();
    let seg = |kind: &str, rep: usize| tl.segs.iter().find(|s| s.0 == kind && s.1 == rep).map(|s| (s.2, s.3));
    for f in &cfg.faults {
        let code = f.kind.code();
        let w = match f.kind {
            FaultKind::BarForwardAtSetup { .. } | FaultKind::SquatSetup { .. } => seg("setup", f.rep),
            FaultKind::BarDrift { .. } => seg("pull", f.rep).map(|(a, b)| (lerp(a, b, 0.3), lerp(a, b, 0.7))),
            FaultKind::RoundedBack { .. } => seg("pull", f.rep).map(|(a, b)| (lerp(a, b, 0.2), lerp(a, b, 0.65))),
            FaultKind::HipsRiseEarly { .. } => {
                let h = seg("hips", f.rep);
                let p = seg("pull", f.rep);
                match (h, p) {
                    (Some(h), Some(p)) => Some((h.0, lerp(p.0, p.1, 0.3))),
                    _ => None,
                }
            }
            FaultKind::Hyperextension { .. } | FaultKind::IncompleteLockout { .. } => seg("lockout", f.rep),
            FaultKind::Slow { .. } => seg("pull", f.rep),
        };
        if let Some((a, b)) = w {
            out.push(FaultWindow { code, rep: f.rep, start_s: a - cfg.start_at_s, end_s: b - cfg.start_at_s });
        }
    }
    out
}

/// Distance from `p` along unit `dir` to the edge of the union of two capsules (segments with
/// half-thickness `r`); `None` when `p` is outside or no edge within `max`.
fn edge_distance(p: V, dir: V, segs: &[(V, V)], r: f64, max: f64) -> Option<f64> {
    let dist_seg = |q: V, a: V, b: V| -> f64 {
        let ab = sub(b, a);
        let l2 = ab[0] * ab[0] + ab[1] * ab[1];
        let t = if l2 > 0.0 { (((q[0] - a[0]) * ab[0] + (q[1] - a[1]) * ab[1]) / l2).clamp(0.0, 1.0) } else { 0.0 };
        len(sub(q, add(a, mul(ab, t))))
    };
    let inside = |s: f64| segs.iter().any(|(a, b)| dist_seg(add(p, mul(dir, s)), *a, *b) <= r);
    if !inside(0.0) {
        return None;
    }
    let step = 0.25;
    let mut s = 0.0;
    while s < max {
        if !inside(s + step) {
            let (mut lo, mut hi) = (s, s + step);
            for _ in 0..30 {
                let mid = 0.5 * (lo + hi);
                if inside(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return Some(0.5 * (lo + hi));
        }
        s += step;
    }
    None
}

/// Generates one recording.
pub fn simulate(cfg: &SimConfig) -> SimOutput {
    let tl = timeline(cfg);
    let mut rng = Rng::new(cfg.seed);
    let fsign = if cfg.facing_right { 1.0 } else { -1.0 };
    let yaw = cfg.yaw_deg.to_radians();
    let ppc = cfg.px_per_cm;
    let half_width = |name: &str| match name {
        "shoulder" | "elbow" | "wrist" => 19.0,
        "hip" => 15.0,
        "ear" => 8.0,
        _ => 11.0,
    };
    // image projection of body point (x, y) at depth z (cm; negative = towards the camera)
    let project = |p: V, z: f64| -> [f64; 3] {
        let x = cfg.ankle_px[0] + fsign * p[0] * yaw.cos() * ppc + z * yaw.sin() * ppc * -fsign;
        let y = cfg.ankle_px[1] - p[1] * ppc;
        [x, y, z * ppc]
    };
    let near_is_right = cfg.facing_right; // facing right, the lifter's right side faces the camera
    let n_frames = ((tl.total_s - cfg.start_at_s) * cfg.fps).floor().max(0.0) as usize;
    let mut frames = Vec::with_capacity(n_frames);
    for i in 0..n_frames {
        let t_clip = i as f64 / cfg.fps;
        let t = t_clip + cfg.start_at_s;
        let d = drive_at(cfg, &tl, t);
        let b = solve(&d);
        let dropped = rng.uniform() < cfg.drop_share;
        let mut lms = vec![Landmark { x_px: 0.0, y_px: 0.0, z: 0.0, visibility: 0.0, presence: Some(0.0) }; 33];
        let parts: [(&str, V, usize, usize); 11] = [
            ("ear", b.ear, lm::LEFT_EAR, lm::RIGHT_EAR),
            ("shoulder", b.shoulder, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER),
            ("elbow", b.elbow, lm::LEFT_ELBOW, lm::RIGHT_ELBOW),
            ("wrist", b.wrist, lm::LEFT_WRIST, lm::RIGHT_WRIST),
            ("hip", b.hip, lm::LEFT_HIP, lm::RIGHT_HIP),
            ("knee", b.knee, lm::LEFT_KNEE, lm::RIGHT_KNEE),
            ("ankle", b.ankle, lm::LEFT_ANKLE, lm::RIGHT_ANKLE),
            ("heel", b.heel, lm::LEFT_HEEL, lm::RIGHT_HEEL),
            ("toe", b.toe, lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX),
            ("pinky", b.wrist, 17, 18),
            ("index", b.wrist, 19, 20),
        ];
        for (name, p, left, right) in parts {
            let w = half_width(name);
            for (idx, near) in [(left, !near_is_right), (right, near_is_right)] {
                let z = if near { -w } else { w };
                let q = project(p, z);
                let vis = if near {
                    0.95
                } else if matches!(name, "shoulder" | "hip" | "ear") {
                    0.9
                } else {
                    0.3
                };
                lms[idx] = Landmark {
                    x_px: (q[0] + cfg.noise_px * rng.normal()) as f32,
                    y_px: (q[1] + cfg.noise_px * rng.normal()) as f32,
                    z: q[2] as f32,
                    visibility: vis,
                    presence: Some(0.99),
                };
            }
        }
        // face: nose and eyes/mouth on the mid-plane
        let nose = project(b.nose, 0.0);
        for idx in [0usize, 1, 2, 3, 4, 5, 6, 9, 10] {
            lms[idx] = Landmark {
                x_px: (nose[0] + cfg.noise_px * rng.normal()) as f32,
                y_px: (nose[1] + cfg.noise_px * rng.normal()) as f32,
                z: 0.0,
                visibility: 0.9,
                presence: Some(0.99),
            };
        }
        for l in lms.iter_mut() {
            if cfg.nan_share > 0.0 && rng.uniform() < cfg.nan_share {
                l.x_px = f32::NAN;
                l.y_px = f32::NAN;
            }
        }
        let profile = if cfg.with_profile {
            // chord from mid-hip to mid-shoulder in the image, back outline from the body
            let mid = |p: V, w: f64| -> [f64; 2] {
                let a = project(p, -w);
                let c = project(p, w);
                [(a[0] + c[0]) / 2.0, (a[1] + c[1]) / 2.0]
            };
            let h_img = mid(b.hip, 15.0);
            let s_img = mid(b.shoulder, 19.0);
            let (dx, dy) = (s_img[0] - h_img[0], s_img[1] - h_img[1]);
            let chord_img = dx.hypot(dy).max(1e-9);
            let n_img = [dy / chord_img, -dx / chord_img];
            // body-plane direction of the image normal (undo the mirror and the y flip)
            let n_body = {
                let v = [fsign * n_img[0], -n_img[1]];
                let l = len(v).max(1e-9);
                [v[0] / l, v[1] / l]
            };
            let segs = [(b.hip, b.l1), (b.l1, b.shoulder)];
            let chord_body = len(sub(b.shoulder, b.hip));
            let mut t = Vec::new();
            let mut pos = Vec::new();
            let mut neg = Vec::new();
            for k in 0..11 {
                let tt = k as f64 / 10.0;
                let p = add(b.hip, mul(sub(b.shoulder, b.hip), tt));
                let to_px = |d: Option<f64>, rng: &mut Rng| {
                    d.map(|d| (d * ppc + cfg.profile_noise_px * rng.normal()).max(0.0) as f32)
                };
                t.push(tt as f32);
                pos.push(to_px(edge_distance(p, n_body, &segs, TRUNK_HALF_THICKNESS_CM, chord_body), &mut rng));
                neg.push(to_px(
                    edge_distance(p, mul(n_body, -1.0), &segs, TRUNK_HALF_THICKNESS_CM, chord_body),
                    &mut rng,
                ));
            }
            Some(TrunkProfile { t, pos_px: pos, neg_px: neg })
        } else {
            None
        };
        let bar = if cfg.with_plate {
            // The near plate is nearer the camera than the lifter: a pinhole camera magnifies
            // its radius and its distance from the image centre alike.
            let q = project(b.bar, -25.0);
            let (m, c) = (near_plate_magnification(cfg), [cfg.width as f64 / 2.0, cfg.height as f64 / 2.0]);
            let q = [c[0] + (q[0] - c[0]) * m, c[1] + (q[1] - c[1]) * m];
            Some(BarSample {
                x_px: (q[0] + 0.5 * cfg.noise_px * rng.normal()) as f32,
                y_px: (q[1] + 0.5 * cfg.noise_px * rng.normal()) as f32,
                r_px: Some((PLATE_RADIUS_CM * ppc * near_plate_magnification(cfg)) as f32),
                confidence: 0.9,
                source: BarSource::Plate,
            })
        } else {
            None
        };
        let pose = if dropped {
            None
        } else {
            Some(PoseSample { score: 0.95, landmarks: lms, world_landmarks: None, trunk_profile: profile })
        };
        frames.push(FrameRecord {
            i: i as u64,
            t_s: (t_clip * 1000.0).round() / 1000.0,
            pose,
            bar: if dropped { None } else { bar },
        });
    }
    let header = RecordingHeader {
        schema: RECORDING_SCHEMA.into(),
        source: SourceInfo {
            path: format!("sim_seed{}.mp4", cfg.seed),
            fps: cfg.fps,
            frames: n_frames as u64,
            width: cfg.width,
            height: cfg.height,
            rotation_deg: 0,
        },
        model: ModelInfo { name: "simulator".into(), sha256: None },
        plate_diameter_mm: None,
    };
    let pulls =
        tl.segs.iter().filter(|s| s.0 == "pull").map(|s| (s.2 - cfg.start_at_s, s.3 - cfg.start_at_s)).collect();
    SimOutput { recording: Recording { header, frames }, faults: fault_windows(cfg, &tl), pulls }
}

/// Solved body at a sim time (for tests that check the model itself).
pub fn body_at(cfg: &SimConfig, t: f64) -> Body {
    let tl = timeline(cfg);
    solve(&drive_at(cfg, &tl, t))
}

/// How much larger the near plate looks than a body-plane object of its size, for a pinhole
/// camera with the focal length `bar::scale` assumes (a share of the frame's long side): the plate
/// is `PLATE_OFFSET_FROM_MIDLINE_M` nearer the camera than the lifter. The camera distance `D` of
/// the body plane follows from the simulated scale (`px_per_cm = f / (100·D)`), so the
/// magnification is `D / (D − offset)`.
pub fn near_plate_magnification(cfg: &SimConfig) -> f64 {
    use liftform_core::bar::scale::{FOCAL_PER_LONG_SIDE, PLATE_OFFSET_FROM_MIDLINE_M};
    let focal_px = FOCAL_PER_LONG_SIDE * cfg.width.max(cfg.height) as f64;
    let body_distance_m = focal_px / (100.0 * cfg.px_per_cm);
    body_distance_m / (body_distance_m - PLATE_OFFSET_FROM_MIDLINE_M)
}
