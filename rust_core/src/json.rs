//! A strict JSON parser (RFC 8259, plus DynamoDB's rules) into a borrowed tree.
//!
//! Syntax errors stop the parse, with the stdlib's messages and positions. Rules that well-formed
//! JSON can break (a repeated key, nesting past DynamoDB's 32 levels, numbers DynamoDB cannot hold)
//! are collected as violations with JSON Pointer paths and the parse goes on, so that a batch can
//! reject one record and keep the rest. Recursion is bounded by the depth limit: deeper input is
//! checked by an iterative scanner that builds nothing, so 100,000 open brackets cost a loop.

use std::borrow::Cow;
use std::collections::HashSet;

use foldhash::fast::RandomState;

use crate::error::{Error, Invalid, Report, Rule, SyntaxError, Violation, MAX_LISTED};
use crate::number::{self, NumberProblem};
use crate::pointer;
use crate::scan;

/// DynamoDB's nesting limit, counting the item itself.
pub const MAX_DEPTH: usize = 32;
/// Objects with more members than this find repeated keys through a hash set.
const LINEAR_KEY_SCAN: usize = 16;

/// A parsed JSON value borrowing from the input: strings without escapes and number texts are
/// slices of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value<'a> {
    #[default]
    Null,
    Bool(bool),
    /// The number's text as written: DynamoDB numbers are decimal text, never floats.
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Object<'a>),
}

/// An object's members in input order.
pub type Object<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

/// Where the parser is in the record, for JSON Pointers: keys are kept as the offset of their
/// opening quote and decoded again only if a violation needs the path.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Key(usize),
    Index(usize),
}

/// Parses one JSON object into its members. A repeated key or a lone surrogate is a syntax error
/// here (the contract's `JSONDecodeError`) unless the document has a real one; other broken rules
/// are `Error::Limits` with every violation found.
pub fn parse_record(input: &[u8]) -> Result<Object<'_>, Error> {
    let (value, violations) = parse_document(input)?;
    let Value::Object(members) = value else {
        return Err(Error::Shape("The JSON body must be an object"));
    };
    if let Some(v) = &violations.json_error {
        return Err(Error::Syntax(SyntaxError { message: v.rule.message(), byte_pos: v.byte_pos }));
    }
    if !violations.is_empty() {
        return Err(Error::Limits(violations.report()));
    }
    Ok(members)
}

/// The rules a document breaks: the first `MAX_LISTED` in document order and how many more, and
/// the first repeated key or lone surrogate wherever it is (text DynamoDB could never hold, which
/// a single record reports as malformed JSON).
#[derive(Debug, Default)]
pub struct Violations {
    pub listed: Vec<Violation>,
    pub unlisted: usize,
    pub json_error: Option<Violation>,
}

impl Violations {
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.unlisted == 0
    }

    pub fn report(&self) -> Report {
        Report { listed: self.listed.iter().map(Invalid::from).collect(), unlisted: self.unlisted }
    }
}

/// One JSON document and the rules it breaks.
pub fn parse_document(input: &[u8]) -> Result<(Value<'_>, Violations), SyntaxError> {
    let mut parser = Parser::new(input)?;
    parser.cur.skip_whitespace();
    let value = parser.parse_value(0)?;
    parser.cur.expect_end()?;
    Ok((value, parser.violations))
}

/// A batch: a JSON array whose elements are records, each with the rules it breaks (paths and
/// nesting counted from the record). Malformed syntax anywhere fails the whole body.
pub fn parse_batch(input: &[u8]) -> Result<Vec<(Value<'_>, Violations)>, Error> {
    let mut parser = Parser::new(input)?;
    parser.cur.skip_whitespace();
    if parser.cur.peek() != Some(b'[') {
        parser.parse_value(0)?; // a syntax error, if there is one, comes first
        parser.cur.expect_end()?;
        return Err(Error::Shape("A batch must be a JSON array of records"));
    }
    parser.cur.pos += 1;
    parser.cur.skip_whitespace();
    let mut records = Vec::new();
    if parser.cur.peek() == Some(b']') {
        parser.cur.pos += 1;
    } else {
        loop {
            let value = parser.parse_value(0)?;
            records.push((value, std::mem::take(&mut parser.violations)));
            if parser.cur.after_member(b']')? {
                break;
            }
        }
    }
    parser.cur.expect_end()?;
    Ok(records)
}

