//! BlazePose pose pass (placeholder, filled in by the foundation issue).
