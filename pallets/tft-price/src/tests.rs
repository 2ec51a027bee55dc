//! Unit tests: TFChain's TFT price scenarios (those that do not concern its off-chain worker)
//! plus the ring buffer with its running sum, the current block in `LastBlockSet`, the rejected
//! zero price, fees, the price provider and genesis.

use crate::{impls::rounded_average, mock::*, pallet::*, Error, Event, MAX_LENGTH};
use frame::{
	deps::{
		frame_support::{
			assert_noop, assert_ok,
			dispatch::{GetDispatchInfo, Pays},
		},
		sp_runtime::traits::BadOrigin,
	},
	runtime::prelude::*,
};
use std::collections::VecDeque;
use tfchain_primitives::traits::TftPriceProvider;

fn set_prices(who: u64, price: u32) -> DispatchResultWithPostInfo {
	TFTPriceModule::set_prices(RuntimeOrigin::signed(who), price, System::block_number())
}

fn provider_price() -> u32 {
	<TFTPriceModule as TftPriceProvider>::tft_price_musd()
}

#[test]
fn test_calc_avg_rounding_works() {
	test(|| {
		// price pushed, average after it
		let steps = [
			(499, 499), // 499.0
			(500, 500), // 499.5
			(500, 500), // 499.66
			(500, 500), // 499.75
			(499, 500), // 499.6
			(499, 500), // 499.5
			(499, 499), // 499.43
		];
		for (price, average) in steps {
			assert_ok!(set_prices(ALICE, price));
			assert_eq!(AverageTftPrice::<Test>::get(), average);
			assert_eq!(TFTPriceModule::calc_avg(), average);
			System::assert_has_event(Event::<Test>::AveragePriceStored(average).into());
		}
	});
}

#[test]
fn rounded_average_rounds_half_up() {
	assert_eq!(rounded_average(0, 0), 0);
	assert_eq!(rounded_average(999, 2), 500);
	assert_eq!(rounded_average(997, 2), 499);
	assert_eq!(rounded_average(10, 4), 3);
	assert_eq!(rounded_average(9, 4), 2);
	assert_eq!(rounded_average(2, 3), 1);
	assert_eq!(rounded_average(1, 3), 0);
	let max = u64::from(u32::MAX);
	assert_eq!(rounded_average(max * u64::from(MAX_LENGTH), MAX_LENGTH), u32::MAX);
}

#[test]
fn test_set_prices_works() {
	test(|| {
		for i in 1..=u64::from(MAX_LENGTH) {
			// A price every 100 blocks.
			run_to_block(i * 100);
			assert_ok!(set_prices(ALICE, 500));
		}
		assert_eq!(TFTPriceModule::history_len(), MAX_LENGTH);
		assert_eq!(TftPriceHistory::<Test>::iter().count(), usize::from(MAX_LENGTH));
		assert_eq!(TftPrice::<Test>::get(), 500);
		assert_eq!(AverageTftPrice::<Test>::get(), 500);
		assert_eq!(LastBlockSet::<Test>::get(), u64::from(MAX_LENGTH) * 100);
	});
}

#[test]
fn test_set_price_works() {
	test(|| {
		run_to_block(5);
		assert_ok!(set_prices(ALICE, 500));

		assert_eq!(TftPrice::<Test>::get(), 500);
		assert_eq!(AverageTftPrice::<Test>::get(), 500);
		assert_eq!(LastBlockSet::<Test>::get(), 5);
		assert_eq!(TftPriceHistory::<Test>::get(0), 500);
		assert_eq!(BufferRange::<Test>::get(), (0, 1));
		assert_eq!(TftPriceSum::<Test>::get(), 500);
		assert_eq!(
			System::events().into_iter().map(|record| record.event).collect::<Vec<_>>(),
			vec![
				RuntimeEvent::from(Event::<Test>::PriceStored(500)),
				Event::<Test>::AveragePriceStored(500).into(),
			]
		);
	});
}

/// TFChain stored the caller's `block_number`; the current block is stored instead.
#[test]
fn last_block_set_is_the_current_block_not_the_argument() {
	test(|| {
		run_to_block(7);
		assert_ok!(TFTPriceModule::set_prices(RuntimeOrigin::signed(BOB), 500, 1_000_000));
		assert_eq!(LastBlockSet::<Test>::get(), 7);
		run_to_block(9);
		assert_ok!(TFTPriceModule::set_prices(RuntimeOrigin::signed(CHARLIE), 500, 0));
		assert_eq!(LastBlockSet::<Test>::get(), 9);
	});
}

