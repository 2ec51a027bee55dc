//! Benchmarks for the grid registry calls, each at its worst case:
//!
//! - every string at its longest: farm, entity and policy names, locations, serial numbers,
//!   relays and twin keys, document links and hashes, domains, the Zero-OS version;
//! - nodes with the most interfaces, each holding the most IPs of the longest text;
//! - farms holding the most public IPs (`create_farm` is linear in them; adding, removing and
//!   resetting an IP walk a nearly full or full list, the IP concerned last);
//! - farms full of nodes (`T::MaxNodesPerFarm`), the deleted node first in the list;
//! - `T::MaxFarmingPolicies` farming policies (picking a policy reads them all) and farms with
//!   attached limits every node can use, so that each pick checks and consumes the limits and
//!   the farm is written back (`create_node`, `update_node`, `set_node_certification`, and per
//!   node in `attach_policy_to_farm`, which is linear in the nodes of the farm);
//! - `update_node` moving a certified node out of a full farm into a nearly full farm of the same
//!   farmer, with a resource change that drops the certification;
//! - `set_node_certification` by the last certifier of a full certifier list;
//! - twins holding the most entity proofs; accounts holding the most accepted documents;
//! - real ed25519 signatures (checked after sr25519, so the costlier path) made with keys of the benchmark keystore for entities and entity
//!   proofs.
//!
//! Most setup goes through the pallet's calls; nodes filling a farm and entities that need no
//! signature of their own are written straight into storage.

use super::*;
use crate::types::{
	DocumentHash, DocumentLink, Entity, EntityName, EntityProof, Policy, PolicyName, Relay, Twin,
	TwinPk, Unit, MAX_DOCUMENT_HASH_LENGTH, MAX_DOCUMENT_LINK_LENGTH, MAX_ENTITY_NAME_LENGTH,
	MAX_PK_LENGTH, MAX_POLICY_NAME_LENGTH, MAX_RELAY_LENGTH, MAX_TERMS_AND_CONDITIONS,
	MAX_TWIN_ENTITIES, MAX_ZOS_VERSION_LENGTH, SIGNATURE_HEX_LENGTH, STELLAR_ADDRESS_LENGTH,
	TFGRID_ENTITY_VERSION, TFGRID_NODE_VERSION,
};
use alloc::{format, vec, vec::Vec};
use frame::{
	benchmarking::prelude::*,
	deps::{
		sp_core::{crypto::KeyTypeId, ed25519},
		sp_io,
	},
	traits::UnixTime,
};
use tfchain_primitives::{
	grid::{
		CityName, CountryName, Farm, FarmCertification, FarmName, FarmingPolicyLimit, Interface,
		InterfaceIp, Interfaces, Location, Node, NodeCertification, Power, PublicConfig,
		SerialNumber, IP4, IP6, MAX_CITY_NAME_LENGTH, MAX_COUNTRY_NAME_LENGTH,
		MAX_DOMAIN_NAME_LENGTH, MAX_FARM_NAME_LENGTH, MAX_FARM_PUBLIC_IPS,
		MAX_GEO_COORDINATE_LENGTH, MAX_INTERFACES, MAX_INTERFACE_IPS, MAX_INTERFACE_NAME_LENGTH,
		MAX_SERIAL_NUMBER_LENGTH,
	},
	resources::{Resources, GIB},
};

/// Key type of the keystore keys that sign entities and entity proofs.
const BENCH_KEY: KeyTypeId = KeyTypeId(*b"test");

/// Why a benchmark value fits its bound.
const BOUNDS: &str = "benchmark values are built within their bounds; qed";

/// `bytes` as a bounded vector; the benchmarks only build values within the bound.
fn bounded<S: Get<u32>>(bytes: Vec<u8>) -> BoundedVec<u8, S> {
	bytes.try_into().expect(BOUNDS)
}

/// `bytes` padded with `fill` to `len` bytes.
fn pad(bytes: &[u8], len: u32, fill: u8) -> Vec<u8> {
	let mut padded = bytes.to_vec();
	padded.resize(len as usize, fill);
	padded
}

/// `prefix` and `index`, padded with `x` to `len` bytes: a distinct name of the longest length.
fn padded(prefix: &str, index: u32, len: u32) -> Vec<u8> {
	pad(format!("{prefix}{index}").as_bytes(), len, b'x')
}

/// A valid host name of `len` bytes: labels of `fill` separated by single dots.
fn host_name(len: u32, fill: u8) -> Vec<u8> {
	(0..len).map(|i| if i % 8 == 7 && i + 1 != len { b'.' } else { fill }).collect()
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> Vec<u8> {
	const DIGITS: &[u8; 16] = b"0123456789abcdef";
	bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize], DIGITS[(b & 0xf) as usize]]).collect()
}

/// The chain's clock, Unix seconds.
fn now<T: Config>() -> u64 {
	<T::Time as UnixTime>::now().as_secs()
}

/// The council origin.
fn restricted<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::RestrictedOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

/// Asserts that `event` is the last event deposited.
fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

/// The stored farm `id`.
fn farm<T: Config>(id: u32) -> Result<Farm, BenchmarkError> {
	Farms::<T>::get(id).ok_or(BenchmarkError::Stop("farm not stored"))
}

/// The stored node `id`.
fn node<T: Config>(id: u32) -> Result<Node, BenchmarkError> {
	Nodes::<T>::get(id).ok_or(BenchmarkError::Stop("node not stored"))
}

