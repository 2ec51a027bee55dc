//! The `deploy` and `cancel` client subcommands: what a user's tool does to deploy on a node.
//!
//! Deploy: read the document, set `twin_id` to the signer's twin, create the node contract with
//! the document's hash (`create_node_contract(node, hash, data, public_ips)`), put the contract
//! id into the document, sign it (sr25519), `POST` it to the node's agent, then poll
//! `GET /deployments/{id}` until every workload is `ok` or `error`. Update: the same with
//! `update_node_contract` and `PUT`. Cancel: `cancel_contract` (the node deprovisions on the
//! `NodeContractCanceled` event).
//!
//! The agent's URL comes from `--agent-url`, or else from the chain: the agent publishes it in
//! the key-value store of the node's twin account under [`API_URL_KEY`].

use crate::api::ErrorBody;
use std::{
	collections::BTreeMap,
	path::PathBuf,
	str::FromStr,
	time::{Duration, Instant},
};
use subxt_signer::{sr25519::Keypair, SecretUri};
use tfchain_agent_chain::{ChainClient, ChainError, ContractKind};
use tfchain_deployment::{
	Deployment, DeploymentError, ResultState, SignatureRequest, SignatureType,
};

/// TFKVStore key under which an agent publishes its API URL (node account).
pub const API_URL_KEY: &str = "node-agent:api";

/// Longest `deployment_data` the chain stores.
pub const MAX_CONTRACT_DATA: usize = 512;

/// Why a client command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The secret URI or key file is unusable.
	#[error("signer: {0}")]
	Signer(String),
	/// The deployment file could not be read.
	#[error("cannot read {path}: {source}")]
	ReadFile {
		/// The file.
		path: PathBuf,
		/// The I/O error.
		source: std::io::Error,
	},
	/// The document is invalid.
	#[error("deployment: {0}")]
	Document(#[from] DeploymentError),
	/// A chain call failed.
	#[error("chain: {0}")]
	Chain(#[from] ChainError),
	/// The signer's account has no twin.
	#[error("account {0} has no twin on chain: accept the terms and create a twin first")]
	NoTwin(String),
	/// The node does not exist.
	#[error("node {0} does not exist on chain")]
	NodeNotFound(u32),
	/// Neither `--agent-url` nor a URL published on chain.
	#[error("node {0} publishes no agent URL on chain: pass --agent-url")]
	AgentUrlUnknown(u32),
	/// The contract is not a node contract of the signer.
	#[error("contract {0} is not a node contract of this account")]
	NotYourContract(u64),
	/// The agent could not be reached or answered garbage.
	#[error("agent: {0}")]
	Http(String),
	/// The agent refused the request.
	#[error("agent refused ({status}): {error}: {message}")]
	Refused {
		/// HTTP status.
		status: u16,
		/// Error name.
		error: String,
		/// Detail.
		message: String,
	},
	/// Not every workload reached `ok` or `error` in time.
	#[error("contract {contract_id}: workloads not done after {secs} s: {states}")]
	Timeout {
		/// Contract.
		contract_id: u64,
		/// Seconds waited.
		secs: u64,
		/// Last states seen.
		states: String,
	},
	/// Some workloads ended in `error`.
	#[error("contract {contract_id}: workloads failed: {errors}")]
	Failed {
		/// Contract.
		contract_id: u64,
		/// `name: message` of each failed workload.
		errors: String,
	},
}

/// Where the signing key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
	/// A secret URI (`//Bob`, a mnemonic, `0x<seed>`, with optional derivation).
	Suri(String),
	/// A file holding a 32-byte hex seed (mode 0600, as the node key).
	KeyFile(PathBuf),
}

impl KeySource {
	/// The keypair.
	pub fn keypair(&self) -> Result<Keypair, ClientError> {
		match self {
			KeySource::Suri(suri) => {
				let uri =
					SecretUri::from_str(suri).map_err(|e| ClientError::Signer(e.to_string()))?;
				Keypair::from_uri(&uri).map_err(|e| ClientError::Signer(e.to_string()))
			},
			KeySource::KeyFile(path) => crate::identity::load(path)
				.map(|k| k.keypair())
				.map_err(|e| ClientError::Signer(e.to_string())),
		}
	}
}

