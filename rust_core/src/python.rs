//! The Python face of the core: the only file that knows PyO3.
//!
//! Every function runs inside `guarded`, so a Rust panic becomes `rust_core.InternalError` (an
//! `Exception`) instead of PyO3's `PanicException` (a `BaseException` that escapes `except
//! Exception` and Powertools' handlers).
//!
//! The boto3 drop-ins convert the common, exactly-typed values natively and hand anything else
//! (subclasses, `Binary`, floats, numbers outside the fast path, quirky attribute values) to
//! boto3's own `TypeSerializer` / `TypeDeserializer`, so results and exceptions match boto3 exactly.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, TryLockError};

use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFrozenSet, PyInt, PyIterator, PyList, PySet, PyString, PyTuple,
};

use crate::batch;
use crate::codec;
use crate::error::{Error, Invalid, Report, Rule};
use crate::json::{self, Object, Value, MAX_DEPTH};
use crate::number;
use crate::schema::Schema;
use crate::sigv4;
use crate::size;
use crate::wire::{self, Mismatch, WireError};
use crate::writer;

/// Bodies at least this large are parsed with the GIL released; below it, releasing costs more
/// than it frees.
const DETACH_THRESHOLD: usize = 64 * 1024;
/// Batches at least this large are finished on every core.
const PARALLEL_THRESHOLD: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors

fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(new_error(
            py,
            "InternalError",
            ("rust_core hit an internal error (a Rust panic); the input was not processed",),
        )),
    }
}

/// An instance of one of `rust_core.errors`' classes, as a `PyErr`.
fn new_error<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let instance = py
        .import(intern!(py, "rust_core.errors"))
        .and_then(|errors| errors.getattr(class))
        .and_then(|class| class.call1(args));
    match instance {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

fn to_pyerr(py: Python<'_>, error: Error, doc: &Bound<'_, PyAny>, input: &[u8]) -> PyErr {
    match error {
        Error::Syntax(e) => {
            let at = json::position(input, e.byte_pos);
            new_error(py, "JSONDecodeError", (e.message, doc, at.pos, at.lineno, at.colno))
        }
        Error::Shape(message) => new_error(py, "ShapeError", (message,)),
        Error::Limits(report) => limit_error(py, &report),
        Error::Invalid(found) => validation_error(py, &found),
        Error::KeyMismatch => new_error(py, "KeyMismatchError", ("The body's key differs from the request's",)),
    }
}

fn validation_error(py: Python<'_>, report: &Report) -> PyErr {
    match details(py, report) {
        Ok(details) => new_error(py, "ValidationError", ("The record does not match its schema", details)),
        Err(e) => e,
    }
}

/// The `errors` list of a report.
fn details<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyList>> {
    let entries = report.entries().map(|e| detail(py, &e.path, &e.message, e.keyword));
    PyList::new(py, entries.collect::<PyResult<Vec<_>>>()?)
}

/// One `{"path", "message", "keyword"}` entry of an error's `errors`.
fn detail<'py>(py: Python<'py>, path: &str, message: &str, keyword: &str) -> PyResult<Bound<'py, PyDict>> {
    let detail = PyDict::new(py);
    detail.set_item(intern!(py, "path"), path)?;
    detail.set_item(intern!(py, "message"), message)?;
    detail.set_item(intern!(py, "keyword"), keyword)?;
    Ok(detail)
}

fn limit_error(py: Python<'_>, report: &Report) -> PyErr {
    let details = match details(py, report) {
        Ok(details) => details,
        Err(e) => return e,
    };
    let summary = report.listed.first().map_or("The record breaks DynamoDB's limits", |v| v.message.as_str());
    new_error(py, "LimitError", (summary, details))
}

// ---------------------------------------------------------------------------------------------
// JSON -> item

/// `json_to_item(data: bytes | str) -> dict[str, dict]`
#[pyfunction]
fn json_to_item<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
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
fn utf8_bytes<'py>(data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
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
struct ItemBuilder<'py> {
    py: Python<'py>,
    /// `None` when another call holds the cache (another thread, or a finalizer re-entering).
    names: Option<MutexGuard<'static, NameCache>>,
}

