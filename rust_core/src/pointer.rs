//! RFC 6901 JSON Pointers (`/lines/0/sku`), rendered only when an error needs one.

use std::fmt::Write;

use crate::json::Value;

/// Appends one reference token, escaping `~` as `~0` and `/` as `~1`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Appends an array index.
pub fn push_index(pointer: &mut String, index: usize) {
    // Writing to a String cannot fail.
    let _ = write!(pointer, "/{index}");
}

/// The value a pointer designates in a parsed tree.
pub fn resolve<'v, 'a>(root: &'v Value<'a>, pointer: &str) -> Option<&'v Value<'a>> {
    let mut node = root;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match node {
            Value::Object(members) => members.iter().find(|(name, _)| *name == token).map(|(_, v)| v)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_record;

    #[test]
    fn resolves_escaped_tokens_and_indexes() {
        let root = Value::Object(parse_record(br#"{"a/b":[0,{"~":true}]}"#).unwrap());
        assert_eq!(resolve(&root, "/a~1b/1/~0"), Some(&Value::Bool(true)));
        assert_eq!(resolve(&root, ""), Some(&root));
        assert_eq!(resolve(&root, "/a~1b/2"), None);
        assert_eq!(resolve(&root, "/x"), None);
    }

    #[test]
    fn escapes_tilde_before_slash() {
        let mut p = String::new();
        push_token(&mut p, "a/b~c");
        push_index(&mut p, 3);
        push_token(&mut p, "");
        assert_eq!(p, "/a~1b~0c/3/");
    }
}
