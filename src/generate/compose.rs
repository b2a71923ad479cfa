//! The message composer: turns an archetype, a gold label, a difficulty and a latent
//! intent into an inbound message. Easy leads state several explicit signals; hard ones
//! state few, subtle or contradictory ones, so the text is evidence, not an answer key.

use std::fmt::Write as _;

use super::archetypes::Kind;
use super::draw::Draw;
use super::fills::*;
use super::i18n;
use super::names::{CITIES, Locale};
use super::phrases::*;
use crate::lead::{Difficulty, Label};

/// What the composer knows about the lead it writes for.
pub(crate) struct Ctx<'a> {
    pub(crate) kind: Kind,
    pub(crate) label: Label,
    pub(crate) difficulty: Difficulty,
    /// Latent intent in [0, 1): the position of the gold score inside its band.
    pub(crate) intent: f64,
    pub(crate) locale: Locale,
    pub(crate) co: &'a str,
    pub(crate) title: &'a str,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    /// Employee count, for numbers of seats and team sizes.
    pub(crate) size: u32,
    /// An individual: no company to introduce, whatever the company field says.
    pub(crate) personal: bool,
}

struct Composer<'a, 'b> {
    d: &'a mut Draw,
    ctx: &'a Ctx<'b>,
    out: &'a mut String,
    /// How readily optional signals are stated: difficulty and intent together.
    explicit: f64,
}

impl Composer<'_, '_> {
    fn say(&mut self, pool: Pool) {
        if !self.out.is_empty() {
            self.out.push(' ');
        }
        let tpl = self.d.pick(pool);
        self.expand(tpl);
    }

    /// States a signal with probability `p` scaled by the lead's explicitness.
    fn signal(&mut self, p: f64, pool: Pool) {
        if self.d.chance(p * self.explicit) {
            self.say(pool);
        }
    }

    /// Adds a sentence with probability `p`, whatever the explicitness; true if it did.
    fn maybe(&mut self, p: f64, pool: Pool) -> bool {
        let said = self.d.chance(p);
        if said {
            self.say(pool);
        }
        said
    }

    fn expand(&mut self, tpl: &str) {
        let mut rest = tpl;
        while let Some(open) = rest.find('{') {
            self.out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                self.out.push_str(&rest[open..]);
                return;
            };
            self.fill(&after[..close]);
            rest = &after[close + 1..];
        }
        self.out.push_str(rest);
    }

    fn fill(&mut self, key: &str) {
        let d = &mut *self.d;
        let text: &str = match key {
            "uc" => d.pick(USE_CASES),
            "team" => d.pick(TEAMS),
            "when" => d.pick(WHEN),
            "tool" | "tool2" => d.pick(TOOLS),
            "money" => d.pick(MONEY),
            "unit" => d.pick(UNITS),
            "season" => d.pick(SEASONS),
            "day" => d.pick(DAYS),
            "topic" => d.pick(TOPICS),
            "course" => d.pick(COURSES),
            "exam" => d.pick(EXAM),
            "role" => d.pick(ROLES),
            "cause" => d.pick(CAUSES),
            "client" => d.pick(CLIENTS),
            // The sender's own function when the title names one ("Head of Data" → data).
            "dept" => title_dept(self.ctx.title).unwrap_or_else(|| d.pick(DEPTS)),
            "product" => d.pick(PRODUCTS),
            "found" => d.pick(FOUND),
            "city" => d.pick(CITIES),
            "first" => self.ctx.first,
            "last" => self.ctx.last,
            "title" if !self.ctx.title.is_empty() => self.ctx.title,
            "title" => "the person looking into this",
            "co" if !self.ctx.co.is_empty() && !self.ctx.personal => self.ctx.co,
            "co" => "our company",
            "k" => {
                let k = d.range(2, 12);
                let _ = write!(self.out, "{k}");
                return;
            }
            "size" => {
                let _ = write!(self.out, "{}", self.ctx.size.max(2));
                return;
            }
            "seats" => {
                // A share of the company, rounded the way people round head counts.
                let share = 0.05 + d.unit() * 0.6;
                let raw = (f64::from(self.ctx.size.max(20)) * share).max(5.0) as u32;
                let seats = if raw >= 1000 {
                    raw / 100 * 100
                } else if raw >= 100 {
                    raw / 10 * 10
                } else {
                    raw
                };
                let _ = write!(self.out, "{seats}");
                return;
            }
            "vol" => {
                let n = d.range(2, 950);
                let _ = match d.below(3) {
                    0 => write!(self.out, "{n},000"),
                    1 => write!(self.out, "{n}k"),
                    _ => write!(self.out, "{} million", n % 9 + 1),
                };
                return;
            }
            other => {
                // Pools are static text, so an unknown key is a bug in this module;
                // `placeholders_are_all_filled` walks every pool to catch it.
                if cfg!(debug_assertions) {
                    panic!("unknown placeholder {{{other}}}");
                }
                other
            }
        };
        self.out.push_str(text);
    }
}

