//! virtio-mmio transport, version 2 ("modern"): the 4 KiB register window of one device, feature
//! negotiation, queue setup, notifications and the interrupt status.

use std::sync::Arc;

use virtio_bindings::{
	virtio_config::{
		VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK,
		VIRTIO_CONFIG_S_FAILED, VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET,
		VIRTIO_F_VERSION_1,
	},
	virtio_mmio::*,
};
use virtio_queue::{Queue, QueueT};
use vm_memory::GuestMemoryMmap;

use super::virtio::{IrqLine, VirtioDevice};
use crate::bus::{BusDevice, DeviceAction};

/// "virt" in little endian.
pub(crate) const MMIO_MAGIC: u32 = 0x7472_6976;
/// Transport version 2 (virtio 1.x).
pub(crate) const MMIO_VERSION: u32 = 2;
/// Our vendor id ("TFCV").
pub(crate) const MMIO_VENDOR_ID: u32 = 0x5643_4654;

const ALL_STATUS_BITS: u32 = VIRTIO_CONFIG_S_ACKNOWLEDGE
	| VIRTIO_CONFIG_S_DRIVER
	| VIRTIO_CONFIG_S_DRIVER_OK
	| VIRTIO_CONFIG_S_FEATURES_OK
	| VIRTIO_CONFIG_S_NEEDS_RESET
	| VIRTIO_CONFIG_S_FAILED;

/// One virtio device behind a virtio-mmio register window.
pub(crate) struct MmioTransport {
	device: Box<dyn VirtioDevice>,
	mem: Arc<GuestMemoryMmap>,
	irq: IrqLine,
	/// Queue configuration until DRIVER_OK; then the queues belong to the device.
	queues: Vec<Queue>,
	/// QueueReady as the driver left it at activation (for reads after DRIVER_OK).
	ready_at_activation: Vec<bool>,
	device_features_sel: u32,
	driver_features_sel: u32,
	driver_features: u64,
	queue_sel: u32,
	status: u32,
	config_generation: u32,
	activated: bool,
}

impl MmioTransport {
	/// Wraps `device`; its interrupt goes out on `irq`.
	pub(crate) fn new(
		device: Box<dyn VirtioDevice>,
		mem: Arc<GuestMemoryMmap>,
		irq: IrqLine,
	) -> Self {
		let mut transport = Self {
			device,
			mem,
			irq,
			queues: Vec::new(),
			ready_at_activation: Vec::new(),
			device_features_sel: 0,
			driver_features_sel: 0,
			driver_features: 0,
			queue_sel: 0,
			status: 0,
			config_generation: 0,
			activated: false,
		};
		transport.reset_queues();
		transport
	}

	fn reset_queues(&mut self) {
		// Sizes come from our own devices and are powers of two; a bad one just yields no queue.
		self.queues = self
			.device
			.queue_max_sizes()
			.iter()
			.filter_map(|&size| match Queue::new(size) {
				Ok(q) => Some(q),
				Err(e) => {
					tracing::error!("virtio device has an invalid queue size {size}: {e}");
					None
				},
			})
			.collect();
		self.ready_at_activation.clear();
	}

	/// Device status register.
	#[cfg(test)]
	pub(crate) fn status(&self) -> u32 {
		self.status
	}

	/// Whether the device has been activated (DRIVER_OK accepted).
	#[cfg(test)]
	pub(crate) fn is_activated(&self) -> bool {
		self.activated
	}

	fn selected_queue(&mut self) -> Option<&mut Queue> {
		if self.activated {
			return None;
		}
		self.queues.get_mut(self.queue_sel as usize)
	}

	fn queue_setup_allowed(&self) -> bool {
		!self.activated
			&& self.status & VIRTIO_CONFIG_S_FEATURES_OK != 0
			&& self.status & VIRTIO_CONFIG_S_DRIVER_OK == 0
	}

