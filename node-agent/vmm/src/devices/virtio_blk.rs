//! virtio-blk over a raw image file: read, write, flush and get-id, optionally read-only.

use std::{
	fs::{File, OpenOptions},
	os::unix::fs::FileExt,
	path::Path,
	sync::Arc,
};

use virtio_bindings::{
	virtio_blk::{
		VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_ID_BYTES,
		VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
		VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
	},
	virtio_config::VIRTIO_F_VERSION_1,
	virtio_ids::VIRTIO_ID_BLOCK,
};
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Bytes, GuestMemoryMmap};

use super::virtio::{read_config_bytes, ChainBuffers, DeviceError, IrqLine, VirtioDevice};
use crate::VmmError;

/// Sector size of the virtio-blk protocol.
pub(crate) const SECTOR_SIZE: u64 = 512;
/// Size of the only queue.
pub(crate) const QUEUE_SIZE: u16 = 256;
/// Most data segments per request we announce.
const SEG_MAX: u32 = 128;
/// Size of the request header (type, reserved, sector).
const HEADER_SIZE: u64 = 16;
/// Bytes moved per file access.
const CHUNK: usize = 128 * 1024;

/// Outcome of one request: the status byte and how many bytes were written into guest buffers
/// before it.
struct Completion {
	status: u8,
	data_written: u32,
}

impl Completion {
	fn status(status: u32) -> Self {
		Self { status: status as u8, data_written: 0 }
	}
}

/// Active state: memory, the request queue and the interrupt.
struct Active {
	mem: Arc<GuestMemoryMmap>,
	queue: Queue,
	irq: IrqLine,
}

/// A virtio block device backed by a raw file.
pub(crate) struct VirtioBlk {
	file: File,
	read_only: bool,
	capacity_sectors: u64,
	id: [u8; VIRTIO_BLK_ID_BYTES as usize],
	config: [u8; 16],
	queue_sizes: [u16; 1],
	active: Option<Active>,
}

impl VirtioBlk {
	/// Opens `path` (read-write unless `read_only`).
	pub(crate) fn open(path: &Path, read_only: bool) -> Result<Self, VmmError> {
		let file_err = |source| VmmError::File { path: path.to_path_buf(), source };
		let file = OpenOptions::new().read(true).write(!read_only).open(path).map_err(file_err)?;
		let len = file.metadata().map_err(file_err)?.len();
		let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
		Ok(Self::new(file, len, read_only, &name))
	}

	/// A device over an open `file` of `len` bytes; `name` becomes the id (first 20 bytes).
	pub(crate) fn new(file: File, len: u64, read_only: bool, name: &str) -> Self {
		let capacity_sectors = len / SECTOR_SIZE;
		let mut id = [0u8; VIRTIO_BLK_ID_BYTES as usize];
		for (slot, byte) in id.iter_mut().zip(name.bytes()) {
			*slot = byte;
		}
		let mut config = [0u8; 16];
		config[0..8].copy_from_slice(&capacity_sectors.to_le_bytes());
		// size_max (8..12) is not offered; seg_max at 12.
		config[12..16].copy_from_slice(&SEG_MAX.to_le_bytes());
		Self {
			file,
			read_only,
			capacity_sectors,
			id,
			config,
			queue_sizes: [QUEUE_SIZE],
			active: None,
		}
	}

	/// Serves every available request; returns how many were completed.
	pub(crate) fn process_queue(&mut self) -> usize {
		let Some(active) = self.active.as_mut() else { return 0 };
		let mem = active.mem.clone();
		let mut completed = 0;
		loop {
			let chain = match active.queue.iter(mem.as_ref()) {
				Ok(mut iter) => iter.next(),
				Err(e) => {
					tracing::warn!("virtio-blk: queue unusable: {e}");
					None
				},
			};
			let Some(chain) = chain else { break };
			let head = chain.head_index();
			let used_len = match ChainBuffers::parse(chain) {
				Ok(buffers) => Self::complete(
					&self.file,
					self.read_only,
					self.capacity_sectors,
					&self.id,
					&mem,
					&buffers,
				),
				Err(e) => {
					tracing::warn!("virtio-blk: dropping request: {e}");
					0
				},
			};
			if let Err(e) = active.queue.add_used(mem.as_ref(), head, used_len) {
				tracing::warn!("virtio-blk: cannot return request {head}: {e}");
				break;
			}
			completed += 1;
		}
		if completed > 0 {
			if let Err(e) = active.irq.signal_used_queue() {
				tracing::warn!("virtio-blk: cannot raise interrupt: {e}");
			}
		}
		completed
	}

