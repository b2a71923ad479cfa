//! Properties of generated datasets: diversity, leakage, noise, determinism, coverage,
//! mix and split (the command itself is tested in `generate_cli.rs`).

use std::collections::{BTreeMap, BTreeSet};

use lead_bench::generate::{GenerateParams, Generator, Mix, archetype_names};
use lead_bench::lead::Bands;
use lead_bench::lead::{Format, Label, Lead, Seniority, Source, Split};

use crate::support::generated_bytes;
use generated_bytes::bytes;

fn leads(params: &GenerateParams) -> Vec<Lead> {
    Generator::new(params, Bands::default()).collect()
}

fn params(n: u64, seed: u64, label_noise: f64) -> GenerateParams {
    GenerateParams {
        n,
        seed,
        label_noise,
        ..GenerateParams::default()
    }
}

fn label(l: &Lead) -> Label {
    l.gold.expect("generated leads have gold").label
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[test]
fn messages_are_diverse() {
    let data = leads(&params(10_000, 42, 0.0));
    let distinct: BTreeSet<&str> = data.iter().map(|l| l.inbound_message.as_str()).collect();
    let share = distinct.len() as f64 / data.len() as f64;
    assert!(share >= 0.99, "only {:.3} of messages are distinct", share);
    let types: BTreeSet<String> = data
        .iter()
        .flat_map(|l| words(&l.inbound_message))
        .collect();
    assert!(
        types.len() >= 2000,
        "only {} distinct word types",
        types.len()
    );
    // Distinct bigrams over all bigrams (distinct-2).
    let mut bigrams = BTreeSet::new();
    let mut total = 0usize;
    for l in &data {
        let ws: Vec<String> = words(&l.inbound_message).collect();
        for pair in ws.windows(2) {
            bigrams.insert(format!("{} {}", pair[0], pair[1]));
            total += 1;
        }
    }
    let distinct2 = bigrams.len() as f64 / total as f64;
    eprintln!(
        "distinct messages {share:.4}, word types {}, distinct bigrams {} (distinct-2 {distinct2:.3})",
        types.len(),
        bigrams.len()
    );
    assert!(
        bigrams.len() >= 5000,
        "only {} distinct bigrams (distinct-2 {distinct2:.3})",
        bigrams.len()
    );
    // From one-liners to short paragraphs.
    let lengths: Vec<usize> = data
        .iter()
        .map(|l| words(&l.inbound_message).count())
        .collect();
    assert_eq!(lengths.iter().min(), Some(&1));
    assert!(
        *lengths.iter().max().expect("leads") >= 60,
        "longest message is short"
    );
}

#[test]
fn no_message_contains_label_words_or_a_score() {
    const BANNED: &[&str] = &[
        "high quality",
        "low quality",
        "medium quality",
        "high-quality",
        "low-quality",
        "hot lead",
        "warm lead",
        "cold lead",
        "qualified lead",
        "lead score",
        "high-intent",
        "high intent",
        "low intent",
        "low-intent",
        "score",
        "/100",
        "out of 100",
        "gold_",
        "lead_label",
    ];
    for seed in [1, 42] {
        for l in leads(&params(10_000, seed, 0.2)) {
            let m = l.inbound_message.to_lowercase();
            for b in BANNED {
                assert!(
                    !m.contains(b),
                    "{}: {b:?} in {:?}",
                    l.lead_id,
                    l.inbound_message
                );
            }
            let score = l.gold.and_then(|g| g.score).expect("gold score");
            let stated = format!(" {score} out of");
            assert!(!m.contains(&stated), "{}: states its score", l.lead_id);
        }
    }
}

#[test]
fn noise_flips_adjacent_labels_at_the_requested_rate() {
    let clean = leads(&params(10_000, 9, 0.0));
    for rate in [0.05, 0.15] {
        let noisy = leads(&params(10_000, 9, rate));
        let mut flipped = 0usize;
        for (c, n) in clean.iter().zip(&noisy) {
            assert_eq!(
                c.inbound_message, n.inbound_message,
                "noise must not change the text"
            );
            assert_eq!(c.company_name, n.company_name);
            let differs = label(c) != label(n);
            assert_eq!(
                n.meta.label_noise,
                Some(differs),
                "{}: flag must mark exactly the flips",
                n.lead_id
            );
            assert_eq!(c.meta.label_noise, Some(false));
            if differs {
                flipped += 1;
                assert_eq!(
                    label(c).index().abs_diff(label(n).index()),
                    1,
                    "{}: not adjacent",
                    n.lead_id
                );
            }
        }
        let observed = flipped as f64 / noisy.len() as f64;
        assert!(
            (observed - rate).abs() <= 0.01,
            "noise rate {observed:.4}, asked {rate}"
        );
    }
}

#[test]
fn gold_scores_lie_in_the_band_of_the_recorded_label() {
    let bands = Bands::new(80, 30).expect("valid bands");
    let p = params(5_000, 3, 0.1);
    for l in Generator::new(&p, bands) {
        let g = l.gold.expect("gold");
        let (lo, hi) = bands.range(g.label);
        let s = g.score.expect("score");
        assert!(
            (lo..=hi).contains(&s),
            "{}: {s} outside {lo}..={hi} for {}",
            l.lead_id,
            g.label
        );
    }
}

#[test]
fn output_is_byte_identical_for_a_seed_and_differs_across_seeds() {
    for format in [Format::Csv, Format::Jsonl] {
        let a = bytes(&params(2_000, 7, 0.05), format);
        let b = bytes(&params(2_000, 7, 0.05), format);
        let c = bytes(&params(2_000, 8, 0.05), format);
        assert!(!a.is_empty());
        assert_eq!(a, b, "same seed, different bytes ({format:?})");
        assert_ne!(a, c, "different seeds, same bytes ({format:?})");
    }
}

#[test]
fn committed_sample_is_reproducible() {
    // datasets/sample_leads.csv is `bench generate --n 300 --seed 7 --label-noise 0.0`;
    // regenerate it with that command when the generator changes.
    let p = GenerateParams {
        n: 300,
        seed: 7,
        label_noise: 0.0,
        ..GenerateParams::default()
    };
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/sample_leads.csv"
    ))
    .expect("the committed sample exists");
    assert!(
        committed == bytes(&p, Format::Csv),
        "datasets/sample_leads.csv is stale"
    );
}