	fn read_register(&mut self, offset: u32) -> u32 {
		match offset {
			VIRTIO_MMIO_MAGIC_VALUE => MMIO_MAGIC,
			VIRTIO_MMIO_VERSION => MMIO_VERSION,
			VIRTIO_MMIO_DEVICE_ID => self.device.device_type(),
			VIRTIO_MMIO_VENDOR_ID => MMIO_VENDOR_ID,
			VIRTIO_MMIO_DEVICE_FEATURES => match self.device_features_sel {
				0 => self.device.features() as u32,
				1 => (self.device.features() >> 32) as u32,
				_ => 0,
			},
			VIRTIO_MMIO_QUEUE_NUM_MAX => {
				let sel = self.queue_sel as usize;
				self.device.queue_max_sizes().get(sel).copied().map(u32::from).unwrap_or(0)
			},
			VIRTIO_MMIO_QUEUE_READY => {
				let sel = self.queue_sel as usize;
				let ready = if self.activated {
					self.ready_at_activation.get(sel).copied().unwrap_or(false)
				} else {
					self.queues.get(sel).map(|q| q.ready()).unwrap_or(false)
				};
				u32::from(ready)
			},
			VIRTIO_MMIO_INTERRUPT_STATUS => self.irq.status(),
			VIRTIO_MMIO_STATUS => self.status,
			VIRTIO_MMIO_SHM_LEN_LOW | VIRTIO_MMIO_SHM_LEN_HIGH => u32::MAX, // no shared memory
			VIRTIO_MMIO_SHM_BASE_LOW | VIRTIO_MMIO_SHM_BASE_HIGH => u32::MAX,
			VIRTIO_MMIO_CONFIG_GENERATION => self.config_generation,
			_ => {
				tracing::debug!("virtio-mmio: read of unknown register {offset:#x}");
				0
			},
		}
	}

	fn write_register(&mut self, offset: u32, value: u32) {
		match offset {
			VIRTIO_MMIO_DEVICE_FEATURES_SEL => self.device_features_sel = value,
			VIRTIO_MMIO_DRIVER_FEATURES_SEL => self.driver_features_sel = value,
			VIRTIO_MMIO_DRIVER_FEATURES => {
				let negotiating = self.status & VIRTIO_CONFIG_S_DRIVER != 0
					&& self.status & VIRTIO_CONFIG_S_FEATURES_OK == 0;
				if !negotiating {
					tracing::warn!("virtio-mmio: driver features written outside negotiation");
					return;
				}
				match self.driver_features_sel {
					0 => {
						self.driver_features =
							(self.driver_features & !0xffff_ffff) | u64::from(value)
					},
					1 => {
						self.driver_features =
							(self.driver_features & 0xffff_ffff) | (u64::from(value) << 32)
					},
					sel => tracing::warn!("virtio-mmio: driver features word {sel} ignored"),
				}
			},
			VIRTIO_MMIO_QUEUE_SEL => self.queue_sel = value,
			VIRTIO_MMIO_INTERRUPT_ACK => self.irq.ack(value),
			VIRTIO_MMIO_STATUS => self.set_status(value),
			VIRTIO_MMIO_QUEUE_NOTIFY => {
				if self.activated {
					self.device.queue_notify(value);
				} else {
					tracing::debug!("virtio-mmio: notify before DRIVER_OK ignored");
				}
			},
			VIRTIO_MMIO_QUEUE_NUM
			| VIRTIO_MMIO_QUEUE_READY
			| VIRTIO_MMIO_QUEUE_DESC_LOW
			| VIRTIO_MMIO_QUEUE_DESC_HIGH
			| VIRTIO_MMIO_QUEUE_AVAIL_LOW
			| VIRTIO_MMIO_QUEUE_AVAIL_HIGH
			| VIRTIO_MMIO_QUEUE_USED_LOW
			| VIRTIO_MMIO_QUEUE_USED_HIGH => self.write_queue_register(offset, value),
			VIRTIO_MMIO_SHM_SEL => {},
			_ => tracing::debug!("virtio-mmio: write of unknown register {offset:#x}"),
		}
	}

