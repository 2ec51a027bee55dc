//! Unit tests: TFChain's key-value store scenarios plus the bounds and the storage deposit.

use crate::{mock::*, pallet::*, Error, Event, MAX_KEY_LENGTH, MAX_VALUE_LENGTH};
use frame::{
	deps::frame_support::{assert_noop, assert_ok},
	runtime::prelude::*,
};

/// The value `who` has stored under `key` (empty if none).
fn stored(who: u64, key: &[u8]) -> Vec<u8> {
	let key = KeyOf::try_from(key.to_vec()).expect("test keys are within bounds");
	TFKVStore::<Test>::get(who, key).into_inner()
}

/// Whether `who` has an entry under `key`.
fn exists(who: u64, key: &[u8]) -> bool {
	let key = KeyOf::try_from(key.to_vec()).expect("test keys are within bounds");
	TFKVStore::<Test>::contains_key(who, key)
}

/// The deposit recorded for `who`'s entry under `key`.
fn recorded_deposit(who: u64, key: &[u8]) -> Option<u64> {
	let key = KeyOf::try_from(key.to_vec()).expect("test keys are within bounds");
	Deposits::<Test>::get(who, key)
}

/// What `who` has on hold for entry deposits.
fn held(who: u64) -> u64 {
	<Balances as fungible::InspectHold<u64>>::balance_on_hold(
		&HoldReason::KeyValueDeposit.into(),
		&who,
	)
}

/// The free balance of `who`.
fn free(who: u64) -> u64 {
	<Balances as fungible::Inspect<u64>>::balance(&who)
}

/// The mock's deposit for an entry of `key` and `value`.
fn deposit(key: &[u8], value: &[u8]) -> u64 {
	DEPOSIT_BASE + DEPOSIT_PER_BYTE * (key.len() + value.len()) as u64
}

fn set(who: u64, key: &[u8], value: &[u8]) -> DispatchResult {
	KvStore::set(RuntimeOrigin::signed(who), key.to_vec(), value.to_vec())
}

fn delete(who: u64, key: &[u8]) -> DispatchResult {
	KvStore::delete(RuntimeOrigin::signed(who), key.to_vec())
}

#[test]
fn test_set_and_get() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"nametest"));
		assert_eq!(stored(ALICE, b"name"), b"nametest".to_vec());
		System::assert_last_event(
			Event::<Test>::EntrySet(ALICE, b"name".to_vec(), b"nametest".to_vec()).into(),
		);
	});
}

#[test]
fn test_delete() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"nametest"));
		assert_ok!(delete(ALICE, b"name"));
		assert!(!exists(ALICE, b"name"));
		assert_eq!(stored(ALICE, b"name"), Vec::<u8>::new());
		System::assert_last_event(
			Event::<Test>::EntryTaken(ALICE, b"name".to_vec(), b"nametest".to_vec()).into(),
		);
	});
}

#[test]
fn set_overwrites_the_value() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"first"));
		assert_ok!(set(ALICE, b"name", b"second"));
		assert_eq!(stored(ALICE, b"name"), b"second".to_vec());
		System::assert_last_event(
			Event::<Test>::EntrySet(ALICE, b"name".to_vec(), b"second".to_vec()).into(),
		);
	});
}

#[test]
fn namespaces_are_per_account() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"alice"));
		assert_ok!(set(BOB, b"name", b"bob"));
		assert_eq!(stored(ALICE, b"name"), b"alice".to_vec());
		assert_eq!(stored(BOB, b"name"), b"bob".to_vec());
		// Bob cannot delete Alice's entry; deleting his own leaves hers.
		assert_ok!(delete(BOB, b"name"));
		assert_noop!(delete(BOB, b"name"), Error::<Test>::NoValueStored);
		assert_eq!(stored(ALICE, b"name"), b"alice".to_vec());
	});
}

#[test]
fn key_and_value_at_their_bounds_are_accepted() {
	test(|| {
		let key = vec![1u8; MAX_KEY_LENGTH as usize];
		let value = vec![2u8; MAX_VALUE_LENGTH as usize];
		assert_ok!(set(ALICE, &key, &value));
		assert_eq!(stored(ALICE, &key), value);
		assert_eq!(held(ALICE), deposit(&key, &value));
	});
}

#[test]
fn key_too_large_fails() {
	test(|| {
		let key = vec![1u8; MAX_KEY_LENGTH as usize + 1];
		assert_noop!(set(ALICE, &key, b"value"), Error::<Test>::KeyIsTooLarge);
	});
}

#[test]
fn value_too_large_fails() {
	test(|| {
		let value = vec![2u8; MAX_VALUE_LENGTH as usize + 1];
		assert_noop!(set(ALICE, b"key", &value), Error::<Test>::ValueIsTooLarge);
	});
}

#[test]
fn key_is_checked_before_value() {
	test(|| {
		let key = vec![1u8; MAX_KEY_LENGTH as usize + 1];
		let value = vec![2u8; MAX_VALUE_LENGTH as usize + 1];
		assert_noop!(set(ALICE, &key, &value), Error::<Test>::KeyIsTooLarge);
	});
}

#[test]
fn delete_of_a_missing_entry_fails() {
	test(|| {
		assert_noop!(delete(ALICE, b"nothing"), Error::<Test>::NoValueStored);
	});
}

