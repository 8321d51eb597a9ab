//! A real headless Chromium driven through WebDriver (Debian's `chromium` and `chromium-driver`),
//! for the inspector page's tests. Without them a test is skipped locally but fails in CI
//! (`CI=true`), so CI cannot pass by not running the browser.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a test waits for something to show in the page.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// One browser at a time: two cores do not run several Chromiums well.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// Whether the browser tests can run here; in CI their absence is a failure.
pub fn available() -> bool {
    let present =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver)");
    }
    present
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium (its own profile) at 1280x900.
    pub async fn start(base: &str) -> Browser {
        let turn = ONE_AT_A_TIME.lock().await;
        let port = free_port();
        // Its own process group: ending it ends the Chromium it started too.
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--ignore-certificate-errors",
                    "--window-size=1280,860",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }))
        .expect("capabilities");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session at {url}: {e}"),
            }
        };
        Browser {
            client,
            base: base.to_string(),
            driver,
            _profile: profile,
            _turn: turn,
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("page loads");
    }

    /// Waits for an element matching the CSS selector (panics after `PATIENCE`).
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                self.fail(&format!("no element {css} within {PATIENCE:?}: {e}"))
                    .await
            }
        }
    }

    /// Panics with `why`, leaving a screenshot of the page next to the test binary.
    async fn fail(&self, why: &str) -> ! {
        let shot = std::env::temp_dir().join("inspector-failure.png");
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(&shot, png);
        }
        let notice = self
            .client
            .execute(
                "return [document.getElementById('notice').textContent, \
                 document.getElementById('live').textContent, \
                 document.querySelectorAll('li.msg').length + ' messages shown'].join(' | ');",
                vec![],
            )
            .await
            .unwrap_or_default();
        panic!(
            "{why} (page notice: {notice}; screenshot {})",
            shot.display()
        );
    }

    /// Waits until the element matching `css` is displayed.
    pub async fn wait_visible(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let e = self.wait(css).await;
            if e.is_displayed().await.unwrap_or(false) {
                return e;
            }
            if Instant::now() > deadline {
                self.fail(&format!("{css} never became visible")).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("find")
            .is_empty()
        {
            assert!(Instant::now() < deadline, "{css} is still there");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the element matching `css` once it is visible. The live page re-renders parts of
    /// itself as events arrive, so a click can land on an element just replaced (stale) or
    /// covered for a moment: such a click is tried again on the element found anew, until
    /// `PATIENCE` has passed.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let e = self.wait_visible(css).await;
            match e.click().await {
                Ok(_) => return,
                Err(err) if Instant::now() < deadline => {
                    eprintln!("click {css} tried again: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => self.fail(&format!("click {css}: {err}")).await,
            }
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.wait_visible(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    /// Runs a script in the page; answers its return value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Signs in through the page's form and waits for the live event stream.
    pub async fn sign_in(&self, user: &str, password: &str) {
        self.open("/").await;
        self.type_into("#username", user).await;
        self.type_into("#password", password).await;
        self.click("#signin-submit").await;
        self.wait("#live[data-state='live']").await;
    }

    /// Saves a PNG of the window to `docs/<name>` when `UPDATE_SCREENSHOTS=1`.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var("UPDATE_SCREENSHOTS").is_ok() {
            let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
            self.screenshot_to(&docs.join(name)).await;
        }
    }

    pub async fn screenshot_to(&self, path: &std::path::Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Ends the WebDriver session (Chromium quits); dropping the browser ends chromedriver.
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}
