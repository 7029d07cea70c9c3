//! Turning planned mail into messages and handing them to SMTP, or, until SMTP is
//! configured, to files in `<state-dir>/outbox/`. The only file that imports lettre.

use std::path::Path;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;

use crate::mail::Mail;

/// How long connecting and each read or write of an SMTP conversation may take.
pub(crate) const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long handing over one mail may take in all, greeting included: a
/// server that accepts and then never answers fails the mail after this.
pub(crate) const SEND_LIMIT: Duration = Duration::from_secs(30);
/// The sender address unless `NIGHTSHIFT_MAIL_FROM` says otherwise.
pub(crate) const DEFAULT_FROM: &str = "nightshift <nightshift@localhost>";

#[derive(Debug, Error)]
pub(crate) enum MailerError {
    #[error("NIGHTSHIFT_SMTP_URL is not a usable SMTP URL: {0}")]
    Url(String),
    #[error("NIGHTSHIFT_MAIL_FROM `{0}` is not an address")]
    From(String),
    #[error("failed to create the outbox folder `{path}`: {source}")]
    Folder { path: String, source: std::io::Error },
}

/// Where mail goes.
pub(crate) struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Where it goes, for messages (never the URL: it may hold a password).
    pub destination: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

/// An SMTP error's text, with what to do about an untrusted certificate.
fn with_hint(error: &lettre::transport::smtp::Error) -> String {
    let text = error.to_string();
    let detail = std::error::Error::source(error).map(|s| s.to_string()).unwrap_or_default();
    match crate::trust::hint(&format!("{text} {detail}")) {
        Some(hint) if text.contains(&detail) => format!("{text}; {hint}"),
        Some(hint) => format!("{text}: {detail}; {hint}"),
        None => text,
    }
}

impl Mailer {
    /// SMTP when `NIGHTSHIFT_SMTP_URL` is set, else the outbox folder.
    pub(crate) fn from_env(state_dir: &Path) -> Result<Self, MailerError> {
        let from_text = crate::environment::var("NIGHTSHIFT_MAIL_FROM").unwrap_or(DEFAULT_FROM).to_string();
        let from: Mailbox = from_text.parse().map_err(|_| MailerError::From(from_text.clone()))?;
        match crate::environment::var("NIGHTSHIFT_SMTP_URL").filter(|u| !u.is_empty()) {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailerError::Url(e.to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                let destination = format!("SMTP server {}", server_of(url));
                Ok(Self { transport: Transport::Smtp(transport), from, destination })
            }
            None => {
                let folder = state_dir.join("outbox");
                std::fs::create_dir_all(&folder)
                    .map_err(|source| MailerError::Folder { path: folder.display().to_string(), source })?;
                let destination = format!("folder {}", folder.display());
                Ok(Self { transport: Transport::Folder(AsyncFileTransport::new(folder)), from, destination })
            }
        }
    }

    /// Connects, greets and, for TLS, checks the server's certificate,
    /// without sending anything (for `doctor`). None for the outbox folder.
    pub(crate) async fn test_connection(&self) -> Option<Result<(), String>> {
        match &self.transport {
            Transport::Smtp(smtp) => Some(match tokio::time::timeout(SEND_LIMIT, smtp.test_connection()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("the server did not answer as an SMTP server".into()),
                Ok(Err(e)) => Err(with_hint(&e)),
                Err(_) => Err("the server did not answer in time".into()),
            }),
            Transport::Folder(_) => None,
        }
    }

    /// Sends one mail; the error says why not.
    pub(crate) async fn send(&self, row: &Mail) -> Result<(), String> {
        let message = self.message(row)?;
        let sent = async {
            match &self.transport {
                Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| with_hint(&e)),
                Transport::Folder(folder) => folder.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            }
        };
        match tokio::time::timeout(SEND_LIMIT, sent).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "the {} did not finish taking the mail within {}",
                self.destination,
                crate::human::fmt_duration(SEND_LIMIT)
            )),
        }
    }

    fn message(&self, row: &Mail) -> Result<Message, String> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        for to in &row.to {
            builder = builder.to(to.parse::<Mailbox>().map_err(|e| format!("bad recipient `{to}`: {e}"))?);
        }
        let mut body =
            MultiPart::mixed().multipart(MultiPart::alternative_plain_html(row.text.clone(), row.html.clone()));
        for path in &row.attachments {
            // Evidence purged or moved since: the mail goes without it.
            let Ok(bytes) = std::fs::read(path) else { continue };
            let name = path.file_name().map_or("screenshot.png".into(), |n| n.to_string_lossy().into_owned());
            let kind = ContentType::parse("image/png").map_err(|e| e.to_string())?;
            body = body.singlepart(Attachment::new(name).body(bytes, kind));
        }
        builder.multipart(body).map_err(|e| e.to_string())
    }
}

/// `host:port` of an SMTP URL, without the credentials.
fn server_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    authority.rsplit_once('@').map_or(authority, |(_, h)| h).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_server_is_named_without_credentials() {
        assert_eq!(super::server_of("smtps://robot:hemligt@mail.example.se:465"), "mail.example.se:465");
        assert_eq!(super::server_of("smtp://127.0.0.1:2525?tls=required"), "127.0.0.1:2525");
    }
}
