//! The web console over real HTTP: what it must refuse (a foreign Host, a
//! form without its CSRF token, a second "run now", a missing token, a case
//! link that is wrong or expired, a path outside the state folder, a
//! non-loopback address without a token) and that page text is shown as
//! text. The browser-driven tests are in `console_browser`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Harness, free_port, text};

pub(crate) const TOKEN: &str = "console-token-canary-7f3a";

/// One HTTP/1.1 exchange with the console, byte for byte as given (so a
/// path with `..` and any Host header reach it unchanged).
pub(crate) struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

pub(crate) fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Answer { status, head: head.to_string(), body: body.to_string() }
}

/// A `nightshift serve --http` for a test, stopped (SIGTERM) when dropped.
pub(crate) struct Served {
    child: Child,
}

impl Served {
    pub(crate) fn start(h: &Harness, robots: &Path, port: u16, env: &[(String, String)]) -> Self {
        let schedules = h.dir.path().join("no-schedules");
        std::fs::create_dir_all(&schedules).unwrap();
        let mut command = h.command(&[
            "--robots",
            robots.to_str().unwrap(),
            "--schedules",
            schedules.to_str().unwrap(),
            "serve",
            "--http",
            &format!("127.0.0.1:{port}"),
        ]);
        command.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let served = Self { child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the console did not start listening within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // SAFETY: kill only sends a signal to our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Quoted-printable text as it was before encoding.
pub(crate) fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The case links in the mails of the outbox folder.
pub(crate) fn case_links(outbox: &Path) -> Vec<String> {
    let mut links = Vec::new();
    for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        let mail = unquote(&std::fs::read_to_string(entry.path()).unwrap());
        for word in mail.split_whitespace() {
            let plain = !word.contains("&amp;") && !word.contains('<');
            if plain
                && word.starts_with("http://127.0.0.1:")
                && word.contains("/case?")
                && !links.contains(&word.to_string())
            {
                links.push(word.trim_end_matches(['.', ',']).to_string());
            }
        }
    }
    links
}

/// The path and query of a URL on the console.
pub(crate) fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

/// The CSRF token in a page's forms.
pub(crate) fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form with its CSRF token") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// A robot whose one case fails with page-like text that holds markup.
fn markup_robot(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("cases.csv"), "Ärende,Namn\n2026-3001,<b>Ada</b>\n").unwrap();
    std::fs::write(
        dir.join("markup.yaml"),
        "name: markup\nhandlers: [officer@example.se]\nitems:\n  csv: cases.csv\n  key: Ärende\n  steps:\n    - fail: \"<script>alert(1)</script> ${item.Namn}\"\n",
    )
    .unwrap();
}

#[test]
fn the_console_refuses_what_it_must_and_shows_page_text_as_text() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    markup_robot(&robots);
    let port = free_port();
    let env = vec![
        ("NIGHTSHIFT_CONSOLE_TOKEN".to_string(), TOKEN.to_string()),
        ("NIGHTSHIFT_PUBLIC_URL".to_string(), format!("http://127.0.0.1:{port}")),
    ];
    let mut run = h.command(&["--robots", robots.to_str().unwrap(), "run", "markup"]);
    run.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let out = run.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let console = Served::start(&h, &robots, port, &env);
    let auth = ("Authorization", format!("Bearer {TOKEN}"));
    let authed = [(auth.0, auth.1.as_str())];

    // The token: none, a wrong one, the right one; the health check needs none.
    assert_eq!(http(port, "GET", "/", &[], None).status, 401);
    assert_eq!(http(port, "GET", "/runs", &[("Authorization", "Bearer wrong")], None).status, 401);
    let start = http(port, "GET", "/", &authed, None);
    assert_eq!(start.status, 200, "{}", start.body);
    assert_eq!(http(port, "GET", "/healthz", &[], None).status, 200);
    assert!(!start.body.contains(TOKEN), "the page never shows the token");
    for header in
        ["content-security-policy: default-src 'none'", "x-content-type-options: nosniff", "frame-ancestors 'none'"]
    {
        assert!(start.head.to_ascii_lowercase().contains(header), "{header} in {}", start.head);
    }

