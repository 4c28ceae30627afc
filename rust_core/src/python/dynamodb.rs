//! DynamoDB's JSON 1.0 protocol for Python (`Table`, `read_error`): request bodies built and
//! answers read in Rust, as bytes, for a caller that sends them itself (see `sign_v4`).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyList};

use crate::dynamodb::{self, Malformed, Put};

use super::decode::utf8_bytes;
use super::errors::to_pyerr;
use super::record_codec::{new_record_key, rejected_entry, RecordCodec};
use super::{guarded, DETACH_THRESHOLD, PARALLEL_THRESHOLD};

/// `Table(name, *, key="id")`: one table and its string partition key, for building requests
/// and reading answers.
#[pyclass(name = "Table", module = "rust_core", frozen)]
pub(super) struct Table {
    name: String,
    key: String,
}

impl Table {
    fn table(&self) -> dynamodb::Table<'_> {
        dynamodb::Table { name: &self.name, key: &self.key }
    }
}

#[pymethods]
impl Table {
    #[new]
    #[pyo3(signature = (name, *, key="id".to_owned()))]
    fn new(py: Python<'_>, name: String, key: String) -> PyResult<Self> {
        guarded(py, || {
            let valid = (3..=255).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            if !valid {
                return Err(PyValueError::new_err(
                    "a table name is 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'",
                ));
            }
            if key.is_empty() || key.len() > 255 {
                return Err(PyValueError::new_err("key must be an attribute name of 1 to 255 bytes"));
            }
            Ok(Table { name, key })
        })
    }

    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    #[getter]
    fn key(&self) -> &str {
        &self.key
    }