	/// Runs one request and writes its status byte; returns the used length.
	fn complete(
		file: &File,
		read_only: bool,
		capacity_sectors: u64,
		id: &[u8],
		mem: &GuestMemoryMmap,
		buffers: &ChainBuffers,
	) -> u32 {
		// The status byte is the last byte of the last writable buffer.
		let Some(&(status_addr, status_len)) = buffers.writable.last() else {
			tracing::warn!("virtio-blk: request without a status byte");
			return 0;
		};
		if status_len == 0 {
			tracing::warn!("virtio-blk: request without a status byte");
			return 0;
		}
		let Some(status_at) = status_addr.0.checked_add(u64::from(status_len) - 1) else {
			return 0;
		};
		let completion = match Self::execute(file, read_only, capacity_sectors, id, mem, buffers) {
			Ok(c) => c,
			Err(e) => {
				tracing::debug!("virtio-blk: request failed: {e}");
				Completion::status(VIRTIO_BLK_S_IOERR)
			},
		};
		if let Err(e) = mem.write_obj(completion.status, vm_memory::GuestAddress(status_at)) {
			tracing::warn!("virtio-blk: cannot write status: {e}");
			return 0;
		}
		completion.data_written.saturating_add(1)
	}

	fn execute(
		file: &File,
		read_only: bool,
		capacity_sectors: u64,
		id: &[u8],
		mem: &GuestMemoryMmap,
		buffers: &ChainBuffers,
	) -> Result<Completion, DeviceError> {
		let mut header = [0u8; HEADER_SIZE as usize];
		buffers.read_at(mem, 0, &mut header)?;
		let request_type = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
		let mut sector_bytes = [0u8; 8];
		sector_bytes.copy_from_slice(&header[8..16]);
		let sector = u64::from_le_bytes(sector_bytes);
		// Data capacity: writable buffers minus the status byte.
		let writable_data = buffers.writable_len().saturating_sub(1);

		match request_type {
			VIRTIO_BLK_T_IN => {
				let len = writable_data;
				if !Self::in_range(sector, len, capacity_sectors) {
					return Ok(Completion::status(VIRTIO_BLK_S_IOERR));
				}
				let mut chunk = vec![0u8; CHUNK.min(len as usize)];
				let mut done = 0u64;
				while done < len {
					let n = (len - done).min(CHUNK as u64) as usize;
					let buf = &mut chunk[..n];
					file.read_exact_at(buf, sector * SECTOR_SIZE + done)?;
					buffers.write_at(mem, done, buf)?;
					done += n as u64;
				}
				Ok(Completion { status: VIRTIO_BLK_S_OK as u8, data_written: len as u32 })
			},
			VIRTIO_BLK_T_OUT => {
				if read_only {
					return Ok(Completion::status(VIRTIO_BLK_S_IOERR));
				}
				let len = buffers.readable_len().saturating_sub(HEADER_SIZE);
				if !Self::in_range(sector, len, capacity_sectors) {
					return Ok(Completion::status(VIRTIO_BLK_S_IOERR));
				}
				let mut chunk = vec![0u8; CHUNK.min(len as usize)];
				let mut done = 0u64;
				while done < len {
					let n = (len - done).min(CHUNK as u64) as usize;
					let buf = &mut chunk[..n];
					buffers.read_at(mem, HEADER_SIZE + done, buf)?;
					file.write_all_at(buf, sector * SECTOR_SIZE + done)?;
					done += n as u64;
				}
				Ok(Completion::status(VIRTIO_BLK_S_OK))
			},
			VIRTIO_BLK_T_FLUSH => {
				if !read_only {
					file.sync_data()?;
				}
				Ok(Completion::status(VIRTIO_BLK_S_OK))
			},
			VIRTIO_BLK_T_GET_ID => {
				let len = writable_data.min(id.len() as u64) as usize;
				buffers.write_at(mem, 0, &id[..len])?;
				Ok(Completion { status: VIRTIO_BLK_S_OK as u8, data_written: len as u32 })
			},
			_ => Ok(Completion::status(VIRTIO_BLK_S_UNSUPP)),
		}
	}

	/// Whether `len` bytes from `sector` lie within the disk and are whole sectors.
	fn in_range(sector: u64, len: u64, capacity_sectors: u64) -> bool {
		len.is_multiple_of(SECTOR_SIZE)
			&& sector.checked_add(len / SECTOR_SIZE).is_some_and(|end| end <= capacity_sectors)
	}
}

impl VirtioDevice for VirtioBlk {
	fn device_type(&self) -> u32 {
		VIRTIO_ID_BLOCK
	}

