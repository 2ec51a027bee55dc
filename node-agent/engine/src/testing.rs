//! Test helpers: [`FakeChain`], an in-memory [`ChainView`].

use std::{collections::BTreeMap, sync::Mutex};

use crate::{Capacity, ChainView, ContractView, NruReport, PublicIp};

#[derive(Default)]
struct FakeChainState {
	contracts: BTreeMap<u64, ContractView>,
	twins: BTreeMap<u32, [u8; 32]>,
	resource_reports: Vec<Vec<(u64, Capacity)>>,
	nru_reports: Vec<NruReport>,
	fail_resource_reports: u32,
	fail_nru_reports: u32,
	fail_reads: u32,
	resource_report_attempts: u32,
}

/// An in-memory chain for one node: contracts, twin keys, and a record of the reports it got.
/// Each kind of call can be told to fail its next N calls.
pub struct FakeChain {
	node_id: u32,
	state: Mutex<FakeChainState>,
}

impl FakeChain {
	/// A chain where `node_id` is the engine's node.
	pub fn new(node_id: u32) -> Self {
		Self { node_id, state: Mutex::new(FakeChainState::default()) }
	}

	fn inner(&self) -> std::sync::MutexGuard<'_, FakeChainState> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	/// Registers a twin's account key.
	pub fn add_twin(&self, twin_id: u32, account: [u8; 32]) {
		self.inner().twins.insert(twin_id, account);
	}

	/// Adds (or replaces) a contract.
	pub fn put_contract(&self, contract: ContractView) {
		self.inner().contracts.insert(contract.id, contract);
	}

	/// Adds a node contract of `twin_id` on this chain's node holding `hash`.
	pub fn add_node_contract(
		&self,
		id: u64,
		twin_id: u32,
		hash: [u8; 32],
		public_ips: Vec<PublicIp>,
	) {
		self.put_contract(ContractView {
			id,
			twin_id,
			node_id: Some(self.node_id),
			deployment_hash: hash,
			in_grace: false,
			public_ips,
		});
	}

	/// Changes a contract's hash (`update_node_contract`).
	pub fn set_hash(&self, id: u64, hash: [u8; 32]) {
		if let Some(c) = self.inner().contracts.get_mut(&id) {
			c.deployment_hash = hash;
		}
	}

	/// Puts a contract in or out of its grace period.
	pub fn set_grace(&self, id: u64, in_grace: bool) {
		if let Some(c) = self.inner().contracts.get_mut(&id) {
			c.in_grace = in_grace;
		}
	}

	/// Deletes a contract (`cancel_contract`).
	pub fn cancel(&self, id: u64) {
		self.inner().contracts.remove(&id);
	}

	/// Makes the next `n` `report_contract_resources` calls fail.
	pub fn fail_resource_reports(&self, n: u32) {
		self.inner().fail_resource_reports = n;
	}

	/// Makes the next `n` `add_nru_reports` calls fail.
	pub fn fail_nru_reports(&self, n: u32) {
		self.inner().fail_nru_reports = n;
	}

	/// Makes the next `n` reads (contract, twin, active contracts) fail.
	pub fn fail_reads(&self, n: u32) {
		self.inner().fail_reads = n;
	}

	/// Successful `report_contract_resources` calls, in order.
	pub fn resource_reports(&self) -> Vec<Vec<(u64, Capacity)>> {
		self.inner().resource_reports.clone()
	}

	/// All `report_contract_resources` attempts, failed ones included.
	pub fn resource_report_attempts(&self) -> u32 {
		self.inner().resource_report_attempts
	}

	/// NRU reports accepted, in order.
	pub fn nru_reports(&self) -> Vec<NruReport> {
		self.inner().nru_reports.clone()
	}

	fn read(&self) -> anyhow::Result<std::sync::MutexGuard<'_, FakeChainState>> {
		let mut state = self.inner();
		if state.fail_reads > 0 {
			state.fail_reads -= 1;
			anyhow::bail!("fake chain: read failed");
		}
		Ok(state)
	}
}

#[async_trait::async_trait]
impl ChainView for FakeChain {
	async fn contract(&self, id: u64) -> anyhow::Result<Option<ContractView>> {
		Ok(self.read()?.contracts.get(&id).cloned())
	}

	async fn twin_account(&self, twin_id: u32) -> anyhow::Result<Option<[u8; 32]>> {
		Ok(self.read()?.twins.get(&twin_id).copied())
	}

	async fn active_node_contracts(&self) -> anyhow::Result<Vec<u64>> {
		let state = self.read()?;
		Ok(state
			.contracts
			.values()
			.filter(|c| c.node_id == Some(self.node_id))
			.map(|c| c.id)
			.collect())
	}

	async fn report_contract_resources(&self, used: &[(u64, Capacity)]) -> anyhow::Result<()> {
		let mut state = self.inner();
		state.resource_report_attempts += 1;
		if state.fail_resource_reports > 0 {
			state.fail_resource_reports -= 1;
			anyhow::bail!("fake chain: report_contract_resources failed");
		}
		state.resource_reports.push(used.to_vec());
		Ok(())
	}

	async fn add_nru_reports(&self, reports: &[NruReport]) -> anyhow::Result<()> {
		let mut state = self.inner();
		if state.fail_nru_reports > 0 {
			state.fail_nru_reports -= 1;
			anyhow::bail!("fake chain: add_nru_reports failed");
		}
		state.nru_reports.extend_from_slice(reports);
		Ok(())
	}
}
