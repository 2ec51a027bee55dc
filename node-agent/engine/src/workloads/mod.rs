//! Workload backends (traits with a real and a fake implementation each) and the per-type
//! managers the worker calls.
//!
//! * [`Hypervisor`]: VMs by name; [`KvmHypervisor`] over `tfchain_vmm`, [`FakeHypervisor`].
//! * [`Volumes`]: raw sparse files with size accounting; [`LocalVolumes`].
//! * [`Networks`]: private networks, taps, counters; [`HostNetworks`] over `tfchain_agent_net`,
//!   [`FakeNetworks`].

pub(crate) mod ip;
pub(crate) mod network;
pub(crate) mod vm;
pub(crate) mod volume;

use std::{os::fd::OwnedFd, path::PathBuf, sync::Arc};

pub use network::{FakeNetworks, HostNetworks, NetworkInfo, Networks, TrafficCounters};
pub use vm::{FakeHypervisor, FakeVmInfo, KvmHypervisor};
pub use volume::LocalVolumes;

use crate::EngineConfig;

/// Why a workload could not be provisioned, updated or removed (stored as the workload's result
/// message).
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
	/// The volume pool has no room for the declared size.
	#[error("not enough storage: {requested} bytes requested, {available} bytes available")]
	NoSpace {
		/// Bytes the operation needs.
		requested: u64,
		/// Bytes still free for declarations.
		available: u64,
	},
	/// A volume cannot shrink.
	#[error("volume {id} cannot shrink from {current} to {requested} bytes")]
	Shrink {
		/// The volume.
		id: String,
		/// Current size.
		current: u64,
		/// Requested size.
		requested: u64,
	},
	/// A file operation failed.
	#[error("{path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// The error.
		source: std::io::Error,
	},
	/// The hypervisor refused or failed.
	#[error("hypervisor: {0}")]
	Hypervisor(String),
	/// Host networking failed.
	#[error("network: {0}")]
	Network(String),
	/// A name cannot be used (e.g. as a file or interface name).
	#[error("invalid name {0:?}")]
	InvalidName(String),
	/// The zmachine names an image that is not in the catalogue.
	#[error("image {0:?} is not in this node's catalogue")]
	UnknownImage(String),
	/// The contract has no free public IP for this ip workload.
	#[error("no free public IP: the contract has {allocated} and all are taken")]
	NoPublicIp {
		/// How many IPs the chain allocated to the contract.
		allocated: usize,
	},
	/// A workload this one depends on is not provisioned.
	#[error("{0}")]
	Dependency(String),
	/// The operation is not supported.
	#[error("{0}")]
	Unsupported(String),
}

/// How a VM boots, resolved by the engine from the image catalogue.
#[derive(Clone, Debug)]
pub enum VmBoot {
	/// Linux kernel, optional initramfs, full command line.
	Linux {
		/// Kernel image.
		kernel: PathBuf,
		/// Initramfs.
		initrd: Option<PathBuf>,
		/// Complete command line (network settings included).
		cmdline: String,
	},
	/// Raw 64-bit code (the probe guest).
	Flat {
		/// The code.
		code: Vec<u8>,
	},
}

/// A network interface of a VM: an open tap and its MAC address.
#[derive(Debug)]
pub struct VmNic {
	/// Tap device name.
	pub tap: String,
	/// The open tap (handed to the VMM).
	pub fd: OwnedFd,
	/// Guest MAC address.
	pub mac: [u8; 6],
}

/// Everything the hypervisor needs to start a VM.
#[derive(Debug)]
pub struct VmSpec {
	/// Unique VM name (`<contract>-<workload>`).
	pub name: String,
	/// Virtual CPUs.
	pub vcpus: u8,
	/// Memory in MiB.
	pub memory_mib: u32,
	/// Boot source.
	pub boot: VmBoot,
	/// Disk images, in order (`/dev/vda`, `/dev/vdb`, ...).
	pub disks: Vec<PathBuf>,
	/// Network interfaces, in order (`eth0`, `eth1`, ...).
	pub nics: Vec<VmNic>,
	/// Serial console output is appended here.
	pub console_log: PathBuf,
}

/// Run state of a VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmRunState {
	/// Running guest code.
	Running,
	/// Paused (memory and devices kept).
	Paused,
	/// Stopped by itself (crash, guest shutdown).
	Stopped {
		/// Why.
		reason: String,
	},
}

/// Boot timings of a VM, measured from the hypervisor's start call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmTimings {
	/// Start call to vCPUs launched.
	pub setup_ms: u64,
	/// Start call to the first guest instruction (first VM exit), if seen.
	pub first_instruction_ms: Option<u64>,
	/// Start call to the guest writing the boot marker port, if seen.
	pub boot_marker_ms: Option<u64>,
}

/// A hypervisor that owns VMs by name. Every call is idempotent on the name.
pub trait Hypervisor: Send + Sync {
	/// Short name for logs and metrics (`kvm`, `fake`).
	fn kind(&self) -> &'static str;
	/// Starts a VM. When a VM with that name is already running or paused, it is left alone and
	/// its timings are returned (no second VM).
	fn start(&self, spec: VmSpec) -> Result<VmTimings, WorkloadError>;
	/// Whether a VM with that name exists and has not stopped.
	fn is_running(&self, name: &str) -> bool;
	/// Boot timings of a VM.
	fn timings(&self, name: &str) -> Option<VmTimings>;
	/// State of a VM (`None`: unknown name).
	fn state(&self, name: &str) -> Option<VmRunState>;
	/// Pauses a VM (no-op when already paused).
	fn pause(&self, name: &str) -> Result<(), WorkloadError>;
	/// Resumes a paused VM (no-op when running).
	fn resume(&self, name: &str) -> Result<(), WorkloadError>;
	/// Stops a VM and frees it (no-op for an unknown name).
	fn stop(&self, name: &str) -> Result<(), WorkloadError>;
	/// Names of the VMs it holds.
	fn list(&self) -> Vec<String>;
}

