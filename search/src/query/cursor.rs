//! Opaque, tamper-checked paging cursors: the offset of the next page, bound to the query,
//! its filters and the index version, with a keyed SHA-256 tag. The key is random per
//! process, so a cursor cannot be forged or edited, and one from another query, another
//! index version or a restarted server is refused rather than silently mis-paged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The key cursors are signed with.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error(
        "the cursor is not one this server issued; pass the `next` value of a response unchanged"
    )]
    Malformed,
    #[error("the cursor belongs to another query, other filters or an older index; repeat the search without `cursor`")]
    Stale,
}

const TAG_LEN: usize = 12;

impl CursorKey {
    /// The key derived from the server's key (`crate::keys`), the same on every replica.
    pub fn from_secret(secret: [u8; 32]) -> CursorKey {
        CursorKey(secret)
    }

    /// A fresh random key (from the OS-seeded hasher state std already keeps).
    pub fn random() -> CursorKey {
        use std::hash::BuildHasher;
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let value = std::collections::hash_map::RandomState::new().hash_one(i);
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        CursorKey(key)
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG_LEN] {
        let mut hasher = Sha256::new();
        hasher.update(self.0);
        hasher.update(payload);
        hasher.update(self.0);
        let digest = hasher.finalize();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&digest[..TAG_LEN]);
        tag
    }

    /// The cursor for `offset` within the result identified by `fingerprint`.
    pub fn encode(&self, fingerprint: u64, offset: u64) -> String {
        let mut bytes = Vec::with_capacity(16 + TAG_LEN);
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(&fingerprint.to_le_bytes());
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The offset a cursor points at, if this key signed it for `fingerprint`.
    pub fn decode(&self, fingerprint: u64, cursor: &str) -> Result<u64, CursorError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor.trim())
            .map_err(|_| CursorError::Malformed)?;
        if bytes.len() != 16 + TAG_LEN || self.tag(&bytes[..16]) != bytes[16..] {
            return Err(CursorError::Malformed);
        }
        let read = |range: std::ops::Range<usize>| {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(&bytes[range]);
            u64::from_le_bytes(buf)
        };
        if read(8..16) != fingerprint {
            return Err(CursorError::Stale);
        }
        Ok(read(0..8))
    }
}

/// A stable 64-bit digest of the parts that define a result list.
pub fn fingerprint(parts: &[&str]) -> u64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = CursorKey::random();
        let fp = fingerprint(&["ремонт", "district=Печерський"]);
        let cursor = key.encode(fp, 40);
        assert_eq!(key.decode(fp, &cursor), Ok(40));
        assert_eq!(key.decode(fp + 1, &cursor), Err(CursorError::Stale));
        let mut edited = cursor.clone().into_bytes();
        edited[0] = if edited[0] == b'A' { b'B' } else { b'A' };
        let edited = String::from_utf8(edited).unwrap();
        assert_eq!(key.decode(fp, &edited), Err(CursorError::Malformed));
        assert_eq!(key.decode(fp, "not a cursor"), Err(CursorError::Malformed));
        assert_eq!(
            CursorKey::random().decode(fp, &cursor),
            Err(CursorError::Malformed)
        );
    }
}
