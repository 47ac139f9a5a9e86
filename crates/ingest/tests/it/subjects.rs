//! Subjects: the code decides identity and a disagreeing name is flagged,
//! never merged; people are kept so that the database does not reveal
//! their identity numbers; and SQLite and PostgreSQL end up with the same
//! subjects, records, duplicates and errors from the same files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use xinyong_domain::SubjectCategory;
use xinyong_ingest::export::write_rejected;
use xinyong_store::{Batch, BatchStatus, IssueSeverity, NameFlag, PageRequest, Store, Subject};
use xinyong_synth::{Encoding, Format, Layout, RecordKind};
use xinyong_testkit::{Platform, backends, generated, spec};

use crate::{
    CF_HEADERS, ORG_NAME, ORG_USCC, SOURCE, Text, all_records, citizen_id, issue_keys, issues, penalty_row, person_row,
    read_xlsx, uscc, with_mistakes, write_csv,
};

fn doc(n: u32) -> String {
    format!("淮市监罚〔2024〕{n}号")
}

async fn name_flags(store: &dyn Store) -> Vec<NameFlag> {
    store.name_flags(&PageRequest::first(1000)).await.unwrap().items
}

#[tokio::test]
async fn a_disagreeing_name_is_filed_under_the_code_and_flagged() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let renamed = "淮北市鑫源商贸有限责任公司";
        let first = write_csv(
            &platform.dir.join("a.csv"),
            CF_HEADERS,
            &[penalty_row(&[("行政处罚决定书文号", &doc(1))])],
            Text::Utf8,
        );
        let a = platform.import(&first, "xzcf", SOURCE).await;
        assert_eq!((a.summary.n_new_subjects, a.summary.n_flagged), (1, 0));
        assert!(name_flags(store).await.is_empty());
        let subject = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        assert!(!subject.flagged);

        let second = write_csv(
            &platform.dir.join("b.csv"),
            CF_HEADERS,
            &[
                penalty_row(&[("行政处罚决定书文号", &doc(2)), ("行政相对人名称", renamed)]),
                penalty_row(&[("行政处罚决定书文号", &doc(3)), ("行政相对人名称", renamed)]),
                // The known name, with full-width brackets and blanks as clerks type it, agrees.
                penalty_row(&[
                    ("行政处罚决定书文号", &doc(4)),
                    ("行政相对人名称", " 淮北市鑫源商贸有限公司 "),
                ]),
            ],
            Text::Utf8,
        );
        let b = platform.import(&second, "xzcf", SOURCE).await;
        let s = &b.summary;
        assert_eq!(
            (s.n_accepted, s.n_rejected, s.n_new_subjects, s.n_flagged),
            (3, 0, 0, 2)
        );
        let after = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        assert_eq!(
            (after.id, after.name.as_str(), after.flagged),
            (subject.id, ORG_NAME, true)
        );
        let records = store.records_of_subject(subject.id, false).await.unwrap();
        assert_eq!(records.len(), 4, "every row is filed under the code");
        // The record keeps the name the row gave.
        let renamed_record = records.iter().find(|r| r.key.doc_no == doc(2)).unwrap();
        assert_eq!(renamed_record.payload["CF_XDR_MC"], renamed);

        let flags = name_flags(store).await;
        let seen: Vec<_> = flags
            .iter()
            .map(|f| {
                (
                    f.subject_id,
                    f.subject_key.as_str(),
                    f.subject_name.as_str(),
                    f.incoming_name.as_str(),
                    f.first_batch,
                    f.first_row,
                    f.n_rows,
                )
            })
            .collect();
        assert_eq!(seen, vec![(subject.id, ORG_USCC, ORG_NAME, renamed, b.id, 2, 2)]);

        // Seen again in a later batch: the same flag counts up.
        let third = write_csv(
            &platform.dir.join("c.csv"),
            CF_HEADERS,
            &[penalty_row(&[
                ("行政处罚决定书文号", &doc(5)),
                ("行政相对人名称", renamed),
            ])],
            Text::Utf8,
        );
        let c = platform.import(&third, "xzcf", SOURCE).await;
        assert_eq!(c.summary.n_flagged, 1);
        let flags = name_flags(store).await;
        assert_eq!(flags.len(), 1);
        assert_eq!((flags[0].first_batch, flags[0].n_rows), (b.id, 3));
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn two_names_for_a_new_code_in_one_file_create_one_flagged_subject() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let code = uscc("91", 7);
        let path = write_csv(
            &platform.dir.join("two-names.csv"),
            CF_HEADERS,
            &[
                penalty_row(&[
                    ("行政处罚决定书文号", &doc(1)),
                    ("统一社会信用代码", &code),
                    ("行政相对人名称", "淮北市恒通化工有限公司"),
                ]),
                penalty_row(&[
                    ("行政处罚决定书文号", &doc(2)),
                    ("统一社会信用代码", &code),
                    ("行政相对人名称", "淮北恒通化工股份有限公司"),
                ]),
            ],
            Text::Utf8,
        );
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let s = &batch.summary;
        assert_eq!((s.n_accepted, s.n_new_subjects, s.n_flagged), (2, 1, 1));
        let subject = store.subject_by_uscc(&code).await.unwrap().unwrap();
        assert_eq!(
            (subject.name.as_str(), subject.flagged, subject.category),
            ("淮北市恒通化工有限公司", true, SubjectCategory::Organisation)
        );
        let flags = name_flags(store).await;
        assert_eq!(flags.len(), 1);
        assert_eq!(
            (flags[0].incoming_name.as_str(), flags[0].first_row, flags[0].n_rows),
            ("淮北恒通化工股份有限公司", 3, 1)
        );
        platform.cleanup().await;
    }
}

