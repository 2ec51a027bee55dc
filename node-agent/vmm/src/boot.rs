//! Loading a Linux kernel (bzImage or ELF vmlinux), the initrd, the command line and the zero page
//! (`struct boot_params` with the e820 map), following the x86 64-bit boot protocol; and loading the
//! code of a flat guest.

use std::{
	fs::File,
	io::{Read, Seek, SeekFrom},
	path::Path,
};

use linux_loader::{
	cmdline::Cmdline,
	loader::{
		bootparam::{boot_e820_entry, boot_params, setup_header},
		load_cmdline, BzImage, Elf, KernelLoader,
	},
};
use vm_memory::{
	Address, Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion,
};

use crate::{
	layout::{
		CMDLINE_ADDR, CMDLINE_MAX_SIZE, EBDA_END, EBDA_START, FLAT_CODE_ADDR, HIMEM_START,
		MMIO_GAP_START, VIRTIO_MMIO_SIZE, ZERO_PAGE_ADDR,
	},
	memory::low_ram_end,
	VmmError,
};

/// e820 type of usable RAM.
pub(crate) const E820_RAM: u32 = 1;
/// e820 type of reserved memory.
pub(crate) const E820_RESERVED: u32 = 2;

/// `setup_header.boot_flag` magic.
const BOOT_FLAG_MAGIC: u16 = 0xaa55;
/// `setup_header.header` magic ("HdrS").
const HDRS_MAGIC: u32 = 0x5372_6448;
/// `type_of_loader` for a boot loader without an assigned id.
const LOADER_TYPE_UNDEFINED: u8 = 0xff;
/// `xloadflags` bit: the kernel has the 64-bit entry point at `load address + 0x200`.
const XLF_KERNEL_64: u16 = 1;
/// First boot protocol version with `xloadflags` (and thus a documented 64-bit entry).
const MIN_BOOT_PROTOCOL: u16 = 0x020c;
/// Offset of the 64-bit entry point from the protected-mode kernel's load address.
const BZIMAGE_64BIT_ENTRY_OFFSET: u64 = 0x200;
/// Default `initrd_addr_max` for kernels that do not state it.
const DEFAULT_INITRD_ADDR_MAX: u64 = 0x37ff_ffff;
/// Alignment the kernel expects when it does not say.
const DEFAULT_KERNEL_ALIGNMENT: u32 = 0x100_0000;
/// Page size.
const PAGE_SIZE: u64 = 0x1000;

/// A kernel loaded into guest memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadedKernel {
	/// 64-bit entry point.
	pub entry: GuestAddress,
	/// The setup header of a bzImage (None for an ELF vmlinux).
	pub setup_header: Option<setup_header>,
	/// First guest address above the kernel and the room it needs to decompress itself.
	pub end: u64,
}

/// An initrd loaded into guest memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoadedInitrd {
	/// Guest address (page aligned).
	pub addr: u64,
	/// Size in bytes.
	pub size: u64,
}

fn open(path: &Path) -> Result<File, VmmError> {
	File::open(path).map_err(|source| VmmError::File { path: path.to_path_buf(), source })
}

/// Loads a bzImage or an ELF vmlinux at 1 MiB and returns its 64-bit entry point.
pub(crate) fn load_kernel(mem: &GuestMemoryMmap, path: &Path) -> Result<LoadedKernel, VmmError> {
	let mut file = open(path)?;
	let mut magic = [0u8; 4];
	let is_elf = file.read_exact(&mut magic).is_ok() && magic == *b"\x7fELF";
	file.seek(SeekFrom::Start(0))
		.map_err(|source| VmmError::File { path: path.to_path_buf(), source })?;
	if is_elf {
		let result = Elf::load(mem, None, &mut file, Some(GuestAddress(HIMEM_START)))
			.map_err(VmmError::KernelLoad)?;
		Ok(LoadedKernel { entry: result.kernel_load, setup_header: None, end: result.kernel_end })
	} else {
		let result = BzImage::load(
			mem,
			Some(GuestAddress(HIMEM_START)),
			&mut file,
			Some(GuestAddress(HIMEM_START)),
		)
		.map_err(VmmError::KernelLoad)?;
		let header = result.setup_header.ok_or_else(|| {
			VmmError::UnsupportedKernel("bzImage without a setup header".to_string())
		})?;
		check_bzimage_header(&header)?;
		let load = result.kernel_load.raw_value();
		// The kernel decompresses in place and needs `init_size` bytes from its load address.
		let end = result.kernel_end.max(load.saturating_add(u64::from(header.init_size)));
		Ok(LoadedKernel {
			entry: GuestAddress(load + BZIMAGE_64BIT_ENTRY_OFFSET),
			setup_header: Some(header),
			end,
		})
	}
}

