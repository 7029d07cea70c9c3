//! Delivers what waits in the outbox: each mail once, failures retried later
//! with a growing pause (the outbox row keeps when).

use chrono::Utc;

use crate::notify::smtp::Mailer;
use crate::store::{Store, StoreError};

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Sends every mail that is due; marks each sent the moment the server took it.
pub async fn deliver_due(store: &mut Store, mailer: &Mailer) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    for row in store.due_mail(Utc::now())? {
        match mailer.send(&row).await {
            Ok(()) => {
                store.mark_mail_sent(row.id)?;
                done.sent += 1;
            }
            Err(error) => {
                tracing::warn!(
                    "mail {} to {} not sent ({error}); will try again",
                    row.message_id,
                    row.recipients.join(", ")
                );
                store.mark_mail_failed(row.id, &error)?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}
