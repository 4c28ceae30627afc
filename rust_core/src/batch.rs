//! Batches: many records in one body, a JSON array or NDJSON, each record accepted or rejected
//! alone. Records are finished (checked, validated, built) in parallel; the order is kept.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::codec::{generate_key, key_attribute, NewKey, RecordCodec};
use crate::error::{Error, Invalid, Report, Rule, SyntaxError, REPORT_BUDGET};
use crate::json::{self, Object, Value, Violations};

/// The keywords a batch's own checks give one record, each with its message (`<...>` filled in):
/// the error reference (`docs/errors.md`) lists them from here.
pub const KEYWORDS: [(&str, &str); 3] = [
    ("json_syntax", "<what the parser expected> (column <n>)"),
    ("type", "A record must be a JSON object"),
    ("duplicate_id", "An earlier record of this batch has the same key"),
];

/// A record the batch could not take, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Counted from 0 over the records (NDJSON: blank lines do not count).
    pub index: usize,
    /// NDJSON only: the 1-based line.
    pub line: Option<usize>,
    pub errors: Report,
}

#[derive(Debug, Default)]
pub struct Batch<'a> {
    /// The accepted items, in input order.
    pub items: Vec<Object<'a>>,
    /// The rejected records, in input order.
    pub rejected: Vec<Rejected>,
}

/// A record on its way: parsed already (an array's element) or still text (an NDJSON line).
enum Source<'a> {
    Parsed(Value<'a>, Violations),
    Line(&'a [u8]),
}

struct Pending<'a> {
    index: usize,
    line: Option<usize>,
    source: Source<'a>,
}

impl RecordCodec {
    /// Decodes a batch. Whole-body errors (size, record count, and for an array its syntax and
    /// shape) are `Err`; everything about one record is that record's `Rejected`.
    pub fn decode_many<'a>(&self, input: &'a [u8], ndjson: bool, parallel: bool) -> Result<Batch<'a>, Error> {
        if input.len() > self.limits.max_batch_body_bytes {
            return Err(Error::limit(Rule::MaxBodySize));
        }
        let pending: Vec<Pending<'a>> = if ndjson {
            lines(input).collect()
        } else {
            let records = json::parse_batch(input)?.into_iter().enumerate();
            records
                .map(|(index, (value, violations))| Pending {
                    index,
                    line: None,
                    source: Source::Parsed(value, violations),
                })
                .collect()
        };
        if pending.len() > self.limits.max_batch_records {
            return Err(Error::limit(Rule::MaxRecords));
        }
        let finish = |p: Pending<'a>| (p.index, p.line, self.finish(p.source));
        let finished: Vec<_> = if parallel {
            pending.into_par_iter().map(finish).collect()
        } else {
            pending.into_iter().map(finish).collect()
        };

        // In input order: generated keys, and an id written once per batch, the first accepted
        // record holding it winning.
        let mut batch = Batch::default();
        let mut ids = HashSet::with_capacity(finished.len());
        for (index, line, result) in finished {
            let result = result.and_then(|mut members| match key_attribute(&members, self.key()) {
                Some(id) if !ids.insert(id.to_owned()) => Err(Report::one(duplicate_id(self.key()))),
                Some(_) => Ok(members),
                None => {
                    self.insert_key(&mut members, generate_key());
                    Ok(members)
                }
            });
            match result {
                Ok(members) => batch.items.push(members),
                Err(errors) => batch.rejected.push(Rejected { index, line, errors }),
            }
        }
        let mut budget = REPORT_BUDGET;
        for rejected in &mut batch.rejected {
            rejected.errors.fit(&mut budget);
        }
        Ok(batch)
    }

    fn finish<'a>(&self, source: Source<'a>) -> Result<Object<'a>, Report> {
        let (value, violations) = match source {
            Source::Parsed(value, violations) => (value, violations),
            Source::Line(text) => json::parse_document(text).map_err(|e| Report::one(line_syntax(&e, text)))?,
        };
        let Value::Object(members) = value else {
            return Err(Report::one(Invalid {
                path: String::new(),
                keyword: "type",
                message: "A record must be a JSON object".into(),
            }));
        };
        if !violations.is_empty() {
            return Err(violations.report());
        }
        self.build(members, NewKey::Later).map_err(|e| match e {
            Error::Limits(found) | Error::Invalid(found) => found,
            Error::Syntax(e) => Report::one(line_syntax(&e, b"")),
            Error::Shape(message) => {
                Report::one(Invalid { path: String::new(), keyword: "type", message: message.into() })
            }
            Error::KeyMismatch => {
                Report::one(Invalid { path: String::new(), keyword: "key_mismatch", message: "Key mismatch".into() })
            }
        })
    }
}

