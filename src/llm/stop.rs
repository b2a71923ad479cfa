//! Stopping a run from outside: Ctrl-C (SIGINT) and SIGTERM, which supervisors and `kill`
//! send, are handled alike.
//!
//! - The first signal cancels [`Stop::cancel`]: no new request is sent, requests in flight
//!   finish and are kept, and the run writes everything it has (exit 130, or 143 for SIGTERM).
//! - The second cancels [`Stop::abort`]: requests in flight are abandoned too.
//! - The third exits at once, for a run that is stuck writing; the next run removes the
//!   temporary files such an exit leaves (see `atomic.rs`).
//!
//! The handlers are installed once for the whole command, so that a signal that arrives
//! between phases (while the baselines score, or the report is written) is seen as well.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Which signal stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignal {
    /// The conventional exit code: 128 + the signal number.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => crate::exit::EXIT_INTERRUPTED,
            StopSignal::Terminate => crate::exit::EXIT_TERMINATED,
        }
    }

    fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "Ctrl-C",
            StopSignal::Terminate => "SIGTERM",
        }
    }
}

/// The tokens a run watches, and the first signal that arrived.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// Cancelled by the first signal: stop sending.
    pub cancel: CancellationToken,
    /// Cancelled by the second: abandon requests in flight.
    pub abort: CancellationToken,
    first: Arc<AtomicU8>,
}

impl Stop {
    /// Installs the SIGINT and SIGTERM handlers on the current tokio runtime (call it from
    /// within one). The engine says what the first two signals do when it sees them.
    pub fn watch_signals() -> std::io::Result<Stop> {
        let stop = Stop::default();
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let s = stop.clone();
        tokio::spawn(async move {
            for count in 1.. {
                let which = tokio::select! {
                    Some(()) = int.recv() => StopSignal::Interrupt,
                    Some(()) = term.recv() => StopSignal::Terminate,
                    else => return,
                };
                s.note(which);
                match count {
                    1 => s.cancel.cancel(),
                    2 => s.abort.cancel(),
                    _ => {
                        eprintln!(
                            "bench: {}: stopping now, without writing further",
                            which.name()
                        );
                        std::process::exit(i32::from(s.signal().unwrap_or(which).exit_code()));
                    }
                }
            }
        });
        Ok(stop)
    }

    /// The first signal received, if any.
    pub fn signal(&self) -> Option<StopSignal> {
        match self.first.load(Ordering::SeqCst) {
            1 => Some(StopSignal::Interrupt),
            2 => Some(StopSignal::Terminate),
            _ => None,
        }
    }

    /// Whether the run was asked to stop.
    pub fn requested(&self) -> bool {
        self.cancel.is_cancelled()
    }

    fn note(&self, which: StopSignal) {
        let code = match which {
            StopSignal::Interrupt => 1,
            StopSignal::Terminate => 2,
        };
        let _ = self
            .first
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
    }
}
