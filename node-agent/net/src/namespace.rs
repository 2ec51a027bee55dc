//! Names (namespaces, links) and their validation; network namespaces, links and addresses read
//! through `ip -j`; running code inside a namespace; the forwarding sysctl.

use std::{fs::File, io, net::Ipv4Addr, os::fd::AsRawFd, path::PathBuf};

use serde_json::Value;

use crate::{cmd, ipnet::fnv1a64, Ipv4Net, NetError};

/// The bridge inside every network namespace (namespaces keep equal names apart).
pub(crate) const BRIDGE: &str = "br0";
/// The namespace end of the veth pair to the host.
pub(crate) const NS_UPLINK: &str = "uplink0";
/// Longest interface name Linux accepts (IFNAMSIZ - 1).
pub const MAX_IFNAME: usize = 15;
/// Longest network id accepted.
pub(crate) const MAX_ID: usize = 64;
/// Longest name prefix accepted (so that derived interface names fit in 15 bytes).
pub(crate) const MAX_PREFIX: usize = 5;
/// Where iproute2 keeps named network namespaces.
const NETNS_DIR: &str = "/run/netns";

fn name_chars_ok(name: &str) -> bool {
	name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Checks the configured name prefix: 1 to 5 lowercase letters or digits.
pub(crate) fn validate_prefix(prefix: &str) -> Result<(), NetError> {
	let ok = !prefix.is_empty()
		&& prefix.len() <= MAX_PREFIX
		&& prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
	if ok {
		Ok(())
	} else {
		Err(NetError::InvalidName {
			name: prefix.to_string(),
			reason: "a prefix is 1 to 5 lowercase letters or digits",
		})
	}
}

/// Checks a network id: 1 to 64 of `[A-Za-z0-9_.-]`, starting with a letter or digit.
pub(crate) fn validate_id(id: &str) -> Result<(), NetError> {
	let ok = !id.is_empty()
		&& id.len() <= MAX_ID
		&& name_chars_ok(id)
		&& id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
	if ok {
		Ok(())
	} else {
		Err(NetError::InvalidName {
			name: id.to_string(),
			reason: "a network id is 1 to 64 of [A-Za-z0-9_.-], starting with a letter or digit",
		})
	}
}

/// Checks an interface name: 1 to 15 bytes of `[A-Za-z0-9_.-]`, starting with a letter or digit.
pub(crate) fn validate_ifname(name: &str) -> Result<(), NetError> {
	let ok = !name.is_empty()
		&& name.len() <= MAX_IFNAME
		&& name_chars_ok(name)
		&& name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
	if ok {
		Ok(())
	} else {
		Err(NetError::InvalidName {
			name: name.to_string(),
			reason:
				"an interface name is 1 to 15 of [A-Za-z0-9_.-], starting with a letter or digit",
		})
	}
}

/// A stable interface name (at most 15 bytes) for `key` under `prefix`: `<prefix>-<key>` when
/// that fits, else `<prefix>_<8 hex digits of a stable hash of key>` (the `_` keeps the two forms
/// apart). `prefix` should be at most 6 bytes so the hashed form fits; a longer one is cut.
pub fn interface_name(prefix: &str, key: &str) -> String {
	let short = format!("{prefix}-{key}");
	if short.len() <= MAX_IFNAME {
		return short;
	}
	let prefix: String = prefix.chars().take(MAX_IFNAME - 9).collect();
	format!("{prefix}_{:08x}", fnv1a64(key.as_bytes()) as u32)
}

/// The namespace of network `id`: `<prefix>-<id>`.
pub(crate) fn namespace_name(prefix: &str, id: &str) -> String {
	format!("{prefix}-{id}")
}

/// The host end of network `id`'s veth pair: `interface_name("<prefix>v", id)`.
pub(crate) fn host_veth_name(prefix: &str, id: &str) -> String {
	interface_name(&format!("{prefix}v"), id)
}

/// Names of the existing network namespaces (`ip netns list`).
pub(crate) fn list_namespaces() -> Result<Vec<String>, NetError> {
	let out = cmd::ip(None, &["netns", "list"])?;
	Ok(parse_netns_list(&out))
}

/// Parses `ip netns list` output: one namespace per line, `name` or `name (id: N)`.
pub(crate) fn parse_netns_list(out: &str) -> Vec<String> {
	out.lines().filter_map(|line| line.split_whitespace().next()).map(str::to_string).collect()
}

/// Whether namespace `ns` exists.
pub(crate) fn namespace_exists(ns: &str) -> Result<bool, NetError> {
	Ok(list_namespaces()?.iter().any(|n| n == ns))
}

/// Creates namespace `ns` unless it exists; brings its loopback up.
pub(crate) fn ensure_namespace(ns: &str) -> Result<(), NetError> {
	if !namespace_exists(ns)? {
		cmd::ip(None, &["netns", "add", ns])?;
	}
	cmd::ip(Some(ns), &["link", "set", "dev", "lo", "up"]).map(drop)
}

/// Deletes namespace `ns` if it exists.
pub(crate) fn delete_namespace(ns: &str) -> Result<(), NetError> {
	if namespace_exists(ns)? {
		cmd::ip(None, &["netns", "del", ns])?;
	}
	Ok(())
}

/// A network interface as `ip -d -s -j link show` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Link {
	/// Interface name.
	pub name: String,
	/// `ip link set ... alias` text.
	pub alias: Option<String>,
	/// Link kind (`veth`, `bridge`, `tun`, ...), `None` for physical devices.
	pub kind: Option<String>,
	/// The bridge it is a port of.
	pub master: Option<String>,
	/// Administratively up.
	pub up: bool,
	/// (rx bytes, tx bytes).
	pub bytes: Option<(u64, u64)>,
}

