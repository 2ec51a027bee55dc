//! Tiny hand-assembled 64-bit guests for `BootSource::Flat`.
//!
//! A flat guest starts at `FLAT_CODE_ADDR` in long mode with the first 4 GiB identity-mapped,
//! interrupts off, and `rax` = 123, `rdx` = `BOOT_MARKER_PORT`, `rbx` = vCPU index, `rsp` = a small
//! per-vCPU stack. So a one-byte `out dx, al` as first instruction writes the boot marker.

use crate::layout::SERIAL_PORT;

/// A little x86-64 code emitter for the instructions our guests use.
#[derive(Default)]
struct Asm {
	code: Vec<u8>,
}

impl Asm {
	fn emit(&mut self, bytes: &[u8]) -> &mut Self {
		self.code.extend_from_slice(bytes);
		self
	}
	/// Current offset (a jump target).
	fn here(&self) -> usize {
		self.code.len()
	}
	/// `out dx, al`
	fn out_dx_al(&mut self) -> &mut Self {
		self.emit(&[0xee])
	}
	/// `out imm8, al`
	fn out_imm_al(&mut self, port: u8) -> &mut Self {
		self.emit(&[0xe6, port])
	}
	/// `mov dx, imm16`
	fn mov_dx(&mut self, value: u16) -> &mut Self {
		let [lo, hi] = value.to_le_bytes();
		self.emit(&[0x66, 0xba, lo, hi])
	}
	/// `mov al, imm8`
	fn mov_al(&mut self, value: u8) -> &mut Self {
		self.emit(&[0xb0, value])
	}
	/// `mov ecx, imm32`
	fn mov_ecx(&mut self, value: u32) -> &mut Self {
		self.emit(&[0xb9]).emit(&value.to_le_bytes())
	}
	/// `mov rsi, imm64`
	fn mov_rsi(&mut self, value: u64) -> &mut Self {
		self.emit(&[0x48, 0xbe]).emit(&value.to_le_bytes())
	}
	/// `mov eax, [rsi]`
	fn load_eax_from_rsi(&mut self) -> &mut Self {
		self.emit(&[0x8b, 0x06])
	}
	/// `mov [rsi + disp8], eax`
	fn store_eax_to_rsi(&mut self, disp: i8) -> &mut Self {
		self.emit(&[0x89, 0x46, disp as u8])
	}
	/// `mov eax, imm32`
	fn mov_eax(&mut self, value: u32) -> &mut Self {
		self.emit(&[0xb8]).emit(&value.to_le_bytes())
	}
	/// `mov eax, [rsi + disp8]`
	fn load_eax_from_rsi_disp(&mut self, disp: i8) -> &mut Self {
		self.emit(&[0x8b, 0x46, disp as u8])
	}
	/// `mov [rsi], eax`
	fn store_eax_at_rsi(&mut self) -> &mut Self {
		self.emit(&[0x89, 0x06])
	}
	/// Stores the 32-bit `value` at guest physical address `addr`.
	fn store32(&mut self, addr: u64, value: u32) -> &mut Self {
		self.mov_rsi(addr).mov_eax(value).store_eax_at_rsi()
	}
	/// Stores the 64-bit `value` at `addr` as two 32-bit halves.
	fn store64(&mut self, addr: u64, value: u64) -> &mut Self {
		self.store32(addr, value as u32).store32(addr + 4, (value >> 32) as u32)
	}
	/// Spins until the 16-bit value at `addr` is not zero.
	fn wait_nonzero16(&mut self, addr: u64) -> &mut Self {
		self.mov_rsi(addr);
		let top = self.here();
		self.emit(&[0x0f, 0xb7, 0x06]) // movzx eax, word [rsi]
			.emit(&[0x85, 0xc0]) // test eax, eax
			.jump8(0x74, top) // jz top
	}
	/// Writes `count` (>= 1) bytes found at `addr` to the serial port.
	fn print_memory(&mut self, addr: u64, count: u32) -> &mut Self {
		self.mov_rsi(addr).mov_ecx(count.max(1)).mov_dx(SERIAL_PORT);
		let top = self.here();
		self.emit(&[0x8a, 0x06]) // mov al, [rsi]
			.out_dx_al()
			.emit(&[0x48, 0xff, 0xc6]) // inc rsi
			.emit(&[0xff, 0xc9]) // dec ecx
			.jump8(0x75, top) // jnz top
	}
	/// A short jump (`jmp`/`jcc` rel8) with opcode `op` to absolute offset `target`.
	fn jump8(&mut self, op: u8, target: usize) -> &mut Self {
		// Offsets are relative to the end of the 2-byte instruction; our guests are tiny, so the
		// distance always fits.
		let rel = target as i64 - (self.here() as i64 + 2);
		self.emit(&[op, rel as i8 as u8])
	}
	/// `hlt` forever (interrupts are off; an NMI would return into the loop).
	fn halt_forever(&mut self) -> &mut Self {
		let at = self.here();
		self.emit(&[0xf4]).jump8(0xeb, at)
	}
	/// Writes the bytes of `text` to the serial port (clobbers `dx`, `al`).
	fn print(&mut self, text: &[u8]) -> &mut Self {
		self.mov_dx(SERIAL_PORT);
		for &b in text {
			self.mov_al(b).out_dx_al();
		}
		self
	}
	/// Writes `eax` as 8 lowercase hex digits to the serial port (clobbers ebx, ecx, edx, edi).
	fn print_eax_hex(&mut self) -> &mut Self {
		self.mov_dx(SERIAL_PORT).mov_ecx(8);
		let top = self.here();
		self.emit(&[0xc1, 0xc0, 0x04]) // rol eax, 4
			.emit(&[0x89, 0xc3]) // mov ebx, eax
			.emit(&[0x83, 0xe3, 0x0f]) // and ebx, 0xf
			.emit(&[0x80, 0xc3, 0x30]) // add bl, '0'
			.emit(&[0x80, 0xfb, 0x3a]); // cmp bl, '9' + 1
		let skip = self.here() + 2 + 3;
		self.jump8(0x72, skip) // jb skip
			.emit(&[0x80, 0xc3, 0x27]) // add bl, 'a' - '0' - 10
			.emit(&[0x89, 0xc7]) // skip: mov edi, eax
			.emit(&[0x88, 0xd8]) // mov al, bl
			.out_dx_al()
			.emit(&[0x89, 0xf8]) // mov eax, edi
			.emit(&[0xff, 0xc9]) // dec ecx
			.jump8(0x75, top) // jnz top
	}
}

