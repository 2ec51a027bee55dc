//! # DAO (`Dao`)
//!
//! Farmer-weighted governance. Council members (`Config::CouncilMembers`, the
//! `CouncilMembership` pallet in the runtime) put an action, any call, to a vote; farms vote on
//! it with a weight that measures their capacity; an approved action is dispatched with the
//! **root** origin. Call names and indices, storage names and hashers, events and errors are
//! those of TFChain's `pallet_dao` (index 43); see `docs/compatibility.md`.
//!
//! - `propose(threshold, action, description, link, duration)` (index 0): a council member
//!   opens a vote on `action` until `now + duration` (default `MotionDuration`). The proposal is
//!   keyed by the hash of the action, so the same action cannot be open twice. `threshold` is
//!   the number of farms that must vote (either way) before it can pass.
//! - `vote(farm_id, proposal_hash, approve)` (index 1): the owner of a farm votes with it. The
//!   farm's weight is [`FarmWeight`]: the sum over its nodes of `2 × CU + SU`
//!   ([`Resources::get_node_weight`](tfchain_primitives::resources::Resources::get_node_weight)).
//!   A farm without nodes cannot vote. A farm can change its vote. Free the first time.
//! - `veto(proposal_hash)` (index 2): a council member vetoes; `MinVetos` distinct vetoes drop
//!   the proposal (`ClosedByCouncil`, `Disapproved`). Free.
//! - `close(proposal_hash, proposal_index)` (index 3): a council member closes the vote, once
//!   `threshold` farms voted or the vote ended. It passes iff the threshold was reached **and**
//!   the yes weight is strictly larger than the no weight; the action then runs as root
//!   (`Closed`, `Approved`, `Executed`). Otherwise `Closed`, `Disapproved`. Free.
//!
//! All four calls are operational (they use the block's operational share). The code is split
//! by topic: [`proposals`](crate::proposals) (propose, veto, close, removal),
//! [`voting`](crate::voting) (votes and tallies), [`farm_weight`](crate::farm_weight) (what the
//! registry tells us about nodes) and [`invariants`](crate::invariants).
//!
//! ## Deviations from TFChain
//!
//! - **Live farm weights** (threefoldtech/tfchain#330). TFChain snapshotted a farm's weight when
//!   it voted. Here the tallies follow the farm: when a node of a farm that voted is created,
//!   updated, moved or deleted, the change of the farm's weight is applied to every live
//!   proposal the farm voted on. The tallies always equal the sum of the voters' current
//!   weights. To find those proposals the pallet keeps the new map [`FarmVotes`]
//!   (farm → its votes, at most `MaxProposals`).
//! - **[`DaoVotes`](types::DaoVotes) holds totals**: `aye_count`, `nay_count`, `aye_weight`,
//!   `nay_weight` and the `proposer` instead of TFChain's `ayes`/`nays` vectors of
//!   `VoteWeight`. `vote` and `close` therefore cost the same whatever the number of votes
//!   (TFChain's were linear in it). The encoding of `Voting` differs from TFChain's.
//! - **The proposer cannot vote** on its own proposal with its farms (new error
//!   `ProposerCannotVote`): a council member that owns a farm could otherwise pass a threshold-1
//!   proposal alone.
//! - **No veto after the end** of the vote (`TimeLimitReached`); TFChain allowed it.
//! - **Bounds**: at most `MaxProposals` live proposals (`TooManyProposals`); description and
//!   link at most `MaxDescriptionLength`/`MaxLinkLength` bytes (`DescriptionTooLong`,
//!   `LinkTooLong`); the action at most `MaxProposalLength` bytes encoded
//!   (`WrongProposalLength`) and `MaxProposalWeight` (`WrongProposalWeight`); `threshold` at
//!   least 1 (`ThresholdTooLow`). A custom duration must lie in
//!   `[MinProposalDuration, MaxProposalDuration]` (TFChain: below 30 days).
//! - **`close` charges what the action used**: it is declared with `MaxProposalWeight` for the
//!   action and refunds the difference.
//! - `vote` checks that the farm exists first (`FarmNotExists`, an error TFChain declared but
//!   never used) and `close` and `veto` read only [`Voting`].
//! - TFChain's `CouncilOrigin` config item (declared, never used) is left out.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod farm_weight;
mod invariants;
pub mod proposals;
pub mod types;
pub mod voting;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use weights::WeightInfo;

