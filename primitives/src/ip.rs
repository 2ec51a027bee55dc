//! Validation of the addresses farmers and nodes register: public IPv4/IPv6 with gateway,
//! node public configs, interface addresses and MAC addresses.
//!
//! Parsing uses `core::net`, so it runs the same in the wasm runtime and natively.

use crate::grid::{PublicConfig, IP4, IP6};
use core::{
	net::{IpAddr, Ipv4Addr, Ipv6Addr},
	str::FromStr,
};

/// Why an address was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PublicIpError {
	/// The IPv4 address is not `a.b.c.d/prefix`.
	InvalidIp4,
	/// The IPv4 gateway is not an IPv4 address.
	InvalidGw4,
	/// The IPv6 address is not `addr/prefix`.
	InvalidIp6,
	/// The IPv6 gateway is not an IPv6 address.
	InvalidGw6,
	/// Address and gateway parse but are not a usable public pair: not public unicast, equal,
	/// or the gateway is outside the subnet.
	InvalidPublicIp,
	/// The domain holds bytes other than `[a-zA-Z0-9.-]`.
	InvalidDomain,
}

fn parse<T: FromStr>(bytes: &[u8]) -> Option<T> {
	core::str::from_utf8(bytes).ok()?.parse().ok()
}

fn parse_cidr<T: FromStr>(bytes: &[u8], max_prefix: u8) -> Option<(T, u8)> {
	let text = core::str::from_utf8(bytes).ok()?;
	let (addr, prefix) = text.split_once('/')?;
	let prefix: u8 = prefix.parse().ok()?;
	if prefix > max_prefix || prefix.to_string_len() != text.len() - addr.len() - 1 {
		return None;
	}
	Some((addr.parse().ok()?, prefix))
}

/// Rejects leading `+` and zero padding in the prefix, which `u8::from_str` would accept.
trait PrefixLen {
	fn to_string_len(&self) -> usize;
}

impl PrefixLen for u8 {
	fn to_string_len(&self) -> usize {
		match *self {
			0..=9 => 1,
			10..=99 => 2,
			_ => 3,
		}
	}
}

/// Whether `ip` is a public unicast IPv4 address: not private, loopback, link-local, shared
/// (CGNAT), documentation, benchmarking, reserved, multicast, broadcast or "this network".
pub fn is_public_unicast_v4(ip: &Ipv4Addr) -> bool {
	let [a, b, c, _] = ip.octets();
	!(ip.is_private()
		|| ip.is_loopback()
		|| ip.is_link_local()
		|| ip.is_multicast()
		|| ip.is_broadcast()
		|| ip.is_documentation()
		|| a == 0
		|| a >= 240
		|| (a == 100 && (b & 0xc0) == 64)
		|| (a == 192 && b == 0 && c == 0)
		|| (a == 198 && (b & 0xfe) == 18))
}

/// Whether `ip` is a global unicast IPv6 address (in `2000::/3`, outside `2001:db8::/32`).
pub fn is_public_unicast_v6(ip: &Ipv6Addr) -> bool {
	let s = ip.segments();
	(s[0] & 0xe000) == 0x2000 && !(s[0] == 0x2001 && s[1] == 0x0db8)
}

fn v4_in_subnet(ip: Ipv4Addr, prefix: u8, other: Ipv4Addr) -> bool {
	let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix as u32) };
	(u32::from(ip) & mask) == (u32::from(other) & mask)
}

fn v6_in_subnet(ip: Ipv6Addr, prefix: u8, other: Ipv6Addr) -> bool {
	let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix as u32) };
	(u128::from(ip) & mask) == (u128::from(other) & mask)
}

/// Checks an IPv4 address with prefix and its gateway.
pub fn validate_ip4(ip: &[u8], gw: &[u8]) -> Result<(), PublicIpError> {
	let gw: Ipv4Addr = parse(gw).ok_or(PublicIpError::InvalidGw4)?;
	let (addr, prefix) = parse_cidr::<Ipv4Addr>(ip, 32).ok_or(PublicIpError::InvalidIp4)?;
	if addr == gw
		|| !is_public_unicast_v4(&addr)
		|| !is_public_unicast_v4(&gw)
		|| !v4_in_subnet(addr, prefix, gw)
	{
		return Err(PublicIpError::InvalidPublicIp);
	}
	Ok(())
}

/// Checks an IPv6 address with prefix and its gateway.
pub fn validate_ip6(ip: &[u8], gw: &[u8]) -> Result<(), PublicIpError> {
	let gw: Ipv6Addr = parse(gw).ok_or(PublicIpError::InvalidGw6)?;
	let (addr, prefix) = parse_cidr::<Ipv6Addr>(ip, 128).ok_or(PublicIpError::InvalidIp6)?;
	if addr == gw
		|| !is_public_unicast_v6(&addr)
		|| !is_public_unicast_v6(&gw)
		|| !v6_in_subnet(addr, prefix, gw)
	{
		return Err(PublicIpError::InvalidPublicIp);
	}
	Ok(())
}

impl IP4 {
	/// Checks the address and gateway (see [`validate_ip4`]).
	pub fn validate(&self) -> Result<(), PublicIpError> {
		validate_ip4(&self.ip, &self.gw)
	}
}

