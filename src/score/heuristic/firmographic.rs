//! A family's conditions on a lead's firmographic enrichment: `revenue_band`,
//! `funding_stage` and `hq_country` in a list, `tech_stack` holding any of a list,
//! `employee_growth_pct` at least or at most a value. A family with such keys fires when all
//! of them hold (whatever its phrases say); a field the lead does not have holds none.

use std::borrow::Cow;

use serde::Deserialize;
use toml::Spanned;

use crate::lead::{Enrichment, FundingStage, GROWTH_RANGE, RevenueBand};

/// A list of values as written, each with its place in the file.
pub(super) type Values = Spanned<Vec<Spanned<String>>>;

/// `employee_growth_pct = { at_least = 30 }` (or `at_most`, or both) as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGrowth {
    at_least: Option<f64>,
    at_most: Option<f64>,
}

/// The enrichment keys of one `[[family]]` as written.
pub(super) struct RawConditions<'a> {
    pub revenue_band: Option<&'a Values>,
    pub funding_stage: Option<&'a Values>,
    pub hq_country: Option<&'a Values>,
    pub tech_stack: Option<&'a Values>,
    pub employee_growth_pct: Option<&'a Spanned<RawGrowth>>,
}

/// A family's enrichment conditions, checked; empty when it has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Conditions {
    revenue_band: Option<Vec<RevenueBand>>,
    funding_stage: Option<Vec<FundingStage>>,
    /// Upper-case ISO codes.
    hq_country: Option<Vec<Cow<'static, str>>>,
    /// Lower-case technology names.
    tech_stack: Option<Vec<String>>,
    growth_at_least: Option<f64>,
    growth_at_most: Option<f64>,
}

/// A key whose value is wrong: the offset of the value in the file and the message.
pub(super) type ConditionError = (usize, String);

impl Conditions {
    /// Checks the keys as written; the error points at the value at fault.
    pub(super) fn read(raw: &RawConditions<'_>) -> Result<Conditions, ConditionError> {
        let growth = raw.employee_growth_pct.map(read_growth).transpose()?;
        Ok(Conditions {
            revenue_band: list(raw.revenue_band, "revenue_band", RevenueBand::parse_cell)?,
            funding_stage: list(raw.funding_stage, "funding_stage", FundingStage::parse_cell)?,
            hq_country: list(
                raw.hq_country,
                "hq_country",
                crate::lead::parse_country_cell,
            )?,
            tech_stack: list(raw.tech_stack, "tech_stack", |t| {
                let t = t.trim().to_lowercase();
                if t.contains(';') {
                    return Err("one technology per value, without `;`".to_string());
                }
                Ok((!t.is_empty()).then_some(t))
            })?,
            growth_at_least: growth.and_then(|g| g.0),
            growth_at_most: growth.and_then(|g| g.1),
        })
    }

    /// Whether the family has no enrichment keys.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }

    /// Whether every condition holds for `e` (false for a family without conditions).
    pub(crate) fn hold(&self, e: &Enrichment) -> bool {
        fn within<T: PartialEq>(want: &Option<Vec<T>>, have: Option<&T>) -> bool {
            match want {
                None => true,
                Some(list) => have.is_some_and(|v| list.contains(v)),
            }
        }
        let growth = |bound: Option<f64>, ok: fn(f64, f64) -> bool| match bound {
            None => true,
            Some(b) => e.employee_growth_pct.is_some_and(|g| ok(g, b)),
        };
        let tech = match &self.tech_stack {
            None => true,
            Some(any) => e
                .tech_stack
                .iter()
                .any(|t| any.iter().any(|a| a.eq_ignore_ascii_case(t))),
        };
        !self.is_empty()
            && within(&self.revenue_band, e.revenue_band.as_ref())
            && within(&self.funding_stage, e.funding_stage.as_ref())
            && within(&self.hq_country, e.hq_country.as_ref())
            && tech
            && growth(self.growth_at_least, |g, b| g >= b)
            && growth(self.growth_at_most, |g, b| g <= b)
    }
}

