//! Measures the floor's CPU and wall time per request against a DynamoDB endpoint.
//!
//!     floor --endpoint URL --table NAME --post-event FILE --get-event-template FILE \
//!           --rounds N --warmup N
//!
//! Each invocation does what `lambda_http::run` does for one event once the Runtime API's
//! `/next` answer is in hand, and stops where it would send the `/response` request:
//! `Context::new` from the invocation headers, `_X_AMZN_TRACE_ID`, the "Lambda runtime invoke"
//! span, the event bytes deserialised into a `LambdaRequest` (through serde_path_to_error, as
//! lambda_runtime does), lambda_http's `Adapter` (`LambdaRequest` -> `Request` with the Lambda
//! context, the handler, `IntoResponse`, `LambdaResponse` for the event's origin), and the
//! response serialised to JSON bytes. The client is built once, as at init; the runtime is a
//! current-thread tokio runtime. Each POST creates a new item (an `id` in the POST event's body is
//! dropped, so the handler generates one), and the GET after it reads that item.
//!
//! Prints `{"post": {"cpu_us": [...], "wall_us": [...]}, "get": {...}}`: per measured request,
//! the process's CPU time (all threads) and the wall time. Exits non-zero when a POST does not
//! answer 201 or a GET 200.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use base64::Engine as _;
use cpu_time::ProcessTime;
use floor::Items;
use lambda_http::{
    http::{HeaderMap, HeaderValue},
    lambda_runtime::{layers::trace::request_span, Config, Context, LambdaEvent},
    request::LambdaRequest,
    service_fn,
    tower::{Service, ServiceExt},
    tracing::{self, Instrument},
    Adapter, Error,
};
use serde::Serialize;
use serde_json::{json, Value};

const USAGE: &str = "usage: floor --endpoint URL --table NAME --post-event FILE \
                     --get-event-template FILE --rounds N --warmup N";

struct Args {
    endpoint: String,
    table: String,
    post_event: PathBuf,
    get_event_template: PathBuf,
    rounds: usize,
    warmup: usize,
}

impl Args {
    fn parse() -> Result<Self, Error> {
        let mut endpoint = None;
        let mut table = None;
        let mut post_event = None;
        let mut get_event_template = None;
        let mut rounds = None;
        let mut warmup = None;
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            match flag.as_str() {
                "--endpoint" => endpoint = Some(value),
                "--table" => table = Some(value),
                "--post-event" => post_event = Some(PathBuf::from(value)),
                "--get-event-template" => get_event_template = Some(PathBuf::from(value)),
                "--rounds" => rounds = Some(value.parse()?),
                "--warmup" => warmup = Some(value.parse()?),
                _ => return Err(format!("unknown argument {flag}\n{USAGE}").into()),
            }
        }
        let missing = |name: &str| format!("{name} is required\n{USAGE}");
        Ok(Self {
            endpoint: endpoint.ok_or_else(|| missing("--endpoint"))?,
            table: table.ok_or_else(|| missing("--table"))?,
            post_event: post_event.ok_or_else(|| missing("--post-event"))?,
            get_event_template: get_event_template.ok_or_else(|| missing("--get-event-template"))?,
            rounds: rounds.ok_or_else(|| missing("--rounds"))?,
            warmup: warmup.unwrap_or(0),
        })
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The whole chain: the SDK's errors say little at the top ("service error").
            let mut message = format!("floor: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                let text = cause.to_string();
                if !message.contains(&text) {
                    message.push_str(&format!(": {text}"));
                }
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let args = Args::parse()?;
    let post = post_event(&read_json(&args.post_event)?)?;
    let get_template = read_json(&args.get_event_template)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (posts, gets) = runtime.block_on(measure(&args, &post, &get_template))?;
    let output = json!({
        "post": {"cpu_us": posts.cpu_us, "wall_us": posts.wall_us},
        "get": {"cpu_us": gets.cpu_us, "wall_us": gets.wall_us},
    });
    println!("{output}");
    Ok(())
}

#[derive(Default)]
struct Samples {
    cpu_us: Vec<f64>,
    wall_us: Vec<f64>,
}

async fn measure(args: &Args, post: &[u8], get_template: &Value) -> Result<(Samples, Samples), Error> {
    // Init, as the function's: the SAM template's subscriber (to stderr: stdout is our output)
    // and one SDK client.
    tracing::init_default_subscriber_with_writer(std::io::stderr);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&args.endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "floor"))
        .load()
        .await;
    let items = Items::new(aws_sdk_dynamodb::Client::new(&sdk), &args.table);
    let items = &items;
    let mut service = Adapter::from(service_fn(move |event| async move { items.handle(event).await }));
    let config = Arc::new(Config::default());

    let (mut posts, mut gets) = (Samples::default(), Samples::default());
    for round in 0..args.warmup + args.rounds {
        let measured = round >= args.warmup;

        let answer = invoke(&mut service, &config, &invocation_headers(), post, &mut posts, measured).await?;
        let id = expect_status(&answer, 201, "POST")?
            .get("headers")
            .and_then(|headers| headers.get("location"))
            .and_then(Value::as_str)
            .and_then(|location| location.strip_prefix("/items/"))
            .ok_or("the POST's answer has no Location /items/{id}")?
            .to_owned();

        let get = get_event(get_template, &id)?;
        let answer = invoke(&mut service, &config, &invocation_headers(), &get, &mut gets, measured).await?;
        expect_status(&answer, 200, "GET")?;
    }
    Ok((posts, gets))
}

