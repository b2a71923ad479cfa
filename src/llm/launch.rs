//! Starting a model's own server for a run (the `launch` key of `[[models]]`) when its
//! `base_url` does not answer yet, and stopping it when the run is over.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::model::ModelSettings;

/// A server process started by [`ensure_up`]; dropping it stops the whole process group.
#[derive(Debug)]
pub struct LaunchedServer {
    child: Child,
}

impl Drop for LaunchedServer {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        // The server may have children (an installer, the interpreter it execs): signal the
        // group, give it a moment to exit cleanly, then make sure.
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// `GET {base_url}/models` of `model`: free on every OpenAI-compatible server, and the way
/// `bench validate` and the launcher tell whether a server is up. The model's key, when its
/// variable is set, is sent (never shown). Returns the URL asked and the HTTP status or the
/// transport error.
pub async fn probe_models(
    client: &reqwest::Client,
    model: &ModelSettings,
) -> (String, Result<reqwest::StatusCode, reqwest::Error>) {
    let url = models_url(model);
    let mut req = client.get(&url);
    if let Some(key) = model.key_source().key() {
        req = req.bearer_auth(key.expose());
    }
    let status = req.send().await.map(|r| r.status());
    (url, status)
}

fn models_url(model: &ModelSettings) -> String {
    format!("{}/models", model.base_url)
}

/// [`models_url`] as messages show it: without credentials.
fn shown_models_url(model: &ModelSettings) -> String {
    super::secret::mask_url_credentials(&models_url(model)).into_owned()
}

async fn answers(client: &reqwest::Client, model: &ModelSettings) -> bool {
    probe_models(client, model)
        .await
        .1
        .is_ok_and(|status| status.is_success())
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// Makes sure the model's server answers `GET {base_url}/models`, running its `launch`
/// command from `cwd` (output to `log`) when it does not. `Ok(None)`: nothing was started.
/// The error says what failed and exactly what to run by hand.
pub async fn ensure_up(
    model: &ModelSettings,
    cwd: &Path,
    log: &Path,
    mut notify: impl FnMut(String),
) -> Result<Option<LaunchedServer>, String> {
    let Some(argv) = &model.launch else {
        return Ok(None);
    };
    let url = shown_models_url(model);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .redirect(super::client::same_origin_redirects())
        .build()
        .map_err(|e| format!("model {}: cannot build an HTTP client: {e}", model.name))?;
    if answers(&client, model).await {
        return Ok(None);
    }
    let by_hand = format!(
        "start it yourself (from {}): {} — then run again",
        cwd.display(),
        argv.join(" ")
    );
    let out = File::create(log).map_err(|e| format!("{}: cannot create: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: cannot open: {e}", log.display()))?;
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| {
            format!(
                "model {}: cannot run launch command `{}`: {e}; {by_hand}",
                model.name, argv[0]
            )
        })?;
    let mut server = LaunchedServer { child };
    notify(format!(
        "model {}: {url} does not answer; started `{}` (log: {}); waiting up to {} s",
        model.name,
        argv.join(" "),
        log.display(),
        model.launch_timeout.as_secs()
    ));
    let started = Instant::now();
    let mut next_note = Duration::from_secs(60);
    loop {
        if answers(&client, model).await {
            notify(format!(
                "model {}: server up after {:.1} s",
                model.name,
                started.elapsed().as_secs_f64()
            ));
            return Ok(Some(server));
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!(
                "model {}: launch command exited ({status}) before {url} answered; last lines of {}:\n{}\n{by_hand}",
                model.name,
                log.display(),
                log_tail(log)
            ));
        }
        let waited = started.elapsed();
        if waited >= model.launch_timeout {
            drop(server);
            return Err(format!(
                "model {}: {url} did not answer within {} s of launching; {by_hand}",
                model.name,
                model.launch_timeout.as_secs()
            ));
        }
        if waited >= next_note {
            notify(format!(
                "model {}: still waiting for the server ({} s; installing it the first time takes several minutes)",
                model.name,
                waited.as_secs()
            ));
            next_note += Duration::from_secs(60);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