/// The links of namespace `ns` (host namespace when `None`).
pub(crate) fn links(ns: Option<&str>) -> Result<Vec<Link>, NetError> {
	let out = cmd::ip(ns, &["-d", "-s", "-j", "link", "show"])?;
	parse_links(&out)
		.map_err(|reason| NetError::Output { command: "ip -d -s -j link show".into(), reason })
}

/// The link called `name` in `ns`, if any.
pub(crate) fn find_link(ns: Option<&str>, name: &str) -> Result<Option<Link>, NetError> {
	Ok(links(ns)?.into_iter().find(|l| l.name == name))
}

fn json_array(out: &str) -> Result<Vec<Value>, String> {
	match serde_json::from_str::<Value>(out) {
		Ok(Value::Array(items)) => Ok(items),
		Ok(_) => Err("not a JSON array".into()),
		Err(e) => Err(e.to_string()),
	}
}

/// Parses `ip -d -s -j link show` output.
pub(crate) fn parse_links(out: &str) -> Result<Vec<Link>, String> {
	let mut links = Vec::new();
	for item in json_array(out)? {
		let Some(name) = item.get("ifname").and_then(Value::as_str) else {
			return Err("link without ifname".into());
		};
		let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
		let up = item
			.get("flags")
			.and_then(Value::as_array)
			.is_some_and(|flags| flags.iter().any(|f| f.as_str() == Some("UP")));
		let stat = |dir: &str| {
			item.get("stats64")
				.and_then(|s| s.get(dir))
				.and_then(|d| d.get("bytes"))
				.and_then(Value::as_u64)
		};
		links.push(Link {
			name: name.to_string(),
			alias: text("ifalias"),
			kind: item
				.get("linkinfo")
				.and_then(|i| i.get("info_kind"))
				.and_then(Value::as_str)
				.map(str::to_string),
			master: text("master"),
			up,
			bytes: stat("rx").zip(stat("tx")),
		});
	}
	Ok(links)
}

/// IPv4 addresses of namespace `ns` (host when `None`): (interface, address/prefix).
pub(crate) fn ipv4_addrs(ns: Option<&str>) -> Result<Vec<(String, Ipv4Net)>, NetError> {
	let out = cmd::ip(ns, &["-j", "-4", "addr", "show"])?;
	parse_addrs(&out)
		.map_err(|reason| NetError::Output { command: "ip -j -4 addr show".into(), reason })
}

