//! Farm weights, kept by what the registry tells us about nodes ([`ChangeNode`]).
//!
//! A farm's weight is the sum over its nodes of `2 × CU + SU`. When it changes, the change is
//! applied to the tally of every live proposal the farm voted on (found through [`FarmVotes`]),
//! so that the tallies always equal the sum of the voters' current weights. That walk touches
//! at most `MaxProposals` proposals.

use crate::{weights::WeightInfo, *};
use frame::prelude::*;
use tfchain_primitives::{grid::Node, traits::ChangeNode};

impl<T: Config> Pallet<T> {
	/// Changes the weight of `farm_id` by `−removed + added` (saturating at 0) and moves the
	/// tallies of the live proposals it voted on by the same amount. Stale votes of the farm
	/// are dropped on the way.
	pub fn change_farm_weight(farm_id: u32, removed: u64, added: u64) {
		let old = FarmWeight::<T>::get(farm_id);
		let new = old.saturating_sub(removed).saturating_add(added);
		if new == old {
			return;
		}
		if new == 0 {
			FarmWeight::<T>::remove(farm_id);
		} else {
			FarmWeight::<T>::insert(farm_id, new);
		}

		let mut votes = FarmVotes::<T>::get(farm_id);
		let before = votes.len();
		votes.retain(|vote| match Voting::<T>::get(vote.proposal_hash) {
			Some(mut voting) if voting.index == vote.proposal_index => {
				Self::reweigh(&mut voting, vote.approve, old, new);
				Voting::<T>::insert(vote.proposal_hash, voting);
				true
			},
			_ => false,
		});
		if votes.len() != before {
			if votes.is_empty() {
				FarmVotes::<T>::remove(farm_id);
			} else {
				FarmVotes::<T>::insert(farm_id, votes);
			}
		}
	}

	/// Upper bound of the weight of one [`Pallet::change_farm_weight`].
	pub fn farm_weight_changed_weight() -> Weight {
		T::WeightInfo::farm_weight_changed(T::MaxProposals::get())
	}
}

impl<T: Config> ChangeNode for Pallet<T> {
	/// A new node adds its weight to its farm; an updated node replaces its old weight by the
	/// new one, in its old and new farm if it moved.
	fn node_changed(old: Option<&Node>, new: &Node) {
		let new_weight = new.resources.get_node_weight();
		match old {
			None => Self::change_farm_weight(new.farm_id, 0, new_weight),
			Some(old) if old.farm_id == new.farm_id => {
				Self::change_farm_weight(new.farm_id, old.resources.get_node_weight(), new_weight)
			},
			Some(old) => {
				Self::change_farm_weight(old.farm_id, old.resources.get_node_weight(), 0);
				Self::change_farm_weight(new.farm_id, 0, new_weight);
			},
		}
	}

	/// A deleted node takes its weight off its farm.
	fn node_deleted(node: &Node) {
		Self::change_farm_weight(node.farm_id, node.resources.get_node_weight(), 0);
	}

	/// Power states do not change vote weights.
	fn node_power_state_changed(_: &Node) {}

	fn node_changed_weight() -> Weight {
		Self::farm_weight_changed_weight().saturating_mul(2)
	}

	fn node_deleted_weight() -> Weight {
		Self::farm_weight_changed_weight()
	}
}
