//! The first serial port: a 16550A UART (vm-superio) at 0x3f8 on IRQ 4. Output is appended to the
//! console log; the interrupt goes out through an irqfd. There is no console input.

use std::{
	fs::{File, OpenOptions},
	io::{self, Write},
	path::Path,
};

use vm_superio::{serial::NoEvents, Serial, Trigger};
use vmm_sys_util::eventfd::EventFd;

use crate::{
	bus::{BusDevice, DeviceAction},
	VmmError,
};

/// A vm-superio trigger writing to an eventfd (registered as irqfd).
pub(crate) struct EventFdTrigger(EventFd);

impl Trigger for EventFdTrigger {
	type E = io::Error;

	fn trigger(&self) -> io::Result<()> {
		self.0.write(1)
	}
}

/// Where the console output goes.
pub(crate) type ConsoleSink = Box<dyn Write + Send>;

/// The UART on the port I/O bus.
pub(crate) struct SerialDevice {
	serial: Serial<EventFdTrigger, NoEvents, ConsoleSink>,
}

impl SerialDevice {
	/// A UART raising `irq` and writing to `out`.
	pub(crate) fn new(irq: EventFd, out: ConsoleSink) -> Self {
		Self { serial: Serial::new(EventFdTrigger(irq), out) }
	}

	/// Opens (creating if needed) the console log for appending.
	pub(crate) fn open_log(path: &Path) -> Result<File, VmmError> {
		OpenOptions::new()
			.create(true)
			.append(true)
			.open(path)
			.map_err(|source| VmmError::File { path: path.to_path_buf(), source })
	}
}

impl BusDevice for SerialDevice {
	fn read(&mut self, offset: u64, data: &mut [u8]) {
		match (data, u8::try_from(offset)) {
			([byte], Ok(offset)) => *byte = self.serial.read(offset),
			(data, _) => data.fill(0xff),
		}
	}

	fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
		if let (&[value], Ok(offset)) = (data, u8::try_from(offset)) {
			if let Err(e) = self.serial.write(offset, value) {
				tracing::debug!("serial: {e:?}");
			}
		}
		DeviceAction::Continue
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::{Arc, Mutex};

	#[derive(Clone, Default)]
	struct Shared(Arc<Mutex<Vec<u8>>>);

	impl Write for Shared {
		fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
			self.0.lock().unwrap().extend_from_slice(buf);
			Ok(buf.len())
		}
		fn flush(&mut self) -> io::Result<()> {
			Ok(())
		}
	}

	const THR: u64 = 0;
	const IER: u64 = 1;
	const IIR: u64 = 2;
	const LCR: u64 = 3;
	const LSR: u64 = 5;

	fn uart() -> (SerialDevice, Shared, EventFd) {
		let out = Shared::default();
		let evt = EventFd::new(libc::EFD_NONBLOCK).unwrap();
		let dev = SerialDevice::new(evt.try_clone().unwrap(), Box::new(out.clone()));
		(dev, out, evt)
	}

	fn read(dev: &mut SerialDevice, offset: u64) -> u8 {
		let mut b = [0u8; 1];
		dev.read(offset, &mut b);
		b[0]
	}

	#[test]
	fn writes_reach_the_log() {
		let (mut dev, out, _) = uart();
		for b in b"hello\n" {
			dev.write(THR, &[*b]);
		}
		assert_eq!(out.0.lock().unwrap().as_slice(), b"hello\n");
	}

	#[test]
	fn line_status_says_transmitter_empty() {
		let (mut dev, _, _) = uart();
		let lsr = read(&mut dev, LSR);
		assert_eq!(lsr & 0x60, 0x60, "THRE and TEMT set");
		assert_eq!(lsr & 0x01, 0, "no data ready");
	}

	#[test]
	fn thr_empty_interrupt_follows_ier() {
		let (mut dev, _, evt) = uart();
		// Interrupts off: a write raises nothing.
		dev.write(THR, b"a");
		assert!(evt.read().is_err(), "no interrupt while IER is 0");
		// Enable THR-empty: enabling raises it at once (the transmitter is empty).
		dev.write(IER, &[0x02]);
		assert_eq!(read(&mut dev, IER), 0x02);
		assert_eq!(evt.read().unwrap(), 1);
		assert_eq!(read(&mut dev, IIR) & 0x0f, 0x02, "IIR says THR empty");
		assert_eq!(read(&mut dev, IIR) & 0x0f, 0x01, "reading IIR cleared it");
		dev.write(THR, b"b");
		assert_eq!(evt.read().unwrap(), 1);
	}

	#[test]
	fn dlab_and_odd_accesses() {
		let (mut dev, out, _) = uart();
		dev.write(LCR, &[0x80]);
		dev.write(THR, &[0x0c]); // divisor latch low, not output
		assert_eq!(read(&mut dev, THR), 0x0c);
		dev.write(LCR, &[0x03]);
		assert!(out.0.lock().unwrap().is_empty());
		// Wide or out-of-range accesses are ignored.
		let mut wide = [0u8; 2];
		dev.read(0, &mut wide);
		assert_eq!(wide, [0xff, 0xff]);
		dev.write(THR, b"ab");
		dev.write(0x1_0000, b"a");
		assert!(out.0.lock().unwrap().is_empty());
	}

	#[test]
	fn log_file_is_appended() {
		let path =
			std::env::temp_dir().join(format!("tfchain-vmm-serial-{}.log", std::process::id()));
		std::fs::write(&path, b"before\n").unwrap();
		let file = SerialDevice::open_log(&path).unwrap();
		let evt = EventFd::new(libc::EFD_NONBLOCK).unwrap();
		let mut dev = SerialDevice::new(evt, Box::new(file));
		for b in b"after\n" {
			dev.write(THR, &[*b]);
		}
		assert_eq!(std::fs::read(&path).unwrap(), b"before\nafter\n");
		std::fs::remove_file(&path).unwrap();
		assert!(matches!(
			SerialDevice::open_log(Path::new("/nonexistent-dir/x.log")),
			Err(VmmError::File { .. })
		));
	}
}
