//! TFT balances, transaction fees and where fees go.
//!
//! Fees are TFChain's: an extrinsic of base weight costs 0.001 TFT (10_000 planck), plus one
//! planck per byte, with no congestion multiplier; operational calls pay 5× for priority.
//! Fees and tips go to the block author.

use crate::{
	AccountId, Authorship, Balance, Balances, Runtime, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason,
};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{
			fungible::{Balanced, Credit},
			ConstU128, ConstU32, ConstU8, OnUnbalanced, VariantCountOf,
		},
		weights::{
			constants::ExtrinsicBaseWeight, ConstantMultiplier, WeightToFeeCoefficient,
			WeightToFeeCoefficients, WeightToFeePolynomial,
		},
	},
	pallet_balances,
	pallet_transaction_payment::{self, ConstFeeMultiplier, FungibleAdapter, Multiplier},
	sp_runtime::{traits::One, Perbill},
};
use smallvec::smallvec;
use tfchain_primitives::constants::{CENTS, EXISTENTIAL_DEPOSIT};

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust is burned.
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = crate::System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

/// Fee of an extrinsic of base weight: a tenth of a cent (10_000 planck), as on TFChain.
pub const BASE_EXTRINSIC_FEE: Balance = CENTS / 10;

/// Converts weight to fee linearly so that [`ExtrinsicBaseWeight`] costs
/// [`BASE_EXTRINSIC_FEE`].
pub struct WeightToFee;

impl WeightToFeePolynomial for WeightToFee {
	type Balance = Balance;

	fn polynomial() -> WeightToFeeCoefficients<Self::Balance> {
		let fee = BASE_EXTRINSIC_FEE;
		let weight = Balance::from(ExtrinsicBaseWeight::get().ref_time());
		smallvec![WeightToFeeCoefficient {
			degree: 1,
			negative: false,
			coeff_frac: Perbill::from_rational(fee % weight, weight),
			coeff_integer: fee / weight,
		}]
	}
}

/// Pays fees and tips to the block author. Without a known author (or if the author's account
/// cannot receive it) the amount is burned.
pub struct DealWithFees;

impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	fn on_nonzero_unbalanced(amount: Credit<AccountId, Balances>) {
		if let Some(author) = Authorship::author() {
			// A failed resolve hands the credit back; dropping it burns it.
			let _ = Balances::resolve(&author, amount);
		}
	}
}

parameter_types! {
	/// The fee multiplier stays at one: no congestion pricing, as on TFChain.
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, DealWithFees>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = WeightToFee;
	/// One planck per byte.
	type LengthToFee = ConstantMultiplier<Balance, ConstU128<1>>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// TFT burning (`BurningModule`): burns respect holds and freezes (see `docs/compatibility.md`).
impl pallet_burning::Config for Runtime {
	type Currency = Balances;
	type MaxBurnMessageLength = ConstU32<1024>;
	type WeightInfo = pallet_burning::weights::SubstrateWeight<Runtime>;
}
