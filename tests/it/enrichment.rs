//! Firmographic enrichment (`bench generate --enrich`): generation is deterministic and leaves
//! every other column as it was, and each field reaches the prompts (`lead.enrichment`), the
//! learned model's features and a user's heuristic rule.

use std::path::Path;

use lead_bench::generate::{GenerateParams, Generator};
use lead_bench::lead::{
    Bands, Enrichment, Format, FundingStage, Gold, Label, Lead, LeadMeta, RevenueBand, Seniority,
    Source, Split,
};
use lead_bench::score::Scorer;
use lead_bench::score::heuristic::{HeuristicRules, HeuristicScorer, HeuristicWeights};
use lead_bench::score::learned::{FeatureSet, LearnedModel, LearnedOptions};
use lead_bench::score::llm::{PromptContext, PromptTemplate};

use crate::support::generated_bytes::bytes;

fn params(enrich: bool) -> GenerateParams {
    GenerateParams {
        n: 3000,
        seed: 17,
        label_noise: 0.05,
        injection_twins: 0.05,
        enrich,
        ..GenerateParams::default()
    }
}

fn generate(p: &GenerateParams) -> Vec<Lead> {
    Generator::new(p, Bands::default()).collect()
}

#[test]
fn enriched_output_is_byte_identical_per_seed_and_keeps_every_other_column() {
    let on = params(true);
    for format in [Format::Csv, Format::Jsonl] {
        let first = bytes(&on, format);
        assert!(
            first == bytes(&on, format),
            "{format:?} differs between two runs"
        );
    }
    let header = String::from_utf8(bytes(&on, Format::Csv)).expect("utf-8");
    assert!(header.starts_with(
        "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,\
         source,revenue_band,hq_country,funding_stage,tech_stack,employee_growth_pct,gold_label"
    ));
    let plain_csv = String::from_utf8(bytes(&params(false), Format::Csv)).expect("utf-8");
    assert!(!plain_csv.contains("revenue_band"));

    let plain = generate(&params(false));
    let rich = generate(&on);
    assert_eq!(plain.len(), rich.len());
    let mut outcome_changed = 0;
    for (a, b) in plain.iter().zip(&rich) {
        assert!(a.enrichment.is_empty());
        // Every column but the enrichment and the outcomes it enters is the same.
        let mut same = b.clone();
        same.enrichment = Enrichment::default();
        same.outcome = a.outcome;
        same.meta.p_convert = a.meta.p_convert;
        assert_eq!(a, &same, "lead {}", a.lead_id);
        outcome_changed += usize::from(a.meta.p_convert != b.meta.p_convert);
    }
    // The conversion model reads the enrichment: most leads' p_convert moves.
    assert!(outcome_changed > rich.len() / 2, "{outcome_changed}");

    // Vendors leave gaps: every field is empty on some leads and filled on most.
    let share = |f: &dyn Fn(&Enrichment) -> bool| {
        rich.iter().filter(|l| f(&l.enrichment)).count() as f64 / rich.len() as f64
    };
    let filled = [
        share(&|e| e.revenue_band.is_some()),
        share(&|e| e.hq_country.is_some()),
        share(&|e| e.funding_stage.is_some()),
        share(&|e| !e.tech_stack.is_empty()),
        share(&|e| e.employee_growth_pct.is_some()),
    ];
    for (i, f) in filled.iter().enumerate() {
        assert!(
            (0.5..0.95).contains(f),
            "field {i} filled on {f:.3} of the leads"
        );
    }
    // Twins carry their lead's enrichment.
    for pair in rich.windows(2) {
        if pair[1].lead_id == format!("{}-inj", pair[0].lead_id) {
            assert_eq!(pair[0].enrichment, pair[1].enrichment);
        }
    }
}

