//! One job's way through the engine: the answer cache, a lease so that no other run on the
//! same cache sends the same request, the budget, then attempts until an answer, a final
//! error or a stop.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use super::{Event, ModelCtx, Shared};
use crate::llm::batch::recorded_outcome;
use crate::llm::cache::CachedAnswer;
use crate::llm::client::{Request, build_request};
use crate::llm::cost::request_cost;
use crate::llm::job::{CallOutcome, CallResult, LlmJob};
use crate::llm::lease::{Claimed, claim};
use crate::llm::model::ModelSettings;
use crate::llm::pacing::Feedback;
use crate::llm::response::{Attempt, FailKind};

/// One job: cache lookup, budget, then attempts until an answer, a final error or a stop.
pub(super) async fn call(
    ctx: Arc<ModelCtx>,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Event>,
    job: LlmJob,
) -> CallOutcome {
    let s = &ctx.settings;
    let req = build_request(s, &job);
    let mut outcome = CallOutcome::skipped(job.job_id, String::new());
    if let Some(cache) = &shared.cache {
        match cache.get(&req.key) {
            Ok(Some(a)) => {
                let mut outcome = from_cache(&ctx, outcome, a);
                if shared.collected_now.contains(&req.key) {
                    outcome.cached = false;
                    shared.budget.settle(0.0, outcome.cost_usd);
                }
                return outcome;
            }
            Ok(None) => {}
            Err(e) => {
                shared.cache_failed(e, &tx).await;
                return skip_unsent(outcome);
            }
        }
        // A batch model's requests went through its batch API before the run: what the
        // cache does not answer, the batch failed (or never returned).
        if s.batch {
            outcome.result = recorded_outcome(cache, &req.key);
            return outcome;
        }
    }
    let skip = |mut o: CallOutcome, reason: String| {
        o.result = CallResult::Skipped { reason };
        o
    };
    if let Some(why) = ctx.dead.get() {
        return skip(outcome, why.clone());
    }
    // Another run on the same cache may be sending this very request: wait for its answer
    // rather than pay for it twice.
    let mut lease = None;
    if let Some(cache) = &shared.cache {
        match claim(cache, &req.key, lease_expiry(s), || shared.stopping()).await {
            Ok(Some(Claimed::Lease(l))) => lease = Some(l),
            Ok(Some(Claimed::Answered(a))) => return from_cache(&ctx, outcome, a),
            Ok(None) => return skip_unsent(outcome),
            Err(e) => {
                shared.cache_failed(e, &tx).await;
                return skip_unsent(outcome);
            }
        }
    }
    let outcome = send(&ctx, &shared, &tx, &job, &req, outcome).await;
    // An answer stored gave the lease back with it.
    let stored = matches!(outcome.result, CallResult::Answer { .. });
    if let (Some(lease), Some(cache), false) = (lease, &shared.cache, stored)
        && let Err(e) = lease.release(cache)
    {
        shared.cache_failed(e, &tx).await;
    }
    outcome
}

/// A job that ends unsent because the run stops.
fn skip_unsent(mut outcome: CallOutcome) -> CallOutcome {
    outcome.result = CallResult::Skipped {
        reason: "run stopped before this request was sent".into(),
    };
    outcome
}

/// The outcome of a job the cache answered.
fn from_cache(ctx: &ModelCtx, mut outcome: CallOutcome, stored: CachedAnswer) -> CallOutcome {
    let s = &ctx.settings;
    let a = stored.answer;
    let cost = request_cost(
        s.price.as_ref(),
        a.prompt_tokens,
        a.completion_tokens,
        a.cached_prompt_tokens,
    );
    // A batch charged its share of the price.
    let share = if stored.via_batch {
        s.batch_discount
    } else {
        1.0
    };
    (outcome.cost_usd, outcome.saved_usd) = (cost.map(|c| c.0 * share), cost.map(|c| c.1 * share));
    // Redacted again: a row stored by an older version may hold the key.
    outcome.result = CallResult::Answer {
        content: ctx.client.redact(&a.content),
        finish_reason: a.finish_reason,
        raw: ctx.client.redact(&a.raw),
    };
    outcome.latency_ms = stored.latency_ms;
    outcome.prompt_tokens = a.prompt_tokens;
    outcome.completion_tokens = a.completion_tokens;
    outcome.cached_prompt_tokens = a.cached_prompt_tokens;
    outcome.cached = true;
    outcome
}

/// How long a lease on a request may be held before another run takes it over: every
/// attempt timing out, with the longest back-off between them.
fn lease_expiry(s: &ModelSettings) -> std::time::Duration {
    let attempts = s.max_retries + 1;
    s.timeout * attempts + std::time::Duration::from_secs(120) * attempts
}

