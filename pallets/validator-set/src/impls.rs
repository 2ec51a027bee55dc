//! The logic behind the calls, the genesis build and the session manager.

use crate::pallet::{ApprovedValidators, Config, Error, Event, Pallet, SessionLength, Validators};
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame::prelude::*;
use polkadot_sdk::pallet_session::{self, SessionManager};

impl<T: Config> Pallet<T> {
	/// Fill the set at genesis: every initial validator is also approved. An empty list (the
	/// default genesis config) leaves the set empty; a non-empty one needs `MinAuthorities`.
	pub(crate) fn initialize(
		validators: &[T::AccountId],
		session_length: Option<BlockNumberFor<T>>,
	) -> DispatchResult {
		ensure!(
			validators.is_empty() || validators.len() >= T::MinAuthorities::get() as usize,
			Error::<T>::TooLowValidatorCount
		);
		for validator in validators {
			Self::do_add_validator(validator.clone())?;
		}
		if let Some(length) = session_length {
			ensure!(length >= T::MinSessionLength::get(), Error::<T>::SessionLengthTooShort);
			SessionLength::<T>::put(length);
		}
		Ok(())
	}

	/// Add `validator` to the set and record the council's approval.
	pub(crate) fn do_add_validator(validator: T::AccountId) -> DispatchResult {
		let mut validators = Validators::<T>::get();
		ensure!(!validators.contains(&validator), Error::<T>::Duplicate);
		validators.try_push(validator.clone()).map_err(|_| Error::<T>::TooManyValidators)?;

		let mut approved = ApprovedValidators::<T>::get();
		if !approved.contains(&validator) {
			// Both lists share the bound; if `approved` is full the call fails here, before
			// anything is written.
			approved.try_push(validator.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
			ApprovedValidators::<T>::put(approved);
		}
		Validators::<T>::put(validators);
		Self::deposit_event(Event::ValidatorAdditionInitiated(validator));
		Ok(())
	}

	/// Remove `validator` from the set and withdraw its approval.
	pub(crate) fn do_remove_validator(validator: T::AccountId) -> DispatchResult {
		let mut validators = Validators::<T>::get();
		let position =
			validators.iter().position(|v| v == &validator).ok_or(Error::<T>::NotAValidator)?;
		ensure!(
			validators.len() > T::MinAuthorities::get() as usize,
			Error::<T>::TooLowValidatorCount
		);
		validators.remove(position);
		Validators::<T>::put(validators);
		ApprovedValidators::<T>::mutate(|approved| approved.retain(|v| v != &validator));
		Self::deposit_event(Event::ValidatorRemovalInitiated(validator));
		Ok(())
	}

	/// Re-add an approved validator that is not in the set.
	pub(crate) fn do_add_validator_again(validator: T::AccountId) -> DispatchResult {
		ensure!(
			ApprovedValidators::<T>::get().contains(&validator),
			Error::<T>::ValidatorNotApproved
		);
		let mut validators = Validators::<T>::get();
		ensure!(!validators.contains(&validator), Error::<T>::Duplicate);
		validators.try_push(validator.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
		Validators::<T>::put(validators);
		Self::deposit_event(Event::ValidatorAdditionInitiated(validator));
		Ok(())
	}

	/// Change the session length.
	pub(crate) fn do_set_session_length(length: BlockNumberFor<T>) -> DispatchResult {
		ensure!(length >= T::MinSessionLength::get(), Error::<T>::SessionLengthTooShort);
		SessionLength::<T>::put(length);
		Self::deposit_event(Event::SessionLengthSet { length });
		Ok(())
	}

	/// The validators that have session keys, in set order: those `pallet_session` will make
	/// authorities.
	fn validators_with_keys(validators: &[T::AccountId]) -> Vec<T::AccountId> {
		validators
			.iter()
			.filter(|v| pallet_session::NextKeys::<T>::contains_key(*v))
			.cloned()
			.collect()
	}

	/// Storage invariants: no duplicates, every validator approved, the set within bounds and
	/// the session length at least `MinSessionLength`.
	#[cfg(any(test, feature = "try-runtime"))]
	pub(crate) fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let validators = Validators::<T>::get();
		let approved = ApprovedValidators::<T>::get();
		for (i, v) in validators.iter().enumerate() {
			ensure!(!validators[..i].contains(v), "duplicate validator");
			ensure!(approved.contains(v), "validator is not approved");
		}
		for (i, v) in approved.iter().enumerate() {
			ensure!(!approved[..i].contains(v), "duplicate approved validator");
		}
		ensure!(
			validators.len() >= T::MinAuthorities::get() as usize,
			"fewer validators than MinAuthorities"
		);
		ensure!(
			SessionLength::<T>::get() >= T::MinSessionLength::get(),
			"session length below MinSessionLength"
		);
		Ok(())
	}
}

/// The session manager: hands `pallet_session` the validator set at each session change.
impl<T: Config> SessionManager<T::AccountId> for Pallet<T> {
	/// Returns the new set only when the authorities it would give differ from the queued ones,
	/// so that an unchanged set does not force a GRANDPA authority-set change every session.
	/// A validator that sets its keys late is picked up at the next session change.
	fn new_session(_new_index: u32) -> Option<Vec<T::AccountId>> {
		let validators = Validators::<T>::get().into_inner();
		let with_keys = Self::validators_with_keys(&validators);
		if with_keys.is_empty() {
			// Never hand over an empty set: the chain would stop. Keep the current authorities.
			return None;
		}
		let queued: Vec<T::AccountId> =
			pallet_session::QueuedKeys::<T>::get().into_iter().map(|(v, _)| v).collect();
		(with_keys != queued).then_some(validators)
	}

	fn new_session_genesis(_new_index: u32) -> Option<Vec<T::AccountId>> {
		Some(Validators::<T>::get().into_inner())
	}

	fn end_session(_end_index: u32) {}

	fn start_session(_start_index: u32) {}
}

/// The current session length, read from storage: the `Period` of
/// `pallet_session::PeriodicSessions`.
pub struct SessionLengthOf<T>(PhantomData<T>);

impl<T: Config> Get<BlockNumberFor<T>> for SessionLengthOf<T> {
	fn get() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}
}
