//! Exit codes: a documented API for scripts and schedulers (docs/cli.md).

/// The command did what was asked; a run succeeded.
pub(crate) const SUCCESS: u8 = 0;
/// A run failed, timed out or was interrupted.
pub(crate) const RUN_FAILED: u8 = 1;
/// The command line was wrong (clap's own code).
pub(crate) const USAGE: u8 = 2;
/// A robot or schedule file is invalid.
pub(crate) const INVALID_INPUT: u8 = 3;
/// A run finished but some cases ended as exceptions.
pub(crate) const RUN_WITH_EXCEPTIONS: u8 = 4;
/// The environment is not usable: no browser, state folder not writable, a secret missing.
pub(crate) const ENVIRONMENT: u8 = 5;
/// Asked for something that does not exist (an unknown run id).
pub(crate) const NOT_FOUND: u8 = 6;
/// The run was skipped: the robot was already running.
pub(crate) const SKIPPED: u8 = 7;
/// A bug in nightshift.
pub(crate) const INTERNAL: u8 = 70;
/// Stopped by Ctrl-C or SIGTERM.
pub(crate) const INTERRUPTED: u8 = 130;

/// Why a command did not do what was asked: its documented exit code and
/// the one line it prints (`error: ...`).
#[derive(Debug)]
pub(crate) struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl std::fmt::Display) -> Self {
        Self { code, message: message.to_string() }
    }

    /// The run log, the state folder or another part of the machine failed.
    pub(crate) fn environment(message: impl std::fmt::Display) -> Self {
        Self::new(ENVIRONMENT, message)
    }

    /// What was asked for does not exist.
    pub(crate) fn not_found(message: impl std::fmt::Display) -> Self {
        Self::new(NOT_FOUND, message)
    }

    /// The command line asks for something that cannot be done.
    pub(crate) fn usage(message: impl std::fmt::Display) -> Self {
        Self::new(USAGE, message)
    }
}

/// The exit code of a command's outcome, its error printed.
pub(crate) fn of(outcome: Result<(), CliError>) -> u8 {
    match outcome {
        Ok(()) => SUCCESS,
        Err(error) => {
            crate::cli::print_error(&error.message);
            error.code
        }
    }
}