/// Checks that a bzImage can be entered at its 64-bit entry point.
pub(crate) fn check_bzimage_header(header: &setup_header) -> Result<(), VmmError> {
	let version = header.version;
	let xloadflags = header.xloadflags;
	if version < MIN_BOOT_PROTOCOL {
		return Err(VmmError::UnsupportedKernel(format!(
			"boot protocol {}.{:02} is older than 2.12",
			version >> 8,
			version & 0xff
		)));
	}
	if xloadflags & XLF_KERNEL_64 == 0 {
		return Err(VmmError::UnsupportedKernel("bzImage has no 64-bit entry point".to_string()));
	}
	Ok(())
}

/// Loads the initrd page-aligned at the top of the RAM below the MMIO hole (and below the
/// kernel's `initrd_addr_max`), above `kernel_end`.
pub(crate) fn load_initrd(
	mem: &GuestMemoryMmap,
	path: &Path,
	kernel: &LoadedKernel,
) -> Result<LoadedInitrd, VmmError> {
	let mut file = open(path)?;
	let size = file
		.metadata()
		.map_err(|source| VmmError::File { path: path.to_path_buf(), source })?
		.len();
	let addr_max = kernel
		.setup_header
		.map(|h| u64::from(h.initrd_addr_max))
		.filter(|&max| max != 0)
		.unwrap_or(DEFAULT_INITRD_ADDR_MAX);
	let top = low_ram_end(mem).min(addr_max.saturating_add(1));
	let addr = initrd_address(top, size, kernel.end)?;
	let len = usize::try_from(size).map_err(|_| VmmError::InitrdTooLarge {
		size,
		available: top.saturating_sub(kernel.end),
	})?;
	mem.read_exact_volatile_from(GuestAddress(addr), &mut file, len)
		.map_err(|source| VmmError::GuestMemoryAccess { what: "loading the initrd", source })?;
	Ok(LoadedInitrd { addr, size })
}

/// Where an initrd of `size` bytes goes: page aligned, ending at or below `top`, starting at or
/// above `floor`.
pub(crate) fn initrd_address(top: u64, size: u64, floor: u64) -> Result<u64, VmmError> {
	let too_large = || VmmError::InitrdTooLarge { size, available: top.saturating_sub(floor) };
	let addr = top.checked_sub(size).ok_or_else(too_large)? & !(PAGE_SIZE - 1);
	if addr < floor {
		return Err(too_large());
	}
	Ok(addr)
}

/// Builds the kernel command line: the caller's line plus one `virtio_mmio.device=4K@addr:irq`
/// entry per device. `capacity` includes the terminating NUL.
pub(crate) fn build_cmdline(
	base: &str,
	devices: &[(u64, u32)],
	capacity: usize,
) -> Result<Cmdline, VmmError> {
	let mut cmdline = if base.trim().is_empty() {
		Cmdline::new(capacity)
	} else {
		Cmdline::try_from(base.trim(), capacity)
	}
	.map_err(VmmError::Cmdline)?;
	for &(addr, irq) in devices {
		cmdline
			.add_virtio_mmio_device(VIRTIO_MMIO_SIZE, GuestAddress(addr), irq, None)
			.map_err(VmmError::Cmdline)?;
	}
	Ok(cmdline)
}

/// Command-line capacity for a kernel: ours, or less if its header says so.
pub(crate) fn cmdline_capacity(header: Option<&setup_header>) -> usize {
	match header.map(|h| h.cmdline_size) {
		Some(size) if size > 0 => CMDLINE_MAX_SIZE.min(size as usize + 1),
		_ => CMDLINE_MAX_SIZE,
	}
}