/// Options of `node-agent deploy`.
#[derive(Debug, Clone)]
pub struct DeployOptions {
	/// Chain websocket URL.
	pub chain: String,
	/// Signer.
	pub key: KeySource,
	/// Target node.
	pub node_id: u32,
	/// Deployment document.
	pub file: PathBuf,
	/// Agent URL (else read from chain).
	pub agent_url: Option<String>,
	/// Update contract `Some(id)` instead of creating one.
	pub update: Option<u64>,
	/// Whether to wait for the workloads (else return once the agent accepted the document).
	pub wait: bool,
	/// How long to wait for the workloads.
	pub timeout: Duration,
}

/// The `deployment_data` of the contract: a short JSON summary of the workloads' names and
/// types, at most [`MAX_CONTRACT_DATA`] bytes (counts per type when the list is too long).
pub fn contract_data(doc: &Deployment) -> Vec<u8> {
	let workloads: Vec<serde_json::Value> = doc
		.workloads
		.iter()
		.map(|w| serde_json::json!({ "name": w.name, "type": w.kind().as_str() }))
		.collect();
	let full = serde_json::json!({ "version": doc.version, "workloads": workloads }).to_string();
	if full.len() <= MAX_CONTRACT_DATA {
		return full.into_bytes();
	}
	let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
	for w in &doc.workloads {
		*counts.entry(w.kind().as_str()).or_default() += 1;
	}
	serde_json::json!({ "version": doc.version, "counts": counts }).to_string().into_bytes()
}

/// Makes `doc` owned and signed-for by `twin_id`: sets `twin_id`; a document with one signature
/// request (a single-signer template) gets it replaced by `twin_id`'s; otherwise `twin_id` is
/// added as a required signer when missing.
pub fn set_owner(doc: &mut Deployment, twin_id: u32) {
	doc.twin_id = twin_id;
	let req = &mut doc.signature_requirement;
	match req.requests.as_mut_slice() {
		[only] => {
			only.twin_id = twin_id;
			only.required = true;
			only.weight = only.weight.max(1);
		},
		requests if !requests.iter().any(|r| r.twin_id == twin_id) => {
			req.requests.push(SignatureRequest { twin_id, required: true, weight: 1 });
		},
		_ => {},
	}
	if req.weight_required == 0 {
		req.weight_required = 1;
	}
	req.signatures.clear();
}

/// Prepares `new` as the next version of `old`: version `old.version + 1`; a workload equal to
/// the old one (type, data, metadata, description) keeps its old version, a new or changed one
/// gets the new version.
pub fn prepare_update(old: &Deployment, new: &mut Deployment) {
	new.version = old.version + 1;
	for w in &mut new.workloads {
		let same = old.workload(&w.name).filter(|o| {
			o.data == w.data && o.metadata == w.metadata && o.description == w.description
		});
		w.version = match same {
			Some(o) => o.version,
			None => new.version,
		};
		w.result = None;
	}
}

/// Signs the document as `twin_id` (sr25519 over the signing message).
pub fn sign(doc: &mut Deployment, twin_id: u32, keypair: &Keypair) {
	let signature = keypair.sign(&doc.signing_message());
	doc.add_signature(twin_id, SignatureType::Sr25519, &signature.0);
}

/// The agent URL published on chain for `node_id`.
pub async fn discover_agent_url(chain: &ChainClient, node_id: u32) -> Result<String, ClientError> {
	let node = chain.node(node_id).await?.ok_or(ClientError::NodeNotFound(node_id))?;
	let twin = chain.twin(node.twin_id).await?.ok_or(ClientError::NodeNotFound(node_id))?;
	let value = chain
		.kv_get(twin.account_id, API_URL_KEY)
		.await?
		.ok_or(ClientError::AgentUrlUnknown(node_id))?;
	String::from_utf8(value).map_err(|_| ClientError::AgentUrlUnknown(node_id))
}

