//! An independent model of what the core must do, written apart from it so that the oracles
//! compare two implementations instead of checking the core against itself.
//!
//! `parse` is a strict RFC 8259 parser (UTF-8, no byte order mark) into a flat arena of nodes:
//! iterative, so that 64 KB of open brackets neither recurse nor overflow the stack when the tree
//! is dropped. It keeps what the core's rules need: every number's text, every string's decoded
//! text and where its first lone surrogate escape is, every key's position, every node's range.
//!
//! The models on top of it (`json_violations`, `Wire`) recurse only as deep as the core builds
//! (DynamoDB's 32 levels); deeper containers are walked with an explicit stack.

use std::collections::HashSet;

use rust_core::error::Rule;
use rust_core::wire::{Mismatch, Tag};

/// DynamoDB's nesting limit, counting the item itself.
pub const MAX_DEPTH: usize = 32;

/// A decoded JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// Lone surrogates decoded as U+FFFD.
    pub text: String,
    /// The offset of the backslash of the first `\uXXXX` escape that is half a surrogate pair.
    pub lone: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub key: Str,
    /// The offset of the key's opening quote.
    pub key_pos: usize,
    pub value: usize,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(String),
    String(Str),
    Array(Vec<usize>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// The value's bytes in the input: `start..end`.
    pub start: usize,
    pub end: usize,
}

/// A parsed document: nodes, the root last completed.
#[derive(Debug, Clone)]
pub struct Doc {
    pub nodes: Vec<Node>,
    pub root: usize,
}

impl Doc {
    pub fn node(&self, id: usize) -> &Node {
        &self.nodes[id]
    }

    pub fn kind(&self, id: usize) -> &Kind {
        &self.nodes[id].kind
    }

    /// Every lone surrogate or repeated key of the document, in reading order (a key's lone
    /// surrogate, then the key being a repeat, then its value): the first is what both of the
    /// core's readers report as malformed JSON.
    pub fn json_errors(&self) -> Vec<(Rule, usize)> {
        let mut found = Vec::new();
        let mut work = vec![Work::Node(self.root)];
        let mut seen_per_object: Vec<Option<HashSet<&str>>> = vec![None; self.nodes.len()];
        while let Some(step) = work.pop() {
            match step {
                Work::Node(id) => match self.kind(id) {
                    Kind::String(s) => found.extend(s.lone.map(|at| (Rule::LoneSurrogate, at))),
                    Kind::Array(items) => work.extend(items.iter().rev().map(|&i| Work::Node(i))),
                    Kind::Object(members) => {
                        for i in (0..members.len()).rev() {
                            work.push(Work::Node(members[i].value));
                            work.push(Work::Key(id, i));
                        }
                    }
                    _ => {}
                },
                Work::Key(object, i) => {
                    let Kind::Object(members) = self.kind(object) else { continue };
                    let member = &members[i];
                    found.extend(member.key.lone.map(|at| (Rule::LoneSurrogate, at)));
                    let seen = seen_per_object[object].get_or_insert_with(HashSet::new);
                    if !seen.insert(member.key.text.as_str()) {
                        found.push((Rule::DuplicateKey, member.key_pos));
                    }
                }
            }
        }
        found
    }

    /// The greatest number of nested containers anywhere (a scalar document is 0).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut work = vec![(self.root, 0usize)];
        while let Some((id, enclosing)) = work.pop() {
            let children: Vec<usize> = match self.kind(id) {
                Kind::Array(items) => items.clone(),
                Kind::Object(members) => members.iter().map(|m| m.value).collect(),
                _ => continue,
            };
            deepest = deepest.max(enclosing + 1);
            work.extend(children.into_iter().map(|c| (c, enclosing + 1)));
        }
        deepest
    }
}

enum Work {
    Node(usize),
    Key(usize, usize),
}

