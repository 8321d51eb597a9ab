//! `Application::build(config)` -> `.port()` -> `.run_until_stopped()` (the zero2prod shape).

use crate::config::Config;
use crate::delivery::{client::WebhookClient, Delivery, DeliveryOptions};
use crate::domain::accounts::Accounts;
use crate::domain::media::Media;
use crate::domain::messaging::{Messaging, Network};
use crate::domain::{Settings, WebhookCa};
use crate::events::Events;
use crate::metrics::Metrics;
use crate::simulator::lifecycle::Timing;
use crate::simulator::rules::{self, Rule};
use crate::state::AppState;
use crate::store::Store;
use crate::{api, tls};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data dir {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("tls: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("accounts: {0}")]
    Accounts(crate::wa::ApiError),
    #[error("webhook client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error("recipient rules: {0}")]
    Rules(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
}

/// The recipient rules to start from: the `--recipient-rules` file, or the reserved numbers.
fn initial_rules(config: &Config) -> Result<Vec<Rule>, StartError> {
    let Some(path) = &config.recipient_rules else {
        return Ok(rules::default_rules());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| StartError::Rules(format!("{}: {e}", path.display())))?;
    let list: Vec<Rule> = serde_json::from_str(&text)
        .map_err(|e| StartError::Rules(format!("{}: {e}", path.display())))?;
    rules::validate(&list).map_err(|e| StartError::Rules(e.to_string()))?;
    Ok(list)
}

pub struct Application {
    server: Server,
    port: u16,
    http_port: Option<u16>,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        if config
            .api_key
            .as_ref()
            .is_some_and(|k| !(12..=128).contains(&k.len()))
        {
            return Err(StartError::Config(
                "--api-key must be 12 to 128 characters".into(),
            ));
        }
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
        let store = Store::open(
            &config.data_dir,
            config.store_cache_mb,
            std::time::Duration::from_micros(config.group_commit_us),
        )?;
        let settings = Arc::new(Settings::open(store.clone(), &config)?);
        let webhook_ca = WebhookCa::open(store.clone())?;
        let accounts = Accounts::open(store.clone(), &config)
            .await
            .map_err(StartError::Accounts)?;
        let client = Arc::new(WebhookClient::new(
            config.callback_timeout_ms,
            config.allow_http_webhooks,
            webhook_ca.subscribe(),
        )?);
        let cloud_client = client.clone();
        let events = Arc::new(Events::default());
        let metrics = Arc::new(Metrics::default());
        let delivery = Delivery::open(
            store.clone(),
            settings.webhook_policy(),
            client,
            DeliveryOptions {
                horizon_ms: config.callback_retry_horizon_ms,
                batch_max: config.callback_batch_max,
                queue_limit: config.callback_queue_limit,
                history: config.callback_history,
            },
            events.clone(),
            metrics.clone(),
        )?;
        let media = Arc::new(
            Media::open(store.clone(), &config.data_dir)
                .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?,
        );
        let timing = Timing {
            sent_ms: config.status_sent_ms,
            delivered_ms: config.status_delivered_ms,
            read_ms: config.status_read_ms,
        };
        let messaging = Messaging::open(
            store.clone(),
            settings.clone(),
            delivery.clone(),
            media,
            events.clone(),
            metrics.clone(),
            Network {
                rules: initial_rules(&config)?,
                rules_from_file: config.recipient_rules.is_some(),
                timing,
                default_cc: config.default_country_code.clone(),
            },
        )?;
        let gateways = crate::domain::gateways::Gateways::open(
            store.clone(),
            delivery.clone(),
            settings.clone(),
            events.clone(),
            timing,
            &config,
        )?;
        let cloud =
            crate::domain::cloud::Cloud::open(store.clone(), &messaging, cloud_client, &config)?;
        let (chain, key, ca) = tls::server_identity(&config)?;
        let external_cert =
            crate::domain::external_cert::ExternalCert::open(store.clone(), chain, key, ca)?;
        let tls_config = tls::live_server_config(external_cert.live())?;
        let registration = crate::domain::registration::Registration::open(store.clone(), &config)
            .map_err(StartError::Accounts)?;
        let profile = crate::domain::profile::Profile::new(store.clone());

        let https = TcpListener::bind(config.https_addr)
            .map_err(|e| StartError::Bind(config.https_addr.to_string(), e))?;
        let port = https
            .local_addr()
            .map_err(|e| StartError::Bind(config.https_addr.to_string(), e))?
            .port();
        let http = match config.http_addr {
            Some(addr) => {
                Some(TcpListener::bind(addr).map_err(|e| StartError::Bind(addr.to_string(), e))?)
            }
            None => None,
        };
        let http_port = http
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port());
        let workers = if config.workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            config.workers
        };

        let state = web::Data::new(AppState {
            config,
            store,
            accounts,
            settings,
            webhook_ca,
            delivery,
            messaging,
            gateways,
            cloud,
            events,
            metrics,
            external_cert,
            registration,
            profile,
        });
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(actix_web::middleware::from_fn(api::observe))
                .configure(api::configure)
                .default_service(web::to(api::not_found))
        })
        .workers(workers)
        .client_request_timeout(Duration::from_secs(10))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(10_000)
        .shutdown_timeout(5)
        .listen_rustls_0_23(https, tls_config)
        .map_err(|e| StartError::Bind("https listener".into(), e))?;
        if let Some(http) = http {
            server = server
                .listen(http)
                .map_err(|e| StartError::Bind("http listener".into(), e))?;
        }
        let server = server.run();
        Ok(Application {
            server,
            port,
            http_port,
            state,
        })
    }

    /// The HTTPS port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn http_port(&self) -> Option<u16> {
        self.http_port
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM or `handle().stop()`, then flushes the store.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.state.messaging.schedule().stop().await;
        self.state.delivery.stop();
        if let Err(e) = self.state.store.close() {
            tracing::error!(error = %e, "final flush failed");
        }
        tracing::info!("stopped");
        result
    }
}
