//! Benchmark for `burn_tft` at its worst case: the longest message.

use super::*;
use alloc::vec;
use frame::benchmarking::prelude::*;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn burn_tft() {
		let caller: T::AccountId = whitelisted_caller();
		let unit =
			<T::Currency as fungible::Inspect<T::AccountId>>::minimum_balance().max(1u32.into());
		let amount: BalanceOf<T> = unit.saturating_mul(100u32.into());
		<T::Currency as fungible::Mutate<T::AccountId>>::set_balance(
			&caller,
			amount.saturating_mul(2u32.into()),
		);
		let message = vec![b'x'; T::MaxBurnMessageLength::get() as usize];
		let id = BurnID::<T>::get().saturating_add(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), amount, message);

		assert_eq!(BurnID::<T>::get(), id);
		assert!(Burns::<T>::get(id).is_some_and(|burn| burn.target == caller));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
