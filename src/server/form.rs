//! Strict `application/x-www-form-urlencoded` parsing: a body with a broken `%` escape or bytes
//! that are not UTF-8 is refused rather than guessed at, since the signature covers the exact
//! decoded values.

use percent_encoding::percent_decode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("malformed percent-encoding near {0:?}")]
    BadEscape(String),
    #[error("a form value is not UTF-8")]
    NotUtf8,
}

/// Decodes every `name=value` pair, in order, repeats kept.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &part[part.len()..]),
        };
        pairs.push((decode(name)?, decode(value)?));
    }
    Ok(pairs)
}

fn decode(raw: &[u8]) -> Result<String, FormError> {
    for (i, byte) in raw.iter().enumerate() {
        if *byte == b'%' {
            let escape = raw.get(i + 1..i + 3);
            if !escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit)) {
                let near = String::from_utf8_lossy(&raw[i..raw.len().min(i + 3)]).into_owned();
                return Err(FormError::BadEscape(near));
            }
        }
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| FormError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pluses_escapes_and_repeats() {
        let pairs = parse_form(b"To=%2B14155550100&Speech=yes+please&E=a&E=b&Empty=&Flag").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("To".into(), "+14155550100".into()),
                ("Speech".into(), "yes please".into()),
                ("E".into(), "a".into()),
                ("E".into(), "b".into()),
                ("Empty".into(), "".into()),
                ("Flag".into(), "".into()),
            ]
        );
    }

    #[test]
    fn refuses_broken_escapes_and_invalid_utf8() {
        assert!(matches!(
            parse_form(b"CallSid=CA%2"),
            Err(FormError::BadEscape(_))
        ));
        assert!(matches!(
            parse_form(b"CallSid=CA%zz1"),
            Err(FormError::BadEscape(_))
        ));
        assert_eq!(parse_form(b"Name=%ff%fe"), Err(FormError::NotUtf8));
    }
}
