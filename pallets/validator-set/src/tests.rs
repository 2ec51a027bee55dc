//! Unit tests: TFChain's validator-set scenarios plus the fixed behaviour and session rotation.

use crate::{mock::*, pallet::*, Error, Event};
use frame::{
	deps::{
		frame_support::{assert_noop, assert_ok},
		sp_runtime::{
			testing::UintAuthorityId, traits::BadOrigin, DispatchError, RuntimeAppPublic,
		},
	},
	runtime::prelude::*,
};
use polkadot_sdk::pallet_session;

fn validators() -> Vec<u64> {
	Validators::<Test>::get().into_inner()
}

fn approved() -> Vec<u64> {
	ApprovedValidators::<Test>::get().into_inner()
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event was emitted").event
}

fn run_to_block(n: u64) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

#[test]
fn simple_setup_should_work() {
	test(|| {
		assert_eq!(validators(), vec![1, 2]);
		assert_eq!(approved(), vec![1, 2]);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1, 2]);
		assert_eq!(SessionLength::<Test>::get(), 10);
	});
}

#[test]
fn add_validator_updates_validators_list() {
	test(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 3));
		assert_eq!(validators(), vec![1, 2, 3]);
		assert_eq!(approved(), vec![1, 2, 3]);
		assert_eq!(last_event(), Event::ValidatorAdditionInitiated(3).into());
	});
}

#[test]
fn remove_validator_updates_validators_list() {
	test(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
		assert_eq!(validators(), vec![1]);
		assert_eq!(last_event(), Event::ValidatorRemovalInitiated(2).into());
	});
}

#[test]
fn add_validator_fails_with_invalid_origin() {
	test(|| {
		assert_noop!(ValidatorSet::add_validator(RuntimeOrigin::signed(1), 3), BadOrigin);
	});
}

#[test]
fn remove_validator_fails_with_invalid_origin() {
	test(|| {
		assert_noop!(ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 2), BadOrigin);
	});
}

#[test]
fn duplicate_check() {
	test(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 3));
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 3),
			Error::<Test>::Duplicate
		);
	});
}

#[test]
fn removal_keeps_min_authorities() {
	test(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 1));
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 2),
			Error::<Test>::TooLowValidatorCount
		);
	});
}

#[test]
fn removing_a_non_validator_fails() {
	test(|| {
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::root(), 4),
			Error::<Test>::NotAValidator
		);
	});
}

#[test]
fn set_is_bounded() {
	test(|| {
		for v in 3..=8 {
			assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), v));
		}
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::root(), 9),
			Error::<Test>::TooManyValidators
		);
	});
}

/// TFChain bug (§6.1.20): removal did not withdraw approval, so `add_validator` of a removed
/// validator failed with `Duplicate` and the removed validator could re-add itself.
#[test]
fn removal_withdraws_approval_and_council_can_re_add() {
	test(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
		assert_eq!(approved(), vec![1]);
		assert_noop!(
			ValidatorSet::add_validator_again(RuntimeOrigin::signed(2), 2),
			Error::<Test>::ValidatorNotApproved
		);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 2));
		assert_eq!(validators(), vec![1, 2]);
	});
}

#[test]
fn add_validator_again_rules() {
	test(|| {
		// Only the validator itself may call it.
		assert_noop!(
			ValidatorSet::add_validator_again(RuntimeOrigin::signed(1), 3),
			Error::<Test>::BadOrigin
		);
		// Never approved.
		assert_noop!(
			ValidatorSet::add_validator_again(RuntimeOrigin::signed(3), 3),
			Error::<Test>::ValidatorNotApproved
		);
		// Approved and already in the set.
		assert_noop!(
			ValidatorSet::add_validator_again(RuntimeOrigin::signed(1), 1),
			Error::<Test>::Duplicate
		);
		// Approved but out of the set (as after an offence-based removal): it may re-join.
		Validators::<Test>::mutate(|v| v.retain(|a| *a != 2));
		assert_ok!(ValidatorSet::add_validator_again(RuntimeOrigin::signed(2), 2));
		assert_eq!(validators(), vec![1, 2]);
		assert_eq!(last_event(), Event::ValidatorAdditionInitiated(2).into());
	});
}

#[test]
fn session_length_can_be_changed_by_the_council_only() {
	test(|| {
		assert_noop!(ValidatorSet::set_session_length(RuntimeOrigin::signed(1), 5), BadOrigin);
		assert_noop!(
			ValidatorSet::set_session_length(RuntimeOrigin::root(), 1),
			Error::<Test>::SessionLengthTooShort
		);
		assert_ok!(ValidatorSet::set_session_length(RuntimeOrigin::root(), 5));
		assert_eq!(SessionLength::<Test>::get(), 5);
		assert_eq!(last_event(), Event::SessionLengthSet { length: 5 }.into());
		run_to_block(5);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 1);
	});
}

#[test]
fn added_validator_with_keys_becomes_authority_after_two_sessions() {
	test(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 3));
		// Session 1 starts at block 10 and queues the new set.
		run_to_block(10);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 1);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1, 2]);
		// Session 2 activates it.
		run_to_block(20);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1, 2, 3]);
	});
}

#[test]
fn removed_validator_leaves_after_two_sessions() {
	test(|| {
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
		run_to_block(20);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1]);
	});
}

#[test]
fn validator_without_keys_is_skipped_until_it_sets_them() {
	test(|| {
		// Account 6 has no session keys.
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 6));
		run_to_block(20);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1, 2]);
		// Once it sets its keys, the next session change queues it.
		System::inc_providers(&6);
		let proof = UintAuthorityId(6).sign(&6u64.encode()).expect("test keys sign").encode();
		assert_ok!(pallet_session::Pallet::<Test>::set_keys(
			RuntimeOrigin::signed(6),
			6.into(),
			proof
		));
		run_to_block(40);
		assert_eq!(pallet_session::Validators::<Test>::get(), vec![1, 2, 6]);
	});
}

#[test]
fn unchanged_set_is_not_handed_over_again() {
	test(|| {
		use pallet_session::SessionManager;
		run_to_block(20);
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(3), None);
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 3));
		assert_eq!(<ValidatorSet as SessionManager<u64>>::new_session(3), Some(vec![1, 2, 3]));
	});
}

#[test]
fn genesis_accepts_an_empty_set_and_checks_the_session_length() {
	new_test_ext().execute_with(|| {
		Validators::<Test>::kill();
		ApprovedValidators::<Test>::kill();
		// The default (empty) genesis builds, without validators.
		assert_ok!(ValidatorSet::initialize(&[], None));
		assert!(validators().is_empty());
		assert_eq!(
			ValidatorSet::initialize(&[1], Some(1)),
			Err(DispatchError::from(Error::<Test>::SessionLengthTooShort))
		);
	});
}
