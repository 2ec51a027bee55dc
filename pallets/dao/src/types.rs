//! What the DAO stores about a proposal, its tally and each farm's votes.
//!
//! Field order follows TFChain's `pallet_dao::proposal` types where they exist. [`DaoVotes`]
//! is changed on purpose (see the crate docs): it holds running totals instead of one entry
//! per voting farm.

use crate::Config;
use frame::prelude::*;

/// Position of a proposal in the sequence of all proposals ever made (TFChain's
/// `ProposalIndex`).
pub type ProposalIndex = u32;

/// The text that comes with a proposal.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct DaoProposal<T: Config> {
	/// The proposal's index.
	pub index: ProposalIndex,
	/// What the proposal is about, at most `MaxDescriptionLength` bytes.
	pub description: BoundedVec<u8, T::MaxDescriptionLength>,
	/// Where to read more, at most `MaxLinkLength` bytes.
	pub link: BoundedVec<u8, T::MaxLinkLength>,
}

/// The state of the vote on a live proposal.
///
/// `aye_weight` and `nay_weight` always equal the sum of the *current*
/// [`FarmWeight`](crate::FarmWeight) of the farms that voted that way: a node change in a
/// voting farm moves them (see [`farm_weight`](crate::farm_weight)).
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct DaoVotes<T: Config> {
	/// The proposal's index.
	pub index: ProposalIndex,
	/// How many farms must vote (either way) before the proposal can pass.
	pub threshold: u32,
	/// Farms that voted yes.
	pub aye_count: u32,
	/// Farms that voted no.
	pub nay_count: u32,
	/// Sum of the weights of the farms that voted yes.
	pub aye_weight: u64,
	/// Sum of the weights of the farms that voted no.
	pub nay_weight: u64,
	/// Last block in which farms may vote and council members veto.
	pub end: BlockNumberFor<T>,
	/// Council members that vetoed, in order; the proposal is dropped once `MinVetos` did.
	pub vetos: BoundedVec<T::AccountId, T::MinVetos>,
	/// The council member that proposed it (may not vote on it).
	pub proposer: T::AccountId,
}

/// One vote of a farm, kept per farm so that a change of the farm's weight can update the
/// tallies it counts in.
///
/// A vote belongs to the proposal `(proposal_hash, proposal_index)`: a hash alone is not enough,
/// because the same action can be proposed again after its proposal was removed. Votes whose
/// proposal is gone are stale and dropped the next time the farm's list is read.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct FarmVote<Hash> {
	/// Index of the proposal voted on.
	pub proposal_index: ProposalIndex,
	/// Hash of the proposal voted on.
	pub proposal_hash: Hash,
	/// Yes or no.
	pub approve: bool,
}
