//! The secrets of the audit trail: the keys that link entries (HMAC-SHA256) and the key that
//! signs checkpoints (Ed25519). Both come from the service's configuration, never from its
//! database.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use ring::hmac;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::Digest;

use super::{Entry, link_text, sha};

/// The keys that link the chain's entries, by id. The first is the current one, which links
/// new entries; the others stay to verify entries linked before a rotation.
#[derive(Clone)]
pub struct LinkKeys {
    current: String,
    keys: BTreeMap<String, hmac::Key>,
    development: bool,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkKeys")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The fewest secret bytes a link key may have.
const MIN_SECRET_BYTES: usize = 32;
/// The longest key id, stored with every entry.
const MAX_ID_CHARS: usize = 32;

impl LinkKeys {
    /// Reads keys from text: one key per line, `ID HEX-SECRET` (at least 32 bytes), the current
    /// key first; blank lines and lines starting with `#` are skipped.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut current = None;
        let mut keys = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = || format!("line {}", n + 1);
            let (id, secret) = line
                .split_once(char::is_whitespace)
                .with_context(|| format!("{}: expected `ID HEX-SECRET`", at()))?;
            let secret = secret.trim();
            if id.is_empty()
                || id.chars().count() > MAX_ID_CHARS
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                anyhow::bail!(
                    "{}: a key id is 1 to {MAX_ID_CHARS} of A-Z a-z 0-9 - _ .",
                    at()
                );
            }
            let bytes = hex::decode(secret)
                .map_err(|_| anyhow::anyhow!("{}: the secret of key {id} is not hex", at()))?;
            if bytes.len() < MIN_SECRET_BYTES {
                anyhow::bail!(
                    "{}: the secret of key {id} has {} bytes; at least {MIN_SECRET_BYTES}",
                    at(),
                    bytes.len()
                );
            }
            if keys
                .insert(id.to_owned(), hmac::Key::new(hmac::HMAC_SHA256, &bytes))
                .is_some()
            {
                anyhow::bail!("{}: key {id} is given twice", at());
            }
            current.get_or_insert_with(|| id.to_owned());
        }
        let current = current.context("no key given")?;
        Ok(Self {
            current,
            keys,
            development: false,
        })
    }

    /// Reads [`LinkKeys::parse`]'s format from a file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read audit key file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("audit key file {}", path.display()))
    }

    /// A key known to everyone, for development and tests only: the service says so at start.
    pub fn development() -> Self {
        let secret = sha2::Sha256::digest(b"rex development audit link key: not a secret");
        Self {
            current: "dev".to_owned(),
            keys: BTreeMap::from([("dev".to_owned(), hmac::Key::new(hmac::HMAC_SHA256, &secret))]),
            development: true,
        }
    }

    /// The text of a key file with one new random key named `id`.
    pub fn generate(id: &str) -> anyhow::Result<String> {
        let mut secret = [0u8; MIN_SECRET_BYTES];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .map_err(|_| anyhow::anyhow!("no random numbers"))?;
        Ok(format!(
            "# Audit link keys (HMAC-SHA256): ID HEX-SECRET, the current key first.\n{id} {}\n",
            hex::encode(secret)
        ))
    }

    pub fn is_development(&self) -> bool {
        self.development
    }

    /// The id of the key that links new entries.
    pub fn current(&self) -> &str {
        &self.current
    }

    /// The link of entry `seq` after `prev`, with key `key_id`; an empty id is an entry linked
    /// before keys (plain SHA-256). None: no such key here.
    pub fn link(&self, key_id: &str, prev: &str, seq: i64, at: &str, e: &Entry) -> Option<String> {
        let text = link_text(prev, seq, at, e);
        if key_id.is_empty() {
            return Some(sha(text.as_bytes()));
        }
        let key = self.keys.get(key_id)?;
        // The key id is covered too: an entry cannot be moved under another key.
        let mut context = hmac::Context::with_key(key);
        context.update(format!("{}:{key_id};", key_id.len()).as_bytes());
        context.update(text.as_bytes());
        Some(hex::encode(context.sign().as_ref()))
    }
}

