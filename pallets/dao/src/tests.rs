//! Unit tests: TFChain's DAO scenarios, then the rails this pallet adds (proposer cannot vote,
//! no veto after the end, live farm weights, bounds).

use crate::{mock::*, pallet::*, types::FarmVote, weights::WeightInfo, Error, Event};
use frame::{
	deps::frame_support::{assert_noop, assert_ok},
	runtime::prelude::*,
	traits::Hash as _,
};
use tfchain_primitives::grid::FarmCertification;

type Hash = <Test as frame_system::Config>::Hash;

/// Weight of the mock's small test node.
const SMALL: u64 = 14;
/// Weight of the mock's big test node.
const BIG: u64 = 67;

fn remark(text: &[u8]) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: text.to_vec() })
}

fn hash_of(call: &RuntimeCall) -> Hash {
	<Test as frame_system::Config>::Hashing::hash_of(call)
}

fn propose_with(
	who: u8,
	threshold: u32,
	call: RuntimeCall,
	duration: Option<u64>,
) -> DispatchResult {
	Dao::propose(
		RuntimeOrigin::signed(acc(who)),
		threshold,
		Box::new(call),
		b"some_description".to_vec(),
		b"some_link".to_vec(),
		duration,
	)
}

/// Member 1 proposes `call` with `threshold`; returns its hash.
fn propose(threshold: u32, call: RuntimeCall) -> Hash {
	assert_ok!(propose_with(1, threshold, call.clone(), None));
	hash_of(&call)
}

fn vote(who: u8, farm_id: u32, hash: Hash, approve: bool) -> DispatchResultWithPostInfo {
	Dao::vote(RuntimeOrigin::signed(acc(who)), farm_id, hash, approve)
}

fn close(who: u8, hash: Hash, index: u32) -> DispatchResultWithPostInfo {
	Dao::close(RuntimeOrigin::signed(acc(who)), hash, index)
}

fn veto(who: u8, hash: Hash) -> DispatchResultWithPostInfo {
	Dao::veto(RuntimeOrigin::signed(acc(who)), hash)
}

/// The DAO's events so far, oldest first.
fn dao_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Dao(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn voting(hash: Hash) -> crate::types::DaoVotes<Test> {
	Voting::<Test>::get(hash).expect("proposal is live")
}

fn assert_removed(hash: Hash) {
	assert!(!Voting::<Test>::contains_key(hash));
	assert!(!Proposals::<Test>::contains_key(hash));
	assert!(!ProposalOf::<Test>::contains_key(hash));
	assert!(!ProposalList::<Test>::get().contains(&hash));
}

fn closed(hash: Hash, yes: u32, yes_weight: u64, no: u32, no_weight: u64) -> Event<Test> {
	Event::Closed { proposal_hash: hash, yes, yes_weight, no, no_weight }
}

// ---- TFChain's scenarios -----------------------------------------------------------------

#[test]
fn farmers_vote_no_farm_fails() {
	test(|| {
		let hash = propose(3, remark(b"some_remark"));
		assert_noop!(vote(10, 1, hash, true), Error::<Test>::FarmNotExists);
		// A farm that exists but is someone else's.
		farm_with_node(&acc(11), small_node());
		assert_noop!(vote(10, 1, hash, true), Error::<Test>::NotAuthorizedToVote);
	});
}

#[test]
fn farmers_vote_proposal_works() {
	test(|| {
		let hash = propose(3, remark(b"some_remark"));
		let farm1 = farm_with_node(&acc(10), small_node());
		assert_ok!(vote(10, farm1, hash, true));
		let farm2 = farm_with_node(&acc(11), small_node());
		assert_ok!(vote(11, farm2, hash, true));

		System::assert_last_event(
			Event::<Test>::Voted {
				account: acc(11),
				proposal_hash: hash,
				voted: true,
				yes: 2,
				no: 0,
			}
			.into(),
		);
		let tally = voting(hash);
		assert_eq!((tally.aye_count, tally.nay_count), (2, 0));
		assert_eq!((tally.aye_weight, tally.nay_weight), (2 * SMALL, 0));
		assert_eq!(
			FarmVotes::<Test>::get(farm1).into_inner(),
			vec![FarmVote { proposal_index: 0, proposal_hash: hash, approve: true }]
		);
	});
}

#[test]
fn farmers_vote_proposal_if_no_nodes_fails() {
	test(|| {
		let hash = propose(1, remark(b"some_remark"));
		let farm = create_farm(&acc(10));
		assert_noop!(vote(10, farm, hash, true), Error::<Test>::FarmHasNoNodes);
		assert_eq!(voting(hash).aye_count, 0);
	});
}

#[test]
fn farmer_weight_is_set_properly_when_node_is_added_works() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		assert_eq!(FarmWeight::<Test>::get(farm), SMALL);
		create_node(farm, big_node());
		assert_eq!(FarmWeight::<Test>::get(farm), SMALL + BIG);
	});
}

