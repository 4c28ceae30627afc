//! DynamoDB's wire form, "DynamoDB JSON" (`{"id": {"S": "a"}, "n": {"N": "1.50"}}`, as the HTTP
//! API, DynamoDB Streams images and exports carry an item), to plain JSON and back: text in, text
//! out, with no tree of Python objects in between.
//!
//! `wire_to_json` reads one item in a single pass, writing the plain JSON as it reads, and builds
//! no tree. Its syntax checks are `json.rs`'s (the same messages and positions, and a repeated key
//! or a lone surrogate is malformed JSON too); what well-formed JSON can still get wrong (a value
//! that is not `{"<type>": content}`, content of the wrong JSON type, a number or base64 text that
//! is not one, an empty set or one holding a value twice) is a `Mismatch` with a JSON Pointer into
//! the input. Nesting is counted in attribute values as DynamoDB counts it (the item is level 1, 32
//! at most), and containers past the limit are checked by an iterative scanner that builds
//! nothing, so deep input never recurses without bound.
//!
//! `json_to_wire` parses with `json::parse_record`, so it accepts and rejects exactly what
//! `json_to_item` does, with the same errors, and writes what `json.dumps` writes for the item
//! `json_to_item` builds (compact, `writer.rs`'s escaping).

use std::borrow::Cow;
use std::collections::HashSet;

use foldhash::fast::RandomState;

use crate::error::{Error, Invalid, Report, Rule, SyntaxError, MAX_LISTED};
use crate::json::{self, Cursor, Object, Value, MAX_DEPTH};
use crate::number::{self, NumberProblem};
use crate::pointer;
use crate::writer;

/// Maps with more members than this find repeated names through a hash set.
const LINEAR_KEY_SCAN: usize = 16;

// ---------------------------------------------------------------------------------------------
// Errors

/// DynamoDB's attribute types, as the wire names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
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

impl Tag {
    const ALL: [Tag; 10] = [Tag::S, Tag::N, Tag::B, Tag::Bool, Tag::Null, Tag::M, Tag::L, Tag::Ss, Tag::Ns, Tag::Bs];

    pub fn name(self) -> &'static str {
        match self {
            Tag::S => "S",
            Tag::N => "N",
            Tag::B => "B",
            Tag::Bool => "BOOL",
            Tag::Null => "NULL",
            Tag::M => "M",
            Tag::L => "L",
            Tag::Ss => "SS",
            Tag::Ns => "NS",
            Tag::Bs => "BS",
        }
    }

    fn of(name: &str) -> Option<Tag> {
        Tag::ALL.into_iter().find(|tag| tag.name() == name)
    }
}

/// Why well-formed JSON is not DynamoDB JSON. Each has a stable snake_case keyword; messages are
/// fixed texts that never quote the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The top level is not an object (one item, a map of attribute values).
    Item,
    /// An attribute value is not an object with exactly one member.
    AttributeValue,
    /// An attribute value's member is not named by one of DynamoDB's types.
    AttributeType,
    /// The content has the wrong JSON type for its type (an `S` that is not a string, ...).
    Content(Tag),
    /// An `N`, or an `NS` member, whose string is not a decimal number.
    NumberText,
    /// A `B`, or a `BS` member, that is not canonical, padded, standard base64.
    Base64,
    /// An `SS`, `NS` or `BS` with no members (DynamoDB has no empty sets).
    EmptySet,
    /// An `SS`, `NS` or `BS` holding one value twice (`NS` members compare as numbers).
    DuplicateMember,
}

impl Mismatch {
    /// Every mismatch, `Content` once per type: the error reference (`docs/errors.md`) lists them
    /// from here. `every_mismatch_is_listed` fails to compile until a new one has its place in it.
    pub const ALL: [Mismatch; 17] = [
        Mismatch::Item,
        Mismatch::AttributeValue,
        Mismatch::AttributeType,
        Mismatch::Content(Tag::S),
        Mismatch::Content(Tag::N),
        Mismatch::Content(Tag::B),
        Mismatch::Content(Tag::Bool),
        Mismatch::Content(Tag::Null),
        Mismatch::Content(Tag::M),
        Mismatch::Content(Tag::L),
        Mismatch::Content(Tag::Ss),
        Mismatch::Content(Tag::Ns),
        Mismatch::Content(Tag::Bs),
        Mismatch::NumberText,
        Mismatch::Base64,
        Mismatch::EmptySet,
        Mismatch::DuplicateMember,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Mismatch::Item => "item_type",
            Mismatch::AttributeValue => "attribute_value",
            Mismatch::AttributeType => "attribute_type",
            Mismatch::Content(_) => "value_type",
            Mismatch::NumberText => "number_text",
            Mismatch::Base64 => "base64",
            Mismatch::EmptySet => "empty_set",
            Mismatch::DuplicateMember => "duplicate_set_member",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Mismatch::Item => "DynamoDB JSON must be an object of attribute values (one item)",
            Mismatch::AttributeValue => {
                "An attribute value must be an object with exactly one member, named by its type"
            }
            Mismatch::AttributeType => "Unknown attribute type: expected S, N, B, BOOL, NULL, M, L, SS, NS or BS",
            Mismatch::Content(Tag::S) => "An S value must be a string",
            Mismatch::Content(Tag::N) => "An N value must be a string holding a number",
            Mismatch::Content(Tag::B) => "A B value must be a string of base64",
            Mismatch::Content(Tag::Bool) => "A BOOL value must be true or false",
            Mismatch::Content(Tag::Null) => "A NULL value must be true",
            Mismatch::Content(Tag::M) => "An M value must be an object",
            Mismatch::Content(Tag::L) => "An L value must be an array",
            Mismatch::Content(Tag::Ss) => "An SS value must be an array of strings",
            Mismatch::Content(Tag::Ns) => "An NS value must be an array of strings holding numbers",
            Mismatch::Content(Tag::Bs) => "A BS value must be an array of base64 strings",
            Mismatch::NumberText => "A number (N, or an NS member) must be a finite decimal number",
            Mismatch::Base64 => "Binary data (B, or a BS member) must be standard base64, padded and canonical",
            Mismatch::EmptySet => "A set (SS, NS or BS) cannot be empty",
            Mismatch::DuplicateMember => "A set (SS, NS or BS) cannot hold the same value twice",
        }
    }
}

