//! Job titles that match a seniority level and the kind of organisation.

use super::draw::Draw;
use crate::lead::Seniority;

/// Which family of titles fits the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TitleSet {
    Corporate,
    Agency,
    Academic,
    Nonprofit,
    /// Students, hobbyists and job seekers: titles people type about themselves.
    Individual,
    /// Interns, whatever the size of the company.
    Intern,
}

const FUNCTIONS: &[&str] = &[
    "Engineering",
    "IT",
    "Data",
    "Operations",
    "Marketing",
    "Sales Operations",
    "Customer Success",
    "Product",
    "Security",
    "Finance",
    "Procurement",
    "Revenue Operations",
    "Platform",
    "Customer Support",
    "Analytics",
    "Infrastructure",
    "Digital Transformation",
    "People",
];

const ROLES: &[&str] = &[
    "Software Engineer",
    "Data Scientist",
    "Data Engineer",
    "Solutions Architect",
    "DevOps Engineer",
    "Business Analyst",
    "Marketing Specialist",
    "Product Designer",
    "ML Engineer",
    "Backend Developer",
    "Security Engineer",
    "Financial Analyst",
];

/// Writes a title for `seniority` in `set` into `out`.
pub(crate) fn title(d: &mut Draw, set: TitleSet, seniority: Seniority, out: &mut String) {
    use Seniority::*;
    let f = d.pick(FUNCTIONS);
    let r = d.pick(ROLES);
    match (set, seniority) {
        (TitleSet::Corporate, Entry) => match d.below(5) {
            0 => out.push_str(d.pick(&["Intern", "Summer Intern", "Graduate Intern"])),
            1 => push2(out, f, " Intern"),
            2 => push2(out, "Junior ", r),
            3 => push2(out, f, " Coordinator"),
            _ => push2(out, f, " Associate"),
        },
        (TitleSet::Corporate, Manager) => match d.below(3) {
            0 => push2(out, "Manager, ", f),
            _ => push2(out, f, " Manager"),
        },
        (TitleSet::Corporate, Senior) => match d.below(4) {
            0 => out.push_str(d.pick(&[
                "Staff Engineer",
                "Principal Engineer",
                "Tech Lead",
                "Lead Architect",
            ])),
            1 => push2(out, "Lead ", r),
            _ => push2(out, "Senior ", r),
        },
        (TitleSet::Corporate, Director) => match d.below(2) {
            0 => push2(out, "Director of ", f),
            _ => push2(out, "Head of ", f),
        },
        (TitleSet::Corporate, Vp) => match d.below(3) {
            0 => push2(out, "VP ", f),
            1 => push2(out, "SVP, ", f),
            _ => push2(out, "VP of ", f),
        },
        (TitleSet::Corporate, CSuite) => out.push_str(d.pick(&[
            "CEO",
            "CTO",
            "CIO",
            "COO",
            "CFO",
            "Chief Data Officer",
            "CISO",
            "Chief Digital Officer",
            "Founder",
            "Co-founder",
            "Founder & CEO",
            "Managing Director",
            "Chief Revenue Officer",
        ])),
        (TitleSet::Agency, s) => out.push_str(match s {
            Entry => d.pick(&[
                "Account Executive",
                "Junior Designer",
                "Junior Developer",
                "Associate Consultant",
            ]),
            Manager => d.pick(&[
                "Account Manager",
                "Project Manager",
                "Delivery Manager",
                "Engagement Manager",
            ]),
            Senior => d.pick(&[
                "Senior Consultant",
                "Lead Developer",
                "Senior Strategist",
                "Principal Consultant",
            ]),
            Director => d.pick(&[
                "Client Services Director",
                "Creative Director",
                "Director of Delivery",
                "Head of Partnerships",
            ]),
            Vp => d.pick(&["VP Client Services", "VP of Partnerships", "VP Strategy"]),
            CSuite => d.pick(&[
                "Founder",
                "Managing Partner",
                "Principal",
                "CEO",
                "Co-founder",
            ]),
        }),
        (TitleSet::Academic, s) => out.push_str(match s {
            Entry => d.pick(&[
                "PhD Student",
                "Graduate Student",
                "Undergraduate Student",
                "MSc Student",
                "MBA Candidate",
                "Research Assistant",
            ]),
            Manager => d.pick(&[
                "Lab Manager",
                "Research Coordinator",
                "IT Manager, Research Computing",
            ]),
            Senior => d.pick(&[
                "Postdoctoral Researcher",
                "Research Scientist",
                "Senior Research Fellow",
                "Research Software Engineer",
            ]),
            Director => d.pick(&[
                "Principal Investigator",
                "Professor",
                "Director of Research Computing",
                "Associate Professor",
            ]),
            Vp => d.pick(&[
                "Vice Provost for Research",
                "Associate Dean",
                "Vice President for IT",
            ]),
            CSuite => d.pick(&["CIO", "Chief Research Officer", "Chief Information Officer"]),
        }),
        (TitleSet::Nonprofit, s) => out.push_str(match s {
            Entry => d.pick(&["Volunteer", "Program Assistant", "Communications Assistant"]),
            Manager => d.pick(&[
                "Program Manager",
                "Volunteer Coordinator",
                "Operations Manager",
                "Grants Manager",
            ]),
            Senior => d.pick(&[
                "Senior Program Officer",
                "Data & Evaluation Lead",
                "Senior Fundraiser",
            ]),
            Director => d.pick(&[
                "Director of Programs",
                "Development Director",
                "Head of Digital",
            ]),
            Vp => d.pick(&["VP of Operations", "VP Programs"]),
            CSuite => d.pick(&[
                "Executive Director",
                "CEO",
                "Founder",
                "Chief Operating Officer",
            ]),
        }),
        (TitleSet::Intern, _) => match d.below(3) {
            0 => push2(out, f, " Intern"),
            _ => out.push_str(d.pick(&[
                "Intern",
                "Summer Intern",
                "Graduate Intern",
                "Working Student",
                "Co-op Student",
            ])),
        },
        (TitleSet::Individual, s) => out.push_str(match s {
            Entry => d.pick(&[
                "Student",
                "Recent Graduate",
                "Freelancer",
                "Bootcamp Student",
                "Junior Developer",
                "Open to work",
            ]),
            Manager => d.pick(&["Shop Owner", "Team Lead", "Project Manager"]),
            Senior => d.pick(&[
                "Software Developer",
                "Independent Consultant",
                "Senior Developer",
                "Data Analyst",
            ]),
            Director => d.pick(&["Director", "Head of Everything"]),
            Vp => d.pick(&["VP", "Vice President"]),
            CSuite => d.pick(&["Founder", "CEO", "Owner", "Solo Founder"]),
        }),
    }
}

fn push2(out: &mut String, a: &str, b: &str) {
    out.push_str(a);
    out.push_str(b);
}

#[cfg(test)]
mod tests {
    use super::super::draw::Stream;
    use super::*;

    #[test]
    fn titles_match_seniority() {
        let mut d = Draw::new(5, Stream::Content);
        let mut t = String::new();
        for _ in 0..200 {
            t.clear();
            title(&mut d, TitleSet::Corporate, Seniority::Director, &mut t);
            assert!(
                t.starts_with("Director of ") || t.starts_with("Head of "),
                "{t}"
            );
            t.clear();
            title(&mut d, TitleSet::Corporate, Seniority::Vp, &mut t);
            assert!(t.contains("VP"), "{t}");
        }
    }
}
