//! Tests against the real kernel: they need root, `ip` and `nft`, and are skipped otherwise.
//! Each test uses its own name prefix (`t<pid % 1000><letter>`), removes leftovers with that
//! prefix first and everything it made in a drop guard. Traffic only flows between namespaces
//! the tests create (and the host's end of their links).

use std::{
	io::{self, Read},
	net::Ipv4Addr,
	os::fd::{AsRawFd, FromRawFd, OwnedFd},
	time::{Duration, Instant},
};

use crate::{available, cmd, ipnet, namespace, nat, HostNetwork, Ipv4Net, NetConfig, NetError};

fn net(s: &str) -> Ipv4Net {
	match s.parse() {
		Ok(n) => n,
		Err(e) => panic!("{s}: {e}"),
	}
}

fn ok<T>(result: Result<T, NetError>) -> T {
	match result {
		Ok(v) => v,
		Err(e) => panic!("{e}"),
	}
}

/// A test's host network plus cleanup of everything named with its prefix.
struct Fixture {
	net: HostNetwork,
	prefix: String,
}

impl Fixture {
	fn new(letter: char) -> Option<Self> {
		if let Err(reason) = available() {
			eprintln!("skipping: {reason}");
			return None;
		}
		let prefix = format!("t{}{letter}", std::process::id() % 1000);
		let config = NetConfig { prefix: prefix.clone(), ..NetConfig::default() };
		let fixture = Fixture { net: HostNetwork::new(config), prefix };
		fixture.cleanup();
		Some(fixture)
	}

	fn with_public_bridge(&self, bridge: Option<String>) -> HostNetwork {
		HostNetwork::new(NetConfig { public_bridge: bridge, ..self.net.config().clone() })
	}

	fn cleanup(&self) {
		let report = |what: &str, r: Result<(), NetError>| {
			if let Err(e) = r {
				eprintln!("cleanup {what}: {e}");
			}
		};
		if let Ok(ids) = self.net.list_networks() {
			for id in ids {
				report(&id, self.net.remove_network(&id));
			}
		}
		if let Ok(all) = namespace::list_namespaces() {
			for ns in all.iter().filter(|n| n.starts_with(&self.prefix)) {
				report(ns, cmd::ip(None, &["netns", "del", ns]).map(drop));
			}
		}
		if let Ok(links) = namespace::links(None) {
			for link in links.iter().filter(|l| l.name.starts_with(&self.prefix)) {
				report(&link.name, namespace::delete_link(None, &link.name));
			}
		}
		if let Ok(rules) = nat::host_table_rules() {
			let mine = format!("{}-", self.prefix);
			let mut comments: Vec<String> = rules
				.into_iter()
				.filter_map(|r| r.comment)
				.filter(|c| c.starts_with(&mine))
				.collect();
			comments.dedup();
			for comment in comments {
				report(&comment, nat::remove_host_rules(&comment));
			}
		}
	}

	fn ns(&self, id: &str) -> String {
		namespace::namespace_name(&self.prefix, id)
	}

	fn veth(&self, id: &str) -> String {
		namespace::host_veth_name(&self.prefix, id)
	}

	/// The /30 on the host end of network `id`'s link.
	fn link_of(&self, id: &str) -> Ipv4Net {
		let veth = self.veth(id);
		let addrs: Vec<Ipv4Net> = ok(namespace::ipv4_addrs(None))
			.into_iter()
			.filter(|(n, _)| *n == veth)
			.map(|(_, a)| a)
			.collect();
		assert_eq!(addrs.len(), 1, "addresses of {veth}: {addrs:?}");
		addrs[0].trunc()
	}

	/// A "VM": namespace `<prefix>vm<n>` with `eth0` at `addr`, default route via `gateway`; the
	/// other end of its veth (`<prefix>p<n>`, returned) is a port of network `id`'s bridge.
	fn fake_vm(&self, id: &str, n: u32, addr: &str, gateway: Ipv4Addr) -> (String, String) {
		let vm = format!("{}vm{n}", self.prefix);
		let port = format!("{}p{n}", self.prefix);
		ok(cmd::ip(None, &["netns", "add", &vm]));
		ok(cmd::ip(Some(&vm), &["link", "set", "dev", "lo", "up"]));
		ok(cmd::ip(
			None,
			&["link", "add", "name", &port, "type", "veth", "peer", "name", "eth0", "netns", &vm],
		));
		ok(self.net.attach_link(id, &port));
		ok(cmd::ip(Some(&vm), &["addr", "add", addr, "dev", "eth0"]));
		ok(cmd::ip(Some(&vm), &["link", "set", "dev", "eth0", "up"]));
		ok(cmd::ip(Some(&vm), &["route", "add", "default", "via", &gateway.to_string()]));
		(vm, port)
	}

