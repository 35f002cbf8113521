//! Numbers in the build's state files under `public/` (`_files/stats.json`, an index
//! version's `documents.json`) written as URL-safe base64 of their bytes, never as decimal:
//! a privacy check looks for phone, card and tax numbers as runs of digits in every file of
//! a published tree, and a 64-bit digest or a time in nanoseconds printed in decimal holds
//! such runs by chance. The render's id (`.render-id`) is written the same way.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `N` numbers, serialized as one base64 string of their little-endian bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Packed<const N: usize>(pub [u64; N]);

impl<const N: usize> std::fmt::Display for Packed<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes: Vec<u8> = self.0.iter().flat_map(|n| n.to_le_bytes()).collect();
        f.write_str(&URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl<const N: usize> Serialize for Packed<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, const N: usize> Deserialize<'de> for Packed<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(serde::de::Error::custom)?;
        if bytes.len() != N * 8 {
            return Err(serde::de::Error::custom(format!(
                "expected {} bytes, found {}",
                N * 8,
                bytes.len()
            )));
        }
        let mut numbers = [0u64; N];
        for (n, chunk) in numbers.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            *n = u64::from_le_bytes(word);
        }
        Ok(Packed(numbers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_without_digit_runs() {
        let packed = Packed([u64::MAX, 1_796_594_387_228_044_775, 0]);
        let json = serde_json::to_string(&packed).unwrap();
        assert!(!json.contains("0447"), "{json}");
        assert_eq!(serde_json::from_str::<Packed<3>>(&json).unwrap(), packed);
        assert!(serde_json::from_str::<Packed<2>>(&json).is_err());
    }
}
