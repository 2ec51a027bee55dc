//! The deployments HTTP API (axum).
//!
//! | route | what | success |
//! |---|---|---|
//! | `POST /deployments` | a new signed deployment (JSON) | 202 `{"contract_id", "status": "accepted"}` |
//! | `PUT /deployments/{contract_id}` | an update of it | 202 |
//! | `GET /deployments` | every deployment with its workload results | 200 |
//! | `GET /deployments/{contract_id}` | one deployment with its workload results | 200 |
//! | `GET /health` | node id, chain connection, power state | 200 |
//!
//! Errors are JSON `{ "error": "<Name>", "message": "..." }` with a 4xx status for a request
//! the node refuses (e.g. 400 `HashMismatch`, 404 `DeploymentNotFound`, 409 `AlreadyDeployed`,
//! 503 `NodePoweredDown`) and 500 for a failure on the node.

use crate::{
	engine::{ErrorClass, ProvisionError, Provisioner},
	metrics::Metrics,
};
use axum::{
	body::Bytes,
	extract::{MatchedPath, Path, Request, State},
	http::StatusCode,
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use serde::Serialize;
use std::sync::{
	atomic::{AtomicU32, Ordering},
	Arc,
};
use tfchain_deployment::Deployment;
use tokio::sync::watch;

/// Header of `GET /deployments/{id}` with the number of the contract's jobs still queued on
/// the node (a running one included): 0 when the node has applied the latest document.
pub const PENDING_JOBS_HEADER: &str = "x-pending-jobs";

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A refused request: status, error name and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
	/// HTTP status.
	pub status: StatusCode,
	/// Error name (stable, for clients).
	pub name: String,
	/// Human readable detail.
	pub message: String,
}

/// The JSON body of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorBody {
	/// Error name.
	pub error: String,
	/// Detail.
	pub message: String,
}

impl ApiError {
	/// A new error.
	pub fn new(status: StatusCode, name: &str, message: impl Into<String>) -> Self {
		Self { status, name: name.to_string(), message: message.into() }
	}
}

impl From<ProvisionError> for ApiError {
	fn from(e: ProvisionError) -> Self {
		let status = match e.class {
			ErrorClass::BadRequest => StatusCode::BAD_REQUEST,
			ErrorClass::Forbidden => StatusCode::FORBIDDEN,
			ErrorClass::NotFound => StatusCode::NOT_FOUND,
			ErrorClass::Conflict => StatusCode::CONFLICT,
			ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
			ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
		};
		Self { status, name: e.name, message: e.message }
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.status, Json(ErrorBody { error: self.name, message: self.message })).into_response()
	}
}

/// What the API shares with the rest of the agent.
#[derive(Clone)]
pub struct ApiState {
	/// The engine.
	pub engine: Arc<dyn Provisioner>,
	/// `false` while the node is powered Down (new work refused).
	pub power_up: watch::Receiver<bool>,
	/// `true` while the chain answers.
	pub chain_connected: watch::Receiver<bool>,
	/// This node's id.
	pub node_id: Arc<AtomicU32>,
	/// Metrics.
	pub metrics: Metrics,
}

/// The reply to an accepted deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Accepted {
	/// Contract id.
	pub contract_id: u64,
	/// Always `accepted`: provisioning continues in the background.
	pub status: String,
}

/// The reply of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Health {
	/// Always `ok` when the agent answers.
	pub status: String,
	/// Node id.
	pub node_id: u32,
	/// Whether the chain answers.
	pub chain_connected: bool,
	/// `up` or `down`.
	pub power: String,
	/// Deployments stored.
	pub deployments: usize,
	/// Agent version.
	pub version: String,
}

/// The API router.
pub fn router(state: ApiState) -> Router {
	Router::new()
		.route("/deployments", get(list).post(create))
		.route("/deployments/{contract_id}", get(get_one).put(update))
		.route("/health", get(health))
		.layer(middleware::from_fn_with_state(state.clone(), count_requests))
		.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
		.with_state(state)
}

async fn count_requests(State(state): State<ApiState>, request: Request, next: Next) -> Response {
	let route = request
		.extensions()
		.get::<MatchedPath>()
		.map(|p| p.as_str().to_string())
		.unwrap_or_else(|| "unmatched".into());
	let method = request.method().clone();
	let response = next.run(request).await;
	let status = response.status();
	state
		.metrics
		.api_requests
		.with_label_values(&[&format!("{method} {route}"), status.as_str()])
		.inc();
	response
}