/// One invocation, timed: from the event's bytes to the response's bytes.
async fn invoke<S>(
    service: &mut S,
    config: &Arc<Config>,
    headers: &HeaderMap,
    event: &[u8],
    samples: &mut Samples,
    measured: bool,
) -> Result<Vec<u8>, Error>
where
    S: Service<LambdaEvent<LambdaRequest>, Error = Error>,
    S::Response: Serialize,
{
    let wall = Instant::now();
    let cpu = ProcessTime::now();

    // lambda_runtime's process_invocation, TracingService and RuntimeApiResponseService.
    let request_id = headers.get("lambda-runtime-aws-request-id").ok_or("no request id")?.to_str()?;
    let context = Context::new(request_id, config.clone(), headers)?;
    match &context.xray_trace_id {
        Some(trace_id) => std::env::set_var("_X_AMZN_TRACE_ID", trace_id),
        None => std::env::remove_var("_X_AMZN_TRACE_ID"),
    }
    let span = request_span(&context);
    let answer = async {
        let deserializer = &mut serde_json::Deserializer::from_slice(event);
        let payload: LambdaRequest = serde_path_to_error::deserialize(deserializer)?;
        let response = service.ready().await?.call(LambdaEvent::new(payload, context)).await?;
        Ok::<_, Error>(serde_json::to_vec(&response)?)
    }
    .instrument(span)
    .await?;

    let cpu = cpu.elapsed();
    let wall = wall.elapsed();
    if measured {
        samples.cpu_us.push(cpu.as_secs_f64() * 1e6);
        samples.wall_us.push(wall.as_secs_f64() * 1e6);
    }
    Ok(answer)
}

/// The headers of the Runtime API's `/next` answer, from which the runtime builds the Context.
fn invocation_headers() -> HeaderMap {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    let trace = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0;Lineage=1:a1b2c3d4:0",
        now.as_secs(),
        &random[..24],
        &random[16..],
    );
    let mut headers = HeaderMap::new();
    let values = [
        ("lambda-runtime-aws-request-id", uuid::Uuid::new_v4().to_string()),
        ("lambda-runtime-deadline-ms", (now.as_millis() + 30_000).to_string()),
        ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:floor".to_owned()),
        ("lambda-runtime-trace-id", trace),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers
}

fn expect_status(answer: &[u8], expected: i64, what: &str) -> Result<Value, Error> {
    let answer: Value = serde_json::from_slice(answer)?;
    let status = answer.get("statusCode").and_then(Value::as_i64);
    if status != Some(expected) {
        let body = answer.get("body").cloned().unwrap_or(Value::Null);
        return Err(format!("{what} answered {status:?}, not {expected}: {body}").into());
    }
    Ok(answer)
}

fn read_json(path: &PathBuf) -> Result<Value, Error> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

/// The POST event, its body's `id` dropped so that every POST creates a new item.
fn post_event(event: &Value) -> Result<Vec<u8>, Error> {
    let mut event = event.clone();
    let base64 = event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true);
    let text = event.get("body").and_then(Value::as_str).ok_or("the POST event has no body")?;
    let raw = if base64 { base64::engine::general_purpose::STANDARD.decode(text)? } else { text.as_bytes().to_vec() };
    if let Ok(Value::Object(mut record)) = serde_json::from_slice::<Value>(&raw) {
        if record.remove("id").is_some() {
            let raw = serde_json::to_vec(&record)?;
            let length = raw.len();
            event["body"] = Value::String(if base64 {
                base64::engine::general_purpose::STANDARD.encode(&raw)
            } else {
                String::from_utf8(raw)?
            });
            if let Some(headers) = event.get_mut("headers").and_then(Value::as_object_mut) {
                if headers.contains_key("content-length") {
                    headers.insert("content-length".to_owned(), Value::String(length.to_string()));
                }
            }
        }
    }
    Ok(serde_json::to_vec(&event)?)
}

/// The GET event for one id (HTTP API 2.0; REST API 1.0's fields too when present).
fn get_event(template: &Value, id: &str) -> Result<Vec<u8>, Error> {
    let mut event = template.clone();
    let path = Value::String(format!("/items/{id}"));
    for pointer in ["/rawPath", "/path", "/requestContext/http/path", "/requestContext/path"] {
        if let Some(field) = event.pointer_mut(pointer) {
            *field = path.clone();
        }
    }
    event["pathParameters"] = json!({"id": id});
    Ok(serde_json::to_vec(&event)?)
}
