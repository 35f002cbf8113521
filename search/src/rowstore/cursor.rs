//! Paging cursors: the sort key and row id of the last row served, signed with a key derived
//! from the server's key (`crate::keys`) and the store's build, so a tampered or foreign
//! cursor is refused rather than misread. Never an offset:
//! a page costs the same however deep it is.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Where the next page starts: after (`value`, `row`) in the order given by `sort`/`desc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort column, `None` for row order.
    pub sort: Option<String>,
    pub desc: bool,
    /// The sort column's value in the last row (`None` for null or row order).
    pub value: Option<String>,
    pub row: u32,
}

/// The secret cursors of one build of one store are signed with.
#[derive(Clone)]
pub struct CursorKey(pub(crate) String);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// The key for the store build `build`: a rebuilt store refuses the old cursors, and
    /// every server holding the same key accepts the same ones.
    pub fn for_build(server: &crate::keys::ServerKey, build: &str) -> CursorKey {
        let derived = server.derive(&format!("rows/{build}"));
        CursorKey(derived.iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not one this server issued (malformed)")]
    Malformed,
    #[error(
        "the cursor was not issued for this data (tampered, or the data was rebuilt since); \
         start again from the first page"
    )]
    Forged,
}

impl Cursor {
    /// The opaque token for `store`.
    pub fn encode(&self, key: &CursorKey, store: &str) -> String {
        let payload = serde_json::json!([self.sort, self.desc, self.value, self.row]).to_string();
        let tag = tag(key, store, payload.as_bytes());
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn decode(token: &str, key: &CursorKey, store: &str) -> Result<Cursor, CursorError> {
        let (payload, given) = token.split_once('.').ok_or(CursorError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Malformed)?;
        let given = URL_SAFE_NO_PAD
            .decode(given)
            .map_err(|_| CursorError::Malformed)?;
        let expected = tag(key, store, &payload);
        // Not constant-time: a cursor only positions a page of public data.
        if given != expected {
            return Err(CursorError::Forged);
        }
        let (sort, desc, value, row): (Option<String>, bool, Option<String>, u32) =
            serde_json::from_slice(&payload).map_err(|_| CursorError::Malformed)?;
        Ok(Cursor {
            sort,
            desc,
            value,
            row,
        })
    }
}

fn tag(key: &CursorKey, store: &str, payload: &[u8]) -> Vec<u8> {
    let mut digest = Sha256::new();
    digest.update(key.0.as_bytes());
    digest.update([0]);
    digest.update(store.as_bytes());
    digest.update([0]);
    digest.update(payload);
    digest.finalize()[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = CursorKey("secret".into());
        let cursor = Cursor {
            sort: Some("date".into()),
            desc: true,
            value: Some("2024-01-01".into()),
            row: 41,
        };
        let token = cursor.encode(&key, "a/b");
        assert_eq!(Cursor::decode(&token, &key, "a/b").unwrap(), cursor);
        assert_eq!(
            Cursor::decode(&token, &key, "a/c").unwrap_err(),
            CursorError::Forged
        );
        let forged = Cursor { row: 0, ..cursor }.encode(&CursorKey("guess".into()), "a/b");
        assert_eq!(
            Cursor::decode(&forged, &key, "a/b").unwrap_err(),
            CursorError::Forged
        );
        assert_eq!(
            Cursor::decode("not-a-cursor", &key, "a/b").unwrap_err(),
            CursorError::Malformed
        );
    }
}