fn parse_document(body: &[u8]) -> Result<Deployment, ApiError> {
	Deployment::from_json_slice(body)
		.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "InvalidJson", e.to_string()))
}

fn parse_id(text: &str) -> Result<u64, ApiError> {
	text.parse().map_err(|_| {
		ApiError::new(
			StatusCode::BAD_REQUEST,
			"InvalidContractId",
			format!("{text:?} is not a contract id"),
		)
	})
}

fn ensure_up(state: &ApiState) -> Result<(), ApiError> {
	if !*state.power_up.borrow() {
		return Err(ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"NodePoweredDown",
			"the node's power target is Down; it takes no new work",
		));
	}
	Ok(())
}

async fn create(State(state): State<ApiState>, body: Bytes) -> Result<impl IntoResponse, ApiError> {
	ensure_up(&state)?;
	let doc = parse_document(&body)?;
	let contract_id = doc.contract_id;
	if contract_id == 0 {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			"MissingContractId",
			"create the node contract first and put its id in contract_id",
		));
	}
	state.engine.submit(doc).await?;
	tracing::info!(contract_id, "deployment accepted");
	Ok((StatusCode::ACCEPTED, Json(Accepted { contract_id, status: "accepted".into() })))
}

async fn update(
	State(state): State<ApiState>,
	Path(id): Path<String>,
	body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
	ensure_up(&state)?;
	let contract_id = parse_id(&id)?;
	let doc = parse_document(&body)?;
	if doc.contract_id != contract_id {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			"ContractIdMismatch",
			format!("the URL names contract {contract_id}, the document {}", doc.contract_id),
		));
	}
	state.engine.submit_update(doc).await?;
	tracing::info!(contract_id, "deployment update accepted");
	Ok((StatusCode::ACCEPTED, Json(Accepted { contract_id, status: "accepted".into() })))
}

async fn list(State(state): State<ApiState>) -> Json<Vec<Deployment>> {
	Json(state.engine.deployments())
}

async fn get_one(
	State(state): State<ApiState>,
	Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
	let contract_id = parse_id(&id)?;
	let pending = state.engine.pending_jobs(contract_id).to_string();
	let doc = state.engine.deployment(contract_id).ok_or_else(|| {
		ApiError::new(
			StatusCode::NOT_FOUND,
			"DeploymentNotFound",
			format!("no deployment for contract {contract_id}"),
		)
	})?;
	Ok(([(PENDING_JOBS_HEADER, pending)], Json(doc)))
}

