//! Grid registry types shared by the registry, contracts, DAO and minting pallets.
//!
//! Field order and types are TFChain's (`tfchain_support::types`), so the SCALE encoding of
//! storage items and events is the same. TFChain's unbounded `Vec`s are `BoundedVec`s here; a
//! `BoundedVec` encodes exactly like a `Vec`.

use crate::resources::Resources;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;

/// Longest IPv4 CIDR string (`255.255.255.255/32`).
pub const MAX_IP4_LENGTH: u32 = 18;
/// Longest IPv4 gateway string.
pub const MAX_GW4_LENGTH: u32 = 15;
/// Longest IPv6 CIDR string.
pub const MAX_IP6_LENGTH: u32 = 43;
/// Longest IPv6 gateway string.
pub const MAX_GW6_LENGTH: u32 = 39;
/// Longest domain name of a node's public config.
pub const MAX_DOMAIN_NAME_LENGTH: u32 = 128;
/// Longest farm name.
pub const MAX_FARM_NAME_LENGTH: u32 = 40;
/// Most public IPs a farm holds.
pub const MAX_FARM_PUBLIC_IPS: u32 = 256;
/// Most network interfaces a node reports.
pub const MAX_INTERFACES: u32 = 10;
/// Most IPs one interface reports.
pub const MAX_INTERFACE_IPS: u32 = 10;
/// Longest interface name.
pub const MAX_INTERFACE_NAME_LENGTH: u32 = 20;
/// Length of a MAC address string (`aa:bb:cc:dd:ee:ff`).
pub const INTERFACE_MAC_LENGTH: u32 = 17;
/// Longest interface IP string (a plain IPv4 or IPv6 address).
pub const MAX_INTERFACE_IP_LENGTH: u32 = 42;
/// Longest city name.
pub const MAX_CITY_NAME_LENGTH: u32 = 58;
/// Longest country name.
pub const MAX_COUNTRY_NAME_LENGTH: u32 = 56;
/// Longest latitude or longitude string.
pub const MAX_GEO_COORDINATE_LENGTH: u32 = 50;
/// Longest serial number.
pub const MAX_SERIAL_NUMBER_LENGTH: u32 = 128;

/// A farm's name: `[a-zA-Z0-9_-]`, 3 to 40 bytes.
pub type FarmName = BoundedVec<u8, ConstU32<MAX_FARM_NAME_LENGTH>>;
/// An IPv4 address with prefix length, e.g. `185.206.122.33/24`.
pub type Ip4Cidr = BoundedVec<u8, ConstU32<MAX_IP4_LENGTH>>;
/// An IPv4 gateway address, e.g. `185.206.122.1`.
pub type Gw4 = BoundedVec<u8, ConstU32<MAX_GW4_LENGTH>>;
/// An IPv6 address with prefix length.
pub type Ip6Cidr = BoundedVec<u8, ConstU32<MAX_IP6_LENGTH>>;
/// An IPv6 gateway address.
pub type Gw6 = BoundedVec<u8, ConstU32<MAX_GW6_LENGTH>>;
/// A domain name.
pub type Domain = BoundedVec<u8, ConstU32<MAX_DOMAIN_NAME_LENGTH>>;
/// A node's serial number.
pub type SerialNumber = BoundedVec<u8, ConstU32<MAX_SERIAL_NUMBER_LENGTH>>;
/// An interface name (`[a-z0-9_-]`, 3 to 20 bytes).
pub type InterfaceName = BoundedVec<u8, ConstU32<MAX_INTERFACE_NAME_LENGTH>>;
/// A MAC address string.
pub type InterfaceMac = BoundedVec<u8, ConstU32<INTERFACE_MAC_LENGTH>>;
/// A plain IPv4 or IPv6 address string.
pub type InterfaceIp = BoundedVec<u8, ConstU32<MAX_INTERFACE_IP_LENGTH>>;
/// The IPs of one interface.
pub type InterfaceIps = BoundedVec<InterfaceIp, ConstU32<MAX_INTERFACE_IPS>>;
/// The interfaces of one node.
pub type Interfaces = BoundedVec<Interface, ConstU32<MAX_INTERFACES>>;
/// A city name.
pub type CityName = BoundedVec<u8, ConstU32<MAX_CITY_NAME_LENGTH>>;
/// A country name.
pub type CountryName = BoundedVec<u8, ConstU32<MAX_COUNTRY_NAME_LENGTH>>;
/// A latitude or longitude as text (a decimal number, or `Unknown`).
pub type GeoCoordinate = BoundedVec<u8, ConstU32<MAX_GEO_COORDINATE_LENGTH>>;

