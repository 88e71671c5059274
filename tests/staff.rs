//! The staff workspace (issue #16): accounts on the command line, sign-in,
//! CSRF, roles, the edit form, history and undo, withdraw and restore — on a
//! real server over the demo archive, the public faces checked after each
//! change.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::http::{Response, Server, encode};
use crate::util::{self, Sandbox, hit_ids};

const PASSWORD: &str = "correct horse battery";

/// `wenyuan ARGS… --data DATA` with `stdin` as standard input.
fn wenyuan_with_stdin(sandbox: &Sandbox, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenyuan"))
        .args(args)
        .arg("--data")
        .arg(sandbox.data())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn add_staff(sandbox: &Sandbox, user: &str, role: &str, institution: Option<&str>) {
    let mut args = vec!["staff", "add", user, "--role", role, "--password-stdin"];
    if let Some(institution) = institution {
        args.extend(["--institution", institution]);
    }
    let (code, _, stderr) = wenyuan_with_stdin(sandbox, &args, &format!("{PASSWORD}\n"));
    assert_eq!(code, 0, "staff add {user}: {stderr}");
}

/// A browser with its cookies.
struct Browser<'a> {
    server: &'a Server,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(server: &'a Server) -> Self {
        Browser {
            server,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &Response) {
        for (name, value) in &response.headers {
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let pair = value.split(';').next().unwrap();
            let (cookie, content) = pair.split_once('=').unwrap();
            self.cookies.retain(|(kept, _)| kept != cookie);
            if !content.is_empty() {
                self.cookies.push((cookie.to_string(), content.to_string()));
            }
        }
    }

    fn get(&mut self, path: &str) -> Response {
        let cookies = self.cookie_header();
        let response = self.server.get_with(path, &[("Cookie", &cookies)]);
        self.keep_cookies(&response);
        response
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let body = form
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.server.addr,
            self.cookie_header(),
            body.len()
        );
        let response = self.server.send(request.as_bytes());
        self.keep_cookies(&response);
        response
    }

    /// A multipart form: text fields, then one file field `file_field`.
    fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        file: &[u8],
    ) -> Response {
        let boundary = "----wenyuan-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
            self.server.addr,
            self.cookie_header(),
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        let response = self.server.send(&request);
        self.keep_cookies(&response);
        response
    }

    fn sign_in(&mut self, user: &str, password: &str) -> Response {
        let page = self.get("/staff/login");
        let token = hidden(&page.text(), "csrf_token");
        self.post(
            "/staff/login",
            &[
                ("csrf_token", &token),
                ("username", user),
                ("password", password),
                ("next", "/staff"),
            ],
        )
    }
}

