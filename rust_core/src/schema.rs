//! JSON Schema validation of the parsed tree, by the `jsonschema` crate reading our tree directly
//! (its custom-representation interface): no second copy of the record is built to validate it.
//!
//! Errors are re-worded here from the keyword and the schema alone, so that no message carries a
//! value from the record; paths are RFC 6901 pointers into the record.

use std::borrow::Cow;
use std::fmt::Write;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object as JsonObject};
use jsonschema::{Draft, JsonType, PatternOptions, Retrieve, Uri, Validator};
use serde_json::Value as SerdeValue;

use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

use foldhash::fast::RandomState;
use jsonschema::ValidationError;
use jsonschema_value::LazyInstance;

use crate::error::{Invalid, Report, MAX_LISTED};
use crate::json::Value;
use crate::number;
use crate::pointer;

/// Every keyword a schema violation is reported with, each with every message it comes with
/// (`<...>` filled in from the schema, never from the record): the error reference
/// (`docs/errors.md`) lists them from here. `describe` below matches jsonschema's error kinds with
/// no wildcard, and a test in error.rs finds every keyword it writes in this list.
pub const KEYWORDS: &[(&str, &str)] = &[
    ("type", "Must be of type <types, joined by \"or\">"),
    ("required", "Missing required property '<name>'"),
    ("dependent_required", "Missing property '<name>', required by another one present"),
    ("additional_properties", "This property is not allowed"),
    ("additional_properties", "A property is not allowed"),
    ("unevaluated_properties", "This property is not allowed"),
    ("unevaluated_properties", "A property is not allowed"),
    ("property_names", "A property name is not allowed"),
    ("property_names", "No property is allowed here"),
    ("min_properties", "Must have at least <n properties>"),
    ("max_properties", "Must have at most <n properties>"),
    ("additional_items", "Too many items"),
    ("unevaluated_items", "Items not allowed by the schema"),
    ("min_items", "Must have at least <n items>"),
    ("max_items", "Must have at most <n items>"),
    ("unique_items", "Items must be unique"),
    ("contains", "Must contain the items the schema asks for"),
    ("min_length", "Must be at least <n characters> long"),
    ("max_length", "Must be at most <n characters> long"),
    ("pattern", "Must match the pattern <pattern>"),
    ("pattern", "The pattern could not be evaluated"),
    ("format", "Must be a valid <format>"),
    ("content_encoding", "Must be encoded as <encoding>"),
    ("content_encoding", "Must decode to UTF-8 text"),
    ("content_media_type", "Must be <media type>"),
    ("minimum", "Must be at least <limit>"),
    ("maximum", "Must be at most <limit>"),
    ("exclusive_minimum", "Must be greater than <limit>"),
    ("exclusive_maximum", "Must be less than <limit>"),
    ("multiple_of", "Must be a multiple of <number>"),
    ("const", "Must equal the constant the schema gives"),
    ("enum", "Must be one of the values the schema allows"),
    ("any_of", "Must match at least one of the allowed schemas"),
    ("one_of", "Must match exactly one of the allowed schemas"),
    ("not", "Must not match the excluded schema"),
    ("false_schema", "No value is allowed here"),
    ("custom", "Breaks a custom rule of the schema"),
    ("ref", "A reference in the schema could not be resolved"),
];

/// A compiled schema.
pub struct Schema {
    validator: Validator<Tree>,
}

