//! Delivers what waits in the store's outbox through the mailer: each mail
//! once, failures retried later with a growing pause (the outbox row keeps
//! when). It sits above both, so that neither the store nor `notify` needs
//! the other.

use chrono::Utc;

use crate::notify::smtp::Mailer;
use crate::store::{Store, StoreError};

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Sends every mail that is due; marks each sent the moment the server took it.
pub(crate) async fn deliver_due(store: &mut Store, mailer: &Mailer) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    for row in store.due_mail(Utc::now())? {
        match mailer.send(&row.mail).await {
            Ok(()) => {
                store.mark_mail_sent(row.id)?;
                done.sent += 1;
            }
            Err(error) => {
                tracing::warn!(
                    "mail {} to {} not sent ({error}); will try again",
                    row.mail.message_id,
                    row.mail.to.join(", ")
                );
                store.mark_mail_failed(row.id, &error)?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}
