//! Capacity contracts and billing (`SmartContractModule`) and the TFT price oracle
//! (`TFTPriceModule`): TFChain's parameter values, plus the bounds and the billing-hook share
//! our engine needs (see `docs/billing.md`).

use super::governance::RootOrCouncil;
use crate::{Balances, Runtime, RuntimeHoldReason, TFTPriceModule, TfgridModule, Timestamp};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU16, ConstU32, ConstU64},
	},
	pallet_session,
	sp_runtime::{AccountId32, Perbill},
};
use tfchain_primitives::{
	constants::{DAYS, HOURS},
	traits::PriceFeeders,
	AccountId,
};

parameter_types! {
	/// TFChain's staking pool account (`5CNposRewardAccount11111111111111111111111111FSU`):
	/// receives 5% of contract payments.
	pub StakingPoolAccount: AccountId = AccountId32::new(hex_literal(
		"0dd1d1a6e5a35aa8c7f5e57e1edd0c3fbd6abf2eaa8ef42548986e54a2562000",
	));
	/// The billing hook uses at most a quarter of a block.
	pub const BillingWeightShare: Perbill = Perbill::from_percent(25);
}

/// Decodes a 64-character hex string at compile time.
const fn hex_literal(hex: &str) -> [u8; 32] {
	let bytes = hex.as_bytes();
	let mut out = [0u8; 32];
	let mut i = 0;
	while i < 32 {
		out[i] = (nibble(bytes[2 * i]) << 4) | nibble(bytes[2 * i + 1]);
		i += 1;
	}
	out
}

const fn nibble(c: u8) -> u8 {
	match c {
		b'0'..=b'9' => c - b'0',
		b'a'..=b'f' => c - b'a' + 10,
		_ => 0,
	}
}

impl pallet_smart_contract::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Grid = TfgridModule;
	type TftPrice = TFTPriceModule;
	type Time = Timestamp;
	type RestrictedOrigin = RootOrCouncil;
	type StakingPoolAccount = StakingPoolAccount;
	/// TFChain: 600 blocks (one hour).
	type BillingFrequency = ConstU64<{ HOURS as u64 }>;
	/// TFChain: 24 bills (a day) between distributions.
	type DistributionFrequency = ConstU16<24>;
	/// TFChain: 14 days, in blocks.
	type GracePeriod = ConstU64<{ 14 * DAYS as u64 }>;
	/// Zero-OS reports uptime every 40 minutes: three reports may be missed before the node
	/// counts as offline.
	type OfflineThreshold = ConstU64<7200>;
	type BillingWeightShare = BillingWeightShare;
	type MaxNodeContractsPerNode = ConstU32<256>;
	/// 600 slots × 5000 = 3 million contracts at the default frequency.
	type MaxContractsPerBillingSlot = ConstU32<5000>;
	type MaxReportsPerCall = ConstU32<256>;
	/// Minting rewards nodes for their public traffic and public IPs.
	type UsageObserver = crate::Minting;
	type WeightInfo = pallet_smart_contract::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TfgridModule;
}

/// The price feeders: the current session validators (as on TFChain).
pub struct SessionValidators;
impl PriceFeeders<AccountId> for SessionValidators {
	fn is_price_feeder(who: &AccountId) -> bool {
		pallet_session::Validators::<Runtime>::get().contains(who)
	}
}

/// Gives the price oracle's benchmarks a session validator.
#[cfg(feature = "runtime-benchmarks")]
pub struct PriceBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_tft_price::BenchmarkHelper<AccountId> for PriceBenchmarkHelper {
	fn price_feeder() -> AccountId {
		pallet_session::Validators::<Runtime>::get()
			.first()
			.cloned()
			.unwrap_or_else(|| AccountId32::new([0u8; 32]))
	}
}

impl pallet_tft_price::Config for Runtime {
	type RestrictedOrigin = RootOrCouncil;
	type Feeders = SessionValidators;
	type WeightInfo = pallet_tft_price::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = PriceBenchmarkHelper;
}
