//! `wamid.` message ids: base64 of `\x1c\x18<len><phone>\x15\x02\x00<dir>\x18<len><hex>\x00`, the
//! shape Meta's examples decode to (0x11 business-sent with 18 hex digits, 0x12 user-sent with 20).
//! Clients treat them as opaque.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

fn wamid(phone: &str, direction: u8, hex_len: usize) -> String {
    let mut random = vec![0u8; hex_len / 2];
    rand::thread_rng().fill_bytes(&mut random);
    let hex = hex::encode_upper(random);
    let phone = &phone[..phone.len().min(64)];
    let mut raw = vec![0x1c, 0x18, phone.len() as u8];
    raw.extend_from_slice(phone.as_bytes());
    raw.extend_from_slice(&[0x15, 0x02, 0x00, direction, 0x18, hex.len() as u8]);
    raw.extend_from_slice(hex.as_bytes());
    raw.push(0x00);
    format!("wamid.{}", STANDARD.encode(raw))
}

/// The id of a message the business sends to `wa_id`.
pub fn outbound(wa_id: &str) -> String {
    wamid(wa_id, 0x11, 18)
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
        let id = outbound("16505551234");
        let raw = STANDARD.decode(id.strip_prefix("wamid.").unwrap()).unwrap();
        assert_eq!(&raw[..3], &[0x1c, 0x18, 11]);
        assert_eq!(&raw[3..14], b"16505551234");
        assert_eq!(raw[17], 0x11);
        assert_eq!(raw[19], 18);
        let inb = STANDARD.decode(&inbound("1")[6..]).unwrap();
        assert_eq!((inb[7], inb[9]), (0x12, 20));
        assert_ne!(outbound("1"), outbound("1"));
        assert!(media_id().len() >= 16);
    }
}
