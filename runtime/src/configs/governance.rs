//! The council (a collective), its membership, the farmer DAO (`Dao`), who holds root-level
//! power, and runtime upgrades.
//!
//! There is no sudo key, in any preset: root-level calls are reached through a council motion
//! approved by at least 3/5 of the council ([`RootOrCouncil`]), as on TFChain.

use super::RuntimeBlockWeights;
use crate::{
	AccountId, BlockNumber, Council, CouncilMembership, OriginCaller, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, TfgridModule,
};
use core::cmp::Ordering;
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU32, EitherOfDiverse, PrivilegeCmp},
		weights::Weight,
	},
	frame_system::{EnsureRoot, RawOrigin as SystemOrigin},
	pallet_collective, pallet_membership,
	sp_runtime::Perbill,
};
use tfchain_primitives::constants::{DAYS, HOURS};

/// The council's collective instance.
pub type CouncilCollective = pallet_collective::Instance1;

/// Root, or a council motion approved by at least 3/5 of the council members.
pub type RootOrCouncil = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 3, 5>,
>;

parameter_types! {
	/// How long a council motion stays open: 2 hours, as on TFChain.
	pub const CouncilMotionDuration: BlockNumber = 2 * HOURS;
	/// Heaviest call a council motion may dispatch: half a block.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<100>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Membership changes go through `CouncilMembership`; only root may set members directly.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	/// Proposing costs only the transaction fee, as on TFChain.
	type Consideration = ();
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = RootOrCouncil;
	type RemoveOrigin = RootOrCouncil;
	type SwapOrigin = RootOrCouncil;
	type ResetOrigin = RootOrCouncil;
	type PrimeOrigin = RootOrCouncil;
	type MembershipInitialized = Council;
	type MembershipChanged = Council;
	type MaxMembers = ConstU32<100>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

impl pallet_dao::Config for Runtime {
	type Proposal = RuntimeCall;
	/// Proposers, vetoers and closers: the members of `CouncilMembership`, as on TFChain.
	type CouncilMembers = CouncilMembership;
	type Tfgrid = TfgridModule;
	/// TFChain: 7 days.
	type MotionDuration = ConstU32<{ 7 * DAYS }>;
	/// A custom duration lasts at least a day (TFChain accepted any), so farmers can vote.
	type MinProposalDuration = ConstU32<DAYS>;
	/// TFChain: less than 30 days.
	type MaxProposalDuration = ConstU32<{ 30 * DAYS }>;
	/// TFChain: 3 vetoes, now from 3 distinct council members.
	type MinVetos = ConstU32<3>;
	type MaxProposals = ConstU32<50>;
	/// 16 KiB: runtime upgrades go through `system.authorize_upgrade(code_hash)`.
	type MaxProposalLength = ConstU32<{ 16 * 1024 }>;
	type MaxProposalWeight = MaxProposalWeight;
	type MaxDescriptionLength = ConstU32<1024>;
	type MaxLinkLength = ConstU32<256>;
	type WeightInfo = pallet_dao::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}

impl pallet_runtime_upgrade::Config for Runtime {
	type SetCodeOrigin = RootOrCouncil;
}

/// Orders origins for the scheduler: root outranks every other origin, and two council origins
/// compare by their share of yes votes. Other pairs are not comparable.
pub struct OriginPrivilegeCmp;

impl PrivilegeCmp<OriginCaller> for OriginPrivilegeCmp {
	fn cmp_privilege(left: &OriginCaller, right: &OriginCaller) -> Option<Ordering> {
		if left == right {
			return Some(Ordering::Equal);
		}
		match (left, right) {
			(OriginCaller::system(SystemOrigin::Root), _) => Some(Ordering::Greater),
			(_, OriginCaller::system(SystemOrigin::Root)) => Some(Ordering::Less),
			(
				OriginCaller::Council(pallet_collective::RawOrigin::Members(l_yes, l_total)),
				OriginCaller::Council(pallet_collective::RawOrigin::Members(r_yes, r_total)),
			) => {
				// l_yes / l_total against r_yes / r_total, cross-multiplied without overflow.
				let left = u64::from(*l_yes) * u64::from(*r_total);
				let right = u64::from(*r_yes) * u64::from(*l_total);
				Some(left.cmp(&right))
			},
			_ => None,
		}
	}
}