    /// `put_item(codec, body, *, create=True, key=None, new_key=None) -> (request, item_json,
    /// key)`: the body decoded by `codec` (as `codec.decode(body, key=key, new_key=new_key)`,
    /// same errors) into a `PutItem` body, the item as compact JSON, and its key. `create`: only
    /// if no item has the key, asking for the item that is there when one does (`ALL_OLD`).
    #[pyo3(signature = (codec, body, *, create=true, key=None, new_key=None))]
    #[allow(clippy::too_many_arguments)] // keyword-only options, as Python users expect
    fn put_item<'py>(
        &self,
        py: Python<'py>,
        codec: &RecordCodec,
        body: &Bound<'py, PyAny>,
        create: bool,
        key: Option<&str>,
        new_key: Option<&str>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, String)> {
        guarded(py, || {
            let bytes = utf8_bytes(body)?;
            let input = bytes.as_bytes();
            let put = if create { Put::Create } else { Put::Replace };
            let new_key = new_record_key(key, new_key)?;
            let build = || dynamodb::put_record(codec.inner(), self.table(), input, new_key, put);
            let built = if input.len() >= DETACH_THRESHOLD { py.detach(build) } else { build() };
            match built {
                Ok(put) => Ok((PyBytes::new(py, &put.request), PyBytes::new(py, &put.item), put.key)),
                Err(e) => Err(to_pyerr(py, e, body, input)),
            }
        })
    }

    /// `put_batch(codec, body, *, ndjson=False, parallel=None) -> (puts, keys, rejected)`: a
    /// batch decoded by `codec` (as `codec.decode_many`, same errors and `rejected`), each
    /// accepted record written as one put of a `BatchWriteItem` (see `batch_write`), with its
    /// key; on every core, without the GIL, for large bodies.
    #[pyo3(signature = (codec, body, *, ndjson=false, parallel=None))]
    fn put_batch<'py>(
        &self,
        py: Python<'py>,
        codec: &RecordCodec,
        body: &Bound<'py, PyAny>,
        ndjson: bool,
        parallel: Option<bool>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>, Bound<'py, PyList>)> {
        guarded(py, || {
            let bytes = utf8_bytes(body)?;
            let input = bytes.as_bytes();
            let parallel = parallel.unwrap_or(input.len() >= PARALLEL_THRESHOLD);
            let build = || dynamodb::put_batch(codec.inner(), input, ndjson, parallel);
            let built = if parallel || input.len() >= DETACH_THRESHOLD { py.detach(build) } else { build() };
            let batch = built.map_err(|e| to_pyerr(py, e, body, input))?;
            let puts = PyList::new(py, batch.puts.iter().map(|(_, put)| PyBytes::new(py, put)))?;
            let keys = PyList::new(py, batch.puts.iter().map(|(key, _)| key))?;
            let rejected = batch.rejected.iter().map(|r| rejected_entry(py, r)).collect::<PyResult<Vec<_>>>()?;
            Ok((puts, keys, PyList::new(py, rejected)?))
        })
    }

    /// `batch_write(puts) -> bytes`: a `BatchWriteItem` body of puts from `put_batch` (at most
    /// 25 and 16 MB: DynamoDB's limits, the caller's to keep).
    fn batch_write<'py>(&self, py: Python<'py>, puts: Vec<PyBackedBytes>) -> PyResult<Bound<'py, PyBytes>> {
        guarded(py, || Ok(PyBytes::new(py, &dynamodb::batch_write(self.table(), &puts))))
    }

    /// `get_item(key) -> bytes`: a strongly consistent `GetItem`.
    fn get_item<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyBytes>> {
        guarded(py, || Ok(PyBytes::new(py, &dynamodb::get_item(self.table(), key))))
    }

    /// `delete_item(key) -> bytes`: a `DeleteItem` only if the item exists.
    fn delete_item<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyBytes>> {
        guarded(py, || Ok(PyBytes::new(py, &dynamodb::delete_item(self.table(), key))))
    }

    /// `scan(limit, start=None) -> bytes`: one strongly consistent `Scan` page, after `start`.
    #[pyo3(signature = (limit, start=None))]
    fn scan<'py>(&self, py: Python<'py>, limit: u32, start: Option<&str>) -> PyResult<Bound<'py, PyBytes>> {
        guarded(py, || Ok(PyBytes::new(py, &dynamodb::scan(self.table(), limit, start))))
    }

    /// `read_item(answer) -> bytes | None`: a `GetItem` answer's item as compact JSON.
    fn read_item<'py>(&self, py: Python<'py>, answer: &[u8]) -> PyResult<Option<Bound<'py, PyBytes>>> {
        guarded(py, || {
            let item = dynamodb::got_item(answer).map_err(malformed)?;
            Ok(item.map(|item| PyBytes::new(py, &item)))
        })
    }

    /// `read_page(answer) -> (items, last_key)`: a `Scan` answer's items as compact JSON, and
    /// the key to go on from (None after the last page).
    fn read_page<'py>(&self, py: Python<'py>, answer: &[u8]) -> PyResult<(Bound<'py, PyList>, Option<String>)> {
        guarded(py, || {
            let (items, last) = dynamodb::scanned(answer, self.table()).map_err(malformed)?;
            let items = PyList::new(py, items.iter().map(|item| PyBytes::new(py, item)))?;
            Ok((items, last))
        })
    }

    /// `read_unprocessed(answer) -> list[str]`: the keys of the puts a `BatchWriteItem` answer
    /// left unprocessed.
    fn read_unprocessed(&self, py: Python<'_>, answer: &[u8]) -> PyResult<Vec<String>> {
        guarded(py, || dynamodb::unprocessed(answer, self.table()).map_err(malformed))
    }
}

/// `read_error(answer) -> (code, message, item_json | None)`: an error answer's code
/// (`ConditionalCheckFailedException`, ...), its message, and the item a failed conditional
/// write found (with `ALL_OLD`) as compact JSON.
#[pyfunction]
pub(super) fn read_error<'py>(
    py: Python<'py>,
    answer: &[u8],
) -> PyResult<(String, String, Option<Bound<'py, PyBytes>>)> {
    guarded(py, || {
        let error = dynamodb::service_error(answer).map_err(malformed)?;
        Ok((error.code, error.message, error.item.map(|item| PyBytes::new(py, &item))))
    })
}

fn malformed(e: Malformed) -> PyErr {
    PyValueError::new_err(format!("DynamoDB's answer is malformed: {}", e.0))
}