/// The probe guest: writes 123 to `BOOT_MARKER_PORT` as its very first instruction, then
/// `message` byte by byte to the serial port (0x3f8), then halts forever.
pub fn probe_guest(message: &str) -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al().print(message.as_bytes()).halt_forever();
	asm.code
}

/// A guest that reads the 32-bit register at `addr` (e.g. a virtio-mmio window: its magic value),
/// prints it as 8 hex digits, writes `value` to `addr + write_offset`, reads that register back,
/// prints it too, then a newline, and halts. Example output: `74726976 00000001\n`.
pub fn mmio_probe_guest(addr: u64, write_offset: i8, value: u32) -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al()
		.mov_rsi(addr)
		.load_eax_from_rsi()
		.print_eax_hex()
		.print(b" ")
		.mov_eax(value)
		.store_eax_to_rsi(write_offset)
		.load_eax_from_rsi_disp(write_offset)
		.print_eax_hex()
		.print(b"\n")
		.halt_forever();
	asm.code
}

/// A guest that drives the virtio-blk device behind the virtio-mmio window at `window` like a
/// minimal driver: feature negotiation (VERSION_1), one 8-entry queue in guest memory at 2 MiB, one
/// read request of 512 bytes at `sector`, a notify, a wait on the used ring; then it prints the
/// first `show` bytes read, the status byte as a digit (`0` = OK) and a newline, and halts.
pub fn virtio_blk_read_guest(window: u64, sector: u64, show: u32) -> Vec<u8> {
	const DESC: u64 = 0x20_0000;
	const AVAIL: u64 = DESC + 0x80;
	const USED: u64 = DESC + 0x100;
	const HEADER: u64 = 0x20_1000;
	const DATA: u64 = 0x20_2000;
	const STATUS: u64 = 0x20_3000;
	const NEXT: u16 = 1;
	const WRITE: u16 = 2;
	let mut asm = Asm::default();
	asm.out_dx_al();
	virtio_setup(&mut asm, window, &[DESC]);
	asm.store32(window + 0x70, 0xf);
	// Request: header (type IN, sector), data, status; three chained descriptors.
	asm.store32(HEADER, 0).store32(HEADER + 4, 0).store64(HEADER + 8, sector);
	asm.store32(STATUS, 0xff);
	virtio_desc(&mut asm, DESC, 0, HEADER, 16, NEXT, 1);
	virtio_desc(&mut asm, DESC, 1, DATA, 512, NEXT | WRITE, 2);
	virtio_desc(&mut asm, DESC, 2, STATUS, 1, WRITE, 0);
	// avail: flags 0, ring[0] = 0, then idx = 1.
	asm.store32(AVAIL + 4, 0).store32(AVAIL, 1 << 16);
	asm.store32(window + 0x50, 0); // QueueNotify
	asm.wait_nonzero16(USED + 2);
	asm.print_memory(DATA, show);
	asm.mov_rsi(STATUS)
		.emit(&[0x8a, 0x06]) // mov al, [rsi]
		.emit(&[0x04, b'0']) // add al, '0'
		.mov_dx(SERIAL_PORT)
		.out_dx_al()
		.print(b"\n")
		.halt_forever();
	asm.code
}

