//! A template file of two blocks, `{% block system %}` and `{% block user %}`, each rendered
//! alone, trimmed, with runs of blank lines folded into one: the prompt templates of the LLM
//! scorers ([`super::PromptTemplate`]) and of `bench generate --rewrite-with` are both made of
//! one. Undefined names are errors, a render has a bounded amount of work, and every error
//! names the file and line.

use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, syntax::SyntaxConfig};
use serde::Serialize;

/// Work one render of a template may do, in minijinja's fuel: one unit an instruction, and
/// one for every 64 bytes of string or list it builds. The shipped templates take a few
/// thousand (161 to 1,833 with six examples); a loop that never ends or a string that doubles itself runs out long before it
/// takes noticeable time or memory (at most about 64 MB of data).
pub const TEMPLATE_FUEL: u64 = 1_000_000;

/// Longest rendered message (system or user), in bytes: far beyond any model's context, so
/// that only a template gone wrong reaches it.
pub const MAX_RENDERED_BYTES: usize = 1 << 20;

/// A template that could not be read, compiled or rendered; the message names file and line.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("{}: cannot read template: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Template {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

impl PromptError {
    /// The template line the error points at, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            PromptError::Io { .. } => None,
            PromptError::Template { line, .. } => *line,
        }
    }
}

/// The two messages of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedPrompt {
    pub system: String,
    pub user: String,
}

/// A compiled template of a system and a user block.
#[derive(Debug)]
pub struct BlockTemplate {
    path: PathBuf,
    env: Environment<'static>,
    /// The text the template was compiled from.
    source: String,
}

impl BlockTemplate {
    /// Reads and compiles the template at `path`.
    pub fn load(path: &Path) -> Result<Self, PromptError> {
        let source = crate::input::read_text_file(path).map_err(|source| PromptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::compile(path, source)
    }

    /// Compiles template text already in memory; `path` names it in errors.
    pub fn compile(path: &Path, source: String) -> Result<Self, PromptError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_debug(true);
        env.set_fuel(Some(TEMPLATE_FUEL));
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid");
        env.set_syntax(syntax);
        env.add_filter("untrusted", untrusted);
        let mut template = BlockTemplate {
            path: path.to_path_buf(),
            env,
            source: String::new(),
        };
        template
            .env
            .add_template_owned(template.key(), source.clone())
            .map_err(|e| template.error(&e, &source))?;
        template.source = source;
        Ok(template)
    }

    fn key(&self) -> String {
        self.path.display().to_string()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The template's text, as it was read and compiled.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders both blocks with `ctx`.
    pub fn render(&self, ctx: impl Serialize) -> Result<RenderedPrompt, PromptError> {
        self.render_flagged(ctx, "").map(|(p, _)| p)
    }

    /// Renders both blocks with `ctx`; also returns whether the template set the top-level
    /// variable `flag` to a true value.
    pub fn render_flagged(
        &self,
        ctx: impl Serialize,
        flag: &str,
    ) -> Result<(RenderedPrompt, bool), PromptError> {
        let tmpl = self
            .env
            .get_template(&self.key())
            .map_err(|e| self.error(&e, ""))?;
        let source = tmpl.source();
        let mut captured = tmpl
            .render_captured(Serde(ctx))
            .map_err(|e| self.error(&e, source))?;
        let flagged =
            !flag.is_empty() && captured.state().lookup(flag).is_some_and(|v| v.is_true());
        let mut block = |name: &str| -> Result<String, PromptError> {
            captured
                .with_state_mut(|state| state.render_block(name))
                .map(|text| tidy(&text))
                .map_err(|e| {
                    if e.kind() == minijinja::ErrorKind::UnknownBlock {
                        return PromptError::Template {
                            path: self.path.clone(),
                            line: None,
                            message: format!(
                                "missing `{{% block {name} %}}…{{% endblock %}}`: a prompt \
                                 template defines a system and a user block"
                            ),
                        };
                    }
                    let mut err = self.error(&e, source);
                    if let PromptError::Template { message, .. } = &mut err {
                        *message = format!("block `{name}`: {message}");
                    }
                    err
                })
        };
        let system = block("system")?;
        let user = block("user")?;
        for (name, text) in [("system", &system), ("user", &user)] {
            if text.len() > MAX_RENDERED_BYTES {
                return Err(PromptError::Template {
                    path: self.path.clone(),
                    line: None,
                    message: format!(
                        "block `{name}` renders to {} bytes; expected at most {MAX_RENDERED_BYTES} \
                         (does a loop or a filter repeat more than intended?)",
                        text.len()
                    ),
                });
            }
        }
        Ok((RenderedPrompt { system, user }, flagged))
    }

    fn error(&self, e: &minijinja::Error, source: &str) -> PromptError {
        let mut message = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None if e.kind() == minijinja::ErrorKind::OutOfFuel => format!(
                "the template does more work than one prompt can need (over {TEMPLATE_FUEL} \
                 steps or about {} MB of text): a loop that does not end, or a string that \
                 keeps growing?",
                TEMPLATE_FUEL * 64 / 1_000_000
            ),
            None => e.kind().to_string(),
        };
        if let Some(snippet) = e.range().and_then(|r| source.get(r))
            && !snippet.trim().is_empty()
            && snippet.len() <= 80
        {
            message.push_str(&format!(" (at `{}`)", snippet.trim()));
        }
        PromptError::Template {
            path: self.path.clone(),
            line: e.line(),
            message,
        }
    }
}

/// Trims a rendered block and folds runs of blank lines into one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The `untrusted` filter: form data may not open or close the tags that fence it in.
fn untrusted(value: String) -> String {
    value.replace('<', "‹").replace('>', "›")
}
