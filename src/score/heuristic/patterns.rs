//! The phrase tables behind every signal, in English with the common Spanish, German and
//! French words. Each table entry is one comma-separated list of phrases (strings keep the
//! tables compact); phrases are lowercase, hyphens written as spaces; a trailing `*` is a stem.

use super::signals::{Cue, Family, NEGATORS, TitleCue, TitleFlag, Unit};
use crate::lead::Seniority;

const fn fam(f: Family) -> Cue {
    Cue::Family(f)
}

/// Phrases of the inbound message.
pub(crate) const MESSAGE: &[(Cue, &str)] = &[
    (
        fam(Family::Pricing),
        "pric*, cost, costs, costing, quote, quotes, quotation*, how much, tarif*, devis, \
         precio*, cotizaci*, preis*, kosten, coût*, cout, couts, prix, discount*, margins, \
         rate card, budgetary quote, kostet, cuesta, cuánto, combien, coûte, monthly fee, \
         annual fee, offert, offerte, preventivo, orçamento, preço, prezzo, prijs",
    ),
    (
        fam(Family::Evaluation),
        "evaluat*, evalu*, évalu*, shortlist*, short list, rfp, rfps, rfi, rfq, \
         request for proposal*, tender*, vendor*, proveedor*, anbieter*, fournisseur*, poc, \
         pocs, proof of concept, proof of value, pilot*, compar*, alternative*, replace*, \
         replacing, switch*, migrat*, competitor*, bake off, selected, selecting, \
         vendor selection, decid*, decision*, décision*, valorando, vergleich*, ausschreibung*, \
         appel d'offres, licitaci*, reference customer*, references, technical review, \
         architecture review, leverantör*, fornitor*, fornecedor*, leverancier*, utvärder*, \
         valutazion*, avalia*, evalueren",
    ),
    (
        fam(Family::Production),
        "production, in prod, prod environment, deploy*, déploy*, despleg*, despliegue, \
         roll out, rollout*, roll it out, rolling out, go live, going live, live by, \
         implement*, implementar*, implementier*, mise en production, producción, produktion*, \
         einführung, einführen, launch*, lanzamiento, in den betrieb, onboard our",
    ),
    (
        fam(Family::Requirements),
        "scal*, reliab*, uptime, sla, slas, 99.9*, high availability, availability, security, \
         secure, soc 2, soc2, soc ii, iso 27001, iso27001, hipaa, gdpr, dsgvo, rgpd, pci, \
         fedramp, sso, saml, scim, audit*, compliance, compliant, data residency, on prem*, \
         self hosted, encryption, penetration test*, pen test*, latency, throughput, \
         redundancy, disaster recovery, sicherheit*, seguridad, sécurité, securite, \
         cumplimiento, conformité, escalar, escalabilidad, skalier*, fiabilidad, zuverlässig*, \
         datenschutz",
    ),
    (
        fam(Family::Urgency),
        "asap, urgent*, immediately, right away, this quarter, next quarter, end of quarter, \
         end of the quarter, this month, next month, end of the month, end of month, this week, \
         next week, this year, this fiscal year, fiscal year, by end of, by the end of, \
         deadline*, due by, due date, due on, responses due, timeline*, timeframe, time frame, \
         q1, q2, q3, q4, peak season, contract ends, renewal, decision expected, \
         este trimestre, este mes, próximo mes, cuanto antes, urgente, dieses quartal, \
         diesen monat, bis ende, sofort, dringend, ce trimestre, ce mois, fin du mois, \
         avant la fin, au plus vite, nächste woche, nächsten monat, nächsten quartal, \
         by monday, by tuesday, by wednesday, by thursday, by friday, on monday, on tuesday, \
         on wednesday, on thursday, on friday, next monday, next tuesday, next wednesday, \
         next thursday, next friday, tomorrow, end of day, eod",
    ),
    (
        fam(Family::Purchase),
        "budget*, presupuesto*, approved, purchas*, procure*, buy, buying, contract*, msa, \
         master services agreement, dpa, sign, signed, signing, sign off, licens*, licenc*, \
         seat, seats, annual plan, enterprise plan, enterprise agreement, purchase order, \
         proposal, propuesta*, angebot*, resell*, resale, white label*, whitelabel, \
         partner agreement, partner program*, implementation partner, kaufen, comprar, acheter, \
         commande, bestellung, contrato*, vertrag*, nutzer, usuarios, utilisateurs, \
         pay upfront, pay for, paid plan, upgrade, order form, invoice us",
    ),
    (
        fam(Family::Demo),
        "demo*, démo*, demonstration, trial, trials, a call, call with, set up a call, \
         schedule a call, book a call, talk to sales, talk to someone, speak with, speak to, \
         walkthrough, walk through, presentation, llamada, reunión, termin, rendez vous, \
         sales team, solutions team, enterprise team, contact sales, loop in",
    ),
    (
        fam(Family::EnterpriseDeployment),
        "company wide, companywide, organisation wide, organization wide, org wide, \
         enterprise wide, group wide, institution wide, campus wide, global rollout, \
         across the company, across the organisation, across the organization, \
         enterprise deployment, enterprise rollout, enterprise license*, unternehmensweit*, \
         konzernweit*, à l'échelle de l'entreprise, wide deployment, wide rollout, \
         wide roll out, hospital wide, university wide, system wide",
    ),
    (
        fam(Family::Explore),
        "explor*, looking into, look into, looking at, look at, looking for, consider*, \
         interested, interest, intéress*, interesad*, interessier*, learn more, more info*, \
         tell me more, know more, hear more, en savoir plus, más información, mehr erfahren, \
         informier*, información, curious, options, opciones, case stud*, whitepaper*, \
         white paper, overview, understand*, research*, what's possible, features, \
         capabilities, how it works, how your, what you offer, what do you offer, \
         best practices, webinar, lösung*, soluciones, solutions, deck, brochure, datasheet, \
         data sheet, one pager, info, send information, we want to, we'd like to, \
         we would like, we need, we're looking for, we are looking for",
    ),
    (
        fam(Family::UseCase),
        "use case*, team, teams, workflow*, pipeline*, our customers, our product, our app, \
         our platform, our stack, data, automat*, integrat*, api, apis, reporting, \
         infrastructure, microservice*, k8s, kubernetes, cloud, crm, erp, analytics, forecast*, \
         monitoring, observability, onboarding, operations, billing, invoic*, factur*, equipo, \
         équipe*, equipe*, gestión, fraud, document*, scheduling, clinical, logistics, \
         supply chain, warehouse",
    ),
    (
        fam(Family::Coursework),
        "student*, studentin, coursework, course work, course project, homework, assignment*, \
         class project, my class, for class, for a class, thesis, theses, dissertation*, \
         capstone, professor, my course, a course on, teach a course, university project, \
         school project, uni project, college project, final year project, term paper, \
         seminararbeit, hausarbeit, bachelorarbeit, masterarbeit, studium, studiere, étudiant*, \
         etudiant*, estudiante*, tesis, tarea*, mémoire, projet de cours, projet scolaire, \
         trabajo de fin, tfg, mba, phd, ph.d, grad school, graduate school",
    ),
    (
        fam(Family::Learning),
        "i'm learning, i am learning, im learning, learning to, learning how, learn how to, \
         want to learn, learn about, tutorial*, beginner*, newbie, self taught, self study, \
         to practise, to practice, practice with, practise with, online course*, bootcamp*, \
         udemy, coursera, aprender, aprendiendo, apprendre, ich lerne, lernen, aspiring",
    ),
    (
        fam(Family::Personal),
        "hobby, hobbies, hobbyist, at home, home use, home server, personal project*, \
         personal use, personal blog, personal website, my personal, side project*, \
         side hustle, for fun, weekend project*, pet project, raspberry pi, home automation, \
         homelab, home lab, my own, for myself, just me, my kids, my family, my blog, \
         my photos, proyecto personal, proyectos personales, mis proyectos, uso personal, \
         projet perso*, usage personnel, privat, privaten, privates, privatgebrauch, \
         fürs hobby, persönlich*, minecraft",
    ),
    (
        fam(Family::JobSeeking),
        "looking for a job, looking for job, looking for work, looking for a role, \
         looking for a new role, looking for a senior role, looking for a position, \
         looking for an internship, job opening*, job opportunit*, job application, job seeker, \
         job search*, open to work, open roles, open positions, your openings, are you hiring, \
         you're hiring, you are hiring, my cv, my resume, my résumé, cv attached, \
         resume attached, join your team, work for you, role at your company, \
         position at your company, career opportunit*, internship opportunit*, apply for, \
         applying for, un stage, stage en, offres d'emploi, emploi, busco trabajo, \
         busco empleo, empleo, vacante*, bewerbung, stellenangebot*, praktikum",
    ),
    (
        fam(Family::VendorPitch),
        "we help, we can help you, we specialize, we specialise, our services, our agency can, \
         companies like yours, businesses like yours, teams like yours, brands like yours, \
         qualified meetings, meetings a month, meetings per month, more meetings, 15 minutes, \
         15 min, quick chat, guest post*, backlink*, link building, seo, lead generation, \
         lead gen, outsourc*, offshore, dev shop, redesign your, your website, \
         appointment setting, cold email*, candidates for your, strong candidates, recruiter, \
         staffing agency, partnership opportunit*, offering to, send you our pricing, \
         our rates",
    ),
    (
        fam(Family::Support),
        "not working, isn't working, is not working, doesn't work, does not work, \
         stopped working, not loading, isn't loading, won't load, doesn't load, hasn't loaded, \
         can't log in, cannot log in, can't login, cannot login, unable to log in, \
         can't sign in, locked out, reset my password, password reset, forgot my password, \
         can't reset, my account, error message, getting an error, throws an error, bug, bugs, \
         broken, greyed out, grayed out, how do i, refund, cancel my subscription, \
         cancel my account, billing issue, charged twice, support ticket, ticket, \
         troubleshoot*, export my, no funciona, funktioniert nicht, ne fonctionne pas, \
         ne marche pas",
    ),
    (
        fam(Family::Spam),
        "cheap followers, followers, click here, visit www, casino, viagra, crypto, bitcoin, \
         forex, earn money, make money, % off, buy now, limited offer",
    ),
    (
        fam(Family::Free),
        "free tier, free version, free plan, free access, for free, free license*, \
         free licence*, free account, free option, no cost, cheap, open source alternative, \
         gratis, gratuit*, kostenlos*, open source version",
    ),
    (
        fam(Family::NotReady),
        "no budget, not ready, no timeline, no rush, not in a rush, no hurry, just looking, \
         just browsing, just curious, just researching, someday, maybe later, down the line, \
         not sure yet, no immediate, not a priority, idea stage, kein budget, sin presupuesto, \
         pas de budget, pas encore",
    ),
    (
        fam(Family::Vague),
        "newsletter, subscribe, mailing list, add me to",
    ),
    (
        fam(Family::OptOut),
        "unsubscribe, remove me, stop emailing, stop contacting, stop sending, not interested, \
         opt out, take me off, darse de baja, abmelden, désabonner, désinscrire",
    ),
    (
        fam(Family::Injection),
        "ignore previous, ignore all previous, ignore the previous, ignore prior, \
         ignore the above, ignore your, ignore all instructions, ignore any, ignore all, \
         ignore earlier, earlier instructions, forget previous, forget your instructions, \
         new instructions, mark me as, previous instructions, prior instructions, \
         disregard previous, disregard all, disregard the above, disregard your, system prompt, \
         system:, assistant:, you are now, rate this lead, score this lead, this lead, \
         lead score, score of 100, score 100, jailbreak",
    ),
    (
        fam(Family::Agency),
        "agency, agencies, our agency, consultancy, consultant, consultants, consulting firm, \
         freelanc*, agencia, agence, agentur, cabinet de conseil",
    ),
    (
        fam(Family::MultiClient),
        "resell*, resale, white label*, whitelabel, partner program*, partner agreement, \
         implementation partner, multiple clients, many clients, client accounts, \
         client deployments, client base, client portfolio, each client, every client, \
         across clients",
    ),
    (
        fam(Family::Nonprofit),
        "nonprofit*, non profit*, not for profit, charity, charities, ngo, volunteer run, \
         volunteer led, 501c3, 501(c)(3), sin fines de lucro, but non lucratif, gemeinnützig*",
    ),
    (
        fam(Family::Research),
        "research lab, our lab, research group*, research institute, research project, \
         academic*, university, grant funded, research grant, postdoc*, principal investigator, \
         laboratory",
    ),
    (
        Cue::Unit(Unit::Sites),
        "stores, plants, hospitals, branches, offices, sites, locations, properties, countries, \
         regions, warehouses, factories, clinics, facilities, business units, subsidiaries, \
         markets, departments, research groups, werke, werken, standorte, standorten, tiendas, \
         sucursales, oficinas, équipes, equipes, magasins, usines, filiales",
    ),
    (
        Cue::Unit(Unit::Clients),
        "clients, client, customers accounts, brands",
    ),
    (
        Cue::Unit(Unit::Employees),
        "employees, staff, people, person company, mitarbeiter*, empleados, salariés, employés",
    ),
    (Cue::Negator, NEGATORS),
    (
        Cue::Unit(Unit::Month),
        "january, february, march, april, may, june, july, august, september, october, \
         november, december, enero, febrero, marzo, abril, mayo, junio, julio, septiembre, \
         octubre, noviembre, diciembre, januar, februar, märz, juni, juli, oktober, dezember, \
         janvier, fevrier, mars, avril, juin, juillet, septembre, octobre, novembre, decembre",
    ),
    (
        Cue::Unit(Unit::Time),
        "days, weeks, months, business days, días, semanas, wochen, tagen, jours, semaines",
    ),
];

