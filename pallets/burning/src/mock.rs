//! A mock runtime with `pallet_balances` as the burned currency.

use crate as pallet_burning;
use frame::{
	deps::{sp_io::TestExternalities as TestState, sp_runtime::BuildStorage},
	runtime::prelude::*,
};
use polkadot_sdk::pallet_balances;

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
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type BurningModule = pallet_burning;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

/// A hold reason standing in for another pallet's holds (no pallet of this mock holds funds).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum TestHoldReason {
	/// Funds some other pallet holds, e.g. a deposit.
	Other,
}

impl VariantCount for TestHoldReason {
	const VARIANT_COUNT: u32 = 1;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = TestHoldReason;
}

/// The longest burn message in the mock.
pub const MAX_MESSAGE: u32 = 64;

impl pallet_burning::Config for Test {
	type Currency = Balances;
	type MaxBurnMessageLength = ConstU32<MAX_MESSAGE>;
	type WeightInfo = ();
}

/// Account with funds.
pub const ALICE: u64 = 1;
/// Another account with funds.
pub const BOB: u64 = 2;

/// Starting balance of [`ALICE`] and [`BOB`].
pub const BALANCE: u64 = 1_000;

/// Externalities with funded accounts, at block 1.
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, BALANCE), (BOB, BALANCE)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = TestState::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run a test and check the pallet's storage invariants afterwards.
pub fn test(body: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		body();
		BurningModule::do_try_state().expect("storage invariants hold");
	});
}
