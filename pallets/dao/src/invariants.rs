//! Storage invariants, checked after every test and by `try-runtime`.

use crate::*;
use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
use frame::{deps::sp_runtime::TryRuntimeError, prelude::*};

/// A tally recomputed from the farms' votes: yes count, no count, yes weight, no weight.
type Tally = (u32, u32, u64, u64);

impl<T: Config> Pallet<T> {
	/// Checks that:
	/// - [`ProposalList`] has no duplicates and holds exactly the keys of [`Voting`],
	///   [`Proposals`] and [`ProposalOf`];
	/// - every proposal's index is below [`ProposalCount`], and its text and vote agree on it;
	/// - no live proposal holds `MinVetos` vetoes (it would have been removed);
	/// - the tally of every live proposal equals what the farms' votes ([`FarmVotes`]) and
	///   their current weights ([`FarmWeight`]) give;
	/// - a farm votes at most once per live proposal.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let list = ProposalList::<T>::get();
		let listed: BTreeSet<T::Hash> = list.iter().copied().collect();
		ensure!(listed.len() == list.len(), "duplicate hash in ProposalList");
		let keys = |iter: &mut dyn Iterator<Item = T::Hash>| iter.collect::<BTreeSet<_>>();
		ensure!(keys(&mut Voting::<T>::iter_keys()) == listed, "Voting disagrees with the list");
		ensure!(
			keys(&mut Proposals::<T>::iter_keys()) == listed,
			"Proposals disagrees with the list"
		);
		ensure!(
			keys(&mut ProposalOf::<T>::iter_keys()) == listed,
			"ProposalOf disagrees with the list"
		);

		let count = ProposalCount::<T>::get();
		let mut expected: BTreeMap<(T::Hash, u32), Tally> = BTreeMap::new();
		for (hash, voting) in Voting::<T>::iter() {
			ensure!(voting.index < count, "proposal index not below ProposalCount");
			let proposal = Proposals::<T>::get(hash).ok_or("live proposal without text")?;
			ensure!(proposal.index == voting.index, "proposal and vote disagree on the index");
			ensure!((voting.vetos.len() as u32) < T::MinVetos::get(), "enough vetoes but live");
			ensure!(voting.threshold >= 1, "threshold below 1");
			expected.insert((hash, voting.index), (0, 0, 0, 0));
		}

		for (farm_id, votes) in FarmVotes::<T>::iter() {
			let weight = FarmWeight::<T>::get(farm_id);
			let mut seen = BTreeSet::new();
			for vote in votes {
				let Some(tally) = expected.get_mut(&(vote.proposal_hash, vote.proposal_index))
				else {
					continue; // stale: its proposal is gone
				};
				ensure!(seen.insert(vote.proposal_hash), "farm voted twice on a proposal");
				if vote.approve {
					tally.0 = tally.0.saturating_add(1);
					tally.2 = tally.2.saturating_add(weight);
				} else {
					tally.1 = tally.1.saturating_add(1);
					tally.3 = tally.3.saturating_add(weight);
				}
			}
		}

		for ((hash, _), (ayes, nays, aye_weight, nay_weight)) in expected {
			let voting = Voting::<T>::get(hash).ok_or("live proposal without a vote")?;
			ensure!(voting.aye_count == ayes, "aye count differs from the farms' votes");
			ensure!(voting.nay_count == nays, "nay count differs from the farms' votes");
			ensure!(voting.aye_weight == aye_weight, "aye weight differs from the farms' weights");
			ensure!(voting.nay_weight == nay_weight, "nay weight differs from the farms' weights");
		}
		Ok(())
	}
}
