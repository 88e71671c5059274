//! Ctrl-C (SIGINT) stops a long run cleanly: the ingest report says
//! `cancelled: true`, the exit status is 130, what was committed is
//! consistent, and the same command finishes the rest.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{self, Sandbox};

const FILES: usize = 200;

/// Sends SIGINT to a child process, as Ctrl-C in a terminal does.
fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT failed");
}

/// Waits until the catalogue of `sandbox` holds at least one item.
fn wait_for_first_item(sandbox: &Sandbox, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let catalog_path = sandbox.data().join("catalog.sqlite");
    loop {
        assert!(
            child.try_wait().expect("poll the ingest").is_none(),
            "the ingest ended before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "no item was committed in time");
        let committed = catalog_path.is_file()
            && wenyuan_index::Catalog::open_read_only(&catalog_path)
                .and_then(|catalog| catalog.count_items())
                .is_ok_and(|items| items > 0);
        if committed {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_stops_an_ingest_that_the_same_command_then_finishes() {
    let sandbox = Sandbox::new();
    for index in 0..FILES {
        // Width and seed together make every picture's bytes unique.
        let width = 640 + (index % 50) as u32;
        sandbox.write(
            &format!("scans/photo-{index:04}.jpg"),
            util::jpeg(width, 480, index as u8),
        );
    }
    let report_path = sandbox.path().join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenyuan"))
        .args(["ingest", sandbox.scans().to_str().unwrap(), "--report"])
        .arg(&report_path)
        .env("WENYUAN_DATA", sandbox.data())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wenyuan ingest");
    wait_for_first_item(&sandbox, &mut child);
    interrupt(&child);
    let output = child.wait_with_output().expect("wait for the ingest");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(130),
        "exit status; stderr:\n{stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).expect("the report is written"))
            .expect("the report is JSON");
    assert_eq!(report["cancelled"], true, "{report}");
    let added = report["added"].as_u64().unwrap();
    assert!(
        added >= 1 && added < FILES as u64,
        "the run was stopped part-way: {report}"
    );

    // What was committed is consistent: every item the report counts is in
    // the catalogue, and none is left waiting for the index.
    let catalog = sandbox.catalog();
    assert_eq!(catalog.count_items().unwrap(), added);
    assert_eq!(catalog.index_pending().unwrap(), Vec::<String>::new());
    drop(catalog);

    let (run, report) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(report["cancelled"], false, "{report}");
    assert_eq!(report["unchanged"].as_u64().unwrap(), added, "{report}");
    assert_eq!(
        report["added"].as_u64().unwrap(),
        FILES as u64 - added,
        "{report}"
    );
    assert_eq!(sandbox.catalog().count_items().unwrap(), FILES as u64);
    // The index followed: every item is found.
    let search = sandbox.wenyuan(&["search", "photo", "--json", "--limit", "1"]);
    search.expect_code(0);
    let results: serde_json::Value = serde_json::from_str(&search.stdout()).expect("JSON");
    assert_eq!(results["total"], FILES as u64, "{results}");
}
