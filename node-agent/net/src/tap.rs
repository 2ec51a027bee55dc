//! Opening tap devices: `tfchain_vmm::tap::open_tap`, so the flags and the virtio-net header
//! size are the ones the VMM's virtio-net expects.

use std::os::fd::OwnedFd;

use crate::NetError;

/// Size of the virtio-net header that precedes every frame read from or written to the fd.
pub const VNET_HDR_SIZE: usize = tfchain_vmm::tap::VNET_HDR_SIZE as usize;

/// Opens tap `name` in the calling thread's network namespace, creating it when missing
/// (`IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`, [`VNET_HDR_SIZE`]-byte header, non-blocking,
/// close-on-exec). The device is not persistent: it disappears when the last fd is closed.
pub(crate) fn open_tap(name: &str) -> Result<OwnedFd, NetError> {
	tfchain_vmm::tap::open_tap(name)
		.map_err(|source| NetError::Tap { name: name.to_string(), source })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rejects_bad_names_before_touching_the_kernel() {
		assert!(matches!(open_tap(""), Err(NetError::Tap { .. })));
		assert!(matches!(open_tap("0123456789abcdef"), Err(NetError::Tap { .. })));
		assert!(matches!(open_tap("a/b"), Err(NetError::Tap { .. })));
	}
}
