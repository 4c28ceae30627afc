//! Drop-in replacements for boto3's `TypeSerializer().serialize` / `TypeDeserializer().deserialize`
//! and their item-wide forms: `serialize`, `deserialize`, `serialize_item`, `deserialize_item`.
//!
//! The common, exactly-typed values are converted natively; anything else (subclasses, `Binary`,
//! floats, numbers outside the fast path, quirky attribute values) is handed to boto3's own
//! serializer or deserializer, so results and exceptions match boto3 exactly.

use pyo3::exceptions::PyRecursionError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};

use crate::number;

use super::attribute::for_each_items;
use super::guarded;

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
pub(super) fn serialize<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
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
pub(super) fn deserialize<'py>(py: Python<'py>, attribute_value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
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

/// `serialize_item(mapping) -> dict[str, dict]`
#[pyfunction]
pub(super) fn serialize_item<'py>(py: Python<'py>, mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    guarded(py, || {
        let out = PyDict::new(py);
        for_each_items(mapping, |k, v| out.set_item(k, serialize_value(v, 1)?))?;
        Ok(out)
    })
}

/// `deserialize_item(item) -> dict[str, object]`
#[pyfunction]
pub(super) fn deserialize_item<'py>(py: Python<'py>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    guarded(py, || deserialize_map(item, 1))
}
