//! `bench generate --rewrite-with`, against the loopback fake: every lead keeps its fields
//! but the message; the guard's rejections keep the template message and are counted by
//! reason in the sidecar; a second generate reads the answers from the cache (only the
//! failed request is sent again) and writes the same bytes; twins carry their lead's new
//! message; `--plan` writes nothing.

use crate::support::cli::bench;
use crate::support::fake_config::write_config;
use crate::support::fake_openai::{FakeServer, Reply, Seen};
use crate::support::files::{assert_success as ok, csv_rows, sidecar};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// The template message the shipped rewrite prompt hands the model.
fn template_message(user: &str) -> &str {
    let start = user.find("template message: ").expect("template line") + 18;
    user[start..].split("\n</lead>").next().expect("message")
}

/// Why a template message is kept, as the sidecar counts them.
const REASONS: [&str; 6] = [
    "unanswered",
    "unparsable",
    "length",
    "dropped_facts",
    "leaked_label_words",
    "moved_signals",
];

/// What the fake writes when it leaves out the numbers.
const NO_NUMBERS: &str = "Numbers aside: ";

const STUDENT: &str =
    "I am a student looking for an internship; could you send me your careers page?";

/// What the fake writes, by the template message's hash: mostly a kept rewrite (new words
/// around the message), and one of each kind the guard or the reader rejects.
fn rewrite(seen: &Seen) -> Reply {
    let message = template_message(seen.user);
    let h = message
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let high = seen.user.contains("need: a concrete, near-term need");
    let text = match h % 10 {
        0 => format!("{message} Honestly, this is a high-quality lead."),
        1 => "Hi".to_string(),
        2 => return Reply::answer("{\"message\": "),
        3 => return Reply::error(400, "the fake refuses this one"),
        4 if high => {
            // The numbers stay, so that only the signals have moved.
            let digits = message.split(|c: char| !c.is_ascii_digit());
            let kept: Vec<&str> = digits.filter(|d| !d.is_empty()).collect();
            format!("{STUDENT} ({})", kept.join(" "))
        }
        5 => format!(
            "{NO_NUMBERS}{}",
            message.replace(|c: char| c.is_ascii_digit(), "")
        ),
        _ => format!(
            "Salutations from our quayside procurement annex: {message} Warmest felicitations."
        ),
    };
    Reply::answer(&serde_json::json!({ "message": text }).to_string())
}

struct Setup {
    server: FakeServer,
    dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup() -> Setup {
    let server = FakeServer::start(rewrite).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &server.url, 200, true, "");
    Setup {
        server,
        dir,
        config,
    }
}

impl Setup {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    async fn generate(&self, out: &str, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "generate",
            "--config",
            &self.config.display().to_string(),
            "--out",
            &self.path(out).display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        bench(args).await
    }
}

