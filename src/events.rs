//! The live event stream: what the emulator receives and delivers, for `/v1/emulator/events`.

use serde_json::{json, Value};
use tokio::sync::broadcast;

pub struct Events {
    tx: broadcast::Sender<String>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Events {
    /// Publishes an event; costs nothing when nobody listens.
    pub fn publish(&self, kind: &str, data: impl FnOnce() -> Value) {
        if self.tx.receiver_count() > 0 {
            let _ = self
                .tx
                .send(json!({ "event": kind, "data": data() }).to_string());
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.tx.subscribe()
    }
}