#[test]
fn multiple_prices_are_averaged() {
	test(|| {
		assert_ok!(set_prices(ALICE, 100));
		assert_ok!(set_prices(BOB, 200));
		assert_ok!(set_prices(CHARLIE, 600));

		assert_eq!(TftPrice::<Test>::get(), 600);
		assert_eq!(AverageTftPrice::<Test>::get(), 300);
		assert_eq!(TftPriceSum::<Test>::get(), 900);
		assert_eq!(TFTPriceModule::history_len(), 3);
		assert_eq!(BufferRange::<Test>::get(), (0, 3));
		System::assert_has_event(Event::<Test>::PriceStored(600).into());
		System::assert_last_event(Event::<Test>::AveragePriceStored(300).into());
	});
}

#[test]
fn test_set_price_below_min_price_works() {
	test(|| {
		assert_ok!(set_prices(ALICE, 5));

		System::assert_has_event(Event::<Test>::AveragePriceStored(5).into());
		System::assert_last_event(
			Event::<Test>::AveragePriceIsBelowMinPrice(5, MinTftPrice::<Test>::get()).into(),
		);
		// The stored average is not clamped.
		assert_eq!(TftPrice::<Test>::get(), 5);
		assert_eq!(AverageTftPrice::<Test>::get(), 5);
	});
}

#[test]
fn test_set_price_above_max_price_works() {
	test(|| {
		assert_ok!(set_prices(ALICE, 2000));

		System::assert_has_event(Event::<Test>::AveragePriceStored(2000).into());
		System::assert_last_event(
			Event::<Test>::AveragePriceIsAboveMaxPrice(2000, MaxTftPrice::<Test>::get()).into(),
		);
		assert_eq!(TftPrice::<Test>::get(), 2000);
		assert_eq!(AverageTftPrice::<Test>::get(), 2000);
	});
}

#[test]
fn average_within_the_band_emits_no_band_event() {
	test(|| {
		assert_ok!(set_prices(ALICE, MIN_PRICE));
		assert_ok!(set_prices(ALICE, MAX_PRICE));
		assert!(System::events().iter().all(|record| !matches!(
			record.event,
			RuntimeEvent::TFTPriceModule(
				Event::AveragePriceIsBelowMinPrice(..) | Event::AveragePriceIsAboveMaxPrice(..)
			)
		)));
	});
}

#[test]
fn test_set_price_wrong_origin_fails() {
	test(|| {
		assert_noop!(set_prices(EVE, 500), Error::<Test>::AccountUnauthorizedToSetPrice);
		assert_noop!(TFTPriceModule::set_prices(RuntimeOrigin::none(), 500, 1), BadOrigin);
		assert_noop!(TFTPriceModule::set_prices(RuntimeOrigin::root(), 500, 1), BadOrigin);
	});
}

/// TFChain accepted a price of 0, which dragged the average down.
#[test]
fn zero_price_fails() {
	test(|| {
		assert_noop!(set_prices(ALICE, 0), Error::<Test>::PriceIsZero);
		// The feeder check comes first.
		assert_noop!(set_prices(EVE, 0), Error::<Test>::AccountUnauthorizedToSetPrice);
	});
}

/// More than two rounds of the ring buffer: once full it keeps `MAX_LENGTH` prices, the oldest
/// is overwritten each time, and the running sum and average follow the last `MAX_LENGTH` prices.
#[test]
fn ring_buffer_wraps_around_with_correct_sum_and_average() {
	test(|| {
		let max = usize::from(MAX_LENGTH);
		let mut model: VecDeque<u32> = VecDeque::new();
		for i in 0..(2 * max + 7) {
			// Distinct, varying prices: 1..=997, repeating.
			let price = (i as u32 * 7919) % 997 + 1;
			assert_ok!(set_prices(ALICE, price));
			model.push_back(price);
			if model.len() > max {
				model.pop_front();
			}

			let sum: u64 = model.iter().map(|&p| u64::from(p)).sum();
			let len = model.len() as u16;
			assert_eq!(TftPriceSum::<Test>::get(), sum);
			assert_eq!(TFTPriceModule::history_len(), len);
			assert_eq!(AverageTftPrice::<Test>::get(), rounded_average(sum, len));

			let pushed = i + 1;
			if [1, max - 1, max, max + 1, 2 * max, 2 * max + 1].contains(&pushed) {
				assert_ok!(TFTPriceModule::do_try_state());
			}
			if pushed == max {
				// As on TFChain: the range starts right after its end once the buffer is full.
				assert_eq!(BufferRange::<Test>::get(), (1, 0));
			}
		}
		assert_eq!(TftPriceHistory::<Test>::iter().count(), max);
		// 2 × MAX_LENGTH + 7 prices: the next one goes to slot 7, which holds the oldest price.
		assert_eq!(BufferRange::<Test>::get(), (8, 7));
		assert_eq!(TftPriceHistory::<Test>::get(7), *model.front().unwrap());
	});
}

