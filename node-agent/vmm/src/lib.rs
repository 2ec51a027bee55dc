//! # tfchain-vmm
//!
//! A small KVM virtual machine monitor for the node agent, written on the rust-vmm crates
//! (`kvm-ioctls`, `vm-memory`, `linux-loader`, `vm-superio`, `virtio-queue`).
//!
//! ## What a VM gets
//!
//! - 1..=32 vCPUs entered directly in 64-bit long mode (identity page tables for the first 4 GiB),
//!   an MP table so Linux finds its CPUs and the IOAPIC, in-kernel PIC/IOAPIC/LAPIC and PIT;
//! - RAM below 3 GiB, the rest above 4 GiB (see [`layout`]);
//! - a 16550A UART at 0x3f8 (IRQ 4) whose output is appended to [`VmConfig::console_log`]
//!   (no console input);
//! - an i8042 stub: the guest's reset command (0xFE to port 0x64, `reboot=k`) stops the VM;
//! - a boot-marker port [`BOOT_MARKER_PORT`]: writing 123 records [`BootTimings::boot_marker`];
//! - virtio-mmio (transport version 2) devices, disks first then NICs, 4 KiB windows from
//!   0xd000_0000 on IRQs 5, 6, ... (at most 19 devices): virtio-blk on a raw file, virtio-net on
//!   a tap opened with [`tap::open_tap`].
//!
//! ## Boot sources
//!
//! [`BootSource::Linux`] loads a bzImage (boot protocol 2.12+, 64-bit entry) or an ELF `vmlinux`
//! at 1 MiB, an optional initramfs at the top of low RAM, and the command line, to which one
//! `virtio_mmio.device=4K@0x<addr>:<irq>` entry per device is appended. The guest kernel must
//! therefore have **`CONFIG_VIRTIO_MMIO=y` and `CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y`** (plus
//! `CONFIG_VIRTIO_BLK`, `CONFIG_VIRTIO_NET`, `CONFIG_SERIAL_8250_CONSOLE`); Debian's stock
//! kernels do not set the cmdline option. A useful command line is
//! `console=ttyS0 reboot=k panic=1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd`.
//!
//! [`BootSource::Flat`] loads raw 64-bit code at [`FLAT_CODE_ADDR`] and enters it in long mode
//! with `rax` = 123, `rdx` = [`BOOT_MARKER_PORT`] and `rbx` = vCPU index; every vCPU starts
//! there. [`guest`] has such guests, e.g. [`guest::probe_guest`].
//!
//! ## Threads
//!
//! One thread per vCPU runs `KVM_RUN` and handles port I/O and MMIO exits synchronously; each
//! virtio-net device has an RX thread polling its tap. [`Vm::pause`], [`Vm::resume`] and
//! [`Vm::stop`] kick vCPU threads out of the guest with a real-time signal (`SIGRTMIN + 1`, its
//! handler is installed once per process) and `immediate_exit`.
//!
//! ## Limits
//!
//! No ACPI, no PCI, no console input, no virtio offloads or multiqueue, no snapshots. On nested
//! KVM (as on the project's CI machines) real Linux guests can fail with KVM emulation errors;
//! the tests therefore run tiny hand-written guests, and a real Linux boot test runs only when
//! `TFCHAIN_VMM_KERNEL` is set.

use std::{
	os::{fd::OwnedFd, unix::thread::JoinHandleExt},
	path::PathBuf,
	sync::{Arc, Mutex, OnceLock},
	thread::JoinHandle,
	time::{Duration, Instant},
};

use kvm_bindings::{
	kvm_mp_state, kvm_pit_config, KVM_MAX_CPUID_ENTRIES, KVM_MP_STATE_RUNNABLE,
	KVM_PIT_SPEAKER_DUMMY,
};
use kvm_ioctls::{Cap, Kvm, VmFd};
use vm_memory::GuestMemoryMmap;
use vmm_sys_util::eventfd::EventFd;

mod boot;
mod bus;
mod cpu;
mod devices;
pub mod guest;
pub mod layout;
mod memory;
mod mptable;
pub mod tap;
mod vcpu;

use bus::Bus;
use devices::{
	boot_marker::BootMarker,
	i8042::{self, I8042},
	mmio::MmioTransport,
	serial::SerialDevice,
	virtio::{IrqLine, VirtioDevice},
	virtio_blk::VirtioBlk,
	virtio_net::{TapBackend, VirtioNet},
};
pub use layout::FLAT_CODE_ADDR;