	fn write_queue_register(&mut self, offset: u32, value: u32) {
		if !self.queue_setup_allowed() {
			tracing::warn!("virtio-mmio: queue register {offset:#x} written outside queue setup");
			return;
		}
		let Some(queue) = self.selected_queue() else {
			tracing::warn!("virtio-mmio: queue register written for a queue that does not exist");
			return;
		};
		let result = match offset {
			VIRTIO_MMIO_QUEUE_NUM => u16::try_from(value)
				.map_err(|_| virtio_queue::Error::InvalidSize)
				.and_then(|size| queue.try_set_size(size)),
			VIRTIO_MMIO_QUEUE_READY => {
				queue.set_ready(value == 1);
				Ok(())
			},
			VIRTIO_MMIO_QUEUE_DESC_LOW => {
				let addr = (queue.desc_table() & !0xffff_ffff) | u64::from(value);
				queue.try_set_desc_table_address(vm_memory::GuestAddress(addr))
			},
			VIRTIO_MMIO_QUEUE_DESC_HIGH => {
				let addr = (queue.desc_table() & 0xffff_ffff) | (u64::from(value) << 32);
				queue.try_set_desc_table_address(vm_memory::GuestAddress(addr))
			},
			VIRTIO_MMIO_QUEUE_AVAIL_LOW => {
				let addr = (queue.avail_ring() & !0xffff_ffff) | u64::from(value);
				queue.try_set_avail_ring_address(vm_memory::GuestAddress(addr))
			},
			VIRTIO_MMIO_QUEUE_AVAIL_HIGH => {
				let addr = (queue.avail_ring() & 0xffff_ffff) | (u64::from(value) << 32);
				queue.try_set_avail_ring_address(vm_memory::GuestAddress(addr))
			},
			VIRTIO_MMIO_QUEUE_USED_LOW => {
				let addr = (queue.used_ring() & !0xffff_ffff) | u64::from(value);
				queue.try_set_used_ring_address(vm_memory::GuestAddress(addr))
			},
			VIRTIO_MMIO_QUEUE_USED_HIGH => {
				let addr = (queue.used_ring() & 0xffff_ffff) | (u64::from(value) << 32);
				queue.try_set_used_ring_address(vm_memory::GuestAddress(addr))
			},
			_ => Ok(()),
		};
		if let Err(e) = result {
			tracing::warn!("virtio-mmio: queue register {offset:#x} = {value:#x} rejected: {e}");
		}
	}

	fn reset(&mut self) {
		if self.activated {
			self.device.reset();
		}
		self.activated = false;
		self.status = 0;
		self.driver_features = 0;
		self.device_features_sel = 0;
		self.driver_features_sel = 0;
		self.queue_sel = 0;
		self.irq.clear();
		self.reset_queues();
	}

	fn set_status(&mut self, value: u32) {
		if value == 0 {
			self.reset();
			return;
		}
		let mut value = value & ALL_STATUS_BITS;
		if value & self.status != self.status && value & VIRTIO_CONFIG_S_FAILED == 0 {
			tracing::warn!(
				"virtio-mmio: driver cleared status bits ({:#x} -> {value:#x})",
				self.status
			);
			return;
		}
		let newly = value & !self.status;
		if newly & VIRTIO_CONFIG_S_FEATURES_OK != 0 && !self.features_acceptable() {
			tracing::warn!(
				"virtio-mmio: refusing driver features {:#x} (offered {:#x})",
				self.driver_features,
				self.device.features()
			);
			value &= !VIRTIO_CONFIG_S_FEATURES_OK;
		}
		if newly & VIRTIO_CONFIG_S_DRIVER_OK != 0 {
			if value & VIRTIO_CONFIG_S_FEATURES_OK == 0 {
				tracing::warn!("virtio-mmio: DRIVER_OK without FEATURES_OK");
				value |= VIRTIO_CONFIG_S_NEEDS_RESET;
				value &= !VIRTIO_CONFIG_S_DRIVER_OK;
			} else if let Err(reason) = self.activate() {
				tracing::warn!("virtio-mmio: activation failed: {reason}");
				value |= VIRTIO_CONFIG_S_NEEDS_RESET;
			}
		}
		self.status = value;
	}

	fn features_acceptable(&self) -> bool {
		let offered = self.device.features();
		self.driver_features & !offered == 0
			&& self.driver_features & (1 << VIRTIO_F_VERSION_1) != 0
	}

	fn activate(&mut self) -> Result<(), String> {
		if let Some(i) = self.queues.iter().position(|q| !q.ready()) {
			return Err(format!("queue {i} is not ready"));
		}
		if let Some(i) = self.queues.iter().position(|q| !q.is_valid(self.mem.as_ref())) {
			return Err(format!("queue {i} lies outside guest memory"));
		}
		self.ready_at_activation = self.queues.iter().map(|q| q.ready()).collect();
		let queues = std::mem::take(&mut self.queues);
		self.device
			.activate(self.mem.clone(), queues, self.irq.clone(), self.driver_features)
			.map_err(|e| e.to_string())?;
		self.activated = true;
		Ok(())
	}
}

impl BusDevice for MmioTransport {
	fn read(&mut self, offset: u64, data: &mut [u8]) {
		if offset >= u64::from(VIRTIO_MMIO_CONFIG) {
			self.device.read_config(offset - u64::from(VIRTIO_MMIO_CONFIG), data);
			return;
		}
		if data.len() != 4 || !offset.is_multiple_of(4) {
			tracing::warn!("virtio-mmio: {}-byte read at {offset:#x} ignored", data.len());
			data.fill(0);
			return;
		}
		let value = self.read_register(offset as u32);
		data.copy_from_slice(&value.to_le_bytes());
	}

	fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
		if offset >= u64::from(VIRTIO_MMIO_CONFIG) {
			self.device.write_config(offset - u64::from(VIRTIO_MMIO_CONFIG), data);
			return DeviceAction::Continue;
		}
		match <[u8; 4]>::try_from(data) {
			Ok(bytes) if offset.is_multiple_of(4) => {
				self.write_register(offset as u32, u32::from_le_bytes(bytes));
			},
			_ => tracing::warn!("virtio-mmio: {}-byte write at {offset:#x} ignored", data.len()),
		}
		DeviceAction::Continue
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::devices::virtio::{read_config_bytes, testing::*, DeviceError};
	use std::sync::Mutex;

	/// A device that records what the transport does to it.
	#[derive(Default)]
	struct Log {
		activations: Vec<(usize, u64)>,
		notifies: Vec<u32>,
		resets: usize,
		config_writes: Vec<(u64, Vec<u8>)>,
	}

	struct FakeDevice {
		log: Arc<Mutex<Log>>,
		sizes: Vec<u16>,
	}

	impl VirtioDevice for FakeDevice {
		fn device_type(&self) -> u32 {
			42
		}
		fn features(&self) -> u64 {
			(1 << VIRTIO_F_VERSION_1) | 0b101
		}
		fn queue_max_sizes(&self) -> &[u16] {
			&self.sizes
		}
		fn read_config(&self, offset: u64, data: &mut [u8]) {
			read_config_bytes(&[0x11, 0x22, 0x33, 0x44, 0x55], offset, data)
		}
		fn write_config(&mut self, offset: u64, data: &[u8]) {
			self.log.lock().unwrap().config_writes.push((offset, data.to_vec()));
		}
		fn activate(
			&mut self,
			_mem: Arc<GuestMemoryMmap>,
			queues: Vec<Queue>,
			irq: IrqLine,
			acked_features: u64,
		) -> Result<(), DeviceError> {
			self.log.lock().unwrap().activations.push((queues.len(), acked_features));
			irq.signal_used_queue()?;
			Ok(())
		}
		fn queue_notify(&mut self, index: u32) {
			self.log.lock().unwrap().notifies.push(index);
		}
		fn reset(&mut self) {
			self.log.lock().unwrap().resets += 1;
		}
	}

	fn transport() -> (MmioTransport, Arc<Mutex<Log>>, IrqLine) {
		let log = Arc::new(Mutex::new(Log::default()));
		let irq = test_irq();
		let device = FakeDevice { log: log.clone(), sizes: vec![16, 8] };
		(MmioTransport::new(Box::new(device), test_memory(), irq.clone()), log, irq)
	}

	fn rd(t: &mut MmioTransport, offset: u32) -> u32 {
		let mut data = [0u8; 4];
		t.read(u64::from(offset), &mut data);
		u32::from_le_bytes(data)
	}

	fn wr(t: &mut MmioTransport, offset: u32, value: u32) {
		assert_eq!(t.write(u64::from(offset), &value.to_le_bytes()), DeviceAction::Continue);
	}

	/// Drives the transport the way Linux's virtio_mmio driver does, up to DRIVER_OK.
	fn negotiate(t: &mut MmioTransport, features_hi: u32) {
		wr(t, VIRTIO_MMIO_STATUS, 0);
		wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
		wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
		wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
		wr(t, VIRTIO_MMIO_DRIVER_FEATURES, 0b100);
		wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(t, VIRTIO_MMIO_DRIVER_FEATURES, features_hi);
		wr(t, VIRTIO_MMIO_STATUS, 0b1011);
	}

