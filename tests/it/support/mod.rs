//! What several test modules (and the benches, through `#[path]`) share.

pub mod cdp;
pub mod cli;
pub mod fake_config;
pub mod fake_openai;
pub mod files;
pub mod generated_bytes;
pub mod report_fixture;
pub mod synthetic;
