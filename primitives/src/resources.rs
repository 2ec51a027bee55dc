//! Node capacity and the cloud-unit math used for farming-policy limits and DAO farm weights.
//!
//! Billing has its own (fixed-point) cloud-unit formulas in the contracts pallet; these are the
//! integer "farming" units of TFChain's support crate, with two of its bugs fixed (see
//! `docs/compatibility.md`): memory is counted in bytes like storage (TFChain multiplied the byte
//! count by another GiB), and a tie between the smallest terms no longer yields 0.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// One GiB in bytes.
pub const GIB: u128 = 1024 * 1024 * 1024;
/// Scale used to keep three decimals in integer math.
const MILLI: u128 = 1_000;

/// Capacity of a node or a workload: HRU, SRU and MRU in bytes, CRU in virtual cores.
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
pub struct Resources {
	/// Hard-disk storage, bytes.
	pub hru: u64,
	/// SSD storage, bytes.
	pub sru: u64,
	/// Virtual CPU cores.
	pub cru: u64,
	/// Memory, bytes.
	pub mru: u64,
}

/// The smallest node the grid accepts, and which of its resources is below it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResourcesError {
	/// Less than 100 GiB of SSD.
	Sru,
	/// No CPU core.
	Cru,
	/// Less than 2 GiB of memory.
	Mru,
}

impl Resources {
	/// Minimum SSD of a node: 100 GiB.
	pub const MIN_NODE_SRU: u128 = 100 * GIB;
	/// Minimum memory of a node: 2 GiB.
	pub const MIN_NODE_MRU: u128 = 2 * GIB;

	/// Sum of two capacities, saturating.
	pub fn saturating_add(self, other: &Resources) -> Resources {
		Resources {
			hru: self.hru.saturating_add(other.hru),
			sru: self.sru.saturating_add(other.sru),
			cru: self.cru.saturating_add(other.cru),
			mru: self.mru.saturating_add(other.mru),
		}
	}

	/// Difference of two capacities, saturating at zero.
	pub fn saturating_sub(self, other: &Resources) -> Resources {
		Resources {
			hru: self.hru.saturating_sub(other.hru),
			sru: self.sru.saturating_sub(other.sru),
			cru: self.cru.saturating_sub(other.cru),
			mru: self.mru.saturating_sub(other.mru),
		}
	}

	/// Whether `self` fits in `capacity` on every dimension.
	pub fn fits_in(&self, capacity: &Resources) -> bool {
		self.hru <= capacity.hru
			&& self.sru <= capacity.sru
			&& self.cru <= capacity.cru
			&& self.mru <= capacity.mru
	}

	/// Checks the minimum node capacity (no HRU minimum; SRU ≥ 100 GiB; CRU ≥ 1; MRU ≥ 2 GiB).
	pub fn validate_node_minimum(&self) -> Result<(), ResourcesError> {
		if (self.sru as u128) < Self::MIN_NODE_SRU {
			return Err(ResourcesError::Sru);
		}
		if self.cru < 1 {
			return Err(ResourcesError::Cru);
		}
		if (self.mru as u128) < Self::MIN_NODE_MRU {
			return Err(ResourcesError::Mru);
		}
		Ok(())
	}

	/// Farming compute units: `2 × ⌊min(2·cru, (mru_GiB − 1) / 4, sru_GiB / 50)⌋`.
	pub fn get_cu(&self) -> u64 {
		let cru_term = self.cru as u128 * 2 * GIB * MILLI;
		let mru_term = (self.mru as u128).saturating_sub(GIB) * MILLI / 4;
		let sru_term = self.sru as u128 * MILLI / 50;
		let min = cru_term.min(mru_term).min(sru_term);
		u64::try_from(2 * (min / GIB / MILLI)).unwrap_or(u64::MAX)
	}

	/// Farming storage units: `⌊hru_GiB / 1200 + sru_GiB / 250⌋`.
	pub fn get_su(&self) -> u64 {
		let su = self.hru as u128 * MILLI / 1200 + self.sru as u128 * MILLI / 250;
		u64::try_from(su / GIB / MILLI).unwrap_or(u64::MAX)
	}