#[test]
fn enriched_files_read_back_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let on = GenerateParams {
        n: 400,
        ..params(true)
    };
    let leads = generate(&on);
    for (name, format) in [("e.csv", Format::Csv), ("e.jsonl", Format::Jsonl)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes(&on, format)).expect("write");
        let back = lead_bench::lead::read_leads(&path).expect("reads back");
        assert_eq!(back.len(), leads.len());
        for (a, b) in leads.iter().zip(&back) {
            assert_eq!(a.enrichment, b.enrichment, "{name} {}", a.lead_id);
        }
    }
}

/// A lead with every enrichment field set.
fn enriched_lead(id: &str) -> Lead {
    Lead {
        lead_id: id.to_string(),
        company_name: "Kestrel Freight".to_string(),
        company_size: Some(640),
        domain: "kestrel.example".to_string(),
        industry: "Logistics".to_string(),
        job_title: "Director of Operations".to_string(),
        seniority: Some(Seniority::Director),
        inbound_message: "We are looking at tools for our dispatch team.".to_string(),
        source: Source::Email,
        enrichment: Enrichment {
            revenue_band: Some(RevenueBand::M50To250),
            hq_country: Some("DE".into()),
            funding_stage: Some(FundingStage::SeriesB),
            tech_stack: vec!["snowflake".into(), "sap".into()],
            employee_growth_pct: Some(42.5),
        },
        gold: None,
        outcome: Default::default(),
        meta: LeadMeta::default(),
    }
}

#[test]
fn every_field_reaches_the_shipped_prompts_and_a_template_sees_the_object() {
    let prompts = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
    let rich = PromptContext::new(&enriched_lead("e1"), "X", Bands::default(), vec![]);
    let mut plain_lead = enriched_lead("e1");
    plain_lead.enrichment = Enrichment::default();
    let plain = PromptContext::new(&plain_lead, "X", Bands::default(), vec![]);
    for name in ["zero_shot", "rubric", "few_shot", "reason_first"] {
        let t = PromptTemplate::load(name, &prompts.join(format!("{name}.j2"))).expect("loads");
        let user = t.render(&rich).expect("renders").user;
        for line in [
            "revenue_band: 50M-250M",
            "hq_country: DE",
            "funding_stage: series_b",
            "tech_stack: snowflake; sap",
            "employee_growth_pct: 42.5",
        ] {
            assert!(user.contains(line), "{name}: {line:?} missing from\n{user}");
        }
        let without = t.render(&plain).expect("renders").user;
        assert!(!without.contains("revenue_band"), "{name}:\n{without}");
    }
    let source = "{% block system %}s{% endblock %}{% block user %}\
        {% if lead.enrichment %}{{ lead.enrichment.revenue_band }}|{{ lead.enrichment.hq_country }}|\
        {{ lead.enrichment.funding_stage }}|{% for t in lead.enrichment.tech_stack %}[{{ t }}]{% endfor %}|\
        {{ lead.enrichment.employee_growth_pct }}{% else %}none{% endif %}{% endblock %}";
    let t = PromptTemplate::from_source("custom", Path::new("custom.j2"), source.to_string())
        .expect("compiles");
    assert_eq!(
        t.render(&rich).expect("renders").user,
        "50M-250M|DE|series_b|[snowflake][sap]|42.5"
    );
    assert_eq!(t.render(&plain).expect("renders").user, "none");
}

/// Leads alike in everything but one enrichment field, whose value alone fixes the label.
fn told_apart_by(set: impl Fn(&mut Enrichment, bool)) -> Vec<Lead> {
    (0..120)
        .map(|i| {
            let high = i % 2 == 0;
            let mut l = enriched_lead(&format!("t{i}"));
            l.enrichment = Enrichment::default();
            set(&mut l.enrichment, high);
            let label = if high { Label::High } else { Label::Low };
            l.gold = Some(Gold { label, score: None });
            l.meta.split = Some(Split::Train);
            l
        })
        .collect()
}

