//! virtio-net with one RX and one TX queue over a [`NetBackend`] (the tap device in production).
//!
//! Every frame exchanged with the backend starts with a 12-byte `virtio_net_hdr_v1`: the tap is
//! opened with `IFF_VNET_HDR` and a header size of 12 (`TUNSETVNETHDRSZ`), so headers pass through
//! unchanged. No offloads are offered, so the header carries no GSO/checksum work.
//!
//! TX runs on the vCPU thread that notifies the queue. RX runs on a worker thread that polls the
//! backend's fd and a "buffers added" event; a frame read while the guest has no RX buffer is kept
//! until the guest adds one.

use std::{
	fs::File,
	io::{self, Read, Write},
	os::fd::{AsRawFd, OwnedFd, RawFd},
	sync::{Arc, Mutex, MutexGuard},
	thread::JoinHandle,
};

use virtio_bindings::{
	virtio_config::VIRTIO_F_VERSION_1,
	virtio_ids::VIRTIO_ID_NET,
	virtio_net::{VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_S_LINK_UP},
};
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::GuestMemoryMmap;
use vmm_sys_util::eventfd::EventFd;

use super::virtio::{read_config_bytes, ChainBuffers, DeviceError, IrqLine, VirtioDevice};

/// Size of `virtio_net_hdr_v1`.
pub(crate) const NET_HDR_SIZE: usize = 12;
/// Offset of `num_buffers` in the header.
const NUM_BUFFERS_OFFSET: u64 = 10;
/// Largest frame (header included) we move: 64 KiB of Ethernet payload plus headers.
pub(crate) const MAX_FRAME: usize = NET_HDR_SIZE + 65550;
/// Size of each queue.
pub(crate) const QUEUE_SIZE: u16 = 256;
const RX_QUEUE: u32 = 0;
const TX_QUEUE: u32 = 1;

/// Where frames go to and come from.
pub(crate) trait NetBackend: Send {
	/// Reads one frame (with its header) into `buf`; `WouldBlock` when none is waiting.
	fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;
	/// Sends one frame (with its header).
	fn send(&mut self, frame: &[u8]) -> io::Result<()>;
	/// A fd that is readable while frames wait; `None` means nobody polls (tests drive RX).
	fn poll_fd(&self) -> Option<RawFd>;
}

/// A tap device opened with `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR` (see `crate::tap::open_tap`).
pub(crate) struct TapBackend {
	file: File,
}

impl TapBackend {
	/// Wraps a tap fd and makes it non-blocking.
	pub(crate) fn new(fd: OwnedFd) -> io::Result<Self> {
		// SAFETY: fcntl on an fd we own, with valid arguments; the result is checked.
		let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
		if flags < 0 {
			return Err(io::Error::last_os_error());
		}
		// SAFETY: as above.
		if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
			return Err(io::Error::last_os_error());
		}
		Ok(Self { file: File::from(fd) })
	}
}

impl NetBackend for TapBackend {
	fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		self.file.read(buf)
	}

	fn send(&mut self, frame: &[u8]) -> io::Result<()> {
		let written = self.file.write(frame)?;
		if written != frame.len() {
			return Err(io::Error::new(io::ErrorKind::WriteZero, "short write to tap"));
		}
		Ok(())
	}

	fn poll_fd(&self) -> Option<RawFd> {
		Some(self.file.as_raw_fd())
	}
}

/// Queues and memory once the driver is up.
struct Active {
	mem: Arc<GuestMemoryMmap>,
	rx: Queue,
	tx: Queue,
	irq: IrqLine,
}

/// State shared by the device (vCPU threads) and its RX worker.
struct NetState {
	backend: Box<dyn NetBackend>,
	active: Option<Active>,
	/// Length of a frame waiting in `rx_buf` for an RX buffer.
	pending: Option<usize>,
	rx_buf: Vec<u8>,
	tx_buf: Vec<u8>,
}

/// What an RX pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RxOutcome {
	/// Frames handed to the guest.
	pub delivered: usize,
	/// A frame waits but the guest has no RX buffer: stop reading until it adds some.
	pub waiting_for_buffers: bool,
	/// The backend failed; reading from it again would fail the same way.
	pub backend_failed: bool,
}

