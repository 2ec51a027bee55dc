//! The agent's view of the chain: the calls registration, uptime, power and the follower make,
//! as the [`NodeChain`] trait (faked in tests), implemented over
//! [`tfchain_agent_chain::ChainClient`].

use async_trait::async_trait;
use std::time::Duration;

/// A failed chain call, as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainCallError {
	/// The chain could not be reached (connection refused, closed, timed out).
	#[error("chain unreachable: {0}")]
	Connection(String),
	/// The extrinsic was included and failed with a pallet error.
	#[error("extrinsic failed: {pallet}.{error}")]
	Dispatch {
		/// Pallet name.
		pallet: String,
		/// Error variant name.
		error: String,
	},
	/// The account cannot pay the transaction fee.
	#[error("the node account has no funds to pay fees: {0}")]
	NoFunds(String),
	/// Any other failure (decoding, invalid transaction, timeout waiting for finality...).
	#[error("chain call failed: {0}")]
	Other(String),
}

impl ChainCallError {
	/// Whether this is the pallet error `error` (any pallet).
	pub fn is_dispatch(&self, error: &str) -> bool {
		matches!(self, ChainCallError::Dispatch { error: e, .. } if e == error)
	}
}

/// Result of a chain call.
pub type ChainResult<T> = Result<T, ChainCallError>;

/// Node capacity as registered (bytes for memory and disks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capacity {
	/// Logical CPUs.
	pub cru: u64,
	/// Memory bytes.
	pub mru: u64,
	/// SSD bytes.
	pub sru: u64,
	/// HDD bytes.
	pub hru: u64,
}

/// Location strings of a node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeLocation {
	/// City.
	pub city: String,
	/// Country.
	pub country: String,
	/// Latitude.
	pub latitude: String,
	/// Longitude.
	pub longitude: String,
}

/// An interface of a node record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInterface {
	/// Name.
	pub name: String,
	/// MAC address.
	pub mac: String,
	/// Plain IPs.
	pub ips: Vec<String>,
}

/// The fields of `create_node` / `update_node`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
	/// Farm.
	pub farm_id: u32,
	/// Capacity.
	pub resources: Capacity,
	/// Location.
	pub location: NodeLocation,
	/// Interfaces.
	pub interfaces: Vec<NodeInterface>,
	/// Secure boot.
	pub secure_boot: bool,
	/// Virtualized.
	pub virtualized: bool,
	/// Serial number.
	pub serial_number: Option<String>,
}

/// A node as stored on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNode {
	/// Node id.
	pub id: u32,
	/// Owning twin.
	pub twin_id: u32,
	/// Registered fields.
	pub spec: NodeSpec,
	/// Power target set by the farmer: `true` = Up.
	pub power_target_up: bool,
	/// Power state reported by the node: `true` = Up.
	pub power_state_up: bool,
}

/// A chain event relevant to this node (already filtered to this node or its farm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentEvent {
	/// A node contract on this node was created.
	ContractCreated {
		/// Contract.
		contract_id: u64,
	},
	/// A node contract on this node was updated (new hash).
	ContractUpdated {
		/// Contract.
		contract_id: u64,
	},
	/// A node contract on this node was cancelled.
	NodeContractCanceled {
		/// Contract.
		contract_id: u64,
	},
	/// The rent contract of this node was cancelled.
	RentContractCanceled {
		/// Contract.
		contract_id: u64,
	},
	/// A contract entered its grace period (owner out of funds).
	GracePeriodStarted {
		/// Contract.
		contract_id: u64,
	},
	/// A contract left its grace period.
	GracePeriodEnded {
		/// Contract.
		contract_id: u64,
	},
	/// The farmer changed a node's power target (any node of the farm).
	PowerTargetChanged {
		/// Node.
		node_id: u32,
		/// `true` = Up.
		up: bool,
	},
	/// The farmer changed this node's public config.
	PublicConfigChanged,
}

