//! Plain Rust types of the client's API, and their conversions to and from the generated
//! (`runtime`) types. Conversions into call arguments check every bounded field against the
//! chain's bound ([`bounds`]) and fail with [`ChainError::BoundsExceeded`]; conversions of chain
//! data never fail (text is decoded lossily).

use crate::{
	runtime::runtime_types::{
		bounded_collections::bounded_vec::BoundedVec, pallet_smart_contract::types as rt_contract,
		tfchain_primitives::grid as rt_grid, tfchain_primitives::resources as rt_resources,
	},
	ChainError,
};

/// Bounds of the chain's bounded arguments (the `BoundedVec` limits of the runtime; the generated
/// types do not carry them). `tests/bounds.rs` checks them against the pallets.
pub mod bounds {
	/// Longest terms-and-conditions document link.
	pub const DOCUMENT_LINK: usize = 2048;
	/// Longest terms-and-conditions document hash.
	pub const DOCUMENT_HASH: usize = 50;
	/// Longest twin relay address.
	pub const RELAY: usize = 1024;
	/// Longest twin public key.
	pub const TWIN_PK: usize = 128;
	/// Longest city name.
	pub const CITY: usize = 58;
	/// Longest country name.
	pub const COUNTRY: usize = 56;
	/// Longest latitude or longitude text.
	pub const GEO_COORDINATE: usize = 50;
	/// Most interfaces of a node.
	pub const INTERFACES: usize = 10;
	/// Longest interface name.
	pub const INTERFACE_NAME: usize = 20;
	/// Length of a MAC address text (`aa:bb:cc:dd:ee:ff`); longer is rejected.
	pub const INTERFACE_MAC: usize = 17;
	/// Most IPs of one interface.
	pub const INTERFACE_IPS: usize = 10;
	/// Longest interface IP text.
	pub const INTERFACE_IP: usize = 42;
	/// Longest serial number.
	pub const SERIAL_NUMBER: usize = 128;
	/// Longest farm name.
	pub const FARM_NAME: usize = 40;
	/// Most public IPs of a farm.
	pub const FARM_PUBLIC_IPS: usize = 256;
	/// Longest IPv4 CIDR text.
	pub const IP4: usize = 18;
	/// Longest IPv4 gateway text.
	pub const GW4: usize = 15;
	/// Longest deployment data of a node contract.
	pub const DEPLOYMENT_DATA: usize = 512;
	/// Longest key-value store key.
	pub const KV_KEY: usize = 512;
	/// Longest key-value store value.
	pub const KV_VALUE: usize = 2048;
}

/// Capacity: HRU, SRU and MRU in bytes, CRU in virtual cores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
	/// Hard-disk storage, bytes.
	pub hru: u64,
	/// SSD storage, bytes.
	pub sru: u64,
	/// Virtual CPU cores.
	pub cru: u64,
	/// Memory, bytes.
	pub mru: u64,
}

/// Where a node is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
	/// City name.
	pub city: String,
	/// Country name.
	pub country: String,
	/// Latitude in degrees, as text (or `Unknown`).
	pub latitude: String,
	/// Longitude in degrees, as text (or `Unknown`).
	pub longitude: String,
}

/// A network interface of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interface {
	/// Interface name (`[a-z0-9_-]`, 3 to 20 bytes).
	pub name: String,
	/// MAC address `aa:bb:cc:dd:ee:ff`.
	pub mac: String,
	/// Plain IPv4 or IPv6 addresses (no prefix length).
	pub ips: Vec<String>,
}

/// What a node registers (`create_node`) or updates (`update_node`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeRegistration {
	/// The farm the node belongs to.
	pub farm_id: u32,
	/// Total capacity.
	pub resources: Resources,
	/// Location.
	pub location: Location,
	/// Network interfaces.
	pub interfaces: Vec<Interface>,
	/// Whether the node booted with secure boot.
	pub secure_boot: bool,
	/// Whether the node runs virtualized.
	pub virtualized: bool,
	/// Serial number, if known.
	pub serial_number: Option<String>,
}

/// A twin: the on-chain identity of a user, farmer or node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinInfo {
	/// Twin id.
	pub id: u32,
	/// The account owning the twin.
	pub account_id: [u8; 32],
	/// RMB relay address.
	pub relay: Option<String>,
}

/// What a farmer asks a node to be powered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerTarget {
	/// Up.
	Up,
	/// Down (standby).
	Down,
}