impl NetState {
	fn process_rx(&mut self) -> RxOutcome {
		let mut outcome = RxOutcome::default();
		let Some(active) = self.active.as_mut() else { return outcome };
		let mem = active.mem.clone();
		loop {
			let len = match self.pending {
				Some(len) => len,
				None => match self.backend.recv(&mut self.rx_buf) {
					Ok(0) => break,
					Ok(len) => {
						self.pending = Some(len);
						len
					},
					Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
					Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
					Err(e) => {
						tracing::error!("virtio-net: backend receive failed: {e}");
						outcome.backend_failed = true;
						break;
					},
				},
			};
			let chain = match active.rx.iter(mem.as_ref()) {
				Ok(mut iter) => iter.next(),
				Err(e) => {
					tracing::warn!("virtio-net: RX queue unusable: {e}");
					None
				},
			};
			let Some(chain) = chain else {
				outcome.waiting_for_buffers = true;
				break;
			};
			let head = chain.head_index();
			let used = match self.rx_buf.get_mut(..len) {
				Some(frame) => Self::fill_rx(&mem, chain, frame),
				None => Err(DeviceError::BadChain("backend returned an oversized frame")),
			};
			let used = match used {
				Ok(used) => used,
				Err(e) => {
					tracing::warn!("virtio-net: dropping received frame: {e}");
					0
				},
			};
			// The frame is consumed either way.
			self.pending = None;
			if let Err(e) = active.rx.add_used(mem.as_ref(), head, used) {
				tracing::warn!("virtio-net: cannot return RX buffer {head}: {e}");
				break;
			}
			outcome.delivered += 1;
		}
		if outcome.delivered > 0 {
			if let Err(e) = active.irq.signal_used_queue() {
				tracing::warn!("virtio-net: cannot raise interrupt: {e}");
			}
		}
		outcome
	}

	fn fill_rx<M>(
		mem: &GuestMemoryMmap,
		chain: virtio_queue::DescriptorChain<M>,
		frame: &mut [u8],
	) -> Result<u32, DeviceError>
	where
		M: std::ops::Deref,
		M::Target: vm_memory::GuestMemory,
	{
		if frame.len() < NET_HDR_SIZE {
			return Err(DeviceError::BadChain("frame shorter than its header"));
		}
		let buffers = ChainBuffers::parse(chain)?;
		if buffers.writable_len() < frame.len() as u64 {
			return Err(DeviceError::BadChain("RX buffer too small for the frame"));
		}
		// Without VIRTIO_NET_F_MRG_RXBUF every frame uses exactly one buffer.
		frame[NUM_BUFFERS_OFFSET as usize..NET_HDR_SIZE].copy_from_slice(&1u16.to_le_bytes());
		buffers.write_at(mem, 0, frame)?;
		Ok(frame.len() as u32)
	}

	fn process_tx(&mut self) -> usize {
		let Some(active) = self.active.as_mut() else { return 0 };
		let mem = active.mem.clone();
		let mut sent = 0;
		let mut completed = 0;
		loop {
			let chain = match active.tx.iter(mem.as_ref()) {
				Ok(mut iter) => iter.next(),
				Err(e) => {
					tracing::warn!("virtio-net: TX queue unusable: {e}");
					None
				},
			};
			let Some(chain) = chain else { break };
			let head = chain.head_index();
			let result = ChainBuffers::parse(chain).and_then(|buffers| {
				let len = buffers.readable_len();
				if len < NET_HDR_SIZE as u64 || len > MAX_FRAME as u64 {
					return Err(DeviceError::BadChain("TX frame size out of range"));
				}
				let frame = &mut self.tx_buf[..len as usize];
				buffers.read_at(&mem, 0, frame)?;
				self.backend.send(frame)?;
				Ok(())
			});
			match result {
				Ok(()) => sent += 1,
				Err(e) => tracing::debug!("virtio-net: TX frame dropped: {e}"),
			}
			if let Err(e) = active.tx.add_used(mem.as_ref(), head, 0) {
				tracing::warn!("virtio-net: cannot return TX buffer {head}: {e}");
				break;
			}
			completed += 1;
		}
		if completed > 0 {
			if let Err(e) = active.irq.signal_used_queue() {
				tracing::warn!("virtio-net: cannot raise interrupt: {e}");
			}
		}
		sent
	}
}