impl<'py> ItemBuilder<'py> {
    fn new(py: Python<'py>) -> Self {
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

    fn map(&mut self, members: &Object<'_>) -> PyResult<Bound<'py, PyDict>> {
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
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    /// Pauses for a body large enough for collections to matter.
    fn when_large(py: Python<'py>, body_len: usize) -> PyResult<Option<Self>> {
        if body_len < DETACH_THRESHOLD {
            return Ok(None);
        }
        Self::new(py).map(Some)
    }

    fn new(py: Python<'py>) -> PyResult<Self> {
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

// ---------------------------------------------------------------------------------------------
// item -> JSON

/// `item_to_json(item: Mapping[str, dict]) -> bytes`
#[pyfunction]
fn item_to_json<'py>(py: Python<'py>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    guarded(py, || {
        let mut out = Vec::with_capacity(512);
        write_map(&mut out, item, 1)?;
        Ok(PyBytes::new(py, &out))
    })
}

fn too_deep(py: Python<'_>) -> PyErr {
    limit_error(py, &Report::one(Invalid::limit(Rule::MaxDepth, String::new())))
}

/// Calls `f` on each entry of an item or attribute value: a dict or any other mapping, or a
/// `TypeError`.
fn for_each_entry<'py>(
    map: &Bound<'py, PyAny>,
    f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if !(map.is_instance_of::<PyDict>() || map.hasattr(intern!(map.py(), "items"))?) {
        return Err(PyTypeError::new_err("expected a mapping of attribute names to attribute values"));
    }
    for_each_items(map, f)
}

/// An item or `M` value at nesting level `depth` (the item itself is level 1).
fn write_map(out: &mut Vec<u8>, map: &Bound<'_, PyAny>, depth: usize) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep(map.py()));
    }
    out.push(b'{');
    let mut first = true;
    for_each_entry(map, |key, value| {
        if !first {
            out.push(b',');
        }
        first = false;
        let key = key.cast::<PyString>().map_err(|_| PyTypeError::new_err("attribute names must be str"))?;
        write_str(out, key)?;
        out.push(b':');
        write_attribute(out, value, depth)
    })?;
    out.push(b'}');
    Ok(())
}

/// One AttributeValue (`{"S": "x"}`) inside a container at level `enclosing`.
fn write_attribute(out: &mut Vec<u8>, attribute: &Bound<'_, PyAny>, enclosing: usize) -> PyResult<()> {
    let py = attribute.py();
    let (tag, value) = single_entry(attribute)?;
    match Tag::of(&tag)?.ok_or_else(unsupported_type)? {
        Tag::S => write_str(out, expect_str(&value)?)?,
        Tag::N => write_number(out, &value)?,
        Tag::B => write_binary(out, &value)?,
        Tag::Bool => {
            let b = value.cast::<PyBool>().map_err(|_| PyTypeError::new_err("BOOL must be a bool"))?;
            out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
        }
        Tag::Null => out.extend_from_slice(b"null"),
        Tag::M => write_map(out, &value, enclosing + 1)?,
        Tag::L => {
            if enclosing + 1 > MAX_DEPTH {
                return Err(too_deep(py));
            }
            if !(value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()) {
                return Err(PyTypeError::new_err("L must be a list"));
            }
            write_array(out, &value, |out, v| write_attribute(out, v, enclosing + 1))?;
        }
        Tag::Ss => write_array(out, &value, |out, v| write_str(out, expect_str(v)?))?,
        Tag::Ns => write_array(out, &value, write_number)?,
        Tag::Bs => write_array(out, &value, write_binary)?,
    }
    Ok(())
}

/// The one (type, value) entry of an AttributeValue.
fn single_entry<'py>(attribute: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let not_one = || PyTypeError::new_err("an attribute value must be a dict with exactly one type key");
    if let Ok(dict) = attribute.cast::<PyDict>() {
        return match (dict.len(), dict.iter().next()) {
            (1, Some(entry)) => Ok(entry),
            _ => Err(not_one()),
        };
    }
    let mut entries = Vec::with_capacity(1);
    for_each_entry(attribute, |tag, value| {
        entries.push((tag.clone(), value.clone()));
        Ok(())
    })?;
    let [entry] = <[_; 1]>::try_from(entries).map_err(|_| not_one())?;
    Ok(entry)
}

/// DynamoDB's attribute types.
#[derive(Debug, Clone, Copy)]
enum Tag {
    S,
    N,
    B,
    Bool,
    Null,
    M,
    L,
    Ss,
    Ns,
    Bs,
}

/// The type names as interned strings with their hashes, made once per process.
static TAGS: PyOnceLock<Vec<(Py<PyString>, isize, Tag)>> = PyOnceLock::new();

impl Tag {
    const NAMES: [(&'static str, Tag); 10] = [
        ("S", Tag::S),
        ("N", Tag::N),
        ("M", Tag::M),
        ("L", Tag::L),
        ("B", Tag::B),
        ("BOOL", Tag::Bool),
        ("NULL", Tag::Null),
        ("SS", Tag::Ss),
        ("NS", Tag::Ns),
        ("BS", Tag::Bs),
    ];

    /// The type a key names, found without reading its text: by identity first (CPython shares one-letter strings), then by the hash
    /// a dict key already carries, confirmed by equality.
    fn of(key: &Bound<'_, PyAny>) -> PyResult<Option<Tag>> {
        let py = key.py();
        let tags = TAGS.get_or_try_init(py, || {
            Tag::NAMES
                .iter()
                .map(|&(name, tag)| {
                    let s = PyString::intern(py, name);
                    Ok((s.clone().unbind(), s.hash()?, tag))
                })
                .collect::<PyResult<Vec<_>>>()
        })?;
        if let Some(&(_, _, tag)) = tags.iter().find(|(s, _, _)| key.is(s)) {
            return Ok(Some(tag));
        }
        if !key.is_instance_of::<PyString>() {
            return Ok(None);
        }
        let hash = key.hash()?;
        for (s, h, tag) in tags {
            if *h == hash && key.eq(s.bind(py))? {
                return Ok(Some(*tag));
            }
        }
        Ok(None)
    }
}

/// A `str` as a JSON string, from the UTF-8 that CPython keeps beside it (a borrowed view under
/// the stable ABI of Python 3.10 and newer: no copy).
fn write_str(out: &mut Vec<u8>, s: &Bound<'_, PyString>) -> PyResult<()> {
    writer::write_string(out, s.to_str()?.as_bytes());
    Ok(())
}

fn unsupported_type() -> PyErr {
    PyTypeError::new_err("unsupported DynamoDB attribute type")
}

fn expect_str<'a, 'py>(value: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    value.cast::<PyString>().map_err(|_| PyTypeError::new_err("S, N and SS values must be str"))
}

/// The elements of an L, SS, NS or BS value: a list (or another iterable that is not a string,
/// bytes or a mapping).
fn elements<'py>(values: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyIterator>> {
    if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() || values.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("L, SS, NS and BS values must be lists"));
    }
    values.try_iter()
}

