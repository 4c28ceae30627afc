//! The `RecordCodec` class: the core's record codec (schema, key, limits) compiled once, at Lambda
//! init, with `decode` for one record and `decode_many` for a batch; and its limits read back.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString};

use crate::batch;
use crate::codec;
use crate::schema::Schema;
use crate::size;

use super::decode::{utf8_bytes, GcPause, ItemBuilder};
use super::errors::{details, to_pyerr, ErrorClass};
use super::{guarded, DETACH_THRESHOLD, PARALLEL_THRESHOLD};

/// `RecordCodec(schema=None, *, key="id", validate_formats=True, max_body_bytes=...,
/// max_item_bytes=..., max_batch_body_bytes=..., max_batch_records=...)`: compiled once, at Lambda
/// init. A limit left out is the default (1 MiB, DynamoDB's 400 KB, 6 MB, 10,000 records); each
/// reads back as the attribute of the same name.
#[pyclass(name = "RecordCodec", module = "rust_core", frozen)]
pub(super) struct RecordCodec {
    inner: codec::RecordCodec,
}

impl RecordCodec {
    /// The compiled codec, for the other bindings that decode with it.
    pub(super) fn inner(&self) -> &codec::RecordCodec {
        &self.inner
    }
}

/// Where a decoded record's key comes from: `key` the request names it, else `new_key` for a body
/// without one, else generated. Not both: a request that names the key has no use for another.
pub(super) fn new_record_key<'k>(key: Option<&'k str>, new_key: Option<&'k str>) -> PyResult<codec::NewKey<'k>> {
    match (key, new_key) {
        (Some(_), Some(_)) => Err(PyValueError::new_err("key and new_key cannot both be given")),
        (Some(key), None) => Ok(codec::NewKey::Given(key)),
        (None, Some(new_key)) => Ok(codec::NewKey::Fallback(new_key)),
        (None, None) => Ok(codec::NewKey::Generate),
    }
}

