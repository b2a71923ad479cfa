//! Realistic firmographics: company names built from combinable parts, domains derived
//! from those names, industries, people's names and places.

use super::draw::Draw;

/// The kind of organisation a lead comes from; it decides naming, domain and industry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgKind {
    Company,
    Agency,
    University,
    ResearchLab,
    Nonprofit,
    /// An individual: a personal e-mail domain and often no company at all.
    Personal,
}

/// The language and country a lead writes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locale {
    En,
    Es,
    De,
    Fr,
}

/// An industry and the name endings that suit companies in it.
pub(crate) struct Industry {
    pub(crate) name: &'static str,
    suffixes: &'static [&'static str],
    tlds: &'static [&'static str],
}

#[rustfmt::skip]
pub(crate) const INDUSTRIES: &[Industry] = &[
    Industry { name: "Software", suffixes: &["Software", "Systems", "Labs", "Cloud", "Technologies", "Data", "Works"], tlds: &["com", "io", "dev"] },
    Industry { name: "Financial Services", suffixes: &["Capital", "Financial", "Bank", "Payments", "Wealth", "Credit Union", "Finance"], tlds: &["com", "com", "co"] },
    Industry { name: "Insurance", suffixes: &["Insurance", "Mutual", "Assurance", "Underwriters"], tlds: &["com"] },
    Industry { name: "Healthcare", suffixes: &["Health", "Medical", "Clinics", "Care", "Health Partners", "Diagnostics"], tlds: &["com", "health", "org"] },
    Industry { name: "Biotech", suffixes: &["Bio", "Therapeutics", "Genomics", "Biosciences"], tlds: &["com", "bio"] },
    Industry { name: "Retail", suffixes: &["Outfitters", "Market", "Goods", "Stores", "Supply Co", "Home"], tlds: &["com", "shop", "co"] },
    Industry { name: "E-commerce", suffixes: &["Commerce", "Shop", "Direct", "Boutique", "Brands"], tlds: &["com", "shop", "co"] },
    Industry { name: "Logistics", suffixes: &["Logistics", "Freight", "Shipping", "Transport", "Fleet", "Cargo"], tlds: &["com", "net"] },
    Industry { name: "Manufacturing", suffixes: &["Manufacturing", "Industries", "Components", "Fabrication", "Machining", "Steel"], tlds: &["com", "net"] },
    Industry { name: "Telecommunications", suffixes: &["Telecom", "Networks", "Wireless", "Communications", "Fiber"], tlds: &["com", "net"] },
    Industry { name: "Media", suffixes: &["Media", "Studios", "Publishing", "Broadcasting", "Press"], tlds: &["com", "tv", "co"] },
    Industry { name: "Energy", suffixes: &["Energy", "Power", "Solar", "Utilities", "Renewables", "Grid"], tlds: &["com", "energy"] },
    Industry { name: "Real Estate", suffixes: &["Properties", "Realty", "Estates", "Property Group", "Homes"], tlds: &["com"] },
    Industry { name: "Legal Services", suffixes: &["Legal", "Law Group", "LLP", "Advocates"], tlds: &["com", "law"] },
    Industry { name: "Hospitality", suffixes: &["Hotels", "Resorts", "Hospitality", "Kitchens", "Restaurant Group"], tlds: &["com"] },
    Industry { name: "Automotive", suffixes: &["Motors", "Automotive", "Mobility", "Auto Group"], tlds: &["com"] },
    Industry { name: "Education Technology", suffixes: &["Learning", "Education", "Academy", "Edu"], tlds: &["com", "io"] },
    Industry { name: "Travel", suffixes: &["Travel", "Journeys", "Tours", "Airways"], tlds: &["com", "travel"] },
    Industry { name: "Agriculture", suffixes: &["Farms", "Agri", "Harvest", "Growers"], tlds: &["com", "farm"] },
    Industry { name: "Cybersecurity", suffixes: &["Security", "Defense", "Shield", "Cyber"], tlds: &["com", "io", "security"] },
    Industry { name: "Gaming", suffixes: &["Games", "Interactive", "Play", "Entertainment"], tlds: &["com", "gg", "io"] },
    Industry { name: "Construction", suffixes: &["Construction", "Builders", "Engineering", "Contractors"], tlds: &["com"] },
];