/// Budget, then attempts until an answer, a final error or a stop.
async fn send(
    ctx: &ModelCtx,
    shared: &Shared,
    tx: &mpsc::Sender<Event>,
    job: &LlmJob,
    req: &Request,
    mut outcome: CallOutcome,
) -> CallOutcome {
    let s = &ctx.settings;
    let skip = |mut o: CallOutcome, reason: String| {
        o.result = CallResult::Skipped { reason };
        o
    };
    let worst = s
        .price
        .map(|p| p.cost(req.max_prompt_tokens, s.max_tokens))
        .unwrap_or(0.0);
    if let Err(over) = shared.budget.reserve(worst) {
        if over.first {
            let _ = tx.send(Event::BudgetStop(over.message.clone())).await;
        }
        return skip(outcome, over.message);
    }
    let est_tokens = req.est_prompt_tokens.saturating_add(s.max_tokens);
    let mut cost = None;
    outcome.result = loop {
        if let Some(why) = ctx.dead.get() {
            break CallResult::Skipped {
                reason: why.clone(),
            };
        }
        let permit = tokio::select! {
            p = ctx.pacing.admit(est_tokens) => p,
            _ = shared.stopped() => break CallResult::Skipped {
                reason: "run stopped before this request was sent".into(),
            },
        };
        outcome.attempts += 1;
        let sent = Instant::now();
        let attempt = tokio::select! {
            a = ctx.client.send(req.body.clone()) => a,
            _ = shared.abort.cancelled() => break CallResult::Skipped {
                reason: "run aborted while this request was in flight".into(),
            },
        };
        let feedback = match &attempt {
            Attempt::Answer { .. } => Feedback::Answered,
            Attempt::Failed {
                kind: FailKind::RateLimited,
                ..
            } => Feedback::RateLimited,
            Attempt::Failed { .. } => Feedback::Other,
        };
        ctx.pacing.release(permit, feedback);
        outcome.latency_ms = u64::try_from(sent.elapsed().as_millis()).unwrap_or(u64::MAX);
        match attempt {
            Attempt::Answer(answer) => {
                outcome.prompt_tokens = answer.prompt_tokens;
                outcome.completion_tokens = answer.completion_tokens;
                outcome.cached_prompt_tokens = answer.cached_prompt_tokens;
                let priced = request_cost(
                    s.price.as_ref(),
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.cached_prompt_tokens,
                );
                cost = priced.map(|c| c.0);
                (outcome.cost_usd, outcome.saved_usd) = (cost, priced.map(|c| c.1));
                if let Some(cache) = &shared.cache {
                    let (latency, attempts) = (outcome.latency_ms, outcome.attempts);
                    let stored = CachedAnswer::of(answer.clone(), latency, attempts, false);
                    if let Err(e) = cache.put(&req.key, stored).await {
                        shared.cache_failed(e, tx).await;
                    }
                }
                break CallResult::Answer {
                    content: answer.content,
                    finish_reason: answer.finish_reason,
                    raw: answer.raw,
                };
            }
            Attempt::Failed {
                kind,
                status,
                message,
                retry_after,
            } => match kind {
                FailKind::ModelFatal => {
                    let why = format!(
                        "model `{}` stopped: {message} from {} (check base_url, model and {})",
                        s.name,
                        crate::llm::secret::mask_url_credentials(&s.base_url),
                        s.api_key_env
                            .as_deref()
                            .map_or("the key".to_string(), |v| format!("the key in {v}")),
                    );
                    if ctx.dead.set(why.clone()).is_ok() {
                        let _ = tx.send(Event::Warning(why)).await;
                    }
                    break CallResult::ApiError { status, message };
                }
                FailKind::JobFatal => break CallResult::ApiError { status, message },
                FailKind::RateLimited | FailKind::Transient | FailKind::Timeout => {
                    if outcome.attempts > s.max_retries {
                        break if kind == FailKind::Timeout {
                            CallResult::Timeout { message }
                        } else {
                            CallResult::ApiError { status, message }
                        };
                    }
                    let delay = shared.retry.delay(outcome.attempts, retry_after);
                    if kind == FailKind::RateLimited {
                        ctx.pacing.pause(delay);
                    }
                    let _ = tx.send(Event::Retry(job.scorer.clone())).await;
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shared.stopped() => break CallResult::Skipped {
                            reason: format!("run stopped while waiting to retry after: {message}"),
                        },
                    }
                }
            },
        }
    };
    shared.budget.settle(worst, cost);
    // The estimate is charged before sending; charge what `usage` shows it missed.
    if let (Some(p), Some(c)) = (outcome.prompt_tokens, outcome.completion_tokens) {
        let actual = p.saturating_add(c);
        if actual > est_tokens {
            ctx.pacing.take_tokens(actual - est_tokens).await;
        }
    }
    outcome
}