/// Negotiates VERSION_1 only with the virtio device at `window` and sets up queue i (8 entries)
/// with its descriptor table at `queues[i]` (avail ring at +0x80, used ring at +0x100); leaves the
/// device in FEATURES_OK, ready for DRIVER_OK.
fn virtio_setup(asm: &mut Asm, window: u64, queues: &[u64]) {
	let reg = |offset: u64| window + offset;
	asm.store32(reg(0x70), 0).store32(reg(0x70), 1).store32(reg(0x70), 3);
	asm.store32(reg(0x24), 1).store32(reg(0x20), 1).store32(reg(0x24), 0).store32(reg(0x20), 0);
	asm.store32(reg(0x70), 0xb);
	for (index, &desc) in queues.iter().enumerate() {
		asm.store32(reg(0x30), index as u32).store32(reg(0x38), 8);
		asm.store32(reg(0x80), desc as u32).store32(reg(0x84), (desc >> 32) as u32);
		asm.store32(reg(0x90), (desc + 0x80) as u32).store32(reg(0x94), 0);
		asm.store32(reg(0xa0), (desc + 0x100) as u32).store32(reg(0xa4), 0);
		asm.store32(reg(0x44), 1);
	}
}

/// Writes descriptor `i` of the table at `table`.
fn virtio_desc(asm: &mut Asm, table: u64, i: u64, addr: u64, len: u32, flags: u16, next: u16) {
	asm.store64(table + 16 * i, addr)
		.store32(table + 16 * i + 8, len)
		.store32(table + 16 * i + 12, u32::from(flags) | (u32::from(next) << 16));
}

/// A guest driving the virtio-net device behind `window`: it offers one 2 KiB RX buffer, sends
/// `frame` (an Ethernet frame; the guest adds the 12-byte virtio-net header) on the TX queue,
/// prints `T`, then waits for a received frame and prints `show` bytes of it starting after its
/// 14-byte Ethernet header, then a newline, and halts.
pub fn virtio_net_echo_guest(window: u64, frame: &[u8], show: u32) -> Vec<u8> {
	const RX_DESC: u64 = 0x20_0000;
	const TX_DESC: u64 = 0x21_0000;
	const RX_BUF: u64 = 0x22_0000;
	const TX_BUF: u64 = 0x23_0000;
	const WRITE: u16 = 2;
	let reg = |offset: u64| window + offset;
	let mut asm = Asm::default();
	asm.out_dx_al();
	virtio_setup(&mut asm, window, &[RX_DESC, TX_DESC]);
	asm.store32(reg(0x70), 0xf);
	// RX: one writable buffer, published and notified.
	virtio_desc(&mut asm, RX_DESC, 0, RX_BUF, 2048, WRITE, 0);
	asm.store32(RX_DESC + 0x80 + 4, 0).store32(RX_DESC + 0x80, 1 << 16);
	asm.store32(reg(0x50), 0);
	// TX: header (zeros) + frame.
	let mut packet = vec![0u8; 12];
	packet.extend_from_slice(frame);
	for (i, chunk) in packet.chunks(4).enumerate() {
		let mut word = [0u8; 4];
		word[..chunk.len()].copy_from_slice(chunk);
		asm.store32(TX_BUF + 4 * i as u64, u32::from_le_bytes(word));
	}
	virtio_desc(&mut asm, TX_DESC, 0, TX_BUF, packet.len() as u32, 0, 0);
	asm.store32(TX_DESC + 0x80 + 4, 0).store32(TX_DESC + 0x80, 1 << 16);
	asm.store32(reg(0x50), 1);
	asm.wait_nonzero16(TX_DESC + 0x100 + 2).print(b"T");
	asm.wait_nonzero16(RX_DESC + 0x100 + 2);
	asm.print_memory(RX_BUF + 12 + 14, show).print(b"\n").halt_forever();
	asm.code
}