/// A citizen ID whose check character is X.
fn id_ending_in_x() -> String {
    (0..1000)
        .map(|n| citizen_id("19750315", n))
        .find(|id| id.ends_with('X'))
        .unwrap()
}

/// The 行政处罚 headers with the legal representative's document columns.
fn headers_with_rep() -> Vec<&'static str> {
    let mut headers = CF_HEADERS.to_vec();
    headers.extend(["法定代表人证件类型", "法定代表人证件号码"]);
    headers
}

/// Rows about people, accepted and rejected; returns them with every
/// identity number they carry.
fn people_rows() -> (Vec<Vec<String>>, Vec<String>) {
    let with_x = id_ending_in_x();
    let wang = citizen_id("19880808", 2);
    let rep = citizen_id("19700101", 3);
    let rejected = citizen_id("19900101", 4);
    let misplaced = citizen_id("19920202", 5);
    let valid_of_mistyped = citizen_id("19930303", 6);
    let last = valid_of_mistyped.chars().last().unwrap();
    let mistyped = format!("{}{}", &valid_of_mistyped[..17], if last == '1' { '2' } else { '1' });
    let no_rep = |mut row: Vec<String>| {
        row.extend([String::new(), String::new()]);
        row
    };
    let rows = vec![
        // 2, 3: the same person, check character typed in upper and lower case.
        no_rep(person_row("李四", &with_x, &doc(1), &[])),
        no_rep(person_row("李四", &with_x.to_lowercase(), &doc(2), &[])),
        // 4: another person.
        no_rep(person_row("王五", &wang, &doc(3), &[])),
        // 5: a company whose legal representative's number is given.
        {
            let mut row = penalty_row(&[("行政处罚决定书文号", &doc(4))]);
            row.extend(["身份证".to_owned(), rep.clone()]);
            row
        },
        // 6: rejected for its date: the row is kept, number and all.
        no_rep(person_row(
            "赵六",
            &rejected,
            &doc(5),
            &[("处罚决定日期", "2024-02-30")],
        )),
        // 7: the number typed into the code column.
        no_rep(person_row(
            "钱七",
            "",
            &doc(6),
            &[("统一社会信用代码", misplaced.as_str())],
        )),
        // 8: a mistyped check character.
        no_rep(person_row("孙八", &mistyped, &doc(7), &[])),
    ];
    let numbers = vec![with_x, wang, rep, rejected, misplaced, mistyped];
    (rows, numbers)
}