/// The department a title names, if it names one of [`DEPTS`].
fn title_dept(title: &str) -> Option<&'static str> {
    let words = || title.split(|c: char| !c.is_ascii_alphanumeric());
    DEPTS
        .iter()
        .copied()
        .find(|dept| !dept.contains(' ') && words().any(|w| w.eq_ignore_ascii_case(dept)))
}

/// Writes the message of one lead into `out` (which is cleared first).
pub(crate) fn compose(d: &mut Draw, ctx: &Ctx<'_>, out: &mut String) {
    out.clear();
    let explicit = match ctx.difficulty {
        Difficulty::Easy => 1.0,
        Difficulty::Medium => 0.6,
        Difficulty::Hard => 0.3,
    } * (0.7 + 0.6 * ctx.intent);
    let mut c = Composer {
        d,
        ctx,
        out,
        explicit,
    };
    if let Some(lang) = i18n::language(ctx.locale) {
        foreign(&mut c, lang);
    } else if ctx.kind == Kind::VagueOneLiner && ctx.label == Label::Low && c.d.chance(0.35) {
        one_word(&mut c);
        return;
    } else {
        english(&mut c);
    }
    if c.d.chance(0.06) {
        typo(c.d, c.out);
    }
    if c.d.chance(0.04) {
        c.out.make_ascii_lowercase();
    }
}

fn one_word(c: &mut Composer<'_, '_>) {
    let word = c.d.pick(ONE_WORDS);
    match c.d.below(4) {
        0 => {
            let mut chars = word.chars();
            if let Some(f) = chars.next() {
                c.out.push(f.to_ascii_uppercase());
                c.out.push_str(chars.as_str());
            }
        }
        1 => c.out.push_str(&word.to_ascii_uppercase()),
        _ => c.out.push_str(word),
    }
    let ending = c.d.pick(ONE_WORD_ENDINGS);
    c.out.push_str(ending);
}

fn foreign(c: &mut Composer<'_, '_>, lang: &i18n::Language) {
    c.maybe(0.7, lang.greetings);
    let body = lang.body(c.ctx.label);
    let n =
        1 + usize::from(c.d.chance(0.7 * c.explicit)) + usize::from(c.d.chance(0.4 * c.explicit));
    let first = c.d.below(body.len());
    for i in 0..n {
        // Consecutive distinct sentences of the pool, wrapping around.
        if !c.out.is_empty() {
            c.out.push(' ');
        }
        c.expand(body[(first + i * 3) % body.len()]);
    }
    c.maybe(0.6, lang.asks);
    if !c.maybe(0.5, lang.signoffs) && c.out.len() < 120 {
        c.say(lang.signoffs);
    }
}

fn english(c: &mut Composer<'_, '_>) {
    let terse = matches!(c.ctx.kind, Kind::VagueOneLiner)
        || c.ctx.difficulty == Difficulty::Hard && c.d.chance(0.3);
    if !terse {
        c.maybe(0.55, GREETINGS);
        let personal =
            c.ctx.co.is_empty() || matches!(c.ctx.kind, Kind::Hobbyist | Kind::JobSeeker);
        c.maybe(0.45, if personal { PERSONAL_INTROS } else { INTROS });
    }
    if c.ctx.kind == Kind::PromptInjection {
        injected(c);
    } else {
        body(c, c.ctx.kind);
    }
    let signed = !terse && {
        c.maybe(0.55, ASK);
        c.maybe(0.35, SIGNOFFS)
    };
    // Short messages are usually signed; a name makes two short notes differ.
    if !signed && c.out.len() < 100 && c.d.chance(0.8) {
        c.say(SHORT_SIGNOFFS);
    }
}

