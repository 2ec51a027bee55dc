//! Intel MultiProcessor Specification 1.4 tables, so that a Linux guest finds its vCPUs, the IOAPIC
//! and the ISA interrupt routing without ACPI. Written into the EBDA at `EBDA_START`.

use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use crate::{
	layout::{EBDA_END, EBDA_START, IOAPIC_ADDR, IOAPIC_PINS, LAPIC_ADDR, MAX_VCPUS},
	VmmError,
};

const SPEC_REV: u8 = 4;
const APIC_VERSION: u8 = 0x14;
const IOAPIC_VERSION: u8 = 0x11;
const CPU_ENABLED: u8 = 1;
const CPU_BOOTSTRAP: u8 = 2;
/// Family 6 signature, with FPU and APIC feature flags.
const CPU_SIGNATURE: u32 = 0x600;
const CPU_FEATURES: u32 = (1 << 0) | (1 << 9);
const ENTRY_PROCESSOR: u8 = 0;
const ENTRY_BUS: u8 = 1;
const ENTRY_IOAPIC: u8 = 2;
const ENTRY_IO_INTERRUPT: u8 = 3;
const ENTRY_LOCAL_INTERRUPT: u8 = 4;
const INT_TYPE_INT: u8 = 0;
const INT_TYPE_NMI: u8 = 1;
const INT_TYPE_EXTINT: u8 = 3;
const ISA_BUS_ID: u8 = 0;
const FLOATING_POINTER_SIZE: usize = 16;
const HEADER_SIZE: usize = 44;

/// Sum of `bytes`, as the MP checksums define it.
fn byte_sum(bytes: &[u8]) -> u8 {
	bytes.iter().fold(0u8, |acc, b| acc.wrapping_add(*b))
}

/// Builds the MP floating pointer followed by the configuration table for `vcpus` vCPUs, as it is
/// to be placed at `base`.
pub(crate) fn build(vcpus: u8, base: u64) -> Result<Vec<u8>, VmmError> {
	if vcpus == 0 || vcpus > MAX_VCPUS {
		return Err(VmmError::InvalidConfig(format!("{vcpus} vCPUs (1..={MAX_VCPUS})")));
	}
	let ioapic_id = vcpus; // APIC ids 0..vcpus belong to the CPUs
	let table_addr = base + FLOATING_POINTER_SIZE as u64;

	let mut entries = Vec::new();
	let mut count: u16 = 0;
	for cpu in 0..vcpus {
		let flags = CPU_ENABLED | if cpu == 0 { CPU_BOOTSTRAP } else { 0 };
		entries.extend_from_slice(&[ENTRY_PROCESSOR, cpu, APIC_VERSION, flags]);
		entries.extend_from_slice(&CPU_SIGNATURE.to_le_bytes());
		entries.extend_from_slice(&CPU_FEATURES.to_le_bytes());
		entries.extend_from_slice(&[0; 8]);
		count += 1;
	}
	entries.extend_from_slice(&[ENTRY_BUS, ISA_BUS_ID]);
	entries.extend_from_slice(b"ISA   ");
	count += 1;
	entries.extend_from_slice(&[ENTRY_IOAPIC, ioapic_id, IOAPIC_VERSION, 1]);
	entries.extend_from_slice(&(IOAPIC_ADDR as u32).to_le_bytes());
	count += 1;
	for irq in 0..IOAPIC_PINS as u8 {
		// KVM routes the PIT (IRQ 0) to IOAPIC pin 2, like a PC's interrupt source override.
		let pin = if irq == 0 { 2 } else { irq };
		if irq == 2 {
			continue;
		}
		entries.extend_from_slice(&[ENTRY_IO_INTERRUPT, INT_TYPE_INT]);
		entries.extend_from_slice(&0u16.to_le_bytes());
		entries.extend_from_slice(&[ISA_BUS_ID, irq, ioapic_id, pin]);
		count += 1;
	}
	for (int_type, lint) in [(INT_TYPE_EXTINT, 0u8), (INT_TYPE_NMI, 1u8)] {
		entries.extend_from_slice(&[ENTRY_LOCAL_INTERRUPT, int_type]);
		entries.extend_from_slice(&0u16.to_le_bytes());
		entries.extend_from_slice(&[ISA_BUS_ID, 0, 0xff, lint]);
		count += 1;
	}

	let table_len = HEADER_SIZE + entries.len();
	let mut table = Vec::with_capacity(table_len);
	table.extend_from_slice(b"PCMP");
	table.extend_from_slice(&(table_len as u16).to_le_bytes());
	table.push(SPEC_REV);
	table.push(0); // checksum, filled below
	table.extend_from_slice(b"TFCHAIN ");
	table.extend_from_slice(b"TFCHAIN-VMM ");
	table.extend_from_slice(&0u32.to_le_bytes()); // OEM table pointer
	table.extend_from_slice(&0u16.to_le_bytes()); // OEM table size
	table.extend_from_slice(&count.to_le_bytes());
	table.extend_from_slice(&(LAPIC_ADDR as u32).to_le_bytes());
	table.extend_from_slice(&0u16.to_le_bytes()); // extended table length
	table.push(0); // extended table checksum
	table.push(0); // reserved
	debug_assert_eq!(table.len(), HEADER_SIZE);
	table.extend_from_slice(&entries);
	table[7] = 0u8.wrapping_sub(byte_sum(&table));

	let mut out = Vec::with_capacity(FLOATING_POINTER_SIZE + table.len());
	out.extend_from_slice(b"_MP_");
	out.extend_from_slice(&(table_addr as u32).to_le_bytes());
	out.push(1); // length in 16-byte units
	out.push(SPEC_REV);
	out.push(0); // checksum, filled below
	out.extend_from_slice(&[0; 5]); // feature bytes: a configuration table is present
	out[10] = 0u8.wrapping_sub(byte_sum(&out));
	out.extend_from_slice(&table);
	if base + out.len() as u64 > EBDA_END {
		return Err(VmmError::InvalidConfig("MP table does not fit in the EBDA".to_string()));
	}
	Ok(out)
}

