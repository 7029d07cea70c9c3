//! Starts the stand-in sites on free loopback ports, each with its own state.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::demo::data::{self, ConsentErrand};
use crate::demo::eservice::EService;
use crate::demo::journal::Journal;

/// The user the sample robots log in as.
pub const DEMO_USER: &str = "robot";
/// Passwords the demo gives the sites and the robots (not secrets: made up).
pub const DEMO_ESERVICE_PASSWORD: &str = "demo-eplattform";
pub const DEMO_JOURNAL_PASSWORD: &str = "demo-journal";

/// What the sites start with.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub errands: Vec<ConsentErrand>,
    /// Pupils in the journal beside those the errands name.
    pub extra_pupils: usize,
    pub eservice_password: String,
    pub journal_password: String,
    /// Errands (by index) whose pupil the journal does not know: business exceptions.
    pub unknown_pupils: Vec<usize>,
    /// Errand ids whose registration the journal refuses this many times first.
    pub flaky_registrations: Vec<(String, u32)>,
    /// Errands (by index) whose guardian mistyped the personnummer (a wrong check digit).
    pub mistyped_personnummer: Vec<usize>,
}

impl SiteConfig {
    /// `count` consent errands and the demo passwords.
    pub fn demo(count: usize) -> Self {
        Self {
            errands: data::consent_errands(count),
            extra_pupils: 5,
            eservice_password: DEMO_ESERVICE_PASSWORD.into(),
            journal_password: DEMO_JOURNAL_PASSWORD.into(),
            unknown_pupils: Vec::new(),
            flaky_registrations: Vec::new(),
            mistyped_personnummer: Vec::new(),
        }
    }
}

/// The running sites. Dropping this stops them.
pub struct Sites {
    pub eservice_url: String,
    pub journal_url: String,
    pub eservice: Arc<Mutex<EService>>,
    pub journal: Arc<Mutex<Journal>>,
    _stop: Vec<oneshot::Sender<()>>,
}

impl Sites {
    pub async fn start(config: SiteConfig) -> std::io::Result<Self> {
        let count = config.errands.len();
        let mut pupils: Vec<_> = config
            .errands
            .iter()
            .enumerate()
            .filter(|(n, _)| !config.unknown_pupils.contains(n))
            .map(|(_, e)| e.pupil.clone())
            .collect();
        pupils.extend((count..count + config.extra_pupils).map(data::pupil));
        let mut errands = config.errands;
        for n in config.mistyped_personnummer {
            if let Some(errand) = errands.get_mut(n) {
                let pnr = &mut errand.pupil.pnr;
                let last = pnr.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
                pnr.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
            }
        }
        let eservice = Arc::new(Mutex::new(EService::new(DEMO_USER, &config.eservice_password, errands)));
        let mut journal = Journal::new(DEMO_USER, &config.journal_password, pupils);
        journal.fail_registrations = config.flaky_registrations.into_iter().collect();
        let journal = Arc::new(Mutex::new(journal));
        let (eservice_url, stop_e) = serve(crate::demo::eservice::router(eservice.clone())).await?;
        let (journal_url, stop_j) = serve(crate::demo::journal::router(journal.clone())).await?;
        Ok(Self { eservice_url, journal_url, eservice, journal, _stop: vec![stop_e, stop_j] })
    }

    /// The environment the sample robots read the sites' addresses from.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("NIGHTSHIFT_ESERVICE_URL".into(), self.eservice_url.clone()),
            ("NIGHTSHIFT_JOURNAL_URL".into(), self.journal_url.clone()),
        ]
    }
}

async fn serve(router: axum::Router) -> std::io::Result<(String, oneshot::Sender<()>)> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((url, stop))
}
