//! `nightshift completions SHELL`: the shell's completion script on stdout
//! (`nightshift completions bash > /etc/bash_completion.d/nightshift`).

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::exit_code;

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
