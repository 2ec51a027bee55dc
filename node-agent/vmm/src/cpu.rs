//! vCPU setup for a 64-bit entry: CPUID, GDT, identity page tables, long-mode special registers,
//! general registers, FPU, MSRs and the local APIC's LINT pins.

use kvm_bindings::{
	kvm_fpu, kvm_lapic_state, kvm_msr_entry, kvm_regs, kvm_segment, kvm_sregs, CpuId, Msrs,
};
use kvm_ioctls::VcpuFd;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use crate::{
	layout::{
		BOOT_STACK_LIMIT, BOOT_STACK_POINTER, GDT_ADDR, GDT_ENTRIES, IDENTITY_MAPPED_GIB, IDT_ADDR,
		PDPT_ADDR, PD_ADDR, PML4_ADDR, ZERO_PAGE_ADDR,
	},
	VmmError, BOOT_MARKER_PORT,
};

/// Selector of the 64-bit code segment (`__BOOT_CS` of the Linux boot protocol).
pub(crate) const CODE_SELECTOR: u16 = 0x10;
/// Selector of the data segment (`__BOOT_DS`).
pub(crate) const DATA_SELECTOR: u16 = 0x18;
/// Selector of the TSS.
pub(crate) const TSS_SELECTOR: u16 = 0x20;

const CR0_PE: u64 = 1;
const CR0_ET: u64 = 1 << 4;
const CR0_NE: u64 = 1 << 5;
const CR0_NW: u64 = 1 << 29;
const CR0_CD: u64 = 1 << 30;
const CR0_PG: u64 = 1 << 31;
const CR4_PAE: u64 = 1 << 5;
const EFER_LME: u64 = 1 << 8;
const EFER_LMA: u64 = 1 << 10;

/// Page-table entry bits: present, writable, and (in a PD) a 2 MiB page.
const PTE_PRESENT_RW: u64 = 0x3;
const PDE_HUGE: u64 = 0x80;

const MSR_IA32_TSC: u32 = 0x10;
const MSR_IA32_SYSENTER_CS: u32 = 0x174;
const MSR_IA32_SYSENTER_ESP: u32 = 0x175;
const MSR_IA32_SYSENTER_EIP: u32 = 0x176;
const MSR_IA32_MISC_ENABLE: u32 = 0x1a0;
const MSR_STAR: u32 = 0xc000_0081;
const MSR_LSTAR: u32 = 0xc000_0082;
const MSR_CSTAR: u32 = 0xc000_0083;
const MSR_SYSCALL_MASK: u32 = 0xc000_0084;
const MSR_KERNEL_GS_BASE: u32 = 0xc000_0102;
/// MISC_ENABLE bit 0: fast string operations.
const MISC_ENABLE_FAST_STRING: u64 = 1;

const APIC_LVT0: usize = 0x350;
const APIC_LVT1: usize = 0x360;
const APIC_MODE_NMI: u32 = 0x4;
const APIC_MODE_EXTINT: u32 = 0x7;

const CPUID_HYPERVISOR_BIT: u32 = 1 << 31;
const CPUID_HTT_BIT: u32 = 1 << 28;

/// Value the flat guests find in `rax` at entry: the boot marker value.
pub(crate) const FLAT_RAX: u64 = crate::devices::boot_marker::BOOT_MARKER_VALUE as u64;

/// Builds a GDT entry from access/flags (`0xF0FF` mask), base and limit.
pub(crate) fn gdt_entry(flags: u16, base: u32, limit: u32) -> u64 {
	let flags = u64::from(flags);
	let base = u64::from(base);
	let limit = u64::from(limit);
	((base & 0xff00_0000) << 32)
		| ((flags & 0xf0ff) << 40)
		| ((limit & 0x000f_0000) << 32)
		| ((base & 0x00ff_ffff) << 16)
		| (limit & 0x0000_ffff)
}