	fn features(&self) -> u64 {
		let mut features =
			(1u64 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_BLK_F_FLUSH) | (1 << VIRTIO_BLK_F_SEG_MAX);
		if self.read_only {
			features |= 1 << VIRTIO_BLK_F_RO;
		}
		features
	}

	fn queue_max_sizes(&self) -> &[u16] {
		&self.queue_sizes
	}

	fn read_config(&self, offset: u64, data: &mut [u8]) {
		read_config_bytes(&self.config, offset, data)
	}

	fn activate(
		&mut self,
		mem: Arc<GuestMemoryMmap>,
		queues: Vec<Queue>,
		irq: IrqLine,
		_acked_features: u64,
	) -> Result<(), DeviceError> {
		let got = queues.len();
		let queue =
			queues.into_iter().next().ok_or(DeviceError::QueueCount { expected: 1, got })?;
		if got != 1 {
			return Err(DeviceError::QueueCount { expected: 1, got });
		}
		self.active = Some(Active { mem, queue, irq });
		// Requests may already be waiting.
		self.process_queue();
		Ok(())
	}

	fn queue_notify(&mut self, index: u32) {
		if index == 0 {
			self.process_queue();
		}
	}

	fn reset(&mut self) {
		self.active = None;
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::devices::virtio::testing::*;
	use std::io::{Read, Seek, SeekFrom, Write};
	use vm_memory::GuestAddress;

	const HDR: u64 = 0x10000;
	const DATA: u64 = 0x20000;
	const STATUS: u64 = 0x30000;

	struct Setup {
		blk: VirtioBlk,
		tq: TestQueue,
		mem: Arc<GuestMemoryMmap>,
		irq: IrqLine,
		path: std::path::PathBuf,
	}

	impl Drop for Setup {
		fn drop(&mut self) {
			let _ = std::fs::remove_file(&self.path);
		}
	}

	fn setup(name: &str, sectors: u64, read_only: bool) -> Setup {
		let path =
			std::env::temp_dir().join(format!("tfchain-vmm-blk-{}-{name}.img", std::process::id()));
		let mut f = File::create(&path).unwrap();
		// Distinct content per sector: sector n is filled with byte n.
		for s in 0..sectors {
			f.write_all(&[s as u8; SECTOR_SIZE as usize]).unwrap();
		}
		drop(f);
		let mut blk = VirtioBlk::open(&path, read_only).unwrap();
		let mem = test_memory();
		let tq = TestQueue::new(0x1000, 16);
		let irq = test_irq();
		blk.activate(mem.clone(), vec![tq.queue(&mem)], irq.clone(), 0).unwrap();
		Setup { blk, tq, mem, irq, path }
	}

	fn header(mem: &GuestMemoryMmap, kind: u32, sector: u64) {
		mem.write_obj(kind, GuestAddress(HDR)).unwrap();
		mem.write_obj(0u32, GuestAddress(HDR + 4)).unwrap();
		mem.write_obj(sector, GuestAddress(HDR + 8)).unwrap();
		mem.write_obj(0xffu8, GuestAddress(STATUS)).unwrap();
	}

	fn status(mem: &GuestMemoryMmap) -> u32 {
		u32::from(mem.read_obj::<u8>(GuestAddress(STATUS)).unwrap())
	}

	#[test]
	fn write_then_read_back() {
		let mut s = setup("rw", 8, false);
		let payload: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
		s.mem.write_slice(&payload, GuestAddress(DATA)).unwrap();
		header(&s.mem, VIRTIO_BLK_T_OUT, 2);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 1024, false), (STATUS, 1, true)]);
		assert_eq!(s.blk.process_queue(), 1);
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_OK);
		assert_eq!(s.tq.used_elem(&s.mem, 0), (0, 1));
		assert_eq!(irq_count(&s.irq), 1);

		// The file has the bytes at sector 2.
		let mut f = File::open(&s.path).unwrap();
		f.seek(SeekFrom::Start(2 * SECTOR_SIZE)).unwrap();
		let mut on_disk = vec![0u8; 1024];
		f.read_exact(&mut on_disk).unwrap();
		assert_eq!(on_disk, payload);

		// Read sectors 1..4 into two buffers of different sizes.
		s.mem.write_slice(&[0u8; 2048], GuestAddress(DATA)).unwrap();
		header(&s.mem, VIRTIO_BLK_T_IN, 1);
		let head = s.tq.add_chain(
			&s.mem,
			&[(HDR, 16, false), (DATA, 512, true), (DATA + 512, 1024, true), (STATUS, 1, true)],
		);
		s.blk.queue_notify(0);
		assert_eq!(s.tq.used_idx(&s.mem), 2);
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_OK);
		assert_eq!(s.tq.used_elem(&s.mem, 1), (u32::from(head), 1536 + 1));
		let mut back = vec![0u8; 1536];
		s.mem.read_slice(&mut back, GuestAddress(DATA)).unwrap();
		assert!(back[..512].iter().all(|&b| b == 1), "sector 1 unchanged");
		assert_eq!(&back[512..], &payload[..]);
		assert_eq!(s.tq.used_idx(&s.mem), 2);
	}

	#[test]
	fn flush_and_get_id() {
		let mut s = setup("id", 4, false);
		header(&s.mem, VIRTIO_BLK_T_FLUSH, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (STATUS, 1, true)]);
		assert_eq!(s.blk.process_queue(), 1);
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_OK);

		header(&s.mem, VIRTIO_BLK_T_GET_ID, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 20, true), (STATUS, 1, true)]);
		assert_eq!(s.blk.process_queue(), 1);
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_OK);
		let mut id = [0u8; 20];
		s.mem.read_slice(&mut id, GuestAddress(DATA)).unwrap();
		let expected = format!("tfchain-vmm-blk-{}-id.img", std::process::id());
		let n = expected.len().min(20);
		assert_eq!(&id[..n], &expected.as_bytes()[..n]);
		assert_eq!(s.tq.used_elem(&s.mem, 1).1, 21);
	}

	#[test]
	fn out_of_range_and_unsupported_requests() {
		let mut s = setup("range", 4, false);
		// Reading sectors 3..5 of a 4-sector disk.
		header(&s.mem, VIRTIO_BLK_T_IN, 3);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 1024, true), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		assert_eq!(s.tq.used_elem(&s.mem, 0).1, 1);
		// A sector number that overflows.
		header(&s.mem, VIRTIO_BLK_T_OUT, u64::MAX);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 512, false), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		// Not a whole sector.
		header(&s.mem, VIRTIO_BLK_T_IN, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 100, true), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		// Data buffer outside guest memory.
		header(&s.mem, VIRTIO_BLK_T_IN, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (0x4000_0000, 512, true), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		// Unknown request type.
		header(&s.mem, 77, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_UNSUPP);
		// Header too short: IOERR rather than a panic.
		header(&s.mem, VIRTIO_BLK_T_IN, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 8, false), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		// No status byte at all: completed with length 0.
		let head = s.tq.add_chain(&s.mem, &[(HDR, 16, false)]);
		s.blk.process_queue();
		assert_eq!(s.tq.used_elem(&s.mem, 6), (u32::from(head), 0));
		assert_eq!(s.tq.used_idx(&s.mem), 7);
	}

	#[test]
	fn read_only_disk_rejects_writes() {
		let mut s = setup("ro", 4, true);
		assert_ne!(s.blk.features() & (1 << VIRTIO_BLK_F_RO), 0);
		header(&s.mem, VIRTIO_BLK_T_OUT, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 512, false), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_IOERR);
		let on_disk = std::fs::read(&s.path).unwrap();
		assert!(on_disk[..512].iter().all(|&b| b == 0));
		// Reads still work.
		header(&s.mem, VIRTIO_BLK_T_IN, 3);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (DATA, 512, true), (STATUS, 1, true)]);
		s.blk.process_queue();
		assert_eq!(status(&s.mem), VIRTIO_BLK_S_OK);
		assert_eq!(s.mem.read_obj::<u8>(GuestAddress(DATA + 511)).unwrap(), 3);
	}

	#[test]
	fn config_space_reports_capacity() {
		let s = setup("cfg", 6, false);
		let mut cap = [0u8; 8];
		s.blk.read_config(0, &mut cap);
		assert_eq!(u64::from_le_bytes(cap), 6);
		let mut seg = [0u8; 4];
		s.blk.read_config(12, &mut seg);
		assert_eq!(u32::from_le_bytes(seg), SEG_MAX);
		assert_eq!(s.blk.device_type(), 2);
		assert_eq!(s.blk.features() & (1 << VIRTIO_BLK_F_RO), 0);
	}

	#[test]
	fn activation_checks_queue_count_and_reset_stops_service() {
		let mut s = setup("act", 2, false);
		let irq = test_irq();
		assert!(matches!(
			s.blk.activate(s.mem.clone(), vec![], irq.clone(), 0),
			Err(DeviceError::QueueCount { expected: 1, got: 0 })
		));
		s.blk.reset();
		header(&s.mem, VIRTIO_BLK_T_FLUSH, 0);
		s.tq.add_chain(&s.mem, &[(HDR, 16, false), (STATUS, 1, true)]);
		assert_eq!(s.blk.process_queue(), 0);
		assert_eq!(status(&s.mem), 0xff);
	}
}
