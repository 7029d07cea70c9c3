//! Links that open one case on the web console without the console's token:
//! the exception mail carries one per case when `NIGHTSHIFT_PUBLIC_URL` is
//! set. A link names the robot and the case and carries an expiry and an
//! HMAC-SHA256 over the three, keyed by `<state-dir>/console.key` (made on
//! first use, readable by its owner only), so it opens that case and nothing
//! else, until it expires (30 days by default).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::{DateTime, Utc};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// How long a case link opens its case.
pub(crate) const LINK_LIFETIME: chrono::Duration = chrono::Duration::days(30);

/// Why a link does not open its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LinkError {
    #[error("the link has expired")]
    Expired,
    #[error("the link is not valid for this case")]
    Invalid,
}

/// Signs and checks case links.
#[derive(Clone)]
pub(crate) struct CaseLinks {
    key: hmac::Key,
    /// The console's address as people reach it (`https://nightshift.kommun.se`).
    public_url: Option<String>,
}

/// Two link signers are the same when they point at the same console (the
/// key is the state folder's, one per folder).
impl PartialEq for CaseLinks {
    fn eq(&self, other: &Self) -> bool {
        self.public_url == other.public_url
    }
}

impl std::fmt::Debug for CaseLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseLinks").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

/// `n` random bytes from the system's generator.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0; n];
    // The system generator only fails where there is no /dev/urandom.
    SystemRandom::new().fill(&mut bytes).expect("the system's random generator works");
    bytes
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CaseLinks {
    /// The state folder's key (made now if there is none), and the public
    /// address from `NIGHTSHIFT_PUBLIC_URL`.
    pub(crate) fn from_state(state_dir: &Path) -> std::io::Result<Self> {
        let public_url = crate::environment::var("NIGHTSHIFT_PUBLIC_URL")
            .map(|u| u.trim_end_matches('/').to_string())
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
        Ok(Self { key: hmac::Key::new(hmac::HMAC_SHA256, &key_file(state_dir)?), public_url })
    }

    /// Links at `public_url` under a fixed key, for tests of what mail says.
    #[cfg(test)]
    pub(crate) fn for_tests(public_url: &str) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, b"tests"), public_url: Some(public_url.into()) }
    }

    /// What a token signs: the robot, the case, whom the link was sent to
    /// (empty in the links of versions before the audit log, which still
    /// open their case) and the expiry.
    fn message(robot: &str, case: &str, to: &str, expires: i64) -> String {
        match to {
            "" => format!("{robot}\u{1f}{case}\u{1f}{expires}"),
            to => format!("{robot}\u{1f}{case}\u{1f}{to}\u{1f}{expires}"),
        }
    }

    /// A token that opens `case` of `robot` for the mail's recipients `to`
    /// until `now + LINK_LIFETIME`.
    pub(crate) fn token(&self, robot: &str, case: &str, to: &str, now: DateTime<Utc>) -> String {
        let expires = (now + LINK_LIFETIME).timestamp();
        let tag = hmac::sign(&self.key, Self::message(robot, case, to, expires).as_bytes());
        format!("{expires}.{}", hex(tag.as_ref()))
    }

    /// Whether `token` opens `case` of `robot` at `now`, sent to `to`.
    pub(crate) fn check(
        &self,
        robot: &str,
        case: &str,
        to: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkError> {
        let (expires, signature) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| LinkError::Invalid)?;
        let signature = unhex(signature).ok_or(LinkError::Invalid)?;
        let message = Self::message(robot, case, to, expires);
        hmac::verify(&self.key, message.as_bytes(), &signature).map_err(|_| LinkError::Invalid)?;
        if now.timestamp() > expires { Err(LinkError::Expired) } else { Ok(()) }
    }

    /// A case key as the ledger keeps it once its data is purged: a keyed
    /// one-way hash (`#` and 32 hex digits), the same for the same robot and
    /// key, that cannot be turned back into a personnummer without the
    /// state folder's key.
    pub(crate) fn key_hash(&self, robot: &str, key: &str) -> String {
        let tag = hmac::sign(&self.key, format!("ledger\u{1f}{robot}\u{1f}{key}").as_bytes());
        format!("#{}", &hex(tag.as_ref())[..32])
    }

    /// A value that tells this key from another without giving it away,
    /// kept in the run log once keys are hashed with it.
    pub(crate) fn check_value(&self) -> String {
        let tag = hmac::sign(&self.key, b"nightshift console.key check");
        hex(&tag.as_ref()[..8])
    }

    /// Whether the console has a public address, so mail can link to it.
    pub(crate) fn is_public(&self) -> bool {
        self.public_url.is_some()
    }

    /// A page of the console (`/runs/7`) at its public address; None without one.
    pub(crate) fn page(&self, path: &str) -> Option<String> {
        self.public_url.as_ref().map(|base| format!("{base}{path}"))
    }

    /// The page of one case, for a mail to `to` (its recipients, who the
    /// audit log then names); None without a public address.
    pub(crate) fn url(&self, robot: &str, case: &str, to: &str, now: DateTime<Utc>) -> Option<String> {
        let base = self.public_url.as_ref()?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("robot", robot)
            .append_pair("key", case)
            .append_pair("to", to)
            .append_pair("token", &self.token(robot, case, to, now))
            .finish();
        Some(format!("{base}/case?{query}"))
    }
}