/// What a node reported being powered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PowerState {
	/// Running.
	Up,
	/// Down since the given block.
	Down {
		/// Block the node went down at.
		since_block: u64,
	},
}

/// Public network configuration of a node, set by its farmer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicConfigInfo {
	/// IPv4 address with prefix length.
	pub ip4: String,
	/// IPv4 gateway.
	pub gw4: String,
	/// IPv6 address with prefix length and its gateway.
	pub ip6: Option<(String, String)>,
	/// Domain name.
	pub domain: Option<String>,
}

/// A registered node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
	/// Node id.
	pub id: u32,
	/// The node's farm.
	pub farm_id: u32,
	/// The node's own twin.
	pub twin_id: u32,
	/// Total capacity.
	pub resources: Resources,
	/// Location.
	pub location: Location,
	/// Network interfaces.
	pub interfaces: Vec<Interface>,
	/// Whether the node booted with secure boot.
	pub secure_boot: bool,
	/// Whether the node runs virtualized.
	pub virtualized: bool,
	/// Serial number, if reported.
	pub serial_number: Option<String>,
	/// Public config set by the farmer.
	pub public_config: Option<PublicConfigInfo>,
	/// Registration time, Unix seconds.
	pub created: u64,
	/// Farming policy assigned to the node.
	pub farming_policy_id: u32,
	/// Whether the node is certified.
	pub certified: bool,
	/// What the farmer wants the node powered to.
	pub power_target: PowerTarget,
	/// What the node reported.
	pub power_state: PowerState,
}

impl NodeInfo {
	/// The registration fields of the node, to compare with what the node would register now.
	pub fn registration(&self) -> NodeRegistration {
		NodeRegistration {
			farm_id: self.farm_id,
			resources: self.resources,
			location: self.location.clone(),
			interfaces: self.interfaces.clone(),
			secure_boot: self.secure_boot,
			virtualized: self.virtualized,
			serial_number: self.serial_number.clone(),
		}
	}
}

/// A public IP held by a node contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicIpInfo {
	/// Address with prefix length (CIDR), e.g. `185.206.122.33/24`.
	pub ip: String,
	/// Gateway address.
	pub gateway: String,
}

/// Lifecycle state of a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractState {
	/// Running and paid.
	Created,
	/// Out of funds since the given block.
	GracePeriod(u64),
	/// Ended; removed once settled.
	Deleted,
}

/// What a contract is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContractKind {
	/// A deployment on a node.
	Node {
		/// The node.
		node_id: u32,
		/// Hash of the deployment document.
		deployment_hash: [u8; 32],
		/// Public IPs the contract holds.
		public_ips: Vec<PublicIpInfo>,
	},
	/// A registered (gateway) name.
	Name {
		/// The name.
		name: String,
	},
	/// A whole node rented.
	Rent {
		/// The node.
		node_id: u32,
	},
}

/// A capacity contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractInfo {
	/// Contract id.
	pub id: u64,
	/// The owning twin.
	pub twin_id: u32,
	/// Lifecycle state.
	pub state: ContractState,
	/// What it is for.
	pub kind: ContractKind,
}

/// Network usage of a node contract over a window, as the node reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NruReport {
	/// Contract.
	pub contract_id: u64,
	/// End of the window (Unix seconds).
	pub timestamp: u64,
	/// Length of the window (seconds).
	pub window: u64,
	/// Bytes of public traffic.
	pub nru: u64,
}

/// Which events [`crate::ChainClient::node_events`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
	/// This node: its contract, grace, public-config and rent events.
	pub node_id: u32,
	/// This node's farm: power-target events of all its nodes.
	pub farm_id: u32,
}

/// An event of a finalized block that concerns a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
	/// A node or rent contract on the node was created.
	ContractCreated {
		/// Contract.
		contract_id: u64,
		/// Owner.
		twin_id: u32,
	},
	/// A node or rent contract on the node was updated.
	ContractUpdated {
		/// Contract.
		contract_id: u64,
		/// Owner.
		twin_id: u32,
	},
	/// A node contract on the node ended.
	NodeContractCanceled {
		/// Contract.
		contract_id: u64,
	},
	/// The node's rent contract ended.
	RentContractCanceled {
		/// Contract.
		contract_id: u64,
	},
	/// A contract on the node ran out of funds.
	GracePeriodStarted {
		/// Contract.
		contract_id: u64,
	},
	/// A contract on the node in grace was paid up again.
	GracePeriodEnded {
		/// Contract.
		contract_id: u64,
	},
	/// The farmer asked a node of the farm to power up or down (check `node_id`).
	PowerTargetChanged {
		/// The node.
		node_id: u32,
		/// Whether the target is up.
		up: bool,
	},
	/// The farmer set or cleared the node's public config.
	PublicConfigChanged,
}

