//! The function as it would be deployed (`cargo lambda build --bin bootstrap`): the SAM Rust
//! template's `main`, with the client built once at init. The benchmark does not run this; it
//! drives the same handler through `lambda_http`'s own adapter (see `main.rs`).

use aws_config::BehaviorVersion;
use floor::Items;
use lambda_http::{run, service_fn, tracing, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "items".to_owned());
    let items = Items::new(aws_sdk_dynamodb::Client::new(&config), table);
    let items = &items;
    run(service_fn(move |event| async move { items.handle(event).await })).await
}
