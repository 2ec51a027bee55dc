//! A mock runtime for the registry: `frame_system`, the timestamp pallet and `TfgridModule`,
//! with TFChain's dev genesis and stand-ins for the other pallets' hooks that record each call.

use crate as pallet_tfgrid;
use alloc::collections::BTreeSet;
use core::cell::RefCell;
use frame::{
	deps::{
		sp_io::TestExternalities as TestState,
		sp_runtime::{AccountId32, BuildStorage},
	},
	runtime::prelude::*,
};
use polkadot_sdk::sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use polkadot_sdk::{pallet_timestamp, sp_keyring::Sr25519Keyring};
use tfchain_primitives::{
	grid::{Node, PublicIP},
	traits::{ChangeNode, NodeActiveContracts, PublicIpModifier},
};

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_construct_runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeHoldReason,
		RuntimeFreezeReason,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type TfgridModule = pallet_tfgrid;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId32;
	type Lookup = IdentityLookup<AccountId32>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl pallet_tfgrid::Config for Test {
	type RestrictedOrigin = EnsureRoot<AccountId32>;
	type Time = Timestamp;
	type NodeChanged = MockHooks;
	type PublicIpModifier = MockHooks;
	type NodeActiveContracts = MockHooks;
	type TimestampHintDrift = ConstU64<60>;
	type MaxNodesPerFarm = ConstU32<5>;
	type MaxFarmingPolicies = ConstU32<10>;
	type MaxNodeCertifiers = ConstU32<3>;
	type WeightInfo = ();
}

/// A hook the registry called.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum HookCall {
	/// `ChangeNode::node_changed`: the old node's id (`None` on creation) and the new node's id.
	NodeChanged {
		/// Id of the node before the change.
		old: Option<u32>,
		/// Id of the node after the change.
		new: u32,
	},
	/// `ChangeNode::node_deleted` with the node's id.
	NodeDeleted(u32),
	/// `ChangeNode::node_power_state_changed` with the node's id.
	PowerStateChanged(u32),
	/// `PublicIpModifier::ip_removed` with the IP and the contract that held it.
	IpRemoved {
		/// The IP (with prefix).
		ip: Vec<u8>,
		/// The contract that held it.
		contract_id: u64,
	},
}

thread_local! {
	static HOOK_CALLS: RefCell<Vec<HookCall>> = const { RefCell::new(Vec::new()) };
	static BUSY_NODES: RefCell<BTreeSet<u32>> = const { RefCell::new(BTreeSet::new()) };
}

fn record(call: HookCall) {
	HOOK_CALLS.with(|calls| calls.borrow_mut().push(call));
}

/// The hooks called since the last call of this function, oldest first.
pub fn take_hook_calls() -> Vec<HookCall> {
	HOOK_CALLS.with(|calls| core::mem::take(&mut *calls.borrow_mut()))
}

/// Marks a node as running contracts (`busy`) or not, for `NodeActiveContracts`.
pub fn set_node_busy(node_id: u32, busy: bool) {
	BUSY_NODES.with(|nodes| {
		let mut nodes = nodes.borrow_mut();
		if busy {
			nodes.insert(node_id);
		} else {
			nodes.remove(&node_id);
		}
	});
}

/// Stands in for the contracts, DAO and other pallets: records every hook call and reports the
/// nodes marked by [`set_node_busy`] as running contracts.
pub struct MockHooks;

impl ChangeNode for MockHooks {
	fn node_changed(old: Option<&Node>, new: &Node) {
		record(HookCall::NodeChanged { old: old.map(|node| node.id), new: new.id });
	}

	fn node_deleted(node: &Node) {
		// Contracts bill a deleted node one last time: it must still be stored.
		assert!(crate::Nodes::<Test>::contains_key(node.id), "node_deleted after removal");
		record(HookCall::NodeDeleted(node.id));
	}

	fn node_power_state_changed(node: &Node) {
		record(HookCall::PowerStateChanged(node.id));
	}
}

impl PublicIpModifier for MockHooks {
	fn ip_removed(ip: &PublicIP) {
		record(HookCall::IpRemoved { ip: ip.ip.to_vec(), contract_id: ip.contract_id });
	}
}