/// Parses strict JSON. `None` for anything RFC 8259 does not allow.
pub fn parse(input: &[u8]) -> Option<Doc> {
    let text = std::str::from_utf8(input).ok()?;
    let mut p = RefParser { text, bytes: input, pos: 0, nodes: Vec::new() };
    let mut open: Vec<usize> = Vec::new();
    p.ws();
    let root = 'value: loop {
        // At the start of a value.
        let start = p.pos;
        let mut done = match *p.bytes.get(p.pos)? {
            b'{' => {
                p.pos += 1;
                p.ws();
                let id = p.push(Kind::Object(Vec::new()), start);
                if p.peek() == Some(b'}') {
                    p.pos += 1;
                    p.nodes[id].end = p.pos;
                    id
                } else {
                    open.push(id);
                    p.key(id)?;
                    continue 'value;
                }
            }
            b'[' => {
                p.pos += 1;
                p.ws();
                let id = p.push(Kind::Array(Vec::new()), start);
                if p.peek() == Some(b']') {
                    p.pos += 1;
                    p.nodes[id].end = p.pos;
                    id
                } else {
                    open.push(id);
                    continue 'value;
                }
            }
            b'"' => {
                let s = p.string()?;
                p.push(Kind::String(s), start)
            }
            b'-' | b'0'..=b'9' => {
                let n = p.number()?;
                p.push(Kind::Number(n), start)
            }
            _ => {
                let rest = &p.bytes[p.pos..];
                let (kind, len) = if rest.starts_with(b"true") {
                    (Kind::Bool(true), 4)
                } else if rest.starts_with(b"false") {
                    (Kind::Bool(false), 5)
                } else if rest.starts_with(b"null") {
                    (Kind::Null, 4)
                } else {
                    return None;
                };
                p.pos += len;
                p.push(kind, start)
            }
        };
        // After a value: attach it to its container, then close what is finished.
        loop {
            let Some(&parent) = open.last() else { break 'value done };
            let is_object = match &mut p.nodes[parent].kind {
                Kind::Array(items) => {
                    items.push(done);
                    false
                }
                Kind::Object(members) => {
                    members.last_mut()?.value = done;
                    true
                }
                _ => return None,
            };
            p.ws();
            match (p.peek()?, is_object) {
                (b',', _) => {
                    p.pos += 1;
                    p.ws();
                    if is_object {
                        p.key(parent)?;
                    }
                    continue 'value;
                }
                (b'}', true) | (b']', false) => {
                    p.pos += 1;
                    p.nodes[parent].end = p.pos;
                    open.pop();
                    done = parent;
                }
                _ => return None,
            }
        }
    };
    p.ws();
    if p.pos != input.len() {
        return None;
    }
    Some(Doc { nodes: p.nodes, root })
}

struct RefParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    nodes: Vec<Node>,
}