#[test]
fn delete_with_a_key_over_the_bound_fails() {
	test(|| {
		let key = vec![1u8; MAX_KEY_LENGTH as usize + 1];
		assert_noop!(delete(ALICE, &key), Error::<Test>::NoValueStored);
	});
}

#[test]
fn unsigned_calls_fail() {
	test(|| {
		assert_noop!(
			KvStore::set(RuntimeOrigin::none(), b"k".to_vec(), b"v".to_vec()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			KvStore::delete(RuntimeOrigin::none(), b"k".to_vec()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn set_holds_the_deposit() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"Alice"));
		let expected = deposit(b"name", b"Alice");
		assert_eq!(expected, 19);
		assert_eq!(held(ALICE), expected);
		assert_eq!(free(ALICE), RICH_BALANCE - expected);
		assert_eq!(recorded_deposit(ALICE, b"name"), Some(expected));
	});
}

#[test]
fn overwrite_with_a_larger_value_holds_the_difference() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"Bob"));
		assert_ok!(set(ALICE, b"name", b"Bartholomew"));
		let expected = deposit(b"name", b"Bartholomew");
		assert_eq!(held(ALICE), expected);
		assert_eq!(free(ALICE), RICH_BALANCE - expected);
		assert_eq!(recorded_deposit(ALICE, b"name"), Some(expected));
	});
}

#[test]
fn overwrite_with_a_smaller_value_releases_the_difference() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"Bartholomew"));
		assert_ok!(set(ALICE, b"name", b"Bob"));
		let expected = deposit(b"name", b"Bob");
		assert_eq!(held(ALICE), expected);
		assert_eq!(free(ALICE), RICH_BALANCE - expected);
		assert_eq!(recorded_deposit(ALICE, b"name"), Some(expected));
	});
}

#[test]
fn deposits_add_up_over_entries() {
	test(|| {
		assert_ok!(set(ALICE, b"a", b"1"));
		assert_ok!(set(ALICE, b"bb", b"22"));
		assert_eq!(held(ALICE), deposit(b"a", b"1") + deposit(b"bb", b"22"));
		assert_ok!(delete(ALICE, b"a"));
		assert_eq!(held(ALICE), deposit(b"bb", b"22"));
	});
}

#[test]
fn delete_releases_the_deposit() {
	test(|| {
		assert_ok!(set(ALICE, b"name", b"Alice"));
		assert_ok!(delete(ALICE, b"name"));
		assert_eq!(held(ALICE), 0);
		assert_eq!(free(ALICE), RICH_BALANCE);
		assert_eq!(recorded_deposit(ALICE, b"name"), None);
	});
}

#[test]
fn set_without_funds_for_the_deposit_fails() {
	test(|| {
		assert!(deposit(b"k", b"v") > POOR_BALANCE);
		assert_noop!(set(POOR, b"k", b"v"), Error::<Test>::InsufficientDeposit);
		assert!(!exists(POOR, b"k"));
	});
}

#[test]
fn growing_an_entry_without_funds_fails_and_keeps_it() {
	test(|| {
		let small = vec![2u8; 10];
		let large = vec![2u8; MAX_VALUE_LENGTH as usize];
		// Leave Bob just enough for the small entry (and the existential deposit).
		let spare = RICH_BALANCE - deposit(b"k", &small) - 1;
		assert_ok!(<Balances as fungible::Mutate<u64>>::burn_from(
			&BOB,
			spare,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite,
		));
		assert_ok!(set(BOB, b"k", &small));
		assert_noop!(set(BOB, b"k", &large), Error::<Test>::InsufficientDeposit);
		assert_eq!(stored(BOB, b"k"), small);
		assert_eq!(held(BOB), deposit(b"k", &small));
	});
}

/// An entry that exists without a deposit record (state imported from TFChain, which took no
/// deposit) releases nothing on delete and takes the full deposit on its first overwrite.
#[test]
fn entries_without_a_deposit_record() {
	test(|| {
		let key = KeyOf::try_from(b"old".to_vec()).unwrap();
		let value = ValueOf::try_from(b"legacy".to_vec()).unwrap();
		TFKVStore::<Test>::insert(ALICE, &key, value);

		assert_ok!(set(ALICE, b"old", b"new"));
		assert_eq!(held(ALICE), deposit(b"old", b"new"));

		TFKVStore::<Test>::insert(BOB, &key, ValueOf::try_from(b"legacy".to_vec()).unwrap());
		assert_ok!(delete(BOB, b"old"));
		assert_eq!(held(BOB), 0);
		assert_eq!(free(BOB), RICH_BALANCE);
		System::assert_last_event(
			Event::<Test>::EntryTaken(BOB, b"old".to_vec(), b"legacy".to_vec()).into(),
		);
	});
}

#[test]
fn try_state_detects_a_deposit_mismatch() {
	new_test_ext().execute_with(|| {
		assert_ok!(set(ALICE, b"name", b"Alice"));
		assert_ok!(KvStore::do_try_state());
		let key = KeyOf::try_from(b"name".to_vec()).unwrap();
		Deposits::<Test>::insert(ALICE, &key, 1);
		assert!(KvStore::do_try_state().is_err());
		Deposits::<Test>::remove(ALICE, &key);
		TFKVStore::<Test>::remove(ALICE, &key);
		Deposits::<Test>::insert(ALICE, &key, deposit(b"name", b"Alice"));
		assert!(KvStore::do_try_state().is_err());
	});
}