// ---- conversions: our types into call arguments (checked against the bounds) ----

/// `text` as a bounded byte vector of at most `max` bytes.
pub(crate) fn bounded_bytes(
	field: &str,
	bytes: &[u8],
	max: usize,
) -> Result<BoundedVec<u8>, ChainError> {
	check_len(field, bytes.len(), max)?;
	Ok(BoundedVec(bytes.to_vec()))
}

/// Fails with [`ChainError::BoundsExceeded`] when `len > max`.
pub(crate) fn check_len(field: &str, len: usize, max: usize) -> Result<(), ChainError> {
	if len > max {
		return Err(ChainError::BoundsExceeded { field: field.to_string(), len, max });
	}
	Ok(())
}

/// The generated resources of ours.
pub(crate) fn resources_arg(r: &Resources) -> rt_resources::Resources {
	rt_resources::Resources { hru: r.hru, sru: r.sru, cru: r.cru, mru: r.mru }
}

/// The arguments of `create_node`/`update_node` after `farm_id`, checked against the bounds.
pub(crate) struct NodeArgs {
	pub resources: rt_resources::Resources,
	pub location: rt_grid::Location,
	pub interfaces: BoundedVec<rt_grid::Interface>,
	pub secure_boot: bool,
	pub virtualized: bool,
	pub serial_number: Option<BoundedVec<u8>>,
}

/// Converts a registration into call arguments; every text and list is checked against its bound.
pub(crate) fn node_args(reg: &NodeRegistration) -> Result<NodeArgs, ChainError> {
	let l = &reg.location;
	let location = rt_grid::Location {
		city: bounded_bytes("location.city", l.city.as_bytes(), bounds::CITY)?,
		country: bounded_bytes("location.country", l.country.as_bytes(), bounds::COUNTRY)?,
		latitude: bounded_bytes(
			"location.latitude",
			l.latitude.as_bytes(),
			bounds::GEO_COORDINATE,
		)?,
		longitude: bounded_bytes(
			"location.longitude",
			l.longitude.as_bytes(),
			bounds::GEO_COORDINATE,
		)?,
	};
	check_len("interfaces", reg.interfaces.len(), bounds::INTERFACES)?;
	let mut interfaces = Vec::with_capacity(reg.interfaces.len());
	for (i, iface) in reg.interfaces.iter().enumerate() {
		check_len(&format!("interfaces[{i}].ips"), iface.ips.len(), bounds::INTERFACE_IPS)?;
		let mut ips = Vec::with_capacity(iface.ips.len());
		for (j, ip) in iface.ips.iter().enumerate() {
			ips.push(bounded_bytes(
				&format!("interfaces[{i}].ips[{j}]"),
				ip.as_bytes(),
				bounds::INTERFACE_IP,
			)?);
		}
		interfaces.push(rt_grid::Interface {
			name: bounded_bytes(
				&format!("interfaces[{i}].name"),
				iface.name.as_bytes(),
				bounds::INTERFACE_NAME,
			)?,
			mac: bounded_bytes(
				&format!("interfaces[{i}].mac"),
				iface.mac.as_bytes(),
				bounds::INTERFACE_MAC,
			)?,
			ips: BoundedVec(ips),
		});
	}
	let serial_number = match &reg.serial_number {
		Some(serial) => {
			Some(bounded_bytes("serial_number", serial.as_bytes(), bounds::SERIAL_NUMBER)?)
		},
		None => None,
	};
	Ok(NodeArgs {
		resources: resources_arg(&reg.resources),
		location,
		interfaces: BoundedVec(interfaces),
		secure_boot: reg.secure_boot,
		virtualized: reg.virtualized,
		serial_number,
	})
}

// ---- conversions: generated chain data into our types (never fail) ----

/// Text stored on chain as bytes (decoded lossily: the chain validates most texts' charset).
pub(crate) fn text(bytes: &BoundedVec<u8>) -> String {
	String::from_utf8_lossy(&bytes.0).into_owned()
}

