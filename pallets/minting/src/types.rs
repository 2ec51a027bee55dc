//! Accruals, statements and the settlement cursor.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame::prelude::*;
use scale_info::TypeInfo;
use tfchain_primitives::grid::FarmingRates;

/// What a node earned credit for in one reward period.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct PeriodUsage {
	/// Seconds the node was provably up (from its uptime reports).
	pub up_secs: u64,
	/// Seconds the node spent in standby (power state `Down`, farmerbot).
	pub standby_secs: u64,
	/// Bytes of public traffic its contracts reported (NRU).
	pub nu_bytes: u64,
	/// Public IPv4 addresses held by its contracts × seconds held.
	pub ip_secs: u64,
}

/// A node's running record for minting: usage of its oldest unsettled period and of the one
/// after it, and what is needed to credit the next report.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct NodeAccrual {
	/// The node's oldest period not yet settled; `current` belongs to it.
	pub period: u32,
	/// Usage in `period`.
	pub current: PeriodUsage,
	/// Usage in `period + 1` (reports that arrive before `period` is settled).
	pub next: PeriodUsage,
	/// Chain time (Unix seconds) the node was last proven up: its last uptime report or power-up.
	/// `None` before its first report and while in standby.
	pub last_seen: Option<u64>,
	/// Chain time the node went into standby, while it is in standby.
	pub standby_since: Option<u64>,
}

/// One node's reward for one period, with every input, so anyone can recompute it
/// (`docs/minting.md`).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Statement<AccountId> {
	/// Reward period index: it covers `[period × length, (period + 1) × length)` Unix seconds.
	pub period: u32,
	/// The node.
	pub node_id: u32,
	/// Its farm at settlement.
	pub farm_id: u32,
	/// Who received the reward: the farm's payout account, else the farm's twin account.
	pub beneficiary: Option<AccountId>,
	/// The node's farming policy.
	pub farming_policy_id: u32,
	/// The policy's rates.
	pub rates: FarmingRates,
	/// Seconds the node could have been up: its lifetime in the period.
	pub expected_secs: u64,
	/// Seconds proven up by uptime reports.
	pub uptime_secs: u64,
	/// Seconds in standby.
	pub standby_secs: u64,
	/// Share of standby time that counts as uptime under the policy.
	pub standby_credit: Perbill,
	/// `min(uptime + standby × credit, expected)`: the seconds rewarded.
	pub credited_secs: u64,
	/// Compute units of the node's capacity.
	pub cu: u64,
	/// Storage units of the node's capacity.
	pub su: u64,
	/// Bytes of public traffic.
	pub nu_bytes: u64,
	/// Public IPv4 address-seconds.
	pub ip_secs: u64,
	/// TFT price the node registered with (`connection_price`), mUSD per TFT.
	pub connection_price: u32,
	/// Whether `credited / expected` reached the policy's minimal uptime.
	pub uptime_met: bool,
	/// The reward, planck (10^-7 TFT).
	pub reward: u128,
	/// What was minted: `reward`, or 0 when there was no beneficiary or minting failed.
	pub minted: u128,
}

/// Progress of the settlement of one period, spread over blocks.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct SettlementCursor {
	/// The period being settled.
	pub period: u32,
	/// The next node id to settle.
	pub next_node: u32,
	/// The highest node id when the settlement started.
	pub last_node: u32,
	/// Nodes given a statement so far.
	pub statements: u32,
	/// Planck minted so far.
	pub minted: u128,
}

/// Reward period arithmetic: periods are fixed windows of `length` seconds from Unix time 0.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Periods {
	/// Period length, seconds (at least 1).
	pub length: u64,
}

impl Periods {
	/// The period that second `t` falls in.
	pub fn of(&self, t: u64) -> u32 {
		(t / self.length).min(u32::MAX as u64) as u32
	}
	/// First second of period `p`.
	pub fn start(&self, p: u32) -> u64 {
		(p as u64).saturating_mul(self.length)
	}
	/// First second after period `p`.
	pub fn end(&self, p: u32) -> u64 {
		self.start(p).saturating_add(self.length)
	}
	/// Seconds of `[from, to)` inside period `p`.
	pub fn overlap(&self, p: u32, from: u64, to: u64) -> u64 {
		to.min(self.end(p)).saturating_sub(from.max(self.start(p)))
	}
}
