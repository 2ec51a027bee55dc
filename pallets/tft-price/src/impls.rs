//! The logic behind the calls: the price ring buffer and its running sum, the price provider
//! for other pallets, genesis and the storage invariants.

use crate::{
	pallet::{
		AverageTftPrice, BufferIndex, BufferRange, Config, Error, Event, LastBlockSet, MaxTftPrice,
		MinTftPrice, Pallet, TftPrice, TftPriceHistory, TftPriceSum,
	},
	MAX_LENGTH,
};
use frame::prelude::*;
use tfchain_primitives::traits::TftPriceProvider;

/// The slot after `index` in the ring buffer.
fn next(index: BufferIndex) -> BufferIndex {
	((u32::from(index) + 1) % u32::from(MAX_LENGTH)) as BufferIndex
}

/// Number of slots from `start` up to (not including) `end`, going round the ring buffer.
fn span(start: BufferIndex, end: BufferIndex) -> u16 {
	let max = u32::from(MAX_LENGTH);
	((u32::from(end) % max + max - u32::from(start) % max) % max) as u16
}

/// `sum / count` rounded half up; 0 for an empty buffer.
pub(crate) fn rounded_average(sum: u64, count: u16) -> u32 {
	if count == 0 {
		return 0;
	}
	let count = u64::from(count);
	// floor((2 × sum + count) / (2 × count)) = floor(sum / count + 1/2).
	let average = sum.saturating_mul(2).saturating_add(count) / count.saturating_mul(2);
	u32::try_from(average).unwrap_or(u32::MAX)
}

impl<T: Config> Pallet<T> {
	/// Record `price` (already checked to come from a price feeder): the last price, the block,
	/// the history and the new average, with their events.
	pub(crate) fn do_set_prices(price: u32) -> DispatchResult {
		ensure!(price > 0, Error::<T>::PriceIsZero);

		LastBlockSet::<T>::put(frame_system::Pallet::<T>::block_number());
		TftPrice::<T>::put(price);
		Self::deposit_event(Event::PriceStored(price));

		let average = Self::push_price(price);
		AverageTftPrice::<T>::put(average);
		Self::deposit_event(Event::AveragePriceStored(average));

		let min = MinTftPrice::<T>::get();
		if average < min {
			Self::deposit_event(Event::AveragePriceIsBelowMinPrice(average, min));
		}
		let max = MaxTftPrice::<T>::get();
		if average > max {
			Self::deposit_event(Event::AveragePriceIsAboveMaxPrice(average, max));
		}
		Ok(())
	}

	/// Push `price` into the ring buffer: write it at `end` and advance `end`; when `end` reaches
	/// `start`, advance `start` too (the buffer is full and the oldest price is overwritten next
	/// time). Keeps [`TftPriceSum`] equal to the sum of the buffer and returns the new average.
	pub(crate) fn push_price(price: u32) -> u32 {
		let (start, end) = BufferRange::<T>::get();
		let (start, end) = (start % MAX_LENGTH, end % MAX_LENGTH);

		// A price already at `end` means the buffer is full: it is the oldest one, replaced now.
		let overwritten = TftPriceHistory::<T>::try_get(end).ok();
		let count = match overwritten {
			Some(_) => MAX_LENGTH,
			None => span(start, end).saturating_add(1),
		};
		let sum = TftPriceSum::<T>::get()
			.saturating_sub(overwritten.map_or(0, u64::from))
			.saturating_add(u64::from(price));

		TftPriceHistory::<T>::insert(end, price);
		let new_end = next(end);
		let new_start = if new_end == start { next(start) } else { start };
		BufferRange::<T>::put((new_start, new_end));
		TftPriceSum::<T>::put(sum);

		rounded_average(sum, count)
	}

	/// Number of prices in the ring buffer: [`MAX_LENGTH`] once it has wrapped around (the slot
	/// at `end` then holds the oldest price), else the slots `start..end`.
	pub fn history_len() -> u16 {
		let (start, end) = BufferRange::<T>::get();
		if TftPriceHistory::<T>::contains_key(end % MAX_LENGTH) {
			MAX_LENGTH
		} else {
			span(start, end)
		}
	}

	/// The average of the ring buffer from the running sum, rounded half up (0 when empty).
	pub fn calc_avg() -> u32 {
		rounded_average(TftPriceSum::<T>::get(), Self::history_len())
	}

	/// Check and store the genesis config: the band, and the optional first price.
	pub(crate) fn build_genesis(
		min_tft_price: u32,
		max_tft_price: u32,
		initial_price: Option<u32>,
	) -> Result<(), &'static str> {
		ensure!(
			min_tft_price < max_tft_price,
			"TFTPriceModule genesis: min_tft_price must be below max_tft_price"
		);
		MinTftPrice::<T>::put(min_tft_price);
		MaxTftPrice::<T>::put(max_tft_price);
		if let Some(price) = initial_price {
			ensure!(price > 0, "TFTPriceModule genesis: initial_price must not be 0");
			TftPrice::<T>::put(price);
			let average = Self::push_price(price);
			AverageTftPrice::<T>::put(average);
		}
		Ok(())
	}

	/// Storage invariants: the buffer range lies in the ring buffer; the history holds exactly
	/// the slots of the range and [`TftPriceSum`] is their sum; the average is their rounded
	/// average; the band is ordered when both bounds are set.
	#[cfg(any(test, feature = "try-runtime"))]
	pub(crate) fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		let (start, end) = BufferRange::<T>::get();
		ensure!(start < MAX_LENGTH && end < MAX_LENGTH, "BufferRange outside the ring buffer");

		let len = Self::history_len();
		let full = len == MAX_LENGTH;
		ensure!(!full || start == next(end), "a full ring buffer must start right after its end");
		// A full buffer uses every slot; otherwise the slots `start..end`, maybe wrapping round.
		let in_range = |index: BufferIndex| {
			if full {
				true
			} else if start <= end {
				(start..end).contains(&index)
			} else {
				index >= start || index < end
			}
		};

		let mut sum: u64 = 0;
		let mut entries: u32 = 0;
		for (index, price) in TftPriceHistory::<T>::iter() {
			ensure!(in_range(index), "TftPriceHistory entry outside the buffer range");
			sum = sum.saturating_add(u64::from(price));
			entries = entries.saturating_add(1);
		}
		ensure!(entries == u32::from(len), "TftPriceHistory entries differ from the buffer range");
		ensure!(sum == TftPriceSum::<T>::get(), "TftPriceSum differs from the sum of the history");
		if len > 0 {
			ensure!(
				AverageTftPrice::<T>::get() == rounded_average(sum, len),
				"AverageTftPrice differs from the rounded average of the history"
			);
		}

		if MinTftPrice::<T>::exists() && MaxTftPrice::<T>::exists() {
			ensure!(
				MinTftPrice::<T>::get() < MaxTftPrice::<T>::get(),
				"MinTftPrice must be below MaxTftPrice"
			);
		}
		Ok(())
	}
}

impl<T: Config> TftPriceProvider for Pallet<T> {
	/// [`AverageTftPrice`] clamped to `[MinTftPrice, MaxTftPrice]` (raised to the minimum first,
	/// then lowered to the maximum, as TFChain), and at least 1.
	fn tft_price_musd() -> u32 {
		let average = AverageTftPrice::<T>::get();
		let min = MinTftPrice::<T>::get();
		let max = MaxTftPrice::<T>::get();
		core::cmp::min(core::cmp::max(average, min), max).max(1)
	}

	/// Three storage reads.
	fn tft_price_musd_weight() -> Weight {
		T::DbWeight::get().reads(3)
	}
}