/// Why DynamoDB JSON could not become plain JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// What `json_to_item` reports too: malformed JSON (a repeated key and a lone surrogate
    /// included), or DynamoDB's limits (nesting, numbers, empty names) with their paths.
    Json(Error),
    /// Well-formed JSON that is not DynamoDB JSON, at `path` (an RFC 6901 pointer into the input:
    /// `/a/M/b/N`).
    Shape { mismatch: Mismatch, path: String },
}

impl From<SyntaxError> for WireError {
    fn from(e: SyntaxError) -> Self {
        WireError::Json(Error::Syntax(e))
    }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB JSON -> JSON

/// One item in DynamoDB JSON to compact plain JSON, attributes in input order: `S` a string, `N`
/// a number with its text (mended by `number::to_json` when DynamoDB's text is not JSON's, `+5`
/// or `.5`), `B` its base64 text, `BOOL` a boolean, `NULL` null, `L` an array, `M` an object, the
/// sets arrays in input order (`NS` of numbers, `BS` of base64 strings). The same bytes as
/// `item_to_json` writes for the item as Python objects.
///
/// The input is one item: a `GetItem` answer (`{"Item": {...}}`) or an export line must be
/// unwrapped first.
///
/// Errors, the first that applies: malformed JSON anywhere; a top level that is not an object;
/// a repeated name or a lone surrogate anywhere (also `JSONDecodeError`); the first mismatch in
/// document order; then DynamoDB's limits (nesting past 32 levels, numbers, empty names), every
/// one found (the first `MAX_LISTED`, then a count).
pub fn wire_to_json(input: &[u8]) -> Result<Vec<u8>, WireError> {
    let mut reader = Reader::new(input)?;
    reader.out.reserve(input.len());
    reader.cur.skip_whitespace();
    if reader.cur.peek() != Some(b'{') {
        reader.skip_value()?;
        reader.cur.expect_end()?;
        return Err(WireError::Shape { mismatch: Mismatch::Item, path: String::new() });
    }
    reader.map(1)?;
    reader.cur.expect_end()?;
    reader.finish()
}

/// Where the reader is, for JSON Pointers: names are kept as the offset of their opening quote
/// and decoded again only if an error needs the path.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Name(usize),
    Index(usize),
    Tag(Tag),
}

/// Names seen in a large map or a skipped object, and the members of a set.
type Seen<'a> = HashSet<Cow<'a, str>, RandomState>;

/// A container the skipper is inside of.
enum Frame<'a> {
    Array,
    Object(Seen<'a>),
}

/// A JSON scalar as the reader needs it.
enum Scalar {
    String,
    Number,
    True,
    False,
    Null,
}

