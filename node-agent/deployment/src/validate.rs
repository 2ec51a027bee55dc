//! Structural validation of a deployment (no chain, no keys).
//!
//! Rules (the first broken one is reported):
//!
//! - at least one workload; signature requests list each twin once;
//! - names: non-empty, at most [`MAX_NAME_LEN`] characters of `[a-z0-9_-]`, unique;
//! - every workload's version ≤ the deployment's version;
//! - zmount: size > 0 and a multiple of 1 MiB;
//! - network: `ip_range` and `subnet` are IPv4 networks in CIDR notation (host bits zero),
//!   `subnet` is a /24 inside `ip_range`;
//! - zmachine: non-empty image; cpu in 1..=[`MAX_CPU`]; memory ≥ [`MIN_MEMORY`] and a multiple
//!   of 1 MiB; rootfs size a multiple of 1 MiB (0 allowed); each mount names a zmount of this
//!   deployment and no zmount is mounted twice (by one or two machines); `network` names a
//!   network of this deployment; `ip` needs a `network`, lies in its subnet, is not `.0`, `.1`
//!   (gateway) or `.255`, and is not taken by another machine on that network; `public_ip` names
//!   an ip workload of this deployment not used by another machine.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use crate::error::DeploymentError;
use crate::model::{Deployment, NetworkData, Workload, WorkloadData, WorkloadType, ZmachineData};

/// Longest workload name, in characters.
pub const MAX_NAME_LEN: usize = 64;
/// Most virtual CPUs of a zmachine.
pub const MAX_CPU: u8 = 32;
/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;
/// Least memory of a zmachine, in bytes (64 MiB).
pub const MIN_MEMORY: u64 = 64 * MIB;

/// An IPv4 network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
	addr: u32,
	prefix: u8,
}

impl Cidr {
	/// Parses `a.b.c.d/n`; the host bits must be zero.
	fn parse(text: &str) -> Option<Cidr> {
		let (addr, prefix) = text.split_once('/')?;
		let addr: Ipv4Addr = addr.parse().ok()?;
		// only plain decimal digits for the prefix (no sign, no spaces)
		if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
			return None;
		}
		let prefix: u8 = prefix.parse().ok()?;
		let cidr = Cidr { addr: u32::from(addr), prefix };
		(prefix <= 32 && cidr.addr & !cidr.mask() == 0).then_some(cidr)
	}

	fn mask(self) -> u32 {
		// prefix 0 shifts by 32 (None: mask 0); a prefix above 32 is treated as 32
		u32::MAX.checked_shl(32u32.saturating_sub(u32::from(self.prefix))).unwrap_or(0)
	}

	fn contains(self, addr: u32) -> bool {
		addr & self.mask() == self.addr
	}

	/// Whether `inner` lies entirely inside `self`.
	fn covers(self, inner: Cidr) -> bool {
		inner.prefix >= self.prefix && self.contains(inner.addr)
	}
}

fn validate_name(name: &str) -> Result<(), DeploymentError> {
	if name.is_empty() {
		return Err(DeploymentError::EmptyName);
	}
	if name.chars().count() > MAX_NAME_LEN {
		return Err(DeploymentError::NameTooLong { name: name.to_owned(), max: MAX_NAME_LEN });
	}
	let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
	if !name.chars().all(ok) {
		return Err(DeploymentError::InvalidNameChars { name: name.to_owned() });
	}
	Ok(())
}

/// Checks a network's own fields and returns its subnet.
fn validate_network(workload: &str, n: &NetworkData) -> Result<Cidr, DeploymentError> {
	let invalid = |field: &'static str, value: &str| DeploymentError::InvalidCidr {
		workload: workload.to_owned(),
		field,
		value: value.to_owned(),
	};
	let range = Cidr::parse(&n.ip_range).ok_or_else(|| invalid("ip_range", &n.ip_range))?;
	let subnet = Cidr::parse(&n.subnet).ok_or_else(|| invalid("subnet", &n.subnet))?;
	if subnet.prefix != 24 {
		return Err(DeploymentError::SubnetNotSlash24 {
			workload: workload.to_owned(),
			subnet: n.subnet.clone(),
		});
	}
	if !range.covers(subnet) {
		return Err(DeploymentError::SubnetOutsideRange {
			workload: workload.to_owned(),
			subnet: n.subnet.clone(),
			ip_range: n.ip_range.clone(),
		});
	}
	Ok(subnet)
}