const AGENCY_INDUSTRIES: &[&str] = &[
    "Marketing Services",
    "IT Consulting",
    "Professional Services",
    "Digital Agency",
    "Management Consulting",
];
const AGENCY_SUFFIXES: &[&str] = &[
    "Digital",
    "Partners",
    "Consulting",
    "Studio",
    "Collective",
    "Advisory",
    "Agency",
    "Group",
    "Creative",
    "Solutions",
];

/// First halves of company names: neutral words that suit any industry.
const PREFIXES: &[&str] = &[
    "Northwind",
    "Bluepeak",
    "Ironclad",
    "Silverline",
    "Brightpath",
    "Cobalt",
    "Redwood",
    "Granite",
    "Harbor",
    "Summit",
    "Lumen",
    "Evergreen",
    "Crescent",
    "Pinecrest",
    "Stonebridge",
    "Clearwater",
    "Riverbend",
    "Oakridge",
    "Maple",
    "Falcon",
    "Aurora",
    "Vertex",
    "Nimbus",
    "Quantum",
    "Helix",
    "Atlas",
    "Beacon",
    "Cedar",
    "Copper",
    "Delta",
    "Ember",
    "Fjord",
    "Glacier",
    "Horizon",
    "Indigo",
    "Juniper",
    "Keystone",
    "Lighthouse",
    "Meridian",
    "Nova",
    "Orchid",
    "Pioneer",
    "Quarry",
    "Radiant",
    "Sierra",
    "Tidewater",
    "Umber",
    "Vantage",
    "Willow",
    "Zephyr",
    "Apex",
    "Bridgewater",
    "Cascade",
    "Driftwood",
    "Eastgate",
    "Foxglove",
    "Goldcrest",
    "Highland",
    "Ironwood",
    "Kestrel",
    "Larkspur",
    "Monarch",
    "Northstar",
    "Obsidian",
    "Parkside",
    "Quill",
    "Rockport",
    "Saffron",
    "Thornbury",
    "Upland",
    "Velvet",
    "Westbrook",
    "Yellowstone",
    "Amberly",
    "Blackstone",
    "Coral",
    "Dovetail",
    "Elm Street",
    "Firefly",
    "Greenleaf",
    "Hawthorn",
    "Ivory",
    "Jade",
    "Kingfisher",
    "Lattice",
    "Mosaic",
    "Nightingale",
    "Orbit",
    "Prism",
    "Rivet",
    "Sable",
    "Tandem",
    "Unity",
    "Vireo",
    "Wayfarer",
    "Alder",
    "Bramble",
    "Corvid",
    "Dune",
    "Emberly",
    "Flint",
    "Grove",
    "Halcyon",
    "Inlet",
    "Jetty",
    "Kite",
    "Lodestar",
    "Mariner",
    "Nettle",
    "Onyx",
    "Paragon",
    "Rook",
    "Slate",
    "Talon",
    "Verdant",
    "Wren",
    "Acorn",
    "Basalt",
    "Canopy",
    "Sparrow",
    "Trellis",
    "Everly",
    "Solstice",
    "Meadowlark",
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Alex", "Priya", "Marcus", "Elena", "Jordan", "Aisha", "Tom", "Mei", "Daniel", "Sofia", "Liam",
    "Fatima", "Noah", "Chloe", "Raj", "Hannah", "Diego", "Olivia", "Kenji", "Grace", "Omar",
    "Isabel", "Ben", "Amara", "Lucas", "Nina", "Ethan", "Zara", "Sam", "Yuki", "Mateo", "Leah",
    "Victor", "Ana", "Hugo", "Ingrid", "Kwame", "Laura", "Mohammed", "Sarah", "Tariq", "Emily",
    "Chen", "Rosa", "Patrick", "Anika", "Felix", "Julia", "Ravi", "Megan", "Oscar", "Lina",
    "Henrik", "Carmen", "David", "Maya", "Samuel", "Jess", "Wei", "Nadia", "Kofi", "Claire",
    "Arjun", "Helen", "Ivan", "Lucia", "Mark", "Noor", "Pablo", "Rachel", "Stefan", "Tessa",
    "Umar", "Vera", "Will", "Xavier", "Yasmin", "Zoe", "Adrien", "Bianca", "Colin",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Schmidt",
    "Garcia",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Andersson",
    "Rossi",
    "Murphy",
    "Tanaka",
    "Dubois",
    "Haddad",
    "Silva",
    "Johansson",
    "Kim",
    "Fischer",
    "Moreau",
    "Singh",
    "O'Brien",
    "Lopez",
    "Weber",
    "Chen",
    "Novak",
    "Brennan",
    "Ibrahim",
    "Costa",
    "Larsen",
    "Mendes",
    "Fraser",
    "Becker",
    "Ortiz",
    "Walsh",
    "Hoffman",
    "Reyes",
    "Sato",
    "Meyer",
    "Price",
    "Hughes",
    "Kaplan",
    "Duarte",
    "Lindqvist",
    "Mbeki",
    "Park",
    "Ramos",
    "Turner",
    "Vogel",
];