/// A small HTTP client of the agent API.
pub struct AgentClient {
	base: String,
	http: reqwest::Client,
}

impl AgentClient {
	/// A client of the agent at `base` (`http://host:port`).
	pub fn new(base: &str) -> Result<Self, ClientError> {
		let http = reqwest::Client::builder()
			.timeout(Duration::from_secs(30))
			.build()
			.map_err(|e| ClientError::Http(e.to_string()))?;
		Ok(Self { base: base.trim_end_matches('/').to_string(), http })
	}

	async fn check(resp: reqwest::Response) -> Result<reqwest::Response, ClientError> {
		if resp.status().is_success() {
			return Ok(resp);
		}
		let status = resp.status().as_u16();
		let text = resp.text().await.unwrap_or_default();
		match serde_json::from_str::<ErrorBody>(&text) {
			Ok(body) => {
				Err(ClientError::Refused { status, error: body.error, message: body.message })
			},
			Err(_) => Err(ClientError::Refused { status, error: "Http".into(), message: text }),
		}
	}

	/// `POST /deployments`.
	pub async fn create(&self, doc: &Deployment) -> Result<(), ClientError> {
		let resp = self
			.http
			.post(format!("{}/deployments", self.base))
			.json(doc)
			.send()
			.await
			.map_err(|e| ClientError::Http(e.to_string()))?;
		Self::check(resp).await.map(|_| ())
	}

	/// `PUT /deployments/{id}`.
	pub async fn update(&self, doc: &Deployment) -> Result<(), ClientError> {
		let resp = self
			.http
			.put(format!("{}/deployments/{}", self.base, doc.contract_id))
			.json(doc)
			.send()
			.await
			.map_err(|e| ClientError::Http(e.to_string()))?;
		Self::check(resp).await.map(|_| ())
	}

	/// `GET /deployments/{id}` (`None` on 404).
	pub async fn get(&self, contract_id: u64) -> Result<Option<Deployment>, ClientError> {
		Ok(self.get_with_pending(contract_id).await?.map(|(doc, _)| doc))
	}

	/// `GET /deployments/{id}` with the number of the contract's jobs still queued on the node
	/// (header [`crate::api::PENDING_JOBS_HEADER`], `None` when absent); `None` on 404.
	pub async fn get_with_pending(
		&self,
		contract_id: u64,
	) -> Result<Option<(Deployment, Option<usize>)>, ClientError> {
		let resp = self
			.http
			.get(format!("{}/deployments/{contract_id}", self.base))
			.send()
			.await
			.map_err(|e| ClientError::Http(e.to_string()))?;
		if resp.status() == reqwest::StatusCode::NOT_FOUND {
			return Ok(None);
		}
		let resp = Self::check(resp).await?;
		let pending = resp
			.headers()
			.get(crate::api::PENDING_JOBS_HEADER)
			.and_then(|v| v.to_str().ok())
			.and_then(|v| v.parse().ok());
		let bytes = resp.bytes().await.map_err(|e| ClientError::Http(e.to_string()))?;
		let doc =
			Deployment::from_json_slice(&bytes).map_err(|e| ClientError::Http(e.to_string()))?;
		Ok(Some((doc, pending)))
	}
}

/// `name=state` of every workload (`pending` before the node wrote a result).
pub fn states_line(doc: &Deployment) -> String {
	doc.workloads
		.iter()
		.map(|w| {
			let state = match w.state() {
				None => "pending".to_string(),
				Some(s) => serde_json::to_value(s)
					.ok()
					.and_then(|v| v.as_str().map(str::to_string))
					.unwrap_or_else(|| format!("{s:?}")),
			};
			format!("{}={state}", w.name)
		})
		.collect::<Vec<_>>()
		.join(" ")
}

/// Whether the deployment is done: at least `min_version`, no job of the contract left on the
/// node (`pending`, the `x-pending-jobs` header; an update keeps the old results until its job
/// ran), and every workload `ok` or `error`.
pub fn is_done(doc: &Deployment, min_version: u32, pending: Option<usize>) -> bool {
	doc.version >= min_version
		&& (min_version == 0 || pending.unwrap_or(0) == 0)
		&& doc.workloads.iter().all(|w| {
			w.result
				.as_ref()
				.is_some_and(|r| matches!(r.state, ResultState::Ok | ResultState::Error))
		})
}