impl From<rt_resources::Resources> for Resources {
	fn from(r: rt_resources::Resources) -> Self {
		Resources { hru: r.hru, sru: r.sru, cru: r.cru, mru: r.mru }
	}
}

impl From<&rt_grid::Location> for Location {
	fn from(l: &rt_grid::Location) -> Self {
		Location {
			city: text(&l.city),
			country: text(&l.country),
			latitude: text(&l.latitude),
			longitude: text(&l.longitude),
		}
	}
}

impl From<&rt_grid::Interface> for Interface {
	fn from(i: &rt_grid::Interface) -> Self {
		Interface {
			name: text(&i.name),
			mac: text(&i.mac),
			ips: i.ips.0.iter().map(text).collect(),
		}
	}
}

impl From<&rt_grid::PublicConfig> for PublicConfigInfo {
	fn from(c: &rt_grid::PublicConfig) -> Self {
		PublicConfigInfo {
			ip4: text(&c.ip4.ip),
			gw4: text(&c.ip4.gw),
			ip6: c.ip6.as_ref().map(|ip6| (text(&ip6.ip), text(&ip6.gw))),
			domain: c.domain.as_ref().map(text),
		}
	}
}

/// Our node view of a stored node and its power record.
pub(crate) fn node_info(node: &rt_grid::Node, power: &rt_grid::NodePower<u32>) -> NodeInfo {
	NodeInfo {
		id: node.id,
		farm_id: node.farm_id,
		twin_id: node.twin_id,
		resources: Resources {
			hru: node.resources.hru,
			sru: node.resources.sru,
			cru: node.resources.cru,
			mru: node.resources.mru,
		},
		location: Location::from(&node.location),
		interfaces: node.interfaces.0.iter().map(Interface::from).collect(),
		secure_boot: node.secure_boot,
		virtualized: node.virtualized,
		serial_number: node.serial_number.as_ref().map(text),
		public_config: node.public_config.as_ref().map(PublicConfigInfo::from),
		created: node.created,
		farming_policy_id: node.farming_policy_id,
		certified: matches!(node.certification, rt_grid::NodeCertification::Certified),
		power_target: match power.target {
			rt_grid::Power::Up => PowerTarget::Up,
			rt_grid::Power::Down => PowerTarget::Down,
		},
		power_state: match power.state {
			rt_grid::PowerState::Up => PowerState::Up,
			rt_grid::PowerState::Down(block) => PowerState::Down { since_block: u64::from(block) },
		},
	}
}

/// Our contract view of a stored contract.
pub(crate) fn contract_info(c: &rt_contract::Contract) -> ContractInfo {
	ContractInfo {
		id: c.contract_id,
		twin_id: c.twin_id,
		state: match c.state {
			rt_contract::ContractState::Created => ContractState::Created,
			rt_contract::ContractState::GracePeriod(block) => ContractState::GracePeriod(block),
			rt_contract::ContractState::Deleted(_) => ContractState::Deleted,
		},
		kind: match &c.contract_type {
			rt_contract::ContractData::NodeContract(nc) => ContractKind::Node {
				node_id: nc.node_id,
				deployment_hash: nc.deployment_hash,
				public_ips: nc
					.public_ips_list
					.0
					.iter()
					.map(|ip| PublicIpInfo { ip: text(&ip.ip), gateway: text(&ip.gateway) })
					.collect(),
			},
			rt_contract::ContractData::NameContract(name) => {
				ContractKind::Name { name: text(&name.name) }
			},
			rt_contract::ContractData::RentContract(rc) => {
				ContractKind::Rent { node_id: rc.node_id }
			},
		},
	}
}