/// The RX worker thread and its two events.
struct RxWorker {
	thread: JoinHandle<()>,
	stop: EventFd,
	kick: Arc<EventFd>,
}

/// A virtio network device.
pub(crate) struct VirtioNet {
	state: Arc<Mutex<NetState>>,
	config: [u8; 8],
	queue_sizes: [u16; 2],
	worker: Option<RxWorker>,
	name: String,
}

fn lock(state: &Mutex<NetState>) -> MutexGuard<'_, NetState> {
	match state.lock() {
		Ok(guard) => guard,
		Err(poisoned) => poisoned.into_inner(),
	}
}

impl VirtioNet {
	/// A device with MAC `mac` in front of `backend`; `name` names the RX thread.
	pub(crate) fn new(backend: Box<dyn NetBackend>, mac: [u8; 6], name: String) -> Self {
		let mut config = [0u8; 8];
		config[..6].copy_from_slice(&mac);
		config[6..8].copy_from_slice(&(VIRTIO_NET_S_LINK_UP as u16).to_le_bytes());
		let state = NetState {
			backend,
			active: None,
			pending: None,
			rx_buf: vec![0; MAX_FRAME],
			tx_buf: vec![0; MAX_FRAME],
		};
		Self {
			state: Arc::new(Mutex::new(state)),
			config,
			queue_sizes: [QUEUE_SIZE, QUEUE_SIZE],
			worker: None,
			name,
		}
	}

	/// Delivers waiting frames to the guest (the worker's job; tests call it directly).
	pub(crate) fn process_rx(&self) -> RxOutcome {
		lock(&self.state).process_rx()
	}

	/// Sends the frames the guest queued; returns how many went out.
	pub(crate) fn process_tx(&self) -> usize {
		lock(&self.state).process_tx()
	}

	fn start_worker(&mut self) -> Result<(), DeviceError> {
		let Some(fd) = lock(&self.state).backend.poll_fd() else { return Ok(()) };
		let stop = EventFd::new(libc::EFD_NONBLOCK)?;
		let kick = Arc::new(EventFd::new(libc::EFD_NONBLOCK)?);
		let worker_stop = stop.try_clone()?;
		let worker_kick = kick.clone();
		let state = self.state.clone();
		let thread = std::thread::Builder::new()
			.name(format!("{}-net-rx", self.name))
			.spawn(move || rx_loop(state, fd, worker_stop, worker_kick))?;
		// Frames may already be waiting.
		kick.write(1)?;
		self.worker = Some(RxWorker { thread, stop, kick });
		Ok(())
	}

	fn stop_worker(&mut self) {
		if let Some(worker) = self.worker.take() {
			if let Err(e) = worker.stop.write(1) {
				tracing::error!("virtio-net: cannot stop the RX worker: {e}");
				return;
			}
			if worker.thread.join().is_err() {
				tracing::error!("virtio-net: RX worker panicked");
			}
		}
	}
}

/// Polls the backend fd (unless waiting for RX buffers), the kick event and the stop event.
fn rx_loop(state: Arc<Mutex<NetState>>, fd: RawFd, stop: EventFd, kick: Arc<EventFd>) {
	let mut waiting_for_buffers = false;
	loop {
		let mut fds = [
			libc::pollfd { fd: stop.as_raw_fd(), events: libc::POLLIN, revents: 0 },
			libc::pollfd { fd: kick.as_raw_fd(), events: libc::POLLIN, revents: 0 },
			libc::pollfd {
				fd: if waiting_for_buffers { -1 } else { fd },
				events: libc::POLLIN,
				revents: 0,
			},
		];
		// SAFETY: `fds` is a valid array of pollfd for the duration of the call.
		let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
		if ready < 0 {
			let err = io::Error::last_os_error();
			if err.kind() == io::ErrorKind::Interrupted {
				continue;
			}
			tracing::error!("virtio-net: RX poll failed: {err}");
			return;
		}
		if fds[0].revents != 0 {
			return;
		}
		let kicked = fds[1].revents != 0;
		if kicked {
			let _ = kick.read();
			waiting_for_buffers = false;
		}
		if fds[2].revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
			tracing::error!("virtio-net: backend fd failed; RX stops");
			return;
		}
		if kicked || fds[2].revents != 0 {
			let outcome = lock(&state).process_rx();
			if outcome.backend_failed {
				tracing::error!("virtio-net: RX stops after a backend error");
				return;
			}
			waiting_for_buffers = outcome.waiting_for_buffers;
		}
	}
}