/// The value of the first hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Decodes what askama escapes.
fn unescape(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// The edit form of a page as the browser would send it.
fn edit_form(html: &str) -> Vec<(String, String)> {
    let form = html
        .split("<form method=\"post\" action=\"/staff/items/")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    let mut pairs = vec![("csrf_token".to_string(), hidden(form, "csrf_token"))];
    for piece in form.split("<textarea ").skip(1) {
        let name = piece
            .split("name=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let text = piece
            .split_once('>')
            .unwrap()
            .1
            .split("</textarea>")
            .next()
            .unwrap();
        pairs.push((unescape(name), unescape(text)));
    }
    let access = form
        .split("<option value=\"")
        .skip(1)
        .find(|option| option.contains("\" selected"))
        .map(|option| option.split('"').next().unwrap().to_string())
        .unwrap();
    pairs.push(("access".to_string(), access));
    pairs
}

fn with_field(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    form.iter()
        .map(|(field, old)| {
            let value = if field == name { value } else { old.as_str() };
            (field.clone(), value.to_string())
        })
        .collect()
}

fn as_refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

fn search_total(server: &Server, query: &str) -> u64 {
    let response = server.get(&format!("/api/v1/search?q={}", encode(query)));
    assert_eq!(response.status, 200);
    response.json()["total"].as_u64().unwrap()
}

/// The total of a search that holds every word of the query (0 when the
/// search had to loosen it).
fn strict_total(server: &Server, query: &str) -> u64 {
    let response = server.get(&format!("/api/v1/search?q={}", encode(query)));
    assert_eq!(response.status, 200);
    let json = response.json();
    if json["relaxed"].is_null() {
        json["total"].as_u64().unwrap()
    } else {
        0
    }
}

fn title_of(sandbox: &Sandbox, id: &str) -> String {
    let record = sandbox.catalog().item(id).unwrap().unwrap();
    record.item.display_title().to_string()
}

/// An item of the demo's venue `venue`.
fn item_of(sandbox: &Sandbox, venue: &str) -> String {
    let catalog = sandbox.catalog();
    let hits = catalog.staff_search("", Some(venue), 1).unwrap();
    hits[0].id.clone()
}

#[test]
fn a_librarian_signs_in_corrects_a_record_and_undoes_it() {
    let sandbox = Sandbox::new();
    sandbox.demo();
    let venues: Vec<String> = sandbox
        .catalog()
        .institutions()
        .unwrap()
        .into_iter()
        .map(|institution| institution.id)
        .collect();
    let (home_venue, other_venue) = (&venues[0], &venues[1]);
    add_staff(&sandbox, "wang", "editor", Some(home_venue));
    add_staff(&sandbox, "admin", "admin", None);
    // Bad accounts are refused plainly.
    let (code, _, stderr) = wenyuan_with_stdin(
        &sandbox,
        &[
            "staff",
            "add",
            "zhao",
            "--role",
            "editor",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 2, "an editor without a venue: {stderr}");
    let (code, _, _) = wenyuan_with_stdin(
        &sandbox,
        &[
            "staff",
            "add",
            "zhao",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(code, 2, "a short password");
    let listed = sandbox.wenyuan(&["staff", "list"]);
    listed.expect_code(0);
    assert!(
        listed.stdout().contains("wang\teditor"),
        "{}",
        listed.stdout()
    );

    let server = Server::start(&sandbox);
    let own_item = item_of(&sandbox, home_venue);
    let other_item = item_of(&sandbox, other_venue);

    // Without a session: pages send to the sign-in, anything else is 401.
    let mut anonymous = Browser::new(&server);
    let page = anonymous.get(&format!("/staff/items/{own_item}"));
    assert_eq!(page.status, 303);
    assert!(
        page.header("location")
            .unwrap()
            .starts_with("/staff/login?next=")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-robots-tag"), Some("noindex, nofollow"));
    let post = anonymous.post(
        &format!("/staff/items/{own_item}/withdraw"),
        &[("reason", "x")],
    );
    assert_eq!(post.status, 401);

    // A wrong password, then the right one.
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in("wang", "wrong password!").status, 401);
    let signed_in = browser.sign_in("wang", PASSWORD);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    let cookie = signed_in.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let home = browser.get("/staff");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("cache-control"), Some("no-store"));

    // Edit the title of an item of the editor's venue.
    let old_title = title_of(&sandbox, &own_item);
    let form_page = browser.get(&format!("/staff/items/{own_item}"));
    assert_eq!(form_page.status, 200);
    let form = edit_form(&form_page.text());
    let new_title = "王益街道老照片修订题名";
    assert_eq!(search_total(&server, "修订题名"), 0);
    let edited = with_field(&form, "title", new_title);

    // Without the form token, or with another, nothing changes.
    let without_token: Vec<(String, String)> = edited
        .iter()
        .filter(|(name, _)| name != "csrf_token")
        .cloned()
        .collect();
    let refused = browser.post(
        &format!("/staff/items/{own_item}"),
        &as_refs(&without_token),
    );
    assert_eq!(refused.status, 403);
    let forged = with_field(&edited, "csrf_token", &"0".repeat(64));
    let refused = browser.post(&format!("/staff/items/{own_item}"), &as_refs(&forged));
    assert_eq!(refused.status, 403);
    assert_eq!(title_of(&sandbox, &own_item), old_title);

    // An empty title is refused next to the field.
    let emptied = with_field(&form, "title", "  ");
    let refused = browser.post(&format!("/staff/items/{own_item}"), &as_refs(&emptied));
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("aria-invalid=\"true\""));
    assert_eq!(title_of(&sandbox, &own_item), old_title);

    let before = sandbox
        .catalog()
        .item(&own_item)
        .unwrap()
        .unwrap()
        .item
        .updated_at;
    let saved = browser.post(&format!("/staff/items/{own_item}"), &as_refs(&edited));
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(title_of(&sandbox, &own_item), new_title);
    assert_eq!(
        search_total(&server, "修订题名"),
        1,
        "search follows at once"
    );
    let oai = server.get(&format!(
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&from={}",
        wenyuan_web::dates::iso_utc(before + 1)
    ));
    assert!(
        oai.text().contains(&own_item),
        "the OAI-PMH datestamp moved: {}",
        oai.text()
    );

    // Another venue's item: 403, nothing changes.
    let other_form = with_field(
        &[
            (
                "csrf_token".to_string(),
                hidden(&form_page.text(), "csrf_token"),
            ),
            ("title".to_string(), "改错场馆".to_string()),
            ("access".to_string(), "public".to_string()),
        ],
        "title",
        "改错场馆",
    );
    let other_title = title_of(&sandbox, &other_item);
    let refused = browser.post(&format!("/staff/items/{other_item}"), &as_refs(&other_form));
    assert_eq!(refused.status, 403);
    assert_eq!(
        browser.get(&format!("/staff/items/{other_item}")).status,
        403
    );
    assert_eq!(title_of(&sandbox, &other_item), other_title);

    // The history shows the change; undo puts the exact old value back.
    let history = browser.get(&format!("/staff/items/{own_item}/history"));
    assert_eq!(history.status, 200);
    let text = history.text();
    assert!(text.contains(new_title) && text.contains("wang"), "{text}");
    let entry = sandbox.catalog().history_of(&own_item).unwrap()[0].id;
    let token = hidden(&text, "csrf_token");
    let undone = browser.post(
        &format!("/staff/history/{entry}/undo"),
        &[("csrf_token", &token)],
    );
    assert_eq!(undone.status, 303);
    assert_eq!(title_of(&sandbox, &own_item), old_title);
    assert_eq!(search_total(&server, "修订题名"), 0);
    assert_eq!(sandbox.catalog().history_of(&own_item).unwrap().len(), 2);

    // Withdraw from the web: 410 on the page and in the API, gone from
    // search, deleted in OAI-PMH; restore brings it back.
    let withdrawn = browser.post(
        &format!("/staff/items/{own_item}/withdraw"),
        &[("csrf_token", &token), ("reason", "版权投诉 <b>")],
    );
    assert_eq!(withdrawn.status, 303);
    let page = server.get(&format!("/items/{own_item}"));
    assert_eq!(page.status, 410);
    assert!(
        page.text().contains("版权投诉 &#60;b&#62;"),
        "escaped reason"
    );
    let api = server.get(&format!("/api/v1/items/{own_item}"));
    assert_eq!(api.status, 410);
    assert_eq!(api.json()["error"]["code"], "gone");
    let record = server.get(&format!(
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:127.0.0.1:{own_item}"
    ));
    assert!(
        record.text().contains("status=\"deleted\""),
        "{}",
        record.text()
    );
    let restored = browser.post(
        &format!("/staff/items/{own_item}/restore"),
        &[("csrf_token", &token)],
    );
    assert_eq!(restored.status, 303);
    assert_eq!(server.get(&format!("/items/{own_item}")).status, 200);

    // Disabling the account ends its open session.
    sandbox
        .wenyuan(&["staff", "disable", "wang"])
        .expect_code(0);
    let after = browser.get("/staff");
    assert_eq!(
        after.status, 303,
        "a disabled account's session no longer works"
    );
    // Signing out ends a session too.
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin", PASSWORD).status, 303);
    let token = hidden(&admin.get("/staff").text(), "csrf_token");
    assert_eq!(
        admin
            .post("/staff/logout", &[("csrf_token", &token)])
            .status,
        303
    );
    assert_eq!(admin.get("/staff").status, 303);
}

#[test]
fn repeated_failures_lock_an_account_even_for_the_right_password() {
    let sandbox = Sandbox::new();
    sandbox.demo();
    add_staff(&sandbox, "li", "admin", None);
    let server = Server::start(&sandbox);
    let mut browser = Browser::new(&server);
    for _ in 0..5 {
        assert_eq!(browser.sign_in("li", "not the password").status, 401);
    }
    let locked = browser.sign_in("li", PASSWORD);
    assert_eq!(locked.status, 401);
    assert!(locked.text().contains("锁定"), "{}", locked.text());
    // A new password from the command line lifts the lock.
    let (code, _, stderr) = wenyuan_with_stdin(
        &sandbox,
        &["staff", "passwd", "li", "--password-stdin"],
        "another long password\n",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(browser.sign_in("li", "another long password").status, 303);
}

#[test]
fn withdraw_and_restore_from_the_command_line() {
    let sandbox = Sandbox::new();
    sandbox.demo();
    let venue = sandbox.catalog().institutions().unwrap()[0].id.clone();
    let id = item_of(&sandbox, &venue);
    let title = title_of(&sandbox, &id);
    let found =
        |sandbox: &Sandbox| hit_ids(&sandbox.search_json(&[&format!("\"{title}\"")])).contains(&id);
    assert!(found(&sandbox));
    let run = sandbox.wenyuan(&["withdraw", &id, "wnotanitem00", "--reason", "上传错误"]);
    assert_eq!(run.code(), 1, "one unknown id: {}", run.stderr());
    assert!(run.stdout().contains(&format!("{id}: withdrawn")));
    assert!(run.stderr().contains("wnotanitem00"));
    assert!(!found(&sandbox), "search no longer finds it");
    assert_eq!(
        sandbox.catalog().withdrawal(&id).unwrap().unwrap().1,
        "上传错误"
    );
    // Files stay preserved, and verify is content.
    assert!(
        !sandbox
            .catalog()
            .item(&id)
            .unwrap()
            .unwrap()
            .files
            .is_empty()
    );
    sandbox.wenyuan(&["verify"]).expect_code(0);
    sandbox.wenyuan(&["restore", &id]).expect_code(0);
    assert!(found(&sandbox));
    let history = sandbox.catalog().history_of(&id).unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].actor.starts_with("cli:"));
}

/// A folder of `count` scans of the district library, described by a GBK
/// `metadata.csv` (as Excel on Chinese Windows saves it): titles 县志 卷N,
/// dates 19NN; `change` rewrites the sheet's rows before it is written.
fn chronicle_folder(sandbox: &Sandbox, count: u8, change: impl Fn(u8, String) -> String) {
    let mut sheet = String::from("文件,题名,日期,机构\n");
    for n in 1..=count {
        let scan = format!("scans/p{n:02}.png");
        if !sandbox.path().join(&scan).exists() {
            sandbox.write(&scan, util::png(16, 16, n));
        }
        sheet.push_str(&change(
            n,
            format!("p{n:02}.png,县志 卷{n},19{n:02},district-library\n"),
        ));
    }
    sandbox.write("scans/metadata.csv", util::gbk(&sheet));
    if !sandbox.path().join("institutions.toml").exists() {
        sandbox.write("institutions.toml", util::INSTITUTIONS_TOML);
        let institutions = sandbox.path().join("institutions.toml");
        sandbox
            .wenyuan(&["institutions", "import", institutions.to_str().unwrap()])
            .expect_code(0);
    }
}

/// GBK bytes as text.
fn from_gbk(bytes: &[u8]) -> String {
    let (text, _, malformed) = encoding_rs::GBK.decode(bytes);
    assert!(!malformed);
    text.into_owned()
}

/// The sheet's titles 县志 卷N become 县志（校订） 卷N, as a librarian would
/// type them in Excel and save as GBK CSV.
fn corrected_in_excel(exported: &str) -> Vec<u8> {
    util::gbk(
        &exported
            .trim_start_matches('\u{feff}')
            .replace("县志 卷", "县志（校订） 卷"),
    )
}

#[test]
fn fifty_titles_fixed_in_excel_by_gbk_sheet_and_kept_by_reingest() {
    let sandbox = Sandbox::new();
    chronicle_folder(&sandbox, 50, |_, row| row);
    sandbox.ingest(&[]).0.expect_code(0);

    let exported = sandbox.path().join("records.csv");
    let run = sandbox.wenyuan(&[
        "export",
        "--sheet",
        exported.to_str().unwrap(),
        "--encoding",
        "gbk",
        "--institution",
        "district-library",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains("50 records written"),
        "{}",
        run.stdout()
    );
    let text = from_gbk(&std::fs::read(&exported).unwrap());
    assert!(
        text.starts_with("id,机构,藏品集,访问级别,题名,日期"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 51);

    let edited = sandbox.write("edited.csv", corrected_in_excel(&text));
    let report = sandbox.path().join("apply.json");
    let dry = sandbox.wenyuan(&[
        "apply-sheet",
        edited.to_str().unwrap(),
        "--dry-run",
        "--report",
        report.to_str().unwrap(),
    ]);
    dry.expect_code(0);
    assert!(
        dry.stdout()
            .contains("题名 title: 县志 卷7 → 县志（校订） 卷7"),
        "{}",
        dry.stdout()
    );
    assert!(
        dry.stdout()
            .contains("50 records change, 0 unchanged, 0 rows refused")
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["records_changed"], 50);
    assert_eq!(json["dry_run"], true);
    assert!(
        sandbox
            .catalog()
            .staff_search("县志（校订）", None, 100)
            .unwrap()
            .is_empty(),
        "a dry run changes nothing"
    );

    sandbox
        .wenyuan(&["apply-sheet", edited.to_str().unwrap()])
        .expect_code(0);
    let after = sandbox.search_json(&["校订 卷7"]);
    assert!(after["relaxed"].is_null(), "{after:#}");
    assert_eq!(after["total"], 1, "{after:#}");
    let catalog = sandbox.catalog();
    let hits = catalog.staff_search("县志（校订）", None, 100).unwrap();
    assert_eq!(hits.len(), 50);
    let one = &hits[0].id;
    let history = catalog.history_of(one).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "sheet");
    assert_eq!(history[0].field, "title");
    // A partner harvesting OAI-PMH sees the change.
    let server = Server::start(&sandbox);
    let record = server.get(&format!(
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:127.0.0.1:{one}"
    ));
    assert_eq!(record.status, 200);
    assert!(
        record.text().contains("县志（校订） 卷"),
        "{}",
        record.text()
    );
    drop(server);
    // Applying the same sheet again changes nothing.
    let again = sandbox.wenyuan(&["apply-sheet", edited.to_str().unwrap()]);
    again.expect_code(0);
    assert!(
        again.stdout().contains("0 records change, 50 unchanged"),
        "{}",
        again.stdout()
    );

    // Re-ingest with the folder's sheet changed elsewhere (the dates of rows
    // 1 and 2) keeps the web titles; its own new title for row 2 wins, and
    // the report says so.
    chronicle_folder(&sandbox, 50, |n, row| match n {
        1 => row.replace(",1901,", ",1801,"),
        2 => row
            .replace(",1902,", ",1802,")
            .replace("县志 卷2", "同官县志 卷2"),
        _ => row,
    });
    let (run, report) = sandbox.ingest(&[]);
    run.expect_code(0);
    assert_eq!(report["items_updated"], 2, "{report:#}");
    assert_eq!(report["edits_kept"], 1, "{report:#}");
    let replaced = report["edits_replaced"].as_array().unwrap();
    assert_eq!(replaced.len(), 1, "{report:#}");
    assert!(
        replaced[0]["reason"]
            .as_str()
            .unwrap()
            .contains("the sheet changes a value edited on the web (title)")
    );
    assert!(
        run.stderr()
            .contains("the sheet changes a value edited on the web")
    );
    let catalog = sandbox.catalog();
    let titles: Vec<String> = catalog
        .staff_search("卷1", None, 100)
        .unwrap()
        .into_iter()
        .map(|hit| hit.title)
        .collect();
    assert!(
        titles.contains(&"县志（校订） 卷1".to_string()),
        "{titles:?}"
    );
    assert_eq!(
        catalog
            .staff_search("同官县志 卷2", None, 10)
            .unwrap()
            .len(),
        1
    );

    // A row that cannot be applied is refused on its own; exit status 1.
    let bad = sandbox.write(
        "bad.csv",
        util::gbk(&format!(
            "id,题名\n{one},新的题名\nwnotanitem00,无\n{one},重复\n"
        )),
    );
    let run = sandbox.wenyuan(&["apply-sheet", bad.to_str().unwrap()]);
    assert_eq!(run.code(), 1, "{}", run.stdout());
    assert!(
        run.stdout().contains("unknown id wnotanitem00"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("earlier row"), "{}", run.stdout());
    assert_eq!(title_of(&sandbox, one), "新的题名");
}

#[test]
fn a_sheet_uploaded_on_the_web_is_previewed_then_applied() {
    let sandbox = Sandbox::new();
    chronicle_folder(&sandbox, 5, |_, row| row);
    sandbox.ingest(&[]).0.expect_code(0);
    add_staff(&sandbox, "li", "editor", Some("district-library"));
    add_staff(&sandbox, "zhao", "editor", Some("huangbao-museum"));
    let server = Server::start(&sandbox);

    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in("li", PASSWORD).status, 303);
    let page = browser.get("/staff/sheet");
    assert_eq!(page.status, 200);
    let token = hidden(&page.text(), "csrf_token");
    let download = browser.get("/staff/sheet/export?format=csv-gbk");
    assert_eq!(download.status, 200);
    assert!(
        download
            .header("content-disposition")
            .unwrap()
            .contains("wenyuan-district-library.csv")
    );
    let exported = from_gbk(&download.body);
    assert_eq!(exported.lines().count(), 6, "{exported}");
    let edited = corrected_in_excel(&exported);

    // Without the form's token: refused, nothing kept.
    let refused = browser.post_file("/staff/sheet", &[], "sheet", "records.csv", &edited);
    assert_eq!(refused.status, 403);
    let refused = browser.post_file(
        "/staff/sheet",
        &[("csrf_token", "0000")],
        "sheet",
        "records.csv",
        &edited,
    );
    assert_eq!(refused.status, 403);

    let preview = browser.post_file(
        "/staff/sheet",
        &[("csrf_token", &token)],
        "sheet",
        "records.csv",
        &edited,
    );
    assert_eq!(preview.status, 200, "{}", preview.text());
    let html = preview.text();
    assert!(html.contains("5 records change"), "{html}");
    assert!(html.contains("县志（校订） 卷3"), "{html}");
    assert_eq!(
        strict_total(&server, "校订"),
        0,
        "a preview changes nothing"
    );
    let upload = hidden(&html, "upload");
    let digest = hidden(&html, "digest");

    // Another venue's editor can neither apply this upload nor change these records.
    let mut other = Browser::new(&server);
    assert_eq!(other.sign_in("zhao", PASSWORD).status, 303);
    let other_token = hidden(&other.get("/staff/sheet").text(), "csrf_token");
    let stolen = other.post(
        "/staff/sheet/apply",
        &[
            ("csrf_token", &other_token),
            ("upload", &upload),
            ("digest", &digest),
        ],
    );
    assert_eq!(stolen.status, 410);
    let theirs = other.post_file(
        "/staff/sheet",
        &[("csrf_token", &other_token)],
        "sheet",
        "records.csv",
        &edited,
    );
    assert_eq!(theirs.status, 200);
    assert!(
        theirs
            .text()
            .contains("0 records change, 0 unchanged, 5 rows refused"),
        "{}",
        theirs.text()
    );
    assert!(theirs.text().contains("may not edit"));

    let applied = browser.post(
        "/staff/sheet/apply",
        &[
            ("csrf_token", &token),
            ("upload", &upload),
            ("digest", &digest),
            ("reason", "校对"),
        ],
    );
    assert_eq!(applied.status, 303, "{}", applied.text());
    assert_eq!(applied.header("location"), Some("/staff/sheet?applied=5"));
    assert_eq!(strict_total(&server, "校订"), 5, "search follows at once");
    let catalog = sandbox.catalog();
    let hit = &catalog.staff_search("县志（校订） 卷3", None, 1).unwrap()[0];
    let history = catalog.history_of(&hit.id).unwrap();
    assert_eq!(history[0].actor, "li");
    assert_eq!(history[0].action, "sheet");
    assert_eq!(history[0].reason.as_deref(), Some("校对"));
    // The upload is spent.
    let again = browser.post(
        "/staff/sheet/apply",
        &[
            ("csrf_token", &token),
            ("upload", &upload),
            ("digest", &digest),
        ],
    );
    assert_eq!(again.status, 410);
}