/// Why a schema cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl Schema {
    /// Compiles `schema` (JSON text): the draft comes from `$schema` (2020-12 when absent),
    /// `$ref`s must resolve within the schema, and `pattern`s use a linear-time regex engine.
    pub fn compile(schema: &str, validate_formats: bool) -> Result<Schema, SchemaError> {
        let schema: SerdeValue =
            serde_json::from_str(schema).map_err(|e| SchemaError(format!("the schema is not valid JSON: {e}")))?;
        let validator = jsonschema::options_for::<Tree>()
            .with_retriever(NoRemoteReferences)
            .with_pattern_options(PatternOptions::regex())
            .should_validate_formats(validate_formats)
            .build(&schema)
            .map_err(|e| SchemaError(format!("the schema is invalid: {e}")))?;
        Ok(Schema { validator })
    }

    pub fn draft(&self) -> &'static str {
        match self.validator.draft() {
            Draft::Draft4 => "4",
            Draft::Draft6 => "6",
            Draft::Draft7 => "7",
            Draft::Draft201909 => "2019-09",
            _ => "2020-12",
        }
    }

    /// What `record` breaks: the first `MAX_LISTED` violations in document order (a parent
    /// before its members, members in the record's order; at one place, in the schema's order),
    /// and how many more there are. Only the listed ones are worded.
    pub fn validate(&self, record: &Value<'_>) -> Report {
        let errors: Vec<ValidationError<'_>> = self.validator.iter_errors(record).collect();
        if errors.is_empty() {
            return Report::default();
        }
        let mut locator = Locator::new(record);
        // Only the first ones are kept: a million errors are counted, not sorted or worded.
        let mut first = First::default();
        for (seq, error) in errors.iter().enumerate() {
            let (node, place) = locator.find(error.instance_path().as_str());
            let mut per_member = |name: &str| {
                let mut place = place.clone();
                place.push(node.and_then(|node| locator.member(node, name)).map_or(u32::MAX, |(_, at)| at));
                place
            };
            match what_failed(error) {
                // One violation per member that is not allowed.
                Failed::Members(names) => {
                    for name in names {
                        first.offer(Found { place: per_member(name), seq, error, member: Some(name) });
                    }
                }
                // `additionalProperties: false` with no sibling that allows a property: each
                // member of the object is unexpected.
                Failed::EveryMember => {
                    if let Some(Value::Object(members)) = node {
                        for (name, _) in members {
                            first.offer(Found { place: per_member(name), seq, error, member: Some(name) });
                        }
                    }
                }
                Failed::Node => first.offer(Found { place, seq, error, member: None }),
            }
        }
        let unlisted = first.total - first.kept.len();
        Report { listed: first.kept.into_sorted_vec().iter().map(Found::describe).collect(), unlisted }
    }
}

/// The first `MAX_LISTED` violations offered, in document order, and how many were offered.
#[derive(Default)]
struct First<'e, 'i> {
    kept: BinaryHeap<Found<'e, 'i>>,
    total: usize,
}

impl<'e, 'i> First<'e, 'i> {
    fn offer(&mut self, found: Found<'e, 'i>) {
        self.total += 1;
        if self.kept.len() < MAX_LISTED {
            self.kept.push(found);
        } else if self.kept.peek().is_some_and(|last| found < *last) {
            self.kept.pop();
            self.kept.push(found);
        }
    }
}

/// One violation found, not worded yet: where it is in document order (the index of each member
/// or item on the way from the record), and which error (and member) it comes from.
struct Found<'e, 'i> {
    place: Vec<u32>,
    /// The error's rank in the validator's order (the schema's, at one place).
    seq: usize,
    error: &'e ValidationError<'i>,
    member: Option<&'e str>,
}

impl Ord for Found<'_, '_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.place.cmp(&other.place).then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Found<'_, '_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Found<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Found<'_, '_> {}

impl Found<'_, '_> {
    fn describe(&self) -> Invalid {
        let path = self.error.instance_path().as_str();
        match (self.member, self.error.kind()) {
            (Some(name), kind) => {
                let keyword = if matches!(kind, ValidationErrorKind::UnevaluatedProperties { .. }) {
                    "unevaluated_properties"
                } else {
                    "additional_properties"
                };
                let mut at = path.to_owned();
                pointer::push_token(&mut at, name);
                Invalid { path: at, keyword, message: "This property is not allowed".into() }
            }
            (None, ValidationErrorKind::Required { property }) if is_dependency(self.error) => Invalid {
                path: path.to_owned(),
                keyword: "dependent_required",
                message: format!(
                    "Missing property '{}', required by another one present",
                    property.as_str().unwrap_or_default()
                ),
            },
            (None, ValidationErrorKind::FalseSchema) if last_keyword(self.error) == Some("propertyNames") => Invalid {
                path: path.to_owned(),
                keyword: "property_names",
                message: "No property is allowed here".into(),
            },
            (None, kind) => describe(kind, path),
        }
    }
}

