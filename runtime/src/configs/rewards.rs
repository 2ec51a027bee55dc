//! Proof-of-capacity minting (`Minting`): farming rewards computed and minted on chain.

use super::governance::RootOrCouncil;
use crate::{Balances, Runtime, TfgridModule, Timestamp};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU32, ConstU64},
	},
	sp_runtime::Perbill,
};

parameter_types! {
	/// Settlement may use a tenth of each block until every node has its statement.
	pub const MintingWeightShare: Perbill = Perbill::from_percent(10);
}

impl pallet_minting::Config for Runtime {
	type Currency = Balances;
	type Grid = TfgridModule;
	type Time = Timestamp;
	type RestrictedOrigin = RootOrCouncil;
	/// Two minutes: inclusion delay plus the uptime report's allowed clock drift, twice.
	type BootTolerance = ConstU64<120>;
	/// Ten block times without a block is a chain stall.
	type StallThreshold = ConstU64<60>;
	type MaxNodesPerBlock = ConstU32<1000>;
	type SettlementWeightShare = MintingWeightShare;
	type WeightInfo = pallet_minting::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}
