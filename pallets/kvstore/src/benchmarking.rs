//! Benchmarks for the key-value store calls, each at its worst case (the longest key and value,
//! with a deposit to hold or release).

use super::*;
use alloc::{vec, vec::Vec};
use frame::benchmarking::prelude::*;

/// A caller funded for several of the largest entries.
fn funded_caller<T: Config>() -> T::AccountId {
	let caller: T::AccountId = whitelisted_caller();
	let largest = Pallet::<T>::deposit_for(MAX_KEY_LENGTH as usize, MAX_VALUE_LENGTH as usize);
	let funds = <T::Currency as fungible::Inspect<T::AccountId>>::minimum_balance()
		.saturating_add(largest.saturating_mul(4u32.into()));
	<T::Currency as fungible::Mutate<T::AccountId>>::set_balance(&caller, funds);
	caller
}

fn longest_key() -> Vec<u8> {
	vec![1u8; MAX_KEY_LENGTH as usize]
}

fn longest_value() -> Vec<u8> {
	vec![2u8; MAX_VALUE_LENGTH as usize]
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// Overwrite an entry with an empty value under the longest key by the longest value: the
	// call reads the old deposit, holds the difference and writes the largest entry.
	#[benchmark]
	fn set() -> Result<(), BenchmarkError> {
		let caller = funded_caller::<T>();
		Pallet::<T>::do_set(caller.clone(), longest_key(), Vec::new())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), longest_key(), longest_value());

		let key = KeyOf::try_from(longest_key()).map_err(|_| "key within bound")?;
		assert_eq!(TFKVStore::<T>::get(&caller, &key).into_inner(), longest_value());
		Ok(())
	}

	// Delete the largest entry and release its deposit.
	#[benchmark]
	fn delete() -> Result<(), BenchmarkError> {
		let caller = funded_caller::<T>();
		Pallet::<T>::do_set(caller.clone(), longest_key(), longest_value())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), longest_key());

		let key = KeyOf::try_from(longest_key()).map_err(|_| "key within bound")?;
		assert!(!TFKVStore::<T>::contains_key(&caller, &key));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