struct Reader<'a> {
    cur: Cursor<'a>,
    out: Vec<u8>,
    path: Vec<Segment>,
    /// The first repeated name or lone surrogate: malformed JSON for DynamoDB.
    json_error: Option<SyntaxError>,
    /// The first mismatch, with its pointer.
    mismatch: Option<(Mismatch, String)>,
    /// Broken limits: the first `MAX_LISTED`, and how many more.
    limits: Vec<Invalid>,
    unlisted: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Result<Self, SyntaxError> {
        Ok(Reader {
            cur: Cursor::new(input)?,
            out: Vec::new(),
            path: Vec::new(),
            json_error: None,
            mismatch: None,
            limits: Vec::new(),
            unlisted: 0,
        })
    }

    fn finish(self) -> Result<Vec<u8>, WireError> {
        if let Some(e) = self.json_error {
            return Err(e.into());
        }
        if let Some((mismatch, path)) = self.mismatch {
            return Err(WireError::Shape { mismatch, path });
        }
        if !self.limits.is_empty() {
            return Err(WireError::Json(Error::Limits(Report { listed: self.limits, unlisted: self.unlisted })));
        }
        Ok(self.out)
    }

    // --- what the input breaks

    fn pointer(&self) -> String {
        let mut path = String::new();
        for segment in &self.path {
            match *segment {
                Segment::Name(at) => match json::decode_string(self.cur.text, at) {
                    Ok(name) => pointer::push_token(&mut path, &name.text),
                    Err(_) => pointer::push_token(&mut path, ""), // unreachable: the name decoded once
                },
                Segment::Index(i) => pointer::push_index(&mut path, i),
                Segment::Tag(tag) => pointer::push_token(&mut path, tag.name()),
            }
        }
        path
    }

    fn mismatch(&mut self, mismatch: Mismatch) {
        if self.mismatch.is_none() {
            self.mismatch = Some((mismatch, self.pointer()));
        }
    }

    fn limit(&mut self, rule: Rule) {
        if self.limits.len() < MAX_LISTED {
            self.limits.push(Invalid::limit(rule, self.pointer()));
        } else {
            self.unlisted += 1;
        }
    }

    fn malformed(&mut self, rule: Rule, byte_pos: usize) {
        if self.json_error.is_none() {
            self.json_error = Some(SyntaxError { message: rule.message(), byte_pos });
        }
    }

    // --- tokens

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let decoded = json::decode_string(self.cur.text, self.cur.pos)?;
        self.cur.pos = decoded.end;
        if let Some(at) = decoded.lone_surrogate {
            self.malformed(Rule::LoneSurrogate, at);
        }
        Ok(decoded.text)
    }

    /// `"name"` then `:`, leaving the position at the value. Returns where the name starts.
    fn name(&mut self) -> Result<(usize, Cow<'a, str>), SyntaxError> {
        let at = self.cur.pos;
        if self.cur.peek() != Some(b'"') {
            return Err(self.cur.error("Expecting property name enclosed in double quotes"));
        }
        let name = self.string()?;
        self.cur.skip_whitespace();
        if self.cur.peek() != Some(b':') {
            return Err(self.cur.error("Expecting ':' delimiter"));
        }
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        Ok((at, name))
    }

    fn scalar(&mut self) -> Result<Scalar, SyntaxError> {
        let rest = self.cur.bytes().get(self.cur.pos..).unwrap_or_default();
        match rest.first() {
            Some(b'"') => self.string().map(|_| Scalar::String),
            Some(b'-' | b'0'..=b'9') => {
                self.cur.pos += number::scan_json_number(rest).ok_or_else(|| self.cur.error("Expecting value"))?;
                Ok(Scalar::Number)
            }
            _ => {
                let (scalar, len) = if rest.starts_with(b"true") {
                    (Scalar::True, 4)
                } else if rest.starts_with(b"false") {
                    (Scalar::False, 5)
                } else if rest.starts_with(b"null") {
                    (Scalar::Null, 4)
                } else {
                    return Err(self.cur.error("Expecting value"));
                };
                self.cur.pos += len;
                Ok(scalar)
            }
        }
    }

    // --- DynamoDB JSON

    /// An item or an `M` value at nesting level `depth` (the item is level 1), at its `{`.
    fn map(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        self.out.push(b'{');
        if self.cur.peek() == Some(b'}') {
            self.cur.pos += 1;
            self.out.push(b'}');
            return Ok(());
        }
        let mut names: Vec<Cow<'a, str>> = Vec::new();
        let mut seen: Option<Seen<'a>> = None;
        loop {
            let (at, name) = self.name()?;
            self.path.push(Segment::Name(at));
            if name.is_empty() {
                self.limit(Rule::EmptyName);
            }
            if is_repeated(&names, &mut seen, &name) {
                self.malformed(Rule::DuplicateKey, at);
            }
            if !names.is_empty() {
                self.out.push(b',');
            }
            write_text(&mut self.out, &name);
            self.out.push(b':');
            self.attribute(depth)?;
            self.path.pop();
            names.push(name);
            if self.cur.after_member(b'}')? {
                break;
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    /// An `L` value at nesting level `depth`, at its `[`.
    fn list(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        self.out.push(b'[');
        if self.cur.peek() == Some(b']') {
            self.cur.pos += 1;
            self.out.push(b']');
            return Ok(());
        }
        for i in 0.. {
            if i > 0 {
                self.out.push(b',');
            }
            self.path.push(Segment::Index(i));
            self.attribute(depth)?;
            self.path.pop();
            if self.cur.after_member(b']')? {
                break;
            }
        }
        self.out.push(b']');
        Ok(())
    }

    /// One attribute value (`{"S": "x"}`) inside a container at level `enclosing`.
    fn attribute(&mut self, enclosing: usize) -> Result<(), SyntaxError> {
        if self.cur.peek() != Some(b'{') {
            self.mismatch(Mismatch::AttributeValue);
            return self.skip_value();
        }
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        if self.cur.peek() == Some(b'}') {
            self.cur.pos += 1;
            self.mismatch(Mismatch::AttributeValue);
            return Ok(());
        }
        let (_, name) = self.name()?;
        match Tag::of(&name) {
            Some(tag) => {
                self.path.push(Segment::Tag(tag));
                self.content(tag, enclosing)?;
                self.path.pop();
            }
            None => {
                self.mismatch(Mismatch::AttributeType);
                self.skip_value()?;
            }
        }
        if self.cur.after_member(b'}')? {
            return Ok(());
        }
        // A second member: not an attribute value, but still JSON to check.
        self.mismatch(Mismatch::AttributeValue);
        let mut names = Seen::default();
        names.insert(name);
        self.skip_name(&mut names)?;
        self.skip(vec![Frame::Object(names)])
    }

    /// The content of a `tag` value inside a container at level `enclosing`.
    fn content(&mut self, tag: Tag, enclosing: usize) -> Result<(), SyntaxError> {
        let expected = match tag {
            Tag::S | Tag::N | Tag::B => b'"',
            Tag::M => b'{',
            Tag::L | Tag::Ss | Tag::Ns | Tag::Bs => b'[',
            Tag::Bool | Tag::Null => {
                if matches!(self.cur.peek(), Some(b'{' | b'[')) {
                    self.mismatch(Mismatch::Content(tag));
                    return self.skip_value();
                }
                let written: &[u8] = match (tag, self.scalar()?) {
                    (Tag::Bool, Scalar::True) => b"true",
                    (Tag::Bool, Scalar::False) => b"false",
                    (_, Scalar::True) => b"null",
                    _ => {
                        self.mismatch(Mismatch::Content(tag));
                        b""
                    }
                };
                self.out.extend_from_slice(written);
                return Ok(());
            }
        };
        if self.cur.peek() != Some(expected) {
            self.mismatch(Mismatch::Content(tag));
            return self.skip_value();
        }
        match tag {
            Tag::S => {
                let text = self.string()?;
                write_text(&mut self.out, &text);
            }
            Tag::N => {
                let text = self.string()?;
                self.number(&text);
            }
            Tag::B => {
                let text = self.string()?;
                self.binary(&text);
            }
            Tag::M | Tag::L if enclosing >= MAX_DEPTH => {
                self.limit(Rule::MaxDepth);
                self.skip_value()?;
            }
            Tag::M => self.map(enclosing + 1)?,
            Tag::L => self.list(enclosing + 1)?,
            _ => self.set(tag)?,
        }
        Ok(())
    }

    /// An `SS`, `NS` or `BS` value, at its `[`.
    fn set(&mut self, tag: Tag) -> Result<(), SyntaxError> {
        self.cur.pos += 1;
        self.cur.skip_whitespace();
        self.out.push(b'[');
        if self.cur.peek() == Some(b']') {
            self.cur.pos += 1;
            self.out.push(b']');
            self.mismatch(Mismatch::EmptySet);
            return Ok(());
        }
        let mut members = Seen::default();
        for i in 0.. {
            if i > 0 {
                self.out.push(b',');
            }
            self.path.push(Segment::Index(i));
            if self.cur.peek() == Some(b'"') {
                let text = self.string()?;
                let member = match tag {
                    Tag::Ns => self.number(&text).then(|| canonical_number(&text)).flatten().map(Cow::Owned),
                    Tag::Bs => self.binary(&text).then_some(text),
                    _ => {
                        write_text(&mut self.out, &text);
                        Some(text)
                    }
                };
                if let Some(member) = member {
                    if !members.insert(member) {
                        self.mismatch(Mismatch::DuplicateMember);
                    }
                }
            } else {
                self.mismatch(Mismatch::Content(tag));
                self.skip_value()?;
            }
            self.path.pop();
            if self.cur.after_member(b']')? {
                break;
            }
        }
        self.out.push(b']');
        Ok(())
    }

    /// Writes number text as a JSON number. False when it is not a number DynamoDB holds.
    fn number(&mut self, text: &str) -> bool {
        let Some(json) = number::to_json(text) else {
            self.mismatch(Mismatch::NumberText);
            return false;
        };
        self.out.extend_from_slice(json.as_bytes());
        let rule = match number::check_dynamodb(text) {
            Ok(()) => return true,
            Err(NumberProblem::Precision) => Rule::NumberPrecision,
            Err(NumberProblem::Range) => Rule::NumberRange,
        };
        self.limit(rule);
        false
    }

    /// Writes base64 text as a string, as `item_to_json` writes the bytes it stands for. False
    /// when it is not canonical standard base64.
    #[allow(clippy::ptr_arg)] // whether the Cow is borrowed says how to write it
    fn binary(&mut self, text: &Cow<'a, str>) -> bool {
        write_text(&mut self.out, text);
        let valid = is_canonical_base64(text.as_bytes());
        if !valid {
            self.mismatch(Mismatch::Base64);
        }
        valid
    }

    // --- JSON that is not read as DynamoDB JSON

    /// Checks the value at the current position (syntax, repeated names, lone surrogates) without
    /// writing it.
    fn skip_value(&mut self) -> Result<(), SyntaxError> {
        self.skip(Vec::new())
    }

    fn skip_name(&mut self, names: &mut Seen<'a>) -> Result<(), SyntaxError> {
        let (at, name) = self.name()?;
        if !names.insert(name) {
            self.malformed(Rule::DuplicateKey, at);
        }
        Ok(())
    }

    /// At a value inside the containers `open` (already entered): checks up to the end of the
    /// outermost, with an explicit stack instead of the call stack.
    fn skip(&mut self, mut open: Vec<Frame<'a>>) -> Result<(), SyntaxError> {
        loop {
            // At the start of a value.
            match self.cur.peek() {
                Some(b'{') => {
                    self.cur.pos += 1;
                    self.cur.skip_whitespace();
                    if self.cur.peek() == Some(b'}') {
                        self.cur.pos += 1;
                    } else {
                        let mut names = Seen::default();
                        self.skip_name(&mut names)?;
                        open.push(Frame::Object(names));
                        continue;
                    }
                }
                Some(b'[') => {
                    self.cur.pos += 1;
                    self.cur.skip_whitespace();
                    if self.cur.peek() == Some(b']') {
                        self.cur.pos += 1;
                    } else {
                        open.push(Frame::Array);
                        continue;
                    }
                }
                _ => {
                    self.scalar()?;
                }
            }
            // After a value: close what is finished, or move on to the next member.
            loop {
                let close = match open.last() {
                    None => return Ok(()),
                    Some(Frame::Array) => b']',
                    Some(Frame::Object(_)) => b'}',
                };
                if self.cur.after_member(close)? {
                    open.pop();
                    continue;
                }
                if let Some(Frame::Object(names)) = open.last_mut() {
                    self.skip_name(names)?;
                }
                break;
            }
        }
    }
}

/// Writes a decoded string as `writer::write_string` would. A borrowed one (here, as in
/// `json.rs`'s `Value`, a string that had no escapes in the input) holds nothing to escape and
/// is copied without scanning it again.
#[allow(clippy::ptr_arg)] // whether the Cow is borrowed says how to write it
fn write_text(out: &mut Vec<u8>, text: &Cow<'_, str>) {
    match text {
        Cow::Borrowed(raw) => {
            out.reserve(raw.len() + 2);
            out.push(b'"');
            out.extend_from_slice(raw.as_bytes());
            out.push(b'"');
        }
        Cow::Owned(decoded) => writer::write_string(out, decoded.as_bytes()),
    }
}

#[allow(clippy::ptr_arg)] // the Cow is cloned into the set, borrowed when possible
fn is_repeated<'a>(names: &Vec<Cow<'a, str>>, seen: &mut Option<Seen<'a>>, name: &Cow<'a, str>) -> bool {
    if names.len() < LINEAR_KEY_SCAN {
        return names.iter().any(|n| n == name);
    }
    let seen = seen.get_or_insert_with(|| {
        let mut set = Seen::with_capacity_and_hasher(4 * LINEAR_KEY_SCAN, RandomState::default());
        set.extend(names.iter().cloned());
        set
    });
    !seen.insert(name.clone())
}

/// Whether `text` is standard base64 (RFC 4648 section 4) as an encoder writes it: padded to a
/// multiple of four, `=` only at the end, and no bits set past the data. Exactly the texts that
/// decode to bytes that encode back to them, so equal texts mean equal bytes.
pub fn is_canonical_base64(text: &[u8]) -> bool {
    let sextet = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    if text.len() % 4 != 0 {
        return false;
    }
    let padding = text.iter().rev().take_while(|&&b| b == b'=').count();
    let data = &text[..text.len() - padding];
    if padding > 2 || !data.iter().all(|&b| sextet(b).is_some()) {
        return false;
    }
    // The last character carries 4 bits past the data before `==`, 2 before `=`.
    let unused = match padding {
        1 => 0b11,
        2 => 0b1111,
        _ => 0,
    };
    data.last().and_then(|&b| sextet(b)).is_none_or(|last| last & unused == 0)
}

/// A number's value as text (`1.50`, `15e-1` and `+1.5` are all `15e-1`; every zero is `0`), for
/// sets, where DynamoDB compares members as numbers. `None` when the text is not a number.
fn canonical_number(text: &str) -> Option<String> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = unsigned.split_once(['e', 'E']).unwrap_or((unsigned, "0"));
    let exponent: i64 = exponent.parse().ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let Some(first) = digits.iter().position(|&d| d != b'0') else {
        return Some("0".to_owned());
    };
    let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
    let significant = std::str::from_utf8(digits.get(first..=last)?).ok()?;
    let frac_len = i64::try_from(frac.len()).ok()?;
    let trailing = i64::try_from(digits.len() - 1 - last).ok()?;
    let scale = exponent.checked_sub(frac_len)?.checked_add(trailing)?;
    Some(format!("{}{significant}e{scale}", if negative { "-" } else { "" }))
}