impl VirtioDevice for VirtioNet {
	fn device_type(&self) -> u32 {
		VIRTIO_ID_NET
	}

	fn features(&self) -> u64 {
		(1u64 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_NET_F_MAC) | (1 << VIRTIO_NET_F_STATUS)
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
		let mut queues = queues.into_iter();
		let (Some(rx), Some(tx), None) = (queues.next(), queues.next(), queues.next()) else {
			return Err(DeviceError::QueueCount { expected: 2, got });
		};
		self.stop_worker();
		lock(&self.state).active = Some(Active { mem, rx, tx, irq });
		self.start_worker()
	}

	fn queue_notify(&mut self, index: u32) {
		match index {
			RX_QUEUE => match &self.worker {
				Some(worker) => {
					if let Err(e) = worker.kick.write(1) {
						tracing::warn!("virtio-net: cannot wake the RX worker: {e}");
					}
				},
				None => {
					self.process_rx();
				},
			},
			TX_QUEUE => {
				self.process_tx();
			},
			other => tracing::debug!("virtio-net: notify for unknown queue {other}"),
		}
	}

	fn reset(&mut self) {
		self.stop_worker();
		let mut state = lock(&self.state);
		state.active = None;
		state.pending = None;
	}
}

impl Drop for VirtioNet {
	fn drop(&mut self) {
		self.stop_worker();
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::devices::virtio::testing::*;
	use std::collections::VecDeque;
	use vm_memory::{Bytes, GuestAddress};

	/// An in-memory backend: frames to deliver, frames sent.
	#[derive(Default)]
	struct Wire {
		inbound: VecDeque<Vec<u8>>,
		outbound: Vec<Vec<u8>>,
	}

	struct FakeBackend(Arc<Mutex<Wire>>);

	impl NetBackend for FakeBackend {
		fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
			let mut wire = self.0.lock().unwrap();
			let frame = wire.inbound.pop_front().ok_or(io::ErrorKind::WouldBlock)?;
			buf[..frame.len()].copy_from_slice(&frame);
			Ok(frame.len())
		}
		fn send(&mut self, frame: &[u8]) -> io::Result<()> {
			self.0.lock().unwrap().outbound.push(frame.to_vec());
			Ok(())
		}
		fn poll_fd(&self) -> Option<RawFd> {
			None
		}
	}

	struct Setup {
		net: VirtioNet,
		wire: Arc<Mutex<Wire>>,
		mem: Arc<GuestMemoryMmap>,
		rxq: TestQueue,
		txq: TestQueue,
		irq: IrqLine,
	}

	fn setup() -> Setup {
		let wire = Arc::new(Mutex::new(Wire::default()));
		let mut net = VirtioNet::new(
			Box::new(FakeBackend(wire.clone())),
			[0x02, 0, 0, 0, 0, 1],
			"test".to_string(),
		);
		let mem = test_memory();
		let rxq = TestQueue::new(0x1000, 16);
		let txq = TestQueue::new(0x3000, 16);
		let irq = test_irq();
		net.activate(mem.clone(), vec![rxq.queue(&mem), txq.queue(&mem)], irq.clone(), 0).unwrap();
		Setup { net, wire, mem, rxq, txq, irq }
	}

	fn frame(payload: &[u8]) -> Vec<u8> {
		let mut f = vec![0u8; NET_HDR_SIZE];
		f.extend_from_slice(payload);
		f
	}

