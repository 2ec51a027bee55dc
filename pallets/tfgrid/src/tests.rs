//! Unit tests of the grid registry: TFChain's scenarios (terms and conditions, twins, entities,
//! farms and public IPs, nodes, certification, uptime, power, public configs, farming and pricing
//! policies, Zero-OS version, input rules) with our behaviour where it differs, and one test per
//! decision of `docs/tfgrid.md`.

use crate::{
	mock::*,
	pallet::*,
	types::{
		Entity, EntityName, EntityProof, FarmingPolicy, Policy, PolicyName, Relay,
		TermsAndConditions, Twin, TwinPk, Unit, TFGRID_ENTITY_VERSION,
		TFGRID_FARMING_POLICY_VERSION, TFGRID_FARM_VERSION, TFGRID_NODE_VERSION,
		TFGRID_PRICING_POLICY_VERSION,
	},
	Error, Event,
};
use codec::{Decode, Encode};
use frame::{
	deps::{
		frame_support::{assert_noop, assert_ok, dispatch::Pays},
		sp_core::{ed25519, Pair},
		sp_runtime::{traits::BadOrigin, AccountId32},
	},
	runtime::prelude::*,
};
use polkadot_sdk::sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use tfchain_primitives::{
	grid::{
		Farm, FarmCertification, FarmName, FarmingPolicyLimit, Interface, Interfaces, Location,
		Node, NodeCertification, Power, PowerState, PublicConfig, PublicIP, SerialNumber,
		UptimeReports, IP4, IP6, MAX_FARM_PUBLIC_IPS,
	},
	ip::PublicIpError,
	resources::Resources,
};

// ---- fixtures ----

const GIB: u64 = 1024 * 1024 * 1024;
/// Chain time (Unix seconds) at block 1.
const GENESIS_SECS: u64 = GENESIS_TIME_MS / 1_000;
/// End (Unix seconds) of the farm limits used below: later than the mock's clock.
const LIMITS_END: u64 = 1_654_058_949;
/// A valid Stellar account address.
const STELLAR_ADDRESS: &[u8] = b"GAK2NKVUXHXVCT6KCXLLN2AKUR2QWZ5AJIJSF3CJZHBBDCMGRMHK5HOG";
/// Another valid Stellar account address.
const OTHER_STELLAR_ADDRESS: &[u8] = b"GDHJP6TF3UXYXTNEZ2P36J5FH7W4BJJQ4AYYAXC66I2Q2AH5B6O6BCFG";

fn bv<S: Get<u32>>(bytes: &[u8]) -> BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("test input fits its bound")
}

fn numbered_account(seed: u8) -> AccountId32 {
	AccountId32::new([seed; 32])
}

fn assert_last(event: Event<Test>) {
	System::assert_last_event(event.into());
}

fn assert_has(event: Event<Test>) {
	System::assert_has_event(event.into());
}

fn accept_tc(who: &AccountId32) {
	assert_ok!(TfgridModule::user_accept_tc(
		RuntimeOrigin::signed(who.clone()),
		bv(b"garden.threefold.io/tc"),
		bv(b"some_hash"),
	));
}

fn relay() -> Relay {
	bv(b"relay.grid.tf")
}

fn pk() -> TwinPk {
	bv(b"0x6c8fd181adc178cea218e168e8549f0b0ff30627c879db9eac4318927e87c901")
}

/// Accepts the terms and conditions and creates `who`'s twin; returns the twin id.
fn prepare_twin(who: &AccountId32) -> u32 {
	accept_tc(who);
	assert_ok!(TfgridModule::create_twin(
		RuntimeOrigin::signed(who.clone()),
		Some(relay()),
		Some(pk())
	));
	TwinID::<Test>::get()
}

fn farm_name(name: &str) -> FarmName {
	bv(name.as_bytes())
}

fn ip4(ip: &[u8], gw: &[u8]) -> IP4 {
	IP4 { ip: bv(ip), gw: bv(gw) }
}

fn public_ip(ip: &[u8]) -> PublicIP {
	PublicIP { ip: bv(ip), gateway: bv(b"185.206.122.1"), contract_id: 0 }
}

fn farm_ips() -> BoundedVec<IP4, ConstU32<MAX_FARM_PUBLIC_IPS>> {
	BoundedVec::truncate_from(vec![
		ip4(b"185.206.122.33/24", b"185.206.122.1"),
		ip4(b"185.206.122.34/24", b"185.206.122.1"),
	])
}

/// Creates farm `name` with two public IPs, owned by `who`'s twin (created first if missing);
/// returns the farm id.
fn create_farm(who: &AccountId32, name: &str) -> u32 {
	if !TwinIdByAccountID::<Test>::contains_key(who) {
		prepare_twin(who);
	}
	assert_ok!(TfgridModule::create_farm(
		RuntimeOrigin::signed(who.clone()),
		farm_name(name),
		farm_ips()
	));
	FarmID::<Test>::get()
}

/// The test node: CU 6, SU 2.
fn node_resources() -> Resources {
	Resources { hru: 1024 * GIB, sru: 512 * GIB, cru: 8, mru: 16 * GIB }
}

fn location() -> Location {
	Location {
		city: bv(b"Ghent"),
		country: bv(b"Belgium"),
		latitude: bv(b"12.233213231"),
		longitude: bv(b"32.323112123"),
	}
}

fn interface(name: &[u8], mac: &[u8], ip: &[u8]) -> Interface {
	Interface { name: bv(name), mac: bv(mac), ips: BoundedVec::truncate_from(vec![bv(ip)]) }
}

fn interfaces() -> Interfaces {
	BoundedVec::truncate_from(vec![interface(b"zos", b"00:00:5e:00:53:af", b"10.2.3.3")])
}

fn serial() -> SerialNumber {
	bv(b"Default String")
}

fn create_node_with(
	who: &AccountId32,
	farm_id: u32,
	resources: Resources,
	location: Location,
	interfaces: Interfaces,
) -> DispatchResult {
	TfgridModule::create_node(
		RuntimeOrigin::signed(who.clone()),
		farm_id,
		resources,
		location,
		interfaces,
		true,
		true,
		Some(serial()),
	)
}

/// Registers `who` (twin created first if missing) as the test node in `farm_id`; returns the
/// node id.
fn create_node(who: &AccountId32, farm_id: u32) -> u32 {
	if !TwinIdByAccountID::<Test>::contains_key(who) {
		prepare_twin(who);
	}
	assert_ok!(create_node_with(who, farm_id, node_resources(), location(), interfaces()));
	NodeID::<Test>::get()
}

/// Alice's farm 1 (twin 1) holding Bob's node 1 (twin 2).
fn farm_with_node() -> (u32, u32) {
	let farm_id = create_farm(&alice(), "test_farm");
	let node_id = create_node(&bob(), farm_id);
	(farm_id, node_id)
}

fn update_node(
	who: &AccountId32,
	node_id: u32,
	farm_id: u32,
	resources: Resources,
) -> DispatchResultWithPostInfo {
	TfgridModule::update_node(
		RuntimeOrigin::signed(who.clone()),
		node_id,
		farm_id,
		resources,
		location(),
		interfaces(),
		true,
		true,
		Some(serial()),
	)
}

fn get_node(id: u32) -> Node {
	Nodes::<Test>::get(id).expect("node exists")
}

fn get_farm(id: u32) -> Farm {
	Farms::<Test>::get(id).expect("farm exists")
}

fn farm_nodes(farm_id: u32) -> Vec<u32> {
	NodesByFarmID::<Test>::get(farm_id).into_inner()
}

/// Marks farm IP `ip` as used by contract `contract_id`, as the contracts pallet would.
fn reserve_farm_ip(farm_id: u32, ip: &[u8], contract_id: u64) {
	Farms::<Test>::mutate(farm_id, |farm| {
		let farm = farm.as_mut().expect("farm exists");
		for public_ip in farm.public_ips.iter_mut() {
			if public_ip.ip.as_slice() == ip {
				public_ip.contract_id = contract_id;
			}
		}
	});
}

fn public_config() -> PublicConfig {
	PublicConfig {
		ip4: ip4(b"185.206.122.33/24", b"185.206.122.1"),
		ip6: Some(IP6 { ip: bv(b"2a10:b600:1::0cc4:7a30:65b5/64"), gw: bv(b"2a10:b600:1::1") }),
		domain: Some(bv(b"some-domain")),
	}
}

fn entity_message(name: &[u8], country: &[u8], city: &[u8]) -> Vec<u8> {
	[name, country, city].concat()
}

fn twin_entity_message(entity_id: u32, twin_id: u32) -> Vec<u8> {
	[entity_id.to_be_bytes(), twin_id.to_be_bytes()].concat()
}

fn sign_sr(key: Sr25519Keyring, message: &[u8]) -> Vec<u8> {
	hex(&key.sign(message).0)
}

fn sign_ed(key: Ed25519Keyring, message: &[u8]) -> Vec<u8> {
	hex(&key.sign(message).0)
}

/// Creates entity `name` in Ghent, Belgium for `key`'s sr25519 account; Ferdie submits it (anyone
/// may). Returns the entity id.
fn create_entity_sr(key: Sr25519Keyring, name: &[u8]) -> u32 {
	let signature = sign_sr(key, &entity_message(name, b"Belgium", b"Ghent"));
	assert_ok!(TfgridModule::create_entity(
		RuntimeOrigin::signed(ferdie()),
		key.to_account_id(),
		name.to_vec(),
		bv(b"Belgium"),
		bv(b"Ghent"),
		signature,
	));
	EntityID::<Test>::get()
}

fn expected_entity(
	id: u32,
	name: &[u8],
	account_id: AccountId32,
	city: &[u8],
) -> Entity<AccountId32> {
	Entity {
		version: TFGRID_ENTITY_VERSION,
		id,
		name: bv(name),
		account_id,
		country: bv(b"Belgium"),
		city: bv(city),
	}
}

/// An entity for an ed25519 key made from `seed`, created by Alice; returns the key and the
/// entity id.
fn create_ed25519_entity(seed: u8) -> (ed25519::Pair, u32) {
	let pair = ed25519::Pair::from_seed(&[seed; 32]);
	let name = format!("entity_{seed}").into_bytes();
	let signature = hex(&pair.sign(&entity_message(&name, b"Belgium", b"Ghent")).0);
	assert_ok!(TfgridModule::create_entity(
		RuntimeOrigin::signed(alice()),
		AccountId32::new(pair.public().0),
		name,
		bv(b"Belgium"),
		bv(b"Ghent"),
		signature,
	));
	(pair, EntityID::<Test>::get())
}

/// Creates a mutable farming policy with TFChain's test values; returns its id.
fn create_farming_policy(
	default: bool,
	node_certification: NodeCertification,
	farm_certification: FarmCertification,
	policy_end: u64,
) -> u32 {
	assert_ok!(TfgridModule::create_farming_policy(
		RuntimeOrigin::root(),
		b"custom_policy".to_vec(),
		12,
		15,
		10,
		8,
		95,
		policy_end,
		false,
		default,
		node_certification,
		farm_certification,
	));
	FarmingPolicyID::<Test>::get()
}

/// Creates a mutable, non-default farming policy for DIY nodes in any farm; returns its id.
fn custom_policy(policy_end: u64) -> u32 {
	let (diy, plain) = (NodeCertification::Diy, FarmCertification::NotCertified);
	create_farming_policy(false, diy, plain, policy_end)
}

fn farm_limits(
	farming_policy_id: u32,
	cu: Option<u64>,
	su: Option<u64>,
	node_count: Option<u32>,
) -> FarmingPolicyLimit {
	FarmingPolicyLimit {
		farming_policy_id,
		cu,
		su,
		end: Some(LIMITS_END),
		node_count,
		node_certification: false,
	}
}

fn attach(farm_id: u32, limits: Option<FarmingPolicyLimit>) {
	assert_ok!(TfgridModule::attach_policy_to_farm(RuntimeOrigin::root(), farm_id, limits));
}

fn certify(node_id: u32, certification: NodeCertification) {
	assert_ok!(TfgridModule::set_node_certification(RuntimeOrigin::root(), node_id, certification));
}

fn policy_of(node_id: u32) -> FarmingPolicy<u64> {
	FarmingPoliciesMap::<Test>::get(get_node(node_id).farming_policy_id)
}

fn price(value: u32) -> Policy {
	Policy { value, unit: Unit::Gigabytes }
}

fn create_pricing_policy(name: &[u8]) -> DispatchResult {
	TfgridModule::create_pricing_policy(
		RuntimeOrigin::root(),
		name.to_vec(),
		price(150_000),
		price(300_000),
		price(1_000),
		price(50_000),
		price(10_000),
		price(20_000),
		bob(),
		bob(),
		50,
	)
}

fn update_pricing_policy(id: u32, name: &[u8], nu: u32) -> DispatchResult {
	TfgridModule::update_pricing_policy(
		RuntimeOrigin::root(),
		id,
		name.to_vec(),
		price(150_000),
		price(300_000),
		price(nu),
		price(50_000),
		price(10_000),
		price(20_000),
		bob(),
		bob(),
		50,
	)
}

// ---- genesis ----

