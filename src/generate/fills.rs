//! Values for the composer's placeholders: use cases, tools, timelines, budgets and the
//! vocabulary of coursework, research and job seeking.

use super::phrases::Pool;

pub(crate) const USE_CASES: Pool = &[
    "invoice processing", "support ticket routing", "customer analytics", "document search",
    "fraud detection", "contract review", "inventory forecasting", "employee onboarding",
    "claims handling", "lead routing", "churn prediction", "knowledge management",
    "compliance reporting", "call transcription", "demand planning", "expense approvals",
    "product recommendations", "data pipeline monitoring", "quality inspection", "chat support",
    "order tracking", "pricing experiments", "vendor management", "shift scheduling",
    "patient intake", "KYC checks", "marketing attribution", "log analysis",
    "translation of product content", "sales forecasting", "field service dispatch",
    "internal search", "content moderation", "audit trails", "procurement workflows",
    "survey analysis", "email triage", "anomaly detection", "catalogue enrichment",
    "IT asset tracking", "release management", "incident response", "fleet telematics",
];

pub(crate) const TEAMS: Pool = &[
    "our support team", "the finance org", "all our regional offices", "the whole company",
    "our operations group", "the data platform team", "customer success", "our EMEA business",
    "the claims department", "our engineering org", "the sales floor", "three business units",
    "our contact centres", "the procurement team", "every store", "our clinical staff",
];

pub(crate) const TOOLS: Pool = &[
    "Salesforce", "HubSpot", "Zendesk", "Snowflake", "an in-house script", "spreadsheets",
    "ServiceNow", "SAP", "Jira", "a legacy Oracle system", "Airtable", "Intercom", "Workday",
    "Databricks", "Excel macros", "a contractor-built tool", "Freshdesk", "NetSuite", "Tableau",
    "Power BI", "Looker", "Segment", "Marketo", "Monday.com", "Notion",
];

pub(crate) const WHEN: Pool = &[
    "by the end of the quarter", "before the end of Q3", "next month", "within six weeks",
    "by January", "before our renewal in March", "in the next 30 days", "by year end",
    "this summer", "before the holidays", "in Q2", "within two months", "by mid-October",
    "as soon as possible", "before our fiscal year closes", "by the spring",
];

pub(crate) const MONEY: Pool = &[
    "$50k", "$120k", "$250,000", "€80k", "£60k", "$30-40k", "around $200k", "a six-figure sum",
    "$75k a year", "£150k", "€300k", "$90k",
];

pub(crate) const UNITS: Pool = &[
    "documents", "tickets", "transactions", "orders", "claims", "invoices", "events",
    "support conversations", "shipments", "records", "API calls", "contracts",
];

pub(crate) const SEASONS: Pool = &[
    "November", "the holiday season", "tax season", "back-to-school", "open enrolment",
    "quarter end", "the summer",
];

pub(crate) const DAYS: Pool = &[
    "Tuesday or Wednesday", "this week", "next Monday", "any afternoon", "Thursday morning",
    "early next week", "on Friday",
];

pub(crate) const TOPICS: Pool = &[
    "AI adoption in small businesses", "automation in customer service", "the economics of SaaS",
    "data privacy in marketing", "machine learning for logistics",
    "digital transformation in healthcare", "remote work tools", "supply chain resilience",
    "recommender systems", "human factors in software", "fairness in hiring tools",
    "energy use of data centres",
];

pub(crate) const COURSES: Pool = &[
    "Information Systems", "Marketing Analytics", "Software Engineering", "Business Strategy",
    "Data Science 101", "Operations Management", "Entrepreneurship", "Database Systems",
    "Enterprise Architecture", "Digital Business",
];

pub(crate) const EXAM: Pool = &[
    "next Friday", "at the end of the semester", "in two weeks", "before finals", "on Monday",
];

pub(crate) const ROLES: Pool = &[
    "data engineer", "product designer", "sales development rep", "backend developer",
    "customer success manager", "marketing intern", "solutions engineer", "account executive",
    "frontend developer", "technical writer",
];

pub(crate) const CAUSES: Pool = &[
    "families facing food insecurity", "refugees in our region", "young readers",
    "homeless veterans", "local wildlife", "patients with rare diseases", "girls learning to code",
    "rural clinics", "elderly people living alone", "flood recovery",
];

pub(crate) const CLIENTS: Pool = &[
    "regional bank", "skincare brand", "hospital network", "logistics firm", "SaaS startup",
    "city council", "furniture retailer", "law firm", "university", "insurer", "hotel chain",
];

pub(crate) const DEPTS: Pool = &[
    "engineering", "IT", "data", "operations", "marketing", "finance", "customer support",
    "product", "security", "procurement", "revenue operations", "HR",
];

pub(crate) const PRODUCTS: Pool = &[
    "a scheduling app for clinics", "a marketplace for used equipment",
    "fintech tooling for freelancers", "an AI note-taker", "a B2B payments API", "a fitness app",
    "software for restaurants", "a developer tool", "a compliance product for banks",
    "a logistics platform",
];

pub(crate) const FOUND: Pool = &[
    "LinkedIn", "Google", "a podcast", "Twitter", "Reddit", "a newsletter", "YouTube",
];
