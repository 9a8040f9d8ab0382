//! A 100,000-contact campaign against the Twilio simulator, end to end: contacts dialled per
//! second, CPU time per attempt in the runtime's process (runner, guard, store and journal,
//! webhook server, Twilio client), peak memory, and pacing read back from the journal.
//!
//! The simulator runs as a separate `projectx simulator` process, so its CPU is not counted
//! (it still shares the machine's cores). The runtime runs in this process, wired as
//! `projectx run` wires it, in live mode against the simulator's base URL: every call is a
//! real REST create (the message as inline TwiML), four signed status callbacks to the webhook
//! server and a fetch of the call for its price.
//!
//! Run: `cargo bench --bench campaign` (figures on stdout). `PROJECTX_BENCH_CONTACTS` (default
//! 100000) and `PROJECTX_BENCH_CPS` (default 1000, `limits.cps` and the campaign's `cps`)
//! change the run. For diagnosis only: `PROJECTX_BENCH_DB_DIR` puts the SQLite file elsewhere
//! (`/dev/shm`: no disk), `PROJECTX_BENCH_SYNC=normal` opens it with `synchronous=NORMAL`
//! instead of the `FULL` that `projectx run` uses. `PROJECTX_BENCH_SIM_LIST=0` skips reading
//! the simulator's call list back (its listing builds every call for every page: minutes for
//! 100,000 calls). Before the campaign, `PROJECTX_BENCH_PLAIN_CALLS` (default 20000) calls are
//! placed through the dialer outside any campaign, at the same pace: what a call alone costs.

#![allow(clippy::unwrap_used)] // a bench binary: fail loudly

#[path = "common/allocator.rs"]
mod allocator;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use projectx::calls::CallRequest;
use projectx::campaign::{CampaignSpec, ContactSource};
use projectx::events::EventKind;
use projectx::phone::PhoneNumber;
use projectx::runtime::Runtime;
use projectx::store::{SqliteOptions, SqliteStore, Store};
use projectx::twilio::{CallFilter, TwilioApi};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const SPEED: f64 = 1000.0;
const MAX_CONCURRENT: u32 = 500;
/// Area codes in four timezones; every one is open with calling hours 00:00-24:00.
const AREAS: [&str; 5] = ["212", "312", "415", "617", "713"];
/// The area code of the calls placed outside the campaign, apart from its contacts.
const PLAIN_AREA: &str = "646";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `projectx simulator` child, killed when dropped (also when the bench panics).
struct SimulatorProcess {
    child: Child,
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of a process, all threads, in clock ticks (fields 14 and 15 of its stat).
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; count from after its closing parenthesis,
    // where field 3 is index 0.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> u64 { fields.get(n - 3).and_then(|f| f.parse().ok()).unwrap_or(0) };
    field(14) + field(15)
}

/// A `Vm…:` line of /proc/<pid>/status, in MB.
fn vm_mb(pid: &str, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Context switches (voluntary + involuntary) of every live thread of this process.
fn context_switches() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `n` distinct valid US numbers in `areas` (checked with `PhoneNumber::parse`); the exchanges
/// skip 555 and the N11 codes. Returns the numbers and how many candidates were rejected.
fn valid_numbers(areas: &[&str], n: usize) -> (Vec<String>, usize) {
    let mut numbers = Vec::with_capacity(n);
    let mut invalid = 0;
    'all: for line in 0..10_000u32 {
        for exchange in 200..1000u32 {
            if exchange == 555 || exchange % 100 == 11 {
                continue;
            }
            for area in areas {
                let number = format!("+1{area}{exchange}{line:04}");
                match PhoneNumber::parse(&number) {
                    Ok(parsed) if parsed.as_e164() == number => numbers.push(number),
                    _ => invalid += 1,
                }
                if numbers.len() == n {
                    break 'all;
                }
            }
        }
    }
    assert_eq!(numbers.len(), n, "not enough valid numbers");
    (numbers, invalid)
}

/// `n` distinct valid numbers in [`AREAS`] as a `to,name` CSV. Returns the CSV and the numbers.
fn contacts_csv(n: usize) -> (String, Vec<String>, usize) {
    let (numbers, invalid) = valid_numbers(&AREAS, n);
    let mut csv = String::with_capacity(n * 32);
    csv.push_str("to,name\n");
    for (i, number) in numbers.iter().enumerate() {
        csv.push_str(&format!("{number},Contact {i}\n"));
    }
    (csv, numbers, invalid)
}

