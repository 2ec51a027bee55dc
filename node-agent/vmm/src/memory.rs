//! Guest RAM: anonymous mappings laid out around the 32-bit MMIO hole, registered with KVM.

use kvm_bindings::kvm_userspace_memory_region;
use kvm_ioctls::VmFd;
use vm_memory::{Address, GuestAddress, GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion};

use crate::{
	layout::{MMIO_GAP_END, MMIO_GAP_START},
	VmmError,
};

/// The guest RAM ranges for `size` bytes: everything below the MMIO hole first, the rest above 4 GiB.
pub(crate) fn ram_ranges(size: u64) -> Vec<(GuestAddress, u64)> {
	if size <= MMIO_GAP_START {
		vec![(GuestAddress(0), size)]
	} else {
		vec![(GuestAddress(0), MMIO_GAP_START), (GuestAddress(MMIO_GAP_END), size - MMIO_GAP_START)]
	}
}

/// Allocates `memory_mib` MiB of guest RAM (lazily backed anonymous memory).
pub(crate) fn create_guest_memory(memory_mib: u32) -> Result<GuestMemoryMmap, VmmError> {
	let size = u64::from(memory_mib) << 20;
	let ranges = ram_ranges(size)
		.into_iter()
		.map(|(addr, len)| {
			usize::try_from(len)
				.map(|len| (addr, len))
				.map_err(|_| VmmError::InvalidConfig(format!("memory size {memory_mib} MiB")))
		})
		.collect::<Result<Vec<_>, _>>()?;
	GuestMemoryMmap::from_ranges(&ranges).map_err(VmmError::GuestMemory)
}

/// End (exclusive) of the RAM below the MMIO hole.
pub(crate) fn low_ram_end(mem: &GuestMemoryMmap) -> u64 {
	mem.iter()
		.filter(|r| r.start_addr().raw_value() < MMIO_GAP_START)
		.map(|r| r.start_addr().raw_value() + r.len())
		.max()
		.unwrap_or(0)
}

/// Registers every region of `mem` with the VM, one memory slot each.
pub(crate) fn register_with_kvm(vm: &VmFd, mem: &GuestMemoryMmap) -> Result<(), VmmError> {
	for (slot, region) in mem.iter().enumerate() {
		let region_desc = kvm_userspace_memory_region {
			slot: slot as u32,
			flags: 0,
			guest_phys_addr: region.start_addr().raw_value(),
			memory_size: region.len(),
			userspace_addr: region.as_ptr() as u64,
		};
		// SAFETY: the mapping is owned by `mem`, which the VM keeps alive until every vCPU thread
		// has been joined and the VM fd is closed; the region does not overlap another slot.
		unsafe { vm.set_user_memory_region(region_desc) }
			.map_err(|source| VmmError::Kvm { op: "KVM_SET_USER_MEMORY_REGION", source })?;
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use vm_memory::Bytes;

	#[test]
	fn small_memory_is_one_range() {
		let ranges = ram_ranges(128 << 20);
		assert_eq!(ranges, vec![(GuestAddress(0), 128 << 20)]);
	}

	#[test]
	fn large_memory_skips_the_mmio_hole() {
		let ranges = ram_ranges(4 << 30);
		assert_eq!(
			ranges,
			vec![(GuestAddress(0), MMIO_GAP_START), (GuestAddress(MMIO_GAP_END), (1 << 30))]
		);
	}

	#[test]
	fn guest_memory_is_usable() {
		let mem = create_guest_memory(16).unwrap();
		assert_eq!(low_ram_end(&mem), 16 << 20);
		mem.write_obj(0xdead_beef_u32, GuestAddress(0x1000)).unwrap();
		assert_eq!(mem.read_obj::<u32>(GuestAddress(0x1000)).unwrap(), 0xdead_beef);
		assert!(mem.write_obj(0u32, GuestAddress(16 << 20)).is_err());
	}
}
