//! A minimal i8042 keyboard controller: enough for Linux to probe it, and the CPU reset command
//! (0xFE written to the command port, what `reboot=k` does) stops the VM.

use crate::bus::{BusDevice, DeviceAction};

/// Offset of the command/status port (0x64) from the data port (0x60).
pub(crate) const COMMAND_OFFSET: u64 = 4;
/// Ports covered: 0x60..=0x64.
pub(crate) const PORT_RANGE: u64 = 5;
/// The pulse-reset-line command.
const CMD_RESET_CPU: u8 = 0xfe;

/// The i8042 stub.
#[derive(Default)]
pub(crate) struct I8042;

impl BusDevice for I8042 {
	fn read(&mut self, _offset: u64, data: &mut [u8]) {
		// Status: output and input buffers empty. Data: nothing to read.
		data.fill(0);
	}

	fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
		if offset == COMMAND_OFFSET && data.first() == Some(&CMD_RESET_CPU) {
			return DeviceAction::Stop("guest requested a reset (i8042)".to_string());
		}
		DeviceAction::Continue
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reset_command_stops_the_vm() {
		let mut dev = I8042;
		let mut status = [0xffu8];
		dev.read(COMMAND_OFFSET, &mut status);
		assert_eq!(status, [0]);
		assert_eq!(dev.write(0, &[0xfe]), DeviceAction::Continue, "data port");
		assert_eq!(dev.write(COMMAND_OFFSET, &[0x20]), DeviceAction::Continue);
		assert!(
			matches!(dev.write(COMMAND_OFFSET, &[0xfe]), DeviceAction::Stop(r) if r.contains("reset"))
		);
	}
}
