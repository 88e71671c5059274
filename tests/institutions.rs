//! `wenyuan institutions import/list` (issue #2).

use crate::util::{self, Sandbox};

#[test]
fn import_then_list_venues_and_collections() {
    let sandbox = Sandbox::new();
    sandbox.write("venues.toml", util::INSTITUTIONS_TOML);
    let file = sandbox.path().join("venues.toml");
    let run = sandbox.wenyuan(&["institutions", "import", file.to_str().unwrap()]);
    run.expect_code(0);
    assert!(
        run.stderr().contains("2 institutions and 2 collections"),
        "{}",
        run.stderr()
    );
    // Importing again updates in place.
    sandbox
        .wenyuan(&["institutions", "import", file.to_str().unwrap()])
        .expect_code(0);
    let list = sandbox.wenyuan(&["institutions", "list"]);
    list.expect_code(0);
    assert!(
        list.stdout()
            .contains("district-library\t王益区图书馆\tlibrary\t0 items"),
        "{}",
        list.stdout()
    );
    assert!(
        list.stdout().contains("  ceramics\t耀州窑陶瓷"),
        "{}",
        list.stdout()
    );
}

#[test]
fn a_broken_institutions_file_is_a_clear_error() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "bad.toml",
        "[[institution]]\nid = \"x\"\nname_zh = \"某馆\"\nkind = \"castle\"\n",
    );
    let file = sandbox.path().join("bad.toml");
    let run = sandbox.wenyuan(&["institutions", "import", file.to_str().unwrap()]);
    run.expect_code(2);
    assert!(run.stderr().contains("castle"), "{}", run.stderr());
}
