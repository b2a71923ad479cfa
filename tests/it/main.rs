//! The integration tests, one binary (as ripgrep and just do): a module per area, and
//! `support/` for what several of them share (the fake OpenAI-compatible server, fixtures).

mod support;

mod answer;
mod batch_api;
mod batch_cli;
mod calibration_cli;
mod enrichment;
mod enrichment_cli;
mod ensembles;
mod exact_rules;
mod explorer_chromium;
mod flips;
mod generate;
mod generate_cli;
mod hardening;
mod heuristic;
mod heuristic_digest;
mod lead_io;
mod learned;
mod local_llm;
mod logprobs;
mod metrics_properties;
mod metrics_reference;
mod plan_cli;
mod prompts;
mod report;
mod report_cases;
mod report_chromium;
mod repro_cli;
mod rewrite;
mod run_cli;
mod runner_faults;
mod sample_cli;
mod score_calibration;
mod score_cli;
mod score_llm;
mod show_cli;
mod twins;
mod validate_cli;
