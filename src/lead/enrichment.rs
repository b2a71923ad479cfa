//! Firmographic enrichment: what an enrichment vendor adds to a lead (revenue band,
//! headquarters country, funding stage, technologies in use, head-count growth). Every field
//! is optional, as vendors leave a share of leads unmatched; an empty cell means unknown.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The enrichment columns, in the order files hold them (after the card's eight).
pub const ENRICHMENT_COLUMNS: [&str; 5] = [
    "revenue_band",
    "hq_country",
    "funding_stage",
    "tech_stack",
    "employee_growth_pct",
];

/// Most technologies one lead's `tech_stack` may list.
pub const MAX_TECH_ITEMS: usize = 50;
/// Longest technology name, in characters.
pub const MAX_TECH_CHARS: usize = 64;
/// The range `employee_growth_pct` is read in: a company cannot shrink by more than all of
/// its people, and growth past tenfold in a year is a data error, not a signal.
pub const GROWTH_RANGE: std::ops::RangeInclusive<f64> = -100.0..=1000.0;

/// Annual revenue in US dollars, in the bands enrichment vendors report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RevenueBand {
    /// Under $1M.
    #[serde(rename = "<1M")]
    Under1M,
    /// $1M to $10M.
    #[serde(rename = "1M-10M")]
    M1To10,
    /// $10M to $50M.
    #[serde(rename = "10M-50M")]
    M10To50,
    /// $50M to $250M.
    #[serde(rename = "50M-250M")]
    M50To250,
    /// $250M to $1B.
    #[serde(rename = "250M-1B")]
    M250To1B,
    /// Over $1B.
    #[serde(rename = ">1B")]
    Over1B,
}

impl RevenueBand {
    /// All bands, smallest first.
    pub const ALL: [RevenueBand; 6] = [
        RevenueBand::Under1M,
        RevenueBand::M1To10,
        RevenueBand::M10To50,
        RevenueBand::M50To250,
        RevenueBand::M250To1B,
        RevenueBand::Over1B,
    ];

    /// The band as files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueBand::Under1M => "<1M",
            RevenueBand::M1To10 => "1M-10M",
            RevenueBand::M10To50 => "10M-50M",
            RevenueBand::M50To250 => "50M-250M",
            RevenueBand::M250To1B => "250M-1B",
            RevenueBand::Over1B => ">1B",
        }
    }

    /// The band of an annual revenue in dollars.
    pub fn of_revenue(dollars: f64) -> RevenueBand {
        const BOUNDS: [f64; 5] = [1e6, 1e7, 5e7, 2.5e8, 1e9];
        let i = BOUNDS.iter().position(|&b| dollars < b).unwrap_or(5);
        RevenueBand::ALL[i]
    }

    /// Parses a cell: the band's spelling, any letter case, spaces and a `$` ignored
    /// (`$10M - 50M`); empty means unknown.
    pub fn parse_cell(s: &str) -> Result<Option<RevenueBand>, String> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '$')
            .collect::<String>()
            .to_ascii_uppercase()
            .replace('–', "-");
        if t.is_empty() {
            return Ok(None);
        }
        RevenueBand::ALL
            .into_iter()
            .find(|b| b.as_str().eq_ignore_ascii_case(&t))
            .map(Some)
            .ok_or_else(|| {
                "a revenue band: one of <1M, 1M-10M, 10M-50M, 50M-250M, 250M-1B, >1B, or empty"
                    .to_string()
            })
    }
}

impl fmt::Display for RevenueBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the company is financed, by its latest round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingStage {
    /// No outside equity.
    Bootstrapped,
    /// Pre-seed or seed round.
    Seed,
    SeriesA,
    SeriesB,
    /// Series C or later.
    SeriesCPlus,
    /// Listed on a stock exchange.
    Public,
    /// Owned by a private-equity firm.
    PrivateEquity,
}

impl FundingStage {
    /// All stages, from no outside money to the listed and the bought-out.
    pub const ALL: [FundingStage; 7] = [
        FundingStage::Bootstrapped,
        FundingStage::Seed,
        FundingStage::SeriesA,
        FundingStage::SeriesB,
        FundingStage::SeriesCPlus,
        FundingStage::Public,
        FundingStage::PrivateEquity,
    ];

