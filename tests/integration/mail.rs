//! Exception mail through a real SMTP server on loopback: who gets what, in
//! Swedish, with screenshots; nothing lost or doubled across an outage and a
//! daemon restart; no secret and no unmasked personnummer in any mail.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use nightshift::demo::sites::SiteConfig;

use crate::common::{Harness, ROBOT, SmtpServer, free_port, robot_env, text};

const OPS: &str = "drift@example.se";

#[test]
fn each_school_nurse_gets_one_digest_and_operations_the_technical_failure() {
    let h = Harness::new();
    let smtp = SmtpServer::start(None);
    let mut config = SiteConfig::demo(6);
    // Errands 1 and 2 are for pupils at two different schools the journal does not know.
    config.unknown_pupils = vec![1, 2];
    // The journal never takes errand 4: a technical failure.
    config.flaky_registrations = vec![(config.errands[4].id.clone(), 100)];
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_SMTP_URL".into(), smtp.url()));
    env.push(("NIGHTSHIFT_OPS_EMAIL".into(), OPS.into()));
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("mail: 3 sent to the SMTP server 127.0.0.1:"), "{}", text(&out.stderr));

    let received = smtp.wait_for(3, 10);
    assert_eq!(received.len(), 3);
    let by_recipient: HashMap<String, &serde_json::Value> =
        received.iter().map(|(m, _)| (m["rcpt_to"][0].as_str().unwrap().to_string(), m)).collect();
    for n in [1, 2] {
        let errand = &config.errands[n];
        let mail = by_recipient.get(&errand.handler).unwrap_or_else(|| panic!("no mail to {}", errand.handler));
        assert_eq!(
            mail["subject"],
            format!("nightshift: ärende {} från vaccination-consent behöver handläggas", errand.id)
        );
        let body = mail["text"].as_str().unwrap();
        assert!(body.starts_with("Hej!\n\nRoboten \"vaccination-consent\""), "{body}");
        assert!(body.contains(&format!("Ärende {}", errand.id)), "{body}");
        assert!(body.contains("finns inte i elevhälsojournalen"), "{body}");
        let masked = format!("{}-****", &errand.pupil.pnr[..8]);
        assert!(body.contains(&masked), "the personnummer is masked: {body}");
        let attachment = &mail["attachments"][0];
        assert_eq!(attachment["content_type"], "image/png");
        assert_eq!(attachment["png"], true);
        assert!(mail["html"].as_str().unwrap().contains("<ol>"));
    }
    let ops = by_recipient.get(OPS).expect("a mail to operations");
    assert!(
        ops["subject"].as_str().unwrap().ends_with("av vaccination-consent behöver ses över"),
        "{}",
        ops["subject"]
    );
    assert!(ops["text"].as_str().unwrap().contains(&format!("Ärende {}", config.errands[4].id)));
    let ids: Vec<&str> = received.iter().map(|(m, _)| m["message_id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|id| id.starts_with("<run-1.") && id.ends_with("@nightshift>")), "{ids:?}");
}

#[test]
fn no_secret_and_no_unmasked_personnummer_reach_a_mail() {
    const CANARY: &str = "kanariefagel-mail-42";
    let h = Harness::new();
    let smtp = SmtpServer::start(None);
    let mut config = SiteConfig::demo(2);
    config.eservice_password = CANARY.into();
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_SMTP_URL".into(), smtp.url()));
    let out = h.run(&["run", "tests/fixtures/mail-canary.yaml"], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let received = smtp.wait_for(1, 10);
    assert_eq!(received.len(), 1);
    let (summary, raw) = &received[0];
    let decoded = summary.to_string();
    assert!(decoded.contains("(inloggad med ***)"), "{decoded}");
    for errand in &config.errands {
        let pnr = &errand.pupil.pnr;
        let digits: String = pnr.chars().filter(char::is_ascii_digit).collect();
        for haystack in [&decoded, &text(raw)] {
            assert!(!haystack.contains(CANARY), "the secret reached the mail");
            assert!(!haystack.contains(pnr.as_str()) && !haystack.contains(&digits), "{pnr} unmasked in the mail");
        }
    }
}

#[test]
fn mail_test_reaches_the_smtp_server() {
    let h = Harness::new();
    let smtp = SmtpServer::start(None);
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &[("NIGHTSHIFT_SMTP_URL".into(), smtp.url())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let received = smtp.wait_for(1, 5);
    assert_eq!(received[0].0["rcpt_to"][0], "it@example.se");
    assert_eq!(received[0].0["subject"], "nightshift: testmeddelande");
    // With nothing listening, it says so and fails.
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &[("NIGHTSHIFT_SMTP_URL".into(), dead)]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("did not take the test mail"), "{}", text(&out.stderr));
}

#[test]
fn without_smtp_the_mail_is_written_to_the_outbox_folder() {
    let h = Harness::new();
    let mut config = SiteConfig::demo(2);
    config.unknown_pupils = vec![0];
    let sites = h.sites(config.clone());
    let out = h.run(&["run", ROBOT], &robot_env(&sites, &config));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let outbox = h.state_dir().join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().filter_map(|e| e.ok()).collect();
    assert_eq!(files.len(), 1, "one digest for the one nurse");
    let mail = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(mail.contains(&format!("To: {}", config.errands[0].handler)), "{mail}");
    assert!(mail.contains("Message-ID: <run-1.digest-0@nightshift>"), "{mail}");
}

#[test]
fn an_smtp_outage_and_a_daemon_restart_lose_no_mail_and_send_none_twice() {
    let h = Harness::new();
    let port = free_port();
    let mut config = SiteConfig::demo(4);
    config.unknown_pupils = vec![1, 2];
    config.flaky_registrations = vec![(config.errands[3].id.clone(), 100)];
    let sites = h.sites(config.clone());
    let mut env = robot_env(&sites, &config);
    env.push(("NIGHTSHIFT_SMTP_URL".into(), format!("smtp://127.0.0.1:{port}")));
    env.push(("NIGHTSHIFT_OPS_EMAIL".into(), OPS.into()));
    std::fs::create_dir_all(h.dir.path().join("schedules")).unwrap();
    std::fs::create_dir_all(h.dir.path().join("robots")).unwrap();

    // The run ends while the SMTP server is down: its three mails wait.
    let out = h.run(&["run", ROBOT], &env);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("3 waiting in the outbox"), "{}", text(&out.stderr));
    let started = std::time::Instant::now();

    let daemon = |h: &Harness| {
        let mut cmd = h.command(&["serve", "--grace", "1s"]);
        cmd.current_dir(h.dir.path())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn().unwrap()
    };
    let stop = |child: &mut std::process::Child| {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        assert!(child.wait().unwrap().success());
    };
    let mut first = daemon(&h);
    std::thread::sleep(Duration::from_secs(10));
    stop(&mut first);
    let mut second = daemon(&h);
    // The server comes up 30 s after the run.
    std::thread::sleep(Duration::from_secs(30).saturating_sub(started.elapsed()));
    let smtp = SmtpServer::start(Some(port));
    let received = smtp.wait_for(3, 90);
    // Wait a little longer: nothing more may arrive.
    std::thread::sleep(Duration::from_secs(5));
    stop(&mut second);
    let received_after = smtp.received();
    assert_eq!(received.len(), 3, "every mail arrived");
    assert_eq!(received_after.len(), 3, "and none twice");
    let mut ids: Vec<String> =
        received_after.iter().map(|(m, _)| m["message_id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["<run-1.digest-0@nightshift>", "<run-1.digest-1@nightshift>", "<run-1.ops@nightshift>"]);
}

/// A certificate authority of the test's own and a certificate it signed for
/// 127.0.0.1, made with openssl: (CA certificate, server certificate, key).
fn council_ca(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out.stderr));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Kommunens test-CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

#[test]
fn an_smtp_server_with_the_council_s_own_ca_is_trusted_through_the_system_store_only() {
    let h = Harness::new();
    let (ca, cert, key) = council_ca(h.dir.path());
    let smtp = SmtpServer::start_tls(&cert, &key);
    let url = format!("smtps://127.0.0.1:{}", smtp.port);
    // The CA added to the trust store, as SSL_CERT_FILE does for OpenSSL's programs.
    let trusted =
        [("NIGHTSHIFT_SMTP_URL".to_string(), url.clone()), ("SSL_CERT_FILE".into(), ca.display().to_string())];
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &trusted);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(smtp.wait_for(1, 10)[0].0["rcpt_to"][0], "it@example.se");
    let out = h.run(&["doctor", "--json"], &trusted);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let smtp_checks: Vec<&serde_json::Value> =
        answer["checks"].as_array().unwrap().iter().filter(|c| c["check"].as_str().unwrap().contains("SMTP")).collect();
    assert!(smtp_checks.len() >= 2 && smtp_checks.iter().all(|c| c["ok"] == true), "{answer}");

    // Without it the certificate is refused, and both say what to do.
    let untrusted = [("NIGHTSHIFT_SMTP_URL".to_string(), url), ("SSL_CERT_FILE".into(), "/dev/null".into())];
    let out = h.run(&["mail", "test", "--to", "it@example.se"], &untrusted);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("update-ca-certificates"), "{}", text(&out.stderr));
    assert_eq!(smtp.received().len(), 1, "nothing was sent over the untrusted connection");
    let out = h.run(&["doctor", "--json"], &untrusted);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let smtp_failed = answer["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ok"] == false && c["check"].as_str().unwrap().contains("SMTP"))
        .expect("a failed SMTP check");
    let check = smtp_failed["check"].as_str().unwrap();
    assert!(check.contains("authority this machine does not trust"), "{answer}");
    assert!(check.contains("its certificate was issued by `Kommunens test-CA`"), "the CA it needs is named: {check}");
}
