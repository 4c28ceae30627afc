//! DynamoDB items held as Python dicts to compact JSON: `item_to_json`, written straight into
//! one buffer (strings from the UTF-8 CPython keeps, numbers as their text, binaries as base64).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyList, PyString, PyTuple};

use crate::json::MAX_DEPTH;
use crate::number;
use crate::writer;

use super::attribute::{binary_data, elements, expect_str, for_each_entry, single_entry, unsupported_type, Tag};
use super::errors::too_deep;
use super::guarded;

/// `item_to_json(item: Mapping[str, dict]) -> bytes`
#[pyfunction]
pub(super) fn item_to_json<'py>(py: Python<'py>, item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    guarded(py, || {
        let mut out = Vec::with_capacity(512);
        write_map(&mut out, item, 1)?;
        Ok(PyBytes::new(py, &out))
    })
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

/// A `str` as a JSON string, from the UTF-8 that CPython keeps beside it (a borrowed view under
/// the stable ABI of Python 3.10 and newer: no copy).
fn write_str(out: &mut Vec<u8>, s: &Bound<'_, PyString>) -> PyResult<()> {
    writer::write_string(out, s.to_str()?.as_bytes());
    Ok(())
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