#[tokio::test]
async fn people_are_shown_masked_and_found_by_keyed_hash() {
    for platform in backends().await {
        let store = platform.store.as_ref();
        let (rows, numbers) = people_rows();
        let path = write_csv(&platform.dir.join("people.csv"), &headers_with_rep(), &rows, Text::Utf8);
        let batch = platform.import(&path, "xzcf", SOURCE).await;
        let s = &batch.summary;
        assert_eq!(
            (s.n_rows, s.n_accepted, s.n_rejected, s.n_new_subjects),
            (7, 4, 3, 3),
            "{:?}",
            issues(store, batch.id, IssueSeverity::Error).await
        );
        assert_eq!(
            issue_keys(store, batch.id, IssueSeverity::Error).await,
            vec![
                (6, "处罚决定日期".to_owned(), "invalid_date".to_owned()),
                (7, "统一社会信用代码".to_owned(), "invalid_uscc".to_owned()),
                (7, "证件号码".to_owned(), "required".to_owned()),
                (8, "证件号码".to_owned(), "invalid_id_number".to_owned()),
            ]
        );
        let misplaced = issues(store, batch.id, IssueSeverity::Error)
            .await
            .into_iter()
            .find(|i| i.row_no == 7 && i.code == "invalid_uscc")
            .unwrap();
        assert_eq!(
            misplaced.message,
            "统一社会信用代码：填写的是公民身份号码，不是统一社会信用代码（自然人的号码请填写在证件号码中）"
        );

        let with_x = &numbers[0];
        let masked = format!("{}********{}", &with_x[..6], &with_x[14..]);
        let hash = platform.keys.keyed_hash(format!("身份证:{with_x}").as_bytes());
        let li = store.subject_by_person_hash(&hash).await.unwrap().unwrap();
        assert_eq!(li.category, SubjectCategory::Person);
        assert_eq!((li.name.as_str(), li.uscc.as_deref()), ("李四", None));
        assert_eq!(li.id_masked.as_deref(), Some(masked.as_str()));
        let person_ref = li.person_ref.clone().unwrap();
        assert!(
            person_ref.len() == 17
                && person_ref.starts_with('p')
                && person_ref[1..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{person_ref}"
        );
        assert!(!person_ref.contains(&with_x[6..14]));
        assert_eq!(store.subject_by_ref(&person_ref).await.unwrap().as_ref(), Some(&li));

        // Both spellings of the check character are the same person.
        let records = store.records_of_subject(li.id, true).await.unwrap();
        assert_eq!(records.len(), 2);
        for record in &records {
            assert_eq!(record.payload["CF_XDR_ZJHM"], masked.as_str());
        }
        let company = store.subject_by_uscc(ORG_USCC).await.unwrap().unwrap();
        let rep = &numbers[2];
        let record = &store.records_of_subject(company.id, false).await.unwrap()[0];
        assert_eq!(
            record.payload["CF_FR_ZJHM"],
            format!("{}********{}", &rep[..6], &rep[14..]).as_str()
        );

        // No identity number appears whole anywhere a viewer can read.
        let everything = format!(
            "{:?}{:?}{:?}",
            all_records(store).await,
            issues(store, batch.id, IssueSeverity::Error).await,
            store.batch(batch.id).await.unwrap()
        );
        for number in &numbers {
            assert!(!everything.contains(number.as_str()), "{number} shown whole");
            assert!(!everything.contains(&number.to_lowercase()), "{number} shown whole");
        }
        platform.cleanup().await;
    }
}

#[tokio::test]
async fn the_sqlite_file_holds_no_identity_number_in_clear() {
    let platform = Platform::sqlite().await;
    let (rows, numbers) = people_rows();
    let path = write_csv(&platform.dir.join("people.csv"), &headers_with_rep(), &rows, Text::Utf8);
    let batch = platform.import(&path, "xzcf", SOURCE).await;
    assert_eq!(batch.summary.n_accepted, 4);
    // Generated people too, in each format.
    for (name, format) in [
        ("people.csv", Format::Csv),
        ("people.jsonl", Format::JsonLines),
        ("people.xlsx", Format::Xlsx),
    ] {
        let file_spec = spec(RecordKind::Penalty, Layout::Gen2, 150, 61, 0.2);
        let path = generated(&platform.dir, name, &file_spec, format, Encoding::Gbk);
        platform.import(&path, "xzcf", SOURCE).await;
    }
    let mut numbers = numbers;
    let file_spec = spec(RecordKind::Penalty, Layout::Gen2, 150, 61, 0.2);
    let generated_numbers: Vec<String> = file_spec
        .rows()
        .flat_map(|row| {
            let headers = file_spec.headers();
            ["证件号码", "法定代表人证件号码"].map(|h| row[crate::column(&headers, h)].clone())
        })
        .filter(|n| n.len() == 18)
        .collect();
    assert!(generated_numbers.len() > 50, "{}", generated_numbers.len());
    numbers.extend(generated_numbers);

    let mut files = vec![std::fs::read(platform.dir.join("xinyong.db")).unwrap()];
    for name in ["xinyong.db", "xinyong.journal.db"] {
        for suffix in ["", "-wal", "-journal"] {
            if let Ok(bytes) = std::fs::read(platform.dir.join(format!("{name}{suffix}"))) {
                files.push(bytes);
            }
        }
    }
    assert!(files.iter().map(Vec::len).sum::<usize>() > 4096);
    for number in &numbers {
        for needle in [number.clone(), number.to_lowercase(), number[..14].to_owned()] {
            assert!(
                !files.iter().any(|bytes| contains(bytes, needle.as_bytes())),
                "{needle} is in the database file in clear"
            );
        }
    }
    // The check itself finds what is there.
    assert!(files.iter().any(|bytes| contains(bytes, ORG_USCC.as_bytes())));
    platform.cleanup().await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// What one platform made of a sequence of imports, with nothing that
/// depends on the backend (ids, timestamps, keys).
#[derive(Debug, PartialEq)]
struct Outcome {
    batches: Vec<String>,
    errors: Vec<Vec<(i64, String, String, String)>>,
    warnings: Vec<Vec<(i64, String, String, String)>>,
    rejected_exports: Vec<Vec<Vec<String>>>,
    records: Vec<String>,
    subjects: Vec<String>,
    flags: Vec<String>,
    counts: Vec<(String, i64)>,
}

/// The files of the equivalence test, in import order.
fn equivalence_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let penalties = generated(
        dir,
        "cf.csv",
        &spec(RecordKind::Penalty, Layout::Gen2, 300, 51, 0.2),
        Format::Csv,
        Encoding::Gbk,
    );
    let licences = generated(
        dir,
        "xk.xlsx",
        &spec(RecordKind::Licence, Layout::Gen2, 200, 52, 0.2),
        Format::Xlsx,
        Encoding::Utf8,
    );
    let gen1 = generated(
        dir,
        "cf1.jsonl",
        &spec(RecordKind::Penalty, Layout::Gen1, 150, 53, 0.2),
        Format::JsonLines,
        Encoding::Utf8,
    );
    // A file with known mistakes, then its corrected version, in which two
    // accepted rows also changed (new versions).
    let clean_spec = spec(RecordKind::Penalty, Layout::Gen2, 40, 54, 0.0);
    let headers: Vec<String> = clean_spec.headers().into_iter().map(str::to_owned).collect();
    let clean: Vec<Vec<String>> = clean_spec.rows().collect();
    let broken = write_csv(
        &dir.join("broken.csv"),
        &headers,
        &with_mistakes(&headers, &clean),
        Text::Utf8,
    );
    let mut corrected_rows = clean;
    let content = crate::column(&headers, "处罚内容");
    for idx in [0, 2] {
        corrected_rows[idx][content].push_str("（更正）");
    }
    let corrected = write_csv(&dir.join("corrected.csv"), &headers, &corrected_rows, Text::Gbk);
    let header_only = write_csv(&dir.join("header-only.csv"), CF_HEADERS, &[], Text::Utf8);
    let people = write_csv(
        &dir.join("people.csv"),
        &headers_with_rep(),
        &people_rows().0,
        Text::Utf8,
    );
    vec![
        (penalties.clone(), "xzcf"),
        (header_only, "xzcf"),
        (licences, "xzxk"),
        (gen1, "xzcf"),
        (penalties, "xzcf"),
        (broken, "xzcf"),
        (corrected, "xzcf"),
        (people, "xzcf"),
    ]
}

/// Each batch's issues of `severity` as (row, field, code, message).
async fn issue_lists(
    store: &dyn Store,
    batches: &[Batch],
    severity: IssueSeverity,
) -> Vec<Vec<(i64, String, String, String)>> {
    let mut all = Vec::new();
    for batch in batches {
        let list = issues(store, batch.id, severity)
            .await
            .into_iter()
            .map(|i| (i.row_no, i.field, i.code, i.message))
            .collect();
        all.push(list);
    }
    all
}

async fn run(platform: &Platform, files: &[(PathBuf, &str)]) -> Outcome {
    let store = platform.store.as_ref();
    let mut batches: Vec<Batch> = Vec::new();
    for (path, record_type) in files {
        batches.push(platform.import(path, record_type, SOURCE).await);
    }
    // Batches are named by their place in the sequence, not by their id.
    let step: HashMap<i64, usize> = batches.iter().enumerate().map(|(idx, b)| (b.id, idx)).collect();
    let errors = issue_lists(store, &batches, IssueSeverity::Error).await;
    let warnings = issue_lists(store, &batches, IssueSeverity::Warning).await;

    let mut rejected_exports = Vec::new();
    for (idx, batch) in batches.iter().enumerate() {
        if batch.status == BatchStatus::Refused {
            continue;
        }
        let out = platform.dir.join(format!("rejected-{idx}.{}", batch.new.format.code()));
        write_rejected(store, &platform.keys, batch, &out).await.unwrap();
        rejected_exports.push(match batch.new.format {
            xinyong_store::BatchFormat::Xlsx => read_xlsx(&out),
            _ => vec![vec![
                String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned(),
            ]],
        });
    }

    let key_of = |subject: &Subject| {
        subject
            .uscc
            .clone()
            .or_else(|| subject.id_masked.clone())
            .unwrap_or_default()
    };
    let records = all_records(store).await;
    let mut record_views: Vec<String> = records
        .iter()
        .map(|(r, subject)| {
            let payload: BTreeMap<&String, &serde_json::Value> = r.payload.iter().collect();
            format!(
                "{} {} v{} current={} subject={} batch#{} row={} catalog={} decided={} {:?} authority={} source={} {}",
                r.key.record_type,
                r.key.doc_no,
                r.version,
                r.current,
                key_of(subject),
                step[&r.batch_id],
                r.row_no,
                r.catalog_version,
                r.decision_date,
                r.publicity,
                r.authority,
                r.source,
                serde_json::to_string(&payload).unwrap()
            )
        })
        .collect();
    record_views.sort();
    let mut subjects: Vec<String> = records
        .iter()
        .map(|(_, s)| {
            format!(
                "{} {} uscc={:?} masked={:?} flagged={}",
                s.name,
                s.category.code(),
                s.uscc,
                s.id_masked,
                s.flagged
            )
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    let mut flags: Vec<String> = name_flags(store)
        .await
        .iter()
        .map(|f| {
            format!(
                "{} {} ← {} batch#{} row={} n={}",
                f.subject_key, f.subject_name, f.incoming_name, step[&f.first_batch], f.first_row, f.n_rows
            )
        })
        .collect();
    flags.sort();
    let mut counts = store.count_records().await.unwrap();
    counts.sort();
    Outcome {
        batches: batches
            .iter()
            .map(|b| {
                format!(
                    "{} {:?} {} {:?} {:?} {:?} {:?}",
                    b.status.code(),
                    b.refusal,
                    b.new.format.code(),
                    b.new.encoding,
                    b.new.generation,
                    b.new.headers,
                    b.summary
                )
            })
            .collect(),
        errors,
        warnings,
        rejected_exports,
        records: record_views,
        subjects,
        flags,
        counts,
    }
}

#[tokio::test]
async fn sqlite_and_postgresql_give_the_same_results_from_the_same_files() {
    let Some(postgres) = Platform::postgres().await else {
        eprintln!("cross-backend equivalence DID NOT RUN: PostgreSQL is unavailable");
        return;
    };
    let sqlite = Platform::sqlite().await;
    let files = equivalence_files(&sqlite.dir);
    let on_sqlite = run(&sqlite, &files).await;
    let on_postgres = run(&postgres, &files).await;

    // The sequence exercised what it is meant to.
    let summaries: Vec<&String> = on_sqlite.batches.iter().collect();
    assert!(summaries[1].starts_with("refused"), "{}", summaries[1]);
    assert!(on_sqlite.errors.iter().filter(|e| !e.is_empty()).count() >= 5);
    assert!(on_sqlite.records.iter().any(|r| r.contains(" v2 current=true")));
    assert!(on_sqlite.records.iter().any(|r| r.contains(" v1 current=false")));
    assert!(on_sqlite.subjects.iter().any(|s| s.contains(" person ")));
    assert!(
        !on_sqlite.flags.is_empty(),
        "the generated files share codes under other names"
    );

    // Field by field, so that a difference is easy to read.
    for (idx, (a, b)) in on_sqlite.batches.iter().zip(&on_postgres.batches).enumerate() {
        assert_eq!(a, b, "batch {idx}");
    }
    for (idx, (a, b)) in on_sqlite.errors.iter().zip(&on_postgres.errors).enumerate() {
        assert_eq!(a, b, "errors of batch {idx}");
    }
    assert_eq!(on_sqlite.warnings, on_postgres.warnings);
    for (idx, (a, b)) in on_sqlite
        .rejected_exports
        .iter()
        .zip(&on_postgres.rejected_exports)
        .enumerate()
    {
        assert_eq!(a, b, "rejected rows of batch {idx}");
    }
    for (a, b) in on_sqlite.records.iter().zip(&on_postgres.records) {
        assert_eq!(a, b);
    }
    assert_eq!(on_sqlite.subjects, on_postgres.subjects);
    assert_eq!(on_sqlite.flags, on_postgres.flags);
    assert_eq!(on_sqlite.counts, on_postgres.counts);
    assert_eq!(on_sqlite, on_postgres);
    sqlite.cleanup().await;
    postgres.cleanup().await;
}
