//! `wenyuan verify`: fixity audits name what is damaged (issue #2).

use crate::util::{self, Sandbox};

#[test]
fn verify_names_a_flipped_byte_and_a_missing_file() {
    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(64, 64, 1));
    sandbox.write("scans/b.png", util::png(64, 64, 2));
    sandbox.ingest(&[]).0.expect_code(0);
    let run = sandbox.wenyuan(&["verify"]);
    run.expect_code(0);
    assert!(run.stderr().contains("2 intact"), "{}", run.stderr());

    let files = sandbox.catalog().stored_files().unwrap();
    let first = &files[0];
    let stored = sandbox
        .data()
        .join("files")
        .join(&first.digest[0..2])
        .join(&first.digest[2..4])
        .join(&first.digest);
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[40] ^= 0x01;
    std::fs::write(&stored, bytes).unwrap();
    let run = sandbox.wenyuan(&["verify"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(&first.digest) && run.stderr().contains("changed"),
        "{}",
        run.stderr()
    );

    let second = &files[1];
    std::fs::remove_file(
        sandbox
            .data()
            .join("files")
            .join(&second.digest[0..2])
            .join(&second.digest[2..4])
            .join(&second.digest),
    )
    .unwrap();
    let report_path = sandbox.path().join("verify.json");
    sandbox
        .wenyuan(&["verify", "--report", report_path.to_str().unwrap()])
        .expect_code(1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report_path).unwrap()).unwrap();
    let problems: Vec<&str> = report["damaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|damaged| damaged["problem"].as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2);
    assert!(
        problems.contains(&"changed") && problems.contains(&"missing"),
        "{problems:?}"
    );
}

#[test]
fn verify_on_a_sample_checks_fewer_files() {
    let sandbox = Sandbox::new();
    for index in 0..40u8 {
        sandbox.write(&format!("scans/{index}.bin"), [index; 100]);
    }
    sandbox.ingest(&[]).0.expect_code(0);
    let report_path = sandbox.path().join("verify.json");
    let run = sandbox.wenyuan(&[
        "verify",
        "--sample",
        "25%",
        "--report",
        report_path.to_str().unwrap(),
    ]);
    run.expect_code(0);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report_path).unwrap()).unwrap();
    let checked = report["checked"].as_u64().unwrap();
    assert!(checked > 0 && checked < 40, "{}", run.stderr());
    sandbox
        .wenyuan(&["verify", "--sample", "abc"])
        .expect_code(2);
}

#[test]
fn verify_outside_a_data_directory_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let run = sandbox.wenyuan(&["verify"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("not a wenyuan data directory"),
        "{}",
        run.stderr()
    );
}

/// A stored file that exists but cannot be read is reported as unreadable,
/// by its path, with the system's reason — not as missing or changed. Root
/// reads every file, so as root the audit runs as an ordinary user (the
/// `nobody` account, through `setpriv`) over a data directory it owns.
#[test]
fn verify_names_an_unreadable_file_as_unreadable() {
    use std::os::unix::fs::PermissionsExt;

    let sandbox = Sandbox::new();
    sandbox.write("scans/a.png", util::png(64, 64, 1));
    sandbox.write("scans/b.png", util::png(64, 64, 2));
    sandbox.ingest(&[]).0.expect_code(0);
    let files = sandbox.catalog().stored_files().unwrap();
    let unreadable = sandbox
        .data()
        .join("files")
        .join(&files[0].digest[0..2])
        .join(&files[0].digest[2..4])
        .join(&files[0].digest);
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o000)).unwrap();
    let report_path = sandbox.path().join("verify.json");

    let mut verify = if util::running_as_root() {
        chown_tree(sandbox.path(), 65534, 65534);
        let mut command = std::process::Command::new("setpriv");
        command.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_wenyuan"),
        ]);
        command
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_wenyuan"))
    };
    let output = verify
        .arg("verify")
        .arg("--data")
        .arg(sandbox.data())
        .arg("--report")
        .arg(&report_path)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: unreadable: Permission denied",
            unreadable.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("1 intact, 1 damaged"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let damaged = report["damaged"].as_array().unwrap();
    assert_eq!(damaged.len(), 1, "{report:#}");
    assert_eq!(damaged[0]["problem"], "unreadable", "{report:#}");
    assert_eq!(damaged[0]["path"], unreadable.to_str().unwrap());
    assert_eq!(damaged[0]["expected_digest"], files[0].digest.as_str());
    assert!(
        damaged[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Permission denied"),
        "{report:#}"
    );
}

/// `chown -R`, without following links.
fn chown_tree(path: &std::path::Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid, gid);
        }
    }
}