#[test]
fn farmer_weight_is_set_properly_when_node_is_added_and_removed_works() {
	test(|| {
		let farm = create_farm(&acc(10));
		let (node, _) = create_node(farm, small_node());
		assert_eq!(FarmWeight::<Test>::get(farm), SMALL);
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(acc(10)), node));
		assert_eq!(FarmWeight::<Test>::get(farm), 0);
		assert!(!FarmWeight::<Test>::contains_key(farm));
	});
}

#[test]
fn weighted_voting_works() {
	test(|| {
		let farm1 = farm_with_node(&acc(10), small_node());
		let farm2 = farm_with_node(&acc(11), big_node());
		let call = RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_farm_certification {
			farm_id: farm1,
			certification: FarmCertification::Gold,
		});
		let hash = propose(2, call);
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(vote(11, farm2, hash, false));
		System::assert_last_event(
			Event::<Test>::Voted {
				account: acc(11),
				proposal_hash: hash,
				voted: false,
				yes: 1,
				no: 1,
			}
			.into(),
		);

		run_to_block(5);
		assert_ok!(close(2, hash, 0));
		// The second farm has more capacity: its "no" wins.
		let events = dao_events();
		assert_eq!(
			events[events.len() - 2..],
			[closed(hash, 1, SMALL, 1, BIG), Event::Disapproved { proposal_hash: hash }]
		);
		let farm = pallet_tfgrid::Farms::<Test>::get(farm1).unwrap();
		assert_eq!(farm.certification, FarmCertification::NotCertified);
		assert_removed(hash);
	});
}

#[test]
fn close_works() {
	test(|| {
		let call = remark(b"some_remark");
		let hash = propose(2, call);
		System::assert_last_event(
			Event::<Test>::Proposed {
				account: acc(1),
				proposal_index: 0,
				proposal_hash: hash,
				threshold: 2,
			}
			.into(),
		);
		let farm1 = farm_with_node(&acc(10), small_node());
		assert_ok!(vote(10, farm1, hash, true));
		// One vote of two, before the end: too early.
		assert_noop!(close(2, hash, 0), Error::<Test>::OngoingVoteAndTresholdStillNotMet);

		let farm2 = farm_with_node(&acc(11), small_node());
		assert_ok!(vote(11, farm2, hash, true));
		// The threshold is met: the vote can be closed before its end.
		run_to_block(2);
		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 3..],
			[
				closed(hash, 2, 2 * SMALL, 0, 0),
				Event::Approved { proposal_hash: hash },
				Event::Executed { proposal_hash: hash, result: Ok(()) },
			]
		);
		assert_removed(hash);
		assert!(ProposalList::<Test>::get().is_empty());
		assert_eq!(ProposalCount::<Test>::get(), 1);
	});
}

