//! Address-range buses (port I/O and MMIO) dispatching guest accesses to devices.

use std::sync::{Arc, Mutex};

use crate::VmmError;

/// What the VM must do after a device access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceAction {
	/// Keep running.
	Continue,
	/// Stop the VM, with this reason (e.g. the guest asked for a reset).
	Stop(String),
}

/// A device reachable through a bus. `offset` is relative to the device's base address.
pub(crate) trait BusDevice: Send {
	/// Guest read of `data.len()` bytes at `offset`; fill `data`.
	fn read(&mut self, offset: u64, data: &mut [u8]);
	/// Guest write of `data` at `offset`.
	fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction;
}

/// A shared, lockable bus device.
pub(crate) type SharedDevice = Arc<Mutex<dyn BusDevice>>;

struct Range {
	base: u64,
	len: u64,
	device: SharedDevice,
}

/// A set of non-overlapping address ranges, each served by one device.
#[derive(Default)]
pub(crate) struct Bus {
	ranges: Vec<Range>,
}

impl Bus {
	/// An empty bus.
	pub(crate) fn new() -> Self {
		Self::default()
	}

	/// Adds `device` at `[base, base + len)`.
	pub(crate) fn insert(
		&mut self,
		device: SharedDevice,
		base: u64,
		len: u64,
	) -> Result<(), VmmError> {
		let end =
			base.checked_add(len).filter(|_| len > 0).ok_or(VmmError::BusConflict { base, len })?;
		if self.ranges.iter().any(|r| base < r.base + r.len && r.base < end) {
			return Err(VmmError::BusConflict { base, len });
		}
		self.ranges.push(Range { base, len, device });
		self.ranges.sort_by_key(|r| r.base);
		Ok(())
	}

	fn find(&self, addr: u64, size: usize) -> Option<(&SharedDevice, u64)> {
		let idx = self.ranges.partition_point(|r| r.base <= addr).checked_sub(1)?;
		let range = self.ranges.get(idx)?;
		let offset = addr - range.base;
		(offset.checked_add(size as u64)? <= range.len).then_some((&range.device, offset))
	}

	/// Dispatches a read; returns false (and fills `data` with 0xff) when nothing is mapped there.
	pub(crate) fn read(&self, addr: u64, data: &mut [u8]) -> bool {
		match self.find(addr, data.len()) {
			Some((device, offset)) => {
				match device.lock() {
					Ok(mut dev) => dev.read(offset, data),
					Err(poisoned) => poisoned.into_inner().read(offset, data),
				}
				true
			},
			None => {
				data.fill(0xff);
				false
			},
		}
	}

	/// Dispatches a write; `None` when nothing is mapped there.
	pub(crate) fn write(&self, addr: u64, data: &[u8]) -> Option<DeviceAction> {
		let (device, offset) = self.find(addr, data.len())?;
		Some(match device.lock() {
			Ok(mut dev) => dev.write(offset, data),
			Err(poisoned) => poisoned.into_inner().write(offset, data),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[derive(Default)]
	struct Recorder {
		writes: Vec<(u64, Vec<u8>)>,
	}

	impl BusDevice for Recorder {
		fn read(&mut self, offset: u64, data: &mut [u8]) {
			data.fill(offset as u8);
		}
		fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
			self.writes.push((offset, data.to_vec()));
			if data == [0xfe] {
				DeviceAction::Stop("asked".to_string())
			} else {
				DeviceAction::Continue
			}
		}
	}

	#[test]
	fn dispatch_by_range() {
		let a = Arc::new(Mutex::new(Recorder::default()));
		let b = Arc::new(Mutex::new(Recorder::default()));
		let mut bus = Bus::new();
		bus.insert(a.clone(), 0x3f8, 8).unwrap();
		bus.insert(b.clone(), 0x60, 1).unwrap();
		assert!(matches!(bus.insert(b.clone(), 0x3fc, 2), Err(VmmError::BusConflict { .. })));
		assert!(matches!(bus.insert(b.clone(), 0x3f0, 9), Err(VmmError::BusConflict { .. })));
		assert!(matches!(bus.insert(b.clone(), 0x10, 0), Err(VmmError::BusConflict { .. })));
		assert!(matches!(bus.insert(b.clone(), u64::MAX, 2), Err(VmmError::BusConflict { .. })));

		let mut data = [0u8; 1];
		assert!(bus.read(0x3fd, &mut data));
		assert_eq!(data, [5]);
		assert!(!bus.read(0x3f7, &mut data));
		assert_eq!(data, [0xff]);
		// Access crossing the end of a range is not dispatched.
		let mut wide = [0u8; 4];
		assert!(!bus.read(0x3fe, &mut wide));

		assert_eq!(bus.write(0x3f9, &[1]), Some(DeviceAction::Continue));
		assert_eq!(bus.write(0x60, &[0xfe]), Some(DeviceAction::Stop("asked".to_string())));
		assert_eq!(bus.write(0x61, &[1]), None);
		assert_eq!(a.lock().unwrap().writes, vec![(1, vec![1])]);
		assert_eq!(b.lock().unwrap().writes, vec![(0, vec![0xfe])]);
	}
}
