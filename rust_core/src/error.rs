//! Errors as values. Each kind maps to exactly one Python exception (in `python/errors.rs`);
//! messages are fixed texts that never contain the input's values, since they end up in logs and
//! responses.

use std::borrow::Cow;

/// Malformed JSON: what was expected, and where (a byte offset into the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: &'static str,
    pub byte_pos: usize,
}

/// A rule that well-formed JSON can still break. Each has a stable snake_case keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    DuplicateKey,
    LoneSurrogate,
    EmptyName,
    MaxDepth,
    NumberPrecision,
    NumberRange,
    MaxBodySize,
    MaxItemSize,
    MaxRecords,
    KeyType,
    KeyEmpty,
    KeySize,
    KeyDotSegment,
}

impl Rule {
    /// Text DynamoDB could never hold, which a single record reports as malformed JSON.
    pub fn is_json_error(self) -> bool {
        matches!(self, Rule::DuplicateKey | Rule::LoneSurrogate)
    }

    pub fn keyword(self) -> &'static str {
        match self {
            Rule::DuplicateKey => "duplicate_key",
            Rule::LoneSurrogate => "lone_surrogate",
            Rule::EmptyName => "empty_attribute_name",
            Rule::MaxDepth => "max_depth",
            Rule::NumberPrecision => "number_precision",
            Rule::NumberRange => "number_range",
            Rule::MaxBodySize => "max_body_size",
            Rule::MaxItemSize => "max_item_size",
            Rule::MaxRecords => "max_records",
            Rule::KeyType => "key_type",
            Rule::KeyEmpty => "key_empty",
            Rule::KeySize => "key_size",
            Rule::KeyDotSegment => "key_dot_segment",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Rule::DuplicateKey => "Duplicate key in object",
            Rule::LoneSurrogate => "Lone surrogate in \\uXXXX escape",
            Rule::EmptyName => "Attribute names cannot be empty",
            Rule::MaxDepth => "Nesting deeper than 32 levels, DynamoDB's limit",
            Rule::NumberPrecision => "Number has more than 38 significant digits, DynamoDB's limit",
            Rule::NumberRange => "Number outside DynamoDB's range (1E-130 to 9.9999999999999999999999999999999999999E+125 in magnitude, or zero)",
            Rule::MaxBodySize => "The body is larger than the configured limit",
            Rule::MaxItemSize => "The item is larger than DynamoDB's 400 KB limit (or the configured one)",
            Rule::MaxRecords => "The batch has more records than the configured limit",
            Rule::KeyType => "The key attribute must be a string",
            Rule::KeyEmpty => "The key attribute must not be empty",
            Rule::KeySize => "The key attribute must be at most 2048 bytes in UTF-8",
            Rule::KeyDotSegment => "The key attribute cannot be '.' or '..', which URLs cannot hold as a path segment",
        }
    }
}

/// A record lists at most this many errors, the first ones in document order; one more entry
/// (`too_many_errors`) says how many were left out. Bodies of a few bytes each can break a rule
/// (`[{},{},...]` against a schema), so an unbounded list would let a 1 MB body make a reply of
/// hundreds of megabytes.
pub const MAX_LISTED: usize = 100;

/// One broken rule: which, where in the record (an RFC 6901 JSON Pointer), and the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub path: String,
    pub byte_pos: usize,
}

/// A schema violation: where, which keyword (snake_case), and a message from the schema alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub keyword: &'static str,
    pub message: String,
}

impl Invalid {
    /// A broken limit as an entry.
    pub fn limit(rule: Rule, path: String) -> Invalid {
        Invalid { path, keyword: rule.keyword(), message: rule.message().to_owned() }
    }

    /// The closing entry of a list that leaves `count` errors out.
    pub fn too_many(count: usize) -> Invalid {
        let noun = if count == 1 { "error" } else { "errors" };
        Invalid {
            path: String::new(),
            keyword: "too_many_errors",
            message: format!("{count} more {noun} not listed; fix the listed ones first"),
        }
    }
}

/// What a record breaks, as reported: the first errors found (at most `MAX_LISTED`) and how many
/// more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub listed: Vec<Invalid>,
    pub unlisted: usize,
}

impl Report {
    pub fn one(invalid: Invalid) -> Report {
        Report { listed: vec![invalid], unlisted: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.unlisted == 0
    }

    /// The entries of an `errors` list: the listed ones, then `too_many_errors` if some were not.
    pub fn entries(&self) -> impl Iterator<Item = Cow<'_, Invalid>> {
        let closing = (self.unlisted > 0).then(|| Cow::Owned(Invalid::too_many(self.unlisted)));
        self.listed.iter().map(Cow::Borrowed).chain(closing)
    }

