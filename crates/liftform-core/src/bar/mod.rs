//! The bar's pure parts: the lifter's body-size prior ([`prior`]) that bounds the plate's size, and
//! the cm-per-pixel scale from a tracked plate ([`scale`]). Finding the plate in frames is vision's.

pub mod prior;
pub mod scale;
