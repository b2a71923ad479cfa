//! A synthetic lead set for the learned scorer's tests and benchmarks, built without the
//! real generator: the gold label is a noisy threshold of a latent value that depends on
//! company size, seniority and a few message phrases, with adjacent-class label noise.

use lead_bench::lead::{Gold, Label, Lead, LeadMeta, Seniority, Source};

/// SplitMix64: a small, fixed generator so the fixture is identical everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const BUYING: [&str; 8] = [
    "we need pricing for 300 seats",
    "our security review starts next month",
    "we are evaluating vendors this quarter",
    "timeline is to roll out in production by q3",
    "procurement asked for a contract draft",
    "scaling to every region needs sso and an sla",
    "please send an enterprise quote",
    "budget is approved for a pilot with the platform team",
];
const EXPLORING: [&str; 6] = [
    "curious how this compares",
    "exploring options for later this year",
    "saw your webinar and want to learn more",
    "is there a whitepaper on the architecture",
    "just looking around for ideas",
    "might be relevant for our team eventually",
];
const PERSONAL: [&str; 6] = [
    "this is for my homework",
    "building a hobby side project",
    "need it for a course assignment",
    "for my thesis at university",
    "personal project on weekends",
    "can i get a free student account",
];
const FILLER: [&str; 24] = [
    "hello",
    "team",
    "we",
    "use",
    "data",
    "pipelines",
    "and",
    "dashboards",
    "our",
    "stack",
    "includes",
    "python",
    "rust",
    "cloud",
    "reports",
    "customers",
    "analytics",
    "workflow",
    "integration",
    "api",
    "thanks",
    "regards",
    "question",
    "about",
];
const INDUSTRIES: [&str; 8] = [
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Education",
    "Manufacturing",
    "Media",
    "Logistics",
];
const TITLES: [[&str; 2]; 6] = [
    ["Analyst", "Intern"],
    ["Engineering Manager", "Product Manager"],
    ["Senior Engineer", "Staff Data Scientist"],
    ["Director of Engineering", "Director IT"],
    ["VP Engineering", "VP Operations"],
    ["CTO", "Founder"],
];

/// `n` leads with gold labels; `noise` is the share flipped to an adjacent class.
pub fn synthetic_leads(n: usize, seed: u64, noise: f64) -> Vec<Lead> {
    let mut rng = Rng::new(seed);
    (0..n).map(|i| one_lead(&mut rng, i, noise)).collect()
}

fn one_lead(rng: &mut Rng, i: usize, noise: f64) -> Lead {
    let size = (rng.unit() >= 0.05).then(|| 10f64.powf(rng.unit() * 4.7).round() as u32);
    let seniority = (rng.unit() >= 0.05).then(|| Seniority::ALL[rng.below(6)]);
    let source = Source::ALL[rng.below(5)];
    let intent = rng.below(4); // 0 buying, 1 exploring, 2 personal, 3 nothing said
    let mut words: Vec<&str> = (0..3 + rng.below(8)).map(|_| rng.pick(&FILLER)).collect();
    let phrase = match intent {
        0 => Some(rng.pick(&BUYING)),
        1 => Some(rng.pick(&EXPLORING)),
        2 => Some(rng.pick(&PERSONAL)),
        _ => None,
    };
    if let Some(p) = phrase {
        let at = rng.below(words.len() + 1);
        words.insert(at, p);
    }
    let message = words.join(" ");

    let size_effect = size.map_or(0.8, |s| (1.0 + f64::from(s)).log10() * 0.9);
    let seniority_effect = seniority.map_or(0.8, |s| s as usize as f64 * 0.45);
    let intent_effect = [2.2, 0.4, -2.2, 0.0][intent];
    let source_effect = if source == Source::Referral { 0.4 } else { 0.0 };
    let jitter = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 0.9;
    let latent = size_effect + seniority_effect + intent_effect + source_effect + jitter;
    let mut k: usize = if latent < 2.3 {
        0
    } else if latent < 4.0 {
        1
    } else {
        2
    };
    if rng.unit() < noise {
        k = match k {
            0 => 1,
            2 => 1,
            _ if rng.unit() < 0.5 => 0,
            _ => 2,
        };
    }
    let label = Label::ALL[k];
    let name = format!(
        "{}{} {}",
        rng.pick(&["Acme", "Nova", "Blue", "Quant", "Terra", "Pixel", "Orbit"]),
        rng.pick(&["soft", "works", "ly", "io", "base", "grid"]),
        rng.pick(&["Inc", "Labs", "GmbH", "Ltd", "Group"]),
    );
    let domain = format!(
        "{}.{}",
        name.split(' ').next().unwrap_or("x").to_lowercase(),
        rng.pick(&["com", "io", "co", "org"])
    );
    let title = match seniority {
        Some(s) => TITLES[s as usize][rng.below(2)].to_string(),
        None => String::new(),
    };
    Lead {
        enrichment: Default::default(),
        lead_id: format!("lead-{i:06}"),
        company_name: name,
        company_size: size,
        domain,
        industry: rng.pick(&INDUSTRIES).to_string(),
        job_title: title,
        seniority,
        inbound_message: message,
        source,
        gold: Some(Gold { label, score: None }),
        outcome: Default::default(),
        meta: LeadMeta::default(),
    }
}