/// Writes the command line at `CMDLINE_ADDR` and returns its length without the NUL.
pub(crate) fn write_cmdline(mem: &GuestMemoryMmap, cmdline: &Cmdline) -> Result<usize, VmmError> {
	load_cmdline(mem, GuestAddress(CMDLINE_ADDR), cmdline).map_err(VmmError::CmdlineWrite)?;
	let len = cmdline.as_cstring().map_err(VmmError::Cmdline)?.as_bytes().len();
	Ok(len)
}

/// The e820 map of `mem`: low RAM up to the EBDA, the EBDA reserved (MP table), RAM from 1 MiB to
/// the MMIO hole, and RAM above 4 GiB.
pub(crate) fn e820_map(mem: &GuestMemoryMmap) -> Vec<boot_e820_entry> {
	let mut map = Vec::new();
	for region in mem.iter() {
		let start = region.start_addr().raw_value();
		let end = start + region.len();
		if start == 0 {
			map.push(boot_e820_entry { addr: 0, size: EBDA_START, r#type: E820_RAM });
			map.push(boot_e820_entry {
				addr: EBDA_START,
				size: EBDA_END - EBDA_START,
				r#type: E820_RESERVED,
			});
			if end > HIMEM_START {
				map.push(boot_e820_entry {
					addr: HIMEM_START,
					size: end.min(MMIO_GAP_START) - HIMEM_START,
					r#type: E820_RAM,
				});
			}
		} else {
			map.push(boot_e820_entry { addr: start, size: end - start, r#type: E820_RAM });
		}
	}
	map
}

/// Fills and writes the zero page at `ZERO_PAGE_ADDR`.
pub(crate) fn write_boot_params(
	mem: &GuestMemoryMmap,
	header: Option<setup_header>,
	cmdline_len: usize,
	initrd: Option<LoadedInitrd>,
) -> Result<boot_params, VmmError> {
	let mut params = boot_params::default();
	let mut hdr = header.unwrap_or_default();
	hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	hdr.boot_flag = BOOT_FLAG_MAGIC;
	hdr.header = HDRS_MAGIC;
	hdr.cmd_line_ptr = CMDLINE_ADDR as u32;
	hdr.cmdline_size = cmdline_len as u32;
	if hdr.kernel_alignment == 0 {
		hdr.kernel_alignment = DEFAULT_KERNEL_ALIGNMENT;
	}
	if let Some(initrd) = initrd {
		hdr.ramdisk_image = initrd.addr as u32;
		hdr.ramdisk_size = initrd.size as u32;
	}
	params.hdr = hdr;
	let map = e820_map(mem);
	if map.len() > params.e820_table.len() {
		return Err(VmmError::InvalidConfig("too many e820 entries".to_string()));
	}
	for (slot, entry) in params.e820_table.iter_mut().zip(map.iter()) {
		*slot = *entry;
	}
	params.e820_entries = map.len() as u8;
	mem.write_obj(params, GuestAddress(ZERO_PAGE_ADDR))
		.map_err(|source| VmmError::GuestMemoryAccess { what: "writing the zero page", source })?;
	Ok(params)
}

/// Copies the code of a flat guest to `FLAT_CODE_ADDR`.
pub(crate) fn load_flat_code(mem: &GuestMemoryMmap, code: &[u8]) -> Result<GuestAddress, VmmError> {
	let max = low_ram_end(mem).saturating_sub(FLAT_CODE_ADDR);
	if code.is_empty() || code.len() as u64 > max {
		return Err(VmmError::FlatCodeSize { size: code.len(), max });
	}
	mem.write_slice(code, GuestAddress(FLAT_CODE_ADDR))
		.map_err(|source| VmmError::GuestMemoryAccess { what: "loading flat code", source })?;
	Ok(GuestAddress(FLAT_CODE_ADDR))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::memory::create_guest_memory;
	use std::io::Write;

	fn e(addr: u64, size: u64, t: u32) -> (u64, u64, u32) {
		(addr, size, t)
	}

	fn as_tuples(map: &[boot_e820_entry]) -> Vec<(u64, u64, u32)> {
		map.iter().map(|x| (x.addr, x.size, x.r#type)).collect()
	}

	#[test]
	fn e820_map_of_small_vm() {
		let mem = create_guest_memory(64).unwrap();
		assert_eq!(
			as_tuples(&e820_map(&mem)),
			vec![
				e(0, 0x9fc00, E820_RAM),
				e(0x9fc00, 0x400, E820_RESERVED),
				e(0x10_0000, (64 << 20) - 0x10_0000, E820_RAM),
			]
		);
	}

	#[test]
	fn e820_map_of_vm_above_4g() {
		// Build the two-range layout without allocating 4 GiB: 16 MiB low + 16 MiB high.
		let mem = GuestMemoryMmap::from_ranges(&[
			(GuestAddress(0), 16 << 20),
			(GuestAddress(crate::layout::MMIO_GAP_END), 16 << 20),
		])
		.unwrap();
		let map = as_tuples(&e820_map(&mem));
		assert_eq!(map.len(), 4);
		assert_eq!(map[3], e(crate::layout::MMIO_GAP_END, 16 << 20, E820_RAM));
	}

	#[test]
	fn boot_params_fields() {
		let mem = create_guest_memory(64).unwrap();
		let cmdline = build_cmdline("console=ttyS0", &[], CMDLINE_MAX_SIZE).unwrap();
		let len = write_cmdline(&mem, &cmdline).unwrap();
		assert_eq!(len, "console=ttyS0".len());
		let initrd = LoadedInitrd { addr: 0x300_0000, size: 0x1234 };
		write_boot_params(&mem, None, len, Some(initrd)).unwrap();

		let params: boot_params = mem.read_obj(GuestAddress(ZERO_PAGE_ADDR)).unwrap();
		let hdr = params.hdr;
		assert_eq!({ hdr.boot_flag }, 0xaa55);
		assert_eq!({ hdr.header }, 0x5372_6448);
		assert_eq!({ hdr.type_of_loader }, 0xff);
		assert_eq!({ hdr.cmd_line_ptr }, CMDLINE_ADDR as u32);
		assert_eq!({ hdr.cmdline_size }, len as u32);
		assert_eq!({ hdr.ramdisk_image }, 0x300_0000);
		assert_eq!({ hdr.ramdisk_size }, 0x1234);
		assert_eq!({ hdr.kernel_alignment }, DEFAULT_KERNEL_ALIGNMENT);
		assert_eq!(params.e820_entries, 3);
		let table = params.e820_table;
		assert_eq!({ table[2].addr }, HIMEM_START);
		assert_eq!({ table[2].r#type }, E820_RAM);

		let mut raw = vec![0u8; len + 1];
		mem.read_slice(&mut raw, GuestAddress(CMDLINE_ADDR)).unwrap();
		assert_eq!(&raw, b"console=ttyS0\0");
	}

	#[test]
	fn bzimage_header_is_kept_and_checked() {
		let mem = create_guest_memory(32).unwrap();
		let mut header = setup_header {
			version: 0x020f,
			xloadflags: XLF_KERNEL_64,
			setup_sects: 4,
			initrd_addr_max: 0x7fff_ffff,
			..Default::default()
		};
		check_bzimage_header(&header).unwrap();
		write_boot_params(&mem, Some(header), 0, None).unwrap();
		let params: boot_params = mem.read_obj(GuestAddress(ZERO_PAGE_ADDR)).unwrap();
		assert_eq!({ params.hdr.version }, 0x020f);
		assert_eq!({ params.hdr.setup_sects }, 4);

		header.version = 0x0206;
		assert!(matches!(check_bzimage_header(&header), Err(VmmError::UnsupportedKernel(_))));
		header.version = 0x020f;
		header.xloadflags = 0;
		assert!(matches!(check_bzimage_header(&header), Err(VmmError::UnsupportedKernel(_))));
	}

	#[test]
	fn cmdline_lists_virtio_devices() {
		let cmdline =
			build_cmdline("console=ttyS0 reboot=k", &[(0xd000_0000, 5), (0xd000_1000, 6)], 512)
				.unwrap();
		assert_eq!(
			cmdline.as_cstring().unwrap().to_str().unwrap(),
			"console=ttyS0 reboot=k virtio_mmio.device=4K@0xd0000000:5 \
			 virtio_mmio.device=4K@0xd0001000:6"
		);
		// Init arguments stay at the end.
		let cmdline = build_cmdline("quiet -- init-arg", &[(0xd000_0000, 5)], 512).unwrap();
		assert_eq!(
			cmdline.as_cstring().unwrap().to_str().unwrap(),
			"quiet virtio_mmio.device=4K@0xd0000000:5 -- init-arg"
		);
		let empty = build_cmdline("", &[(0xd000_0000, 5)], 512).unwrap();
		assert_eq!(
			empty.as_cstring().unwrap().to_str().unwrap(),
			"virtio_mmio.device=4K@0xd0000000:5"
		);
		assert!(matches!(build_cmdline(&"x".repeat(600), &[], 512), Err(VmmError::Cmdline(_))));
	}

	#[test]
	fn cmdline_capacity_follows_header() {
		assert_eq!(cmdline_capacity(None), CMDLINE_MAX_SIZE);
		let header = setup_header { cmdline_size: 255, ..Default::default() };
		assert_eq!(cmdline_capacity(Some(&header)), 256);
		let header = setup_header { cmdline_size: 0x7ff_ffff, ..Default::default() };
		assert_eq!(cmdline_capacity(Some(&header)), CMDLINE_MAX_SIZE);
	}

	#[test]
	fn initrd_goes_to_the_top() {
		assert_eq!(initrd_address(0x400_0000, 0x1800, 0x20_0000).unwrap(), 0x3ff_e000);
		assert!(matches!(
			initrd_address(0x400_0000, 0x400_0000, 0x20_0000),
			Err(VmmError::InitrdTooLarge { .. })
		));
		assert!(initrd_address(0x1000, 0x2000, 0).is_err());
	}

	#[test]
	fn initrd_and_elf_kernel_load() {
		let mem = create_guest_memory(32).unwrap();
		let dir = tempdir();
		let initrd_path = dir.join("initrd");
		std::fs::write(&initrd_path, b"initrd-bytes").unwrap();
		let kernel = LoadedKernel { entry: GuestAddress(0), setup_header: None, end: 0x20_0000 };
		let initrd = load_initrd(&mem, &initrd_path, &kernel).unwrap();
		assert_eq!(initrd.size, 12);
		assert_eq!(initrd.addr, (32 << 20) - 0x1000);
		let mut buf = [0u8; 12];
		mem.read_slice(&mut buf, GuestAddress(initrd.addr)).unwrap();
		assert_eq!(&buf, b"initrd-bytes");

		// A minimal ELF64 image with one PT_LOAD segment at 2 MiB.
		let elf_path = dir.join("vmlinux");
		std::fs::write(&elf_path, minimal_elf(0x20_0000, &[0xf4, 0xeb, 0xfd])).unwrap();
		let kernel = load_kernel(&mem, &elf_path).unwrap();
		assert_eq!(kernel.entry, GuestAddress(0x20_0000));
		assert!(kernel.setup_header.is_none());
		let mut code = [0u8; 3];
		mem.read_slice(&mut code, GuestAddress(0x20_0000)).unwrap();
		assert_eq!(code, [0xf4, 0xeb, 0xfd]);

		// Neither ELF nor bzImage.
		let junk = dir.join("junk");
		std::fs::File::create(&junk).unwrap().write_all(&[0u8; 1024]).unwrap();
		assert!(matches!(load_kernel(&mem, &junk), Err(VmmError::KernelLoad(_))));
		assert!(matches!(load_kernel(&mem, &dir.join("missing")), Err(VmmError::File { .. })));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn bzimage_is_loaded_at_1m_with_64bit_entry() {
		let mem = create_guest_memory(32).unwrap();
		let dir = tempdir();
		let mut image = vec![0u8; 1024];
		image[0x1f1] = 1; // setup_sects
		image[0x202..0x206].copy_from_slice(b"HdrS");
		image[0x206..0x208].copy_from_slice(&0x020fu16.to_le_bytes());
		image[0x211] = 1; // LOADED_HIGH
		image[0x214..0x218].copy_from_slice(&0x10_0000u32.to_le_bytes());
		image[0x22c..0x230].copy_from_slice(&0x00ff_ffffu32.to_le_bytes()); // initrd_addr_max
		image[0x260..0x264].copy_from_slice(&0x40_0000u32.to_le_bytes()); // init_size 4 MiB
		let mut payload = vec![0u8; 0x200];
		payload.extend_from_slice(&[0xf4, 0xeb, 0xfd]);
		let mut with_64bit = image.clone();
		with_64bit[0x236..0x238].copy_from_slice(&XLF_KERNEL_64.to_le_bytes());
		with_64bit.extend_from_slice(&payload);
		let path = dir.join("bzImage");
		std::fs::write(&path, &with_64bit).unwrap();

		let kernel = load_kernel(&mem, &path).unwrap();
		assert_eq!(kernel.entry, GuestAddress(0x10_0200));
		assert_eq!(kernel.end, 0x50_0000, "room for init_size");
		assert_eq!({ kernel.setup_header.unwrap().version }, 0x020f);
		let mut code = [0u8; 3];
		mem.read_slice(&mut code, GuestAddress(0x10_0200)).unwrap();
		assert_eq!(code, [0xf4, 0xeb, 0xfd]);

		// The initrd honours initrd_addr_max (16 MiB here, below the 32 MiB of RAM).
		let initrd_path = dir.join("initrd");
		std::fs::write(&initrd_path, vec![7u8; 5000]).unwrap();
		let initrd = load_initrd(&mem, &initrd_path, &kernel).unwrap();
		assert_eq!(initrd.addr, (16 << 20) - 0x2000);

		// Without XLF_KERNEL_64 the image is refused.
		image.extend_from_slice(&payload);
		std::fs::write(&path, &image).unwrap();
		assert!(matches!(load_kernel(&mem, &path), Err(VmmError::UnsupportedKernel(_))));
		std::fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn flat_code_size_is_checked() {
		let mem = create_guest_memory(16).unwrap();
		assert_eq!(load_flat_code(&mem, &[0xf4]).unwrap(), GuestAddress(FLAT_CODE_ADDR));
		assert!(matches!(load_flat_code(&mem, &[]), Err(VmmError::FlatCodeSize { .. })));
		let big = vec![0u8; 16 << 20];
		assert!(matches!(load_flat_code(&mem, &big), Err(VmmError::FlatCodeSize { .. })));
	}

	pub(crate) fn tempdir() -> std::path::PathBuf {
		let dir = std::env::temp_dir().join(format!(
			"tfchain-vmm-boot-{}-{:?}",
			std::process::id(),
			std::thread::current().id()
		));
		std::fs::create_dir_all(&dir).unwrap();
		dir
	}

	/// A little-endian ELF64 executable with one PT_LOAD segment holding `code` at `paddr`.
	fn minimal_elf(paddr: u64, code: &[u8]) -> Vec<u8> {
		let mut out = Vec::new();
		// e_ident
		out.extend_from_slice(b"\x7fELF");
		out.extend_from_slice(&[2, 1, 1, 0]);
		out.extend_from_slice(&[0; 8]);
		out.extend_from_slice(&2u16.to_le_bytes()); // e_type EXEC
		out.extend_from_slice(&0x3eu16.to_le_bytes()); // e_machine x86-64
		out.extend_from_slice(&1u32.to_le_bytes()); // e_version
		out.extend_from_slice(&paddr.to_le_bytes()); // e_entry
		out.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
		out.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
		out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
		out.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
		out.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
		out.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
		out.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
		out.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
		out.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
		assert_eq!(out.len(), 64);
		let offset = 64u64 + 56;
		out.extend_from_slice(&1u32.to_le_bytes()); // p_type PT_LOAD
		out.extend_from_slice(&5u32.to_le_bytes()); // p_flags R+X
		out.extend_from_slice(&offset.to_le_bytes()); // p_offset
		out.extend_from_slice(&paddr.to_le_bytes()); // p_vaddr
		out.extend_from_slice(&paddr.to_le_bytes()); // p_paddr
		out.extend_from_slice(&(code.len() as u64).to_le_bytes()); // p_filesz
		out.extend_from_slice(&(code.len() as u64).to_le_bytes()); // p_memsz
		out.extend_from_slice(&0x1000u64.to_le_bytes()); // p_align
		out.extend_from_slice(code);
		out
	}
}