fn write_array<'py>(
    out: &mut Vec<u8>,
    values: &Bound<'py, PyAny>,
    mut write: impl FnMut(&mut Vec<u8>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    out.push(b'[');
    for (i, value) in elements(values)?.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, &value?)?;
    }
    out.push(b']');
    Ok(())
}

fn write_number(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let text = expect_str(value)?.to_str()?;
    let json =
        number::to_json(text).ok_or_else(|| PyValueError::new_err("an N value is not a finite decimal number"))?;
    out.extend_from_slice(json.as_bytes());
    Ok(())
}

fn write_binary(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let data = binary_data(value)?;
    match data.cast::<PyBytes>() {
        Ok(bytes) => writer::write_base64(out, bytes.as_bytes()),
        Err(_) => writer::write_base64(out, &data.cast::<PyByteArray>()?.to_vec()),
    }
    Ok(())
}

/// The data of a B value: `bytes`, `bytearray`, or either held in `.value` (boto3's `Binary`).
fn binary_data<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let is_data = |v: &Bound<'py, PyAny>| v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>();
    if is_data(value) {
        return Ok(value.clone());
    }
    match value.getattr(intern!(value.py(), "value")) {
        Ok(inner) if is_data(&inner) => Ok(inner),
        _ => Err(PyTypeError::new_err("B and BS values must be bytes")),
    }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB JSON (the wire form) <-> JSON, bytes to bytes

