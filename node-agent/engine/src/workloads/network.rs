//! Private networks: one host network per (twin, network name), shared by that twin's
//! deployments on this node and removed when its last user goes. VM taps attach to its bridge;
//! public taps attach to the public bridge.

use std::{
	collections::BTreeMap,
	net::Ipv4Addr,
	os::{fd::OwnedFd, unix::net::UnixDatagram},
	str::FromStr,
	sync::Mutex,
};

use serde_json::json;
use tfchain_deployment::NetworkData;

use super::{stable_hash, WorkloadError};
use crate::{
	store::{DeploymentRecord, NetworkFact},
	worker::Ctx,
};

/// Byte counters of a network interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrafficCounters {
	/// Bytes received.
	pub rx_bytes: u64,
	/// Bytes sent.
	pub tx_bytes: u64,
}

/// A private network that exists on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkInfo {
	/// Network id.
	pub id: String,
	/// Gateway address VMs use (host side of the subnet).
	pub gateway: Ipv4Addr,
}

/// Host networking as the engine uses it. Every call is idempotent.
pub trait Networks: Send + Sync {
	/// Short name for logs and metrics (`host`, `fake`).
	fn kind(&self) -> &'static str;
	/// Creates (or keeps) the network `id` with `subnet` (e.g. `10.20.1.0/24`).
	fn ensure_network(&self, id: &str, subnet: &str) -> Result<NetworkInfo, WorkloadError>;
	/// Removes a network (no-op when absent).
	fn remove_network(&self, id: &str) -> Result<(), WorkloadError>;
	/// Creates a tap on the network's bridge and returns it open.
	fn attach_vm_tap(&self, network_id: &str, tap: &str) -> Result<OwnedFd, WorkloadError>;
	/// Creates a tap on the public bridge and returns it open.
	fn attach_public_tap(&self, tap: &str) -> Result<OwnedFd, WorkloadError>;
	/// Removes a tap (no-op when absent).
	fn remove_tap(&self, tap: &str) -> Result<(), WorkloadError>;
	/// Byte counters of a tap.
	fn counters(&self, tap: &str) -> Result<TrafficCounters, WorkloadError>;
	/// Ids of the networks that exist.
	fn list_networks(&self) -> Result<Vec<String>, WorkloadError>;
}

/// Stable host network id of a twin's network: 8 hex digits of a hash of (twin, name).
pub(crate) fn network_id(twin_id: u32, name: &str) -> String {
	format!("{:08x}", stable_hash(&[b"net", &twin_id.to_le_bytes(), name.as_bytes()]) as u32)
}

fn net_err(e: impl std::fmt::Display) -> WorkloadError {
	WorkloadError::Network(e.to_string())
}

/// Real networks: namespaces, bridges, NAT and taps through `tfchain_agent_net`.
pub struct HostNetworks {
	net: tfchain_agent_net::HostNetwork,
}

impl HostNetworks {
	/// Wraps a host network configuration.
	pub fn new(config: tfchain_agent_net::NetConfig) -> Self {
		Self { net: tfchain_agent_net::HostNetwork::new(config) }
	}
}

impl Networks for HostNetworks {
	fn kind(&self) -> &'static str {
		"host"
	}

	fn ensure_network(&self, id: &str, subnet: &str) -> Result<NetworkInfo, WorkloadError> {
		let subnet = tfchain_agent_net::Ipv4Net::from_str(subnet).map_err(net_err)?;
		let net = self.net.ensure_network(id, subnet).map_err(net_err)?;
		Ok(NetworkInfo { id: net.id, gateway: net.gateway })
	}

	fn remove_network(&self, id: &str) -> Result<(), WorkloadError> {
		self.net.remove_network(id).map_err(net_err)
	}

	fn attach_vm_tap(&self, network_id: &str, tap: &str) -> Result<OwnedFd, WorkloadError> {
		self.net.attach_vm_tap(network_id, tap).map_err(net_err)
	}

	fn attach_public_tap(&self, tap: &str) -> Result<OwnedFd, WorkloadError> {
		self.net.attach_public_tap(tap).map_err(net_err)
	}

	fn remove_tap(&self, tap: &str) -> Result<(), WorkloadError> {
		self.net.remove_tap(tap).map_err(net_err)
	}

	fn counters(&self, tap: &str) -> Result<TrafficCounters, WorkloadError> {
		let c = self.net.counters(tap).map_err(net_err)?;
		Ok(TrafficCounters { rx_bytes: c.rx_bytes, tx_bytes: c.tx_bytes })
	}

	fn list_networks(&self) -> Result<Vec<String>, WorkloadError> {
		self.net.list_networks().map_err(net_err)
	}
}