/// How long a console form's token is accepted after its page was made.
pub(crate) const FORM_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// Signs and checks the console's form tokens (CSRF). A token is bound to one
/// browser's session cookie and to the time its page was made, keyed by a
/// secret the process makes at start: it works for that browser only, for
/// `FORM_LIFETIME`, and never after a restart.
#[derive(Clone)]
pub(crate) struct FormTokens {
    key: hmac::Key,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormTokens").finish_non_exhaustive()
    }
}

impl FormTokens {
    pub(crate) fn new() -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, &random_bytes(32)) }
    }

    /// The token for the forms of a page made at `now` for `session`.
    pub(crate) fn token(&self, session: &str, now: DateTime<Utc>) -> String {
        let issued = now.timestamp();
        let tag = hmac::sign(&self.key, format!("form\u{1f}{session}\u{1f}{issued}").as_bytes());
        format!("{issued}.{}", hex(tag.as_ref()))
    }

    /// Whether `token` was made for `session` no longer than `FORM_LIFETIME` before `now`.
    pub(crate) fn check(&self, session: &str, token: &str, now: DateTime<Utc>) -> bool {
        let Some((issued, signature)) = token.split_once('.') else { return false };
        let (Ok(issued), Some(signature)) = (issued.parse::<i64>(), unhex(signature)) else { return false };
        let message = format!("form\u{1f}{session}\u{1f}{issued}");
        let age = now.timestamp() - issued;
        hmac::verify(&self.key, message.as_bytes(), &signature).is_ok()
            && (-60..=FORM_LIFETIME.num_seconds()).contains(&age)
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The state folder's link key: 32 random bytes, made once, owner-only.
fn key_file(state_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = state_dir.join("console.key");
    if let Ok(key) = std::fs::read(&path)
        && key.len() >= 32
    {
        return Ok(key);
    }
    std::fs::create_dir_all(state_dir)?;
    let key = random_bytes(32);
    let made = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path);
    match made {
        Ok(mut file) => {
            file.write_all(&key)?;
            Ok(key)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(&path),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_its_own_case_for_its_recipient_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let links = CaseLinks::from_state(dir.path()).unwrap();
        let now = Utc::now();
        let anna = "anna@kommun.se";
        let token = links.token("vaccination-consent", "2026-1044", anna, now);
        assert_eq!(links.check("vaccination-consent", "2026-1044", anna, &token, now), Ok(()));
        assert_eq!(links.check("vaccination-consent", "2026-1045", anna, &token, now), Err(LinkError::Invalid));
        assert_eq!(links.check("other-robot", "2026-1044", anna, &token, now), Err(LinkError::Invalid));
        let other = "per@kommun.se";
        assert_eq!(links.check("vaccination-consent", "2026-1044", other, &token, now), Err(LinkError::Invalid));
        let later = now + LINK_LIFETIME + chrono::Duration::seconds(1);
        assert_eq!(links.check("vaccination-consent", "2026-1044", anna, &token, later), Err(LinkError::Expired));
        // A changed expiry does not verify.
        let (_, signature) = token.split_once('.').unwrap();
        let forged = format!("{}.{signature}", later.timestamp() + 999);
        assert_eq!(links.check("vaccination-consent", "2026-1044", anna, &forged, now), Err(LinkError::Invalid));
        // A link sent before links named their recipient still opens its case.
        let expires = (now + LINK_LIFETIME).timestamp();
        let old = hmac::sign(&links.key, format!("vaccination-consent\u{1f}2026-1044\u{1f}{expires}").as_bytes());
        let old = format!("{expires}.{}", hex(old.as_ref()));
        assert_eq!(links.check("vaccination-consent", "2026-1044", "", &old, now), Ok(()));
        assert_eq!(links.check("vaccination-consent", "2026-1044", anna, &old, now), Err(LinkError::Invalid));
        // The same key is read back by the next process; the file is owner-only.
        let again = CaseLinks::from_state(dir.path()).unwrap();
        assert_eq!(again.check("vaccination-consent", "2026-1044", anna, &token, now), Ok(()));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("console.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }

    #[test]
    fn a_form_token_works_for_its_own_session_until_it_expires() {
        let tokens = FormTokens::new();
        let now = Utc::now();
        let token = tokens.token("session-a", now);
        assert!(tokens.check("session-a", &token, now));
        assert!(!tokens.check("session-b", &token, now), "another browser's cookie");
        assert!(!tokens.check("session-a", &token, now + FORM_LIFETIME + chrono::Duration::seconds(1)));
        assert!(!FormTokens::new().check("session-a", &token, now), "another process's key");
        let (_, signature) = token.split_once('.').unwrap();
        assert!(!tokens.check("session-a", &format!("{}.{signature}", now.timestamp() + 5), now));
        assert!(!tokens.check("session-a", "", now) && !tokens.check("session-a", "1.zz", now));
    }
}
