//! What virtio devices share: the device trait the MMIO transport drives, the interrupt line, and a
//! bounds-checked view of a descriptor chain's buffers.

use std::{
	io,
	sync::{
		atomic::{AtomicU32, Ordering},
		Arc,
	},
};

use virtio_bindings::virtio_mmio::{VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_VRING};
use virtio_queue::{DescriptorChain, Queue};
use vm_memory::{Bytes, GuestAddress, GuestMemoryError, GuestMemoryMmap};
use vmm_sys_util::eventfd::EventFd;

/// Errors of a device, reported on the request or activation that caused them (never fatal for the
/// VMM).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeviceError {
	/// A descriptor chain is malformed.
	#[error("malformed descriptor chain: {0}")]
	BadChain(&'static str),
	/// Guest memory named by a descriptor is not accessible.
	#[error("guest memory access: {0}")]
	GuestMemory(#[from] GuestMemoryError),
	/// The virtio queue rejected an operation.
	#[error("virtio queue: {0}")]
	Queue(#[from] virtio_queue::Error),
	/// The backend (file, tap) failed.
	#[error("backend I/O: {0}")]
	Io(#[from] io::Error),
	/// The device was activated with the wrong number of queues.
	#[error("expected {expected} queues, got {got}")]
	QueueCount {
		/// Queues the device has.
		expected: usize,
		/// Queues it was given.
		got: usize,
	},
}

/// A virtio device behind a transport.
pub(crate) trait VirtioDevice: Send {
	/// Virtio device id (1 = net, 2 = block).
	fn device_type(&self) -> u32;
	/// Feature bits the device offers.
	fn features(&self) -> u64;
	/// Maximum size of each queue (powers of two).
	fn queue_max_sizes(&self) -> &[u16];
	/// Reads the device configuration space at `offset`; bytes past its end read as 0.
	fn read_config(&self, offset: u64, data: &mut [u8]);
	/// Writes the device configuration space (ignored by our devices).
	fn write_config(&mut self, _offset: u64, _data: &[u8]) {}
	/// The driver finished setup (DRIVER_OK): take the queues and start serving them.
	fn activate(
		&mut self,
		mem: Arc<GuestMemoryMmap>,
		queues: Vec<Queue>,
		irq: IrqLine,
		acked_features: u64,
	) -> Result<(), DeviceError>;
	/// The driver notified queue `index`.
	fn queue_notify(&mut self, index: u32);
	/// The driver reset the device: drop the queues and stop serving them.
	fn reset(&mut self);
}

/// Reads `data.len()` bytes of a config space held in `config`, zero past its end.
pub(crate) fn read_config_bytes(config: &[u8], offset: u64, data: &mut [u8]) {
	for (i, byte) in data.iter_mut().enumerate() {
		*byte = usize::try_from(offset)
			.ok()
			.and_then(|o| o.checked_add(i))
			.and_then(|at| config.get(at))
			.copied()
			.unwrap_or(0);
	}
}

/// The interrupt of a virtio-mmio device: the InterruptStatus register plus an irqfd.
#[derive(Clone)]
pub(crate) struct IrqLine {
	status: Arc<AtomicU32>,
	evt: Arc<EventFd>,
}

impl IrqLine {
	/// A line raising `evt` (registered as irqfd for the device's GSI).
	pub(crate) fn new(evt: EventFd) -> Self {
		Self { status: Arc::new(AtomicU32::new(0)), evt: Arc::new(evt) }
	}

	/// Sets the "used buffer" bit and raises the interrupt.
	pub(crate) fn signal_used_queue(&self) -> io::Result<()> {
		self.status.fetch_or(VIRTIO_MMIO_INT_VRING, Ordering::SeqCst);
		self.evt.write(1)
	}

	/// Sets the "configuration changed" bit and raises the interrupt.
	#[allow(dead_code)]
	pub(crate) fn signal_config_change(&self) -> io::Result<()> {
		self.status.fetch_or(VIRTIO_MMIO_INT_CONFIG, Ordering::SeqCst);
		self.evt.write(1)
	}

	/// Current InterruptStatus.
	pub(crate) fn status(&self) -> u32 {
		self.status.load(Ordering::SeqCst)
	}

	/// InterruptACK: clears `bits`.
	pub(crate) fn ack(&self, bits: u32) {
		self.status.fetch_and(!bits, Ordering::SeqCst);
	}

	/// Clears all bits (device reset).
	pub(crate) fn clear(&self) {
		self.status.store(0, Ordering::SeqCst);
	}

	/// The event behind the line (tests read it to count interrupts).
	#[cfg(test)]
	pub(crate) fn event(&self) -> &EventFd {
		&self.evt
	}
}

/// The guest buffers of one descriptor chain: device-readable segments, then device-writable ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainBuffers {
	/// Head descriptor index (what goes into the used ring).
	pub head: u16,
	/// Device-readable segments, in order.
	pub readable: Vec<(GuestAddress, u32)>,
	/// Device-writable segments, in order.
	pub writable: Vec<(GuestAddress, u32)>,
}

impl ChainBuffers {
	/// Collects the segments of `chain`, checking the readable-before-writable order and sizes.
	pub(crate) fn parse<M>(chain: DescriptorChain<M>) -> Result<Self, DeviceError>
	where
		M: std::ops::Deref,
		M::Target: vm_memory::GuestMemory,
	{
		let head = chain.head_index();
		let mut buffers = ChainBuffers { head, readable: Vec::new(), writable: Vec::new() };
		let mut total: u64 = 0;
		for desc in chain {
			total += u64::from(desc.len());
			if total > u64::from(u32::MAX) {
				return Err(DeviceError::BadChain("chain longer than 4 GiB"));
			}
			if desc.is_write_only() {
				buffers.writable.push((desc.addr(), desc.len()));
			} else {
				if !buffers.writable.is_empty() {
					return Err(DeviceError::BadChain("readable descriptor after a writable one"));
				}
				buffers.readable.push((desc.addr(), desc.len()));
			}
		}
		if buffers.readable.is_empty() && buffers.writable.is_empty() {
			return Err(DeviceError::BadChain("empty chain"));
		}
		Ok(buffers)
	}

	/// Total bytes of the readable segments.
	pub(crate) fn readable_len(&self) -> u64 {
		self.readable.iter().map(|(_, len)| u64::from(*len)).sum()
	}

	/// Total bytes of the writable segments.
	pub(crate) fn writable_len(&self) -> u64 {
		self.writable.iter().map(|(_, len)| u64::from(*len)).sum()
	}

	/// Reads `buf.len()` bytes starting `offset` bytes into the readable segments.
	pub(crate) fn read_at(
		&self,
		mem: &GuestMemoryMmap,
		offset: u64,
		buf: &mut [u8],
	) -> Result<(), DeviceError> {
		let mut done = 0usize;
		for_each_piece(&self.readable, offset, buf.len(), |addr, at, len| {
			mem.read_slice(&mut buf[at..at + len], addr)?;
			done += len;
			Ok(())
		})?;
		if done != buf.len() {
			return Err(DeviceError::BadChain("readable buffers too short"));
		}
		Ok(())
	}

	/// Writes `buf` starting `offset` bytes into the writable segments.
	pub(crate) fn write_at(
		&self,
		mem: &GuestMemoryMmap,
		offset: u64,
		buf: &[u8],
	) -> Result<(), DeviceError> {
		let mut done = 0usize;
		for_each_piece(&self.writable, offset, buf.len(), |addr, at, len| {
			mem.write_slice(&buf[at..at + len], addr)?;
			done += len;
			Ok(())
		})?;
		if done != buf.len() {
			return Err(DeviceError::BadChain("writable buffers too short"));
		}
		Ok(())
	}
}

/// Calls `f(guest_addr, buf_offset, len)` for the pieces of `segments` covering the logical range
/// `[offset, offset + count)`.
fn for_each_piece(
	segments: &[(GuestAddress, u32)],
	offset: u64,
	count: usize,
	mut f: impl FnMut(GuestAddress, usize, usize) -> Result<(), DeviceError>,
) -> Result<(), DeviceError> {
	let mut skip = offset;
	let mut at = 0usize;
	for &(addr, len) in segments {
		if at == count {
			break;
		}
		let len = u64::from(len);
		if skip >= len {
			skip -= len;
			continue;
		}
		let piece = (len - skip).min((count - at) as u64) as usize;
		let start = addr
			.0
			.checked_add(skip)
			.ok_or(DeviceError::BadChain("descriptor address overflows"))?;
		f(GuestAddress(start), at, piece)?;
		at += piece;
		skip = 0;
	}
	Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
	//! Building split virtqueues by hand in guest memory.

	use super::*;
	use virtio_bindings::virtio_ring::{VRING_DESC_F_NEXT, VRING_DESC_F_WRITE};
	use virtio_queue::QueueT;

	/// Descriptor table, avail and used rings of one queue at fixed addresses.
	pub(crate) struct TestQueue {
		pub desc: u64,
		pub avail: u64,
		pub used: u64,
		pub size: u16,
		next_desc: u16,
		avail_idx: u16,
	}

	/// One buffer of a chain: address, length, device-writable?
	pub(crate) type Buf = (u64, u32, bool);

	impl TestQueue {
		/// A queue of `size` entries whose rings start at `base`.
		pub(crate) fn new(base: u64, size: u16) -> Self {
			let desc = base;
			let avail = desc + 16 * u64::from(size);
			let used = (avail + 6 + 2 * u64::from(size) + 3) & !3;
			Self { desc, avail, used, size, next_desc: 0, avail_idx: 0 }
		}

		/// A `Queue` configured and ready for these rings.
		pub(crate) fn queue(&self, mem: &GuestMemoryMmap) -> Queue {
			let mut q = Queue::new(self.size).unwrap();
			q.set_desc_table_address(Some(self.desc as u32), Some((self.desc >> 32) as u32));
			q.set_avail_ring_address(Some(self.avail as u32), Some((self.avail >> 32) as u32));
			q.set_used_ring_address(Some(self.used as u32), Some((self.used >> 32) as u32));
			q.set_ready(true);
			assert!(q.is_valid(mem));
			q
		}

		/// Writes a chain of `bufs` and publishes it in the avail ring; returns its head index.
		pub(crate) fn add_chain(&mut self, mem: &GuestMemoryMmap, bufs: &[Buf]) -> u16 {
			let head = self.next_desc;
			for (i, &(addr, len, writable)) in bufs.iter().enumerate() {
				let index = self.next_desc;
				self.next_desc = (self.next_desc + 1) % self.size;
				let mut flags = if writable { VRING_DESC_F_WRITE as u16 } else { 0 };
				if i + 1 < bufs.len() {
					flags |= VRING_DESC_F_NEXT as u16;
				}
				let at = self.desc + 16 * u64::from(index);
				mem.write_obj(addr, GuestAddress(at)).unwrap();
				mem.write_obj(len, GuestAddress(at + 8)).unwrap();
				mem.write_obj(flags, GuestAddress(at + 12)).unwrap();
				mem.write_obj(self.next_desc, GuestAddress(at + 14)).unwrap();
			}
			let slot = self.avail + 4 + 2 * u64::from(self.avail_idx % self.size);
			mem.write_obj(head, GuestAddress(slot)).unwrap();
			self.avail_idx = self.avail_idx.wrapping_add(1);
			mem.write_obj(self.avail_idx, GuestAddress(self.avail + 2)).unwrap();
			head
		}

		/// The used ring's index.
		pub(crate) fn used_idx(&self, mem: &GuestMemoryMmap) -> u16 {
			mem.read_obj(GuestAddress(self.used + 2)).unwrap()
		}

		/// Used element `n`: (descriptor head, length written).
		pub(crate) fn used_elem(&self, mem: &GuestMemoryMmap, n: u16) -> (u32, u32) {
			let at = self.used + 4 + 8 * u64::from(n % self.size);
			(mem.read_obj(GuestAddress(at)).unwrap(), mem.read_obj(GuestAddress(at + 4)).unwrap())
		}
	}

	/// Guest memory for device tests.
	pub(crate) fn test_memory() -> Arc<GuestMemoryMmap> {
		Arc::new(GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 0x10_0000)]).unwrap())
	}

	/// An interrupt line on a fresh non-blocking eventfd.
	pub(crate) fn test_irq() -> IrqLine {
		IrqLine::new(EventFd::new(libc::EFD_NONBLOCK).unwrap())
	}

	/// How many times the line fired since the last call.
	pub(crate) fn irq_count(irq: &IrqLine) -> u64 {
		irq.event().read().unwrap_or(0)
	}
}

