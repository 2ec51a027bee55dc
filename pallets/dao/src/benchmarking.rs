//! Benchmarks of the DAO: one per [`WeightInfo`](crate::WeightInfo) function, each at its worst
//! case.
//!
//! - Every call runs with `MaxProposals` live proposals (the last place of [`ProposalList`]
//!   taken by the proposal benchmarked, so that the list is read and rewritten at full size),
//!   the longest description and link, and, where the action is read or written, an action of
//!   about `MaxProposalLength` bytes (a `remark`).
//! - `vote` and `vote_change`: the voting farm already voted on every other live proposal, so
//!   the pruning of its vote list reads `MaxProposals − 1` votes; the proposal's tally is
//!   pre-filled with a million votes each way and `MinVetos − 1` vetoes, to show that the cost
//!   does not depend on how many farms voted (a tally is a fixed-size record).
//! - `veto`: the last veto, which removes the proposal.
//! - `close_approved`: the action runs (its own weight is added to the measured one at
//!   dispatch); `close_disapproved`: the proposal is only removed.
//! - `farm_weight_changed(p)`: a farm that voted on `p` live proposals changes weight; every one
//!   of their tallies is rewritten. The registry's node hooks are charged this at
//!   `p = MaxProposals`, per farm touched.

use super::*;
use crate::types::FarmVote;
use alloc::{boxed::Box, vec, vec::Vec};
use frame::{benchmarking::prelude::*, traits::SortedMembers};
use tfchain_primitives::traits::{ChangeNode, GridBenchmarkHelper, Tfgrid};

const SEED: u32 = 0;
/// Votes each way pre-filled into the benchmarked tally.
const PRIOR_VOTES: u32 = 1_000_000;

/// `name`/`index`, made a council member.
fn member<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	T::CouncilMembers::add(&who);
	who
}

/// A small action, distinct for each `tag`.
fn action<T: Config>(tag: u32) -> <T as Config>::Proposal {
	frame_system::Call::<T>::remark { remark: tag.to_le_bytes().to_vec() }.into()
}

/// A `remark` as long as `MaxProposalLength` allows.
fn longest_action<T: Config>() -> <T as Config>::Proposal {
	let max = T::MaxProposalLength::get() as usize;
	let mut len = max;
	loop {
		let call: <T as Config>::Proposal =
			frame_system::Call::<T>::remark { remark: vec![7u8; len] }.into();
		if call.encoded_size() <= max || len == 0 {
			return call;
		}
		len -= 1;
	}
}

fn longest_description<T: Config>() -> Vec<u8> {
	vec![b'd'; T::MaxDescriptionLength::get() as usize]
}

fn longest_link<T: Config>() -> Vec<u8> {
	vec![b'l'; T::MaxLinkLength::get() as usize]
}

/// Opens a proposal of `proposer` on `action` with the longest texts and threshold 1; returns
/// its hash.
fn open<T: Config>(
	proposer: &T::AccountId,
	action: <T as Config>::Proposal,
) -> Result<T::Hash, BenchmarkError> {
	let hash = T::Hashing::hash_of(&action);
	Pallet::<T>::do_propose(
		proposer.clone(),
		1,
		action,
		longest_description::<T>(),
		longest_link::<T>(),
		None,
	)?;
	Ok(hash)
}

/// Opens `n` small proposals of `proposer`; returns their hashes.
fn open_many<T: Config>(proposer: &T::AccountId, n: u32) -> Result<Vec<T::Hash>, BenchmarkError> {
	(0..n).map(|i| open::<T>(proposer, action::<T>(i))).collect()
}

/// A farm of `farmer` with one node, its weight recorded as the registry would; returns it.
fn farm<T: Config>(farmer: &T::AccountId, index: u32) -> Result<u32, BenchmarkError> {
	let twin = T::BenchmarkHelper::make_twin(farmer);
	let farm = T::BenchmarkHelper::make_farm(twin, 0, false);
	let node_account: T::AccountId = account("node", index, SEED);
	let node_twin = T::BenchmarkHelper::make_twin(&node_account);
	let node_id = T::BenchmarkHelper::make_node(node_twin, farm);
	let node = T::Tfgrid::node(node_id).ok_or("the helper's node exists")?;
	<Pallet<T> as ChangeNode>::node_changed(None, &node);
	if FarmWeight::<T>::get(farm) == 0 {
		return Err(BenchmarkError::Stop("the helper's node has no vote weight"));
	}
	Ok(farm)
}

