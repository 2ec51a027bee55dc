//! Guest physical memory map (x86_64).
//!
//! ```text
//! 0x0000_0500  GDT (6 entries)          0x0000_0540  IDT (empty)
//! 0x0000_7000  zero page (boot_params)  0x0000_8ff0  boot stack top (grows down)
//! 0x0000_9000  PML4    0x0000_a000 PDPT    0x0000_b000..0x0000_f000 four PDs (2 MiB pages, 4 GiB)
//! 0x0002_0000  kernel command line
//! 0x0009_fc00  MP table (EBDA, reserved in the e820 map)
//! 0x0010_0000  kernel (or the flat code of `BootSource::Flat`)
//! ...          RAM up to 3 GiB; an initrd sits page-aligned at the top of it
//! 0xc000_0000  32-bit hole: 0xd000_0000 virtio-mmio windows (4 KiB each),
//!              0xfec0_0000 IOAPIC, 0xfee0_0000 LAPIC
//! 0x1_0000_0000 RAM above 3 GiB continues here
//! ```

/// Address of the GDT.
pub const GDT_ADDR: u64 = 0x500;
/// Number of 8-byte GDT slots (null, null, code, data, 16-byte TSS).
pub const GDT_ENTRIES: usize = 6;
/// Address of the (empty) IDT.
pub const IDT_ADDR: u64 = 0x540;
/// Address of the Linux zero page (`struct boot_params`).
pub const ZERO_PAGE_ADDR: u64 = 0x7000;
/// Initial stack pointer of the boot vCPU.
pub const BOOT_STACK_POINTER: u64 = 0x8ff0;
/// Lowest address the per-vCPU stacks of a flat guest may reach.
pub const BOOT_STACK_LIMIT: u64 = 0x8000;
/// Address of the top-level page table (PML4).
pub const PML4_ADDR: u64 = 0x9000;
/// Address of the page-directory-pointer table.
pub const PDPT_ADDR: u64 = 0xa000;
/// Address of the first of the page directories (one per GiB mapped).
pub const PD_ADDR: u64 = 0xb000;
/// Number of GiB identity-mapped by the boot page tables (2 MiB pages).
pub const IDENTITY_MAPPED_GIB: u64 = 4;
/// Address of the kernel command line.
pub const CMDLINE_ADDR: u64 = 0x20000;
/// Largest command line we write, including the terminating NUL.
pub const CMDLINE_MAX_SIZE: usize = 4096;
/// Start of the extended BIOS data area; the MP table lives here.
pub const EBDA_START: u64 = 0x9fc00;
/// End of conventional memory (start of the legacy VGA/BIOS hole).
pub const EBDA_END: u64 = 0xa0000;
/// Start of high memory: the kernel is loaded here.
pub const HIMEM_START: u64 = 0x10_0000;
/// Where the code of a `BootSource::Flat` guest is loaded and entered.
pub const FLAT_CODE_ADDR: u64 = HIMEM_START;
/// Start of the 32-bit MMIO hole; RAM below 4 GiB ends here.
pub const MMIO_GAP_START: u64 = 0xc000_0000;
/// End of the 32-bit MMIO hole (4 GiB); RAM continues here.
pub const MMIO_GAP_END: u64 = 0x1_0000_0000;
/// Address of the first virtio-mmio register window.
pub const VIRTIO_MMIO_BASE: u64 = 0xd000_0000;
/// Size of one virtio-mmio register window.
pub const VIRTIO_MMIO_SIZE: u64 = 0x1000;
/// Address of the IOAPIC.
pub const IOAPIC_ADDR: u64 = 0xfec0_0000;
/// Address of the local APIC.
pub const LAPIC_ADDR: u64 = 0xfee0_0000;
/// TSS area KVM needs on Intel hosts (three pages, inside the MMIO hole).
pub const KVM_TSS_ADDR: u64 = 0xfffb_d000;
/// Number of IOAPIC pins (GSIs 0..=23).
pub const IOAPIC_PINS: u32 = 24;
/// Legacy IRQ of the first serial port.
pub const SERIAL_IRQ: u32 = 4;
/// First IRQ handed to virtio-mmio devices; each device gets the next one.
pub const VIRTIO_FIRST_IRQ: u32 = 5;
/// Most virtio-mmio devices a VM can have (IRQs 5..=23).
pub const MAX_VIRTIO_DEVICES: usize = (IOAPIC_PINS - VIRTIO_FIRST_IRQ) as usize;
/// I/O port of the first serial port (COM1).
pub const SERIAL_PORT: u16 = 0x3f8;
/// I/O port of the i8042 data register.
pub const I8042_DATA_PORT: u16 = 0x60;
/// I/O port of the i8042 command/status register.
pub const I8042_COMMAND_PORT: u16 = 0x64;
/// Most vCPUs a VM can have (bounded by the MP table fitting in the EBDA page).
pub const MAX_VCPUS: u8 = 32;

/// Guest address of the register window of virtio-mmio device `index`.
pub fn virtio_mmio_addr(index: usize) -> u64 {
	VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE * index as u64
}

/// IRQ (GSI) of virtio-mmio device `index`.
pub fn virtio_irq(index: usize) -> u32 {
	VIRTIO_FIRST_IRQ + index as u32
}

// The fixed regions must not overlap; checked at compile time.
const _: () = {
	assert!(GDT_ADDR + (GDT_ENTRIES as u64) * 8 <= IDT_ADDR);
	assert!(IDT_ADDR + 8 <= ZERO_PAGE_ADDR);
	assert!(ZERO_PAGE_ADDR + 0x1000 <= BOOT_STACK_LIMIT);
	assert!(BOOT_STACK_POINTER < PML4_ADDR);
	// Flat guests give each vCPU 64 bytes of stack.
	assert!(BOOT_STACK_POINTER - (MAX_VCPUS as u64) * 0x40 >= BOOT_STACK_LIMIT);
	assert!(PDPT_ADDR == PML4_ADDR + 0x1000 && PD_ADDR == PDPT_ADDR + 0x1000);
	assert!(PD_ADDR + IDENTITY_MAPPED_GIB * 0x1000 <= CMDLINE_ADDR);
	assert!(CMDLINE_ADDR + CMDLINE_MAX_SIZE as u64 <= EBDA_START);
	assert!(VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE * MAX_VIRTIO_DEVICES as u64 <= IOAPIC_ADDR);
	assert!(KVM_TSS_ADDR > LAPIC_ADDR && KVM_TSS_ADDR + 3 * 0x1000 <= MMIO_GAP_END);
};

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn device_windows_and_irqs() {
		assert_eq!(virtio_mmio_addr(0), 0xd000_0000);
		assert_eq!(virtio_mmio_addr(2), 0xd000_2000);
		assert_eq!(virtio_irq(0), 5);
		assert_eq!(virtio_irq(MAX_VIRTIO_DEVICES - 1), IOAPIC_PINS - 1);
		assert!(virtio_mmio_addr(MAX_VIRTIO_DEVICES) <= IOAPIC_ADDR);
	}
}