/// `wire_to_json(data: bytes | str) -> bytes`: one item in DynamoDB JSON to plain JSON.
#[pyfunction]
fn wire_to_json<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    guarded(py, || {
        let bytes = utf8_bytes(data)?;
        let input = bytes.as_bytes();
        let converted = if input.len() >= DETACH_THRESHOLD {
            py.detach(|| wire::wire_to_json(input))
        } else {
            wire::wire_to_json(input)
        };
        match converted {
            Ok(out) => Ok(PyBytes::new(py, &out)),
            Err(WireError::Json(e)) => Err(to_pyerr(py, e, data, input)),
            Err(WireError::Shape { mismatch, path }) => Err(wire_shape_error(py, mismatch, &path)),
        }
    })
}

/// A `ShapeError` that says where and what, as `LimitError` does: `path`, and `errors` with
/// one `{"path", "message", "keyword"}` entry.
fn wire_shape_error(py: Python<'_>, mismatch: Mismatch, path: &str) -> PyErr {
    match detail(py, path, mismatch.message(), mismatch.keyword()) {
        Ok(entry) => new_error(py, "ShapeError", (mismatch.message(), vec![entry])),
        Err(e) => e,
    }
}

/// `json_to_wire(body: bytes | str) -> bytes`: a JSON object to one item in DynamoDB JSON.
#[pyfunction]
fn json_to_wire<'py>(py: Python<'py>, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    guarded(py, || {
        let bytes = utf8_bytes(body)?;
        let input = bytes.as_bytes();
        let converted = if input.len() >= DETACH_THRESHOLD {
            py.detach(|| wire::json_to_wire(input))
        } else {
            wire::json_to_wire(input)
        };
        match converted {
            Ok(out) => Ok(PyBytes::new(py, &out)),
            Err(e) => Err(to_pyerr(py, e, body, input)),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Record codec and item size

/// `RecordCodec(schema=None, *, key="id", max_body_bytes=1048576, max_item_bytes=409600,
/// validate_formats=True)`: compiled once, at Lambda init.
#[pyclass(name = "RecordCodec", module = "rust_core", frozen)]
struct RecordCodec {
    inner: codec::RecordCodec,
}

#[pymethods]
impl RecordCodec {
    #[new]
    #[pyo3(signature = (
        schema=None, *, key="id".to_owned(), max_body_bytes=1_048_576, max_item_bytes=size::MAX_ITEM_BYTES,
        validate_formats=true, max_batch_body_bytes=6_291_456, max_batch_records=10_000,
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
                return Err(PyValueError::new_err("max_item_bytes cannot exceed DynamoDB's 409600"));
            }
            let schema = match schema {
                None => None,
                Some(schema) => {
                    let text = schema_text(schema)?;
                    let compiled =
                        Schema::compile(&text, validate_formats).map_err(|e| new_error(py, "SchemaError", (e.0,)))?;
                    Some(compiled)
                }
            };
            let limits = codec::Limits { max_body_bytes, max_item_bytes, max_batch_body_bytes, max_batch_records };
            Ok(RecordCodec { inner: codec::RecordCodec::new(schema, key, limits) })
        })
    }

    /// `decode(body, *, key=None) -> dict[str, dict]`
    #[pyo3(signature = (body, *, key=None))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        key: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(py, || {
            let bytes = utf8_bytes(body)?;
            let input = bytes.as_bytes();
            let decoded = if input.len() >= DETACH_THRESHOLD {
                py.detach(|| self.inner.decode(input, key))
            } else {
                self.inner.decode(input, key)
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
}