/// `n` calls placed through the dialer at `cps`, outside any campaign, each waited for to its
/// `call.ended` and its usage row: what one call costs this process before a campaign adds its
/// guard, journal and retry policy (the REST create, four status callbacks and their events,
/// the price fetch, the usage row).
async fn plain_calls(runtime: &Runtime, cps: f64, n: usize) {
    let (numbers, _) = valid_numbers(&[PLAIN_AREA], n);
    let mut ended = runtime
        .bus
        .subscribe("bench-plain", &[EventKind::CallEnded], n + 1024);
    let (cpu0, switches0, started) = (cpu_ticks("self"), context_switches(), Instant::now());
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / cps));
    for to in numbers {
        pace.tick().await;
        let dialer = runtime.dialer.clone();
        tokio::spawn(async move {
            let request = CallRequest {
                to,
                message: Some("Benchmark call.".into()),
                ..CallRequest::default()
            };
            dialer.place(&request).await.unwrap();
        });
    }
    for _ in 0..n {
        ended.recv().await.unwrap();
    }
    runtime.usage.flush().await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = (cpu_ticks("self") - cpu0) as f64 / clock_ticks();
    println!(
        "calls outside a campaign (dialer.place at cps {cps}, area {PLAIN_AREA}): {n} in {elapsed:.1} s, CPU {cpu:.2} s = {:.1} us per call, {:.1} context switches per call",
        cpu * 1e6 / n as f64,
        (context_switches() - switches0) as f64 / n as f64
    );
}

fn config_yaml(sim_port: u16, runtime_port: u16, db_dir: &Path, cps: f64) -> String {
    format!(
        r#"twilio:
  account_sid: "{ACCOUNT}"
  auth_token: "{TOKEN}"
  from_number: "+15005550006"
  base_url: "http://127.0.0.1:{sim_port}"
server:
  listen: "127.0.0.1:{runtime_port}"
  public_url: "http://127.0.0.1:{runtime_port}"
runtime:
  mode: live
  store: "sqlite://{store}"
compliance: {{ calling_hours: "00:00-24:00", disclose_automation: false, max_attempts_per_day: 10 }}
limits: {{ cps: {cps}, max_concurrent_calls: {MAX_CONCURRENT} }}
simulator: {{ speed: {SPEED} }}
"#,
        store = db_dir.join("bench.db").display(),
    )
}

/// Starts `projectx simulator` on `port` and waits for its first line.
fn start_simulator(config: &Path, port: u16, log: &Path) -> SimulatorProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_projectx"))
        .arg("--config")
        .arg(config)
        .args(["simulator", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--speed", &SPEED.to_string()])
        // Per-call info lines would cost the simulator CPU on the shared cores.
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let process = SimulatorProcess { child };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = tx.send(first);
        // Keep draining, so the simulator never blocks on a full pipe.
        for _ in lines {}
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(line)) if line.starts_with("Twilio simulator on") => {
            println!("simulator: {line} (pid {})", process.child.id());
        }
        other => panic!(
            "the simulator did not start ({other:?}); its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        ),
    }
    process
}

/// `campaign::Pacer` on its own, nothing else running: the rate it lets through.
async fn pacer_alone(cps: f64, seconds: f64) {
    let pacer = projectx::campaign::Pacer::new(cps);
    let slots = (cps * seconds) as usize;
    let started = Instant::now();
    let mut stamps = Vec::with_capacity(slots);
    for _ in 0..slots {
        pacer.ready().await;
        stamps.push(started.elapsed());
    }
    let span = (stamps[slots - 1] - stamps[0]).as_secs_f64();
    let rate = (slots - 1) as f64 / span;
    println!(
        "pacer alone (campaign::Pacer::ready in a loop, nothing else running): {slots} slots at cps {cps} = {rate:.1}/s, error {:+.2} %, {:.0} us late per slot on average",
        (rate - cps) / cps * 100.0,
        (1.0 / rate - 1.0 / cps) * 1e6
    );
}