const fn level(s: Seniority) -> TitleCue {
    TitleCue {
        level: Some(s),
        flag: None,
    }
}

const fn flagged(level: Option<Seniority>, flag: TitleFlag) -> TitleCue {
    TitleCue {
        level,
        flag: Some(flag),
    }
}

/// Phrases of the job title. Matched longest-first, so "vice president" is not "president".
pub(crate) const TITLE: &[(TitleCue, &str)] = &[
    (
        level(Seniority::CSuite),
        "ceo, cto, cio, cfo, coo, cmo, cso, ciso, cdo, cpo, cro, chief*, founder*, co founder*, \
         cofounder*, owner, co owner, president, managing director, executive director, \
         managing partner, founding partner, senior partner, geschäftsführer*, gründer*, \
         inhaber*, vorstand, fundador*, propietari*, dueño, director general, \
         directora general, pdg, président*, directeur général, gérant*",
    ),
    (
        level(Seniority::Vp),
        "vp, svp, evp, avp, vice president, vicepresident*, vice presidente, vice président",
    ),
    (
        level(Seniority::Director),
        "director*, directeur*, directrice, head, heads, head of, leiter, leiterin, \
         bereichsleiter*, abteilungsleiter*, general manager, gm, chef, it chef",
    ),
    (
        level(Seniority::Manager),
        "manager*, mgr, lead, team lead, tech lead, supervisor, teamleiter*, gerente, jefe, \
         jefa, responsable, product owner, chef de projet",
    ),
    (
        level(Seniority::Senior),
        "senior, sr, staff, principal, architect, specialist",
    ),
    (
        level(Seniority::Entry),
        "intern, interns, internship, trainee, junior, jr, assistant, associate, analyst, \
         coordinator, werkstudent*, praktikant*, becari*, stagiaire, apprentice, volunteer, \
         graduate, candidate, representative, rep, receptionist",
    ),
    (
        flagged(Some(Seniority::Entry), TitleFlag::Student),
        "student*, studentin, estudiante*, étudiant*, etudiant*, phd student, mba, pupil",
    ),
    (
        flagged(Some(Seniority::Entry), TitleFlag::Learner),
        "aspiring, learner",
    ),
    (
        flagged(None, TitleFlag::Hobbyist),
        "hobbyist, enthusiast, tinkerer",
    ),
    (
        flagged(None, TitleFlag::JobSeeker),
        "open to work, job seeker, seeking opportunities, unemployed, looking for work",
    ),
    (
        flagged(None, TitleFlag::Recruiter),
        "recruiter, recruiting, talent acquisition, headhunter",
    ),
    (
        flagged(Some(Seniority::Senior), TitleFlag::Consultant),
        "consultant, freelance*, advisor, adviser, contractor, berater*, consultor*",
    ),
    (
        flagged(Some(Seniority::Director), TitleFlag::Research),
        "principal investigator",
    ),
    (
        flagged(Some(Seniority::Senior), TitleFlag::Research),
        "professor, lecturer, researcher, research scientist, postdoc*",
    ),
    (
        flagged(Some(Seniority::Entry), TitleFlag::Research),
        "research assistant",
    ),
    // Phrases that mean nothing themselves but keep a shorter one from firing: the head
    // office is a place, not a head of anything.
    (
        TitleCue {
            level: None,
            flag: None,
        },
        "head office, head offices",
    ),
];