/// What an error stands for: one violation at its node, or one per member of its object.
enum Failed<'e> {
    Node,
    Members(&'e [String]),
    EveryMember,
}

fn what_failed<'e>(error: &'e ValidationError<'_>) -> Failed<'e> {
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => Failed::Members(unexpected),
        ValidationErrorKind::FalseSchema if last_keyword(error) == Some("additionalProperties") => Failed::EveryMember,
        _ => Failed::Node,
    }
}

/// The keyword that failed, where the kind alone does not tell it.
fn last_keyword<'e>(error: &'e ValidationError<'_>) -> Option<&'e str> {
    error.schema_path().as_str().rsplit('/').next()
}

fn is_dependency(error: &ValidationError<'_>) -> bool {
    matches!(last_keyword(error), Some("dependentRequired" | "dependencies"))
}

/// Finds the nodes that JSON Pointers designate, and their place in document order. Large
/// objects get a name index on first use, so that a million errors in one object cost a million
/// look-ups, not a million scans.
struct Locator<'v, 'a> {
    root: &'v Value<'a>,
    indexes: HashMap<usize, HashMap<&'v str, u32, RandomState>, RandomState>,
}

/// Objects this small are scanned.
const SCANNED_MEMBERS: usize = 16;

impl<'v, 'a> Locator<'v, 'a> {
    fn new(root: &'v Value<'a>) -> Self {
        Locator { root, indexes: HashMap::default() }
    }

    /// The node at `pointer` and its place; a pointer that does not resolve (never expected)
    /// gets the place after every node.
    fn find(&mut self, pointer: &str) -> (Option<&'v Value<'a>>, Vec<u32>) {
        let mut node = self.root;
        let mut place = Vec::new();
        for token in pointer.split('/').skip(1) {
            let token: Cow<'_, str> = if token.contains('~') {
                Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                token.into()
            };
            let child = match node {
                Value::Object(_) => self.member(node, &token),
                Value::Array(items) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| Some((items.get(i)?, u32::try_from(i).unwrap_or(u32::MAX)))),
                _ => None,
            };
            let Some((child, at)) = child else {
                place.push(u32::MAX);
                return (None, place);
            };
            place.push(at);
            node = child;
        }
        (Some(node), place)
    }

    /// The member `name` of the object `node`, and its index.
    fn member(&mut self, node: &'v Value<'a>, name: &str) -> Option<(&'v Value<'a>, u32)> {
        let Value::Object(members) = node else {
            return None;
        };
        let at = if members.len() <= SCANNED_MEMBERS {
            members.iter().position(|(n, _)| n == name)?
        } else {
            let index = self.indexes.entry(members.as_ptr() as usize).or_insert_with(|| {
                members
                    .iter()
                    .enumerate()
                    .map(|(i, (n, _))| (n.as_ref(), u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect()
            });
            usize::try_from(*index.get(name)?).ok()?
        };
        Some((&members.get(at)?.1, u32::try_from(at).unwrap_or(u32::MAX)))
    }
}

/// Refuses every reference outside the schema: a request must never wait on the network.
struct NoRemoteReferences;

impl Retrieve for NoRemoteReferences {
    fn retrieve(&self, uri: &Uri<String>) -> Result<SerdeValue, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("references outside the schema are not allowed ({})", uri.as_str()).into())
    }
}

