//! Facts about the host the agent measures: CPUs, memory, disks, firmware, interfaces, uptime.
//!
//! Everything goes through the [`HostFacts`] trait so tests can fake the host. [`LinuxHost`]
//! reads `/proc`, `/sys` and `statvfs`; its root directory can be moved to a fixture tree.

use std::{
	collections::BTreeMap,
	ffi::CString,
	net::IpAddr,
	os::unix::ffi::OsStrExt,
	path::{Path, PathBuf},
};

/// Why a host fact could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
	/// A file could not be read.
	#[error("cannot read {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// The I/O error.
		source: std::io::Error,
	},
	/// A file did not have the expected content.
	#[error("cannot parse {what}: {reason}")]
	Parse {
		/// Which file.
		what: &'static str,
		/// Why.
		reason: String,
	},
	/// `statvfs` failed on a storage path.
	#[error("cannot measure storage path {path}: {source}")]
	Statvfs {
		/// The path.
		path: PathBuf,
		/// The OS error.
		source: std::io::Error,
	},
}

/// One network interface of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInterface {
	/// Name.
	pub name: String,
	/// MAC `aa:bb:cc:dd:ee:ff`.
	pub mac: String,
	/// Plain addresses (no prefix length).
	pub ips: Vec<String>,
}

/// What the agent measures about its host.
pub trait HostFacts: Send + Sync {
	/// Number of logical CPUs.
	fn cpu_count(&self) -> Result<u64, HostError>;
	/// Total memory in bytes.
	fn memory_bytes(&self) -> Result<u64, HostError>;
	/// Total size in bytes of the filesystem holding `path`.
	fn filesystem_bytes(&self, path: &Path) -> Result<u64, HostError>;
	/// Whether the host booted with UEFI secure boot on.
	fn secure_boot(&self) -> bool;
	/// Whether the host is a virtual machine.
	fn virtualized(&self) -> bool;
	/// The board or product serial number, when the firmware exposes one.
	fn serial_number(&self) -> Option<String>;
	/// The host's physical network interfaces.
	fn interfaces(&self) -> Vec<HostInterface>;
	/// Seconds since boot.
	fn uptime_secs(&self) -> Result<u64, HostError>;
}

/// The real Linux host (or a fixture tree laid out like `/proc` and `/sys`).
#[derive(Debug, Clone)]
pub struct LinuxHost {
	root: PathBuf,
}

impl Default for LinuxHost {
	fn default() -> Self {
		Self::new()
	}
}

/// Name of the UEFI variable holding the secure boot flag.
pub const SECURE_BOOT_VAR: &str = "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// Substrings of DMI vendor or product names of virtual machines.
const VM_HINTS: [&str; 10] = [
	"kvm",
	"qemu",
	"vmware",
	"virtualbox",
	"xen",
	"bochs",
	"microsoft corporation",
	"amazon ec2",
	"google compute engine",
	"openstack",
];

impl LinuxHost {
	/// The running host.
	pub fn new() -> Self {
		Self { root: PathBuf::from("/") }
	}

	/// A host whose `/proc` and `/sys` live under `root` (tests).
	pub fn with_root(root: impl Into<PathBuf>) -> Self {
		Self { root: root.into() }
	}

	fn path(&self, absolute: &str) -> PathBuf {
		self.root.join(absolute.trim_start_matches('/'))
	}

	fn read(&self, absolute: &str) -> Result<String, HostError> {
		let path = self.path(absolute);
		std::fs::read_to_string(&path).map_err(|source| HostError::Read { path, source })
	}

	fn read_trimmed(&self, absolute: &str) -> Option<String> {
		self.read(absolute).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
	}

	fn is_real_root(&self) -> bool {
		self.root == Path::new("/")
	}
}