    /// Keeps the listed errors that fit in what is left of `budget` (bytes as the reply carries
    /// them, see `wire_len`) and counts the others. Once one does not fit, none after it does,
    /// so that the listed ones stay the first ones.
    pub fn fit(&mut self, budget: &mut usize) {
        let mut kept = 0;
        for invalid in &self.listed {
            let size = invalid.wire_len();
            if size > *budget {
                *budget = 0;
                break;
            }
            *budget -= size;
            kept += 1;
        }
        self.unlisted += self.listed.len() - kept;
        self.listed.truncate(kept);
    }
}

/// Error text one call reports at most, as its reply carries it. A record's errors and a batch's
/// all share it, so that paths as long as the body (keys of 64 KB, 32 deep) or a million rejected
/// records cannot push a reply past Lambda's 6 MB response limit; what does not fit is counted.
pub const REPORT_BUDGET: usize = 1 << 20;

impl Invalid {
    /// The bytes this entry takes in the Lambda response at worst: written as JSON into a body
    /// that the runtime writes as a JSON string again, both times with non-ASCII escaped.
    pub fn wire_len(&self) -> usize {
        // {"path":"","message":"","keyword":""}, with each quote escaped in the envelope
        const ENTRY: usize = 64;
        ENTRY + wire_len(&self.path) + wire_len(&self.message) + wire_len(self.keyword)
    }
}

/// The length of `text` once escaped twice (a JSON string inside a JSON string), at worst:
/// a quote or backslash takes 4 bytes, a control or non-ASCII character 7 (`\\uXXXX`), one
/// beyond the BMP 14 (a surrogate pair).
pub fn wire_len(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => 4,
            ' '..='~' => 1,
            '\0'..='\u{7f}' => 7,
            '\u{80}'..='\u{ffff}' => 7,
            _ => 14,
        })
        .sum()
}

impl From<&Violation> for Invalid {
    fn from(v: &Violation) -> Self {
        Invalid::limit(v.rule, v.path.clone())
    }
}

/// Why a body could not become an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Malformed JSON (`JSONDecodeError`).
    Syntax(SyntaxError),
    /// Well-formed JSON of the wrong type (`ShapeError`).
    Shape(&'static str),
    /// DynamoDB or safety limits (`LimitError`).
    Limits(Report),
    /// The record breaks its schema (`ValidationError`).
    Invalid(Report),
    /// The record's key differs from the one the request names (`KeyMismatchError`).
    KeyMismatch,
}

impl Error {
    /// A limit broken by the whole body or item (no path inside it).
    pub fn limit(rule: Rule) -> Error {
        Error::at(rule, String::new())
    }

    /// The error with its report cut to `REPORT_BUDGET`.
    pub fn fitted(mut self) -> Error {
        if let Error::Limits(report) | Error::Invalid(report) = &mut self {
            report.fit(&mut REPORT_BUDGET.clone());
        }
        self
    }

    /// A limit broken at `path`.
    pub fn at(rule: Rule, path: String) -> Error {
        Error::Limits(Report::one(Invalid::limit(rule, path)))
    }
}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Self {
        Error::Syntax(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_length_counts_both_escapes() {
        assert_eq!(wire_len("abc"), 3);
        assert_eq!(wire_len("a\"b\\"), 10);
        assert_eq!(wire_len("\u{1}\n\u{e9}\u{20ac}"), 28);
        assert_eq!(wire_len("\u{1F600}"), 14);
    }

    #[test]
    fn a_report_keeps_what_fits_and_counts_the_rest() {
        let entry = |path: &str| Invalid { path: path.into(), keyword: "type", message: "m".into() };
        let mut report = Report { listed: vec![entry("/a"), entry(&"x".repeat(500)), entry("/b")], unlisted: 2 };
        let mut budget = 200;
        report.fit(&mut budget);
        assert_eq!((report.listed.len(), report.unlisted, budget), (1, 4, 0));
        let entries: Vec<_> = report.entries().map(|e| (e.path.clone(), e.keyword, e.message.clone())).collect();
        assert_eq!(
            entries,
            vec![
                ("/a".into(), "type", "m".into()),
                (String::new(), "too_many_errors", "4 more errors not listed; fix the listed ones first".into())
            ]
        );
        assert_eq!(Invalid::too_many(1).message, "1 more error not listed; fix the listed ones first");
    }
}