#[test]
fn genesis_matches_tfchain_dev_genesis() {
	test(|| {
		let name: PolicyName = bv(b"threefold_default_pricing_policy");
		assert_eq!(PricingPolicyID::<Test>::get(), 1);
		// Decision 1: the genesis policy is indexed by name.
		assert_eq!(PricingPolicyIdByName::<Test>::get(&name), 1);
		let pricing = PricingPolicies::<Test>::get(1).unwrap();
		assert_eq!(pricing.id, 1);
		assert_eq!(pricing.name, name);
		assert_eq!(pricing.su, price(50_000));
		assert_eq!(pricing.nu, price(15_000));
		assert_eq!(pricing.cu, price(100_000));
		assert_eq!(pricing.ipu, price(40_000));
		assert_eq!(pricing.unique_name, price(2_500));
		assert_eq!(pricing.domain_name, price(5_000));
		assert_eq!(pricing.foundation_account, eve());
		assert_eq!(pricing.certified_sales_account, ferdie());
		assert_eq!(pricing.discount_for_dedication_nodes, 50);

		assert_eq!(FarmingPolicyID::<Test>::get(), 2);
		let diy = FarmingPoliciesMap::<Test>::get(1);
		assert_eq!((diy.id, diy.cu, diy.su, diy.nu, diy.ipv4), (1, 2_400, 1_000, 30, 5));
		assert_eq!((diy.minimal_uptime, diy.policy_end), (95, 0));
		assert!(diy.default && !diy.immutable);
		assert_eq!(diy.node_certification, NodeCertification::Diy);
		assert_eq!(diy.farm_certification, FarmCertification::NotCertified);
		let certified = FarmingPoliciesMap::<Test>::get(2);
		assert_eq!(
			(certified.id, certified.cu, certified.su, certified.nu, certified.ipv4),
			(2, 3_000, 1_250, 38, 6)
		);
		assert_eq!((certified.minimal_uptime, certified.policy_end), (95, 0));
		assert!(certified.default && !certified.immutable);
		assert_eq!(certified.node_certification, NodeCertification::Certified);
		assert_eq!(certified.farm_certification, FarmCertification::NotCertified);

		assert_eq!(ConnectionPrice::<Test>::get(), 80);
		assert!(AllowedNodeCertifiers::<Test>::get().unwrap_or_default().is_empty());
		assert_eq!(FarmID::<Test>::get(), 0);
		assert_eq!(NodeID::<Test>::get(), 0);
		assert_eq!(TwinID::<Test>::get(), 0);
		assert_eq!(now_secs(), GENESIS_SECS);
	});
}

// ---- terms and conditions ----

#[test]
fn user_accept_tc_stores_the_document() {
	test(|| {
		accept_tc(&alice());
		assert_eq!(
			UsersTermsAndConditions::<Test>::get(alice()).unwrap().into_inner(),
			vec![TermsAndConditions {
				account_id: alice(),
				timestamp: GENESIS_SECS,
				document_link: bv(b"garden.threefold.io/tc"),
				document_hash: bv(b"some_hash"),
			}]
		);
	});
}

#[test]
fn user_accept_tc_dedupes_and_is_bounded() {
	test(|| {
		// Decision 9: the same document twice is stored once.
		accept_tc(&alice());
		accept_tc(&alice());
		assert_eq!(UsersTermsAndConditions::<Test>::get(alice()).unwrap().len(), 1);

		for i in 1..32 {
			assert_ok!(TfgridModule::user_accept_tc(
				RuntimeOrigin::signed(alice()),
				bv(b"garden.threefold.io/tc"),
				bv(format!("hash_{i}").as_bytes()),
			));
		}
		assert_eq!(UsersTermsAndConditions::<Test>::get(alice()).unwrap().len(), 32);

		// A known document is still fine; a 33rd distinct one is not.
		accept_tc(&alice());
		assert_noop!(
			TfgridModule::user_accept_tc(
				RuntimeOrigin::signed(alice()),
				bv(b"garden.threefold.io/tc"),
				bv(b"hash_32"),
			),
			Error::<Test>::TooManyTermsAndConditions
		);
	});
}

#[test]
fn test_validate_document_link_input_works() {
	test(|| {
		let accept = |link: &[u8], hash: &[u8]| {
			TfgridModule::user_accept_tc(RuntimeOrigin::signed(alice()), bv(link), bv(hash))
		};
		assert_noop!(accept(b"", b"some_hash"), Error::<Test>::DocumentLinkInputTooShort);
		assert_noop!(
			accept(b"garden threefold io", b"some_hash"),
			Error::<Test>::InvalidDocumentLinkInput
		);
		assert_noop!(
			accept(b"garden.threefold.io/tc\"", b"some_hash"),
			Error::<Test>::InvalidDocumentLinkInput
		);
		assert_noop!(
			accept(b"garden.threefold.io/tc", b""),
			Error::<Test>::DocumentHashInputTooShort
		);
		assert_noop!(
			accept(b"garden.threefold.io/tc", b"some.hash"),
			Error::<Test>::InvalidDocumentHashInput
		);
		assert_ok!(accept(
			b"https://library.threefold.me/info/legal/#/legal__terms_conditions_griduser?v=1&x=[2]",
			b"Qm_Xy-Z12"
		));
	});
}

#[test]
fn create_twin_without_terms_and_conditions_fails() {
	test(|| {
		assert_noop!(
			TfgridModule::create_twin(RuntimeOrigin::signed(alice()), Some(relay()), None),
			Error::<Test>::UserDidNotSignTermsAndConditions
		);
	});
}

// ---- twins ----

#[test]
fn test_create_twin_works() {
	test(|| {
		assert_eq!(prepare_twin(&alice()), 1);
		let twin = Twin {
			id: 1,
			account_id: alice(),
			relay: Some(relay()),
			entities: BoundedVec::new(),
			pk: Some(pk()),
		};
		assert_eq!(Twins::<Test>::get(1), Some(twin.clone()));
		assert_eq!(TwinIdByAccountID::<Test>::get(alice()), Some(1));
		assert_last(Event::TwinStored(twin));

		assert_eq!(prepare_twin(&bob()), 2);
		assert_eq!(TwinIdByAccountID::<Test>::get(bob()), Some(2));
	});
}

#[test]
fn test_create_twin_double_fails() {
	test(|| {
		prepare_twin(&alice());
		assert_noop!(
			TfgridModule::create_twin(RuntimeOrigin::signed(alice()), Some(relay()), Some(pk())),
			Error::<Test>::TwinWithPubkeyExists
		);
	});
}

#[test]
fn test_update_twin_works() {
	test(|| {
		prepare_twin(&alice());
		let new_relay: Relay = bv(b"relay.dev.grid.tf");
		assert_ok!(TfgridModule::update_twin(
			RuntimeOrigin::signed(alice()),
			Some(new_relay.clone()),
			None
		));
		let twin = Twin {
			id: 1,
			account_id: alice(),
			relay: Some(new_relay),
			entities: BoundedVec::new(),
			pk: None,
		};
		assert_eq!(Twins::<Test>::get(1), Some(twin.clone()));
		assert_last(Event::TwinUpdated(twin));
	});
}

#[test]
fn test_update_twin_fails_if_signed_by_someone_else() {
	test(|| {
		prepare_twin(&alice());
		assert_noop!(
			TfgridModule::update_twin(RuntimeOrigin::signed(bob()), Some(relay()), Some(pk())),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn relay_with_single_dots_is_valid() {
	test(|| {
		// Decision 5: a dot at index 1 is fine (TFChain rejected `a.b`).
		accept_tc(&alice());
		let short: Relay = bv(b"a.b");
		assert_ok!(TfgridModule::create_twin(
			RuntimeOrigin::signed(alice()),
			Some(short.clone()),
			None
		));
		assert_eq!(Twins::<Test>::get(1).unwrap().relay, Some(short));
		for valid in [&b"relay.grid.tf"[..], b"r_1-x.io", b"A.b.c", b"localhost"] {
			assert_ok!(TfgridModule::update_twin(
				RuntimeOrigin::signed(alice()),
				Some(bv(valid)),
				None
			));
		}
		assert_ok!(TfgridModule::update_twin(RuntimeOrigin::signed(alice()), None, None));
		assert_eq!(Twins::<Test>::get(1).unwrap().relay, None);
	});
}

#[test]
fn create_twin_with_invalid_relay_fails() {
	test(|| {
		accept_tc(&alice());
		for invalid in
			[&b""[..], b".relay.io", b"relay.io.", b"relay..io", b"relay io", b"relay/io", b"."]
		{
			assert_noop!(
				TfgridModule::create_twin(RuntimeOrigin::signed(alice()), Some(bv(invalid)), None),
				Error::<Test>::InvalidRelayAddress
			);
		}
	});
}

#[test]
fn test_add_entity_to_twin() {
	test(|| {
		let entity_id = create_entity_sr(Sr25519Keyring::Bob, b"foobar");
		let twin_id = prepare_twin(&alice());
		let signature = sign_sr(Sr25519Keyring::Bob, &twin_entity_message(entity_id, twin_id));

		assert_ok!(TfgridModule::add_twin_entity(
			RuntimeOrigin::signed(alice()),
			twin_id,
			entity_id,
			signature.clone()
		));
		assert_eq!(
			Twins::<Test>::get(twin_id).unwrap().entities.into_inner(),
			vec![EntityProof { entity_id, signature: bv(&signature) }]
		);
		assert_last(Event::TwinEntityStored(twin_id, entity_id, signature));

		assert_ok!(TfgridModule::delete_twin_entity(
			RuntimeOrigin::signed(alice()),
			twin_id,
			entity_id
		));
		assert!(Twins::<Test>::get(twin_id).unwrap().entities.is_empty());
		assert_last(Event::TwinEntityRemoved(twin_id, entity_id));
		assert_noop!(
			TfgridModule::delete_twin_entity(RuntimeOrigin::signed(alice()), twin_id, entity_id),
			Error::<Test>::EntityNotExists
		);
	});
}

#[test]
fn test_add_entity_to_twin_fails_with_invalid_signature() {
	test(|| {
		let entity_id = create_entity_sr(Sr25519Keyring::Bob, b"foobar");
		let twin_id = prepare_twin(&alice());
		// Signed for another twin.
		let other_twin = sign_sr(Sr25519Keyring::Bob, &twin_entity_message(entity_id, 2));
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				other_twin
			),
			Error::<Test>::EntitySignatureDoesNotMatch
		);
		// Signed by someone else than the entity.
		let other_key = sign_sr(Sr25519Keyring::Charlie, &twin_entity_message(entity_id, twin_id));
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				other_key
			),
			Error::<Test>::EntitySignatureDoesNotMatch
		);
	});
}

#[test]
fn test_add_entity_to_twin_fails_if_entity_is_added_twice() {
	test(|| {
		let entity_id = create_entity_sr(Sr25519Keyring::Bob, b"foobar");
		let twin_id = prepare_twin(&alice());
		let signature = sign_sr(Sr25519Keyring::Bob, &twin_entity_message(entity_id, twin_id));
		assert_ok!(TfgridModule::add_twin_entity(
			RuntimeOrigin::signed(alice()),
			twin_id,
			entity_id,
			signature.clone()
		));
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				signature
			),
			Error::<Test>::EntityWithSignatureAlreadyExists
		);
	});
}

#[test]
fn add_twin_entity_checks_entity_twin_and_owner() {
	test(|| {
		let entity_id = create_entity_sr(Sr25519Keyring::Bob, b"foobar");
		let twin_id = prepare_twin(&alice());
		prepare_twin(&charlie());
		let signature = sign_sr(Sr25519Keyring::Bob, &twin_entity_message(entity_id, twin_id));
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				9,
				signature.clone()
			),
			Error::<Test>::EntityNotExists
		);
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				9,
				entity_id,
				signature.clone()
			),
			Error::<Test>::TwinNotExists
		);
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(charlie()),
				twin_id,
				entity_id,
				signature
			),
			Error::<Test>::UnauthorizedToUpdateTwin
		);
	});
}

#[test]
fn add_twin_entity_with_malformed_signature_fails() {
	test(|| {
		// Decision 7: a named error, never a panic.
		let entity_id = create_entity_sr(Sr25519Keyring::Bob, b"foobar");
		let twin_id = prepare_twin(&alice());
		let add = |signature: Vec<u8>| {
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				signature,
			)
		};
		assert_noop!(add(Vec::new()), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(add(vec![b'a'; 127]), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(add(vec![b'a'; 129]), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(add(vec![b'z'; 128]), Error::<Test>::EntitySignatureDoesNotMatch);
		assert_noop!(add(vec![b'0'; 128]), Error::<Test>::EntitySignatureDoesNotMatch);
	});
}

#[test]
fn twin_holds_at_most_32_entity_proofs() {
	test(|| {
		let twin_id = prepare_twin(&alice());
		for seed in 1..=32u8 {
			let (pair, entity_id) = create_ed25519_entity(seed);
			let signature = hex(&pair.sign(&twin_entity_message(entity_id, twin_id)).0);
			assert_ok!(TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				signature
			));
		}
		assert_eq!(Twins::<Test>::get(twin_id).unwrap().entities.len(), 32);

		let (pair, entity_id) = create_ed25519_entity(33);
		let signature = hex(&pair.sign(&twin_entity_message(entity_id, twin_id)).0);
		assert_noop!(
			TfgridModule::add_twin_entity(
				RuntimeOrigin::signed(alice()),
				twin_id,
				entity_id,
				signature
			),
			Error::<Test>::TooManyTwinEntities
		);
	});
}

#[test]
fn test_bound_twin_account_works() {
	test(|| {
		let twin_id = prepare_twin(&alice());
		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(bob()), twin_id));
		assert_eq!(TwinBoundedAccountID::<Test>::get(twin_id), Some(bob()));
		assert_last(Event::TwinAccountBounded(twin_id, bob()));
	});
}

#[test]
fn test_bound_twin_account_not_exists_fails() {
	test(|| {
		assert_noop!(
			TfgridModule::bond_twin_account(RuntimeOrigin::signed(bob()), 1),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn test_bound_twin_account_itself_fails() {
	test(|| {
		let twin_id = prepare_twin(&alice());
		assert_noop!(
			TfgridModule::bond_twin_account(RuntimeOrigin::signed(alice()), twin_id),
			Error::<Test>::TwinCannotBoundToItself
		);
	});
}

#[test]
fn bond_twin_account_keeps_the_bonded_account_until_unbonded() {
	test(|| {
		// Decision 8.
		let twin_id = prepare_twin(&alice());
		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(bob()), twin_id));
		// The same account again is fine and emits again.
		System::reset_events();
		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(bob()), twin_id));
		assert_last(Event::TwinAccountBounded(twin_id, bob()));
		// Another account may not take the bond over.
		assert_noop!(
			TfgridModule::bond_twin_account(RuntimeOrigin::signed(charlie()), twin_id),
			Error::<Test>::TwinAlreadyBonded
		);

		assert_ok!(TfgridModule::unbond_twin_account(RuntimeOrigin::signed(alice())));
		assert_eq!(TwinBoundedAccountID::<Test>::get(twin_id), None);
		assert_last(Event::TwinAccountUnbounded(twin_id, bob()));

		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(charlie()), twin_id));
		assert_eq!(TwinBoundedAccountID::<Test>::get(twin_id), Some(charlie()));
	});
}