/// A list of values read by `parse` (a cell parser: `Ok(None)` is an empty value).
fn list<T>(
    raw: Option<&Values>,
    key: &str,
    parse: impl Fn(&str) -> Result<Option<T>, String>,
) -> Result<Option<Vec<T>>, ConditionError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.get_ref().is_empty() {
        let message = format!("`{key}` is an empty list; give values or leave the key out");
        return Err((raw.span().start, message));
    }
    let read = |v: &Spanned<String>| match parse(v.get_ref()) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err((
            v.span().start,
            format!("`{key}`: an empty value never matches"),
        )),
        Err(expected) => Err((
            v.span().start,
            format!("`{key}`: expected {expected}; found {:?}", v.get_ref()),
        )),
    };
    raw.get_ref()
        .iter()
        .map(read)
        .collect::<Result<_, _>>()
        .map(Some)
}

fn read_growth(raw: &Spanned<RawGrowth>) -> Result<(Option<f64>, Option<f64>), ConditionError> {
    let g = raw.get_ref();
    let at = raw.span().start;
    let expected = "`employee_growth_pct`: expected { at_least = N } and/or { at_most = N }, \
                    N a percentage from -100 to 1000";
    let in_range = |v: Option<f64>| v.is_none_or(|v| GROWTH_RANGE.contains(&v));
    if (g.at_least.is_none() && g.at_most.is_none())
        || !in_range(g.at_least)
        || !in_range(g.at_most)
    {
        return Err((at, expected.to_string()));
    }
    if let (Some(lo), Some(hi)) = (g.at_least, g.at_most)
        && lo > hi
    {
        let message = format!("`employee_growth_pct`: at_least {lo} is above at_most {hi}");
        return Err((at, message));
    }
    Ok((g.at_least, g.at_most))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions(toml_text: &str) -> Result<Conditions, String> {
        #[derive(Deserialize)]
        struct Keys {
            revenue_band: Option<Values>,
            funding_stage: Option<Values>,
            hq_country: Option<Values>,
            tech_stack: Option<Values>,
            employee_growth_pct: Option<Spanned<RawGrowth>>,
        }
        let k: Keys = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        Conditions::read(&RawConditions {
            revenue_band: k.revenue_band.as_ref(),
            funding_stage: k.funding_stage.as_ref(),
            hq_country: k.hq_country.as_ref(),
            tech_stack: k.tech_stack.as_ref(),
            employee_growth_pct: k.employee_growth_pct.as_ref(),
        })
        .map_err(|e| e.1)
    }

    #[test]
    fn all_keys_must_hold_and_unknown_holds_none() {
        let c = conditions(
            "revenue_band = [\"50M-250M\", \">1B\"]\nfunding_stage = [\"Series B\"]\n\
             hq_country = [\"de\"]\ntech_stack = [\"Snowflake\"]\n\
             employee_growth_pct = { at_least = 30, at_most = 80 }\n",
        )
        .expect("valid");
        let mut e = Enrichment {
            revenue_band: Some(RevenueBand::Over1B),
            hq_country: Some("DE".into()),
            funding_stage: Some(FundingStage::SeriesB),
            tech_stack: vec!["aws".into(), "snowflake".into()],
            employee_growth_pct: Some(30.0),
        };
        assert!(c.hold(&e));
        e.employee_growth_pct = Some(81.0);
        assert!(!c.hold(&e));
        e.employee_growth_pct = None;
        assert!(!c.hold(&e));
        assert!(!Conditions::default().hold(&e));
        assert!(Conditions::default().is_empty() && !c.is_empty());
    }

    #[test]
    fn bad_values_are_named() {
        let cases = [
            (
                "revenue_band = [\"huge\"]",
                "`revenue_band`: expected a revenue band",
            ),
            (
                "hq_country = [\"UK\"]",
                "`hq_country`: expected an ISO 3166-1",
            ),
            ("funding_stage = []", "`funding_stage` is an empty list"),
            (
                "employee_growth_pct = { at_least = 2000 }",
                "`employee_growth_pct`: expected",
            ),
            (
                "employee_growth_pct = { at_least = 50, at_most = 10 }",
                "`employee_growth_pct`: at_least 50 is above",
            ),
        ];
        for (text, expected) in cases {
            let e = conditions(text).expect_err(text);
            assert!(e.starts_with(expected), "{expected}\n  got: {e}");
        }
    }
}