    /// The stage as files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            FundingStage::Bootstrapped => "bootstrapped",
            FundingStage::Seed => "seed",
            FundingStage::SeriesA => "series_a",
            FundingStage::SeriesB => "series_b",
            FundingStage::SeriesCPlus => "series_c_plus",
            FundingStage::Public => "public",
            FundingStage::PrivateEquity => "private_equity",
        }
    }

    /// Parses a cell: letter case is ignored and spaces or hyphens stand for `_`
    /// (`Series A`); `pre_seed` is seed and `series_c`, `series_d`, `series_e` are
    /// `series_c_plus`; empty means unknown.
    pub fn parse_cell(s: &str) -> Result<Option<FundingStage>, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let stage = match t.as_str() {
            "" => return Ok(None),
            "pre_seed" => FundingStage::Seed,
            "series_c" | "series_d" | "series_e" | "series_c+" => FundingStage::SeriesCPlus,
            "pe" | "pe_backed" => FundingStage::PrivateEquity,
            other => match FundingStage::ALL.into_iter().find(|f| f.as_str() == other) {
                Some(f) => f,
                None => {
                    return Err("a funding stage: one of bootstrapped, seed, series_a, \
                             series_b, series_c_plus, public, private_equity, or empty"
                        .to_string());
                }
            },
        };
        Ok(Some(stage))
    }
}

impl fmt::Display for FundingStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The officially assigned ISO 3166-1 alpha-2 codes (249), in order.
const ISO_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH \
BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY \
CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP \
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM \
KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR \
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS \
PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD \
TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA \
ZM ZW";

/// Parses a headquarters country: an ISO 3166-1 alpha-2 code, any letter case, kept upper
/// case; empty means unknown.
pub fn parse_country_cell(s: &str) -> Result<Option<Cow<'static, str>>, String> {
    let t = s.trim().to_ascii_uppercase();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() == 2 && ISO_ALPHA2.split(' ').any(|c| c == t) {
        return Ok(Some(Cow::Owned(t)));
    }
    let hint = if t == "UK" {
        " (GB for the United Kingdom)"
    } else {
        ""
    };
    Err(format!(
        "an ISO 3166-1 alpha-2 country code such as US, DE or GB{hint}, or empty"
    ))
}

/// Parses a `;`-separated list of technologies: items are trimmed and empty ones dropped;
/// an empty cell is an unknown stack (an empty list).
pub fn parse_tech_stack_cell(s: &str) -> Result<Vec<Cow<'static, str>>, String> {
    let items: Vec<Cow<'static, str>> = s
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Cow::Owned(t.to_string()))
        .collect();
    let expected = format!(
        "a `;`-separated list of at most {MAX_TECH_ITEMS} technologies of at most \
         {MAX_TECH_CHARS} characters each (e.g. aws;snowflake;salesforce), or empty"
    );
    let bad_item = |t: &Cow<'static, str>| {
        t.chars().count() > MAX_TECH_CHARS || t.chars().any(char::is_control)
    };
    if items.len() > MAX_TECH_ITEMS || items.iter().any(bad_item) {
        return Err(expected);
    }
    Ok(items)
}

/// Parses a head-count growth over the last year in percent (`35`, `35.5`, `-12%`) within
/// [`GROWTH_RANGE`]; empty means unknown.
pub fn parse_growth_cell(s: &str) -> Result<Option<f64>, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if GROWTH_RANGE.contains(&v) => Ok(Some(v)),
        _ => Err(
            "a head-count growth in percent from -100 to 1000 (e.g. 35 or -12.5), or empty"
                .to_string(),
        ),
    }
}

/// A lead's firmographic enrichment; every field unknown by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enrichment {
    /// Annual revenue band.
    pub revenue_band: Option<RevenueBand>,
    /// Headquarters country, an upper-case ISO 3166-1 alpha-2 code. (`Cow`, as the tech
    /// stack: the generator's values are static text and need no allocation.)
    pub hq_country: Option<Cow<'static, str>>,
    /// Latest funding stage.
    pub funding_stage: Option<FundingStage>,
    /// Technologies the company uses; empty when unknown.
    pub tech_stack: Vec<Cow<'static, str>>,
    /// Head-count growth over the last year, in percent (-100 to 1000).
    pub employee_growth_pct: Option<f64>,
}

