//! The per-account key-value store (`TFKVStore`), with a storage deposit held from the owner.

use crate::{Balances, Runtime, RuntimeHoldReason};
use polkadot_sdk::frame_support::traits::ConstU128;
use tfchain_primitives::constants::{CENTS, MILLICENTS};

impl pallet_kvstore::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	/// 0.1 TFT per entry.
	type DepositBase = ConstU128<{ 10 * CENTS }>;
	/// 0.00001 TFT per byte of key and value (as the preimage pallet charges).
	type DepositPerByte = ConstU128<MILLICENTS>;
	type WeightInfo = pallet_kvstore::weights::SubstrateWeight<Runtime>;
}
