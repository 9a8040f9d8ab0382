//! TwiML rendering: projectx against Twilio's official Python helper library (twilio-python).
//!
//! For each document: build the tree and render it with `to_xml()`, timed in release mode
//! (median of several batches, nanoseconds per document), and the same document built and rendered by the official library in
//! `benches/twiml_official.py`, which must produce the same bytes. See `benches/README.md`.
//!
//! Run with `cargo bench --bench twiml`.

#[path = "common/allocator.rs"]
mod allocator;

use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "common/twiml_docs.rs"]
mod docs;
use docs::*;
use projectx::twiml::{Child, Element};

/// A generic description of a tree, for the Python side to rebuild with the official API:
/// attributes in insertion order, opening text, children as objects and following texts as
/// strings (ElementTree's tails).
fn describe(e: &Element) -> Value {
    json!({
        "name": e.name(),
        "attrs": e.attributes().map(|(k, v)| [k, v]).collect::<Vec<_>>(),
        "text": e.text(),
        "children": content(e).iter().map(|c| match c {
            Child::Element(child) => describe(child),
            Child::Text(text) => Value::String(text.clone()),
            Child::Markup(_) => unreachable!("content() reads markup back"),
        }).collect::<Vec<_>>(),
    })
}

/// The target: at least this many times faster than the official library.
const TARGET_SPEEDUP: f64 = 50.0;
/// Timed batches per document; the median is reported.
const BATCHES: u32 = 21;
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const VENV_HINT: &str =
    "python3 -m venv .tools/bench-venv && .tools/bench-venv/bin/pip install twilio==9.13.0";

// Measurement.

#[derive(Debug, Clone, Copy)]
struct Timing {
    median_ns: f64,
    min_ns: f64,
    iterations_per_batch: u64,
}

/// Each document warms up for a tenth of `target`, which also sizes its batches; then
/// [`BATCHES`] rounds time one batch of every document in turn, so a burst of load from
/// elsewhere lands on a batch or two of each document rather than on all batches of one.
fn time_all(builds: &[&dyn Fn() -> String], target: Duration) -> Vec<Timing> {
    let per_batch_ns = target.as_nanos() as f64 / f64::from(BATCHES);
    let iterations: Vec<u64> = builds
        .iter()
        .map(|build| {
            let start = Instant::now();
            let mut warm_iterations = 0u64;
            while start.elapsed() < target / 10 {
                black_box(build());
                warm_iterations += 1;
            }
            let estimate_ns = start.elapsed().as_nanos() as f64 / warm_iterations as f64;
            (per_batch_ns / estimate_ns).ceil().max(1.0) as u64
        })
        .collect();
    let mut samples = vec![Vec::new(); builds.len()];
    for _ in 0..BATCHES {
        for ((build, &n), samples) in builds.iter().zip(&iterations).zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..n {
                black_box(build());
            }
            samples.push(start.elapsed().as_nanos() as f64 / n as f64);
        }
    }
    samples
        .into_iter()
        .zip(iterations)
        .map(|(mut samples, iterations_per_batch)| {
            samples.sort_by(f64::total_cmp);
            Timing {
                median_ns: samples[samples.len() / 2],
                min_ns: samples[0],
                iterations_per_batch,
            }
        })
        .collect()
}

struct Doc<'a> {
    name: &'static str,
    build: Box<dyn Fn() -> String + 'a>,
    /// The expected bytes: the fixture for the reference documents, Rust's own for the rest.
    xml: String,
    /// How the Python side builds it; `None` when it is compared with another document's
    /// Python figure (`python_name`).
    python: Option<Value>,
    /// The Python result this document is compared with.
    python_name: &'static str,
}