struct FakeTap {
	network: Option<String>,
	// Keeps the other end of the socket pair handed out as the "tap" open.
	_peer: UnixDatagram,
}

#[derive(Default)]
struct FakeNetState {
	networks: BTreeMap<String, String>,
	taps: BTreeMap<String, FakeTap>,
	counters: BTreeMap<String, TrafficCounters>,
	calls: Vec<String>,
}

/// In-memory networks for tests and hosts without root: records calls; a "tap" is one end of a
/// datagram socket pair; counters are set by the test.
#[derive(Default)]
pub struct FakeNetworks {
	state: Mutex<FakeNetState>,
	journal: Option<super::Journal>,
}

/// Gateway of a subnet: its first host address.
fn first_host(subnet: &str) -> Result<Ipv4Addr, WorkloadError> {
	let (addr, prefix) = subnet
		.split_once('/')
		.ok_or_else(|| WorkloadError::Network(format!("invalid subnet {subnet:?}")))?;
	let addr = Ipv4Addr::from_str(addr)
		.map_err(|_| WorkloadError::Network(format!("invalid subnet {subnet:?}")))?;
	let prefix: u8 = prefix
		.parse()
		.ok()
		.filter(|p| *p <= 30)
		.ok_or_else(|| WorkloadError::Network(format!("invalid subnet {subnet:?}")))?;
	let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
	Ok(Ipv4Addr::from((u32::from(addr) & mask) + 1))
}

impl FakeNetworks {
	/// An empty fake.
	pub fn new() -> Self {
		Self::default()
	}

	/// Also appends every call to `journal` (shared with other fakes to check the order of
	/// calls across backends).
	pub fn with_journal(mut self, journal: super::Journal) -> Self {
		self.journal = Some(journal);
		self
	}

	fn state(&self) -> std::sync::MutexGuard<'_, FakeNetState> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	fn record(&self, state: &mut FakeNetState, call: String) {
		if let Some(journal) = &self.journal {
			journal.lock().unwrap_or_else(|e| e.into_inner()).push(format!("networks {call}"));
		}
		state.calls.push(call);
	}

	/// Ids of the networks that exist.
	pub fn networks(&self) -> Vec<String> {
		self.state().networks.keys().cloned().collect()
	}

	/// Names of the taps that exist.
	pub fn taps(&self) -> Vec<String> {
		self.state().taps.keys().cloned().collect()
	}

	/// Network a tap is attached to (`None` for public taps or unknown taps).
	pub fn tap_network(&self, tap: &str) -> Option<String> {
		self.state().taps.get(tap).and_then(|t| t.network.clone())
	}

	/// Sets the counters a tap reports.
	pub fn set_counters(&self, tap: &str, rx_bytes: u64, tx_bytes: u64) {
		self.state().counters.insert(tap.to_string(), TrafficCounters { rx_bytes, tx_bytes });
	}

	/// Calls made so far, e.g. `ensure_network 1a2b3c4d 10.1.1.0/24`, `remove_tap t-...`.
	pub fn calls(&self) -> Vec<String> {
		self.state().calls.clone()
	}

	fn new_tap(&self, tap: &str, network: Option<String>) -> Result<OwnedFd, WorkloadError> {
		if tap.is_empty() || tap.len() > 15 {
			return Err(WorkloadError::InvalidName(tap.to_string()));
		}
		let (ours, peer) = UnixDatagram::pair().map_err(net_err)?;
		let mut state = self.state();
		state.taps.insert(tap.to_string(), FakeTap { network, _peer: peer });
		state.counters.entry(tap.to_string()).or_default();
		Ok(OwnedFd::from(ours))
	}
}

