//! The reward formula (`docs/minting.md`), in exact integer arithmetic.
//!
//! ```text
//! eligible = expected > 0 and credited × 100 ≥ min(minimal_uptime, 100) × expected
//! reward_mUSD = (CU × rate_cu + SU × rate_su) × credited / 2_592_000     (monthly rates)
//!             + rate_nu × nu_bytes / 10^9                                 (per GB)
//!             + rate_ipv4 × ip_secs / 3_600                               (per IP-hour)
//! reward_planck = ⌊ reward_mUSD × 10^7 / connection_price ⌋   (0 when not eligible)
//! ```
//!
//! The three terms are summed as one fraction over `2_592_000 × 10^9` and rounded down once.

use tfchain_primitives::grid::FarmingRates;

/// Seconds in the month the CU and SU rates are quoted for (30 days).
pub const SECS_PER_MONTH: u128 = 2_592_000;
/// Bytes in one network unit (GB, base 1000).
pub const BYTES_PER_NU: u128 = 1_000_000_000;
/// Seconds in the hour the IPv4 rate is quoted for.
pub const SECS_PER_HOUR: u128 = 3_600;
/// Planck per TFT.
pub const PLANCK_PER_TFT: u128 = 10_000_000;

/// Whether `credited` of `expected` seconds meets a minimal uptime of `minimal_uptime` percent.
pub fn uptime_met(credited: u64, expected: u64, minimal_uptime: u16) -> bool {
	expected > 0 && credited as u128 * 100 >= minimal_uptime.min(100) as u128 * expected as u128
}

/// The inputs of one reward.
#[derive(Clone, Copy, Debug, Default)]
pub struct RewardInputs {
	/// Compute units.
	pub cu: u64,
	/// Storage units.
	pub su: u64,
	/// Rewarded seconds.
	pub credited_secs: u64,
	/// Bytes of public traffic.
	pub nu_bytes: u64,
	/// IPv4 address-seconds.
	pub ip_secs: u64,
	/// mUSD per TFT.
	pub connection_price: u32,
}

/// The reward in planck for `inputs` at `rates`, assuming the uptime gate is met.
pub fn reward_planck(rates: &FarmingRates, inputs: &RewardInputs) -> u128 {
	if inputs.connection_price == 0 {
		return 0;
	}
	let capacity_musd_per_month = (inputs.cu as u128)
		.saturating_mul(rates.cu as u128)
		.saturating_add((inputs.su as u128).saturating_mul(rates.su as u128));
	// Every term over the common denominator SECS_PER_MONTH × BYTES_PER_NU.
	let capacity = capacity_musd_per_month
		.saturating_mul(inputs.credited_secs as u128)
		.saturating_mul(BYTES_PER_NU);
	let network =
		(rates.nu as u128).saturating_mul(inputs.nu_bytes as u128).saturating_mul(SECS_PER_MONTH);
	let ips = (rates.ipv4 as u128)
		.saturating_mul(inputs.ip_secs as u128)
		.saturating_mul(SECS_PER_MONTH / SECS_PER_HOUR)
		.saturating_mul(BYTES_PER_NU);
	let numerator = capacity.saturating_add(network).saturating_add(ips);
	let denominator = SECS_PER_MONTH * BYTES_PER_NU * inputs.connection_price as u128;
	// Split the multiplication by PLANCK_PER_TFT so that large numerators do not saturate.
	let whole = numerator / denominator;
	let rest = numerator % denominator;
	whole
		.saturating_mul(PLANCK_PER_TFT)
		.saturating_add(rest.saturating_mul(PLANCK_PER_TFT) / denominator)
}

#[cfg(test)]
mod tests {
	use super::*;

	const DIY: FarmingRates =
		FarmingRates { cu: 2_400, su: 1_000, nu: 30, ipv4: 5, minimal_uptime: 95 };

	#[test]
	fn full_month_of_capacity() {
		// 6 CU and 2 SU for 30 days at DIY rates: 16 400 mUSD; at 80 mUSD per TFT: 205 TFT.
		let inputs = RewardInputs {
			cu: 6,
			su: 2,
			credited_secs: 2_592_000,
			connection_price: 80,
			..Default::default()
		};
		assert_eq!(reward_planck(&DIY, &inputs), 205 * PLANCK_PER_TFT);
	}

	#[test]
	fn worked_example_of_the_docs() {
		// docs/minting.md: 29.5 days credited, 250 GB of traffic, one IP for 100 hours.
		let inputs = RewardInputs {
			cu: 6,
			su: 2,
			credited_secs: 2_548_800,
			nu_bytes: 250_000_000_000,
			ip_secs: 360_000,
			connection_price: 80,
		};
		// 16 400 × 2 548 800 / 2 592 000 = 16 126.666… mUSD; + 30 × 250 = 7 500; + 5 × 100 = 500.
		// 24 126.666… mUSD / 80 = 301.583 333 3… TFT → 3 015 833 333 planck.
		assert_eq!(reward_planck(&DIY, &inputs), 3_015_833_333);
	}

	#[test]
	fn terms_round_once() {
		// One second of 1 CU at 1 mUSD per month is far below a planck; a sum of such terms
		// is rounded once, not per term.
		let rates = FarmingRates { cu: 1, su: 1, nu: 1, ipv4: 1, minimal_uptime: 0 };
		let inputs = RewardInputs {
			cu: 1,
			su: 1,
			credited_secs: 1,
			nu_bytes: 1,
			ip_secs: 1,
			connection_price: 1,
		};
		// (2 × 10^9 + 2 592 000 + 720 × 10^9) × 10^7 / (2 592 000 × 10^9) = 2785.4…
		assert_eq!(reward_planck(&rates, &inputs), 2_785);
	}

	#[test]
	fn zero_price_pays_nothing_and_huge_inputs_do_not_overflow() {
		let inputs = RewardInputs { cu: 6, su: 2, credited_secs: 10, ..Default::default() };
		assert_eq!(reward_planck(&DIY, &inputs), 0);
		let rates = FarmingRates {
			cu: u32::MAX,
			su: u32::MAX,
			nu: u32::MAX,
			ipv4: u32::MAX,
			minimal_uptime: 0,
		};
		let inputs = RewardInputs {
			cu: u64::MAX,
			su: u64::MAX,
			credited_secs: u64::MAX,
			nu_bytes: u64::MAX,
			ip_secs: u64::MAX,
			connection_price: 1,
		};
		assert!(reward_planck(&rates, &inputs) > 0);
	}

	#[test]
	fn uptime_gate() {
		assert!(uptime_met(95, 100, 95));
		assert!(!uptime_met(94, 100, 95));
		assert!(uptime_met(0, 100, 0));
		assert!(!uptime_met(0, 0, 0));
		// A minimal uptime above 100 % is read as 100 %.
		assert!(uptime_met(100, 100, 500));
	}
}