/// What the zmachine checks need to know about the other workloads.
struct Context<'a> {
	by_name: BTreeMap<&'a str, &'a Workload>,
	subnets: BTreeMap<&'a str, Cidr>,
	/// zmount name -> zmachine that mounts it
	mounted: BTreeMap<&'a str, &'a str>,
	/// ip workload name -> zmachine that uses it
	public_ips: BTreeMap<&'a str, &'a str>,
	/// (network, address) -> zmachine
	addresses: BTreeMap<(&'a str, u32), &'a str>,
}

impl<'a> Context<'a> {
	/// The workload `reference` must exist and have type `expected`.
	fn resolve(
		&self,
		workload: &str,
		reference: &'a str,
		expected: WorkloadType,
	) -> Result<&'a Workload, DeploymentError> {
		let Some(target) = self.by_name.get(reference) else {
			return Err(DeploymentError::UnknownReference {
				workload: workload.to_owned(),
				reference: reference.to_owned(),
				expected,
			});
		};
		if target.kind() != expected {
			return Err(DeploymentError::WrongReferenceType {
				workload: workload.to_owned(),
				reference: reference.to_owned(),
				expected,
				found: target.kind(),
			});
		}
		Ok(target)
	}

	fn validate_zmachine(
		&mut self,
		name: &'a str,
		m: &'a ZmachineData,
	) -> Result<(), DeploymentError> {
		let workload = || name.to_owned();
		if m.image.is_empty() {
			return Err(DeploymentError::EmptyImage { workload: workload() });
		}
		if m.cpu == 0 || m.cpu > MAX_CPU {
			return Err(DeploymentError::CpuOutOfRange { workload: workload(), cpu: m.cpu });
		}
		if m.memory < MIN_MEMORY {
			return Err(DeploymentError::MemoryTooSmall { workload: workload(), memory: m.memory });
		}
		if !m.memory.is_multiple_of(MIB) {
			return Err(DeploymentError::MemoryNotMibAligned {
				workload: workload(),
				memory: m.memory,
			});
		}
		if !m.size.is_multiple_of(MIB) {
			return Err(DeploymentError::RootfsNotMibAligned {
				workload: workload(),
				size: m.size,
			});
		}
		for mount in &m.mounts {
			self.resolve(name, mount, WorkloadType::Zmount)?;
			if let Some(used_by) = self.mounted.insert(mount, name) {
				return Err(DeploymentError::ZmountInUse {
					workload: workload(),
					zmount: mount.clone(),
					used_by: used_by.to_owned(),
				});
			}
		}
		match (&m.network, &m.ip) {
			(None, Some(_)) => {
				return Err(DeploymentError::IpWithoutNetwork { workload: workload() })
			},
			(None, None) => {},
			(Some(network), ip) => {
				self.resolve(name, network, WorkloadType::Network)?;
				if let Some(ip) = ip {
					self.validate_ip(name, network, ip)?;
				}
			},
		}
		if let Some(public_ip) = &m.public_ip {
			self.resolve(name, public_ip, WorkloadType::Ip)?;
			if let Some(used_by) = self.public_ips.insert(public_ip, name) {
				return Err(DeploymentError::PublicIpInUse {
					workload: workload(),
					ip_workload: public_ip.clone(),
					used_by: used_by.to_owned(),
				});
			}
		}
		Ok(())
	}

	fn validate_ip(
		&mut self,
		name: &'a str,
		network: &'a str,
		ip: &str,
	) -> Result<(), DeploymentError> {
		let addr: Ipv4Addr = ip.parse().map_err(|_| DeploymentError::InvalidIp {
			workload: name.to_owned(),
			ip: ip.to_owned(),
		})?;
		let addr = u32::from(addr);
		// resolve() succeeded, so the network exists and its subnet was recorded
		let Some(subnet) = self.subnets.get(network).copied() else {
			return Err(DeploymentError::UnknownReference {
				workload: name.to_owned(),
				reference: network.to_owned(),
				expected: WorkloadType::Network,
			});
		};
		if !subnet.contains(addr) {
			let subnet_text = match self.by_name.get(network).map(|w| &w.data) {
				Some(WorkloadData::Network(n)) => n.subnet.clone(),
				_ => String::new(),
			};
			return Err(DeploymentError::IpOutsideSubnet {
				workload: name.to_owned(),
				ip: ip.to_owned(),
				subnet: subnet_text,
			});
		}
		if matches!(addr & 0xff, 0 | 1 | 255) {
			return Err(DeploymentError::ReservedIp {
				workload: name.to_owned(),
				ip: ip.to_owned(),
			});
		}
		if let Some(used_by) = self.addresses.insert((network, addr), name) {
			return Err(DeploymentError::DuplicateIp {
				workload: name.to_owned(),
				ip: ip.to_owned(),
				network: network.to_owned(),
				used_by: used_by.to_owned(),
			});
		}
		Ok(())
	}
}