/// `{"index": i, "errors": [...]}`, with `"line"` for NDJSON.
fn rejected_entry<'py>(py: Python<'py>, rejected: &batch::Rejected) -> PyResult<Bound<'py, PyDict>> {
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
            .map_err(|_| new_error(py, "SchemaError", ("the schema is not UTF-8",)));
    }
    if let Ok(text) = schema.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    let dumped = py
        .import("json")?
        .call_method1("dumps", (schema,))
        .map_err(|_| new_error(py, "SchemaError", ("the schema must be a JSON document: a mapping, or its text",)))?;
    Ok(dumped.cast::<PyString>()?.to_cow()?.into_owned())
}

/// `item_size(item) -> int`: the item's size as DynamoDB counts it against its 400 KB limit.
#[pyfunction]
fn item_size(py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<usize> {
    guarded(py, || {
        let mut total = 0;
        for_each_entry(item, |name, value| {
            total += name_size(name)? + attribute_size(value, 1)?;
            Ok(())
        })?;
        Ok(total)
    })
}

fn name_size(name: &Bound<'_, PyAny>) -> PyResult<usize> {
    let name = name.cast::<PyString>().map_err(|_| PyTypeError::new_err("attribute names must be str"))?;
    Ok(name.to_str()?.len())
}

/// The size of one AttributeValue inside a container at level `enclosing`.
fn attribute_size(attribute: &Bound<'_, PyAny>, enclosing: usize) -> PyResult<usize> {
    let (tag, value) = single_entry(attribute)?;
    let each = |value: &Bound<'_, PyAny>,
                size: &dyn Fn(&Bound<'_, PyAny>) -> PyResult<usize>|
     -> PyResult<Vec<usize>> { elements(value)?.map(|v| size(&v?)).collect() };
    Ok(match Tag::of(&tag)?.ok_or_else(unsupported_type)? {
        Tag::S => str_size(&value)?,
        Tag::N => number_size(&value)?,
        Tag::B => binary_size(&value)?,
        Tag::Bool | Tag::Null => 1,
        Tag::Ss => each(&value, &str_size)?.iter().sum(),
        Tag::Ns => each(&value, &number_size)?.iter().sum(),
        Tag::Bs => each(&value, &binary_size)?.iter().sum(),
        Tag::L | Tag::M if enclosing + 1 > MAX_DEPTH => return Err(too_deep(attribute.py())),
        Tag::L => {
            let sizes = each(&value, &|v| attribute_size(v, enclosing + 1))?;
            size::CONTAINER_OVERHEAD + sizes.len() * size::ELEMENT_OVERHEAD + sizes.iter().sum::<usize>()
        }
        Tag::M => {
            let mut total = size::CONTAINER_OVERHEAD;
            for_each_entry(&value, |name, v| {
                total += name_size(name)? + size::ELEMENT_OVERHEAD + attribute_size(v, enclosing + 1)?;
                Ok(())
            })?;
            total
        }
    })
}

fn str_size(value: &Bound<'_, PyAny>) -> PyResult<usize> {
    Ok(expect_str(value)?.to_str()?.len())
}

fn number_size(value: &Bound<'_, PyAny>) -> PyResult<usize> {
    let text = expect_str(value)?.to_str()?;
    number::to_json(text).ok_or_else(|| PyValueError::new_err("an N value is not a finite decimal number"))?;
    Ok(size::number_size(text))
}

fn binary_size(value: &Bound<'_, PyAny>) -> PyResult<usize> {
    binary_data(value)?.len()
}

// ---------------------------------------------------------------------------------------------
// boto3 drop-ins

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static CREATE_DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static BINARY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SERIALIZER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DESERIALIZER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn cached<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    init: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<&'py Bound<'py, PyAny>> {
    Ok(cell.get_or_try_init(py, || init().map(Bound::unbind))?.bind(py))
}

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    cached(py, &DECIMAL, || py.import("decimal")?.getattr("Decimal"))
}

/// `create_decimal` of a context identical to boto3's `DYNAMODB_CONTEXT`, without importing boto3.
fn create_decimal(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    cached(py, &CREATE_DECIMAL, || {
        let decimal = py.import("decimal")?;
        let traps = ["Clamped", "Overflow", "Inexact", "Rounded", "Underflow"]
            .iter()
            .map(|name| decimal.getattr(*name))
            .collect::<PyResult<Vec<_>>>()?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("Emin", -128)?;
        kwargs.set_item("Emax", 126)?;
        kwargs.set_item("prec", 38)?;
        kwargs.set_item("traps", traps)?;
        decimal.getattr("Context")?.call((), Some(&kwargs))?.getattr("create_decimal")
    })
}

fn boto3_types<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("boto3.dynamodb.types")?.getattr(name)
}