/// The stored twin `id`.
fn twin<T: Config>(id: u32) -> Result<Twin<T::AccountId>, BenchmarkError> {
	Twins::<T>::get(id).ok_or(BenchmarkError::Stop("twin not stored"))
}

/// The `index`-th terms-and-conditions link, of the longest length.
fn document_link(index: u32) -> DocumentLink {
	bounded(padded("https://threefold.io/terms/v", index, MAX_DOCUMENT_LINK_LENGTH))
}

/// The `index`-th terms-and-conditions hash, of the longest length.
fn document_hash(index: u32) -> DocumentHash {
	bounded(padded("hash", index, MAX_DOCUMENT_HASH_LENGTH))
}

/// Has `who` accept `count` distinct documents (indices `0..count`).
fn accept_documents<T: Config>(who: &T::AccountId, count: u32) -> Result<(), BenchmarkError> {
	for index in 0..count {
		Pallet::<T>::user_accept_tc(
			RawOrigin::Signed(who.clone()).into(),
			document_link(index),
			document_hash(index),
		)?;
	}
	Ok(())
}

/// A relay of the longest length made of `fill` labels.
fn relay(fill: u8) -> Relay {
	bounded(host_name(MAX_RELAY_LENGTH, fill))
}

/// A twin public key of the longest length made of `fill` bytes.
fn twin_pk(fill: u8) -> TwinPk {
	bounded(vec![fill; MAX_PK_LENGTH as usize])
}

/// Has `who` accept a document and create a twin with the longest relay and key; returns its id.
fn new_twin<T: Config>(who: &T::AccountId) -> Result<u32, BenchmarkError> {
	accept_documents::<T>(who, 1)?;
	Pallet::<T>::create_twin(
		RawOrigin::Signed(who.clone()).into(),
		Some(relay(b'a')),
		Some(twin_pk(b'a')),
	)?;
	TwinIdByAccountID::<T>::get(who).ok_or(BenchmarkError::Stop("twin not created"))
}

/// Writes a twin of `who` (no relay, key nor proofs) straight into storage; returns its id.
fn insert_twin<T: Config>(who: T::AccountId) -> u32 {
	let id = TwinID::<T>::get() + 1;
	TwinID::<T>::put(id);
	let twin =
		Twin { id, account_id: who.clone(), relay: None, entities: Default::default(), pk: None };
	Twins::<T>::insert(id, twin);
	TwinIdByAccountID::<T>::insert(who, id);
	id
}

/// Adds a proof of entity `entity_id` (with a placeholder signature) to twin `twin_id`.
fn push_proof<T: Config>(twin_id: u32, entity_id: u32) {
	let proof =
		EntityProof { entity_id, signature: bounded(vec![b'0'; SIGNATURE_HEX_LENGTH as usize]) };
	Twins::<T>::mutate(twin_id, |twin| {
		if let Some(twin) = twin {
			twin.entities.try_push(proof).expect(BOUNDS);
		}
	});
}

/// Gives twin `twin_id` proofs of unregistered entities until it holds `count`.
fn fill_twin_entities<T: Config>(twin_id: u32, count: u32) {
	let held = Twins::<T>::get(twin_id).map_or(0, |twin| twin.entities.len() as u32);
	for index in held..count {
		push_proof::<T>(twin_id, u32::MAX - index);
	}
}

/// Generates an ed25519 key (verified after a failed sr25519 check: the worst case) in the benchmark keystore; returns it and the account it is.
fn new_key<T: Config>() -> Result<(ed25519::Public, T::AccountId), BenchmarkError> {
	let public = sp_io::crypto::ed25519_generate(BENCH_KEY, None);
	let account = T::AccountId::decode(&mut &public.0[..])
		.map_err(|_| BenchmarkError::Stop("accounts are not 32-byte public keys"))?;
	Ok((public, account))
}

/// Hex of the signature of `public` over `message`, as the pallet takes it.
fn sign(public: &ed25519::Public, message: &[u8]) -> Result<Vec<u8>, BenchmarkError> {
	let signature = sp_io::crypto::ed25519_sign(BENCH_KEY, public, message)
		.ok_or(BenchmarkError::Stop("the keystore cannot sign"))?;
	Ok(hex(&signature.0))
}

/// The longest country name.
fn country() -> CountryName {
	bounded(pad(b"Belgium", MAX_COUNTRY_NAME_LENGTH, b'x'))
}

/// The longest city name.
fn city() -> CityName {
	bounded(pad(b"Ghent", MAX_CITY_NAME_LENGTH, b'x'))
}

/// Writes an entity of `account` with the longest strings straight into storage; returns its id.
fn insert_entity<T: Config>(account: T::AccountId) -> u32 {
	let id = EntityID::<T>::get() + 1;
	EntityID::<T>::put(id);
	let name: EntityName = bounded(padded("entity_", id, MAX_ENTITY_NAME_LENGTH));
	let entity = Entity {
		version: TFGRID_ENTITY_VERSION,
		id,
		name: name.clone(),
		account_id: account.clone(),
		country: country(),
		city: city(),
	};
	Entities::<T>::insert(id, entity);
	EntityIdByName::<T>::insert(name, id);
	EntityIdByAccountID::<T>::insert(account, id);
	id
}

/// The `index`-th public IP of the benchmark farms: distinct for every index of a farm, of the
/// longest text (`185.206.1xx.1yy/16`), all behind the gateway `185.206.255.254`.
fn public_ip(index: u32) -> IP4 {
	let ip = format!("185.206.{}.{}/16", 100 + index / 150, 100 + index % 150);
	IP4 { ip: bounded(ip.into_bytes()), gw: bounded(b"185.206.255.254".to_vec()) }
}

