//! Integration tests: the real binary, a real headless Chromium through
//! chromedriver, the stand-in sites over HTTP and a real SQLite file.

mod architecture;
mod browser_cleanup;
mod check;
mod common;
mod console;
mod console_browser;
mod console_morning;
mod csv;
mod docs;
mod end_to_end;
mod exceptions;
mod faults;
mod flows;
mod language;
mod locators;
mod mail;
mod modern;
mod open_eplatform;
mod pages;
mod privacy;
mod scheduler;
mod secrets;
mod transactions;
mod workers;
mod xml;