#[test]
fn unbond_twin_account_fails_without_twin_or_bond() {
	test(|| {
		assert_noop!(
			TfgridModule::unbond_twin_account(RuntimeOrigin::signed(alice())),
			Error::<Test>::TwinNotExists
		);
		let twin_id = prepare_twin(&alice());
		assert_noop!(
			TfgridModule::unbond_twin_account(RuntimeOrigin::signed(alice())),
			Error::<Test>::TwinNotBonded
		);
		// Only the twin's own account unbonds: the bonded account has no twin.
		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(bob()), twin_id));
		assert_noop!(
			TfgridModule::unbond_twin_account(RuntimeOrigin::signed(bob())),
			Error::<Test>::TwinNotExists
		);
	});
}

// ---- entities ----

#[test]
fn test_create_entity_works() {
	test(|| {
		let target = Ed25519Keyring::Alice.to_account_id();
		let signature =
			sign_ed(Ed25519Keyring::Alice, &entity_message(b"foobar", b"Belgium", b"Ghent"));
		assert_ok!(TfgridModule::create_entity(
			RuntimeOrigin::signed(alice()),
			target.clone(),
			b"foobar".to_vec(),
			bv(b"Belgium"),
			bv(b"Ghent"),
			signature,
		));
		let entity = expected_entity(1, b"foobar", target.clone(), b"Ghent");
		let name: EntityName = bv(b"foobar");
		assert_eq!(Entities::<Test>::get(1), Some(entity.clone()));
		assert_eq!(EntityIdByName::<Test>::get(&name), 1);
		assert_eq!(EntityIdByAccountID::<Test>::get(&target), Some(1));
		assert_eq!(EntityID::<Test>::get(), 1);
		assert_last(Event::EntityStored(entity));
	});
}

#[test]
fn test_create_entity_sr_works() {
	test(|| {
		assert_eq!(create_entity_sr(Sr25519Keyring::Alice, b"foobar"), 1);
		let entity = expected_entity(1, b"foobar", alice(), b"Ghent");
		assert_eq!(Entities::<Test>::get(1), Some(entity.clone()));
		assert_eq!(EntityIdByAccountID::<Test>::get(alice()), Some(1));
		assert_last(Event::EntityStored(entity));
	});
}

#[test]
fn test_update_entity_works() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		assert_ok!(TfgridModule::update_entity(
			RuntimeOrigin::signed(alice()),
			b"barfoo".to_vec(),
			bv(b"Belgium"),
			bv(b"Brussels"),
		));
		let entity = expected_entity(1, b"barfoo", alice(), b"Brussels");
		assert_eq!(Entities::<Test>::get(1), Some(entity.clone()));
		let (old, new): (EntityName, EntityName) = (bv(b"foobar"), bv(b"barfoo"));
		assert_eq!(EntityIdByName::<Test>::get(&old), 0);
		assert_eq!(EntityIdByName::<Test>::get(&new), 1);
		assert_last(Event::EntityUpdated(entity));
	});
}

#[test]
fn update_entity_keeping_its_own_name_works() {
	test(|| {
		// Decision 6.
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		assert_ok!(TfgridModule::update_entity(
			RuntimeOrigin::signed(alice()),
			b"foobar".to_vec(),
			bv(b"Belgium"),
			bv(b"Brussels"),
		));
		let entity = expected_entity(1, b"foobar", alice(), b"Brussels");
		let name: EntityName = bv(b"foobar");
		assert_eq!(Entities::<Test>::get(1), Some(entity.clone()));
		assert_eq!(EntityIdByName::<Test>::get(&name), 1);
		assert_last(Event::EntityUpdated(entity));
	});
}

#[test]
fn update_entity_to_another_entitys_name_fails() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		create_entity_sr(Sr25519Keyring::Bob, b"barfoo");
		assert_noop!(
			TfgridModule::update_entity(
				RuntimeOrigin::signed(alice()),
				b"barfoo".to_vec(),
				bv(b"Belgium"),
				bv(b"Ghent"),
			),
			Error::<Test>::EntityWithNameExists
		);
	});
}

#[test]
fn test_update_entity_fails_if_signed_by_someone_else() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		assert_noop!(
			TfgridModule::update_entity(
				RuntimeOrigin::signed(bob()),
				b"barfoo".to_vec(),
				bv(b"Belgium"),
				bv(b"Ghent"),
			),
			Error::<Test>::EntityNotExists
		);
	});
}

#[test]
fn test_create_entity_double_fails() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		let signature =
			sign_sr(Sr25519Keyring::Bob, &entity_message(b"foobar", b"Belgium", b"Ghent"));
		assert_noop!(
			TfgridModule::create_entity(
				RuntimeOrigin::signed(bob()),
				bob(),
				b"foobar".to_vec(),
				bv(b"Belgium"),
				bv(b"Ghent"),
				signature,
			),
			Error::<Test>::EntityWithNameExists
		);
	});
}

#[test]
fn test_create_entity_double_fails_with_same_pubkey() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		let signature =
			sign_sr(Sr25519Keyring::Alice, &entity_message(b"barfoo", b"Belgium", b"Ghent"));
		assert_noop!(
			TfgridModule::create_entity(
				RuntimeOrigin::signed(alice()),
				alice(),
				b"barfoo".to_vec(),
				bv(b"Belgium"),
				bv(b"Ghent"),
				signature,
			),
			Error::<Test>::EntityWithPubkeyExists
		);
	});
}

#[test]
fn test_delete_entity_works() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		assert_ok!(TfgridModule::delete_entity(RuntimeOrigin::signed(alice())));
		let name: EntityName = bv(b"foobar");
		assert_eq!(Entities::<Test>::get(1), None);
		assert_eq!(EntityIdByName::<Test>::get(&name), 0);
		assert_eq!(EntityIdByAccountID::<Test>::get(alice()), None);
		assert_last(Event::EntityDeleted(1));
		// The name and the account are free again.
		assert_eq!(create_entity_sr(Sr25519Keyring::Alice, b"foobar"), 2);
	});
}

#[test]
fn test_delete_entity_fails_if_signed_by_someone_else() {
	test(|| {
		create_entity_sr(Sr25519Keyring::Alice, b"foobar");
		assert_noop!(
			TfgridModule::delete_entity(RuntimeOrigin::signed(bob())),
			Error::<Test>::EntityNotExists
		);
	});
}

#[test]
fn create_entity_with_malformed_signature_fails() {
	test(|| {
		// Decision 7: a named error, never a panic.
		let create = |signature: Vec<u8>| {
			TfgridModule::create_entity(
				RuntimeOrigin::signed(alice()),
				alice(),
				b"foobar".to_vec(),
				bv(b"Belgium"),
				bv(b"Ghent"),
				signature,
			)
		};
		assert_noop!(create(Vec::new()), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(create(vec![b'a'; 127]), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(create(vec![b'a'; 130]), Error::<Test>::SignatureLengthIsIncorrect);
		assert_noop!(create(vec![b'g'; 128]), Error::<Test>::EntitySignatureDoesNotMatch);
		// Well formed, but by another key or over another message.
		let message = entity_message(b"foobar", b"Belgium", b"Ghent");
		assert_noop!(
			create(sign_sr(Sr25519Keyring::Bob, &message)),
			Error::<Test>::EntitySignatureDoesNotMatch
		);
		let other_city = entity_message(b"foobar", b"Belgium", b"Brussels");
		assert_noop!(
			create(sign_sr(Sr25519Keyring::Alice, &other_city)),
			Error::<Test>::EntitySignatureDoesNotMatch
		);
	});
}

#[test]
fn create_entity_checks_name_country_and_city() {
	test(|| {
		let create = |name: &[u8], country: &[u8], city: &[u8]| {
			let signature = sign_sr(Sr25519Keyring::Alice, &entity_message(name, country, city));
			TfgridModule::create_entity(
				RuntimeOrigin::signed(alice()),
				alice(),
				name.to_vec(),
				bv(country),
				bv(city),
				signature,
			)
		};
		assert_noop!(create(&[b'n'; 129], b"Belgium", b"Ghent"), Error::<Test>::EntityNameTooLong);
		assert_noop!(create(b"foobar", b"B", b"Ghent"), Error::<Test>::CountryNameTooShort);
		assert_noop!(create(b"foobar", b"Belgium", b""), Error::<Test>::CityNameTooShort);
		assert_ok!(create(&[b'n'; 128], b"BE", b"Y"));
	});
}

// ---- farms and public IPs ----

#[test]
fn test_create_farm_works() {
	test(|| {
		prepare_twin(&alice());
		assert_eq!(create_farm(&alice(), "test_farm"), 1);
		let farm = Farm {
			version: TFGRID_FARM_VERSION,
			id: 1,
			name: farm_name("test_farm"),
			twin_id: 1,
			pricing_policy_id: 1,
			certification: FarmCertification::NotCertified,
			public_ips: BoundedVec::truncate_from(vec![
				public_ip(b"185.206.122.33/24"),
				public_ip(b"185.206.122.34/24"),
			]),
			dedicated_farm: false,
			farming_policy_limits: None,
		};
		assert_eq!(Farms::<Test>::get(1), Some(farm.clone()));
		assert_eq!(FarmIdByName::<Test>::get(farm_name("test_farm")), 1);
		assert_eq!(FarmID::<Test>::get(), 1);
		assert_last(Event::FarmStored(farm));

		// A twin may own several farms, with or without IPs.
		assert_ok!(TfgridModule::create_farm(
			RuntimeOrigin::signed(alice()),
			farm_name("second-farm"),
			BoundedVec::new()
		));
		assert_eq!(get_farm(2).twin_id, 1);
		assert!(get_farm(2).public_ips.is_empty());
	});
}

#[test]
fn create_farm_without_twin_fails() {
	test(|| {
		assert_noop!(
			TfgridModule::create_farm(
				RuntimeOrigin::signed(alice()),
				farm_name("test_farm"),
				farm_ips()
			),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn test_create_farm_invalid_name_fails() {
	test(|| {
		prepare_twin(&alice());
		let create = |name: &str| {
			TfgridModule::create_farm(
				RuntimeOrigin::signed(alice()),
				farm_name(name),
				BoundedVec::new(),
			)
		};
		assert_noop!(create("test.farm"), Error::<Test>::InvalidFarmName);
		assert_noop!(create("test farm"), Error::<Test>::InvalidFarmName);
		assert_noop!(create(""), Error::<Test>::FarmNameTooShort);
		assert_noop!(create("12"), Error::<Test>::FarmNameTooShort);
		assert_ok!(create("a-Z_9"));
	});
}

#[test]
fn test_create_farm_with_same_name_fails() {
	test(|| {
		create_farm(&alice(), "test_farm");
		for who in [alice(), bob()] {
			if !TwinIdByAccountID::<Test>::contains_key(&who) {
				prepare_twin(&who);
			}
			assert_noop!(
				TfgridModule::create_farm(
					RuntimeOrigin::signed(who),
					farm_name("test_farm"),
					BoundedVec::new()
				),
				Error::<Test>::FarmExists
			);
		}
	});
}

#[test]
fn test_update_farm_name_works() {
	test(|| {
		create_farm(&alice(), "test_farm");
		let farm_id = create_farm(&bob(), "bob_farm");
		assert_ok!(TfgridModule::update_farm(
			RuntimeOrigin::signed(bob()),
			farm_id,
			farm_name("bob_updated_farm")
		));
		let farm = get_farm(farm_id);
		assert_eq!(farm.name, farm_name("bob_updated_farm"));
		assert_eq!(FarmIdByName::<Test>::get(farm_name("bob_farm")), 0);
		assert_eq!(FarmIdByName::<Test>::get(farm_name("bob_updated_farm")), farm_id);
		assert_last(Event::FarmUpdated(farm));
	});
}

#[test]
fn update_farm_to_its_own_name_changes_nothing() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let before = events().len();
		assert_ok!(TfgridModule::update_farm(
			RuntimeOrigin::signed(alice()),
			farm_id,
			farm_name("test_farm")
		));
		assert_eq!(events().len(), before);
		assert_eq!(FarmIdByName::<Test>::get(farm_name("test_farm")), farm_id);
	});
}

#[test]
fn test_update_farm_name_unauthorized_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		assert_noop!(
			TfgridModule::update_farm(RuntimeOrigin::signed(bob()), farm_id, farm_name("bob_farm")),
			Error::<Test>::CannotUpdateFarmWrongTwin
		);
		assert_noop!(
			TfgridModule::update_farm(RuntimeOrigin::signed(alice()), 9, farm_name("bob_farm")),
			Error::<Test>::FarmNotExists
		);
	});
}

#[test]
fn test_update_farm_name_existing_name_fails() {
	test(|| {
		create_farm(&alice(), "alice_farm");
		let farm_id = create_farm(&bob(), "bob_farm");
		assert_noop!(
			TfgridModule::update_farm(
				RuntimeOrigin::signed(bob()),
				farm_id,
				farm_name("alice_farm")
			),
			Error::<Test>::InvalidFarmName
		);
	});
}

#[test]
fn test_create_farm_duplicate_ip_fails() {
	test(|| {
		prepare_twin(&alice());
		let ips = BoundedVec::truncate_from(vec![
			ip4(b"185.206.122.33/24", b"185.206.122.1"),
			ip4(b"185.206.122.33/24", b"185.206.122.1"),
		]);
		assert_noop!(
			TfgridModule::create_farm(RuntimeOrigin::signed(alice()), farm_name("test_farm"), ips),
			Error::<Test>::IpExists
		);
	});
}

#[test]
fn test_create_farm_not_valid_ip_fails() {
	test(|| {
		prepare_twin(&alice());
		for (ip, gw) in [
			// Gateway outside the subnet.
			(&b"185.206.122.33/24"[..], &b"185.206.123.1"[..]),
			// Gateway equal to the address.
			(b"185.206.122.33/24", b"185.206.122.33"),
			// Private range.
			(b"10.0.0.5/24", b"10.0.0.1"),
			// No prefix.
			(b"185.206.122.33", b"185.206.122.1"),
			// Gateway not an address.
			(b"185.206.122.33/24", b"185.206.122"),
		] {
			let ips = BoundedVec::truncate_from(vec![
				ip4(b"185.206.122.34/24", b"185.206.122.1"),
				ip4(ip, gw),
			]);
			assert_noop!(
				TfgridModule::create_farm(
					RuntimeOrigin::signed(alice()),
					farm_name("test_farm"),
					ips
				),
				Error::<Test>::InvalidPublicIP
			);
		}
	});
}