#[test]
fn close_after_proposal_duration_works() {
	test(|| {
		let hash = propose(2, remark(b"some_remark"));
		let farm1 = farm_with_node(&acc(10), small_node());
		let farm2 = farm_with_node(&acc(11), small_node());
		let farm3 = farm_with_node(&acc(12), small_node());
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(vote(11, farm2, hash, true));
		assert_eq!(voting(hash).end, 5);

		// Farms may vote up to and including the end block, not after.
		run_to_block(6);
		assert_noop!(vote(12, farm3, hash, false), Error::<Test>::TimeLimitReached);
		assert_ok!(close(3, hash, 0));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 3..],
			[
				closed(hash, 2, 2 * SMALL, 0, 0),
				Event::Approved { proposal_hash: hash },
				Event::Executed { proposal_hash: hash, result: Ok(()) },
			]
		);
	});
}

#[test]
fn close_after_proposal_duration_threshold_not_met_works() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let call = RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_farm_certification {
			farm_id: farm,
			certification: FarmCertification::Gold,
		});
		let hash = propose(2, call);
		assert_ok!(vote(10, farm, hash, true));

		run_to_block(4);
		assert_noop!(close(2, hash, 0), Error::<Test>::OngoingVoteAndTresholdStillNotMet);
		run_to_block(5);
		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 2..],
			[closed(hash, 1, SMALL, 0, 0), Event::Disapproved { proposal_hash: hash }]
		);
		let farm = pallet_tfgrid::Farms::<Test>::get(farm).unwrap();
		assert_eq!(farm.certification, FarmCertification::NotCertified);
		assert_removed(hash);
	});
}

#[test]
fn close_if_not_council_member_fails() {
	test(|| {
		let hash = propose(2, remark(b"some_remark"));
		run_to_block(5);
		assert_noop!(close(4, hash, 0), Error::<Test>::NotCouncilMember);
		assert_noop!(close(2, hash, 1), Error::<Test>::WrongIndex);
		assert_noop!(close(2, hash_of(&remark(b"other")), 0), Error::<Test>::ProposalMissing);
	});
}

#[test]
fn motion_approval_works() {
	test(|| {
		let farm1 = farm_with_node(&acc(10), small_node());
		let farm2 = farm_with_node(&acc(11), small_node());
		let call = RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_farm_certification {
			farm_id: farm1,
			certification: FarmCertification::Gold,
		});
		let hash = propose(2, call);
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(vote(11, farm2, hash, true));
		let before = pallet_tfgrid::Farms::<Test>::get(farm1).unwrap();
		assert_eq!(before.certification, FarmCertification::NotCertified);

		run_to_block(5);
		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 3..],
			[
				closed(hash, 2, 2 * SMALL, 0, 0),
				Event::Approved { proposal_hash: hash },
				Event::Executed { proposal_hash: hash, result: Ok(()) },
			]
		);
		// The action ran as root: the farm is certified.
		let after = pallet_tfgrid::Farms::<Test>::get(farm1).unwrap();
		assert_eq!(after.certification, FarmCertification::Gold);
	});
}

#[test]
fn motion_approval_with_failing_action_reports_the_error() {
	test(|| {
		let farm1 = farm_with_node(&acc(10), small_node());
		// Farm 99 does not exist: the action fails, the close succeeds.
		let call = RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_farm_certification {
			farm_id: 99,
			certification: FarmCertification::Gold,
		});
		let hash = propose(1, call);
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(close(2, hash, 0));
		System::assert_last_event(
			Event::<Test>::Executed {
				proposal_hash: hash,
				result: Err(pallet_tfgrid::Error::<Test>::FarmNotExists.into()),
			}
			.into(),
		);
		assert_removed(hash);
	});
}