#[test]
fn every_field_reaches_the_learned_model_s_features() {
    type Setter = fn(&mut Enrichment, bool);
    let cases: [(&str, Setter); 5] = [
        ("revenue_band=>1B", |e, high| {
            e.revenue_band = Some(if high {
                RevenueBand::Over1B
            } else {
                RevenueBand::Under1M
            })
        }),
        ("hq_country=US", |e, high| {
            e.hq_country = Some(if high { "US" } else { "BR" }.into())
        }),
        ("funding_stage=series_c_plus", |e, high| {
            e.funding_stage = Some(if high {
                FundingStage::SeriesCPlus
            } else {
                FundingStage::Bootstrapped
            })
        }),
        ("tech_stack:kubernetes", |e, high| {
            e.tech_stack = vec![if high { "kubernetes" } else { "excel" }.into()]
        }),
        ("employee_growth_pct=", |e, high| {
            e.employee_growth_pct = Some(if high { 80.0 } else { -20.0 })
        }),
    ];
    let options = LearnedOptions {
        features: FeatureSet::FirmographicOnly,
        ..LearnedOptions::default()
    };
    for (feature, set) in cases {
        let leads = told_apart_by(set);
        let model = LearnedModel::train(&leads, &options, Bands::default()).expect("trains");
        let (high, low) = (&leads[0], &leads[1]);
        assert_eq!(model.predict_label(high), Label::High, "{feature}");
        assert_eq!(model.predict_label(low), Label::Low, "{feature}");
        let why = model.score(high).justification;
        assert!(why.contains(&format!("+{feature}")), "{feature}: {why}");
    }
}

#[test]
fn every_field_reaches_a_user_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("my_rules.toml");
    std::fs::write(
        &path,
        r#"
[[family]]
name = "big_revenue"
kind = "interest"
points = 21
revenue_band = ["50M-250M", "250M-1B", ">1B"]

[[family]]
name = "dach_hq"
kind = "interest"
points = 22
hq_country = ["de", "AT", "CH"]

[[family]]
name = "growth_funded"
kind = "interest"
points = 23
funding_stage = ["series_b", "series_c_plus"]

[[family]]
name = "modern_data_stack"
kind = "use_case"
points = 24
tech_stack = ["Snowflake", "databricks"]

[[family]]
name = "hiring_fast"
kind = "interest"
points = 25
employee_growth_pct = { at_least = 30 }

[[family]]
name = "shrinking"
kind = "negative"
points = -9
employee_growth_pct = { at_most = 0 }
"#,
    )
    .expect("rules file");
    let rules = HeuristicRules::load(Some(&path), &HeuristicWeights::default()).expect("valid");
    let scorer = HeuristicScorer::new(rules, Bands::default());
    let lead = enriched_lead("r1");
    let why = scorer.score(&lead).justification;
    for fired in [
        "big revenue (+21)",
        "dach hq (+22)",
        "growth funded (+23)",
        "modern data stack (+24)",
        "hiring fast (+25)",
    ] {
        assert!(why.contains(fired), "{fired} missing from {why}");
    }
    assert!(!why.contains("shrinking"), "{why}");

    // Without enrichment none fires, and the shipped table scores as it does today.
    let mut plain = lead.clone();
    plain.enrichment = Enrichment::default();
    let plain_score = scorer.score(&plain);
    assert!(!plain_score.justification.contains("hiring fast"));
    let shipped = HeuristicScorer::new(HeuristicRules::shipped(), Bands::default());
    assert_eq!(shipped.score(&lead), shipped.score(&plain));
    assert_eq!(plain_score, shipped.score(&plain));
    assert!(scorer.score(&lead).lead_score > plain_score.lead_score);
}

#[test]
fn a_bad_enrichment_condition_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[family]]\nname = \"x\"\nkind = \"interest\"\nfunding_stage = [\"series_a\",\n  \"ipo\"]\n",
    )
    .expect("rules file");
    let err = HeuristicRules::load(Some(&path), &HeuristicWeights::default())
        .expect_err("ipo is no stage")
        .to_string();
    assert!(
        err.contains("bad.toml:5: `funding_stage`: expected a funding stage"),
        "{err}"
    );
}
