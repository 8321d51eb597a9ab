//! The house rule, checked on the source: a module imports only its own layer (api and state
//! are one) and the ones below it (api -> domain -> simulator -> delivery -> store -> wire modules). Leaf utilities
//! (config, events, metrics, tls, telemetry) may be imported by any layer and import only wire
//! modules and each other; the composition root (lib, main, startup, cli) may import anything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer of a top-level module; None for the composition root.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "wa" | "graph" | "sms" => 0,
        "config" | "events" | "metrics" | "tls" | "telemetry" => 1,
        "store" => 2,
        "delivery" => 3,
        "simulator" => 4,
        "domain" => 5,
        "api" | "state" => 6,
        _ => return None,
    })
}

/// Leaf utilities sit at layer 1 but every layer may use them.
fn is_leaf(module: &str) -> bool {
    matches!(
        module,
        "config" | "events" | "metrics" | "tls" | "telemetry"
    )
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/delivery/queue.rs` -> `delivery`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// Every top-level module a source text names through `crate::` (including `use crate::{a, b}`).
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue; // `$crate::` in a macro, or part of a longer name
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    found.insert(name);
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn modules_import_only_their_layer_and_the_ones_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(own) = layer(&module) else { continue };
        let text = std::fs::read_to_string(file).expect("read source");
        for imported in imports(&text) {
            let Some(theirs) = layer(&imported) else {
                continue; // the crate root's macros, or not a module
            };
            let allowed = imported == module
                || match (own, is_leaf(&module)) {
                    (0, _) => theirs == 0,                          // wire: only wire
                    (_, true) => theirs == 0 || is_leaf(&imported), // leaf: wire and leaves
                    _ => is_leaf(&imported) || theirs <= own,       // a layer: leaves, own, below
                };
            if !allowed {
                violations.push(format!(
                    "{} ({module}, layer {own}) imports crate::{imported} (layer {theirs})",
                    file.strip_prefix(&src).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "upward imports:\n{}",
        violations.join("\n")
    );
}

#[test]
fn wire_modules_know_no_web_framework_runtime_or_database() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for wire in ["wa", "graph", "sms"] {
        let dir = src.join(wire);
        if !dir.exists() {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read source");
            for framework in ["actix_web::", "tokio::", "sled::", "reqwest::"] {
                assert!(
                    !text.contains(framework),
                    "{} uses {framework}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn the_checker_sees_grouped_and_plain_imports() {
    let text = "use crate::{store::Store, wa};\nuse crate::api::x; // crate::domain\n$crate::sled";
    let got: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(got, ["api", "store", "wa"]);
}
