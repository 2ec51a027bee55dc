//! A mock runtime with `pallet_balances` holding the entry deposits.

use crate as pallet_kvstore;
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
	pub type KvStore = pallet_kvstore;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// The fixed part of every entry's deposit in the mock.
pub const DEPOSIT_BASE: u64 = 10;
/// The per-byte part of every entry's deposit in the mock.
pub const DEPOSIT_PER_BYTE: u64 = 1;

impl pallet_kvstore::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type DepositBase = ConstU64<DEPOSIT_BASE>;
	type DepositPerByte = ConstU64<DEPOSIT_PER_BYTE>;
	type WeightInfo = ();
}

/// Account with plenty of funds.
pub const ALICE: u64 = 1;
/// Another account with plenty of funds.
pub const BOB: u64 = 2;
/// Account that can afford almost nothing.
pub const POOR: u64 = 3;

/// Starting balance of [`ALICE`] and [`BOB`].
pub const RICH_BALANCE: u64 = 100_000;
/// Starting balance of [`POOR`]: less than the deposit of any entry.
pub const POOR_BALANCE: u64 = 10;

/// Externalities with funded accounts, at block 1.
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, RICH_BALANCE), (BOB, RICH_BALANCE), (POOR, POOR_BALANCE)],
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
		KvStore::do_try_state().expect("storage invariants hold");
	});
}