#[test]
fn motion_veto_works() {
	test(|| {
		let hash = propose(2, remark(b"some_remark"));
		assert_ok!(veto(2, hash));
		System::assert_last_event(
			Event::<Test>::CouncilMemberVeto { proposal_hash: hash, who: acc(2) }.into(),
		);
		assert_eq!(voting(hash).vetos.into_inner(), vec![acc(2)]);
		assert_ok!(veto(3, hash));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 3..],
			[
				Event::CouncilMemberVeto { proposal_hash: hash, who: acc(3) },
				Event::ClosedByCouncil { proposal_hash: hash, vetos: vec![acc(2), acc(3)] },
				Event::Disapproved { proposal_hash: hash },
			]
		);
		assert_removed(hash);
	});
}

#[test]
fn motion_veto_duplicate_fails() {
	test(|| {
		let hash = propose(2, remark(b"some_remark"));
		assert_ok!(veto(2, hash));
		// One veto per member: a second one does not reach `MinVetos` alone.
		assert_noop!(veto(2, hash), Error::<Test>::DuplicateVeto);
		assert_eq!(voting(hash).vetos.len(), 1);
	});
}

#[test]
fn voting_tfgridmodule_call_works() {
	test(|| {
		let hash = propose(
			2,
			RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_connection_price { price: 100 }),
		);
		let farm1 = farm_with_node(&acc(10), small_node());
		let farm2 = farm_with_node(&acc(11), small_node());
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(vote(11, farm2, hash, true));
		let (node, _) = create_node(farm1, small_node());
		assert_ne!(pallet_tfgrid::Nodes::<Test>::get(node).unwrap().connection_price, 100);

		run_to_block(5);
		assert_ok!(close(2, hash, 0));
		System::assert_last_event(
			Event::<Test>::Executed { proposal_hash: hash, result: Ok(()) }.into(),
		);
		assert_eq!(pallet_tfgrid::ConnectionPrice::<Test>::get(), 100);
		let (node, _) = create_node(farm1, small_node());
		assert_eq!(pallet_tfgrid::Nodes::<Test>::get(node).unwrap().connection_price, 100);
	});
}

#[test]
fn customize_proposal_duration_works() {
	test(|| {
		let call = remark(b"some_remark");
		assert_ok!(propose_with(1, 3, call.clone(), Some(10)));
		let hash = hash_of(&call);
		assert_eq!(voting(hash).end, 11);
		let farm1 = farm_with_node(&acc(10), small_node());
		let farm2 = farm_with_node(&acc(11), small_node());
		assert_ok!(vote(10, farm1, hash, true));
		assert_ok!(vote(11, farm2, hash, true));

		run_to_block(10);
		assert_noop!(close(2, hash, 0), Error::<Test>::OngoingVoteAndTresholdStillNotMet);
		run_to_block(11);
		assert_ok!(close(2, hash, 0));
		System::assert_last_event(Event::<Test>::Disapproved { proposal_hash: hash }.into());
	});
}

#[test]
fn customize_proposal_duration_out_of_bounds_fails() {
	test(|| {
		for duration in [0, MIN_DURATION - 1, MAX_DURATION + 1, 1_000_000_000] {
			assert_noop!(
				propose_with(1, 2, remark(b"some_remark"), Some(duration)),
				Error::<Test>::InvalidProposalDuration
			);
		}
		// The bounds themselves are allowed.
		assert_ok!(propose_with(1, 2, remark(b"shortest"), Some(MIN_DURATION)));
		assert_ok!(propose_with(1, 2, remark(b"longest"), Some(MAX_DURATION)));
		assert_eq!(voting(hash_of(&remark(b"longest"))).end, 1 + MAX_DURATION);
	});
}

// ---- rails ---------------------------------------------------------------------------------

#[test]
fn propose_by_non_member_fails() {
	test(|| {
		assert_noop!(propose_with(10, 1, remark(b"x"), None), Error::<Test>::NotCouncilMember);
	});
}

#[test]
fn duplicate_proposal_fails() {
	test(|| {
		propose(1, remark(b"x"));
		assert_noop!(propose_with(2, 1, remark(b"x"), None), Error::<Test>::DuplicateProposal);
	});
}