/// The node a contract runs on (`None` for name contracts).
pub(crate) fn contract_node(c: &rt_contract::Contract) -> Option<u32> {
	match &c.contract_type {
		rt_contract::ContractData::NodeContract(nc) => Some(nc.node_id),
		rt_contract::ContractData::RentContract(rc) => Some(rc.node_id),
		rt_contract::ContractData::NameContract(_) => None,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn registration() -> NodeRegistration {
		NodeRegistration {
			farm_id: 1,
			resources: Resources { hru: 1, sru: 2, cru: 3, mru: 4 },
			location: Location {
				city: "Ghent".into(),
				country: "Belgium".into(),
				latitude: "51.05".into(),
				longitude: "3.71".into(),
			},
			interfaces: vec![Interface {
				name: "zos".into(),
				mac: "00:00:5e:00:53:af".into(),
				ips: vec!["10.2.3.3".into(), "fe80::1".into()],
			}],
			secure_boot: true,
			virtualized: false,
			serial_number: Some("SN-1".into()),
		}
	}

	fn bounds_error(reg: &NodeRegistration) -> (String, usize, usize) {
		match node_args(reg) {
			Err(ChainError::BoundsExceeded { field, len, max }) => (field, len, max),
			Err(e) => panic!("expected BoundsExceeded, got {e}"),
			Ok(_) => panic!("expected BoundsExceeded, got Ok"),
		}
	}

	#[test]
	fn registration_becomes_call_arguments() {
		let args = node_args(&registration()).expect("fits");
		assert_eq!(
			(args.resources.hru, args.resources.sru, args.resources.cru, args.resources.mru),
			(1, 2, 3, 4)
		);
		assert_eq!(args.location.city.0, b"Ghent");
		assert_eq!(args.location.country.0, b"Belgium");
		assert_eq!(args.location.latitude.0, b"51.05");
		assert_eq!(args.location.longitude.0, b"3.71");
		assert_eq!(args.interfaces.0.len(), 1);
		let iface = &args.interfaces.0[0];
		assert_eq!(iface.name.0, b"zos");
		assert_eq!(iface.mac.0, b"00:00:5e:00:53:af");
		assert_eq!(
			iface.ips.0.iter().map(|ip| ip.0.clone()).collect::<Vec<_>>(),
			vec![b"10.2.3.3".to_vec(), b"fe80::1".to_vec()]
		);
		assert!(args.secure_boot);
		assert!(!args.virtualized);
		assert_eq!(args.serial_number.map(|s| s.0), Some(b"SN-1".to_vec()));
	}

	#[test]
	fn texts_at_their_bound_fit() {
		let mut reg = registration();
		reg.location.city = "c".repeat(bounds::CITY);
		reg.location.country = "c".repeat(bounds::COUNTRY);
		reg.location.latitude = "1".repeat(bounds::GEO_COORDINATE);
		reg.serial_number = Some("s".repeat(bounds::SERIAL_NUMBER));
		reg.interfaces = vec![reg.interfaces[0].clone(); bounds::INTERFACES];
		assert!(node_args(&reg).is_ok());
	}

	#[test]
	fn oversized_texts_and_lists_are_bounds_errors() {
		let mut reg = registration();
		reg.location.city = "c".repeat(bounds::CITY + 1);
		assert_eq!(bounds_error(&reg), ("location.city".into(), bounds::CITY + 1, bounds::CITY));

		let mut reg = registration();
		reg.location.longitude = "1".repeat(51);
		assert_eq!(bounds_error(&reg), ("location.longitude".into(), 51, 50));

		let mut reg = registration();
		reg.serial_number = Some("s".repeat(129));
		assert_eq!(bounds_error(&reg), ("serial_number".into(), 129, 128));

		let mut reg = registration();
		reg.interfaces[0].name = "a-very-long-interface-name".into();
		assert_eq!(bounds_error(&reg).0, "interfaces[0].name");

		let mut reg = registration();
		reg.interfaces[0].mac = "00:00:5e:00:53:af:00".into();
		assert_eq!(bounds_error(&reg).0, "interfaces[0].mac");

		let mut reg = registration();
		reg.interfaces[0].ips[1] = "1".repeat(43);
		assert_eq!(bounds_error(&reg), ("interfaces[0].ips[1]".into(), 43, 42));

		let mut reg = registration();
		reg.interfaces[0].ips = vec!["10.0.0.1".into(); 11];
		assert_eq!(bounds_error(&reg), ("interfaces[0].ips".into(), 11, 10));

		let mut reg = registration();
		reg.interfaces = vec![reg.interfaces[0].clone(); 11];
		assert_eq!(bounds_error(&reg), ("interfaces".into(), 11, 10));
	}

	#[test]
	fn bounds_count_bytes_not_characters() {
		let mut reg = registration();
		// 30 two-byte characters: 60 bytes > 58.
		reg.location.city = "é".repeat(30);
		assert_eq!(bounds_error(&reg), ("location.city".into(), 60, 58));
	}

	fn stored_node() -> rt_grid::Node {
		let args = node_args(&registration()).expect("fits");
		rt_grid::Node {
			version: 5,
			id: 7,
			farm_id: 1,
			twin_id: 9,
			resources: args.resources,
			location: args.location,
			public_config: Some(rt_grid::PublicConfig {
				ip4: rt_grid::IP4 {
					ip: BoundedVec(b"185.206.122.33/24".to_vec()),
					gw: BoundedVec(b"185.206.122.1".to_vec()),
				},
				ip6: None,
				domain: Some(BoundedVec(b"node.example.com".to_vec())),
			}),
			created: 1_700_000_000,
			farming_policy_id: 1,
			interfaces: args.interfaces,
			certification: rt_grid::NodeCertification::Diy,
			secure_boot: true,
			virtualized: false,
			serial_number: args.serial_number,
			connection_price: 80,
		}
	}

	#[test]
	fn stored_node_becomes_node_info_with_its_registration() {
		let power =
			rt_grid::NodePower { state: rt_grid::PowerState::Down(42), target: rt_grid::Power::Up };
		let info = node_info(&stored_node(), &power);
		assert_eq!((info.id, info.farm_id, info.twin_id), (7, 1, 9));
		assert_eq!(info.registration(), registration());
		assert_eq!(info.power_target, PowerTarget::Up);
		assert_eq!(info.power_state, PowerState::Down { since_block: 42 });
		assert!(!info.certified);
		assert_eq!(
			info.public_config,
			Some(PublicConfigInfo {
				ip4: "185.206.122.33/24".into(),
				gw4: "185.206.122.1".into(),
				ip6: None,
				domain: Some("node.example.com".into()),
			})
		);
	}

	#[test]
	fn invalid_utf8_from_the_chain_is_decoded_lossily() {
		let mut node = stored_node();
		node.location.city = BoundedVec(vec![b'G', 0xff, b'h']);
		let power =
			rt_grid::NodePower { state: rt_grid::PowerState::Up, target: rt_grid::Power::Down };
		let info = node_info(&node, &power);
		assert_eq!(info.location.city, "G\u{fffd}h");
		assert_eq!(info.power_target, PowerTarget::Down);
		assert_eq!(info.power_state, PowerState::Up);
	}

	#[test]
	fn stored_contracts_become_contract_info() {
		let node_contract = rt_contract::Contract {
			version: 4,
			state: rt_contract::ContractState::GracePeriod(12),
			contract_id: 3,
			twin_id: 2,
			contract_type: rt_contract::ContractData::NodeContract(rt_contract::NodeContract {
				node_id: 7,
				deployment_hash: [5; 32],
				deployment_data: BoundedVec(b"data".to_vec()),
				public_ips: 1,
				public_ips_list: BoundedVec(vec![rt_grid::PublicIP {
					ip: BoundedVec(b"185.206.122.33/24".to_vec()),
					gateway: BoundedVec(b"185.206.122.1".to_vec()),
					contract_id: 3,
				}]),
			}),
			solution_provider_id: None,
		};
		assert_eq!(
			contract_info(&node_contract),
			ContractInfo {
				id: 3,
				twin_id: 2,
				state: ContractState::GracePeriod(12),
				kind: ContractKind::Node {
					node_id: 7,
					deployment_hash: [5; 32],
					public_ips: vec![PublicIpInfo {
						ip: "185.206.122.33/24".into(),
						gateway: "185.206.122.1".into()
					}],
				},
			}
		);
		assert_eq!(contract_node(&node_contract), Some(7));

		let rent = rt_contract::Contract {
			version: 4,
			state: rt_contract::ContractState::Deleted(rt_contract::Cause::OutOfFunds),
			contract_id: 4,
			twin_id: 2,
			contract_type: rt_contract::ContractData::RentContract(rt_contract::RentContract {
				node_id: 8,
			}),
			solution_provider_id: Some(1),
		};
		let info = contract_info(&rent);
		assert_eq!(info.state, ContractState::Deleted);
		assert_eq!(info.kind, ContractKind::Rent { node_id: 8 });
		assert_eq!(contract_node(&rent), Some(8));

		let name = rt_contract::Contract {
			version: 4,
			state: rt_contract::ContractState::Created,
			contract_id: 5,
			twin_id: 2,
			contract_type: rt_contract::ContractData::NameContract(rt_contract::NameContract {
				name: BoundedVec(b"gateway".to_vec()),
			}),
			solution_provider_id: None,
		};
		assert_eq!(contract_info(&name).kind, ContractKind::Name { name: "gateway".into() });
		assert_eq!(contract_node(&name), None);
	}
}
