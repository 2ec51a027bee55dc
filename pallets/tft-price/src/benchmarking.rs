//! Benchmarks for the TFT price calls, each at its worst case: `set_prices` into a full ring
//! buffer, so that the oldest price is read and overwritten and the range's start moves too.

use super::*;
use frame::benchmarking::prelude::*;
use tfchain_primitives::traits::PriceFeeders;

/// Fill the ring buffer: after `MAX_LENGTH` pushes every slot holds a price, whatever it held
/// before (e.g. a genesis price).
fn fill_history<T: Config>() {
	for _ in 0..MAX_LENGTH {
		Pallet::<T>::push_price(500);
	}
}

/// Set the price band to `[min, max]`.
fn set_band<T: Config>(min: u32, max: u32) {
	MinTftPrice::<T>::put(min);
	MaxTftPrice::<T>::put(max);
}

/// The council origin.
fn restricted<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::RestrictedOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// A price into a full ring buffer: the slot at `end` holds the oldest price, which is
	// subtracted from the running sum and overwritten. The new average (about 500) is above the
	// maximum, so the band event is deposited too.
	#[benchmark]
	fn set_prices() -> Result<(), BenchmarkError> {
		let feeder = T::BenchmarkHelper::price_feeder();
		assert!(T::Feeders::is_price_feeder(&feeder), "BenchmarkHelper gives a price feeder");
		set_band::<T>(DEFAULT_MIN_TFT_PRICE, 100);
		fill_history::<T>();
		let (_, end) = BufferRange::<T>::get();
		assert!(TftPriceHistory::<T>::contains_key(end), "the ring buffer is full");
		let block = frame_system::Pallet::<T>::block_number();

		#[extrinsic_call]
		_(RawOrigin::Signed(feeder), 600, block);

		assert_eq!(TftPrice::<T>::get(), 600);
		assert_eq!(TftPriceHistory::<T>::get(end), 600);
		assert_eq!(Pallet::<T>::history_len(), MAX_LENGTH);
		assert_eq!(LastBlockSet::<T>::get(), frame_system::Pallet::<T>::block_number());
		let average = AverageTftPrice::<T>::get();
		frame_system::Pallet::<T>::assert_last_event(
			Event::<T>::AveragePriceIsAboveMaxPrice(average, 100).into(),
		);
		Ok(())
	}

	#[benchmark]
	fn set_min_tft_price() -> Result<(), BenchmarkError> {
		set_band::<T>(DEFAULT_MIN_TFT_PRICE, DEFAULT_MAX_TFT_PRICE);
		let origin = restricted::<T>()?;
		let price = DEFAULT_MIN_TFT_PRICE + 1;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, price);

		assert_eq!(MinTftPrice::<T>::get(), price);
		Ok(())
	}

	#[benchmark]
	fn set_max_tft_price() -> Result<(), BenchmarkError> {
		set_band::<T>(DEFAULT_MIN_TFT_PRICE, DEFAULT_MAX_TFT_PRICE);
		let origin = restricted::<T>()?;
		let price = DEFAULT_MAX_TFT_PRICE + 1;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, price);

		assert_eq!(MaxTftPrice::<T>::get(), price);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
