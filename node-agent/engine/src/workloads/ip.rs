//! Public IPv4 workloads: take the first free address of the contract's chain-allocated
//! `public_ips` and record it. The zmachine that names the ip workload gets a public tap, and the
//! address and gateway go on its kernel command line.

use std::{net::Ipv4Addr, str::FromStr};

use serde_json::json;
use tfchain_deployment::IpData;

use super::WorkloadError;
use crate::{store::DeploymentRecord, PublicIp};

/// Takes (or keeps) a public IP for the ip workload `name`.
pub(crate) fn provision(
	rec: &mut DeploymentRecord,
	name: &str,
	data: &IpData,
) -> Result<serde_json::Value, WorkloadError> {
	if !data.v4 {
		return Err(WorkloadError::Unsupported("only IPv4 public IPs are supported".into()));
	}
	let keep = rec.ips.get(name).filter(|ip| rec.public_ips.contains(ip)).cloned();
	let ip = match keep {
		Some(ip) => ip,
		None => {
			let taken: Vec<&PublicIp> = rec
				.ips
				.iter()
				.filter(|(other, _)| other.as_str() != name)
				.map(|(_, ip)| ip)
				.collect();
			let free = rec
				.public_ips
				.iter()
				.find(|ip| !taken.contains(ip))
				.cloned()
				.ok_or(WorkloadError::NoPublicIp { allocated: rec.public_ips.len() })?;
			parse_cidr(&free.ip)?;
			Ipv4Addr::from_str(&free.gateway).map_err(|_| {
				WorkloadError::Network(format!("invalid gateway {:?} on chain", free.gateway))
			})?;
			free
		},
	};
	rec.ips.insert(name.to_string(), ip.clone());
	Ok(json!({ "ip": ip.ip, "gateway": ip.gateway }))
}

/// Releases the address of an ip workload.
pub(crate) fn deprovision(rec: &mut DeploymentRecord, name: &str) {
	rec.ips.remove(name);
}

/// Parses `a.b.c.d/nn`.
pub(crate) fn parse_cidr(text: &str) -> Result<(Ipv4Addr, u8), WorkloadError> {
	let invalid = || WorkloadError::Network(format!("invalid address {text:?}"));
	let (addr, prefix) = text.split_once('/').ok_or_else(invalid)?;
	let addr = Ipv4Addr::from_str(addr).map_err(|_| invalid())?;
	let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
	if prefix > 32 {
		return Err(invalid());
	}
	Ok((addr, prefix))
}

/// Netmask of a prefix length.
pub(crate) fn netmask(prefix: u8) -> Ipv4Addr {
	let bits = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix.min(32))) };
	Ipv4Addr::from(bits)
}

/// Kernel `ip=` argument: `ip=<addr>::<gateway>:<netmask>::<iface>:off`.
pub(crate) fn kernel_ip_arg(
	addr: Ipv4Addr,
	prefix: u8,
	gateway: &str,
	iface: &str,
) -> Result<String, WorkloadError> {
	let gateway = Ipv4Addr::from_str(gateway)
		.map_err(|_| WorkloadError::Network(format!("invalid gateway {gateway:?}")))?;
	Ok(format!("ip={addr}::{gateway}:{}::{iface}:off", netmask(prefix)))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn cidr_and_kernel_arg() {
		assert_eq!(parse_cidr("185.1.2.3/24").unwrap(), (Ipv4Addr::new(185, 1, 2, 3), 24));
		assert!(parse_cidr("185.1.2.3").is_err());
		assert!(parse_cidr("185.1.2.3/33").is_err());
		assert_eq!(netmask(24), Ipv4Addr::new(255, 255, 255, 0));
		assert_eq!(netmask(0), Ipv4Addr::new(0, 0, 0, 0));
		assert_eq!(netmask(32), Ipv4Addr::new(255, 255, 255, 255));
		assert_eq!(
			kernel_ip_arg(Ipv4Addr::new(185, 1, 2, 3), 24, "185.1.2.1", "eth1").unwrap(),
			"ip=185.1.2.3::185.1.2.1:255.255.255.0::eth1:off"
		);
		assert!(kernel_ip_arg(Ipv4Addr::new(1, 1, 1, 1), 24, "nope", "eth0").is_err());
	}
}