impl AgentEvent {
	/// Short name, the `kind` label of the events metric.
	pub fn kind(&self) -> &'static str {
		match self {
			AgentEvent::ContractCreated { .. } => "contract_created",
			AgentEvent::ContractUpdated { .. } => "contract_updated",
			AgentEvent::NodeContractCanceled { .. } => "node_contract_canceled",
			AgentEvent::RentContractCanceled { .. } => "rent_contract_canceled",
			AgentEvent::GracePeriodStarted { .. } => "grace_period_started",
			AgentEvent::GracePeriodEnded { .. } => "grace_period_ended",
			AgentEvent::PowerTargetChanged { .. } => "power_target_changed",
			AgentEvent::PublicConfigChanged => "public_config_changed",
		}
	}
}

/// The chain calls the agent makes with the node account.
#[async_trait]
pub trait NodeChain: Send + Sync {
	/// The node account.
	fn account_id(&self) -> [u8; 32];
	/// Free balance of the node account.
	async fn free_balance(&self) -> ChainResult<u128>;
	/// Twin of the node account.
	async fn own_twin_id(&self) -> ChainResult<Option<u32>>;
	/// Accepts the terms and conditions (idempotent on chain).
	async fn accept_terms(&self, link: &str, hash: &str) -> ChainResult<()>;
	/// Creates the node account's twin.
	async fn create_twin(&self, relay: Option<String>) -> ChainResult<u32>;
	/// The node registered by a twin.
	async fn node_id_of_twin(&self, twin_id: u32) -> ChainResult<Option<u32>>;
	/// A node record.
	async fn node(&self, node_id: u32) -> ChainResult<Option<ChainNode>>;
	/// Registers the node.
	async fn create_node(&self, spec: &NodeSpec) -> ChainResult<u32>;
	/// Updates the node record.
	async fn update_node(&self, node_id: u32, spec: &NodeSpec) -> ChainResult<()>;
	/// `report_uptime_v2`.
	async fn report_uptime(&self, uptime_secs: u64, timestamp_hint: u64) -> ChainResult<()>;
	/// `change_power_state`.
	async fn change_power_state(&self, up: bool) -> ChainResult<()>;
	/// Active node contracts of a node.
	async fn active_node_contracts(&self, node_id: u32) -> ChainResult<Vec<u64>>;
	/// Active rent contract of a node.
	async fn active_rent_contract(&self, node_id: u32) -> ChainResult<Option<u64>>;
	/// Latest finalized block number.
	async fn finalized_number(&self) -> ChainResult<u64>;
	/// Waits until a block above `number` is finalized; returns the new finalized number.
	async fn wait_finalized_after(&self, number: u64, timeout: Duration) -> ChainResult<u64>;
	/// Events of one finalized block for this node or its farm.
	async fn node_events(
		&self,
		block: u64,
		node_id: u32,
		farm_id: u32,
	) -> ChainResult<Vec<AgentEvent>>;
	/// A TFKVStore value of an account.
	async fn kv_get(&self, account: [u8; 32], key: &str) -> ChainResult<Option<Vec<u8>>>;
	/// Sets a TFKVStore value of the node account.
	async fn kv_set(&self, key: &str, value: &[u8]) -> ChainResult<()>;
}

impl From<tfchain_agent_chain::ChainError> for ChainCallError {
	fn from(e: tfchain_agent_chain::ChainError) -> Self {
		use tfchain_agent_chain::ChainError as E;
		match e {
			E::Connection(m) => ChainCallError::Connection(m),
			E::Dispatch { pallet, error } => ChainCallError::Dispatch { pallet, error },
			E::Rejected(m) if is_payment_failure(&m) => ChainCallError::NoFunds(m),
			other => ChainCallError::Other(other.to_string()),
		}
	}
}

/// Whether a pool rejection means the account cannot pay (`Invalid::Payment`, no balance).
fn is_payment_failure(message: &str) -> bool {
	let m = message.to_ascii_lowercase();
	m.contains("payment") || m.contains("inability to pay") || m.contains("funds")
}

fn to_registration(spec: &NodeSpec) -> tfchain_agent_chain::NodeRegistration {
	use tfchain_agent_chain as c;
	c::NodeRegistration {
		farm_id: spec.farm_id,
		resources: c::Resources {
			hru: spec.resources.hru,
			sru: spec.resources.sru,
			cru: spec.resources.cru,
			mru: spec.resources.mru,
		},
		location: c::Location {
			city: spec.location.city.clone(),
			country: spec.location.country.clone(),
			latitude: spec.location.latitude.clone(),
			longitude: spec.location.longitude.clone(),
		},
		interfaces: spec
			.interfaces
			.iter()
			.map(|i| c::Interface { name: i.name.clone(), mac: i.mac.clone(), ips: i.ips.clone() })
			.collect(),
		secure_boot: spec.secure_boot,
		virtualized: spec.virtualized,
		serial_number: spec.serial_number.clone(),
	}
}