#[pymethods]
impl RecordCodec {
    #[new]
    #[pyo3(signature = (
        schema=None, *, key="id".to_owned(), max_body_bytes=codec::DEFAULT_MAX_BODY_BYTES,
        max_item_bytes=codec::DEFAULT_MAX_ITEM_BYTES, validate_formats=true,
        max_batch_body_bytes=codec::DEFAULT_MAX_BATCH_BODY_BYTES, max_batch_records=codec::DEFAULT_MAX_BATCH_RECORDS,
    ))]
    #[allow(clippy::too_many_arguments)] // keyword-only options, as Python users expect
    fn new(
        py: Python<'_>,
        schema: Option<&Bound<'_, PyAny>>,
        key: String,
        max_body_bytes: usize,
        max_item_bytes: usize,
        validate_formats: bool,
        max_batch_body_bytes: usize,
        max_batch_records: usize,
    ) -> PyResult<Self> {
        guarded(py, || {
            if key.is_empty() || key.len() > 255 {
                return Err(PyValueError::new_err("key must be an attribute name of 1 to 255 bytes"));
            }
            if max_item_bytes > size::MAX_ITEM_BYTES {
                return Err(PyValueError::new_err(format!(
                    "max_item_bytes cannot exceed DynamoDB's {}",
                    size::MAX_ITEM_BYTES
                )));
            }
            let schema = match schema {
                None => None,
                Some(schema) => {
                    let text = schema_text(schema)?;
                    let compiled =
                        Schema::compile(&text, validate_formats).map_err(|e| ErrorClass::Schema.new_err(py, (e.0,)))?;
                    Some(compiled)
                }
            };
            let limits = codec::Limits { max_body_bytes, max_item_bytes, max_batch_body_bytes, max_batch_records };
            Ok(RecordCodec { inner: codec::RecordCodec::new(schema, key, limits) })
        })
    }

    /// `decode(body, *, key=None, new_key=None) -> dict[str, dict]`: `key` is the key the
    /// request names (a body's own must be the same); `new_key`, the key of a body without one
    /// (else one is generated).
    #[pyo3(signature = (body, *, key=None, new_key=None))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        key: Option<&str>,
        new_key: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(py, || {
            let bytes = utf8_bytes(body)?;
            let input = bytes.as_bytes();
            let new_key = new_record_key(key, new_key)?;
            let decoded = if input.len() >= DETACH_THRESHOLD {
                py.detach(|| self.inner.decode_keyed(input, new_key))
            } else {
                self.inner.decode_keyed(input, new_key)
            };
            match decoded {
                Ok(members) => {
                    let _paused = GcPause::when_large(py, input.len())?;
                    ItemBuilder::new(py).map(&members)
                }
                Err(e) => Err(to_pyerr(py, e, body, input)),
            }
        })
    }

    /// `decode_many(body, *, ndjson=False, parallel=None) -> (items, errors)`
    #[pyo3(signature = (body, *, ndjson=false, parallel=None))]
    fn decode_many<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        ndjson: bool,
        parallel: Option<bool>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        guarded(py, || {
            let bytes = utf8_bytes(body)?;
            let input = bytes.as_bytes();
            let parallel = parallel.unwrap_or(input.len() >= PARALLEL_THRESHOLD);
            let decoded = if parallel || input.len() >= DETACH_THRESHOLD {
                py.detach(|| self.inner.decode_many(input, ndjson, parallel))
            } else {
                self.inner.decode_many(input, ndjson, parallel)
            };
            let batch = decoded.map_err(|e| to_pyerr(py, e, body, input))?;
            let _paused = GcPause::new(py)?;
            let mut builder = ItemBuilder::new(py);
            let items = batch.items.iter().map(|members| builder.map(members)).collect::<PyResult<Vec<_>>>()?;
            let rejected = batch.rejected.iter().map(|r| rejected_entry(py, r)).collect::<PyResult<Vec<_>>>()?;
            Ok((PyList::new(py, items)?, PyList::new(py, rejected)?))
        })
    }

    /// The JSON Schema draft in force, or `None` without a schema.
    #[getter]
    fn draft(&self) -> Option<&'static str> {
        self.inner.schema().map(Schema::draft)
    }

    #[getter]
    fn key(&self) -> &str {
        self.inner.key()
    }

    /// The largest body `decode` takes, in bytes.
    #[getter]
    fn max_body_bytes(&self) -> usize {
        self.inner.limits.max_body_bytes
    }

    /// The largest item `decode` and `decode_many` build, in bytes as DynamoDB counts them.
    #[getter]
    fn max_item_bytes(&self) -> usize {
        self.inner.limits.max_item_bytes
    }

    /// The largest body `decode_many` takes, in bytes.
    #[getter]
    fn max_batch_body_bytes(&self) -> usize {
        self.inner.limits.max_batch_body_bytes
    }

    /// The most records `decode_many` takes in one body.
    #[getter]
    fn max_batch_records(&self) -> usize {
        self.inner.limits.max_batch_records
    }
}

/// `{"index": i, "errors": [...]}`, with `"line"` for NDJSON.
pub(super) fn rejected_entry<'py>(py: Python<'py>, rejected: &batch::Rejected) -> PyResult<Bound<'py, PyDict>> {
    let entry = PyDict::new(py);
    entry.set_item(intern!(py, "index"), rejected.index)?;
    if let Some(line) = rejected.line {
        entry.set_item(intern!(py, "line"), line)?;
    }
    entry.set_item(intern!(py, "errors"), details(py, &rejected.errors)?)?;
    Ok(entry)
}

/// A schema as JSON text: given as text, or a mapping (or a boolean schema) that `json.dumps`
/// writes.
fn schema_text(schema: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = schema.py();
    let mapping = py.import("collections.abc")?.getattr("Mapping")?;
    if !(schema.is_instance_of::<PyBytes>()
        || schema.is_instance_of::<PyString>()
        || schema.is_instance_of::<PyBool>()
        || schema.is_instance(&mapping)?)
    {
        return Err(PyTypeError::new_err("schema must be a mapping, a boolean, or JSON text (str or bytes)"));
    }
    if let Ok(bytes) = schema.cast::<PyBytes>() {
        return String::from_utf8(bytes.as_bytes().to_vec())
            .map_err(|_| ErrorClass::Schema.new_err(py, ("the schema is not UTF-8",)));
    }
    if let Ok(text) = schema.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    let dumped = py
        .import("json")?
        .call_method1("dumps", (schema,))
        .map_err(|_| ErrorClass::Schema.new_err(py, ("the schema must be a JSON document: a mapping, or its text",)))?;
    Ok(dumped.cast::<PyString>()?.to_cow()?.into_owned())
}