impl NodeActiveContracts for MockHooks {
	fn node_has_no_active_contracts(node_id: u32) -> bool {
		BUSY_NODES.with(|nodes| !nodes.borrow().contains(&node_id))
	}
}

/// Chain time at block 1 (milliseconds): 2021-08-04 13:00:00 UTC, as in TFChain's mocks.
pub const GENESIS_TIME_MS: u64 = 1_628_082_000_000;
/// Time between two blocks (milliseconds).
pub const BLOCK_TIME_MS: u64 = 6_000;

/// Alice's sr25519 account.
pub fn alice() -> AccountId32 {
	Sr25519Keyring::Alice.to_account_id()
}

/// Bob's sr25519 account.
pub fn bob() -> AccountId32 {
	Sr25519Keyring::Bob.to_account_id()
}

/// Charlie's sr25519 account.
pub fn charlie() -> AccountId32 {
	Sr25519Keyring::Charlie.to_account_id()
}

/// Dave's sr25519 account.
pub fn dave() -> AccountId32 {
	Sr25519Keyring::Dave.to_account_id()
}

/// Eve's sr25519 account (foundation account of pricing policy 1).
pub fn eve() -> AccountId32 {
	Sr25519Keyring::Eve.to_account_id()
}

/// Ferdie's sr25519 account (sales account of pricing policy 1).
pub fn ferdie() -> AccountId32 {
	Sr25519Keyring::Ferdie.to_account_id()
}

/// Externalities with TFChain's dev genesis of the registry (pricing policy 1, farming policies
/// 1 and 2, connection price 80), at block 1 and [`GENESIS_TIME_MS`].
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_tfgrid::GenesisConfig::<Test> {
		su_price_value: 50_000,
		su_price_unit: 4,
		nu_price_value: 15_000,
		nu_price_unit: 4,
		ipu_price_value: 40_000,
		ipu_price_unit: 4,
		cu_price_value: 100_000,
		cu_price_unit: 4,
		domain_name_price_value: 5_000,
		unique_name_price_value: 2_500,
		foundation_account: Some(eve()),
		sales_account: Some(ferdie()),
		discount_for_dedication_nodes: 50,
		farming_policy_diy_cu: 2_400,
		farming_policy_diy_nu: 30,
		farming_policy_diy_su: 1_000,
		farming_policy_diy_ipu: 5,
		farming_policy_diy_minimal_uptime: 95,
		farming_policy_certified_cu: 3_000,
		farming_policy_certified_nu: 38,
		farming_policy_certified_su: 1_250,
		farming_policy_certified_ipu: 6,
		farming_policy_certified_minimal_uptime: 95,
		connection_price: 80,
		node_certifiers: Vec::new(),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	HOOK_CALLS.with(|calls| calls.borrow_mut().clear());
	BUSY_NODES.with(|nodes| nodes.borrow_mut().clear());
	let mut ext = TestState::new(storage);
	// Benchmarks sign entity proofs with keys they generate in this keystore.
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| run_to_block(1));
	ext
}

/// Run a test and check the pallet's storage invariants afterwards.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		TfgridModule::do_try_state().expect("storage invariants hold");
	});
}

/// Moves to block `n` (from 1), with the clock at [`BLOCK_TIME_MS`] per block after
/// [`GENESIS_TIME_MS`].
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
	Timestamp::set_timestamp(GENESIS_TIME_MS + BLOCK_TIME_MS * n.saturating_sub(1));
}

/// Chain time in Unix seconds.
pub fn now_secs() -> u64 {
	Timestamp::get() / 1_000
}

/// The registry's events so far, oldest first.
pub fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::TfgridModule(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The registry's last event.
pub fn last_event() -> crate::Event<Test> {
	events().pop().expect("the registry emitted an event")
}

/// Lower-case hex of `bytes`, as ASCII.
pub fn hex(bytes: &[u8]) -> Vec<u8> {
	const DIGITS: &[u8; 16] = b"0123456789abcdef";
	bytes
		.iter()
		.flat_map(|byte| [DIGITS[usize::from(byte >> 4)], DIGITS[usize::from(byte & 0x0f)]])
		.collect()
}
