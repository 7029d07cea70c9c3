//! `nightshift completions SHELL`: the shell's completion script on stdout
//! (`nightshift completions bash > /etc/bash_completion.d/nightshift`), and
//! `nightshift manpage`: the manual page, from the same definitions.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::cli::exit_code;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

pub(crate) fn run(args: &CompletionsArgs) -> u8 {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "nightshift", &mut std::io::stdout());
    exit_code::SUCCESS
}

#[derive(Debug, Args)]
pub struct ManpageArgs {}

/// The manual page in roff (`nightshift manpage > /usr/local/share/man/man1/nightshift.1`).
pub(crate) fn manpage(_: &ManpageArgs) -> u8 {
    let page = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    if let Err(e) = page.render(&mut out) {
        crate::cli::print_error(format!("the manual page could not be made: {e}"));
        return exit_code::INTERNAL;
    }
    use std::io::Write;
    let _ = std::io::stdout().write_all(&out);
    exit_code::SUCCESS
}