/// The KVM segment register view of GDT entry `entry` at `selector`.
pub(crate) fn segment_from_entry(entry: u64, selector: u16) -> kvm_segment {
	let base = ((entry >> 16) & 0x00ff_ffff) | ((entry >> 32) & 0xff00_0000);
	let raw_limit = ((entry & 0xffff) | ((entry >> 32) & 0x000f_0000)) as u32;
	let g = ((entry >> 55) & 1) as u8;
	let present = ((entry >> 47) & 1) as u8;
	kvm_segment {
		base,
		limit: if g == 1 { (raw_limit << 12) | 0xfff } else { raw_limit },
		selector,
		type_: ((entry >> 40) & 0xf) as u8,
		present,
		dpl: ((entry >> 45) & 0x3) as u8,
		db: ((entry >> 54) & 1) as u8,
		s: ((entry >> 44) & 1) as u8,
		l: ((entry >> 53) & 1) as u8,
		g,
		avl: ((entry >> 52) & 1) as u8,
		unusable: u8::from(present == 0),
		padding: 0,
	}
}

/// The boot GDT: two null entries, code at 0x10, data at 0x18, a TSS at 0x20 (16 bytes).
pub(crate) fn gdt_table() -> [u64; GDT_ENTRIES] {
	[
		0,
		0,
		gdt_entry(0xa09b, 0, 0xfffff), // 64-bit code, present, ring 0, 4 KiB granularity
		gdt_entry(0xc093, 0, 0xfffff), // data, read/write, 4 KiB granularity
		gdt_entry(0x808b, 0, 0xfffff), // busy 64-bit TSS
		0,                             // upper half of the TSS descriptor
	]
}

/// Writes the GDT and an empty IDT.
pub(crate) fn write_gdt_and_idt(mem: &GuestMemoryMmap) -> Result<(), VmmError> {
	for (i, entry) in gdt_table().iter().enumerate() {
		mem.write_obj(*entry, GuestAddress(GDT_ADDR + (i as u64) * 8))
			.map_err(|source| VmmError::GuestMemoryAccess { what: "writing the GDT", source })?;
	}
	mem.write_obj(0u64, GuestAddress(IDT_ADDR))
		.map_err(|source| VmmError::GuestMemoryAccess { what: "writing the IDT", source })
}

/// Writes identity page tables for the first `IDENTITY_MAPPED_GIB` GiB with 2 MiB pages.
pub(crate) fn write_page_tables(mem: &GuestMemoryMmap) -> Result<(), VmmError> {
	let err = |source| VmmError::GuestMemoryAccess { what: "writing page tables", source };
	mem.write_obj(PDPT_ADDR | PTE_PRESENT_RW, GuestAddress(PML4_ADDR)).map_err(err)?;
	for gib in 0..IDENTITY_MAPPED_GIB {
		let pd = PD_ADDR + gib * 0x1000;
		mem.write_obj(pd | PTE_PRESENT_RW, GuestAddress(PDPT_ADDR + gib * 8)).map_err(err)?;
		for i in 0..512u64 {
			let page = ((gib << 30) | (i << 21)) | PTE_PRESENT_RW | PDE_HUGE;
			mem.write_obj(page, GuestAddress(pd + i * 8)).map_err(err)?;
		}
	}
	Ok(())
}