impl RefParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Pushes a finished scalar or an open container starting at `start`.
    fn push(&mut self, kind: Kind, start: usize) -> usize {
        self.nodes.push(Node { kind, start, end: self.pos });
        self.nodes.len() - 1
    }

    /// `"key"`, `:` and whitespace, adding a member to `object` (its value set later).
    fn key(&mut self, object: usize) -> Option<()> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let key_pos = self.pos;
        let key = self.string()?;
        self.ws();
        if self.peek() != Some(b':') {
            return None;
        }
        self.pos += 1;
        self.ws();
        match &mut self.nodes[object].kind {
            Kind::Object(members) => members.push(Member { key, key_pos, value: usize::MAX }),
            _ => return None,
        }
        Some(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        let mut value = 0;
        for &d in digits {
            value = value * 16 + char::from(d).to_digit(16)?;
        }
        Some(value)
    }

    fn string(&mut self) -> Option<Str> {
        self.pos += 1; // the opening quote
        let mut text = String::new();
        let mut lone = None;
        loop {
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(Str { text, lone });
                }
                b'\\' => {
                    let simple = match *self.bytes.get(self.pos + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let unit = self.hex4(self.pos + 2)?;
                            let low = if self.bytes.get(self.pos + 6..self.pos + 8) == Some(b"\\u") {
                                self.hex4(self.pos + 8)
                            } else {
                                None
                            };
                            match (unit, low) {
                                (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) => {
                                    text.push(char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?);
                                    self.pos += 12;
                                }
                                (0xD800..=0xDFFF, _) => {
                                    lone = lone.or(Some(self.pos));
                                    text.push('\u{FFFD}');
                                    self.pos += 6;
                                }
                                _ => {
                                    text.push(char::from_u32(unit)?);
                                    self.pos += 6;
                                }
                            }
                            continue;
                        }
                        _ => return None,
                    };
                    text.push(simple);
                    self.pos += 2;
                }
                0..=0x1F => return None,
                _ => {
                    let c = self.text.get(self.pos..)?.chars().next()?;
                    text.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Option<String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(self.text.get(start..self.pos)?.to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// Paths, strings and numbers

/// One RFC 6901 reference token.
#[derive(Debug, Clone)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub fn pointer(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        out.push('/');
        match seg {
            Seg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// A JSON string as Python's `json.dumps(..., ensure_ascii=False)` writes it.
pub fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A node as compact JSON (the document's own number texts, strings escaped as `json.dumps`
/// does), iteratively.
pub fn write_compact(doc: &Doc, id: usize) -> String {
    enum Step {
        Node(usize),
        Text(&'static str),
        Key(String),
    }
    let mut out = String::new();
    let mut work = vec![Step::Node(id)];
    while let Some(step) = work.pop() {
        match step {
            Step::Text(t) => out.push_str(t),
            Step::Key(k) => {
                write_string(&mut out, &k);
                out.push(':');
            }
            Step::Node(id) => match doc.kind(id) {
                Kind::Null => out.push_str("null"),
                Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Kind::Number(n) => out.push_str(n),
                Kind::String(s) => write_string(&mut out, &s.text),
                Kind::Array(items) => {
                    out.push('[');
                    work.push(Step::Text("]"));
                    for (i, &item) in items.iter().enumerate().rev() {
                        work.push(Step::Node(item));
                        if i > 0 {
                            work.push(Step::Text(","));
                        }
                    }
                }
                Kind::Object(members) => {
                    out.push('{');
                    work.push(Step::Text("}"));
                    for (i, m) in members.iter().enumerate().rev() {
                        work.push(Step::Node(m.value));
                        work.push(Step::Key(m.key.text.clone()));
                        if i > 0 {
                            work.push(Step::Text(","));
                        }
                    }
                }
            },
        }
    }
    out
}

/// Decimal number text split into its parts, as DynamoDB and `Decimal` read it:
/// `[+-]?(digits[.digits?] | .digits)([eE][+-]?digits)?`.
#[derive(Debug, Clone)]
pub struct Decimal<'a> {
    pub negative: bool,
    pub int: &'a str,
    pub frac: &'a str,
    /// The exponent's text, sign included (`None` when there is none).
    pub exp: Option<&'a str>,
}

pub fn decimal(text: &str) -> Option<Decimal<'_>> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    if let Some(e) = exp {
        let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
        if unsigned.is_empty() || !digits(unsigned) {
            return None;
        }
    }
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    Some(Decimal { negative, int, frac, exp })
}

/// Whether `text` is exactly one JSON number.
pub fn is_json_number(text: &str) -> bool {
    let Some(Decimal { int, frac, exp, .. }) = decimal(text) else { return false };
    let json_int = int == "0" || (!int.is_empty() && !int.starts_with('0'));
    let json_frac = !text.contains('.') || !frac.is_empty();
    let json_exp = exp.is_none_or(|e| !e.is_empty());
    json_int && json_frac && json_exp && !text.starts_with('+')
}

/// The exponent as a number, `None` beyond 64 bits (DynamoDB cannot read those).
fn exponent(d: &Decimal<'_>) -> Option<i128> {
    match d.exp {
        None => Some(0),
        Some(e) => e.parse::<i64>().ok().map(i128::from),
    }
}

/// DynamoDB's verdict on a number: `Ok`, or the rule it breaks (an exponent beyond 64 bits is
/// out of range; then at most 38 significant digits; then 1E-130 <= |x| < 1E+126, zero checked
/// as if its last written digit were a 1).
pub fn dynamodb_number(text: &str) -> Result<(), Rule> {
    let Some(d) = decimal(text) else { return Err(Rule::NumberRange) };
    let Some(exp) = exponent(&d) else { return Err(Rule::NumberRange) };
    let digits: Vec<u8> = d.int.bytes().chain(d.frac.bytes()).collect();
    let range = |adjusted: i128| if (-130..=125).contains(&adjusted) { Ok(()) } else { Err(Rule::NumberRange) };
    let Some(first) = digits.iter().position(|&b| b != b'0') else {
        return range(exp - d.frac.len() as i128);
    };
    let last = digits.iter().rposition(|&b| b != b'0').unwrap_or(first);
    if last - first + 1 > 38 {
        return Err(Rule::NumberPrecision);
    }
    range(exp + d.int.len() as i128 - 1 - first as i128)
}

/// A number's value: sign, significant digits and the power of ten of the last one; every zero is
/// `(false, "", 0)`. `None` when the text is not a number or its exponent is beyond 64 bits.
pub fn value_of(text: &str) -> Option<(bool, String, i128)> {
    let d = decimal(text)?;
    let exp = exponent(&d)?;
    let digits: String = d.int.chars().chain(d.frac.chars()).collect();
    let trimmed = digits.trim_start_matches('0');
    let significant = trimmed.trim_end_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    let trailing = (trimmed.len() - significant.len()) as i128;
    Some((d.negative, significant.to_owned(), exp - d.frac.len() as i128 + trailing))
}

/// Canonical padded standard base64, checked with the base64 crate: exactly the texts that decode
/// and encode back to themselves.
pub fn is_canonical_base64(text: &str) -> bool {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    STANDARD.decode(text).is_ok_and(|bytes| STANDARD.encode(bytes) == text)
}

// ---------------------------------------------------------------------------------------------
// json.rs's rules

/// A broken rule as json.rs reports it: rule, JSON Pointer, byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub path: String,
    pub pos: usize,
}

/// What json.rs must report for a document, in reading order: empty names, repeated keys, lone
/// surrogates, numbers DynamoDB cannot hold, and each container deeper than 32 levels (whose
/// content is then only checked for repeated keys and lone surrogates, reported at its path).
pub fn json_violations(doc: &Doc, root: usize) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut path = Vec::new();
    let errors = JsonErrors::new(doc);
    json_walk(doc, &errors, root, 0, &mut path, &mut found);
    found
}

