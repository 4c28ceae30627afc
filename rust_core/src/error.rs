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
    /// Every rule, in declaration order: the error reference (`docs/errors.md`) lists them from
    /// here. `every_rule_is_listed` fails to compile until a new rule has its place in it.
    pub const ALL: [Rule; 13] = [
        Rule::DuplicateKey,
        Rule::LoneSurrogate,
        Rule::EmptyName,
        Rule::MaxDepth,
        Rule::NumberPrecision,
        Rule::NumberRange,
        Rule::MaxBodySize,
        Rule::MaxItemSize,
        Rule::MaxRecords,
        Rule::KeyType,
        Rule::KeyEmpty,
        Rule::KeySize,
        Rule::KeyDotSegment,
    ];

    /// Text DynamoDB could never hold, which a single record reports as malformed JSON.
    pub fn is_json_error(self) -> bool {
        matches!(self, Rule::DuplicateKey | Rule::LoneSurrogate)
    }

    /// A limit on a whole body: a batch that breaks it is refused whole, never one record alone.
    pub fn is_body_limit(self) -> bool {
        matches!(self, Rule::MaxBodySize | Rule::MaxRecords)
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

/// The keyword of the entry that closes a list cut short, and its message (`<...>` filled in).
const TOO_MANY_ERRORS: &str = "too_many_errors";
const TOO_MANY_MESSAGE: &str = "<n more errors> not listed; fix the listed ones first";

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
            keyword: TOO_MANY_ERRORS,
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

// ---------------------------------------------------------------------------------------------
// The reference: every keyword an `errors` entry can have (docs/errors.md is generated from it)

/// Where an entry of an `errors` list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `Rule` (`LimitError`; `JSONDecodeError` for a single record when `is_json_error`).
    Rule(Rule),
    /// The closing entry of a list cut short (`Report::entries`).
    Report,
    /// A batch's own checks on one record (`batch::KEYWORDS`).
    Batch,
    /// The record's JSON Schema (`schema::KEYWORDS`, `ValidationError`).
    Schema,
    /// DynamoDB JSON that is not (`wire::Mismatch`, `ShapeError`).
    Wire,
}

impl Source {
    pub fn family(self) -> &'static str {
        match self {
            Source::Rule(_) => "rule",
            Source::Report => "report",
            Source::Batch => "batch",
            Source::Schema => "schema",
            Source::Wire => "wire",
        }
    }

    /// Whether an entry can stand for one record of a batch (listed in its `failed`).
    pub fn in_batch(self) -> bool {
        match self {
            Source::Rule(rule) => !rule.is_body_limit(),
            Source::Report | Source::Batch | Source::Schema => true,
            Source::Wire => false,
        }
    }
}

/// One keyword with one of its messages; `<...>` in a message stands for what the message fills
/// in (from the schema, a count, a position), never a value of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub source: Source,
    pub keyword: &'static str,
    pub message: &'static str,
}

/// Every keyword an `errors` entry can have, each with every message it comes with, family by
/// family: the rules, the closing entry, a batch's records, the schema, DynamoDB JSON.
pub fn keywords() -> Vec<Keyword> {
    let rules = Rule::ALL.into_iter().map(|rule| (Source::Rule(rule), rule.keyword(), rule.message()));
    let report = std::iter::once((Source::Report, TOO_MANY_ERRORS, TOO_MANY_MESSAGE));
    let batch = crate::batch::KEYWORDS.into_iter().map(|(keyword, message)| (Source::Batch, keyword, message));
    let schema = crate::schema::KEYWORDS.iter().map(|&(keyword, message)| (Source::Schema, keyword, message));
    let wire = crate::wire::Mismatch::ALL.into_iter().map(|m| (Source::Wire, m.keyword(), m.message()));
    rules
        .chain(report)
        .chain(batch)
        .chain(schema)
        .chain(wire)
        .map(|(source, keyword, message)| Keyword { source, keyword, message })
        .collect()
}

/// Whether `message` is one that `template` (a `Keyword`'s message) stands for: its text, each
/// `<...>` matching at least one character.
#[cfg(test)]
pub(crate) fn fits(template: &str, message: &str) -> bool {
    let mut pieces = Vec::new(); // the text between placeholders
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('<') {
        let Some((_, tail)) = after.split_once('>') else { break };
        pieces.push(before);
        rest = tail;
    }
    pieces.push(rest);
    let Some((first, others)) = pieces.split_first() else { return false };
    let Some(mut left) = message.strip_prefix(first) else { return false };
    let Some((last, middle)) = others.split_last() else { return left.is_empty() };
    for piece in middle {
        let mut chars = left.chars();
        if chars.next().is_none() {
            return false;
        }
        let Some(at) = chars.as_str().find(piece) else { return false };
        left = &chars.as_str()[at + piece.len()..];
    }
    left.len() > last.len() && left.ends_with(last)
}