	#[test]
	fn tx_sends_header_and_frame() {
		let mut s = setup();
		let f = frame(b"\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06arp!");
		// Header and payload in separate descriptors, as Linux does without offloads.
		s.mem.write_slice(&f[..NET_HDR_SIZE], GuestAddress(0x10000)).unwrap();
		s.mem.write_slice(&f[NET_HDR_SIZE..], GuestAddress(0x11000)).unwrap();
		s.txq.add_chain(
			&s.mem,
			&[
				(0x10000, NET_HDR_SIZE as u32, false),
				(0x11000, (f.len() - NET_HDR_SIZE) as u32, false),
			],
		);
		s.net.queue_notify(TX_QUEUE);
		assert_eq!(s.wire.lock().unwrap().outbound, vec![f]);
		assert_eq!(s.txq.used_idx(&s.mem), 1);
		assert_eq!(s.txq.used_elem(&s.mem, 0), (0, 0));
		assert_eq!(irq_count(&s.irq), 1);

		// Malformed frames are returned to the guest and not sent.
		s.txq.add_chain(&s.mem, &[(0x10000, 4, false)]); // shorter than a header
		s.txq.add_chain(&s.mem, &[(0x7000_0000, 64, false)]); // outside memory
		assert_eq!(s.net.process_tx(), 0);
		assert_eq!(s.txq.used_idx(&s.mem), 3);
		assert_eq!(s.wire.lock().unwrap().outbound.len(), 1);
	}

	#[test]
	fn rx_delivers_frames_and_waits_for_buffers() {
		let s = setup();
		let first = frame(b"first frame");
		let second = frame(b"second");
		{
			let mut wire = s.wire.lock().unwrap();
			wire.inbound.push_back(first.clone());
			wire.inbound.push_back(second.clone());
		}
		// No RX buffers yet: the first frame is held, nothing is lost.
		let outcome = s.net.process_rx();
		assert_eq!(
			outcome,
			RxOutcome { delivered: 0, waiting_for_buffers: true, backend_failed: false }
		);
		assert_eq!(s.wire.lock().unwrap().inbound.len(), 1);

		let mut rxq = s.rxq;
		rxq.add_chain(&s.mem, &[(0x20000, 2048, true)]);
		let outcome = s.net.process_rx();
		assert_eq!(
			outcome,
			RxOutcome { delivered: 1, waiting_for_buffers: true, backend_failed: false }
		);
		assert_eq!(rxq.used_elem(&s.mem, 0), (0, first.len() as u32));
		let mut got = vec![0u8; first.len()];
		s.mem.read_slice(&mut got, GuestAddress(0x20000)).unwrap();
		assert_eq!(&got[NET_HDR_SIZE..], b"first frame");
		// num_buffers is 1.
		assert_eq!(s.mem.read_obj::<u16>(GuestAddress(0x20000 + 10)).unwrap(), 1);
		assert_eq!(irq_count(&s.irq), 1);

		// A buffer split in two descriptors (header, then data).
		rxq.add_chain(&s.mem, &[(0x21000, NET_HDR_SIZE as u32, true), (0x22000, 1500, true)]);
		let outcome = s.net.process_rx();
		assert_eq!(
			outcome,
			RxOutcome { delivered: 1, waiting_for_buffers: false, backend_failed: false }
		);
		let mut data = [0u8; 6];
		s.mem.read_slice(&mut data, GuestAddress(0x22000)).unwrap();
		assert_eq!(&data, b"second");
		assert_eq!(rxq.used_idx(&s.mem), 2);
	}

	#[test]
	fn rx_buffer_too_small_drops_the_frame_only() {
		let s = setup();
		let mut rxq = s.rxq;
		s.wire.lock().unwrap().inbound.push_back(frame(&[7u8; 200]));
		s.wire.lock().unwrap().inbound.push_back(frame(b"ok"));
		rxq.add_chain(&s.mem, &[(0x20000, 64, true)]);
		rxq.add_chain(&s.mem, &[(0x21000, 64, true)]);
		let outcome = s.net.process_rx();
		assert_eq!(outcome.delivered, 2);
		assert_eq!(rxq.used_elem(&s.mem, 0).1, 0, "dropped frame returns an empty buffer");
		assert_eq!(rxq.used_elem(&s.mem, 1).1, (NET_HDR_SIZE + 2) as u32);
	}

