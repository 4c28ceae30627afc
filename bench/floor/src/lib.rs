//! The floor: the items API as a plain all-Rust Lambda function, the way a Rust user would write it
//! from the AWS SAM / cargo-lambda HTTP template (`lambda_http` + `aws-sdk-dynamodb`).
//!
//! It is a floor, not a peer: no schema validation, no size or nesting limits, no idempotency keys,
//! no problem+json details, no retries beyond the SDK's defaults. JSON numbers go through
//! serde_json's default `Number` (integers exactly, other numbers as the shortest f64 text).
//! Whatever our handler does on top of this is its own cost.

use std::collections::HashMap;

use aws_sdk_dynamodb::{primitives::Blob, types::AttributeValue, Client};
use base64::Engine as _;
use lambda_http::{http::StatusCode, Body, Error, Request, RequestExt, RequestPayloadExt, Response};
use serde_json::{Map, Number, Value};

/// What the function keeps from its init: the SDK client and the table.
pub struct Items {
    client: Client,
    table: String,
}

impl Items {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// The Lambda handler: `POST /items` and `GET /items/{id}`.
    pub async fn handle(&self, event: Request) -> Result<Response<Body>, Error> {
        let path = event.raw_http_path();
        match path.strip_prefix("/items") {
            Some("") | Some("/") => match event.method().as_str() {
                "POST" => self.create(&event).await,
                _ => respond(StatusCode::METHOD_NOT_ALLOWED, r#"{"message":"method not allowed"}"#),
            },
            Some(rest) if rest.starts_with('/') => {
                let id =
                    event.path_parameters_ref().and_then(|params| params.first("id")).unwrap_or(&rest[1..]).to_owned();
                match event.method().as_str() {
                    "GET" => self.read(&id).await,
                    _ => respond(StatusCode::METHOD_NOT_ALLOWED, r#"{"message":"method not allowed"}"#),
                }
            }
            _ => respond(StatusCode::NOT_FOUND, r#"{"message":"not found"}"#),
        }
    }

    async fn create(&self, event: &Request) -> Result<Response<Body>, Error> {
        // No schema validation: this is the floor.
        let mut record = match event.json::<Value>() {
            Ok(Some(Value::Object(record))) => record,
            Ok(_) => return respond(StatusCode::BAD_REQUEST, r#"{"message":"expected a JSON object"}"#),
            Err(_) => return respond(StatusCode::BAD_REQUEST, r#"{"message":"malformed JSON"}"#),
        };
        let id = match record.get("id") {
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                record.insert("id".to_owned(), Value::String(id.clone()));
                id
            }
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(_) => return respond(StatusCode::BAD_REQUEST, r#"{"message":"id must be a string"}"#),
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&record)))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Response::builder()
                .status(StatusCode::CREATED)
                .header("content-type", "application/json")
                .header("location", format!("/items/{id}"))
                .body(Body::from(serde_json::to_string(&record)?))?),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                respond(StatusCode::CONFLICT, r#"{"message":"an item with this id exists"}"#)
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn read(&self, id: &str) -> Result<Response<Body>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await?;
        match output.item {
            Some(item) => Ok(Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_string(&from_item(item))?))?),
            None => respond(StatusCode::NOT_FOUND, r#"{"message":"not found"}"#),
        }
    }
}

fn respond(status: StatusCode, body: &'static str) -> Result<Response<Body>, Error> {
    Ok(Response::builder().status(status).header("content-type", "application/json").body(Body::from(body))?)
}

/// A JSON object as a DynamoDB item.
pub fn to_item(record: &Map<String, Value>) -> HashMap<String, AttributeValue> {
    record.iter().map(|(name, value)| (name.clone(), to_attribute(value))).collect()
}

/// JSON to AttributeValue: string -> S, number -> N (its text), bool -> BOOL, null -> NULL,
/// array -> L, object -> M.
pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(values) => AttributeValue::L(values.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(to_item(map)),
    }
}

/// A DynamoDB item as a JSON object.
pub fn from_item(item: HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.into_iter().map(|(name, value)| (name, from_attribute(value))).collect())
}

/// AttributeValue to JSON: the inverse of `to_attribute`; B as base64 text, sets as arrays.
pub fn from_attribute(value: AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s),
        AttributeValue::N(n) => number(&n),
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::L(values) => Value::Array(values.into_iter().map(from_attribute).collect()),
        AttributeValue::M(map) => from_item(map),
        AttributeValue::B(blob) => binary(blob),
        AttributeValue::Ss(values) => Value::Array(values.into_iter().map(Value::String).collect()),
        AttributeValue::Ns(values) => Value::Array(values.iter().map(|n| number(n)).collect()),
        AttributeValue::Bs(values) => Value::Array(values.into_iter().map(binary).collect()),
        _ => Value::Null, // NULL, and any type this SDK version does not know
    }
}

fn number(text: &str) -> Value {
    text.parse::<Number>().map(Value::Number).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn binary(blob: Blob) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(blob.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let record = json!({"s": "a", "n": 9.99, "i": 2, "b": true, "z": null,
                            "l": [1, "x"], "m": {"k": [false]}});
        let Value::Object(map) = record.clone() else { unreachable!() };
        assert_eq!(from_item(to_item(&map)), record);
    }
}