#[test]
fn test_adding_ip_to_farm_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::add_farm_ip(
			RuntimeOrigin::signed(alice()),
			farm_id,
			bv(b"185.206.122.125/16"),
			bv(b"185.206.122.1"),
		));
		let farm = get_farm(farm_id);
		assert_eq!(farm.public_ips.len(), 3);
		assert_eq!(farm.public_ips[2], public_ip(b"185.206.122.125/16"));
		assert_last(Event::FarmUpdated(farm));
	});
}

#[test]
fn test_adding_misformatted_ip_to_farm_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.125"),
				bv(b"185.206.122.1"),
			),
			Error::<Test>::InvalidPublicIP
		);
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"192.168.1.10/24"),
				bv(b"192.168.1.1"),
			),
			Error::<Test>::InvalidPublicIP
		);
	});
}

#[test]
fn test_adding_ip_duplicate_to_farm_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::add_farm_ip(
			RuntimeOrigin::signed(alice()),
			farm_id,
			bv(b"185.206.122.125/16"),
			bv(b"185.206.122.1"),
		));
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.125/16"),
				bv(b"185.206.122.1"),
			),
			Error::<Test>::IpExists
		);
		// Only the address counts, not the gateway.
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.33/24"),
				bv(b"185.206.122.2"),
			),
			Error::<Test>::IpExists
		);
	});
}

#[test]
fn adding_ip_to_someone_elses_farm_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(bob()),
				farm_id,
				bv(b"185.206.122.125/16"),
				bv(b"185.206.122.1"),
			),
			Error::<Test>::CannotUpdateFarmWrongTwin
		);
	});
}

#[test]
fn farm_public_ips_are_bounded() {
	test(|| {
		prepare_twin(&alice());
		let ips: Vec<IP4> = (0..MAX_FARM_PUBLIC_IPS)
			.map(|i| {
				let ip = format!("185.206.{}.{}/16", 100 + i / 200, 2 + i % 200);
				ip4(ip.as_bytes(), b"185.206.122.1")
			})
			.collect();
		assert_ok!(TfgridModule::create_farm(
			RuntimeOrigin::signed(alice()),
			farm_name("full_farm"),
			BoundedVec::truncate_from(ips)
		));
		assert_eq!(get_farm(1).public_ips.len(), MAX_FARM_PUBLIC_IPS as usize);
		assert_noop!(
			TfgridModule::add_farm_ip(
				RuntimeOrigin::signed(alice()),
				1,
				bv(b"185.206.200.1/16"),
				bv(b"185.206.122.1"),
			),
			Error::<Test>::InvalidPublicIP
		);
	});
}

#[test]
fn remove_farm_ip_works_for_free_ips_only() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::remove_farm_ip(
			RuntimeOrigin::signed(alice()),
			farm_id,
			bv(b"185.206.122.34/24")
		));
		let farm = get_farm(farm_id);
		assert_eq!(farm.public_ips.clone().into_inner(), vec![public_ip(b"185.206.122.33/24")]);
		assert_last(Event::FarmUpdated(farm));

		assert_noop!(
			TfgridModule::remove_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.34/24")
			),
			Error::<Test>::IpNotExists
		);
		reserve_farm_ip(farm_id, b"185.206.122.33/24", 7);
		assert_noop!(
			TfgridModule::remove_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.33/24")
			),
			Error::<Test>::IpNotExists
		);
		prepare_twin(&bob());
		assert_noop!(
			TfgridModule::remove_farm_ip(
				RuntimeOrigin::signed(bob()),
				farm_id,
				bv(b"185.206.122.33/24")
			),
			Error::<Test>::CannotUpdateFarmWrongTwin
		);
	});
}

#[test]
fn test_set_farm_dedicated() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::set_farm_dedicated(RuntimeOrigin::root(), farm_id, true));
		let farm = get_farm(farm_id);
		assert!(farm.dedicated_farm);
		assert_last(Event::FarmUpdated(farm));

		assert_noop!(
			TfgridModule::set_farm_dedicated(RuntimeOrigin::signed(alice()), farm_id, false),
			BadOrigin
		);
		assert_noop!(
			TfgridModule::set_farm_dedicated(RuntimeOrigin::root(), 9, true),
			Error::<Test>::FarmNotExists
		);
	});
}

#[test]
fn test_toggle_farm_dedicated() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::set_farm_dedicated(RuntimeOrigin::root(), farm_id, true));
		assert!(get_farm(farm_id).dedicated_farm);
		assert_ok!(TfgridModule::set_farm_dedicated(RuntimeOrigin::root(), farm_id, false));
		assert!(!get_farm(farm_id).dedicated_farm);
		assert_last(Event::FarmUpdated(get_farm(farm_id)));
	});
}

#[test]
fn test_farm_add_stellar_payout_address() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::add_stellar_payout_v2address(
			RuntimeOrigin::signed(alice()),
			farm_id,
			STELLAR_ADDRESS.to_vec()
		));
		assert_eq!(FarmPayoutV2AddressByFarmID::<Test>::get(farm_id).into_inner(), STELLAR_ADDRESS);
		assert_last(Event::FarmPayoutV2AddressRegistered(farm_id, STELLAR_ADDRESS.to_vec()));

		assert_ok!(TfgridModule::add_stellar_payout_v2address(
			RuntimeOrigin::signed(alice()),
			farm_id,
			OTHER_STELLAR_ADDRESS.to_vec()
		));
		assert_eq!(
			FarmPayoutV2AddressByFarmID::<Test>::get(farm_id).into_inner(),
			OTHER_STELLAR_ADDRESS
		);
	});
}

#[test]
fn stellar_payout_address_is_validated() {
	test(|| {
		// Decision 11.
		let farm_id = create_farm(&alice(), "test_farm");
		let add = |address: Vec<u8>| {
			TfgridModule::add_stellar_payout_v2address(
				RuntimeOrigin::signed(alice()),
				farm_id,
				address,
			)
		};
		let with_byte = |index: usize, byte: u8| {
			let mut address = STELLAR_ADDRESS.to_vec();
			address[index] = byte;
			address
		};
		for invalid in [
			b"some_address".to_vec(),
			Vec::new(),
			STELLAR_ADDRESS[..55].to_vec(),
			[STELLAR_ADDRESS, &b"A"[..]].concat(),
			STELLAR_ADDRESS.to_ascii_lowercase(),
			with_byte(0, b'B'),
			with_byte(10, b'1'),
			with_byte(10, b'8'),
			with_byte(10, b'a'),
		] {
			assert_noop!(add(invalid), Error::<Test>::InvalidStellarAddress);
		}
		prepare_twin(&bob());
		assert_noop!(
			TfgridModule::add_stellar_payout_v2address(
				RuntimeOrigin::signed(bob()),
				farm_id,
				STELLAR_ADDRESS.to_vec()
			),
			Error::<Test>::CannotUpdateFarmWrongTwin
		);
	});
}

#[test]
fn test_set_farm_certification_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_ok!(TfgridModule::set_farm_certification(
			RuntimeOrigin::root(),
			farm_id,
			FarmCertification::Gold
		));
		assert_eq!(get_farm(farm_id).certification, FarmCertification::Gold);
		assert_last(Event::FarmCertificationSet(farm_id, FarmCertification::Gold));

		assert_noop!(
			TfgridModule::set_farm_certification(
				RuntimeOrigin::signed(alice()),
				farm_id,
				FarmCertification::NotCertified
			),
			BadOrigin
		);
		assert_noop!(
			TfgridModule::set_farm_certification(RuntimeOrigin::root(), 9, FarmCertification::Gold),
			Error::<Test>::FarmNotExists
		);
	});
}

#[test]
fn force_reset_farm_ip_frees_the_ip_and_tells_the_contracts() {
	test(|| {
		// Decision 10.
		let farm_id = create_farm(&alice(), "test_farm");
		reserve_farm_ip(farm_id, b"185.206.122.33/24", 7);
		assert_noop!(
			TfgridModule::force_reset_farm_ip(
				RuntimeOrigin::signed(alice()),
				farm_id,
				bv(b"185.206.122.33/24")
			),
			BadOrigin
		);

		assert_ok!(TfgridModule::force_reset_farm_ip(
			RuntimeOrigin::root(),
			farm_id,
			bv(b"185.206.122.33/24")
		));
		let farm = get_farm(farm_id);
		assert_eq!(farm.public_ips[0], public_ip(b"185.206.122.33/24"));
		assert_last(Event::FarmUpdated(farm));
		assert_eq!(
			take_hook_calls(),
			vec![HookCall::IpRemoved { ip: b"185.206.122.33/24".to_vec(), contract_id: 7 }]
		);

		// A free IP is reset without telling anyone.
		assert_ok!(TfgridModule::force_reset_farm_ip(
			RuntimeOrigin::root(),
			farm_id,
			bv(b"185.206.122.34/24")
		));
		assert!(take_hook_calls().is_empty());

		assert_noop!(
			TfgridModule::force_reset_farm_ip(
				RuntimeOrigin::root(),
				farm_id,
				bv(b"185.206.122.99/24")
			),
			Error::<Test>::IpNotExists
		);
	});
}

// ---- nodes ----

#[test]
fn create_node_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_eq!((farm_id, node_id), (1, 1));
		let node = Node {
			version: TFGRID_NODE_VERSION,
			id: 1,
			farm_id: 1,
			twin_id: 2,
			resources: node_resources(),
			location: location(),
			public_config: None,
			created: GENESIS_SECS,
			farming_policy_id: 1,
			interfaces: interfaces(),
			certification: NodeCertification::Diy,
			secure_boot: true,
			virtualized: true,
			serial_number: Some(serial()),
			connection_price: 80,
		};
		assert_eq!(Nodes::<Test>::get(1), Some(node.clone()));
		assert_eq!(NodeIdByTwinID::<Test>::get(2), 1);
		assert_eq!(NodeID::<Test>::get(), 1);
		assert_eq!(NodePower::<Test>::get(1).state, PowerState::Up);
		assert_eq!(NodePower::<Test>::get(1).target, Power::Up);
		assert_eq!(last_event(), Event::NodeStored(node));
		assert_eq!(take_hook_calls(), vec![HookCall::NodeChanged { old: None, new: 1 }]);
	});
}

#[test]
fn create_node_added_to_farm_list_works() {
	test(|| {
		let (farm_id, _) = farm_with_node();
		assert_eq!(farm_nodes(farm_id), vec![1]);
		create_node(&charlie(), farm_id);
		assert_eq!(farm_nodes(farm_id), vec![1, 2]);
	});
}

#[test]
fn create_node_with_interfaces_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		let two_interfaces: Interfaces = BoundedVec::truncate_from(vec![
			interface(b"zos", b"00:00:5e:00:53:af", b"10.2.3.3"),
			interface(b"eth-1_a", b"00-00-5E-00-53-B0", b"2a10:b600:1::0cc4:7a30:65b5"),
		]);
		assert_ok!(create_node_with(
			&bob(),
			farm_id,
			node_resources(),
			location(),
			two_interfaces.clone()
		));
		assert_eq!(get_node(1).interfaces, two_interfaces);
	});
}

#[test]
fn create_node_with_same_pubkey_fails() {
	test(|| {
		let (farm_id, _) = farm_with_node();
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), location(), interfaces()),
			Error::<Test>::NodeWithTwinIdExists
		);
	});
}

#[test]
fn create_node_needs_farm_and_twin() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		assert_noop!(
			create_node_with(&bob(), 9, node_resources(), location(), interfaces()),
			Error::<Test>::FarmNotExists
		);
		assert_noop!(
			create_node_with(&charlie(), farm_id, node_resources(), location(), interfaces()),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn create_node_checks_minimum_resources() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		let create = |resources: Resources| {
			create_node_with(&bob(), farm_id, resources, location(), interfaces())
		};
		let minimum = Resources { hru: 0, sru: 100 * GIB, cru: 1, mru: 2 * GIB };
		assert_noop!(
			create(Resources { sru: 100 * GIB - 1, ..minimum }),
			Error::<Test>::InvalidSRUInput
		);
		assert_noop!(create(Resources { cru: 0, ..minimum }), Error::<Test>::InvalidCRUInput);
		assert_noop!(create(Resources { mru: GIB, ..minimum }), Error::<Test>::InvalidMRUInput);
		// No HRU minimum.
		assert_ok!(create(minimum));
		assert_eq!(get_node(1).resources, minimum);
	});
}

#[test]
fn test_validate_latitude_input_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let with_latitude = |latitude: &[u8]| Location { latitude: bv(latitude), ..location() };
		prepare_twin(&bob());
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), with_latitude(b""), interfaces()),
			Error::<Test>::LatitudeInputTooShort
		);
		for invalid in [&b"90.5"[..], b"-91", b"abc", b"12,5", b"NaN", b"inf"] {
			assert_noop!(
				create_node_with(
					&bob(),
					farm_id,
					node_resources(),
					with_latitude(invalid),
					interfaces()
				),
				Error::<Test>::InvalidLatitudeInput
			);
		}
		for (who, valid) in [(bob(), &b"Unknown"[..]), (charlie(), b"-90"), (dave(), b"90")] {
			if !TwinIdByAccountID::<Test>::contains_key(&who) {
				prepare_twin(&who);
			}
			assert_ok!(create_node_with(
				&who,
				farm_id,
				node_resources(),
				with_latitude(valid),
				interfaces()
			));
		}
	});
}

#[test]
fn test_validate_longitude_input_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let with_longitude = |longitude: &[u8]| Location { longitude: bv(longitude), ..location() };
		prepare_twin(&bob());
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), with_longitude(b""), interfaces()),
			Error::<Test>::LongitudeInputTooShort
		);
		for invalid in [&b"180.5"[..], b"-181", b"east", b"1.2.3"] {
			assert_noop!(
				create_node_with(
					&bob(),
					farm_id,
					node_resources(),
					with_longitude(invalid),
					interfaces()
				),
				Error::<Test>::InvalidLongitudeInput
			);
		}
		for (who, valid) in [(bob(), &b"Unknown"[..]), (charlie(), b"-180"), (dave(), b"180")] {
			if !TwinIdByAccountID::<Test>::contains_key(&who) {
				prepare_twin(&who);
			}
			assert_ok!(create_node_with(
				&who,
				farm_id,
				node_resources(),
				with_longitude(valid),
				interfaces()
			));
		}
	});
}