/// Puts `sregs` into 64-bit long mode with our GDT and page tables.
pub(crate) fn set_long_mode_sregs(sregs: &mut kvm_sregs) {
	let gdt = gdt_table();
	let code = segment_from_entry(gdt[2], CODE_SELECTOR);
	let data = segment_from_entry(gdt[3], DATA_SELECTOR);
	let tss = segment_from_entry(gdt[4], TSS_SELECTOR);
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = (gdt.len() * 8 - 1) as u16;
	sregs.idt.base = IDT_ADDR;
	sregs.idt.limit = 7;
	sregs.cs = code;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;
	sregs.tr = tss;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 |= CR4_PAE;
	sregs.cr0 = (sregs.cr0 & !(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	sregs.efer |= EFER_LME | EFER_LMA;
}

/// How a vCPU is entered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EntryKind {
	/// Linux 64-bit boot protocol: `rsi` points at the zero page.
	Linux,
	/// Flat guest: `rax` = 123 and `rdx` = `BOOT_MARKER_PORT` (so an `out dx, al` first instruction
	/// writes the boot marker), `rbx` = vCPU index, a small stack per vCPU.
	Flat,
}

/// Initial general-purpose registers of vCPU `index`.
pub(crate) fn boot_regs(entry: GuestAddress, kind: EntryKind, index: u8) -> kvm_regs {
	let mut regs = kvm_regs { rip: entry.0, rflags: 0x2, ..Default::default() };
	match kind {
		EntryKind::Linux => {
			regs.rsp = BOOT_STACK_POINTER;
			regs.rbp = BOOT_STACK_POINTER;
			regs.rsi = ZERO_PAGE_ADDR;
		},
		EntryKind::Flat => {
			let stack = BOOT_STACK_POINTER - u64::from(index) * 0x40;
			debug_assert!(stack > BOOT_STACK_LIMIT);
			regs.rsp = stack;
			regs.rbp = stack;
			regs.rax = FLAT_RAX;
			regs.rdx = u64::from(BOOT_MARKER_PORT);
			regs.rbx = u64::from(index);
		},
	}
	regs
}

/// Initial FPU state: x87 control word and MXCSR at their reset values.
pub(crate) fn boot_fpu() -> kvm_fpu {
	kvm_fpu { fcw: 0x37f, mxcsr: 0x1f80, ..Default::default() }
}

/// The MSRs we initialise.
pub(crate) fn boot_msr_entries() -> Vec<kvm_msr_entry> {
	let entry = |index, data| kvm_msr_entry { index, data, ..Default::default() };
	vec![
		entry(MSR_IA32_SYSENTER_CS, 0),
		entry(MSR_IA32_SYSENTER_ESP, 0),
		entry(MSR_IA32_SYSENTER_EIP, 0),
		entry(MSR_STAR, 0),
		entry(MSR_CSTAR, 0),
		entry(MSR_KERNEL_GS_BASE, 0),
		entry(MSR_SYSCALL_MASK, 0),
		entry(MSR_LSTAR, 0),
		entry(MSR_IA32_TSC, 0),
		entry(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
	]
}

fn lapic_reg(lapic: &kvm_lapic_state, offset: usize) -> u32 {
	let mut bytes = [0u8; 4];
	for (i, b) in bytes.iter_mut().enumerate() {
		*b = lapic.regs[offset + i] as u8;
	}
	u32::from_le_bytes(bytes)
}

fn set_lapic_reg(lapic: &mut kvm_lapic_state, offset: usize, value: u32) {
	for (i, b) in value.to_le_bytes().iter().enumerate() {
		lapic.regs[offset + i] = *b as _;
	}
}

/// Sets LINT0 to ExtINT (the PIC) and LINT1 to NMI, as a BIOS would.
pub(crate) fn set_lint_pins(lapic: &mut kvm_lapic_state) {
	let with_mode = |value: u32, mode: u32| (value & !0x700) | (mode << 8);
	let lvt0 = lapic_reg(lapic, APIC_LVT0);
	set_lapic_reg(lapic, APIC_LVT0, with_mode(lvt0, APIC_MODE_EXTINT));
	let lvt1 = lapic_reg(lapic, APIC_LVT1);
	set_lapic_reg(lapic, APIC_LVT1, with_mode(lvt1, APIC_MODE_NMI));
}

/// Number of bits needed for `count` distinct ids.
fn id_bits(count: u8) -> u32 {
	match count {
		0 | 1 => 0,
		n => 8 - (n - 1).leading_zeros(),
	}
}

/// Whether leaf 0 says "AuthenticAMD".
fn is_amd(cpuid: &CpuId) -> bool {
	cpuid.as_slice().iter().any(|e| {
		e.function == 0 && e.ebx == 0x6874_7541 && e.edx == 0x6974_6e65 && e.ecx == 0x444d_4163
	})
}

/// Adapts the host-supported CPUID to vCPU `apic_id` of `count`: APIC ids in leaves 1, 0xB and
/// 0x1F (and AMD's 0x8000_0008 core count and 0x8000_001E extended APIC id), the logical
/// processor count, and the hypervisor bit. Each vCPU is presented as one core of one package.
pub(crate) fn adjust_cpuid(cpuid: &mut CpuId, apic_id: u8, count: u8) {
	let amd = is_amd(cpuid);
	for entry in cpuid.as_mut_slice() {
		match entry.function {
			0x1 => {
				entry.ebx = (entry.ebx & 0x0000_ffff)
					| (u32::from(apic_id) << 24)
					| (u32::from(count) << 16);
				entry.ecx |= CPUID_HYPERVISOR_BIT;
				if count > 1 {
					entry.edx |= CPUID_HTT_BIT;
				} else {
					entry.edx &= !CPUID_HTT_BIT;
				}
			},
			0xb | 0x1f => {
				// Level 0: SMT with one thread per core; level 1: cores, `count` per package.
				entry.edx = u32::from(apic_id);
				match entry.index {
					0 => {
						entry.eax = 0;
						entry.ebx = 1;
						entry.ecx = 1 << 8;
					},
					1 => {
						entry.eax = id_bits(count);
						entry.ebx = u32::from(count);
						entry.ecx = (2 << 8) | 1;
					},
					index => {
						entry.eax = 0;
						entry.ebx = 0;
						entry.ecx = index;
					},
				}
			},
			0x8000_0008 if amd => {
				// ECX: ApicIdCoreIdSize (15:12) and NC = cores - 1 (7:0).
				entry.ecx = (entry.ecx & !0xf0ff)
					| (id_bits(count) << 12)
					| u32::from(count.saturating_sub(1));
			},
			0x8000_001e if amd => {
				// Extended APIC id; core id = APIC id, one thread per core, node 0.
				entry.eax = u32::from(apic_id);
				entry.ebx = (entry.ebx & !0xff_ff) | u32::from(apic_id);
				entry.ecx &= !0x7ff;
			},
			_ => {},
		}
	}
}

/// Configures vCPU `index` of `count` for a 64-bit entry at `entry`.
pub(crate) fn configure_vcpu(
	vcpu: &VcpuFd,
	supported_cpuid: &CpuId,
	index: u8,
	count: u8,
	entry: GuestAddress,
	kind: EntryKind,
) -> Result<(), VmmError> {
	let kvm_err = |op| move |source| VmmError::Kvm { op, source };
	let mut cpuid = supported_cpuid.clone();
	adjust_cpuid(&mut cpuid, index, count);
	vcpu.set_cpuid2(&cpuid).map_err(kvm_err("KVM_SET_CPUID2"))?;

	let entries = boot_msr_entries();
	let msrs = Msrs::from_entries(&entries)
		.map_err(|_| VmmError::InvalidConfig("too many MSR entries".to_string()))?;
	let written = vcpu.set_msrs(&msrs).map_err(kvm_err("KVM_SET_MSRS"))?;
	if written != entries.len() {
		let failed = entries.get(written).map(|e| e.index).unwrap_or_default();
		return Err(VmmError::MsrRejected { index: failed });
	}

	let mut sregs = vcpu.get_sregs().map_err(kvm_err("KVM_GET_SREGS"))?;
	set_long_mode_sregs(&mut sregs);
	vcpu.set_sregs(&sregs).map_err(kvm_err("KVM_SET_SREGS"))?;
	vcpu.set_regs(&boot_regs(entry, kind, index)).map_err(kvm_err("KVM_SET_REGS"))?;
	vcpu.set_fpu(&boot_fpu()).map_err(kvm_err("KVM_SET_FPU"))?;

	let mut lapic = vcpu.get_lapic().map_err(kvm_err("KVM_GET_LAPIC"))?;
	set_lint_pins(&mut lapic);
	vcpu.set_lapic(&lapic).map_err(kvm_err("KVM_SET_LAPIC"))?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::memory::create_guest_memory;
	use kvm_bindings::kvm_cpuid_entry2;

	#[test]
	fn gdt_entries_decode_to_segments() {
		let gdt = gdt_table();
		assert_eq!(gdt[2], 0x00af_9b00_0000_ffff);
		assert_eq!(gdt[3], 0x00cf_9300_0000_ffff);
		assert_eq!(gdt[4], 0x008f_8b00_0000_ffff);
		let cs = segment_from_entry(gdt[2], CODE_SELECTOR);
		assert_eq!((cs.l, cs.db, cs.present, cs.s, cs.type_, cs.g), (1, 0, 1, 1, 0xb, 1));
		assert_eq!(cs.limit, 0xffff_ffff);
		assert_eq!(cs.unusable, 0);
		let ds = segment_from_entry(gdt[3], DATA_SELECTOR);
		assert_eq!((ds.l, ds.db, ds.type_), (0, 1, 0x3));
		let tr = segment_from_entry(gdt[4], TSS_SELECTOR);
		assert_eq!((tr.s, tr.type_, tr.present), (0, 0xb, 1));
		let null = segment_from_entry(0, 0);
		assert_eq!(null.unusable, 1);
		// A base is split across the entry and comes back whole.
		let seg = segment_from_entry(gdt_entry(0x0093, 0x1234_5678, 0xabc), 8);
		assert_eq!((seg.base, seg.limit, seg.g), (0x1234_5678, 0xabc, 0));
	}

	#[test]
	fn gdt_and_page_tables_in_memory() {
		let mem = create_guest_memory(16).unwrap();
		write_gdt_and_idt(&mem).unwrap();
		write_page_tables(&mem).unwrap();
		for (i, entry) in gdt_table().iter().enumerate() {
			assert_eq!(mem.read_obj::<u64>(GuestAddress(GDT_ADDR + i as u64 * 8)).unwrap(), *entry);
		}
		assert_eq!(mem.read_obj::<u64>(GuestAddress(PML4_ADDR)).unwrap(), PDPT_ADDR | 3);
		for gib in 0..IDENTITY_MAPPED_GIB {
			let pd = mem.read_obj::<u64>(GuestAddress(PDPT_ADDR + gib * 8)).unwrap();
			assert_eq!(pd, (PD_ADDR + gib * 0x1000) | 3);
		}
		// First 2 MiB page, the page holding the virtio windows, and the last page below 4 GiB.
		assert_eq!(mem.read_obj::<u64>(GuestAddress(PD_ADDR)).unwrap(), 0x83);
		let virtio = crate::layout::VIRTIO_MMIO_BASE;
		let pde = PD_ADDR + (virtio >> 30) * 0x1000 + ((virtio >> 21) & 511) * 8;
		assert_eq!(mem.read_obj::<u64>(GuestAddress(pde)).unwrap(), virtio | 0x83);
		let last = mem.read_obj::<u64>(GuestAddress(PD_ADDR + 3 * 0x1000 + 511 * 8)).unwrap();
		assert_eq!(last, 0xffe0_0000 | 0x83);
	}

	#[test]
	fn long_mode_sregs() {
		let mut sregs = kvm_sregs { cr0: 0x6000_0010, ..Default::default() };
		set_long_mode_sregs(&mut sregs);
		assert_eq!(sregs.cr0 & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
		assert_eq!(sregs.cr0 & (CR0_CD | CR0_NW), 0);
		assert_eq!(sregs.cr3, PML4_ADDR);
		assert_ne!(sregs.cr4 & CR4_PAE, 0);
		assert_eq!(sregs.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
		assert_eq!(sregs.cs.selector, 0x10);
		assert_eq!(sregs.ss.selector, 0x18);
		assert_eq!(sregs.gdt.limit, 47);
	}

	#[test]
	fn entry_registers() {
		let linux = boot_regs(GuestAddress(0x10_0200), EntryKind::Linux, 0);
		assert_eq!((linux.rip, linux.rsi, linux.rsp, linux.rflags), (0x10_0200, 0x7000, 0x8ff0, 2));
		let flat = boot_regs(GuestAddress(0x10_0000), EntryKind::Flat, 2);
		assert_eq!((flat.rax, flat.rdx, flat.rbx), (123, 0x440, 2));
		assert_eq!(flat.rsp, 0x8ff0 - 0x80);
		let fpu = boot_fpu();
		assert_eq!((fpu.fcw, fpu.mxcsr), (0x37f, 0x1f80));
		assert!(boot_msr_entries().iter().any(|e| e.index == MSR_IA32_MISC_ENABLE && e.data == 1));
	}

	#[test]
	fn lint_pins() {
		let mut lapic = kvm_lapic_state::default();
		set_lapic_reg(&mut lapic, APIC_LVT0, 0x0001_0700);
		set_lint_pins(&mut lapic);
		assert_eq!(lapic_reg(&lapic, APIC_LVT0), 0x0001_0700);
		assert_eq!(lapic_reg(&lapic, APIC_LVT1), 0x400);
	}

	#[test]
	fn cpuid_topology() {
		let entries = [
			kvm_cpuid_entry2 { function: 1, ebx: 0xff00_0800, edx: 0, ..Default::default() },
			kvm_cpuid_entry2 { function: 0xb, index: 0, ..Default::default() },
			kvm_cpuid_entry2 { function: 0xb, index: 1, ..Default::default() },
			kvm_cpuid_entry2 { function: 0xb, index: 2, ..Default::default() },
		];
		let mut cpuid = CpuId::from_entries(&entries).unwrap();
		adjust_cpuid(&mut cpuid, 2, 3);
		let e = cpuid.as_slice();
		assert_eq!(e[0].ebx, 0x0203_0800);
		assert_ne!(e[0].ecx & CPUID_HYPERVISOR_BIT, 0);
		assert_ne!(e[0].edx & CPUID_HTT_BIT, 0);
		assert_eq!((e[1].edx, e[1].ebx, e[1].ecx), (2, 1, 0x100));
		assert_eq!((e[2].eax, e[2].ebx, e[2].ecx), (2, 3, 0x201));
		assert_eq!((e[3].ebx, e[3].ecx), (0, 2));
		// Without an AMD vendor string the AMD leaves are left alone.
		let amd_leaf =
			kvm_cpuid_entry2 { function: 0x8000_0008, ecx: 0x7007, ..Default::default() };
		let mut cpuid = CpuId::from_entries(&[amd_leaf]).unwrap();
		adjust_cpuid(&mut cpuid, 1, 4);
		assert_eq!(cpuid.as_slice()[0].ecx, 0x7007);
		let vendor = kvm_cpuid_entry2 {
			function: 0,
			ebx: 0x6874_7541,
			edx: 0x6974_6e65,
			ecx: 0x444d_4163,
			..Default::default()
		};
		let ext = kvm_cpuid_entry2 {
			function: 0x8000_001e,
			ebx: 0x0100,
			ecx: 0x0103,
			..Default::default()
		};
		let mut cpuid = CpuId::from_entries(&[vendor, amd_leaf, ext]).unwrap();
		adjust_cpuid(&mut cpuid, 1, 4);
		let e = cpuid.as_slice();
		assert_eq!(e[1].ecx, 0x2003, "2 id bits, 4 cores");
		assert_eq!((e[2].eax, e[2].ebx, e[2].ecx), (1, 1, 0));
		assert_eq!(id_bits(1), 0);
		assert_eq!(id_bits(2), 1);
		assert_eq!(id_bits(4), 2);
		assert_eq!(id_bits(5), 3);
	}
}