	fn setup_queue(t: &mut MmioTransport, sel: u32, tq: &TestQueue) {
		wr(t, VIRTIO_MMIO_QUEUE_SEL, sel);
		wr(t, VIRTIO_MMIO_QUEUE_NUM, u32::from(tq.size));
		wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, tq.desc as u32);
		wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
		wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, tq.avail as u32);
		wr(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
		wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, tq.used as u32);
		wr(t, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
		wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	}

	#[test]
	fn identification_registers() {
		let (mut t, _, _) = transport();
		assert_eq!(rd(&mut t, VIRTIO_MMIO_MAGIC_VALUE), 0x7472_6976);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_VERSION), 2);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_DEVICE_ID), 42);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_VENDOR_ID), MMIO_VENDOR_ID);
		wr(&mut t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_DEVICE_FEATURES), 0b101);
		wr(&mut t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_DEVICE_FEATURES), 1);
		wr(&mut t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
		wr(&mut t, VIRTIO_MMIO_QUEUE_SEL, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_NUM_MAX), 8);
		wr(&mut t, VIRTIO_MMIO_QUEUE_SEL, 2);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_SHM_LEN_LOW), u32::MAX);
		// Narrow and unaligned register accesses are ignored and read as zero.
		let mut narrow = [0xffu8; 2];
		t.read(0, &mut narrow);
		assert_eq!(narrow, [0, 0]);
		let mut unaligned = [0xffu8; 4];
		t.read(2, &mut unaligned);
		assert_eq!(unaligned, [0; 4]);
		// Config space: any width, at 0x100.
		let mut cfg = [0u8; 2];
		t.read(0x103, &mut cfg);
		assert_eq!(cfg, [0x44, 0x55]);
	}

	#[test]
	fn full_negotiation_activates_and_notifies() {
		let (mut t, log, irq) = transport();
		let mem = test_memory();
		negotiate(&mut t, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_STATUS), 0b1011);
		let q0 = TestQueue::new(0x1000, 16);
		let q1 = TestQueue::new(0x4000, 8);
		setup_queue(&mut t, 0, &q0);
		// Notifications before DRIVER_OK are ignored.
		wr(&mut t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		setup_queue(&mut t, 1, &q1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_READY), 1);
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b1111);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_STATUS), 0b1111);
		assert!(t.is_activated());
		let _ = mem;
		{
			let log = log.lock().unwrap();
			assert_eq!(log.activations, vec![(2, (1 << 32) | 0b100)]);
			assert!(log.notifies.is_empty());
		}
		// The fake device raised an interrupt on activation; the driver sees and acks it.
		assert_eq!(rd(&mut t, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
		assert_eq!(irq_count(&irq), 1);
		wr(&mut t, VIRTIO_MMIO_INTERRUPT_ACK, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

		wr(&mut t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
		assert_eq!(log.lock().unwrap().notifies, vec![1]);
		// Queue registers are frozen after DRIVER_OK.
		wr(&mut t, VIRTIO_MMIO_QUEUE_SEL, 0);
		wr(&mut t, VIRTIO_MMIO_QUEUE_READY, 0);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_READY), 1);

		// Reset hands everything back.
		wr(&mut t, VIRTIO_MMIO_STATUS, 0);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_STATUS), 0);
		assert!(!t.is_activated());
		assert_eq!(log.lock().unwrap().resets, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_READY), 0);
	}

	#[test]
	fn features_without_version_1_are_refused() {
		let (mut t, log, _) = transport();
		negotiate(&mut t, 0);
		assert_eq!(t.status() & VIRTIO_CONFIG_S_FEATURES_OK, 0);
		// DRIVER_OK without FEATURES_OK: the device asks for a reset instead of activating.
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b0111);
		assert_ne!(t.status() & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
		assert!(!t.is_activated());
		assert!(log.lock().unwrap().activations.is_empty());
	}

	#[test]
	fn features_not_offered_are_refused() {
		let (mut t, _, _) = transport();
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b11);
		wr(&mut t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
		wr(&mut t, VIRTIO_MMIO_DRIVER_FEATURES, 0b10);
		wr(&mut t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(&mut t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b1011);
		assert_eq!(t.status(), 0b0011);
	}

	#[test]
	fn activation_needs_valid_ready_queues() {
		let (mut t, log, _) = transport();
		negotiate(&mut t, 1);
		setup_queue(&mut t, 0, &TestQueue::new(0x1000, 16));
		// Queue 1 never made ready.
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b1111);
		assert_ne!(t.status() & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
		assert!(!t.is_activated());

		// Rings outside guest memory (1 MiB here).
		negotiate(&mut t, 1);
		setup_queue(&mut t, 0, &TestQueue::new(0x1000, 16));
		setup_queue(&mut t, 1, &TestQueue::new(0x7000_0000, 8));
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b1111);
		assert!(!t.is_activated());
		assert!(log.lock().unwrap().activations.is_empty());
	}

	#[test]
	fn bad_queue_values_are_rejected_not_fatal() {
		let (mut t, _, _) = transport();
		negotiate(&mut t, 1);
		wr(&mut t, VIRTIO_MMIO_QUEUE_SEL, 0);
		wr(&mut t, VIRTIO_MMIO_QUEUE_NUM, 3); // not a power of two
		wr(&mut t, VIRTIO_MMIO_QUEUE_NUM, 1 << 20); // too big
		wr(&mut t, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1001); // misaligned
		wr(&mut t, VIRTIO_MMIO_QUEUE_SEL, 9); // no such queue
		wr(&mut t, VIRTIO_MMIO_QUEUE_NUM, 4);
		wr(&mut t, VIRTIO_MMIO_QUEUE_READY, 1);
		assert_eq!(rd(&mut t, VIRTIO_MMIO_QUEUE_READY), 0);
		// Writes of the wrong width are ignored.
		assert_eq!(t.write(u64::from(VIRTIO_MMIO_STATUS), &[0]), DeviceAction::Continue);
		assert_eq!(t.status(), 0b1011);
	}

	#[test]
	fn config_writes_reach_the_device() {
		let (mut t, log, _) = transport();
		t.write(0x104, &[9, 8]);
		assert_eq!(log.lock().unwrap().config_writes, vec![(4, vec![9, 8])]);
	}

	#[test]
	fn clearing_status_bits_is_ignored_but_failed_is_accepted() {
		let (mut t, _, _) = transport();
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b11);
		wr(&mut t, VIRTIO_MMIO_STATUS, 0b01);
		assert_eq!(t.status(), 0b11);
		wr(&mut t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_FAILED);
		assert_eq!(t.status(), VIRTIO_CONFIG_S_FAILED);
	}

	/// xorshift64: deterministic pseudo-random numbers for the robustness test.
	struct Rng(u64);
	impl Rng {
		fn next(&mut self) -> u64 {
			self.0 ^= self.0 << 13;
			self.0 ^= self.0 >> 7;
			self.0 ^= self.0 << 17;
			self.0
		}
	}

	/// A guest driving a virtio-blk transport with garbage (random registers, rings full of random
	/// bytes, random notifies) must never make the VMM panic.
	#[test]
	fn random_guest_cannot_crash_the_device() {
		let path =
			std::env::temp_dir().join(format!("tfchain-vmm-fuzz-{}.img", std::process::id()));
		std::fs::write(&path, vec![0u8; 64 * 1024]).unwrap();
		let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
		let blk = crate::devices::virtio_blk::VirtioBlk::new(file, 64 * 1024, false, "fuzz");
		let mem = test_memory();
		let irq = test_irq();
		let mut t = MmioTransport::new(Box::new(blk), mem.clone(), irq.clone());
		let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
		let mut activations = 0;
		for round in 0..2000 {
			// Half the rounds set the device up properly with rings at random places.
			if round % 2 == 0 {
				negotiate(&mut t, 1);
				let base = (rng.next() % 0xf_0000) & !0xfff;
				let size = 1u16 << (rng.next() % 9);
				let tq = TestQueue::new(base, size);
				setup_queue(&mut t, 0, &tq);
				wr(&mut t, VIRTIO_MMIO_STATUS, 0b1111);
				activations += usize::from(t.is_activated());
				// Fill the rings and some buffers with random bytes.
				for _ in 0..64 {
					let at = rng.next() % 0x10_0000;
					let _ = vm_memory::Bytes::write_obj(
						mem.as_ref(),
						rng.next(),
						vm_memory::GuestAddress(at & !7),
					);
				}
				// Mostly a plausible number of new entries, sometimes garbage.
				let avail_idx = if rng.next().is_multiple_of(4) {
					rng.next() as u16
				} else {
					(rng.next() % (u64::from(size) + 1)) as u16
				};
				let _ = vm_memory::Bytes::write_obj(
					mem.as_ref(),
					avail_idx,
					vm_memory::GuestAddress(tq.avail + 2),
				);
			}
			for _ in 0..50 {
				let offset = ((rng.next() % 0x110) & !3) as u32;
				match rng.next() % 4 {
					0 => wr(&mut t, VIRTIO_MMIO_QUEUE_NOTIFY, (rng.next() % 3) as u32),
					1 => {
						let _ = rd(&mut t, offset);
					},
					_ => {
						let value = match rng.next() % 3 {
							0 => rng.next() as u32,
							1 => (rng.next() % 16) as u32,
							_ => u32::MAX,
						};
						wr(&mut t, offset, value);
					},
				}
			}
		}
		assert!(activations > 0, "the random setups never activated the device");
		assert!(irq_count(&irq) > 0, "no garbage request was ever completed");
		std::fs::remove_file(&path).unwrap();
	}
}
