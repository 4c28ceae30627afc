//! `item_size`: an item held as Python dicts, measured as DynamoDB counts it against its 400 KB
//! limit (the rules themselves are the core's `size` module).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::json::MAX_DEPTH;
use crate::number;
use crate::size;

use super::attribute::{binary_data, elements, expect_str, for_each_entry, single_entry, unsupported_type, Tag};
use super::errors::too_deep;
use super::guarded;

/// `item_size(item) -> int`: the item's size as DynamoDB counts it against its 400 KB limit.
#[pyfunction]
pub(super) fn item_size(py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<usize> {
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