#[frame::pallet]
pub mod pallet {
	use super::{
		types::{DaoProposal, DaoVotes, FarmVote},
		WeightInfo,
	};
	use alloc::{boxed::Box, vec::Vec};
	use frame::{prelude::*, traits::SortedMembers};
	use tfchain_primitives::traits::Tfgrid;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The action a proposal carries: the runtime's call.
		type Proposal: Parameter
			+ Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ From<frame_system::Call<Self>>
			+ GetDispatchInfo;

		/// The council members: they propose, veto and close.
		type CouncilMembers: SortedMembers<Self::AccountId>;

		/// The grid registry: farms and their owners.
		type Tfgrid: Tfgrid<Self::AccountId, BlockNumberFor<Self>>;

		/// How long a vote lasts when the proposer gives no duration, in blocks. MUST lie in
		/// `[MinProposalDuration, MaxProposalDuration]`.
		#[pallet::constant]
		type MotionDuration: Get<BlockNumberFor<Self>>;

		/// Shortest duration a proposer may ask for, in blocks.
		#[pallet::constant]
		type MinProposalDuration: Get<BlockNumberFor<Self>>;

		/// Longest duration a proposer may ask for, in blocks.
		#[pallet::constant]
		type MaxProposalDuration: Get<BlockNumberFor<Self>>;

		/// Vetoes of distinct council members that drop a proposal. MUST be at least 1.
		#[pallet::constant]
		type MinVetos: Get<u32>;

		/// Most proposals open at the same time. MUST be at least 1. Bounds the work of a node
		/// change in a farm (it touches every proposal the farm voted on).
		#[pallet::constant]
		type MaxProposals: Get<u32>;

		/// Longest action, in bytes (SCALE-encoded).
		#[pallet::constant]
		type MaxProposalLength: Get<u32>;

		/// Heaviest action (its declared call weight). `close` is declared with this much for
		/// running the action.
		#[pallet::constant]
		type MaxProposalWeight: Get<Weight>;

		/// Longest description of a proposal, in bytes.
		#[pallet::constant]
		type MaxDescriptionLength: Get<u32>;

		/// Longest link of a proposal, in bytes.
		#[pallet::constant]
		type MaxLinkLength: Get<u32>;

		/// Weights of this pallet's calls and node hooks, generated by its benchmarks.
		type WeightInfo: WeightInfo;

