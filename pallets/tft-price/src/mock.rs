//! A mock runtime: `frame_system` and `TFTPriceModule`, with accounts 1, 2 and 3 as price
//! feeders, root as the restricted origin and the band `[10, 1000]` at genesis.

use crate as pallet_tft_price;
use frame::{
	deps::{sp_io::TestExternalities as TestState, sp_runtime::BuildStorage},
	runtime::prelude::*,
};
use tfchain_primitives::traits::PriceFeeders;

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
	pub type TFTPriceModule = pallet_tft_price;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// A price feeder (a validator in the runtime).
pub const ALICE: u64 = 1;
/// Another price feeder.
pub const BOB: u64 = 2;
/// A third price feeder.
pub const CHARLIE: u64 = 3;
/// An account that may not submit prices.
pub const EVE: u64 = 4;

/// The minimum price at genesis.
pub const MIN_PRICE: u32 = 10;
/// The maximum price at genesis.
pub const MAX_PRICE: u32 = 1000;

/// Accepts [`ALICE`], [`BOB`] and [`CHARLIE`] as price feeders.
pub struct MockFeeders;

impl PriceFeeders<u64> for MockFeeders {
	fn is_price_feeder(who: &u64) -> bool {
		[ALICE, BOB, CHARLIE].contains(who)
	}
}

/// Gives the benchmarks [`ALICE`] as price feeder.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_tft_price::BenchmarkHelper<u64> for MockBenchmarkHelper {
	fn price_feeder() -> u64 {
		ALICE
	}
}

impl pallet_tft_price::Config for Test {
	type RestrictedOrigin = EnsureRoot<u64>;
	type Feeders = MockFeeders;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Externalities built from `genesis`, at block 1.
pub fn new_test_ext_with(genesis: pallet_tft_price::GenesisConfig<Test>) -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	genesis.assimilate_storage(&mut storage).unwrap();
	let mut ext = TestState::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Externalities with the band `[MIN_PRICE, MAX_PRICE]` and no price yet, at block 1.
pub fn new_test_ext() -> TestState {
	new_test_ext_with(pallet_tft_price::GenesisConfig {
		min_tft_price: MIN_PRICE,
		max_tft_price: MAX_PRICE,
		..Default::default()
	})
}

/// Run a test and check the pallet's storage invariants afterwards.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		TFTPriceModule::do_try_state().expect("storage invariants hold");
	});
}

/// Moves to block `n`.
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}
