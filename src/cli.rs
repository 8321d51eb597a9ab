//! The command-line client: drive a running emulator from a shell through its control API.

mod gateways;

use crate::config::Config;
use clap::{Args, Parser, Subcommand};
pub use gateways::GatewayCommand;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wa-onprem-emulator",
    version,
    about = "Emulates Meta's WhatsApp Business On-Premises API (webapp + coreapp) for integration tests.\nWithout a subcommand it serves; the subcommands drive a running emulator."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Play the customer: send an inbound message to the app.
    Inbound {
        #[command(flatten)]
        client: ClientArgs,
        /// The customer's number.
        #[arg(long)]
        from: String,
        /// A text message body (shortcut for --type text).
        #[arg(long, conflicts_with = "payload")]
        text: Option<String>,
        /// The message type (image, location, interactive, ...), with --payload.
        #[arg(long = "type", default_value = "text")]
        kind: String,
        /// The payload of the type as JSON, e.g. '{"latitude":1,"longitude":2}'.
        #[arg(long)]
        payload: Option<String>,
        /// The customer's profile name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Force a status (delivered, read, failed, deleted) on a message the app sent.
    Status {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        id: String,
        #[arg(long)]
        status: String,
        /// The error code of a failed status (default 470).
        #[arg(long)]
        code: Option<u32>,
    },
    /// List what the app sent.
    Messages {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        to: Option<String>,
    },
    /// List callbacks and their attempts.
    Callbacks {
        #[command(flatten)]
        client: ClientArgs,
        /// pending, delivered or given_up.
        #[arg(long)]
        state: Option<String>,
    },
    /// Generate a development CA and server certificates for the emulator and a webhook receiver.
    Certs {
        /// Output directory: the repository's certs/ when run from its root (an existing ca.pem +
        /// ca-key.pem there is reused, and existing pairs are kept).
        #[arg(long, default_value = "certs")]
        out: PathBuf,
        /// Names and IPs of the emulator's certificate.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "localhost,127.0.0.1,::1,emulator"
        )]
        emulator_hostnames: Vec<String>,
        /// Names and IPs of the webhook receiver's certificate.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "localhost,127.0.0.1,::1,receiver"
        )]
        receiver_hostnames: Vec<String>,
    },
    /// SMS gateways: fire an event now, or send an SMS whose status webhooks follow, e.g.
    /// `gateway zender sms --phone +639760713666 --message 'Hello World!'`.
    Gateway {
        #[command(subcommand)]
        gateway: GatewayCommand,
    },
    /// Wipe messages, media and callbacks (and, with flags, settings and users).
    Reset {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        settings: bool,
        #[arg(long)]
        users: bool,
    },
}

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Base URL of the running emulator.
    #[arg(long, env = "WAEMU_URL", default_value = "https://localhost:9090")]
    pub url: String,
    /// Admin username.
    #[arg(long, env = "WAEMU_USERNAME", default_value = "admin")]
    pub username: String,
    /// Admin password.
    #[arg(
        long,
        env = "WAEMU_PASSWORD",
        default_value = "secret",
        hide_env_values = true
    )]
    pub password: String,
    /// CA to trust for the emulator's certificate (default: DATA_DIR/certs/ca.pem).
    #[arg(long, env = "WAEMU_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn connect(args: &ClientArgs, data_dir: &std::path::Path) -> Res<Client> {
        let ca_path = args
            .ca_file
            .clone()
            .unwrap_or_else(|| data_dir.join("certs/ca.pem"));
        let mut b = reqwest::Client::builder().use_rustls_tls();
        if let Ok(pem) = std::fs::read(&ca_path) {
            b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        let http = b.build()?;
        let base = args.url.trim_end_matches('/').to_string();
        let res = http
            .post(format!("{base}/v1/users/login"))
            .basic_auth(&args.username, Some(&args.password))
            .send()
            .await?;
        let body: Value = res.json().await?;
        let token = body["users"][0]["token"]
            .as_str()
            .ok_or_else(|| format!("login failed: {body}"))?
            .to_string();
        Ok(Client { http, base, token })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let ok = res.status().is_success();
        let body: Value = res.json().await?;
        if !ok {
            return Err(format!("{}", body["errors"]).into());
        }
        Ok(body)
    }
}

/// Runs one client command and prints the answer as JSON.
pub async fn run(command: Command, config: &Config) -> Res<()> {
    use reqwest::Method as M;
    let (client, method, path, body) = match &command {
        Command::Certs {
            out,
            emulator_hostnames,
            receiver_hostnames,
        } => {
            for path in crate::tls::write_dev_certs(out, emulator_hostnames, receiver_hostnames)? {
                println!("wrote {}", path.display());
            }
            return Ok(());
        }
        Command::Inbound {
            client,
            from,
            text,
            kind,
            payload,
            name,
        } => {
            let mut body = json!({ "from": from, "type": if text.is_some() { "text" } else { kind.as_str() } });
            match (text, payload) {
                (Some(t), _) => body["text"] = json!({ "body": t }),
                (None, Some(p)) => body[kind.as_str()] = serde_json::from_str(p)?,
                (None, None) => {}
            }
            if let Some(n) = name {
                body["profile_name"] = json!(n);
            }
            (
                client,
                M::POST,
                "/v1/emulator/inbound".to_string(),
                Some(body),
            )
        }
        Command::Status {
            client,
            id,
            status,
            code,
        } => {
            let mut body = json!({ "status": status });
            if let Some(c) = code {
                body["code"] = json!(c);
            }
            (
                client,
                M::POST,
                format!("/v1/emulator/messages/{id}/status"),
                Some(body),
            )
        }
        Command::Messages { client, to } => {
            let q = to.as_ref().map(|t| format!("?to={t}")).unwrap_or_default();
            (client, M::GET, format!("/v1/emulator/messages{q}"), None)
        }
        Command::Callbacks { client, state } => {
            let q = state
                .as_ref()
                .map(|s| format!("?state={s}"))
                .unwrap_or_default();
            (client, M::GET, format!("/v1/emulator/callbacks{q}"), None)
        }
        Command::Gateway { gateway } => {
            let (client, path, body) = gateways::request(gateway)?;
            (client, M::POST, path, Some(body))
        }
        Command::Reset {
            client,
            settings,
            users,
        } => (
            client,
            M::POST,
            "/v1/emulator/reset".to_string(),
            Some(json!({ "settings": settings, "users": users })),
        ),
    };
    let c = Client::connect(client, &config.data_dir).await?;
    let answer = c.call(method, &path, body).await?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
