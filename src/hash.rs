//! Hex digests, shared by the partial-parse cache, state checksums and the Snowflake client;
//! and the hash map for look-ups by name on hot paths.

use sha2::{Digest, Sha256};

/// A hash map with a fast hasher (foldhash), for look-ups by name that run per node or per
/// reference (ids, model names, relation names), where SipHash showed in profiles.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// An empty `FastMap` with room for `capacity` entries (a map filled per node grows no more).
pub(crate) fn fast_map<K, V>(capacity: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(capacity, Default::default())
}

/// One byte as two lower-case hex digits.
fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0x0f)]]
}

/// Bytes as lower-case hex (one allocation).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.extend_from_slice(&hex_pair(b));
    }
    // Only ASCII digits and letters were written.
    String::from_utf8(out).unwrap_or_default()
}

/// A SHA-256 digest as lower-case hex, without an allocation (for the checksums of every node
/// written to manifest.json).
pub(crate) fn hex_sha256(digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, &b) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&hex_pair(b));
    }
    out
}

/// The SHA-256 of `bytes`, as lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The MD5 of `text`, as lower-case hex (dbt names tests and snapshot rows with it).
pub(crate) fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    hex(&Md5::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_digits() {
        assert_eq!(super::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// A checksum: a SHA-256 digest, kept as bytes (written as hex only in manifest.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sum {
    Sha256([u8; 32]),
    /// A file that could not be read: a value that never equals a stored checksum.
    Unreadable,
}

impl Sum {
    pub fn of(bytes: &[u8]) -> Sum {
        Sum::Sha256(Sha256::digest(bytes).into())
    }

    /// Whether a checksum stored in an earlier manifest.json is this one (never for a file
    /// that could not be read).
    pub fn matches(&self, stored: &str) -> bool {
        match self {
            Sum::Sha256(d) => hex_sha256(d) == stored.as_bytes(),
            Sum::Unreadable => false,
        }
    }
}
