//! IPv4 networks: parsing and display, containment, host addresses, and the /30 link slots that
//! connect each network namespace to the host.

use std::{fmt, net::Ipv4Addr, str::FromStr};

/// An IPv4 network in CIDR notation, e.g. `10.20.1.0/24`.
///
/// The address may have host bits set (`10.20.1.5/24` is an address with its network);
/// [`Ipv4Net::trunc`] clears them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ipv4Net {
	/// The address as written.
	pub addr: Ipv4Addr,
	/// The prefix length, 0..=32.
	pub prefix: u8,
}

/// Why a string is not an IPv4 network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
	/// No `/` between the address and the prefix length.
	#[error("`{0}` is not of the form a.b.c.d/len")]
	Syntax(String),
	/// The part before `/` is not a dotted-quad IPv4 address.
	#[error("`{0}` has an invalid IPv4 address")]
	Address(String),
	/// The part after `/` is not a number in 0..=32.
	#[error("`{0}` has an invalid prefix length (0..=32)")]
	Prefix(String),
}

impl Ipv4Net {
	/// A network from an address and a prefix length; `None` if the length exceeds 32.
	pub fn new(addr: Ipv4Addr, prefix: u8) -> Option<Self> {
		(prefix <= 32).then_some(Self { addr, prefix })
	}

	/// The netmask as a number (`/24` → `0xffff_ff00`).
	pub fn mask(&self) -> u32 {
		match self.prefix {
			0 => 0,
			p => u32::MAX << (32 - u32::from(p.min(32))),
		}
	}

	/// The network address (host bits cleared).
	pub fn network(&self) -> Ipv4Addr {
		Ipv4Addr::from(u32::from(self.addr) & self.mask())
	}

	/// The last address of the network.
	pub fn broadcast(&self) -> Ipv4Addr {
		Ipv4Addr::from(u32::from(self.addr) | !self.mask())
	}

	/// The same network with the host bits cleared.
	pub fn trunc(&self) -> Self {
		Self { addr: self.network(), prefix: self.prefix }
	}

	/// Number of addresses in the network.
	pub fn size(&self) -> u64 {
		1u64 << (32 - u32::from(self.prefix.min(32)))
	}

	/// Whether `ip` lies in this network.
	pub fn contains(&self, ip: Ipv4Addr) -> bool {
		u32::from(ip) & self.mask() == u32::from(self.network())
	}

	/// Whether the two networks share at least one address.
	pub fn overlaps(&self, other: &Ipv4Net) -> bool {
		self.contains(other.network()) || other.contains(self.network())
	}

	/// The `n`-th address of the network counted from the network address, when it is a usable
	/// host address (neither the network nor the broadcast address; networks of /31 and /32 have
	/// none).
	pub fn host(&self, n: u32) -> Option<Ipv4Addr> {
		if self.prefix > 30 || n == 0 || u64::from(n) >= self.size() - 1 {
			return None;
		}
		Some(Ipv4Addr::from(u32::from(self.network()) + n))
	}
}

impl fmt::Display for Ipv4Net {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}/{}", self.addr, self.prefix)
	}
}

impl FromStr for Ipv4Net {
	type Err = IpNetError;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let (addr, prefix) = s.split_once('/').ok_or_else(|| IpNetError::Syntax(s.to_string()))?;
		let addr = Ipv4Addr::from_str(addr).map_err(|_| IpNetError::Address(s.to_string()))?;
		if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
			return Err(IpNetError::Prefix(s.to_string()));
		}
		let prefix: u8 = prefix.parse().map_err(|_| IpNetError::Prefix(s.to_string()))?;
		Ipv4Net::new(addr, prefix).ok_or_else(|| IpNetError::Prefix(s.to_string()))
	}
}

/// 64-bit FNV-1a: a small hash that is stable across Rust releases and platforms (unlike
/// `DefaultHasher`), used to derive names and link slots from network ids.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
	let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
	for &b in bytes {
		hash ^= u64::from(b);
		hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
	}
	hash
}

