//! The stand-in e-service and legacy sites, and `nightshift demo`.

pub mod culture;
pub mod data;
pub mod eservice;
pub mod html;
pub mod journal;
pub mod lex;
pub mod sites;
pub mod waste;