		/// Builds twins, farms and nodes for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: tfchain_primitives::traits::GridBenchmarkHelper<Self::AccountId>;
	}

	/// Hashes of the live proposals, oldest first.
	#[pallet::storage]
	pub type ProposalList<T: Config> =
		StorageValue<_, BoundedVec<T::Hash, T::MaxProposals>, ValueQuery>;

	/// Description and link of each live proposal, by hash.
	// Identity as on TFChain: the key is a hash already.
	#[pallet::storage]
	pub type Proposals<T: Config> = StorageMap<_, Identity, T::Hash, DaoProposal<T>, OptionQuery>;

	/// The action of each live proposal, by hash.
	// Identity as on TFChain: the key is a hash already. Unbounded because the runtime call has
	// no `MaxEncodedLen`; `propose` rejects actions longer than `MaxProposalLength` bytes.
	#[pallet::storage]
	#[pallet::unbounded]
	pub type ProposalOf<T: Config> =
		StorageMap<_, Identity, T::Hash, <T as Config>::Proposal, OptionQuery>;

	/// The vote on each live proposal, by hash.
	// Identity as on TFChain: the key is a hash already.
	#[pallet::storage]
	pub type Voting<T: Config> = StorageMap<_, Identity, T::Hash, DaoVotes<T>, OptionQuery>;

	/// Number of proposals ever made; the index of the next one.
	#[pallet::storage]
	pub type ProposalCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Vote weight of each farm: the sum over its nodes of `2 × CU + SU`.
	// Identity as on TFChain (farm ids are handed out by the registry).
	#[pallet::storage]
	pub type FarmWeight<T> = StorageMap<_, Identity, u32, u64, ValueQuery>;

	/// The votes of each farm (new): which proposals it voted on and how. May hold stale
	/// entries of removed proposals; they are dropped when the farm's list is next read.
	// Twox64Concat: farm ids are handed out by the registry, not chosen by callers.
	#[pallet::storage]
	pub type FarmVotes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		u32,
		BoundedVec<FarmVote<T::Hash>, T::MaxProposals>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A farm voted (or changed its vote); `yes` and `no` are the numbers of farms that
		/// voted each way so far.
		Voted {
			/// The farm's owner.
			account: T::AccountId,
			/// The proposal.
			proposal_hash: T::Hash,
			/// Yes or no.
			voted: bool,
			/// Farms that voted yes.
			yes: u32,
			/// Farms that voted no.
			no: u32,
		},
		/// A council member opened a vote.
		Proposed {
			/// The proposer.
			account: T::AccountId,
			/// The proposal's index.
			proposal_index: u32,
			/// The proposal's hash (of its action).
			proposal_hash: T::Hash,
			/// Farms that must vote before it can pass.
			threshold: u32,
		},
		/// The proposal passed; its action runs next.
		Approved {
			/// The proposal.
			proposal_hash: T::Hash,
		},
		/// The proposal was rejected or vetoed and removed.
		Disapproved {
			/// The proposal.
			proposal_hash: T::Hash,
		},
		/// The action of an approved proposal ran as root.
		Executed {
			/// The proposal.
			proposal_hash: T::Hash,
			/// What the action returned.
			result: DispatchResult,
		},
		/// A vote was closed, with its final tally.
		Closed {
			/// The proposal.
			proposal_hash: T::Hash,
			/// Farms that voted yes.
			yes: u32,
			/// Their total weight.
			yes_weight: u64,
			/// Farms that voted no.
			no: u32,
			/// Their total weight.
			no_weight: u64,
		},
		/// Enough council members vetoed the proposal; it was removed.
		ClosedByCouncil {
			/// The proposal.
			proposal_hash: T::Hash,
			/// The council members that vetoed it.
			vetos: Vec<T::AccountId>,
		},
		/// A council member vetoed a proposal.
		CouncilMemberVeto {
			/// The proposal.
			proposal_hash: T::Hash,
			/// The council member.
			who: T::AccountId,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Kept for index compatibility with TFChain; never returned.
		NoneValue,
		/// The proposal counter is exhausted; no more proposals can be made.
		StorageOverflow,
		/// No such farm; check the farm id.
		FarmNotExists,
		/// Only council members may propose, veto and close.
		NotCouncilMember,
		/// The action is longer than `MaxProposalLength` bytes encoded.
		WrongProposalLength,
		/// The same action is already open for a vote; vote on that proposal or wait for it to
		/// close.
		DuplicateProposal,
		/// The caller does not own the farm it votes with.
		NotAuthorizedToVote,
		/// No live proposal with this hash; it may have been closed or vetoed.
		ProposalMissing,
		/// The proposal index does not match the live proposal with this hash.
		WrongIndex,
		/// The farm already voted this way on the proposal.
		DuplicateVote,
		/// The caller already vetoed the proposal.
		DuplicateVeto,
		/// The action is heavier than `MaxProposalWeight`.
		WrongProposalWeight,
		/// Kept for index compatibility with TFChain; never returned.
		TooEarly,
		/// The vote has ended; only `close` is possible.
		TimeLimitReached,
		/// The vote is still running and fewer farms than the threshold voted; wait for more
		/// votes or for the end.
		OngoingVoteAndTresholdStillNotMet,
		/// The farm has no nodes (no weight) and cannot vote.
		FarmHasNoNodes,
		/// The requested duration is outside `[MinProposalDuration, MaxProposalDuration]`.
		InvalidProposalDuration,
		// ---- new errors (appended) ----
		/// The proposer cannot vote on its own proposal.
		ProposerCannotVote,
		/// `MaxProposals` proposals are open; close some first.
		TooManyProposals,
		/// The description is longer than `MaxDescriptionLength` bytes.
		DescriptionTooLong,
		/// The link is longer than `MaxLinkLength` bytes.
		LinkTooLong,
		/// The threshold must be at least 1 farm.
		ThresholdTooLow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinVetos::get() >= 1, "MinVetos must be at least 1");
			assert!(T::MaxProposals::get() >= 1, "MaxProposals must be at least 1");
			assert!(
				T::MinProposalDuration::get() <= T::MotionDuration::get()
					&& T::MotionDuration::get() <= T::MaxProposalDuration::get(),
				"MotionDuration must lie in [MinProposalDuration, MaxProposalDuration]"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Opens a vote on `action`.
		///
		/// ## Dispatch Origin
		/// Signed by a council member.
		///
		/// ## Details
		/// The proposal is keyed by the hash of `action`. Farms may vote until `now + duration`
		/// (`MotionDuration` when `None`; a custom duration must lie in
		/// `[MinProposalDuration, MaxProposalDuration]`). It can pass once `threshold` farms
		/// voted.
		///
		/// ## Errors
		/// `NotCouncilMember`, `ThresholdTooLow`, `WrongProposalLength`, `WrongProposalWeight`,
		/// `DescriptionTooLong`, `LinkTooLong`, `DuplicateProposal`, `InvalidProposalDuration`,
		/// `TooManyProposals`, `StorageOverflow`.
		///
		/// ## Events
		/// `Proposed`.
		#[pallet::call_index(0)]
		#[pallet::weight((<T as Config>::WeightInfo::propose(), DispatchClass::Operational))]
		pub fn propose(
			origin: OriginFor<T>,
			#[pallet::compact] threshold: u32,
			action: Box<<T as Config>::Proposal>,
			description: Vec<u8>,
			link: Vec<u8>,
			duration: Option<BlockNumberFor<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_propose(who, threshold, *action, description, link, duration)
		}

		/// Votes with farm `farm_id` on a proposal, or changes the farm's vote.
		///
		/// ## Dispatch Origin
		/// Signed by the farm's owner (the account of the farm's twin).
		///
		/// ## Details
		/// The farm counts with its current weight, and keeps counting with its current weight
		/// when its nodes change. Free on the farm's first vote on the proposal; a change of
		/// vote pays the fee.
		///
		/// ## Errors
		/// `FarmNotExists`, `NotAuthorizedToVote`, `ProposalMissing`, `ProposerCannotVote`,
		/// `TimeLimitReached`, `FarmHasNoNodes`, `DuplicateVote`.
		///
		/// ## Events
		/// `Voted`.
		#[pallet::call_index(1)]
		#[pallet::weight((Pallet::<T>::vote_weight(), DispatchClass::Operational))]
		pub fn vote(
			origin: OriginFor<T>,
			farm_id: u32,
			proposal_hash: T::Hash,
			approve: bool,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let pays = Self::do_vote(who, farm_id, proposal_hash, approve)?;
			Ok(pays.into())
		}

		/// Vetoes a proposal.
		///
		/// ## Dispatch Origin
		/// Signed by a council member.
		///
		/// ## Details
		/// Once `MinVetos` distinct council members vetoed, the proposal is removed. Only while
		/// the vote runs. Free when it succeeds.
		///
		/// ## Errors
		/// `NotCouncilMember`, `ProposalMissing`, `TimeLimitReached`, `DuplicateVeto`.
		///
		/// ## Events
		/// `CouncilMemberVeto`; then `ClosedByCouncil` and `Disapproved` for the last veto.
		#[pallet::call_index(2)]
		#[pallet::weight((<T as Config>::WeightInfo::veto(), DispatchClass::Operational))]
		pub fn veto(origin: OriginFor<T>, proposal_hash: T::Hash) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_veto(who, proposal_hash)?;
			Ok(Pays::No.into())
		}

		/// Closes the vote on a proposal and runs its action if it passed.
		///
		/// ## Dispatch Origin
		/// Signed by a council member.
		///
		/// ## Details
		/// Possible once `threshold` farms voted or the vote ended. The proposal passes iff the
		/// threshold was reached and the yes weight is strictly larger than the no weight; its
		/// action then runs with the root origin. The proposal is removed either way. Free when
		/// it succeeds; declared with `MaxProposalWeight` for the action, charged with what the
		/// action used.
		///
		/// ## Errors
		/// `NotCouncilMember`, `ProposalMissing`, `WrongIndex`,
		/// `OngoingVoteAndTresholdStillNotMet`. A failing action does not fail the call: its
		/// error is in `Executed`.
		///
		/// ## Events
		/// `Closed`, then `Approved` and `Executed`, or `Disapproved`.
		#[pallet::call_index(3)]
		#[pallet::weight((Pallet::<T>::close_weight(), DispatchClass::Operational))]
		pub fn close(
			origin: OriginFor<T>,
			proposal_hash: T::Hash,
			#[pallet::compact] proposal_index: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_close(who, proposal_hash, proposal_index)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Declared weight of `vote`: the heavier of a first vote and a change of vote.
		pub fn vote_weight() -> Weight {
			T::WeightInfo::vote().max(T::WeightInfo::vote_change())
		}

		/// Declared weight of `close`: the heavier outcome plus the heaviest action.
		pub fn close_weight() -> Weight {
			T::WeightInfo::close_approved()
				.max(T::WeightInfo::close_disapproved())
				.saturating_add(T::MaxProposalWeight::get())
		}
	}
}
