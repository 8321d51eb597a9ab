//! Where gateway state is kept: configurations (one record per gateway) and outbound messages with
//! statuses still to come (by id), as typed records written through the store's one commit.

use super::config::{Gateway, GatewayConfig};
use super::outbound::OutboundMessage;
use crate::store::{encode_u64, Batch, Store, StoreError};

crate::json_record!(GatewayConfig, "gateways", |r| r.gateway().name());
crate::json_record!(OutboundMessage, "gateway_messages", |r| encode_u64(r.id));

#[derive(Clone)]
pub struct Records {
    store: Store,
}

impl Records {
    pub fn new(store: Store) -> Records {
        Records { store }
    }

    /// The store, for the gateways' own APIs (Zender's `zender_api/records.rs`; SMSGateway24's and
    /// RaspiSMS's records commit with the outbound messages).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A fresh id (ids, rids, sms ids): unique across restarts, never 0.
    pub fn next_id(&self) -> Result<u64, StoreError> {
        Ok(self.store.generate_id()? + 1)
    }

    pub fn config(&self, g: Gateway) -> Result<Option<GatewayConfig>, StoreError> {
        self.store.get::<GatewayConfig>(g.name())
    }

    pub async fn put_config(&self, c: &GatewayConfig) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.put(c)?;
        self.store.commit(b).await
    }

    /// Removes a configuration; answers whether there was one.
    pub async fn delete_config(&self, g: Gateway) -> Result<bool, StoreError> {
        if !self.store.contains::<GatewayConfig>(g.name())? {
            return Ok(false);
        }
        let mut b = Batch::default();
        b.remove::<GatewayConfig>(g.name());
        self.store.commit(b).await?;
        Ok(true)
    }

    pub fn message(&self, id: u64) -> Result<Option<OutboundMessage>, StoreError> {
        self.store.get::<OutboundMessage>(encode_u64(id))
    }

    pub fn messages(&self) -> Result<Vec<OutboundMessage>, StoreError> {
        self.store.all::<OutboundMessage>()
    }

    pub async fn put_message(&self, m: &OutboundMessage) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.put(m)?;
        self.store.commit(b).await
    }

    /// Forgets a message whose statuses have all been sent.
    pub async fn remove_message(&self, id: u64) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.remove::<OutboundMessage>(encode_u64(id));
        self.store.commit(b).await
    }

    /// Forgets every configuration and message (the control API's reset).
    pub async fn clear(&self) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.clear::<GatewayConfig>().clear::<OutboundMessage>();
        super::smsgateway24_api::clear(&mut b);
        super::raspisms_api::clear(&mut b);
        self.store.commit(b).await
    }
}
