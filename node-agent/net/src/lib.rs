//! Host networking for the node agent, built with `ip` (iproute2) and `nft` (nftables).
//!
//! Every private network gets a network namespace `<prefix>-<id>` holding a bridge with the
//! subnet's gateway address, where VM taps are attached. A veth pair links the namespace to the
//! host over a /30 taken from the link range; the namespace masquerades its subnet to its end of
//! that link (so tenants' subnets may overlap) and the host masquerades the link range out of its
//! own uplink. Nothing is persisted: names and /30s derive from the network id and what exists.
//! Public IPs use taps on a configured bridge in the host namespace.

mod cmd;
mod counters;
mod ipnet;
mod namespace;
mod nat;
#[cfg(test)]
mod root_tests;
mod tap;

use std::{
	collections::HashSet,
	io,
	net::Ipv4Addr,
	os::fd::OwnedFd,
	path::Path,
	sync::{
		atomic::{AtomicU32, Ordering},
		Mutex, MutexGuard, PoisonError,
	},
};

pub use counters::TrafficCounters;
pub use ipnet::{IpNetError, Ipv4Net};
pub use namespace::{interface_name, MAX_IFNAME};
pub use nat::TABLE as NFT_TABLE;
pub use tap::VNET_HDR_SIZE;

use namespace::{BRIDGE, NS_UPLINK};

/// Errors of host network operations.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
	/// A network id, interface name or prefix is not acceptable.
	#[error("invalid name `{name}`: {reason}")]
	InvalidName {
		/// The name given.
		name: String,
		/// What is allowed.
		reason: &'static str,
	},
	/// The subnet of a network cannot be used.
	#[error("invalid subnet {subnet}: {reason}")]
	InvalidSubnet {
		/// The subnet given.
		subnet: Ipv4Net,
		/// Why it cannot be used.
		reason: &'static str,
	},
	/// The [`NetConfig`] is not usable.
	#[error("invalid network configuration: {0}")]
	InvalidConfig(String),
	/// Every /30 of the link range is in use.
	#[error("no free /30 left in the link range {0}")]
	LinkRangeExhausted(Ipv4Net),
	/// An interface we would create already exists and is not ours.
	#[error("interface {name} already exists and is not ours ({owner})")]
	NameCollision {
		/// The interface name.
		name: String,
		/// What it is or who owns it.
		owner: String,
	},
	/// The network's namespace (or its bridge) does not exist.
	#[error("network {0} does not exist")]
	NetworkNotFound(String),
	/// A public tap was requested but no public bridge is configured.
	#[error("no public bridge is configured")]
	NoPublicBridge,
	/// The configured public bridge does not exist (or is not a bridge).
	#[error("public bridge {0} does not exist")]
	PublicBridgeMissing(String),
	/// No link of that name in the host namespace nor in any of our namespaces.
	#[error("tap {0} not found")]
	TapNotFound(String),
	/// A link with the tap's name exists and is not a tap (it is left alone).
	#[error("{name} exists and is a {kind} link, not a tap")]
	NotATap {
		/// The link name.
		name: String,
		/// Its kind.
		kind: String,
	},
	/// Opening or creating the tap device failed.
	#[error("opening tap {name}: {source}")]
	Tap {
		/// The tap name.
		name: String,
		/// The error from `/dev/net/tun`.
		#[source]
		source: io::Error,
	},
	/// A file or kernel operation failed.
	#[error("{context}: {source}")]
	Io {
		/// What was being done.
		context: String,
		/// The error.
		#[source]
		source: io::Error,
	},
	/// `ip` or `nft` is not installed.
	#[error("`{0}` not found (install iproute2 and nftables)")]
	ToolMissing(&'static str),
	/// A command could not be started.
	#[error("could not run `{command}`: {source}")]
	Spawn {
		/// The command line.
		command: String,
		/// The error.
		#[source]
		source: io::Error,
	},
	/// A command exited with an error.
	#[error("`{command}` failed ({status}): {stderr}")]
	Command {
		/// The command line.
		command: String,
		/// Its exit status.
		status: String,
		/// Its stderr.
		stderr: String,
	},
	/// A command's output could not be understood.
	#[error("unexpected output of `{command}`: {reason}")]
	Output {
		/// The command line.
		command: String,
		/// What was wrong.
		reason: String,
	},
}

/// Configuration of the host networking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
	/// Name prefix of our namespaces (`<prefix>-<id>`) and host links: 1 to 5 lowercase letters
	/// or digits; default `na`.
	pub prefix: String,
	/// Range the namespace links are taken from, one /30 per network; default `100.127.0.0/16`.
	pub link_range: Ipv4Net,
	/// Bridge in the host namespace where public-IP taps go; `None`: no public IPs.
	pub public_bridge: Option<String>,
}