	/// Checks every piece of network `id`; returns its link /30.
	fn check_network(&self, id: &str, subnet: Ipv4Net) -> Ipv4Net {
		let ns = self.ns(id);
		let veth = self.veth(id);
		assert!(ok(namespace::namespace_exists(&ns)), "namespace {ns}");
		let gw = subnet.host(1).unwrap_or(Ipv4Addr::UNSPECIFIED);

		let ns_links = ok(namespace::links(Some(&ns)));
		let find = |name: &str| ns_links.iter().find(|l| l.name == name).cloned();
		let Some(bridge) = find("br0") else { panic!("no bridge in {ns}: {ns_links:?}") };
		assert_eq!(bridge.kind.as_deref(), Some("bridge"));
		assert!(bridge.up);
		let Some(uplink) = find("uplink0") else { panic!("no uplink in {ns}: {ns_links:?}") };
		assert_eq!(uplink.kind.as_deref(), Some("veth"));
		assert!(uplink.up);

		let Some(host) = ok(namespace::find_link(None, &veth)) else {
			panic!("no host veth {veth}")
		};
		assert_eq!(host.kind.as_deref(), Some("veth"));
		assert_eq!(host.alias.as_deref(), Some(ns.as_str()));
		assert!(host.up);
		let link = self.link_of(id);
		assert_eq!(link.prefix, 30);
		assert!(NetConfig::default().link_range.contains(link.addr), "{link}");
		let host_end = link.host(1).unwrap_or(Ipv4Addr::UNSPECIFIED);
		let ns_end = link.host(2).unwrap_or(Ipv4Addr::UNSPECIFIED);

		let mut ns_addrs = ok(namespace::ipv4_addrs(Some(&ns)));
		ns_addrs.sort();
		let mut want = vec![
			("br0".to_string(), Ipv4Net { addr: gw, prefix: subnet.prefix }),
			("uplink0".to_string(), Ipv4Net { addr: ns_end, prefix: 30 }),
			("lo".to_string(), net("127.0.0.1/8")),
		];
		want.sort();
		assert_eq!(ns_addrs, want);

		let routes = ok(cmd::ip(Some(&ns), &["-j", "route", "show", "default"]));
		assert!(routes.contains(&format!("\"gateway\":\"{host_end}\"")), "{routes}");
		assert!(routes.contains("\"dev\":\"uplink0\""), "{routes}");

		let ns_rules = ok(cmd::nft(Some(&ns), &["list", "table", "ip", "tfchain_agent"], None));
		assert!(
			ns_rules.contains(&format!("oifname \"uplink0\" ip saddr {subnet} masquerade")),
			"{ns_rules}"
		);
		let host_rules: Vec<_> = ok(nat::host_table_rules())
			.into_iter()
			.filter(|r| r.comment.as_deref() == Some(ns.as_str()))
			.collect();
		assert_eq!(host_rules.len(), 4, "{host_rules:?}");
		let host_text = ok(cmd::nft(None, &["list", "table", "ip", "tfchain_agent"], None));
		assert!(
			host_text.contains(&format!("ip saddr {link} ip daddr != 100.127.0.0/16 masquerade")),
			"{host_text}"
		);

		let read_forward = || std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward");
		assert_eq!(ok(namespace::in_namespace(&ns, read_forward)).trim(), "1");
		assert_eq!(read_forward().map(|s| s.trim().to_string()).ok().as_deref(), Some("1"));
		link
	}
}

impl Drop for Fixture {
	fn drop(&mut self) {
		self.cleanup();
	}
}