/// Polls the agent until the deployment is done; prints each change of states.
pub async fn wait_for_workloads(
	agent: &AgentClient,
	contract_id: u64,
	min_version: u32,
	timeout: Duration,
	poll: Duration,
) -> Result<Deployment, ClientError> {
	let start = Instant::now();
	let mut last = String::new();
	loop {
		let got = agent.get_with_pending(contract_id).await?;
		if let Some((doc, pending)) = &got {
			let line = format!("v{}: {}", doc.version, states_line(doc));
			if line != last {
				println!("contract {contract_id} {line}");
				last = line;
			}
			if is_done(doc, min_version, *pending) {
				let errors: Vec<String> = doc
					.workloads
					.iter()
					.filter(|w| w.state() == Some(ResultState::Error))
					.map(|w| {
						format!(
							"{}: {}",
							w.name,
							w.result.as_ref().map(|r| r.message.as_str()).unwrap_or("")
						)
					})
					.collect();
				if errors.is_empty() {
					return Ok(doc.clone());
				}
				return Err(ClientError::Failed { contract_id, errors: errors.join("; ") });
			}
		}
		if start.elapsed() >= timeout {
			return Err(ClientError::Timeout {
				contract_id,
				secs: timeout.as_secs(),
				states: last,
			});
		}
		tokio::time::sleep(poll).await;
	}
}

/// `node-agent deploy`: returns the contract id and, when waiting, the provisioned deployment.
pub async fn deploy(opts: &DeployOptions) -> Result<(u64, Option<Deployment>), ClientError> {
	let keypair = opts.key.keypair()?;
	let text = std::fs::read_to_string(&opts.file)
		.map_err(|source| ClientError::ReadFile { path: opts.file.clone(), source })?;
	let mut doc = Deployment::from_json(&text)?;
	let chain = ChainClient::connect(&opts.chain, keypair.clone()).await?;
	let account = chain.account_id();
	let twin_id = chain
		.twin_id_of(account)
		.await?
		.ok_or_else(|| ClientError::NoTwin(crate::identity::ss58(account)))?;
	let url = match &opts.agent_url {
		Some(url) => url.clone(),
		None => discover_agent_url(&chain, opts.node_id).await?,
	};
	let agent = AgentClient::new(&url)?;
	set_owner(&mut doc, twin_id);
	let contract_id = match opts.update {
		None => {
			doc.version = 0;
			for w in &mut doc.workloads {
				w.version = 0;
				w.result = None;
			}
			doc.validate()?;
			let hash = doc.hash();
			let id = chain
				.create_node_contract(opts.node_id, hash, &contract_data(&doc), doc.public_ips())
				.await?;
			println!(
				"created node contract {id} on node {} (hash 0x{})",
				opts.node_id,
				hex::encode(hash)
			);
			doc.contract_id = id;
			sign(&mut doc, twin_id, &keypair);
			agent.create(&doc).await?;
			id
		},
		Some(id) => {
			let contract = chain.contract(id).await?.ok_or(ClientError::NotYourContract(id))?;
			let on_node = matches!(contract.kind, ContractKind::Node { node_id, .. } if node_id == opts.node_id);
			if contract.twin_id != twin_id || !on_node {
				return Err(ClientError::NotYourContract(id));
			}
			let old = agent.get(id).await?.ok_or_else(|| ClientError::Refused {
				status: 404,
				error: "DeploymentNotFound".into(),
				message: format!("the agent has no deployment for contract {id}"),
			})?;
			doc.contract_id = id;
			prepare_update(&old, &mut doc);
			doc.validate()?;
			let hash = doc.hash();
			chain.update_node_contract(id, hash, &contract_data(&doc)).await?;
			println!(
				"updated node contract {id} to version {} (hash 0x{})",
				doc.version,
				hex::encode(hash)
			);
			sign(&mut doc, twin_id, &keypair);
			agent.update(&doc).await?;
			id
		},
	};
	println!("deployment of contract {contract_id} accepted by {url}");
	if !opts.wait {
		return Ok((contract_id, None));
	}
	let min_version = if opts.update.is_some() { doc.version } else { 0 };
	let done =
		wait_for_workloads(&agent, contract_id, min_version, opts.timeout, Duration::from_secs(1))
			.await?;
	Ok((contract_id, Some(done)))
}

