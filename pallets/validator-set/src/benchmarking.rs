//! Benchmarks for the validator-set calls, each at its worst case (a set one short of full).

use super::*;
use alloc::vec::Vec;
use frame::benchmarking::prelude::*;

/// Fill the set with generated validators until it holds `count` accounts.
fn fill_set<T: Config>(count: u32) {
	let validators: Vec<T::AccountId> = (0..count).map(|i| account("validator", i, 0)).collect();
	let bounded: BoundedVec<_, T::MaxValidators> =
		validators.try_into().expect("count is within MaxValidators; qed");
	Validators::<T>::put(bounded.clone());
	ApprovedValidators::<T>::put(bounded);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		fill_set::<T>(T::MaxValidators::get() - 1);
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let new: T::AccountId = account("new", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, new.clone());

		assert!(Validators::<T>::get().contains(&new));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		fill_set::<T>(T::MaxValidators::get());
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		// The last one: the search and the approval retain walk the whole list.
		let gone: T::AccountId = account("validator", T::MaxValidators::get() - 1, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, gone.clone());

		assert!(!Validators::<T>::get().contains(&gone));
		Ok(())
	}

	#[benchmark]
	fn add_validator_again() {
		fill_set::<T>(T::MaxValidators::get() - 1);
		let again: T::AccountId = account("again", 0, 0);
		ApprovedValidators::<T>::mutate(|approved| {
			approved.try_push(again.clone()).expect("the set is one short of full; qed")
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(again.clone()), again.clone());

		assert!(Validators::<T>::get().contains(&again));
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let length = T::MinSessionLength::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, length);

		assert_eq!(SessionLength::<T>::get(), length);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