impl IP6 {
	/// Checks the address and gateway (see [`validate_ip6`]).
	pub fn validate(&self) -> Result<(), PublicIpError> {
		validate_ip6(&self.ip, &self.gw)
	}
}

/// Whether a domain holds only `[a-zA-Z0-9.-]`.
pub fn is_valid_domain(domain: &[u8]) -> bool {
	domain.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')
}

impl PublicConfig {
	/// Checks the domain, then the IPv4 pair, then the optional IPv6 pair.
	pub fn validate(&self) -> Result<(), PublicIpError> {
		if let Some(domain) = &self.domain {
			if !is_valid_domain(domain) {
				return Err(PublicIpError::InvalidDomain);
			}
		}
		self.ip4.validate()?;
		if let Some(ip6) = &self.ip6 {
			ip6.validate()?;
		}
		Ok(())
	}
}

/// Whether `bytes` is a plain IPv4 or IPv6 address (no prefix).
pub fn is_valid_interface_ip(bytes: &[u8]) -> bool {
	parse::<IpAddr>(bytes).is_some()
}

/// Whether `bytes` is a MAC address: six two-digit hex groups separated by `:` (or all by `-`).
pub fn is_valid_mac(bytes: &[u8]) -> bool {
	if bytes.len() != 17 {
		return false;
	}
	let separator = bytes[2];
	if separator != b':' && separator != b'-' {
		return false;
	}
	bytes.iter().enumerate().all(
		|(i, c)| {
			if i % 3 == 2 {
				*c == separator
			} else {
				c.is_ascii_hexdigit()
			}
		},
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ip4_rules() {
		assert_eq!(validate_ip4(b"185.206.122.33/24", b"185.206.122.1"), Ok(()));
		assert_eq!(
			validate_ip4(b"185.206.122.33/24", b"185.206.122"),
			Err(PublicIpError::InvalidGw4)
		);
		assert_eq!(
			validate_ip4(b"185.206.122.33", b"185.206.122.1"),
			Err(PublicIpError::InvalidIp4)
		);
		assert_eq!(
			validate_ip4(b"185.206.122.33/33", b"185.206.122.1"),
			Err(PublicIpError::InvalidIp4)
		);
		assert_eq!(
			validate_ip4(b"185.206.122.33/024", b"185.206.122.1"),
			Err(PublicIpError::InvalidIp4)
		);
		// Gateway outside the subnet, equal to the address, private, CGNAT, documentation.
		for (ip, gw) in [
			(&b"185.206.122.33/24"[..], &b"185.206.123.1"[..]),
			(b"185.206.122.33/24", b"185.206.122.33"),
			(b"10.0.0.5/24", b"10.0.0.1"),
			(b"100.64.0.5/24", b"100.64.0.1"),
			(b"192.0.2.5/24", b"192.0.2.1"),
			(b"127.0.0.2/8", b"127.0.0.1"),
			(b"224.0.0.5/24", b"224.0.0.1"),
		] {
			assert_eq!(validate_ip4(ip, gw), Err(PublicIpError::InvalidPublicIp), "{ip:?}");
		}
	}

	#[test]
	fn ip6_rules() {
		assert_eq!(validate_ip6(b"2a10:b600:1::0cc4:7a30:65b5/64", b"2a10:b600:1::1"), Ok(()));
		assert_eq!(
			validate_ip6(b"2a10:b600:1::0cc4/64", b"2a10:b600:1::g"),
			Err(PublicIpError::InvalidGw6)
		);
		assert_eq!(
			validate_ip6(b"2a10:b600:1::0cc4", b"2a10:b600:1::1"),
			Err(PublicIpError::InvalidIp6)
		);
		for (ip, gw) in [
			(&b"2a10:b600:1::0cc4/64"[..], &b"2a10:b600:2::1"[..]),
			(b"fe80::1/64", b"fe80::2"),
			(b"fd00::5/64", b"fd00::1"),
			(b"2001:db8::5/64", b"2001:db8::1"),
		] {
			assert_eq!(validate_ip6(ip, gw), Err(PublicIpError::InvalidPublicIp), "{ip:?}");
		}
	}

	#[test]
	fn domain_mac_and_interface_ip() {
		assert!(is_valid_domain(b"node-1.example.com"));
		assert!(is_valid_domain(b""));
		assert!(!is_valid_domain(b"node_1.example.com"));
		assert!(is_valid_mac(b"00:1b:44:11:3A:b7"));
		assert!(is_valid_mac(b"00-1b-44-11-3a-b7"));
		assert!(!is_valid_mac(b"00:1b:44:11:3a-b7"));
		assert!(!is_valid_mac(b"00:1b:44:11:3a:bz"));
		assert!(!is_valid_mac(b"00:1b:44:11:3a:b"));
		assert!(is_valid_interface_ip(b"10.2.3.4"));
		assert!(is_valid_interface_ip(b"fe80::1"));
		assert!(!is_valid_interface_ip(b"10.2.3.4/24"));
		assert!(!is_valid_interface_ip(b"10.2.3"));
	}
}
