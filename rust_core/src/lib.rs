//! The Rust core: strict JSON parsing, DynamoDB's limits and item building, kept free of Python so
//! that `cargo test` runs it alone. `python/` is the only folder that knows PyO3.

pub mod batch;
pub mod codec;
pub mod dynamodb;
pub mod error;
pub mod json;
pub mod number;
pub mod pointer;
pub mod scan;
pub mod schema;
pub mod sigv4;
pub mod size;
pub mod wire;
pub mod writer;

#[cfg(feature = "python")]
mod python;
