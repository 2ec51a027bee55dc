//! The boot-time marker port: a guest writes 123 to `BOOT_MARKER_PORT` when it considers itself
//! booted, and the VM records the time since `Vm::start` (the Firecracker "boot timer" trick).

use std::sync::Arc;

use crate::{
	bus::{BusDevice, DeviceAction},
	Timings,
};

/// The value that marks "booted".
pub(crate) const BOOT_MARKER_VALUE: u8 = 123;

/// The marker device.
pub(crate) struct BootMarker {
	timings: Arc<Timings>,
}

impl BootMarker {
	/// A marker recording into `timings`.
	pub(crate) fn new(timings: Arc<Timings>) -> Self {
		Self { timings }
	}
}

impl BusDevice for BootMarker {
	fn read(&mut self, _offset: u64, data: &mut [u8]) {
		data.fill(0);
	}

	fn write(&mut self, _offset: u64, data: &[u8]) -> DeviceAction {
		if data.first() == Some(&BOOT_MARKER_VALUE) {
			self.timings.record_boot_marker();
		}
		DeviceAction::Continue
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::time::Instant;

	#[test]
	fn only_123_marks_the_boot_and_only_once() {
		let timings = Arc::new(Timings::new(Instant::now()));
		let mut dev = BootMarker::new(timings.clone());
		dev.write(0, &[1]);
		assert!(timings.snapshot().boot_marker.is_none());
		dev.write(0, &[BOOT_MARKER_VALUE]);
		let first = timings.snapshot().boot_marker;
		assert!(first.is_some());
		std::thread::sleep(std::time::Duration::from_millis(2));
		dev.write(0, &[BOOT_MARKER_VALUE]);
		assert_eq!(timings.snapshot().boot_marker, first);
	}
}