#[test]
fn test_set_min_tft_price_works() {
	test(|| {
		assert_ok!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), 20));
		assert_eq!(MinTftPrice::<Test>::get(), 20);
		// Just below the maximum is accepted; no event, as on TFChain.
		assert_ok!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), MAX_PRICE - 1));
		assert_eq!(MinTftPrice::<Test>::get(), MAX_PRICE - 1);
		assert!(System::events().is_empty());
	});
}

#[test]
fn test_set_min_tft_price_wrong_origin_fails() {
	test(|| {
		assert_noop!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::signed(BOB), 20), BadOrigin);
	});
}

#[test]
fn test_set_min_tft_price_too_high_fails() {
	test(|| {
		assert_noop!(
			TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), 2000),
			Error::<Test>::MinPriceAboveMaxPriceError
		);
		assert_noop!(
			TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), MAX_PRICE),
			Error::<Test>::MinPriceAboveMaxPriceError
		);
	});
}

#[test]
fn test_set_max_tft_price_works() {
	test(|| {
		assert_ok!(TFTPriceModule::set_max_tft_price(RuntimeOrigin::root(), 2000));
		assert_eq!(MaxTftPrice::<Test>::get(), 2000);
		assert_ok!(TFTPriceModule::set_max_tft_price(RuntimeOrigin::root(), MIN_PRICE + 1));
		assert_eq!(MaxTftPrice::<Test>::get(), MIN_PRICE + 1);
		assert!(System::events().is_empty());
	});
}

#[test]
fn test_set_max_tft_price_wrong_origin_fails() {
	test(|| {
		assert_noop!(
			TFTPriceModule::set_max_tft_price(RuntimeOrigin::signed(BOB), 2000),
			BadOrigin
		);
	});
}

#[test]
fn test_set_max_tft_price_too_low_fails() {
	test(|| {
		assert_noop!(
			TFTPriceModule::set_max_tft_price(RuntimeOrigin::root(), 5),
			Error::<Test>::MaxPriceBelowMinPriceError
		);
		assert_noop!(
			TFTPriceModule::set_max_tft_price(RuntimeOrigin::root(), MIN_PRICE),
			Error::<Test>::MaxPriceBelowMinPriceError
		);
	});
}

#[test]
fn provider_clamps_the_average_to_the_band() {
	test(|| {
		// No price yet: the average is 0, raised to the minimum.
		assert_eq!(provider_price(), MIN_PRICE);

		assert_ok!(set_prices(ALICE, 500));
		assert_eq!(provider_price(), 500);

		assert_ok!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), 600));
		assert_eq!(provider_price(), 600);
		assert_ok!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), MIN_PRICE));

		assert_ok!(TFTPriceModule::set_max_tft_price(RuntimeOrigin::root(), 400));
		assert_eq!(provider_price(), 400);
		// The stored average itself is untouched.
		assert_eq!(AverageTftPrice::<Test>::get(), 500);

		assert_eq!(
			<TFTPriceModule as TftPriceProvider>::tft_price_musd_weight(),
			<<Test as frame_system::Config>::DbWeight as Get<
				frame::deps::frame_support::weights::RuntimeDbWeight,
			>>::get()
			.reads(3)
		);
	});
}

#[test]
fn provider_never_returns_zero() {
	test(|| {
		assert_ok!(TFTPriceModule::set_min_tft_price(RuntimeOrigin::root(), 0));
		assert_eq!(AverageTftPrice::<Test>::get(), 0);
		assert_eq!(provider_price(), 1);
	});
	// Nothing set at all (no genesis band).
	new_test_ext_with(crate::GenesisConfig {
		min_tft_price: 0,
		max_tft_price: 1,
		..Default::default()
	})
	.execute_with(|| {
		MinTftPrice::<Test>::kill();
		MaxTftPrice::<Test>::kill();
		assert_eq!(provider_price(), 1);
	});
}