/// Counts messages that look like `lang` by its common function words.
fn in_language(data: &[Lead], markers: &[&str]) -> usize {
    data.iter()
        .filter(|l| {
            words(&l.inbound_message)
                .filter(|w| markers.contains(&w.as_str()))
                .count()
                >= 2
        })
        .count()
}

#[test]
fn every_category_and_edge_case_is_covered() {
    let data = leads(&params(10_000, 42, 0.0));
    let archetypes: BTreeSet<&str> = data
        .iter()
        .filter_map(|l| l.meta.archetype.as_deref())
        .collect();
    assert!(archetypes.len() >= 14);
    for name in archetype_names() {
        assert!(archetypes.contains(name), "archetype {name} never drawn");
    }
    let labels: BTreeSet<Label> = data.iter().map(label).collect();
    assert_eq!(labels.len(), 3);
    let difficulties: BTreeSet<_> = data.iter().filter_map(|l| l.meta.difficulty).collect();
    assert_eq!(difficulties.len(), 3);
    let seniorities: BTreeSet<Option<Seniority>> = data.iter().map(|l| l.seniority).collect();
    assert_eq!(
        seniorities.len(),
        Seniority::ALL.len() + 1,
        "every seniority and unknown"
    );
    let sources: BTreeSet<Source> = data.iter().map(|l| l.source).collect();
    assert_eq!(sources.len(), Source::ALL.len());

    // Segments: enterprise, mid-market, startup/small, individuals.
    let sized = |lo: u32, hi: u32| {
        data.iter()
            .filter(|l| l.company_size.is_some_and(|s| (lo..=hi).contains(&s)))
            .count()
    };
    assert!(sized(1000, u32::MAX) > 500 && sized(100, 999) > 500 && sized(2, 99) > 500);
    let individuals = data
        .iter()
        .filter(|l| l.domain.ends_with("gmail.com") || l.domain.ends_with("proton.me"))
        .count();
    assert!(individuals > 100);

    let by_arch = |name: &'static str| {
        data.iter()
            .filter(move |l| l.meta.archetype.as_deref() == Some(name))
    };
    let labels_of = |name: &'static str| by_arch(name).map(label).collect::<BTreeSet<_>>();
    assert_eq!(
        labels_of("agency_consultant"),
        BTreeSet::from([Label::Medium])
    );
    assert_eq!(labels_of("agency_reseller"), BTreeSet::from([Label::High]));
    for cautious in ["nonprofit", "research_lab"] {
        assert!(
            !labels_of(cautious).contains(&Label::High),
            "{cautious} must not be high"
        );
    }
    assert_eq!(
        labels_of("nonprofit_enterprise_deployment"),
        BTreeSet::from([Label::High])
    );
    for low in [
        "student_coursework",
        "coursework_enterprise_words",
        "hobbyist",
        "job_seeker",
        "vendor_pitch",
    ] {
        assert_eq!(labels_of(low), BTreeSet::from([Label::Low]), "{low}");
    }
    let enterprise_words = [
        "sso",
        "soc",
        "rfp",
        "procurement",
        "vendor",
        "vendors",
        "rollout",
        "contract",
        "cio",
        "enterprise",
        "budget",
        "platform",
        "deployments",
    ];
    assert!(
        by_arch("coursework_enterprise_words")
            .all(|l| words(&l.inbound_message).any(|w| enterprise_words.contains(&w.as_str())))
    );
    assert!(
        by_arch("big_company_intern").all(|l| l.company_size.is_none_or(|s| s >= 5000)
            && l.seniority.is_none_or(|s| s == Seniority::Entry))
    );
    assert!(
        by_arch("senior_title_tiny_company").all(|l| l.company_size.is_none_or(|s| s <= 6)
            && l.seniority.is_none_or(|s| s >= Seniority::Director))
    );

    let injected = by_arch("prompt_injection").filter(|l| {
        let m = l.inbound_message.to_lowercase();
        m.contains("ignore")
            || m.contains("instructions")
            || m.contains("assistant")
            || m.contains("ai ")
    });
    assert!(injected.count() > 50);
    assert!(labels_of("prompt_injection").contains(&Label::Low));

    let spanish = in_language(
        &data,
        &[
            "estamos",
            "para",
            "necesitamos",
            "hola",
            "gracias",
            "saludos",
            "tienen",
            "somos",
            "una",
            "es",
        ],
    );
    let german = in_language(
        &data,
        &[
            "wir", "und", "ich", "nicht", "gibt", "sie", "grüße", "hallo", "eine", "das",
        ],
    );
    let french = in_language(
        &data,
        &[
            "nous",
            "vous",
            "je",
            "bonjour",
            "cordialement",
            "pour",
            "est",
            "une",
            "votre",
        ],
    );
    assert!(
        [spanish, german, french]
            .iter()
            .filter(|&&n| n >= 50)
            .count()
            >= 2,
        "es {spanish}, de {german}, fr {french}"
    );

    let one_word = data
        .iter()
        .filter(|l| words(&l.inbound_message).count() == 1)
        .count();
    assert!(one_word >= 30, "{one_word} one-word messages");
    for kind in ["support_request", "job_seeker", "vendor_pitch"] {
        assert!(by_arch(kind).count() > 100, "{kind}");
    }
}

