//! DynamoDB over the wire without botocore: its JSON form to plain JSON and back, bytes to bytes
//! (`wire_to_json`, `json_to_wire`), and the SigV4 headers that sign a request (`sign_v4`).

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::sigv4;
use crate::wire::{self, WireError};

use super::decode::utf8_bytes;
use super::errors::{to_pyerr, wire_shape_error};
use super::{guarded, DETACH_THRESHOLD};

/// `wire_to_json(data: bytes | str) -> bytes`: one item in DynamoDB JSON to plain JSON.
#[pyfunction]
pub(super) fn wire_to_json<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
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

/// `json_to_wire(body: bytes | str) -> bytes`: a JSON object to one item in DynamoDB JSON.
#[pyfunction]
pub(super) fn json_to_wire<'py>(py: Python<'py>, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
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

/// `sign_v4(method, url, headers, body, *, region, service, access_key, secret_key,
/// session_token=None, timestamp=None) -> list[tuple[str, str]]`: the headers that sign the
/// request (`X-Amz-Date`, `X-Amz-Security-Token` with a session token, `Authorization`).
#[pyfunction]
#[pyo3(signature = (
    method, url, headers, body, *, region, service, access_key, secret_key, session_token=None, timestamp=None,
))]
#[allow(clippy::too_many_arguments)] // keyword-only, as botocore's credentials and scope
pub(super) fn sign_v4(
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
