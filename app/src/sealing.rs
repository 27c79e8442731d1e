//! Sealing (密封): quote amounts and draw secrets are stored encrypted until
//! their opening, so nobody — owner, operator, or someone reading the database —
//! can learn them early.
//!
//! - ChaCha20-Poly1305 with a 256-bit key that is *not* in the database: it comes
//!   from `ZJCS_SEALING_KEY` (64 hex digits) or a key file (`--sealing-key-file`,
//!   default `data/sealing.key`, created with mode 0600 on first start). Every
//!   instance of a multi-instance deployment needs the same key.
//! - Each sealed value is `hex(nonce ‖ ciphertext)` with a fresh random 96-bit nonce
//!   and associated data naming what it is (e.g. `quote:<procurement id>:<firm id>`),
//!   so a sealed value copied onto another row does not open.
//! - Only the opening code paths (the deadline has passed, inside the closing
//!   transaction) call `open`; no server function returns sealed values.
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("sealing key must be 64 hex digits")]
    BadKey,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this key")]
    WrongKey,
    #[error("sealing key file: {0}")]
    Io(#[from] std::io::Error),
}

impl Sealer {
    pub fn from_hex(key_hex: &str) -> Result<Sealer, SealError> {
        let bytes = unhex(key_hex.trim()).ok_or(SealError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SealError::BadKey);
        }
        Ok(Sealer { cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)) })
    }

    /// A sealer with a fresh random key (tests, throwaway demos).
    pub fn random() -> Sealer {
        Sealer { cipher: ChaCha20Poly1305::new(&ChaCha20Poly1305::generate_key(&mut OsRng)) }
    }

    /// Reads the key file, creating it (mode 0600) with a random key when missing.
    pub fn load_or_create(path: &std::path::Path) -> Result<Sealer, SealError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Sealer::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let key = ChaCha20Poly1305::generate_key(&mut OsRng);
                let text = hex(&key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                use std::io::Write;
                options.open(path)?.write_all(text.as_bytes())?;
                Sealer::from_hex(&text)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Seals `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: aad.as_bytes() })
            .expect("ChaCha20-Poly1305 encryption does not fail for in-memory buffers");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        hex(&out)
    }

    /// Opens a value sealed with `seal` under the same `aad`.
    pub fn open(&self, aad: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bytes = unhex(sealed).ok_or(SealError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = bytes.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: aad.as_bytes() })
            .map_err(|_| SealError::WrongKey)
    }
}

/// 32 random bytes as hex (draw secrets, quote salts).
pub fn random_hex32() -> String {
    hex(&ChaCha20Poly1305::generate_key(&mut OsRng))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_label() {
        let s = Sealer::random();
        let sealed = s.seal("quote:1:2", b"123456");
        assert!(!sealed.contains("123456"));
        assert_eq!(s.open("quote:1:2", &sealed).unwrap(), b"123456");
        // moved to another row
        assert!(matches!(s.open("quote:1:3", &sealed), Err(SealError::WrongKey)));
        // another key
        assert!(matches!(Sealer::random().open("quote:1:2", &sealed), Err(SealError::WrongKey)));
        // two seals of the same value differ (fresh nonce)
        assert_ne!(sealed, s.seal("quote:1:2", b"123456"));
        assert!(matches!(s.open("quote:1:2", "zz"), Err(SealError::Malformed)));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("zjcs-sealing-{}", std::process::id()));
        let path = dir.join("sealing.key");
        let _ = std::fs::remove_dir_all(&dir);
        let a = Sealer::load_or_create(&path).unwrap();
        let sealed = a.seal("x", b"secret");
        let b = Sealer::load_or_create(&path).unwrap();
        assert_eq!(b.open("x", &sealed).unwrap(), b"secret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(matches!(Sealer::from_hex("abcd"), Err(SealError::BadKey)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