#[test]
fn proposer_cannot_vote_with_own_farm() {
	test(|| {
		let farm = farm_with_node(&acc(1), small_node());
		let hash = propose(1, remark(b"x"));
		assert_noop!(vote(1, farm, hash, true), Error::<Test>::ProposerCannotVote);
		assert_noop!(vote(1, farm, hash, false), Error::<Test>::ProposerCannotVote);
		// Another council member that farms may vote.
		let other = farm_with_node(&acc(2), small_node());
		assert_ok!(vote(2, other, hash, true));
	});
}

#[test]
fn single_member_with_threshold_one_cannot_pass_alone() {
	test(|| {
		let farm = farm_with_node(&acc(1), big_node());
		let hash = propose(1, remark(b"x"));
		assert_noop!(vote(1, farm, hash, true), Error::<Test>::ProposerCannotVote);
		assert_noop!(close(1, hash, 0), Error::<Test>::OngoingVoteAndTresholdStillNotMet);
		run_to_block(5);
		assert_ok!(close(1, hash, 0));
		System::assert_last_event(Event::<Test>::Disapproved { proposal_hash: hash }.into());
	});
}

#[test]
fn veto_after_end_fails() {
	test(|| {
		let hash = propose(1, remark(b"x"));
		run_to_block(5);
		assert_ok!(veto(2, hash));
		run_to_block(6);
		assert_noop!(veto(3, hash), Error::<Test>::TimeLimitReached);
	});
}

#[test]
fn veto_checks_origin_and_proposal() {
	test(|| {
		let hash = propose(1, remark(b"x"));
		assert_noop!(veto(10, hash), Error::<Test>::NotCouncilMember);
		assert_noop!(veto(2, hash_of(&remark(b"y"))), Error::<Test>::ProposalMissing);
		let info = veto(2, hash).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
	});
}

#[test]
fn vote_change_moves_the_weight_and_pays() {
	test(|| {
		let hash = propose(2, remark(b"x"));
		let farm = farm_with_node(&acc(10), big_node());
		let first = vote(10, farm, hash, true).unwrap();
		assert_eq!(first.pays_fee, Pays::No);
		assert_noop!(vote(10, farm, hash, true), Error::<Test>::DuplicateVote);

		let change = vote(10, farm, hash, false).unwrap();
		assert_eq!(change.pays_fee, Pays::Yes);
		let tally = voting(hash);
		assert_eq!((tally.aye_count, tally.nay_count), (0, 1));
		assert_eq!((tally.aye_weight, tally.nay_weight), (0, BIG));
		System::assert_last_event(
			Event::<Test>::Voted {
				account: acc(10),
				proposal_hash: hash,
				voted: false,
				yes: 0,
				no: 1,
			}
			.into(),
		);
		assert_eq!(FarmVotes::<Test>::get(farm).len(), 1);
	});
}

#[test]
fn vote_switch_moves_the_farms_current_weight() {
	test(|| {
		let hash = propose(2, remark(b"x"));
		let farm = farm_with_node(&acc(10), small_node());
		assert_ok!(vote(10, farm, hash, true));
		create_node(farm, big_node());
		assert_eq!(voting(hash).aye_weight, SMALL + BIG);
		assert_ok!(vote(10, farm, hash, false));
		let tally = voting(hash);
		assert_eq!((tally.aye_weight, tally.nay_weight), (0, SMALL + BIG));
	});
}

#[test]
fn tallies_follow_a_node_added_after_the_vote() {
	test(|| {
		let yes = farm_with_node(&acc(10), small_node());
		let no = farm_with_node(&acc(11), big_node());
		let hash = propose(2, remark(b"x"));
		assert_ok!(vote(10, yes, hash, true));
		assert_ok!(vote(11, no, hash, false));
		// The "yes" farm grows past the "no" farm after voting.
		create_node(yes, big_node());
		create_node(yes, big_node());
		assert_eq!(voting(hash).aye_weight, SMALL + 2 * BIG);

		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(
			events[events.len() - 3..],
			[
				closed(hash, 1, SMALL + 2 * BIG, 1, BIG),
				Event::Approved { proposal_hash: hash },
				Event::Executed { proposal_hash: hash, result: Ok(()) },
			]
		);
	});
}