/// Parses `ip -j -4 addr show` output.
pub(crate) fn parse_addrs(out: &str) -> Result<Vec<(String, Ipv4Net)>, String> {
	let mut addrs = Vec::new();
	for item in json_array(out)? {
		let Some(name) = item.get("ifname").and_then(Value::as_str) else { continue };
		let Some(infos) = item.get("addr_info").and_then(Value::as_array) else { continue };
		for info in infos {
			if info.get("family").and_then(Value::as_str) != Some("inet") {
				continue;
			}
			let local =
				info.get("local").and_then(Value::as_str).and_then(|s| s.parse::<Ipv4Addr>().ok());
			let len =
				info.get("prefixlen").and_then(Value::as_u64).and_then(|l| u8::try_from(l).ok());
			match local.zip(len).and_then(|(addr, len)| Ipv4Net::new(addr, len)) {
				Some(net) => addrs.push((name.to_string(), net)),
				None => return Err(format!("bad address on {name}")),
			}
		}
	}
	Ok(addrs)
}

/// Makes `want` the only IPv4 address of `dev` in `ns`.
pub(crate) fn set_only_address(ns: Option<&str>, dev: &str, want: Ipv4Net) -> Result<(), NetError> {
	let current: Vec<Ipv4Net> =
		ipv4_addrs(ns)?.into_iter().filter(|(name, _)| name == dev).map(|(_, a)| a).collect();
	for stale in current.iter().filter(|a| **a != want) {
		cmd::ip(ns, &["addr", "del", &stale.to_string(), "dev", dev])?;
	}
	if !current.contains(&want) {
		cmd::ip(ns, &["addr", "add", &want.to_string(), "dev", dev])?;
	}
	Ok(())
}

/// Deletes link `name` in `ns` (host when `None`) if it exists, not failing when it vanishes
/// meanwhile (a namespace being torn down takes its links with it).
pub(crate) fn delete_link(ns: Option<&str>, name: &str) -> Result<(), NetError> {
	if find_link(ns, name)?.is_none() {
		return Ok(());
	}
	match cmd::ip(ns, &["link", "del", "dev", name]) {
		Ok(_) => Ok(()),
		Err(e) => match find_link(ns, name) {
			Ok(None) => Ok(()),
			_ => Err(e),
		},
	}
}

/// Runs `f` on a short-lived thread that has entered network namespace `ns`; the calling thread
/// stays where it is.
pub(crate) fn in_namespace<T: Send>(
	ns: &str,
	f: impl FnOnce() -> io::Result<T> + Send,
) -> Result<T, NetError> {
	let path = PathBuf::from(NETNS_DIR).join(ns);
	let context = || format!("entering network namespace {ns}");
	let file = File::open(&path).map_err(|source| NetError::Io { context: context(), source })?;
	let result = std::thread::scope(|scope| {
		scope
			.spawn(|| {
				// SAFETY: setns on a valid namespace fd only changes this thread's network
				// namespace; the thread ends right after `f`.
				if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
					return Err(io::Error::last_os_error());
				}
				f()
			})
			.join()
	});
	match result {
		Ok(Ok(value)) => Ok(value),
		Ok(Err(source)) => Err(NetError::Io { context: context(), source }),
		Err(_) => {
			Err(NetError::Io { context: context(), source: io::Error::other("thread panicked") })
		},
	}
}

const IP_FORWARD: &str = "/proc/sys/net/ipv4/ip_forward";

fn enable_forwarding_here() -> io::Result<()> {
	if std::fs::read_to_string(IP_FORWARD)?.trim() != "1" {
		std::fs::write(IP_FORWARD, "1")?;
	}
	Ok(())
}

