//! The file layer under robots, schedules and settings: reading a file
//! safely, YAML that keeps each value's line and column, the diagnostics
//! that point at them, and CSV as Swedish offices write it.

pub mod csv_file;
pub(crate) mod diagnostic;
pub(crate) mod source_file;
pub(crate) mod yaml;