    // Another Host (DNS rebinding) is refused, token or not.
    let foreign = http(port, "GET", "/", &[("Host", &format!("evil.example:{port}")), (auth.0, &auth.1)], None);
    assert_eq!(foreign.status, 403);

    // Text from pages and robots is text.
    for path in ["/runs/1", "/cases"] {
        let page = http(port, "GET", path, &authed, None);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{path}: {}", page.body);
        assert!(!page.body.contains("<script>alert(1)") && !page.body.contains("<b>Ada</b>"), "{path}");
    }

    let run = http(port, "GET", "/runs/1", &authed, None);
    assert!(run.body.contains("<details><summary>Alla steg (1)</summary>"), "every step, folded: {}", run.body);

    // Evidence only from the state folder's evidence.
    let outside = http(port, "GET", "/evidence/1/../../nightshift.db", &authed, None);
    assert!(matches!(outside.status, 403 | 404), "{}: {}", outside.status, outside.body);
    assert!(!outside.body.contains("SQLite format"), "the run log was not served");
    let passwd = http(port, "GET", "/evidence/1/..%2F..%2F..%2F..%2Fetc%2Fpasswd", &authed, None);
    assert!(matches!(passwd.status, 403 | 404) && !passwd.body.contains("root:"), "{}", passwd.status);

    // Run now: refused without the form's token, started with it, 409 while running.
    let refused = http(port, "POST", "/robots/markup/run", &authed, Some("csrf=guess"));
    assert_eq!(refused.status, 403);
    let form = format!("csrf={}", csrf(&start.body));
    let started = http(port, "POST", "/robots/markup/run", &authed, Some(&form));
    assert_eq!(started.status, 303, "{}", started.body);
    assert!(
        started.head.contains("location: /runs/2") || started.head.contains("Location: /runs/2"),
        "{}",
        started.head
    );
    let again = http(port, "POST", "/robots/markup/run", &authed, Some(&form));
    assert_eq!(again.status, 409, "{}", again.body);

    // The case link from the mail opens its case without the console's
    // token; a wrong or expired one does not.
    let links = case_links(&h.state_dir().join("outbox"));
    assert_eq!(links.len(), 1, "{links:?}");
    let case = http(port, "GET", &path_of(&links[0]), &[], None);
    assert_eq!(case.status, 200, "{}", case.body);
    assert!(case.body.contains("2026-3001"));
    let wrong = path_of(&links[0]).replace("robot=markup", "robot=other");
    assert_eq!(http(port, "GET", &wrong, &[], None).status, 403);
    let key = std::fs::read(h.state_dir().join("console.key")).unwrap();
    let expired = (chrono::Utc::now() - chrono::Duration::days(1)).timestamp();
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        format!("markup\u{1f}2026-3001\u{1f}{expired}").as_bytes(),
    );
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let old = http(port, "GET", &format!("/case?robot=markup&key=2026-3001&token={expired}.{hex}"), &[], None);
    assert_eq!(old.status, 403);
    assert!(old.body.contains("expired") || old.body.contains("gått ut"), "{}", old.body);
    // The link opens that case only: not the console's other pages.
    assert_eq!(http(port, "GET", "/cases", &[], None).status, 401);

    let metrics = http(port, "GET", "/metrics", &authed, None);
    assert!(metrics.body.contains("nightshift_open_exceptions{robot=\"markup\"} 1"), "{}", metrics.body);
    assert!(
        metrics.body.contains("nightshift_runs_total{robot=\"markup\",status=\"succeeded_with_exceptions\"} 1"),
        "{}",
        metrics.body
    );
    drop(console);
}

#[test]
fn the_console_will_not_listen_beyond_loopback_without_a_token() {
    let h = Harness::new();
    let port = free_port();
    let out = h.run(&["serve", "--http", &format!("0.0.0.0:{port}")], &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a loopback address, without a token"), "{}", text(&out.stderr));
}