impl Default for NetConfig {
	fn default() -> Self {
		Self {
			prefix: "na".into(),
			link_range: Ipv4Net { addr: Ipv4Addr::new(100, 127, 0, 0), prefix: 16 },
			public_bridge: None,
		}
	}
}

/// A private network as set up on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateNetwork {
	/// The network id given to [`HostNetwork::ensure_network`].
	pub id: String,
	/// Its network namespace.
	pub namespace: String,
	/// The bridge inside the namespace where VM taps are attached.
	pub bridge: String,
	/// The gateway address of the subnet (first host address), on the bridge.
	pub gateway: Ipv4Addr,
}

/// The host networking of the node agent: private networks, VM taps, public taps, counters.
#[derive(Debug, Clone)]
pub struct HostNetwork {
	config: NetConfig,
}

/// Serialises changes in this process (slot allocation reads then writes the host's addresses).
static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
	LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Ok(())` when this process can manage host networking: running as root, `ip` and `nft`
/// installed, `/dev/net/tun` present, and a throwaway network namespace can be created and
/// nftables used inside it. Otherwise the reason.
pub fn available() -> Result<(), String> {
	// SAFETY: geteuid has no preconditions.
	if unsafe { libc::geteuid() } != 0 {
		return Err("not running as root".into());
	}
	cmd::Tool::Ip.path().map_err(|e| e.to_string())?;
	cmd::Tool::Nft.path().map_err(|e| e.to_string())?;
	if !Path::new("/dev/net/tun").exists() {
		return Err("/dev/net/tun is missing".into());
	}
	static PROBE: AtomicU32 = AtomicU32::new(0);
	let ns =
		format!("tfcnet-probe-{}-{}", std::process::id(), PROBE.fetch_add(1, Ordering::Relaxed));
	cmd::ip(None, &["netns", "add", &ns])
		.map_err(|e| format!("`ip netns add` does not work: {e}"))?;
	let nft = cmd::nft(Some(&ns), &["list", "ruleset"], None);
	let deleted = cmd::ip(None, &["netns", "del", &ns]);
	nft.map_err(|e| format!("nft does not work in a network namespace: {e}"))?;
	deleted.map_err(|e| format!("`ip netns del` does not work: {e}"))?;
	Ok(())
}

impl HostNetwork {
	/// Host networking with `config`; nothing is touched until a method is called (a bad
	/// configuration is reported by every method as [`NetError::InvalidConfig`]).
	pub fn new(config: NetConfig) -> Self {
		Self { config }
	}

	/// The configuration.
	pub fn config(&self) -> &NetConfig {
		&self.config
	}

	fn check_config(&self) -> Result<(), NetError> {
		namespace::validate_prefix(&self.config.prefix)
			.map_err(|e| NetError::InvalidConfig(format!("prefix: {e}")))?;
		if self.config.link_range.prefix > 30 {
			return Err(NetError::InvalidConfig(format!(
				"link range {} is narrower than a /30",
				self.config.link_range
			)));
		}
		if let Some(bridge) = &self.config.public_bridge {
			namespace::validate_ifname(bridge)
				.map_err(|e| NetError::InvalidConfig(format!("public bridge: {e}")))?;
		}
		Ok(())
	}

	fn namespace(&self, id: &str) -> String {
		namespace::namespace_name(&self.config.prefix, id)
	}

	fn host_veth(&self, id: &str) -> String {
		namespace::host_veth_name(&self.config.prefix, id)
	}

	/// Creates private network `id` with `subnet` (host bits are ignored), or completes and
	/// repairs it: the namespace, its bridge with the gateway address, the veth link to the host
	/// with its /30, the default route, forwarding and the nft rules in the namespace and on the
	/// host. Idempotent; safe after a crash midway.
	pub fn ensure_network(&self, id: &str, subnet: Ipv4Net) -> Result<PrivateNetwork, NetError> {
		self.check_config()?;
		namespace::validate_id(id)?;
		let subnet = subnet.trunc();
		let range = self.config.link_range.trunc();
		let gateway = subnet
			.host(1)
			.ok_or(NetError::InvalidSubnet { subnet, reason: "a subnet must be at least a /30" })?;
		if subnet.overlaps(&range) {
			return Err(NetError::InvalidSubnet { subnet, reason: "it overlaps the link range" });
		}
		let ns = self.namespace(id);
		let veth = self.host_veth(id);
		let _guard = lock();

		namespace::ensure_namespace(&ns)?;

		// The bridge with the gateway address.
		let ns_links = namespace::links(Some(&ns))?;
		if !ns_links.iter().any(|l| l.name == BRIDGE) {
			cmd::ip(Some(&ns), &["link", "add", "name", BRIDGE, "type", "bridge"])?;
		}
		namespace::set_only_address(
			Some(&ns),
			BRIDGE,
			Ipv4Net { addr: gateway, prefix: subnet.prefix },
		)?;
		cmd::ip(Some(&ns), &["link", "set", "dev", BRIDGE, "up"])?;

		// The veth pair: host end `veth` (alias = namespace name), namespace end `uplink0`.
		let uplink_present = ns_links.iter().any(|l| l.name == NS_UPLINK);
		let create = match namespace::find_link(None, &veth)? {
			Some(link) if link.kind.as_deref() != Some("veth") => {
				return Err(NetError::NameCollision {
					name: veth,
					owner: format!("a {} link", link.kind.as_deref().unwrap_or("physical")),
				})
			},
			Some(link) if link.alias.as_deref().is_some_and(|a| a != ns) => {
				return Err(NetError::NameCollision {
					name: veth,
					owner: format!("veth of {}", link.alias.as_deref().unwrap_or_default()),
				})
			},
			Some(_) if uplink_present => false,
			Some(_) => {
				// Half of a pair whose other end is not in our namespace: replace it.
				cmd::ip(None, &["link", "del", "dev", &veth])?;
				true
			},
			None => {
				if uplink_present {
					cmd::ip(Some(&ns), &["link", "del", "dev", NS_UPLINK])?;
				}
				true
			},
		};
		if create {
			cmd::ip(
				None,
				&[
					"link", "add", "name", &veth, "type", "veth", "peer", "name", NS_UPLINK,
					"netns", &ns,
				],
			)?;
		}
		cmd::ip(None, &["link", "set", "dev", &veth, "alias", &ns])?;

		// The /30 between host and namespace.
		let link = self.link_slot(&ns, &veth)?;
		let (host_addr, ns_addr) = match (link.host(1), link.host(2)) {
			(Some(h), Some(n)) => (h, n),
			_ => return Err(NetError::LinkRangeExhausted(range)),
		};
		namespace::set_only_address(None, &veth, Ipv4Net { addr: host_addr, prefix: 30 })?;
		cmd::ip(None, &["link", "set", "dev", &veth, "up"])?;
		namespace::set_only_address(Some(&ns), NS_UPLINK, Ipv4Net { addr: ns_addr, prefix: 30 })?;
		cmd::ip(Some(&ns), &["link", "set", "dev", NS_UPLINK, "up"])?;
		cmd::ip(
			Some(&ns),
			&["route", "replace", "default", "via", &host_addr.to_string(), "dev", NS_UPLINK],
		)?;

		// Forwarding and NAT.
		namespace::enable_forwarding(Some(&ns))?;
		namespace::enable_forwarding(None)?;
		nat::apply_namespace_rules(&ns, subnet, NS_UPLINK)?;
		nat::apply_host_rules(&ns, &nat::host_rules(&ns, &veth, link, range))?;

		tracing::info!(network = id, namespace = %ns, %subnet, %link, "private network ready");
		Ok(PrivateNetwork {
			id: id.to_string(),
			namespace: ns,
			bridge: BRIDGE.to_string(),
			gateway,
		})
	}

	/// The /30 of the network with namespace `ns`: the one its host veth already has if nothing
	/// else uses it, else the preferred slot of `ns` (a hash of the name, so networks of other
	/// prefixes spread too) or the next free one. Slots are in use when any other interface
	/// of the host has an address in them.
	fn link_slot(&self, ns: &str, veth: &str) -> Result<Ipv4Net, NetError> {
		let range = self.config.link_range.trunc();
		let addrs = namespace::ipv4_addrs(None)?;
		// Slot intervals taken by other interfaces' networks that meet the range.
		let mut taken: Vec<(u32, u32)> = Vec::new();
		let mut single: HashSet<u32> = HashSet::new();
		for (_, addr) in addrs.iter().filter(|(name, _)| name != veth) {
			let net = addr.trunc();
			if !net.overlaps(&range) {
				continue;
			}
			if net.prefix >= 30 {
				single.extend(ipnet::slot_of(&range, addr.addr));
			} else {
				let first =
					if range.contains(net.network()) { net.network() } else { range.network() };
				let last = if range.contains(net.broadcast()) {
					net.broadcast()
				} else {
					range.broadcast()
				};
				if let (Some(a), Some(b)) =
					(ipnet::slot_of(&range, first), ipnet::slot_of(&range, last))
				{
					taken.push((a, b));
				}
			}
		}
		let used = |slot: u32| {
			single.contains(&slot) || taken.iter().any(|&(a, b)| a <= slot && slot <= b)
		};
		let current = addrs
			.iter()
			.filter(|(name, a)| name == veth && a.prefix == 30 && range.contains(a.addr))
			.filter_map(|(_, a)| ipnet::slot_of(&range, a.addr))
			.find(|&slot| !used(slot));
		let slot = match current {
			Some(slot) => slot,
			None => {
				ipnet::allocate_slot(&range, ns, used).ok_or(NetError::LinkRangeExhausted(range))?
			},
		};
		ipnet::slot_net(&range, slot).ok_or(NetError::LinkRangeExhausted(range))
	}

	/// Removes private network `id`: its namespace (with the bridge and any taps in it), the
	/// host end of its link and its host nft rules. Idempotent.
	pub fn remove_network(&self, id: &str) -> Result<(), NetError> {
		self.check_config()?;
		namespace::validate_id(id)?;
		let ns = self.namespace(id);
		let veth = self.host_veth(id);
		let _guard = lock();
		namespace::delete_namespace(&ns)?;
		// The pair goes with the namespace, unless something still holds the namespace.
		if let Some(link) = namespace::find_link(None, &veth)? {
			if link.kind.as_deref() == Some("veth") && link.alias.as_deref().is_none_or(|a| a == ns)
			{
				namespace::delete_link(None, &veth)?;
			}
		}
		nat::remove_host_rules(&ns)?;
		tracing::info!(network = id, namespace = %ns, "private network removed");
		Ok(())
	}

	/// Ids of the networks whose namespaces exist (`ip netns list` with our prefix), sorted.
	pub fn list_networks(&self) -> Result<Vec<String>, NetError> {
		self.check_config()?;
		let mut ids = self.our_namespaces()?.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
		ids.sort();
		Ok(ids)
	}

	/// (id, namespace) of our namespaces.
	fn our_namespaces(&self) -> Result<Vec<(String, String)>, NetError> {
		let start = format!("{}-", self.config.prefix);
		Ok(namespace::list_namespaces()?
			.into_iter()
			.filter_map(|ns| ns.strip_prefix(&start).map(|id| (id.to_string(), ns.clone())))
			.collect())
	}

	/// Creates tap `tap` (replacing a previous one of that name), moves it into network
	/// `network_id`'s namespace, attaches it to the bridge and sets it up. Returns the tap's fd
	/// (opened with `tfchain_vmm::tap::open_tap`: `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR` with a
	/// [`VNET_HDR_SIZE`]-byte header, non-blocking); the tap disappears when the fd is closed.
	pub fn attach_vm_tap(&self, network_id: &str, tap: &str) -> Result<OwnedFd, NetError> {
		self.check_config()?;
		namespace::validate_id(network_id)?;
		namespace::validate_ifname(tap)?;
		let _guard = lock();
		let ns = self.network_namespace(network_id)?;
		self.remove_tap_locked(tap)?;
		let fd = tap::open_tap(tap)?;
		bridge_link(&ns, tap)?;
		tracing::info!(network = network_id, tap, "vm tap attached");
		Ok(fd)
	}

	/// Moves `link` from the host namespace into network `network_id`'s namespace and makes it a
	/// port of the bridge (used for test "VMs" made of veth pairs).
	#[cfg(test)]
	pub(crate) fn attach_link(&self, network_id: &str, link: &str) -> Result<(), NetError> {
		let _guard = lock();
		let ns = self.network_namespace(network_id)?;
		bridge_link(&ns, link)
	}

	/// The namespace of an existing network with its bridge, else `NetworkNotFound`.
	fn network_namespace(&self, network_id: &str) -> Result<String, NetError> {
		let ns = self.namespace(network_id);
		if !namespace::namespace_exists(&ns)? || namespace::find_link(Some(&ns), BRIDGE)?.is_none()
		{
			return Err(NetError::NetworkNotFound(network_id.to_string()));
		}
		Ok(ns)
	}

	/// Creates tap `tap` (replacing a previous one of that name) on the configured public bridge
	/// in the host namespace and sets it up. Returns its fd like [`HostNetwork::attach_vm_tap`].
	pub fn attach_public_tap(&self, tap: &str) -> Result<OwnedFd, NetError> {
		self.check_config()?;
		let bridge = self.config.public_bridge.as_deref().ok_or(NetError::NoPublicBridge)?;
		namespace::validate_ifname(tap)?;
		let _guard = lock();
		match namespace::find_link(None, bridge)? {
			Some(link) if link.kind.as_deref() == Some("bridge") => {},
			_ => return Err(NetError::PublicBridgeMissing(bridge.to_string())),
		}
		self.remove_tap_locked(tap)?;
		let fd = tap::open_tap(tap)?;
		cmd::ip(None, &["link", "set", "dev", tap, "master", bridge, "up"])?;
		tracing::info!(tap, bridge, "public tap attached");
		Ok(fd)
	}

	/// Deletes tap `tap` from the host namespace and from all our namespaces. Idempotent; a
	/// non-tap link of that name is left alone ([`NetError::NotATap`]).
	pub fn remove_tap(&self, tap: &str) -> Result<(), NetError> {
		self.check_config()?;
		namespace::validate_ifname(tap)?;
		let _guard = lock();
		self.remove_tap_locked(tap)
	}

	fn remove_tap_locked(&self, tap: &str) -> Result<(), NetError> {
		let mut places: Vec<Option<String>> = vec![None];
		places.extend(self.our_namespaces()?.into_iter().map(|(_, ns)| Some(ns)));
		for ns in places {
			let Some(link) = namespace::find_link(ns.as_deref(), tap)? else { continue };
			match link.kind.as_deref() {
				Some("tun") => namespace::delete_link(ns.as_deref(), tap)?,
				kind => {
					return Err(NetError::NotATap {
						name: tap.to_string(),
						kind: kind.unwrap_or("physical").to_string(),
					})
				},
			}
		}
		Ok(())
	}

	/// Byte counters of link `tap`, looked up in the host namespace first, then in our
	/// namespaces; [`NetError::TapNotFound`] when it is nowhere.
	pub fn counters(&self, tap: &str) -> Result<TrafficCounters, NetError> {
		self.check_config()?;
		namespace::validate_ifname(tap)?;
		if let Some(c) = counters::host_counters(tap)? {
			return Ok(c);
		}
		for (_, ns) in self.our_namespaces()? {
			if let Some(c) = counters::namespace_counters(&ns, tap)? {
				return Ok(c);
			}
		}
		Err(NetError::TapNotFound(tap.to_string()))
	}
}

/// Moves `link` from the host into `ns` and makes it an up port of the bridge there.
fn bridge_link(ns: &str, link: &str) -> Result<(), NetError> {
	cmd::ip(None, &["link", "set", "dev", link, "netns", ns])?;
	cmd::ip(Some(ns), &["link", "set", "dev", link, "master", BRIDGE, "up"]).map(drop)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn net(s: &str) -> Ipv4Net {
		match s.parse() {
			Ok(n) => n,
			Err(e) => panic!("{s}: {e}"),
		}
	}

	// These fail in validation, before any command runs, so they need no privileges.
	#[test]
	fn bad_input_is_refused_before_touching_the_host() {
		let host = HostNetwork::new(NetConfig::default());
		assert!(matches!(
			host.ensure_network("n1", net("100.127.9.0/24")),
			Err(NetError::InvalidSubnet { .. })
		));
		assert!(matches!(
			host.ensure_network("n1", net("100.0.0.0/8")),
			Err(NetError::InvalidSubnet { .. })
		));
		assert!(matches!(
			host.ensure_network("n1", net("10.0.0.0/31")),
			Err(NetError::InvalidSubnet { .. })
		));
		assert!(matches!(
			host.ensure_network("a/b", net("10.0.0.0/24")),
			Err(NetError::InvalidName { .. })
		));
		assert!(matches!(host.remove_network(""), Err(NetError::InvalidName { .. })));
		assert!(matches!(
			host.attach_vm_tap("n1", "0123456789abcdef"),
			Err(NetError::InvalidName { .. })
		));
		assert!(matches!(host.attach_public_tap("t-1"), Err(NetError::NoPublicBridge)));
		assert!(matches!(host.counters("a b"), Err(NetError::InvalidName { .. })));

		let bad_prefix =
			HostNetwork::new(NetConfig { prefix: "toolong".into(), ..NetConfig::default() });
		assert!(matches!(bad_prefix.list_networks(), Err(NetError::InvalidConfig(_))));
		let bad_range = HostNetwork::new(NetConfig {
			link_range: net("100.127.0.0/31"),
			..NetConfig::default()
		});
		assert!(matches!(
			bad_range.ensure_network("n1", net("10.0.0.0/24")),
			Err(NetError::InvalidConfig(_))
		));
	}

	#[test]
	fn default_config() {
		let config = NetConfig::default();
		assert_eq!(config.prefix, "na");
		assert_eq!(config.link_range.to_string(), "100.127.0.0/16");
		assert_eq!(config.public_bridge, None);
	}
}