pub(crate) const CITIES: &[&str] = &[
    "Denver",
    "Austin",
    "Toronto",
    "Leeds",
    "Portland",
    "Melbourne",
    "Dublin",
    "Boston",
    "Atlanta",
    "Chicago",
    "Seattle",
    "Edinburgh",
    "Manchester",
    "Auckland",
    "Vancouver",
    "Phoenix",
    "Nashville",
    "Minneapolis",
    "Bristol",
    "Glasgow",
    "Pittsburgh",
    "Sacramento",
    "Calgary",
    "Adelaide",
    "Cork",
    "Raleigh",
    "Tampa",
    "Ottawa",
    "Brisbane",
    "Cardiff",
];

const NONPROFIT_CAUSES: &[&str] = &[
    "Food Bank",
    "Literacy Project",
    "Animal Rescue",
    "Youth Alliance",
    "Housing Trust",
    "Clean Water Fund",
    "Refugee Network",
    "Arts Council",
    "Health Coalition",
    "Wildlife Trust",
    "Community Foundation",
    "Mentoring Program",
];

const LAB_TOPICS: &[&str] = &[
    "Computational Biology",
    "Human-Computer Interaction",
    "Climate Modelling",
    "Robotics",
    "Natural Language Processing",
    "Neuroscience",
    "Materials Science",
    "Public Health",
    "Economics",
    "Urban Analytics",
    "Astrophysics",
    "Machine Learning",
];

const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "proton.me",
    "icloud.com",
    "hotmail.com",
    "gmx.net",
];

/// The realised organisation of one lead.
pub(crate) struct Org {
    pub(crate) name: String,
    pub(crate) domain: String,
    pub(crate) industry: &'static str,
}

/// Appends the lowercase ASCII letters and digits of `s` to `out` (domain labels).
fn push_slug(out: &mut String, s: &str) {
    out.extend(
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
}

fn locale_tld(locale: Locale) -> Option<&'static str> {
    match locale {
        Locale::En => None,
        Locale::Es => Some("es"),
        Locale::De => Some("de"),
        Locale::Fr => Some("fr"),
    }
}

fn legal_form(d: &mut Draw, locale: Locale) -> &'static str {
    match locale {
        Locale::En => d.pick(&["", "", "", " Inc.", " LLC", " Ltd", " Group"]),
        Locale::Es => d.pick(&[" S.L.", " S.A.", ""]),
        Locale::De => d.pick(&[" GmbH", " AG", ""]),
        Locale::Fr => d.pick(&[" SAS", " SARL", ""]),
    }
}