/// The largest number of times in any window [t, t + width).
fn max_in_window(times: &[i64], width: i64) -> (usize, i64) {
    let (mut best, mut at, mut end) = (0, 0, 0);
    for (start, &t) in times.iter().enumerate() {
        while end < times.len() && times[end] < t + width {
            end += 1;
        }
        if end - start > best {
            best = end - start;
            at = t;
        }
    }
    (best, at)
}

fn main() {
    projectx::twilio::install_crypto_provider();
    let total: usize = env_or("PROJECTX_BENCH_CONTACTS", 100_000);
    let cps: f64 = env_or("PROJECTX_BENCH_CPS", 1000.0);
    let ticks = clock_ticks();
    let dir = tempfile::tempdir().unwrap();

    let runtime_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let runtime_port = runtime_listener.local_addr().unwrap().port();
    let sim_port = free_port();
    let config_path = dir.path().join("projectx.yaml");
    let db_dir = std::env::var_os("PROJECTX_BENCH_DB_DIR")
        .map(|d| tempfile::tempdir_in(d).unwrap())
        .unwrap_or_else(|| tempfile::tempdir().unwrap());
    let full_sync = std::env::var("PROJECTX_BENCH_SYNC").map_or(true, |s| s != "normal");
    let yaml = config_yaml(sim_port, runtime_port, db_dir.path(), cps);
    std::fs::write(&config_path, &yaml).unwrap();
    let config = projectx::config::from_str(&yaml, Some(config_path.clone()), &|_| None)
        .unwrap()
        .config;
    assert_eq!(config.effective_mode(), projectx::config::Mode::Live);

    let generating = Instant::now();
    let (csv, numbers, invalid) = contacts_csv(total);
    let csv_path = dir.path().join("contacts.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    drop(csv);
    println!(
        "contacts: {total} distinct valid US numbers (area codes {}; {invalid} candidates rejected by PhoneNumber::parse) written in {:.1} s",
        AREAS.join("/"),
        generating.elapsed().as_secs_f64()
    );

    let sim_log = dir.path().join("simulator.log");
    let simulator = start_simulator(&config_path, sim_port, &sim_log);
    let sim_pid = simulator.child.id().to_string();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let twilio = projectx::runtime::connect(&config).await.unwrap();
        let store: Arc<dyn Store> = if full_sync {
            projectx::runtime::open_store(&config).await.unwrap()
        } else {
            let options = SqliteOptions {
                full_sync: false,
                ..SqliteOptions::default()
            };
            let url = projectx::runtime::store_url(&config);
            Arc::new(SqliteStore::open(&url, &options).await.unwrap())
        };
        let runtime = Runtime::new(&config, &twilio, store.clone()).unwrap();
        runtime_listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(runtime_listener).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.clone();
        let serve_config = config.clone();
        let server = tokio::spawn(async move {
            serving
                .run_on(listener, &serve_config, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });

        pacer_alone(cps, 3.0).await;
        plain_calls(&runtime, cps, env_or("PROJECTX_BENCH_PLAIN_CALLS", 20_000)).await;

        // The end of the import, seen on the bus: wall time and CPU then.
        let mut progress = runtime
            .bus
            .subscribe("bench", &[EventKind::CampaignProgress], 1024);
        let (imported_tx, imported_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut imported_tx = Some(imported_tx);
            while let Some(event) = progress.recv().await {
                if event.data.get("state").and_then(|s| s.as_str()) == Some("importing")
                    && let Some(tx) = imported_tx.take()
                {
                    let imported = event.data.get("imported").and_then(|v| v.as_u64());
                    let _ = tx.send((Instant::now(), cpu_ticks("self"), imported));
                }
            }
        });

        let campaigns = &runtime.campaigns;
        let spec = CampaignSpec {
            contacts: Some(ContactSource::File(csv_path.clone())),
            message: Some("Benchmark call.".into()),
            cps: Some(cps),
            max_concurrent: Some(MAX_CONCURRENT),
            ..Default::default()
        };
        campaigns.define("bench", spec, None).await.unwrap();

        let (cpu0, sim_cpu0, switches0) =
            (cpu_ticks("self"), cpu_ticks(&sim_pid), context_switches());
        let started = Instant::now();
        let started_utc = chrono::Utc::now();
        campaigns.start("bench").await.unwrap();
        let limit = Duration::from_secs_f64(total as f64 / cps * 5.0 + 300.0);
        let finished = tokio::time::timeout(limit, campaigns.wait("bench")).await;
        let elapsed = started.elapsed();
        let (cpu1, sim_cpu1, switches1) =
            (cpu_ticks("self"), cpu_ticks(&sim_pid), context_switches());
        let peak_mb = vm_mb("self", "VmHWM:");
        let rss_mb = vm_mb("self", "VmRSS:");
        let sim_peak_mb = vm_mb(&sim_pid, "VmHWM:");
        if finished.is_err() {
            println!(
                "WARNING: the campaign did not finish within {} s; status: {:?}",
                limit.as_secs(),
                campaigns.status("bench").await
            );
        }
        let (imported_at, cpu_imported, imported) =
            tokio::time::timeout(Duration::from_secs(5), imported_rx).await.unwrap().unwrap();

        let attempts = store.attempts("bench").await.unwrap();
        let n = attempts.len();
        let mut times: Vec<i64> = attempts
            .iter()
            .map(|a| a.journaled_at.timestamp_millis())
            .collect();
        times.sort_unstable();
        let (first, last) = (times[0], times[n - 1]);
        let span_s = (last - first) as f64 / 1000.0;
        let import_s = (imported_at - started).as_secs_f64();
        let to_first_s = (first - started_utc.timestamp_millis()) as f64 / 1000.0;
        let tail_s = elapsed.as_secs_f64() - (last - started_utc.timestamp_millis()) as f64 / 1000.0;

        let secs = |t: u64| t as f64 / ticks;
        let cpu_import = secs(cpu_imported - cpu0);
        let cpu_dial = secs(cpu1 - cpu_imported);
        let cpu_all = secs(cpu1 - cpu0);
        let sim_cpu = secs(sim_cpu1 - sim_cpu0);
        let us_per = |s: f64, count: usize| s * 1e6 / count.max(1) as f64;

        println!(
            "campaign: {total} contacts, cps {cps}, max_concurrent {MAX_CONCURRENT}, simulator speed {SPEED}x in its own process, SQLite store in {} (WAL, synchronous={}), 2 cores shared",
            db_dir.path().display(),
            if full_sync { "FULL" } else { "NORMAL" }
        );
        println!(
            "import: {} contacts in {import_s:.2} s ({:.0} contacts/s), CPU {cpu_import:.2} s = {:.1} us per contact",
            imported.unwrap_or(0),
            total as f64 / import_s,
            us_per(cpu_import, total)
        );
        println!(
            "dialing: {n} attempts journaled from {to_first_s:.2} s to {:.2} s after start (span {span_s:.2} s) = {:.1} attempts/s; all calls ended {tail_s:.2} s after the last attempt; start to finish {:.2} s",
            to_first_s + span_s,
            (n as f64 - 1.0) / span_s,
            elapsed.as_secs_f64()
        );
        println!(
            "CPU (this process: runner, guard, store, journal, webhook server, Twilio client): dialing {cpu_dial:.2} s = {:.1} us per attempt (target <= 100); with the import {cpu_all:.2} s = {:.1} us per attempt; {:.0} % of one core over the dialing",
            us_per(cpu_dial, n),
            us_per(cpu_all, n),
            cpu_dial / (elapsed.as_secs_f64() - import_s) * 100.0
        );
        println!(
            "context switches (this process, all threads, import included): {} = {:.1} per attempt",
            switches1 - switches0,
            (switches1 - switches0) as f64 / n.max(1) as f64
        );
        println!(
            "simulator process (not counted above): CPU {sim_cpu:.2} s = {:.1} us per call, peak RSS {sim_peak_mb:.1} MB",
            us_per(sim_cpu, n)
        );
        println!(
            "memory: peak (VmHWM) {peak_mb:.1} MB (target <= 200), RSS at the end {rss_mb:.1} MB"
        );

        let (max_1s, max_at) = max_in_window(&times, 1000);
        println!(
            "pacing, one-second windows [t, t+1s) over the journal: at most {max_1s} attempts (limit {cps}), at {:.3} s after the first attempt: {}",
            (max_at - first) as f64 / 1000.0,
            if max_1s as f64 <= cps { "never over the limit" } else { "OVER THE LIMIT" }
        );
        let minute = 60_000;
        let mut worst: f64 = 0.0;
        let mut windows = 0;
        let mut start = first;
        while start + minute <= last {
            let count = times.iter().filter(|&&t| t >= start && t < start + minute).count();
            let rate = count as f64 / 60.0;
            let error = (rate - cps) / cps * 100.0;
            println!(
                "pacing, 60-second window {windows} [{:.0} s, {:.0} s): {count} attempts = {rate:.2}/s, error {error:+.2} % against {cps}/s",
                (start - first) as f64 / 1000.0,
                (start + minute - first) as f64 / 1000.0,
            );
            worst = worst.max(error.abs());
            windows += 1;
            start += minute;
        }
        if windows == 0 {
            println!(
                "pacing, 60-second windows: none (the dialing lasted {span_s:.1} s, under 60 s); over the whole span {:.2}/s, error {:+.2} %",
                (n as f64 - 1.0) / span_s,
                ((n as f64 - 1.0) / span_s - cps) / cps * 100.0
            );
        } else {
            println!(
                "pacing, 60-second windows: {windows} full window(s) in {span_s:.1} s of dialing; max |error| {worst:.2} % (target <= 1 %)"
            );
        }

        let mut per_number: HashMap<&str, usize> = HashMap::new();
        for a in &attempts {
            *per_number.entry(a.to.as_str()).or_default() += 1;
        }
        let doubled: Vec<(&str, usize)> = per_number
            .iter()
            .filter(|(_, c)| **c > 1)
            .map(|(number, c)| (*number, *c))
            .collect();
        let wanted: HashSet<&str> = numbers.iter().map(String::as_str).collect();
        let never = wanted.iter().filter(|n| !per_number.contains_key(**n)).count();
        let strangers = per_number.keys().filter(|n| !wanted.contains(**n)).count();
        println!(
            "dials per number (store): {} numbers attempted, {} exactly once, {} more than once {:?}, {never} never attempted, {strangers} not in the list",
            per_number.len(),
            per_number.values().filter(|c| **c == 1).count(),
            doubled.len(),
            doubled.iter().take(5).collect::<Vec<_>>()
        );

        // The other side: the calls the simulator received.
        if std::env::var("PROJECTX_BENCH_SIM_LIST").map_or(true, |v| v != "0") {
            let listing = Instant::now();
            let api: &dyn TwilioApi = &twilio.client;
            let filter = CallFilter {
                page_size: Some(1000),
                ..CallFilter::default()
            };
            let mut calls = api.list_calls(&filter);
            let mut received: HashMap<String, usize> = HashMap::new();
            let plain = format!("+1{PLAIN_AREA}");
            while let Some(call) = calls.next().await {
                let to = call.unwrap().to.unwrap_or_default();
                // The calls placed outside the campaign are not the campaign's dials.
                if !to.starts_with(&plain) {
                    *received.entry(to).or_default() += 1;
                }
            }
            println!(
                "dials per number (simulator's call list, read in {:.0} s): {} calls to {} numbers, {} numbers called more than once, {} of the contacts never called",
                listing.elapsed().as_secs_f64(),
                received.values().sum::<usize>(),
                received.len(),
                received.values().filter(|c| **c > 1).count(),
                numbers.iter().filter(|n| !received.contains_key(n.as_str())).count()
            );
        }

        let report = campaigns.report("bench").await.unwrap();
        let outcomes: BTreeMap<_, _> = report.outcomes.iter().collect();
        println!(
            "report: contacts {:?}, attempts {}, outcomes {outcomes:?}, skipped {:?}, billed {} s, cost {:.2} USD",
            report.contacts, report.attempts, report.skipped, report.seconds, report.cost_usd
        );
        println!(
            "events: {} published, {} dropped by full queues",
            runtime.bus.published(),
            runtime.bus.dropped()
        );
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    });
    let log = std::fs::read_to_string(&sim_log).unwrap_or_default();
    if !log.trim().is_empty() {
        let lines: Vec<&str> = log.lines().collect();
        println!(
            "simulator log ({} lines, last 5):\n{}",
            lines.len(),
            lines[lines.len().saturating_sub(5)..].join("\n")
        );
    }
    drop(simulator);
}