impl Deployment {
	/// Checks the structure: names, versions, sizes, references (see the
	/// [module docs](crate::validate) for the rules). Signatures are checked by
	/// [`Deployment::verify_signatures`].
	pub fn validate(&self) -> Result<(), DeploymentError> {
		if self.workloads.is_empty() {
			return Err(DeploymentError::NoWorkloads);
		}
		self.signature_requirement.check_requests()?;

		let mut names = BTreeSet::new();
		for w in &self.workloads {
			validate_name(&w.name)?;
			if !names.insert(w.name.as_str()) {
				return Err(DeploymentError::DuplicateName { name: w.name.clone() });
			}
			if w.version > self.version {
				return Err(DeploymentError::WorkloadVersionTooHigh {
					workload: w.name.clone(),
					version: w.version,
					deployment_version: self.version,
				});
			}
		}

		let mut ctx = Context {
			by_name: self.workloads.iter().map(|w| (w.name.as_str(), w)).collect(),
			subnets: BTreeMap::new(),
			mounted: BTreeMap::new(),
			public_ips: BTreeMap::new(),
			addresses: BTreeMap::new(),
		};
		// own fields of every workload first, so references see checked targets
		for w in &self.workloads {
			match &w.data {
				WorkloadData::Zmount(z) => {
					if z.size == 0 {
						return Err(DeploymentError::ZmountSizeZero { workload: w.name.clone() });
					}
					if !z.size.is_multiple_of(MIB) {
						return Err(DeploymentError::ZmountNotMibAligned {
							workload: w.name.clone(),
							size: z.size,
						});
					}
				},
				WorkloadData::Network(n) => {
					let subnet = validate_network(&w.name, n)?;
					ctx.subnets.insert(w.name.as_str(), subnet);
				},
				WorkloadData::Ip(_) | WorkloadData::Zmachine(_) => {},
			}
		}
		for w in &self.workloads {
			if let WorkloadData::Zmachine(m) = &w.data {
				ctx.validate_zmachine(&w.name, m)?;
			}
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::{IpData, SignatureRequest, ZmountData};
	use crate::tests::sample;

	fn vm(d: &mut Deployment) -> &mut ZmachineData {
		match d.workload_mut("vm").map(|w| &mut w.data) {
			Some(WorkloadData::Zmachine(m)) => m,
			_ => panic!("sample has a zmachine called vm"),
		}
	}

	fn net(d: &mut Deployment) -> &mut NetworkData {
		match d.workload_mut("net").map(|w| &mut w.data) {
			Some(WorkloadData::Network(n)) => n,
			_ => panic!("sample has a network called net"),
		}
	}

	fn err(d: &Deployment) -> DeploymentError {
		match d.validate() {
			Ok(()) => panic!("expected an error"),
			Err(e) => e,
		}
	}

	#[test]
	fn sample_is_valid() {
		assert_eq!(sample().validate(), Ok(()));
	}

	#[test]
	fn no_workloads() {
		let mut d = sample();
		d.workloads.clear();
		assert_eq!(err(&d), DeploymentError::NoWorkloads);
	}

	#[test]
	fn duplicate_request() {
		let mut d = sample();
		d.signature_requirement.requests.push(SignatureRequest {
			twin_id: 1,
			required: false,
			weight: 1,
		});
		assert_eq!(err(&d), DeploymentError::DuplicateRequest { twin_id: 1 });
	}

	#[test]
	fn names() {
		// an extra, unreferenced workload at index 4 gets the names under test
		let mut d = sample();
		d.workloads.push(Workload::new("extra", WorkloadData::Ip(IpData { v4: false })));
		assert_eq!(d.validate(), Ok(()));
		d.workloads[4].name = String::new();
		assert_eq!(err(&d), DeploymentError::EmptyName);

		d.workloads[4].name = "a".repeat(64);
		assert_eq!(d.validate(), Ok(()), "64 characters are fine");
		d.workloads[4].name = "a".repeat(65);
		assert_eq!(err(&d), DeploymentError::NameTooLong { name: "a".repeat(65), max: 64 });

		for bad in ["Extra", "ex tra", "ex.tra", "ex/tra", "exträ", "extra\n"] {
			d.workloads[4].name = bad.into();
			assert_eq!(err(&d), DeploymentError::InvalidNameChars { name: bad.into() }, "{bad:?}");
		}
		d.workloads[4].name = "a-b_c9".into();
		assert_eq!(d.validate(), Ok(()));

		d.workloads[4].name = "disk".into();
		assert_eq!(err(&d), DeploymentError::DuplicateName { name: "disk".into() });
	}

	#[test]
	fn workload_version_not_above_deployment() {
		let mut d = sample();
		d.version = 2;
		d.workloads[1].version = 2;
		assert_eq!(d.validate(), Ok(()));
		d.workloads[1].version = 3;
		assert_eq!(
			err(&d),
			DeploymentError::WorkloadVersionTooHigh {
				workload: "net".into(),
				version: 3,
				deployment_version: 2
			}
		);
	}

	#[test]
	fn zmachine_cpu() {
		let mut d = sample();
		for (cpu, ok) in [(0, false), (1, true), (32, true), (33, false), (255, false)] {
			vm(&mut d).cpu = cpu;
			if ok {
				assert_eq!(d.validate(), Ok(()), "cpu {cpu}");
			} else {
				assert_eq!(err(&d), DeploymentError::CpuOutOfRange { workload: "vm".into(), cpu });
			}
		}
	}

	#[test]
	fn zmachine_memory() {
		let mut d = sample();
		vm(&mut d).memory = 64 * MIB;
		assert_eq!(d.validate(), Ok(()));
		vm(&mut d).memory = 63 * MIB;
		assert_eq!(
			err(&d),
			DeploymentError::MemoryTooSmall { workload: "vm".into(), memory: 63 * MIB }
		);
		vm(&mut d).memory = 0;
		assert!(matches!(err(&d), DeploymentError::MemoryTooSmall { .. }));
		vm(&mut d).memory = 64 * MIB + 1;
		assert_eq!(
			err(&d),
			DeploymentError::MemoryNotMibAligned { workload: "vm".into(), memory: 64 * MIB + 1 }
		);
	}

	#[test]
	fn zmachine_rootfs_and_image() {
		let mut d = sample();
		vm(&mut d).size = 0;
		assert_eq!(d.validate(), Ok(()));
		vm(&mut d).size = 512;
		assert_eq!(
			err(&d),
			DeploymentError::RootfsNotMibAligned { workload: "vm".into(), size: 512 }
		);
		let mut d = sample();
		vm(&mut d).image.clear();
		assert_eq!(err(&d), DeploymentError::EmptyImage { workload: "vm".into() });
	}

	#[test]
	fn zmachine_mounts() {
		let mut d = sample();
		vm(&mut d).mounts.push("nope".into());
		assert_eq!(
			err(&d),
			DeploymentError::UnknownReference {
				workload: "vm".into(),
				reference: "nope".into(),
				expected: WorkloadType::Zmount
			}
		);
		let mut d = sample();
		vm(&mut d).mounts = vec!["net".into()];
		assert_eq!(
			err(&d),
			DeploymentError::WrongReferenceType {
				workload: "vm".into(),
				reference: "net".into(),
				expected: WorkloadType::Zmount,
				found: WorkloadType::Network
			}
		);
		// no mounts at all is fine
		let mut d = sample();
		vm(&mut d).mounts.clear();
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn zmount_used_once() {
		// the same machine twice
		let mut d = sample();
		vm(&mut d).mounts.push("disk".into());
		assert_eq!(
			err(&d),
			DeploymentError::ZmountInUse {
				workload: "vm".into(),
				zmount: "disk".into(),
				used_by: "vm".into()
			}
		);
		// two machines
		let mut d = sample();
		let mut second = ZmachineData::new("probe", 1, 64 * MIB);
		second.mounts = vec!["disk".into()];
		d.workloads.push(Workload::new("vm2", WorkloadData::Zmachine(second)));
		assert_eq!(
			err(&d),
			DeploymentError::ZmountInUse {
				workload: "vm2".into(),
				zmount: "disk".into(),
				used_by: "vm".into()
			}
		);
	}

	#[test]
	fn zmachine_network_reference() {
		let mut d = sample();
		vm(&mut d).network = Some("other".into());
		assert_eq!(
			err(&d),
			DeploymentError::UnknownReference {
				workload: "vm".into(),
				reference: "other".into(),
				expected: WorkloadType::Network
			}
		);
		vm(&mut d).network = Some("disk".into());
		assert_eq!(
			err(&d),
			DeploymentError::WrongReferenceType {
				workload: "vm".into(),
				reference: "disk".into(),
				expected: WorkloadType::Network,
				found: WorkloadType::Zmount
			}
		);
		// no network and no ip is fine; an ip without a network is not
		let mut d = sample();
		vm(&mut d).network = None;
		vm(&mut d).ip = None;
		assert_eq!(d.validate(), Ok(()));
		vm(&mut d).ip = Some("10.20.1.5".into());
		assert_eq!(err(&d), DeploymentError::IpWithoutNetwork { workload: "vm".into() });
		// a network without a fixed ip is fine (the node picks one)
		let mut d = sample();
		vm(&mut d).ip = None;
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn zmachine_ip() {
		let mut d = sample();
		for ip in ["10.20.1.2", "10.20.1.254", "10.20.1.100"] {
			vm(&mut d).ip = Some(ip.into());
			assert_eq!(d.validate(), Ok(()), "{ip}");
		}
		for ip in ["10.20.1.0", "10.20.1.1", "10.20.1.255"] {
			vm(&mut d).ip = Some(ip.into());
			assert_eq!(
				err(&d),
				DeploymentError::ReservedIp { workload: "vm".into(), ip: ip.into() }
			);
		}
		for ip in ["10.20.2.5", "10.21.1.5", "192.168.1.5"] {
			vm(&mut d).ip = Some(ip.into());
			assert_eq!(
				err(&d),
				DeploymentError::IpOutsideSubnet {
					workload: "vm".into(),
					ip: ip.into(),
					subnet: "10.20.1.0/24".into()
				}
			);
		}
		for ip in ["", "10.20.1", "10.20.1.256", "10.20.1.5/24", "fe80::1", " 10.20.1.5"] {
			vm(&mut d).ip = Some(ip.into());
			assert_eq!(
				err(&d),
				DeploymentError::InvalidIp { workload: "vm".into(), ip: ip.into() }
			);
		}
	}

	#[test]
	fn duplicate_ip_on_a_network() {
		let mut d = sample();
		let mut second = ZmachineData::new("probe", 1, 64 * MIB);
		second.network = Some("net".into());
		second.ip = Some("10.20.1.2".into());
		d.workloads.push(Workload::new("vm2", WorkloadData::Zmachine(second)));
		assert_eq!(
			err(&d),
			DeploymentError::DuplicateIp {
				workload: "vm2".into(),
				ip: "10.20.1.2".into(),
				network: "net".into(),
				used_by: "vm".into()
			}
		);
		if let Some(WorkloadData::Zmachine(m)) = d.workloads.last_mut().map(|w| &mut w.data) {
			m.ip = Some("10.20.1.3".into());
		}
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn zmachine_public_ip() {
		let mut d = sample();
		vm(&mut d).public_ip = Some("nope".into());
		assert_eq!(
			err(&d),
			DeploymentError::UnknownReference {
				workload: "vm".into(),
				reference: "nope".into(),
				expected: WorkloadType::Ip
			}
		);
		vm(&mut d).public_ip = Some("net".into());
		assert_eq!(
			err(&d),
			DeploymentError::WrongReferenceType {
				workload: "vm".into(),
				reference: "net".into(),
				expected: WorkloadType::Ip,
				found: WorkloadType::Network
			}
		);
		let mut d = sample();
		vm(&mut d).public_ip = None;
		assert_eq!(d.validate(), Ok(()));
		// one ip workload, two machines
		let mut d = sample();
		let mut second = ZmachineData::new("probe", 1, 64 * MIB);
		second.public_ip = Some("pub".into());
		d.workloads.push(Workload::new("vm2", WorkloadData::Zmachine(second)));
		assert_eq!(
			err(&d),
			DeploymentError::PublicIpInUse {
				workload: "vm2".into(),
				ip_workload: "pub".into(),
				used_by: "vm".into()
			}
		);
		d.workloads.push(Workload::new("pub2", WorkloadData::Ip(IpData { v4: true })));
		if let Some(WorkloadData::Zmachine(m)) = d.workload_mut("vm2").map(|w| &mut w.data) {
			m.public_ip = Some("pub2".into());
		}
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn zmount_size() {
		let mut d = sample();
		d.workloads[0].data = WorkloadData::Zmount(ZmountData { size: 0 });
		assert_eq!(err(&d), DeploymentError::ZmountSizeZero { workload: "disk".into() });
		d.workloads[0].data = WorkloadData::Zmount(ZmountData { size: MIB + 512 });
		assert_eq!(
			err(&d),
			DeploymentError::ZmountNotMibAligned { workload: "disk".into(), size: MIB + 512 }
		);
		d.workloads[0].data = WorkloadData::Zmount(ZmountData { size: MIB });
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn network_cidrs() {
		let mut d = sample();
		for (range, subnet) in [
			("10.20.0.0/16", "10.20.255.0/24"),
			("10.20.1.0/24", "10.20.1.0/24"),
			("0.0.0.0/0", "1.2.3.0/24"),
		] {
			*net(&mut d) = NetworkData { ip_range: range.into(), subnet: subnet.into() };
			vm(&mut d).ip = None;
			assert_eq!(d.validate(), Ok(()), "{range} {subnet}");
		}
		let mut d = sample();
		for bad in [
			"10.20.0.0",
			"10.20.0.0/",
			"10.20.0.0/33",
			"10.20.0.1/16",
			"10.20.0/16",
			"10.20.0.0/+8",
			"x/16",
			"10.20.0.0/016",
		] {
			net(&mut d).ip_range = bad.into();
			assert_eq!(
				err(&d),
				DeploymentError::InvalidCidr {
					workload: "net".into(),
					field: "ip_range",
					value: bad.into()
				},
				"{bad}"
			);
		}
		let mut d = sample();
		net(&mut d).subnet = "10.20.1.5/24".into();
		assert_eq!(
			err(&d),
			DeploymentError::InvalidCidr {
				workload: "net".into(),
				field: "subnet",
				value: "10.20.1.5/24".into()
			}
		);
		net(&mut d).subnet = "10.20.0.0/23".into();
		assert_eq!(
			err(&d),
			DeploymentError::SubnetNotSlash24 {
				workload: "net".into(),
				subnet: "10.20.0.0/23".into()
			}
		);
		net(&mut d).subnet = "10.20.1.128/25".into();
		assert!(matches!(err(&d), DeploymentError::SubnetNotSlash24 { .. }));
		net(&mut d).subnet = "10.21.1.0/24".into();
		assert_eq!(
			err(&d),
			DeploymentError::SubnetOutsideRange {
				workload: "net".into(),
				subnet: "10.21.1.0/24".into(),
				ip_range: "10.20.0.0/16".into()
			}
		);
		// a range narrower than the subnet cannot hold it
		*net(&mut d) =
			NetworkData { ip_range: "10.20.1.0/25".into(), subnet: "10.20.1.0/24".into() };
		assert!(matches!(err(&d), DeploymentError::SubnetOutsideRange { .. }));
	}

	#[test]
	fn cidr_parsing() {
		assert_eq!(Cidr::parse("10.0.0.0/8"), Some(Cidr { addr: 0x0a00_0000, prefix: 8 }));
		assert_eq!(Cidr::parse("0.0.0.0/0").map(Cidr::mask), Some(0));
		assert_eq!(Cidr::parse("1.2.3.4/32").map(Cidr::mask), Some(u32::MAX));
		assert_eq!(Cidr::parse("1.2.3.5/31"), None);
		assert!(Cidr::parse("1.2.3.4/31").is_some());
		let range = Cidr { addr: 0x0a14_0000, prefix: 16 };
		assert!(range.covers(Cidr { addr: 0x0a14_0100, prefix: 24 }));
		assert!(!range.covers(Cidr { addr: 0x0a00_0000, prefix: 8 }));
	}
}