async fn health(State(state): State<ApiState>) -> Json<Health> {
	Json(Health {
		status: "ok".into(),
		node_id: state.node_id.load(Ordering::Relaxed),
		chain_connected: *state.chain_connected.borrow(),
		power: if *state.power_up.borrow() { "up" } else { "down" }.into(),
		deployments: state.engine.deployments().len(),
		version: env!("CARGO_PKG_VERSION").into(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::FakeProvisioner;
	use tfchain_deployment::{Workload, WorkloadData, ZmountData};

	struct Server {
		url: String,
		engine: Arc<FakeProvisioner>,
		power: watch::Sender<bool>,
		metrics: Metrics,
		_task: tokio::task::JoinHandle<()>,
	}

	async fn serve() -> Server {
		let engine = Arc::new(FakeProvisioner::default());
		let (power, power_rx) = watch::channel(true);
		let (_c, connected) = watch::channel(true);
		let metrics = Metrics::new().unwrap();
		let state = ApiState {
			engine: engine.clone(),
			power_up: power_rx,
			chain_connected: connected,
			node_id: Arc::new(AtomicU32::new(7)),
			metrics: metrics.clone(),
		};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		let task = tokio::spawn(async move {
			let _ = axum::serve(listener, router(state)).await;
		});
		Server { url, engine, power, metrics, _task: task }
	}

	fn doc(contract_id: u64) -> Deployment {
		let mut d = Deployment::new(
			1,
			vec![Workload::new("disk", WorkloadData::Zmount(ZmountData { size: 1 << 20 }))],
		);
		d.contract_id = contract_id;
		d
	}

	async fn error_of(resp: reqwest::Response) -> (u16, ErrorBody) {
		let status = resp.status().as_u16();
		(status, resp.json::<ErrorBody>().await.unwrap())
	}

	#[tokio::test]
	async fn create_get_list_update() {
		let s = serve().await;
		let http = reqwest::Client::new();
		let resp = http.post(format!("{}/deployments", s.url)).json(&doc(5)).send().await.unwrap();
		assert_eq!(resp.status(), 202);
		let accepted: Accepted = resp.json().await.unwrap();
		assert_eq!(accepted, Accepted { contract_id: 5, status: "accepted".into() });

		s.engine.state().pending.insert(5, 2);
		let resp = http.get(format!("{}/deployments/5", s.url)).send().await.unwrap();
		assert_eq!(resp.headers()[PENDING_JOBS_HEADER], "2");
		let got: Deployment = resp.json().await.unwrap();
		assert_eq!(got, doc(5));
		let all: Vec<Deployment> =
			http.get(format!("{}/deployments", s.url)).send().await.unwrap().json().await.unwrap();
		assert_eq!(all.len(), 1);

		let mut new = doc(5);
		new.version = 1;
		let resp = http.put(format!("{}/deployments/5", s.url)).json(&new).send().await.unwrap();
		assert_eq!(resp.status(), 202);
		assert_eq!(s.engine.state().deployments[&5].version, 1);
		let text = s.metrics.render();
		assert!(text.contains("route=\"POST /deployments\",status=\"202\""), "{text}");
	}

	#[tokio::test]
	async fn named_errors_and_status_codes() {
		let s = serve().await;
		let http = reqwest::Client::new();
		let post = |body: String| {
			http.post(format!("{}/deployments", s.url))
				.header("content-type", "application/json")
				.body(body)
				.send()
		};
		let (status, body) = error_of(post("{ nope".into()).await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (400, "InvalidJson"));

		let zero = serde_json::to_string(&doc(0)).unwrap();
		let (status, body) = error_of(post(zero).await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (400, "MissingContractId"));

		s.engine.state().reject = Some(ProvisionError::new(
			ErrorClass::BadRequest,
			"HashMismatch",
			"deployment hash aa does not match the contract's bb",
		));
		let (status, body) =
			error_of(post(serde_json::to_string(&doc(3)).unwrap()).await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (400, "HashMismatch"));
		assert!(body.message.contains("does not match"));

		s.engine.state().reject =
			Some(ProvisionError::new(ErrorClass::Forbidden, "WrongTwin", "not yours"));
		let (status, body) =
			error_of(post(serde_json::to_string(&doc(3)).unwrap()).await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (403, "WrongTwin"));

		assert_eq!(post(serde_json::to_string(&doc(3)).unwrap()).await.unwrap().status(), 202);
		let (status, body) =
			error_of(post(serde_json::to_string(&doc(3)).unwrap()).await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (409, "AlreadyExists"));

		let (status, body) =
			error_of(http.get(format!("{}/deployments/99", s.url)).send().await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (404, "DeploymentNotFound"));
		let (status, body) =
			error_of(http.get(format!("{}/deployments/abc", s.url)).send().await.unwrap()).await;
		assert_eq!((status, body.error.as_str()), (400, "InvalidContractId"));

		let (status, body) = error_of(
			http.put(format!("{}/deployments/4", s.url)).json(&doc(3)).send().await.unwrap(),
		)
		.await;
		assert_eq!((status, body.error.as_str()), (400, "ContractIdMismatch"));
		let (status, body) = error_of(
			http.put(format!("{}/deployments/8", s.url)).json(&doc(8)).send().await.unwrap(),
		)
		.await;
		assert_eq!((status, body.error.as_str()), (404, "DeploymentNotFound"));

		let big = "x".repeat(MAX_BODY_BYTES + 10);
		assert_eq!(post(big).await.unwrap().status(), 413);
	}

	#[tokio::test]
	async fn powered_down_refuses_new_work_and_health_says_so() {
		let s = serve().await;
		let http = reqwest::Client::new();
		s.power.send(false).unwrap();
		let (status, body) = error_of(
			http.post(format!("{}/deployments", s.url)).json(&doc(5)).send().await.unwrap(),
		)
		.await;
		assert_eq!((status, body.error.as_str()), (503, "NodePoweredDown"));
		let health: Health =
			http.get(format!("{}/health", s.url)).send().await.unwrap().json().await.unwrap();
		assert_eq!(health.power, "down");
		assert_eq!(health.node_id, 7);
		assert!(health.chain_connected);
		assert_eq!(health.status, "ok");
	}
}
