//! `server verify-draw <file.json>`: anyone can check a published draw.
use std::process::Command;

fn verify(tag: &str, json: &str) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("zjcs-cli-draw-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("draw.json");
    std::fs::write(&file, json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        // no database is opened or created for this command
        .args(["--database-url", "mysql://unused"])
        .arg("verify-draw")
        .arg(&file)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    out
}

fn published() -> app::domain::draw::PublishedDraw {
    let registrants: Vec<String> = (1..=6).map(|i| format!("9151010{i}MA000000{i}X")).collect();
    app::domain::draw::run("ZJCS-2026-0042", &"5a".repeat(32), &registrants)
}

#[test]
fn a_published_draw_checks_out() {
    let d = published();
    let out = verify("ok", &serde_json::to_string_pretty(&d).unwrap());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.starts_with("OK: the draw checks out"), "{stdout}");
    assert!(stdout.contains(&format!("1. {} (selected)", d.ranking[0])), "{stdout}");
    assert!(stdout.contains(&format!("6. {} (reserve 5)", d.ranking[5])), "{stdout}");
}

#[test]
fn a_tampered_draw_fails_with_status_1() {
    let d = published();
    let mut tampered = d.clone();
    tampered.ranking.swap(0, 3);
    let out = verify("ranking", &serde_json::to_string(&tampered).unwrap());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("MISMATCH: recomputing the shuffle gives another ranking"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("OK"));

    let mut tampered = d;
    tampered.secret = "a5".repeat(32);
    let out = verify("secret", &serde_json::to_string(&tampered).unwrap());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("commitment"), "{out:?}");

    let out = verify("garbage", "[1, 2, 3]");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a published draw"), "{out:?}");
}

#[test]
fn help_lists_the_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_server")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let line = |cmd: &str| help.lines().find(|l| l.trim_start().starts_with(cmd)).unwrap_or_default().to_string();
    assert!(line("verify-draw").contains("Check a published draw"), "{help}");
    assert!(line("import-register").contains("Import the qualification register"), "{help}");
}
