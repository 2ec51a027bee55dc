//! The grid registry (`TfgridModule`): TFChain's parameter values, with the bounds our storage
//! needs (see `docs/compatibility.md`).

use super::governance::RootOrCouncil;
use crate::{Dao, Minting, Runtime, SmartContractModule, Timestamp};
use polkadot_sdk::frame_support::traits::{ConstU32, ConstU64};

impl pallet_tfgrid::Config for Runtime {
	type RestrictedOrigin = RootOrCouncil;
	type Time = Timestamp;
	/// Contracts first (a deleted node's contracts are billed while it is still stored), then
	/// the DAO's farm weights, then minting.
	type NodeChanged = (SmartContractModule, (Dao, Minting));
	type PublicIpModifier = SmartContractModule;
	type NodeActiveContracts = SmartContractModule;
	/// TFChain: 60 seconds.
	type TimestampHintDrift = ConstU64<60>;
	/// Larger than any farm on TFChain's mainnet today; bounds `NodesByFarmID`.
	type MaxNodesPerFarm = ConstU32<1000>;
	/// Bounds the policy scan done when a node is assigned a farming policy.
	type MaxFarmingPolicies = ConstU32<128>;
	type MaxNodeCertifiers = ConstU32<64>;
	type WeightInfo = pallet_tfgrid::weights::SubstrateWeight<Runtime>;
}
