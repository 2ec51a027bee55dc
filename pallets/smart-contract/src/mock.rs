//! A mock runtime with the real registry (`TfgridModule`), price oracle (`TFTPriceModule`),
//! balances and timestamp pallets, set up like TFChain's contract tests: test pricing policy 1,
//! TFT at 50 mUSD, billing every 10 blocks, grace 100 blocks, 6-second blocks.

use crate as pallet_smart_contract;
use frame::{
	deps::{
		sp_io::TestExternalities as TestState,
		sp_runtime::{AccountId32, BuildStorage},
	},
	runtime::prelude::*,
};
use polkadot_sdk::{pallet_balances, pallet_timestamp, sp_keyring::Sr25519Keyring};
use tfchain_primitives::traits::{GridBenchmarkHelper, PriceFeeders};

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
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(25)]
	pub type TfgridModule = pallet_tfgrid;
	#[runtime::pallet_index(26)]
	pub type SmartContractModule = pallet_smart_contract;
	#[runtime::pallet_index(28)]
	pub type TFTPriceModule = pallet_tft_price;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<u128>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<500>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_tfgrid::Config for Test {
	type RestrictedOrigin = EnsureRoot<AccountId>;
	type Time = Timestamp;
	type NodeChanged = SmartContractModule;
	type PublicIpModifier = SmartContractModule;
	type NodeActiveContracts = SmartContractModule;
	type TimestampHintDrift = ConstU64<60>;
	type MaxNodesPerFarm = ConstU32<100>;
	type MaxFarmingPolicies = ConstU32<10>;
	type MaxNodeCertifiers = ConstU32<3>;
	type WeightInfo = ();
}

/// Price feeders of the mock: Alice and Bob.
pub struct MockFeeders;
impl PriceFeeders<AccountId> for MockFeeders {
	fn is_price_feeder(who: &AccountId) -> bool {
		*who == alice() || *who == bob()
	}
}

/// Gives the price oracle's benchmarks a feeder.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockPriceBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_tft_price::BenchmarkHelper<AccountId> for MockPriceBenchmarkHelper {
	fn price_feeder() -> AccountId {
		alice()
	}
}

impl pallet_tft_price::Config for Test {
	type RestrictedOrigin = EnsureRoot<AccountId>;
	type Feeders = MockFeeders;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockPriceBenchmarkHelper;
}

parameter_types! {
	/// The staking pool account of the mock.
	pub StakingPool: AccountId = AccountId32::new([7u8; 32]);
	/// The billing hook may use a quarter of a block.
	pub BillingShare: Perbill = Perbill::from_percent(25);
}

impl pallet_smart_contract::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Grid = TfgridModule;
	type TftPrice = TFTPriceModule;
	type Time = Timestamp;
	type RestrictedOrigin = EnsureRoot<AccountId>;
	type StakingPoolAccount = StakingPool;
	type BillingFrequency = ConstU64<10>;
	type DistributionFrequency = ConstU16<24>;
	type GracePeriod = ConstU64<100>;
	type OfflineThreshold = ConstU64<7200>;
	type BillingWeightShare = BillingShare;
	type MaxNodeContractsPerNode = ConstU32<32>;
	type MaxContractsPerBillingSlot = ConstU32<1000>;
	type MaxReportsPerCall = ConstU32<64>;
	type UsageObserver = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}

/// Chain time (Unix seconds) at block 0.
pub const GENESIS_TIME: u64 = 1_628_082_000;
/// Block time of the mock, seconds.
pub const BLOCK_SECS: u64 = 6;

/// Alice: a user with plenty of funds.
pub fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}
/// Bob: a user with 2.5 × 10^9 planck; farmer of the test farm.
pub fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}
/// Charlie: a user with little funds (150_000 planck).
pub fn charlie() -> AccountId {
	Sr25519Keyring::Charlie.to_account_id()
}
/// Dave: a funded user; payee of the test solution provider.
pub fn dave() -> AccountId {
	Sr25519Keyring::Dave.to_account_id()
}
/// Eve: the sales account of pricing policy 1.
pub fn eve() -> AccountId {
	Sr25519Keyring::Eve.to_account_id()
}
/// Ferdie: the foundation account of pricing policy 1.
pub fn ferdie() -> AccountId {
	Sr25519Keyring::Ferdie.to_account_id()
}
/// The account of the test node's twin.
pub fn node_account() -> AccountId {
	Sr25519Keyring::One.to_account_id()
}
/// The account of a second node's twin.
pub fn node2_account() -> AccountId {
	Sr25519Keyring::Two.to_account_id()
}

/// Genesis with TFChain's contract-test balances, pricing policy and price band, and the
/// clock at [`GENESIS_TIME`].
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(alice(), 1_000_000_000_000),
			(bob(), 2_500_000_000),
			(charlie(), 150_000),
			(dave(), 1_000_000_000_000),
			(eve(), 1_000_000),
			(ferdie(), 1_000_000),
			(node_account(), 1_000_000),
			(node2_account(), 1_000_000),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_tfgrid::GenesisConfig::<Test> {
		su_price_value: 194_400,
		su_price_unit: 4,
		nu_price_value: 50_000,
		nu_price_unit: 4,
		ipu_price_value: 69_400,
		ipu_price_unit: 4,
		cu_price_value: 305_600,
		cu_price_unit: 4,
		unique_name_price_value: 13_900,
		domain_name_price_value: 27_800,
		foundation_account: Some(ferdie()),
		sales_account: Some(eve()),
		discount_for_dedication_nodes: 50,
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_tft_price::GenesisConfig::<Test> {
		min_tft_price: 10,
		max_tft_price: 1000,
		initial_price: Some(50),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = TestState::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp((GENESIS_TIME + BLOCK_SECS) * 1000);
	});
	ext
}

/// Runs a test and checks the pallet's invariants afterwards.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		SmartContractModule::do_try_state().expect("invariants hold");
	});
}

/// Advances to block `n`, moving the clock 6 s per block and running the billing hook.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Timestamp::set_timestamp((GENESIS_TIME + BLOCK_SECS * next) * 1000);
		<SmartContractModule as Hooks<u64>>::on_initialize(next);
	}
}

/// The registry set-up most tests use: twins for Alice, Bob, Charlie, Dave; Bob's farm with
/// two public IPs; node 1 of `node_account()` (hru 1 TiB, sru 512 GiB, 8 cores, 16 GiB) in it.
pub fn prepare_farm_and_node() -> u32 {
	for who in [alice(), bob(), charlie(), dave()] {
		TfgridModule::make_twin(&who);
	}
	let bob_twin = TfgridModule::make_twin(&bob());
	let farm = TfgridModule::make_farm(bob_twin, 2, false);
	let node_twin = TfgridModule::make_twin(&node_account());
	TfgridModule::make_node(node_twin, farm)
}

/// Like [`prepare_farm_and_node`] but the farm is dedicated.
pub fn prepare_dedicated_farm_and_node() -> u32 {
	for who in [alice(), bob(), charlie(), dave()] {
		TfgridModule::make_twin(&who);
	}
	let bob_twin = TfgridModule::make_twin(&bob());
	let farm = TfgridModule::make_farm(bob_twin, 2, true);
	let node_twin = TfgridModule::make_twin(&node_account());
	TfgridModule::make_node(node_twin, farm)
}
