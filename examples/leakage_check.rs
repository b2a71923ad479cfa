//! The generator's leakage check (README, "Dataset"): trains the learned baseline on the
//! train split of a generated dataset with all features, the message only and firmographics
//! only, and prints held-out accuracy next to the majority class.
//!
//! `cargo run --release --example leakage_check -- [N] [SEED]` (defaults 10000 and 42).

use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::Bands;
use lead_bench::score::learned::{LearnedOptions, leakage_check};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(42), |a| a.parse())?;
    let params = GenerateParams {
        n,
        seed,
        label_noise: 0.0,
        ..GenerateParams::default()
    };
    let leads: Vec<_> = Generator::new(&params, Bands::default()).collect();
    let r = leakage_check(&leads, &LearnedOptions::default(), Bands::default())?;
    println!(
        "n = {n}, seed = {seed}: {} train, {} test leads",
        r.n_train, r.n_test
    );
    println!("| features | held-out accuracy |");
    println!("|---|---:|");
    println!("| majority class | {:.3} |", r.majority_accuracy);
    println!("| all | {:.3} |", r.all);
    println!("| message only | {:.3} |", r.message_only);
    println!("| firmographics only | {:.3} |", r.firmographic_only);
    println!(
        "message-only accuracy {} the {:.2} threshold",
        if r.message_leaks {
            "EXCEEDS"
        } else {
            "is below"
        },
        r.threshold
    );
    Ok(())
}
