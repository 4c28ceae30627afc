//! Replays every checked-in corpus file (fuzz/corpus/<target>/) and crash reproducer
//! (fuzz/regressions/<target>/) through its target's oracle: `cargo test` on stable, no libFuzzer.

use std::fs;
use std::path::{Path, PathBuf};

/// A target's name and its oracle.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 7] = [
    ("json_parse", rust_core_fuzz::json_parse),
    ("json_to_item", rust_core_fuzz::json_to_item),
    ("json_to_wire", rust_core_fuzz::json_to_wire),
    ("wire_to_json", rust_core_fuzz::wire_to_json),
    ("codec_decode", rust_core_fuzz::codec_decode),
    ("decode_many", check_decode_many_both_ways),
    ("dynamodb_answers", rust_core_fuzz::dynamodb_answers),
];

/// The replay also checks that a parallel batch answers as a sequential one.
fn check_decode_many_both_ways(data: &[u8]) {
    rust_core_fuzz::check_decode_many(data, true);
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    found.sort();
    found
}

/// Runs every file of `kind/target` through the oracle; returns how many there were and the
/// failures, each with its file and message.
fn replay(kind: &str, target: &str, oracle: fn(&[u8])) -> (usize, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind).join(target);
    let found = files(&dir);
    let mut failures = Vec::new();
    for file in &found {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = std::panic::catch_unwind(|| oracle(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            failures.push(format!("{target} fails on {}: {message}", file.display()));
        }
    }
    (found.len(), failures)
}

#[test]
fn every_corpus_file_passes_its_oracle() {
    let mut failures = Vec::new();
    for (target, oracle) in TARGETS {
        let (count, failed) = replay("corpus", target, oracle);
        assert!(count > 0, "no seed corpus for {target}");
        failures.extend(failed);
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_regression_passes_its_oracle() {
    let failures: Vec<String> =
        TARGETS.iter().flat_map(|&(target, oracle)| replay("regressions", target, oracle).1).collect();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_target_has_a_binary_and_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (target, _) in TARGETS {
        assert!(root.join("fuzz_targets").join(format!("{target}.rs")).is_file(), "{target}");
        assert!(root.join("corpus").join(target).is_dir(), "{target}");
    }
}

/// `FUZZ_REPLAY=<target>:<dir>` replays any directory through a target's oracle (a scratch corpus
/// grown by `make fuzz`, say); without it, nothing runs.
#[test]
fn a_directory_given_in_fuzz_replay() {
    let Ok(spec) = std::env::var("FUZZ_REPLAY") else { return };
    let Some((target, dir)) = spec.split_once(':') else { panic!("FUZZ_REPLAY is <target>:<dir>") };
    let Some(&(_, oracle)) = TARGETS.iter().find(|(name, _)| *name == target) else { panic!("no target {target}") };
    let mut failures = Vec::new();
    let found = files(Path::new(dir));
    for file in &found {
        let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if std::panic::catch_unwind(|| oracle(&data)).is_err() {
            failures.push(file.display().to_string());
        }
    }
    eprintln!("{target}: {} files replayed", found.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
