//! The synthetic lead generator.

mod params;

pub use params::{GenerateParams, Mix};
