//! VMs with tiny hand-written guests through the public API. Needs `/dev/kvm`; skipped otherwise.

use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

use tfchain_vmm::{
	guest, kvm_available, layout, tap, BootSource, DiskConfig, NetConfig, Vm, VmConfig, VmState,
	VmmError,
};

fn kvm_or_skip() -> bool {
	match kvm_available() {
		Ok(()) => true,
		Err(reason) => {
			eprintln!("skipping: {reason}");
			false
		},
	}
}

fn temp_path(name: &str) -> PathBuf {
	let path = std::env::temp_dir().join(format!("tfchain-vmm-it-{}-{name}", std::process::id()));
	let _ = std::fs::remove_file(&path);
	path
}

fn config(name: &str, code: Vec<u8>) -> VmConfig {
	VmConfig {
		name: name.to_string(),
		vcpus: 1,
		memory_mib: 64,
		boot: BootSource::Flat { code },
		disks: vec![],
		nets: vec![],
		console_log: temp_path(&format!("{name}.log")),
	}
}

fn console(path: &Path) -> String {
	String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// Waits until the console log contains `needle`; returns the log.
fn wait_for_console(path: &Path, needle: &str, timeout: Duration) -> String {
	let deadline = Instant::now() + timeout;
	loop {
		let text = console(path);
		if text.contains(needle) {
			return text;
		}
		assert!(Instant::now() < deadline, "console never showed {needle:?}; got {text:?}");
		std::thread::sleep(Duration::from_millis(2));
	}
}

fn wait_for_state(vm: &Vm, pred: impl Fn(&VmState) -> bool, timeout: Duration) -> VmState {
	let deadline = Instant::now() + timeout;
	loop {
		let state = vm.state();
		if pred(&state) {
			return state;
		}
		assert!(Instant::now() < deadline, "state stayed {state:?}");
		std::thread::sleep(Duration::from_millis(2));
	}
}

#[test]
fn probe_guest_boots_and_reports_timings() {
	if !kvm_or_skip() {
		return;
	}
	let cfg = config("probe", guest::probe_guest("hello"));
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	assert_eq!(wait_for_console(&log, "hello", Duration::from_secs(10)), "hello");
	let t = vm.timings();
	let first = t.first_instruction.expect("first instruction time");
	let marker = t.boot_marker.expect("boot marker time");
	assert!(first <= marker, "{t:?}");
	assert!(t.setup > Duration::ZERO);
	assert!(marker < Duration::from_secs(10));
	assert_eq!(vm.state(), VmState::Running);

	vm.pause().unwrap();
	assert_eq!(vm.state(), VmState::Paused);
	vm.pause().unwrap();
	vm.resume().unwrap();
	assert_eq!(vm.state(), VmState::Running);
	vm.stop().unwrap();
	let _ = std::fs::remove_file(&log);
}

#[test]
fn pause_freezes_guest_progress() {
	if !kvm_or_skip() {
		return;
	}
	let cfg = config("ticker", guest::ticker_guest(200_000));
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	wait_for_console(&log, ".....", Duration::from_secs(10));
	vm.pause().unwrap();
	let frozen = console(&log).len();
	std::thread::sleep(Duration::from_millis(200));
	assert_eq!(console(&log).len(), frozen, "the guest ran while paused");
	vm.resume().unwrap();
	let more = ".".repeat(frozen + 5);
	wait_for_console(&log, &more, Duration::from_secs(10));
	vm.stop().unwrap();
	let _ = std::fs::remove_file(&log);
}

#[test]
fn mmio_exits_reach_the_virtio_transport() {
	if !kvm_or_skip() {
		return;
	}
	let disk = temp_path("mmio.img");
	std::fs::write(&disk, vec![0u8; 4096]).unwrap();
	// Read the magic value, write ACKNOWLEDGE (1) to the status register, read it back.
	let code = guest::mmio_probe_guest(layout::VIRTIO_MMIO_BASE, 0x70, 1);
	let mut cfg = config("mmio", code);
	cfg.disks.push(DiskConfig { path: disk.clone(), read_only: true });
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	let out = wait_for_console(&log, "\n", Duration::from_secs(10));
	assert_eq!(out, "74726976 00000001\n");
	vm.stop().unwrap();

	// Device id of the second window: the NIC, if a tap can be opened here.
	let name = format!("tvi{}", std::process::id() % 100_000);
	match tap::open_tap(&name) {
		Ok(fd) => {
			let code = guest::mmio_probe_guest(layout::virtio_mmio_addr(1) + 8, 0x68, 1);
			let mut cfg = config("mmio-net", code);
			cfg.disks.push(DiskConfig { path: disk.clone(), read_only: false });
			cfg.nets.push(NetConfig { tap: fd, mac: [0x02, 0, 0, 0, 0, 9] });
			let log = cfg.console_log.clone();
			let vm = Vm::start(cfg).unwrap();
			// Device id 1 (net), status reads back 1.
			assert_eq!(
				wait_for_console(&log, "\n", Duration::from_secs(10)),
				"00000001 00000001\n"
			);
			vm.stop().unwrap();
			let _ = std::fs::remove_file(&log);
		},
		Err(e) => eprintln!("skipping the virtio-net part: cannot open a tap: {e}"),
	}
	let _ = std::fs::remove_file(&log);
	let _ = std::fs::remove_file(&disk);
}

#[test]
fn two_vcpus_both_run() {
	if !kvm_or_skip() {
		return;
	}
	let mut cfg = config("smp", guest::smp_guest());
	cfg.vcpus = 2;
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	let deadline = Instant::now() + Duration::from_secs(10);
	while !(console(&log).contains('A') && console(&log).contains('B')) {
		assert!(Instant::now() < deadline, "console: {:?}", console(&log));
		std::thread::sleep(Duration::from_millis(2));
	}
	vm.pause().unwrap();
	vm.resume().unwrap();
	vm.stop().unwrap();
	let _ = std::fs::remove_file(&log);
}

#[test]
fn guest_reset_and_triple_fault_stop_the_vm() {
	if !kvm_or_skip() {
		return;
	}
	let cfg = config("reset", guest::reset_guest("bye"));
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	let state =
		wait_for_state(&vm, |s| matches!(s, VmState::Stopped { .. }), Duration::from_secs(10));
	assert!(matches!(&state, VmState::Stopped { reason } if reason.contains("i8042")), "{state:?}");
	assert_eq!(console(&log), "bye");
	assert!(matches!(vm.pause(), Err(VmmError::Stopped { .. })));
	assert!(matches!(vm.resume(), Err(VmmError::Stopped { .. })));
	vm.stop().unwrap();
	let _ = std::fs::remove_file(&log);

	let cfg = config("fault", guest::triple_fault_guest());
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	let state =
		wait_for_state(&vm, |s| matches!(s, VmState::Stopped { .. }), Duration::from_secs(10));
	assert!(
		matches!(&state, VmState::Stopped { reason } if reason.contains("triple fault")),
		"{state:?}"
	);
	// Dropping a stopped VM is fine too.
	drop(vm);
	let _ = std::fs::remove_file(&log);
}

#[test]
fn dropping_a_running_vm_joins_it() {
	if !kvm_or_skip() {
		return;
	}
	let mut cfg = config("drop", guest::ticker_guest(100_000));
	cfg.vcpus = 2;
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	wait_for_console(&log, ".", Duration::from_secs(10));
	let started = Instant::now();
	drop(vm);
	assert!(started.elapsed() < Duration::from_secs(5));
	let frozen = console(&log).len();
	std::thread::sleep(Duration::from_millis(50));
	assert_eq!(console(&log).len(), frozen, "vCPUs still running after drop");
	let _ = std::fs::remove_file(&log);
}

#[test]
fn bad_inputs_are_named_errors() {
	if !kvm_or_skip() {
		return;
	}
	let err = Vm::start(config("empty", vec![])).unwrap_err();
	assert!(matches!(err, VmmError::FlatCodeSize { .. }), "{err}");

	let mut cfg = config("nokernel", vec![]);
	cfg.boot = BootSource::Linux {
		kernel: temp_path("missing-kernel"),
		initrd: None,
		cmdline: "console=ttyS0".to_string(),
	};
	assert!(matches!(Vm::start(cfg), Err(VmmError::File { .. })));

	let junk = temp_path("junk-kernel");
	std::fs::write(&junk, vec![0u8; 8192]).unwrap();
	let mut cfg = config("junkkernel", vec![]);
	cfg.boot = BootSource::Linux { kernel: junk.clone(), initrd: None, cmdline: String::new() };
	assert!(matches!(Vm::start(cfg), Err(VmmError::KernelLoad(_))));
	let _ = std::fs::remove_file(&junk);

	let mut cfg = config("nodisk", guest::probe_guest("x"));
	cfg.disks.push(DiskConfig { path: temp_path("missing.img"), read_only: false });
	assert!(matches!(Vm::start(cfg), Err(VmmError::File { .. })));

	let mut cfg = config("nolog", guest::probe_guest("x"));
	cfg.console_log = PathBuf::from("/nonexistent-dir/console.log");
	assert!(matches!(Vm::start(cfg), Err(VmmError::File { .. })));

	let mut cfg = config("badmac", guest::probe_guest("x"));
	let fd = std::fs::File::open("/dev/null").unwrap().into();
	cfg.nets.push(NetConfig { tap: fd, mac: [0x01, 0, 0, 0, 0, 1] });
	assert!(matches!(Vm::start(cfg), Err(VmmError::InvalidConfig(_))));

	let mut cfg = config("toosmall", guest::probe_guest("x"));
	cfg.memory_mib = 1;
	assert!(matches!(Vm::start(cfg), Err(VmmError::InvalidConfig(_))));
}

/// A synthetic bzImage: a one-sector setup with a boot protocol 2.15 header, and a protected-mode
/// "kernel" whose 64-bit entry (offset 0x200) prints the command line and the initrd it finds
/// through the zero page in `rsi`.
fn synthetic_bzimage() -> Vec<u8> {
	let mut image = vec![0u8; 1024];
	let put = |image: &mut Vec<u8>, at: usize, bytes: &[u8]| {
		image[at..at + bytes.len()].copy_from_slice(bytes)
	};
	put(&mut image, 0x1f1, &[1]); // setup_sects
	put(&mut image, 0x1fe, &0xaa55u16.to_le_bytes());
	put(&mut image, 0x202, b"HdrS");
	put(&mut image, 0x206, &0x020fu16.to_le_bytes()); // version 2.15
	put(&mut image, 0x211, &[1]); // loadflags: LOADED_HIGH
	put(&mut image, 0x214, &0x10_0000u32.to_le_bytes()); // code32_start
	put(&mut image, 0x22c, &0x7fff_ffffu32.to_le_bytes()); // initrd_addr_max
	put(&mut image, 0x230, &0x20_0000u32.to_le_bytes()); // kernel_alignment
	put(&mut image, 0x236, &1u16.to_le_bytes()); // xloadflags: XLF_KERNEL_64
	put(&mut image, 0x238, &2047u32.to_le_bytes()); // cmdline_size
	put(&mut image, 0x260, &0x1_0000u32.to_le_bytes()); // init_size
	let mut kernel = vec![0xf4u8; 0x200]; // the 32-bit entry: not used
	#[rustfmt::skip]
	kernel.extend_from_slice(&[
		0x66, 0xba, 0x40, 0x04, // mov dx, 0x440
		0xb0, 0x7b, 0xee, // mov al, 123; out dx, al
		0x48, 0x89, 0xf3, // mov rbx, rsi (zero page)
		0x8b, 0x86, 0x28, 0x02, 0x00, 0x00, // mov eax, [rsi + 0x228] (cmd_line_ptr)
		0x89, 0xc6, // mov esi, eax
		0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
		0x8a, 0x06, 0x84, 0xc0, 0x74, 0x06, // l1: mov al, [rsi]; test al, al; jz +6
		0xee, 0x48, 0xff, 0xc6, 0xeb, 0xf4, // out dx, al; inc rsi; jmp l1
		0xb0, 0x0a, 0xee, // newline
		0x8b, 0x83, 0x18, 0x02, 0x00, 0x00, // mov eax, [rbx + 0x218] (ramdisk_image)
		0x89, 0xc6, // mov esi, eax
		0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
		0x8a, 0x06, 0x84, 0xc0, 0x74, 0x06, // l2: mov al, [rsi]; test al, al; jz +6
		0xee, 0x48, 0xff, 0xc6, 0xeb, 0xf4, // out dx, al; inc rsi; jmp l2
		0xb0, 0x0a, 0xee, // newline
		0xf4, 0xeb, 0xfd, // hlt; jmp hlt
	]);
	image.extend_from_slice(&kernel);
	image
}

#[test]
fn linux_boot_path_with_a_synthetic_bzimage() {
	if !kvm_or_skip() {
		return;
	}
	let kernel = temp_path("bzImage");
	std::fs::write(&kernel, synthetic_bzimage()).unwrap();
	let initrd = temp_path("initrd");
	std::fs::write(&initrd, b"INITRD-OK\0").unwrap();
	let disk = temp_path("linux.img");
	std::fs::write(&disk, vec![0u8; 8192]).unwrap();

	let mut cfg = config("bz", vec![]);
	cfg.boot = BootSource::Linux {
		kernel: kernel.clone(),
		initrd: Some(initrd.clone()),
		cmdline: "console=ttyS0 quiet".to_string(),
	};
	cfg.disks.push(DiskConfig { path: disk.clone(), read_only: false });
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	let out = wait_for_console(&log, "INITRD-OK\n", Duration::from_secs(10));
	assert_eq!(out, "console=ttyS0 quiet virtio_mmio.device=4K@0xd0000000:5\nINITRD-OK\n");
	assert!(vm.timings().boot_marker.is_some());
	vm.stop().unwrap();
	for path in [kernel, initrd, disk, log] {
		let _ = std::fs::remove_file(path);
	}
}

#[test]
fn guest_driver_reads_a_virtio_disk() {
	if !kvm_or_skip() {
		return;
	}
	let disk = temp_path("driver.img");
	let mut image = vec![0u8; 4 * 512];
	image[512..520].copy_from_slice(b"DISKDATA");
	std::fs::write(&disk, &image).unwrap();
	let mut cfg = config("blkdrv", guest::virtio_blk_read_guest(layout::VIRTIO_MMIO_BASE, 1, 8));
	cfg.disks.push(DiskConfig { path: disk.clone(), read_only: true });
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	assert_eq!(wait_for_console(&log, "\n", Duration::from_secs(10)), "DISKDATA0\n");
	vm.stop().unwrap();

	// Sector 4 of a 4-sector disk: the device answers IOERR (status 1).
	let mut cfg = config("blkerr", guest::virtio_blk_read_guest(layout::VIRTIO_MMIO_BASE, 4, 1));
	cfg.disks.push(DiskConfig { path: disk.clone(), read_only: true });
	let log2 = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();
	assert_eq!(wait_for_console(&log2, "\n", Duration::from_secs(10)), "\u{0}1\n");
	vm.stop().unwrap();
	for path in [disk, log, log2] {
		let _ = std::fs::remove_file(path);
	}
}

/// Host side of a tap: brings it up and opens a packet socket on it.
struct TapPeer {
	socket: std::os::fd::OwnedFd,
	ifindex: i32,
}

impl TapPeer {
	fn open(name: &str) -> std::io::Result<Self> {
		use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
		let last = std::io::Error::last_os_error;
		// No IPv6 on it, so the kernel sends nothing of its own through the tap.
		let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6"), "1");
		// SAFETY: plain socket/ioctl calls with valid arguments; results are checked.
		unsafe {
			let ctl = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
			if ctl < 0 {
				return Err(last());
			}
			let ctl = OwnedFd::from_raw_fd(ctl);
			let mut req = [0u8; 40];
			req[..name.len()].copy_from_slice(name.as_bytes());
			if libc::ioctl(ctl.as_raw_fd(), libc::SIOCGIFFLAGS as _, req.as_mut_ptr()) < 0 {
				return Err(last());
			}
			let flags = i16::from_ne_bytes([req[16], req[17]]) | libc::IFF_UP as i16;
			req[16..18].copy_from_slice(&flags.to_ne_bytes());
			if libc::ioctl(ctl.as_raw_fd(), libc::SIOCSIFFLAGS as _, req.as_mut_ptr()) < 0 {
				return Err(last());
			}
			let cname = std::ffi::CString::new(name).unwrap();
			let ifindex = libc::if_nametoindex(cname.as_ptr()) as i32;
			let proto = (libc::ETH_P_ALL as u16).to_be();
			let fd = libc::socket(
				libc::AF_PACKET,
				libc::SOCK_RAW | libc::SOCK_CLOEXEC,
				i32::from(proto),
			);
			if fd < 0 {
				return Err(last());
			}
			let socket = OwnedFd::from_raw_fd(fd);
			let mut addr: libc::sockaddr_ll = std::mem::zeroed();
			addr.sll_family = libc::AF_PACKET as u16;
			addr.sll_protocol = proto;
			addr.sll_ifindex = ifindex;
			let len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
			if libc::bind(fd, &addr as *const libc::sockaddr_ll as *const libc::sockaddr, len) < 0 {
				return Err(last());
			}
			let timeout = libc::timeval { tv_sec: 0, tv_usec: 100_000 };
			libc::setsockopt(
				fd,
				libc::SOL_SOCKET,
				libc::SO_RCVTIMEO,
				&timeout as *const libc::timeval as *const libc::c_void,
				std::mem::size_of::<libc::timeval>() as u32,
			);
			Ok(Self { socket, ifindex })
		}
	}

	/// Waits for a frame (incoming to the host, i.e. sent by the guest) containing `needle`.
	fn receive_containing(&self, needle: &[u8], timeout: Duration) -> Option<Vec<u8>> {
		use std::os::fd::AsRawFd;
		let deadline = Instant::now() + timeout;
		while Instant::now() < deadline {
			let mut buf = [0u8; 2048];
			// SAFETY: receiving into a buffer we own, with its length.
			let n = unsafe {
				libc::recv(
					self.socket.as_raw_fd(),
					buf.as_mut_ptr() as *mut libc::c_void,
					buf.len(),
					0,
				)
			};
			if n > 0 {
				let frame = &buf[..n as usize];
				if frame.windows(needle.len()).any(|w| w == needle) {
					return Some(frame.to_vec());
				}
			}
		}
		None
	}

	/// Sends `frame` out of the tap interface (towards the guest).
	fn send(&self, frame: &[u8]) -> std::io::Result<()> {
		use std::os::fd::AsRawFd;
		// SAFETY: zeroed sockaddr_ll filled with valid values; buffer and lengths are ours.
		let n = unsafe {
			let mut addr: libc::sockaddr_ll = std::mem::zeroed();
			addr.sll_family = libc::AF_PACKET as u16;
			addr.sll_ifindex = self.ifindex;
			addr.sll_halen = 6;
			addr.sll_addr[..6].copy_from_slice(&frame[..6]);
			libc::sendto(
				self.socket.as_raw_fd(),
				frame.as_ptr() as *const libc::c_void,
				frame.len(),
				0,
				&addr as *const libc::sockaddr_ll as *const libc::sockaddr,
				std::mem::size_of::<libc::sockaddr_ll>() as u32,
			)
		};
		if n < 0 {
			return Err(std::io::Error::last_os_error());
		}
		Ok(())
	}
}

#[test]
fn guest_exchanges_frames_over_a_tap() {
	if !kvm_or_skip() {
		return;
	}
	let name = format!("tvn{}", std::process::id() % 100_000);
	let tap_fd = match tap::open_tap(&name) {
		Ok(fd) => fd,
		Err(e) => {
			eprintln!("skipping: cannot open a tap: {e}");
			return;
		},
	};
	let peer = match TapPeer::open(&name) {
		Ok(peer) => peer,
		Err(e) => {
			eprintln!("skipping: cannot bring up {name} / open a packet socket: {e}");
			return;
		},
	};
	let guest_mac = [0x02, 0, 0, 0, 0, 0x09];
	let mut ping = vec![0xff; 6];
	ping.extend_from_slice(&guest_mac);
	ping.extend_from_slice(&[0x88, 0xb5]); // local experimental ethertype
	ping.extend_from_slice(b"PING-FROM-GUEST");
	let code = guest::virtio_net_echo_guest(layout::VIRTIO_MMIO_BASE, &ping, 14);
	let mut cfg = config("net", code);
	cfg.nets.push(NetConfig { tap: tap_fd, mac: guest_mac });
	let log = cfg.console_log.clone();
	let vm = Vm::start(cfg).unwrap();

	// Guest → host.
	wait_for_console(&log, "T", Duration::from_secs(10));
	let got = peer.receive_containing(b"PING-FROM-GUEST", Duration::from_secs(5));
	assert_eq!(got.as_deref(), Some(&ping[..]), "the guest's frame did not come out of the tap");

	// Host → guest.
	let mut pong = guest_mac.to_vec();
	pong.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5]);
	pong.extend_from_slice(b"PONG-FROM-HOST");
	peer.send(&pong).unwrap();
	assert_eq!(wait_for_console(&log, "\n", Duration::from_secs(10)), "TPONG-FROM-HOST\n");
	vm.stop().unwrap();
	let _ = std::fs::remove_file(&log);
}