/// Pre-fills the tally of `hash` with [`PRIOR_VOTES`] each way and `MinVetos − 1` vetoes.
fn prefill<T: Config>(hash: T::Hash) -> Result<(), BenchmarkError> {
	let mut voting = Voting::<T>::get(hash).ok_or("proposal is live")?;
	voting.aye_count = PRIOR_VOTES;
	voting.nay_count = PRIOR_VOTES;
	voting.aye_weight = u64::from(PRIOR_VOTES) * 100;
	voting.nay_weight = u64::from(PRIOR_VOTES) * 100;
	for i in 0..T::MinVetos::get().saturating_sub(1) {
		voting.vetos.try_push(account("vetoer", i, SEED)).map_err(|_| "below MinVetos")?;
	}
	Voting::<T>::insert(hash, voting);
	Ok(())
}

/// The set-up of the vote benchmarks: `MaxProposals` live proposals, the last one (`hash`)
/// with a pre-filled tally; a farm that voted on every other one. Returns the farmer, the
/// farm and `hash`.
fn vote_setup<T: Config>() -> Result<(T::AccountId, u32, T::Hash), BenchmarkError> {
	let proposer = member::<T>("proposer", 0);
	let others = open_many::<T>(&proposer, T::MaxProposals::get().saturating_sub(1))?;
	let hash = open::<T>(&proposer, longest_action::<T>())?;
	prefill::<T>(hash)?;
	let farmer: T::AccountId = whitelisted_caller();
	let farm = farm::<T>(&farmer, 0)?;
	for other in others {
		Pallet::<T>::do_vote(farmer.clone(), farm, other, true)?;
	}
	Ok((farmer, farm, hash))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// The last free place of the proposal list, the longest action and texts.
	#[benchmark]
	fn propose() -> Result<(), BenchmarkError> {
		let proposer = member::<T>("proposer", 0);
		open_many::<T>(&proposer, T::MaxProposals::get().saturating_sub(1))?;
		let caller = member::<T>("caller", 0);
		let action = longest_action::<T>();
		let hash = T::Hashing::hash_of(&action);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			1u32,
			Box::new(action),
			longest_description::<T>(),
			longest_link::<T>(),
			Some(T::MaxProposalDuration::get()),
		);

		assert!(Voting::<T>::contains_key(hash));
		assert_eq!(ProposalList::<T>::get().len() as u32, T::MaxProposals::get());
		Ok(())
	}

	// A farm's first vote on a proposal that already counts two million votes.
	#[benchmark]
	fn vote() -> Result<(), BenchmarkError> {
		let (farmer, farm, hash) = vote_setup::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(farmer), farm, hash, true);

		let voting = Voting::<T>::get(hash).ok_or("proposal is live")?;
		assert_eq!(voting.aye_count, PRIOR_VOTES + 1);
		assert_eq!(FarmVotes::<T>::get(farm).len() as u32, T::MaxProposals::get());
		Ok(())
	}

	// A farm changes its vote on a proposal that already counts two million votes.
	#[benchmark]
	fn vote_change() -> Result<(), BenchmarkError> {
		let (farmer, farm, hash) = vote_setup::<T>()?;
		Pallet::<T>::do_vote(farmer.clone(), farm, hash, false)?;

		#[extrinsic_call]
		vote(RawOrigin::Signed(farmer), farm, hash, true);

		let voting = Voting::<T>::get(hash).ok_or("proposal is live")?;
		assert_eq!((voting.aye_count, voting.nay_count), (PRIOR_VOTES + 1, PRIOR_VOTES));
		let recorded = FarmVotes::<T>::get(farm).into_iter().find(|v| v.proposal_hash == hash);
		assert_eq!(recorded.map(|v| v.approve), Some(true));
		Ok(())
	}

	// The last veto: the proposal (with the longest action) is removed from a full list.
	#[benchmark]
	fn veto() -> Result<(), BenchmarkError> {
		let proposer = member::<T>("proposer", 0);
		open_many::<T>(&proposer, T::MaxProposals::get().saturating_sub(1))?;
		let hash = open::<T>(&proposer, longest_action::<T>())?;
		prefill::<T>(hash)?;
		let caller = member::<T>("caller", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), hash);

		assert!(!Voting::<T>::contains_key(hash));
		assert_eq!(ProposalList::<T>::get().len() as u32, T::MaxProposals::get().saturating_sub(1));
		Ok(())
	}

	// An approved proposal with the longest action is closed (the action runs) and removed
	// from a full list.
	#[benchmark]
	fn close_approved() -> Result<(), BenchmarkError> {
		let proposer = member::<T>("proposer", 0);
		open_many::<T>(&proposer, T::MaxProposals::get().saturating_sub(1))?;
		let hash = open::<T>(&proposer, longest_action::<T>())?;
		let farmer: T::AccountId = account("farmer", 0, SEED);
		let farm = farm::<T>(&farmer, 0)?;
		Pallet::<T>::do_vote(farmer, farm, hash, true)?;
		let index = Voting::<T>::get(hash).ok_or("proposal is live")?.index;
		let caller = member::<T>("caller", 0);

		#[extrinsic_call]
		close(RawOrigin::Signed(caller), hash, index);

		assert!(!Voting::<T>::contains_key(hash));
		let executed = Event::<T>::Executed { proposal_hash: hash, result: Ok(()) };
		frame_system::Pallet::<T>::assert_last_event(
			<T as frame_system::Config>::RuntimeEvent::from(executed),
		);
		Ok(())
	}

	// A rejected proposal with the longest action is closed and removed from a full list.
	#[benchmark]
	fn close_disapproved() -> Result<(), BenchmarkError> {
		let proposer = member::<T>("proposer", 0);
		open_many::<T>(&proposer, T::MaxProposals::get().saturating_sub(1))?;
		let hash = open::<T>(&proposer, longest_action::<T>())?;
		let farmer: T::AccountId = account("farmer", 0, SEED);
		let farm = farm::<T>(&farmer, 0)?;
		Pallet::<T>::do_vote(farmer, farm, hash, false)?;
		let index = Voting::<T>::get(hash).ok_or("proposal is live")?.index;
		let caller = member::<T>("caller", 0);

		#[extrinsic_call]
		close(RawOrigin::Signed(caller), hash, index);

		assert!(!Voting::<T>::contains_key(hash));
		let disapproved = Event::<T>::Disapproved { proposal_hash: hash };
		frame_system::Pallet::<T>::assert_last_event(
			<T as frame_system::Config>::RuntimeEvent::from(disapproved),
		);
		Ok(())
	}

	// A farm that voted on `p` live proposals changes weight: every tally is rewritten.
	#[benchmark]
	fn farm_weight_changed(p: Linear<0, { T::MaxProposals::get() }>) -> Result<(), BenchmarkError> {
		let proposer = member::<T>("proposer", 0);
		let hashes = open_many::<T>(&proposer, p)?;
		let farmer: T::AccountId = account("farmer", 0, SEED);
		let farm = farm::<T>(&farmer, 0)?;
		for hash in &hashes {
			Pallet::<T>::do_vote(farmer.clone(), farm, *hash, true)?;
		}
		let weight = FarmWeight::<T>::get(farm);

		#[block]
		{
			Pallet::<T>::change_farm_weight(farm, 0, 1);
		}

		assert_eq!(FarmWeight::<T>::get(farm), weight + 1);
		for hash in hashes {
			let voting = Voting::<T>::get(hash).ok_or("proposal is live")?;
			assert_eq!(voting.aye_weight, weight + 1);
		}
		let votes: Vec<FarmVote<T::Hash>> = FarmVotes::<T>::get(farm).into_inner();
		assert_eq!(votes.len() as u32, p);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
