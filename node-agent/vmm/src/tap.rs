//! Tap devices for virtio-net.

use std::{
	fs::OpenOptions,
	io,
	os::{
		fd::{AsRawFd, OwnedFd},
		unix::fs::OpenOptionsExt,
	},
};

/// `_IOW('T', 202, int)`
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
/// `_IOW('T', 216, int)`
const TUNSETVNETHDRSZ: libc::c_ulong = 0x4004_54d8;
const IFF_TAP: i16 = 0x0002;
const IFF_NO_PI: i16 = 0x1000;
const IFF_VNET_HDR: i16 = 0x4000;
/// Maximum interface name length, without the NUL (IFNAMSIZ - 1).
pub const MAX_NAME_LEN: usize = 15;
/// The `virtio_net_hdr_v1` size the tap is told to use; the VMM's virtio-net expects it.
pub const VNET_HDR_SIZE: i32 = 12;

/// `struct ifreq` with the flags member of its union (40 bytes on 64-bit Linux).
#[repr(C)]
struct IfReqFlags {
	name: [u8; 16],
	flags: i16,
	_pad: [u8; 22],
}

/// Checks an interface name: 1..=15 bytes, no NUL, '/', ':' or whitespace.
pub fn validate_name(name: &str) -> io::Result<()> {
	let bad = name.is_empty()
		|| name.len() > MAX_NAME_LEN
		|| name == "."
		|| name == ".."
		|| name.bytes().any(|b| b == 0 || b == b'/' || b == b':' || b.is_ascii_whitespace());
	if bad {
		return Err(io::Error::new(
			io::ErrorKind::InvalidInput,
			format!("invalid interface name {name:?} (1..=15 bytes, no '/', ':', spaces)"),
		));
	}
	Ok(())
}

/// Opens tap interface `name` (creating it if missing) with `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`
/// and a 12-byte virtio-net header, non-blocking. Needs `CAP_NET_ADMIN` to create an interface.
/// A non-persistent tap disappears when the last fd is closed.
pub fn open_tap(name: &str) -> io::Result<OwnedFd> {
	validate_name(name)?;
	let file = OpenOptions::new()
		.read(true)
		.write(true)
		.custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
		.open("/dev/net/tun")?;
	let mut req =
		IfReqFlags { name: [0; 16], flags: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, _pad: [0; 22] };
	req.name[..name.len()].copy_from_slice(name.as_bytes());
	// SAFETY: TUNSETIFF reads and writes a `struct ifreq`; `req` has its size and layout and lives
	// across the call. The return value is checked.
	if unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF as _, &mut req as *mut IfReqFlags) } < 0 {
		return Err(io::Error::last_os_error());
	}
	let size: libc::c_int = VNET_HDR_SIZE;
	// SAFETY: TUNSETVNETHDRSZ reads an int through the pointer, which is valid for the call.
	if unsafe { libc::ioctl(file.as_raw_fd(), TUNSETVNETHDRSZ as _, &size as *const libc::c_int) }
		< 0
	{
		return Err(io::Error::last_os_error());
	}
	Ok(OwnedFd::from(file))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ifreq_has_the_kernel_size() {
		assert_eq!(std::mem::size_of::<IfReqFlags>(), 40);
	}

	#[test]
	fn names_are_validated() {
		assert!(validate_name("tap0").is_ok());
		assert!(validate_name("t-123456789-01").is_ok());
		for bad in ["", "0123456789abcdef", "a/b", "a b", "a:b", "..", "a\0"] {
			assert_eq!(
				validate_name(bad).unwrap_err().kind(),
				io::ErrorKind::InvalidInput,
				"{bad:?}"
			);
		}
		assert_eq!(open_tap("bad/name").unwrap_err().kind(), io::ErrorKind::InvalidInput);
	}

	#[test]
	fn opens_a_tap_when_permitted() {
		let name = format!("tvmm{}", std::process::id() % 100_000);
		match open_tap(&name) {
			Ok(fd) => {
				assert!(std::path::Path::new(&format!("/sys/class/net/{name}")).exists());
				// The vnet header size stuck.
				let mut size: libc::c_int = 0;
				// `_IOR('T', 215, int)` TUNGETVNETHDRSZ
				// SAFETY: reads an int into `size`.
				let rc = unsafe { libc::ioctl(fd.as_raw_fd(), 0x8004_54d7_u64 as _, &mut size) };
				assert_eq!(rc, 0);
				assert_eq!(size, VNET_HDR_SIZE);
				drop(fd);
				assert!(!std::path::Path::new(&format!("/sys/class/net/{name}")).exists());
			},
			Err(e) => eprintln!("skipping: cannot open a tap here: {e}"),
		}
	}
}
