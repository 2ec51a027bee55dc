//! Proposals: opening, vetoing, closing (and running the action), removal.

use crate::{
	types::{DaoProposal, DaoVotes},
	weights::WeightInfo,
	*,
};
use alloc::vec::Vec;
use frame::{prelude::*, traits::SortedMembers};

impl<T: Config> Pallet<T> {
	/// Fails with `NotCouncilMember` unless `who` is a council member.
	fn ensure_council_member(who: &T::AccountId) -> DispatchResult {
		ensure!(T::CouncilMembers::contains(who), Error::<T>::NotCouncilMember);
		Ok(())
	}

	/// Opens a vote on `action` by council member `who`; see `propose`.
	pub fn do_propose(
		who: T::AccountId,
		threshold: u32,
		action: <T as Config>::Proposal,
		description: Vec<u8>,
		link: Vec<u8>,
		duration: Option<BlockNumberFor<T>>,
	) -> DispatchResult {
		Self::ensure_council_member(&who)?;
		ensure!(threshold >= 1, Error::<T>::ThresholdTooLow);
		ensure!(
			action.encoded_size() <= T::MaxProposalLength::get() as usize,
			Error::<T>::WrongProposalLength
		);
		ensure!(
			action.get_dispatch_info().call_weight.all_lte(T::MaxProposalWeight::get()),
			Error::<T>::WrongProposalWeight
		);
		let description: BoundedVec<u8, T::MaxDescriptionLength> =
			description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;
		let link: BoundedVec<u8, T::MaxLinkLength> =
			link.try_into().map_err(|_| Error::<T>::LinkTooLong)?;

		let proposal_hash = T::Hashing::hash_of(&action);
		ensure!(!ProposalOf::<T>::contains_key(proposal_hash), Error::<T>::DuplicateProposal);

		let duration = match duration {
			Some(duration) => {
				ensure!(
					duration >= T::MinProposalDuration::get()
						&& duration <= T::MaxProposalDuration::get(),
					Error::<T>::InvalidProposalDuration
				);
				duration
			},
			None => T::MotionDuration::get(),
		};
		let end = frame_system::Pallet::<T>::block_number().saturating_add(duration);

		let mut list = ProposalList::<T>::get();
		list.try_push(proposal_hash).map_err(|_| Error::<T>::TooManyProposals)?;
		let index = ProposalCount::<T>::get();
		let next = index.checked_add(1).ok_or(Error::<T>::StorageOverflow)?;

		ProposalCount::<T>::put(next);
		ProposalList::<T>::put(list);
		ProposalOf::<T>::insert(proposal_hash, action);
		Proposals::<T>::insert(proposal_hash, DaoProposal::<T> { index, description, link });
		Voting::<T>::insert(
			proposal_hash,
			DaoVotes::<T> {
				index,
				threshold,
				aye_count: 0,
				nay_count: 0,
				aye_weight: 0,
				nay_weight: 0,
				end,
				vetos: BoundedVec::new(),
				proposer: who.clone(),
			},
		);
		Self::deposit_event(Event::Proposed {
			account: who,
			proposal_index: index,
			proposal_hash,
			threshold,
		});
		Ok(())
	}

	/// Records council member `who`'s veto; see `veto`.
	pub fn do_veto(who: T::AccountId, proposal_hash: T::Hash) -> DispatchResult {
		Self::ensure_council_member(&who)?;
		let mut voting = Voting::<T>::get(proposal_hash).ok_or(Error::<T>::ProposalMissing)?;
		ensure!(
			frame_system::Pallet::<T>::block_number() <= voting.end,
			Error::<T>::TimeLimitReached
		);
		ensure!(!voting.vetos.contains(&who), Error::<T>::DuplicateVeto);
		// A proposal holds fewer than `MinVetos` vetoes (it is removed at `MinVetos`), so there
		// is room unless `MinVetos` is 0, which `integrity_test` rules out.
		voting.vetos.try_push(who.clone()).map_err(|_| Error::<T>::StorageOverflow)?;
		Self::deposit_event(Event::CouncilMemberVeto { proposal_hash, who });

		if voting.vetos.len() as u32 >= T::MinVetos::get() {
			Self::deposit_event(Event::ClosedByCouncil {
				proposal_hash,
				vetos: voting.vetos.into_inner(),
			});
			Self::deposit_event(Event::Disapproved { proposal_hash });
			Self::remove_proposal(proposal_hash);
		} else {
			Voting::<T>::insert(proposal_hash, voting);
		}
		Ok(())
	}

	/// Closes the vote on a proposal and runs its action if it passed; see `close`. Returns the
	/// weight used: the benchmarked close plus what the action used.
	pub fn do_close(
		who: T::AccountId,
		proposal_hash: T::Hash,
		proposal_index: u32,
	) -> DispatchResultWithPostInfo {
		Self::ensure_council_member(&who)?;
		let voting = Voting::<T>::get(proposal_hash).ok_or(Error::<T>::ProposalMissing)?;
		ensure!(voting.index == proposal_index, Error::<T>::WrongIndex);

		let votes = u64::from(voting.aye_count).saturating_add(voting.nay_count.into());
		let threshold_met = votes >= u64::from(voting.threshold);
		let expired = frame_system::Pallet::<T>::block_number() >= voting.end;
		ensure!(threshold_met || expired, Error::<T>::OngoingVoteAndTresholdStillNotMet);
		let approved = threshold_met && voting.aye_weight > voting.nay_weight;

		Self::deposit_event(Event::Closed {
			proposal_hash,
			yes: voting.aye_count,
			yes_weight: voting.aye_weight,
			no: voting.nay_count,
			no_weight: voting.nay_weight,
		});

		if !approved {
			Self::deposit_event(Event::Disapproved { proposal_hash });
			Self::remove_proposal(proposal_hash);
			return Ok(PostDispatchInfo {
				actual_weight: Some(T::WeightInfo::close_disapproved()),
				pays_fee: Pays::No,
			});
		}

		let action = ProposalOf::<T>::get(proposal_hash).ok_or(Error::<T>::ProposalMissing)?;
		Self::deposit_event(Event::Approved { proposal_hash });
		// Removed before the action runs, so that the action sees the proposal closed.
		Self::remove_proposal(proposal_hash);
		let info = action.get_dispatch_info();
		let result = action.dispatch(frame_system::RawOrigin::Root.into());
		let post_info = match result {
			Ok(post_info) => post_info,
			Err(error) => error.post_info,
		};
		let action_weight = post_info.calc_actual_weight(&info);
		Self::deposit_event(Event::Executed {
			proposal_hash,
			result: result.map(|_| ()).map_err(|error| error.error),
		});
		Ok(PostDispatchInfo {
			actual_weight: Some(T::WeightInfo::close_approved().saturating_add(action_weight)),
			pays_fee: Pays::No,
		})
	}

	/// Removes a proposal: its action, vote and text, and its hash from [`ProposalList`]. The
	/// farms' votes on it become stale and are dropped lazily.
	pub(crate) fn remove_proposal(proposal_hash: T::Hash) {
		ProposalOf::<T>::remove(proposal_hash);
		Voting::<T>::remove(proposal_hash);
		Proposals::<T>::remove(proposal_hash);
		ProposalList::<T>::mutate(|list| list.retain(|hash| *hash != proposal_hash));
	}
}