/// Sets `net.ipv4.ip_forward=1` in `ns` (in the host namespace when `None`).
pub(crate) fn enable_forwarding(ns: Option<&str>) -> Result<(), NetError> {
	match ns {
		Some(ns) => in_namespace(ns, enable_forwarding_here),
		None => enable_forwarding_here().map_err(|source| NetError::Io {
			context: "setting net.ipv4.ip_forward".into(),
			source,
		}),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn interface_names_fit_and_are_stable() {
		assert_eq!(interface_name("t", "42-0"), "t-42-0");
		assert_eq!(interface_name("nav", "7-abc"), "nav-7-abc");
		let long = interface_name("nav", "1234-network-with-a-long-name");
		assert_eq!(long.len(), "nav_".len() + 8);
		assert!(long.starts_with("nav_"), "{long}");
		assert_eq!(long, interface_name("nav", "1234-network-with-a-long-name"));
		assert_ne!(long, interface_name("nav", "1234-network-with-a-long-namf"));
		// Exactly 15 bytes stays readable, 16 is hashed.
		assert_eq!(interface_name("nav", "12345678901"), "nav-12345678901");
		assert!(interface_name("nav", "123456789012").starts_with("nav_"));
		// A too long prefix is cut rather than producing an invalid name.
		assert!(interface_name("verylongprefix", "some-long-key-here").len() <= MAX_IFNAME);
		// The hashed form of one key never equals the short form of another.
		let hashed = interface_name("nav", "a-key-that-is-too-long");
		assert_ne!(interface_name("nav", &hashed[4..]), hashed);
	}

	#[test]
	fn derived_names() {
		assert_eq!(namespace_name("na", "7-abc"), "na-7-abc");
		assert_eq!(host_veth_name("na", "7-abc"), "nav-7-abc");
		let h = host_veth_name("abcde", "0123456789abcdef");
		assert_eq!(h.len(), MAX_IFNAME);
		assert!(h.starts_with("abcdev_"));
		for id in ["x", "7-abc", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
		{
			assert!(validate_id(id).is_ok(), "{id}");
			assert!(validate_ifname(&host_veth_name("abcde", id)).is_ok(), "{id}");
		}
	}

	#[test]
	fn validation() {
		assert!(validate_prefix("na").is_ok());
		assert!(validate_prefix("t123a").is_ok());
		for bad in ["", "toolong", "Na", "n-a", "n/a"] {
			assert!(validate_prefix(bad).is_err(), "{bad}");
		}
		for bad in ["", "-x", ".x", "a/b", "a b", "a:b", &"x".repeat(65)] {
			assert!(validate_id(bad).is_err(), "{bad}");
		}
		assert!(validate_ifname("t-42-0").is_ok());
		for bad in ["", "0123456789abcdef", "a/b", "a b", "a:b", "-a", ".."] {
			assert!(validate_ifname(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn parses_netns_list() {
		let out = "na-7-abc (id: 1)\nother\n\nna-8 (id: 0)\n";
		assert_eq!(parse_netns_list(out), ["na-7-abc", "other", "na-8"]);
		assert!(parse_netns_list("").is_empty());
	}

	#[test]
	fn parses_links_and_addresses() {
		let links = r#"[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"stats64":{"rx":{"bytes":10},"tx":{"bytes":20}}},
			{"ifname":"nav-1","flags":["BROADCAST"],"linkinfo":{"info_kind":"veth"},"ifalias":"na-1"},
			{"ifname":"t-1","flags":["UP"],"master":"br0","linkinfo":{"info_kind":"tun"}}]"#;
		let parsed = match parse_links(links) {
			Ok(l) => l,
			Err(e) => panic!("{e}"),
		};
		assert_eq!(parsed.len(), 3);
		assert_eq!(parsed[0].bytes, Some((10, 20)));
		assert!(parsed[0].up);
		assert_eq!(parsed[1].alias.as_deref(), Some("na-1"));
		assert_eq!(parsed[1].kind.as_deref(), Some("veth"));
		assert!(!parsed[1].up);
		assert_eq!(parsed[2].master.as_deref(), Some("br0"));
		assert!(parse_links("{}").is_err());
		assert!(parse_links("[{\"flags\":[]}]").is_err());

		let addrs = r#"[{"ifname":"eth0","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24}]},
			{"ifname":"br0","addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64},{"family":"inet","local":"10.1.2.1","prefixlen":24}]},
			{"ifname":"lo","addr_info":[]}]"#;
		let parsed = match parse_addrs(addrs) {
			Ok(a) => a,
			Err(e) => panic!("{e}"),
		};
		let want: Vec<(String, Ipv4Net)> = vec![
			("eth0".into(), Ipv4Net { addr: Ipv4Addr::new(192, 0, 2, 2), prefix: 24 }),
			("br0".into(), Ipv4Net { addr: Ipv4Addr::new(10, 1, 2, 1), prefix: 24 }),
		];
		assert_eq!(parsed, want);
	}
}
