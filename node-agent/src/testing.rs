//! Fakes shared by the unit tests: an in-memory chain, a fixed host and an engine.

use crate::{
	chain::{AgentEvent, ChainCallError, ChainNode, ChainResult, NodeChain, NodeSpec},
	config::Config,
	engine::{ContractEvent, EngineStats, ErrorClass, ProvisionError, Provisioner},
	host::{FixedHost, HostInterface},
};
use async_trait::async_trait;
use std::{
	collections::{BTreeMap, VecDeque},
	path::PathBuf,
	sync::{Mutex, MutexGuard},
	time::Duration,
};
use tfchain_deployment::Deployment;

/// A config for tests with its state dir at `dir`.
pub fn test_config(dir: &str) -> Config {
	Config::parse(&format!(
		"[chain]\nurl = \"ws://127.0.0.1:1\"\n[node]\nfarm_id = 1\n[storage]\nstate_dir = \"{dir}\"\n\
		 [api]\nlisten = \"127.0.0.1:0\"\n[metrics]\nlisten = \"127.0.0.1:1\"\n"
	))
	.expect("test config parses")
}

/// A host with 4 CPUs, 8 GiB, 500 GiB at `dir`, two interfaces (one with an invalid name).
pub fn fixed_host(dir: &str) -> FixedHost {
	FixedHost {
		cpus: 4,
		memory: 8 << 30,
		filesystems: BTreeMap::from([(PathBuf::from(dir), 500 << 30)]),
		secure_boot: false,
		virtualized: true,
		serial: Some("SN1".into()),
		interfaces: vec![
			HostInterface {
				name: "eth0".into(),
				mac: "02:00:00:00:00:01".into(),
				ips: vec!["10.0.0.2".into()],
			},
			HostInterface { name: "Wlan0".into(), mac: "02:00:00:00:00:02".into(), ips: vec![] },
		],
		uptime: 1000,
	}
}

/// Mutable state of [`FakeChain`].
#[derive(Debug)]
pub struct FakeState {
	/// Free balance of the node account.
	pub balance: u128,
	/// Twin of the node account.
	pub twin: Option<u32>,
	/// Nodes by id.
	pub nodes: BTreeMap<u32, ChainNode>,
	/// Every call, by name.
	pub calls: Vec<String>,
	/// Every call fails with a connection error.
	pub offline: bool,
	/// The next `report_uptime` calls fail with these errors.
	pub uptime_failures: VecDeque<ChainCallError>,
	/// Accepted uptime reports `(uptime, hint)`.
	pub uptime_reports: Vec<(u64, u64)>,
	/// `change_power_state` calls.
	pub power_changes: Vec<bool>,
	/// Finalized head.
	pub finalized: u64,
	/// Events by block.
	pub events: BTreeMap<u64, Vec<AgentEvent>>,
	/// Blocks whose events were read.
	pub blocks_read: Vec<u64>,
	/// Blocks whose events cannot be read (pruned state).
	pub bad_blocks: std::collections::BTreeSet<u64>,
	/// Active node contracts.
	pub active_contracts: Vec<u64>,
	/// Active rent contract.
	pub rent_contract: Option<u64>,
	/// KV store.
	pub kv: BTreeMap<([u8; 32], String), Vec<u8>>,
}

/// An in-memory chain.
pub struct FakeChain {
	account: [u8; 32],
	state: Mutex<FakeState>,
}

impl Default for FakeChain {
	fn default() -> Self {
		Self::new()
	}
}

impl FakeChain {
	/// A chain where the node account has funds and nothing else.
	pub fn new() -> Self {
		Self {
			account: [9; 32],
			state: Mutex::new(FakeState {
				balance: 1_000_000,
				twin: None,
				nodes: BTreeMap::new(),
				calls: Vec::new(),
				offline: false,
				uptime_failures: VecDeque::new(),
				uptime_reports: Vec::new(),
				power_changes: Vec::new(),
				finalized: 0,
				events: BTreeMap::new(),
				blocks_read: Vec::new(),
				bad_blocks: Default::default(),
				active_contracts: Vec::new(),
				rent_contract: None,
				kv: BTreeMap::new(),
			}),
		}
	}

	/// The state (poison-tolerant).
	pub fn state(&self) -> MutexGuard<'_, FakeState> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	/// Calls made so far.
	pub fn calls(&self) -> Vec<String> {
		self.state().calls.clone()
	}