/// The stdlib's way of locating an error: characters (not bytes) from the start, and 1-based
/// line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub pos: usize,
    pub lineno: usize,
    pub colno: usize,
}

/// Converts a byte offset into a `Position`. Only valid UTF-8 precedes any error offset.
pub fn position(input: &[u8], byte_pos: usize) -> Position {
    let prefix = input.get(..byte_pos).unwrap_or(input);
    let chars = |bytes: &[u8]| bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    let pos = chars(prefix);
    let lineno = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
    let colno = match prefix.iter().rposition(|&b| b == b'\n') {
        Some(newline) => pos + 1 - chars(&prefix[..=newline]),
        None => pos + 1,
    };
    Position { pos, lineno, colno }
}

/// A place in JSON text, and the moves every reader of it makes: the parser here and wire.rs's
/// reader share them, so that both report the same errors at the same places.
pub(crate) struct Cursor<'a> {
    pub text: &'a str,
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    /// Checks the encoding: UTF-8 without a byte order mark (RFC 8259, section 8.1).
    pub fn new(input: &'a [u8]) -> Result<Self, SyntaxError> {
        if input.starts_with(b"\xEF\xBB\xBF") {
            return Err(SyntaxError { message: "Unexpected UTF-8 byte order mark", byte_pos: 0 });
        }
        let text = std::str::from_utf8(input)
            .map_err(|e| SyntaxError { message: "Invalid UTF-8", byte_pos: e.valid_up_to() })?;
        Ok(Cursor { text, pos: 0 })
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    pub fn error(&self, message: &'static str) -> SyntaxError {
        SyntaxError { message, byte_pos: self.pos }
    }

    pub fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Only whitespace may follow the document.
    pub fn expect_end(&mut self) -> Result<(), SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("Extra data")),
        }
    }

    /// After a member: `,` (then the next member) or the closing bracket. True when closed.
    pub fn after_member(&mut self, close: u8) -> Result<bool, SyntaxError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_whitespace();
                Ok(false)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.error("Expecting ',' delimiter")),
        }
    }
}

