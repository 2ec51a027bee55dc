//! Chain-wide constants: block time, time units in blocks and seconds, and currency units.
//!
//! The values are TFChain's (`docs/compatibility.md` lists where we differ).

use crate::{Balance, BlockNumber};

/// Target block time in milliseconds (6 s).
pub const MILLISECS_PER_BLOCK: u64 = 6000;

/// Target block time in seconds.
pub const SECS_PER_BLOCK: u64 = MILLISECS_PER_BLOCK / 1000;

/// Aura slot duration; equal to the block time.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// One minute, in blocks.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// One hour, in blocks.
pub const HOURS: BlockNumber = MINUTES * 60;
/// One day, in blocks.
pub const DAYS: BlockNumber = HOURS * 24;

/// One hour, in seconds.
pub const SECS_PER_HOUR: u64 = 3600;
/// One day, in seconds.
pub const SECS_PER_DAY: u64 = SECS_PER_HOUR * 24;
/// One billing month (30 days), in seconds.
pub const SECS_PER_MONTH: u64 = SECS_PER_DAY * 30;

/// Number of decimals of TFT.
pub const TFT_DECIMALS: u8 = 7;
/// Token symbol.
pub const TFT_SYMBOL: &str = "TFT";

/// One TFT, in planck.
pub const TFT: Balance = 10_000_000;
/// Alias kept from TFChain (`DOLLARS`).
pub const DOLLARS: Balance = TFT;
/// A hundredth of a TFT.
pub const CENTS: Balance = DOLLARS / 100;
/// A thousandth of a cent.
pub const MILLICENTS: Balance = CENTS / 1000;

/// Minimum balance an account must keep to exist (0.00005 TFT), as on TFChain.
pub const EXISTENTIAL_DEPOSIT: Balance = 500;

/// Session length used by production presets: one hour of blocks.
pub const DEFAULT_SESSION_LENGTH: BlockNumber = HOURS;

/// SS58 address prefix (the generic Substrate prefix, as on TFChain).
pub const SS58_PREFIX: u16 = 42;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn time_units_match_tfchain() {
		assert_eq!(MINUTES, 10);
		assert_eq!(HOURS, 600);
		assert_eq!(DAYS, 14_400);
		assert_eq!(SECS_PER_MONTH, 2_592_000);
	}

	#[test]
	fn currency_units_match_tfchain() {
		assert_eq!(TFT, 10u128.pow(TFT_DECIMALS as u32));
		assert_eq!(CENTS, 100_000);
		assert_eq!(MILLICENTS, 100);
	}
}