fn binary_type(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    cached(py, &BINARY, || boto3_types(py, "Binary"))
}

fn boto3_serialize<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    cached(py, &SERIALIZER, || boto3_types(py, "TypeSerializer")?.call0())?
        .call_method1(intern!(py, "serialize"), (value,))
}

fn boto3_deserialize<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    cached(py, &DESERIALIZER, || boto3_types(py, "TypeDeserializer")?.call0())?
        .call_method1(intern!(py, "deserialize"), (value,))
}

fn tagged<'py>(
    py: Python<'py>,
    tag: &Bound<'py, PyString>,
    value: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let attribute = PyDict::new(py);
    attribute.set_item(tag, value)?;
    Ok(attribute.into_any())
}

/// How deep the drop-ins follow nested values. boto3 recurses in Python and raises
/// `RecursionError` somewhere past 300 levels; recursion here is bounded too (a self-referencing
/// list must not exhaust the stack), with the same exception, but only past this depth.
const MAX_DROP_IN_NESTING: usize = 1000;

fn nested(depth: usize) -> PyResult<usize> {
    if depth >= MAX_DROP_IN_NESTING {
        return Err(PyRecursionError::new_err("maximum nesting depth exceeded while converting a value"));
    }
    Ok(depth + 1)
}

/// `serialize(value) -> dict`, as `TypeSerializer().serialize(value)`.
#[pyfunction]
fn serialize<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    guarded(py, || serialize_value(value, 0))
}

fn serialize_value<'py>(value: &Bound<'py, PyAny>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    let py = value.py();
    let depth = nested(depth)?;
    if value.is_none() {
        return tagged(py, intern!(py, "NULL"), true);
    }
    if value.is_exact_instance_of::<PyBool>() {
        return tagged(py, intern!(py, "BOOL"), value);
    }
    if value.is_exact_instance_of::<PyString>() {
        return tagged(py, intern!(py, "S"), value);
    }
    if value.is_exact_instance_of::<PyBytes>() || value.is_exact_instance_of::<PyByteArray>() {
        return tagged(py, intern!(py, "B"), value);
    }
    if value.is_exact_instance_of::<PyList>() || value.is_exact_instance_of::<PyTuple>() {
        let items = value.try_iter()?.map(|v| serialize_value(&v?, depth)).collect::<PyResult<Vec<_>>>()?;
        return tagged(py, intern!(py, "L"), PyList::new(py, items)?);
    }
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        let map = PyDict::new(py);
        for (k, v) in dict.iter() {
            map.set_item(k, serialize_value(&v, depth)?)?;
        }
        return tagged(py, intern!(py, "M"), map);
    }
    if value.is_exact_instance_of::<PySet>() || value.is_exact_instance_of::<PyFrozenSet>() {
        if let Some(set) = serialize_set(value)? {
            return Ok(set);
        }
    } else if let Some(text) = number_text(value)? {
        return tagged(py, intern!(py, "N"), text);
    }
    boto3_serialize(value)
}

/// A number's DynamoDB text when it is an exact `int`, `bool` or `Decimal` that needs no rounding
/// or range check (then `str(value)` is what boto3 produces); `None` sends the value to boto3.
fn number_text<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyString>>> {
    let py = value.py();
    if value.is_exact_instance_of::<PyInt>() || value.is_exact_instance_of::<PyBool>() {
        return Ok(value.extract::<i64>().ok().map(|i| PyString::new(py, &i.to_string())));
    }
    if value.get_type().is(decimal_type(py)?) {
        let text = value.str()?;
        return Ok(plain_decimal(text.to_str()?).then_some(text));
    }
    Ok(None)
}