#[test]
fn create_node_checks_city_and_country() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		let no_city = Location { city: bv(b""), ..location() };
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), no_city, interfaces()),
			Error::<Test>::CityNameTooShort
		);
		let short_country = Location { country: bv(b"B"), ..location() };
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), short_country, interfaces()),
			Error::<Test>::CountryNameTooShort
		);
		let shortest = Location { city: bv(b"Y"), country: bv(b"BE"), ..location() };
		assert_ok!(create_node_with(&bob(), farm_id, node_resources(), shortest, interfaces()));
	});
}

#[test]
fn create_node_checks_interfaces() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		prepare_twin(&bob());
		let mac = &b"00:00:5e:00:53:af"[..];
		for (name, mac, ip, error) in [
			(&b"zo"[..], mac, &b"10.2.3.3"[..], Error::<Test>::InterfaceNameTooShort),
			(b"Zos", mac, b"10.2.3.3", Error::<Test>::InvalidInterfaceName),
			(b"zos", b"00:00:5e:00:53", b"10.2.3.3", Error::<Test>::InterfaceMacTooShort),
			(b"zos", b"00:00:5e:00:53:zz", b"10.2.3.3", Error::<Test>::InvalidMacAddress),
			(b"zos", mac, b"10.2.3", Error::<Test>::InterfaceIpTooShort),
			(b"zos", mac, b"10.2.3.3/24", Error::<Test>::InvalidInterfaceIP),
		] {
			let interfaces = BoundedVec::truncate_from(vec![interface(name, mac, ip)]);
			assert_noop!(
				create_node_with(&bob(), farm_id, node_resources(), location(), interfaces),
				error
			);
		}
		assert_ok!(create_node_with(
			&bob(),
			farm_id,
			node_resources(),
			location(),
			BoundedVec::new()
		));
	});
}

#[test]
fn farm_holds_at_most_max_nodes() {
	test(|| {
		// Decision 13.
		let farm_id = create_farm(&alice(), "test_farm");
		let max = <<Test as crate::Config>::MaxNodesPerFarm as Get<u32>>::get();
		for seed in 0..max {
			create_node(&numbered_account(10 + seed as u8), farm_id);
		}
		assert_eq!(farm_nodes(farm_id).len(), max as usize);
		prepare_twin(&bob());
		assert_noop!(
			create_node_with(&bob(), farm_id, node_resources(), location(), interfaces()),
			Error::<Test>::TooManyNodesInFarm
		);
		// Another farm still takes the node.
		let other_farm = create_farm(&alice(), "other_farm");
		create_node(&bob(), other_farm);
	});
}

#[test]
fn update_node_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let before = get_node(node_id);
		take_hook_calls();
		assert_ok!(TfgridModule::set_connection_price(RuntimeOrigin::root(), 100));
		run_to_block(10);

		let resources = Resources { cru: 4, ..node_resources() };
		let brussels = Location { city: bv(b"Brussels"), ..location() };
		let info = TfgridModule::update_node(
			RuntimeOrigin::signed(bob()),
			node_id,
			farm_id,
			resources,
			brussels.clone(),
			BoundedVec::new(),
			false,
			false,
			None,
		)
		.unwrap();
		assert_eq!(info.pays_fee, Pays::No);

		let node = get_node(node_id);
		// Registration time, connection price and farming policy are kept.
		assert_eq!(node.created, GENESIS_SECS);
		assert_eq!(node.connection_price, 80);
		assert_eq!(node.farming_policy_id, 1);
		assert_eq!(
			node,
			Node {
				resources,
				location: brussels,
				interfaces: BoundedVec::new(),
				secure_boot: false,
				virtualized: false,
				serial_number: None,
				..before
			}
		);
		assert_last(Event::NodeUpdated(node));
		assert_eq!(take_hook_calls(), vec![HookCall::NodeChanged { old: Some(1), new: 1 }]);
	});
}

#[test]
fn update_node_not_authorized_fails() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		prepare_twin(&charlie());
		assert_noop!(
			update_node(&charlie(), node_id, farm_id, node_resources()),
			Error::<Test>::NodeUpdateNotAuthorized
		);
		assert_noop!(
			update_node(&bob(), 9, farm_id, node_resources()),
			Error::<Test>::NodeNotExists
		);
		assert_noop!(
			update_node(&bob(), node_id, 9, node_resources()),
			Error::<Test>::FarmNotExists
		);
	});
}

#[test]
fn update_node_moved_from_farm_list_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let farm2 = create_farm(&alice(), "test_farm2");
		take_hook_calls();
		assert_ok!(update_node(&bob(), node_id, farm2, node_resources()));

		assert!(farm_nodes(farm_id).is_empty());
		assert_eq!(farm_nodes(farm2), vec![node_id]);
		let node = get_node(node_id);
		assert_eq!(node.farm_id, farm2);
		assert_eq!(node.farming_policy_id, 1);
		assert_last(Event::NodeUpdated(node));
		assert_eq!(
			take_hook_calls(),
			vec![HookCall::NodeChanged { old: Some(node_id), new: node_id }]
		);
	});
}

#[test]
fn update_node_with_contracts_cannot_change_farm() {
	test(|| {
		// Contracts hold public IPs of the node's farm.
		let (_, node_id) = farm_with_node();
		let farm2 = create_farm(&alice(), "test_farm2");
		set_node_busy(node_id, true);
		assert_noop!(
			update_node(&bob(), node_id, farm2, node_resources()),
			Error::<Test>::NodeHasActiveContracts
		);
		set_node_busy(node_id, false);
		assert_ok!(update_node(&bob(), node_id, farm2, node_resources()));
	});
}

#[test]
fn update_node_to_another_farmers_farm_fails() {
	test(|| {
		// Decision 3.
		let (_, node_id) = farm_with_node();
		let charlie_farm = create_farm(&charlie(), "charlie_farm");
		assert_noop!(
			update_node(&bob(), node_id, charlie_farm, node_resources()),
			Error::<Test>::NodeCannotChangeFarmOwner
		);
	});
}

#[test]
fn update_node_to_full_farm_fails() {
	test(|| {
		// Decisions 3 and 13.
		let (_, node_id) = farm_with_node();
		let full_farm = create_farm(&alice(), "full_farm");
		let max = <<Test as crate::Config>::MaxNodesPerFarm as Get<u32>>::get();
		for seed in 0..max {
			create_node(&numbered_account(10 + seed as u8), full_farm);
		}
		assert_noop!(
			update_node(&bob(), node_id, full_farm, node_resources()),
			Error::<Test>::TooManyNodesInFarm
		);
	});
}

#[test]
fn update_node_moved_to_farm_with_limits_gets_its_policy() {
	test(|| {
		// Decision 3: the policy is picked again for the new farm.
		let (_, node_id) = farm_with_node();
		let farm2 = create_farm(&alice(), "test_farm2");
		let policy_id = custom_policy(0);
		let limits = farm_limits(policy_id, Some(10), Some(10), Some(3));
		attach(farm2, Some(limits.clone()));
		assert_eq!(get_node(node_id).farming_policy_id, 1);

		assert_ok!(update_node(&bob(), node_id, farm2, node_resources()));
		assert_eq!(get_node(node_id).farming_policy_id, policy_id);
		let farm = get_farm(farm2);
		assert_eq!(
			farm.farming_policy_limits,
			Some(FarmingPolicyLimit { cu: Some(4), su: Some(8), node_count: Some(2), ..limits })
		);
		assert_has(Event::FarmUpdated(farm));
		assert_last(Event::NodeUpdated(get_node(node_id)));
	});
}

#[test]
fn node_moved_between_farms_can_be_deleted() {
	test(|| {
		// Decision 2: deletion removes the node from its current farm.
		let (_, bob_node) = farm_with_node();
		let charlie_node = create_node(&charlie(), 1);
		let farm2 = create_farm(&alice(), "test_farm2");
		assert_ok!(update_node(&bob(), bob_node, farm2, node_resources()));
		assert_ok!(update_node(&charlie(), charlie_node, farm2, node_resources()));
		assert_eq!(farm_nodes(farm2), vec![bob_node, charlie_node]);

		assert_ok!(TfgridModule::delete_node(RuntimeOrigin::signed(bob()), bob_node));
		assert_eq!(farm_nodes(farm2), vec![charlie_node]);
		assert_last(Event::NodeDeleted(bob_node));

		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(alice()), charlie_node));
		assert!(farm_nodes(farm2).is_empty());
		assert!(farm_nodes(1).is_empty());
		assert_last(Event::NodeDeleted(charlie_node));
	});
}

#[test]
fn update_certified_node_resources_loses_certification_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		assert_ok!(TfgridModule::set_node_certification(
			RuntimeOrigin::signed(alice()),
			node_id,
			NodeCertification::Certified
		));
		assert_eq!(get_node(node_id).certification, NodeCertification::Certified);

		// Certified on a default policy: the certified default (2).
		assert_eq!(get_node(node_id).farming_policy_id, 2);

		let resources = Resources { cru: 2, ..node_resources() };
		assert_ok!(update_node(&bob(), node_id, farm_id, resources));
		assert_has(Event::NodeCertificationSet(node_id, NodeCertification::Diy));
		assert_eq!(get_node(node_id).certification, NodeCertification::Diy);
		// It no longer qualifies for the certified default policy.
		assert_eq!(get_node(node_id).farming_policy_id, 1);
	});
}

#[test]
fn update_certified_node_same_resources_keeps_certification_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		certify(node_id, NodeCertification::Certified);
		System::reset_events();
		// Within 1%: still the same capacity.
		let resources = Resources { sru: node_resources().sru + GIB, ..node_resources() };
		assert_ok!(update_node(&bob(), node_id, farm_id, resources));
		assert_eq!(get_node(node_id).certification, NodeCertification::Certified);
		assert!(!events().iter().any(|event| matches!(event, Event::NodeCertificationSet(..))));
	});
}

#[test]
fn test_delete_node_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		take_hook_calls();
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(alice()), node_id));
		assert!(farm_nodes(farm_id).is_empty());
		assert_eq!(Nodes::<Test>::get(node_id), None);
		assert!(!NodeIdByTwinID::<Test>::contains_key(2));
		assert_last(Event::NodeDeleted(node_id));
		assert_eq!(take_hook_calls(), vec![HookCall::NodeDeleted(node_id)]);
	});
}

#[test]
fn test_delete_node_fails_if_not_authorized() {
	test(|| {
		let (_, node_id) = farm_with_node();
		create_farm(&charlie(), "charlie_farm");
		assert_noop!(
			TfgridModule::delete_node_farm(RuntimeOrigin::signed(charlie()), node_id),
			Error::<Test>::FarmerNotAuthorized
		);
		// The node's own twin is not the farmer either.
		assert_noop!(
			TfgridModule::delete_node_farm(RuntimeOrigin::signed(bob()), node_id),
			Error::<Test>::FarmerNotAuthorized
		);
		assert_noop!(
			TfgridModule::delete_node(RuntimeOrigin::signed(charlie()), node_id),
			Error::<Test>::NodeUpdateNotAuthorized
		);
		assert_noop!(
			TfgridModule::delete_node(RuntimeOrigin::signed(bob()), 9),
			Error::<Test>::NodeNotExists
		);
	});
}

#[test]
fn delete_node_by_its_twin_cleans_indexes_and_allows_a_new_node() {
	test(|| {
		// Decision 2.
		let (farm_id, node_id) = farm_with_node();
		assert_ok!(TfgridModule::change_power_state(RuntimeOrigin::signed(bob()), Power::Down));
		assert!(NodePower::<Test>::contains_key(node_id));
		take_hook_calls();

		assert_ok!(TfgridModule::delete_node(RuntimeOrigin::signed(bob()), node_id));
		assert_eq!(Nodes::<Test>::get(node_id), None);
		assert!(!NodeIdByTwinID::<Test>::contains_key(2));
		assert!(!NodePower::<Test>::contains_key(node_id));
		assert!(farm_nodes(farm_id).is_empty());
		assert_last(Event::NodeDeleted(node_id));
		assert_eq!(take_hook_calls(), vec![HookCall::NodeDeleted(node_id)]);

		// The twin registers again and gets a new id.
		let new_node = create_node(&bob(), farm_id);
		assert_eq!(new_node, 2);
		assert_eq!(NodeIdByTwinID::<Test>::get(2), new_node);
		assert_eq!(farm_nodes(farm_id), vec![new_node]);
	});
}

#[test]
fn set_connection_price_applies_to_new_nodes() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_noop!(
			TfgridModule::set_connection_price(RuntimeOrigin::signed(alice()), 100),
			BadOrigin
		);
		assert_ok!(TfgridModule::set_connection_price(RuntimeOrigin::root(), 100));
		assert_eq!(ConnectionPrice::<Test>::get(), 100);
		assert_last(Event::ConnectionPriceSet(100));

		let new_node = create_node(&charlie(), farm_id);
		assert_eq!(get_node(new_node).connection_price, 100);
		assert_eq!(get_node(node_id).connection_price, 80);
	});
}

// ---- node certification and certifiers ----

#[test]
fn add_node_certifier_works() {
	test(|| {
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), bob()));
		assert_last(Event::NodeCertifierAdded(bob()));
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		let mut expected = vec![alice(), bob()];
		expected.sort();
		assert_eq!(AllowedNodeCertifiers::<Test>::get().unwrap().into_inner(), expected);
		assert_noop!(
			TfgridModule::add_node_certifier(RuntimeOrigin::signed(alice()), charlie()),
			BadOrigin
		);
	});
}

#[test]
fn add_node_certifier_double_fails() {
	test(|| {
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		assert_noop!(
			TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()),
			Error::<Test>::AlreadyCertifier
		);
	});
}