// ---------------------------------------------------------------------------------------------
// JSON -> DynamoDB JSON

/// A JSON object to one item in DynamoDB JSON, compact, in input order: string `{"S":...}`,
/// number `{"N":"<text as written>"}`, true/false `{"BOOL":...}`, null `{"NULL":true}`, array
/// `{"L":[...]}`, object `{"M":{...}}`. What `json.dumps(json_to_item(body), separators=(",",
/// ":"), ensure_ascii=False)` writes, with `json_to_item`'s rules and errors.
pub fn json_to_wire(input: &[u8]) -> Result<Vec<u8>, Error> {
    let members = json::parse_record(input)?;
    let mut out = Vec::with_capacity(input.len() + input.len() / 2 + 16);
    write_item(&mut out, &members);
    Ok(out)
}

/// A parsed record's members as one item in DynamoDB JSON. Recursion is bounded: `parse_record`
/// accepts no more than `MAX_DEPTH` levels.
pub fn write_item(out: &mut Vec<u8>, members: &Object<'_>) {
    out.push(b'{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_text(out, name);
        out.push(b':');
        write_attribute(out, value);
    }
    out.push(b'}');
}

fn write_attribute(out: &mut Vec<u8>, value: &Value<'_>) {
    match value {
        Value::Null => out.extend_from_slice(br#"{"NULL":true}"#),
        Value::Bool(true) => out.extend_from_slice(br#"{"BOOL":true}"#),
        Value::Bool(false) => out.extend_from_slice(br#"{"BOOL":false}"#),
        Value::Number(text) => {
            // JSON number text needs no escaping inside a string.
            out.extend_from_slice(br#"{"N":""#);
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(br#""}"#);
        }
        Value::String(text) => {
            out.extend_from_slice(br#"{"S":"#);
            write_text(out, text);
            out.push(b'}');
        }
        Value::Array(items) => {
            out.extend_from_slice(br#"{"L":["#);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_attribute(out, item);
            }
            out.extend_from_slice(b"]}");
        }
        Value::Object(members) => {
            out.extend_from_slice(br#"{"M":"#);
            write_item(out, members);
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::*;

    /// The start of a text, for messages: some are megabytes.
    fn short(text: &str) -> String {
        text.chars().take(120).collect()
    }

    fn json_rs_syntax(text: &str) -> (&'static str, usize) {
        match json::parse_record(text.as_bytes()) {
            Err(Error::Syntax(e)) => (e.message, e.byte_pos),
            other => panic!("json.rs accepts {:?}: {other:?}", short(text)),
        }
    }

    fn plain(wire: &str) -> String {
        match wire_to_json(wire.as_bytes()) {
            Ok(out) => String::from_utf8(out).unwrap_or_default(),
            Err(e) => panic!("{:?} was refused: {e:?}", short(wire)),
        }
    }

    fn shape(wire: &str) -> (&'static str, String) {
        match wire_to_json(wire.as_bytes()) {
            Err(WireError::Shape { mismatch, path }) => (mismatch.keyword(), path),
            other => panic!("expected a mismatch for {:?}, got {other:?}", short(wire)),
        }
    }

    fn syntax(wire: &str) -> (&'static str, usize) {
        match wire_to_json(wire.as_bytes()) {
            Err(WireError::Json(Error::Syntax(e))) => (e.message, e.byte_pos),
            other => panic!("expected a syntax error for {:?}, got {other:?}", short(wire)),
        }
    }

    fn limits(wire: &str) -> Vec<(&'static str, String)> {
        match wire_to_json(wire.as_bytes()) {
            Err(WireError::Json(Error::Limits(report))) => {
                report.listed.into_iter().map(|v| (v.keyword, v.path)).collect()
            }
            other => panic!("expected limit errors for {:?}, got {other:?}", short(wire)),
        }
    }

    fn wire(json: &str) -> String {
        match json_to_wire(json.as_bytes()) {
            Ok(out) => String::from_utf8(out).unwrap_or_default(),
            Err(e) => panic!("{:?} was refused: {e:?}", short(json)),
        }
    }

    #[test]
    fn every_type_becomes_plain_json_in_input_order() {
        let item = r#" {"id": {"S": "a"}, "n": {"N": "1.50"}, "b": {"B": "//4AYWI="}, "ok": {"BOOL": true},
            "no": {"BOOL": false}, "z": {"NULL": true}, "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}]},
            "m": {"M": {"k": {"M": {}}, "e": {"S": ""}}}, "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2", "-1E+40"]},
            "bs": {"BS": ["AQ==", ""]}, "eb": {"B": ""}} "#;
        assert_eq!(
            plain(item),
            r#"{"id":"a","n":1.50,"b":"//4AYWI=","ok":true,"no":false,"z":null,"l":[1,"x",[]],"m":{"k":{},"e":""},"ss":["b","a"],"ns":[2,-1E+40],"bs":["AQ==",""],"eb":""}"#
        );
        assert_eq!(plain("{}"), "{}");
    }

    #[test]
    fn strings_are_decoded_and_written_as_json_dumps_writes_them() {
        let item = r#"{"\u00e9\/k": {"S": "a\"b\\c\n\u0001\u007f\ud83d\ude00\/"}, "b": {"B": "\/w=="}}"#;
        assert_eq!(plain(item), "{\"\u{e9}/k\":\"a\\\"b\\\\c\\n\\u0001\u{7f}\u{1F600}/\",\"b\":\"/w==\"}");
    }

    #[test]
    fn numbers_keep_their_text_or_are_mended_into_json() {
        let item =
            r#"{"a": {"N": "+5"}, "b": {"N": ".5"}, "c": {"N": "5."}, "d": {"N": "-0"}, "e": {"NS": ["007", "1e2"]}}"#;
        assert_eq!(plain(item), r#"{"a":5,"b":0.5,"c":5,"d":-0,"e":[7,1e2]}"#);
    }

    #[test]
    fn what_is_not_dynamodb_json_is_a_mismatch_with_a_path() {
        for (item, keyword, path) in [
            ("[]", "item_type", ""),
            ("\"x\"", "item_type", ""),
            (r#"{"a": "x"}"#, "attribute_value", "/a"),
            (r#"{"a": {}}"#, "attribute_value", "/a"),
            (r#"{"a": {"S": "x", "N": "1"}}"#, "attribute_value", "/a"),
            (r#"{"a": {"X": 1}}"#, "attribute_type", "/a"),
            (r#"{"a": {"s": "x"}}"#, "attribute_type", "/a"),
            (r#"{"a": {"S": 1}}"#, "value_type", "/a/S"),
            (r#"{"a": {"N": 1}}"#, "value_type", "/a/N"),
            (r#"{"a": {"B": null}}"#, "value_type", "/a/B"),
            (r#"{"a": {"BOOL": "true"}}"#, "value_type", "/a/BOOL"),
            (r#"{"a": {"NULL": false}}"#, "value_type", "/a/NULL"),
            (r#"{"a": {"NULL": null}}"#, "value_type", "/a/NULL"),
            (r#"{"a": {"L": {}}}"#, "value_type", "/a/L"),
            (r#"{"a": {"M": []}}"#, "value_type", "/a/M"),
            (r#"{"a": {"SS": "x"}}"#, "value_type", "/a/SS"),
            (r#"{"a": {"SS": ["x", 1]}}"#, "value_type", "/a/SS/1"),
            (r#"{"a": {"NS": [1]}}"#, "value_type", "/a/NS/0"),
            (r#"{"a": {"N": "x"}}"#, "number_text", "/a/N"),
            (r#"{"a": {"N": "NaN"}}"#, "number_text", "/a/N"),
            (r#"{"a": {"N": " 1"}}"#, "number_text", "/a/N"),
            (r#"{"a": {"NS": ["1", "Infinity"]}}"#, "number_text", "/a/NS/1"),
            (r#"{"a": {"B": "AQ="}}"#, "base64", "/a/B"),
            (r#"{"a": {"B": "AR=="}}"#, "base64", "/a/B"),
            (r#"{"a": {"B": "AQ-="}}"#, "base64", "/a/B"),
            (r#"{"a": {"BS": ["AQ==", "AQ"]}}"#, "base64", "/a/BS/1"),
            (r#"{"a": {"SS": []}}"#, "empty_set", "/a/SS"),
            (r#"{"a": {"NS": []}}"#, "empty_set", "/a/NS"),
            (r#"{"a": {"SS": ["x", "y", "x"]}}"#, "duplicate_set_member", "/a/SS/2"),
            (r#"{"a": {"NS": ["1", "1.0"]}}"#, "duplicate_set_member", "/a/NS/1"),
            (r#"{"a": {"NS": ["-0", "0e5"]}}"#, "duplicate_set_member", "/a/NS/1"),
            (r#"{"a": {"BS": ["AQ==", "AQ=="]}}"#, "duplicate_set_member", "/a/BS/1"),
            (r#"{"a/b": {"M": {"~": {"L": [{"S": "x"}, {"BOOL": 1}]}}}}"#, "value_type", "/a~1b/M/~0/L/1/BOOL"),
        ] {
            assert_eq!(shape(item), (keyword, path.to_owned()), "{item}");
        }
    }

    #[test]
    fn the_first_mismatch_is_reported_and_the_rest_still_checked_for_syntax() {
        assert_eq!(shape(r#"{"a": {"S": 1}, "b": {"X": [1, 2]}}"#), ("value_type", "/a/S".into()));
        // Malformed after a mismatch, and a repeated name or a lone surrogate wherever it is: all
        // are json_to_item's JSONDecodeError, at the same place.
        for text in [
            r#"{"a": {"S": 1}, "b": {"X": [1 2]}}"#,
            r#"{"a": {"S": 1}, "b": {"X": {"k": 1, "k": 2}}}"#,
            r#"{"a": {"S": "x", "S": "y"}}"#,
            r#"{"a": {"S": "x"}, "a": {"S": "y"}}"#,
            r#"{"a": {"S": "\ud800"}}"#,
            r#"{"a": {"NS": ["1", 2, "\udc00"]}}"#,
        ] {
            assert_eq!(syntax(text), json_rs_syntax(text), "{text}");
        }
        assert_eq!(syntax(r#"{"a": {"S": "\ud800"}}"#), ("Lone surrogate in \\uXXXX escape", 13));
        // A top level of the wrong type wins over a repeated name inside it, as in json_to_item.
        assert_eq!(shape(r#"[{"k": 1, "k": 2}]"#), ("item_type", String::new()));
    }

    #[test]
    fn repeated_names_are_found_in_large_maps_too() {
        let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{{\"N\":\"{i}\"}}")).collect();
        let item = format!("{{{},\"k7\":{{\"N\":\"0\"}}}}", members.join(","));
        assert_eq!(syntax(&item), ("Duplicate key in object", item.rfind("\"k7\"").unwrap_or_default()));
    }

    #[test]
    fn syntax_errors_are_json_to_items() {
        let cases = [
            "",
            " ",
            "{",
            r#"{"a""#,
            r#"{"a": {"S": "x"} "b": 1}"#,
            r#"{"a": {"S": "x"},}"#,
            r#"{"a": {"L": [{"N": "1"},]}}"#,
            r#"{"a": {"S": "b"#,
            r#"{"a": {"S": "\x"}}"#,
            r#"{"a": {"S": "\u12"}}"#,
            r#"{"a": {"S": "\u12"#,
            r#"{"a": {"S": "\ud83d"#,
            r#"{"a": {"S": "\ud83d\ude00"#,
            r#"{"a": {"S": "\ud83d\ude00x"#,
            r#"{"a": {"S": "\ud83d\u12"}}"#,
            r#"{"a": {"S": "\ud83d\u12"#,
            r#"{"a": {"S": "\ud83d\n"#,
            r#"{"a": {"S": "x\"#,
            r#"{"a": {"S": "x\\"#,
            "{\"a\": {\"S\": \"\u{1}\"}}",
            "{\"a\": {\"S\": \"\\n\u{1}\"}}",
            r#"{"a": {"N": "1"}}x"#,
            r#"{"a": {"NULL": nul}}"#,
            r#"{"a": {"X": [[[1 2]]]}}"#,
            r#"{"a": {"X": {"k" 1}}}"#,
            r#"{"a": {"X": {1: 1}}}"#,
            r#"{"a": {"N": -}}"#,
            r#"{"a": {"N": 1.e5}}"#,
            r#"{"a": {"S": "\ud800", "b": }}"#,
            "[1, 2",
            "\"x",
        ];
        for text in cases {
            assert_eq!(syntax(text), json_rs_syntax(text), "{text}");
        }
        assert_eq!(syntax("\u{feff}{}"), ("Unexpected UTF-8 byte order mark", 0));
        assert_eq!(
            wire_to_json(b"{\"a\": {\"S\": \"\xff\"}}"),
            Err(WireError::Json(Error::Syntax(SyntaxError { message: "Invalid UTF-8", byte_pos: 13 })))
        );
    }

    #[test]
    fn limits_are_json_to_items_with_paths_into_the_wire_form() {
        assert_eq!(
            limits(r#"{"": {"N": "1e999"}, "a": {"NS": ["1", "123456789012345678901234567890123456789"]}}"#),
            vec![
                ("empty_attribute_name", "/".into()),
                ("number_range", "//N".into()),
                ("number_precision", "/a/NS/1".into())
            ]
        );
        // A mismatch wins over a limit.
        assert_eq!(shape(r#"{"a": {"N": "1e999"}, "b": {"S": 1}}"#), ("value_type", "/b/S".into()));
    }

    #[test]
    fn nesting_counts_attribute_values_up_to_32_levels() {
        let nested = |levels: usize, inner: &str| {
            format!("{{\"a\":{}{inner}{}}}", "{\"M\":{\"a\":".repeat(levels - 1), "}}".repeat(levels - 1))
        };
        // The item is level 1: 31 M values inside it are levels 2 to 32.
        let deepest = nested(32, r#"{"L":[]}"#);
        assert_eq!(limits(&deepest), vec![("max_depth", format!("{}/a/L", "/a/M".repeat(31)))]);
        let ok = nested(32, r#"{"S":"x"}"#);
        assert_eq!(plain(&ok), format!("{}\"x\"{}", "{\"a\":".repeat(32), "}".repeat(32)));
        assert_eq!(plain(&nested(31, r#"{"L":[]}"#)), format!("{}[]{}", "{\"a\":".repeat(31), "}".repeat(31)));
    }

    #[test]
    fn deep_input_is_scanned_without_recursion() {
        let open = format!("{{\"a\":{{\"L\":{}", "[".repeat(100_000));
        assert_eq!(syntax(&open), ("Expecting value", open.len()));
        let closed = format!("{{\"a\":{{\"X\":{}{}}}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(shape(&closed), ("attribute_type", "/a".into()));
        let wrapped = format!("{}{}", "{\"a\":{\"M\":".repeat(100_000), "}}".repeat(100_000));
        assert_eq!(syntax(&wrapped), ("Expecting value", wrapped.len() - 200_000));
        let deep = format!("{}{{\"S\":\"x\"}}{}", "{\"a\":{\"M\":".repeat(50_000), "}}".repeat(50_000));
        assert_eq!(limits(&deep).len(), 1);
    }

    #[test]
    fn canonical_base64_is_what_the_standard_engine_decodes() {
        let alphabet = b"ABEQ/8=-";
        let mut text = Vec::new();
        for len in 0..=6u32 {
            for n in 0..alphabet.len().pow(len) {
                text.clear();
                let mut rest = n;
                for _ in 0..len {
                    text.push(alphabet[rest % alphabet.len()]);
                    rest /= alphabet.len();
                }
                assert_eq!(is_canonical_base64(&text), STANDARD.decode(&text).is_ok(), "{text:?}");
            }
        }
    }

    #[test]
    fn set_members_compare_as_values() {
        let same = ["1.5", "+1.5", "15e-1", "1.50", "0.15E+1", "150e-2"];
        assert!(same.iter().all(|n| canonical_number(n) == canonical_number("1.5")));
        assert_ne!(canonical_number("1.5"), canonical_number("-1.5"));
        assert_ne!(canonical_number("10"), canonical_number("1"));
        assert_eq!(canonical_number("-0.000e7"), Some("0".into()));
    }

    #[test]
    fn json_becomes_dynamodb_json() {
        let json =
            r#" {"s": "a\u00e9\n", "n": -1.50e3, "t": true, "f": false, "z": null, "l": [1, {}], "m": {"k": []}} "#;
        assert_eq!(
            wire(json),
            concat!(
                r#"{"s":{"S":"a"#,
                "\u{e9}",
                r#"\n"},"n":{"N":"-1.50e3"},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},"#,
                r#""l":{"L":[{"N":"1"},{"M":{}}]},"m":{"M":{"k":{"L":[]}}}}"#
            )
        );
    }

    #[test]
    fn json_to_wire_has_json_to_items_errors() {
        for text in ["[1]", "{", r#"{"a":1,"a":2}"#, r#"{"a":1e999}"#, r#"{"":1}"#] {
            assert_eq!(json_to_wire(text.as_bytes()).map(|_| ()), json::parse_record(text.as_bytes()).map(|_| ()));
        }
    }

    #[test]
    fn a_round_trip_gives_the_plain_json_back() {
        let json = r#"{"a":"x\u0001","b":[1.50,{"c":null,"d":[true,false]}],"e":{},"f":-0,"g":1E+40}"#;
        let back = plain(&wire(json));
        assert_eq!(
            back,
            "{\"a\":\"x\\u0001\",\"b\":[1.50,{\"c\":null,\"d\":[true,false]}],\"e\":{},\"f\":-0,\"g\":1E+40}"
        );
        let deep = format!("{}{}", "{\"a\":".repeat(31) + "[]", "}".repeat(31));
        assert_eq!(plain(&wire(&deep)), deep);
    }

    #[test]
    fn every_mismatch_is_listed() {
        // No wildcard: a new mismatch does not compile until it has its place here, and in `ALL`.
        fn place(mismatch: Mismatch) -> usize {
            match mismatch {
                Mismatch::Item => 0,
                Mismatch::AttributeValue => 1,
                Mismatch::AttributeType => 2,
                Mismatch::Content(tag) => 3 + Tag::ALL.iter().position(|t| *t == tag).unwrap(),
                Mismatch::NumberText => 13,
                Mismatch::Base64 => 14,
                Mismatch::EmptySet => 15,
                Mismatch::DuplicateMember => 16,
            }
        }
        for (i, mismatch) in Mismatch::ALL.into_iter().enumerate() {
            assert_eq!(place(mismatch), i, "{mismatch:?}");
        }
        assert_eq!(Mismatch::ALL.len(), 7 + Tag::ALL.len());
        // And each variant the declaration names is in `ALL`, even one given a place above only.
        let mut listed: Vec<String> = Mismatch::ALL.iter().map(|m| format!("{m:?}")).collect();
        listed.retain(|name| !name.starts_with("Content(") || name == "Content(S)");
        let listed: Vec<_> = listed.iter().map(|name| name.replace("(S)", "")).collect();
        assert_eq!(crate::error::variants(include_str!("wire.rs"), "pub enum Mismatch {"), listed);
    }
}