pub struct Parser<'a> {
    cur: Cursor<'a>,
    path: Vec<Segment>,
    pub violations: Violations,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8]) -> Result<Self, SyntaxError> {
        Ok(Parser { cur: Cursor::new(input)?, path: Vec::new(), violations: Violations::default() })
    }

    /// Records a broken rule. Past `MAX_LISTED` only the count grows: a hostile body cannot grow
    /// the list, nor make a pointer be written for each of its million violations.
    fn violate(&mut self, rule: Rule, byte_pos: usize) {
        let listed = self.violations.listed.len() < MAX_LISTED;
        let first_json_error = rule.is_json_error() && self.violations.json_error.is_none();
        if !(listed || first_json_error) {
            self.violations.unlisted += 1;
            return;
        }
        let violation = Violation { rule, path: self.pointer(), byte_pos };
        if first_json_error {
            self.violations.json_error = Some(violation.clone());
        }
        if listed {
            self.violations.listed.push(violation);
        } else {
            self.violations.unlisted += 1;
        }
    }

    fn pointer(&self) -> String {
        let mut path = String::new();
        for segment in &self.path {
            match *segment {
                Segment::Index(i) => pointer::push_index(&mut path, i),
                Segment::Key(at) => match decode_string(self.cur.text, at) {
                    Ok(key) => pointer::push_token(&mut path, &key.text),
                    Err(_) => pointer::push_token(&mut path, ""), // unreachable: the key parsed once
                },
            }
        }
        path
    }

    /// Parses the value at the current position. `enclosing` counts the containers around it;
    /// a container that would be the 33rd is a violation and is only checked for syntax.
    pub fn parse_value(&mut self, enclosing: usize) -> Result<Value<'a>, SyntaxError> {
        match self.cur.peek() {
            Some(b'{' | b'[') if enclosing >= MAX_DEPTH => {
                self.violate(Rule::MaxDepth, self.cur.pos);
                self.skip_container()?;
                Ok(Value::Null)
            }
            Some(b'{') => self.parse_object(enclosing + 1).map(Value::Object),
            Some(b'[') => self.parse_array(enclosing + 1).map(Value::Array),
            _ => {
                let start = self.cur.pos;
                let value = self.parse_scalar()?;
                if let Value::Number(text) = value {
                    match number::check_dynamodb(text) {
                        Ok(()) => {}
                        Err(NumberProblem::Precision) => self.violate(Rule::NumberPrecision, start),
                        Err(NumberProblem::Range) => self.violate(Rule::NumberRange, start),
                    }
                }
                Ok(value)
            }
        }
    }

    fn parse_object(&mut self, depth: usize) -> Result<Object<'a>, SyntaxError> {
        self.cur.pos += 1; // '{'
        self.cur.skip_whitespace();
        let mut members: Object<'a> = Vec::new();
        if self.cur.peek() == Some(b'}') {
            self.cur.pos += 1;
            return Ok(members);
        }
        let mut seen: Option<KeySet<'a>> = None;
        loop {
            let key_at = self.cur.pos;
            let key = self.parse_key()?;
            self.path.push(Segment::Key(key_at));
            if key.is_empty() {
                self.violate(Rule::EmptyName, key_at);
            }
            if is_repeated(&members, &mut seen, &key) {
                self.violate(Rule::DuplicateKey, key_at);
            }
            let value = self.parse_value(depth)?;
            self.path.pop();
            members.push((key, value));
            if self.cur.after_member(b'}')? {
                return Ok(members);
            }
        }
    }

    fn parse_array(&mut self, depth: usize) -> Result<Vec<Value<'a>>, SyntaxError> {
        self.cur.pos += 1; // '['
        self.cur.skip_whitespace();
        let mut items = Vec::new();
        if self.cur.peek() == Some(b']') {
            self.cur.pos += 1;
            return Ok(items);
        }
        loop {
            self.path.push(Segment::Index(items.len()));
            let value = self.parse_value(depth)?;
            self.path.pop();
            items.push(value);
            if self.cur.after_member(b']')? {
                return Ok(items);
            }
        }
    }

    /// `"key"` then `:`, leaving the position at the value.
    fn parse_key(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        if self.cur.peek() != Some(b'"') {
            return Err(self.cur.error("Expecting property name enclosed in double quotes"));
        }
        let key = self.parse_string()?;
        self.cur.skip_whitespace();
        if self.cur.peek() != Some(b':') {
            return Err(self.cur.error("Expecting ':' delimiter"));
        }
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        Ok(key)
    }

    fn parse_scalar(&mut self) -> Result<Value<'a>, SyntaxError> {
        let rest = self.cur.bytes().get(self.cur.pos..).unwrap_or_default();
        match rest.first() {
            Some(b'"') => self.parse_string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => {
                let len = number::scan_json_number(rest).ok_or_else(|| self.cur.error("Expecting value"))?;
                let text = self
                    .cur
                    .text
                    .get(self.cur.pos..self.cur.pos + len)
                    .ok_or_else(|| self.cur.error("Expecting value"))?;
                self.cur.pos += len;
                Ok(Value::Number(text))
            }
            _ => {
                let (value, len) = if rest.starts_with(b"true") {
                    (Value::Bool(true), 4)
                } else if rest.starts_with(b"false") {
                    (Value::Bool(false), 5)
                } else if rest.starts_with(b"null") {
                    (Value::Null, 4)
                } else {
                    return Err(self.cur.error("Expecting value"));
                };
                self.cur.pos += len;
                Ok(value)
            }
        }
    }

    fn parse_string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let decoded = decode_string(self.cur.text, self.cur.pos)?;
        self.cur.pos = decoded.end;
        if let Some(at) = decoded.lone_surrogate {
            self.violate(Rule::LoneSurrogate, at);
        }
        Ok(decoded.text)
    }

    /// Checks the container at the current position without building it or recursing: an
    /// explicit stack of open brackets replaces the call stack. Its syntax, and the malformed
    /// JSON well-formed syntax can hide (a repeated key, a lone surrogate), reported at the
    /// container's path: malformed JSON wherever it is, as `wire.rs`'s skipper does.
    fn skip_container(&mut self) -> Result<(), SyntaxError> {
        // Each open container's closing bracket, and an object's keys so far.
        let mut open: Vec<(u8, Keys<'a>)> = Vec::new();
        loop {
            // At the start of a value.
            match self.cur.peek() {
                Some(b'{') => {
                    self.cur.pos += 1;
                    self.cur.skip_whitespace();
                    if self.cur.peek() == Some(b'}') {
                        self.cur.pos += 1;
                    } else {
                        let mut keys = Keys::default();
                        self.skip_key(&mut keys)?;
                        open.push((b'}', keys));
                        continue;
                    }
                }
                Some(b'[') => {
                    self.cur.pos += 1;
                    self.cur.skip_whitespace();
                    if self.cur.peek() == Some(b']') {
                        self.cur.pos += 1;
                    } else {
                        open.push((b']', Keys::default()));
                        continue;
                    }
                }
                _ => {
                    self.parse_scalar()?;
                }
            }
            // After a value: close what is finished, or move on to the next member.
            loop {
                let Some((close, keys)) = open.last_mut() else {
                    return Ok(());
                };
                if self.cur.after_member(*close)? {
                    open.pop();
                } else {
                    if *close == b'}' {
                        self.skip_key(keys)?;
                    }
                    break;
                }
            }
        }
    }

    /// A key of a skipped object: a repeat of one in `keys` is a violation.
    fn skip_key(&mut self, keys: &mut Keys<'a>) -> Result<(), SyntaxError> {
        let key_at = self.cur.pos;
        let key = self.parse_key()?;
        if keys.repeated(key) {
            self.violate(Rule::DuplicateKey, key_at);
        }
        Ok(())
    }
}