/// Marker derive list for the types below.
macro_rules! grid_type {
	($(#[$m:meta])* $vis:vis $kind:ident $name:ident $($rest:tt)*) => {
		$(#[$m])*
		#[derive(
			Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo,
			MaxEncodedLen,
		)]
		$vis $kind $name $($rest)*
	};
}

grid_type! {
	/// What billing needs to know of a node's liveness: its two latest uptime reports (chain
	/// time, Unix seconds) and whether it is in standby (power state `Down`).
	#[derive(Default, Copy)]
	pub struct UptimeReports {
		/// The report before the latest (equal to `last` after the first report).
		pub previous: u64,
		/// The latest report.
		pub last: u64,
		/// Whether the node's power state is `Down` (mirrors `NodePower`).
		pub standby: bool,
	}
}

grid_type! {
	/// A farming policy's reward rates and uptime gate, as minting uses and reports them.
	#[derive(Default, Copy)]
	pub struct FarmingRates {
		/// Reward per CU, mUSD per month (30 days).
		pub cu: u32,
		/// Reward per SU, mUSD per month (30 days).
		pub su: u32,
		/// Reward per NU (GB of public traffic, base 1000), mUSD.
		pub nu: u32,
		/// Reward per public IPv4 address, mUSD per hour.
		pub ipv4: u32,
		/// Uptime below this percentage earns nothing.
		pub minimal_uptime: u16,
	}
}

impl UptimeReports {
	/// The first report, at `now`.
	pub fn first(now: u64, standby: bool) -> Self {
		UptimeReports { previous: now, last: now, standby }
	}
	/// The reports after one more at `now`.
	pub fn push(self, now: u64) -> Self {
		UptimeReports { previous: self.last, last: now, standby: self.standby }
	}
}

grid_type! {
	/// A farm: a group of nodes owned by one twin.
	pub struct Farm {
		/// Layout version of this struct (4).
		pub version: u32,
		/// Farm id, from 1.
		pub id: u32,
		/// Unique name.
		pub name: FarmName,
		/// The owning twin.
		pub twin_id: u32,
		/// Pricing policy of the farm (always 1 on TFChain).
		pub pricing_policy_id: u32,
		/// Certification set by the council.
		pub certification: FarmCertification,
		/// Public IPv4 addresses the farm offers to contracts.
		pub public_ips: BoundedVec<PublicIP, ConstU32<MAX_FARM_PUBLIC_IPS>>,
		/// Whether the farm's nodes may only be rented whole.
		pub dedicated_farm: bool,
		/// A farming policy attached by the council, with what is left of its limits.
		pub farming_policy_limits: Option<FarmingPolicyLimit>,
	}
}

grid_type! {
	/// A farm's public IPv4 address and whether a contract uses it.
	pub struct PublicIP {
		/// Address with prefix length.
		pub ip: Ip4Cidr,
		/// Gateway address.
		pub gateway: Gw4,
		/// Contract using the address, 0 when free.
		pub contract_id: u64,
	}
}

grid_type! {
	/// An IPv4 address with its gateway, as given to `create_farm` and node public configs.
	pub struct IP4 {
		/// Address with prefix length.
		pub ip: Ip4Cidr,
		/// Gateway address.
		pub gw: Gw4,
	}
}

grid_type! {
	/// An IPv6 address with its gateway.
	pub struct IP6 {
		/// Address with prefix length.
		pub ip: Ip6Cidr,
		/// Gateway address.
		pub gw: Gw6,
	}
}

grid_type! {
	/// Public network configuration of a node, set by its farmer.
	pub struct PublicConfig {
		/// IPv4 address and gateway.
		pub ip4: IP4,
		/// Optional IPv6 address and gateway.
		pub ip6: Option<IP6>,
		/// Optional domain name (`[a-zA-Z0-9.-]`).
		pub domain: Option<Domain>,
	}
}

