//! The two BlazePose networks behind ONNX Runtime: loading (with clear errors for missing or wrong
//! files), thread settings, and running them on prepared input tensors. Inputs and outputs are
//! plain `f32` slices: the maths around them lives in `detection` and `roi`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;

use super::anchors::{ssd_anchor_centres, DETECTOR_INPUT_PX};
use super::detection::{decode_candidates, Detection};
use super::refine::{HEATMAP_CHANNELS, HEATMAP_PX};
use super::roi::LANDMARK_INPUT_PX;
use crate::assets;
use crate::error::{Error, Result};

/// Which landmark network to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    Full,
    Heavy,
    /// A landmark model file given by the user.
    Path(PathBuf),
}

impl ModelChoice {
    /// Parses `full`, `heavy` or a path.
    pub fn parse(text: &str) -> ModelChoice {
        match text {
            "full" => ModelChoice::Full,
            "heavy" => ModelChoice::Heavy,
            other => ModelChoice::Path(PathBuf::from(other)),
        }
    }

    fn resolve(&self) -> Result<(String, PathBuf)> {
        match self {
            ModelChoice::Full => {
                Ok(("blazepose-full".into(), assets::find_model_file("blazepose_landmark_full.onnx")?))
            }
            ModelChoice::Heavy => {
                Ok(("blazepose-heavy".into(), assets::find_model_file("blazepose_landmark_heavy.onnx")?))
            }
            ModelChoice::Path(path) => {
                if !path.is_file() {
                    return Err(Error::Runtime { path: path.clone(), problem: "model file not found".into() });
                }
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                Ok((stem, path.clone()))
            }
        }
    }
}

pub const LANDMARK_VALUES: usize = 39 * 5;
pub const WORLD_VALUES: usize = 39 * 3;
pub const MASK_PX: usize = LANDMARK_INPUT_PX * LANDMARK_INPUT_PX;
pub const HEATMAP_VALUES: usize = HEATMAP_PX * HEATMAP_PX * HEATMAP_CHANNELS;

/// Raw landmark-model outputs for one crop.
pub struct LandmarkOutput {
    /// 39 × (x, y, z, visibility logit, presence logit), x/y in crop pixels.
    pub landmarks: [f32; LANDMARK_VALUES],
    /// Already a probability.
    pub pose_flag: f32,
    /// 256×256 person-mask logits, row-major in crop pixels.
    pub segmentation_logits: Vec<f32>,
    /// 39 × (x, y, z) metres, hip-centred.
    pub world: [f32; WORLD_VALUES],
    /// 64×64×39 HWC heatmap logits (for refinement).
    pub heatmap_logits: Vec<f32>,
}