/// The violation an error stands for at its node, worded without the record's values.
fn describe(kind: &ValidationErrorKind, path: &str) -> Invalid {
    use ValidationErrorKind as K;
    let push = |path: String, keyword: &'static str, message: String| Invalid { path, keyword, message };
    let here = || path.to_owned();
    match kind {
        K::AdditionalProperties { .. } => push(here(), "additional_properties", "A property is not allowed".into()),
        K::UnevaluatedProperties { .. } => push(here(), "unevaluated_properties", "A property is not allowed".into()),
        K::AdditionalItems { .. } => push(here(), "additional_items", "Too many items".into()),
        K::UnevaluatedItems { .. } => push(here(), "unevaluated_items", "Items not allowed by the schema".into()),
        K::AnyOf { .. } => push(here(), "any_of", "Must match at least one of the allowed schemas".into()),
        K::OneOfNotValid { .. } | K::OneOfMultipleValid { .. } => {
            push(here(), "one_of", "Must match exactly one of the allowed schemas".into())
        }
        K::Not { .. } => push(here(), "not", "Must not match the excluded schema".into()),
        K::FalseSchema => push(here(), "false_schema", "No value is allowed here".into()),
        K::Constant { .. } => push(here(), "const", "Must equal the constant the schema gives".into()),
        K::Enum { .. } => push(here(), "enum", "Must be one of the values the schema allows".into()),
        K::Contains => push(here(), "contains", "Must contain the items the schema asks for".into()),
        K::Type { kind } => push(here(), "type", format!("Must be of type {}", type_names(kind))),
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            push(here(), "required", format!("Missing required property '{name}'"))
        }
        K::Minimum { limit } => push(here(), "minimum", format!("Must be at least {limit}")),
        K::Maximum { limit } => push(here(), "maximum", format!("Must be at most {limit}")),
        K::ExclusiveMinimum { limit } => push(here(), "exclusive_minimum", format!("Must be greater than {limit}")),
        K::ExclusiveMaximum { limit } => push(here(), "exclusive_maximum", format!("Must be less than {limit}")),
        K::MultipleOf { multiple_of } => push(here(), "multiple_of", format!("Must be a multiple of {multiple_of}")),
        K::MinLength { limit } => {
            push(here(), "min_length", format!("Must be at least {} long", count(*limit, "character", "characters")))
        }
        K::MaxLength { limit } => {
            push(here(), "max_length", format!("Must be at most {} long", count(*limit, "character", "characters")))
        }
        K::MinItems { limit } => {
            push(here(), "min_items", format!("Must have at least {}", count(*limit, "item", "items")))
        }
        K::MaxItems { limit } => {
            push(here(), "max_items", format!("Must have at most {}", count(*limit, "item", "items")))
        }
        K::MinProperties { limit } => {
            push(here(), "min_properties", format!("Must have at least {}", count(*limit, "property", "properties")))
        }
        K::MaxProperties { limit } => {
            push(here(), "max_properties", format!("Must have at most {}", count(*limit, "property", "properties")))
        }
        K::UniqueItems => push(here(), "unique_items", "Items must be unique".into()),
        K::Pattern { pattern } => push(here(), "pattern", format!("Must match the pattern {pattern}")),
        K::BacktrackLimitExceeded { .. } | K::RegexEngineFailure { .. } => {
            push(here(), "pattern", "The pattern could not be evaluated".into())
        }
        K::Format { format } => push(here(), "format", format!("Must be a valid {format}")),
        K::PropertyNames { .. } => push(here(), "property_names", "A property name is not allowed".into()),
        K::ContentEncoding { content_encoding } => {
            push(here(), "content_encoding", format!("Must be encoded as {content_encoding}"))
        }
        K::ContentMediaType { content_media_type } => {
            push(here(), "content_media_type", format!("Must be {content_media_type}"))
        }
        K::FromUtf8 { .. } => push(here(), "content_encoding", "Must decode to UTF-8 text".into()),
        K::Custom { .. } => push(here(), "custom", "Breaks a custom rule of the schema".into()),
        K::Referencing(_) => push(here(), "ref", "A reference in the schema could not be resolved".into()),
    }
}

