//! `wamid.` message ids: base64 of `\x1c\x18<len><phone>\x15\x02\x00<dir>\x18<len><hex>\x00`, the
//! shape Meta's examples decode to (0x11 business-sent with 18 hex digits, 0x12 user-sent with 20).
//! Clients treat them as opaque.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

fn wamid(phone: &str, direction: u8, hex_len: usize) -> String {
    let mut random = vec![0u8; hex_len / 2];
    rand::thread_rng().fill_bytes(&mut random);
    wamid_with(phone, direction, hex::encode_upper(random).as_bytes())
}

/// Longest phone number a wamid carries (its length is one byte of the layout).
const PHONE_MAX: usize = 64;

fn wamid_with(phone: &str, direction: u8, hex: &[u8]) -> String {
    let phone = &phone.as_bytes()[..phone.len().min(PHONE_MAX)];
    let mut raw = Vec::with_capacity(phone.len() + hex.len() + 10);
    raw.extend_from_slice(&[0x1c, 0x18, phone.len() as u8]);
    raw.extend_from_slice(phone);
    raw.extend_from_slice(&[0x15, 0x02, 0x00, direction, 0x18, hex.len() as u8]);
    raw.extend_from_slice(hex);
    raw.push(0x00);
    let mut id = String::with_capacity(6 + raw.len().div_ceil(3) * 4);
    id.push_str("wamid.");
    STANDARD.encode_string(raw, &mut id);
    id
}

/// Hex digits of a business-sent wamid that hold its creation time (ms, 44 bits: until 2527).
const TIME_HEX: usize = 11;
/// Hex digits of a business-sent wamid.
const OUTBOUND_HEX: usize = 18;

/// `value`'s lowest `out.len()` hex digits, upper case, most significant first.
fn put_hex(out: &mut [u8], mut value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for c in out.iter_mut().rev() {
        *c = DIGITS[(value & 0xF) as usize];
        value >>= 4;
    }
}

/// The id of a message the business sends to `wa_id` at `created_ms`. Its 18 hex digits are
/// the time (11) then 7 random ones: still opaque to clients, but `outbound_parts` reads the
/// time back, so the store keeps Cloud messages in time order as it keeps On-Prem ones.
pub fn outbound(wa_id: &str, created_ms: u64) -> String {
    let mut hex = [0u8; OUTBOUND_HEX];
    let (time, random) = hex.split_at_mut(TIME_HEX);
    put_hex(time, created_ms);
    put_hex(random, u64::from(rand::random::<u32>()));
    wamid_with(wa_id, 0x11, &hex)
}

/// What `outbound` wrote into a business-sent wamid: the time, and the rest that makes the id
/// unique (its random hex digits, then the number); None for any other id. A wamid from an
/// earlier version (18 random hex digits) reads as some time, so check it against the
/// message's own creation time.
pub fn outbound_parts(id: &str) -> Option<(u64, String)> {
    // The layout at its longest, and 3 bytes more: `decode_slice` wants room for its estimate
    // (3 bytes per 4 characters), which a padded input overshoots.
    let mut raw = [0u8; 3 + PHONE_MAX + 6 + OUTBOUND_HEX + 1 + 3];
    let len = STANDARD
        .decode_slice(id.strip_prefix("wamid.")?, &mut raw)
        .ok()?;
    let (&[0x1c, 0x18, len], rest) = raw[..len].split_first_chunk::<3>()? else {
        return None;
    };
    let (phone, rest) = rest.split_at_checked(usize::from(len))?;
    let (&[0x15, 0x02, 0x00, 0x11, 0x18, 18], hex) = rest.split_first_chunk::<6>()? else {
        return None;
    };
    let hex = std::str::from_utf8(hex.get(..OUTBOUND_HEX)?).ok()?;
    let time = u64::from_str_radix(&hex[..TIME_HEX], 16).ok()?;
    let phone = std::str::from_utf8(phone).ok()?;
    let mut unique = String::with_capacity(OUTBOUND_HEX - TIME_HEX + phone.len());
    unique.push_str(&hex[TIME_HEX..]);
    unique.push_str(phone);
    Some((time, unique))
}

/// The id of a message a user (`wa_id`) sends to the business.
pub fn inbound(wa_id: &str) -> String {
    wamid(wa_id, 0x12, 20)
}

/// A Graph media id: 15 to 16 digits, as Meta's.
pub fn media_id() -> String {
    let n = rand::random::<u64>() % 9_000_000_000_000_000 + 1_000_000_000_000_000;
    n.to_string()
}

/// An `fbtrace_id` for error answers.
pub fn fbtrace_id() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wamids_decode_to_the_documented_layout() {
        let id = outbound("16505551234", 1_796_233_850_123);
        let raw = STANDARD.decode(id.strip_prefix("wamid.").unwrap()).unwrap();
        assert_eq!(&raw[..3], &[0x1c, 0x18, 11]);
        assert_eq!(&raw[3..14], b"16505551234");
        assert_eq!(raw[17], 0x11);
        assert_eq!(raw[19], 18);
        let inb = STANDARD.decode(&inbound("1")[6..]).unwrap();
        assert_eq!((inb[7], inb[9]), (0x12, 20));
        assert_ne!(outbound("1", 5), outbound("1", 5));
        assert_eq!(outbound_parts(&outbound("1", 0)).map(|p| p.0), Some(0));
        let (t, rest) = outbound_parts(&id).unwrap();
        assert_eq!(t, 1_796_233_850_123);
        assert!(rest.len() == 18 && rest.ends_with("16505551234"), "{rest}");
        assert_eq!(outbound_parts(&inbound("16505551234")), None, "user-sent");
        for other in [
            "wamid.",
            "wamid.%%",
            "gBEGAAgkYiEB1VXAglK1ZEqA1YK",
            "wamid.HBgL",
        ] {
            assert_eq!(outbound_parts(other), None, "{other}");
        }
        assert!(media_id().len() >= 16);
    }
}