/// Whether `Decimal.__str__` output is finite with at most 38 coefficient digits and a modest
/// exponent, so that boto3's DynamoDB context would return it unchanged.
fn plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = unsigned.split_once('E').unwrap_or((unsigned, "0"));
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let leading_zeros = mantissa.bytes().take_while(|&b| b == b'0' || b == b'.').filter(|&b| b == b'0').count();
    mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits > 0
        && digits - leading_zeros <= number::MAX_SIGNIFICANT_DIGITS
        && exponent.parse::<i32>().is_ok_and(|e| e.abs() <= 90)
}

/// A set of only numbers (NS; an empty set too, as in boto3), only strings (SS) or only bytes
/// (BS); `None` for anything else, which boto3 then classifies.
fn serialize_set<'py>(set: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = set.py();
    let items = set.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    if items.iter().all(|v| v.is_exact_instance_of::<PyString>()) && !items.is_empty() {
        return tagged(py, intern!(py, "SS"), PyList::new(py, items)?).map(Some);
    }
    if items.iter().all(|v| v.is_exact_instance_of::<PyBytes>() || v.is_exact_instance_of::<PyByteArray>())
        && !items.is_empty()
    {
        return tagged(py, intern!(py, "BS"), PyList::new(py, items)?).map(Some);
    }
    let mut numbers = Vec::with_capacity(items.len());
    for item in &items {
        match number_text(item)? {
            Some(text) => numbers.push(text),
            None => return Ok(None),
        }
    }
    tagged(py, intern!(py, "NS"), PyList::new(py, numbers)?).map(Some)
}

/// `deserialize(attribute_value) -> object`, as `TypeDeserializer().deserialize(...)`.
#[pyfunction]
fn deserialize<'py>(py: Python<'py>, attribute_value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    guarded(py, || deserialize_value(attribute_value, 0))
}

fn deserialize_value<'py>(attribute: &Bound<'py, PyAny>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    let py = attribute.py();
    let depth = nested(depth)?;
    let Ok(dict) = attribute.cast_exact::<PyDict>() else {
        return boto3_deserialize(attribute);
    };
    // boto3 reads the first key only.
    let Some((tag, value)) = dict.iter().next() else {
        return boto3_deserialize(attribute);
    };
    let Ok(tag) = tag.cast_exact::<PyString>() else {
        return boto3_deserialize(attribute);
    };
    let Ok(tag) = tag.to_str() else {
        return boto3_deserialize(attribute);
    };
    let list = value.cast_exact::<PyList>().ok();
    match (tag, list) {
        ("S" | "BOOL", _) => Ok(value),
        ("NULL", _) => Ok(py.None().into_bound(py)),
        ("N", _) => create_decimal(py)?.call1((value,)),
        ("B", _) => binary_type(py)?.call1((value,)),
        ("M", _) if value.is_exact_instance_of::<PyDict>() => deserialize_map(&value, depth).map(Bound::into_any),
        ("L", Some(list)) => {
            let items = list.iter().map(|v| deserialize_value(&v, depth)).collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, items)?.into_any())
        }
        ("SS", Some(list)) => Ok(PySet::new(py, list.iter())?.into_any()),
        ("NS", Some(list)) => set_of(list, create_decimal(py)?),
        ("BS", Some(list)) => set_of(list, binary_type(py)?),
        _ => boto3_deserialize(attribute),
    }
}

/// `set(map(convert, values))`: each value is converted and added before the next is read, so
/// the first failure (converting, or hashing a signaling NaN) is boto3's too.
fn set_of<'py>(values: &Bound<'py, PyList>, convert: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let set = PySet::empty(values.py())?;
    for value in values.iter() {
        set.add(convert.call1((value,))?)?;
    }
    Ok(set.into_any())
}

fn deserialize_map<'py>(map: &Bound<'py, PyAny>, depth: usize) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(map.py());
    for_each_items(map, |k, v| out.set_item(k, deserialize_value(v, depth)?))?;
    Ok(out)
}