impl Enrichment {
    /// Whether nothing is known: the lead was not enriched (or the vendor matched nothing).
    pub fn is_empty(&self) -> bool {
        self.revenue_band.is_none()
            && self.hq_country.is_none()
            && self.funding_stage.is_none()
            && self.tech_stack.is_empty()
            && self.employee_growth_pct.is_none()
    }

    /// What is known, on one line: `revenue 10M-50M · HQ US · series_b · stack aws, slack ·
    /// growth +12.5 %`; empty when nothing is.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.revenue_band {
            parts.push(format!("revenue {b}"));
        }
        if let Some(c) = &self.hq_country {
            parts.push(format!("HQ {c}"));
        }
        if let Some(f) = self.funding_stage {
            parts.push(f.to_string());
        }
        if !self.tech_stack.is_empty() {
            parts.push(format!("stack {}", self.tech_stack.join(", ")));
        }
        if let Some(g) = self.employee_growth_pct {
            parts.push(format!("growth {g:+} %"));
        }
        parts.join(" · ")
    }

    /// The tech stack as one `;`-separated cell.
    pub fn tech_stack_cell(&self) -> String {
        self.tech_stack.join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_is_known() {
        let e = Enrichment {
            revenue_band: Some(RevenueBand::M10To50),
            hq_country: Some("US".into()),
            tech_stack: vec!["aws".into(), "slack".into()],
            employee_growth_pct: Some(12.5),
            ..Enrichment::default()
        };
        assert_eq!(
            e.summary(),
            "revenue 10M-50M · HQ US · stack aws, slack · growth +12.5 %"
        );
        assert_eq!(Enrichment::default().summary(), "");
    }

    #[test]
    fn the_country_list_holds_every_assigned_code_once() {
        let codes: Vec<&str> = ISO_ALPHA2.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert_eq!(parse_country_cell(" de "), Ok(Some("DE".into())));
        assert_eq!(parse_country_cell(""), Ok(None));
        assert!(
            parse_country_cell("UK")
                .expect_err("UK is no ISO code")
                .contains("GB")
        );
        assert!(parse_country_cell("USA").is_err());
        assert!(parse_country_cell("XX").is_err());
    }

    #[test]
    fn bands_and_stages_read_their_spellings() {
        for b in RevenueBand::ALL {
            assert_eq!(RevenueBand::parse_cell(b.as_str()), Ok(Some(b)));
        }
        assert_eq!(
            RevenueBand::parse_cell("$10m - 50m"),
            Ok(Some(RevenueBand::M10To50))
        );
        assert_eq!(RevenueBand::parse_cell(" "), Ok(None));
        assert!(RevenueBand::parse_cell("big").is_err());
        assert_eq!(RevenueBand::of_revenue(999_999.0), RevenueBand::Under1M);
        assert_eq!(RevenueBand::of_revenue(2e9), RevenueBand::Over1B);
        for f in FundingStage::ALL {
            assert_eq!(FundingStage::parse_cell(f.as_str()), Ok(Some(f)));
        }
        assert_eq!(
            FundingStage::parse_cell("Series A"),
            Ok(Some(FundingStage::SeriesA))
        );
        assert_eq!(
            FundingStage::parse_cell("series-d"),
            Ok(Some(FundingStage::SeriesCPlus))
        );
        assert!(FundingStage::parse_cell("ipo soon").is_err());
    }

    #[test]
    fn tech_stack_and_growth_cells() {
        assert_eq!(
            parse_tech_stack_cell(" aws ; ;snowflake"),
            Ok(vec!["aws".into(), "snowflake".into()])
        );
        assert_eq!(parse_tech_stack_cell(""), Ok(vec![]));
        assert!(parse_tech_stack_cell(&"x".repeat(65)).is_err());
        assert_eq!(parse_growth_cell("-12.5%"), Ok(Some(-12.5)));
        assert_eq!(parse_growth_cell(""), Ok(None));
        assert!(parse_growth_cell("-101").is_err());
        assert!(parse_growth_cell("fast").is_err());
        assert!(parse_growth_cell("NaN").is_err());
    }
}
