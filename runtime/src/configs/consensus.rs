//! Block production (Aura), finality (GRANDPA), sessions and the council-managed validator set.
//!
//! Authorities are not set in Aura or GRANDPA genesis: they come from session keys, and the
//! session manager is the validator-set pallet, as on TFChain.

use super::governance::RootOrCouncil;
use crate::{AccountId, Aura, Balances, Runtime, RuntimeEvent, SessionKeys, ValidatorSet};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstBool, ConstU128, ConstU32, ConstU64},
	},
	pallet_aura, pallet_authorship, pallet_grandpa, pallet_session,
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_core::Void,
	sp_runtime::traits::{ConvertInto, OpaqueKeys},
};
use tfchain_primitives::constants::DEFAULT_SESSION_LENGTH;

parameter_types! {
	/// Most authorities Aura and GRANDPA accept, and most validators the set holds.
	pub const MaxAuthorities: u32 = 100;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = MaxAuthorities;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	/// No equivocation reporting on this proof-of-authority chain, as on TFChain.
	type KeyOwnerProof = Void;
	type EquivocationReportSystem = ();
}

/// Sessions end at every multiple of the (storage-backed) session length.
type Sessions =
	pallet_session::PeriodicSessions<pallet_validator_set::SessionLengthOf<Runtime>, ConstU32<0>>;

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = ValidatorSet;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Setting keys costs only the transaction fee, as on TFChain.
	type KeyDeposit = ConstU128<0>;
}

impl pallet_validator_set::Config for Runtime {
	type AddRemoveOrigin = RootOrCouncil;
	type MinAuthorities = ConstU32<1>;
	type MaxValidators = MaxAuthorities;
	type DefaultSessionLength = ConstU32<DEFAULT_SESSION_LENGTH>;
	type MinSessionLength = ConstU32<2>;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
}

impl pallet_authorship::Config for Runtime {
	/// The author is the session validator at the Aura slot's authority index.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = ();
}
