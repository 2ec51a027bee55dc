//! Updating a deployment: what changes between the current document and the next version.
//!
//! Rules for `old.upgrade(new)`:
//!
//! - `new` passes [`Deployment::validate`]; same `twin_id` and `contract_id`;
//!   `new.version == old.version + 1`;
//! - a workload whose version is `new.version` is an [`Change::Add`] when its name is new, an
//!   [`Change::Update`] when the name exists; an update keeps the type, never shrinks a zmount,
//!   and is refused for ip and network workloads (they cannot be updated in place);
//! - a workload with an older version must be in `old` unchanged (same version, type, data,
//!   metadata and description);
//! - names of `old` missing from `new` are [`Change::Remove`]d.
//!
//! Order of the result: all removes first, in reverse type order (zmachine, ip, network,
//! zmount), then adds and updates in type order (zmount, network, ip, zmachine). Within one type
//! the document order is kept (of `old` for removes, of `new` for the rest).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::DeploymentError;
use crate::model::{Deployment, Workload, WorkloadData, WorkloadType};

/// One step of an update, naming the workload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Change {
	/// Provision a new workload.
	Add(String),
	/// Change an existing workload in place.
	Update(String),
	/// Deprovision a workload.
	Remove(String),
}

impl Change {
	/// The workload this change is about.
	pub fn name(&self) -> &str {
		match self {
			Change::Add(n) | Change::Update(n) | Change::Remove(n) => n,
		}
	}
}

/// Checks one workload that has the new version and exists in `old`.
fn check_update(old: &Workload, new: &Workload) -> Result<(), DeploymentError> {
	if old.kind() != new.kind() {
		return Err(DeploymentError::TypeChanged {
			workload: new.name.clone(),
			old: old.kind(),
			new: new.kind(),
		});
	}
	if !new.kind().is_updatable() {
		return Err(DeploymentError::NotUpdatable { workload: new.name.clone(), kind: new.kind() });
	}
	if let (WorkloadData::Zmount(o), WorkloadData::Zmount(n)) = (&old.data, &new.data) {
		if n.size < o.size {
			return Err(DeploymentError::ZmountShrink {
				workload: new.name.clone(),
				old: o.size,
				new: n.size,
			});
		}
	}
	Ok(())
}

