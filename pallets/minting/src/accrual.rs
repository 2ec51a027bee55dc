//! Accrual: what the registry and the contracts pallet tell minting, turned into per-period
//! usage of each node.
//!
//! Uptime credit: a report at chain time `b` with uptime `u` says the node booted at about
//! `b − u`. If that is no later than its previous liveness proof `a` (+ `BootTolerance`), the
//! node ran without interruption and `[a, b]` is credited, however long it was (a chain stall
//! or failed reports cost nothing); otherwise it rebooted and `[b − u, b]` is credited. A
//! duplicate report credits nothing; clock jitter inside the tolerance is no reboot. Credit is
//! split between the periods it overlaps.

use crate::{types::*, *};
use frame::prelude::*;
use tfchain_primitives::{
	grid::Node,
	traits::{ChangeNode, GridUsageObserver, Tfgrid},
};

/// Which part of a period's usage a credit adds to.
#[derive(Clone, Copy)]
pub(crate) enum Credit {
	/// Uptime seconds (the amount is the overlap itself).
	Up,
	/// Standby seconds (the amount is the overlap itself).
	Standby,
	/// IPv4 address-seconds: the overlap times this many addresses.
	Ips(u32),
}

impl PeriodUsage {
	fn add(&mut self, credit: Credit, seconds: u64) {
		match credit {
			Credit::Up => self.up_secs = self.up_secs.saturating_add(seconds),
			Credit::Standby => self.standby_secs = self.standby_secs.saturating_add(seconds),
			Credit::Ips(n) => {
				self.ip_secs = self.ip_secs.saturating_add(seconds.saturating_mul(n as u64))
			},
		}
	}
}

impl NodeAccrual {
	/// Adds the seconds of `[from, to)` to the periods the accrual holds (its period and the
	/// next); seconds outside both are dropped.
	pub(crate) fn credit(&mut self, periods: &Periods, credit: Credit, from: u64, to: u64) {
		let current = periods.overlap(self.period, from, to);
		self.current.add(credit, current);
		let next = periods.overlap(self.period.saturating_add(1), from, to);
		self.next.add(credit, next);
	}

	/// Adds `bytes` of traffic to the period holding `now`, if the accrual holds it.
	pub(crate) fn add_traffic(&mut self, periods: &Periods, now: u64, bytes: u64) {
		let p = periods.of(now);
		if p == self.period {
			self.current.nu_bytes = self.current.nu_bytes.saturating_add(bytes);
		} else if p == self.period.saturating_add(1) {
			self.next.nu_bytes = self.next.nu_bytes.saturating_add(bytes);
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The node's accrual, or a fresh one starting in the period holding `now`.
	pub(crate) fn accrual_of(node_id: u32, periods: &Periods, now: u64) -> NodeAccrual {
		NodeAccruals::<T>::get(node_id)
			.unwrap_or_else(|| NodeAccrual { period: periods.of(now), ..Default::default() })
	}

	/// Credits an uptime report of `uptime` seconds at chain time `now`.
	pub(crate) fn record_uptime(node: &Node, uptime: u64, now: u64) {
		let periods = Self::periods();
		let mut accrual = Self::accrual_of(node.id, &periods, now);
		let boot = now.saturating_sub(uptime);
		let from = match (accrual.last_seen, accrual.standby_since) {
			(Some(seen), _) if boot <= seen.saturating_add(T::BootTolerance::get()) => seen,
			(Some(seen), _) => boot.max(seen),
			// Reporting while still marked in standby: the standby ended when it booted.
			(None, Some(since)) => {
				let woke = boot.max(since).min(now);
				accrual.credit(&periods, Credit::Standby, since, woke);
				accrual.standby_since = None;
				woke
			},
			// The first proof: up since boot, but not before the node existed.
			(None, None) => boot.max(node.created),
		};
		accrual.credit(&periods, Credit::Up, from.min(now), now);
		accrual.last_seen = Some(now.max(accrual.last_seen.unwrap_or(0)));
		NodeAccruals::<T>::insert(node.id, accrual);
	}

	/// A node changes power state at chain time `now`: going down credits the uptime since
	/// its last proof (it signed the change, so it was up) and starts standby; coming up
	/// credits the standby time and counts as a liveness proof.
	pub(crate) fn record_power_change(node: &Node, now: u64) {
		let periods = Self::periods();
		let mut accrual = Self::accrual_of(node.id, &periods, now);
		let going_down = !T::Grid::node_power(node.id).is_down();
		if going_down {
			if let Some(seen) = accrual.last_seen {
				accrual.credit(&periods, Credit::Up, seen, now);
			}
			accrual.last_seen = None;
			accrual.standby_since = Some(now);
		} else {
			if let Some(since) = accrual.standby_since {
				accrual.credit(&periods, Credit::Standby, since, now);
			}
			accrual.standby_since = None;
			accrual.last_seen = Some(now);
		}
		NodeAccruals::<T>::insert(node.id, accrual);
	}
}

impl<T: Config> ChangeNode for Pallet<T> {
	fn node_changed(old: Option<&Node>, new: &Node) {
		if old.is_none() {
			let accrual = Self::accrual_of(new.id, &Self::periods(), Self::now_secs());
			NodeAccruals::<T>::insert(new.id, accrual);
		}
	}

	fn node_deleted(node: &Node) {
		// A deleted node forfeits its unsettled periods.
		NodeAccruals::<T>::remove(node.id);
	}

	fn node_power_state_changed(node: &Node) {
		Self::record_power_change(node, Self::now_secs());
	}

	fn node_uptime_reported(node: &Node, uptime: u64, now: u64) {
		Self::record_uptime(node, uptime, now);
	}

	fn node_changed_weight() -> Weight {
		T::DbWeight::get().reads_writes(3, 1)
	}

	fn node_deleted_weight() -> Weight {
		T::DbWeight::get().writes(1)
	}

	fn node_power_state_changed_weight() -> Weight {
		T::WeightInfo::record_power_change()
	}

	fn node_uptime_reported_weight() -> Weight {
		T::WeightInfo::record_uptime()
	}
}

impl<T: Config> GridUsageObserver for Pallet<T> {
	fn network_used(node_id: u32, bytes: u64) {
		let (periods, now) = (Self::periods(), Self::now_secs());
		let mut accrual = Self::accrual_of(node_id, &periods, now);
		accrual.add_traffic(&periods, now, bytes);
		NodeAccruals::<T>::insert(node_id, accrual);
	}

	fn public_ips_used(node_id: u32, ips: u32, seconds: u64) {
		let (periods, now) = (Self::periods(), Self::now_secs());
		let mut accrual = Self::accrual_of(node_id, &periods, now);
		accrual.credit(&periods, Credit::Ips(ips), now.saturating_sub(seconds), now);
		NodeAccruals::<T>::insert(node_id, accrual);
	}

	fn usage_weight() -> Weight {
		T::WeightInfo::record_usage()
	}
}