impl Networks for FakeNetworks {
	fn kind(&self) -> &'static str {
		"fake"
	}

	fn ensure_network(&self, id: &str, subnet: &str) -> Result<NetworkInfo, WorkloadError> {
		let gateway = first_host(subnet)?;
		let mut state = self.state();
		self.record(&mut state, format!("ensure_network {id} {subnet}"));
		state.networks.insert(id.to_string(), subnet.to_string());
		Ok(NetworkInfo { id: id.to_string(), gateway })
	}

	fn remove_network(&self, id: &str) -> Result<(), WorkloadError> {
		let mut state = self.state();
		self.record(&mut state, format!("remove_network {id}"));
		state.networks.remove(id);
		Ok(())
	}

	fn attach_vm_tap(&self, network_id: &str, tap: &str) -> Result<OwnedFd, WorkloadError> {
		{
			let mut state = self.state();
			self.record(&mut state, format!("attach_vm_tap {network_id} {tap}"));
			if !state.networks.contains_key(network_id) {
				return Err(WorkloadError::Network(format!("network {network_id} does not exist")));
			}
		}
		self.new_tap(tap, Some(network_id.to_string()))
	}

	fn attach_public_tap(&self, tap: &str) -> Result<OwnedFd, WorkloadError> {
		{
			let mut state = self.state();
			self.record(&mut state, format!("attach_public_tap {tap}"));
		}
		self.new_tap(tap, None)
	}

	fn remove_tap(&self, tap: &str) -> Result<(), WorkloadError> {
		let mut state = self.state();
		self.record(&mut state, format!("remove_tap {tap}"));
		state.taps.remove(tap);
		state.counters.remove(tap);
		Ok(())
	}

	fn counters(&self, tap: &str) -> Result<TrafficCounters, WorkloadError> {
		self.state()
			.counters
			.get(tap)
			.copied()
			.ok_or_else(|| WorkloadError::Network(format!("no tap {tap}")))
	}

	fn list_networks(&self) -> Result<Vec<String>, WorkloadError> {
		Ok(self.networks())
	}
}

/// Provisions a network workload. `others` are the facts of the same host network recorded by
/// the twin's other deployments (the network is shared; their subnet must match).
pub(crate) fn provision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	data: &NetworkData,
	others: &[NetworkFact],
) -> Result<serde_json::Value, WorkloadError> {
	let id = network_id(rec.deployment.twin_id, name);
	if let Some(existing) = rec.networks.get(name) {
		if existing.subnet != data.subnet {
			return Err(WorkloadError::Unsupported(format!(
				"changing the subnet of network {name} from {} to {} is not supported",
				existing.subnet, data.subnet
			)));
		}
	}
	if let Some(other) = others.iter().find(|o| o.subnet != data.subnet) {
		return Err(WorkloadError::Network(format!(
			"network {name} of twin {} already exists on this node with subnet {}",
			rec.deployment.twin_id, other.subnet
		)));
	}
	let info = ctx.backends.networks.ensure_network(&id, &data.subnet)?;
	let fact = NetworkFact {
		id: id.clone(),
		subnet: data.subnet.clone(),
		gateway: info.gateway.to_string(),
	};
	rec.networks.insert(name.to_string(), fact);
	Ok(json!({
		"network_id": id,
		"subnet": data.subnet,
		"ip_range": data.ip_range,
		"gateway": info.gateway.to_string(),
	}))
}

/// Removes a network workload; the host network goes only when `still_used` is false.
pub(crate) fn deprovision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	still_used: bool,
) -> Result<(), WorkloadError> {
	let id = match rec.networks.get(name) {
		Some(fact) => fact.id.clone(),
		None => network_id(rec.deployment.twin_id, name),
	};
	if !still_used {
		ctx.backends.networks.remove_network(&id)?;
	}
	rec.networks.remove(name);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ids_and_gateways() {
		assert_eq!(network_id(7, "net"), network_id(7, "net"));
		assert_ne!(network_id(7, "net"), network_id(8, "net"));
		assert_ne!(network_id(7, "net"), network_id(7, "net2"));
		assert_eq!(network_id(7, "net").len(), 8);
		assert_eq!(first_host("10.20.1.0/24").unwrap(), Ipv4Addr::new(10, 20, 1, 1));
		assert_eq!(first_host("10.20.1.77/24").unwrap(), Ipv4Addr::new(10, 20, 1, 1));
		assert!(first_host("10.20.1.0").is_err());
		assert!(first_host("10.20.1.0/40").is_err());
		assert!(first_host("x/24").is_err());
	}

	#[test]
	fn fake_taps_need_their_network() {
		let fake = FakeNetworks::new();
		assert!(fake.attach_vm_tap("n1", "t-1").is_err());
		fake.ensure_network("n1", "10.1.2.0/24").unwrap();
		fake.attach_vm_tap("n1", "t-1").unwrap();
		assert_eq!(fake.tap_network("t-1").as_deref(), Some("n1"));
		fake.set_counters("t-1", 5, 6);
		assert_eq!(fake.counters("t-1").unwrap(), TrafficCounters { rx_bytes: 5, tx_bytes: 6 });
		fake.remove_tap("t-1").unwrap();
		assert!(fake.counters("t-1").is_err());
		assert!(fake.attach_public_tap("this-name-is-too-long").is_err());
	}
}