/// The variant names of the enum declared by `declaration` in `source` (fields left out).
#[cfg(test)]
pub(crate) fn variants(source: &str, declaration: &str) -> Vec<String> {
    let body = source.split(declaration).nth(1).unwrap().split("\n}").next().unwrap();
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//") && !line.starts_with("#["))
        .map(|line| line.split([',', '(', ' ']).next().unwrap().to_owned())
        .collect()
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

    #[test]
    fn every_rule_is_listed() {
        // No wildcard: a new rule does not compile until it has its place here, and in `ALL`.
        fn place(rule: Rule) -> usize {
            match rule {
                Rule::DuplicateKey => 0,
                Rule::LoneSurrogate => 1,
                Rule::EmptyName => 2,
                Rule::MaxDepth => 3,
                Rule::NumberPrecision => 4,
                Rule::NumberRange => 5,
                Rule::MaxBodySize => 6,
                Rule::MaxItemSize => 7,
                Rule::MaxRecords => 8,
                Rule::KeyType => 9,
                Rule::KeyEmpty => 10,
                Rule::KeySize => 11,
                Rule::KeyDotSegment => 12,
            }
        }
        for (i, rule) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(place(rule), i, "{rule:?}");
        }
        // And each variant the declaration names is in `ALL`, even one given a place above only.
        let listed: Vec<String> = Rule::ALL.iter().map(|rule| format!("{rule:?}")).collect();
        assert_eq!(variants(include_str!("error.rs"), "pub enum Rule {"), listed);
    }

    #[test]
    fn templates_fit_the_messages_they_stand_for() {
        assert!(fits("Must be at least <limit>", "Must be at least 5"));
        assert!(!fits("Must be at least <limit>", "Must be at least "));
        assert!(fits("Missing '<name>', required", "Missing 'a', required"));
        assert!(!fits("Missing '<name>', required", "Missing '', required"));
        assert!(fits("No placeholder", "No placeholder"));
        assert!(!fits("No placeholder", "No placeholder here"));
        assert!(fits(TOO_MANY_MESSAGE, &Invalid::too_many(1).message));
        assert!(fits(TOO_MANY_MESSAGE, &Invalid::too_many(250).message));
    }

    #[test]
    fn keywords_are_snake_case_and_messages_are_distinct() {
        let all = keywords();
        for k in &all {
            assert!(
                !k.keyword.is_empty()
                    && k.keyword.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{k:?}"
            );
            assert!(!k.message.is_empty(), "{k:?}");
        }
        for (i, k) in all.iter().enumerate() {
            assert!(!all[..i].contains(k), "listed twice: {k:?}");
        }
    }

    /// The code writes keywords as literals at two kinds of place (`keyword: "..."` in an
    /// `Invalid`, and `push(here(), "...", ...)` in schema.rs): each one found in the crate's code
    /// (its tests left out) must be listed, and each one a listing of literals names must still be
    /// in the code. Rule and mismatch keywords come from their enums, listed whole by `ALL`.
    #[test]
    fn every_keyword_in_the_code_is_listed() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut found = std::collections::BTreeSet::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("\n#[cfg(test)]\nmod tests").next().unwrap();
            for marker in ["keyword: \"", "push(here(), \""] {
                for after in code.split(marker).skip(1) {
                    found.insert(after.split('"').next().unwrap().to_owned());
                }
            }
        }
        assert!(found.contains("json_syntax") && found.contains("required"), "the scan found {found:?}");
        // decode_many builds records with no key given (`NewKey::Later`): none can contradict one.
        found.remove("key_mismatch");
        let all = keywords();
        let unlisted: Vec<_> = found.iter().filter(|f| !all.iter().any(|k| k.keyword == f.as_str())).collect();
        assert!(unlisted.is_empty(), "keywords the code writes that no listing has: {unlisted:?}");
        let literals = all.iter().filter(|k| matches!(k.source, Source::Batch | Source::Schema));
        let stale: Vec<_> = literals.filter(|k| !found.contains(k.keyword)).collect();
        assert!(stale.is_empty(), "listed keywords the code no longer writes: {stale:?}");
    }

    #[test]
    fn body_limits_refuse_a_batch_whole() {
        use crate::codec::{Limits, RecordCodec};
        let limits = Limits { max_batch_body_bytes: 64, max_batch_records: 2, max_item_bytes: 40, ..Limits::default() };
        let codec = RecordCodec::new(None, "id".into(), limits);
        let whole = |body: &str| match codec.decode_many(body.as_bytes(), false, false) {
            Err(Error::Limits(report)) => report.listed.first().map(|e| e.keyword),
            _ => None,
        };
        assert_eq!(whole(&format!("[{}]", " ".repeat(64))), Some(Rule::MaxBodySize.keyword()));
        assert_eq!(whole("[{},{},{}]"), Some(Rule::MaxRecords.keyword()));
        let batch = codec.decode_many(br#"[{"a":"0123456789012345678901234567890123456789"}]"#, false, false).unwrap();
        assert_eq!(batch.rejected[0].errors.listed[0].keyword, Rule::MaxItemSize.keyword());
        let per_record: Vec<_> = Rule::ALL.into_iter().filter(|r| Source::Rule(*r).in_batch()).collect();
        assert!(per_record.contains(&Rule::MaxItemSize) && !per_record.contains(&Rule::MaxRecords));
    }
}
