//! A panic on demand, for tests (cargo feature `test-hooks`; release wheels are built without
//! it): `_arm_panic()` makes the next call into the bindings panic inside `guarded`, so a test
//! can prove, function by function, that a panic becomes `InternalError` and the process
//! serves the next call.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;

static ARMED: AtomicBool = AtomicBool::new(false);

/// `_arm_panic(armed=True)`: the next call into rust_core panics (once); `False` disarms.
#[pyfunction]
#[pyo3(signature = (armed=true))]
pub(super) fn _arm_panic(armed: bool) {
    ARMED.store(armed, Ordering::SeqCst);
}

/// Panics if armed, disarming.
#[allow(clippy::panic)]
pub(super) fn panic_if_armed() {
    if ARMED.swap(false, Ordering::SeqCst) {
        panic!("deliberate panic for tests (rust_core built with test-hooks)");
    }
}
