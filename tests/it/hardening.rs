//! Issue 19's hostile servers and unlucky users, end to end through the `bench` binary: a key
//! echoed JSON-escaped, percent-encoded, in base64 or cut short (interactive and batch); a
//! provider error of megabytes copied into no job; a batch output line over the answer cap;
//! an output file that cannot be downloaded; forgetting open batches.

use crate::support::cli::output;
use crate::support::fake_openai;
use crate::support::files::all_text_under;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use fake_openai::{BatchBehaviour, Ending, FakeServer, OutputFile, Reply, Seen};
use lead_bench::prediction::{Prediction, Status, read_predictions_csv};

const KEY: &str = "sk-redteam/SECRET+123";
const KEY_VAR: &str = "LEAD_BENCH_ECHOED_KEY";
const GOOD: &str = r#"{"lead_score": 80, "lead_label": "high", "justification": "ok"}"#;

/// A config of one fake model (`batch` or interactive) with `extra` model keys, 20 test leads.
fn config(dir: &Path, url: &str, batch: bool, extra: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts/zero_shot.j2");
    let text = format!(
        "[run]\nname = \"h\"\nresults_dir = \"results\"\ncache = \"cache.sqlite\"\n\
         [dataset.generate]\nn = 50\nseed = 8\ntest_fraction = 0.4\n\
         [baselines]\nheuristic = false\nlearned = false\n\
         [[models]]\nname = \"fake\"\nmodel = \"fake-model\"\nbase_url = \"{url}\"\n\
         structured_output = \"json_object\"\nmax_retries = 0\nbatch = {batch}\nbatch_poll_s = 0.05\n\
         {extra}\n\
         [[prompts]]\nname = \"zero_shot\"\npath = {:?}\n",
        p.display().to_string()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

async fn bench(config: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(args).arg("--config").arg(config).env(KEY_VAR, KEY);
    output(cmd).await
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn predictions(out: &Output) -> Vec<Prediction> {
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(text.lines().last().expect("run dir").trim());
    read_predictions_csv(&dir.join("predictions.csv")).expect("predictions")
}

/// Total size of the files under `dir`.
fn size_under(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let meta = entry.metadata().expect("metadata");
        total += if meta.is_dir() {
            size_under(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

/// Fails when `text` holds any trace of the key the echoing server sends: its letters
/// `redte…` (in every echo the server escapes only punctuation), or its base64.
fn assert_no_key(text: &str, what: &str) {
    let lower = text.to_lowercase();
    for trace in ["redte", "secret+1", "secret%2b"] {
        if let Some(i) = lower.find(trace) {
            let from = lower.floor_char_boundary(i.saturating_sub(200));
            let to = lower.ceil_char_boundary((i + 200).min(lower.len()));
            panic!("{what} holds {trace:?}: …{}…", &lower[from..to]);
        }
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(KEY);
    assert!(!text.contains(&b64[4..16]), "{what} holds the key's base64");
}

/// The key as a hostile server echoes it, in every form it knows, within one answer.
fn echoes() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("Bearer {KEY}"));
    vec![
        r"sk-redteam\/SECRET+123".into(),
        r"sk\u002dredteam\/SECRET\u002b123".into(),
        "sk%2Dredteam%2FSECRET%2B123".into(),
        "SK-REDTEAM/SECRET+123".into(),
        "sk-redte".into(),
        "sk-redteam/SECRE".into(),
        b64,
    ]
}

/// Answers that carry the key: in the justification (JSON-escaped inside the content), in
/// fields beside the answer, and in a 400 error body.
fn echoing_script(seen: &Seen) -> Reply {
    let h = seen
        .user
        .bytes()
        .fold(0u32, |a, b| a.wrapping_add(u32::from(b)));
    let echoes = echoes();
    let echo = &echoes[h as usize % echoes.len()];
    match h % 3 {
        0 => Reply::raw(
            400,
            &format!(r#"{{"error": {{"message": "bad key {echo}", "type": "invalid"}}}}"#),
        ),
        1 => Reply::raw(
            200,
            &format!(
                r#"{{"echo": "{echo}", "choices": [{{"message": {{"content": "{{\"lead_score\": 70, \"lead_label\": \"medium\", \"justification\": \"key {}\"}}"}}, "finish_reason": "stop"}}]}}"#,
                echo.replace('\\', "\\\\\\\\")
            ),
        ),
        _ => Reply::raw(
            200,
            &format!(
                r#"{{"choices": [{{"message": {{"content": "{{\"lead_score\": 20, \"lead_label\": \"low\", \"justification\": \"{}\"}}"}}, "finish_reason": "stop"}}], "note": "{echo}"}}"#,
                echo.replace('\\', "\\\\")
            ),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_echoed_escaped_encoded_or_cut_is_in_no_file_cache_or_stderr() {
    let server = FakeServer::start(echoing_script).await;
    let extra = format!("api_key_env = \"{KEY_VAR}\"\nconcurrency = 2");
    for batch in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), &server.url, batch, &extra);
        let args: &[&str] = if batch {
            &["run", "--quiet", "--wait"]
        } else {
            &["run", "--quiet"]
        };
        let out = bench(&config, args).await;
        assert!(out.status.success(), "batch {batch}: {}", stderr(&out));
        let got = predictions(&out);
        assert!(
            got.iter().any(|p| p.status == Status::ApiError),
            "batch {batch}"
        );
        assert!(
            got.iter()
                .any(|p| p.justification.contains(lead_bench::llm::REDACTED)),
            "batch {batch}: no justification carried the key"
        );
        assert_no_key(&stderr(&out), &format!("stderr (batch {batch})"));
        assert_no_key(
            &all_text_under(dir.path()),
            &format!("the folder (batch {batch})"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_error_is_stored_as_an_excerpt_not_once_per_job() {
    // Interactively: a 1 MB 401 message stops the model; every job's reason quotes it.
    let huge = "x".repeat(1 << 20);
    let message = huge.clone();
    let server = FakeServer::start(move |_| Reply::error(401, &message)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bench(
        &config(dir.path(), &server.url, false, ""),
        &["run", "--quiet"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).len() < 20_000,
        "{} bytes on stderr",
        stderr(&out).len()
    );
    assert!(
        size_under(dir.path()) < 1 << 20,
        "{} bytes written",
        size_under(dir.path())
    );

    // A batch that fails validation with a 3.9 MB reason.
    let server = FakeServer::start(|_| Reply::answer("{}")).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ending: Ending::Failed,
        failure_message: "y".repeat(3_900_000),
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bench(
        &config(dir.path(), &server.url, true, ""),
        &["run", "--quiet", "--wait"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = predictions(&out);
    assert!(got.len() >= 19, "{} jobs", got.len());
    for p in &got {
        assert_eq!(p.status, Status::ApiError);
        assert!(p.error.contains("failed: "), "{}", p.error);
        assert!(p.error.len() < 2_000, "{} bytes of error", p.error.len());
    }
    assert!(
        size_under(dir.path()) < 2 << 20,
        "{} bytes written",
        size_under(dir.path())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_output_line_over_the_answer_cap_fails_its_job_alone() {
    let big = format!(
        r#"{{"lead_score": 50, "lead_label": "medium", "justification": "{}"}}"#,
        "z".repeat(3 << 20)
    );
    let server = FakeServer::start(move |seen: &Seen| {
        if seen.index == 0 {
            Reply::answer(&big)
        } else {
            Reply::answer(r#"{"lead_score": 80, "lead_label": "high", "justification": "ok"}"#)
        }
    })
    .await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true, "max_response_bytes = 65536");
    let out = bench(&config, &["run", "--quiet", "--wait"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let got = predictions(&out);
    let failed: Vec<&Prediction> = got.iter().filter(|p| p.status != Status::Ok).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].error.contains("more than max_response_bytes"),
        "{}",
        failed[0].error
    );
    assert!(
        size_under(dir.path()) < 2 << 20,
        "{} bytes",
        size_under(dir.path())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_file_that_cannot_be_downloaded_fails_its_jobs_after_three_tries() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        output: OutputFile::Missing,
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true, "");
    let submitted = bench(&config, &["run", "--quiet"]).await;
    assert_eq!(submitted.status.code(), Some(75), "{}", stderr(&submitted));
    for try_no in 1..=2 {
        let out = bench(&config, &["run", "--quiet"]).await;
        assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(
            said.contains("results not downloaded")
                && said.contains(&format!("try {try_no} of 3"))
                && said.contains("404"),
            "{said}"
        );
        assert!(!said.contains("submitted"), "{said}");
    }
    let out = bench(&config, &["run", "--quiet"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = predictions(&out);
    assert!(!got.is_empty());
    for p in &got {
        assert_eq!(p.status, Status::ApiError);
        assert!(p.error.contains("not downloaded in 3 tries"), "{}", p.error);
    }
    assert_eq!(server.batches_created(), 1);
    // The run after submits them again, as any recorded failure.
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let again = bench(&config, &["run", "--quiet", "--wait"]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.batches_created(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_cache_keeps_open_batches_unless_told_and_then_forgets_them() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 1_000,
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true, "");
    let submitted = bench(&config, &["run", "--quiet"]).await;
    assert_eq!(submitted.status.code(), Some(75), "{}", stderr(&submitted));

    let cleared = bench(&config, &["clear-cache"]).await;
    assert!(cleared.status.success(), "{}", stderr(&cleared));
    assert!(
        stderr(&cleared).contains("1 open batches kept"),
        "{}",
        stderr(&cleared)
    );
    let still = bench(&config, &["run", "--quiet"]).await;
    assert_eq!(still.status.code(), Some(75));
    assert_eq!(server.batches_created(), 1);

    let forgot = bench(&config, &["clear-cache", "--batches"]).await;
    assert!(forgot.status.success(), "{}", stderr(&forgot));
    assert!(
        String::from_utf8_lossy(&forgot.stdout).contains("forgot 1 open batches"),
        "{}",
        String::from_utf8_lossy(&forgot.stdout)
    );
    assert!(
        stderr(&forgot).contains("cancel it there"),
        "{}",
        stderr(&forgot)
    );
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let fresh = bench(&config, &["run", "--quiet", "--wait"]).await;
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert_eq!(server.batches_created(), 2);
}

/// `bench run --out <dir>/run` on `config`, as a child process to kill.
fn run_into(config: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
    cmd.args(["run", "--quiet", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_midway_is_finished_by_the_same_command() {
    let server =
        FakeServer::start(|_| Reply::answer(GOOD).delayed(std::time::Duration::from_millis(150)))
            .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "concurrency = 1");
    let out = dir.path().join("run");
    let mut child = run_into(&config, &out, &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while server.requests() < 4 {
        assert!(started.elapsed().as_secs() < 30, "bench sent nothing");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let claim = std::fs::read_to_string(out.join("run.json")).expect("the claim");
    assert!(claim.contains("\"state\": \"running\""), "{claim}");

    // The same command finishes it, taking what was answered from the cache.
    let again = output(run_into(&config, &out, &[])).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("finishing the run"),
        "{}",
        stderr(&again)
    );
    let got = read_predictions_csv(&out.join("predictions.csv")).expect("predictions");
    assert_eq!(got.len(), 25, "every test lead of the seeded dataset");
    assert!(got.iter().filter(|p| p.cached).count() >= 3);
    assert!(got.iter().all(|p| p.status == Status::Ok));
    let run_json = std::fs::read_to_string(out.join("run.json")).expect("run.json");
    assert!(run_json.contains("\"state\": \"finished\""), "{run_json}");

    // Finished: the same command is refused, --overwrite replaces it.
    let refused = output(run_into(&config, &out, &[])).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--overwrite"),
        "{}",
        stderr(&refused)
    );
    let replaced = output(run_into(&config, &out, &["--overwrite"])).await;
    assert!(replaced.status.success(), "{}", stderr(&replaced));

    // A claim whose process is alive (this test's) is not taken over without --overwrite.
    let live = dir.path().join("live");
    std::fs::create_dir(&live).expect("mkdir");
    let claim = format!(
        r#"{{"state": "running", "pid": {}, "run_id": "x", "started": "now"}}"#,
        std::process::id()
    );
    std::fs::write(live.join("run.json"), claim).expect("write");
    let busy = output(run_into(&config, &live, &[])).await;
    assert_eq!(busy.status.code(), Some(2), "{}", stderr(&busy));
    assert!(
        stderr(&busy).contains("is writing this run now"),
        "{}",
        stderr(&busy)
    );
    let forced = output(run_into(&config, &live, &["--overwrite"])).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_cache_fails_the_run_before_its_folder_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "");
    let first = output(run_into(&config, &dir.path().join("first"), &[])).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let cache = dir.path().join("cache.sqlite");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // Root writes to read-only files: the run goes as an unprivileged user instead.
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_bench"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_bench"))
    };
    let second = dir.path().join("second");
    cmd.args(["run", "--quiet", "--no-cache", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&second);
    // First with --no-cache, as a check that the user can run at all.
    let allowed = output(cmd).await;
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let mut cmd = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_bench"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_bench"))
    };
    let third = dir.path().join("third");
    cmd.args(["run", "--quiet", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&third);
    let refused = output(cmd).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("readonly"),
        "{}",
        stderr(&refused)
    );
    assert!(!third.exists(), "the run folder was written");
}

/// Starts `bench run` on `config` in the background.
fn spawn_run(config: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["run", "--quiet", "--config"])
        .arg(config)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn bench")
}

async fn finish(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_cache_send_each_request_once() {
    let server =
        FakeServer::start(|_| Reply::answer(GOOD).delayed(std::time::Duration::from_millis(20)))
            .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "concurrency = 4");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text.replace("n = 50", "n = 250")).expect("config");
    let (a, b) = (spawn_run(&config, &[]), spawn_run(&config, &[]));
    let (a, b) = (finish(a).await, finish(b).await);
    let mut jobs = Vec::new();
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", stderr(out));
        let got = predictions(out);
        assert!(got.iter().all(|p| p.status == Status::Ok));
        jobs.push(got.len() as u64);
    }
    assert_eq!(jobs[0], jobs[1]);
    assert!(jobs[0] > 90, "{} jobs", jobs[0]);
    assert_eq!(server.requests(), jobs[0], "a request was sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_while_another_uploads_its_batch_does_not_submit_it_again() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        upload_delay: std::time::Duration::from_secs(3),
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true, "");
    let first = spawn_run(&config, &[]);
    // The first run has recorded its batch and is uploading.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let second = bench(&config, &["run", "--quiet"]).await;
    assert_eq!(second.status.code(), Some(75), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("being submitted by"),
        "{}",
        stderr(&second)
    );
    let first = finish(first).await;
    assert_eq!(first.status.code(), Some(75), "{}", stderr(&first));
    assert_eq!(server.batches_created(), 1);
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 0,
        ..BatchBehaviour::default()
    });
    let collected = bench(&config, &["run", "--quiet", "--wait"]).await;
    assert!(collected.status.success(), "{}", stderr(&collected));
    assert_eq!(server.batches_created(), 1, "the batch was submitted twice");
    assert_eq!(server.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_that_cannot_grow_stops_the_run_with_exit_1_and_one_warning() {
    // Every answer's raw body carries 8 KB the cache keeps; the process may write files of
    // at most 512 KiB (ulimit -f, its signal ignored so that writes fail with EFBIG).
    let pad = "p".repeat(8_000);
    let server = FakeServer::start(move |_| {
        Reply::raw(
            200,
            &serde_json::json!({"pad": pad, "choices": [{"message": {"content": GOOD}}]})
                .to_string(),
        )
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "concurrency = 2");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text.replace("n = 50", "n = 250")).expect("config");
    let mut cmd = Command::new("bash");
    cmd.args(["-c", "trap '' XFSZ; ulimit -f 512; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_bench"))
        .args(["run", "--quiet", "--config"])
        .arg(&config);
    let out = output(cmd).await;
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    // Said once as it happens (whichever write failed first: an answer or a lease), and
    // once as the run's error.
    assert!(said.contains("no new requests are sent"), "{said}");
    assert_eq!(
        said.matches("answer cache").count(),
        2,
        "the failure was repeated: {said}"
    );
    assert!(
        server.requests() < 90,
        "{} requests sent",
        server.requests()
    );
    assert!(server.requests() > 5, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_waiting_for_a_batch_exits_143() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    server.set_batch_behaviour(BatchBehaviour {
        polls_before_done: 1_000,
        ..BatchBehaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, true, "");
    let child = spawn_run(&config, &["--wait"]);
    let started = std::time::Instant::now();
    while server.batch_polls() < 2 {
        assert!(started.elapsed().as_secs() < 30, "bench never polled");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = finish(child).await;
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_only_pattern_that_matches_nothing_is_warned_about_beside_one_that_does() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "");
    let out = bench(
        &config,
        &["run", "--quiet", "--only", "llm/fake", "--only", "zzz"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--only zzz matches none of the scorers"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("--only llm/fake matches none"));

    // `bench compare --out` never writes into a run folder.
    let run_dir = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("run dir")
            .trim(),
    );
    let mut compare = Command::new(env!("CARGO_BIN_EXE_bench"));
    compare
        .arg("compare")
        .arg(&run_dir)
        .arg(&run_dir)
        .arg("--out")
        .arg(&run_dir);
    let refused = output(compare).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("is a bench run folder"),
        "{}",
        stderr(&refused)
    );
    assert!(!run_dir.join("compare.md").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_refuses_planted_links_and_unfinished_runs() {
    let server = FakeServer::start(|_| Reply::answer(GOOD)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), &server.url, false, "");
    let run_dir = dir.path().join("run");
    let out = output(run_into(&config, &run_dir, &[])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let report = |d: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bench"));
        cmd.arg("report").arg(d);
        output(cmd)
    };
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    for (file, target) in [
        ("predictions.csv", Path::new("/dev/zero")),
        ("run.json", fifo.as_path()),
        ("dataset.csv", Path::new("/dev/zero")),
    ] {
        let planted = dir.path().join(format!("planted-{file}"));
        copy_dir(&run_dir, &planted);
        std::fs::remove_file(planted.join(file)).expect("remove");
        std::os::unix::fs::symlink(target, planted.join(file)).expect("symlink");
        let refused = report(&planted).await;
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{file}: {}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).contains("not a regular file"),
            "{file}: {}",
            stderr(&refused)
        );
    }
    // A run whose run.json still says running (killed, or going on).
    let json = std::fs::read_to_string(run_dir.join("run.json")).expect("run.json");
    let running = json.replace("\"state\": \"finished\"", "\"state\": \"running\"");
    assert_ne!(json, running);
    std::fs::write(run_dir.join("run.json"), running).expect("write");
    let refused = report(&run_dir).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("the run did not finish"),
        "{}",
        stderr(&refused)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}
