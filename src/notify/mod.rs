//! Exception mail: who is told what (`policy`), in which words (`render`),
//! and how it leaves (`smtp`, the only file that imports lettre; `sender`).

pub mod mask;
pub mod policy;
pub mod render;
pub mod report;
pub mod sender;
pub mod smtp;
