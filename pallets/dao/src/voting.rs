//! Farm votes: casting and changing them, the per-farm vote lists and the tallies.

use crate::{
	types::{DaoVotes, FarmVote},
	*,
};
use frame::prelude::*;
use tfchain_primitives::traits::Tfgrid;

/// The votes of one farm, as stored in [`FarmVotes`].
pub type FarmVoteList<T> =
	BoundedVec<FarmVote<<T as frame_system::Config>::Hash>, <T as Config>::MaxProposals>;

impl<T: Config> Pallet<T> {
	/// Casts or changes the vote of `farm_id` (owned by `who`); see `vote`. Returns whether the
	/// caller pays: not for the farm's first vote on the proposal, yes for a change.
	pub fn do_vote(
		who: T::AccountId,
		farm_id: u32,
		proposal_hash: T::Hash,
		approve: bool,
	) -> Result<Pays, DispatchError> {
		ensure!(T::Tfgrid::farm(farm_id).is_some(), Error::<T>::FarmNotExists);
		ensure!(T::Tfgrid::is_farm_owner(farm_id, &who), Error::<T>::NotAuthorizedToVote);
		let mut voting = Voting::<T>::get(proposal_hash).ok_or(Error::<T>::ProposalMissing)?;
		ensure!(voting.proposer != who, Error::<T>::ProposerCannotVote);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= voting.end,
			Error::<T>::TimeLimitReached
		);
		let weight = FarmWeight::<T>::get(farm_id);
		ensure!(weight > 0, Error::<T>::FarmHasNoNodes);

		let mut votes = FarmVotes::<T>::get(farm_id);
		// The vote on this proposal is recognised by (hash, index) against the loaded vote;
		// votes on other proposals are kept only while those proposals live.
		votes.retain(|vote| {
			if vote.proposal_hash == proposal_hash {
				vote.proposal_index == voting.index
			} else {
				Self::is_live(vote)
			}
		});

		let pays = match votes.iter_mut().find(|vote| vote.proposal_hash == proposal_hash) {
			Some(vote) => {
				ensure!(vote.approve != approve, Error::<T>::DuplicateVote);
				vote.approve = approve;
				Self::untally(&mut voting, !approve, weight);
				Pays::Yes
			},
			None => {
				let vote = FarmVote { proposal_index: voting.index, proposal_hash, approve };
				// After pruning, the list holds one vote per live proposal other than this one,
				// so there is room; fails only if storage disagrees with `ProposalList`.
				votes.try_push(vote).map_err(|_| Error::<T>::TooManyProposals)?;
				Pays::No
			},
		};
		Self::tally(&mut voting, approve, weight);

		FarmVotes::<T>::insert(farm_id, votes);
		let (yes, no) = (voting.aye_count, voting.nay_count);
		Voting::<T>::insert(proposal_hash, voting);
		Self::deposit_event(Event::Voted { account: who, proposal_hash, voted: approve, yes, no });
		Ok(pays)
	}

	/// Whether `vote` belongs to a live proposal: one with its hash *and* index.
	pub(crate) fn is_live(vote: &FarmVote<T::Hash>) -> bool {
		Voting::<T>::get(vote.proposal_hash)
			.is_some_and(|voting| voting.index == vote.proposal_index)
	}

	/// Counts a farm of `weight` on the `approve` side.
	fn tally(voting: &mut DaoVotes<T>, approve: bool, weight: u64) {
		if approve {
			voting.aye_count = voting.aye_count.saturating_add(1);
			voting.aye_weight = voting.aye_weight.saturating_add(weight);
		} else {
			voting.nay_count = voting.nay_count.saturating_add(1);
			voting.nay_weight = voting.nay_weight.saturating_add(weight);
		}
	}

	/// Takes a farm of `weight` off the `approve` side.
	fn untally(voting: &mut DaoVotes<T>, approve: bool, weight: u64) {
		if approve {
			voting.aye_count = voting.aye_count.saturating_sub(1);
			voting.aye_weight = voting.aye_weight.saturating_sub(weight);
		} else {
			voting.nay_count = voting.nay_count.saturating_sub(1);
			voting.nay_weight = voting.nay_weight.saturating_sub(weight);
		}
	}

	/// Replaces a voting farm's weight `old` by `new` in the tally of its side.
	pub(crate) fn reweigh(voting: &mut DaoVotes<T>, approve: bool, old: u64, new: u64) {
		let side = if approve { &mut voting.aye_weight } else { &mut voting.nay_weight };
		*side = side.saturating_sub(old).saturating_add(new);
	}
}