#[cfg(test)]
mod tests {
	use super::{testing::*, *};
	use virtio_queue::QueueOwnedT;

	#[test]
	fn chain_buffers_gather_and_scatter() {
		let mem = test_memory();
		let mut tq = TestQueue::new(0x1000, 16);
		let mut q = tq.queue(&mem);
		mem.write_slice(b"hello ", GuestAddress(0x8000)).unwrap();
		mem.write_slice(b"world", GuestAddress(0x9000)).unwrap();
		tq.add_chain(
			&mem,
			&[(0x8000, 6, false), (0x9000, 5, false), (0xa000, 4, true), (0xb000, 8, true)],
		);
		let chain = q.iter(mem.as_ref()).unwrap().next().unwrap();
		let bufs = ChainBuffers::parse(chain).unwrap();
		assert_eq!(bufs.head, 0);
		assert_eq!((bufs.readable_len(), bufs.writable_len()), (11, 12));
		let mut all = [0u8; 11];
		bufs.read_at(&mem, 0, &mut all).unwrap();
		assert_eq!(&all, b"hello world");
		let mut mid = [0u8; 4];
		bufs.read_at(&mem, 4, &mut mid).unwrap();
		assert_eq!(&mid, b"o wo");
		assert!(matches!(bufs.read_at(&mem, 8, &mut mid), Err(DeviceError::BadChain(_))));

		bufs.write_at(&mem, 2, b"abcdefgh").unwrap();
		let mut a = [0u8; 4];
		mem.read_slice(&mut a, GuestAddress(0xa000)).unwrap();
		assert_eq!(&a[2..], b"ab");
		let mut b = [0u8; 6];
		mem.read_slice(&mut b, GuestAddress(0xb000)).unwrap();
		assert_eq!(&b, b"cdefgh");
		assert!(bufs.write_at(&mem, 10, b"xyz").is_err());
	}

