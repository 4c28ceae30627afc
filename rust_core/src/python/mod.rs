//! The Python face of the core: the only folder that knows PyO3, one file per concern.
//!
//! - `errors`: the exception classes, each fetched once, and the core's errors turned into them
//! - `decode`: JSON to items as Python dicts (`json_to_item`), and the item builder the codec shares
//! - `encode`: items as Python dicts to JSON (`item_to_json`)
//! - `attribute`: reading items and AttributeValues held as Python objects (encode, item_size)
//! - `item_size`: an item's size as DynamoDB counts it
//! - `record_codec`: the `RecordCodec` class
//! - `drop_ins`: boto3's `TypeSerializer` / `TypeDeserializer` replacements
//! - `wire`: DynamoDB's wire form (DynamoDB JSON, bytes to bytes) and SigV4 signing
//! - `dynamodb`: DynamoDB's requests and answers as bytes (`Table`, `read_error`)
//! - `test_hooks` (cargo feature `test-hooks`, never in release wheels): a panic on demand
//!
//! Every function runs inside `guarded`, so a Rust panic becomes `rust_core.InternalError` (an
//! `Exception`) instead of PyO3's `PanicException` (a `BaseException` that escapes `except
//! Exception` and Powertools' handlers).

mod attribute;
mod decode;
mod drop_ins;
mod dynamodb;
mod encode;
mod errors;
mod item_size;
mod record_codec;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod wire;

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;

use errors::ErrorClass;

/// Bodies at least this large are parsed with the GIL released; below it, releasing costs more
/// than it frees.
const DETACH_THRESHOLD: usize = 64 * 1024;
/// Batches at least this large are finished on every core.
const PARALLEL_THRESHOLD: usize = 64 * 1024;

/// Runs `f`, a panic inside it becoming `rust_core.InternalError`.
fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let run = || {
        #[cfg(feature = "test-hooks")]
        test_hooks::panic_if_armed();
        f()
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(_) => Err(ErrorClass::Internal
            .new_err(py, ("rust_core hit an internal error (a Rust panic); the input was not processed",))),
    }
}

#[pymodule]
#[pyo3(name = "_rust_core")]
fn rust_core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The version lives in Cargo.toml alone: the wheel's metadata takes it from there too.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(drop_ins::serialize, m)?)?;
    m.add_function(wrap_pyfunction!(drop_ins::deserialize, m)?)?;
    m.add_function(wrap_pyfunction!(drop_ins::serialize_item, m)?)?;
    m.add_function(wrap_pyfunction!(drop_ins::deserialize_item, m)?)?;
    m.add_function(wrap_pyfunction!(decode::json_to_item, m)?)?;
    m.add_function(wrap_pyfunction!(encode::item_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(item_size::item_size, m)?)?;
    m.add_function(wrap_pyfunction!(wire::wire_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(wire::json_to_wire, m)?)?;
    m.add_function(wrap_pyfunction!(wire::sign_v4, m)?)?;
    m.add_class::<record_codec::RecordCodec>()?;
    m.add_class::<dynamodb::Table>()?;
    m.add_function(wrap_pyfunction!(dynamodb::read_error, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_keywords, m)?)?;
    #[cfg(feature = "test-hooks")]
    m.add_function(wrap_pyfunction!(test_hooks::_arm_panic, m)?)?;
    Ok(())
}
