//! `Config` implementations of every pallet, one file per topic.
//!
//! - this file: `frame_system`, timestamp, utility, scheduler and preimage;
//! - [`consensus`]: Aura, GRANDPA, session, validator set and authorship;
//! - [`monetary`]: balances, transaction fees and where they go;
//! - [`governance`]: council, council membership, the farmer DAO and runtime upgrades;
//! - [`rewards`]: proof-of-capacity minting;
//! - [`grid`], [`contracts`], [`kvstore`]: the grid registry, contracts and billing, the TFT
//!   price oracle and the key-value store.

#![warn(missing_docs)]

pub mod consensus;
pub mod contracts;
pub mod governance;
pub mod grid;
pub mod kvstore;
pub mod monetary;
pub mod rewards;

// `derive_impl` refers to the runtime's aggregated types by name, so they are all imported.
use crate::{
	AccountId, Balance, Balances, Block, BlockNumber, Hash, Nonce, OriginCaller, PalletInfo,
	Preimage, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	VERSION,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{ConstU32, ConstU64, Everything, LinearStoragePrice},
		weights::{
			constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
			Weight,
		},
	},
	frame_system::{self, limits::BlockLength, limits::BlockWeights, EnsureRoot},
	pallet_preimage, pallet_scheduler, pallet_timestamp, pallet_utility,
	sp_runtime::{traits::AccountIdLookup, Perbill},
	sp_version::RuntimeVersion,
};
use tfchain_primitives::constants::{MILLICENTS, SS58_PREFIX, TFT};

/// Share of a block that normal (non-operational) extrinsics may use: 75%, as on TFChain.
pub const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Maximum block weight: 2 seconds of compute, no proof-size limit (a solochain), as on TFChain.
pub const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2), u64::MAX);

/// Maximum block length: 5 MiB.
pub const MAXIMUM_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	/// Blocks whose hashes are kept for mortal transactions (TFChain: 2400).
	pub const BlockHashCount: BlockNumber = 2400;
	/// The runtime version.
	pub const Version: RuntimeVersion = VERSION;
	/// Block weight limits.
	pub RuntimeBlockWeights: BlockWeights =
		BlockWeights::with_sensible_defaults(MAXIMUM_BLOCK_WEIGHT, NORMAL_DISPATCH_RATIO);
	/// Block length limits.
	pub RuntimeBlockLength: BlockLength =
		BlockLength::builder()
			.max_length(MAXIMUM_BLOCK_LENGTH)
			.modify_max_length_for_class(DispatchClass::Normal, |max| {
				*max = NORMAL_DISPATCH_RATIO * *max
			})
			.build();
	/// SS58 address prefix.
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type Lookup = AccountIdLookup<AccountId, ()>;
	type BlockHashCount = BlockHashCount;
	/// The node stores its state in ParityDB (`docs/node.md`).
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = polkadot_sdk::pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type BaseCallFilter = Everything;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = crate::Moment;
	type OnTimestampSet = crate::Aura;
	/// Half the slot duration (3 s), as on TFChain.
	type MinimumPeriod = ConstU64<{ tfchain_primitives::constants::SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The scheduler may use 80% of a block, as on TFChain.
	pub MaximumSchedulerWeight: Weight =
		Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
	/// Hold reason for preimage deposits.
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// Preimage deposit: 1 TFT plus 1 milli-cent per byte.
	pub const PreimageBaseDeposit: Balance = TFT;
	/// Preimage deposit per byte.
	pub const PreimageByteDeposit: Balance = MILLICENTS;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	/// Root outranks everything; council origins compare by their yes/total ratio.
	type OriginPrivilegeCmp = governance::OriginPrivilegeCmp;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = crate::System;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = governance::RootOrCouncil;
	type Consideration = polkadot_sdk::frame_support::traits::fungible::HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}
