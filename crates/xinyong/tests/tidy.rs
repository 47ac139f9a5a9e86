//! Rules of the workspace's shape that a reviewer would otherwise have to
//! remember: only the store crates know SQL drivers, and the domain crate
//! does no I/O.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every `Cargo.toml` of the workspace's members, with its crate directory.
fn manifests() -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for parent in ["crates", "bench"] {
        let Ok(entries) = std::fs::read_dir(workspace().join(parent)) else {
            continue;
        };
        for entry in entries {
            let dir = entry.unwrap().path();
            let manifest = dir.join("Cargo.toml");
            if manifest.exists() {
                found.push((dir, std::fs::read_to_string(manifest).unwrap()));
            }
        }
    }
    assert!(found.len() >= 10, "found the members: {found:?}");
    found
}

fn depends_on(manifest: &str, name: &str) -> bool {
    manifest.lines().any(|line| {
        line.trim_start().starts_with(&format!("{name} ")) || line.trim_start().starts_with(&format!("{name}."))
    })
}

#[test]
fn only_the_store_crates_name_a_sql_driver() {
    for (dir, manifest) in manifests() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        for driver in ["sqlx", "rusqlite"] {
            if depends_on(&manifest, driver) {
                assert!(
                    name == "store-sqlite" || name == "store-postgres",
                    "{name} depends on {driver}: SQL belongs in the store crates"
                );
            }
        }
    }
}

#[test]
fn the_domain_does_no_io() {
    let domain = workspace().join("crates/domain/src");
    let mut stack = vec![domain];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for forbidden in ["std::fs", "std::net", "tokio", "std::process", "std::env"] {
                assert!(!text.contains(forbidden), "{} uses {forbidden}", path.display());
            }
        }
    }
}
