//! Declared capacity: what the workloads ask for, which is what the chain bills.
//!
//! | type | cru | mru | sru | hru |
//! |---|---|---|---|---|
//! | zmachine | `cpu` | `memory` | `size` (rootfs) | 0 |
//! | zmount | 0 | 0 | `size` | 0 |
//! | network, ip | 0 | 0 | 0 | 0 |
//!
//! Public IPs are counted apart ([`Deployment::public_ips`]). Sums saturate instead of
//! overflowing.

use core::ops::{Add, AddAssign};

use crate::model::{Deployment, IpData, Workload, WorkloadData};

/// Resource units: CPU cores, memory bytes, SSD bytes, HDD bytes.
#[derive(
	Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Capacity {
	/// Virtual CPUs.
	pub cru: u64,
	/// Memory in bytes.
	pub mru: u64,
	/// SSD storage in bytes.
	pub sru: u64,
	/// HDD storage in bytes.
	pub hru: u64,
}

impl Capacity {
	/// Whether every unit is 0.
	pub fn is_zero(&self) -> bool {
		*self == Capacity::default()
	}
}

impl Add for Capacity {
	type Output = Capacity;

	/// Unit-wise saturating sum.
	fn add(self, other: Capacity) -> Capacity {
		Capacity {
			cru: self.cru.saturating_add(other.cru),
			mru: self.mru.saturating_add(other.mru),
			sru: self.sru.saturating_add(other.sru),
			hru: self.hru.saturating_add(other.hru),
		}
	}
}

impl AddAssign for Capacity {
	fn add_assign(&mut self, other: Capacity) {
		*self = *self + other;
	}
}

impl core::iter::Sum for Capacity {
	fn sum<I: Iterator<Item = Capacity>>(iter: I) -> Capacity {
		iter.fold(Capacity::default(), Add::add)
	}
}

impl WorkloadData {
	/// Declared capacity of this workload data.
	pub fn capacity(&self) -> Capacity {
		match self {
			WorkloadData::Zmachine(m) => {
				Capacity { cru: u64::from(m.cpu), mru: m.memory, sru: m.size, hru: 0 }
			},
			WorkloadData::Zmount(z) => Capacity { sru: z.size, ..Capacity::default() },
			WorkloadData::Network(_) | WorkloadData::Ip(_) => Capacity::default(),
		}
	}
}

impl Workload {
	/// Declared capacity of this workload.
	pub fn capacity(&self) -> Capacity {
		self.data.capacity()
	}
}

impl Deployment {
	/// Declared capacity of all workloads, whatever their state
	/// (see [`Deployment::used_capacity`] for the billed part).
	pub fn capacity(&self) -> Capacity {
		self.workloads.iter().map(Workload::capacity).sum()
	}

	/// Number of `ip` workloads with `v4: true`: the public IPv4 addresses the contract needs.
	pub fn public_ips(&self) -> u32 {
		let n = self
			.workloads
			.iter()
			.filter(|w| matches!(w.data, WorkloadData::Ip(IpData { v4: true })))
			.count();
		u32::try_from(n).unwrap_or(u32::MAX)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::{NetworkData, ZmachineData, ZmountData};
	use crate::MIB;

	#[test]
	fn per_type_capacity() {
		let mut m = ZmachineData::new("probe", 2, 512 * MIB);
		m.size = 10 * MIB;
		assert_eq!(
			WorkloadData::Zmachine(m).capacity(),
			Capacity { cru: 2, mru: 512 * MIB, sru: 10 * MIB, hru: 0 }
		);
		assert_eq!(
			WorkloadData::Zmount(ZmountData { size: 3 * MIB }).capacity(),
			Capacity { cru: 0, mru: 0, sru: 3 * MIB, hru: 0 }
		);
		let net = NetworkData { ip_range: "10.0.0.0/16".into(), subnet: "10.0.1.0/24".into() };
		assert!(WorkloadData::Network(net).capacity().is_zero());
		assert!(WorkloadData::Ip(IpData { v4: true }).capacity().is_zero());
	}

	#[test]
	fn deployment_sums_and_counts_ips() {
		let d = crate::tests::sample();
		// sample: zmount 1 GiB, network, ip v4, zmachine 2 cpu / 256 MiB / rootfs 100 MiB
		assert_eq!(
			d.capacity(),
			Capacity { cru: 2, mru: 256 * MIB, sru: 1024 * MIB + 100 * MIB, hru: 0 }
		);
		assert_eq!(d.public_ips(), 1);
		let mut d2 = d.clone();
		d2.workloads.push(Workload::new("v6only", WorkloadData::Ip(IpData { v4: false })));
		d2.workloads.push(Workload::new("pub2", WorkloadData::Ip(IpData { v4: true })));
		assert_eq!(d2.public_ips(), 2);
	}

	#[test]
	fn add_saturates() {
		let a = Capacity { cru: u64::MAX, mru: 1, sru: 2, hru: 3 };
		let b = Capacity { cru: 1, mru: 1, sru: 1, hru: 1 };
		assert_eq!(a + b, Capacity { cru: u64::MAX, mru: 2, sru: 3, hru: 4 });
		let mut c = b;
		c += b;
		assert_eq!(c, Capacity { cru: 2, mru: 2, sru: 2, hru: 2 });
	}
}
