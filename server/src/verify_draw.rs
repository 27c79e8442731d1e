//! `server verify-draw <file.json>`: recomputes a published draw offline, with
//! the same code as the server and the browser (`app::domain::draw`). Needs no
//! database: anyone can run it on the values copied from the announcement page.
use app::domain::draw::{self, DrawMismatch, PublishedDraw};
use std::path::Path;

/// Reads the draw from `file` and checks it: prints the report and returns
/// `Ok` when every value checks out, else an error that explains the mismatch
/// (the caller exits with status 1).
pub fn command(file: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let report = check_json(&text)?;
    print!("{report}");
    Ok(())
}

/// The report for a published draw given as JSON (`PublishedDraw`): `Ok` with
/// the text to print, or `Err` naming what does not match.
pub fn check_json(json: &str) -> Result<String, String> {
    let d: PublishedDraw = serde_json::from_str(json).map_err(|e| format!("not a published draw (JSON with procurement_code, commitment, secret, registrants, registrant_hash, seed, ranking): {e}"))?;
    check(&d)
}

/// The report for a published draw.
pub fn check(d: &PublishedDraw) -> Result<String, String> {
    match draw::verify(d) {
        Ok(()) => Ok(ok_report(d)),
        Err(m) => Err(mismatch_report(d, m)),
    }
}

fn ok_report(d: &PublishedDraw) -> String {
    let mut out = String::from("OK: the draw checks out\n");
    out += &format!("procurement: {}\n", d.procurement_code);
    out += &format!("commitment:  {}\n", d.commitment);
    out += &format!("registrants: {} (hash {})\n", d.registrants.len(), d.registrant_hash);
    out += &format!("seed:        {}\n", d.seed);
    out += "ranking:\n";
    for (i, firm) in d.ranking.iter().enumerate() {
        let role = if i == 0 { "selected".to_string() } else { format!("reserve {i}") };
        out += &format!("  {:>2}. {firm} ({role})\n", i + 1);
    }
    out
}

fn mismatch_report(d: &PublishedDraw, m: DrawMismatch) -> String {
    let again = draw::run(&d.procurement_code, &d.secret, &d.registrants);
    match m {
        DrawMismatch::Commitment => format!(
            "MISMATCH: the revealed secret does not hash to the commitment published before the deadline\n  SHA-256(secret): {}\n  published:       {}",
            draw::commitment(&d.secret),
            d.commitment
        ),
        DrawMismatch::RegistrantHash => format!(
            "MISMATCH: the registrant list does not hash to the published registrant hash\n  SHA-256(list): {}\n  published:     {}",
            draw::registrant_hash(&d.registrants),
            d.registrant_hash
        ),
        DrawMismatch::Seed => format!(
            "MISMATCH: the seed is not the one derived from the secret, the registrant hash and the procurement code\n  derived:   {}\n  published: {}",
            again.seed, d.seed
        ),
        DrawMismatch::Ranking => format!(
            "MISMATCH: recomputing the shuffle gives another ranking\n  recomputed: {}\n  published:  {}",
            again.ranking.join(", "),
            d.ranking.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published() -> PublishedDraw {
        let registrants: Vec<String> =
            ["91510100MA0000003C", "91510100MA0000001A", "91510100MA0000004D", "91510100MA0000002B"].map(String::from).to_vec();
        draw::run("ZJCS-2026-0001", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", &registrants)
    }

    fn write(tag: &str, d: &PublishedDraw) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("zjcs-verify-draw-{tag}-{}.json", std::process::id()));
        std::fs::write(&path, serde_json::to_string_pretty(d).unwrap()).unwrap();
        path
    }

    #[test]
    fn a_published_draw_checks_out_and_a_tampered_one_does_not() {
        let d = published();
        let ok_path = write("ok", &d);
        assert!(command(&ok_path).is_ok());
        let report = check_json(&std::fs::read_to_string(&ok_path).unwrap()).unwrap();
        assert!(report.starts_with("OK: the draw checks out\n"), "{report}");
        assert!(report.contains(&format!("1. {} (selected)", d.ranking[0])), "{report}");
        assert!(report.contains(&format!("2. {} (reserve 1)", d.ranking[1])), "{report}");

        let mut tampered = d.clone();
        tampered.ranking.swap(0, 1);
        let path = write("ranking", &tampered);
        let err = command(&path).unwrap_err().to_string();
        assert!(err.contains("MISMATCH") && err.contains("another ranking"), "{err}");
        assert!(err.contains(&format!("recomputed: {}", d.ranking.join(", "))), "{err}");
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(ok_path);
    }

    #[test]
    fn each_mismatch_is_explained() {
        let d = published();
        let mut t = d.clone();
        t.secret = "ff".repeat(32);
        let err = check(&t).unwrap_err();
        assert!(err.contains("commitment") && err.contains(&d.commitment), "{err}");

        let mut t = d.clone();
        t.registrants.push("91510100MA0000005E".into());
        let err = check(&t).unwrap_err();
        assert!(err.contains("registrant list") && err.contains(&d.registrant_hash), "{err}");

        let mut t = d.clone();
        t.seed = "00".repeat(32);
        let err = check(&t).unwrap_err();
        assert!(err.contains("seed") && err.contains(&format!("derived:   {}", d.seed)), "{err}");
    }

    #[test]
    fn unreadable_input_is_a_clear_error() {
        assert!(check_json("{}").unwrap_err().starts_with("not a published draw"));
        let missing = std::env::temp_dir().join("zjcs-verify-draw-no-such-file.json");
        assert!(command(&missing).unwrap_err().to_string().starts_with("cannot read"));
    }
}
