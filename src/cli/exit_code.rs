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
/// what it prints on stderr (`error: ...`, or a located diagnostic as it is).
#[derive(Debug)]
pub(crate) struct CliError {
    pub code: u8,
    pub message: String,
    /// Printed as it is: a rendered diagnostic with its own `error:` lines.
    rendered: bool,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl std::fmt::Display) -> Self {
        Self { code, message: message.to_string(), rendered: false }
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

    /// A robot file that cannot be used, with the diagnostics that locate why.
    pub(crate) fn robot(error: &crate::robot::LoadError) -> Self {
        match error {
            crate::robot::LoadError::Invalid { .. } => {
                Self { code: INVALID_INPUT, message: error.render(), rendered: true }
            }
            other => Self::new(INVALID_INPUT, other),
        }
    }

    fn print(&self) {
        if self.rendered {
            eprint!("{}", self.message);
        } else {
            crate::cli::print_error(&self.message);
        }
    }
}

/// What a command that did its work found, when that has a documented code
/// of its own and the command has already said it: a run's ending (0, 1, 4,
/// 7, 130), problems `check` or `doctor` listed (3, 5). A `CliError` is for
/// a command that could not do its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict(pub u8);

impl Verdict {
    /// Success when nothing was found wrong, else `code`.
    pub(crate) fn clean_unless(found: bool, code: u8) -> Self {
        Self(if found { code } else { SUCCESS })
    }
}

/// What a command's success stands for as an exit code.
pub(crate) trait Ending {
    fn code(&self) -> u8;
}

impl Ending for () {
    fn code(&self) -> u8 {
        SUCCESS
    }
}

impl Ending for Verdict {
    fn code(&self) -> u8 {
        self.0
    }
}

/// The exit code of a command's outcome, its error printed.
pub(crate) fn of(outcome: Result<impl Ending, CliError>) -> u8 {
    match outcome {
        Ok(ending) => ending.code(),
        Err(error) => {
            error.print();
            error.code
        }
    }
}
