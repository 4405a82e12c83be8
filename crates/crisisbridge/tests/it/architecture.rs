//! ARCHITECTURE.md stays a true map: every crate, every top-level module of a crate and every
//! console script is named on it, so a new one cannot arrive unmentioned.

use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_crate_module_and_console_script_is_on_the_map() {
    let root = repository();
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for krate in names(&root.join("crates")) {
        if !map.contains(&format!("crates/{krate}")) {
            missing.push(format!("the crate crates/{krate}"));
        }
        let src = root.join("crates").join(&krate).join("src");
        if !src.is_dir() {
            continue;
        }
        for entry in names(&src) {
            if entry == "lib.rs" || entry == "main.rs" {
                continue;
            }
            let module = entry.strip_suffix(".rs").unwrap_or(&entry);
            let named = map.contains(&format!("{module}.rs"))
                || map.contains(&format!("{module}/"))
                || map.contains(&format!("`{module}`"));
            if !named {
                missing.push(format!("crates/{krate}/src/{entry}"));
            }
        }
    }
    for script in names(&root.join("web/js")) {
        if !map.contains(&script) {
            missing.push(format!("web/js/{script}"));
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not mention (say what each holds where its crate is described):\n{}",
        missing.join("\n")
    );
}