#[test]
fn tallies_follow_a_node_updated_after_the_vote() {
	test(|| {
		let yes = create_farm(&acc(10));
		create_node(yes, small_node());
		create_node(yes, small_node());
		let no = create_farm(&acc(11));
		let (node, node_account) = create_node(no, big_node());
		let hash = propose(2, remark(b"x"));
		assert_ok!(vote(10, yes, hash, true));
		assert_ok!(vote(11, no, hash, false));
		assert_eq!((voting(hash).aye_weight, voting(hash).nay_weight), (2 * SMALL, BIG));

		// The "no" farm's node shrinks: "yes" now weighs more.
		assert_ok!(update_node(&node_account, node, no, small_node()));
		assert_eq!(FarmWeight::<Test>::get(no), SMALL);
		assert_eq!(voting(hash).nay_weight, SMALL);

		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(events[events.len() - 2], Event::Approved { proposal_hash: hash });
	});
}

#[test]
fn tallies_follow_a_node_moved_after_the_vote() {
	test(|| {
		let yes = farm_with_node(&acc(10), small_node());
		let no = create_farm(&acc(11));
		let other = create_farm(&acc(11));
		let (node, node_account) = create_node(no, big_node());
		let hash = propose(2, remark(b"x"));
		assert_ok!(vote(10, yes, hash, true));
		assert_ok!(vote(11, no, hash, false));

		// The node moves to the farmer's other farm, which did not vote.
		assert_ok!(update_node(&node_account, node, other, big_node()));
		assert_eq!(FarmWeight::<Test>::get(no), 0);
		assert_eq!(FarmWeight::<Test>::get(other), BIG);
		let tally = voting(hash);
		assert_eq!((tally.aye_weight, tally.nay_weight), (SMALL, 0));
		assert_eq!((tally.aye_count, tally.nay_count), (1, 1));

		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(events[events.len() - 3], closed(hash, 1, SMALL, 1, 0));
		assert_eq!(events[events.len() - 2], Event::Approved { proposal_hash: hash });
	});
}

#[test]
fn tallies_follow_a_node_deleted_after_the_vote() {
	test(|| {
		let yes = farm_with_node(&acc(10), small_node());
		let no = create_farm(&acc(11));
		let (node, _) = create_node(no, big_node());
		let hash = propose(2, remark(b"x"));
		assert_ok!(vote(10, yes, hash, true));
		assert_ok!(vote(11, no, hash, false));

		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(acc(11)), node));
		assert_eq!(voting(hash).nay_weight, 0);

		assert_ok!(close(2, hash, 0));
		let events = dao_events();
		assert_eq!(events[events.len() - 2], Event::Approved { proposal_hash: hash });
	});
}

#[test]
fn node_changes_touch_every_live_proposal_the_farm_voted_on() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let a = propose(1, remark(b"a"));
		let b = propose(1, remark(b"b"));
		let c = propose(1, remark(b"c"));
		assert_ok!(vote(10, farm, a, true));
		assert_ok!(vote(10, farm, b, false));
		create_node(farm, big_node());
		assert_eq!(voting(a).aye_weight, SMALL + BIG);
		assert_eq!(voting(b).nay_weight, SMALL + BIG);
		// The farm did not vote on `c`.
		assert_eq!((voting(c).aye_weight, voting(c).nay_weight), (0, 0));
	});
}