/// I/O port of the boot marker: a guest writes the byte 123 here once booted.
pub const BOOT_MARKER_PORT: u16 = 0x440;
/// Smallest VM memory accepted, in MiB.
pub const MIN_MEMORY_MIB: u32 = 16;

/// What to run and with which devices.
#[derive(Debug)]
pub struct VmConfig {
	/// Name for logs and thread names.
	pub name: String,
	/// Number of vCPUs, 1..=32.
	pub vcpus: u8,
	/// Memory in MiB, at least 16.
	pub memory_mib: u32,
	/// What to boot.
	pub boot: BootSource,
	/// virtio-blk devices, in order (/dev/vda, vdb, ...).
	pub disks: Vec<DiskConfig>,
	/// virtio-net devices.
	pub nets: Vec<NetConfig>,
	/// Serial console output is appended here (created if missing).
	pub console_log: PathBuf,
}

/// What a VM boots.
#[derive(Debug, Clone)]
pub enum BootSource {
	/// bzImage or ELF vmlinux, optional initramfs, command line (virtio-mmio devices are appended
	/// to it).
	Linux {
		/// Kernel image.
		kernel: PathBuf,
		/// Optional initramfs.
		initrd: Option<PathBuf>,
		/// Kernel command line.
		cmdline: String,
	},
	/// Raw 64-bit code loaded at `FLAT_CODE_ADDR` and entered in long mode with identity paging
	/// (tests, probe image).
	Flat {
		/// The machine code.
		code: Vec<u8>,
	},
}

/// A virtio-blk disk.
#[derive(Debug, Clone)]
pub struct DiskConfig {
	/// Raw image file.
	pub path: PathBuf,
	/// Offer the disk read-only (writes fail with an I/O error).
	pub read_only: bool,
}

/// A virtio-net interface.
#[derive(Debug)]
pub struct NetConfig {
	/// Tap fd opened by the caller with [`tap::open_tap`] (`IFF_VNET_HDR`, 12-byte header).
	pub tap: OwnedFd,
	/// MAC address of the guest interface (unicast).
	pub mac: [u8; 6],
}

/// Run state of a VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmState {
	/// vCPUs run guest code.
	Running,
	/// vCPUs are parked; memory and devices are kept.
	Paused,
	/// The VM stopped (guest reset/shutdown, a KVM error, or `stop`).
	Stopped {
		/// Why it stopped.
		reason: String,
	},
}

/// Boot timings, measured from the call to [`Vm::start`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BootTimings {
	/// `start()` until the vCPU threads were launched.
	pub setup: Duration,
	/// `start()` until the first exit of vCPU 0 (the guest ran its first instructions).
	pub first_instruction: Option<Duration>,
	/// `start()` until the guest wrote 123 to [`BOOT_MARKER_PORT`].
	pub boot_marker: Option<Duration>,
}

