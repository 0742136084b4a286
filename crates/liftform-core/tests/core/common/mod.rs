//! Shared helpers for the analysis integration tests.
pub mod sim;
