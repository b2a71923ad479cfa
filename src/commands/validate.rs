//! `bench validate`: check the config and the dataset it names, spending nothing.

use crate::Error;
use crate::cli::ValidateArgs;
use crate::config::{Config, DatasetSource};
use crate::lead::LeadReader;

pub(crate) fn run(args: &ValidateArgs) -> Result<(), Error> {
    let config = Config::load(&args.config)?;
    println!("config {}: ok", args.config.display());
    match &config.dataset {
        DatasetSource::File(path) => {
            let mut n = 0u64;
            let mut gold = 0u64;
            for row in LeadReader::open(path)? {
                let row = row?;
                n += 1;
                gold += u64::from(row.lead.gold.is_some());
            }
            println!(
                "dataset {}: {n} leads, {gold} with a gold label",
                path.display()
            );
        }
        DatasetSource::Generate(p) => {
            println!(
                "dataset: generated on the fly, n = {}, seed = {}, label_noise = {}",
                p.n, p.seed, p.label_noise
            );
        }
    }
    Ok(())
}