/// The keys of an object the skipper is inside of: compared one by one while few, then through
/// a hash set, as `parse_object` does.
#[derive(Default)]
struct Keys<'a> {
    few: Vec<Cow<'a, str>>,
    many: Option<KeySet<'a>>,
}

impl<'a> Keys<'a> {
    /// Adds `key`; true when the object had it already.
    fn repeated(&mut self, key: Cow<'a, str>) -> bool {
        if let Some(many) = &mut self.many {
            return !many.insert(key);
        }
        if self.few.contains(&key) {
            return true;
        }
        self.few.push(key);
        if self.few.len() >= LINEAR_KEY_SCAN {
            self.many = Some(self.few.drain(..).collect());
        }
        false
    }
}

/// Keys seen in a large object. foldhash is fast and seeded per process, so crafted keys cannot
/// make lookups quadratic.
type KeySet<'a> = HashSet<Cow<'a, str>, RandomState>;

#[allow(clippy::ptr_arg)] // the Cow is cloned into the set, borrowed when possible
fn is_repeated<'a>(members: &Object<'a>, seen: &mut Option<KeySet<'a>>, key: &Cow<'a, str>) -> bool {
    if members.len() < LINEAR_KEY_SCAN {
        return members.iter().any(|(k, _)| k == key);
    }
    let seen = seen.get_or_insert_with(|| members.iter().map(|(k, _)| k.clone()).collect());
    !seen.insert(key.clone())
}

/// A decoded JSON string.
pub(crate) struct Decoded<'a> {
    /// Borrowed from the input when the string has no escapes.
    pub text: Cow<'a, str>,
    /// The offset after the closing quote.
    pub end: usize,
    /// The first `\uXXXX` escape that is half a surrogate pair: valid JSON syntax (the stdlib takes
    /// it) but not Unicode, so DynamoDB cannot store it. It decodes as U+FFFD meanwhile.
    pub lone_surrogate: Option<usize>,
}

