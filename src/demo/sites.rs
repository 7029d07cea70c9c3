//! Starts the stand-in sites on free loopback ports, each with its own state.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::demo::culture::Culture;
use crate::demo::data::{self, ConsentErrand};
use crate::demo::eservice::{EService, Errand};
use crate::demo::journal::Journal;
use crate::demo::lex::Lex;
use crate::demo::oep::{Instance, Oep};
use crate::demo::waste::Waste;

/// The user the sample robots log in as.
pub const DEMO_USER: &str = "robot";
/// Passwords the demo gives the sites and the robots (not secrets: made up).
pub const DEMO_ESERVICE_PASSWORD: &str = "demo-eplattform";
pub const DEMO_JOURNAL_PASSWORD: &str = "demo-journal";
pub const DEMO_CULTURE_PASSWORD: &str = "demo-kulturskola";
pub const DEMO_WASTE_PASSWORD: &str = "demo-avfall";
pub const DEMO_LEX_PASSWORD: &str = "demo-lex";
pub const DEMO_OEP_PASSWORD: &str = "demo-oep";
/// The e-service family of school vaccination consents in the stand-in
/// Open ePlatform (the API account may read it), and one it may not.
pub const OEP_CONSENT_FAMILY: u32 = 832;
pub const OEP_OTHER_FAMILY: u32 = 901;
pub use crate::demo::eservice::DEMO_ESERVICE_API_TOKEN;

/// The cases Lex holds before the demo's: a case list that a person (or a
/// robot) scrolls through, 600 rows long.
pub const LEX_OLDER_CASES: usize = 600;

/// The secrets the sample robots read, with the demo's values.
pub const DEMO_SECRETS: &[(&str, &str)] = &[
    ("ESERVICE_PASSWORD", DEMO_ESERVICE_PASSWORD),
    ("JOURNAL_PASSWORD", DEMO_JOURNAL_PASSWORD),
    ("CULTURE_PASSWORD", DEMO_CULTURE_PASSWORD),
    ("WASTE_PASSWORD", DEMO_WASTE_PASSWORD),
    ("LEX_PASSWORD", DEMO_LEX_PASSWORD),
    ("OEP_PASSWORD", DEMO_OEP_PASSWORD),
    ("ESERVICE_API_TOKEN", DEMO_ESERVICE_API_TOKEN),
];

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
    /// Errands of the other flows (culture school, bin pauses, food businesses).
    pub other_errands: Vec<Errand>,
    /// Waste customers the billing system knows: those of the first this many bin-pause errands.
    pub waste_customers: usize,
    /// Bin-pause errands (by customer index) whose customer the billing system does not know.
    pub unknown_customers: Vec<usize>,
    /// Food errands (by index among food errands) whose company Lex already has.
    pub known_companies: Vec<usize>,
    /// How long each waste-billing page takes, and how many pages a session lasts.
    pub waste_delay: std::time::Duration,
    pub waste_session_pages: u32,
    /// How long every answer of the e-service and the journal takes, as a
    /// slow legacy system's (zero: at once).
    pub page_delay: std::time::Duration,
    /// Lex's saves that fail before one goes through, the page loads its
    /// sessions last (0: no end), and how long its toast stays.
    pub lex_failing_saves: u32,
    pub lex_session_pages: u32,
    pub lex_toast: std::time::Duration,
    /// The cases in the stand-in Open ePlatform, and whether it answers `getevents`.
    pub oep_instances: Vec<Instance>,
    pub oep_events: bool,
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
            other_errands: Vec::new(),
            waste_customers: 0,
            unknown_customers: Vec::new(),
            known_companies: Vec::new(),
            waste_delay: std::time::Duration::from_millis(150),
            waste_session_pages: 8,
            page_delay: std::time::Duration::ZERO,
            lex_failing_saves: 0,
            lex_session_pages: 0,
            lex_toast: std::time::Duration::from_secs(3),
            oep_instances: Vec::new(),
            oep_events: true,
        }
    }

    /// All four flows, each batch holding cases that must end as business
    /// exceptions: an unknown pupil and a mistyped personnummer among the
    /// consents, a full course and a mistyped personnummer among the
    /// culture-school applications, an unknown customer and a pause that ends
    /// before it starts among the bin pauses, an invalid organisation number
    /// and an already registered company among the food businesses.
    pub fn four_flows() -> Self {
        let mut config = Self::demo(8);
        config.unknown_pupils = vec![5];
        config.mistyped_personnummer = vec![2];
        // Application 2 (index 1) asks for the full piano course; 5 has a
        // mistyped personnummer.
        let mut culture = data::culture_applications(7);
        if let Some(e) = culture.get_mut(4)
            && let Some(f) = e.fields.iter_mut().find(|f| f.id == "child-pnr")
        {
            mistype(&mut f.value);
        }
        let mut bins = data::bin_pauses(6);
        if let Some(e) = bins.get_mut(3)
            && let Some(f) = e.fields.iter_mut().find(|f| f.id == "to")
        {
            f.value = "2026-11-20".into();
        }
        let mut food = data::food_registrations(5);
        if let Some(e) = food.get_mut(2)
            && let Some(f) = e.fields.iter_mut().find(|f| f.id == "orgnr")
        {
            mistype(&mut f.value);
        }
        config.other_errands = culture.into_iter().chain(bins).chain(food).collect();
        config.waste_customers = 6;
        config.unknown_customers = vec![1];
        config.known_companies = vec![4];
        // Lex fails its first save and ends a session every sixth page.
        config.lex_failing_saves = 1;
        config.lex_session_pages = 5;
        config
    }
}