#[test]
fn mix_and_split_are_honoured() {
    for (mix, tf) in [
        (Mix::default(), 0.4),
        (
            Mix {
                high: 0.6,
                medium: 0.2,
                low: 0.2,
            },
            0.25,
        ),
    ] {
        let p = GenerateParams {
            n: 10_000,
            seed: 5,
            label_noise: 0.0,
            mix,
            test_fraction: tf,
            ..GenerateParams::default()
        };
        let data = leads(&p);
        let mut counts = BTreeMap::new();
        for l in &data {
            *counts.entry(label(l)).or_insert(0usize) += 1;
        }
        let total = mix.high + mix.medium + mix.low;
        for (l, want) in [
            (Label::High, mix.high),
            (Label::Medium, mix.medium),
            (Label::Low, mix.low),
        ] {
            let got = counts.get(&l).copied().unwrap_or(0) as f64 / data.len() as f64;
            assert!(
                (got - want / total).abs() < 0.02,
                "{l}: {got:.3} vs {:.3}",
                want / total
            );
        }
        let test = data
            .iter()
            .filter(|l| l.meta.split == Some(Split::Test))
            .count() as f64
            / data.len() as f64;
        assert!((test - tf).abs() < 0.02, "test share {test:.3} vs {tf}");
    }
}