/// Decodes the string whose opening quote is at `start`.
pub(crate) fn decode_string(text: &str, start: usize) -> Result<Decoded<'_>, SyntaxError> {
    let bytes = text.as_bytes();
    let error = |message, byte_pos| SyntaxError { message, byte_pos };
    let slice = |from: usize, to: usize| text.get(from..to).ok_or(error("Invalid UTF-8", from));
    let mut decoded: Option<String> = None;
    let mut lone_surrogate = None;
    let mut chunk = start + 1;
    let mut i = chunk;
    loop {
        let rest = bytes.get(i..).unwrap_or_default();
        i += scan::string_special(rest);
        match bytes.get(i) {
            None => return Err(error("Unterminated string starting at", start)),
            Some(b'"') => {
                let text = match decoded {
                    None => Cow::Borrowed(slice(chunk, i)?),
                    Some(mut s) => {
                        s.push_str(slice(chunk, i)?);
                        Cow::Owned(s)
                    }
                };
                return Ok(Decoded { text, end: i + 1, lone_surrogate });
            }
            Some(b'\\') => {
                let out = decoded.get_or_insert_with(String::new);
                out.push_str(slice(chunk, i)?);
                let simple = match bytes.get(i + 1) {
                    None => return Err(error("Unterminated string starting at", start)),
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'b') => '\u{8}',
                    Some(b'f') => '\u{c}',
                    Some(b'n') => '\n',
                    Some(b'r') => '\r',
                    Some(b't') => '\t',
                    Some(b'u') => {
                        let (c, len) = match decode_unicode_escape(bytes, i)? {
                            Some(pair) => pair,
                            None => {
                                lone_surrogate = lone_surrogate.or(Some(i));
                                ('\u{FFFD}', 6)
                            }
                        };
                        out.push(c);
                        i += len;
                        chunk = i;
                        continue;
                    }
                    Some(_) => return Err(error("Invalid \\escape", i)),
                };
                out.push(simple);
                i += 2;
                chunk = i;
            }
            Some(_) => return Err(error("Invalid control character at", i)),
        }
    }
}

