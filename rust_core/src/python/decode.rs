//! JSON bodies to DynamoDB items as Python dicts: `json_to_item`, and the pieces `RecordCodec`
//! shares with it: a body's UTF-8 (`utf8_bytes`), the builder of AttributeValue dicts with its
//! cache of attribute names, and the garbage collector's pause while a large result is built.

use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::json::{self, Object, Value};

use super::errors::to_pyerr;
use super::{guarded, DETACH_THRESHOLD};

/// `json_to_item(data: bytes | str) -> dict[str, dict]`
#[pyfunction]
pub(super) fn json_to_item<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    guarded(py, || {
        let bytes = utf8_bytes(data)?;
        let input = bytes.as_bytes();
        let parsed = if input.len() >= DETACH_THRESHOLD {
            py.detach(|| json::parse_record(input))
        } else {
            json::parse_record(input)
        };
        match parsed {
            Ok(members) => {
                let _paused = GcPause::when_large(py, input.len())?;
                ItemBuilder::new(py).map(&members)
            }
            Err(e) => Err(to_pyerr(py, e, data, input)),
        }
    })
}

/// The UTF-8 bytes of a body. A `str` is encoded with its lone surrogates passed through, so
/// that they fail UTF-8 validation as a `JSONDecodeError` with a position, not a `UnicodeError`.
pub(super) fn utf8_bytes<'py>(data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(bytes.clone());
    }
    if data.is_instance_of::<PyString>() {
        let py = data.py();
        let encoded = data.call_method1(intern!(py, "encode"), (intern!(py, "utf-8"), intern!(py, "surrogatepass")))?;
        return Ok(encoded.cast_into::<PyBytes>()?);
    }
    Err(PyTypeError::new_err("data must be bytes or str"))
}

/// Builds AttributeValue dicts from a parsed tree.
pub(super) struct ItemBuilder<'py> {
    py: Python<'py>,
    /// `None` when another call holds the cache (another thread, or a finalizer re-entering).
    names: Option<MutexGuard<'static, NameCache>>,
}

impl<'py> ItemBuilder<'py> {
    pub(super) fn new(py: Python<'py>) -> Self {
        let names = match NAMES.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        ItemBuilder { py, names }
    }

    fn name(&mut self, name: &str) -> Bound<'py, PyString> {
        match self.names.as_mut() {
            Some(names) => names.get(self.py, name),
            None => PyString::new(self.py, name),
        }
    }

    pub(super) fn map(&mut self, members: &Object<'_>) -> PyResult<Bound<'py, PyDict>> {
        let map = PyDict::new(self.py);
        for (key, value) in members {
            map.set_item(self.name(key), self.attribute(value)?)?;
        }
        Ok(map)
    }

    fn attribute(&mut self, value: &Value<'_>) -> PyResult<Bound<'py, PyDict>> {
        let py = self.py;
        let attribute = PyDict::new(py);
        match value {
            Value::Null => attribute.set_item(intern!(py, "NULL"), true)?,
            Value::Bool(b) => attribute.set_item(intern!(py, "BOOL"), *b)?,
            Value::Number(text) => attribute.set_item(intern!(py, "N"), PyString::new(py, text))?,
            Value::String(s) => attribute.set_item(intern!(py, "S"), PyString::new(py, s))?,
            Value::Array(items) => {
                let items = items.iter().map(|v| self.attribute(v)).collect::<PyResult<Vec<_>>>()?;
                attribute.set_item(intern!(py, "L"), PyList::new(py, items)?)?;
            }
            Value::Object(members) => attribute.set_item(intern!(py, "M"), self.map(members)?)?,
        }
        Ok(attribute)
    }
}

/// Pauses Python's cyclic garbage collector while a large result is built. Building 10,000 items
/// allocates close to a million dicts, each allocation counting towards a collection that would
/// walk every object built so far, and find nothing: items hold no cycles. Without the pause the
/// collector takes more time than the build. The GIL is held throughout, so no other thread runs
/// meanwhile; the collector is switched back on (if it was on) however the build ends.
pub(super) struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    /// Pauses for a body large enough for collections to matter.
    pub(super) fn when_large(py: Python<'py>, body_len: usize) -> PyResult<Option<Self>> {
        if body_len < DETACH_THRESHOLD {
            return Ok(None);
        }
        Self::new(py).map(Some)
    }

    pub(super) fn new(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import(intern!(py, "gc"))?;
        if !gc.call_method0(intern!(py, "isenabled"))?.is_truthy()? {
            return Ok(GcPause { gc: None });
        }
        gc.call_method0(intern!(py, "disable"))?;
        Ok(GcPause { gc: Some(gc) })
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            let _ = gc.call_method0(intern!(gc.py(), "enable"));
        }
    }
}

/// Attribute names repeat, across the records of a batch and across the requests one Lambda
/// serves. A small direct-mapped cache hands back the same `str` (its hash already computed)
/// instead of decoding and hashing a new one each time.
struct NameCache {
    slots: Vec<Option<(Box<str>, Py<PyString>)>>,
}

static NAMES: Mutex<NameCache> = Mutex::new(NameCache { slots: Vec::new() });
const NAME_SLOTS: usize = 1024;
const MAX_CACHED_NAME: usize = 64;

impl NameCache {
    fn get<'py>(&mut self, py: Python<'py>, name: &str) -> Bound<'py, PyString> {
        if name.len() > MAX_CACHED_NAME {
            return PyString::new(py, name);
        }
        if self.slots.is_empty() {
            self.slots.resize_with(NAME_SLOTS, || None);
        }
        // FNV-1a: short keys, no need for DoS resistance (a collision only costs a miss).
        let hash =
            name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let Some(slot) = self.slots.get_mut((hash % NAME_SLOTS as u64) as usize) else {
            return PyString::new(py, name);
        };
        if let Some((cached, string)) = slot {
            if **cached == *name {
                return string.bind(py).clone();
            }
        }
        let string = PyString::new(py, name);
        let _ = string.hash(); // computed once, kept in the object
        *slot = Some((name.into(), string.clone().unbind()));
        string
    }
}