/// Declared as paying, so failing calls (spam from non-feeders) cost a fee; a successful call
/// returns `Pays::No`.
#[test]
fn set_prices_is_free_only_when_it_succeeds() {
	test(|| {
		let call = crate::Call::<Test>::set_prices { price: 500, block_number: 1 };
		assert_eq!(call.get_dispatch_info().pays_fee, Pays::Yes);

		let info = set_prices(ALICE, 500).unwrap();
		assert_eq!(info.pays_fee, Pays::No);

		let error = set_prices(EVE, 500).unwrap_err();
		assert_eq!(error.post_info.pays_fee, Pays::Yes);
		let error = set_prices(ALICE, 0).unwrap_err();
		assert_eq!(error.post_info.pays_fee, Pays::Yes);
	});
}

#[test]
fn genesis_sets_the_band() {
	test(|| {
		assert_eq!(MinTftPrice::<Test>::get(), MIN_PRICE);
		assert_eq!(MaxTftPrice::<Test>::get(), MAX_PRICE);
		assert_eq!(TftPrice::<Test>::get(), 0);
		assert_eq!(TFTPriceModule::history_len(), 0);
		assert_eq!(BufferRange::<Test>::get(), (0, 0));
	});
	let default = crate::GenesisConfig::<Test>::default();
	assert_eq!((default.min_tft_price, default.max_tft_price), (10, 1000));
	assert_eq!(default.initial_price, None);
}

#[test]
fn genesis_initial_price_is_the_first_price() {
	new_test_ext_with(crate::GenesisConfig { initial_price: Some(500), ..Default::default() })
		.execute_with(|| {
			assert_eq!(TftPrice::<Test>::get(), 500);
			assert_eq!(AverageTftPrice::<Test>::get(), 500);
			assert_eq!(TftPriceHistory::<Test>::get(0), 500);
			assert_eq!(BufferRange::<Test>::get(), (0, 1));
			assert_eq!(TftPriceSum::<Test>::get(), 500);
			assert_eq!(provider_price(), 500);
			assert_ok!(TFTPriceModule::do_try_state());

			assert_ok!(set_prices(ALICE, 600));
			assert_eq!(AverageTftPrice::<Test>::get(), 550);
			assert_eq!(TFTPriceModule::history_len(), 2);
			assert_ok!(TFTPriceModule::do_try_state());
		});
}

#[test]
#[should_panic(expected = "min_tft_price must be below max_tft_price")]
fn genesis_rejects_min_not_below_max() {
	new_test_ext_with(crate::GenesisConfig {
		min_tft_price: 100,
		max_tft_price: 100,
		..Default::default()
	});
}

#[test]
#[should_panic(expected = "initial_price must not be 0")]
fn genesis_rejects_a_zero_initial_price() {
	new_test_ext_with(crate::GenesisConfig { initial_price: Some(0), ..Default::default() });
}

#[test]
fn try_state_detects_a_wrong_sum() {
	new_test_ext().execute_with(|| {
		assert_ok!(set_prices(ALICE, 500));
		assert_ok!(TFTPriceModule::do_try_state());
		TftPriceSum::<Test>::put(501);
		assert!(TFTPriceModule::do_try_state().is_err());
	});
}

#[test]
fn try_state_detects_a_wrong_average() {
	new_test_ext().execute_with(|| {
		assert_ok!(set_prices(ALICE, 500));
		AverageTftPrice::<Test>::put(499);
		assert!(TFTPriceModule::do_try_state().is_err());
	});
}

#[test]
fn try_state_detects_an_entry_outside_the_range() {
	new_test_ext().execute_with(|| {
		assert_ok!(set_prices(ALICE, 500));
		TftPriceHistory::<Test>::insert(5, 500);
		TftPriceSum::<Test>::put(1000);
		assert!(TFTPriceModule::do_try_state().is_err());
	});
}

#[test]
fn try_state_detects_an_inverted_band() {
	new_test_ext().execute_with(|| {
		MinTftPrice::<Test>::put(MAX_PRICE);
		assert!(TFTPriceModule::do_try_state().is_err());
	});
}