	/// Forgets the calls.
	pub fn clear_calls(&self) {
		self.state().calls.clear();
	}

	fn enter(&self, name: &str) -> ChainResult<MutexGuard<'_, FakeState>> {
		let mut state = self.state();
		state.calls.push(name.to_string());
		if state.offline {
			return Err(ChainCallError::Connection("connection refused".into()));
		}
		Ok(state)
	}
}

fn dispatch(error: &str) -> ChainCallError {
	ChainCallError::Dispatch { pallet: "TfgridModule".into(), error: error.into() }
}

#[async_trait]
impl NodeChain for FakeChain {
	fn account_id(&self) -> [u8; 32] {
		self.account
	}
	async fn free_balance(&self) -> ChainResult<u128> {
		Ok(self.enter("free_balance")?.balance)
	}
	async fn own_twin_id(&self) -> ChainResult<Option<u32>> {
		Ok(self.enter("own_twin_id")?.twin)
	}
	async fn accept_terms(&self, _link: &str, _hash: &str) -> ChainResult<()> {
		let _state = self.enter("accept_terms")?;
		Ok(())
	}
	async fn create_twin(&self, _relay: Option<String>) -> ChainResult<u32> {
		let mut s = self.enter("create_twin")?;
		if s.twin.is_some() {
			return Err(dispatch("TwinWithPubkeyExists"));
		}
		s.twin = Some(11);
		Ok(11)
	}
	async fn node_id_of_twin(&self, twin_id: u32) -> ChainResult<Option<u32>> {
		let s = self.enter("node_id_of_twin")?;
		Ok(s.nodes.values().find(|n| n.twin_id == twin_id).map(|n| n.id))
	}
	async fn node(&self, node_id: u32) -> ChainResult<Option<ChainNode>> {
		Ok(self.enter("node")?.nodes.get(&node_id).cloned())
	}
	async fn create_node(&self, spec: &NodeSpec) -> ChainResult<u32> {
		let mut s = self.enter("create_node")?;
		let twin_id = s.twin.ok_or_else(|| dispatch("TwinNotExists"))?;
		if s.nodes.values().any(|n| n.twin_id == twin_id) {
			return Err(dispatch("NodeWithTwinIdExists"));
		}
		let id = s.nodes.len() as u32 + 1;
		s.nodes.insert(
			id,
			ChainNode {
				id,
				twin_id,
				spec: spec.clone(),
				power_target_up: true,
				power_state_up: true,
			},
		);
		Ok(id)
	}
	async fn update_node(&self, node_id: u32, spec: &NodeSpec) -> ChainResult<()> {
		let mut s = self.enter("update_node")?;
		let node = s.nodes.get_mut(&node_id).ok_or_else(|| dispatch("NodeNotExists"))?;
		node.spec = spec.clone();
		Ok(())
	}
	async fn report_uptime(&self, uptime_secs: u64, timestamp_hint: u64) -> ChainResult<()> {
		let mut s = self.enter("report_uptime")?;
		if let Some(e) = s.uptime_failures.pop_front() {
			return Err(e);
		}
		s.uptime_reports.push((uptime_secs, timestamp_hint));
		Ok(())
	}
	async fn change_power_state(&self, up: bool) -> ChainResult<()> {
		let mut s = self.enter("change_power_state")?;
		s.power_changes.push(up);
		for node in s.nodes.values_mut() {
			node.power_state_up = up;
		}
		Ok(())
	}
	async fn active_node_contracts(&self, _node_id: u32) -> ChainResult<Vec<u64>> {
		Ok(self.enter("active_node_contracts")?.active_contracts.clone())
	}
	async fn active_rent_contract(&self, _node_id: u32) -> ChainResult<Option<u64>> {
		Ok(self.enter("active_rent_contract")?.rent_contract)
	}
	async fn finalized_number(&self) -> ChainResult<u64> {
		Ok(self.enter("finalized_number")?.finalized)
	}
	async fn wait_finalized_after(&self, number: u64, timeout: Duration) -> ChainResult<u64> {
		let deadline = tokio::time::Instant::now() + timeout;
		loop {
			{
				let s = self.enter("wait_finalized_after")?;
				if s.finalized > number {
					return Ok(s.finalized);
				}
			}
			if tokio::time::Instant::now() >= deadline {
				return Err(ChainCallError::Other("timeout".into()));
			}
			tokio::time::sleep(Duration::from_millis(2)).await;
		}
	}
	async fn node_events(
		&self,
		block: u64,
		_node_id: u32,
		_farm_id: u32,
	) -> ChainResult<Vec<AgentEvent>> {
		let mut s = self.enter("node_events")?;
		s.blocks_read.push(block);
		if s.bad_blocks.contains(&block) {
			return Err(ChainCallError::Other(format!("state of block {block} discarded")));
		}
		Ok(s.events.get(&block).cloned().unwrap_or_default())
	}
	async fn kv_get(&self, account: [u8; 32], key: &str) -> ChainResult<Option<Vec<u8>>> {
		Ok(self.enter("kv_get")?.kv.get(&(account, key.to_string())).cloned())
	}
	async fn kv_set(&self, key: &str, value: &[u8]) -> ChainResult<()> {
		let account = self.account;
		self.enter("kv_set")?.kv.insert((account, key.to_string()), value.to_vec());
		Ok(())
	}
}