/// Number of /30 slots in the link range (0 if the range is narrower than a /30).
pub(crate) fn slot_count(range: &Ipv4Net) -> u32 {
	if range.prefix > 30 {
		return 0;
	}
	1u32 << (30 - u32::from(range.prefix))
}

/// The /30 of slot `index` in the link range.
pub(crate) fn slot_net(range: &Ipv4Net, index: u32) -> Option<Ipv4Net> {
	if index >= slot_count(range) {
		return None;
	}
	let base = u32::from(range.network()) + index * 4;
	Some(Ipv4Net { addr: Ipv4Addr::from(base), prefix: 30 })
}

/// The slot of the link range that `ip` belongs to.
pub(crate) fn slot_of(range: &Ipv4Net, ip: Ipv4Addr) -> Option<u32> {
	if range.prefix > 30 || !range.contains(ip) {
		return None;
	}
	Some((u32::from(ip) - u32::from(range.network())) / 4)
}

/// The slot a key (a network's namespace name) prefers: a hash of the key modulo the number of
/// slots.
pub(crate) fn preferred_slot(range: &Ipv4Net, id: &str) -> Option<u32> {
	let count = slot_count(range);
	if count == 0 {
		return None;
	}
	Some((fnv1a64(id.as_bytes()) % u64::from(count)) as u32)
}

