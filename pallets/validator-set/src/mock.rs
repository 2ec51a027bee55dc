//! A mock runtime with `pallet_session` driven by this pallet.

use crate as pallet_validator_set;
use frame::{
	deps::{
		sp_io::TestExternalities as TestState,
		sp_runtime::{
			impl_opaque_keys, testing::UintAuthorityId, traits::ConvertInto, BuildStorage,
		},
	},
	runtime::prelude::*,
};
use polkadot_sdk::{pallet_balances, pallet_session};

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
	pub type ValidatorSet = pallet_validator_set;
	#[runtime::pallet_index(3)]
	pub type Session = pallet_session;
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

impl_opaque_keys! {
	/// Session keys of the mock: one dummy key.
	pub struct MockSessionKeys {
		/// The dummy key.
		pub dummy: UintAuthorityId,
	}
}

impl From<u64> for MockSessionKeys {
	fn from(id: u64) -> Self {
		Self { dummy: UintAuthorityId(id) }
	}
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = u64;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionLengthOf<Test>, ConstU64<0>>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionLengthOf<Test>, ConstU64<0>>;
	type SessionManager = ValidatorSet;
	type SessionHandler = pallet_session::TestSessionHandler;
	type Keys = MockSessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

impl pallet_validator_set::Config for Test {
	type AddRemoveOrigin = EnsureRoot<u64>;
	type MinAuthorities = ConstU32<1>;
	type MaxValidators = ConstU32<8>;
	type DefaultSessionLength = ConstU64<10>;
	type MinSessionLength = ConstU64<2>;
	type WeightInfo = ();
}

use crate::SessionLengthOf;

/// The validators at genesis; each has session keys.
pub const GENESIS_VALIDATORS: [u64; 2] = [1, 2];

/// Externalities with [`GENESIS_VALIDATORS`] in the set and keys for accounts 1 to 5.
pub fn new_test_ext() -> TestState {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=5).map(|a| (a, 1_000)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_validator_set::GenesisConfig::<Test> {
		initial_validators: GENESIS_VALIDATORS.to_vec(),
		session_length: None,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: GENESIS_VALIDATORS.iter().map(|&a| (a, a, a.into())).collect(),
		non_authority_keys: (3..=5).map(|a| (a, a, a.into())).collect(),
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
		ValidatorSet::do_try_state().expect("storage invariants hold");
	});
}