	/// Weight of a node in DAO votes: `2 × CU + SU`.
	pub fn get_node_weight(&self) -> u64 {
		self.get_cu().saturating_mul(2).saturating_add(self.get_su())
	}

	/// Whether any dimension changed by more than `tolerance_percent` of its old value.
	pub fn has_changed(before: &Resources, after: &Resources, tolerance_percent: u64) -> bool {
		let changed = |old: u64, new: u64| {
			let allowed = (old as u128) * tolerance_percent as u128 / 100;
			(old as u128).abs_diff(new as u128) > allowed
		};
		changed(before.cru, after.cru)
			|| changed(before.sru, after.sru)
			|| changed(before.hru, after.hru)
			|| changed(before.mru, after.mru)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const TIB: u64 = 1024 * 1024 * 1024 * 1024;
	const G: u64 = GIB as u64;

	#[test]
	fn cu_of_zero_is_zero() {
		assert_eq!(Resources::default().get_cu(), 0);
	}

	#[test]
	fn cu_limited_by_cpu() {
		let r = Resources { hru: 4 * TIB, cru: 64, mru: 64 * TIB, sru: 12 * TIB };
		assert_eq!(r.get_cu(), 256);
	}

	#[test]
	fn cu_limited_by_memory_counts_bytes() {
		// 17 GiB of memory: (17 - 1) / 4 = 4 → CU 8; CPU and SSD allow more.
		let r = Resources { hru: 0, cru: 32, mru: 17 * G, sru: 10 * TIB };
		assert_eq!(r.get_cu(), 8);
	}

	#[test]
	fn cu_with_tied_terms_is_not_zero() {
		// cru term 2·2 = 4, mru term (17 - 1) / 4 = 4, sru term 200 / 50 = 4.
		let r = Resources { hru: 0, cru: 2, mru: 17 * G, sru: 200 * G };
		assert_eq!(r.get_cu(), 8);
	}

	#[test]
	fn su_matches_tfchain() {
		assert_eq!(Resources { hru: 4 * TIB, sru: 12 * TIB, ..Default::default() }.get_su(), 52);
		assert_eq!(Resources { sru: 12 * TIB, ..Default::default() }.get_su(), 49);
		assert_eq!(Resources::default().get_su(), 0);
		assert_eq!(Resources { hru: 4 * TIB, ..Default::default() }.get_su(), 3);
	}

	#[test]
	fn node_weight_is_two_cu_plus_su() {
		let r = Resources { hru: 4 * TIB, cru: 64, mru: 64 * TIB, sru: 12 * TIB };
		assert_eq!(r.get_node_weight(), 2 * 256 + 52);
	}

	#[test]
	fn minimum_node_capacity() {
		let ok = Resources { hru: 0, sru: 100 * G, cru: 1, mru: 2 * G };
		assert_eq!(ok.validate_node_minimum(), Ok(()));
		assert_eq!(
			Resources { sru: 100 * G - 1, ..ok }.validate_node_minimum(),
			Err(ResourcesError::Sru)
		);
		assert_eq!(Resources { cru: 0, ..ok }.validate_node_minimum(), Err(ResourcesError::Cru));
		assert_eq!(Resources { mru: G, ..ok }.validate_node_minimum(), Err(ResourcesError::Mru));
	}

	#[test]
	fn resources_diff_uses_tolerance() {
		let before = Resources { hru: 1000, sru: 1000, cru: 100, mru: 1000 };
		assert!(!Resources::has_changed(&before, &Resources { sru: 1010, ..before }, 1));
		assert!(Resources::has_changed(&before, &Resources { sru: 1011, ..before }, 1));
		assert!(Resources::has_changed(&before, &Resources { cru: 98, ..before }, 1));
		assert!(!Resources::has_changed(&before, &before, 0));
	}

	#[test]
	fn add_sub_and_fit() {
		let a = Resources { hru: 1, sru: 2, cru: 3, mru: 4 };
		let b = a.saturating_add(&a);
		assert_eq!(b, Resources { hru: 2, sru: 4, cru: 6, mru: 8 });
		assert_eq!(b.saturating_sub(&a), a);
		assert!(a.fits_in(&b));
		assert!(!b.fits_in(&a));
		assert_eq!(a.saturating_sub(&b), Resources::default());
	}
}
