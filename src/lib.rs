//! wa-onprem-emulator: an emulator of Meta's WhatsApp Business On-Premises API.
//!
//! Start it in-process with [`Application::build`]:
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = wa_onprem_emulator::Config::for_tests("/tmp/wa-data");
//! let app = wa_onprem_emulator::Application::build(config).await?;
//! let port = app.port();
//! tokio::spawn(app.run_until_stopped());
//! # Ok(()) }
//! ```

pub mod api;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod events;
pub mod graph;
pub mod metrics;
pub mod simulator;
pub mod sms;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod wa;

pub use config::Config;
pub use startup::Application;
