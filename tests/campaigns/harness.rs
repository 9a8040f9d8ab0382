//! A runtime in simulate mode with a store of the test's choosing.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use projectx::campaign::{CampaignSpec, Campaigns, ContactSource};
use projectx::config::{self, Config};
use projectx::events::Subscription;
use projectx::runtime::{Runtime, Twilio};
use projectx::store::{SqliteOptions, SqliteStore, Store};
use projectx::twilio::{CallFilter, TwilioApi};

pub const CONFIG: &str = r#"
runtime: { mode: simulate }
compliance: { calling_hours: "00:00-24:00", disclose_automation: false, max_attempts_per_day: 5 }
limits: { cps: 50, max_concurrent_calls: 20 }
simulator:
  speed: 200
  scenarios:
    "+14155550102": busy
    "+14155550103": no-answer
    "+14155550104": machine
"#;

pub struct World {
    pub dir: tempfile::TempDir,
    pub runtime: Runtime,
    pub twilio: Twilio,
    pub store: Arc<dyn Store>,
    pub events: Subscription,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl World {
    pub async fn new() -> Self {
        Self::with(CONFIG, SqliteOptions::default()).await
    }

    pub async fn with(yaml: &str, options: SqliteOptions) -> Self {
        projectx::twilio::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url, &options).await.unwrap());
        Self::on_store(yaml, dir, store).await
    }

    pub async fn on_store(yaml: &str, dir: tempfile::TempDir, store: Arc<dyn Store>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut config: Config = config::from_str(yaml, None, &|_| None).unwrap().config;
        config.server.listen = listener.local_addr().unwrap();
        let twilio = projectx::runtime::connect(&config).await.unwrap();
        let runtime = Runtime::new(&config, &twilio, store.clone()).unwrap();
        let events = runtime.bus.subscribe("test", &[], 1 << 16);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.clone();
        tokio::spawn(async move {
            serving
                .run_on(listener, &config, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            dir,
            runtime,
            twilio,
            store,
            events,
            _stop: stop,
        }
    }

    pub fn campaigns(&self) -> &Campaigns {
        &self.runtime.campaigns
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn csv(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Defines `name` with a message call to each contact of `csv`.
    pub async fn define(&self, name: &str, csv: &str, edit: impl FnOnce(&mut CampaignSpec)) {
        let path = self.csv(&format!("{name}.csv"), csv);
        let mut spec = CampaignSpec {
            contacts: Some(ContactSource::File(path)),
            message: Some("Your timeline check-in is due.".to_owned()),
            ..CampaignSpec::default()
        };
        edit(&mut spec);
        self.campaigns().define(name, spec, None).await.unwrap();
    }

    /// Starts `name` and waits (at most a minute) for its runner to finish.
    pub async fn run(&self, name: &str) {
        self.campaigns().start(name).await.unwrap();
        tokio::time::timeout(Duration::from_secs(60), self.campaigns().wait(name))
            .await
            .expect("the campaign did not finish within a minute");
    }

    /// How many calls the simulator received for each number.
    pub async fn dials(&self) -> BTreeMap<String, usize> {
        let api: &dyn TwilioApi = &self.twilio.client;
        let filter = CallFilter::default();
        let mut calls = api.list_calls(&filter);
        let mut counts = BTreeMap::new();
        while let Some(call) = calls.next().await {
            let call = call.unwrap();
            *counts.entry(call.to.unwrap_or_default()).or_default() += 1;
        }
        counts
    }

    /// Waits (at most 20 s) for an event of `kind` whose data satisfies `pred`.
    pub async fn event(
        &mut self,
        kind: projectx::events::EventKind,
        pred: impl Fn(&serde_json::Map<String, serde_json::Value>) -> bool,
    ) -> serde_json::Map<String, serde_json::Value> {
        let found = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let event = self.events.recv().await.unwrap();
                if event.kind == kind && pred(&event.data) {
                    return event.data.clone();
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {kind} event came"))
    }
}

/// `n` contacts +1415555NNNN from 0200 on, human answers.
pub fn numbers(n: usize) -> String {
    let mut csv = String::from("to,name\n");
    for i in 0..n {
        csv.push_str(&format!("+1415555{:04},Cadet {i}\n", 200 + i));
    }
    csv
}