/// A document's malformed JSON, in reading order, found by byte range.
struct JsonErrors {
    in_order: Vec<(Rule, usize)>,
    /// (position, index into `in_order`), by position.
    by_pos: Vec<(usize, usize)>,
}

impl JsonErrors {
    fn new(doc: &Doc) -> Self {
        let in_order = doc.json_errors();
        let mut by_pos: Vec<(usize, usize)> = in_order.iter().enumerate().map(|(i, &(_, pos))| (pos, i)).collect();
        by_pos.sort_unstable();
        JsonErrors { in_order, by_pos }
    }

    /// The errors within `start..end`, in reading order.
    fn within(&self, start: usize, end: usize) -> Vec<(Rule, usize)> {
        let from = self.by_pos.partition_point(|&(pos, _)| pos < start);
        let to = self.by_pos.partition_point(|&(pos, _)| pos < end);
        let mut found: Vec<usize> = self.by_pos[from..to].iter().map(|&(_, i)| i).collect();
        found.sort_unstable();
        found.into_iter().map(|i| self.in_order[i]).collect()
    }
}

fn json_walk(
    doc: &Doc,
    errors: &JsonErrors,
    id: usize,
    enclosing: usize,
    path: &mut Vec<Seg>,
    found: &mut Vec<Violation>,
) {
    let node = doc.node(id);
    let here = |path: &[Seg], rule, pos| Violation { rule, path: pointer(path), pos };
    match &node.kind {
        Kind::Array(_) | Kind::Object(_) if enclosing >= MAX_DEPTH => {
            found.push(here(path, Rule::MaxDepth, node.start));
            let at = pointer(path);
            // Only the malformed JSON inside, at the container's path.
            for (rule, pos) in errors.within(node.start, node.end) {
                found.push(Violation { rule, path: at.clone(), pos });
            }
        }
        Kind::Object(members) => {
            let mut seen = HashSet::new();
            for m in members {
                if let Some(at) = m.key.lone {
                    found.push(here(path, Rule::LoneSurrogate, at));
                }
                path.push(Seg::Key(m.key.text.clone()));
                if m.key.text.is_empty() {
                    found.push(here(path, Rule::EmptyName, m.key_pos));
                }
                if !seen.insert(m.key.text.as_str()) {
                    found.push(here(path, Rule::DuplicateKey, m.key_pos));
                }
                json_walk(doc, errors, m.value, enclosing + 1, path, found);
                path.pop();
            }
        }
        Kind::Array(items) => {
            for (i, &item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                json_walk(doc, errors, item, enclosing + 1, path, found);
                path.pop();
            }
        }
        Kind::String(s) => {
            if let Some(at) = s.lone {
                found.push(here(path, Rule::LoneSurrogate, at));
            }
        }
        Kind::Number(text) => {
            if let Err(rule) = dynamodb_number(text) {
                found.push(here(path, rule, node.start));
            }
        }
        Kind::Null | Kind::Bool(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// wire.rs's rules: DynamoDB JSON to plain JSON

/// What `wire_to_json` must answer, short of malformed JSON (checked apart, since it comes first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireVerdict {
    /// The plain JSON, compact.
    Plain(String),
    /// The top level is not an object.
    Item,
    /// The first repeated name or lone surrogate, anywhere.
    Malformed(Rule, usize),
    /// The first mismatch in reading order, at its path.
    Mismatch(Mismatch, String),
    /// Every broken limit: (keyword, path), in reading order.
    Limits(Vec<(&'static str, String)>),
}

pub fn wire_verdict(doc: &Doc) -> WireVerdict {
    if !matches!(doc.kind(doc.root), Kind::Object(_)) {
        return WireVerdict::Item;
    }
    if let Some(&(rule, pos)) = doc.json_errors().first() {
        return WireVerdict::Malformed(rule, pos);
    }
    let mut w = Wire { doc, out: String::new(), path: Vec::new(), mismatch: None, limits: Vec::new() };
    w.map(doc.root, 1);
    if let Some((m, path)) = w.mismatch {
        return WireVerdict::Mismatch(m, path);
    }
    if !w.limits.is_empty() {
        return WireVerdict::Limits(w.limits);
    }
    WireVerdict::Plain(w.out)
}

fn tag_of(name: &str) -> Option<Tag> {
    Some(match name {
        "S" => Tag::S,
        "N" => Tag::N,
        "B" => Tag::B,
        "BOOL" => Tag::Bool,
        "NULL" => Tag::Null,
        "M" => Tag::M,
        "L" => Tag::L,
        "SS" => Tag::Ss,
        "NS" => Tag::Ns,
        "BS" => Tag::Bs,
        _ => return None,
    })
}

/// A number text as JSON: unchanged when it is a JSON number, else rewritten (`+5` -> `5`,
/// `.5` -> `0.5`, `5.` -> `5`, `007` -> `7`, `1.e5` -> `1e5`).
pub fn mend_number(text: &str) -> Option<String> {
    if is_json_number(text) {
        return Some(text.to_owned());
    }
    let d = decimal(text)?;
    let mut out = String::new();
    if d.negative {
        out.push('-');
    }
    let int = d.int.trim_start_matches('0');
    out.push_str(if int.is_empty() { "0" } else { int });
    if !d.frac.is_empty() {
        out.push('.');
        out.push_str(d.frac);
    }
    // An exponent of any length is still a number (DynamoDB finds it out of range).
    match d.exp.map(|e| e.parse::<i128>()) {
        None => {}
        Some(Ok(0)) => {}
        Some(Ok(exp)) => out.push_str(&format!("e{exp}")),
        Some(Err(_)) => out.push_str(&format!("e{}", d.exp.unwrap_or_default())),
    }
    Some(out)
}

struct Wire<'d> {
    doc: &'d Doc,
    out: String,
    path: Vec<Seg>,
    mismatch: Option<(Mismatch, String)>,
    limits: Vec<(&'static str, String)>,
}

impl Wire<'_> {
    fn mismatch(&mut self, m: Mismatch) {
        if self.mismatch.is_none() {
            self.mismatch = Some((m, pointer(&self.path)));
        }
    }

    fn limit(&mut self, rule: Rule) {
        self.limits.push((rule.keyword(), pointer(&self.path)));
    }

    fn map(&mut self, id: usize, depth: usize) {
        let doc = self.doc;
        let Kind::Object(members) = doc.kind(id) else { return };
        self.out.push('{');
        for (i, m) in members.iter().enumerate() {
            self.path.push(Seg::Key(m.key.text.clone()));
            if m.key.text.is_empty() {
                self.limit(Rule::EmptyName);
            }
            if i > 0 {
                self.out.push(',');
            }
            write_string(&mut self.out, &m.key.text);
            self.out.push(':');
            self.attribute(m.value, depth);
            self.path.pop();
        }
        self.out.push('}');
    }

    fn list(&mut self, id: usize, depth: usize) {
        let doc = self.doc;
        let Kind::Array(items) = doc.kind(id) else { return };
        self.out.push('[');
        for (i, &item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.path.push(Seg::Index(i));
            self.attribute(item, depth);
            self.path.pop();
        }
        self.out.push(']');
    }

    fn attribute(&mut self, id: usize, enclosing: usize) {
        let doc = self.doc;
        let Kind::Object(members) = doc.kind(id) else {
            self.mismatch(Mismatch::AttributeValue);
            return;
        };
        let Some(first) = members.first() else {
            self.mismatch(Mismatch::AttributeValue);
            return;
        };
        match tag_of(&first.key.text) {
            Some(tag) => {
                self.path.push(Seg::Key(tag.name().to_owned()));
                self.content(tag, first.value, enclosing);
                self.path.pop();
            }
            None => self.mismatch(Mismatch::AttributeType),
        }
        if members.len() > 1 {
            self.mismatch(Mismatch::AttributeValue);
        }
    }

    fn content(&mut self, tag: Tag, id: usize, enclosing: usize) {
        let doc = self.doc;
        let kind = doc.kind(id);
        match (tag, kind) {
            (Tag::Bool, Kind::Bool(b)) => self.out.push_str(if *b { "true" } else { "false" }),
            (Tag::Null, Kind::Bool(true)) => self.out.push_str("null"),
            (Tag::S, Kind::String(s)) => write_string(&mut self.out, &s.text),
            (Tag::N, Kind::String(s)) => {
                self.number(&s.text);
            }
            (Tag::B, Kind::String(s)) => {
                self.binary(&s.text);
            }
            (Tag::M, Kind::Object(_)) | (Tag::L, Kind::Array(_)) if enclosing >= MAX_DEPTH => {
                self.limit(Rule::MaxDepth);
            }
            (Tag::M, Kind::Object(_)) => self.map(id, enclosing + 1),
            (Tag::L, Kind::Array(_)) => self.list(id, enclosing + 1),
            (Tag::Ss | Tag::Ns | Tag::Bs, Kind::Array(items)) => self.set(tag, items),
            _ => self.mismatch(Mismatch::Content(tag)),
        }
    }

    fn set(&mut self, tag: Tag, items: &[usize]) {
        let doc = self.doc;
        self.out.push('[');
        if items.is_empty() {
            self.mismatch(Mismatch::EmptySet);
        }
        let mut seen: HashSet<String> = HashSet::new();
        for (i, &item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.path.push(Seg::Index(i));
            match doc.kind(item) {
                Kind::String(s) => {
                    let member = match tag {
                        Tag::Ns => {
                            if self.number(&s.text) {
                                value_of(&s.text).map(|(neg, digits, exp)| format!("{neg}:{digits}:{exp}"))
                            } else {
                                None
                            }
                        }
                        Tag::Bs => self.binary(&s.text).then(|| s.text.clone()),
                        _ => {
                            write_string(&mut self.out, &s.text);
                            Some(s.text.clone())
                        }
                    };
                    if let Some(member) = member {
                        if !seen.insert(member) {
                            self.mismatch(Mismatch::DuplicateMember);
                        }
                    }
                }
                _ => self.mismatch(Mismatch::Content(tag)),
            }
            self.path.pop();
        }
        self.out.push(']');
    }

    fn number(&mut self, text: &str) -> bool {
        let Some(json) = mend_number(text) else {
            self.mismatch(Mismatch::NumberText);
            return false;
        };
        self.out.push_str(&json);
        match dynamodb_number(text) {
            Ok(()) => true,
            Err(rule) => {
                self.limit(rule);
                false
            }
        }
    }

    fn binary(&mut self, text: &str) -> bool {
        write_string(&mut self.out, text);
        let valid = is_canonical_base64(text);
        if !valid {
            self.mismatch(Mismatch::Base64);
        }
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_parser_is_strict() {
        for good in ["{}", " [1, -0.5e+3, \"a\\u00e9\\ud83d\\ude00\", true, false, null, {\"k\": []}] ", "0", "\"\""] {
            assert!(parse(good.as_bytes()).is_some(), "{good}");
        }
        for bad in [
            "",
            "{",
            "[1,]",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "\"\\x\"",
            "\"\u{1}\"",
            "[1 2]",
            "{\"a\" 1}",
            "nul",
            "\u{feff}{}",
            "{}x",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
        let doc = parse(br#"{"a":"\ud800x","b":"\udc00","\ud83d\ude00":1}"#).unwrap();
        let Kind::Object(members) = doc.kind(doc.root) else { panic!() };
        let Kind::String(s) = doc.kind(members[0].value) else { panic!() };
        assert_eq!((s.text.as_str(), s.lone), ("\u{FFFD}x", Some(6)));
        assert_eq!(members[2].key.text, "\u{1F600}");
    }

    #[test]
    fn numbers() {
        assert_eq!(dynamodb_number("1E-130"), Ok(()));
        assert_eq!(dynamodb_number("0.0e-130"), Err(Rule::NumberRange));
        assert_eq!(dynamodb_number("123456789012345678901234567890123456789"), Err(Rule::NumberPrecision));
        assert_eq!(dynamodb_number("1e99999999999999999999"), Err(Rule::NumberRange));
        assert_eq!(value_of("1.50"), value_of("15e-1"));
        assert_eq!(value_of("-0.0"), value_of("0"));
        assert_eq!(mend_number("+.5E+01").as_deref(), Some("0.5e1"));
        assert!(is_json_number("-0.5E+01") && !is_json_number("5.") && !is_json_number("00"));
        // An exponent beyond 64 bits is a number (out of DynamoDB's range), not number_text: the
        // model once said otherwise (fuzz/regressions/wire_to_json/huge_exponent_is_a_number.json).
        assert!(mend_number("01e99999999999999999999999").is_some());
        assert_eq!(dynamodb_number("01e99999999999999999999999"), Err(Rule::NumberRange));
    }

    #[test]
    fn deep_documents_are_parsed_and_dropped_without_recursion() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        let doc = parse(deep.as_bytes()).unwrap();
        assert_eq!(doc.depth(), 200_000);
    }
}
