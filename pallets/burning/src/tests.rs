//! Unit tests: TFChain's burning scenarios plus the message bound and the protection of held,
//! frozen and existential-deposit funds.

use crate::{mock::*, pallet::*, Error, Event};
use frame::{
	deps::frame_support::{assert_noop, assert_ok},
	runtime::prelude::*,
};

fn free(who: u64) -> u64 {
	<Balances as fungible::Inspect<u64>>::balance(&who)
}

fn issuance() -> u64 {
	<Balances as fungible::Inspect<u64>>::total_issuance()
}

fn burn(who: u64, amount: u64, message: &[u8]) -> DispatchResult {
	BurningModule::burn_tft(RuntimeOrigin::signed(who), amount, message.to_vec())
}

#[test]
fn test_burn() {
	test(|| {
		let before = issuance();
		assert_ok!(burn(ALICE, 900, b"some_message"));

		assert_eq!(free(ALICE), BALANCE - 900);
		assert_eq!(issuance(), before - 900);
		assert_eq!(BurnID::<Test>::get(), 1);
		assert_eq!(
			Burns::<Test>::get(1),
			Some(Burn {
				target: ALICE,
				amount: 900,
				block: 1,
				message: BoundedVec::try_from(b"some_message".to_vec()).unwrap(),
			})
		);
		System::assert_last_event(
			Event::<Test>::BurnTransactionCreated(ALICE, 900, 1, b"some_message".to_vec()).into(),
		);
	});
}

#[test]
fn test_burn_to_much_fails() {
	test(|| {
		assert_noop!(
			burn(ALICE, BALANCE + 1, b"some_message"),
			Error::<Test>::NotEnoughBalanceToBurn
		);
	});
}

#[test]
fn burns_get_sequential_ids() {
	test(|| {
		assert_ok!(burn(ALICE, 10, b"first"));
		System::set_block_number(5);
		assert_ok!(burn(BOB, 20, b"second"));

		assert_eq!(BurnID::<Test>::get(), 2);
		let second = Burns::<Test>::get(2).expect("second burn recorded");
		assert_eq!((second.target, second.amount, second.block), (BOB, 20, 5));
		assert_eq!(second.message.into_inner(), b"second".to_vec());
		assert_eq!(Burns::<Test>::get(1).expect("first burn recorded").target, ALICE);
		System::assert_last_event(
			Event::<Test>::BurnTransactionCreated(BOB, 20, 5, b"second".to_vec()).into(),
		);
	});
}

#[test]
fn burning_nothing_is_recorded() {
	test(|| {
		assert_ok!(burn(ALICE, 0, b""));
		assert_eq!(free(ALICE), BALANCE);
		assert_eq!(BurnID::<Test>::get(), 1);
	});
}

/// The account keeps its existential deposit: burning everything fails, all but it works.
#[test]
fn burning_keeps_the_existential_deposit() {
	test(|| {
		let ed = <Balances as fungible::Inspect<u64>>::minimum_balance();
		assert_noop!(burn(ALICE, BALANCE, b""), Error::<Test>::NotEnoughBalanceToBurn);
		assert_ok!(burn(ALICE, BALANCE - ed, b""));
		assert_eq!(free(ALICE), ed);
		assert!(System::account_exists(&ALICE));
	});
}

#[test]
fn held_funds_cannot_be_burned() {
	test(|| {
		assert_ok!(<Balances as fungible::MutateHold<u64>>::hold(
			&TestHoldReason::Other,
			&ALICE,
			600
		));
		// 400 free, of which the existential deposit stays.
		assert_noop!(burn(ALICE, 400, b""), Error::<Test>::NotEnoughBalanceToBurn);
		assert_ok!(burn(ALICE, 399, b""));
		let held = <Balances as fungible::InspectHold<u64>>::balance_on_hold(
			&TestHoldReason::Other,
			&ALICE,
		);
		assert_eq!(held, 600);
	});
}

/// TFChain bug §6.1.19: `slash` ignored locks, so funds locked for contract billing could be
/// burned. Locked (frozen) funds are now out of reach.
#[test]
fn locked_funds_cannot_be_burned() {
	test(|| {
		<Balances as currency::LockableCurrency<u64>>::set_lock(
			*b"gridlock",
			&ALICE,
			600,
			WithdrawReasons::all(),
		);
		assert_noop!(burn(ALICE, 401, b""), Error::<Test>::NotEnoughBalanceToBurn);
		assert_ok!(burn(ALICE, 400, b""));
		assert_eq!(free(ALICE), 600);
	});
}

#[test]
fn message_at_the_bound_is_accepted() {
	test(|| {
		let message = vec![b'x'; MAX_MESSAGE as usize];
		assert_ok!(burn(ALICE, 1, &message));
		assert_eq!(Burns::<Test>::get(1).expect("burn recorded").message.into_inner(), message);
	});
}

#[test]
fn message_too_long_fails() {
	test(|| {
		let message = vec![b'x'; MAX_MESSAGE as usize + 1];
		assert_noop!(burn(ALICE, 1, &message), Error::<Test>::MessageTooLong);
	});
}

#[test]
fn unsigned_burn_fails() {
	test(|| {
		assert_noop!(
			BurningModule::burn_tft(RuntimeOrigin::none(), 1, Vec::new()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn try_state_detects_an_id_beyond_the_counter() {
	new_test_ext().execute_with(|| {
		assert_ok!(burn(ALICE, 1, b""));
		assert_ok!(BurningModule::do_try_state());
		let record = Burns::<Test>::get(1).expect("burn recorded");
		Burns::<Test>::insert(2, record);
		assert!(BurningModule::do_try_state().is_err());
	});
}
