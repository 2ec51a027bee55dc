//! The deployments API over the real engine (fake hypervisor and networks, in-memory chain):
//! status codes and error names of the engine's checks, and provisioning to `ok`.

use node_agent::{
	api::{router, ApiState, ErrorBody, PENDING_JOBS_HEADER},
	deploy_client::sign,
	engine::{EngineHandle, Provisioner},
	metrics::Metrics,
};
use std::{
	sync::{atomic::AtomicU32, Arc},
	time::{Duration, Instant},
};
use subxt_signer::sr25519::dev;
use tfchain_agent_engine::{testing::FakeChain, Backends, Engine, EngineConfig};
use tfchain_deployment::{Deployment, ResultState, Workload, WorkloadData, ZmountData};
use tokio::sync::watch;

const NODE: u32 = 1;
const TWIN: u32 = 7;

struct Setup {
	url: String,
	chain: Arc<FakeChain>,
	handle: Arc<EngineHandle>,
	_stop: watch::Sender<bool>,
	_dir: tempfile::TempDir,
}

async fn setup() -> Setup {
	let dir = tempfile::tempdir().unwrap();
	let config = EngineConfig::new(dir.path().join("state"), dir.path().join("run"), NODE);
	let backends = Backends::fake(&config);
	let hypervisor = backends.hypervisor.clone();
	let chain = Arc::new(FakeChain::new(NODE));
	chain.add_twin(TWIN, dev::bob().public_key().0);
	let engine = Engine::open(config, backends, chain.clone()).unwrap();
	let (stop, shutdown) = watch::channel(false);
	tokio::spawn(engine.clone().run(shutdown));
	let handle = Arc::new(EngineHandle { engine, hypervisor });
	let (_p, power) = watch::channel(true);
	let (_c, connected) = watch::channel(true);
	let state = ApiState {
		engine: handle.clone(),
		power_up: power,
		chain_connected: connected,
		node_id: Arc::new(AtomicU32::new(NODE)),
		metrics: Metrics::new().unwrap(),
	};
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	tokio::spawn(async move {
		let _ = axum::serve(listener, router(state)).await;
	});
	Setup { url, chain, handle, _stop: stop, _dir: dir }
}

/// A signed one-disk deployment of [`TWIN`] for `contract_id`.
fn document(contract_id: u64, size_mib: u64) -> Deployment {
	let mut doc = Deployment::new(
		TWIN,
		vec![Workload::new("disk", WorkloadData::Zmount(ZmountData { size: size_mib << 20 }))],
	);
	doc.contract_id = contract_id;
	sign(&mut doc, TWIN, &dev::bob());
	doc
}

async fn post(url: &str, doc: &Deployment) -> (u16, Option<ErrorBody>) {
	let resp =
		reqwest::Client::new().post(format!("{url}/deployments")).json(doc).send().await.unwrap();
	let status = resp.status().as_u16();
	let body = resp.text().await.unwrap();
	(status, serde_json::from_str(&body).ok())
}

fn error_name(body: Option<ErrorBody>) -> String {
	body.map(|b| b.error).unwrap_or_default()
}

#[tokio::test]
async fn accepts_and_provisions_a_valid_deployment() {
	let s = setup().await;
	let doc = document(10, 1);
	s.chain.add_node_contract(10, TWIN, doc.hash(), vec![]);
	let (status, body) = post(&s.url, &doc).await;
	assert_eq!(status, 202, "{body:?}");
	let deadline = Instant::now() + Duration::from_secs(10);
	loop {
		let resp = reqwest::get(format!("{}/deployments/10", s.url)).await.unwrap();
		assert_eq!(resp.status(), 200);
		let pending: usize = resp.headers()[PENDING_JOBS_HEADER].to_str().unwrap().parse().unwrap();
		let got: Deployment = resp.json().await.unwrap();
		if pending == 0 && got.workloads[0].state() == Some(ResultState::Ok) {
			break;
		}
		assert!(Instant::now() < deadline, "not provisioned: {got:?}");
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	// The same contract again: refused as a conflict.
	let (status, body) = post(&s.url, &document(10, 2)).await;
	assert_eq!((status, error_name(body).as_str()), (409, "AlreadyDeployed"));
	assert_eq!(s.handle.stats().workloads_by_state.get("ok"), Some(&1));
}

#[tokio::test]
async fn the_engines_checks_become_named_4xx_errors() {
	let s = setup().await;

	// Hash on chain differs from the document's.
	let doc = document(20, 1);
	s.chain.add_node_contract(20, TWIN, [9; 32], vec![]);
	let (status, body) = post(&s.url, &doc).await;
	assert_eq!((status, error_name(body).as_str()), (400, "HashMismatch"));

	// No such contract.
	let (status, body) = post(&s.url, &document(21, 1)).await;
	assert_eq!((status, error_name(body).as_str()), (404, "ContractNotFound"));

	// Signed by someone else than the twin's key.
	let mut forged = document(22, 1);
	forged.signature_requirement.signatures.clear();
	sign(&mut forged, TWIN, &dev::charlie());
	s.chain.add_node_contract(22, TWIN, forged.hash(), vec![]);
	let (status, body) = post(&s.url, &forged).await;
	assert_eq!((status, error_name(body).as_str()), (403, "BadSignature"));

	// The contract belongs to another twin.
	let doc = document(23, 1);
	s.chain.add_node_contract(23, TWIN + 1, doc.hash(), vec![]);
	let (status, body) = post(&s.url, &doc).await;
	assert_eq!((status, error_name(body).as_str()), (403, "WrongTwin"));

	// A structurally invalid document (zmount not a multiple of 1 MiB).
	let mut bad = document(24, 1);
	if let WorkloadData::Zmount(z) = &mut bad.workloads[0].data {
		z.size = 1000;
	}
	let (status, body) = post(&s.url, &bad).await;
	assert_eq!((status, error_name(body).as_str()), (400, "InvalidDocument"));

	// An update of a deployment the node does not have.
	let doc = document(25, 1);
	let resp = reqwest::Client::new()
		.put(format!("{}/deployments/25", s.url))
		.json(&doc)
		.send()
		.await
		.unwrap();
	let status = resp.status().as_u16();
	let body: ErrorBody = resp.json().await.unwrap();
	assert_eq!((status, body.error.as_str()), (404, "DeploymentNotFound"));
}