#[test]
fn node_certifiers_are_bounded() {
	test(|| {
		// Decision 14.
		for certifier in [alice(), bob(), charlie()] {
			assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), certifier));
		}
		assert_noop!(
			TfgridModule::add_node_certifier(RuntimeOrigin::root(), dave()),
			Error::<Test>::TooManyNodeCertifiers
		);
	});
}

#[test]
fn remove_node_certifier_works() {
	test(|| {
		let (_, node_id) = farm_with_node();
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		assert_ok!(TfgridModule::remove_node_certifier(RuntimeOrigin::root(), alice()));
		assert!(!AllowedNodeCertifiers::<Test>::get().unwrap_or_default().contains(&alice()));
		assert_last(Event::NodeCertifierRemoved(alice()));
		assert_noop!(
			TfgridModule::set_node_certification(
				RuntimeOrigin::signed(alice()),
				node_id,
				NodeCertification::Certified
			),
			Error::<Test>::NotAllowedToCertifyNode
		);
	});
}

#[test]
fn remove_node_certifier_not_certifier_fails() {
	test(|| {
		// Decision 14: also when the list was never created.
		assert_noop!(
			TfgridModule::remove_node_certifier(RuntimeOrigin::root(), alice()),
			Error::<Test>::NotCertifier
		);
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		assert_noop!(
			TfgridModule::remove_node_certifier(RuntimeOrigin::root(), bob()),
			Error::<Test>::NotCertifier
		);
		assert_noop!(
			TfgridModule::remove_node_certifier(RuntimeOrigin::signed(alice()), alice()),
			BadOrigin
		);
	});
}

#[test]
fn set_certification_type_node_allowed_certifier_works() {
	test(|| {
		let (_, node_id) = farm_with_node();
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), charlie()));
		assert_ok!(TfgridModule::set_node_certification(
			RuntimeOrigin::signed(charlie()),
			node_id,
			NodeCertification::Certified
		));
		let node = get_node(node_id);
		assert_eq!(node.certification, NodeCertification::Certified);
		assert_has(Event::NodeUpdated(node));
		assert_last(Event::NodeCertificationSet(node_id, NodeCertification::Certified));

		assert_ok!(TfgridModule::set_node_certification(
			RuntimeOrigin::signed(charlie()),
			node_id,
			NodeCertification::Diy
		));
		assert_eq!(get_node(node_id).certification, NodeCertification::Diy);
		assert_last(Event::NodeCertificationSet(node_id, NodeCertification::Diy));
	});
}

#[test]
fn set_certification_type_node_not_allowed_certifier_fails() {
	test(|| {
		let (_, node_id) = farm_with_node();
		assert_noop!(
			TfgridModule::set_node_certification(
				RuntimeOrigin::signed(alice()),
				node_id,
				NodeCertification::Certified
			),
			Error::<Test>::NotAllowedToCertifyNode
		);
	});
}

#[test]
fn set_certification_type_node_council_works() {
	test(|| {
		let (_, node_id) = farm_with_node();
		certify(node_id, NodeCertification::Certified);
		assert_eq!(get_node(node_id).certification, NodeCertification::Certified);
		certify(node_id, NodeCertification::Diy);
		assert_eq!(get_node(node_id).certification, NodeCertification::Diy);
	});
}

#[test]
fn set_certification_type_node_not_exists_fails() {
	test(|| {
		create_farm(&alice(), "test_farm");
		assert_noop!(
			TfgridModule::set_node_certification(
				RuntimeOrigin::root(),
				1,
				NodeCertification::Certified
			),
			Error::<Test>::NodeNotExists
		);
	});
}

// ---- uptime ----

#[test]
fn node_report_uptime_works() {
	test(|| {
		farm_with_node();
		let info = TfgridModule::report_uptime(RuntimeOrigin::signed(bob()), 500).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		assert_last(Event::NodeUptimeReported(1, GENESIS_SECS, 500));

		run_to_block(11);
		assert_ok!(TfgridModule::report_uptime(RuntimeOrigin::signed(bob()), 560));
		assert_last(Event::NodeUptimeReported(1, GENESIS_SECS + 60, 560));
	});
}

#[test]
fn uptime_reports_keep_the_two_latest_times() {
	test(|| {
		farm_with_node();
		assert_eq!(NodeUptimeReports::<Test>::get(1), None);
		assert_ok!(TfgridModule::report_uptime(RuntimeOrigin::signed(bob()), 500));
		let first = UptimeReports { previous: GENESIS_SECS, last: GENESIS_SECS, standby: false };
		assert_eq!(NodeUptimeReports::<Test>::get(1), Some(first));
		run_to_block(11);
		assert_ok!(TfgridModule::report_uptime(RuntimeOrigin::signed(bob()), 560));
		let second =
			UptimeReports { previous: GENESIS_SECS, last: GENESIS_SECS + 60, standby: false };
		assert_eq!(NodeUptimeReports::<Test>::get(1), Some(second));
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(alice()), 1));
		assert_eq!(NodeUptimeReports::<Test>::get(1), None);
	});
}

#[test]
fn node_report_uptime_v2_works() {
	test(|| {
		farm_with_node();
		let now = now_secs();
		for hint in [now, now - 60, now + 60] {
			let info =
				TfgridModule::report_uptime_v2(RuntimeOrigin::signed(bob()), 500, hint).unwrap();
			assert_eq!(info.pays_fee, Pays::No);
			// The event carries the chain's time, not the hint.
			assert_last(Event::NodeUptimeReported(1, now, 500));
		}
	});
}

#[test]
fn node_report_uptime_v2_fails_with_invalid_timestamp_hint() {
	test(|| {
		farm_with_node();
		let now = now_secs();
		for hint in [now - 61, now + 61, 0] {
			assert_noop!(
				TfgridModule::report_uptime_v2(RuntimeOrigin::signed(bob()), 500, hint),
				Error::<Test>::InvalidTimestampHint
			);
		}
	});
}

#[test]
fn report_uptime_without_node_fails() {
	test(|| {
		farm_with_node();
		prepare_twin(&charlie());
		assert_noop!(
			TfgridModule::report_uptime(RuntimeOrigin::signed(charlie()), 500),
			Error::<Test>::NodeNotExists
		);
		assert_noop!(
			TfgridModule::report_uptime_v2(RuntimeOrigin::signed(dave()), 500, now_secs()),
			Error::<Test>::TwinNotExists
		);
	});
}

// ---- power management ----

#[test]
fn change_power_state_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		take_hook_calls();
		let info =
			TfgridModule::change_power_state(RuntimeOrigin::signed(bob()), Power::Down).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(NodePower::<Test>::get(node_id).state, PowerState::Down(1));
		assert_last(Event::PowerStateChanged {
			farm_id,
			node_id,
			power_state: PowerState::Down(1),
		});
		assert_eq!(take_hook_calls(), vec![HookCall::PowerStateChanged(node_id)]);

		// The same report in the same block changes nothing.
		let before = events().len();
		assert_ok!(TfgridModule::change_power_state(RuntimeOrigin::signed(bob()), Power::Down));
		assert_eq!(events().len(), before);
		assert!(take_hook_calls().is_empty());

		// As on TFChain, `Down` again in a later block re-stamps the block it went down; the
		// other pallets are not told (the node stays in standby).
		run_to_block(5);
		assert_ok!(TfgridModule::change_power_state(RuntimeOrigin::signed(bob()), Power::Down));
		assert_eq!(NodePower::<Test>::get(node_id).state, PowerState::Down(5));
		assert!(take_hook_calls().is_empty());

		assert_ok!(TfgridModule::change_power_state(RuntimeOrigin::signed(bob()), Power::Up));
		assert_eq!(NodePower::<Test>::get(node_id).state, PowerState::Up);
		assert_last(Event::PowerStateChanged { farm_id, node_id, power_state: PowerState::Up });
		assert_eq!(take_hook_calls(), vec![HookCall::PowerStateChanged(node_id)]);
	});
}

#[test]
fn change_power_state_twin_has_no_node_fails() {
	test(|| {
		farm_with_node();
		prepare_twin(&charlie());
		assert_noop!(
			TfgridModule::change_power_state(RuntimeOrigin::signed(charlie()), Power::Down),
			Error::<Test>::NodeNotExists
		);
		assert_noop!(
			TfgridModule::change_power_state(RuntimeOrigin::signed(dave()), Power::Down),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn change_power_target_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_eq!(NodePower::<Test>::get(node_id).target, Power::Up);
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(alice()),
			node_id,
			Power::Down
		));
		assert_eq!(NodePower::<Test>::get(node_id).target, Power::Down);
		assert_eq!(NodePower::<Test>::get(node_id).state, PowerState::Up);
		assert_last(Event::PowerTargetChanged { farm_id, node_id, power_target: Power::Down });

		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(alice()),
			node_id,
			Power::Up
		));
		assert_eq!(NodePower::<Test>::get(node_id).target, Power::Up);
		assert_last(Event::PowerTargetChanged { farm_id, node_id, power_target: Power::Up });
	});
}

#[test]
fn change_power_target_unauthorized_fails() {
	test(|| {
		let (_, node_id) = farm_with_node();
		create_farm(&charlie(), "charlie_farm");
		for who in [charlie(), bob()] {
			assert_noop!(
				TfgridModule::change_power_target(RuntimeOrigin::signed(who), node_id, Power::Down),
				Error::<Test>::UnauthorizedToChangePowerTarget
			);
		}
	});
}

#[test]
fn change_power_target_down_is_refused_for_a_busy_node() {
	test(|| {
		let (_, node_id) = farm_with_node();
		set_node_busy(node_id, true);
		assert_noop!(
			TfgridModule::change_power_target(RuntimeOrigin::signed(alice()), node_id, Power::Down),
			Error::<Test>::NodeHasActiveContracts
		);
		// Up is always allowed.
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(alice()),
			node_id,
			Power::Up
		));
		set_node_busy(node_id, false);
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(alice()),
			node_id,
			Power::Down
		));
		assert_eq!(NodePower::<Test>::get(node_id).target, Power::Down);
	});
}

// ---- node public config ----

#[test]
fn node_add_public_config_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_ok!(TfgridModule::add_node_public_config(
			RuntimeOrigin::signed(alice()),
			farm_id,
			node_id,
			Some(public_config())
		));
		assert_eq!(get_node(node_id).public_config, Some(public_config()));
		assert_last(Event::NodePublicConfigStored(node_id, Some(public_config())));
	});
}

#[test]
fn node_add_public_config_without_ipv6_and_domain_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let config = PublicConfig { ip6: None, domain: None, ..public_config() };
		assert_ok!(TfgridModule::add_node_public_config(
			RuntimeOrigin::signed(alice()),
			farm_id,
			node_id,
			Some(config.clone())
		));
		assert_eq!(get_node(node_id).public_config, Some(config));
	});
}

#[test]
fn node_add_public_config_fails_if_signature_incorrect() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		// The node itself is not the farmer.
		assert_noop!(
			TfgridModule::add_node_public_config(
				RuntimeOrigin::signed(bob()),
				farm_id,
				node_id,
				Some(public_config())
			),
			Error::<Test>::CannotUpdateFarmWrongTwin
		);
		// Another farmer may not set it through their own farm.
		let charlie_farm = create_farm(&charlie(), "charlie_farm");
		assert_noop!(
			TfgridModule::add_node_public_config(
				RuntimeOrigin::signed(charlie()),
				charlie_farm,
				node_id,
				Some(public_config())
			),
			Error::<Test>::NodeUpdateNotAuthorized
		);
	});
}

#[test]
fn test_unsetting_node_public_config_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_ok!(TfgridModule::add_node_public_config(
			RuntimeOrigin::signed(alice()),
			farm_id,
			node_id,
			Some(public_config())
		));
		assert_ok!(TfgridModule::add_node_public_config(
			RuntimeOrigin::signed(alice()),
			farm_id,
			node_id,
			None
		));
		assert_eq!(get_node(node_id).public_config, None);
		assert_last(Event::NodePublicConfigStored(node_id, None));
	});
}

#[test]
fn test_node_public_config_falsy_values_fails() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let add = |config: PublicConfig| {
			TfgridModule::add_node_public_config(
				RuntimeOrigin::signed(alice()),
				farm_id,
				node_id,
				Some(config),
			)
		};
		let with_ip6 = |ip: &[u8], gw: &[u8]| PublicConfig {
			ip6: Some(IP6 { ip: bv(ip), gw: bv(gw) }),
			..public_config()
		};
		assert_noop!(
			add(PublicConfig { ip4: ip4(b"1.1.1.1", b"185.206.122.1"), ..public_config() }),
			Error::<Test>::InvalidIP4
		);
		assert_noop!(
			add(PublicConfig { ip4: ip4(b"185.206.122.33/24", b"185.206.122"), ..public_config() }),
			Error::<Test>::InvalidGW4
		);
		assert_noop!(
			add(PublicConfig {
				ip4: ip4(b"185.206.122.33/24", b"185.206.132.1"),
				..public_config()
			}),
			Error::<Test>::InvalidPublicConfig
		);
		assert_noop!(
			add(with_ip6(b"2a10:b600:1::0cc4", b"2a10:b600:1::1")),
			Error::<Test>::InvalidIP6
		);
		assert_noop!(
			add(with_ip6(b"2a10:b600:1::0cc4/64", b"2a10:b600:1::g")),
			Error::<Test>::InvalidGW6
		);
		assert_noop!(
			add(with_ip6(b"2a10::0cc4:7a30:65b5/32", b"2a10:b600:1::1")),
			Error::<Test>::InvalidPublicConfig
		);
		assert_noop!(
			add(PublicConfig { domain: Some(bv(b"some_domain")), ..public_config() }),
			Error::<Test>::InvalidDomain
		);
	});
}

#[test]
fn test_validate_pub_config_invalid_ip4() {
	test(|| {
		let config =
			PublicConfig { ip4: ip4(b"185.206.122.33", b"185.206.122.1"), ..public_config() };
		assert_eq!(config.validate(), Err(PublicIpError::InvalidIp4));
		assert_eq!(public_config().validate(), Ok(()));
	});
}

#[test]
fn test_validate_pub_config_invalid_gw4() {
	test(|| {
		let config =
			PublicConfig { ip4: ip4(b"185.206.122.33/24", b"185.206.132.1"), ..public_config() };
		assert_eq!(config.validate(), Err(PublicIpError::InvalidPublicIp));
	});
}

