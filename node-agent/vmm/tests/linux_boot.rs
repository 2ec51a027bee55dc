//! Optional: boots a real Linux kernel. Set `TFCHAIN_VMM_KERNEL` (bzImage or ELF vmlinux) and
//! optionally `TFCHAIN_VMM_INITRD`, `TFCHAIN_VMM_CMDLINE`, `TFCHAIN_VMM_EXPECT` (console text to wait
//! for, default "Linux version"), `TFCHAIN_VMM_TIMEOUT_SECS` (default 120), `TFCHAIN_VMM_DISK`
//! (raw image offered as /dev/vda). On nested KVM a kernel may stop with an emulation error; the
//! test then fails with the VM's stop reason and the console.

use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

use tfchain_vmm::{kvm_available, BootSource, DiskConfig, Vm, VmConfig, VmState};

const DEFAULT_CMDLINE: &str =
	"console=ttyS0 reboot=k panic=1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd";

#[test]
fn boots_linux_to_the_expected_console_line() {
	let Some(kernel) = std::env::var_os("TFCHAIN_VMM_KERNEL").map(PathBuf::from) else {
		eprintln!("skipping: set TFCHAIN_VMM_KERNEL to a bzImage or vmlinux to boot Linux");
		return;
	};
	if let Err(reason) = kvm_available() {
		eprintln!("skipping: {reason}");
		return;
	}
	let initrd = std::env::var_os("TFCHAIN_VMM_INITRD").map(PathBuf::from);
	let cmdline = std::env::var("TFCHAIN_VMM_CMDLINE").unwrap_or_else(|_| DEFAULT_CMDLINE.into());
	let expect = std::env::var("TFCHAIN_VMM_EXPECT").unwrap_or_else(|_| "Linux version".into());
	let timeout = std::env::var("TFCHAIN_VMM_TIMEOUT_SECS")
		.ok()
		.and_then(|s| s.parse().ok())
		.map(Duration::from_secs)
		.unwrap_or(Duration::from_secs(120));
	let disks = std::env::var_os("TFCHAIN_VMM_DISK")
		.map(|p| vec![DiskConfig { path: PathBuf::from(p), read_only: false }])
		.unwrap_or_default();
	let console_log =
		std::env::temp_dir().join(format!("tfchain-vmm-linux-{}.log", std::process::id()));
	let _ = std::fs::remove_file(&console_log);

	let vm = Vm::start(VmConfig {
		name: "linux".into(),
		vcpus: 1,
		memory_mib: 256,
		boot: BootSource::Linux { kernel, initrd, cmdline },
		disks,
		nets: vec![],
		console_log: console_log.clone(),
	})
	.unwrap();
	let deadline = Instant::now() + timeout;
	let found = loop {
		let text =
			String::from_utf8_lossy(&std::fs::read(&console_log).unwrap_or_default()).into_owned();
		if text.contains(&expect) {
			break Ok(text);
		}
		if let VmState::Stopped { reason } = vm.state() {
			break Err(format!("VM stopped: {reason}\nconsole:\n{text}"));
		}
		if Instant::now() > deadline {
			break Err(format!("no {expect:?} within {timeout:?}\nconsole:\n{text}"));
		}
		std::thread::sleep(Duration::from_millis(20));
	};
	let timings = vm.timings();
	vm.stop().unwrap();
	match found {
		Ok(_) => eprintln!("found {expect:?}; timings {timings:?}"),
		Err(message) => panic!("{message}"),
	}
	let _ = std::fs::remove_file(&console_log);
}
