//! liftform-core's integration tests, one binary: the analysis on simulated recordings (every rule
//! fires on its fault and stays silent on clean reps), property tests on random recordings,
//! report snapshots, and exploration printouts (ignored).

mod common;

mod analysis_explore;
mod analysis_props;
mod analysis_sim;
mod analysis_snapshots;
mod fuzz_readers;