#[test]
fn stale_votes_do_not_leak_into_a_reproposed_action() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let hash = propose(1, remark(b"again"));
		assert_ok!(vote(10, farm, hash, true));
		assert_ok!(close(2, hash, 0));
		assert_removed(hash);
		// The farm's vote on the closed proposal is stale but still stored.
		assert_eq!(FarmVotes::<Test>::get(farm).len(), 1);

		// The same action again: same hash, new index.
		assert_eq!(propose(1, remark(b"again")), hash);
		assert_eq!(voting(hash).index, 1);
		// A weight change of the farm must not count the stale vote in the new proposal...
		create_node(farm, big_node());
		let tally = voting(hash);
		assert_eq!((tally.aye_count, tally.aye_weight, tally.nay_weight), (0, 0, 0));
		// ...and it pruned the stale vote.
		assert!(FarmVotes::<Test>::get(farm).is_empty());

		// The farm votes on the new proposal as a first vote.
		let info = vote(10, farm, hash, true).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(voting(hash).aye_weight, SMALL + BIG);
	});
}

#[test]
fn stale_vote_with_a_reused_hash_is_not_a_duplicate() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let hash = propose(1, remark(b"again"));
		assert_ok!(vote(10, farm, hash, true));
		assert_ok!(close(2, hash, 0));
		assert_eq!(propose(1, remark(b"again")), hash);
		// No node change in between: the stale vote is still stored when the farm votes.
		assert_ok!(vote(10, farm, hash, true));
		let tally = voting(hash);
		assert_eq!((tally.aye_count, tally.aye_weight), (1, SMALL));
		assert_eq!(
			FarmVotes::<Test>::get(farm).into_inner(),
			vec![FarmVote { proposal_index: 1, proposal_hash: hash, approve: true }]
		);
	});
}

#[test]
fn voting_prunes_votes_on_removed_proposals() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let a = propose(1, remark(b"a"));
		let b = propose(1, remark(b"b"));
		assert_ok!(vote(10, farm, a, true));
		assert_ok!(veto(2, a));
		assert_ok!(veto(3, a));
		assert_removed(a);
		assert_ok!(vote(10, farm, b, true));
		assert_eq!(
			FarmVotes::<Test>::get(farm).into_inner(),
			vec![FarmVote { proposal_index: 1, proposal_hash: b, approve: true }]
		);
	});
}

#[test]
fn proposal_list_full_fails() {
	test(|| {
		for i in 0..MAX_PROPOSALS {
			propose(1, remark(&i.to_le_bytes()));
		}
		assert_noop!(
			propose_with(1, 1, remark(b"one too many"), None),
			Error::<Test>::TooManyProposals
		);
		// Closing one makes room.
		let first = hash_of(&remark(&0u32.to_le_bytes()));
		assert_ok!(veto(2, first));
		assert_ok!(veto(3, first));
		assert_ok!(propose_with(1, 1, remark(b"one too many"), None));
		assert_eq!(ProposalList::<Test>::get().len() as u32, MAX_PROPOSALS);
	});
}

#[test]
fn description_or_link_too_long_fails() {
	test(|| {
		let long = vec![b'a'; MAX_TEXT_LENGTH as usize + 1];
		let fits = vec![b'a'; MAX_TEXT_LENGTH as usize];
		let propose_texts = |description: &[u8], link: &[u8]| {
			Dao::propose(
				RuntimeOrigin::signed(acc(1)),
				1,
				Box::new(remark(b"x")),
				description.to_vec(),
				link.to_vec(),
				None,
			)
		};
		assert_noop!(propose_texts(&long, b"l"), Error::<Test>::DescriptionTooLong);
		assert_noop!(propose_texts(b"d", &long), Error::<Test>::LinkTooLong);
		assert_ok!(propose_texts(&fits, &fits));
		let proposal = Proposals::<Test>::get(hash_of(&remark(b"x"))).unwrap();
		assert_eq!((proposal.index, proposal.description.into_inner()), (0, fits));
	});
}

