//! The server binary's command line: help, migrations, the first administrator.
use std::process::Command;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_server"))
}

fn temp_db(tag: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("zjcs-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/z.db", dir.display());
    (dir, url)
}

#[test]
fn help_explains_address_and_database() {
    let out = server().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["--addr", "ZJCS_ADDR", "--database-url", "DATABASE_URL", "--demo", "create-admin"] {
        assert!(help.contains(word), "--help lacks {word}:\n{help}");
    }
}

#[test]
fn first_administrator_comes_from_the_cli_once() {
    let (dir, url) = temp_db("admin");
    let run = |user: &str, password: &str| {
        server()
            .args(["--database-url", &url, "create-admin", "--username", user])
            .env("ZJCS_ADMIN_PASSWORD", password)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let weak = run("root", "123");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码至少 10 个字符"), "{weak:?}");
    let ok = run("root", "Zhongjie-2026!");
    assert!(ok.status.success(), "{ok:?}");
    let again = run("root2", "Zhongjie-2026!");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{again:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let out = server().args(["--database-url", "mysql://x", "migrate"]).env_remove("DATABASE_URL").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open database mysql://x"), "{out:?}");
}

#[test]
fn qualification_register_import_names_bad_lines() {
    let (dir, url) = temp_db("register");
    let file = dir.join("register.csv");
    std::fs::write(
        &file,
        "type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked\n\
         CHZZ,C-1,91350100M000100Y43,某测绘公司,甲级,2024-01-01,2028-12-31,0\n\
         CHZZ,C-2,91350100M000100Y44,某测绘公司,甲级,2024-01-01,2028-12-31,0\n",
    )
    .unwrap();
    let out = server()
        .args(["--database-url", &url, "import-register"])
        .arg(&file)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a rejected row makes the command fail");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("1 inserted, 0 updated, 1 rejected"), "{stdout}");
    assert!(stderr.contains("line 3") && stderr.contains("holder_credit_code"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
