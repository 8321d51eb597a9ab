//! Id formats of the real API: outbound message ids (`gBEG...`), inbound ids (`ABGG...`),
//! media ids (UUID v4), conversation ids (32 hex).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

fn random_b64(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

/// An outbound message id, e.g. `gBEGkYiEB1VXAglK1ZEqA1YKPrU` (27 chars).
pub fn outbound_message_id() -> String {
    random_b64("gBEG", 17)
}

/// An inbound message id, e.g. `ABGGFlA5FpafAgo6tHcNmNjXmuSf` (28 chars).
pub fn inbound_message_id() -> String {
    random_b64("ABGG", 18)
}

pub fn media_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn conversation_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
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
        assert_ne!(outbound_message_id(), outbound_message_id());
    }
}
