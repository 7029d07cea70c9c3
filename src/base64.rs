//! Base64 (the standard alphabet of RFC 4648), for files that arrive inside
//! JSON or XML: an e-service's attachments, a source's scanned forms.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The bytes written in base64, with `=` padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes base64 text stands for. Line breaks and spaces (as mail and
/// XML wrap it) are skipped, padding may be left out, and the URL-safe
/// letters `-` and `_` are read as `+` and `/`. Anything else is an error
/// naming the first wrong character and where it is.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut held) = (0u32, 0u32);
    let mut padding = false;
    for (at, c) in text.char_indices() {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => {
                padding = true;
                continue;
            }
            c if c.is_ascii_whitespace() => continue,
            c => return Err(format!("`{c}` at character {} is not base64", text[..at].chars().count() + 1)),
        };
        if padding {
            return Err("base64 goes on after its `=` padding".into());
        }
        bits = (bits << 6) | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    if held >= 6 {
        return Err("base64 ends one character short of a byte".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_examples_go_both_ways() {
        let pairs =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")];
        for (plain, coded) in pairs {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode("Zm9v\r\nYmFy").unwrap(), b"foobar", "wrapped lines");
        assert_eq!(decode("Zm9vYg").unwrap(), b"foob", "no padding");
    }

    #[test]
    fn every_byte_survives_and_wrong_text_is_named() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        assert_eq!(decode("Zm9v!").unwrap_err(), "`!` at character 5 is not base64");
        assert_eq!(decode("Zg==Zg").unwrap_err(), "base64 goes on after its `=` padding");
        assert_eq!(decode("Zm9vY").unwrap_err(), "base64 ends one character short of a byte");
    }
}