#[test]
fn proposal_too_long_fails() {
	test(|| {
		let too_long = remark(&vec![0u8; MAX_PROPOSAL_LENGTH as usize]);
		assert!(too_long.encoded_size() > MAX_PROPOSAL_LENGTH as usize);
		assert_noop!(propose_with(1, 1, too_long, None), Error::<Test>::WrongProposalLength);
		// 2 bytes of call index and 2 of length prefix.
		let longest = remark(&vec![0u8; MAX_PROPOSAL_LENGTH as usize - 4]);
		assert_eq!(longest.encoded_size(), MAX_PROPOSAL_LENGTH as usize);
		assert_ok!(propose_with(1, 1, longest, None));
	});
}

#[test]
fn proposal_too_heavy_fails() {
	test(|| {
		let call =
			RuntimeCall::TfgridModule(pallet_tfgrid::Call::set_connection_price { price: 100 });
		let weight = call.get_dispatch_info().call_weight;
		assert!(weight.ref_time() > 0);
		// Just heavy enough is allowed.
		MaxProposalWeight::set(&weight);
		assert_ok!(propose_with(1, 1, call.clone(), None));
		assert_ok!(veto(2, hash_of(&call)));
		assert_ok!(veto(3, hash_of(&call)));
		// One unit less is not.
		MaxProposalWeight::set(&weight.saturating_sub(Weight::from_parts(1, 0)));
		assert_noop!(propose_with(1, 1, call, None), Error::<Test>::WrongProposalWeight);
	});
}

#[test]
fn threshold_zero_fails() {
	test(|| {
		assert_noop!(propose_with(1, 0, remark(b"x"), None), Error::<Test>::ThresholdTooLow);
	});
}

#[test]
fn close_charges_what_the_action_used() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let approved = remark(b"approved");
		let hash = propose(1, approved.clone());
		assert_ok!(vote(10, farm, hash, true));
		let info = close(2, hash, 0).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		let action = approved.get_dispatch_info().call_weight;
		assert_eq!(
			info.actual_weight,
			Some(<() as WeightInfo>::close_approved().saturating_add(action))
		);
		assert!(info.actual_weight.unwrap().all_lte(Dao::close_weight()));

		let rejected = propose(1, remark(b"rejected"));
		run_to_block(10);
		let info = close(2, rejected, 1).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::close_disapproved()));
		assert_eq!(info.pays_fee, Pays::No);
	});
}

#[test]
fn vote_and_close_do_not_grow_with_the_number_of_votes() {
	test(|| {
		let hash = propose(3, remark(b"x"));
		let size = voting(hash).encoded_size();
		for farmer in 10..20u8 {
			let farm = farm_with_node(&acc(farmer), small_node());
			let info = vote(farmer, farm, hash, farmer % 2 == 0).unwrap();
			// The declared weight is fixed; nothing is refunded or added per earlier vote.
			assert_eq!(info.actual_weight, None);
			assert_eq!(info.pays_fee, Pays::No);
		}
		// Ten votes later, the stored tally is the same size: no per-voter list.
		assert_eq!(voting(hash).encoded_size(), size);
		let tally = voting(hash);
		assert_eq!((tally.aye_count, tally.nay_count), (5, 5));
		let info = close(2, hash, 0).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::close_disapproved()));
	});
}

#[test]
fn node_power_changes_do_not_change_weights() {
	test(|| {
		let farm = farm_with_node(&acc(10), small_node());
		let node = pallet_tfgrid::Nodes::<Test>::get(1).unwrap();
		<Dao as tfchain_primitives::traits::ChangeNode>::node_power_state_changed(&node);
		assert_eq!(FarmWeight::<Test>::get(farm), SMALL);
	});
}

#[test]
fn hook_weights_cover_two_farm_walks() {
	use tfchain_primitives::traits::ChangeNode;
	let one = <() as WeightInfo>::farm_weight_changed(MAX_PROPOSALS);
	assert_eq!(<Dao as ChangeNode>::node_deleted_weight(), one);
	assert_eq!(<Dao as ChangeNode>::node_changed_weight(), one.saturating_mul(2));
}
