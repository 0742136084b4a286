//! Video decoding (placeholder).