fn from_node_info(info: tfchain_agent_chain::NodeInfo) -> ChainNode {
	use tfchain_agent_chain::{PowerState, PowerTarget};
	ChainNode {
		id: info.id,
		twin_id: info.twin_id,
		spec: NodeSpec {
			farm_id: info.farm_id,
			resources: Capacity {
				cru: info.resources.cru,
				mru: info.resources.mru,
				sru: info.resources.sru,
				hru: info.resources.hru,
			},
			location: NodeLocation {
				city: info.location.city,
				country: info.location.country,
				latitude: info.location.latitude,
				longitude: info.location.longitude,
			},
			interfaces: info
				.interfaces
				.into_iter()
				.map(|i| NodeInterface { name: i.name, mac: i.mac, ips: i.ips })
				.collect(),
			secure_boot: info.secure_boot,
			virtualized: info.virtualized,
			serial_number: info.serial_number,
		},
		power_target_up: info.power_target == PowerTarget::Up,
		power_state_up: info.power_state == PowerState::Up,
	}
}

fn from_node_event(event: tfchain_agent_chain::NodeEvent) -> AgentEvent {
	use tfchain_agent_chain::NodeEvent as E;
	match event {
		E::ContractCreated { contract_id, .. } => AgentEvent::ContractCreated { contract_id },
		E::ContractUpdated { contract_id, .. } => AgentEvent::ContractUpdated { contract_id },
		E::NodeContractCanceled { contract_id } => AgentEvent::NodeContractCanceled { contract_id },
		E::RentContractCanceled { contract_id } => AgentEvent::RentContractCanceled { contract_id },
		E::GracePeriodStarted { contract_id } => AgentEvent::GracePeriodStarted { contract_id },
		E::GracePeriodEnded { contract_id } => AgentEvent::GracePeriodEnded { contract_id },
		E::PowerTargetChanged { node_id, up } => AgentEvent::PowerTargetChanged { node_id, up },
		E::PublicConfigChanged => AgentEvent::PublicConfigChanged,
	}
}