/// Creates a farm of `owner` (who has a twin) holding `ips` public IPs; returns its id.
fn new_farm<T: Config>(owner: &T::AccountId, ips: u32) -> Result<u32, BenchmarkError> {
	let name: FarmName = bounded(padded("farm_", FarmID::<T>::get() + 1, MAX_FARM_NAME_LENGTH));
	let public_ips: Vec<IP4> = (0..ips).map(public_ip).collect();
	Pallet::<T>::create_farm(
		RawOrigin::Signed(owner.clone()).into(),
		name,
		public_ips.try_into().expect(BOUNDS),
	)?;
	Ok(FarmID::<T>::get())
}

/// Creates default farming policies (DIY, not certified, never ending, longest name) until
/// `count` exist; returns the id of the last one.
fn fill_farming_policies<T: Config>(count: u32) -> Result<u32, BenchmarkError> {
	let origin = restricted::<T>()?;
	for index in FarmingPolicyID::<T>::get()..count {
		Pallet::<T>::create_farming_policy(
			origin.clone(),
			padded("farming_policy_", index + 1, MAX_POLICY_NAME_LENGTH),
			10,
			20,
			30,
			40,
			95,
			0u32.into(),
			false,
			true,
			NodeCertification::Diy,
			FarmCertification::NotCertified,
		)?;
	}
	Ok(FarmingPolicyID::<T>::get())
}

/// Limits of policy `policy_id` that every node can use: each bound is set, so picking the policy
/// checks and consumes all of them.
fn open_limits(policy_id: u32) -> FarmingPolicyLimit {
	FarmingPolicyLimit {
		farming_policy_id: policy_id,
		cu: Some(u64::MAX),
		su: Some(u64::MAX),
		end: Some(u64::MAX),
		node_count: Some(u32::MAX),
		node_certification: false,
	}
}

/// Attaches `limits` to farm `farm_id` in storage.
fn limit_farm<T: Config>(farm_id: u32, limits: FarmingPolicyLimit) {
	Farms::<T>::mutate(farm_id, |farm| {
		if let Some(farm) = farm {
			farm.farming_policy_limits = Some(limits);
		}
	});
}

/// Creates `T::MaxFarmingPolicies` farming policies, a twin for `farmer` and a farm of it with
/// the most public IPs; returns the farm id and a default policy id for stored nodes.
fn node_farm<T: Config>(farmer: &T::AccountId) -> Result<(u32, u32), BenchmarkError> {
	let policy_id = fill_farming_policies::<T>(T::MaxFarmingPolicies::get())?;
	new_twin::<T>(farmer)?;
	let farm_id = new_farm::<T>(farmer, MAX_FARM_PUBLIC_IPS)?;
	Ok((farm_id, policy_id))
}

/// Capacity of the benchmark nodes: 1 TiB HDD, 512 GiB SSD, 8 cores, 16 GiB memory.
fn resources() -> Resources {
	let gib = GIB as u64;
	Resources { hru: 1024 * gib, sru: 512 * gib, cru: 8, mru: 16 * gib }
}

/// A location in Ghent with every field at its longest.
fn location() -> Location {
	Location {
		city: city(),
		country: country(),
		latitude: bounded(pad(b"12.233213231", MAX_GEO_COORDINATE_LENGTH, b'0')),
		longitude: bounded(pad(b"32.323112123", MAX_GEO_COORDINATE_LENGTH, b'0')),
	}
}

/// Interface `index`: the longest name and the most IPv6 addresses of the longest text.
fn interface(index: u32) -> Interface {
	let ips: Vec<InterfaceIp> = (0..MAX_INTERFACE_IPS)
		.map(|ip| {
			bounded(format!("2a02:1802:005e:0000:0000:0000:{index:04x}:{ip:04x}").into_bytes())
		})
		.collect();
	Interface {
		name: bounded(padded("eth", index, MAX_INTERFACE_NAME_LENGTH)),
		mac: bounded(b"00:00:5e:00:53:af".to_vec()),
		ips: ips.try_into().expect(BOUNDS),
	}
}

/// The most interfaces.
fn interfaces() -> Interfaces {
	let interfaces: Vec<Interface> = (0..MAX_INTERFACES).map(interface).collect();
	interfaces.try_into().expect(BOUNDS)
}

/// The longest serial number.
fn serial() -> SerialNumber {
	bounded(pad(b"serial-", MAX_SERIAL_NUMBER_LENGTH, b'x'))
}

/// Gives `who` a twin and registers its node in `farm_id` with the largest inputs; returns the
/// node id.
fn new_node<T: Config>(who: &T::AccountId, farm_id: u32) -> Result<u32, BenchmarkError> {
	let twin_id = new_twin::<T>(who)?;
	Pallet::<T>::create_node(
		RawOrigin::Signed(who.clone()).into(),
		farm_id,
		resources(),
		location(),
		interfaces(),
		false,
		false,
		Some(serial()),
	)?;
	Ok(NodeIdByTwinID::<T>::get(twin_id))
}

