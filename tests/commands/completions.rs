//! `projectx completions SHELL`.

use crate::{projectx, text};

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_projectx()"),
        ("zsh", "#compdef projectx"),
        ("fish", "complete -c projectx"),
    ] {
        let out = projectx(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in ["campaign", "recordings", "voices", "usage", "simulator"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = projectx(dir.path())
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid value 'cmd.exe'"));
}
