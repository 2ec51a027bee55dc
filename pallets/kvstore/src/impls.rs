//! The logic behind the calls and the storage invariants.

use crate::pallet::{
	BalanceOf, Config, Deposits, Error, Event, HoldReason, KeyOf, Pallet, TFKVStore, ValueOf,
};
use alloc::vec::Vec;
use frame::prelude::*;
use fungible::MutateHold;

impl<T: Config> Pallet<T> {
	/// Store `value` under `(who, key)`, adjusting the entry's deposit.
	pub(crate) fn do_set(who: T::AccountId, key: Vec<u8>, value: Vec<u8>) -> DispatchResult {
		let key = KeyOf::try_from(key).map_err(|_| Error::<T>::KeyIsTooLarge)?;
		let value = ValueOf::try_from(value).map_err(|_| Error::<T>::ValueIsTooLarge)?;

		let old_deposit = Deposits::<T>::get(&who, &key).unwrap_or_else(Zero::zero);
		let new_deposit = Self::deposit_for(key.len(), value.len());
		if new_deposit > old_deposit {
			let extra = new_deposit.saturating_sub(old_deposit);
			<T::Currency as MutateHold<T::AccountId>>::hold(&Self::hold_reason(), &who, extra)
				.map_err(|_| Error::<T>::InsufficientDeposit)?;
		} else if new_deposit < old_deposit {
			Self::release(&who, old_deposit.saturating_sub(new_deposit))?;
		}

		Deposits::<T>::insert(&who, &key, new_deposit);
		TFKVStore::<T>::insert(&who, &key, &value);
		Self::deposit_event(Event::EntrySet(who, key.into_inner(), value.into_inner()));
		Ok(())
	}

	/// Remove the entry under `(who, key)` and release its deposit.
	pub(crate) fn do_delete(who: T::AccountId, key: Vec<u8>) -> DispatchResult {
		// A key longer than the bound can never have been stored.
		let key = KeyOf::try_from(key).map_err(|_| Error::<T>::NoValueStored)?;
		ensure!(TFKVStore::<T>::contains_key(&who, &key), Error::<T>::NoValueStored);

		let value = TFKVStore::<T>::take(&who, &key);
		if let Some(deposit) = Deposits::<T>::take(&who, &key) {
			Self::release(&who, deposit)?;
		}
		Self::deposit_event(Event::EntryTaken(who, key.into_inner(), value.into_inner()));
		Ok(())
	}

	/// The deposit of an entry with a key of `key_len` and a value of `value_len` bytes:
	/// `DepositBase + DepositPerByte × (key_len + value_len)`.
	pub(crate) fn deposit_for(key_len: usize, value_len: usize) -> BalanceOf<T> {
		let bytes = u32::try_from(key_len.saturating_add(value_len)).unwrap_or(u32::MAX);
		T::DepositBase::get().saturating_add(T::DepositPerByte::get().saturating_mul(bytes.into()))
	}

	/// The runtime hold reason entry deposits are held under.
	fn hold_reason() -> T::RuntimeHoldReason {
		HoldReason::KeyValueDeposit.into()
	}

	/// Release up to `amount` of `who`'s entry deposits. Best effort: if less is on hold (which
	/// this pallet never causes), the owner can still shrink or delete the entry.
	fn release(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if !amount.is_zero() {
			<T::Currency as MutateHold<T::AccountId>>::release(
				&Self::hold_reason(),
				who,
				amount,
				Precision::BestEffort,
			)?;
		}
		Ok(())
	}

	/// Storage invariants: every deposit record belongs to an entry, every entry decodes within
	/// its bounds, and each owner's recorded deposits add up to the balance held for the reason.
	#[cfg(any(test, feature = "try-runtime"))]
	pub(crate) fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		// `iter` skips entries whose value does not decode, e.g. one over its bound.
		ensure!(
			TFKVStore::<T>::iter().count() == TFKVStore::<T>::iter_keys().count(),
			"an entry's value does not decode within its bound"
		);

		let mut totals: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (who, key, deposit) in Deposits::<T>::iter() {
			ensure!(TFKVStore::<T>::contains_key(&who, &key), "deposit record without an entry");
			let total = totals.entry(who).or_insert_with(Zero::zero);
			*total = total.saturating_add(deposit);
		}
		for (who, total) in totals {
			ensure!(
				<T::Currency as fungible::InspectHold<T::AccountId>>::balance_on_hold(
					&Self::hold_reason(),
					&who
				) == total,
				"held balance differs from the sum of the owner's entry deposits"
			);
		}
		Ok(())
	}
}