/// Writes a node of a new twin into farm `farm_id`, on policy `policy_id`, straight into storage.
fn insert_node<T: Config>(farm_id: u32, policy_id: u32) {
	let twin_id = insert_twin::<T>(account("node", TwinID::<T>::get() + 1, farm_id));
	let id = NodeID::<T>::get() + 1;
	NodeID::<T>::put(id);
	let node = Node {
		version: TFGRID_NODE_VERSION,
		id,
		farm_id,
		twin_id,
		resources: resources(),
		location: location(),
		public_config: None,
		created: now::<T>(),
		farming_policy_id: policy_id,
		interfaces: interfaces(),
		certification: NodeCertification::Diy,
		secure_boot: false,
		virtualized: false,
		serial_number: Some(serial()),
		connection_price: ConnectionPrice::<T>::get(),
	};
	Nodes::<T>::insert(id, node);
	NodeIdByTwinID::<T>::insert(twin_id, id);
	NodesByFarmID::<T>::mutate(farm_id, |nodes| nodes.try_push(id)).expect(BOUNDS);
}

/// Writes nodes on policy `policy_id` into farm `farm_id` until it holds `count`.
fn fill_farm<T: Config>(farm_id: u32, count: u32, policy_id: u32) {
	let held = NodesByFarmID::<T>::get(farm_id).len() as u32;
	for _ in held..count {
		insert_node::<T>(farm_id, policy_id);
	}
}

/// Adds certifiers until the list holds `count` accounts.
fn fill_certifiers<T: Config>(count: u32) -> Result<(), BenchmarkError> {
	let origin = restricted::<T>()?;
	let held = AllowedNodeCertifiers::<T>::get().map_or(0, |list| list.len() as u32);
	for index in held..count {
		Pallet::<T>::add_node_certifier(origin.clone(), account("certifier", index, 0))?;
	}
	Ok(())
}

/// The certifiers, sorted.
fn certifiers<T: Config>() -> Vec<T::AccountId> {
	AllowedNodeCertifiers::<T>::get().map(|list| list.into_inner()).unwrap_or_default()
}

/// A price of `value` per GB.
fn price(value: u32) -> Policy {
	Policy { value, unit: Unit::Gigabytes }
}

/// A valid Stellar address of 56 characters.
fn stellar_address() -> Vec<u8> {
	const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	core::iter::once(b'G')
		.chain((1..STELLAR_ADDRESS_LENGTH).map(|i| BASE32[(i % 32) as usize]))
		.collect()
}

