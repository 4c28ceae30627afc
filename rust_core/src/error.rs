//! Errors as values. Each kind maps to exactly one Python exception (in `python.rs`); messages are
//! fixed texts that never contain the input's values, since they end up in logs and responses.

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
        }
    }
}

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

impl From<&Violation> for Invalid {
    fn from(v: &Violation) -> Self {
        Invalid { path: v.path.clone(), keyword: v.rule.keyword(), message: v.rule.message().to_owned() }
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
    Limits(Vec<Violation>),
    /// The record breaks its schema (`ValidationError`).
    Invalid(Vec<Invalid>),
    /// The record's key differs from the one the request names (`KeyMismatchError`).
    KeyMismatch,
}

impl Error {
    /// A limit broken by the whole body or item (no path inside it).
    pub fn limit(rule: Rule) -> Error {
        Error::Limits(vec![Violation { rule, path: String::new(), byte_pos: 0 }])
    }
}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Self {
        Error::Syntax(e)
    }
}