/// A multinomial naive Bayes over token lists: trained on the train split, scored on test.
fn naive_bayes_accuracy(data: &[Lead], tokens: impl Fn(&Lead) -> Vec<String>) -> f64 {
    let mut counts: [BTreeMap<String, f64>; 3] = Default::default();
    let mut totals = [0.0f64; 3];
    let mut priors = [0.0f64; 3];
    let mut vocab = BTreeSet::new();
    for l in data.iter().filter(|l| l.meta.split == Some(Split::Train)) {
        let k = label(l).index();
        priors[k] += 1.0;
        for t in tokens(l) {
            *counts[k].entry(t.clone()).or_insert(0.0) += 1.0;
            totals[k] += 1.0;
            vocab.insert(t);
        }
    }
    let v = vocab.len() as f64;
    let test: Vec<&Lead> = data
        .iter()
        .filter(|l| l.meta.split == Some(Split::Test))
        .collect();
    let correct = test
        .iter()
        .filter(|l| {
            let toks = tokens(l);
            let best = (0..3)
                .map(|k| {
                    let lp = priors[k].ln()
                        + toks
                            .iter()
                            .map(|t| {
                                ((counts[k].get(t).copied().unwrap_or(0.0) + 1.0) / (totals[k] + v))
                                    .ln()
                            })
                            .sum::<f64>();
                    (k, lp)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(k, _)| k);
            best == Some(label(l).index())
        })
        .count();
    correct as f64 / test.len() as f64
}

#[test]
fn neither_text_nor_firmographics_alone_is_an_answer_key() {
    let data = leads(&params(10_000, 21, 0.0));
    let text = naive_bayes_accuracy(&data, |l| {
        let ws: Vec<String> = words(&l.inbound_message).collect();
        let mut t = ws.clone();
        t.extend(ws.windows(2).map(|p| format!("{} {}", p[0], p[1])));
        t
    });
    eprintln!("naive Bayes accuracy on the message alone: {text:.3}");
    assert!(
        text < 0.95,
        "a bag-of-words model reaches {text:.3} on the message alone"
    );
    assert!(
        text > 0.6,
        "the message carries too little evidence: {text:.3}"
    );
    let firmo = naive_bayes_accuracy(&data, |l| {
        let band = match l.company_size {
            None => "size:unknown",
            Some(0..=9) => "size:1-9",
            Some(10..=49) => "size:10-49",
            Some(50..=99) => "size:50-99",
            Some(100..=999) => "size:100-999",
            Some(1000..=9999) => "size:1k-10k",
            Some(_) => "size:10k+",
        };
        let mut t = vec![
            band.to_string(),
            format!("sen:{:?}", l.seniority),
            format!("ind:{}", l.industry),
            format!("src:{}", l.source),
        ];
        t.extend(words(&l.job_title).map(|w| format!("title:{w}")));
        t
    });
    eprintln!("naive Bayes accuracy on firmographics alone: {firmo:.3}");
    assert!(firmo < 0.95, "firmographics alone reach {firmo:.3}");
}

/// ROC-AUC of `p` against `y` by ranks (ties ½), for checking the simulated outcomes.
fn rank_auc(p: &[f64], y: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| y[order[k]]).count() as f64 * avg;
        i = j + 1;
    }
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let neg = y.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[test]
fn simulated_outcomes_have_realistic_rates_and_a_known_ceiling() {
    let data = leads(&params(10_000, 42, 0.1));
    let test: Vec<&Lead> = data
        .iter()
        .filter(|l| l.meta.split == Some(lead_bench::lead::Split::Test))
        .collect();
    let p: Vec<f64> = test.iter().map(|l| l.meta.p_convert.expect("p")).collect();
    let y: Vec<bool> = test
        .iter()
        .map(|l| l.outcome.converted.expect("y"))
        .collect();
    let auc = rank_auc(&p, &y);
    println!("oracle conversion AUC on the test split: {auc:.3}");
    assert!((0.75..=0.90).contains(&auc), "oracle AUC {auc:.3}");
    // Conversion by the label the lead really has (noise changes the file, not the lead):
    // a few % low, about 10 % medium, 25–40 % high.
    let mut by_label = BTreeMap::new();
    for l in &data {
        let label = if l.meta.label_noise == Some(true) {
            None
        } else {
            l.gold.map(|g| g.label)
        };
        let e = by_label.entry(label).or_insert((0u32, 0u32));
        e.0 += u32::from(l.outcome.converted == Some(true));
        e.1 += 1;
    }
    let rate = |label| {
        let (c, n) = by_label[&Some(label)];
        f64::from(c) / f64::from(n)
    };
    let (low, medium, high) = (rate(Label::Low), rate(Label::Medium), rate(Label::High));
    println!("conversion by true label: low {low:.3}, medium {medium:.3}, high {high:.3}");
    assert!((0.005..=0.06).contains(&low), "low {low:.3}");
    assert!((0.06..=0.16).contains(&medium), "medium {medium:.3}");
    assert!((0.25..=0.40).contains(&high), "high {high:.3}");
    // Deal values only for converted leads, and positive.
    for l in &data {
        assert_eq!(
            l.outcome.deal_value.is_some(),
            l.outcome.converted == Some(true)
        );
        assert!(l.outcome.deal_value.is_none_or(|v| v > 0.0));
    }
}
