//! Id formats of the real API: outbound message ids (`gBEG...`), inbound ids (`ABGG...`),
//! media ids (UUID v4), conversation ids (32 hex).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

fn random_b64(prefix: &str, bytes: usize) -> String {
    let mut id = String::with_capacity(prefix.len() + bytes.div_ceil(3) * 4);
    id.push_str(prefix);
    push_random_b64(&mut id, bytes);
    id
}

/// Appends `bytes` random bytes to `id`, base64 (URL-safe, unpadded).
fn push_random_b64(id: &mut String, bytes: usize) {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode_string(buf, id);
}

/// An outbound message id, e.g. `gBEGAAgkYiEB1VXAglK1ZEqA1YK` (27 chars, as the real ones).
/// After `gBEG` come 8 letters that encode the creation time in order (so ids sort by time and
/// the message store appends instead of writing all over its tree), then 15 random characters.
pub fn outbound_message_id() -> String {
    outbound_message_id_at(super::time::now_ms())
}

/// An outbound message id for a message created at `ms` (ids sort by creation time).
pub fn outbound_message_id_at(ms: u64) -> String {
    let mut id = outbound_id_floor(ms);
    push_random_b64(&mut id, 11);
    id
}

/// The smallest outbound message id created at or after `ms`: where a scan by time starts.
/// Its capacity leaves room for what a key appends to it.
pub fn outbound_id_floor(ms: u64) -> String {
    let mut id = String::with_capacity(48);
    id.push_str("gBEG");
    id.extend(time_stamp(ms).map(char::from));
    id
}

/// 8 letters that sort like the time `ms` they encode (base 52, most significant first).
fn time_stamp(ms: u64) -> [u8; 8] {
    const LETTERS: &[u8; 52] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut t = ms;
    let mut stamp = [b'A'; 8];
    for c in stamp.iter_mut().rev() {
        *c = LETTERS[(t % 52) as usize];
        t /= 52;
    }
    stamp
}

/// An inbound message id, e.g. `ABGGFlA5FpafAgo6tHcNmNjXmuSf` (28 chars).
pub fn inbound_message_id() -> String {
    random_b64("ABGG", 18)
}

/// A version-4 UUID from the thread's generator (`Uuid::new_v4` asks the kernel each time).
fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

pub fn media_id() -> String {
    uuid_v4().to_string()
}

pub fn conversation_id() -> String {
    uuid_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_real_shapes() {
        let out = outbound_message_id();
        assert!(out.starts_with("gBEG") && out.len() == 27, "{out}");
        let inb = inbound_message_id();
        assert!(inb.starts_with("ABGG") && inb.len() == 28, "{inb}");
        assert_eq!(conversation_id().len(), 32);
        for id in [media_id(), conversation_id()] {
            let u = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(u.get_version_num(), 4, "{id}");
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
        assert_ne!(conversation_id(), conversation_id());
        assert_ne!(outbound_message_id(), outbound_message_id());
        let a = outbound_message_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(a[..12] < outbound_message_id()[..12], "time-ordered prefix");
        let floor = outbound_id_floor(crate::wa::time::now_ms() - 1);
        assert!(floor.as_str() < outbound_message_id().as_str());
        assert!(floor.as_str() > a.as_str());
    }
}