/// `node-agent cancel`.
pub async fn cancel(chain_url: &str, key: &KeySource, contract_id: u64) -> Result<(), ClientError> {
	let chain = ChainClient::connect(chain_url, key.keypair()?).await?;
	chain.cancel_contract(contract_id).await?;
	println!("cancelled contract {contract_id}");
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		api::{router, ApiState},
		metrics::Metrics,
		testing::FakeProvisioner,
	};
	use std::sync::{atomic::AtomicU32, Arc};
	use tfchain_deployment::{
		SignatureRequirement, Workload, WorkloadData, WorkloadResult, ZmountData,
	};
	use tokio::sync::watch;

	fn sample() -> Deployment {
		Deployment::new(
			1,
			vec![
				Workload::new("a", WorkloadData::Zmount(ZmountData { size: 1 << 20 })),
				Workload::new("b", WorkloadData::Zmount(ZmountData { size: 2 << 20 })),
			],
		)
	}

	#[test]
	fn contract_data_is_short_json() {
		let data = contract_data(&sample());
		let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
		assert_eq!(v["workloads"][1]["name"], "b");
		assert_eq!(v["workloads"][1]["type"], "zmount");
		let mut big = sample();
		big.workloads = (0..40)
			.map(|i| {
				Workload::new(format!("disk-{i:03}"), WorkloadData::Zmount(ZmountData { size: 1 }))
			})
			.collect();
		let data = contract_data(&big);
		assert!(data.len() <= MAX_CONTRACT_DATA);
		let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
		assert_eq!(v["counts"]["zmount"], 40);
	}

	#[test]
	fn owner_and_signature_verify() {
		let mut doc = sample();
		set_owner(&mut doc, 42);
		assert_eq!(doc.twin_id, 42);
		assert_eq!(doc.signature_requirement.requests.len(), 1);
		assert_eq!(doc.signature_requirement.requests[0].twin_id, 42);
		let keypair = subxt_signer::sr25519::dev::bob();
		doc.contract_id = 3;
		sign(&mut doc, 42, &keypair);
		let pk = keypair.public_key().0;
		doc.verify_signatures(|t| (t == 42).then_some(pk)).unwrap();
		// Any change after signing breaks it.
		doc.description = "x".into();
		assert!(doc.verify_signatures(|t| (t == 42).then_some(pk)).is_err());

		let mut multi = sample();
		multi.signature_requirement = SignatureRequirement {
			requests: vec![
				SignatureRequest { twin_id: 1, required: true, weight: 1 },
				SignatureRequest { twin_id: 2, required: true, weight: 1 },
			],
			weight_required: 2,
			..multi.signature_requirement.clone()
		};
		set_owner(&mut multi, 42);
		assert_eq!(multi.signature_requirement.requests.len(), 3);
	}

	#[test]
	fn update_versions() {
		let mut old = sample();
		old.version = 2;
		old.workloads[0].version = 1;
		old.workloads[1].version = 2;
		let mut new = old.clone();
		new.workloads[1].data = WorkloadData::Zmount(ZmountData { size: 4 << 20 });
		new.workloads.push(Workload::new("c", WorkloadData::Zmount(ZmountData { size: 1 << 20 })));
		prepare_update(&old, &mut new);
		assert_eq!(new.version, 3);
		let versions: Vec<u32> = new.workloads.iter().map(|w| w.version).collect();
		assert_eq!(versions, vec![1, 3, 3]);
		if let Err(e) = old.upgrade(&new) {
			panic!("{e:?}");
		}
	}

	#[test]
	fn done_rules() {
		let mut doc = sample();
		assert!(!is_done(&doc, 0, None));
		doc.workloads[0].result = Some(WorkloadResult::new(100, ResultState::Ok, ""));
		assert!(!is_done(&doc, 0, None));
		doc.workloads[1].result = Some(WorkloadResult::new(100, ResultState::Init, ""));
		assert!(!is_done(&doc, 0, None));
		doc.workloads[1].result = Some(WorkloadResult::new(100, ResultState::Error, "boom"));
		assert!(is_done(&doc, 0, None));
		// A create does not wait for the node's last job (the resource report).
		assert!(is_done(&doc, 0, Some(1)));
		// An update is done at its version once the node has no job left for it.
		assert!(!is_done(&doc, 1, Some(0)));
		doc.version = 1;
		assert!(!is_done(&doc, 1, Some(1)));
		assert!(is_done(&doc, 1, Some(0)));
		doc.workloads[1].result = Some(WorkloadResult::new(100, ResultState::Ok, ""));
		assert_eq!(states_line(&doc), "a=ok b=ok");
	}

	#[tokio::test]
	async fn client_polls_the_api_until_done() {
		let engine = Arc::new(FakeProvisioner::default());
		let (_p, power) = watch::channel(true);
		let (_c, connected) = watch::channel(true);
		let state = ApiState {
			engine: engine.clone(),
			power_up: power,
			chain_connected: connected,
			node_id: Arc::new(AtomicU32::new(1)),
			metrics: Metrics::new().unwrap(),
		};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		tokio::spawn(async move {
			let _ = axum::serve(listener, router(state)).await;
		});
		let agent = AgentClient::new(&url).unwrap();
		let mut doc = sample();
		doc.contract_id = 9;
		agent.create(&doc).await.unwrap();
		match agent.create(&doc).await {
			Err(ClientError::Refused { status: 409, error, .. }) => {
				assert_eq!(error, "AlreadyExists")
			},
			other => panic!("{other:?}"),
		}
		// The "engine" finishes after a while.
		let e2 = engine.clone();
		tokio::spawn(async move {
			tokio::time::sleep(Duration::from_millis(50)).await;
			let mut s = e2.state();
			let d = s.deployments.get_mut(&9).unwrap();
			for w in &mut d.workloads {
				w.result = Some(WorkloadResult::new(1, ResultState::Ok, ""));
			}
		});
		let done =
			wait_for_workloads(&agent, 9, 0, Duration::from_secs(5), Duration::from_millis(10))
				.await
				.unwrap();
		assert!(done.workloads.iter().all(|w| w.state() == Some(ResultState::Ok)));

		// A workload in error fails the command; a deployment that never finishes times out.
		engine.state().deployments.get_mut(&9).unwrap().workloads[0].result =
			Some(WorkloadResult::new(1, ResultState::Error, "no kvm"));
		match wait_for_workloads(&agent, 9, 0, Duration::from_secs(5), Duration::from_millis(10))
			.await
		{
			Err(ClientError::Failed { errors, .. }) => assert!(errors.contains("no kvm")),
			other => panic!("{other:?}"),
		}
		engine.state().deployments.get_mut(&9).unwrap().workloads[0].result = None;
		assert!(matches!(
			wait_for_workloads(&agent, 9, 0, Duration::from_millis(50), Duration::from_millis(10))
				.await,
			Err(ClientError::Timeout { .. })
		));

		// An update waits until the node has no job left for the contract.
		{
			let mut s = engine.state();
			let d = s.deployments.get_mut(&9).unwrap();
			d.version = 1;
			for w in &mut d.workloads {
				w.result = Some(WorkloadResult::new(1, ResultState::Ok, ""));
			}
			s.pending.insert(9, 1);
		}
		assert!(matches!(
			wait_for_workloads(&agent, 9, 1, Duration::from_millis(50), Duration::from_millis(10))
				.await,
			Err(ClientError::Timeout { .. })
		));
		engine.state().pending.insert(9, 0);
		assert!(wait_for_workloads(
			&agent,
			9,
			1,
			Duration::from_secs(5),
			Duration::from_millis(10)
		)
		.await
		.is_ok());
	}
}