grid_type! {
	/// Farm certification, set by the council. `NotCertified < Gold`.
	#[derive(Default, Copy, PartialOrd, Ord)]
	pub enum FarmCertification {
		/// Not certified.
		#[default]
		NotCertified,
		/// Gold certified.
		Gold,
	}
}

grid_type! {
	/// Node certification. `Diy < Certified`.
	#[derive(Default, Copy, PartialOrd, Ord)]
	pub enum NodeCertification {
		/// Do-it-yourself hardware.
		#[default]
		Diy,
		/// Certified hardware.
		Certified,
	}
}

grid_type! {
	/// A farming policy attached to a farm, with the capacity it may still be given to.
	#[derive(Default)]
	pub struct FarmingPolicyLimit {
		/// The farming policy.
		pub farming_policy_id: u32,
		/// CU left for new nodes; `None` is unlimited.
		pub cu: Option<u64>,
		/// SU left for new nodes; `None` is unlimited.
		pub su: Option<u64>,
		/// Unix time (seconds) after which the policy is no longer given out.
		pub end: Option<u64>,
		/// Nodes left that may get the policy; `None` is unlimited.
		pub node_count: Option<u32>,
		/// Whether only certified nodes may get the policy.
		pub node_certification: bool,
	}
}

grid_type! {
	/// Where a node is.
	#[derive(Default)]
	pub struct Location {
		/// City name.
		pub city: CityName,
		/// Country name.
		pub country: CountryName,
		/// Latitude in degrees, as text.
		pub latitude: GeoCoordinate,
		/// Longitude in degrees, as text.
		pub longitude: GeoCoordinate,
	}
}

grid_type! {
	/// A network interface of a node.
	pub struct Interface {
		/// Interface name.
		pub name: InterfaceName,
		/// MAC address.
		pub mac: InterfaceMac,
		/// Addresses on the interface.
		pub ips: InterfaceIps,
	}
}

grid_type! {
	/// A node (a 3Node running Zero-OS) registered in a farm.
	pub struct Node {
		/// Layout version of this struct (5).
		pub version: u32,
		/// Node id, from 1.
		pub id: u32,
		/// The farm it belongs to.
		pub farm_id: u32,
		/// The node's own twin.
		pub twin_id: u32,
		/// Total capacity.
		pub resources: Resources,
		/// Location.
		pub location: Location,
		/// Public network configuration, set by the farmer.
		pub public_config: Option<PublicConfig>,
		/// Registration time, Unix seconds.
		pub created: u64,
		/// Farming policy assigned to the node.
		pub farming_policy_id: u32,
		/// Network interfaces.
		pub interfaces: Interfaces,
		/// Certification.
		pub certification: NodeCertification,
		/// Whether the node booted with secure boot.
		pub secure_boot: bool,
		/// Whether the node runs virtualized.
		pub virtualized: bool,
		/// Serial number, if the node reports one.
		pub serial_number: Option<SerialNumber>,
		/// TFT price (mUSD) at registration, used by minting.
		pub connection_price: u32,
	}
}

grid_type! {
	/// What a node is powered to (reported by the node).
	#[derive(Default, Copy)]
	pub enum PowerState<B> {
		/// Running.
		#[default]
		Up,
		/// Down since the given block.
		Down(B),
	}
}

grid_type! {
	/// What a farmer wants a node to be powered to.
	#[derive(Default, Copy)]
	pub enum Power {
		/// Up.
		#[default]
		Up,
		/// Down (standby).
		Down,
	}
}

grid_type! {
	/// Power state and target of a node.
	#[derive(Default, Copy)]
	pub struct NodePower<B> {
		/// What the node reported.
		pub state: PowerState<B>,
		/// What the farmer asked for.
		pub target: Power,
	}
}

impl<B> NodePower<B> {
	/// Whether the node reported itself down.
	pub fn is_down(&self) -> bool {
		matches!(self.state, PowerState::Down(_))
	}

	/// Whether the farmer asked the node to go down.
	pub fn is_target_down(&self) -> bool {
		matches!(self.target, Power::Down)
	}

	/// Whether the node is down or on its way down: no new workloads should go there.
	pub fn is_standby_phase(&self) -> bool {
		self.is_down() || self.is_target_down()
	}
}

impl Farm {
	/// Number of public IPs not used by any contract.
	pub fn free_ips(&self) -> usize {
		self.public_ips.iter().filter(|ip| ip.contract_id == 0).count()
	}
}
