//! `projectx recordings list|download|delete` against the standalone simulator, which speaks
//! Twilio's REST API; the commands see it as real Twilio (live mode, its base URL).

use std::path::Path;
use std::process::{Child, Stdio};

use crate::{free_port, projectx, text};

const ACCOUNT: &str = "AC00000000000000000000000000000000";
const TOKEN: &str = "simulator-auth-token";

/// `projectx simulator` on its own port, killed when dropped.
struct Simulator(Child);

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn simulator(dir: &Path, port: u16) -> Simulator {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_projectx"))
        .args(["simulator", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--speed", "100"])
        .current_dir(dir)
        .env_remove("PROJECTX_CONFIG")
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let simulator = Simulator(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return simulator;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the simulator did not come up");
}

fn live_config(dir: &Path, port: u16) {
    std::fs::write(
        dir.join("projectx.yaml"),
        format!(
            "twilio:\n  account_sid: {ACCOUNT}\n  auth_token: {TOKEN}\n  from_number: \"+15005550006\"\n  base_url: http://127.0.0.1:{port}\n"
        ),
    )
    .unwrap();
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn recordings_are_listed_downloaded_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _simulator = simulator(dir.path(), port);
    live_config(dir.path(), port);
    let call = projectx(dir.path())
        .args(["call", "--to", "+14155550101", "--wait", "--json"])
        .args([
            "--twiml",
            r#"<Response><Say>Leave a message after the tone.</Say><Record maxLength="5"/></Response>"#,
        ])
        .output()
        .unwrap();
    assert_eq!(call.status.code(), Some(0), "{}", text(&call.stderr));
    let call_sid = text(&call.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["sid"].as_str().map(str::to_owned))
        .unwrap();

    let listed = projectx(dir.path())
        .args(["recordings", "list", "--json", "--call", &call_sid])
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    let recordings = json(&listed);
    let recordings = recordings.as_array().unwrap();
    assert_eq!(recordings.len(), 1, "{recordings:?}");
    assert_eq!(recordings[0]["call_sid"], call_sid.as_str());
    let sid = recordings[0]["sid"].as_str().unwrap().to_owned();
    let table = projectx(dir.path())
        .args(["recordings", "list"])
        .output()
        .unwrap();
    assert!(
        text(&table.stdout).contains(&sid),
        "{}",
        text(&table.stdout)
    );

    // Download by call, as JSON; the file is a whole WAV (no .part left behind).
    let out_dir = dir.path().join("media");
    let downloaded = projectx(dir.path())
        .args([
            "recordings",
            "download",
            "--call",
            &call_sid,
            "--json",
            "-o",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        downloaded.status.code(),
        Some(0),
        "{}",
        text(&downloaded.stderr)
    );
    let report = json(&downloaded);
    let bytes = report["downloaded"][0]["bytes"].as_u64().unwrap();
    let media = std::fs::read(out_dir.join(format!("{sid}.wav"))).unwrap();
    assert_eq!(media.len() as u64, bytes);
    assert_eq!(&media[..4], b"RIFF");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 1);

    // Deleting asks first; without a terminal to ask on, --yes is required.
    let unconfirmed = projectx(dir.path())
        .args(["recordings", "delete", &sid])
        .output()
        .unwrap();
    assert_eq!(unconfirmed.status.code(), Some(2));
    assert!(text(&unconfirmed.stderr).contains("pass --yes"));
    let deleted = projectx(dir.path())
        .args(["recordings", "delete", &sid, "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(deleted.status.code(), Some(0), "{}", text(&deleted.stderr));
    assert_eq!(json(&deleted)["deleted"][0], sid.as_str());

    // Gone: Twilio's 20404, a runtime failure (exit 1), with its code in the JSON.
    let again = projectx(dir.path())
        .args(["recordings", "delete", &sid, "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&again.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["code"], 20404, "{lines:?}");
    assert_eq!(lines[1]["deleted"], serde_json::json!([]));
    let missing = projectx(dir.path())
        .args(["recordings", "download", &sid, "-o"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("20404"));
}

#[test]
fn malformed_sids_are_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens here: a request sent would fail differently (exit 1, "could not reach").
    live_config(dir.path(), free_port());
    for args in [
        vec!["recordings", "delete", "RE123", "--yes"],
        vec![
            "recordings",
            "download",
            "CA0123456789abcdef0123456789abcdef",
        ],
        vec![
            "recordings",
            "list",
            "--call",
            "RE0123456789abcdef0123456789abcdef",
        ],
    ] {
        let out = projectx(dir.path()).args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("is not a"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}