/// Writes the MP table for `vcpus` vCPUs at `EBDA_START`.
pub(crate) fn write(mem: &GuestMemoryMmap, vcpus: u8) -> Result<(), VmmError> {
	let bytes = build(vcpus, EBDA_START)?;
	mem.write_slice(&bytes, GuestAddress(EBDA_START))
		.map_err(|source| VmmError::GuestMemoryAccess { what: "writing the MP table", source })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn checksums_and_counts() {
		for vcpus in [1u8, 2, MAX_VCPUS] {
			let bytes = build(vcpus, EBDA_START).unwrap();
			assert_eq!(&bytes[0..4], b"_MP_");
			assert_eq!(byte_sum(&bytes[..16]), 0, "floating pointer checksum");
			let table_addr = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
			assert_eq!(u64::from(table_addr), EBDA_START + 16);
			let table = &bytes[16..];
			assert_eq!(&table[0..4], b"PCMP");
			let len = u16::from_le_bytes([table[4], table[5]]) as usize;
			assert_eq!(len, table.len());
			assert_eq!(byte_sum(table), 0, "configuration table checksum");
			let count = u16::from_le_bytes([table[34], table[35]]) as usize;
			// CPUs + bus + IOAPIC + 23 IO interrupts + 2 local interrupts
			assert_eq!(count, vcpus as usize + 1 + 1 + 23 + 2);
			// Walk the entries: processors first, the first one is the bootstrap processor.
			let mut at = HEADER_SIZE;
			let mut cpus = 0;
			for _ in 0..count {
				let kind = table[at];
				at += if kind == ENTRY_PROCESSOR {
					if cpus == 0 {
						assert_eq!(table[at + 3], CPU_ENABLED | CPU_BOOTSTRAP);
					}
					assert_eq!(table[at + 1], cpus);
					cpus += 1;
					20
				} else {
					8
				};
			}
			assert_eq!(at, len);
			assert_eq!(cpus, vcpus);
			assert!(EBDA_START + bytes.len() as u64 <= EBDA_END);
		}
	}

	#[test]
	fn rejects_bad_vcpu_counts() {
		assert!(build(0, EBDA_START).is_err());
		assert!(build(MAX_VCPUS + 1, EBDA_START).is_err());
	}

	#[test]
	fn timer_goes_to_pin_two() {
		let bytes = build(1, EBDA_START).unwrap();
		let table = &bytes[16..];
		let first_io = HEADER_SIZE + 20 + 8 + 8;
		assert_eq!(table[first_io], ENTRY_IO_INTERRUPT);
		assert_eq!((table[first_io + 5], table[first_io + 7]), (0, 2));
		assert_eq!((table[first_io + 8 + 5], table[first_io + 8 + 7]), (1, 1));
	}
}
