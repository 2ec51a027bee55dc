//! Contract prices, exactly as TFChain computes them (see `docs/billing.md`), in exact integer
//! arithmetic: every amount is a fraction `numerator / denominator` that is rounded (half up)
//! once, where TFChain rounds its 64.64 fixed-point result.
//!
//! Units: prices are in units USD (10^-7 USD) per hour; TFT prices in mUSD per TFT; amounts of
//! TFT in planck (10^-7 TFT).

use crate::types::DiscountLevel;
use tfchain_primitives::{resources::Resources, traits::GridPrices};

/// Seconds the prices of a pricing policy refer to (TFChain's `BillingReferencePeriod`).
pub const BILLING_REFERENCE_PERIOD: u128 = 3600;
/// Seconds in the month the dedicated-node extra fee is quoted for (30 days).
pub const EXTRA_FEE_PERIOD: u128 = 2_592_000;

/// An exact non-negative fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
	/// Numerator.
	pub num: u128,
	/// Denominator (never 0).
	pub den: u128,
}

impl Ratio {
	/// Rounded to the nearest integer, halves up.
	pub fn round(self) -> u128 {
		div_round(self.num, self.den)
	}
}

/// Rounds `num / den` to the nearest integer, halves up (0 when `den` is 0).
pub fn div_round(num: u128, den: u128) -> u128 {
	if den == 0 {
		return 0;
	}
	num.saturating_add(den / 2) / den
}

/// Billing storage units of `r` as `(hru + 6 × sru) / (1200 × factor)`, i.e.
/// `hru/1200 + sru/200` with bytes scaled by the policy's SU unit.
pub fn storage_units(r: &Resources, su_factor: u128) -> Ratio {
	Ratio {
		num: (r.hru as u128).saturating_add((r.sru as u128).saturating_mul(6)),
		den: 1200u128.saturating_mul(su_factor.max(1)),
	}
}

/// Billing compute units of `r`: `min(max(mru/4, cru/2), max(mru/8, cru), max(mru/2, cru/4))`
/// with memory scaled by the policy's CU unit, as a fraction over `8 × factor`.
pub fn compute_units(r: &Resources, cu_factor: u128) -> Ratio {
	let f = cu_factor.max(1);
	let m = r.mru as u128;
	let c = (r.cru as u128).saturating_mul(f);
	let a = (m.saturating_mul(2)).max(c.saturating_mul(4));
	let b = m.max(c.saturating_mul(8));
	let d = (m.saturating_mul(4)).max(c.saturating_mul(2));
	Ratio { num: a.min(b).min(d), den: 8u128.saturating_mul(f) }
}

/// Cost in units USD of `seconds` of capacity `r` (SU + CU) plus `public_ips` IPs, unrounded.
/// `bill_resources` is false on a rented node (the renter pays the capacity).
pub fn capacity_cost(
	prices: &GridPrices<impl Sized>,
	seconds: u64,
	r: &Resources,
	public_ips: u32,
	bill_resources: bool,
) -> Ratio {
	let t = seconds as u128;
	let su = storage_units(r, prices.su_factor);
	let cu = compute_units(r, prices.cu_factor);
	// Common denominator of su.den × P, cu.den × P and P.
	let den = su
		.den
		.saturating_mul(cu.den / gcd(su.den, cu.den))
		.saturating_mul(BILLING_REFERENCE_PERIOD);
	let mut num = (prices.ipu as u128)
		.saturating_mul(t)
		.saturating_mul(public_ips as u128)
		.saturating_mul(den / BILLING_REFERENCE_PERIOD);
	if bill_resources {
		let su_part = (prices.su as u128)
			.saturating_mul(t)
			.saturating_mul(su.num)
			.saturating_mul(den / (su.den * BILLING_REFERENCE_PERIOD));
		let cu_part = (prices.cu as u128)
			.saturating_mul(t)
			.saturating_mul(cu.num)
			.saturating_mul(den / (cu.den * BILLING_REFERENCE_PERIOD));
		num = num.saturating_add(su_part).saturating_add(cu_part);
	}
	Ratio { num, den }
}

