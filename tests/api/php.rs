//! A PHP webhook receiver (`php -S` with tests/api/php/router.php): what the gateways' users
//! run, to check the emulator's bytes with PHP's own parsers and encoders.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PhpReceiver {
    pub base: String,
    dir: tempfile::TempDir,
    child: Child,
}

impl PhpReceiver {
    /// Starts `php -S` on a free port (php-cli must be installed: `.ci/run` installs it).
    pub async fn start() -> PhpReceiver {
        Self::start_on(free_port()).await
    }

    /// Starts `php -S` on `port`.
    pub async fn start_on(port: u16) -> PhpReceiver {
        let dir = tempfile::tempdir().expect("temp dir");
        let router = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/php/router.php");
        let child = Command::new("php")
            .args([
                "-S",
                &format!("127.0.0.1:{port}"),
                router.to_str().expect("utf-8"),
            ])
            .env("RECEIVER_DIR", dir.path())
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("php-cli is needed for the gateway interop tests: apt-get install php-cli");
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "php -S did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        PhpReceiver {
            base: format!("http://127.0.0.1:{port}"),
            dir,
            child,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Tells the receiver the secrets it checks (`zender_secret`, `raspisms_key`).
    pub fn expect(&self, expected: Value) {
        std::fs::write(self.dir.path().join("expected.json"), expected.to_string()).expect("write");
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("received.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits until at least `n` requests arrived (10 s at most), answers them.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A local port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Drop for PhpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