/// The non-blank lines of an NDJSON body, numbered from 1, `\r\n` endings allowed.
fn lines(input: &[u8]) -> impl Iterator<Item = Pending<'_>> {
    input
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, text)| !text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')))
        .enumerate()
        .map(|(index, (number, text))| Pending { index, line: Some(number + 1), source: Source::Line(text) })
}

fn line_syntax(error: &SyntaxError, text: &[u8]) -> Invalid {
    let at = json::position(text, error.byte_pos);
    Invalid { path: String::new(), keyword: "json_syntax", message: format!("{} (column {})", error.message, at.colno) }
}

fn duplicate_id(key: &str) -> Invalid {
    let mut path = String::new();
    crate::pointer::push_token(&mut path, key);
    Invalid { path, keyword: "duplicate_id", message: "An earlier record of this batch has the same key".into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Limits;
    use crate::schema::Schema;

    fn codec() -> RecordCodec {
        let schema = Schema::compile(r#"{"properties":{"n":{"type":"integer"}}}"#, true).unwrap();
        RecordCodec::new(Some(schema), "id".into(), Limits { max_batch_records: 5, ..Limits::default() })
    }

    /// Accepted ids; rejected (index, line, keywords).
    type Summary = (Vec<String>, Vec<(usize, Option<usize>, Vec<&'static str>)>);

    fn summary(batch: &Batch<'_>) -> Summary {
        let ids = batch.items.iter().map(|m| key_attribute(m, "id").unwrap_or("?").to_owned()).collect();
        let rejected = batch
            .rejected
            .iter()
            .map(|r| (r.index, r.line, r.errors.listed.iter().map(|e| e.keyword).collect()))
            .collect();
        (ids, rejected)
    }

    #[test]
    fn records_fail_alone_and_the_first_id_wins() {
        let body = br#"[{"id":"a"},{"id":"a"},7,{"id":"b","n":1.5},{"id":"b","x":1,"x":2},{"id":"b"}]"#;
        for parallel in [false, true] {
            let err = codec().decode_many(body, false, parallel).unwrap_err();
            assert_eq!(err, Error::limit(Rule::MaxRecords));
        }
        let body = br#"[{"id":"a"},{"id":"a"},7,{"id":"b","n":1.5},{"id":"b"}]"#;
        for parallel in [false, true] {
            let batch = codec().decode_many(body, false, parallel).unwrap();
            assert_eq!(
                summary(&batch),
                (
                    vec!["a".into(), "b".into()],
                    vec![(1, None, vec!["duplicate_id"]), (2, None, vec!["type"]), (3, None, vec!["type"])]
                )
            );
        }
    }

    #[test]
    fn ndjson_lines_fail_alone() {
        let body = b"{\"id\":\"a\"}\r\n\n  \n{\"id\":\n{\"id\":\"b\",\"k\":1,\"k\":2}\n{\"id\":\"c\"}";
        let batch = codec().decode_many(body, true, true).unwrap();
        assert_eq!(
            summary(&batch),
            (
                vec!["a".into(), "c".into()],
                vec![(1, Some(4), vec!["json_syntax"]), (2, Some(5), vec!["duplicate_key"])]
            )
        );
        assert_eq!(batch.rejected[0].errors.listed[0].message, "Expecting value (column 7)");
    }

    #[test]
    fn messages_are_the_listed_ones() {
        let body = b"{\"id\":\n7\n{\"id\":\"a\"}\n{\"id\":\"a\"}";
        let batch = codec().decode_many(body, true, false).unwrap();
        let entries: Vec<_> = batch.rejected.iter().flat_map(|r| r.errors.listed.iter()).collect();
        assert_eq!(entries.len(), 3);
        for entry in entries {
            let listed = KEYWORDS.iter().any(|(k, m)| *k == entry.keyword && crate::error::fits(m, &entry.message));
            assert!(listed, "{entry:?}");
        }
    }

    #[test]
    fn whole_body_errors() {
        assert!(matches!(codec().decode_many(b"[{}, ", false, false), Err(Error::Syntax(_))));
        assert!(matches!(codec().decode_many(b"{}", false, false), Err(Error::Shape(_))));
        assert!(matches!(codec().decode_many(b"{", false, false), Err(Error::Syntax(_))));
        let empty = codec().decode_many(b" [ ] ", false, false).unwrap();
        assert!(empty.items.is_empty() && empty.rejected.is_empty());
    }

    #[test]
    fn nesting_counts_from_each_record() {
        let record = format!("{}{}", "{\"a\":".repeat(31) + "[]", "}".repeat(31));
        let body = format!("[{record}]");
        assert_eq!(codec().decode_many(body.as_bytes(), false, false).unwrap().items.len(), 1);
    }
}