/// `\uXXXX` at `at` (the backslash), joining a surrogate pair. Returns the character and the
/// escape's length, or `None` for a lone surrogate (one escape long).
///
/// Positions follow the stdlib: malformed hex is an error at the `u`, and so is an escape that
/// ends the input (the closing quote cannot follow); a pair is only joined when more follows it.
fn decode_unicode_escape(bytes: &[u8], at: usize) -> Result<Option<(char, usize)>, SyntaxError> {
    let invalid = |byte_pos| SyntaxError { message: "Invalid \\uXXXX escape", byte_pos };
    let escape = |from: usize| if from + 6 < bytes.len() { hex4(bytes, from + 2) } else { None };
    let high = escape(at).ok_or(invalid(at + 1))?;
    let (code, len) = match high {
        0xD800..=0xDBFF => {
            if at + 12 >= bytes.len() || bytes.get(at + 6..at + 8) != Some(b"\\u") {
                return Ok(None);
            }
            let low = escape(at + 6).ok_or(invalid(at + 7))?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Ok(None);
            }
            (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
        }
        0xDC00..=0xDFFF => return Ok(None),
        code => (code, 6),
    };
    Ok(char::from_u32(code).map(|c| (c, len)))
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + char::from(b).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> Result<Object<'_>, Error> {
        parse_record(text.as_bytes())
    }

    fn syntax(text: &str) -> (&'static str, usize) {
        match record(text) {
            Err(Error::Syntax(e)) => (e.message, e.byte_pos),
            other => panic!("expected a syntax error for {text:?}, got {other:?}"),
        }
    }

    fn limits(text: &str) -> Vec<(Rule, String)> {
        match record(text) {
            Err(Error::Limits(report)) => report.listed.into_iter().map(|v| (rule_of(v.keyword), v.path)).collect(),
            other => panic!("expected limit errors for {text:?}, got {other:?}"),
        }
    }

    fn rule_of(keyword: &str) -> Rule {
        let rules = [Rule::EmptyName, Rule::MaxDepth, Rule::NumberPrecision, Rule::NumberRange];
        rules.into_iter().find(|r| r.keyword() == keyword).unwrap_or(Rule::DuplicateKey)
    }

    #[test]
    fn parses_every_type_keeping_number_text() {
        let members =
            record(r#"{"s":"a\u00e9\ud83d\ude00","n":-1.50e3,"t":true,"f":false,"z":null,"l":[1,{}],"m":{"k":[]}}"#)
                .unwrap();
        assert_eq!(
            members,
            vec![
                ("s".into(), Value::String("a\u{e9}\u{1F600}".into())),
                ("n".into(), Value::Number("-1.50e3")),
                ("t".into(), Value::Bool(true)),
                ("f".into(), Value::Bool(false)),
                ("z".into(), Value::Null),
                ("l".into(), Value::Array(vec![Value::Number("1"), Value::Object(vec![])])),
                ("m".into(), Value::Object(vec![("k".into(), Value::Array(vec![]))])),
            ]
        );
    }

    #[test]
    fn syntax_errors_match_the_stdlib() {
        assert_eq!(syntax(""), ("Expecting value", 0));
        assert_eq!(syntax("{"), ("Expecting property name enclosed in double quotes", 1));
        assert_eq!(syntax(r#"{"a""#), ("Expecting ':' delimiter", 4));
        assert_eq!(syntax(r#"{"a":1 "b":2}"#), ("Expecting ',' delimiter", 7));
        assert_eq!(syntax(r#"{"a":1,}"#), ("Expecting property name enclosed in double quotes", 7));
        assert_eq!(syntax(r#"{"a":[1,]}"#), ("Expecting value", 8));
        assert_eq!(syntax(r#"{"a":1.e5}"#), ("Expecting ',' delimiter", 6));
        assert_eq!(syntax(r#"{"a":"b"#), ("Unterminated string starting at", 5));
        assert_eq!(syntax(r#"{"a":"\x"}"#), ("Invalid \\escape", 6));
        assert_eq!(syntax(r#"{"a":"\u12"}"#), ("Invalid \\uXXXX escape", 7));
        assert_eq!(syntax("{\"a\":\"\u{1}\"}"), ("Invalid control character at", 6));
        assert_eq!(syntax(r#"{"a":1}x"#), ("Extra data", 7));
        assert_eq!(syntax(r#"{"a":NaN}"#), ("Expecting value", 5));
        assert_eq!(syntax(r#"{"a":"\ud800"}"#), ("Lone surrogate in \\uXXXX escape", 6));
        assert_eq!(syntax(r#"{"a":"\udc00\u0041"}"#), ("Lone surrogate in \\uXXXX escape", 6));
        assert_eq!(syntax(r#"{"a":1,"a":2}"#), ("Duplicate key in object", 7));
        // Real syntax errors win over a lone surrogate, wherever they are, as in the stdlib.
        assert_eq!(syntax(r#"{"a":"\ud83d"#), ("Invalid \\uXXXX escape", 7));
        assert_eq!(syntax(r#"{"a":"\ud83d\ude00"#), ("Invalid \\uXXXX escape", 13));
        assert_eq!(syntax(r#"{"a":"\ud83d\ude00x"#), ("Unterminated string starting at", 5));
        assert_eq!(syntax(r#"{"a":"\ud83d\n"#), ("Unterminated string starting at", 5));
        assert_eq!(syntax(r#"{"a":"\ud800","b":}"#), ("Expecting value", 18));
        assert_eq!(syntax(r#"{"a":"\ud83d\u12"}"#), ("Invalid \\uXXXX escape", 13));
    }

    #[test]
    fn encoding_errors() {
        assert!(matches!(parse_record(b"\xEF\xBB\xBF{}"), Err(Error::Syntax(SyntaxError { byte_pos: 0, .. }))));
        assert_eq!(
            parse_record(b"{\"\xC3\xA9\":\"\xFF\"}"),
            Err(Error::Syntax(SyntaxError { message: "Invalid UTF-8", byte_pos: 7 }))
        );
    }

    #[test]
    fn positions_count_characters_lines_and_columns() {
        let text = "{\"\u{e9}\":\n  \"\u{1F600}\" x";
        let byte_pos = text.find('x').unwrap();
        assert_eq!(position(text.as_bytes(), byte_pos), Position { pos: 12, lineno: 2, colno: 7 });
        assert_eq!(position(b"abc", 1), Position { pos: 1, lineno: 1, colno: 2 });
    }

    #[test]
    fn attribute_names_cannot_be_empty() {
        assert_eq!(limits(r#"{"":1}"#), vec![(Rule::EmptyName, "/".into())]);
        assert_eq!(limits(r#"{"a":[{"":1}]}"#), vec![(Rule::EmptyName, "/a/0/".into())]);
    }

    #[test]
    fn the_top_level_must_be_an_object() {
        assert_eq!(record("[1]"), Err(Error::Shape("The JSON body must be an object")));
        assert_eq!(record(" \"x\" "), Err(Error::Shape("The JSON body must be an object")));
    }

    #[test]
    fn nesting_is_limited_to_32_containers_with_a_path() {
        let ok = format!("{}{}", "{\"a\":".repeat(31) + "[]", "}".repeat(31));
        assert!(record(&ok).is_ok());
        let deep = format!("{}{}", "{\"a/b\":".repeat(31) + "[[1]]", "}".repeat(31));
        let path = "/a~1b".repeat(31) + "/0";
        assert_eq!(limits(&deep), vec![(Rule::MaxDepth, path)]);
    }

    #[test]
    fn deep_garbage_is_scanned_iteratively() {
        let open = format!("{{\"a\":{}", "[".repeat(100_000));
        assert_eq!(syntax(&open), ("Expecting value", open.len()));
        let closed = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        // The 33rd container is the 32nd bracket: "/a" then 31 indexes.
        assert_eq!(limits(&closed), vec![(Rule::MaxDepth, format!("/a{}", "/0".repeat(31)))]);
        let bad = format!("{{\"a\":{}1 2{}}}", "[".repeat(50), "]".repeat(50));
        assert_eq!(syntax(&bad), ("Expecting ',' delimiter", 5 + 50 + 2));
        let objects = format!("{{\"a\":{}{}}}", "{\"k\":".repeat(40), "}".repeat(40));
        assert_eq!(syntax(&objects), ("Expecting value", 5 + 40 * 5));
    }

    #[test]
    fn numbers_dynamodb_cannot_hold_are_violations() {
        let many = "1".repeat(1_000_000);
        assert_eq!(limits(&format!("{{\"n\":{many}}}")), vec![(Rule::NumberPrecision, "/n".into())]);
        assert_eq!(
            limits(r#"{"a":[1E-131,{"b~":1e126}],"c":1.5E+40}"#),
            vec![(Rule::NumberRange, "/a/0".into()), (Rule::NumberRange, "/a/1/b~0".into())]
        );
    }

    #[test]
    fn violations_past_the_hundredth_are_counted_not_listed() {
        let numbers = vec!["1e999"; 250].join(",");
        match record(&format!(r#"{{"a":[{numbers}],"b":1,"b":2}}"#)) {
            // The repeated key after 250 violations is still found: it is malformed JSON.
            Err(Error::Syntax(e)) => assert_eq!(e.message, "Duplicate key in object"),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        match record(&format!(r#"{{"a":[{numbers}]}}"#)) {
            Err(Error::Limits(report)) => {
                assert_eq!((report.listed.len(), report.unlisted), (100, 150));
                assert_eq!(report.listed[99].path, "/a/99");
            }
            other => panic!("expected limit errors, got {other:?}"),
        }
    }

    /// Found by fuzzing (fuzz/regressions/json_parse/dup_deep.json): a repeated key inside a
    /// container past the 32nd level was not seen, so the record was a LimitError instead of
    /// malformed JSON, unlike wire_to_json and the contract ("a key repeated in one object").
    #[test]
    fn repeated_keys_are_malformed_json_past_the_depth_limit_too() {
        let deep = |inner: &str| format!("{{\"a\":{}{inner}{}}}", "[".repeat(33), "]".repeat(33));
        let text = deep(r#"{"k":1,"k":2}"#);
        assert_eq!(syntax(&text), ("Duplicate key in object", text.rfind("\"k\"").unwrap()));
        // In a large skipped object too, and only in one object: siblings may share keys.
        let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":[{{\"k\":{i}}}]")).collect();
        let text = deep(&format!("{{{},\"k7\":0}}", members.join(",")));
        assert_eq!(syntax(&text), ("Duplicate key in object", text.rfind("\"k7\"").unwrap()));
        let siblings = deep(r#"[{"k":1},{"k":2,"j":{"k":3}}]"#);
        assert_eq!(limits(&siblings), vec![(Rule::MaxDepth, format!("/a{}", "/0".repeat(31)))]);
    }

    #[test]
    fn repeated_keys_are_found_in_large_objects_too() {
        let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{},\"k7\":0}}", members.join(","));
        let at = text.rfind("\"k7\"").unwrap();
        assert_eq!(syntax(&text), ("Duplicate key in object", at));
    }
}
