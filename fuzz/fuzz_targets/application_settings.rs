//! `PATCH /v1/settings/application` bodies: parsing and validation must never panic, and an
//! accepted patch must round-trip through its stored JSON form.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wa_onprem_emulator::domain::settings::ApplicationSettings;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = wa_onprem_emulator::api::parse_json::<serde_json::Value>(data) {
        let base = ApplicationSettings::defaults("16315551000");
        if let Ok(next) = base.patched(&v, data.first().is_some_and(|b| b & 1 == 1)) {
            let stored = serde_json::to_vec(&next).expect("settings serialize");
            let back: ApplicationSettings = serde_json::from_slice(&stored).expect("settings round-trip");
            assert_eq!(back, next);
        }
    }
});