fn fixture() -> Value {
    let path = Path::new(MANIFEST_DIR).join("tests/fixtures/twiml_vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn reference_doc(fixture: &Value, name: &'static str, build: fn() -> String) -> Doc<'static> {
    let entry = fixture["documents"]
        .as_array()
        .expect("fixture documents")
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no document {name} in the fixture"));
    let xml = entry["xml"].as_str().expect("fixture xml").to_owned();
    // Outside the timing: the bench measures exactly the reference bytes.
    assert_eq!(build(), xml, "{name}: Rust output differs from the fixture");
    Doc {
        name,
        build: Box::new(build),
        xml,
        python: Some(json!({ "builder_calls": entry["builder_calls"] })),
        python_name: name,
    }
}

// The Python side.

struct Python {
    path: PathBuf,
    python_version: String,
    twilio_version: String,
}

/// `$PROJECTX_BENCH_PYTHON`, else `.tools/bench-venv/bin/python`, else `python3`; it must
/// import `twilio`.
fn find_python() -> Result<Python, String> {
    let venv = Path::new(MANIFEST_DIR).join(".tools/bench-venv/bin/python");
    let path = match std::env::var_os("PROJECTX_BENCH_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ if venv.exists() => venv,
        _ => PathBuf::from("python3"),
    };
    let output = Command::new(&path)
        .args([
            "-c",
            "import sys, twilio; print(sys.version.split()[0]); print(twilio.__version__)",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{} could not be run: {e}", path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} cannot import twilio: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no error output")
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    Ok(Python {
        python_version: lines.next().unwrap_or("?").to_owned(),
        twilio_version: lines.next().unwrap_or("?").to_owned(),
        path,
    })
}

/// Runs benches/twiml_official.py; the nanoseconds per document, by name.
fn run_python(python: &Python, docs: &[Doc], target: Duration) -> Vec<(String, Timing)> {
    let input = json!({
        "target_seconds": target.as_secs_f64(),
        "batches": BATCHES,
        "documents": docs.iter().filter_map(|d| {
            let mut entry = d.python.clone()?;
            entry["name"] = json!(d.name);
            entry["expected_xml"] = json!(d.xml);
            Some(entry)
        }).collect::<Vec<_>>(),
    });
    let script = Path::new(MANIFEST_DIR).join("benches/twiml_official.py");
    let mut child = Command::new(&python.path)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting the Python benchmark");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.to_string().as_bytes())
        .expect("writing the documents to Python");
    let output = child
        .wait_with_output()
        .expect("running the Python benchmark");
    assert!(
        output.status.success(),
        "{} failed ({}); see its error above",
        script.display(),
        output.status
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("Python prints JSON");
    result["results"]
        .as_array()
        .expect("Python results")
        .iter()
        .map(|r| {
            let field = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("Python result {k}"));
            (
                r["name"].as_str().expect("Python result name").to_owned(),
                Timing {
                    median_ns: field("median_ns"),
                    min_ns: field("min_ns"),
                    iterations_per_batch: field("iterations_per_batch") as u64,
                },
            )
        })
        .collect()
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// `1234567.8` → `1,234,568`.
fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let target = Duration::from_secs_f64(
        std::env::var("PROJECTX_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.75),
    );

    let fixture = fixture();
    let profile = profile();
    let options = utterance_options();
    let profile_tree = profile_response(&profile, &options).into_element();
    let profile_xml = profile_tree.to_xml();
    let profile_recipe = Recipe::of(&profile_tree);
    let docs = vec![
        reference_doc(&fixture, "ivr_gather_menu", ivr_gather_menu),
        reference_doc(
            &fixture,
            "say_ssml_play_pause_hangup",
            say_ssml_play_pause_hangup,
        ),
        reference_doc(
            &fixture,
            "record_dial_connect_stream",
            record_dial_connect_stream,
        ),
        Doc {
            name: "profile_say_20",
            build: Box::new(|| profile_response(black_box(&profile), black_box(&options)).to_xml()),
            xml: profile_xml.clone(),
            python: Some(json!({ "tree": describe(&profile_tree) })),
            python_name: "profile_say_20",
        },
        Doc {
            name: "profile_say_20 (tree only)",
            build: Box::new(|| black_box(&profile_recipe).build().to_xml()),
            xml: profile_xml,
            python: None,
            python_name: "profile_say_20",
        },
    ];
    for doc in &docs {
        assert_eq!((doc.build)(), doc.xml, "{}: unstable output", doc.name);
    }

    println!("TwiML build + to_xml(): projectx (Rust) vs twilio-python (official helper library)");
    println!(
        "machine: {} CPUs available (nproc), {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model().unwrap_or_else(|| "unknown CPU".to_owned())
    );
    println!(
        "method: per side, a warm-up per document, then {BATCHES} rounds of one ~{:.0} ms batch per document; ns per document (median and fastest batch)",
        target.as_secs_f64() * 1000.0 / f64::from(BATCHES)
    );
    println!(
        "target (issue): Rust >= {TARGET_SPEEDUP:.0}x faster than the official library, per document"
    );

    // Phase 1: timing, no profiler running.
    let builds: Vec<&dyn Fn() -> String> = docs.iter().map(|d| &*d.build).collect();
    let timings = time_all(&builds, target);

    // Phase 3: the official library.
    let python = match find_python() {
        Ok(python) => {
            println!(
                "python: {} (Python {}), twilio {}",
                python.path.display(),
                python.python_version,
                python.twilio_version
            );
            if python.twilio_version != "9.13.0" {
                println!(
                    "note: the fixture was written by twilio 9.13.0; byte equality is still checked"
                );
            }
            Some(run_python(&python, &docs, target))
        }
        Err(why) => {
            println!("python: unavailable: {why}");
            println!("        to compare with the official library: {VENV_HINT}");
            println!(
                "        (then rerun, or point PROJECTX_BENCH_PYTHON at a Python with twilio)"
            );
            None
        }
    };

    println!();
    println!(
        "{:<28} {:>5} {:>11} {:>9} {:>13} {:>11} {:>8}  >={TARGET_SPEEDUP:.0}x",
        "document", "bytes", "Rust ns/doc", "Rust best", "Python ns/doc", "Python best", "speedup",
    );
    let mut verdicts = Vec::new();
    for (doc, timing) in docs.iter().zip(&timings) {
        let py = python.as_ref().and_then(|results| {
            results
                .iter()
                .find(|(name, _)| name == doc.python_name)
                .map(|(_, t)| *t)
        });
        let (py_median, py_best, speedup, met) = match py {
            Some(py) => {
                let speedup = py.median_ns / timing.median_ns;
                let met = speedup >= TARGET_SPEEDUP;
                verdicts.push(met);
                (
                    grouped(py.median_ns),
                    grouped(py.min_ns),
                    format!("{speedup:.1}x"),
                    if met { "met" } else { "NOT met" },
                )
            }
            None => ("-".to_owned(), "-".to_owned(), "-".to_owned(), "-"),
        };
        println!(
            "{:<28} {:>5} {:>11} {:>9} {:>13} {:>11} {:>8}  {}",
            doc.name,
            doc.xml.len(),
            grouped(timing.median_ns),
            grouped(timing.min_ns),
            py_median,
            py_best,
            speedup,
            met
        );
    }
    println!();
    println!("ns/doc: median batch; best: fastest batch; speedup: Python median / Rust median.");
    println!(
        "allocations per document: cargo bench --bench twiml_allocations (a separate binary, so its counting allocator does not slow these timings)."
    );
    println!(
        "profile_say_20: Rust runs speak() 20 times (sentences, clauses, say-as patterns, SSML) and to_xml();"
    );
    println!(
        "  Python builds the finished tree with add_child/attrs/append and to_xml(). The (tree only) row"
    );
    println!(
        "  builds that finished tree in Rust with the same kind of calls, compared with the same Python figure."
    );
    if let Some(results) = &python {
        let iterations: Vec<String> = docs
            .iter()
            .zip(&timings)
            .map(|(d, t)| {
                let py = results
                    .iter()
                    .find(|(name, _)| name == d.python_name)
                    .map_or(0, |(_, t)| t.iterations_per_batch);
                format!("{} {}/{}", d.name, t.iterations_per_batch, py)
            })
            .collect();
        println!(
            "iterations per batch (Rust/Python): {}",
            iterations.join(", ")
        );
        let met = verdicts.iter().filter(|m| **m).count();
        println!(
            "target >= {TARGET_SPEEDUP:.0}x: met for {met} of {} rows",
            verdicts.len()
        );
    }
}
