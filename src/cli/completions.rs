//! `nightshift completions SHELL`: the shell's completion script on stdout
//! (`nightshift completions bash > /etc/bash_completion.d/nightshift`), and
//! `nightshift manpage`: the manual page, from the same definitions.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::cli::exit_code::{self, CliError};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub(crate) fn run(args: &CompletionsArgs) -> Result<(), CliError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "nightshift", &mut std::io::stdout());
    Ok(())
}

#[derive(Debug, Args)]
pub struct ManpageArgs {}

/// The manual page in roff (`nightshift manpage > /usr/local/share/man/man1/nightshift.1`).
pub(crate) fn manpage(_: &ManpageArgs) -> Result<(), CliError> {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    page.render(&mut out)
        .map_err(|e| CliError::new(exit_code::INTERNAL, format!("the manual page could not be made: {e}")))?;
    use std::io::Write;
    let _ = std::io::stdout().write_all(&out);
    Ok(())
}