impl HostFacts for LinuxHost {
	fn cpu_count(&self) -> Result<u64, HostError> {
		match self.read("/proc/cpuinfo").map(|t| parse_cpuinfo_count(&t)) {
			Ok(n) if n > 0 => Ok(n),
			_ if self.is_real_root() => std::thread::available_parallelism()
				.map(|n| n.get() as u64)
				.map_err(|e| parse_err("/proc/cpuinfo", &format!("no processors ({e})"))),
			Ok(_) => Err(parse_err("/proc/cpuinfo", "no processor entries")),
			Err(e) => Err(e),
		}
	}

	fn memory_bytes(&self) -> Result<u64, HostError> {
		parse_meminfo_total(&self.read("/proc/meminfo")?)
	}

	fn filesystem_bytes(&self, path: &Path) -> Result<u64, HostError> {
		statvfs_total(path)
	}

	fn secure_boot(&self) -> bool {
		let var = self.path(&format!("/sys/firmware/efi/efivars/{SECURE_BOOT_VAR}"));
		std::fs::read(var).map(|bytes| parse_secure_boot(&bytes)).unwrap_or(false)
	}

	fn virtualized(&self) -> bool {
		let flag = self.read("/proc/cpuinfo").map(|t| cpuinfo_has_hypervisor(&t)).unwrap_or(false);
		let dmi = ["/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name"]
			.iter()
			.filter_map(|p| self.read_trimmed(p))
			.any(|value| dmi_looks_virtual(&value));
		flag || dmi
	}

	fn serial_number(&self) -> Option<String> {
		["/sys/class/dmi/id/board_serial", "/sys/class/dmi/id/product_serial"]
			.iter()
			.filter_map(|p| self.read_trimmed(p))
			.find(|s| usable_serial(s))
	}

	fn interfaces(&self) -> Vec<HostInterface> {
		let dir = self.path("/sys/class/net");
		let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
		let mut names: Vec<String> = entries
			.filter_map(|e| e.ok())
			.filter_map(|e| e.file_name().into_string().ok())
			.collect();
		names.sort();
		let ips = if self.is_real_root() { interface_addresses() } else { BTreeMap::new() };
		names
			.into_iter()
			.filter(|name| {
				// Physical interfaces have a `device` link; bridges, taps and veths do not.
				dir.join(name).join("device").exists()
			})
			.filter_map(|name| {
				let mac = std::fs::read_to_string(dir.join(&name).join("address")).ok()?;
				let mac = mac.trim().to_string();
				let ips = ips.get(&name).cloned().unwrap_or_default();
				Some(HostInterface { name, mac, ips })
			})
			.collect()
	}

	fn uptime_secs(&self) -> Result<u64, HostError> {
		parse_uptime(&self.read("/proc/uptime")?)
	}
}

fn parse_err(what: &'static str, reason: &str) -> HostError {
	HostError::Parse { what, reason: reason.to_string() }
}

/// Counts `processor` entries of `/proc/cpuinfo` (logical CPUs).
pub fn parse_cpuinfo_count(text: &str) -> u64 {
	text.lines()
		.filter(|line| line.split(':').next().is_some_and(|key| key.trim() == "processor"))
		.count() as u64
}