/// Errors of the VMM.
#[derive(Debug, thiserror::Error)]
pub enum VmmError {
	/// The configuration is not acceptable.
	#[error("invalid VM configuration: {0}")]
	InvalidConfig(String),
	/// `/dev/kvm` cannot be used.
	#[error("KVM is not available: {0}")]
	KvmUnavailable(String),
	/// A KVM ioctl failed.
	#[error("{op} failed: {source}")]
	Kvm {
		/// The operation.
		op: &'static str,
		/// The error.
		#[source]
		source: kvm_ioctls::Error,
	},
	/// Guest memory could not be allocated.
	#[error("allocating guest memory: {0}")]
	GuestMemory(#[source] vm_memory::mmap::FromRangesError),
	/// Writing the boot structures or images into guest memory failed.
	#[error("{what}: {source}")]
	GuestMemoryAccess {
		/// What was being written.
		what: &'static str,
		/// The error.
		#[source]
		source: vm_memory::GuestMemoryError,
	},
	/// A file (kernel, initrd, disk, console log) could not be used.
	#[error("{}: {source}", path.display())]
	File {
		/// The file.
		path: PathBuf,
		/// The error.
		#[source]
		source: std::io::Error,
	},
	/// The kernel image could not be loaded.
	#[error("loading the kernel: {0}")]
	KernelLoad(#[source] linux_loader::loader::Error),
	/// The kernel cannot be booted by this VMM.
	#[error("unsupported kernel: {0}")]
	UnsupportedKernel(String),
	/// The command line is invalid or too long.
	#[error("kernel command line: {0}")]
	Cmdline(#[source] linux_loader::cmdline::Error),
	/// The command line could not be written to guest memory.
	#[error("writing the kernel command line: {0}")]
	CmdlineWrite(#[source] linux_loader::loader::Error),
	/// The initrd does not fit between the kernel and the top of low memory.
	#[error("initrd of {size} bytes does not fit ({available} bytes available)")]
	InitrdTooLarge {
		/// Initrd size.
		size: u64,
		/// Room left.
		available: u64,
	},
	/// Flat code is empty or does not fit in guest memory.
	#[error("flat code of {size} bytes does not fit (1..={max} bytes)")]
	FlatCodeSize {
		/// Code size.
		size: usize,
		/// Largest size possible.
		max: u64,
	},
	/// KVM did not accept one of the boot MSRs.
	#[error("KVM rejected MSR {index:#x}")]
	MsrRejected {
		/// The MSR.
		index: u32,
	},
	/// Two devices claim overlapping addresses.
	#[error("device range {base:#x}+{len:#x} conflicts with another device")]
	BusConflict {
		/// Start of the range.
		base: u64,
		/// Its length.
		len: u64,
	},
	/// An eventfd could not be created.
	#[error("creating an eventfd: {0}")]
	EventFd(#[source] std::io::Error),
	/// The tap fd of a NIC is unusable.
	#[error("tap device: {0}")]
	Tap(#[source] std::io::Error),
	/// A thread could not be spawned.
	#[error("spawning a thread: {0}")]
	SpawnThread(#[source] std::io::Error),
	/// The vCPU kick signal handler could not be installed.
	#[error("installing the vCPU signal handler: {0}")]
	Signal(String),
	/// The operation needs a VM that has not stopped.
	#[error("the VM has stopped: {reason}")]
	Stopped {
		/// Why it stopped.
		reason: String,
	},
	/// Waiting for the vCPUs took too long.
	#[error("timed out {0}")]
	Timeout(&'static str),
	/// A vCPU thread panicked.
	#[error("vCPU thread {0} panicked")]
	VcpuPanicked(usize),
}

/// When things happened, relative to `Vm::start`.
pub(crate) struct Timings {
	start: Instant,
	setup: OnceLock<Duration>,
	first_instruction: OnceLock<Duration>,
	boot_marker: OnceLock<Duration>,
}

impl Timings {
	/// Timings counted from `start`.
	pub(crate) fn new(start: Instant) -> Self {
		Self {
			start,
			setup: OnceLock::new(),
			first_instruction: OnceLock::new(),
			boot_marker: OnceLock::new(),
		}
	}

	fn record(&self, cell: &OnceLock<Duration>) {
		if cell.get().is_none() {
			let _ = cell.set(self.start.elapsed());
		}
	}

	/// The vCPU threads are launched.
	pub(crate) fn record_setup(&self) {
		self.record(&self.setup)
	}

	/// vCPU 0 exited for the first time.
	pub(crate) fn record_first_instruction(&self) {
		self.record(&self.first_instruction)
	}

	/// The guest wrote the boot marker.
	pub(crate) fn record_boot_marker(&self) {
		self.record(&self.boot_marker)
	}

	/// The public view.
	pub(crate) fn snapshot(&self) -> BootTimings {
		BootTimings {
			setup: self.setup.get().copied().unwrap_or_default(),
			first_instruction: self.first_instruction.get().copied(),
			boot_marker: self.boot_marker.get().copied(),
		}
	}
}

/// A running (or paused, or stopped-by-the-guest) virtual machine. Dropping it stops it.
pub struct Vm {
	name: String,
	control: Arc<vcpu::Control>,
	threads: Vec<JoinHandle<()>>,
	timings: Arc<Timings>,
	// Kept alive until the vCPU threads are joined; dropped in this order afterwards.
	_pio: Arc<Bus>,
	_mmio: Arc<Bus>,
	_vm_fd: VmFd,
	_mem: Arc<GuestMemoryMmap>,
}

// The agent keeps VMs in shared, thread-safe structures.
const _: fn() = || {
	fn assert_send_sync<T: Send + Sync>() {}
	assert_send_sync::<Vm>();
};

impl std::fmt::Debug for Vm {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Vm")
			.field("name", &self.name)
			.field("state", &self.state())
			.field("vcpus", &self.threads.len())
			.finish()
	}
}

fn validate(config: &VmConfig, kvm: &Kvm) -> Result<(), VmmError> {
	let max_vcpus = layout::MAX_VCPUS.min(u8::try_from(kvm.get_max_vcpus()).unwrap_or(u8::MAX));
	if config.vcpus == 0 || config.vcpus > max_vcpus {
		return Err(VmmError::InvalidConfig(format!(
			"{} vCPUs (must be 1..={max_vcpus})",
			config.vcpus
		)));
	}
	if config.memory_mib < MIN_MEMORY_MIB {
		return Err(VmmError::InvalidConfig(format!(
			"{} MiB of memory (at least {MIN_MEMORY_MIB})",
			config.memory_mib
		)));
	}
	let devices = config.disks.len() + config.nets.len();
	if devices > layout::MAX_VIRTIO_DEVICES {
		return Err(VmmError::InvalidConfig(format!(
			"{devices} virtio devices (at most {})",
			layout::MAX_VIRTIO_DEVICES
		)));
	}
	if let Some(net) = config.nets.iter().find(|n| n.mac[0] & 1 != 0 || n.mac == [0; 6]) {
		return Err(VmmError::InvalidConfig(format!(
			"MAC {:02x?} is not a unicast address",
			net.mac
		)));
	}
	Ok(())
}

/// `name` made usable in thread names (no NUL bytes, short).
fn thread_name_prefix(name: &str) -> String {
	name.chars().filter(|c| *c != '\0').take(8).collect()
}

fn kvm_err(op: &'static str) -> impl FnOnce(kvm_ioctls::Error) -> VmmError {
	move |source| VmmError::Kvm { op, source }
}

/// Builds the device buses; returns them with the (address, irq) of each virtio device.
fn create_devices(
	config: &mut VmConfig,
	vm_fd: &VmFd,
	mem: &Arc<GuestMemoryMmap>,
	timings: &Arc<Timings>,
) -> Result<(Bus, Bus, Vec<(u64, u32)>), VmmError> {
	let mut pio = Bus::new();
	let mut mmio = Bus::new();

	let console = SerialDevice::open_log(&config.console_log)?;
	let serial_evt = EventFd::new(libc::EFD_NONBLOCK).map_err(VmmError::EventFd)?;
	vm_fd.register_irqfd(&serial_evt, layout::SERIAL_IRQ).map_err(kvm_err("KVM_IRQFD"))?;
	let serial = SerialDevice::new(serial_evt, Box::new(console));
	pio.insert(Arc::new(Mutex::new(serial)), u64::from(layout::SERIAL_PORT), 8)?;
	pio.insert(Arc::new(Mutex::new(I8042)), u64::from(layout::I8042_DATA_PORT), i8042::PORT_RANGE)?;
	pio.insert(
		Arc::new(Mutex::new(BootMarker::new(timings.clone()))),
		u64::from(BOOT_MARKER_PORT),
		1,
	)?;

	let mut virtio: Vec<Box<dyn VirtioDevice>> = Vec::new();
	for disk in &config.disks {
		virtio.push(Box::new(VirtioBlk::open(&disk.path, disk.read_only)?));
	}
	for (i, net) in std::mem::take(&mut config.nets).into_iter().enumerate() {
		let backend = TapBackend::new(net.tap).map_err(VmmError::Tap)?;
		virtio.push(Box::new(VirtioNet::new(
			Box::new(backend),
			net.mac,
			format!("{}-{i}", thread_name_prefix(&config.name)),
		)));
	}
	let mut announced = Vec::new();
	for (index, device) in virtio.into_iter().enumerate() {
		let addr = layout::virtio_mmio_addr(index);
		let irq = layout::virtio_irq(index);
		let evt = EventFd::new(libc::EFD_NONBLOCK).map_err(VmmError::EventFd)?;
		vm_fd.register_irqfd(&evt, irq).map_err(kvm_err("KVM_IRQFD"))?;
		let transport = MmioTransport::new(device, mem.clone(), IrqLine::new(evt));
		mmio.insert(Arc::new(Mutex::new(transport)), addr, layout::VIRTIO_MMIO_SIZE)?;
		announced.push((addr, irq));
	}
	Ok((pio, mmio, announced))
}

impl Vm {
	/// Creates the VM, loads the boot source, and starts the vCPU threads.
	pub fn start(mut config: VmConfig) -> Result<Vm, VmmError> {
		let started = Instant::now();
		let timings = Arc::new(Timings::new(started));
		let kvm = Kvm::new().map_err(|e| VmmError::KvmUnavailable(format!("/dev/kvm: {e}")))?;
		validate(&config, &kvm)?;
		vcpu::install_kick_handler()?;

		let vm_fd = kvm.create_vm().map_err(kvm_err("KVM_CREATE_VM"))?;
		vm_fd
			.set_tss_address(layout::KVM_TSS_ADDR as usize)
			.map_err(kvm_err("KVM_SET_TSS_ADDR"))?;
		vm_fd.create_irq_chip().map_err(kvm_err("KVM_CREATE_IRQCHIP"))?;
		let pit = kvm_pit_config { flags: KVM_PIT_SPEAKER_DUMMY, ..Default::default() };
		vm_fd.create_pit2(pit).map_err(kvm_err("KVM_CREATE_PIT2"))?;

		let mem = Arc::new(memory::create_guest_memory(config.memory_mib)?);
		memory::register_with_kvm(&vm_fd, &mem)?;

		let (pio, mmio, announced) = create_devices(&mut config, &vm_fd, &mem, &timings)?;

		cpu::write_gdt_and_idt(&mem)?;
		cpu::write_page_tables(&mem)?;
		mptable::write(&mem, config.vcpus)?;
		let (entry, kind) = match &config.boot {
			BootSource::Flat { code } => (boot::load_flat_code(&mem, code)?, cpu::EntryKind::Flat),
			BootSource::Linux { kernel, initrd, cmdline } => {
				let loaded = boot::load_kernel(&mem, kernel)?;
				let initrd =
					initrd.as_deref().map(|p| boot::load_initrd(&mem, p, &loaded)).transpose()?;
				let capacity = boot::cmdline_capacity(loaded.setup_header.as_ref());
				let cmdline = boot::build_cmdline(cmdline, &announced, capacity)?;
				let len = boot::write_cmdline(&mem, &cmdline)?;
				boot::write_boot_params(&mem, loaded.setup_header, len, initrd)?;
				(loaded.entry, cpu::EntryKind::Linux)
			},
		};

		let cpuid = kvm
			.get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)
			.map_err(kvm_err("KVM_GET_SUPPORTED_CPUID"))?;
		let mut vcpus = Vec::with_capacity(usize::from(config.vcpus));
		for index in 0..config.vcpus {
			let vcpu = vm_fd.create_vcpu(u64::from(index)).map_err(kvm_err("KVM_CREATE_VCPU"))?;
			cpu::configure_vcpu(&vcpu, &cpuid, index, config.vcpus, entry, kind)?;
			if matches!(kind, cpu::EntryKind::Flat) && index > 0 {
				// Flat guests start every vCPU at the entry point instead of waiting for INIT/SIPI.
				vcpu.set_mp_state(kvm_mp_state { mp_state: KVM_MP_STATE_RUNNABLE })
					.map_err(kvm_err("KVM_SET_MP_STATE"))?;
			}
			vcpus.push(vcpu);
		}

		let mut vm = Vm {
			name: config.name.clone(),
			control: Arc::new(vcpu::Control::new()),
			threads: Vec::with_capacity(vcpus.len()),
			timings: timings.clone(),
			_pio: Arc::new(pio),
			_mmio: Arc::new(mmio),
			_vm_fd: vm_fd,
			_mem: mem,
		};
		for (index, vcpu) in vcpus.into_iter().enumerate() {
			let runner = vcpu::VcpuRunner {
				index: index as u8,
				vcpu,
				pio: vm._pio.clone(),
				mmio: vm._mmio.clone(),
				control: vm.control.clone(),
				timings: timings.clone(),
			};
			vm.control.thread_spawning();
			let spawned = std::thread::Builder::new()
				.name(format!("{}-vcpu{index}", thread_name_prefix(&config.name)))
				.spawn(move || runner.run());
			let handle = match spawned {
				Ok(handle) => handle,
				Err(e) => {
					vm.control.thread_spawn_failed();
					// Dropping `vm` stops and joins the threads already running.
					return Err(VmmError::SpawnThread(e));
				},
			};
			vm.control.register_thread(index, handle.as_pthread_t() as libc::pthread_t);
			vm.threads.push(handle);
		}
		timings.record_setup();
		tracing::info!(
			vm = %vm.name,
			vcpus = config.vcpus,
			memory_mib = config.memory_mib,
			setup_ms = timings.snapshot().setup.as_secs_f64() * 1e3,
			"VM started"
		);
		Ok(vm)
	}

	/// Stops the vCPUs running guest code; memory and devices are kept.
	pub fn pause(&self) -> Result<(), VmmError> {
		self.control.pause(vcpu::PAUSE_TIMEOUT)
	}

	/// Lets a paused VM run again.
	pub fn resume(&self) -> Result<(), VmmError> {
		self.control.resume()
	}

	/// Stops the vCPUs, joins their threads and frees the VM's memory and devices.
	pub fn stop(mut self) -> Result<(), VmmError> {
		self.shutdown()
	}

	/// Current run state.
	pub fn state(&self) -> VmState {
		self.control.vm_state()
	}

	/// Boot timings so far.
	pub fn timings(&self) -> BootTimings {
		self.timings.snapshot()
	}

	fn shutdown(&mut self) -> Result<(), VmmError> {
		self.control.stop("stopped by the host".to_string());
		let mut result = Ok(());
		for (index, handle) in self.threads.drain(..).enumerate() {
			self.control.forget_thread(index);
			if handle.join().is_err() && result.is_ok() {
				result = Err(VmmError::VcpuPanicked(index));
			}
		}
		tracing::info!(vm = %self.name, state = ?self.control.vm_state(), "VM stopped");
		result
	}
}

impl Drop for Vm {
	fn drop(&mut self) {
		if !self.threads.is_empty() {
			if let Err(e) = self.shutdown() {
				tracing::error!(vm = %self.name, "stopping the VM: {e}");
			}
		}
	}
}

/// Whether KVM is usable here; `Err(reason)` when `/dev/kvm` is missing or lacks what we need.
pub fn kvm_available() -> Result<(), String> {
	let kvm = Kvm::new().map_err(|e| format!("cannot open /dev/kvm: {e}"))?;
	let version = kvm.get_api_version();
	if version != 12 {
		return Err(format!("unexpected KVM API version {version}"));
	}
	for (cap, name) in [
		(Cap::Irqchip, "IRQCHIP"),
		(Cap::UserMemory, "USER_MEMORY"),
		(Cap::Irqfd, "IRQFD"),
		(Cap::SetTssAddr, "SET_TSS_ADDR"),
		(Cap::Pit2, "PIT2"),
		(Cap::ImmediateExit, "IMMEDIATE_EXIT"),
	] {
		if !kvm.check_extension(cap) {
			return Err(format!("KVM lacks KVM_CAP_{name}"));
		}
	}
	kvm.create_vm().map(drop).map_err(|e| format!("cannot create a VM: {e}"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn timings_record_once() {
		let timings = Timings::new(Instant::now());
		assert_eq!(timings.snapshot(), BootTimings::default());
		timings.record_first_instruction();
		let first = timings.snapshot().first_instruction;
		std::thread::sleep(Duration::from_millis(2));
		timings.record_first_instruction();
		assert_eq!(timings.snapshot().first_instruction, first);
		timings.record_setup();
		assert!(timings.snapshot().setup > Duration::ZERO);
	}

	#[test]
	fn thread_names_are_sanitised() {
		assert_eq!(thread_name_prefix("a\0b"), "ab");
		assert_eq!(thread_name_prefix("contract-1234567"), "contract");
		// A name with a NUL would make std's thread spawn panic.
		let name = format!("{}-vcpu0", thread_name_prefix("x\0y"));
		std::thread::Builder::new().name(name).spawn(|| ()).unwrap().join().unwrap();
	}

	fn flat_config(name: &str) -> VmConfig {
		VmConfig {
			name: name.to_string(),
			vcpus: 1,
			memory_mib: 16,
			boot: BootSource::Flat { code: guest::probe_guest("x") },
			disks: vec![],
			nets: vec![],
			console_log: std::env::temp_dir().join(format!("tfchain-vmm-{name}.log")),
		}
	}

	#[test]
	fn invalid_configs_are_named_errors() {
		let Ok(kvm) = Kvm::new() else {
			eprintln!("skipping: no /dev/kvm");
			return;
		};
		let mut config = flat_config("v");
		config.vcpus = 0;
		assert!(matches!(validate(&config, &kvm), Err(VmmError::InvalidConfig(_))));
		config.vcpus = 33;
		assert!(matches!(validate(&config, &kvm), Err(VmmError::InvalidConfig(_))));
		config.vcpus = 1;
		config.memory_mib = 8;
		assert!(matches!(validate(&config, &kvm), Err(VmmError::InvalidConfig(_))));
		config.memory_mib = 16;
		config.disks = vec![DiskConfig { path: "/x".into(), read_only: true }; 20];
		assert!(matches!(validate(&config, &kvm), Err(VmmError::InvalidConfig(_))));
		config.disks.clear();
		validate(&config, &kvm).unwrap();
	}
}
