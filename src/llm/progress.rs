//! Progress of a run on standard error: with a terminal, an indicatif bar per scorer and a
//! total (rate, ETA, retries, failures); otherwise, or with `--quiet`, plain lines. Warnings
//! go through here so that they do not tear the bars.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is printed when there is no terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

#[derive(Default, Clone, Copy)]
struct Tally {
    done: u64,
    failed: u64,
    retries: u64,
}

struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    per_scorer: HashMap<Arc<str>, ProgressBar>,
}

/// The progress display of one run; owned by the collector.
pub(crate) struct Progress {
    bars: Option<Bars>,
    /// Print periodic plain lines (no terminal, not quiet).
    plain: bool,
    started: Instant,
    last_line: Instant,
    len: u64,
    total: Tally,
    per_scorer: HashMap<Arc<str>, Tally>,
}

impl Progress {
    /// Bars when standard error is a terminal and `quiet` is off; plain lines otherwise.
    pub(crate) fn new(scorers: &[(Arc<str>, u64)], quiet: bool) -> Progress {
        let len = scorers.iter().map(|(_, n)| n).sum();
        let use_bars = !quiet && std::io::stderr().is_terminal();
        let bars = use_bars.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            // indicatif's own `{per_sec}` prints every digit ("14.689517141/s").
            let style = ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {pos}/{len} {rate:>9} ETA {eta:>4} {msg}",
            )
            .expect("the progress template is valid")
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&rate_text(s.per_sec()));
                },
            )
            .progress_chars("=> ");
            let mut per_scorer = HashMap::new();
            for (name, n) in scorers {
                let bar = multi.add(ProgressBar::new(*n).with_style(style.clone()));
                bar.set_prefix(name.to_string());
                per_scorer.insert(name.clone(), bar);
            }
            let total = multi.add(ProgressBar::new(len).with_style(style));
            total.set_prefix("total");
            Bars {
                multi,
                total,
                per_scorer,
            }
        });
        let now = Instant::now();
        Progress {
            bars,
            plain: !quiet && !use_bars,
            started: now,
            last_line: now,
            len,
            total: Tally::default(),
            per_scorer: scorers
                .iter()
                .map(|(s, _)| (s.clone(), Tally::default()))
                .collect(),
        }
    }

    /// One job of `scorer` ended; `failed` when it ended without an answer.
    pub(crate) fn job_done(&mut self, scorer: &Arc<str>, failed: bool) {
        let t = self.per_scorer.entry(scorer.clone()).or_default();
        t.done += 1;
        t.failed += u64::from(failed);
        let t = *t;
        self.total.done += 1;
        self.total.failed += u64::from(failed);
        if let Some(bars) = &self.bars {
            if let Some(bar) = bars.per_scorer.get(scorer) {
                bar.inc(1);
                bar.set_message(tally_text(&t));
            }
            bars.total.inc(1);
            bars.total.set_message(tally_text(&self.total));
        } else if self.plain && self.last_line.elapsed() >= PLAIN_EVERY {
            self.last_line = Instant::now();
            eprintln!("{}", self.line());
        }
    }

    /// A request of `scorer` is being tried again.
    pub(crate) fn retry(&mut self, scorer: &Arc<str>) {
        let t = self.per_scorer.entry(scorer.clone()).or_default();
        t.retries += 1;
        let t = *t;
        self.total.retries += 1;
        if let Some(bars) = &self.bars {
            if let Some(bar) = bars.per_scorer.get(scorer) {
                bar.set_message(tally_text(&t));
            }
            bars.total.set_message(tally_text(&self.total));
        }
    }

    /// Prints a warning above the bars (or as a plain line).
    pub(crate) fn warn(&self, message: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(format!("warning: {message}"));
            }
            None => eprintln!("warning: {message}"),
        }
    }

    /// Leaves the bars on screen and prints the closing line.
    pub(crate) fn finish(&self) {
        if let Some(bars) = &self.bars {
            for bar in bars.per_scorer.values() {
                bar.abandon();
            }
            bars.total.abandon();
        } else if self.plain {
            eprintln!("{}", self.line());
        }
    }

    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.total.done as f64 / secs;
        let left = self.len.saturating_sub(self.total.done);
        let eta = if rate > 0.0 {
            format!("{:.0} s", left as f64 / rate)
        } else {
            "?".into()
        };
        format!(
            "llm calls: {}/{} ({:.0}%), {rate:.1}/s, ETA {eta}, {}",
            self.total.done,
            self.len,
            100.0 * self.total.done as f64 / self.len.max(1) as f64,
            tally_text(&self.total)
        )
    }
}

fn tally_text(t: &Tally) -> String {
    format!("retries {}, failed {}", t.retries, t.failed)
}

/// A rate as the bars show it: one decimal ("14.7/s").
fn rate_text(per_sec: f64) -> String {
    format!("{per_sec:.1}/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_one_decimal() {
        assert_eq!(rate_text(14.689517141), "14.7/s");
        assert_eq!(rate_text(0.0), "0.0/s");
        assert_eq!(rate_text(1234.56), "1234.6/s");
    }

    #[test]
    fn counts_per_scorer_and_total() {
        let a: Arc<str> = Arc::from("llm/m/a");
        let b: Arc<str> = Arc::from("llm/m/b");
        let mut p = Progress::new(&[(a.clone(), 2), (b.clone(), 1)], true);
        assert!(p.bars.is_none() && !p.plain);
        p.job_done(&a, false);
        p.retry(&b);
        p.job_done(&b, true);
        assert_eq!(p.total.done, 2);
        assert_eq!(p.per_scorer[&b].failed, 1);
        assert_eq!(p.per_scorer[&b].retries, 1);
        assert!(p.line().starts_with("llm calls: 2/3 (67%)"), "{}", p.line());
        p.finish();
    }
}
