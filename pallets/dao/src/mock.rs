//! A mock runtime with the real registry (`TfgridModule`, which tells the DAO about nodes) and
//! the real membership pallet as the council, set up like TFChain's DAO tests: council members
//! 1, 2 and 3, votes last 4 blocks, 2 vetoes drop a proposal.

use crate as pallet_dao;
use frame::{
	deps::{
		sp_io::TestExternalities as TestState,
		sp_runtime::{AccountId32, BuildStorage},
	},
	runtime::prelude::*,
};
use polkadot_sdk::{pallet_membership, pallet_timestamp};
use tfchain_primitives::{
	grid::{Interfaces, Location},
	resources::{Resources, GIB},
	traits::GridBenchmarkHelper,
};

type Block = frame_system::mocking::MockBlock<Test>;
/// Account type of the mock.
pub type AccountId = AccountId32;

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
	#[runtime::pallet_index(25)]
	pub type TfgridModule = pallet_tfgrid;
	#[runtime::pallet_index(41)]
	pub type CouncilMembership = pallet_membership;
	#[runtime::pallet_index(43)]
	pub type Dao = pallet_dao;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

impl pallet_tfgrid::Config for Test {
	type RestrictedOrigin = EnsureRoot<AccountId>;
	type Time = Timestamp;
	type NodeChanged = Dao;
	type PublicIpModifier = ();
	type NodeActiveContracts = ();
	type TimestampHintDrift = ConstU64<60>;
	type MaxNodesPerFarm = ConstU32<100>;
	type MaxFarmingPolicies = ConstU32<10>;
	type MaxNodeCertifiers = ConstU32<3>;
	type WeightInfo = ();
}

impl pallet_membership::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = EnsureRoot<AccountId>;
	type RemoveOrigin = EnsureRoot<AccountId>;
	type SwapOrigin = EnsureRoot<AccountId>;
	type ResetOrigin = EnsureRoot<AccountId>;
	type PrimeOrigin = EnsureRoot<AccountId>;
	type MembershipInitialized = ();
	type MembershipChanged = ();
	type MaxMembers = ConstU32<100>;
	type WeightInfo = ();
}

/// Most live proposals in the mock.
pub const MAX_PROPOSALS: u32 = 8;
/// Longest action in the mock, bytes.
pub const MAX_PROPOSAL_LENGTH: u32 = 1000;
/// Longest description and link in the mock, bytes.
pub const MAX_TEXT_LENGTH: u32 = 64;
/// Shortest custom duration in the mock, blocks.
pub const MIN_DURATION: u64 = 2;
/// Longest custom duration in the mock, blocks.
pub const MAX_DURATION: u64 = 100;

parameter_types! {
	/// Heaviest action: a quarter of a second (tests may lower it).
	pub storage MaxProposalWeight: Weight = Weight::from_parts(
		frame::deps::frame_support::weights::constants::WEIGHT_REF_TIME_PER_SECOND / 4,
		4 * 1024 * 1024,
	);
}

impl pallet_dao::Config for Test {
	type Proposal = RuntimeCall;
	type CouncilMembers = CouncilMembership;
	type Tfgrid = TfgridModule;
	type MotionDuration = ConstU64<4>;
	type MinProposalDuration = ConstU64<MIN_DURATION>;
	type MaxProposalDuration = ConstU64<MAX_DURATION>;
	type MinVetos = ConstU32<2>;
	type MaxProposals = ConstU32<MAX_PROPOSALS>;
	type MaxProposalLength = ConstU32<MAX_PROPOSAL_LENGTH>;
	type MaxProposalWeight = MaxProposalWeight;
	type MaxDescriptionLength = ConstU32<MAX_TEXT_LENGTH>;
	type MaxLinkLength = ConstU32<MAX_TEXT_LENGTH>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}

/// Account `n` of the tests: 1, 2 and 3 are the council; 10 and up are farmers.
pub fn acc(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

/// Genesis: council members 1, 2 and 3, the registry's default farming policies, block 1.
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_membership::GenesisConfig::<Test> {
		members: BoundedVec::truncate_from(vec![acc(1), acc(2), acc(3)]),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_tfgrid::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = TestState::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		Dao::do_try_state().expect("invariants hold");
	});
}

/// Moves to block `n` (the DAO has no block hooks).
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}

/// The test node: CU 6, SU 2, so weight 14.
pub fn small_node() -> Resources {
	Resources { hru: 1024 * GIB as u64, sru: 512 * GIB as u64, cru: 8, mru: 16 * GIB as u64 }
}

/// A big node: CU 30, SU 7, so weight 67.
pub fn big_node() -> Resources {
	Resources { hru: 4096 * GIB as u64, sru: 1024 * GIB as u64, cru: 16, mru: 64 * GIB as u64 }
}

/// A farm of `farmer` (its twin is created if needed); returns the farm id.
pub fn create_farm(farmer: &AccountId) -> u32 {
	let twin = TfgridModule::make_twin(farmer);
	TfgridModule::make_farm(twin, 0, false)
}

fn location() -> Location {
	Location {
		city: BoundedVec::truncate_from(b"Ghent".to_vec()),
		country: BoundedVec::truncate_from(b"Belgium".to_vec()),
		latitude: BoundedVec::truncate_from(b"12.233213231".to_vec()),
		longitude: BoundedVec::truncate_from(b"32.323112123".to_vec()),
	}
}

/// The account of the twin of the next node (one twin per node).
fn next_node_account() -> AccountId {
	let next = pallet_tfgrid::NodeID::<Test>::get() + 1;
	AccountId32::new([200u8.wrapping_add(next as u8); 32])
}

/// Registers a node with `resources` in `farm_id` through the registry's `create_node` call
/// (which tells the DAO); returns the node id and the node's account.
pub fn create_node(farm_id: u32, resources: Resources) -> (u32, AccountId) {
	let who = next_node_account();
	TfgridModule::make_twin(&who);
	frame::deps::frame_support::assert_ok!(TfgridModule::create_node(
		RuntimeOrigin::signed(who.clone()),
		farm_id,
		resources,
		location(),
		Interfaces::default(),
		false,
		false,
		None,
	));
	(pallet_tfgrid::NodeID::<Test>::get(), who)
}

/// Updates node `node_id` (of `node_account`) through the registry: new farm and resources.
pub fn update_node(
	node_account: &AccountId,
	node_id: u32,
	farm_id: u32,
	resources: Resources,
) -> DispatchResultWithPostInfo {
	TfgridModule::update_node(
		RuntimeOrigin::signed(node_account.clone()),
		node_id,
		farm_id,
		resources,
		location(),
		Interfaces::default(),
		false,
		false,
		None,
	)
}

/// A farm of `farmer` with one node of `resources`; returns the farm id.
pub fn farm_with_node(farmer: &AccountId, resources: Resources) -> u32 {
	let farm = create_farm(farmer);
	create_node(farm, resources);
	farm
}