fn icmp_checksum(data: &[u8]) -> u16 {
	let mut sum: u32 = data
		.chunks(2)
		.map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
		.sum();
	while sum >> 16 != 0 {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	!(sum as u16)
}

/// Sends ICMP echo requests to `dst` from the current thread's namespace (raw socket) and waits
/// for a matching reply: up to 3 tries of 1.5 s.
fn icmp_echo(dst: Ipv4Addr) -> io::Result<()> {
	// SAFETY: plain socket creation; the fd is owned right away.
	let raw = unsafe {
		libc::socket(libc::AF_INET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::IPPROTO_ICMP)
	};
	if raw < 0 {
		return Err(io::Error::last_os_error());
	}
	// SAFETY: `raw` is a fresh fd nobody else owns.
	let sock = unsafe { OwnedFd::from_raw_fd(raw) };
	let timeout = libc::timeval { tv_sec: 0, tv_usec: 200_000 };
	// SAFETY: valid socket and option buffer of the right size.
	let rc = unsafe {
		libc::setsockopt(
			sock.as_raw_fd(),
			libc::SOL_SOCKET,
			libc::SO_RCVTIMEO,
			(&timeout as *const libc::timeval).cast(),
			std::mem::size_of::<libc::timeval>() as libc::socklen_t,
		)
	};
	if rc != 0 {
		return Err(io::Error::last_os_error());
	}
	let ident = (std::process::id() as u16) ^ 0x5a5a;
	let addr = libc::sockaddr_in {
		sin_family: libc::AF_INET as libc::sa_family_t,
		sin_port: 0,
		sin_addr: libc::in_addr { s_addr: u32::from(dst).to_be() },
		sin_zero: [0; 8],
	};
	for seq in 1..=3u16 {
		let mut packet = vec![8u8, 0, 0, 0];
		packet.extend(ident.to_be_bytes());
		packet.extend(seq.to_be_bytes());
		packet.extend(b"tfchain-agent-net");
		let sum = icmp_checksum(&packet);
		packet[2..4].copy_from_slice(&sum.to_be_bytes());
		// SAFETY: valid buffer and address of the stated sizes.
		let sent = unsafe {
			libc::sendto(
				sock.as_raw_fd(),
				packet.as_ptr().cast(),
				packet.len(),
				0,
				(&addr as *const libc::sockaddr_in).cast(),
				std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
			)
		};
		if sent < 0 {
			return Err(io::Error::last_os_error());
		}
		let deadline = Instant::now() + Duration::from_millis(1500);
		while Instant::now() < deadline {
			let mut buf = [0u8; 2048];
			// SAFETY: valid buffer of the stated size.
			let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
			if n < 0 {
				let e = io::Error::last_os_error();
				match e.kind() {
					io::ErrorKind::WouldBlock
					| io::ErrorKind::TimedOut
					| io::ErrorKind::Interrupted => continue,
					_ => return Err(e),
				}
			}
			let n = n as usize;
			let ihl = usize::from(buf[0] & 0x0f) * 4;
			if n < ihl + 8 {
				continue;
			}
			let src = Ipv4Addr::new(buf[12], buf[13], buf[14], buf[15]);
			let icmp = &buf[ihl..n];
			if src == dst
				&& icmp[0] == 0
				&& icmp[4..6] == ident.to_be_bytes()
				&& icmp[6..8] == seq.to_be_bytes()
			{
				return Ok(());
			}
		}
	}
	Err(io::Error::new(io::ErrorKind::TimedOut, format!("no echo reply from {dst}")))
}

/// Pings `dst` from namespace `ns`.
fn ping(ns: &str, dst: Ipv4Addr) -> Result<(), NetError> {
	namespace::in_namespace(ns, move || icmp_echo(dst))
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
	let deadline = Instant::now() + Duration::from_secs(5);
	while !cond() {
		assert!(Instant::now() < deadline, "timed out waiting for {what}");
		std::thread::sleep(Duration::from_millis(50));
	}
}

#[test]
fn ensure_network_builds_everything_is_idempotent_and_repairs() {
	let Some(f) = Fixture::new('a') else { return };
	let subnet = net("10.250.1.0/24");
	let first = ok(f.net.ensure_network("n1", subnet));
	assert_eq!(first.namespace, f.ns("n1"));
	assert_eq!(first.bridge, "br0");
	assert_eq!(first.gateway, Ipv4Addr::new(10, 250, 1, 1));
	let link = f.check_network("n1", subnet);
	// Host bits in the subnet are ignored.
	let second = ok(f.net.ensure_network("n1", net("10.250.1.77/24")));
	assert_eq!(first, second);
	assert_eq!(f.check_network("n1", subnet), link);
	assert_eq!(ok(f.net.list_networks()), ["n1"]);

	// A crash midway or a meddling admin: pieces are missing; ensure puts them back.
	let ns = f.ns("n1");
	ok(cmd::ip(Some(&ns), &["link", "del", "dev", "br0"]));
	ok(cmd::ip(None, &["link", "del", "dev", &f.veth("n1")]));
	ok(cmd::nft(Some(&ns), &["delete", "table", "ip", "tfchain_agent"], None));
	ok(nat::remove_host_rules(&ns));
	assert_eq!(ok(f.net.ensure_network("n1", subnet)), first);
	assert_eq!(f.check_network("n1", subnet), link, "the same /30 is derived again");

	// Only the namespace exists (crash right after `ip netns add`).
	ok(f.net.remove_network("n1"));
	ok(cmd::ip(None, &["netns", "add", &ns]));
	assert_eq!(ok(f.net.ensure_network("n1", subnet)), first);
	f.check_network("n1", subnet);

	// A changed subnet replaces the gateway address and the masquerade rule.
	let other = net("10.250.9.0/24");
	let changed = ok(f.net.ensure_network("n1", other));
	assert_eq!(changed.gateway, Ipv4Addr::new(10, 250, 9, 1));
	f.check_network("n1", other);
}

#[test]
fn vm_traffic_reaches_gateway_and_host_through_nat_and_counters_grow() {
	let Some(f) = Fixture::new('b') else { return };
	let network = ok(f.net.ensure_network("n1", net("10.250.2.0/24")));
	let link = f.link_of("n1");
	let host_end = link.host(1).unwrap_or(Ipv4Addr::UNSPECIFIED);
	let (vm, port) = f.fake_vm("n1", 1, "10.250.2.5/24", network.gateway);

	ok(ping(&vm, network.gateway));
	// Counters of a bridge port inside the namespace (ip -s -j) and of the host veth (sysfs).
	let port_before = ok(f.net.counters(&port));
	let veth_before = ok(f.net.counters(&f.veth("n1")));
	assert!(port_before.rx_bytes > 0 && port_before.tx_bytes > 0, "{port_before:?}");

	// The host has no route to 10.250.2.0/24: a reply only comes back if the namespace
	// masqueraded the request to its uplink address.
	ok(ping(&vm, host_end));
	let port_after = ok(f.net.counters(&port));
	let veth_after = ok(f.net.counters(&f.veth("n1")));
	assert!(port_after.rx_bytes > port_before.rx_bytes, "{port_before:?} -> {port_after:?}");
	assert!(port_after.tx_bytes > port_before.tx_bytes, "{port_before:?} -> {port_after:?}");
	assert!(veth_after.rx_bytes > veth_before.rx_bytes, "{veth_before:?} -> {veth_after:?}");
	assert!(veth_after.tx_bytes > veth_before.tx_bytes, "{veth_before:?} -> {veth_after:?}");
}

/// Writes an ARP request for `target` into the tap (as the VM would) and waits for the reply.
fn arp_through_tap(
	tap: &OwnedFd,
	mac: [u8; 6],
	me: Ipv4Addr,
	target: Ipv4Addr,
) -> Result<(), String> {
	let mut frame = vec![0u8; crate::VNET_HDR_SIZE];
	frame.extend([0xff; 6]);
	frame.extend(mac);
	frame.extend([0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
	frame.extend(mac);
	frame.extend(me.octets());
	frame.extend([0; 6]);
	frame.extend(target.octets());
	// SAFETY: valid fd and buffer.
	let written = unsafe { libc::write(tap.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
	if written != frame.len() as isize {
		return Err(format!("write to tap: {}", io::Error::last_os_error()));
	}
	let mut file = std::fs::File::from(tap.try_clone().map_err(|e| e.to_string())?);
	let deadline = Instant::now() + Duration::from_secs(3);
	while Instant::now() < deadline {
		let mut pfd = libc::pollfd { fd: tap.as_raw_fd(), events: libc::POLLIN, revents: 0 };
		// SAFETY: one valid pollfd.
		if unsafe { libc::poll(&mut pfd, 1, 100) } <= 0 {
			continue;
		}
		let mut buf = [0u8; 2048];
		let n = match file.read(&mut buf) {
			Ok(n) => n,
			Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
			Err(e) => return Err(format!("read from tap: {e}")),
		};
		let eth = &buf[crate::VNET_HDR_SIZE.min(n)..n];
		let is_reply = eth.len() >= 42
			&& eth[12..14] == [0x08, 0x06]
			&& eth[20..22] == [0, 2]
			&& eth[28..32] == target.octets()
			&& eth[32..38] == mac;
		if is_reply {
			return Ok(());
		}
	}
	Err(format!("no ARP reply from {target}"))
}

#[test]
fn attach_vm_tap_returns_a_working_fd_on_the_bridge() {
	let Some(f) = Fixture::new('c') else { return };
	let network = ok(f.net.ensure_network("n1", net("10.250.3.0/24")));
	let tap = format!("{}t0", f.prefix);
	let fd = ok(f.net.attach_vm_tap("n1", &tap));

	// SAFETY: fcntl on an fd we own.
	let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
	assert!(flags >= 0 && flags & libc::O_NONBLOCK != 0, "flags {flags:#x}");
	let Some(link) = ok(namespace::find_link(Some(&network.namespace), &tap)) else {
		panic!("{tap} not in {}", network.namespace)
	};
	assert_eq!(link.kind.as_deref(), Some("tun"));
	assert_eq!(link.master.as_deref(), Some("br0"));
	assert!(link.up);
	assert!(ok(namespace::find_link(None, &tap)).is_none(), "the tap left the host namespace");

	// The fd carries frames: the gateway answers an ARP request written into it.
	let mac = [0x02, 0, 0, 0, 0, 0x09];
	if let Err(e) = arp_through_tap(&fd, mac, Ipv4Addr::new(10, 250, 3, 9), network.gateway) {
		panic!("{e}");
	}
	let counters = ok(f.net.counters(&tap));
	assert!(counters.rx_bytes >= 42 && counters.tx_bytes >= 42, "{counters:?}");

	// Attaching again replaces the tap; closing the fd removes it.
	let fd2 = ok(f.net.attach_vm_tap("n1", &tap));
	let again = ok(namespace::find_link(Some(&network.namespace), &tap));
	assert_eq!(again.and_then(|l| l.master).as_deref(), Some("br0"));
	drop(fd);
	drop(fd2);
	wait_until("the tap to vanish", || {
		matches!(namespace::find_link(Some(&network.namespace), &tap), Ok(None))
	});
	assert!(matches!(f.net.counters(&tap), Err(NetError::TapNotFound(_))));

	// remove_tap deletes a tap still held open, and is idempotent.
	let fd3 = ok(f.net.attach_vm_tap("n1", &tap));
	ok(f.net.remove_tap(&tap));
	assert!(ok(namespace::find_link(Some(&network.namespace), &tap)).is_none());
	ok(f.net.remove_tap(&tap));
	drop(fd3);

	assert!(matches!(f.net.attach_vm_tap("nosuch", &tap), Err(NetError::NetworkNotFound(_))));
	assert!(matches!(
		f.net.attach_vm_tap("n1", "much-too-long-name"),
		Err(NetError::InvalidName { .. })
	));
}

#[test]
fn remove_network_removes_everything_and_is_idempotent() {
	let Some(f) = Fixture::new('d') else { return };
	let network = ok(f.net.ensure_network("n1", net("10.250.4.0/24")));
	let tap = format!("{}t0", f.prefix);
	let _fd = ok(f.net.attach_vm_tap("n1", &tap));
	ok(f.net.remove_network("n1"));

	assert!(!ok(namespace::namespace_exists(&network.namespace)));
	assert!(ok(namespace::find_link(None, &f.veth("n1"))).is_none());
	let rules = ok(nat::host_table_rules());
	assert!(
		rules.iter().all(|r| r.comment.as_deref() != Some(network.namespace.as_str())),
		"{rules:?}"
	);
	assert!(ok(f.net.list_networks()).is_empty());
	assert!(matches!(f.net.counters(&tap), Err(NetError::TapNotFound(_))));

	ok(f.net.remove_network("n1"));
	ok(f.net.remove_network("never-made"));
	assert!(matches!(f.net.attach_vm_tap("n1", &tap), Err(NetError::NetworkNotFound(_))));
}

#[test]
fn two_networks_with_the_same_subnet_coexist_and_are_isolated() {
	let Some(f) = Fixture::new('e') else { return };
	let subnet = net("10.250.5.0/24");
	let a = ok(f.net.ensure_network("n1", subnet));
	let b = ok(f.net.ensure_network("n2", subnet));
	assert_ne!(a.namespace, b.namespace);
	let link_a = f.check_network("n1", subnet);
	let link_b = f.check_network("n2", subnet);
	assert_ne!(link_a, link_b);
	assert_eq!(ok(f.net.list_networks()), ["n1", "n2"]);

	// The same VM address in both.
	let (vm_a, _) = f.fake_vm("n1", 1, "10.250.5.5/24", a.gateway);
	let (vm_b, _) = f.fake_vm("n2", 2, "10.250.5.5/24", b.gateway);
	for (vm, gateway, link) in [(&vm_a, a.gateway, link_a), (&vm_b, b.gateway, link_b)] {
		ok(ping(vm, gateway));
		ok(ping(vm, link.host(1).unwrap_or(Ipv4Addr::UNSPECIFIED)));
	}
	// The host does not forward between namespaces.
	assert!(ping(&vm_a, link_b.host(2).unwrap_or(Ipv4Addr::UNSPECIFIED)).is_err());

	ok(f.net.remove_network("n1"));
	assert_eq!(ok(f.net.list_networks()), ["n2"]);
	f.check_network("n2", subnet);
	ok(ping(&vm_b, b.gateway));
}

#[test]
fn public_taps_go_on_the_configured_bridge() {
	let Some(f) = Fixture::new('f') else { return };
	let tap = format!("{}q0", f.prefix);
	assert!(matches!(f.net.attach_public_tap(&tap), Err(NetError::NoPublicBridge)));
	let bridge = format!("{}pb", f.prefix);
	let public = f.with_public_bridge(Some(bridge.clone()));
	assert!(matches!(public.attach_public_tap(&tap), Err(NetError::PublicBridgeMissing(_))));

	ok(cmd::ip(None, &["link", "add", "name", &bridge, "type", "bridge"]));
	let fd = ok(public.attach_public_tap(&tap));
	let Some(link) = ok(namespace::find_link(None, &tap)) else { panic!("no {tap}") };
	assert_eq!(link.kind.as_deref(), Some("tun"));
	assert_eq!(link.master.as_deref(), Some(bridge.as_str()));
	assert!(link.up);
	ok(public.counters(&tap));
	ok(public.remove_tap(&tap));
	assert!(ok(namespace::find_link(None, &tap)).is_none());
	ok(public.remove_tap(&tap));
	drop(fd);

	// A link of the tap's name that is not a tap is left alone.
	let other = format!("{}d0", f.prefix);
	ok(cmd::ip(None, &["link", "add", "name", &other, "type", "bridge"]));
	assert!(matches!(public.remove_tap(&other), Err(NetError::NotATap { .. })));
	assert!(ok(namespace::find_link(None, &other)).is_some());
}

#[test]
fn slot_collisions_and_name_collisions_are_detected() {
	let Some(f) = Fixture::new('g') else { return };
	let range = NetConfig::default().link_range;
	let Some(preferred) = ipnet::preferred_slot(&range, &f.ns("n1")) else { panic!("no slot") };
	let Some(taken) = ipnet::slot_net(&range, preferred) else { panic!("no slot net") };
	let other = format!("{}d1", f.prefix);
	ok(cmd::ip(None, &["link", "add", "name", &other, "type", "bridge"]));
	let addr = Ipv4Net { addr: taken.host(1).unwrap_or(Ipv4Addr::UNSPECIFIED), prefix: 30 };
	ok(cmd::ip(None, &["addr", "add", &addr.to_string(), "dev", &other]));

	ok(f.net.ensure_network("n1", net("10.250.7.0/24")));
	let link = f.link_of("n1");
	assert_ne!(link, taken);
	assert_eq!(Some(link), ipnet::slot_net(&range, (preferred + 1) % ipnet::slot_count(&range)));
	// Stable on the next call even though the preferred slot may free up.
	ok(cmd::ip(None, &["link", "del", "dev", &other]));
	ok(f.net.ensure_network("n1", net("10.250.7.0/24")));
	assert_eq!(f.link_of("n1"), link);

	// Our host link name taken by something else.
	let squatter = f.veth("n2");
	ok(cmd::ip(None, &["link", "add", "name", &squatter, "type", "bridge"]));
	assert!(matches!(
		f.net.ensure_network("n2", net("10.250.8.0/24")),
		Err(NetError::NameCollision { .. })
	));
}
