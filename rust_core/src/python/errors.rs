//! The error boundary: the exception classes Rust raises, and the core's errors turned into them.
//!
//! The classes are plain Python classes in `python/rust_core/errors.py` (typed attributes that
//! pickle; `JSONDecodeError` made on first use, so that `import rust_core` does not import
//! `json`). Each is fetched from that module once per process, at its first raise; every raise
//! after that calls the cached class. `ErrorClass` names them, so a misspelt class is a compile
//! error.

use pyo3::call::PyCallArgs;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

use crate::error::{keywords, Error, Invalid, Report, Rule, Source};
use crate::json;
use crate::wire::Mismatch;

/// The classes of `rust_core.errors` that Rust raises.
#[derive(Debug, Clone, Copy)]
pub(super) enum ErrorClass {
    JsonDecode,
    Shape,
    Limit,
    Validation,
    KeyMismatch,
    Schema,
    Internal,
}

impl ErrorClass {
    /// The class's name in `rust_core.errors`, and the cell that keeps it once fetched.
    fn slot(self) -> (&'static str, &'static PyOnceLock<Py<PyType>>) {
        static JSON_DECODE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static SHAPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static LIMIT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static VALIDATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static KEY_MISMATCH: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static SCHEMA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        static INTERNAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        match self {
            ErrorClass::JsonDecode => ("JSONDecodeError", &JSON_DECODE),
            ErrorClass::Shape => ("ShapeError", &SHAPE),
            ErrorClass::Limit => ("LimitError", &LIMIT),
            ErrorClass::Validation => ("ValidationError", &VALIDATION),
            ErrorClass::KeyMismatch => ("KeyMismatchError", &KEY_MISMATCH),
            ErrorClass::Schema => ("SchemaError", &SCHEMA),
            ErrorClass::Internal => ("InternalError", &INTERNAL),
        }
    }

    /// The class's name in `rust_core.errors`.
    fn name(self) -> &'static str {
        self.slot().0
    }

    /// The class, fetched the first time it is needed (for `JSONDecodeError`, that makes it).
    fn class(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        let (name, cell) = self.slot();
        let class = cell.get_or_try_init(py, || {
            let class = py.import(intern!(py, "rust_core.errors"))?.getattr(name)?;
            Ok::<_, PyErr>(class.cast_into::<PyType>()?.unbind())
        })?;
        Ok(class.bind(py))
    }

    /// An instance made from `args`, as a `PyErr` (or the error that making it raised).
    pub(super) fn new_err<'py>(self, py: Python<'py>, args: impl PyCallArgs<'py>) -> PyErr {
        match self.class(py).and_then(|class| class.call1(args)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        }
    }
}

/// A core error as the exception it stands for; `doc` and `input` are the document as passed in
/// and its UTF-8, for a `JSONDecodeError`'s `doc` and position.
pub(super) fn to_pyerr(py: Python<'_>, error: Error, doc: &Bound<'_, PyAny>, input: &[u8]) -> PyErr {
    match error {
        Error::Syntax(e) => {
            let at = json::position(input, e.byte_pos);
            ErrorClass::JsonDecode.new_err(py, (e.message, doc, at.pos, at.lineno, at.colno))
        }
        Error::Shape(message) => ErrorClass::Shape.new_err(py, (message,)),
        Error::Limits(report) => limit_error(py, &report),
        Error::Invalid(found) => validation_error(py, &found),
        Error::KeyMismatch => ErrorClass::KeyMismatch.new_err(py, ("The body's key differs from the request's",)),
    }
}

fn validation_error(py: Python<'_>, report: &Report) -> PyErr {
    match details(py, report) {
        Ok(details) => ErrorClass::Validation.new_err(py, ("The record does not match its schema", details)),
        Err(e) => e,
    }
}

/// The `errors` list of a report.
pub(super) fn details<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyList>> {
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
    ErrorClass::Limit.new_err(py, (summary, details))
}

/// The `LimitError` for nesting deeper than DynamoDB's 32 levels.
pub(super) fn too_deep(py: Python<'_>) -> PyErr {
    limit_error(py, &Report::one(Invalid::limit(Rule::MaxDepth, String::new())))
}

/// A `ShapeError` that says where and what, as `LimitError` does: `path`, and `errors` with
/// one `{"path", "message", "keyword"}` entry.
pub(super) fn wire_shape_error(py: Python<'_>, mismatch: Mismatch, path: &str) -> PyErr {
    match detail(py, path, mismatch.message(), mismatch.keyword()) {
        Ok(entry) => ErrorClass::Shape.new_err(py, (mismatch.message(), vec![entry])),
        Err(e) => e,
    }
}

/// One keyword of the error reference: (family, keyword, message, class, in_batch).
type KeywordRow = (&'static str, &'static str, &'static str, &'static str, bool);

/// `_error_keywords()`: every keyword an `errors` entry can have (`crate::error::keywords`), one
/// row per message: its family (`rule`, `report`, `batch`, `schema`, `wire`), the keyword, the
/// message (`<...>` filled in), the exception class that carries it (empty for the entries a batch
/// lists alone and the closing `too_many_errors`), and whether it can stand for one record of a
/// batch. Private: docs/generate.py writes docs/errors.md from it.
#[pyfunction]
pub(super) fn _error_keywords(py: Python<'_>) -> PyResult<Vec<KeywordRow>> {
    super::guarded(py, || {
        let row = |k: crate::error::Keyword| {
            (k.source.family(), k.keyword, k.message, raised_as(k.source), k.source.in_batch())
        };
        Ok(keywords().into_iter().map(row).collect())
    })
}

/// The class an entry is raised with, as `to_pyerr` and `wire_shape_error` raise it; empty for
/// the entries only listed.
fn raised_as(source: Source) -> &'static str {
    let class = match source {
        // json::parse_record reports these as malformed JSON (a batch lists them per record)
        Source::Rule(rule) if rule.is_json_error() => ErrorClass::JsonDecode,
        Source::Rule(_) => ErrorClass::Limit,
        Source::Schema => ErrorClass::Validation,
        Source::Wire => ErrorClass::Shape,
        Source::Batch | Source::Report => return "",
    };
    class.name()
}