/// A prompt-injection lead: a real message underneath, the injection before, after or inside.
fn injected(c: &mut Composer<'_, '_>) {
    let underlying = match c.ctx.label {
        Label::Low => c.d.pick(&[
            Kind::Student,
            Kind::Hobbyist,
            Kind::VagueOneLiner,
            Kind::JobSeeker,
        ]),
        Label::Medium => c.d.pick(&[Kind::ExploringManager, Kind::AgencyConsultant]),
        Label::High => Kind::EnterpriseBuyer,
    };
    match c.d.below(3) {
        0 => {
            c.say(INJECTIONS);
            body(c, underlying);
        }
        1 => {
            body(c, underlying);
            c.say(INJECTIONS);
        }
        _ => {
            body(c, underlying);
            c.say(INJECTIONS);
            c.maybe(1.0, PRICING);
        }
    }
}

/// The archetype-specific sentences, by gold label.
fn body(c: &mut Composer<'_, '_>, kind: Kind) {
    use Kind::*;
    let label = c.ctx.label;
    let hard = c.ctx.difficulty == Difficulty::Hard;
    match kind {
        EnterpriseBuyer | SmallBusinessBuyer | PromptInjection => {
            if hard {
                c.maybe(0.5, VAGUE_SPECIFIC);
                c.say(SUBTLE_BUY);
            } else {
                c.say(BUY);
                high_signals(c);
            }
        }
        MidMarketEvaluator if label == Label::High => {
            c.say(if hard { SUBTLE_BUY } else { VENDOR_EVAL });
            c.signal(0.5, BUY);
            high_signals(c);
        }
        MidMarketEvaluator | ExploringManager => {
            c.say(EXPLORE);
            c.signal(0.3, VENDOR_EVAL);
            c.signal(0.5, PRICING);
            c.signal(0.2, SECURITY);
            c.signal(0.2, SCALE);
        }
        StartupFounder if label == Label::High => {
            c.say(STARTUP_GROWTH);
            c.say(if hard { SUBTLE_BUY } else { BUY });
            high_signals(c);
        }
        StartupFounder => {
            if c.d.chance(0.4) {
                // Buyer's words from a very small company: still a small account.
                c.say(BUY);
            } else {
                c.say(STARTUP);
            }
            c.maybe(0.5, EXPLORE);
            // Urgency from a very small company: strong words, small account.
            c.maybe(0.3, URGENCY);
            c.signal(0.4, SMALL_BUDGET);
            c.maybe(0.2, SECURITY);
            c.signal(0.5, PRICING);
        }
        AgencyConsultant => {
            c.say(AGENCY);
            c.maybe(0.4, EXPLORE);
            c.signal(0.4, PRICING);
            c.maybe(0.2, URGENCY);
        }
        AgencyReseller => {
            c.maybe(0.4, AGENCY);
            c.say(RESALE);
            c.signal(0.4, SCALE);
            c.signal(0.3, BUDGET);
            c.signal(0.5, PRICING);
            c.signal(0.3, URGENCY);
        }
        Nonprofit => {
            c.say(NONPROFIT_SHARED);
            c.signal(
                0.6,
                if label == Label::Low {
                    NONPROFIT_SMALL
                } else {
                    NONPROFIT_MID
                },
            );
            c.maybe(0.3, EXPLORE);
            c.maybe(0.3, PRICING);
        }
        NonprofitDeployment | ResearchDeployment => {
            c.maybe(
                0.4,
                if kind == NonprofitDeployment {
                    NONPROFIT_MID
                } else {
                    RESEARCH_MID
                },
            );
            c.say(DEPLOYMENT);
            c.signal(0.5, SECURITY);
            c.signal(0.4, URGENCY);
            c.signal(0.3, SCALE);
            c.signal(0.3, VENDOR_EVAL);
        }
        ResearchLab => {
            c.say(RESEARCH_SHARED);
            c.signal(
                0.6,
                if label == Label::Low {
                    RESEARCH_SMALL
                } else {
                    RESEARCH_MID
                },
            );
            c.maybe(0.3, EXPLORE);
            c.maybe(0.2, PRICING);
        }
        Student => {
            c.say(COURSEWORK);
            c.signal(0.3, COURSEWORK);
            c.maybe(0.35, PRICING);
        }
        CourseworkEnterprise => {
            c.maybe(0.4, COURSEWORK);
            c.say(COURSEWORK_ENTERPRISE);
            c.maybe(0.4, SECURITY);
            c.maybe(0.3, SCALE);
            c.maybe(0.25, VENDOR_EVAL);
            c.maybe(0.4, PRICING);
        }
        Hobbyist => {
            c.say(HOBBY);
            c.signal(0.3, HOBBY);
            c.maybe(0.2, PERSONAL_SECURITY);
            c.maybe(0.3, PRICING);
        }
        JobSeeker => {
            c.say(JOB);
            c.signal(0.5, JOB);
        }
        VendorPitch => {
            c.say(VENDOR_PITCH);
            c.signal(0.5, VENDOR_PITCH);
        }
        SupportRequest => {
            c.say(SUPPORT);
            c.maybe(0.3, SUPPORT);
            if label == Label::Medium {
                c.say(SUPPORT_EXPANSION);
            }
        }
        VagueOneLiner => {
            // The medium variant often reads just like the low one: only the company
            // (large) and the sender (senior) tell them apart.
            if label == Label::Low || c.d.chance(0.5) {
                c.say(VAGUE);
            } else {
                c.say(VAGUE_SPECIFIC);
            }
            c.maybe(0.15, PRICING);
        }
        BigCompanyIntern if label == Label::Medium => {
            c.say(INTERN);
            c.maybe(0.5, PRICING);
            c.maybe(0.2, SECURITY);
            c.maybe(0.2, SCALE);
        }
        BigCompanyIntern => {
            c.say(INTERN_LEARNING);
            c.maybe(0.2, PRICING);
        }
        SeniorTinyCompany if label == Label::Low => {
            let pool = if c.d.chance(0.5) { TINY_SIDE } else { EXPLORE };
            c.say(pool);
            c.maybe(0.25, URGENCY);
            c.maybe(0.4, PRICING);
            c.maybe(0.15, PERSONAL_SECURITY);
        }
        SeniorTinyCompany => {
            c.say(TINY_BUSINESS);
            c.maybe(0.3, URGENCY);
            c.signal(0.4, SMALL_BUDGET);
            c.maybe(0.4, PRICING);
        }
        NonEnglish => c.say(EXPLORE),
    }
}

