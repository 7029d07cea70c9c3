//! Exception mail: who is told what (`policy`), in which words (`render`),
//! and how it leaves (`smtp`, the only file that imports lettre). The outbox
//! between them is the store's; `upkeep::delivery` joins the two.

pub(crate) mod digest;
pub(crate) mod policy;
pub(crate) mod render;
pub(crate) mod smtp;