/// `{k: f(v) for k, v in mapping.items()}`, with a fast path for exact dicts and `.items()` for
/// the rest (a subclass's own `items` is honoured; a non-mapping fails as that comprehension would).
fn for_each_items<'py>(
    mapping: &Bound<'py, PyAny>,
    mut f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if let Ok(dict) = mapping.cast_exact::<PyDict>() {
        for (k, v) in dict.iter() {
            f(&k, &v)?;
        }
        return Ok(());
    }
    for entry in mapping.call_method0(intern!(mapping.py(), "items"))?.try_iter()? {
        let (k, v) = entry?.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()?;
        f(&k, &v)?;
    }
    Ok(())
}

/// `serialize_item(mapping) -> dict[str, dict]`
#[pyfunction]
fn serialize_item<'py>(py: Python<'py>, mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    guarded(py, || {
        let out = PyDict::new(py);
        for_each_items(mapping, |k, v| out.set_item(k, serialize_value(v, 1)?))?;
        Ok(out)
    })
}

/// `deserialize_item(item) -> dict[str, object]`
#[pyfunction]
fn deserialize_item<'py>(py: Python<'py>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    guarded(py, || deserialize_map(item, 1))
}

/// Panics on purpose, so tests can prove a panic becomes `InternalError` and the process lives on.
#[pyfunction]
#[allow(clippy::panic)]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    guarded(py, || panic!("deliberate panic for tests"))
}

// ---------------------------------------------------------------------------------------------
// SigV4

/// `sign_v4(method, url, headers, body, *, region, service, access_key, secret_key,
/// session_token=None, timestamp=None) -> list[tuple[str, str]]`: the headers that sign the
/// request (`X-Amz-Date`, `X-Amz-Security-Token` with a session token, `Authorization`).
#[pyfunction]
#[pyo3(signature = (
    method, url, headers, body, *, region, service, access_key, secret_key, session_token=None, timestamp=None,
))]
#[allow(clippy::too_many_arguments)] // keyword-only, as botocore's credentials and scope
fn sign_v4(
    py: Python<'_>,
    method: &str,
    url: &str,
    headers: &Bound<'_, PyAny>,
    body: &[u8],
    region: &str,
    service: &str,
    access_key: &str,
    secret_key: &str,
    session_token: Option<&str>,
    timestamp: Option<&str>,
) -> PyResult<Vec<(&'static str, String)>> {
    guarded(py, || {
        let pairs = header_pairs(headers)?;
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let now;
        let timestamp = match timestamp {
            Some(t) => t,
            None => {
                now = sigv4::timestamp_now();
                &now
            }
        };
        let request = sigv4::Request { method, url, headers: &borrowed, body };
        let credentials = sigv4::Credentials { access_key, secret_key, session_token };
        let scope = sigv4::Scope { region, service, timestamp };
        sigv4::sign(&request, &credentials, &scope).map_err(|e| PyValueError::new_err(e.0))
    })
}

/// Headers as `(name, value)` pairs, from a mapping or an iterable of pairs.
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let py = headers.py();
    let pairs = if let Ok(mapping) = headers.cast::<PyDict>() {
        mapping.items().into_any()
    } else if headers.hasattr(intern!(py, "items"))? {
        headers.call_method0(intern!(py, "items"))?
    } else {
        headers.clone()
    };
    pairs.try_iter()?.map(|pair| pair?.extract::<(String, String)>()).collect()
}

#[pymodule]
#[pyo3(name = "_rust_core")]
fn rust_core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(serialize, m)?)?;
    m.add_function(wrap_pyfunction!(deserialize, m)?)?;
    m.add_function(wrap_pyfunction!(serialize_item, m)?)?;
    m.add_function(wrap_pyfunction!(deserialize_item, m)?)?;
    m.add_function(wrap_pyfunction!(json_to_item, m)?)?;
    m.add_function(wrap_pyfunction!(item_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(item_size, m)?)?;
    m.add_function(wrap_pyfunction!(wire_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(json_to_wire, m)?)?;
    m.add_function(wrap_pyfunction!(sign_v4, m)?)?;
    m.add_class::<RecordCodec>()?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    Ok(())
}
