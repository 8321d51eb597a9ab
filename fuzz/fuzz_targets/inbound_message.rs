//! Control-API inbound payloads: the per-type checks must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = wa_onprem_emulator::api::parse_json::<serde_json::Value>(data) {
        for kind in wa_onprem_emulator::wa::inbound::INBOUND_TYPES {
            let _ = wa_onprem_emulator::wa::inbound::check_payload(kind, v.get(kind));
        }
    }
});