/// Cost in units USD of `seconds` of a rented node with capacity `r`: the policy's
/// `discount_for_dedication_nodes` percent of the full SU + CU price, rounded as TFChain does.
pub fn rent_cost(prices: &GridPrices<impl Sized>, seconds: u64, r: &Resources) -> u128 {
	let full = capacity_cost(prices, seconds, r, 0, true).round();
	div_round(full.saturating_mul(prices.discount_for_dedication_nodes as u128), 100)
}

/// Cost in units USD of `seconds` of a name contract.
pub fn name_cost(prices: &GridPrices<impl Sized>, seconds: u64) -> u128 {
	div_round(
		(prices.unique_name as u128).saturating_mul(seconds as u128),
		BILLING_REFERENCE_PERIOD,
	)
}

/// Cost in units USD of `seconds` of a dedicated-node extra fee of `fee_musd` mUSD per month.
pub fn extra_fee_cost(fee_musd: u64, seconds: u64) -> u128 {
	div_round(
		(fee_musd as u128).saturating_mul(10_000).saturating_mul(seconds as u128),
		EXTRA_FEE_PERIOD,
	)
}

/// Cost in units USD of `nru` bytes of public traffic: the NU price per NU of traffic.
pub fn network_cost(prices: &GridPrices<impl Sized>, nru: u64) -> u128 {
	div_round((nru as u128).saturating_mul(prices.nu as u128), prices.nu_factor.max(1))
}

/// Converts units USD to planck at `price_musd` mUSD per TFT.
pub fn usd_to_tft(units_usd: u128, price_musd: u32) -> u128 {
	div_round(units_usd.saturating_mul(1000), price_musd.max(1) as u128)
}

/// The discount level of a bill of `amount` planck for `seconds`, given the `balance` the twin
/// holds, and the discounted amount. Levels by months of runway (`balance` over the monthly
/// cost at this rate): < 1.5 none, < 3 default (×0.8), < 6 bronze (×0.7), < 18 silver (×0.6),
/// else gold (×0.4).
pub fn apply_discount(amount: u128, seconds: u64, balance: u128) -> (DiscountLevel, u128) {
	let level = discount_level(amount, seconds, balance);
	(level, discounted(amount, level))
}

/// `amount` at discount `level`: ×1, ×0.8, ×0.7, ×0.6 or ×0.4, rounded.
pub fn discounted(amount: u128, level: DiscountLevel) -> u128 {
	let tenths = match level {
		DiscountLevel::None => 10,
		DiscountLevel::Default => 8,
		DiscountLevel::Bronze => 7,
		DiscountLevel::Silver => 6,
		DiscountLevel::Gold => 4,
	};
	div_round(amount.saturating_mul(tenths), 10)
}

/// The discount level of a bill of `amount` planck for `seconds` when the twin holds
/// `balance` (see [`apply_discount`]).
pub fn discount_level(amount: u128, seconds: u64, balance: u128) -> DiscountLevel {
	if amount == 0 || seconds == 0 {
		return DiscountLevel::None;
	}
	// runway = balance / (amount × 2_592_000 / seconds); compare runway × 2 against thresholds × 2.
	let lhs = balance.saturating_mul(seconds as u128).saturating_mul(2);
	let monthly_x1 = amount.saturating_mul(EXTRA_FEE_PERIOD);
	let at_least = |half_months: u128| lhs >= monthly_x1.saturating_mul(half_months);
	if at_least(36) {
		DiscountLevel::Gold
	} else if at_least(12) {
		DiscountLevel::Silver
	} else if at_least(6) {
		DiscountLevel::Bronze
	} else if at_least(3) {
		DiscountLevel::Default
	} else {
		DiscountLevel::None
	}
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
	while b != 0 {
		let r = a % b;
		a = b;
		b = r;
	}
	a.max(1)
}