/// The running sites. Dropping this stops them.
pub struct Sites {
    pub eservice_url: String,
    pub journal_url: String,
    pub culture_url: String,
    pub waste_url: String,
    pub lex_url: String,
    pub oep_url: String,
    pub eservice: Arc<Mutex<EService>>,
    pub journal: Arc<Mutex<Journal>>,
    pub culture: Arc<Mutex<Culture>>,
    pub waste: Arc<Mutex<Waste>>,
    pub lex: Arc<Mutex<Lex>>,
    pub oep: Arc<Mutex<Oep>>,
    /// Holds the journal's answers while a test does something in between.
    pub journal_gate: Arc<Gate>,
    _stop: Vec<oneshot::Sender<()>>,
}

/// Lets a test hold the answers to some of a site's requests: while a path is
/// held, each request for it waits (a minute at most) until it is released.
/// A test that must act while every browser is inside a case's steps holds a
/// page only those steps ask for and waits until each browser asks.
#[derive(Debug, Default)]
pub struct Gate {
    held: Mutex<Option<String>>,
    waiting: AtomicUsize,
}

impl Gate {
    /// From now on requests whose path starts with `prefix` wait.
    pub fn hold(&self, prefix: &str) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(prefix.to_string());
    }

    /// The waiting requests go on, and later ones are not held.
    pub fn release(&self) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How many requests are waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    fn holds(&self, path: &str) -> bool {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).as_deref().is_some_and(|p| path.starts_with(p))
    }

    async fn pass(&self, path: &str) {
        if !self.holds(path) {
            return;
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let until = Instant::now() + Duration::from_secs(60);
        while self.holds(path) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
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
                mistype(&mut errand.pupil.pnr);
            }
        }
        let mut all: Vec<Errand> = errands.iter().map(Errand::consent).collect();
        all.extend(config.other_errands.iter().cloned());
        let food: Vec<&Errand> = config
            .other_errands
            .iter()
            .filter(|e| e.kind == crate::demo::eservice::ErrandKind::FoodRegistration)
            .collect();
        let eservice = Arc::new(Mutex::new(EService::new(DEMO_USER, &config.eservice_password, all)));
        let mut journal = Journal::new(DEMO_USER, &config.journal_password, pupils);
        journal.fail_registrations = config.flaky_registrations.into_iter().collect();
        let journal = Arc::new(Mutex::new(journal));
        let culture = Arc::new(Mutex::new(Culture::new(DEMO_USER, DEMO_CULTURE_PASSWORD)));
        let customers = (0..config.waste_customers.max(1))
            .filter(|n| !config.unknown_customers.contains(n))
            .map(data::waste_customer)
            .collect();
        let mut waste = Waste::new(DEMO_USER, DEMO_WASTE_PASSWORD, customers);
        waste.delay = config.waste_delay;
        waste.session_pages = config.waste_session_pages;
        let waste = Arc::new(Mutex::new(waste));
        let mut lex = Lex::new(DEMO_USER, DEMO_LEX_PASSWORD, LEX_OLDER_CASES);
        lex.failing_saves = config.lex_failing_saves;
        lex.session_pages = config.lex_session_pages;
        lex.toast = config.lex_toast;
        for n in config.known_companies {
            if let Some(e) = food.get(n) {
                lex.cases.push(crate::demo::lex::Case {
                    dnr: format!("MIL-2019-{:05}", 40 + n),
                    company: e.field("company").to_string(),
                    orgnr: e.field("orgnr").to_string(),
                    address: e.field("address").to_string(),
                    property: e.field("property").to_string(),
                    activities: vec!["Servering".into()],
                    received: "2019-05-02".into(),
                    errand: String::new(),
                    attachment: None,
                });
            }
        }
        let lex = Arc::new(Mutex::new(lex));
        let granted = vec![OEP_CONSENT_FAMILY];
        let mut oep = Oep::new(DEMO_USER, DEMO_OEP_PASSWORD, granted, config.oep_instances);
        oep.events_api = config.oep_events;
        let oep = Arc::new(Mutex::new(oep));
        let delay = config.page_delay;
        let (eservice_url, stop_e) = serve(slowed(crate::demo::eservice::router(eservice.clone()), delay)).await?;
        let journal_gate = Arc::new(Gate::default());
        let journal_router = gated(crate::demo::journal::router(journal.clone()), journal_gate.clone());
        let (journal_url, stop_j) = serve(slowed(journal_router, delay)).await?;
        let (culture_url, stop_c) = serve(crate::demo::culture::router(culture.clone())).await?;
        let (waste_url, stop_w) = serve(crate::demo::waste::router(waste.clone())).await?;
        let (lex_url, stop_l) = serve(crate::demo::lex::router(lex.clone())).await?;
        let (oep_url, stop_o) = serve(slowed(crate::demo::oep::router(oep.clone()), delay)).await?;
        Ok(Self {
            eservice_url,
            journal_url,
            culture_url,
            waste_url,
            lex_url,
            oep_url,
            eservice,
            journal,
            culture,
            waste,
            lex,
            oep,
            journal_gate,
            _stop: vec![stop_e, stop_j, stop_c, stop_w, stop_l, stop_o],
        })
    }

    /// The environment the sample robots read the sites' addresses from.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("NIGHTSHIFT_ESERVICE_URL".into(), self.eservice_url.clone()),
            ("NIGHTSHIFT_JOURNAL_URL".into(), self.journal_url.clone()),
            ("NIGHTSHIFT_CULTURE_URL".into(), self.culture_url.clone()),
            ("NIGHTSHIFT_WASTE_URL".into(), self.waste_url.clone()),
            ("NIGHTSHIFT_LEX_URL".into(), self.lex_url.clone()),
            ("NIGHTSHIFT_OEP_URL".into(), self.oep_url.clone()),
        ]
    }
}

/// Changes the last digit, as a slip of the finger would: the check digit no longer fits.
fn mistype(number: &mut String) {
    let last = number.pop().and_then(|c| c.to_digit(10)).unwrap_or(0);
    number.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
}

/// Every answer of `router` `delay` late.
fn slowed(router: axum::Router, delay: std::time::Duration) -> axum::Router {
    if delay.is_zero() {
        return router;
    }
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| async move {
            tokio::time::sleep(delay).await;
            next.run(request).await
        },
    ))
}

/// `router` with its requests passing `gate` first.
fn gated(router: axum::Router, gate: Arc<Gate>) -> axum::Router {
    router.layer(axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
        let gate = gate.clone();
        async move {
            gate.pass(request.uri().path()).await;
            next.run(request).await
        }
    }))
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
