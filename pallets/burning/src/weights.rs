//! Weights for `pallet_burning`: PLACEHOLDER values, not measured. Regenerate this file with
//! `scripts/benchmark.sh pallet_burning` (see `docs/weights.md`) before shipping.
//!
//! The placeholders count the storage accesses of the call by hand (account, total issuance, id
//! counter, burn record) and assume a generous execution time and the longest message.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame::weights_prelude::*;

/// Weight functions needed for `pallet_burning`.
pub trait WeightInfo {
	fn burn_tft() -> Weight;
}

/// Weights for `pallet_burning` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `System::Account` (r:1 w:1)
	/// Storage: `Balances::TotalIssuance` (r:1 w:1)
	/// Storage: `BurningModule::BurnID` (r:1 w:1)
	/// Storage: `BurningModule::Burns` (r:0 w:1)
	fn burn_tft() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

/// The same weights with ParityDB's database weights, for tests and mocks.
impl WeightInfo for () {
	fn burn_tft() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
}
