//! What every handler can reach: the configuration and the domain services.

use crate::config::Config;
use crate::delivery::Delivery;
use crate::domain::accounts::Accounts;
use crate::domain::messaging::Messaging;
use crate::domain::{Settings, WebhookCa};
use crate::events::Events;
use crate::store::Store;
use std::sync::Arc;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub accounts: Accounts,
    pub settings: Arc<Settings>,
    pub webhook_ca: WebhookCa,
    pub delivery: Arc<Delivery>,
    pub messaging: Messaging,
    pub gateways: Arc<crate::domain::gateways::Gateways>,
    /// The Cloud API personality.
    pub cloud: crate::domain::cloud::Cloud,
    pub events: Arc<Events>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The HTTPS listener's certificate (swappable) and the CA offered at `/v1/certificates/external/ca`.
    pub external_cert: crate::domain::external_cert::ExternalCert,
    /// Registration of the business number and two-step verification.
    pub registration: crate::domain::registration::Registration,
    /// About, photo and business profile.
    pub profile: crate::domain::profile::Profile,
}
