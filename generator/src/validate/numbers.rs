//! Numbers in cells: integers and decimals with declared decimal and group characters
//! (a space group also matches no-break spaces), parsed without allocating; and, when a
//! cell is not a number, which character is wrong and why (OCR look-alikes, decimal commas).

/// Characters OCR mistakes for digits, and the digit they stand for.
pub fn ocr_digit(c: char) -> Option<char> {
    Some(match c {
        'l' | 'I' | '|' | ']' | '[' | 'і' | 'І' | '!' => '1',
        'O' | 'o' | 'О' | 'о' => '0',
        'з' | 'З' => '3',
        'б' => '6',
        'S' => '5',
        'B' | 'В' => '8',
        'Z' => '2',
        _ => return None,
    })
}

pub fn char_name(c: char) -> String {
    if c.is_ascii_alphabetic() {
        format!("Latin letter `{c}`")
    } else if ('\u{0400}'..='\u{04ff}').contains(&c) {
        format!("Cyrillic letter `{c}`")
    } else if c == '\u{a0}' {
        "a non-breaking space".into()
    } else if c.is_whitespace() {
        "a space".into()
    } else {
        format!("`{c}`")
    }
}

/// Explains the first character that keeps `cell` from being a number.
fn explain_number(cell: &str, decimal: char, group: Option<char>, integer: bool) -> String {
    for (i, c) in cell.chars().enumerate() {
        if c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')) || Some(c) == group {
            continue;
        }
        if !integer && c == decimal {
            continue;
        }
        let at = i + 1;
        if let Some(digit) = ocr_digit(c) {
            return format!(
                "{} at character {at} looks like an OCR misreading of the digit {digit}",
                char_name(c)
            );
        }
        if c == ',' && integer {
            return format!("a comma at character {at}: an integer has no decimal part (declare `groupChar` if it separates thousands)");
        }
        if c == ',' {
            return format!("a comma at character {at}: declare `\"decimalChar\": \",\"` in the field if it is a decimal comma");
        }
        if c == '.' && integer {
            return format!("a point at character {at}: an integer has no decimal part");
        }
        if c.is_whitespace() {
            return format!(
                "{} at character {at}: declare `groupChar` if it separates thousands",
                char_name(c)
            );
        }
        return format!("{} at character {at} is not part of a number", char_name(c));
    }
    "not a number".into()
}

fn is_group(c: char, group: Option<char>) -> bool {
    match group {
        // A space group separator also matches the no-break spaces office software writes.
        Some(' ') => matches!(c, ' ' | '\u{a0}' | '\u{202f}'),
        Some(g) => c == g,
        None => false,
    }
}

/// Copies the number's significant characters into `buf` (ASCII), normalising the
/// decimal mark and dropping group separators, without allocating.
fn normalise<'b>(
    cell: &str,
    decimal: char,
    group: Option<char>,
    bare: bool,
    buf: &'b mut [u8; 64],
) -> Option<&'b str> {
    let text = if bare {
        cell
    } else {
        let start =
            cell.find(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == decimal)?;
        let end = cell
            .rfind(|c: char| c.is_ascii_digit() || c == decimal)
            .map(|i| i + cell[i..].chars().next().map_or(1, char::len_utf8))?;
        cell.get(start..end)?
    };
    let mut len = 0;
    for c in text.chars() {
        let out = if is_group(c, group) {
            continue;
        } else if c == decimal {
            b'.'
        } else if c == '.' && decimal != '.' {
            return None;
        } else if c.is_ascii() {
            c as u8
        } else {
            return None;
        };
        if len == buf.len() {
            return None;
        }
        buf[len] = out;
        len += 1;
    }
    std::str::from_utf8(&buf[..len]).ok()
}

/// `-?digits[.digits]` with at most 15 significant digits, converted exactly: the digits
/// as an integer below 2^53 divided by a power of ten up to 10^15 are both exact doubles,
/// and IEEE division rounds correctly (Clinger's fast path). `None`: use the full parser.
pub fn exact_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut mantissa, mut count, mut fraction, mut seen_point) = (0u64, 0usize, 0usize, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
                fraction += usize::from(seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
        if count > 15 {
            return None;
        }
    }
    if count == 0 || (seen_point && fraction == 0) {
        return None;
    }
    // Below 2^53, so the signed conversion (one instruction) is exact.
    let value = mantissa as i64 as f64 / POW10[fraction];
    Some(if negative { -value } else { value })
}

pub fn parse_number(
    cell: &str,
    decimal: char,
    group: Option<char>,
    bare: bool,
) -> Result<f64, String> {
    // The common case: a plain decimal number, parsed in place.
    if bare && decimal == '.' && group.is_none() {
        if let Some(n) = exact_decimal(cell.as_bytes()) {
            return Ok(n);
        }
        let b = cell.as_bytes();
        let plain = b
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'));
        if plain && b.iter().any(u8::is_ascii_digit) {
            if let Ok(n) = cell.parse::<f64>() {
                return Ok(n);
            }
        }
    }
    let mut buf = [0u8; 64];
    let parsed = normalise(cell, decimal, group, bare, &mut buf).and_then(|s| {
        let plain = s
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
        let special = matches!(s, "NaN" | "INF" | "-INF" | "+INF");
        if (plain && s.bytes().any(|b| b.is_ascii_digit())) || special {
            s.parse::<f64>().ok()
        } else {
            None
        }
    });
    parsed.ok_or_else(|| explain_number(cell, decimal, group, false))
}

pub fn parse_integer(cell: &str, group: Option<char>, bare: bool) -> Result<i64, String> {
    let fast = cell.as_bytes();
    if bare && !fast.is_empty() && fast.len() <= 18 {
        let (neg, digits) = match fast[0] {
            b'-' => (true, &fast[1..]),
            b'+' => (false, &fast[1..]),
            _ => (false, fast),
        };
        if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
            let n = digits
                .iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
            return Ok(if neg { -n } else { n });
        }
    }
    let mut buf = [0u8; 64];
    normalise(cell, '\u{0}', group, bare, &mut buf)
        .filter(|s| {
            let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| explain_number(cell, '.', group, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_fast_path_agrees_with_the_full_parser() {
        for text in [
            "0",
            "-0",
            "1.5",
            "84667.2",
            "0.1",
            "123456789012345",
            "-9.87654321",
            ".5",
        ] {
            assert_eq!(
                exact_decimal(text.as_bytes()),
                text.parse::<f64>().ok(),
                "{text}"
            );
        }
        for text in ["1234567890123456", "1e5", "5.", "+1", "1.2.3", ""] {
            assert_eq!(exact_decimal(text.as_bytes()), None, "{text}");
        }
    }
}