/// Raw disk volumes (zmounts and VM root disks).
pub trait Volumes: Send + Sync {
	/// Path of a volume's file (whether or not it exists).
	fn path(&self, id: &str) -> Result<PathBuf, WorkloadError>;
	/// Creates the volume with `size` bytes, or grows it to `size`; never shrinks (error).
	/// Refuses when the declared sizes of all volumes would exceed the pool's room.
	fn ensure(&self, id: &str, size: u64) -> Result<PathBuf, WorkloadError>;
	/// Deletes a volume (no-op when absent).
	fn remove(&self, id: &str) -> Result<(), WorkloadError>;
	/// Current declared size of a volume (`None`: absent).
	fn size(&self, id: &str) -> Option<u64>;
	/// Sum of the declared sizes of all volumes.
	fn allocated(&self) -> Result<u64, WorkloadError>;
	/// Bytes volumes may declare in total (pool size minus the reserve).
	fn capacity(&self) -> Result<u64, WorkloadError>;
}

/// A call log shared by fakes, to check the order of calls across backends.
pub type Journal = Arc<std::sync::Mutex<Vec<String>>>;

/// The backends the engine provisions with.
#[derive(Clone)]
pub struct Backends {
	/// VMs.
	pub hypervisor: Arc<dyn Hypervisor>,
	/// Disk volumes.
	pub volumes: Arc<dyn Volumes>,
	/// Networks and taps.
	pub networks: Arc<dyn Networks>,
}

impl Backends {
	/// Fake hypervisor and networks, real sparse volumes under `<state_dir>/volumes`: for tests and
	/// hosts without KVM or root.
	pub fn fake(config: &EngineConfig) -> Self {
		Self {
			hypervisor: Arc::new(FakeHypervisor::new()),
			volumes: Arc::new(LocalVolumes::new(
				config.state_dir.join("volumes"),
				config.volume_reserve_bytes,
			)),
			networks: Arc::new(FakeNetworks::new()),
		}
	}

	/// The real backends where the host allows them (KVM present for the hypervisor; root, `ip`
	/// and `nft` for networks), fakes otherwise. Returns the backends and one note per fake chosen,
	/// with the reason.
	pub fn detect(config: &EngineConfig, net: tfchain_agent_net::NetConfig) -> (Self, Vec<String>) {
		let mut notes = Vec::new();
		let hypervisor: Arc<dyn Hypervisor> = match tfchain_vmm::kvm_available() {
			Ok(()) => Arc::new(KvmHypervisor::new()),
			Err(reason) => {
				notes.push(format!("fake hypervisor: {reason}"));
				Arc::new(FakeHypervisor::new())
			},
		};
		let networks: Arc<dyn Networks> = match tfchain_agent_net::available() {
			Ok(()) => Arc::new(HostNetworks::new(net)),
			Err(reason) => {
				notes.push(format!("fake networks: {reason}"));
				Arc::new(FakeNetworks::new())
			},
		};
		let volumes = Arc::new(LocalVolumes::new(
			config.state_dir.join("volumes"),
			config.volume_reserve_bytes,
		));
		(Self { hypervisor, volumes, networks }, notes)
	}
}

/// FNV-1a 64-bit hash: small, stable across versions and platforms (names derived from it are
/// persisted and must not change).
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
	let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
	for part in parts {
		for byte in part.iter().chain(std::iter::once(&0xffu8)) {
			hash ^= u64::from(*byte);
			hash = hash.wrapping_mul(0x0100_0000_01b3);
		}
	}
	hash
}

/// Stable id of a workload's host resources: `<contract>-<name>`.
pub(crate) fn workload_id(contract_id: u64, name: &str) -> String {
	format!("{contract_id}-{name}")
}

/// Stable tap name (≤ 15 bytes): `t-` (private) or `p-` (public) and 12 hex digits.
pub(crate) fn tap_name(public: bool, contract_id: u64, name: &str) -> String {
	let hash = stable_hash(&[&contract_id.to_le_bytes(), name.as_bytes(), &[u8::from(public)]]);
	format!("{}-{:012x}", if public { 'p' } else { 't' }, hash & 0xffff_ffff_ffff)
}

/// Stable locally administered unicast MAC for a VM interface.
pub(crate) fn mac_address(contract_id: u64, name: &str, public: bool) -> [u8; 6] {
	let h =
		stable_hash(&[b"mac", &contract_id.to_le_bytes(), name.as_bytes(), &[u8::from(public)]])
			.to_le_bytes();
	[0x02, h[0], h[1], h[2], h[3], h[4]]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_are_stable_and_short() {
		let a = tap_name(false, 42, "vm");
		assert_eq!(a, tap_name(false, 42, "vm"));
		assert_ne!(a, tap_name(true, 42, "vm"));
		assert_ne!(a, tap_name(false, 43, "vm"));
		assert!(a.starts_with("t-") && a.len() <= 15);
		assert!(tap_name(true, u64::MAX, &"x".repeat(200)).len() <= 15);
		// The hash must never change: names are persisted and re-derived after a restart.
		assert_eq!(stable_hash(&[b"a"]), stable_hash(&[b"a"]));
		assert_ne!(stable_hash(&[b"ab", b""]), stable_hash(&[b"a", b"b"]));
		let mac = mac_address(1, "vm", false);
		assert_eq!(mac[0] & 0x03, 0x02, "locally administered, unicast");
	}
}