	#[test]
	fn chain_order_and_bad_addresses() {
		let mem = test_memory();
		let mut tq = TestQueue::new(0x1000, 16);
		let mut q = tq.queue(&mem);
		tq.add_chain(&mem, &[(0xa000, 4, true), (0x8000, 6, false)]);
		let chain = q.iter(mem.as_ref()).unwrap().next().unwrap();
		assert!(matches!(ChainBuffers::parse(chain), Err(DeviceError::BadChain(_))));

		// A buffer outside guest memory parses, but accessing it is an error, not a panic.
		tq.add_chain(&mem, &[(0xffff_ff00, 16, false)]);
		let chain = q.iter(mem.as_ref()).unwrap().next().unwrap();
		let bufs = ChainBuffers::parse(chain).unwrap();
		let mut buf = [0u8; 16];
		assert!(matches!(bufs.read_at(&mem, 0, &mut buf), Err(DeviceError::GuestMemory(_))));
		// An address that overflows when offset.
		let bufs = ChainBuffers {
			head: 0,
			readable: vec![(GuestAddress(u64::MAX), 16)],
			writable: vec![],
		};
		assert!(bufs.read_at(&mem, 4, &mut buf[..4]).is_err());
	}

	#[test]
	fn irq_line_status() {
		let irq = test_irq();
		irq.signal_used_queue().unwrap();
		irq.signal_config_change().unwrap();
		assert_eq!(irq.status(), 3);
		assert_eq!(irq_count(&irq), 2);
		irq.ack(1);
		assert_eq!(irq.status(), 2);
		irq.clear();
		assert_eq!(irq.status(), 0);
		assert_eq!(irq_count(&irq), 0);
	}

	#[test]
	fn config_bytes() {
		let mut data = [0xaa; 4];
		read_config_bytes(&[1, 2, 3], 1, &mut data);
		assert_eq!(data, [2, 3, 0, 0]);
		read_config_bytes(&[1, 2, 3], u64::MAX, &mut data);
		assert_eq!(data, [0; 4]);
	}
}