#[test]
fn test_validate_pub_config_invalid_ip6() {
	test(|| {
		let config = PublicConfig {
			ip6: Some(IP6 { ip: bv(b"2a10::0cc4:7a30:65b5/32"), gw: bv(b"2a10:b600:1::1") }),
			..public_config()
		};
		assert_eq!(config.validate(), Err(PublicIpError::InvalidPublicIp));
	});
}

// ---- farming policies and farm limits ----

#[test]
fn create_farming_policy_works() {
	test(|| {
		assert_ok!(TfgridModule::create_farming_policy(
			RuntimeOrigin::root(),
			b"f1".to_vec(),
			12,
			15,
			10,
			8,
			95,
			System::block_number() + 100,
			true,
			true,
			NodeCertification::Diy,
			FarmCertification::Gold,
		));
		let policy = FarmingPolicy {
			version: TFGRID_FARMING_POLICY_VERSION,
			id: 3,
			name: bv(b"f1"),
			cu: 15,
			su: 12,
			nu: 10,
			ipv4: 8,
			minimal_uptime: 95,
			policy_created: 1,
			policy_end: 101,
			immutable: true,
			default: true,
			node_certification: NodeCertification::Diy,
			farm_certification: FarmCertification::Gold,
		};
		assert_eq!(FarmingPolicyID::<Test>::get(), 3);
		assert_eq!(FarmingPoliciesMap::<Test>::get(3), policy.clone());
		assert_last(Event::FarmingPolicyStored(policy));

		assert_noop!(
			TfgridModule::create_farming_policy(
				RuntimeOrigin::signed(alice()),
				b"f2".to_vec(),
				12,
				15,
				10,
				8,
				95,
				0,
				false,
				false,
				NodeCertification::Diy,
				FarmCertification::NotCertified,
			),
			BadOrigin
		);
	});
}

#[test]
fn edit_farming_policy_works() {
	test(|| {
		let id = create_farming_policy(true, NodeCertification::Diy, FarmCertification::Gold, 101);
		run_to_block(3);
		assert_ok!(TfgridModule::update_farming_policy(
			RuntimeOrigin::root(),
			id,
			b"f1_updated".to_vec(),
			20,
			25,
			11,
			9,
			90,
			201,
			false,
			NodeCertification::Certified,
			FarmCertification::NotCertified,
		));
		let policy = FarmingPolicy {
			version: TFGRID_FARMING_POLICY_VERSION,
			id,
			name: bv(b"f1_updated"),
			cu: 25,
			su: 20,
			nu: 11,
			ipv4: 9,
			minimal_uptime: 90,
			policy_created: 1,
			policy_end: 201,
			immutable: false,
			default: false,
			node_certification: NodeCertification::Certified,
			farm_certification: FarmCertification::NotCertified,
		};
		assert_eq!(FarmingPoliciesMap::<Test>::get(id), policy.clone());
		assert_last(Event::FarmingPolicyUpdated(policy));
	});
}

#[test]
fn update_immutable_or_unknown_farming_policy_fails() {
	test(|| {
		// Decision 4: immutable policies cannot be updated.
		assert_ok!(TfgridModule::create_farming_policy(
			RuntimeOrigin::root(),
			b"fixed".to_vec(),
			12,
			15,
			10,
			8,
			95,
			0,
			true,
			false,
			NodeCertification::Diy,
			FarmCertification::NotCertified,
		));
		let update = |id: u32| {
			TfgridModule::update_farming_policy(
				RuntimeOrigin::root(),
				id,
				b"changed".to_vec(),
				1,
				1,
				1,
				1,
				1,
				0,
				false,
				NodeCertification::Diy,
				FarmCertification::NotCertified,
			)
		};
		assert_noop!(update(3), Error::<Test>::FarmingPolicyImmutable);
		assert_noop!(update(9), Error::<Test>::FarmingPolicyNotExists);
	});
}

#[test]
fn farming_policies_are_bounded() {
	test(|| {
		// Decision 4: at most `MaxFarmingPolicies`, genesis ones included.
		let max = <<Test as crate::Config>::MaxFarmingPolicies as Get<u32>>::get();
		for _ in FarmingPolicyID::<Test>::get()..max {
			custom_policy(0);
		}
		assert_eq!(FarmingPolicyID::<Test>::get(), max);
		assert_noop!(
			TfgridModule::create_farming_policy(
				RuntimeOrigin::root(),
				b"one_too_many".to_vec(),
				12,
				15,
				10,
				8,
				95,
				0,
				false,
				false,
				NodeCertification::Diy,
				FarmCertification::NotCertified,
			),
			Error::<Test>::TooManyFarmingPolicies
		);
	});
}

#[test]
fn policy_names_are_bounded() {
	test(|| {
		// Decision 12.
		let long = vec![b'p'; 129];
		assert_noop!(
			TfgridModule::create_farming_policy(
				RuntimeOrigin::root(),
				long.clone(),
				12,
				15,
				10,
				8,
				95,
				0,
				false,
				false,
				NodeCertification::Diy,
				FarmCertification::NotCertified,
			),
			Error::<Test>::PolicyNameTooLong
		);
		assert_noop!(
			TfgridModule::update_farming_policy(
				RuntimeOrigin::root(),
				1,
				long.clone(),
				12,
				15,
				10,
				8,
				95,
				0,
				true,
				NodeCertification::Diy,
				FarmCertification::NotCertified,
			),
			Error::<Test>::PolicyNameTooLong
		);
		assert_noop!(create_pricing_policy(&long), Error::<Test>::PolicyNameTooLong);
		assert_ok!(create_pricing_policy(&long[..128]));
	});
}

#[test]
fn attach_farming_policy_to_farm_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		assert_eq!(get_node(node_id).farming_policy_id, 1);
		assert_eq!((node_resources().get_cu(), node_resources().get_su()), (6, 2));
		let policy_id = custom_policy(0);
		let limits = farm_limits(policy_id, Some(20), Some(2), Some(10));

		attach(farm_id, Some(limits.clone()));
		// The node was on a default policy: it takes the farm's policy and uses the limits.
		let left = FarmingPolicyLimit { cu: Some(14), su: Some(0), node_count: Some(9), ..limits };
		let farm = get_farm(farm_id);
		assert_eq!(farm.farming_policy_limits, Some(left.clone()));
		assert_eq!(farm.certification, FarmCertification::NotCertified);
		let node = get_node(node_id);
		assert_eq!(node.farming_policy_id, policy_id);
		assert_eq!(node.certification, NodeCertification::Diy);
		assert_has(Event::FarmUpdated(farm));
		assert_has(Event::NodeUpdated(node));
		assert_last(Event::FarmingPolicySet(farm_id, Some(left)));
	});
}

#[test]
fn attach_farming_policy_with_gold_farm_certification_works() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let policy_id =
			create_farming_policy(false, NodeCertification::Diy, FarmCertification::Gold, 0);
		attach(farm_id, Some(farm_limits(policy_id, Some(20), Some(2), Some(10))));
		let farm = get_farm(farm_id);
		assert_eq!(farm.certification, FarmCertification::Gold);
		assert_eq!(farm.farming_policy_limits.unwrap().node_count, Some(9));
		assert_eq!(get_node(node_id).farming_policy_id, policy_id);
	});
}

#[test]
fn attach_farming_policy_with_certified_node_certification_works() {
	test(|| {
		// Decision 4: `limits.node_certification` keeps the policy for certified nodes.
		let (farm_id, node_id) = farm_with_node();
		let policy_id = create_farming_policy(
			false,
			NodeCertification::Certified,
			FarmCertification::NotCertified,
			0,
		);
		let limits = FarmingPolicyLimit {
			node_certification: true,
			..farm_limits(policy_id, Some(20), Some(2), Some(10))
		};
		attach(farm_id, Some(limits.clone()));
		// The DIY node does not qualify: it stays on the default policy, the limits are unused.
		assert_eq!(get_node(node_id).farming_policy_id, 1);
		assert_eq!(get_farm(farm_id).farming_policy_limits, Some(limits.clone()));
		assert_last(Event::FarmingPolicySet(farm_id, Some(limits.clone())));

		// Once certified it gets the farm's policy.
		certify(node_id, NodeCertification::Certified);
		let node = get_node(node_id);
		assert_eq!(node.farming_policy_id, policy_id);
		assert_eq!(node.certification, NodeCertification::Certified);
		assert_eq!(
			get_farm(farm_id).farming_policy_limits,
			Some(FarmingPolicyLimit { cu: Some(14), su: Some(0), node_count: Some(9), ..limits })
		);
	});
}

#[test]
fn attach_another_custom_farming_policy_to_farm_works() {
	test(|| {
		let (farm_id, node1) = farm_with_node();
		let first = custom_policy(0);
		let second =
			create_farming_policy(false, NodeCertification::Certified, FarmCertification::Gold, 0);

		attach(farm_id, Some(farm_limits(first, Some(20), Some(2), Some(10))));
		assert_eq!(get_node(node1).farming_policy_id, first);

		// Node 1 is on a custom policy: it keeps it and the new limits stay whole.
		let new_limits = farm_limits(second, Some(20), Some(2), Some(10));
		attach(farm_id, Some(new_limits.clone()));
		let farm = get_farm(farm_id);
		assert_eq!(farm.farming_policy_limits, Some(new_limits.clone()));
		assert_eq!(farm.certification, FarmCertification::Gold);
		assert_eq!(get_node(node1).farming_policy_id, first);

		// A new node gets the new policy; its certification is not overwritten.
		let node2 = create_node(&charlie(), farm_id);
		let node = get_node(node2);
		assert_eq!(node.farming_policy_id, second);
		assert_eq!(node.certification, NodeCertification::Diy);
		assert_eq!(
			get_farm(farm_id).farming_policy_limits,
			Some(FarmingPolicyLimit {
				cu: Some(14),
				su: Some(0),
				node_count: Some(9),
				..new_limits
			})
		);
	});
}

#[test]
fn detach_farming_policy_from_farm_works() {
	test(|| {
		// Decision 4: `None` detaches; nodes keep their policy.
		let (farm_id, node_id) = farm_with_node();
		let policy_id = custom_policy(0);
		attach(farm_id, Some(farm_limits(policy_id, None, None, None)));
		assert_eq!(get_node(node_id).farming_policy_id, policy_id);

		attach(farm_id, None);
		let farm = get_farm(farm_id);
		assert_eq!(farm.farming_policy_limits, None);
		assert_has(Event::FarmUpdated(farm));
		assert_last(Event::FarmingPolicySet(farm_id, None));
		assert_eq!(get_node(node_id).farming_policy_id, policy_id);

		let new_node = create_node(&charlie(), farm_id);
		assert_eq!(get_node(new_node).farming_policy_id, 1);
	});
}

#[test]
fn add_farm_limits_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let limits = farm_limits(1, Some(5), Some(10), Some(10));
		attach(farm_id, Some(limits.clone()));
		let farm = get_farm(farm_id);
		assert_eq!(farm.farming_policy_limits, Some(limits.clone()));
		assert_has(Event::FarmUpdated(farm));
		assert_last(Event::FarmingPolicySet(farm_id, Some(limits.clone())));
		assert_noop!(
			TfgridModule::attach_policy_to_farm(
				RuntimeOrigin::signed(alice()),
				farm_id,
				Some(limits)
			),
			BadOrigin
		);
	});
}

#[test]
fn add_farm_limits_on_expired_policy_fails() {
	test(|| {
		// Decision 4: `policy_end` is an absolute block, expired from that block on.
		let farm1 = create_farm(&alice(), "test_farm");
		let farm2 = create_farm(&alice(), "test_farm2");
		let policy_id = custom_policy(5);
		run_to_block(4);
		attach(farm1, Some(farm_limits(policy_id, Some(5), Some(10), Some(10))));

		run_to_block(5);
		assert_noop!(
			TfgridModule::attach_policy_to_farm(
				RuntimeOrigin::root(),
				farm2,
				Some(farm_limits(policy_id, Some(5), Some(10), Some(10)))
			),
			Error::<Test>::FarmingPolicyExpired
		);
		assert_eq!(get_farm(farm2).farming_policy_limits, None);
	});
}

#[test]
fn attach_unknown_farming_policy_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		assert_noop!(
			TfgridModule::attach_policy_to_farm(
				RuntimeOrigin::root(),
				farm_id,
				Some(farm_limits(9, Some(5), Some(10), Some(10)))
			),
			Error::<Test>::FarmingPolicyNotExists
		);
	});
}

#[test]
fn add_farm_limits_to_non_existent_farm_fails() {
	test(|| {
		assert_noop!(
			TfgridModule::attach_policy_to_farm(
				RuntimeOrigin::root(),
				1,
				Some(farm_limits(1, Some(5), Some(10), Some(10)))
			),
			Error::<Test>::FarmNotExists
		);
	});
}

#[test]
fn boot_node_when_farming_policy_has_limits_works() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let policy_id = custom_policy(0);
		let limits = farm_limits(policy_id, Some(21), Some(10), Some(10));
		attach(farm_id, Some(limits.clone()));
		assert_eq!(get_farm(farm_id).farming_policy_limits, Some(limits.clone()));

		let node_id = create_node(&bob(), farm_id);
		let node = get_node(node_id);
		assert_eq!(node.farming_policy_id, policy_id);
		let farm = get_farm(farm_id);
		assert_eq!(
			farm.farming_policy_limits,
			Some(FarmingPolicyLimit { cu: Some(15), su: Some(8), node_count: Some(9), ..limits })
		);
		assert_has(Event::FarmUpdated(farm));
		assert_last(Event::NodeStored(node));
	});
}

#[test]
fn boot_node_when_farming_policy_low_cu_limit_should_fall_back_to_a_default_policy_fails() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let policy_id = custom_policy(0);
		// The node has CU 6.
		let limits = farm_limits(policy_id, Some(5), Some(10), Some(10));
		attach(farm_id, Some(limits.clone()));

		let node_id = create_node(&bob(), farm_id);
		assert_eq!(get_node(node_id).farming_policy_id, 1);
		assert!(policy_of(node_id).default);
		assert_eq!(get_farm(farm_id).farming_policy_limits, Some(limits));
	});
}