/// Picks the slot for key `id`: its preferred slot, or the next free one after it (wrapping), where
/// `used` tells which slots are taken. `None` when the range is full.
pub(crate) fn allocate_slot(range: &Ipv4Net, id: &str, used: impl Fn(u32) -> bool) -> Option<u32> {
	let count = slot_count(range);
	let start = preferred_slot(range, id)?;
	(0..count).map(|k| (start + k) % count).find(|&slot| !used(slot))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn net(s: &str) -> Ipv4Net {
		match s.parse() {
			Ok(n) => n,
			Err(e) => panic!("{s}: {e}"),
		}
	}

	#[test]
	fn parse_and_display_round_trip() {
		for s in ["10.20.1.0/24", "0.0.0.0/0", "100.127.0.0/16", "192.168.1.7/32", "10.20.1.5/24"] {
			assert_eq!(net(s).to_string(), s);
		}
		let n = net("10.20.1.0/24");
		assert_eq!(n.addr, Ipv4Addr::new(10, 20, 1, 0));
		assert_eq!(n.prefix, 24);
	}

	#[test]
	fn parse_rejects_malformed() {
		assert!(matches!("10.20.1.0".parse::<Ipv4Net>(), Err(IpNetError::Syntax(_))));
		assert!(matches!("10.20.1/24".parse::<Ipv4Net>(), Err(IpNetError::Address(_))));
		assert!(matches!("10.20.1.256/24".parse::<Ipv4Net>(), Err(IpNetError::Address(_))));
		for bad in ["10.20.1.0/33", "10.20.1.0/", "10.20.1.0/+8", "10.20.1.0/ 8", "10.20.1.0/024"] {
			assert!(matches!(bad.parse::<Ipv4Net>(), Err(IpNetError::Prefix(_))), "{bad}");
		}
		assert!(" 10.20.1.0/24".parse::<Ipv4Net>().is_err());
	}

	#[test]
	fn network_broadcast_trunc() {
		let n = net("10.20.1.77/24");
		assert_eq!(n.network(), Ipv4Addr::new(10, 20, 1, 0));
		assert_eq!(n.broadcast(), Ipv4Addr::new(10, 20, 1, 255));
		assert_eq!(n.trunc(), net("10.20.1.0/24"));
		assert_eq!(n.size(), 256);
		assert_eq!(net("0.0.0.0/0").mask(), 0);
		assert_eq!(net("0.0.0.0/0").size(), 1 << 32);
		assert_eq!(net("1.2.3.4/32").mask(), u32::MAX);
		assert_eq!(net("100.127.3.6/30").trunc(), net("100.127.3.4/30"));
	}

	#[test]
	fn containment_and_overlap() {
		let n = net("10.20.1.0/24");
		assert!(n.contains(Ipv4Addr::new(10, 20, 1, 0)));
		assert!(n.contains(Ipv4Addr::new(10, 20, 1, 255)));
		assert!(!n.contains(Ipv4Addr::new(10, 20, 2, 0)));
		assert!(!n.contains(Ipv4Addr::new(10, 20, 0, 255)));
		assert!(net("0.0.0.0/0").contains(Ipv4Addr::new(8, 8, 8, 8)));
		assert!(n.overlaps(&net("10.20.0.0/16")));
		assert!(net("10.20.0.0/16").overlaps(&n));
		assert!(!n.overlaps(&net("10.20.2.0/24")));
		assert!(!n.overlaps(&net("100.127.0.0/16")));
	}

	#[test]
	fn host_addresses() {
		let n = net("10.20.1.0/24");
		assert_eq!(n.host(1), Some(Ipv4Addr::new(10, 20, 1, 1)));
		assert_eq!(n.host(254), Some(Ipv4Addr::new(10, 20, 1, 254)));
		assert_eq!(n.host(0), None);
		assert_eq!(n.host(255), None);
		let link = net("100.127.0.4/30");
		assert_eq!(link.host(1), Some(Ipv4Addr::new(100, 127, 0, 5)));
		assert_eq!(link.host(2), Some(Ipv4Addr::new(100, 127, 0, 6)));
		assert_eq!(link.host(3), None);
		assert_eq!(net("1.2.3.4/31").host(1), None);
	}

	#[test]
	fn slots_of_the_link_range() {
		let range = net("100.127.0.0/16");
		assert_eq!(slot_count(&range), 16384);
		assert_eq!(slot_count(&net("100.127.0.0/30")), 1);
		assert_eq!(slot_count(&net("100.127.0.0/31")), 0);
		assert_eq!(slot_net(&range, 0), Some(net("100.127.0.0/30")));
		assert_eq!(slot_net(&range, 1), Some(net("100.127.0.4/30")));
		assert_eq!(slot_net(&range, 16383), Some(net("100.127.255.252/30")));
		assert_eq!(slot_net(&range, 16384), None);
		assert_eq!(slot_of(&range, Ipv4Addr::new(100, 127, 0, 5)), Some(1));
		assert_eq!(slot_of(&range, Ipv4Addr::new(100, 127, 1, 2)), Some(64));
		assert_eq!(slot_of(&range, Ipv4Addr::new(100, 126, 0, 5)), None);
	}

	#[test]
	fn allocation_is_stable_and_probes_past_used_slots() {
		let range = net("100.127.0.0/16");
		let a = allocate_slot(&range, "7-abc", |_| false);
		assert_eq!(a, allocate_slot(&range, "7-abc", |_| false));
		assert_eq!(a, preferred_slot(&range, "7-abc"));
		// Different ids spread over the range.
		let b = allocate_slot(&range, "7-abd", |_| false);
		assert_ne!(a, b);
		// A taken preferred slot moves to the next one, wrapping at the end.
		let Some(pref) = a else { panic!("no slot") };
		assert_eq!(allocate_slot(&range, "7-abc", |s| s == pref), Some((pref + 1) % 16384));
		let small = net("100.127.0.0/28"); // 4 slots
		let start = preferred_slot(&small, "x").unwrap_or(0);
		let got = allocate_slot(&small, "x", |s| s != (start + 3) % 4);
		assert_eq!(got, Some((start + 3) % 4));
		assert_eq!(allocate_slot(&small, "x", |_| true), None);
		assert_eq!(allocate_slot(&net("10.0.0.0/31"), "x", |_| false), None);
	}

	#[test]
	fn fnv_is_the_reference_function() {
		// Reference values of 64-bit FNV-1a.
		assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
		assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
		assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
	}
}
