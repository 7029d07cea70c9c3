//! `nightshift mail test [--to ADDR]`: send a test mail the way exception
//! mail goes, and say whether it went.

use chrono::Utc;
use clap::{Args, Subcommand};

use crate::cli::exit_code;
use crate::cli::print_error;
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

pub(crate) async fn run(settings: &Settings, args: MailArgs) -> u8 {
    let MailCommand::Test { to } = args.command;
    let Some(to) = to.or_else(MailPolicy::ops_from_env) else {
        print_error("say where the test mail goes: --to ADDRESS, or set NIGHTSHIFT_OPS_EMAIL");
        return exit_code::USAGE;
    };
    let (mut store, mailer) = match (crate::upkeep::run_log::open(settings), Mailer::from_env(&settings.state_dir)) {
        (Ok(store), Ok(mailer)) => (store, mailer),
        (Err(e), _) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
        (_, Err(e)) => {
            print_error(e);
            return exit_code::ENVIRONMENT;
        }
    };
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
    if let Err(e) = store.queue_mail("nightshift", &mail) {
        print_error(e);
        return exit_code::ENVIRONMENT;
    }
    if let Err(e) = deliver_due(&mut store, &mailer).await {
        print_error(e);
        return exit_code::ENVIRONMENT;
    }
    match store.outbox(50).map(|rows| rows.into_iter().find(|r| r.mail.message_id == mail.message_id)) {
        Ok(Some(row)) if row.sent_at.is_some() => {
            println!("test mail to {to} handed to the {}", mailer.destination);
            exit_code::SUCCESS
        }
        Ok(Some(row)) => {
            print_error(format!(
                "the {} did not take the test mail: {}",
                mailer.destination,
                row.last_error.unwrap_or_default()
            ));
            exit_code::ENVIRONMENT
        }
        Ok(None) => exit_code::INTERNAL,
        Err(e) => {
            print_error(e);
            exit_code::ENVIRONMENT
        }
    }
}