#[cfg(test)]
mod tests {
	use super::*;
	const GIB: u64 = 1 << 30;

	fn prices() -> GridPrices<u64> {
		GridPrices {
			su: 194_400,
			su_factor: 1024u128.pow(3),
			cu: 305_600,
			cu_factor: 1024u128.pow(3),
			nu: 50_000,
			nu_factor: 1000u128.pow(3),
			ipu: 69_400,
			unique_name: 13_900,
			foundation_account: 1,
			certified_sales_account: 2,
			discount_for_dedication_nodes: 50,
		}
	}

	fn cu(cru: u64, mru_gb: u64) -> Ratio {
		compute_units(&Resources { cru, mru: mru_gb * GIB, ..Default::default() }, GIB as u128)
	}

	#[test]
	fn compute_units_match_tfchain_examples() {
		let units = |r: Ratio| r.num as f64 / r.den as f64;
		assert_eq!(units(cu(4, 1024)), 128.0);
		assert_eq!(units(cu(32, 128)), 32.0);
		assert_eq!(units(cu(4, 2)), 1.0);
		assert_eq!(units(cu(4, 1)), 1.0);
		assert_eq!(units(cu(16, 16)), 8.0);
	}

	#[test]
	fn worked_example_costs_8_666_400_planck() {
		// cru 2, mru 2 GB, sru 60 GB, hru 0, one public IP, one hour, TFT at 50 mUSD.
		let used = Resources { hru: 0, sru: 60 * GIB, cru: 2, mru: 2 * GIB };
		let usd = capacity_cost(&prices(), 3600, &used, 1, true).round();
		assert_eq!(usd, 433_320);
		assert_eq!(usd_to_tft(usd, 50), 8_666_400);
	}

	#[test]
	fn rented_node_pays_only_ips() {
		let used = Resources { hru: 0, sru: 60 * GIB, cru: 2, mru: 2 * GIB };
		assert_eq!(capacity_cost(&prices(), 3600, &used, 1, false).round(), 69_400);
	}

	#[test]
	fn rent_costs_half_the_node() {
		let node = Resources { hru: 1024 * GIB, sru: 512 * GIB, cru: 8, mru: 16 * GIB };
		let full = capacity_cost(&prices(), 3600, &node, 0, true).round();
		assert_eq!(rent_cost(&prices(), 3600, &node), div_round(full * 50, 100));
	}

	#[test]
	fn name_and_extra_fee_costs() {
		assert_eq!(name_cost(&prices(), 3600), 13_900);
		assert_eq!(name_cost(&prices(), 1800), 6_950);
		// 1000 mUSD a month for a whole month is 1000 × 10^4 units USD.
		assert_eq!(extra_fee_cost(1000, 2_592_000), 10_000_000);
	}

	#[test]
	fn network_cost_is_per_unit_of_traffic() {
		// 3 GB at 50_000 units USD per GB.
		assert_eq!(network_cost(&prices(), 3_000_000_000), 150_000);
	}

	#[test]
	fn discount_levels_follow_months_of_runway() {
		let amount = 1_000u128;
		let monthly = amount * 720; // one hour billed, 720 hours a month
		let level = |months_x2: u128| apply_discount(amount, 3600, monthly * months_x2 / 2).0;
		assert_eq!(level(2), DiscountLevel::None);
		assert_eq!(level(3), DiscountLevel::Default);
		assert_eq!(level(6), DiscountLevel::Bronze);
		assert_eq!(level(12), DiscountLevel::Silver);
		assert_eq!(level(36), DiscountLevel::Gold);
		assert_eq!(apply_discount(amount, 3600, monthly * 18).1, 400);
		assert_eq!(apply_discount(amount, 3600, 0), (DiscountLevel::None, 1000));
	}
}
