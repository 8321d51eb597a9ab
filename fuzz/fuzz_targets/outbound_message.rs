//! `POST /v1/messages` bodies: JSON parsing plus the On-Prem validation must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = wa_onprem_emulator::api::parse_json::<serde_json::Value>(data) {
        let _ = wa_onprem_emulator::wa::outbound::validate(&v, "1", &|id| {
            (id.len() == 36).then(|| "image/jpeg".to_string())
        });
    }
});
