//! Where gateway state is kept: configurations (by gateway name) and outbound messages with their
//! status plans (by id). The one place that touches the store for gateways; it moves to the
//! store's typed records and single commit once they are on main.

use super::config::{Gateway, GatewayConfig};
use super::outbound::OutboundMessage;
use crate::store::{self, Store, StoreError};

const CONFIGS: &str = "gateways";
const MESSAGES: &str = "gateway_messages";

#[derive(Clone)]
pub struct Records {
    store: Store,
}

impl Records {
    pub fn new(store: Store) -> Records {
        Records { store }
    }

    fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.store.db.open_tree(name)?)
    }

    /// A fresh id (ids, rids, sms ids): unique across restarts, never 0.
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.store.db.generate_id()? + 1)
    }

    pub fn config(&self, g: Gateway) -> Result<Option<GatewayConfig>, StoreError> {
        store::get_json(&self.tree(CONFIGS)?, g.name())
    }

    pub async fn put_config(&self, c: &GatewayConfig) -> Result<(), StoreError> {
        self.store.writable()?;
        let t = self.tree(CONFIGS)?;
        let before = t.get(c.gateway().name())?;
        store::put_json(&t, c.gateway().name(), c)?;
        self.durable_or(|| restore(&t, c.gateway().name(), before))
            .await
    }

    /// Removes a configuration; answers whether there was one.
    pub async fn delete_config(&self, g: Gateway) -> Result<bool, StoreError> {
        self.store.writable()?;
        let t = self.tree(CONFIGS)?;
        let before = t.remove(g.name())?;
        let existed = before.is_some();
        self.durable_or(|| restore(&t, g.name(), before)).await?;
        Ok(existed)
    }

    pub fn message(&self, id: u64) -> Result<Option<OutboundMessage>, StoreError> {
        store::get_json(&self.tree(MESSAGES)?, store::encode_u64(id))
    }

    pub fn messages(&self) -> Result<Vec<OutboundMessage>, StoreError> {
        store::all_json(&self.tree(MESSAGES)?)
    }

    pub async fn put_message(&self, m: &OutboundMessage) -> Result<(), StoreError> {
        self.store.writable()?;
        let t = self.tree(MESSAGES)?;
        let key = store::encode_u64(m.id);
        let before = t.get(key)?;
        store::put_json(&t, key, m)?;
        self.durable_or(|| restore(&t, key, before)).await
    }

    /// Forgets every configuration and message (the control API's reset).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.store.writable()?;
        self.tree(CONFIGS)?.clear()?;
        self.tree(MESSAGES)?.clear()?;
        Ok(())
    }

    async fn durable_or(
        &self,
        undo: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if let Err(e) = self.store.durable().await {
            let _ = undo();
            return Err(e);
        }
        Ok(())
    }
}

fn restore(
    t: &sled::Tree,
    key: impl AsRef<[u8]>,
    before: Option<sled::IVec>,
) -> Result<(), StoreError> {
    match before {
        Some(v) => t.insert(key.as_ref(), v)?,
        None => t.remove(key.as_ref())?,
    };
    Ok(())
}