/// What [`FakeProvisioner`] was asked to do, and what it answers.
#[derive(Debug, Default)]
pub struct FakeEngineState {
	/// Stored deployments.
	pub deployments: BTreeMap<u64, Deployment>,
	/// Events received.
	pub events: Vec<ContractEvent>,
	/// Reconciliations run.
	pub reconciles: u32,
	/// The next submit fails with this.
	pub reject: Option<ProvisionError>,
	/// `stop_all` was called.
	pub stopped: bool,
	/// `sample_traffic` calls.
	pub samples: u32,
	/// `report_traffic` calls.
	pub reports: u32,
	/// Jobs queued per contract.
	pub pending: BTreeMap<u64, usize>,
}

/// An engine that stores what it gets.
#[derive(Default)]
pub struct FakeProvisioner {
	/// Its state.
	pub state: Mutex<FakeEngineState>,
}

impl FakeProvisioner {
	/// The state (poison-tolerant).
	pub fn state(&self) -> MutexGuard<'_, FakeEngineState> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}
}

#[async_trait]
impl Provisioner for FakeProvisioner {
	async fn submit(&self, doc: Deployment) -> Result<(), ProvisionError> {
		let mut s = self.state();
		if let Some(e) = s.reject.take() {
			return Err(e);
		}
		if s.deployments.contains_key(&doc.contract_id) {
			return Err(ProvisionError::new(ErrorClass::Conflict, "AlreadyExists", "exists"));
		}
		s.deployments.insert(doc.contract_id, doc);
		Ok(())
	}
	async fn submit_update(&self, doc: Deployment) -> Result<(), ProvisionError> {
		let mut s = self.state();
		if let Some(e) = s.reject.take() {
			return Err(e);
		}
		if !s.deployments.contains_key(&doc.contract_id) {
			return Err(ProvisionError::new(ErrorClass::NotFound, "DeploymentNotFound", "none"));
		}
		s.deployments.insert(doc.contract_id, doc);
		Ok(())
	}
	async fn on_event(&self, event: ContractEvent) -> Result<(), ProvisionError> {
		self.state().events.push(event);
		Ok(())
	}
	async fn reconcile(&self) -> Result<String, ProvisionError> {
		self.state().reconciles += 1;
		Ok("nothing to do".into())
	}
	fn deployment(&self, contract_id: u64) -> Option<Deployment> {
		self.state().deployments.get(&contract_id).cloned()
	}
	fn deployments(&self) -> Vec<Deployment> {
		self.state().deployments.values().cloned().collect()
	}
	async fn sample_traffic(&self) -> Result<(), ProvisionError> {
		self.state().samples += 1;
		Ok(())
	}
	async fn report_traffic(&self, _now: u64) -> Result<usize, ProvisionError> {
		self.state().reports += 1;
		Ok(0)
	}
	fn stats(&self) -> EngineStats {
		EngineStats::default()
	}
	fn pending_jobs(&self, contract_id: u64) -> usize {
		self.state().pending.get(&contract_id).copied().unwrap_or(0)
	}
	async fn stop_all(&self) {
		self.state().stopped = true;
	}
}