/// Phrases of the company name and industry that mark the card's edge cases.
pub(crate) const ORGANISATION: &[(Family, &str)] = &[
    (
        Family::Agency,
        "agency, agencies, agentur, agencia, agence, consulting, consultancy, consultants, \
         advisory, advisors, marketing services, freelance*, beratung, consultoría",
    ),
    (
        Family::Nonprofit,
        "non profit*, nonprofit*, not for profit, charity, charitable, foundation, ngo, \
         gemeinnützig*, fundación, fondation, e.v.",
    ),
    (
        Family::Research,
        "research, laboratory, lab, institute, university, universität, universidad, \
         université, college, academic*, academia, higher education",
    ),
];

/// Free-mail domains: a lead from one is most likely an individual.
pub(crate) const PERSONAL_EMAIL_DOMAINS: &str = "gmail.com, googlemail.com, yahoo.com, yahoo.co.uk, yahoo.fr, yahoo.es, hotmail.com, \
         hotmail.fr, hotmail.es, outlook.com, live.com, msn.com, aol.com, icloud.com, me.com, \
         proton.me, protonmail.com, gmx.de, gmx.net, gmx.com, web.de, t-online.de, mail.ru, \
         yandex.ru, qq.com, 163.com, orange.fr, free.fr, laposte.net";