/// "1 item", "2 items".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn type_names(kind: &TypeKind) -> String {
    let mut names = String::new();
    match kind {
        TypeKind::Single(t) => {
            let _ = write!(names, "{t}");
        }
        TypeKind::Multiple(types) => {
            for (i, t) in types.iter().enumerate() {
                let _ = write!(names, "{}{t}", if i == 0 { "" } else { " or " });
            }
        }
    }
    names
}

// ---------------------------------------------------------------------------------------------
// The tree as a `jsonschema` representation.

/// Our parsed tree, seen by the validator.
pub struct Tree;

impl Json for Tree {
    type Node<'a> = &'a Value<'a>;
    type PreparedKey = String;
    type StringBuffer = Value<'static>;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(buffer: &mut Value<'static>, string: &str, f: impl FnOnce(Self::Node<'_>) -> T) -> T {
        *buffer = Value::String(Cow::Owned(string.to_owned()));
        f(buffer)
    }
}

/// A number as its JSON text.
pub struct Number<'a>(&'a str);

impl JsonNumber for Number<'_> {
    fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0)
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        let number = self.0.parse::<serde_json::Number>().ok().or_else(|| serde_json::Number::from_f64(0.0));
        Cow::Owned(number.unwrap_or_else(|| serde_json::Number::from(0)))
    }

    fn is_integer(&self) -> bool {
        number::is_integral(self.0)
    }
}

