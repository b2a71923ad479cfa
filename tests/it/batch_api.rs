//! `bench run` with `batch = true` against a loopback fake of the files and batches
//! endpoints: submit and exit 75, resume and collect, `--wait`, a batch that expires with
//! half its lines done, error-file lines as recorded outcomes, a batch that fails
//! validation, a `bench` killed between submitting and learning the batch's id, and one
//! killed while it waits for the batch; more requests than `batch_max_requests` as several
//! batches; a batch created while `POST /batches` answered 503.

use crate::support::fake_openai;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_openai::{BatchBehaviour, Ending, FakeServer, Reply, Seen};
use lead_bench::prediction::{Prediction, Status, read_predictions_csv};

/// The fake model: answers decided by the user message; `refuse` answers 400 to a share.
fn script(refuse: bool) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |seen: &Seen| {
        let h = seen
            .user
            .bytes()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
        if refuse && h % 4 == 0 {
            return Reply::error(400, "the fake refuses this prompt");
        }
        Reply::answer(&format!(
            r#"{{"lead_score": {}, "lead_label": "{}", "justification": "fake"}}"#,
            h % 100,
            ["low", "low", "medium", "high"][(h % 100 / 25) as usize]
        ))
    }
}

fn config(dir: &Path, url: &str, batch: bool) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts/zero_shot.j2");
    let text = format!(
        "[run]\nname = \"b\"\nresults_dir = \"results\"\ncache = \"cache.sqlite\"\n\
         [dataset.generate]\nn = 50\nseed = 8\ntest_fraction = 0.4\n\
         [baselines]\nheuristic = false\nlearned = false\n\
         [[models]]\nname = \"fake\"\nmodel = \"fake-model\"\nbase_url = \"{url}\"\n\
         structured_output = \"json_object\"\nmax_retries = 0\nbatch = {batch}\nbatch_poll_s = 0.05\n\
         price = {{ input_per_mtok = 2.0, output_per_mtok = 8.0 }}\n\
         [[prompts]]\nname = \"zero_shot\"\npath = {:?}\n",
        p.display().to_string()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn command(config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(["run", "--quiet", "--config"])
        .arg(config)
        .args(extra);
    cmd
}

async fn run(config: &Path, extra: &[&str]) -> Output {
    crate::support::cli::output(command(config, extra)).await
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn predictions(out: &Output) -> HashMap<String, Prediction> {
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(text.lines().last().expect("run dir").trim());
    read_predictions_csv(&dir.join("predictions.csv"))
        .expect("predictions")
        .into_iter()
        .map(|p| (p.lead_id.clone(), p))
        .collect()
}

/// A fake server whose batches behave as `behaviour`, a folder, and a batch config in it.
async fn batch_setup(
    refuse: bool,
    behaviour: BatchBehaviour,
) -> (FakeServer, tempfile::TempDir, PathBuf) {
    let server = FakeServer::start(script(refuse)).await;
    server.set_batch_behaviour(behaviour);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true);
    (server, dir, config)
}

/// Starts `bench run` and kills it (SIGKILL) once `ready` holds; `what` fails the test
/// when that takes over 30 s.
async fn kill_when(config: &Path, extra: &[&str], ready: impl Fn() -> bool, what: &str) {
    let mut child = command(config, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn bench");
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(30), "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
}

/// Exit 75, says to re-run, and wrote nothing: no run folder beyond those of finished runs
/// before it, nothing on standard output (where a finished run names its folder).
fn assert_pending(out: &Output, dir: &Path, finished_before: usize) {
    assert_eq!(out.status.code(), Some(75), "{}", stderr(out));
    assert!(stderr(out).contains("re-run to collect"), "{}", stderr(out));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let folders = std::fs::read_dir(dir.join("results")).map_or(0, |d| d.count());
    assert_eq!(folders, finished_before, "a pending run wrote a run folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_exit_resume_collect_gives_the_interactive_predictions_at_the_batch_price() {
    let server = FakeServer::start(script(false)).await;
    let online_dir = tempfile::tempdir().expect("tempdir");
    let online = run(&config(online_dir.path(), &server.url, false), &[]).await;
    assert!(online.status.success(), "{}", stderr(&online));
    let jobs = server.requests();
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 1,
        ..BatchBehaviour::default()
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true);
    let first = run(&config, &[]).await;
    assert_pending(&first, dir.path(), 0);
    assert!(stderr(&first).contains("submitted, "), "{}", stderr(&first));
    assert_eq!(
        (server.batches_created(), server.batch_lines_uploaded()),
        (1, jobs as usize)
    );
    // Still running: says so with its counts, and exits again.
    let second = run(&config, &[]).await;
    assert_pending(&second, dir.path(), 0);
    assert!(
        stderr(&second).contains("in_progress, 0 of"),
        "{}",
        stderr(&second)
    );
    // Finished: collected, the run completes from the cache.
    let third = run(&config, &[]).await;
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(stderr(&third).contains("completed: "), "{}", stderr(&third));
    assert_eq!(
        server.requests(),
        jobs,
        "a batch model sent interactive requests"
    );
    let (a, b) = (predictions(&online), predictions(&third));
    assert_eq!(a.len(), b.len());
    for (lead, p) in &a {
        let q = &b[lead];
        assert_eq!(
            (p.status, p.lead_score, p.lead_label),
            (q.status, q.lead_score, q.lead_label)
        );
        let (full, batch) = (p.cost_usd.expect("cost"), q.cost_usd.expect("cost"));
        assert!(
            (batch - full * 0.5).abs() < 1e-12,
            "{lead}: {batch} vs {full}"
        );
    }
    // One cost everywhere: the run that collected the batch paid for its answers.
    let paid: f64 = b.values().filter_map(|p| p.cost_usd).sum();
    assert!(paid > 0.0);
    assert!(b.values().all(|p| !p.cached), "collected now, not cached");
    assert!(
        (llm_cost(&third) - paid).abs() < 1e-9,
        "run.json says {}",
        llm_cost(&third)
    );
    // An unchanged re-run submits nothing, and pays nothing.
    let again = run(&config, &[]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.batches_created(), 1);
    assert_eq!(llm_cost(&again), 0.0);
    assert!(predictions(&again).values().all(|p| p.cached));
}

/// `llm.cost_usd` of the run.json of the run that printed `out`.
fn llm_cost(out: &Output) -> f64 {
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(text.lines().last().expect("run dir").trim());
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("run.json"))
            .expect("JSON");
    run["llm"]["cost_usd"].as_f64().expect("llm.cost_usd")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_polls_until_the_batch_is_done_and_finishes_the_run() {
    let server = FakeServer::start(script(false)).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 3,
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        &config(dir.path(), &server.url, false),
        &["--batch", "--wait"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("in_progress"), "{}", stderr(&out));
    assert_eq!(server.batches_created(), 1);
    assert_eq!(server.requests(), 0);
    // Answered through the batch in this very run: paid now, so not "cached".
    assert!(
        predictions(&out)
            .values()
            .all(|p| p.status == Status::Ok && !p.cached)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_batch_keeps_its_half_and_the_rest_is_sent_again() {
    for listed in [true, false] {
        let server = FakeServer::start(script(false)).await;
        server.set_batch_behaviour(BatchBehaviour {
            polls_before_done: 0,
            ending: Ending::Expired { listed },
            ..BatchBehaviour::default()
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), &server.url, true);
        assert_pending(&run(&config, &[]).await, dir.path(), 0);
        let jobs = server.batch_lines_uploaded();
        server.set_batch_behaviour(BatchBehaviour {
            polls_before_done: 0,
            ..BatchBehaviour::default()
        });
        // Collects the expired batch and submits the half it did not do.
        let second = run(&config, &[]).await;
        assert_pending(&second, dir.path(), 0);
        assert!(
            stderr(&second).contains(&format!(
                "expired: {} answered, 0 failed, {} to send again",
                jobs / 2,
                jobs - jobs / 2
            )),
            "{}",
            stderr(&second)
        );
        assert_eq!(server.batches_created(), 2);
        assert_eq!(server.batch_lines_uploaded(), jobs + (jobs - jobs / 2));
        let third = run(&config, &[]).await;
        assert!(third.status.success(), "{}", stderr(&third));
        let preds = predictions(&third);
        assert_eq!(preds.len(), jobs);
        assert!(
            preds.values().all(|p| p.status == Status::Ok),
            "listed = {listed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_file_lines_and_failed_batches_become_recorded_outcomes() {
    let (server, dir, refusing) = batch_setup(
        true,
        BatchBehaviour {
            polls_before_done: 0,
            ..BatchBehaviour::default()
        },
    )
    .await;
    assert_pending(&run(&refusing, &[]).await, dir.path(), 0);
    let done = run(&refusing, &[]).await;
    assert!(done.status.success(), "{}", stderr(&done));
    let preds = predictions(&done);
    let refused: Vec<&Prediction> = preds
        .values()
        .filter(|p| p.status == Status::ApiError)
        .collect();
    assert!(!refused.is_empty() && refused.len() < preds.len());
    assert!(
        refused
            .iter()
            .all(|p| p.error.contains("status 400") && p.error.contains("refuses")),
        "{:?}",
        refused[0]
    );
    // Used up: the next run submits the refused ones again (and only those).
    let lines = server.batch_lines_uploaded();
    assert_pending(&run(&refusing, &[]).await, dir.path(), 1);
    assert_eq!(server.batch_lines_uploaded(), lines + refused.len());

    // A batch that fails validation: every request of it fails with the reason; exit 1 as
    // the scorer has no parsed prediction.
    let (_server, dir, failing) = batch_setup(
        false,
        BatchBehaviour {
            polls_before_done: 0,
            ending: Ending::Failed,
            ..BatchBehaviour::default()
        },
    )
    .await;
    assert_pending(&run(&failing, &[]).await, dir.path(), 0);
    let failed = run(&failing, &[]).await;
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        predictions(&failed)
            .values()
            .all(|p| p.status == Status::ApiError && p.error.contains("refused the file"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bench_killed_while_creating_the_batch_submits_nothing_twice() {
    let (server, _dir, config) = batch_setup(
        false,
        BatchBehaviour {
            polls_before_done: 0,
            create_delay: Duration::from_secs(60),
            ..BatchBehaviour::default()
        },
    )
    .await;
    kill_when(
        &config,
        &[],
        || server.batches_created() > 0,
        "no batch was created",
    )
    .await;
    // The batch exists remotely; bench never heard its id.
    // Other tools' batches come after it: it is on the third page of the provider's list.
    server.add_other_batches(250);
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let out = run(&config, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.batches_created(), 1, "the batch was submitted twice");
    assert!(predictions(&out).values().all(|p| p.status == Status::Ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bench_killed_while_waiting_loses_nothing_and_the_next_run_collects() {
    let (server, dir, config) = batch_setup(
        false,
        BatchBehaviour {
            polls_before_done: 40,
            ..BatchBehaviour::default()
        },
    )
    .await;
    kill_when(
        &config,
        &["--wait"],
        || server.batch_polls() >= 3,
        "bench never polled its batch",
    )
    .await;

    let pending = run(&config, &[]).await;
    assert_pending(&pending, dir.path(), 0);
    let out = run(&config, &["--wait"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.batches_created(), 1, "the batch was submitted twice");
    assert_eq!(server.requests(), 0, "a job was sent interactively");
    let predictions = predictions(&out);
    assert_eq!(predictions.len(), server.batch_lines_uploaded());
    assert!(predictions.values().all(|p| p.status == Status::Ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_requests_than_batch_max_requests_go_out_as_several_batches() {
    let (server, _dir, config) = batch_setup(
        false,
        BatchBehaviour {
            polls_before_done: 0,
            ..BatchBehaviour::default()
        },
    )
    .await;
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace("batch_poll_s", "batch_max_requests = 7\nbatch_poll_s");
    std::fs::write(&config, text).expect("config");

    let out = run(&config, &["--wait"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let predictions = predictions(&out);
    let lines = server.batch_lines_uploaded();
    assert_eq!(lines, predictions.len());
    assert!(
        lines > 14,
        "the test needs three batches; it has {lines} requests"
    );
    assert_eq!(server.batches_created() as usize, lines.div_ceil(7));
    assert_eq!(
        stderr(&out).matches("submitted, 7 requests").count(),
        lines / 7,
        "{}",
        stderr(&out)
    );
    assert_eq!(server.requests(), 0);
    assert!(predictions.values().all(|p| p.status == Status::Ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_created_without_a_readable_answer_is_found_not_submitted_again() {
    let (server, dir, config) = batch_setup(
        false,
        BatchBehaviour {
            polls_before_done: 0,
            create_fails: true,
            ..BatchBehaviour::default()
        },
    )
    .await;
    let first = run(&config, &[]).await;
    assert_pending(&first, dir.path(), 0);
    assert!(
        stderr(&first).contains("not confirmed"),
        "{}",
        stderr(&first)
    );
    assert_eq!(server.batches_created(), 1, "POST /batches was retried");

    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let out = run(&config, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.batches_created(), 1, "the batch was submitted twice");
    assert_eq!(server.requests(), 0);
    let predictions = predictions(&out);
    assert_eq!(predictions.len(), server.batch_lines_uploaded());
    assert!(predictions.values().all(|p| p.status == Status::Ok));
}