#[async_trait]
impl NodeChain for tfchain_agent_chain::ChainClient {
	fn account_id(&self) -> [u8; 32] {
		tfchain_agent_chain::ChainClient::account_id(self)
	}
	async fn free_balance(&self) -> ChainResult<u128> {
		Ok(tfchain_agent_chain::ChainClient::free_balance(self, NodeChain::account_id(self))
			.await?)
	}
	async fn own_twin_id(&self) -> ChainResult<Option<u32>> {
		Ok(self.twin_id_of(NodeChain::account_id(self)).await?)
	}
	async fn accept_terms(&self, link: &str, hash: &str) -> ChainResult<()> {
		Ok(tfchain_agent_chain::ChainClient::accept_terms(self, link, hash).await?)
	}
	async fn create_twin(&self, relay: Option<String>) -> ChainResult<u32> {
		Ok(tfchain_agent_chain::ChainClient::create_twin(self, relay, None).await?)
	}
	async fn node_id_of_twin(&self, twin_id: u32) -> ChainResult<Option<u32>> {
		Ok(tfchain_agent_chain::ChainClient::node_id_of_twin(self, twin_id).await?)
	}
	async fn node(&self, node_id: u32) -> ChainResult<Option<ChainNode>> {
		Ok(tfchain_agent_chain::ChainClient::node(self, node_id).await?.map(from_node_info))
	}
	async fn create_node(&self, spec: &NodeSpec) -> ChainResult<u32> {
		Ok(tfchain_agent_chain::ChainClient::create_node(self, &to_registration(spec)).await?)
	}
	async fn update_node(&self, node_id: u32, spec: &NodeSpec) -> ChainResult<()> {
		Ok(tfchain_agent_chain::ChainClient::update_node(self, node_id, &to_registration(spec))
			.await?)
	}
	async fn report_uptime(&self, uptime_secs: u64, timestamp_hint: u64) -> ChainResult<()> {
		Ok(tfchain_agent_chain::ChainClient::report_uptime(self, uptime_secs, timestamp_hint)
			.await?)
	}
	async fn change_power_state(&self, up: bool) -> ChainResult<()> {
		Ok(tfchain_agent_chain::ChainClient::change_power_state(self, up).await?)
	}
	async fn active_node_contracts(&self, node_id: u32) -> ChainResult<Vec<u64>> {
		Ok(tfchain_agent_chain::ChainClient::active_node_contracts(self, node_id).await?)
	}
	async fn active_rent_contract(&self, node_id: u32) -> ChainResult<Option<u64>> {
		Ok(tfchain_agent_chain::ChainClient::active_rent_contract(self, node_id).await?)
	}
	async fn finalized_number(&self) -> ChainResult<u64> {
		Ok(tfchain_agent_chain::ChainClient::finalized_number(self).await?)
	}
	async fn wait_finalized_after(&self, number: u64, timeout: Duration) -> ChainResult<u64> {
		Ok(tfchain_agent_chain::ChainClient::wait_finalized_after(self, number, timeout).await?)
	}
	async fn node_events(
		&self,
		block: u64,
		node_id: u32,
		farm_id: u32,
	) -> ChainResult<Vec<AgentEvent>> {
		let filter = tfchain_agent_chain::EventFilter { node_id, farm_id };
		let events = tfchain_agent_chain::ChainClient::node_events(self, block, &filter).await?;
		Ok(events.into_iter().map(from_node_event).collect())
	}
	async fn kv_get(&self, account: [u8; 32], key: &str) -> ChainResult<Option<Vec<u8>>> {
		Ok(tfchain_agent_chain::ChainClient::kv_get(self, account, key).await?)
	}
	async fn kv_set(&self, key: &str, value: &[u8]) -> ChainResult<()> {
		Ok(tfchain_agent_chain::ChainClient::kv_set(self, key, value).await?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn chain_errors_map_to_named_agent_errors() {
		use tfchain_agent_chain::ChainError as E;
		assert_eq!(
			ChainCallError::from(E::Connection("gone".into())),
			ChainCallError::Connection("gone".into())
		);
		let e = ChainCallError::from(E::Dispatch {
			pallet: "TfgridModule".into(),
			error: "TwinWithPubkeyExists".into(),
		});
		assert!(e.is_dispatch("TwinWithPubkeyExists"));
		assert!(matches!(
			ChainCallError::from(E::Rejected(
				"Invalid Transaction: Inability to pay some fees".into()
			)),
			ChainCallError::NoFunds(_)
		));
		assert!(matches!(
			ChainCallError::from(E::Rejected("stale nonce".into())),
			ChainCallError::Other(_)
		));
		assert!(matches!(ChainCallError::from(E::Timeout("t".into())), ChainCallError::Other(_)));
	}

	#[test]
	fn registration_round_trips_through_chain_types() {
		let spec = NodeSpec {
			farm_id: 2,
			resources: Capacity { cru: 1, mru: 2, sru: 3, hru: 4 },
			location: NodeLocation {
				city: "c".into(),
				country: "cc".into(),
				latitude: "1".into(),
				longitude: "2".into(),
			},
			interfaces: vec![NodeInterface {
				name: "eth0".into(),
				mac: "02:00:00:00:00:01".into(),
				ips: vec!["10.0.0.1".into()],
			}],
			secure_boot: true,
			virtualized: false,
			serial_number: Some("s".into()),
		};
		let reg = to_registration(&spec);
		let info = tfchain_agent_chain::NodeInfo {
			id: 5,
			farm_id: reg.farm_id,
			twin_id: 9,
			resources: reg.resources,
			location: reg.location.clone(),
			interfaces: reg.interfaces.clone(),
			secure_boot: reg.secure_boot,
			virtualized: reg.virtualized,
			serial_number: reg.serial_number.clone(),
			public_config: None,
			created: 0,
			farming_policy_id: 1,
			certified: false,
			power_target: tfchain_agent_chain::PowerTarget::Down,
			power_state: tfchain_agent_chain::PowerState::Down { since_block: 3 },
		};
		let node = from_node_info(info);
		assert_eq!(node.spec, spec);
		assert!(!node.power_target_up);
		assert!(!node.power_state_up);
	}
}