	#[test]
	fn config_features_and_reset() {
		let mut s = setup();
		let mut mac = [0u8; 6];
		s.net.read_config(0, &mut mac);
		assert_eq!(mac, [0x02, 0, 0, 0, 0, 1]);
		let mut status = [0u8; 2];
		s.net.read_config(6, &mut status);
		assert_eq!(u16::from_le_bytes(status), 1);
		assert_eq!(s.net.device_type(), 1);
		assert_ne!(s.net.features() & (1 << VIRTIO_NET_F_MAC), 0);
		assert_eq!(s.net.queue_max_sizes(), &[256, 256]);

		s.net.reset();
		s.wire.lock().unwrap().inbound.push_back(frame(b"late"));
		assert_eq!(s.net.process_rx(), RxOutcome::default());
		assert_eq!(s.net.process_tx(), 0);
		assert!(matches!(
			s.net.activate(s.mem.clone(), vec![], s.irq.clone(), 0),
			Err(DeviceError::QueueCount { expected: 2, got: 0 })
		));
	}

	#[test]
	fn rx_backend_error_is_reported() {
		struct Broken;
		impl NetBackend for Broken {
			fn recv(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
				Err(io::Error::from_raw_os_error(libc::EIO))
			}
			fn send(&mut self, _frame: &[u8]) -> io::Result<()> {
				Err(io::Error::from_raw_os_error(libc::EIO))
			}
			fn poll_fd(&self) -> Option<RawFd> {
				None
			}
		}
		let mut net = VirtioNet::new(Box::new(Broken), [2, 0, 0, 0, 0, 3], "b".into());
		let mem = test_memory();
		let (rxq, mut txq) = (TestQueue::new(0x1000, 16), TestQueue::new(0x3000, 16));
		net.activate(mem.clone(), vec![rxq.queue(&mem), txq.queue(&mem)], test_irq(), 0).unwrap();
		assert!(net.process_rx().backend_failed);
		// A failed send drops the frame but still returns the buffer.
		txq.add_chain(&mem, &[(0x10000, 64, false)]);
		assert_eq!(net.process_tx(), 0);
		assert_eq!(txq.used_idx(&mem), 1);
	}

	#[test]
	fn rx_worker_delivers_from_a_socket() {
		// A datagram socket pair stands in for the tap: the worker polls one end.
		let (ours, theirs) = std::os::unix::net::UnixDatagram::pair().unwrap();
		struct SocketBackend(std::os::unix::net::UnixDatagram);
		impl NetBackend for SocketBackend {
			fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
				self.0.recv(buf)
			}
			fn send(&mut self, frame: &[u8]) -> io::Result<()> {
				self.0.send(frame).map(|_| ())
			}
			fn poll_fd(&self) -> Option<RawFd> {
				Some(self.0.as_raw_fd())
			}
		}
		ours.set_nonblocking(true).unwrap();
		let mut net = VirtioNet::new(Box::new(SocketBackend(ours)), [2, 0, 0, 0, 0, 2], "t".into());
		let mem = test_memory();
		let mut rxq = TestQueue::new(0x1000, 16);
		let txq = TestQueue::new(0x3000, 16);
		let irq = test_irq();
		net.activate(mem.clone(), vec![rxq.queue(&mem), txq.queue(&mem)], irq.clone(), 0).unwrap();

		theirs.send(&frame(b"via worker")).unwrap();
		// No buffer yet; add one and notify the RX queue like the guest would.
		std::thread::sleep(std::time::Duration::from_millis(20));
		rxq.add_chain(&mem, &[(0x20000, 2048, true)]);
		net.queue_notify(RX_QUEUE);
		let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
		while rxq.used_idx(&mem) == 0 && std::time::Instant::now() < deadline {
			std::thread::sleep(std::time::Duration::from_millis(2));
		}
		assert_eq!(rxq.used_idx(&mem), 1);
		let mut data = [0u8; 10];
		mem.read_slice(&mut data, GuestAddress(0x20000 + NET_HDR_SIZE as u64)).unwrap();
		assert_eq!(&data, b"via worker");
		// Dropping the device joins the worker.
		drop(net);
	}
}
