//! One configuration: every field is a flag and an environment variable, so `--help` is the reference.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "wa-onprem-emulator",
    version,
    about = "Emulates Meta's WhatsApp Business On-Premises API (webapp + coreapp) for integration tests"
)]
pub struct Config {
    /// Directory of the embedded sled database, generated certificates and media.
    #[arg(long, env = "WAEMU_DATA_DIR", default_value = "wa-emulator-data")]
    pub data_dir: PathBuf,

    /// Address of the HTTPS listener (the real webapp is usually published on 9090). Port 0 picks a free port.
    #[arg(long, env = "WAEMU_HTTPS_ADDR", default_value = "127.0.0.1:9090")]
    pub https_addr: SocketAddr,

    /// Optional plain-HTTP listener (for local tools that cannot do TLS).
    #[arg(long, env = "WAEMU_HTTP_ADDR")]
    pub http_addr: Option<SocketAddr>,

    /// PEM certificate chain for the HTTPS listener. Without it a development CA and server
    /// certificate are generated into DATA_DIR/certs on first start.
    #[arg(long, env = "WAEMU_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "WAEMU_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Extra host names / IPs to put in the generated development certificate (comma separated).
    #[arg(
        long,
        env = "WAEMU_TLS_HOSTNAMES",
        value_delimiter = ',',
        default_value = "localhost,127.0.0.1,::1"
    )]
    pub tls_hostnames: Vec<String>,

    /// Username of the built-in admin account (cannot be deleted).
    #[arg(long, env = "WAEMU_ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,

    /// Initial password of the built-in admin account (as the real product: `secret`).
    #[arg(
        long,
        env = "WAEMU_ADMIN_PASSWORD",
        default_value = "secret",
        hide_env_values = true
    )]
    pub admin_password: String,

    /// Enforce the real first-login rule: the admin's first login must carry `new_password` (else 1024).
    #[arg(long, env = "WAEMU_REQUIRE_PASSWORD_CHANGE", default_value_t = false)]
    pub require_password_change: bool,

    /// Lifetime of login tokens, in seconds (the real API: 7 days).
    #[arg(long, env = "WAEMU_TOKEN_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    pub token_ttl_secs: u64,

    /// API key accepted as `Authorization: Apikey <key>` on health and stats routes (12-128 chars).
    #[arg(long, env = "WAEMU_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// PBKDF2-HMAC-SHA256 iterations for stored password hashes.
    #[arg(
        long,
        env = "WAEMU_PASSWORD_HASH_ITERATIONS",
        default_value_t = 100_000
    )]
    pub password_hash_iterations: u32,

    /// Allow `http://` webhook URLs (the real API requires HTTPS). Meant for local tests.
    #[arg(long, env = "WAEMU_ALLOW_HTTP_WEBHOOKS", default_value_t = false)]
    pub allow_http_webhooks: bool,

    /// The business number the emulated coreapp is registered with (read-only `wa_id` setting).
    #[arg(long, env = "WAEMU_WA_ID", default_value = "16315551000")]
    pub wa_id: String,

    /// Start with the business number unregistered (first start of a data dir only): `/v1/health`
    /// answers `unregistered` and sends are refused until `POST /v1/account` + `/v1/account/verify`.
    #[arg(long, env = "WAEMU_UNREGISTERED", default_value_t = false)]
    pub unregistered: bool,

    /// The verified name answered as `vname` when a registration code is requested.
    #[arg(long, env = "WAEMU_VERIFIED_NAME", default_value = "Emulated Business")]
    pub verified_name: String,

    /// Largest accepted JSON request body, in bytes.
    #[arg(long, env = "WAEMU_MAX_JSON_BYTES", default_value_t = 1024 * 1024)]
    pub max_json_bytes: usize,

    /// Largest accepted media upload or certificate body, in bytes.
    #[arg(long, env = "WAEMU_MAX_MEDIA_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_media_bytes: usize,

    /// A request body that sends nothing for this long is refused (408, 1025), in milliseconds.
    #[arg(long, env = "WAEMU_BODY_TIMEOUT_MS", default_value_t = 30_000)]
    pub body_timeout_ms: u64,

    /// Timeout of one webhook request, in milliseconds; a timeout counts as a failed attempt.
    #[arg(long, env = "WAEMU_CALLBACK_TIMEOUT_MS", default_value_t = 20_000)]
    pub callback_timeout_ms: u64,

    /// How long a callback is retried before it is given up (kept, inspectable, redeliverable), in ms.
    #[arg(long, env = "WAEMU_CALLBACK_RETRY_HORIZON_MS", default_value_t = 24 * 3600 * 1000)]
    pub callback_retry_horizon_ms: u64,

    /// Most notifications merged into one webhook POST when several are due together (1 = never merge).
    #[arg(long, env = "WAEMU_CALLBACK_BATCH_MAX", default_value_t = 1)]
    pub callback_batch_max: usize,

    /// Pending callbacks past which the API answers 1016 System overloaded (the real one: about 100K).
    #[arg(long, env = "WAEMU_CALLBACK_QUEUE_LIMIT", default_value_t = 100_000)]
    pub callback_queue_limit: usize,

    /// Delivered and given-up callbacks kept for inspection (oldest are pruned).
    #[arg(long, env = "WAEMU_CALLBACK_HISTORY", default_value_t = 10_000)]
    pub callback_history: usize,

    /// Simulated network: delay from a send to its `sent` status, in ms.
    #[arg(long, env = "WAEMU_STATUS_SENT_MS", default_value_t = 100)]
    pub status_sent_ms: u64,

    /// Simulated network: delay from a send to its `delivered` status, in ms.
    #[arg(long, env = "WAEMU_STATUS_DELIVERED_MS", default_value_t = 500)]
    pub status_delivered_ms: u64,

    /// Simulated network: delay from a send to its `read` status, in ms.
    #[arg(long, env = "WAEMU_STATUS_READ_MS", default_value_t = 2000)]
    pub status_read_ms: u64,

    /// JSON file of recipient rules replacing the built-in reserved numbers (see the README).
    #[arg(long, env = "WAEMU_RECIPIENT_RULES")]
    pub recipient_rules: Option<PathBuf>,

    /// Country code put in front of numbers given without `+` and with 10 digits or fewer.
    #[arg(long, env = "WAEMU_DEFAULT_COUNTRY_CODE", default_value = "1")]
    pub default_country_code: String,

    /// Group commit: least time between the starts of two flushes of the store, in microseconds.
    /// 0: a flush starts as soon as the previous one ends, and carries every writer that came
    /// during it (an idle store flushes at once). A larger value spreads flushes further apart:
    /// fewer disk writes, longer waits.
    #[arg(long, env = "WAEMU_GROUP_COMMIT_US", default_value_t = 0)]
    pub group_commit_us: u64,

    /// Memory given to sled's page cache, in MiB.
    #[arg(long, env = "WAEMU_STORE_CACHE_MB", default_value_t = 32)]
    pub store_cache_mb: u64,

    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "WAEMU_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Cloud API: the app secret webhooks are signed with (X-Hub-Signature-256). Default: the
    /// stored one, generated on first start (GET /v1/emulator/cloud shows it).
    #[arg(long, env = "WAEMU_CLOUD_APP_SECRET", hide_env_values = true)]
    pub cloud_app_secret: Option<String>,

    /// Cloud API: the verify token of the webhook subscription handshake (default: stored/generated).
    #[arg(long, env = "WAEMU_CLOUD_VERIFY_TOKEN", hide_env_values = true)]
    pub cloud_verify_token: Option<String>,

    /// Cloud API: the one access token accepted as `Authorization: Bearer` (default: stored/generated).
    #[arg(long, env = "WAEMU_CLOUD_ACCESS_TOKEN", hide_env_values = true)]
    pub cloud_access_token: Option<String>,

    /// Cloud API: the phone-number id of the first business number (default: stored/generated).
    #[arg(long, env = "WAEMU_CLOUD_PHONE_NUMBER_ID")]
    pub cloud_phone_number_id: Option<String>,

    /// Cloud API: waits after the 1st, 2nd, ... failed webhook attempt, in ms (the last repeats):
    /// decreasing frequency, as Meta retries.
    #[arg(
        long,
        env = "WAEMU_CLOUD_WEBHOOK_RETRY_DELAYS_MS",
        value_delimiter = ',',
        default_value = "5000,30000,120000,600000,1800000,3600000,7200000,14400000"
    )]
    pub cloud_webhook_retry_delays_ms: Vec<u64>,

    /// Cloud API: how long a webhook is retried before it is given up, in ms (Meta's pages say
    /// 7 days and 36 hours; default 7 days).
    #[arg(long, env = "WAEMU_CLOUD_WEBHOOK_RETRY_HORIZON_MS", default_value_t = 7 * 24 * 3600 * 1000)]
    pub cloud_webhook_retry_horizon_ms: u64,

    /// Cloud API: the HTTP status of throttling errors (130429 throughput, 131056 pair rate limit):
    /// 400 as Meta's current error-code table says, or 429 as its older pages did.
    #[arg(long, env = "WAEMU_CLOUD_THROTTLE_HTTP_STATUS", default_value_t = 400, value_parser = throttle_status)]
    pub cloud_throttle_http_status: u16,

    /// Cloud API: how long a new or edited message template stays PENDING before it is
    /// APPROVED (with its `message_template_status_update` webhook), in ms. Meta says up to 24 h.
    #[arg(long, env = "WAEMU_CLOUD_TEMPLATE_REVIEW_MS", default_value_t = 2000)]
    pub cloud_template_review_ms: u64,

    /// Cloud API: templates stay PENDING until the control API decides
    /// (`POST /v1/emulator/cloud/templates/{id}/status`); no automatic approval.
    #[arg(long, env = "WAEMU_CLOUD_TEMPLATE_MANUAL_REVIEW")]
    pub cloud_template_manual_review: bool,

    /// Log format.
    #[arg(long, env = "WAEMU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,

    /// Log filter (tracing EnvFilter syntax), e.g. `info` or `wa_onprem_emulator=debug`.
    #[arg(long, env = "WAEMU_LOG", default_value = "info")]
    pub log: String,
}

/// `--cloud-throttle-http-status`: 400 or 429.
fn throttle_status(s: &str) -> Result<u16, String> {
    match s {
        "400" => Ok(400),
        "429" => Ok(429),
        _ => Err("must be 400 or 429".into()),
    }
}

impl Config {
    /// A configuration for tests and embedding: port 0, the given data dir, fast hashing.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        let mut c = Config::parse_from(["wa-onprem-emulator"]);
        c.data_dir = data_dir.into();
        c.https_addr = "127.0.0.1:0".parse().expect("literal address");
        c.password_hash_iterations = 1_000;
        c.workers = 2;
        c.status_sent_ms = 10;
        c.status_delivered_ms = 20;
        c.status_read_ms = 30;
        c
    }
}