impl<'a> Node<'a, Tree> for &'a Value<'a> {
    type Object = &'a [(Cow<'a, str>, Value<'a>)];
    type Array = &'a [Value<'a>];
    type Number = Number<'a>;

    fn as_object(&self) -> Option<Self::Object> {
        match self {
            Value::Object(members) => Some(members.as_slice()),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<Self::Array> {
        match self {
            Value::Array(items) => Some(items.as_slice()),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(Cow::Borrowed(s.as_ref())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number<'a>> {
        match self {
            Value::Number(text) => Some(Number(text)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    fn to_value(&self) -> Cow<'a, SerdeValue> {
        Cow::Owned(to_serde(self))
    }

    /// Errors are worded from the schema alone and never read their instance: the default would
    /// copy the node (the whole record, for an error at the root) into every error.
    fn lazy_value(&self) -> LazyInstance<'a> {
        LazyInstance::Deferred { bytes: &[], tag: 0, make: |_, _| SerdeValue::Null, cell: OnceLock::new() }
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Value<'a>>(*self) as usize))
    }
}

/// For the validator's cold paths (`const`, `enum`, `uniqueItems`).
fn to_serde(value: &Value<'_>) -> SerdeValue {
    match value {
        Value::Null => SerdeValue::Null,
        Value::Bool(b) => SerdeValue::Bool(*b),
        Value::Number(text) => text
            .parse::<serde_json::Number>()
            .map(SerdeValue::Number)
            .unwrap_or_else(|_| SerdeValue::String((*text).into())),
        Value::String(s) => SerdeValue::String(s.to_string()),
        Value::Array(items) => SerdeValue::Array(items.iter().map(to_serde).collect()),
        Value::Object(members) => {
            SerdeValue::Object(members.iter().map(|(k, v)| (k.to_string(), to_serde(v))).collect())
        }
    }
}

impl<'a> JsonObject<'a, Tree> for &'a [(Cow<'a, str>, Value<'a>)] {
    type Node = &'a Value<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Value<'a>> {
        self.iter().find(|(name, _)| name == key).map(|(_, value)| value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

pub struct Members<'a>(std::slice::Iter<'a, (Cow<'a, str>, Value<'a>)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (name.as_ref(), value))
    }
}

impl<'a> Array<'a, Tree> for &'a [Value<'a>] {
    type Node = &'a Value<'a>;
    type ElementsIter = std::slice::Iter<'a, Value<'a>>;

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    fn elements(&self) -> Self::ElementsIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_record;

    fn errors(schema: &str, record: &str) -> Vec<(String, &'static str)> {
        let schema = Schema::compile(schema, true).unwrap();
        let members = parse_record(record.as_bytes()).unwrap();
        let record = Value::Object(members);
        schema.validate(&record).listed.into_iter().map(|e| (e.path, e.keyword)).collect()
    }

    #[test]
    fn reports_every_violation_with_its_pointer() {
        let schema = r#"{"type":"object","required":["c"],"additionalProperties":false,
            "properties":{"a/b":{"type":"integer","minimum":1},"l":{"items":{"maxLength":2}},"c":{}}}"#;
        let mut found = errors(schema, r#"{"a/b":0,"l":["ok","toolong"],"x~":1}"#);
        found.sort();
        assert_eq!(
            found,
            vec![
                ("".into(), "required"),
                ("/a~1b".into(), "minimum"),
                ("/l/1".into(), "max_length"),
                ("/x~0".into(), "additional_properties"),
            ]
        );
    }

    #[test]
    fn errors_come_in_document_order_and_stop_at_the_hundredth() {
        let schema = r#"{"properties":{"l":{"items":{"required":["a","b"],"additionalProperties":false}}},
            "required":["z"],"additionalProperties":{"type":"array"}}"#;
        let record = format!(r#"{{"x":1,"l":[{}],"y":2}}"#, vec![r#"{"q":1}"#; 60].join(","));
        let compiled = Schema::compile(schema, true).unwrap();
        let report = compiled.validate(&Value::Object(parse_record(record.as_bytes()).unwrap()));
        // 1 required at the root, /x and /y not arrays, 60 x (2 required + 1 additional)
        assert_eq!((report.listed.len(), report.unlisted), (100, 183 - 100));
        let first: Vec<_> = report.listed.iter().take(6).map(|e| (e.path.as_str(), e.keyword)).collect();
        assert_eq!(
            first,
            vec![
                ("", "required"),
                ("/x", "type"),
                ("/l/0", "required"),
                ("/l/0", "required"),
                ("/l/0/q", "additional_properties"),
                ("/l/1", "required"),
            ]
        );
        assert_eq!(report.listed[99].path, "/l/32");
        // A member error in an object too large to scan is placed by the name index.
        let wide: Vec<String> = (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect();
        let record = format!("{{{}}}", wide.join(","));
        let report = compiled.validate(&Value::Object(parse_record(record.as_bytes()).unwrap()));
        let paths: Vec<_> = report.listed.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths.len(), 41);
        assert_eq!((paths[0], paths[1], paths[40]), ("", "/k0", "/k39"));
    }

    /// Each violation is reported with a listed keyword and a message its template stands for.
    #[test]
    fn messages_are_the_listed_ones() {
        let cases: &[(&str, &str, &str)] = &[
            ("type", r#""type":["string","null"]"#, "1"),
            ("type", r#""type":"string""#, "1"),
            ("required", r#""type":"object","required":["b"]"#, "{}"),
            ("dependent_required", r#""dependentRequired":{"b":["c"]}"#, r#"{"b":1}"#),
            ("additional_properties", r#""additionalProperties":false"#, r#"{"b":1}"#),
            ("additional_properties", r#""properties":{"b":{}},"additionalProperties":false"#, r#"{"c":1}"#),
            ("unevaluated_properties", r#""unevaluatedProperties":false"#, r#"{"b":1}"#),
            ("property_names", r#""propertyNames":{"maxLength":1}"#, r#"{"bc":1}"#),
            ("property_names", r#""propertyNames":false"#, r#"{"b":1}"#),
            ("min_properties", r#""minProperties":2"#, r#"{"b":1}"#),
            ("max_properties", r#""maxProperties":1"#, r#"{"b":1,"c":2}"#),
            ("additional_items", r#""items":[{}],"additionalItems":false"#, "[1,2]"),
            ("unevaluated_items", r#""prefixItems":[{}],"unevaluatedItems":false"#, "[1,2]"),
            ("min_items", r#""minItems":2"#, "[1]"),
            ("max_items", r#""maxItems":1"#, "[1,2]"),
            ("unique_items", r#""uniqueItems":true"#, "[1,1]"),
            ("contains", r#""contains":{"type":"string"}"#, "[1]"),
            ("min_length", r#""minLength":1"#, r#""""#),
            ("min_length", r#""minLength":3"#, r#""ab""#),
            ("max_length", r#""maxLength":1"#, r#""ab""#),
            ("pattern", r#""pattern":"^a""#, r#""b""#),
            ("format", r#""format":"email""#, r#""b""#),
            ("content_media_type", r#""contentMediaType":"application/json""#, r#""{""#),
            ("content_encoding", r#""contentEncoding":"base64""#, r#""!!""#),
            ("minimum", r#""minimum":5"#, "1"),
            ("maximum", r#""maximum":0.5"#, "1"),
            ("exclusive_minimum", r#""exclusiveMinimum":1"#, "1"),
            ("exclusive_maximum", r#""exclusiveMaximum":1"#, "1"),
            ("multiple_of", r#""multipleOf":0.01"#, "0.001"),
            ("const", r#""const":1"#, "2"),
            ("enum", r#""enum":[1,2]"#, "3"),
            ("any_of", r#""anyOf":[{"type":"string"},{"type":"null"}]"#, "1"),
            ("one_of", r#""oneOf":[{"type":"integer"},{"minimum":0}]"#, "1"),
            ("one_of", r#""oneOf":[{"type":"string"},{"type":"null"}]"#, "1"),
            ("not", r#""not":{"type":"integer"}"#, "1"),
            ("false_schema", r#""items":false"#, "[1]"),
        ];
        // Draft 7: `items` as an array with `additionalItems`, and the content keywords asserted.
        let draft7 = r#""$schema":"http://json-schema.org/draft-07/schema#","#;
        for (keyword, schema, value) in cases {
            let root = if matches!(*keyword, "additional_items" | "content_media_type" | "content_encoding") {
                draft7
            } else {
                ""
            };
            let schema = format!(r#"{{{root}"properties":{{"v":{{{schema}}}}}}}"#);
            let compiled = Schema::compile(&schema, true).unwrap();
            let record = format!(r#"{{"v":{value}}}"#);
            let report = compiled.validate(&Value::Object(parse_record(record.as_bytes()).unwrap()));
            let found: Vec<_> = report.listed.iter().map(|e| (e.keyword, e.message.as_str())).collect();
            assert!(found.iter().any(|(k, _)| k == keyword), "{schema} {record}: {found:?}");
            for (k, message) in found {
                let listed = KEYWORDS.iter().any(|(l, m)| *l == k && crate::error::fits(m, message));
                assert!(listed, "{schema} {record}: {k} {message:?} is not listed");
            }
        }
    }

    #[test]
    fn integers_are_judged_on_the_exact_text() {
        assert!(errors(r#"{"properties":{"n":{"type":"integer"}}}"#, r#"{"n":1.0}"#).is_empty());
        assert!(errors(r#"{"properties":{"n":{"type":"integer"}}}"#, r#"{"n":1e2}"#).is_empty());
        assert_eq!(
            errors(r#"{"properties":{"n":{"type":"integer"}}}"#, r#"{"n":1.0000000000000000000001}"#),
            vec![("/n".into(), "type")]
        );
    }

    #[test]
    fn remote_references_and_bad_schemas_fail_at_compile_time() {
        assert!(Schema::compile(r#"{"$ref":"https://example.com/s.json"}"#, true).is_err());
        assert!(Schema::compile(r#"{"type":12}"#, true).is_err());
        assert!(Schema::compile(r#"{"pattern":"(?=a)"}"#, true).is_err());
        assert!(Schema::compile("{", true).is_err());
    }

    #[test]
    fn drafts_come_from_the_schema() {
        assert_eq!(Schema::compile("{}", true).unwrap().draft(), "2020-12");
        let draft4 = r#"{"$schema":"http://json-schema.org/draft-04/schema#"}"#;
        assert_eq!(Schema::compile(draft4, true).unwrap().draft(), "4");
    }
}
