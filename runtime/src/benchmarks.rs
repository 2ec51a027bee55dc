//! The pallets benchmarked in this runtime (`scripts/benchmark.sh` runs ours).

#![warn(missing_docs)]

use crate::{AllPalletsWithSystem, Runtime};
use alloc::{string::String, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::{BenchmarkBatch, BenchmarkConfig, BenchmarkList},
	frame_support::traits::StorageInfo,
	*,
};

impl frame_system_benchmarking::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_system, frame_system_benchmarking::Pallet::<Runtime>]
	[pallet_balances, crate::Balances]
	[pallet_timestamp, crate::Timestamp]
	[pallet_validator_set, crate::ValidatorSet]
	[pallet_tfgrid, crate::TfgridModule]
	[pallet_burning, crate::BurningModule]
	[pallet_kvstore, crate::TFKVStore]
	[pallet_smart_contract, crate::SmartContractModule]
	[pallet_tft_price, crate::TFTPriceModule]
	[pallet_dao, crate::Dao]
	[pallet_minting, crate::Minting]
);

/// The benchmarks this runtime offers and the storage info of every pallet.
pub fn metadata(extra: bool) -> (Vec<BenchmarkList>, Vec<StorageInfo>) {
	use frame_benchmarking::Benchmarking;
	use frame_support::traits::StorageInfoTrait;

	let mut list = Vec::<BenchmarkList>::new();
	list_benchmarks!(list, extra);
	(list, AllPalletsWithSystem::storage_info())
}

/// Run the benchmarks that `config` selects.
pub fn dispatch(config: BenchmarkConfig) -> Result<Vec<BenchmarkBatch>, String> {
	use frame_benchmarking::Benchmarking;
	use frame_support::traits::WhitelistedStorageKeys;

	let whitelist = AllPalletsWithSystem::whitelisted_storage_keys();
	let mut batches = Vec::<BenchmarkBatch>::new();
	let params = (&config, &whitelist);
	add_benchmarks!(params, batches);
	Ok(batches)
}
