//! The stand-in e-service and legacy sites, and `nightshift demo`.

pub(crate) mod culture;
pub mod data;
pub mod eservice;
pub(crate) mod html;
pub(crate) mod journal;
pub(crate) mod lab;
pub(crate) mod lex;
pub mod oep;
pub mod sites;
pub(crate) mod waste;