/// The optional signals of a buyer, stated more often the easier and keener the lead.
fn high_signals(c: &mut Composer<'_, '_>) {
    c.signal(0.7, URGENCY);
    c.signal(0.5, SECURITY);
    c.signal(0.45, SCALE);
    c.signal(0.4, BUDGET);
    c.signal(0.35, VENDOR_EVAL);
    c.maybe(0.35, PRICING);
}

/// Swaps two adjacent lowercase ASCII letters somewhere in the message, as fast typists do.
fn typo(d: &mut Draw, s: &mut String) {
    let mut bytes = std::mem::take(s).into_bytes();
    if bytes.len() > 4 {
        for _ in 0..8 {
            let i = d.below(bytes.len() - 1);
            if bytes[i].is_ascii_lowercase()
                && bytes[i + 1].is_ascii_lowercase()
                && bytes[i] != bytes[i + 1]
            {
                bytes.swap(i, i + 1);
                break;
            }
        }
    }
    *s = String::from_utf8(bytes).expect("swapping two ASCII bytes keeps UTF-8 valid");
}

#[cfg(test)]
mod tests {
    use super::super::draw::Stream;
    use super::*;

    fn ctx(kind: Kind, label: Label, difficulty: Difficulty) -> Ctx<'static> {
        Ctx {
            kind,
            label,
            difficulty,
            intent: 0.5,
            locale: Locale::En,
            co: "Northwind Analytics",
            title: "VP Engineering",
            first: "Priya",
            last: "Patel",
            size: 1200,
            personal: false,
        }
    }

    #[test]
    fn placeholders_are_all_filled() {
        let mut d = Draw::new(11, Stream::Content);
        let mut out = String::new();
        let kinds = super::super::archetypes::ARCHETYPES.iter().map(|a| a.kind);
        for kind in kinds {
            for label in Label::ALL {
                for diff in Difficulty::ALL {
                    for _ in 0..20 {
                        compose(&mut d, &ctx(kind, label, diff), &mut out);
                        assert!(!out.trim().is_empty());
                        assert!(!out.contains('{') && !out.contains('}'), "{out}");
                    }
                }
            }
        }
    }

    #[test]
    fn departments_follow_the_title() {
        assert_eq!(title_dept("Head of Data"), Some("data"));
        assert_eq!(title_dept("VP of IT"), Some("IT"));
        assert_eq!(title_dept("Chief Data Officer"), Some("data"));
        assert_eq!(title_dept("CEO"), None);
    }

    #[test]
    fn typo_keeps_utf8_and_length() {
        let mut d = Draw::new(2, Stream::Content);
        let mut s = String::from("Bonjour, j'apprends à coder");
        typo(&mut d, &mut s);
        assert_eq!(s.len(), "Bonjour, j'apprends à coder".len());
    }
}