/// The service's key that signs checkpoints.
pub struct Signer {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &hex::encode(self.public_key()))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// An Ed25519 private key in PKCS#8 PEM (`rex_runtime::auth::generate_keypair` makes one).
    pub fn from_pem(text: &str) -> anyhow::Result<Self> {
        let pem = pem::parse(text).context("not a PEM file")?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pem.contents())
            .map_err(|e| anyhow::anyhow!("not an Ed25519 private key (PKCS#8): {e}"))?;
        Ok(Self { pair })
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read audit signing key {}", path.display()))?;
        Self::from_pem(&text).with_context(|| format!("audit signing key {}", path.display()))
    }

    /// The 32 bytes of the public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    pub(super) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// Whether `signature` is `public_key`'s signature of `message`.
pub(super) fn signature_holds(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

/// The 32 bytes of an Ed25519 public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
pub fn public_key_from_pem(text: &str) -> anyhow::Result<Vec<u8>> {
    // SubjectPublicKeyInfo of an Ed25519 key: this prefix, then the 32 key bytes.
    const PREFIX: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    let pem = pem::parse(text).context("not a PEM file")?;
    let der = pem.contents();
    match der.strip_prefix(&PREFIX[..]) {
        Some(key) if key.len() == 32 => Ok(key.to_vec()),
        _ => anyhow::bail!("not an Ed25519 public key (SPKI)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_keys_are_read_with_the_current_first_and_bad_lines_named() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let keys = LinkKeys::parse(&format!("# rotated\nk2 {a}\n\nk1 {b}\n")).unwrap();
        assert_eq!(keys.current(), "k2");
        assert!(!keys.is_development());
        let short = LinkKeys::parse("k1 abcd").unwrap_err().to_string();
        assert!(
            short.contains("line 1") && short.contains("at least 32"),
            "{short}"
        );
        let twice = LinkKeys::parse(&format!("k1 {a}\nk1 {b}"))
            .unwrap_err()
            .to_string();
        assert!(
            twice.contains("line 2") && twice.contains("twice"),
            "{twice}"
        );
        let bad_id = LinkKeys::parse(&format!("k/1 {a}"))
            .unwrap_err()
            .to_string();
        assert!(bad_id.contains("key id"), "{bad_id}");
        assert!(LinkKeys::parse("# nothing\n").is_err());
        assert!(LinkKeys::parse(&LinkKeys::generate("k9").unwrap()).is_ok());
    }

    #[test]
    fn a_link_depends_on_the_key_and_its_id() {
        let e = Entry {
            actor: "AP-1".into(),
            role: "atameken_officer".into(),
            action: "RegisterExporter".into(),
            subject: "KZREX0012026031900001".into(),
            request_sha256: String::new(),
            result_sha256: String::new(),
            correlation_id: String::new(),
        };
        let one = LinkKeys::parse(&format!("k1 {}", "a".repeat(64))).unwrap();
        let two = LinkKeys::parse(&format!("k1 {}", "c".repeat(64))).unwrap();
        let at = "2026-03-19T10:00:00.000000Z";
        let keyed = one.link("k1", "", 1, at, &e).unwrap();
        assert_ne!(Some(keyed.clone()), two.link("k1", "", 1, at, &e));
        assert_ne!(Some(keyed), one.link("", "", 1, at, &e));
        assert_eq!(one.link("k2", "", 1, at, &e), None);
    }

    #[test]
    fn a_checkpoint_signature_is_checked_with_the_public_key_from_its_pem() {
        let (private, public) = crate::auth::generate_keypair().unwrap();
        let signer = Signer::from_pem(&private).unwrap();
        let public = public_key_from_pem(&public).unwrap();
        assert_eq!(public, signer.public_key());
        let signature = signer.sign(b"head 3");
        assert!(signature_holds(&public, b"head 3", &signature));
        assert!(!signature_holds(&public, b"head 4", &signature));
        assert!(public_key_from_pem(&private).is_err());
    }
}
