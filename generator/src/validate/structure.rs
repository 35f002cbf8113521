//! Finds the bytes that shape a plain CSV line — the delimiter, the quote, `\r` and `\n` —
//! 64 bytes at a time as a bit mask, so that a line of ten cells costs a few vector
//! compares and a bit step per cell; a search per cell paid its set-up for every cell.

const BLOCK: usize = 64;

/// The positions of the shaping bytes of `data`, in order.
pub struct Structure<'a> {
    data: &'a [u8],
    needles: [u8; 4],
    /// Where the block of `mask` starts in `data`.
    base: usize,
    /// The block's shaping bytes not yet taken: bit `i` is `data[base + i]`.
    mask: u64,
}

impl<'a> Structure<'a> {
    pub fn new(data: &'a [u8], delimiter: u8, quote: u8) -> Structure<'a> {
        let needles = [delimiter, quote, b'\r', b'\n'];
        Structure {
            data,
            needles,
            base: 0,
            mask: block_mask(data, 0, needles),
        }
    }
}

impl Iterator for Structure<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += BLOCK;
            if self.base >= self.data.len() {
                return None;
            }
            self.mask = block_mask(self.data, self.base, self.needles);
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + bit)
    }
}

/// The shaping bytes of the 64 bytes from `base` (fewer at the end of `data`).
fn block_mask(data: &[u8], base: usize, needles: [u8; 4]) -> u64 {
    let rest = data.get(base..).unwrap_or_default();
    match rest.first_chunk::<BLOCK>() {
        Some(block) => mask_of(block, needles),
        None => {
            let mut block = [0u8; BLOCK];
            block[..rest.len()].copy_from_slice(rest);
            // The padding is not data, whatever the needles are.
            mask_of(&block, needles) & ((1u64 << rest.len()) - 1)
        }
    }
}

/// SSE2, which every x86-64 processor has: four compares and a move-mask per 16 bytes.
/// (The compiler does not make this of the portable loop below.)
#[cfg(target_arch = "x86_64")]
fn mask_of(block: &[u8; BLOCK], needles: [u8; 4]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics are always there;
    // each load reads the 16 bytes of one `lane` and has no alignment requirement.
    unsafe {
        let [a, b, c, d] = needles.map(|n| _mm_set1_epi8(n as i8));
        let mut mask = 0;
        for (k, lane) in block.chunks_exact(16).enumerate() {
            let x = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            let hits = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x, b)),
                _mm_or_si128(_mm_cmpeq_epi8(x, c), _mm_cmpeq_epi8(x, d)),
            );
            mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (16 * k);
        }
        mask
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn mask_of(block: &[u8; BLOCK], [a, b, c, d]: [u8; 4]) -> u64 {
    block.iter().enumerate().fold(0, |mask, (i, &x)| {
        mask | (u64::from((x == a) | (x == b) | (x == c) | (x == d)) << i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shaping_byte_is_found_in_order() {
        let mut rng = fastrand::Rng::with_seed(9);
        for _ in 0..5_000 {
            let data: Vec<u8> = (0..rng.usize(0..300))
                .map(|_| b"ab,;\"\r\n\0\xd0"[rng.usize(..9)])
                .collect();
            let expected: Vec<usize> = (0..data.len())
                .filter(|&i| matches!(data[i], b';' | b'"' | b'\r' | b'\n'))
                .collect();
            assert_eq!(
                Structure::new(&data, b';', b'"').collect::<Vec<_>>(),
                expected
            );
        }
    }
}