/// Builds a company-like name `<prefix> <suffix>` and a domain derived from it, e.g.
/// "Northwind Analytics" → northwindanalytics.com, northwind.io or northwind-analytics.com.
fn company(d: &mut Draw, suffix: &str, tlds: &[&'static str], locale: Locale) -> (String, String) {
    let prefix = d.pick(PREFIXES);
    let mut name = String::with_capacity(40);
    name.push_str(prefix);
    name.push(' ');
    name.push_str(suffix);
    let form = legal_form(d, locale);
    name.push_str(form);
    let mut domain = String::with_capacity(40);
    let tld = locale_tld(locale).unwrap_or_else(|| d.pick(tlds));
    match d.below(4) {
        0 => push_slug(&mut domain, prefix),
        1 => {
            push_slug(&mut domain, prefix);
            domain.push('-');
            push_slug(&mut domain, suffix);
        }
        _ => {
            push_slug(&mut domain, prefix);
            push_slug(&mut domain, suffix);
        }
    }
    domain.push('.');
    domain.push_str(tld);
    (name, domain)
}

/// Realises an organisation of `kind`; companies take their industry from `industry`
/// (an index into [`INDUSTRIES`]) so that names and industries agree.
pub(crate) fn org(d: &mut Draw, kind: OrgKind, industry: usize, locale: Locale) -> Org {
    match kind {
        OrgKind::Company => {
            let ind = &INDUSTRIES[industry % INDUSTRIES.len()];
            let suffix = d.pick(ind.suffixes);
            let (name, domain) = company(d, suffix, ind.tlds, locale);
            Org {
                name,
                domain,
                industry: ind.name,
            }
        }
        OrgKind::Agency => {
            let suffix = d.pick(AGENCY_SUFFIXES);
            let industry = d.pick(AGENCY_INDUSTRIES);
            if d.chance(0.3) {
                let (a, b) = (d.pick(LAST_NAMES), d.pick(LAST_NAMES));
                let name = format!("{a} & {b} {suffix}");
                let mut domain = String::new();
                push_slug(&mut domain, a);
                push_slug(&mut domain, b);
                domain.push_str(".com");
                return Org {
                    name,
                    domain,
                    industry,
                };
            }
            let (name, domain) = company(d, suffix, &["com", "co", "agency", "io"], locale);
            Org {
                name,
                domain,
                industry,
            }
        }
        OrgKind::University | OrgKind::ResearchLab => {
            let city = d.pick(CITIES);
            let mut domain = String::new();
            let uni = match d.below(3) {
                0 => {
                    domain.push('u');
                    push_slug(&mut domain, city);
                    format!("University of {city}")
                }
                1 => {
                    push_slug(&mut domain, city);
                    domain.push_str("state");
                    format!("{city} State University")
                }
                _ => {
                    let who = d.pick(LAST_NAMES);
                    push_slug(&mut domain, who);
                    domain.push_str("tech");
                    format!("{who} Institute of Technology")
                }
            };
            let uk = [
                "Leeds",
                "Edinburgh",
                "Manchester",
                "Bristol",
                "Glasgow",
                "Cardiff",
            ];
            domain.push_str(if uk.contains(&city) { ".ac.uk" } else { ".edu" });
            if kind == OrgKind::University {
                return Org {
                    name: uni,
                    domain,
                    industry: "Higher Education",
                };
            }
            let name = if d.chance(0.5) {
                format!("{} Lab, {uni}", d.pick(LAST_NAMES))
            } else {
                format!("{} Group, {uni}", d.pick(LAB_TOPICS))
            };
            let industry = d.pick(&["Research", "Higher Education", "Research"]);
            Org {
                name,
                domain,
                industry,
            }
        }
        OrgKind::Nonprofit => {
            let cause = d.pick(NONPROFIT_CAUSES);
            let place = if d.chance(0.5) {
                d.pick(CITIES)
            } else {
                d.pick(PREFIXES)
            };
            let name = format!("{place} {cause}");
            let mut domain = String::new();
            push_slug(&mut domain, place);
            if d.chance(0.6) {
                push_slug(&mut domain, cause);
            }
            domain.push_str(".org");
            Org {
                name,
                domain,
                industry: d.pick(&["Nonprofit", "Non-profit Organization", "Charity"]),
            }
        }
        OrgKind::Personal => {
            let name = d.pick(&[
                "",
                "",
                "",
                "Self-employed",
                "Personal",
                "N/A",
                "Freelance",
                "none",
            ]);
            Org {
                name: name.to_string(),
                domain: d.pick(PERSONAL_DOMAINS).to_string(),
                industry: d.pick(&["", "", "Individual", "Other", "Personal"]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::draw::Stream;
    use super::*;

    #[test]
    fn domains_derive_from_names() {
        let mut d = Draw::new(3, Stream::Content);
        for i in 0..500 {
            let o = org(&mut d, OrgKind::Company, i, Locale::En);
            let first = o.name.split(' ').next().expect("a name has a first word");
            let slug: String = first.chars().filter(char::is_ascii_alphanumeric).collect();
            assert!(
                o.domain.starts_with(&slug.to_ascii_lowercase()),
                "{} {}",
                o.name,
                o.domain
            );
            assert!(!o.industry.is_empty());
        }
        let de = org(&mut d, OrgKind::Company, 0, Locale::De);
        assert!(de.domain.ends_with(".de"), "{}", de.domain);
    }
}
