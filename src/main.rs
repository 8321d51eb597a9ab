use clap::Parser;
use wa_onprem_emulator::cli::{self, Cli};
use wa_onprem_emulator::{telemetry, Application};

/// mimalloc: sled's copy-on-write nodes allocate heavily; this cut CPU per send measurably.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    /// mimalloc's option setter (linked from libmimalloc-sys).
    fn mi_option_set(option: i32, value: std::ffi::c_long);
}

/// `mi_option_arena_eager_commit` in mimalloc 2: committing arenas eagerly cost ~45 MB of idle RSS.
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;

/// Runs before `main` (and before the runtime's first allocation reserves an arena).
extern "C" fn lazy_arena_commit() {
    // SAFETY: sets a plain integer option of the allocator; no other state is touched.
    unsafe { mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

#[used]
#[cfg_attr(
    any(target_os = "linux", target_os = "android", target_os = "freebsd"),
    link_section = ".init_array"
)]
#[cfg_attr(target_os = "macos", link_section = "__DATA,__mod_init_func")]
static LAZY_ARENA_COMMIT: extern "C" fn() = lazy_arena_commit;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Cli { config, command } = Cli::parse();
    if let Some(command) = command {
        return match cli::run(command, &config).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    telemetry::init(config.log_format, &config.log);
    #[cfg(feature = "failpoints")]
    let _failpoints = arm_failpoints();
    let https_addr = config.https_addr;
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "could not start");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(https = %format!("https://{}:{}", https_addr.ip(), app.port()), http_port = ?app.http_port(), "wa-onprem-emulator listening");
    #[cfg(unix)]
    tokio::spawn(storage_watchdog(app.state()));
    match app.run_until_stopped().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
/// sled's I/O errors (a full disk, EIO) are sticky: the store stays failed even once the disk has
/// room again. When that happens, probe the data dir every second and, once a write with fsync
/// succeeds, restart this process in place (exec, same arguments) so the store is reopened; what
/// was acknowledged is on disk and recovered exactly as after a crash.
async fn storage_watchdog(state: actix_web::web::Data<wa_onprem_emulator::state::AppState>) {
    let dir = state.config.data_dir.clone();
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if !state.store.io_failed() {
            // sled may have failed in a write of its own (its background flush): find out.
            let _ = state.store.probe();
            continue;
        }
        if !writable(&dir) {
            continue;
        }
        tracing::warn!("the data dir is writable again: restarting to reopen the store");
        use std::os::unix::process::CommandExt;
        let Ok(exe) = std::env::current_exe() else {
            continue;
        };
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .exec();
        tracing::error!(error = %err, "could not restart; the store stays failed until a restart");
        return;
    }
}

#[cfg(unix)]
/// Whether 256 KiB can be written and synced in `dir` (then removed).
fn writable(dir: &std::path::Path) -> bool {
    use std::io::Write;
    let probe = dir.join(".write-probe");
    let ok = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 256 * 1024])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    ok.is_ok()
}

/// Arms the fail points named in FAILPOINTS (`name=action;...`, see the `fail` crate); a fail
/// point that panics aborts the process at once, as a crash would.
#[cfg(feature = "failpoints")]
fn arm_failpoints() -> Option<fail::FailScenario<'static>> {
    std::env::var_os("FAILPOINTS")?;
    std::panic::set_hook(Box::new(|info| {
        eprintln!("fail point: {info}; aborting");
        std::process::abort();
    }));
    Some(fail::FailScenario::setup())
}
