//! Exception mail: who is told what (`policy`), in which words (`render`),
//! and how it leaves (`smtp`, the only file that imports lettre). The outbox
//! between them is the store's; `delivery` (beside this module) joins the two.

pub(crate) mod policy;
pub(crate) mod reminders;
pub(crate) mod render;
pub(crate) mod smtp;