impl Deployment {
	/// The ordered changes that turn `self` (the current deployment) into `new` (see the
	/// [module docs](crate::upgrade) for the rules and the order).
	pub fn upgrade(&self, new: &Deployment) -> Result<Vec<Change>, DeploymentError> {
		new.validate()?;
		if new.twin_id != self.twin_id {
			return Err(DeploymentError::TwinChanged { old: self.twin_id, new: new.twin_id });
		}
		if new.contract_id != self.contract_id {
			return Err(DeploymentError::ContractChanged {
				old: self.contract_id,
				new: new.contract_id,
			});
		}
		if self.version.checked_add(1) != Some(new.version) {
			return Err(DeploymentError::VersionNotIncremented {
				old: self.version,
				new: new.version,
			});
		}

		let old_by_name: BTreeMap<&str, &Workload> =
			self.workloads.iter().map(|w| (w.name.as_str(), w)).collect();
		let mut forward: Vec<(WorkloadType, Change)> = Vec::new();
		for w in &new.workloads {
			let previous = old_by_name.get(w.name.as_str()).copied();
			if w.version == new.version {
				match previous {
					None => forward.push((w.kind(), Change::Add(w.name.clone()))),
					Some(old) => {
						check_update(old, w)?;
						forward.push((w.kind(), Change::Update(w.name.clone())));
					},
				}
				continue;
			}
			let Some(old) = previous else {
				return Err(DeploymentError::NewWorkloadOldVersion {
					workload: w.name.clone(),
					version: w.version,
					deployment_version: new.version,
				});
			};
			let unchanged = old.version == w.version
				&& old.data == w.data
				&& old.metadata == w.metadata
				&& old.description == w.description;
			if !unchanged {
				return Err(DeploymentError::ChangedWithoutVersion { workload: w.name.clone() });
			}
		}

		let new_names: BTreeSet<&str> = new.workloads.iter().map(|w| w.name.as_str()).collect();
		let mut removes: Vec<(WorkloadType, Change)> = self
			.workloads
			.iter()
			.filter(|w| !new_names.contains(w.name.as_str()))
			.map(|w| (w.kind(), Change::Remove(w.name.clone())))
			.collect();

		// stable sorts: document order within a type
		removes.sort_by_key(|(kind, _)| std::cmp::Reverse(*kind));
		forward.sort_by_key(|(kind, _)| *kind);
		Ok(removes.into_iter().chain(forward).map(|(_, change)| change).collect())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::{IpData, NetworkData, ZmachineData, ZmountData};
	use crate::state::{ResultState, WorkloadResult};
	use crate::tests::sample;
	use crate::MIB;

	/// The sample at version 1, everything from version 0, with results.
	fn current() -> Deployment {
		let mut d = sample();
		d.contract_id = 42;
		d.version = 1;
		d.set_all_results(&WorkloadResult::new(5, ResultState::Ok, ""));
		d
	}

	/// `current()` as the next version, no workload touched yet.
	fn next() -> Deployment {
		let mut d = current();
		d.version = 2;
		d
	}

	fn touch(d: &mut Deployment, name: &str, edit: impl FnOnce(&mut Workload)) {
		let version = d.version;
		if let Some(w) = d.workload_mut(name) {
			w.version = version;
			edit(w);
		}
	}

	fn vm(w: &mut Workload) -> &mut ZmachineData {
		match &mut w.data {
			WorkloadData::Zmachine(m) => m,
			_ => panic!("not a zmachine"),
		}
	}

	#[test]
	fn nothing_changed() {
		assert_eq!(current().upgrade(&next()), Ok(vec![]));
	}

	#[test]
	fn results_and_signatures_do_not_matter() {
		let mut n = next();
		n.set_all_results(&WorkloadResult::new(9, ResultState::Error, "x"));
		n.signature_requirement.signatures.clear();
		n.metadata = "new metadata".into();
		assert_eq!(current().upgrade(&n), Ok(vec![]));
	}

	#[test]
	fn twin_contract_and_version() {
		let old = current();
		let mut n = next();
		n.twin_id = 2;
		n.signature_requirement = crate::SignatureRequirement::single(2);
		assert_eq!(old.upgrade(&n), Err(DeploymentError::TwinChanged { old: 1, new: 2 }));
		let mut n = next();
		n.contract_id = 43;
		assert_eq!(old.upgrade(&n), Err(DeploymentError::ContractChanged { old: 42, new: 43 }));
		for v in [0, 1, 3] {
			let mut n = next();
			n.version = v;
			assert_eq!(
				old.upgrade(&n),
				Err(DeploymentError::VersionNotIncremented { old: 1, new: v })
			);
		}
		let mut max = current();
		max.version = u32::MAX;
		let mut n = max.clone();
		n.version = 0;
		assert_eq!(
			max.upgrade(&n),
			Err(DeploymentError::VersionNotIncremented { old: u32::MAX, new: 0 })
		);
	}

	#[test]
	fn new_must_be_valid() {
		let mut n = next();
		touch(&mut n, "vm", |w| vm(w).cpu = 0);
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::CpuOutOfRange { workload: "vm".into(), cpu: 0 })
		);
	}

	#[test]
	fn add_and_update() {
		let mut n = next();
		touch(&mut n, "vm", |w| vm(w).memory = 512 * MIB);
		let mut added = Workload::new("disk2", WorkloadData::Zmount(ZmountData { size: MIB }));
		added.version = 2;
		n.workloads.push(added);
		touch(&mut n, "vm", |w| vm(w).mounts.push("disk2".into()));
		assert_eq!(
			current().upgrade(&n),
			Ok(vec![Change::Add("disk2".into()), Change::Update("vm".into())])
		);
	}

	#[test]
	fn update_with_only_metadata_is_an_update() {
		let mut n = next();
		touch(&mut n, "disk", |w| w.description = "bigger soon".into());
		assert_eq!(current().upgrade(&n), Ok(vec![Change::Update("disk".into())]));
	}

	#[test]
	fn zmount_grow_ok_shrink_rejected() {
		let mut n = next();
		touch(&mut n, "disk", |w| w.data = WorkloadData::Zmount(ZmountData { size: 2048 * MIB }));
		assert_eq!(current().upgrade(&n), Ok(vec![Change::Update("disk".into())]));
		let mut n = next();
		touch(&mut n, "disk", |w| w.data = WorkloadData::Zmount(ZmountData { size: 512 * MIB }));
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::ZmountShrink {
				workload: "disk".into(),
				old: 1024 * MIB,
				new: 512 * MIB
			})
		);
	}

	#[test]
	fn type_change_rejected() {
		let mut n = next();
		// "pub" becomes a zmount; the vm no longer uses it
		touch(&mut n, "vm", |w| vm(w).public_ip = None);
		touch(&mut n, "pub", |w| w.data = WorkloadData::Zmount(ZmountData { size: MIB }));
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::TypeChanged {
				workload: "pub".into(),
				old: WorkloadType::Ip,
				new: WorkloadType::Zmount
			})
		);
	}

	#[test]
	fn ip_and_network_not_updatable() {
		let mut n = next();
		touch(&mut n, "pub", |w| w.data = WorkloadData::Ip(IpData { v4: true }));
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::NotUpdatable { workload: "pub".into(), kind: WorkloadType::Ip })
		);
		let mut n = next();
		touch(&mut n, "net", |w| {
			w.data = WorkloadData::Network(NetworkData {
				ip_range: "10.20.0.0/16".into(),
				subnet: "10.20.1.0/24".into(),
			})
		});
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::NotUpdatable {
				workload: "net".into(),
				kind: WorkloadType::Network
			})
		);
	}

	#[test]
	fn unversioned_change_rejected() {
		type Edit = fn(&mut Workload);
		let edits: [(&str, Edit); 4] = [
			("data", |w| vm(w).memory = 512 * MIB),
			("metadata", |w| w.metadata = "x".into()),
			("description", |w| w.description = "x".into()),
			("older version", |w| w.version = 0),
		];
		let mut old = current();
		if let Some(w) = old.workload_mut("vm") {
			w.version = 1;
		}
		for (what, edit) in edits {
			let mut n = old.clone();
			n.version = 2;
			if let Some(w) = n.workload_mut("vm") {
				edit(w);
			}
			assert_eq!(
				old.upgrade(&n),
				Err(DeploymentError::ChangedWithoutVersion { workload: "vm".into() }),
				"{what}"
			);
		}
	}

	#[test]
	fn new_workload_needs_new_version() {
		let mut n = next();
		let mut added = Workload::new("disk2", WorkloadData::Zmount(ZmountData { size: MIB }));
		added.version = 1;
		n.workloads.push(added);
		assert_eq!(
			current().upgrade(&n),
			Err(DeploymentError::NewWorkloadOldVersion {
				workload: "disk2".into(),
				version: 1,
				deployment_version: 2
			})
		);
	}

	#[test]
	fn removes() {
		let mut n = next();
		n.workloads.retain(|w| w.name != "vm");
		assert_eq!(current().upgrade(&n), Ok(vec![Change::Remove("vm".into())]));
	}

	#[test]
	fn ordering() {
		// old: two of each type, in a scrambled document order
		let mk_vm = |image: &str| WorkloadData::Zmachine(ZmachineData::new(image, 1, 64 * MIB));
		let mk_net = |third: u8| {
			WorkloadData::Network(NetworkData {
				ip_range: "10.0.0.0/8".into(),
				subnet: format!("10.0.{third}.0/24"),
			})
		};
		let zm = |size: u64| WorkloadData::Zmount(ZmountData { size: size * MIB });
		let ip = WorkloadData::Ip(IpData { v4: true });
		let mut old = Deployment::new(
			1,
			vec![
				Workload::new("m1", mk_vm("probe")),
				Workload::new("i1", ip.clone()),
				Workload::new("z1", zm(1)),
				Workload::new("n1", mk_net(1)),
				Workload::new("m2", mk_vm("probe")),
				Workload::new("z2", zm(1)),
				Workload::new("n2", mk_net(2)),
				Workload::new("i2", ip.clone()),
				Workload::new("keep", zm(1)),
				Workload::new("grow", zm(1)),
				Workload::new("vmu", mk_vm("probe")),
			],
		);
		old.contract_id = 5;
		let mut new = old.clone();
		new.version = 1;
		// remove m1, i1, z1, n1, m2, z2, n2, i2; add one of each type; update grow and vmu
		new.workloads.retain(|w| ["keep", "grow", "vmu"].contains(&w.name.as_str()));
		let added =
			[("a-vm", mk_vm("probe")), ("a-ip", ip), ("a-net", mk_net(3)), ("a-disk", zm(2))];
		for (name, data) in added {
			let mut w = Workload::new(name, data);
			w.version = 1;
			new.workloads.push(w);
		}
		touch(&mut new, "vmu", |w| vm(w).cpu = 2);
		touch(&mut new, "grow", |w| w.data = WorkloadData::Zmount(ZmountData { size: 3 * MIB }));

		let changes = old.upgrade(&new).expect("valid upgrade");
		let expected = vec![
			Change::Remove("m1".into()),
			Change::Remove("m2".into()),
			Change::Remove("i1".into()),
			Change::Remove("i2".into()),
			Change::Remove("n1".into()),
			Change::Remove("n2".into()),
			Change::Remove("z1".into()),
			Change::Remove("z2".into()),
			Change::Update("grow".into()),
			Change::Add("a-disk".into()),
			Change::Add("a-net".into()),
			Change::Add("a-ip".into()),
			Change::Update("vmu".into()),
			Change::Add("a-vm".into()),
		];
		assert_eq!(changes, expected);
		assert_eq!(changes.first().map(Change::name), Some("m1"));
	}
}
