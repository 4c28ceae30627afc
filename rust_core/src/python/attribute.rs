//! Reading DynamoDB items and AttributeValues held as Python objects, for `item_to_json` and
//! `item_size` alike: mappings walked as dicts or through `.items()` (the boto3 drop-ins walk them
//! so too), an AttributeValue's one entry and its type tag, and the values inside it.

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyIterator, PyString};

/// Calls `f` on each entry of an item or attribute value: a dict or any other mapping, or a
/// `TypeError`.
pub(super) fn for_each_entry<'py>(
    map: &Bound<'py, PyAny>,
    f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if !(map.is_instance_of::<PyDict>() || map.hasattr(intern!(map.py(), "items"))?) {
        return Err(PyTypeError::new_err("expected a mapping of attribute names to attribute values"));
    }
    for_each_items(map, f)
}

/// The one (type, value) entry of an AttributeValue.
pub(super) fn single_entry<'py>(attribute: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
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
pub(super) enum Tag {
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

    /// The type a key names, found without reading its text: by identity first (CPython shares
    /// one-letter strings), then by the hash a dict key already carries, confirmed by equality.
    pub(super) fn of(key: &Bound<'_, PyAny>) -> PyResult<Option<Tag>> {
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

pub(super) fn unsupported_type() -> PyErr {
    PyTypeError::new_err("unsupported DynamoDB attribute type")
}

pub(super) fn expect_str<'a, 'py>(value: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    value.cast::<PyString>().map_err(|_| PyTypeError::new_err("S, N and SS values must be str"))
}

/// The elements of an L, SS, NS or BS value: a list (or another iterable that is not a string,
/// bytes or a mapping).
pub(super) fn elements<'py>(values: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyIterator>> {
    if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() || values.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("L, SS, NS and BS values must be lists"));
    }
    values.try_iter()
}

/// The data of a B value: `bytes`, `bytearray`, or either held in `.value` (boto3's `Binary`).
pub(super) fn binary_data<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let is_data = |v: &Bound<'py, PyAny>| v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>();
    if is_data(value) {
        return Ok(value.clone());
    }
    match value.getattr(intern!(value.py(), "value")) {
        Ok(inner) if is_data(&inner) => Ok(inner),
        _ => Err(PyTypeError::new_err("B and BS values must be bytes")),
    }
}

/// `{k: f(v) for k, v in mapping.items()}`, with a fast path for exact dicts and `.items()` for
/// the rest (a subclass's own `items` is honoured; a non-mapping fails as that comprehension would).
pub(super) fn for_each_items<'py>(
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