/// Whether any `flags` line of `/proc/cpuinfo` has the `hypervisor` flag.
pub fn cpuinfo_has_hypervisor(text: &str) -> bool {
	text.lines().any(|line| {
		let mut parts = line.splitn(2, ':');
		let key = parts.next().unwrap_or("").trim();
		key == "flags"
			&& parts.next().is_some_and(|v| v.split_whitespace().any(|f| f == "hypervisor"))
	})
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub fn parse_meminfo_total(text: &str) -> Result<u64, HostError> {
	let line = text
		.lines()
		.find(|l| l.starts_with("MemTotal:"))
		.ok_or_else(|| parse_err("/proc/meminfo", "no MemTotal line"))?;
	let mut fields = line["MemTotal:".len()..].split_whitespace();
	let value: u64 = fields
		.next()
		.and_then(|v| v.parse().ok())
		.ok_or_else(|| parse_err("/proc/meminfo", "MemTotal is not a number"))?;
	let factor = match fields.next() {
		Some("kB") | Some("KB") | Some("kb") => 1024,
		Some("mB") | Some("MB") => 1024 * 1024,
		None | Some("B") => 1,
		Some(unit) => return Err(parse_err("/proc/meminfo", &format!("unknown unit {unit}"))),
	};
	value.checked_mul(factor).ok_or_else(|| parse_err("/proc/meminfo", "MemTotal overflows"))
}

/// Seconds since boot: the first field of `/proc/uptime`, truncated.
pub fn parse_uptime(text: &str) -> Result<u64, HostError> {
	let first = text.split_whitespace().next().ok_or_else(|| parse_err("/proc/uptime", "empty"))?;
	let secs: f64 =
		first.parse().map_err(|_| parse_err("/proc/uptime", "first field is not a number"))?;
	if !secs.is_finite() || secs < 0.0 {
		return Err(parse_err("/proc/uptime", "negative or not finite"));
	}
	Ok(secs as u64)
}

/// An efivarfs variable: 4 bytes of attributes then the value; secure boot is on when the
/// value's first byte is 1.
pub fn parse_secure_boot(bytes: &[u8]) -> bool {
	bytes.get(4) == Some(&1)
}

/// Whether a DMI vendor or product name belongs to a virtual machine.
pub fn dmi_looks_virtual(value: &str) -> bool {
	let value = value.to_ascii_lowercase();
	VM_HINTS.iter().any(|hint| value.contains(hint)) || value == "virtual machine"
}

/// Whether a DMI serial is a real value rather than a firmware placeholder.
pub fn usable_serial(serial: &str) -> bool {
	let lower = serial.to_ascii_lowercase();
	let placeholders = ["to be filled by o.e.m.", "default string", "not specified", "none", "0"];
	!serial.is_empty()
		&& serial.len() <= 128
		&& !placeholders.contains(&lower.as_str())
		&& !serial.bytes().all(|c| c == b'0' || c == b' ' || c == b'.')
}

/// Total bytes of the filesystem holding `path` (`f_blocks × f_frsize`).
pub fn statvfs_total(path: &Path) -> Result<u64, HostError> {
	let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| HostError::Statvfs {
		path: path.to_path_buf(),
		source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
	})?;
	// SAFETY: `c_path` is a valid NUL-terminated string and `stat` a properly sized,
	// zero-initialised out-parameter that lives across the call.
	let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
	let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
	if rc != 0 {
		return Err(HostError::Statvfs {
			path: path.to_path_buf(),
			source: std::io::Error::last_os_error(),
		});
	}
	Ok((stat.f_blocks as u64).saturating_mul(stat.f_frsize as u64))
}

/// Addresses of every interface, by name (`getifaddrs`), without link-local IPv6.
fn interface_addresses() -> BTreeMap<String, Vec<String>> {
	let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
	let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
	// SAFETY: getifaddrs fills `head` with a list we free with freeifaddrs below; we only read
	// entries while the list is alive and check every pointer for null.
	unsafe {
		if libc::getifaddrs(&mut head) != 0 {
			return out;
		}
		let mut cursor = head;
		while !cursor.is_null() {
			let entry = &*cursor;
			cursor = entry.ifa_next;
			if entry.ifa_addr.is_null() || entry.ifa_name.is_null() {
				continue;
			}
			let name = std::ffi::CStr::from_ptr(entry.ifa_name).to_string_lossy().into_owned();
			let family = (*entry.ifa_addr).sa_family as i32;
			let ip = match family {
				libc::AF_INET => {
					let sa = &*(entry.ifa_addr as *const libc::sockaddr_in);
					IpAddr::from(u32::from_be(sa.sin_addr.s_addr).to_be_bytes())
				},
				libc::AF_INET6 => {
					let sa = &*(entry.ifa_addr as *const libc::sockaddr_in6);
					IpAddr::from(sa.sin6_addr.s6_addr)
				},
				_ => continue,
			};
			if let IpAddr::V6(v6) = ip {
				if (v6.segments()[0] & 0xffc0) == 0xfe80 {
					continue;
				}
			}
			out.entry(name).or_default().push(ip.to_string());
		}
		libc::freeifaddrs(head);
	}
	out
}