impl Default for LandmarkOutput {
    fn default() -> Self {
        LandmarkOutput {
            landmarks: [0.0; LANDMARK_VALUES],
            pose_flag: 0.0,
            segmentation_logits: vec![0.0; MASK_PX],
            world: [0.0; WORLD_VALUES],
            heatmap_logits: vec![0.0; HEATMAP_VALUES],
        }
    }
}

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment (the `ort` crate allows one per process).
fn environment() -> Result<&'static Environment> {
    ENVIRONMENT
        .get_or_init(|| {
            let library = assets::find_ort_library().map_err(|e| e.to_string())?;
            let builder = ort::init_from(&library)
                .map_err(|e| format!("{}: cannot load ONNX Runtime: {e}", library.display()))?;
            builder.with_name("liftform").with_telemetry(false).build().map_err(|e| format!("ONNX Runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| Error::RuntimeSetup(e.clone()))
}

fn open_session(path: &Path, intra_threads: usize) -> Result<Session> {
    let env = environment()?;
    let fail =
        |e: String| Error::Runtime { path: path.to_path_buf(), problem: format!("not a usable ONNX model: {e}") };
    let builder = Session::builder(env).map_err(|e| fail(e.to_string()))?;
    // With spinning worker threads ORT competes with the decoder thread on small machines.
    let builder = builder.with_intra_threads(intra_threads.max(1)).map_err(|e| fail(e.to_string()))?;
    let builder = builder.with_inter_threads(1).map_err(|e| fail(e.to_string()))?;
    let mut builder =
        builder.with_config_entry("session.intra_op.allow_spinning", "0").map_err(|e| fail(e.to_string()))?;
    builder.commit_from_file(path).map_err(|e| fail(e.to_string()))
}

fn check_io(session: &Session, path: &Path, input_dims: &[i64], outputs: &[&str]) -> Result<()> {
    let wrong = |what: String| Error::Runtime {
        path: path.to_path_buf(),
        problem: format!("not the expected BlazePose model: {what}"),
    };
    let input = session.inputs().first().ok_or_else(|| wrong("it has no input".into()))?;
    let dims: Vec<i64> = input.dtype().tensor_shape().map(|s| s.iter().copied().collect()).unwrap_or_default();
    if dims != input_dims {
        return Err(wrong(format!("input shape {dims:?}, expected {input_dims:?}")));
    }
    for name in outputs {
        if !session.outputs().iter().any(|o| o.name() == *name) {
            return Err(wrong(format!("no output named {name:?}")));
        }
    }
    Ok(())
}

/// Detector + landmark network, ready to run. Not shared between threads: one per worker.
pub struct PoseModels {
    detector: Session,
    landmark: Session,
    anchors: Vec<[f32; 2]>,
    /// `blazepose-full`, `blazepose-heavy` or the given file's stem.
    pub name: String,
    pub landmark_path: PathBuf,
    pub landmark_sha256: String,
}

impl PoseModels {
    pub fn load(choice: &ModelChoice, intra_threads: usize) -> Result<PoseModels> {
        let (name, landmark_path) = choice.resolve()?;
        let detector_path = assets::find_model_file(assets::DETECTOR_MODEL_FILE)?;
        let detector = open_session(&detector_path, intra_threads)?;
        let side = DETECTOR_INPUT_PX as i64;
        check_io(&detector, &detector_path, &[1, side, side, 3], &["regressors", "classificators"])?;
        let landmark = open_session(&landmark_path, intra_threads)?;
        let side = LANDMARK_INPUT_PX as i64;
        check_io(
            &landmark,
            &landmark_path,
            &[1, side, side, 3],
            &["landmarks", "pose_flag", "segmentation", "heatmap", "world_landmarks"],
        )?;
        let landmark_sha256 = assets::sha256_hex(&landmark_path)?;
        Ok(PoseModels { detector, landmark, anchors: ssd_anchor_centres(), name, landmark_path, landmark_sha256 })
    }

    /// Runs the detector on a 224×224×3 RGB tensor in [−1, 1]; returns every anchor scoring at
    /// least `min_score`, before NMS, in letterboxed-square coordinates, in anchor order.
    pub fn detect_candidates(&mut self, input: &[f32], min_score: f32) -> Result<Vec<Detection>> {
        let side = DETECTOR_INPUT_PX;
        let tensor = TensorRef::from_array_view(nhwc_view(input, side)?).map_err(internal)?;
        let outputs = self.detector.run(ort::inputs!["input" => tensor]).map_err(internal)?;
        let (_, regressors) = outputs["regressors"].try_extract_tensor::<f32>().map_err(internal)?;
        let (_, logits) = outputs["classificators"].try_extract_tensor::<f32>().map_err(internal)?;
        Ok(decode_candidates(regressors, logits, &self.anchors, min_score))
    }

    /// Runs the landmark network on a 256×256×3 RGB tensor in [0, 1], filling `out`.
    pub fn landmarks(&mut self, input: &[f32], out: &mut LandmarkOutput) -> Result<()> {
        let side = LANDMARK_INPUT_PX;
        let tensor = TensorRef::from_array_view(nhwc_view(input, side)?).map_err(internal)?;
        let outputs = self.landmark.run(ort::inputs!["input" => tensor]).map_err(internal)?;
        let copy = |name: &str, dest: &mut [f32]| -> Result<()> {
            let (_, values) = outputs[name].try_extract_tensor::<f32>().map_err(internal)?;
            if values.len() != dest.len() {
                return Err(Error::TensorShape { name: name.to_string(), got: values.len(), expected: dest.len() });
            }
            dest.copy_from_slice(values);
            Ok(())
        };
        copy("landmarks", &mut out.landmarks)?;
        copy("segmentation", &mut out.segmentation_logits)?;
        copy("world_landmarks", &mut out.world)?;
        copy("heatmap", &mut out.heatmap_logits)?;
        let mut flag = [0.0f32];
        copy("pose_flag", &mut flag)?;
        out.pose_flag = flag[0];
        Ok(())
    }
}

/// The input image as the networks' NHWC tensor (1 × side × side × 3), without copying; a buffer of
/// the wrong length is an error here rather than inside ONNX Runtime.
fn nhwc_view(input: &[f32], side: usize) -> Result<ndarray::ArrayView4<'_, f32>> {
    ndarray::ArrayView4::from_shape((1, side, side, 3), input).map_err(|_| Error::TensorShape {
        name: "input".into(),
        got: input.len(),
        expected: side * side * 3,
    })
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Inference(e.to_string())
}
