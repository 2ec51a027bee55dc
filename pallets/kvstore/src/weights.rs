//! Weights for `pallet_kvstore`: PLACEHOLDER values, not measured. Regenerate this file with
//! `scripts/benchmark.sh pallet_kvstore` (see `docs/weights.md`) before shipping.
//!
//! The placeholders count the storage accesses of each call by hand (entry, deposit record,
//! balance holds, account) and assume a generous execution time and the largest entry.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame::weights_prelude::*;

/// Weight functions needed for `pallet_kvstore`.
pub trait WeightInfo {
	fn set() -> Weight;
	fn delete() -> Weight;
}

/// Weights for `pallet_kvstore` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `TFKVStore::Deposits` (r:1 w:1)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Storage: `System::Account` (r:1 w:1)
	/// Storage: `TFKVStore::TFKVStore` (r:0 w:1)
	fn set() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Storage: `TFKVStore::TFKVStore` (r:1 w:1)
	/// Storage: `TFKVStore::Deposits` (r:1 w:1)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Storage: `System::Account` (r:1 w:1)
	fn delete() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
}

/// The same weights with ParityDB's database weights, for tests and mocks.
impl WeightInfo for () {
	fn set() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
	fn delete() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(4_u64))
	}
}