/// A host with fixed facts, for tests and dry runs.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedHost {
	/// Logical CPUs.
	pub cpus: u64,
	/// Memory bytes.
	pub memory: u64,
	/// Filesystem bytes per path (paths not listed fail).
	pub filesystems: BTreeMap<PathBuf, u64>,
	/// Secure boot.
	pub secure_boot: bool,
	/// Virtualized.
	pub virtualized: bool,
	/// Serial number.
	pub serial: Option<String>,
	/// Interfaces.
	pub interfaces: Vec<HostInterface>,
	/// Seconds since boot.
	pub uptime: u64,
}

impl HostFacts for FixedHost {
	fn cpu_count(&self) -> Result<u64, HostError> {
		Ok(self.cpus)
	}
	fn memory_bytes(&self) -> Result<u64, HostError> {
		Ok(self.memory)
	}
	fn filesystem_bytes(&self, path: &Path) -> Result<u64, HostError> {
		self.filesystems.get(path).copied().ok_or_else(|| HostError::Statvfs {
			path: path.to_path_buf(),
			source: std::io::Error::from(std::io::ErrorKind::NotFound),
		})
	}
	fn secure_boot(&self) -> bool {
		self.secure_boot
	}
	fn virtualized(&self) -> bool {
		self.virtualized
	}
	fn serial_number(&self) -> Option<String> {
		self.serial.clone()
	}
	fn interfaces(&self) -> Vec<HostInterface> {
		self.interfaces.clone()
	}
	fn uptime_secs(&self) -> Result<u64, HostError> {
		Ok(self.uptime)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const CPUINFO: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n\
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm\n\n\
processor\t: 1\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm\n\n\
processor\t: 2\nflags\t\t: fpu hypervisor\n\nprocessor\t: 3\nflags\t\t: fpu hypervisor\n";

	const CPUINFO_METAL: &str = "processor\t: 0\nflags\t\t: fpu vme vmx\npower management:\n\n\
processor\t: 1\nflags\t\t: fpu vme vmx\n";

	const MEMINFO: &str = "MemTotal:       24684092 kB\nMemFree:         1000000 kB\n\
MemAvailable:   20000000 kB\nHugePages_Total:       0\n";

	#[test]
	fn cpuinfo_fixture() {
		assert_eq!(parse_cpuinfo_count(CPUINFO), 4);
		assert!(cpuinfo_has_hypervisor(CPUINFO));
		assert_eq!(parse_cpuinfo_count(CPUINFO_METAL), 2);
		assert!(!cpuinfo_has_hypervisor(CPUINFO_METAL));
		// "processor" as a value does not count, nor a "model name" containing it.
		assert_eq!(parse_cpuinfo_count("model name\t: processor X\n"), 0);
	}

	#[test]
	fn meminfo_fixture() {
		assert_eq!(parse_meminfo_total(MEMINFO).unwrap(), 24_684_092 * 1024);
		assert!(matches!(
			parse_meminfo_total("MemFree: 1 kB\n"),
			Err(HostError::Parse { what: "/proc/meminfo", .. })
		));
		assert!(parse_meminfo_total("MemTotal: lots kB\n").is_err());
		assert!(parse_meminfo_total("MemTotal: 1 parsecs\n").is_err());
	}

	#[test]
	fn uptime_fixture() {
		assert_eq!(parse_uptime("350735.47 234388.90\n").unwrap(), 350_735);
		assert_eq!(parse_uptime("0.99 0.10").unwrap(), 0);
		assert!(parse_uptime("").is_err());
		assert!(parse_uptime("abc 1").is_err());
		assert!(parse_uptime("-5 1").is_err());
	}

	#[test]
	fn firmware_hints() {
		assert!(parse_secure_boot(&[6, 0, 0, 0, 1]));
		assert!(!parse_secure_boot(&[6, 0, 0, 0, 0]));
		assert!(!parse_secure_boot(&[6, 0]));
		assert!(dmi_looks_virtual("QEMU"));
		assert!(dmi_looks_virtual("Standard PC (Q35 + ICH9, 2009) KVM"));
		assert!(dmi_looks_virtual("VMware, Inc."));
		assert!(!dmi_looks_virtual("Supermicro"));
		assert!(usable_serial("ABC123"));
		assert!(!usable_serial("To Be Filled By O.E.M."));
		assert!(!usable_serial("0000000"));
	}

	#[test]
	fn linux_host_on_a_fixture_tree() {
		let dir = tempfile::tempdir().unwrap();
		let root = dir.path();
		let write = |p: &str, content: &[u8]| {
			let path = root.join(p);
			std::fs::create_dir_all(path.parent().unwrap()).unwrap();
			std::fs::write(path, content).unwrap();
		};
		write("proc/cpuinfo", CPUINFO.as_bytes());
		write("proc/meminfo", MEMINFO.as_bytes());
		write("proc/uptime", b"1234.56 99.0\n");
		write("sys/class/dmi/id/board_serial", b"To Be Filled By O.E.M.\n");
		write("sys/class/dmi/id/product_serial", b"SN-42\n");
		write(&format!("sys/firmware/efi/efivars/{SECURE_BOOT_VAR}"), &[6, 0, 0, 0, 1]);
		write("sys/class/net/eth0/address", b"02:00:00:aa:bb:cc\n");
		write("sys/class/net/eth0/device/vendor", b"0x8086\n");
		write("sys/class/net/br0/address", b"02:00:00:00:00:01\n");
		let host = LinuxHost::with_root(root);
		assert_eq!(host.cpu_count().unwrap(), 4);
		assert_eq!(host.memory_bytes().unwrap(), 24_684_092 * 1024);
		assert_eq!(host.uptime_secs().unwrap(), 1234);
		assert!(host.virtualized());
		assert!(host.secure_boot());
		assert_eq!(host.serial_number().as_deref(), Some("SN-42"));
		assert_eq!(
			host.interfaces(),
			vec![HostInterface {
				name: "eth0".into(),
				mac: "02:00:00:aa:bb:cc".into(),
				ips: vec![]
			}]
		);
	}

	#[test]
	fn linux_host_without_firmware_files() {
		let dir = tempfile::tempdir().unwrap();
		std::fs::create_dir_all(dir.path().join("proc")).unwrap();
		std::fs::write(dir.path().join("proc/cpuinfo"), CPUINFO_METAL).unwrap();
		let host = LinuxHost::with_root(dir.path());
		assert!(!host.secure_boot());
		assert!(!host.virtualized());
		assert_eq!(host.serial_number(), None);
		assert!(host.interfaces().is_empty());
		assert!(matches!(host.memory_bytes(), Err(HostError::Read { .. })));
	}

	#[test]
	fn statvfs_of_a_real_directory() {
		let dir = tempfile::tempdir().unwrap();
		assert!(statvfs_total(dir.path()).unwrap() > 0);
		assert!(matches!(
			statvfs_total(&dir.path().join("missing")),
			Err(HostError::Statvfs { .. })
		));
	}

	#[test]
	fn real_host_answers() {
		let host = LinuxHost::new();
		assert!(host.cpu_count().unwrap() >= 1);
		assert!(host.memory_bytes().unwrap() > 0);
		assert!(host.uptime_secs().is_ok());
	}
}
