//! `nightshift mail test [--to ADDR]`: send a test mail the way exception
//! mail goes, and say whether it went.

use chrono::Utc;
use clap::{Args, Subcommand};

use crate::cli::exit_code::{self, CliError};
use crate::mail::{Mail, MailKind};
use crate::notify::policy::MailPolicy;
use crate::notify::smtp::Mailer;
use crate::settings::Settings;
use crate::upkeep::delivery::deliver_due;

#[derive(Debug, Args)]
pub struct MailArgs {
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test mail (to NIGHTSHIFT_OPS_EMAIL unless --to is given).
    Test {
        /// The address to send it to, instead of NIGHTSHIFT_OPS_EMAIL.
        #[arg(long)]
        to: Option<String>,
    },
}

pub(crate) async fn run(settings: &Settings, args: MailArgs) -> Result<(), CliError> {
    let MailCommand::Test { to } = args.command;
    let to = to
        .or_else(MailPolicy::ops_from_env)
        .ok_or_else(|| CliError::usage("say where the test mail goes: --to ADDRESS, or set NIGHTSHIFT_OPS_EMAIL"))?;
    let mut store = crate::upkeep::run_log::open(settings).map_err(CliError::environment)?;
    let mailer = Mailer::from_env(&settings.state_dir).map_err(CliError::environment)?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3f");
    let mail = Mail {
        kind: MailKind::Test,
        to: vec![to.clone()],
        subject: "nightshift: testmeddelande".into(),
        text: "Hej!\n\nDet här är ett testmeddelande från nightshift. Exception mail reaches this address.\n".into(),
        html: "<p>Hej!</p><p>Det här är ett testmeddelande från nightshift. Exception mail reaches this address.</p>"
            .into(),
        attachments: Vec::new(),
        message_id: format!("<test-{stamp}@nightshift>"),
    };
    store.queue_mail("nightshift", &mail).map_err(CliError::environment)?;
    deliver_due(&mut store, &mailer).await.map_err(CliError::environment)?;
    let outbox = store.outbox(50).map_err(CliError::environment)?;
    let row = outbox.into_iter().find(|r| r.mail.message_id == mail.message_id);
    let row = row.ok_or_else(|| CliError::new(exit_code::INTERNAL, "the test mail is not in the outbox"))?;
    if row.sent_at.is_none() {
        let why = row.last_error.unwrap_or_default();
        return Err(CliError::environment(format!("the {} did not take the test mail: {why}", mailer.destination)));
    }
    println!("test mail to {to} handed to the {}", mailer.destination);
    Ok(())
}