#[test]
fn farm_limits_fall_back_to_a_default_policy() {
	test(|| {
		// Decision 4: each exhausted limit falls back to the default policy, untouched.
		let farm_id = create_farm(&alice(), "test_farm");
		let policy_id = custom_policy(0);
		let cases = [
			// The node has SU 2.
			farm_limits(policy_id, None, Some(1), None),
			farm_limits(policy_id, None, None, Some(0)),
			FarmingPolicyLimit {
				end: Some(GENESIS_SECS - 1),
				..farm_limits(policy_id, None, None, None)
			},
		];
		for (seed, limits) in cases.into_iter().enumerate() {
			attach(farm_id, Some(limits.clone()));
			let node_id = create_node(&numbered_account(10 + seed as u8), farm_id);
			assert_eq!(get_node(node_id).farming_policy_id, 1);
			assert_eq!(get_farm(farm_id).farming_policy_limits, Some(limits));
		}
	});
}

#[test]
fn expired_limited_policy_falls_back_to_a_default_policy() {
	test(|| {
		let farm_id = create_farm(&alice(), "test_farm");
		let policy_id = custom_policy(10);
		let limits = farm_limits(policy_id, None, None, Some(10));
		attach(farm_id, Some(limits.clone()));
		run_to_block(10);
		let node_id = create_node(&bob(), farm_id);
		assert_eq!(get_node(node_id).farming_policy_id, 1);
		assert_eq!(get_farm(farm_id).farming_policy_limits, Some(limits));
	});
}

#[test]
fn expired_policies_are_not_given_out() {
	test(|| {
		// Decision 4.
		let farm_id = create_farm(&alice(), "test_farm");
		let policy_id =
			create_farming_policy(true, NodeCertification::Diy, FarmCertification::NotCertified, 5);
		// The newest matching default policy wins while it runs.
		let first = create_node(&bob(), farm_id);
		assert_eq!(get_node(first).farming_policy_id, policy_id);

		run_to_block(5);
		let second = create_node(&charlie(), farm_id);
		assert_eq!(get_node(second).farming_policy_id, 1);
	});
}

#[test]
fn node_switches_farming_policy_when_marked_as_certified_works() {
	test(|| {
		let (_, node_id) = farm_with_node();
		assert_eq!(policy_of(node_id).node_certification, NodeCertification::Diy);
		assert_ok!(TfgridModule::add_node_certifier(RuntimeOrigin::root(), alice()));
		assert_ok!(TfgridModule::set_node_certification(
			RuntimeOrigin::signed(alice()),
			node_id,
			NodeCertification::Certified
		));
		assert_eq!(get_node(node_id).farming_policy_id, 2);
		assert_eq!(policy_of(node_id).node_certification, NodeCertification::Certified);
	});
}

#[test]
fn node_switches_farming_policy_when_marked_as_certified_toggle_works() {
	test(|| {
		let (_, node_id) = farm_with_node();
		certify(node_id, NodeCertification::Certified);
		assert_eq!(get_node(node_id).farming_policy_id, 2);
		certify(node_id, NodeCertification::Diy);
		assert_eq!(get_node(node_id).farming_policy_id, 1);
		assert_eq!(policy_of(node_id).node_certification, NodeCertification::Diy);
	});
}

#[test]
fn node_switches_farming_policy_when_marked_as_certified_and_gold_farm_works() {
	test(|| {
		let gold_policy =
			create_farming_policy(true, NodeCertification::Certified, FarmCertification::Gold, 0);
		let (farm_id, node_id) = farm_with_node();
		assert_eq!(get_node(node_id).farming_policy_id, 1);

		assert_ok!(TfgridModule::set_farm_certification(
			RuntimeOrigin::root(),
			farm_id,
			FarmCertification::Gold
		));
		certify(node_id, NodeCertification::Certified);
		assert_eq!(get_node(node_id).farming_policy_id, gold_policy);
		let policy = policy_of(node_id);
		assert_eq!(policy.node_certification, NodeCertification::Certified);
		assert_eq!(policy.farm_certification, FarmCertification::Gold);
	});
}

#[test]
fn certification_keeps_a_custom_farming_policy() {
	test(|| {
		let (farm_id, node_id) = farm_with_node();
		let policy_id = custom_policy(0);
		attach(farm_id, Some(farm_limits(policy_id, None, None, None)));
		certify(node_id, NodeCertification::Certified);
		let node = get_node(node_id);
		assert_eq!(node.farming_policy_id, policy_id);
		assert_eq!(node.certification, NodeCertification::Certified);
	});
}

fn sample_policy(
	id: u32,
	default: bool,
	node_certification: NodeCertification,
	farm_certification: FarmCertification,
) -> FarmingPolicy<u64> {
	FarmingPolicy { id, default, node_certification, farm_certification, ..Default::default() }
}

#[test]
fn sort_policies() {
	test(|| {
		let mut policies = [
			sample_policy(1, true, NodeCertification::Diy, FarmCertification::Gold),
			sample_policy(2, true, NodeCertification::Diy, FarmCertification::NotCertified),
			sample_policy(3, true, NodeCertification::Certified, FarmCertification::Gold),
			sample_policy(4, true, NodeCertification::Certified, FarmCertification::NotCertified),
		];
		// Most preferred first: the most certified farm, then the most certified node.
		policies.sort_by_key(|policy| core::cmp::Reverse(policy.preference_key()));
		let ids: Vec<u32> = policies.iter().map(|policy| policy.id).collect();
		assert_eq!(ids, vec![3, 1, 4, 2]);
	});
}

#[test]
fn test_farming_policies_ordering_and_assignment() {
	test(|| {
		let mut policies = [
			sample_policy(1, true, NodeCertification::Diy, FarmCertification::NotCertified),
			sample_policy(2, false, NodeCertification::Certified, FarmCertification::NotCertified),
			sample_policy(3, true, NodeCertification::Certified, FarmCertification::Gold),
			sample_policy(4, false, NodeCertification::Diy, FarmCertification::NotCertified),
		];
		policies.sort_by_key(|policy| policy.preference_key());
		let ids: Vec<u32> = policies.iter().map(|policy| policy.id).collect();
		assert_eq!(ids, vec![4, 2, 1, 3]);

		// On chain: non-default and Gold policies do not go to a DIY node in a plain farm.
		custom_policy(0);
		create_farming_policy(true, NodeCertification::Certified, FarmCertification::Gold, 0);
		create_farming_policy(true, NodeCertification::Diy, FarmCertification::Gold, 0);
		let (_, node_id) = farm_with_node();
		assert_eq!(get_node(node_id).farming_policy_id, 1);

		// A newer matching default policy is preferred.
		let newest =
			create_farming_policy(true, NodeCertification::Diy, FarmCertification::NotCertified, 0);
		let node2 = create_node(&charlie(), 1);
		assert_eq!(get_node(node2).farming_policy_id, newest);
	});
}

// ---- pricing policies ----

#[test]
fn test_create_and_update_policy() {
	test(|| {
		assert_ok!(create_pricing_policy(b"policy_1"));
		let name: PolicyName = bv(b"policy_1");
		let id = PricingPolicyIdByName::<Test>::get(&name);
		assert_eq!(id, 2);
		let policy = PricingPolicies::<Test>::get(id).unwrap();
		assert_eq!(policy.version, TFGRID_PRICING_POLICY_VERSION);
		assert_eq!((policy.id, policy.name.clone()), (id, name.clone()));
		assert_eq!(policy.nu, price(1_000));
		assert_last(Event::PricingPolicyStored(policy));

		// Same name, new NU price.
		assert_ok!(update_pricing_policy(id, b"policy_1", 900));
		let policy = PricingPolicies::<Test>::get(id).unwrap();
		assert_eq!((policy.id, policy.name.clone()), (id, name.clone()));
		assert_eq!(policy.nu, price(900));
		assert_last(Event::PricingPolicyStored(policy));

		// Renamed.
		assert_ok!(update_pricing_policy(id, b"policy_1_updated", 900));
		let new_name: PolicyName = bv(b"policy_1_updated");
		assert_eq!(PricingPolicies::<Test>::get(id).unwrap().name, new_name);
		assert_eq!(PricingPolicyIdByName::<Test>::get(&name), 0);
		assert_eq!(PricingPolicyIdByName::<Test>::get(&new_name), id);

		// Another policy may not take that name.
		assert_ok!(create_pricing_policy(b"policy_2"));
		assert_noop!(
			update_pricing_policy(3, b"policy_1_updated", 900),
			Error::<Test>::PricingPolicyWithDifferentIdExists
		);
		assert_noop!(create_pricing_policy(b"policy_2"), Error::<Test>::PricingPolicyExists);
		assert_noop!(
			update_pricing_policy(9, b"policy_9", 900),
			Error::<Test>::PricingPolicyNotExists
		);
		assert_noop!(
			TfgridModule::create_pricing_policy(
				RuntimeOrigin::signed(alice()),
				b"policy_3".to_vec(),
				price(1),
				price(1),
				price(1),
				price(1),
				price(1),
				price(1),
				bob(),
				bob(),
				50,
			),
			BadOrigin
		);
	});
}

#[test]
fn pricing_policy_counter_is_not_rewound() {
	test(|| {
		// Decision 1.
		assert_ok!(create_pricing_policy(b"policy_1"));
		assert_ok!(create_pricing_policy(b"policy_2"));
		assert_eq!(PricingPolicyID::<Test>::get(), 3);
		assert_ok!(update_pricing_policy(2, b"policy_1", 900));
		assert_eq!(PricingPolicyID::<Test>::get(), 3);

		assert_ok!(create_pricing_policy(b"policy_3"));
		assert_eq!(PricingPolicyID::<Test>::get(), 4);
		let policy_2: PolicyName = bv(b"policy_2");
		assert_eq!(PricingPolicies::<Test>::get(3).unwrap().name, policy_2);
		assert_eq!(PricingPolicies::<Test>::get(4).unwrap().id, 4);

		// The genesis policy's name is taken too.
		assert_noop!(
			create_pricing_policy(b"threefold_default_pricing_policy"),
			Error::<Test>::PricingPolicyExists
		);
	});
}

// ---- Zero-OS version ----

#[test]
fn test_set_zos_version() {
	test(|| {
		assert_ok!(TfgridModule::set_zos_version(RuntimeOrigin::root(), b"1.0.0".to_vec()));
		assert_eq!(ZosVersion::<Test>::get().into_inner(), b"1.0.0".to_vec());
		assert_last(Event::ZosVersionUpdated(b"1.0.0".to_vec()));
		assert_noop!(
			TfgridModule::set_zos_version(RuntimeOrigin::signed(alice()), b"1.0.1".to_vec()),
			BadOrigin
		);
	});
}

#[test]
fn test_set_invalid_zos_version_fails() {
	test(|| {
		assert_ok!(TfgridModule::set_zos_version(RuntimeOrigin::root(), b"1.0.0".to_vec()));
		assert_noop!(
			TfgridModule::set_zos_version(
				RuntimeOrigin::root(),
				ZosVersion::<Test>::get().into_inner()
			),
			Error::<Test>::InvalidZosVersion
		);
		// Decision 12.
		assert_noop!(
			TfgridModule::set_zos_version(RuntimeOrigin::root(), vec![b'9'; 257]),
			Error::<Test>::ZosVersionTooLong
		);
		assert_ok!(TfgridModule::set_zos_version(RuntimeOrigin::root(), vec![b'9'; 256]));
	});
}

// ---- other calls and bounds ----

#[test]
fn set_storage_version_works() {
	test(|| {
		assert_ok!(TfgridModule::set_storage_version(
			RuntimeOrigin::root(),
			crate::types::StorageVersion::V16Struct
		));
		assert_eq!(PalletVersion::<Test>::get(), crate::types::StorageVersion::V16Struct);
		assert_noop!(
			TfgridModule::set_storage_version(
				RuntimeOrigin::signed(alice()),
				crate::types::StorageVersion::V17Struct
			),
			BadOrigin
		);
	});
}

#[test]
fn oversized_inputs_do_not_decode() {
	test(|| {
		// Decision 15: bounds are enforced when the call is decoded. `TfgridModule` is pallet 2.
		let create_farm_call = |name_length: usize| {
			let mut encoded = vec![2u8, 1];
			encoded.extend(vec![b'a'; name_length].encode());
			encoded.extend(Vec::<IP4>::new().encode());
			encoded
		};
		assert_eq!(
			RuntimeCall::decode(&mut &create_farm_call(40)[..]).unwrap(),
			RuntimeCall::TfgridModule(crate::Call::create_farm {
				name: bv(&[b'a'; 40]),
				public_ips: BoundedVec::new(),
			})
		);
		assert!(RuntimeCall::decode(&mut &create_farm_call(41)[..]).is_err());

		let create_twin_call = |relay_length: usize| {
			let mut encoded = vec![2u8, 17];
			encoded.extend(Some(vec![b'a'; relay_length]).encode());
			encoded.extend(None::<Vec<u8>>.encode());
			encoded
		};
		assert!(RuntimeCall::decode(&mut &create_twin_call(1024)[..]).is_ok());
		assert!(RuntimeCall::decode(&mut &create_twin_call(1025)[..]).is_err());
	});
}

#[test]
fn free_node_calls_are_only_free_when_they_succeed() {
	use frame::deps::frame_support::dispatch::GetDispatchInfo;
	test(|| {
		// Declared as paying, so failing calls (e.g. from accounts without a node) cost a fee;
		// a successful call returns `Pays::No`.
		let calls: [crate::Call<Test>; 4] = [
			crate::Call::report_uptime { uptime: 1 },
			crate::Call::report_uptime_v2 { uptime: 1, timestamp_hint: 1 },
			crate::Call::change_power_state { power_state: Power::Up },
			crate::Call::update_node {
				node_id: 1,
				farm_id: 1,
				resources: node_resources(),
				location: Default::default(),
				interfaces: Default::default(),
				secure_boot: false,
				virtualized: false,
				serial_number: None,
			},
		];
		for call in calls {
			assert_eq!(call.get_dispatch_info().pays_fee, Pays::Yes);
		}
		let error = TfgridModule::report_uptime(RuntimeOrigin::signed(dave()), 1).unwrap_err();
		assert_eq!(error.post_info.pays_fee, Pays::Yes);
	});
}
