//! A mock runtime with the real registry (`TfgridModule`, with TFChain's DIY and certified
//! farming policies), balances and timestamp pallets. Reward periods are one hour, aligned so
//! that the genesis time starts a period; blocks are 6 seconds.

use crate as pallet_minting;
use frame::{
	deps::{
		sp_io::TestExternalities as TestState,
		sp_runtime::{AccountId32, BuildStorage},
	},
	runtime::prelude::*,
};
use polkadot_sdk::{pallet_balances, pallet_timestamp, sp_keyring::Sr25519Keyring};
use tfchain_primitives::{
	grid::{Interfaces, Location, Power},
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
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(25)]
	pub type TfgridModule = pallet_tfgrid;
	#[runtime::pallet_index(44)]
	pub type Minting = pallet_minting;
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
	type NodeChanged = Minting;
	type PublicIpModifier = ();
	type NodeActiveContracts = ();
	type TimestampHintDrift = ConstU64<60>;
	type MaxNodesPerFarm = ConstU32<100>;
	type MaxFarmingPolicies = ConstU32<10>;
	type MaxNodeCertifiers = ConstU32<3>;
	type WeightInfo = ();
}

parameter_types! {
	/// Settlement may use a tenth of a block.
	pub SettlementShare: Perbill = Perbill::from_percent(10);
}

impl pallet_minting::Config for Test {
	type Currency = Balances;
	type Grid = TfgridModule;
	type Time = Timestamp;
	type RestrictedOrigin = EnsureRoot<AccountId>;
	type BootTolerance = ConstU64<60>;
	type StallThreshold = ConstU64<60>;
	type MaxNodesPerBlock = ConstU32<2>;
	type SettlementWeightShare = SettlementShare;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}

/// Reward period of the mock: one hour.
pub const PERIOD: u64 = 3_600;
/// Settlement delay of the mock: one minute.
pub const SETTLE_DELAY: u64 = 60;
/// Chain time (Unix seconds) at block 0: the start of period [`GENESIS_PERIOD`].
pub const GENESIS_TIME: u64 = GENESIS_PERIOD as u64 * PERIOD;
/// The period holding the genesis time.
pub const GENESIS_PERIOD: u32 = 472_222;
/// Block time of the mock, seconds.
pub const BLOCK_SECS: u64 = 6;
/// Balance of every endowed account.
pub const ENDOWMENT: u128 = 1_000_000_000;

/// Bob: farmer of farm 1.
pub fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}
/// Charlie: farmer of farm 2.
pub fn charlie() -> AccountId {
	Sr25519Keyring::Charlie.to_account_id()
}
/// Dave: a payout account.
pub fn dave() -> AccountId {
	Sr25519Keyring::Dave.to_account_id()
}
/// The account of node `n`'s twin.
pub fn node_account(n: u8) -> AccountId {
	AccountId32::new([n; 32])
}

/// Genesis: TFChain's farming policies 1 (DIY: 2 400 / 1 000 / 30 / 5, 95 %) and 2 (certified:
/// 3 000 / 1 250 / 38 / 6, 95 %), connection price 80 mUSD; one-hour periods.
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(bob(), ENDOWMENT), (charlie(), ENDOWMENT)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
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
		foundation_account: Some(dave()),
		sales_account: Some(dave()),
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
	pallet_minting::GenesisConfig::<Test> {
		reward_period: PERIOD,
		settle_delay: SETTLE_DELAY,
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = TestState::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(GENESIS_TIME * 1000);
		<Minting as Hooks<u64>>::on_initialize(1);
	});
	ext
}

/// Runs a test, then checks the invariants and that total issuance grew by exactly what the
/// statements minted.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		body();
		Minting::do_try_state().expect("invariants hold");
		let minted: u128 = statements().iter().map(|s| s.minted).sum();
		assert_eq!(crate::TotalMinted::<Test>::get(), minted);
		assert_eq!(Balances::total_issuance(), issuance + minted);
	});
}

/// Chain time now, seconds.
pub fn now() -> u64 {
	Minting::now_secs()
}

/// Produces blocks every [`BLOCK_SECS`] until chain time `t`, running the minting hook.
pub fn run_until(t: u64) {
	while now() + BLOCK_SECS <= t {
		next_block_at(now() + BLOCK_SECS);
	}
}

/// Produces one block at chain time `t` (a jump past several block times is a stall).
pub fn next_block_at(t: u64) {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Timestamp::set_timestamp(t * 1000);
	<Minting as Hooks<u64>>::on_initialize(next);
}

/// Creates a twin for `who` if it has none; returns its id.
pub fn twin(who: &AccountId) -> u32 {
	TfgridModule::make_twin(who)
}

/// A farm of `farmer` (no public IPs); returns its id.
pub fn farm_of(farmer: &AccountId) -> u32 {
	let twin_id = twin(farmer);
	TfgridModule::make_farm(twin_id, 0, false)
}

/// Capacity of the test nodes: 6 CU and 2 SU (hru 1 TiB, sru 512 GiB, 8 cores, 16 GiB).
pub fn node_resources() -> Resources {
	Resources { hru: (1024 * GIB) as u64, sru: (512 * GIB) as u64, cru: 8, mru: (16 * GIB) as u64 }
}

/// A valid location.
pub fn location() -> Location {
	Location {
		city: b"Ghent".to_vec().try_into().unwrap(),
		country: b"Belgium".to_vec().try_into().unwrap(),
		latitude: b"51.05".to_vec().try_into().unwrap(),
		longitude: b"3.72".to_vec().try_into().unwrap(),
	}
}

/// Registers node `n` in `farm_id` through the registry's `create_node`; returns its id.
pub fn create_node(n: u8, farm_id: u32) -> u32 {
	twin(&node_account(n));
	frame::testing_prelude::assert_ok!(TfgridModule::create_node(
		RuntimeOrigin::signed(node_account(n)),
		farm_id,
		node_resources(),
		location(),
		Interfaces::default(),
		false,
		false,
		None,
	));
	pallet_tfgrid::NodeID::<Test>::get()
}

/// Node `n` reports `uptime` seconds through the registry's `report_uptime_v2`.
pub fn report(n: u8, uptime: u64) {
	frame::testing_prelude::assert_ok!(TfgridModule::report_uptime_v2(
		RuntimeOrigin::signed(node_account(n)),
		uptime,
		now(),
	));
}

/// Node `n` changes its power state through the registry.
pub fn power(n: u8, power: Power) {
	frame::testing_prelude::assert_ok!(TfgridModule::change_power_state(
		RuntimeOrigin::signed(node_account(n)),
		power,
	));
}

/// Every `NodeRewarded` statement emitted so far.
pub fn statements() -> Vec<crate::types::Statement<AccountId>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Minting(crate::Event::NodeRewarded(statement)) => Some(statement),
			_ => None,
		})
		.collect()
}