/// A guest for several vCPUs: each writes the boot marker, then the letter `'A' + index` and halts.
pub fn smp_guest() -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al()
		.mov_dx(SERIAL_PORT)
		.emit(&[0x88, 0xd8]) // mov al, bl (bl = vCPU index)
		.emit(&[0x04, b'A']) // add al, 'A'
		.out_dx_al()
		.halt_forever();
	asm.code
}

/// A guest that prints `'.'` about every `spin` loop iterations, forever (for pause/resume tests).
pub fn ticker_guest(spin: u32) -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al();
	let top = asm.here();
	asm.mov_ecx(spin.max(1));
	let spin_at = asm.here();
	asm.jump8(0xe2, spin_at) // loop spin_at
		.print(b".")
		.jump8(0xeb, top);
	asm.code
}

/// A guest that prints `message` and then asks the i8042 for a CPU reset (stops the VM).
pub fn reset_guest(message: &str) -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al().print(message.as_bytes()).mov_al(0xfe).out_imm_al(0x64).halt_forever();
	asm.code
}

/// A guest that triple-faults (an invalid opcode with an empty IDT): KVM reports a shutdown.
pub fn triple_fault_guest() -> Vec<u8> {
	let mut asm = Asm::default();
	asm.out_dx_al().emit(&[0x0f, 0x0b]); // ud2
	asm.code
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn probe_starts_with_the_marker_out() {
		let code = probe_guest("hi");
		assert_eq!(
			code,
			vec![
				0xee, // out dx, al (marker)
				0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
				0xb0, b'h', 0xee, // mov al, 'h'; out dx, al
				0xb0, b'i', 0xee, // mov al, 'i'; out dx, al
				0xf4, 0xeb, 0xfd, // hlt; jmp hlt
			]
		);
	}

	#[test]
	fn hex_printer_jumps_land_on_instructions() {
		let mut asm = Asm::default();
		asm.print_eax_hex();
		let c = &asm.code;
		// mov dx (4) + mov ecx (5) = 9: loop top.
		assert_eq!(&c[9..12], &[0xc1, 0xc0, 0x04]);
		// jb skips exactly the 3-byte `add bl, 0x27`.
		let jb = c.iter().position(|&b| b == 0x72).unwrap();
		assert_eq!(c[jb + 1], 3);
		assert_eq!(&c[jb + 2..jb + 5], &[0x80, 0xc3, 0x27]);
		// jnz goes back to the loop top.
		let end = c.len();
		assert_eq!(c[end - 2], 0x75);
		assert_eq!(end as i64 + i64::from(c[end - 1] as i8), 9);
	}

	#[test]
	fn ticker_loops() {
		let code = ticker_guest(1000);
		// out; mov ecx (5 bytes) at 1; loop to itself at 6.
		assert_eq!(&code[6..8], &[0xe2, 0xfe]);
		let end = code.len();
		assert_eq!(code[end - 2], 0xeb);
		assert_eq!(end as i64 + i64::from(code[end - 1] as i8), 1);
	}

	#[test]
	fn other_guests_are_well_formed() {
		let mmio = mmio_probe_guest(0xd000_0000, 0x70, 1);
		assert_eq!(&mmio[..3], &[0xee, 0x48, 0xbe]);
		assert_eq!(&mmio[3..11], &0xd000_0000u64.to_le_bytes());
		assert_eq!(&mmio[mmio.len() - 3..], &[0xf4, 0xeb, 0xfd]);
		assert_eq!(
			&reset_guest("")[..],
			&[0xee, 0x66, 0xba, 0xf8, 0x03, 0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd]
		);
		assert_eq!(triple_fault_guest(), vec![0xee, 0x0f, 0x0b]);
		assert_eq!(smp_guest()[0], 0xee);
		let blk = virtio_blk_read_guest(0xd000_0000, 1, 8);
		assert_eq!(blk[0], 0xee);
		assert!(blk.len() < 4096);
	}
}
