//! The node agent's provisioning engine.
//!
//! The engine receives signed deployment documents (see `tfchain_deployment`), checks them against
//! the chain (through [`ChainView`]), stores them under the state directory and provisions their
//! workloads with one worker that runs a persistent FIFO job queue. Workloads are installed in type
//! order (zmount, network, ip, zmachine) and removed in reverse, through backends behind traits
//! ([`Hypervisor`], [`Volumes`], [`Networks`]) that have a real and a fake implementation each.
//!
//! The engine reacts to chain events (cancel, grace period start and end), reconciles its local
//! state with the node's active contracts (at start, hourly, and after a reboot, detected with a
//! marker file in a tmpfs runtime directory), reports the declared capacity of every deployment
//! after each change, and accounts public network traffic (NRU) that it reports exactly once per
//! window through a persistent outbox.

mod engine;
mod error;
mod jobs;
mod store;
pub mod testing;
#[cfg(test)]
mod tests;
mod traffic;
mod worker;
pub mod workloads;

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

pub use engine::{Engine, EngineMetrics, ReconcileReport};
pub use error::EngineError;
pub use jobs::{Job, JobQueue, QueuedJob};
pub use store::{DeploymentRecord, NetworkFact, PendingStep, PendingUpdate, Store, VmTaps};
pub use tfchain_deployment::{Capacity, Deployment, ResultState};
pub use workloads::{
	Backends, FakeHypervisor, FakeNetworks, FakeVmInfo, HostNetworks, Hypervisor, Journal,
	KvmHypervisor, LocalVolumes, NetworkInfo, Networks, TrafficCounters, VmBoot, VmNic, VmRunState,
	VmSpec, VmTimings, Volumes, WorkloadError,
};

/// Name of the built-in image that boots [`tfchain_vmm::guest::probe_guest`].
pub const PROBE_IMAGE: &str = "probe";

/// A bootable image of the agent's catalogue, referenced by name from a zmachine workload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Image {
	/// A Linux kernel (bzImage or ELF vmlinux), an optional initramfs and a base command line.
	Linux {
		/// Path of the kernel image.
		kernel: PathBuf,
		/// Path of the initramfs, if any.
		#[serde(default)]
		initrd: Option<PathBuf>,
		/// Base kernel command line; the engine appends network settings to it.
		#[serde(default)]
		cmdline: String,
	},
	/// The built-in probe guest: writes the boot marker, prints
	/// `tfchain probe <contract_id> <name>` on the serial console and halts.
	Probe,
}

/// Configuration of the engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
	/// Persistent state directory (deployments, job queue, volumes, consoles, NRU ledger).
	pub state_dir: PathBuf,
	/// Runtime directory that does not survive a reboot (tmpfs, e.g. `/run/node-agent`); the boot
	/// marker lives here.
	pub run_dir: PathBuf,
	/// This node's id on the chain.
	pub node_id: u32,
	/// Image catalogue: name → image. `probe` is always available unless overridden here.
	pub images: BTreeMap<String, Image>,
	/// Bytes of the volume pool kept free: declared volume sizes may add up to at most the pool's
	/// size minus this reserve.
	pub volume_reserve_bytes: u64,
	/// How many times a failed `report_contract_resources` is retried (Zero-OS: 4).
	pub report_retries: u32,
	/// Delay between those retries (Zero-OS: 6 s).
	pub report_retry_delay: Duration,
}

impl EngineConfig {
	/// A configuration with the defaults: no images but `probe`, 1 GiB volume reserve, resource
	/// reports retried 4 times 6 s apart.
	pub fn new(state_dir: impl Into<PathBuf>, run_dir: impl Into<PathBuf>, node_id: u32) -> Self {
		Self {
			state_dir: state_dir.into(),
			run_dir: run_dir.into(),
			node_id,
			images: BTreeMap::new(),
			volume_reserve_bytes: 1 << 30,
			report_retries: 4,
			report_retry_delay: Duration::from_secs(6),
		}
	}

	/// Looks an image up by name; `probe` falls back to the built-in probe image.
	pub fn image(&self, name: &str) -> Option<Image> {
		match self.images.get(name) {
			Some(image) => Some(image.clone()),
			None if name == PROBE_IMAGE => Some(Image::Probe),
			None => None,
		}
	}
}

/// A public IPv4 address the chain allocated to a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicIp {
	/// Address with prefix length, e.g. `185.69.166.10/24`.
	pub ip: String,
	/// Gateway of that subnet, e.g. `185.69.166.1`.
	pub gateway: String,
}

/// What the engine needs to know about a contract on chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractView {
	/// Contract id.
	pub id: u64,
	/// Owner twin.
	pub twin_id: u32,
	/// Node of a node contract; `None` for any other kind of contract.
	pub node_id: Option<u32>,
	/// The deployment hash the contract holds (all zero for other kinds).
	pub deployment_hash: [u8; 32],
	/// Whether the contract is in its grace period (deployment must be paused).
	pub in_grace: bool,
	/// Public IPs the chain allocated to the contract.
	pub public_ips: Vec<PublicIp>,
}

/// One network usage report (`add_nru_reports` entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NruReport {
	/// Contract the traffic belongs to.
	pub contract_id: u64,
	/// End of the window (unix seconds).
	pub timestamp: u64,
	/// Length of the window in seconds.
	pub window: u64,
	/// Bytes sent and received on the contract's public interfaces in the window.
	pub nru: u64,
}

/// A chain event about one of this node's contracts, as the chain follower decodes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainEvent {
	/// `NodeContractCanceled`: deprovision.
	Canceled(u64),
	/// `ContractGracePeriodStarted`: pause.
	GraceStarted(u64),
	/// `ContractGracePeriodEnded`: resume.
	GraceEnded(u64),
	/// `ContractUpdated`: the chain hash changed; the new document comes through
	/// [`Engine::submit_update`].
	Updated(u64),
	/// `RentContractCanceled`: deprovision the deployment with that id if there is one (the node
	/// contracts on the rented node get their own cancel events).
	RentCanceled(u64),
}

/// The chain as the engine sees it; implemented by the binary over `tfchain_agent_chain`, and by
/// [`testing::FakeChain`] in tests.
#[async_trait::async_trait]
pub trait ChainView: Send + Sync {
	/// Reads a contract at the latest finalized block.
	async fn contract(&self, id: u64) -> anyhow::Result<Option<ContractView>>;
	/// The account (sr25519/ed25519 public key) of a twin.
	async fn twin_account(&self, twin_id: u32) -> anyhow::Result<Option<[u8; 32]>>;
	/// Ids of the node contracts active on this node.
	async fn active_node_contracts(&self) -> anyhow::Result<Vec<u64>>;
	/// Reports the declared capacity used by contracts.
	async fn report_contract_resources(&self, used: &[(u64, Capacity)]) -> anyhow::Result<()>;
	/// Reports network usage.
	async fn add_nru_reports(&self, reports: &[NruReport]) -> anyhow::Result<()>;
}

/// Milliseconds since the unix epoch (0 if the clock is before 1970).
pub(crate) fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis().min(u64::MAX as u128) as u64)
		.unwrap_or(0)
}

/// Seconds since the unix epoch.
pub(crate) fn now_secs() -> u64 {
	now_ms() / 1000
}