/// A public config with an IPv4 and an IPv6 pair and a domain, each of the longest text.
fn public_config() -> PublicConfig {
	PublicConfig {
		ip4: IP4 {
			ip: bounded(b"185.206.122.133/24".to_vec()),
			gw: bounded(b"185.206.122.254".to_vec()),
		},
		ip6: Some(IP6 {
			ip: bounded(b"2a10:b600:0001:0000:0000:0000:0cc4:7a30/64".to_vec()),
			gw: bounded(b"2a10:b600:0001:0000:0000:0000:0000:0001".to_vec()),
		}),
		domain: Some(bounded(host_name(MAX_DOMAIN_NAME_LENGTH, b'd'))),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_storage_version() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let version = crate::types::StorageVersion::V16Struct;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, version);

		assert_eq!(PalletVersion::<T>::get(), version);
		Ok(())
	}

	#[benchmark]
	fn create_farm(i: Linear<0, MAX_FARM_PUBLIC_IPS>) -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		new_twin::<T>(&caller)?;
		let name: FarmName = bounded(padded("farm_", 0, MAX_FARM_NAME_LENGTH));
		let ips: Vec<IP4> = (0..i).map(public_ip).collect();
		let public_ips: BoundedVec<IP4, ConstU32<MAX_FARM_PUBLIC_IPS>> =
			ips.try_into().expect(BOUNDS);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), name.clone(), public_ips);

		let farm = farm::<T>(FarmIdByName::<T>::get(&name))?;
		assert_eq!(farm.public_ips.len() as u32, i);
		assert_last_event::<T>(Event::FarmStored(farm));
		Ok(())
	}

	#[benchmark]
	fn update_farm() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		new_twin::<T>(&caller)?;
		let farm_id = new_farm::<T>(&caller, MAX_FARM_PUBLIC_IPS)?;
		let old_name = farm::<T>(farm_id)?.name;
		let name: FarmName = bounded(padded("renamed_", farm_id, MAX_FARM_NAME_LENGTH));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), farm_id, name.clone());

		assert_eq!(FarmIdByName::<T>::get(&name), farm_id);
		assert_eq!(FarmIdByName::<T>::get(&old_name), 0);
		assert_last_event::<T>(Event::FarmUpdated(farm::<T>(farm_id)?));
		Ok(())
	}

	#[benchmark]
	fn add_stellar_payout_v2address() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		new_twin::<T>(&caller)?;
		let farm_id = new_farm::<T>(&caller, MAX_FARM_PUBLIC_IPS)?;
		let address = stellar_address();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), farm_id, address.clone());

		assert_eq!(FarmPayoutV2AddressByFarmID::<T>::get(farm_id).to_vec(), address);
		assert_last_event::<T>(Event::FarmPayoutV2AddressRegistered(farm_id, address));
		Ok(())
	}

	#[benchmark]
	fn set_farm_certification() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		new_twin::<T>(&farmer)?;
		let farm_id = new_farm::<T>(&farmer, MAX_FARM_PUBLIC_IPS)?;
		let origin = restricted::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, farm_id, FarmCertification::Gold);

		assert_eq!(farm::<T>(farm_id)?.certification, FarmCertification::Gold);
		assert_last_event::<T>(Event::FarmCertificationSet(farm_id, FarmCertification::Gold));
		Ok(())
	}

	#[benchmark]
	fn add_farm_ip() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		new_twin::<T>(&caller)?;
		let farm_id = new_farm::<T>(&caller, MAX_FARM_PUBLIC_IPS - 1)?;
		let ip = public_ip(MAX_FARM_PUBLIC_IPS - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), farm_id, ip.ip.clone(), ip.gw);

		let farm = farm::<T>(farm_id)?;
		assert_eq!(farm.public_ips.len() as u32, MAX_FARM_PUBLIC_IPS);
		assert!(farm.public_ips.iter().any(|public_ip| public_ip.ip == ip.ip));
		assert_last_event::<T>(Event::FarmUpdated(farm));
		Ok(())
	}

	#[benchmark]
	fn remove_farm_ip() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		new_twin::<T>(&caller)?;
		let farm_id = new_farm::<T>(&caller, MAX_FARM_PUBLIC_IPS)?;
		let ip = public_ip(MAX_FARM_PUBLIC_IPS - 1).ip;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), farm_id, ip.clone());

		let farm = farm::<T>(farm_id)?;
		assert_eq!(farm.public_ips.len() as u32, MAX_FARM_PUBLIC_IPS - 1);
		assert!(!farm.public_ips.iter().any(|public_ip| public_ip.ip == ip));
		assert_last_event::<T>(Event::FarmUpdated(farm));
		Ok(())
	}

	#[benchmark]
	fn create_node() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, policy_id) = node_farm::<T>(&farmer)?;
		fill_farm::<T>(farm_id, T::MaxNodesPerFarm::get() - 1, policy_id);
		limit_farm::<T>(farm_id, open_limits(policy_id));
		let caller: T::AccountId = whitelisted_caller();
		let twin_id = new_twin::<T>(&caller)?;

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			farm_id,
			resources(),
			location(),
			interfaces(),
			true,
			true,
			Some(serial()),
		);

		let node_id = NodeIdByTwinID::<T>::get(twin_id);
		assert_eq!(node::<T>(node_id)?.farm_id, farm_id);
		let nodes = NodesByFarmID::<T>::get(farm_id);
		assert_eq!(nodes.len() as u32, T::MaxNodesPerFarm::get());
		assert!(nodes.contains(&node_id));
		Ok(())
	}

	#[benchmark]
	fn update_node() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, policy_id) = node_farm::<T>(&farmer)?;
		let caller: T::AccountId = whitelisted_caller();
		let node_id = new_node::<T>(&caller, farm_id)?;
		fill_farm::<T>(farm_id, T::MaxNodesPerFarm::get(), policy_id);
		let target = new_farm::<T>(&farmer, MAX_FARM_PUBLIC_IPS)?;
		fill_farm::<T>(target, T::MaxNodesPerFarm::get() - 1, policy_id);
		limit_farm::<T>(target, open_limits(policy_id));
		Pallet::<T>::set_node_certification(
			restricted::<T>()?,
			node_id,
			NodeCertification::Certified,
		)?;
		// Twice the HDD: more than 1 % of change, so the node loses its certification.
		let resources = Resources { hru: 2 * resources().hru, ..resources() };

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			node_id,
			target,
			resources,
			location(),
			interfaces(),
			true,
			true,
			Some(serial()),
		);

		let node = node::<T>(node_id)?;
		assert_eq!(node.farm_id, target);
		assert_eq!(node.resources, resources);
		assert_eq!(node.certification, NodeCertification::Diy);
		assert!(NodesByFarmID::<T>::get(target).contains(&node_id));
		assert!(!NodesByFarmID::<T>::get(farm_id).contains(&node_id));
		Ok(())
	}

	#[benchmark]
	fn set_node_certification() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, policy_id) = node_farm::<T>(&farmer)?;
		let owner: T::AccountId = account("node", 0, 0);
		let node_id = new_node::<T>(&owner, farm_id)?;
		limit_farm::<T>(farm_id, open_limits(policy_id));
		fill_certifiers::<T>(T::MaxNodeCertifiers::get())?;
		let certifier = certifiers::<T>().pop().ok_or(BenchmarkError::Stop("no node certifier"))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(certifier), node_id, NodeCertification::Certified);

		assert_eq!(node::<T>(node_id)?.certification, NodeCertification::Certified);
		assert_last_event::<T>(Event::NodeCertificationSet(node_id, NodeCertification::Certified));
		Ok(())
	}

	#[benchmark]
	fn report_uptime() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, _) = node_farm::<T>(&farmer)?;
		let caller: T::AccountId = whitelisted_caller();
		let node_id = new_node::<T>(&caller, farm_id)?;
		let uptime = 3_600;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), uptime);

		assert_last_event::<T>(Event::NodeUptimeReported(node_id, now::<T>(), uptime));
		Ok(())
	}

	#[benchmark]
	fn add_node_public_config() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let (farm_id, _) = node_farm::<T>(&caller)?;
		let owner: T::AccountId = account("node", 0, 0);
		let node_id = new_node::<T>(&owner, farm_id)?;
		let config = public_config();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), farm_id, node_id, Some(config.clone()));

		assert_eq!(node::<T>(node_id)?.public_config, Some(config.clone()));
		assert_last_event::<T>(Event::NodePublicConfigStored(node_id, Some(config)));
		Ok(())
	}

	#[benchmark]
	fn delete_node() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, policy_id) = node_farm::<T>(&farmer)?;
		let caller: T::AccountId = whitelisted_caller();
		let node_id = new_node::<T>(&caller, farm_id)?;
		fill_farm::<T>(farm_id, T::MaxNodesPerFarm::get(), policy_id);
		let twin_id = TwinIdByAccountID::<T>::get(&caller).unwrap_or_default();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), node_id);

		assert!(Nodes::<T>::get(node_id).is_none());
		assert_eq!(NodeIdByTwinID::<T>::get(twin_id), 0);
		let nodes = NodesByFarmID::<T>::get(farm_id);
		assert_eq!(nodes.len() as u32, T::MaxNodesPerFarm::get() - 1);
		assert!(!nodes.contains(&node_id));
		Ok(())
	}

	#[benchmark]
	fn create_entity() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let (public, target) = new_key::<T>()?;
		let name = padded("entity_", 0, MAX_ENTITY_NAME_LENGTH);
		let (country, city) = (country(), city());
		let message = [&name[..], &country[..], &city[..]].concat();
		let signature = sign(&public, &message)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), target.clone(), name.clone(), country, city, signature);

		let entity_id = EntityIdByAccountID::<T>::get(&target)
			.ok_or(BenchmarkError::Stop("entity not stored"))?;
		let entity =
			Entities::<T>::get(entity_id).ok_or(BenchmarkError::Stop("entity not stored"))?;
		assert_eq!(entity.name.to_vec(), name);
		assert_last_event::<T>(Event::EntityStored(entity));
		Ok(())
	}

	#[benchmark]
	fn update_entity() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let entity_id = insert_entity::<T>(caller.clone());
		let name = padded("renamed_", entity_id, MAX_ENTITY_NAME_LENGTH);
		let country: CountryName = bounded(pad(b"Netherlands", MAX_COUNTRY_NAME_LENGTH, b'y'));
		let city: CityName = bounded(pad(b"Amsterdam", MAX_CITY_NAME_LENGTH, b'y'));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), name.clone(), country, city);

		let entity =
			Entities::<T>::get(entity_id).ok_or(BenchmarkError::Stop("entity not stored"))?;
		assert_eq!(entity.name.to_vec(), name);
		assert_eq!(EntityIdByName::<T>::get(&entity.name), entity_id);
		assert_last_event::<T>(Event::EntityUpdated(entity));
		Ok(())
	}

	#[benchmark]
	fn delete_entity() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let entity_id = insert_entity::<T>(caller.clone());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(Entities::<T>::get(entity_id).is_none());
		assert!(EntityIdByAccountID::<T>::get(&caller).is_none());
		assert_last_event::<T>(Event::EntityDeleted(entity_id));
		Ok(())
	}

	#[benchmark]
	fn create_twin() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		accept_documents::<T>(&caller, MAX_TERMS_AND_CONDITIONS)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), Some(relay(b'a')), Some(twin_pk(b'a')));

		let twin_id =
			TwinIdByAccountID::<T>::get(&caller).ok_or(BenchmarkError::Stop("twin not stored"))?;
		let twin = twin::<T>(twin_id)?;
		assert_eq!(twin.relay, Some(relay(b'a')));
		assert_last_event::<T>(Event::TwinStored(twin));
		Ok(())
	}

	#[benchmark]
	fn update_twin() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let twin_id = new_twin::<T>(&caller)?;
		fill_twin_entities::<T>(twin_id, MAX_TWIN_ENTITIES);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), Some(relay(b'b')), Some(twin_pk(b'b')));

		let twin = twin::<T>(twin_id)?;
		assert_eq!(twin.relay, Some(relay(b'b')));
		assert_eq!(twin.pk, Some(twin_pk(b'b')));
		assert_last_event::<T>(Event::TwinUpdated(twin));
		Ok(())
	}

	#[benchmark]
	fn add_twin_entity() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let twin_id = new_twin::<T>(&caller)?;
		fill_twin_entities::<T>(twin_id, MAX_TWIN_ENTITIES - 1);
		let (public, entity_account) = new_key::<T>()?;
		let entity_id = insert_entity::<T>(entity_account);
		let message = [entity_id.to_be_bytes(), twin_id.to_be_bytes()].concat();
		let signature = sign(&public, &message)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), twin_id, entity_id, signature.clone());

		let twin = twin::<T>(twin_id)?;
		assert_eq!(twin.entities.len() as u32, MAX_TWIN_ENTITIES);
		assert!(twin.entities.iter().any(|proof| proof.entity_id == entity_id));
		assert_last_event::<T>(Event::TwinEntityStored(twin_id, entity_id, signature));
		Ok(())
	}

	#[benchmark]
	fn delete_twin_entity() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let twin_id = new_twin::<T>(&caller)?;
		fill_twin_entities::<T>(twin_id, MAX_TWIN_ENTITIES - 1);
		let entity_id = insert_entity::<T>(account("entity", 0, 0));
		push_proof::<T>(twin_id, entity_id);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), twin_id, entity_id);

		let twin = twin::<T>(twin_id)?;
		assert_eq!(twin.entities.len() as u32, MAX_TWIN_ENTITIES - 1);
		assert!(!twin.entities.iter().any(|proof| proof.entity_id == entity_id));
		assert_last_event::<T>(Event::TwinEntityRemoved(twin_id, entity_id));
		Ok(())
	}

	#[benchmark]
	fn create_pricing_policy() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let name = padded("pricing_policy_", 0, MAX_POLICY_NAME_LENGTH);
		let foundation: T::AccountId = account("foundation", 0, 0);
		let sales: T::AccountId = account("sales", 0, 0);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			name.clone(),
			price(1),
			price(2),
			price(3),
			price(4),
			price(5),
			price(6),
			foundation,
			sales,
			50,
		);

		let name: PolicyName = bounded(name);
		let id = PricingPolicyIdByName::<T>::get(&name);
		let policy =
			PricingPolicies::<T>::get(id).ok_or(BenchmarkError::Stop("policy not stored"))?;
		assert_eq!(policy.name, name);
		assert_last_event::<T>(Event::PricingPolicyStored(policy));
		Ok(())
	}

	#[benchmark]
	fn update_pricing_policy() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let foundation: T::AccountId = account("foundation", 0, 0);
		let sales: T::AccountId = account("sales", 0, 0);
		let old_name = padded("pricing_policy_", 0, MAX_POLICY_NAME_LENGTH);
		Pallet::<T>::create_pricing_policy(
			origin.clone(),
			old_name.clone(),
			price(1),
			price(2),
			price(3),
			price(4),
			price(5),
			price(6),
			foundation.clone(),
			sales.clone(),
			50,
		)?;
		let id = PricingPolicyID::<T>::get();
		let name = padded("renamed_pricing_policy_", id, MAX_POLICY_NAME_LENGTH);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			id,
			name.clone(),
			price(11),
			price(12),
			price(13),
			price(14),
			price(15),
			price(16),
			foundation,
			sales,
			60,
		);

		let name: PolicyName = bounded(name);
		let old_name: PolicyName = bounded(old_name);
		assert_eq!(PricingPolicyIdByName::<T>::get(&name), id);
		assert_eq!(PricingPolicyIdByName::<T>::get(&old_name), 0);
		let policy =
			PricingPolicies::<T>::get(id).ok_or(BenchmarkError::Stop("policy not stored"))?;
		assert_eq!(policy.name, name);
		assert_last_event::<T>(Event::PricingPolicyStored(policy));
		Ok(())
	}

	#[benchmark]
	fn create_farming_policy() -> Result<(), BenchmarkError> {
		fill_farming_policies::<T>(T::MaxFarmingPolicies::get() - 1)?;
		let origin = restricted::<T>()?;
		let name = padded("farming_policy_", T::MaxFarmingPolicies::get(), MAX_POLICY_NAME_LENGTH);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			name.clone(),
			10,
			20,
			30,
			40,
			95,
			0u32.into(),
			false,
			true,
			NodeCertification::Certified,
			FarmCertification::Gold,
		);

		let id = FarmingPolicyID::<T>::get();
		let policy = FarmingPoliciesMap::<T>::get(id);
		assert_eq!(policy.name.to_vec(), name);
		assert_last_event::<T>(Event::FarmingPolicyStored(policy));
		Ok(())
	}

	#[benchmark]
	fn user_accept_tc() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		accept_documents::<T>(&caller, MAX_TERMS_AND_CONDITIONS - 1)?;
		let link = document_link(MAX_TERMS_AND_CONDITIONS - 1);
		let hash = document_hash(MAX_TERMS_AND_CONDITIONS - 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), link.clone(), hash);

		let accepted = UsersTermsAndConditions::<T>::get(&caller).unwrap_or_default();
		assert_eq!(accepted.len() as u32, MAX_TERMS_AND_CONDITIONS);
		assert_eq!(accepted.last().map(|document| &document.document_link), Some(&link));
		Ok(())
	}

	#[benchmark]
	fn delete_node_farm() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let (farm_id, policy_id) = node_farm::<T>(&caller)?;
		let owner: T::AccountId = account("node", 0, 0);
		let node_id = new_node::<T>(&owner, farm_id)?;
		fill_farm::<T>(farm_id, T::MaxNodesPerFarm::get(), policy_id);
		let twin_id = TwinIdByAccountID::<T>::get(&owner).unwrap_or_default();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), node_id);

		assert!(Nodes::<T>::get(node_id).is_none());
		assert_eq!(NodeIdByTwinID::<T>::get(twin_id), 0);
		let nodes = NodesByFarmID::<T>::get(farm_id);
		assert_eq!(nodes.len() as u32, T::MaxNodesPerFarm::get() - 1);
		assert!(!nodes.contains(&node_id));
		Ok(())
	}

	#[benchmark]
	fn set_farm_dedicated() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		new_twin::<T>(&farmer)?;
		let farm_id = new_farm::<T>(&farmer, MAX_FARM_PUBLIC_IPS)?;
		let origin = restricted::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, farm_id, true);

		let farm = farm::<T>(farm_id)?;
		assert!(farm.dedicated_farm);
		assert_last_event::<T>(Event::FarmUpdated(farm));
		Ok(())
	}

	#[benchmark]
	fn force_reset_farm_ip() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		new_twin::<T>(&farmer)?;
		let farm_id = new_farm::<T>(&farmer, MAX_FARM_PUBLIC_IPS)?;
		// The last IP is held by a contract.
		Farms::<T>::mutate(farm_id, |farm| {
			if let Some(public_ip) = farm.as_mut().and_then(|f| f.public_ips.iter_mut().last()) {
				public_ip.contract_id = 1;
			}
		});
		let ip = public_ip(MAX_FARM_PUBLIC_IPS - 1).ip;
		let origin = restricted::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, farm_id, ip.clone());

		let farm = farm::<T>(farm_id)?;
		assert!(farm
			.public_ips
			.iter()
			.any(|public_ip| public_ip.ip == ip && public_ip.contract_id == 0));
		Ok(())
	}

	#[benchmark]
	fn set_connection_price() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let price = 800;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, price);

		assert_eq!(ConnectionPrice::<T>::get(), price);
		assert_last_event::<T>(Event::ConnectionPriceSet(price));
		Ok(())
	}

	#[benchmark]
	fn add_node_certifier() -> Result<(), BenchmarkError> {
		fill_certifiers::<T>(T::MaxNodeCertifiers::get() - 1)?;
		let origin = restricted::<T>()?;
		let certifier: T::AccountId = account("new_certifier", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, certifier.clone());

		assert!(certifiers::<T>().contains(&certifier));
		assert_last_event::<T>(Event::NodeCertifierAdded(certifier));
		Ok(())
	}

	#[benchmark]
	fn remove_node_certifier() -> Result<(), BenchmarkError> {
		fill_certifiers::<T>(T::MaxNodeCertifiers::get())?;
		let origin = restricted::<T>()?;
		// The first one: removing it shifts the whole list.
		let certifier =
			certifiers::<T>().first().cloned().ok_or(BenchmarkError::Stop("no certifier"))?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, certifier.clone());

		assert!(!certifiers::<T>().contains(&certifier));
		assert_last_event::<T>(Event::NodeCertifierRemoved(certifier));
		Ok(())
	}

	#[benchmark]
	fn update_farming_policy() -> Result<(), BenchmarkError> {
		let id = fill_farming_policies::<T>(T::MaxFarmingPolicies::get())?;
		let origin = restricted::<T>()?;
		let name = padded("renamed_farming_policy_", id, MAX_POLICY_NAME_LENGTH);

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			id,
			name.clone(),
			11,
			21,
			31,
			41,
			96,
			0u32.into(),
			true,
			NodeCertification::Certified,
			FarmCertification::Gold,
		);

		let policy = FarmingPoliciesMap::<T>::get(id);
		assert_eq!(policy.name.to_vec(), name);
		assert_last_event::<T>(Event::FarmingPolicyUpdated(policy));
		Ok(())
	}

	#[benchmark]
	fn attach_policy_to_farm(
		n: Linear<0, { T::MaxNodesPerFarm::get() }>,
	) -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, policy_id) = node_farm::<T>(&farmer)?;
		fill_farm::<T>(farm_id, n, policy_id);
		let limits = open_limits(policy_id);
		let origin = restricted::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, farm_id, Some(limits.clone()));

		// Every node took the limited policy and one node of the count.
		let left = farm::<T>(farm_id)?.farming_policy_limits;
		assert_eq!(left.as_ref().and_then(|left| left.node_count), Some(u32::MAX - n));
		let nodes = NodesByFarmID::<T>::get(farm_id);
		for node_id in nodes.iter() {
			assert_eq!(node::<T>(*node_id)?.farming_policy_id, limits.farming_policy_id);
		}
		assert_last_event::<T>(Event::FarmingPolicySet(farm_id, left));
		Ok(())
	}

	#[benchmark]
	fn set_zos_version() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let version = padded("v3.", 0, MAX_ZOS_VERSION_LENGTH);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, version.clone());

		assert_eq!(ZosVersion::<T>::get().to_vec(), version);
		assert_last_event::<T>(Event::ZosVersionUpdated(version));
		Ok(())
	}

	#[benchmark]
	fn change_power_state() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, _) = node_farm::<T>(&farmer)?;
		let caller: T::AccountId = whitelisted_caller();
		let node_id = new_node::<T>(&caller, farm_id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), Power::Down);

		assert!(NodePower::<T>::get(node_id).is_down());
		Ok(())
	}

	#[benchmark]
	fn change_power_target() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let (farm_id, _) = node_farm::<T>(&caller)?;
		let owner: T::AccountId = account("node", 0, 0);
		let node_id = new_node::<T>(&owner, farm_id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), node_id, Power::Down);

		assert!(NodePower::<T>::get(node_id).is_target_down());
		assert_last_event::<T>(Event::PowerTargetChanged {
			farm_id,
			node_id,
			power_target: Power::Down,
		});
		Ok(())
	}

	#[benchmark]
	fn bond_twin_account() -> Result<(), BenchmarkError> {
		let owner: T::AccountId = account("owner", 0, 0);
		let twin_id = new_twin::<T>(&owner)?;
		fill_twin_entities::<T>(twin_id, MAX_TWIN_ENTITIES);
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), twin_id);

		assert_eq!(TwinBoundedAccountID::<T>::get(twin_id), Some(caller.clone()));
		assert_last_event::<T>(Event::TwinAccountBounded(twin_id, caller));
		Ok(())
	}

	#[benchmark]
	fn report_uptime_v2() -> Result<(), BenchmarkError> {
		let farmer: T::AccountId = account("farmer", 0, 0);
		let (farm_id, _) = node_farm::<T>(&farmer)?;
		let caller: T::AccountId = whitelisted_caller();
		let node_id = new_node::<T>(&caller, farm_id)?;
		let uptime = 3_600;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), uptime, now::<T>());

		assert_last_event::<T>(Event::NodeUptimeReported(node_id, now::<T>(), uptime));
		Ok(())
	}

	#[benchmark]
	fn unbond_twin_account() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		let twin_id = new_twin::<T>(&caller)?;
		fill_twin_entities::<T>(twin_id, MAX_TWIN_ENTITIES);
		let savings: T::AccountId = account("savings", 0, 0);
		Pallet::<T>::bond_twin_account(RawOrigin::Signed(savings.clone()).into(), twin_id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller));

		assert!(TwinBoundedAccountID::<T>::get(twin_id).is_none());
		assert_last_event::<T>(Event::TwinAccountUnbounded(twin_id, savings));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
