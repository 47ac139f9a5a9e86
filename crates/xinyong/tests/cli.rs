//! The binary as scripts and operators use it: output formats, exit codes,
//! and the whole path from a generated file to the API.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn xinyong(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("XINYONG_DATABASE_URL")
        .env_remove("XINYONG_CONFIG")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn id_check_prints_one_line_per_code_and_fails_on_any_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let output = xinyong(dir.path(), &["id", "check", "91340000711771143J", "11010519491231002X"]);
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        "91340000711771143J\tvalid\tuscc\n11010519491231002X\tvalid\tcitizen_id\n"
    );

    let output = xinyong(dir.path(), &["id", "check", "91340000711771143J", "91340000711771143K"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output).lines().nth(1),
        Some("91340000711771143K\tinvalid\t第18位校验码应为“J”，实为“K”")
    );

    let output = xinyong(dir.path(), &["id", "check", "--json", "110105194912310021"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["valid"], false);
    assert_eq!(json[0]["kind"], "citizen_id");
    assert_eq!(json[0]["reason"], "身份证号码第18位校验码应为“X”，实为“1”");
}

#[test]
fn the_allow_list_in_the_configuration_accepts_a_known_bad_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("xinyong.toml"),
        "[identifiers]\nallow_check_digit = [\"91350203M0001QKT19\"]\n",
    )
    .unwrap();
    let output = xinyong(dir.path(), &["id", "check", "91350203M0001QKT19"]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn gen_import_report_and_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("处罚.csv");
    let output = xinyong(
        &data,
        &[
            "gen",
            "--type",
            "xzcf",
            "--rows",
            "500",
            "--out",
            file.to_str().unwrap(),
            "--encoding",
            "gbk",
            "--error-rate",
            "0.2",
            "--seed",
            "4",
        ],
    );
    assert!(output.status.success(), "{:?}", output);

    let output = xinyong(
        &data,
        &[
            "import",
            file.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "淮北市市场监督管理局",
            "--json",
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["rows"], 500);
    assert_eq!(report["encoding"], "GB18030");
    let (accepted, rejected) = (
        report["accepted"].as_i64().unwrap(),
        report["rejected"].as_i64().unwrap(),
    );
    assert_eq!(accepted + rejected + report["duplicates"].as_i64().unwrap(), 500);
    assert!(rejected > 50, "about a fifth of the rows have mistakes: {rejected}");
    let errors = report["errors"].as_array().unwrap();
    assert!(errors.len() as i64 >= rejected);
    for error in errors {
        assert!(error["row"].as_i64().unwrap() >= 2);
        assert!(!error["field"].as_str().unwrap().is_empty());
        assert!(!error["code"].as_str().unwrap().is_empty());
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    let batch_id = report["batch_id"].as_i64().unwrap().to_string();

    let output = xinyong(&data, &["batch", "show", &batch_id, "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown, report);

    // The rows go back as the file came; a name promising a workbook is refused.
    let workbook = dir.path().join("rejected.xlsx");
    let output = xinyong(
        &data,
        &["batch", "rejected", &batch_id, "-o", workbook.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("扩展名改为 .csv"),
        "{output:?}"
    );
    assert!(!workbook.exists());

    let rejected_file = dir.path().join("rejected.csv");
    let output = xinyong(
        &data,
        &["batch", "rejected", &batch_id, "-o", rejected_file.to_str().unwrap()],
    );
    assert!(output.status.success());
    let bytes = std::fs::read(&rejected_file).unwrap();
    let (text, _, malformed) = encoding_rs::GBK.decode(&bytes);
    assert!(!malformed, "the rejected rows go back in the upload's encoding");
    assert!(text.lines().next().unwrap().ends_with(",错误原因"));
    assert_eq!(text.lines().count() as i64, rejected + 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&rejected_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the rows hold identifiers in clear: owner only");
    }

    // The same file again changes nothing.
    let output = xinyong(
        &data,
        &[
            "import",
            file.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "淮北市市场监督管理局",
            "--json",
        ],
    );
    let again: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (again["accepted"].as_i64(), again["duplicates"].as_i64()),
        (Some(0), Some(accepted))
    );
}

#[test]
fn a_refused_file_exits_non_zero_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.csv");
    std::fs::write(&file, "姓名,年龄\n张三,30\n").unwrap();
    let output = xinyong(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "某局",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "refused");
    let refusal = report["refusal"].as_str().unwrap();
    assert!(refusal.contains("未能识别任何表头"), "{refusal}");
    assert!(refusal.contains("第一行读到的是“姓名”、“年龄”"), "{refusal}");

    // Big5 read as GBK: garbled, and the refusal says which encoding was read.
    let big5 = dir.path().join("big5.csv");
    let (bytes, _, _) = encoding_rs::BIG5.encode("行政相對人名稱,處罰類別\n某公司,罰款\n");
    std::fs::write(&big5, &bytes).unwrap();
    let output = xinyong(
        dir.path(),
        &[
            "import",
            big5.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "某局",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let refusal = report["refusal"].as_str().unwrap();
    assert!(refusal.contains("按GB18030编码读取"), "{refusal}");

    let output = xinyong(
        dir.path(),
        &["import", "/nonexistent.csv", "--type", "xzcf", "--source", "某局"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("不存在"));
    let output = xinyong(
        dir.path(),
        &["import", file.to_str().unwrap(), "--type", "nope", "--source", "某局"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("未知的信息类别"));
}

#[test]
fn every_verb_has_help_and_the_example_configuration_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    for verb in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["import", "--help"],
        vec!["batch", "show", "--help"],
        vec!["batch", "rejected", "--help"],
        vec!["batch", "list", "--help"],
        vec!["subjects", "flagged", "--help"],
        vec!["id", "check", "--help"],
        vec!["gen", "--help"],
        vec!["catalog", "list", "--help"],
        vec!["migrate", "--help"],
        vec!["config", "example", "--help"],
        vec!["check", "--help"],
        vec!["repairs", "deny", "--help"],
        vec!["objections", "accept", "--help"],
        vec!["commitments", "broken", "--help"],
    ] {
        let output = xinyong(dir.path(), &verb);
        assert!(output.status.success(), "{verb:?}");
    }
    let example = stdout(&xinyong(dir.path(), &["config", "example"]));
    let config = dir.path().join("example.toml");
    std::fs::write(&config, example).unwrap();
    let output = xinyong(dir.path(), &["--config", config.to_str().unwrap(), "catalog", "list"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed = stdout(&output);
    assert!(
        listed.contains("xzcf\t行政处罚\t版本1") && listed.contains("xzxk\t行政许可\t版本1"),
        "{listed}"
    );
}

#[test]
fn a_changed_key_is_refused_rather_than_silently_used() {
    let dir = tempfile::tempdir().unwrap();
    assert!(xinyong(dir.path(), &["migrate"]).status.success());
    let key_file = dir.path().join("keys/platform.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    // A lost key file is not a first start: no key is made in its place.
    std::fs::remove_file(&key_file).unwrap();
    let output = xinyong(dir.path(), &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("请从备份恢复该密钥文件"));
    assert!(!key_file.exists());
    // Another key in its place is refused.
    let other: String = key.chars().rev().collect();
    std::fs::write(&key_file, other).unwrap();
    let output = xinyong(dir.path(), &["migrate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("密钥与数据库中已有数据使用的密钥不一致"));
}

#[test]
fn serve_demo_answers_with_public_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xinyong"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("XINYONG_LOG", "info")
        .env_remove("XINYONG_DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let address = std::io::BufRead::lines(std::io::BufReader::new(stderr))
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("address=")
                .nth(1)
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        })
        .expect("the server logs its address");
    let body = get(&address, "/api/v1/records?type=xzcf&limit=5");
    let black_list = get(&address, "/api/v1/records?type=yzsx&limit=5");
    child.kill().unwrap();
    let _ = child.wait();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 5, "{body}");
    // The demo city has listed companies, so a credit check has something to find.
    let json: serde_json::Value = serde_json::from_str(&black_list).unwrap();
    let entry = &json["items"][0];
    assert_eq!(entry["record_type"], "yzsx", "{black_list}");
    let code = entry["subject"]["uscc"].as_str().unwrap().to_owned();
    let output = xinyong(dir.path(), &["check", &code, "--matter", "zfcg", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(answer["measures"][0]["code"], "CJ-ZFCG", "{answer}");
}

/// A minimal HTTP GET over a plain socket (the binary's own dependencies stay lean).
fn get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    // The body is chunked or not depending on its size; strip chunk sizes if present.
    if response.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut text = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            text.push_str(&tail[..size]);
            rest = &tail[size + 2..];
        }
        return text;
    }
    body.to_owned()
}

#[test]
fn check_answers_with_the_measures_of_the_lists_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("名单.csv");
    std::fs::write(
        &file,
        "主体名称,主体类别,统一社会信用代码,名单名称,列入决定文书号,列入原因,列入依据,列入机关,列入日期\n\
         淮北市鑫源商贸有限公司,法人及非法人组织,91340000711771143J,政府采购严重违法失信行为记录名单,皖财购〔2026〕7号,提供虚假材料谋取中标,《中华人民共和国政府采购法》第七十七条,安徽省财政厅,2026-01-05\n",
    )
    .unwrap();
    let imported = xinyong(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--type",
            "yzsx",
            "--source",
            "安徽省财政厅",
        ],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    let output = xinyong(
        dir.path(),
        &["check", "91340000711771143J", "--matter", "zfcg", "--json"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(answer["measures"][0]["code"], "CJ-ZFCG");
    assert_eq!(answer["purpose"], "zfcg", "the matter's usual purpose");

    let text = stdout(&xinyong(
        dir.path(),
        &["check", "91340000711771143J", "--matter", "xzxk"],
    ));
    assert!(
        text.contains("CJ-CSC") && text.contains("依据：") && text.contains("皖财购〔2026〕7号"),
        "{text}"
    );

    let refused = xinyong(dir.path(), &["check", "91340000711771143J", "--matter", "nope"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("未知的事项"),
        "{refused:?}"
    );

    let verified = xinyong(dir.path(), &["audit", "verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}

#[test]
fn calendar_deadlines_count_working_days_and_refuse_unknown_years() {
    let dir = tempfile::tempdir().unwrap();
    // National Day 2026: 10-01 to 10-07 off, Saturday 10-10 worked.
    let output = xinyong(dir.path(), &["calendar", "deadline", "2026-09-30", "3"]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "2026-09-30 起 3 个工作日：截止 2026-10-10\n");
    let output = xinyong(dir.path(), &["calendar", "deadline", "2026-12-24", "10"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("请添加 2027 年的节假日安排"));
    // A calendar directory replaces the built-in one; a broken file is refused at once.
    let calendar = dir.path().join("calendar");
    std::fs::create_dir(&calendar).unwrap();
    std::fs::write(
        calendar.join("2026.toml"),
        "year = 2026\nsource = \"x\"\nholidays = []\nworkdays = [2026-03-04]\n",
    )
    .unwrap();
    let config = dir.path().join("xinyong.toml");
    std::fs::write(
        &config,
        format!("calendar_dir = {:?}\n", calendar.display().to_string()),
    )
    .unwrap();
    let output = xinyong(dir.path(), &["calendar", "years"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("不是周末"));
    let output = xinyong(dir.path(), &["repairs", "list", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the broken calendar stops the rights verbs too"
    );
}

#[test]
fn the_office_queues_answer_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(xinyong(dir.path(), &["migrate"]).status.success());
    for queue in ["repairs", "objections", "commitments"] {
        let output = xinyong(dir.path(), &[queue, "list", "--all", "--json"]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(stdout(&output).trim(), "[]", "{queue}");
    }
    // A step on something that is not there is refused in Chinese, exit 1.
    for step in [
        vec!["commitments", "kept", "7"],
        vec!["commitments", "broken", "7", "--note", "逾期未补齐材料"],
        vec!["objections", "accept", "7"],
        vec!["repairs", "deny", "7", "--reasons", "材料不全"],
    ] {
        let output = xinyong(dir.path(), &step);
        assert_eq!(output.status.code(), Some(1), "{step:?}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains("不存在") || said.contains("未找到"), "{step:?}: {said}");
    }
    // Reasons are required where the other side is told them.
    assert_eq!(xinyong(dir.path(), &["repairs", "deny", "7"]).status.code(), Some(2));
}

#[test]
fn the_office_registers_an_objection_that_came_by_letter() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("处罚.csv");
    let path = file.to_str().unwrap();
    let generated = xinyong(
        &data,
        &[
            "gen",
            "--type",
            "xzcf",
            "--rows",
            "3",
            "--out",
            path,
            "--error-rate",
            "0",
            "--seed",
            "9",
        ],
    );
    assert!(generated.status.success(), "{generated:?}");
    let imported = xinyong(
        &data,
        &["import", path, "--type", "xzcf", "--source", "淮北市市场监督管理局"],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let register = |extra: &[&str]| {
        let mut args = vec![
            "objections",
            "register",
            "--record",
            "1",
            "--applicant",
            "安徽某律师事务所",
            "--standing",
            "agent",
            "--channel",
            "mail",
            "--reasons",
            "处罚决定已被复议撤销",
        ];
        args.extend_from_slice(extra);
        xinyong(&data, &args)
    };
    let bare = register(&[]);
    assert_eq!(bare.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bare.stderr).contains("授权委托书"));
    let letter = dir.path().join("授权委托书.pdf");
    std::fs::write(&letter, b"%PDF-1.4 power of attorney").unwrap();
    let registered = register(&["--attachment", letter.to_str().unwrap()]);
    assert!(
        registered.status.success(),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    let listed = xinyong(&data, &["objections", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        (listed[0]["record_id"].as_i64(), listed[0]["status"].as_str()),
        (Some(1), Some("filed")),
        "{listed}"
    );
    // The office accepts it; the record is a department's, so the office
    // does not decide it.
    let id = listed[0]["id"].as_i64().unwrap().to_string();
    assert!(xinyong(&data, &["objections", "accept", &id]).status.success());
    let decided = xinyong(&data, &["objections", "reject", &id, "--reasons", "经核查信息无误"]);
    assert_eq!(decided.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&decided.stderr).contains("信用办只能受理或不予受理异议"),
        "{}",
        String::from_utf8_lossy(&decided.stderr)
    );
    let bare = xinyong(&data, &["objections", "uphold", &id]);
    assert_eq!(bare.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bare.stderr).contains("--withdraw"));
}

#[test]
fn a_long_file_name_imports_and_no_subjects_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // 249 bytes: a name the file system allows, but not with the kept
    // copy's time stamp in front.
    let file = dir
        .path()
        .join(format!("{}.csv", "淮北市市场监督管理局2026年行政处罚".repeat(5)));
    let path = file.to_str().unwrap();
    let refused = xinyong(
        &data,
        &["gen", "--type", "xzcf", "--rows", "3", "--out", path, "--subjects", "0"],
    );
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--subjects 应至少为1"));
    let generated = xinyong(&data, &["gen", "--type", "xzcf", "--rows", "3", "--out", path]);
    assert!(generated.status.success(), "{generated:?}");
    let imported = xinyong(
        &data,
        &[
            "import",
            path,
            "--type",
            "xzcf",
            "--source",
            "淮北市市场监督管理局",
            "--json",
        ],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        report["file_name"],
        file.file_name().unwrap().to_str().unwrap(),
        "the batch keeps the name whole"
    );
}

#[test]
fn a_mistyped_data_directory_is_not_taken_for_an_empty_platform() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("xinyong-dta");
    for args in [
        vec!["batch", "list"],
        vec!["audit", "verify"],
        vec!["subjects", "flagged"],
        vec!["check", "91340000711771143J", "--matter", "zfcg"],
        vec!["user", "list"],
        vec!["key", "list"],
    ] {
        let output = xinyong(&typo, &args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("还没有平台数据"), "{args:?}: {stderr}");
        assert!(!typo.exists(), "{args:?} created the directory");
    }
    // An import creates the platform.
    let file = dir.path().join("wrong.csv");
    std::fs::write(&file, "姓名,年龄\n张三,30\n").unwrap();
    xinyong(
        &typo,
        &["import", file.to_str().unwrap(), "--type", "xzcf", "--source", "某局"],
    );
    assert!(typo.join("xinyong.db").exists());
    assert!(xinyong(&typo, &["batch", "list"]).status.success());
}

#[test]
fn batch_show_lists_the_adjustments_made_to_accepted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warned.csv");
    let header = "行政相对人名称,行政相对人类别,统一社会信用代码,法定代表人,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,处罚决定日期,处罚有效期,公示截止期,处罚机关,处罚机关统一社会信用代码,数据来源单位统一社会信用代码";
    // A 警告 published for three years: beyond its class's bounds, accepted and cut back.
    let row = "淮北市鑫源商贸有限公司,法人及非法人组织,91340000711771143J,张三,淮市监罚〔2026〕1号,销售过期食品,经查销售过期食品,《食品安全法》第一百二十四条,警告,警告,2026-01-05,2026-01-05,2029-01-05,淮北市市场监督管理局,11340600003140164U,11340600003140164U";
    std::fs::write(&file, format!("{header}\n{row}\n")).unwrap();
    let output = xinyong(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "淮北市市场监督管理局",
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shown = stdout(&xinyong(dir.path(), &["batch", "show", "1"]));
    assert!(shown.contains("接受 1 行"), "{shown}");
    assert!(shown.contains("提示（该行已接受）：第2行\t公示截止期\t"), "{shown}");
}

#[test]
fn once_departments_are_registered_an_import_names_one_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cf.csv");
    let output = xinyong(
        dir.path(),
        &[
            "gen",
            "--type",
            "xzcf",
            "--rows",
            "5",
            "--out",
            file.to_str().unwrap(),
            "--seed",
            "3",
        ],
    );
    assert!(output.status.success());
    let import = |source: &str| {
        xinyong(
            dir.path(),
            &["import", file.to_str().unwrap(), "--type", "xzcf", "--source", source],
        )
    };
    // Before any is registered, the name is taken as given.
    assert!(import("淮北市生态环境局").status.success());
    let output = xinyong(
        dir.path(),
        &[
            "dept",
            "create",
            "--name",
            "淮北市生态环境局",
            "--uscc",
            "11340600MA9G6Y0034",
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let misspelt = import("淮北市生态环境司");
    assert_eq!(misspelt.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&misspelt.stderr).contains("“淮北市生态环境司”不是已登记的数据提供单位"),
        "{misspelt:?}"
    );
    assert!(import(" 淮北市生态环境局 ").status.success());
    // A directory is not a missing file.
    let output = xinyong(
        dir.path(),
        &[
            "import",
            dir.path().to_str().unwrap(),
            "--type",
            "xzcf",
            "--source",
            "淮北市生态环境局",
        ],
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("是目录，不是文件"),
        "{output:?}"
    );
}
