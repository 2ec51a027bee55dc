//! The logic behind the call and the storage invariants.

use crate::pallet::{BalanceOf, Burn, BurnID, Burns, Config, Error, Event, Pallet};
use alloc::vec::Vec;
use frame::prelude::*;
use fungible::Mutate;

impl<T: Config> Pallet<T> {
	/// Burn `amount` of `who`'s spendable tokens and record the burn with `message`.
	pub(crate) fn do_burn_tft(
		who: T::AccountId,
		amount: BalanceOf<T>,
		message: Vec<u8>,
	) -> DispatchResult {
		let bounded = BoundedVec::<u8, T::MaxBurnMessageLength>::try_from(message)
			.map_err(|_| Error::<T>::MessageTooLong)?;
		let id = BurnID::<T>::get().checked_add(1).ok_or(ArithmeticError::Overflow)?;

		// Polite: held and frozen funds stay; Preserve: the account keeps its existential deposit.
		<T::Currency as Mutate<T::AccountId>>::burn_from(
			&who,
			amount,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::NotEnoughBalanceToBurn)?;

		let block = frame_system::Pallet::<T>::block_number();
		let message = bounded.to_vec();
		BurnID::<T>::put(id);
		Burns::<T>::insert(id, Burn::<T> { target: who.clone(), amount, block, message: bounded });
		Self::deposit_event(Event::BurnTransactionCreated(who, amount, block, message));
		Ok(())
	}

	/// Storage invariants: every burn id is between 1 and [`BurnID`](crate::BurnID).
	#[cfg(any(test, feature = "try-runtime"))]
	pub(crate) fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let last = BurnID::<T>::get();
		for id in Burns::<T>::iter_keys() {
			ensure!((1..=last).contains(&id), "burn id outside 1..=BurnID");
		}
		Ok(())
	}
}
