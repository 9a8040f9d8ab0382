//! Every subcommand refuses a broken configuration the same way (exit 2, the problem named with
//! its line), and the offline ones print JSON that parses with `--json`.

use crate::{projectx, root, text};

const BROKEN: &str = "twilio:\n  acount_sid: AC0123\nlimits: { cps: -1 }\n";

fn every_subcommand() -> Vec<Vec<&'static str>> {
    vec![
        vec!["run", "--for", "1s"],
        vec!["check"],
        vec!["call", "--to", "+14155550100", "--message", "Hello"],
        vec!["plan", "launch"],
        vec!["campaign", "run", "launch"],
        vec!["campaign", "status"],
        vec!["campaign", "report", "launch"],
        vec!["voices", "list"],
        vec!["voices", "preview", "captain-nova", "Hello", "-o", "x.wav"],
        vec!["twiml", "--agent", "captain-nova", "--message", "Hello"],
        vec!["recordings", "list"],
        vec![
            "recordings",
            "download",
            "RE0123456789abcdef0123456789abcdef",
        ],
        vec![
            "recordings",
            "delete",
            "RE0123456789abcdef0123456789abcdef",
            "--yes",
        ],
        vec!["simulator", "--listen", "127.0.0.1:0"],
        vec!["usage"],
    ]
}

#[test]
fn a_broken_configuration_stops_every_subcommand_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("projectx.yaml"), BROKEN).unwrap();
    for args in every_subcommand() {
        let out = projectx(dir.path()).args(&args).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("acount_sid"), "{args:?}: {stderr}");
        assert!(stderr.contains("did you mean"), "{args:?}: {stderr}");
        assert!(stderr.contains("projectx.yaml:2"), "{args:?}: {stderr}");
        assert!(stderr.contains("cps"), "{args:?}: {stderr}");
    }
    assert!(!dir.path().join("x.wav").exists());
}

#[test]
fn offline_commands_print_json_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("demo.db").display());
    let shapes: [(&[&str], &str); 6] = [
        (&["check"], "problems"),
        (&["voices", "list"], ""),
        (
            &["twiml", "--agent", "captain-nova", "--message", "Hi"],
            "twiml",
        ),
        (&["plan", "launch"], "lines"),
        (&["campaign", "status"], ""),
        (&["usage"], "usage"),
    ];
    for (args, key) in shapes {
        let out = projectx(root())
            .args(["--config", "examples/demo.yaml", "--json"])
            .args(args)
            .env("PROJECTX_STORE", &store)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let value: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stdout)));
        if key.is_empty() {
            assert!(value.is_array(), "{args:?}: {value}");
        } else {
            assert!(value.get(key).is_some(), "{args:?}: {value}");
        }
    }
}