fn by_id(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let (_, rows) = csv_rows(path);
    rows.into_iter()
        .map(|r| (r["lead_id"].clone(), r))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewrites_keep_every_field_but_the_message_and_the_guard_counts_what_it_rejects() {
    let s = setup().await;
    ok(&s.generate("plain.csv", &[]).await);
    let rewrite_args = ["--rewrite-with", "fake", "--quiet"];
    let out = s.generate("rewritten.csv", &rewrite_args).await;
    ok(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("rewrote "), "{said}");

    let plain = by_id(&s.path("plain.csv"));
    let rewritten = by_id(&s.path("rewritten.csv"));
    assert_eq!(plain.len(), rewritten.len());
    let mut changed = 0;
    for (id, row) in &rewritten {
        let before = &plain[id];
        for (column, value) in row {
            if column != "inbound_message" {
                assert_eq!(&before[column], value, "{id}: {column} kept");
            }
        }
        let (old, new) = (&before["inbound_message"], &row["inbound_message"]);
        if old != new {
            changed += 1;
            // The student's message moves a lead the heuristic placed medium only one band;
            // a message without numbers loses none.
            assert!(
                *new == format!(
                    "Salutations from our quayside procurement annex: {old} Warmest felicitations."
                ) || new.starts_with(STUDENT)
                    || *new == format!("{NO_NUMBERS}{old}"),
                "{id}: only a rewrite the guard keeps replaces a message: {new}"
            );
        }
    }

    let r = &sidecar(&s.path("rewritten.csv"))["rewrite"];
    let count = |k: &str| r["kept_template"][k].as_u64().expect(k);
    assert_eq!(r["model"], "fake");
    assert_eq!(r["asked"].as_u64(), Some(200));
    assert_eq!(r["rewritten"].as_u64(), Some(changed));
    let kept: u64 = REASONS.iter().map(|k| count(k)).sum();
    assert_eq!(changed + kept, 200);
    for k in REASONS {
        assert!(
            count(k) > 0,
            "{k}: every kind of rejection happens here: {r}"
        );
    }
    let types = |rows: &HashMap<String, HashMap<String, String>>| {
        let words = rows.values().flat_map(|r| {
            r["inbound_message"]
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        });
        words.collect::<std::collections::HashSet<_>>().len() as u64
    };
    assert_eq!(r["word_types_before"].as_u64(), Some(types(&plain)));
    assert_eq!(r["word_types_after"].as_u64(), Some(types(&rewritten)));
    assert!(sidecar(&s.path("plain.csv")).get("rewrite").is_none());

    // The same again: answers from the cache, only the refused requests sent again.
    let sent = s.server.requests();
    ok(&s.generate("again.csv", &rewrite_args).await);
    assert_eq!(
        s.server.requests() - sent,
        count("unanswered"),
        "only the failed requests are sent again"
    );
    assert_eq!(
        std::fs::read(s.path("again.csv")).expect("again"),
        std::fs::read(s.path("rewritten.csv")).expect("first"),
        "same seed, model and cache: the same bytes"
    );
    let again = &sidecar(&s.path("again.csv"))["rewrite"];
    assert_eq!(
        again["from_cache"].as_u64(),
        Some(200 - count("unanswered"))
    );
    assert_eq!(again["cost_usd"].as_f64(), Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twin_carries_its_leads_new_message_and_the_plan_writes_nothing() {
    let s = setup().await;
    let plan = s
        .generate("planned.csv", &["--rewrite-with", "fake", "--plan"])
        .await;
    ok(&plan);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("rewrite/fake"), "{text}");
    assert!(!s.path("planned.csv").exists(), "a plan writes nothing");
    assert_eq!(s.server.requests(), 0);

    // `bench plan --rewrite-with` plans the config's dataset: 200 leads to send, as JSON.
    let config = s.config.display().to_string();
    let plan_args = [
        "plan",
        "--json",
        "--config",
        &config,
        "--rewrite-with",
        "fake",
    ];
    let planned = bench(plan_args).await;
    ok(&planned);
    let json: Value = serde_json::from_slice(&planned.stdout).expect("plan json");
    assert_eq!(json["scorers"][0]["id"], "rewrite/fake");
    assert_eq!(json["to_send"].as_u64(), Some(200));
    assert_eq!(s.server.requests(), 0, "planning sends nothing");

    let args = [
        "--rewrite-with",
        "fake",
        "--quiet",
        "--twins",
        "injection=0.3",
    ];
    ok(&s.generate("twins.csv", &args).await);
    let r = &sidecar(&s.path("twins.csv"))["rewrite"];
    assert_eq!(
        r["asked"].as_u64(),
        Some(200),
        "twins are not asked: they take their lead's message"
    );
    assert_eq!(
        s.server.requests(),
        200,
        "one request a lead; the refused ones are not retried (400)"
    );
    let again = bench(plan_args).await;
    let json: Value = serde_json::from_slice(&again.stdout).expect("plan json");
    let refused = r["kept_template"]["unanswered"].as_u64().expect("count");
    assert_eq!(
        (json["cached"].as_u64(), json["to_send"].as_u64()),
        (Some(200 - refused), Some(refused)),
        "the answers are cached; the refused requests would be sent again"
    );
    let rows = by_id(&s.path("twins.csv"));
    let mut twins = 0;
    for (id, twin) in &rows {
        let Some(of) = id.strip_suffix("-inj") else {
            continue;
        };
        twins += 1;
        let lead = &rows[of]["inbound_message"];
        let payload = twin["inbound_message"].replacen(lead.as_str(), "", 1);
        assert!(
            twin["inbound_message"].contains(lead.as_str()) && payload.trim().len() > 10,
            "{id}: the twin's message is its lead's (rewritten or not) with a payload"
        );
    }
    assert!(twins > 20, "{twins}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_the_config_does_not_name_is_refused_with_the_list() {
    let s = setup().await;
    let out = s.generate("x.csv", &["--rewrite-with", "gpt-9"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no [[models]] entry named \"gpt-9\"") && err.contains("its models: fake"),
        "{err}"
    );
    assert!(!s.path("x.csv").exists());
    let no_config = bench(vec![
        "generate".into(),
        "--rewrite-with".into(),
        "fake".into(),
        "--out".into(),
        s.path("y.csv").display().to_string(),
    ])
    .await;
    assert_eq!(
        no_config.status.code(),
        Some(2),
        "--rewrite-with needs --config"
    );
    let bad_template = s.path("bad.j2");
    std::fs::write(
        &bad_template,
        "{% block system %}x{% endblock %}\n{% block user %}{{ lead.nope }}{% endblock %}",
    )
    .expect("write");
    let out = s
        .generate(
            "z.csv",
            &[
                "--rewrite-with",
                "fake",
                "--rewrite-prompt",
                &bad_template.display().to_string(),
            ],
        )
        .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.j2:2"),
        "the template's file and line: {err}"
    );
    assert_eq!(s.server.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_model_rewrites_through_its_batch_api_and_the_same_dataset_comes_out() {
    let s = setup().await;
    ok(&s
        .generate("interactive.csv", &["--rewrite-with", "fake", "--quiet"])
        .await);
    let interactive = s.server.requests();

    let server = FakeServer::start(rewrite).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &server.url,
        200,
        true,
        "batch = true\nbatch_poll_s = 0.05",
    );
    let out_path = dir.path().join("batched.csv");
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["generate", "--config", &config.display().to_string()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(["--out".to_string(), out_path.display().to_string()]);
        a.extend(
            ["--rewrite-with", "fake", "--quiet"]
                .iter()
                .map(|s| s.to_string()),
        );
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let submitted = bench(args(&[])).await;
    assert_eq!(
        submitted.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    assert!(
        !out_path.exists(),
        "nothing is written while the batch is open"
    );
    assert_eq!(server.batches_created(), 1);
    ok(&bench(args(&["--wait"])).await);
    assert_eq!(
        server.batches_created(),
        1,
        "the open batch is collected, not sent again"
    );
    assert_eq!(server.requests(), 0, "no interactive request");
    assert_eq!(
        std::fs::read(&out_path).expect("batched"),
        std::fs::read(s.path("interactive.csv")).expect("interactive"),
        "the batch API's answers make the same dataset"
    );
    assert!(interactive >= 200);
}
