//! Boot benchmark: starts the probe guest N times (env `VMM_BOOT_RUNS`, default 30) and prints
//! min/median/p90 of setup, first instruction and boot marker, in milliseconds.

use std::time::{Duration, Instant};

use tfchain_vmm::{guest, kvm_available, BootSource, Vm, VmConfig};

fn stats(name: &str, mut samples: Vec<Duration>) {
	if samples.is_empty() {
		println!("{name:>18}: no samples");
		return;
	}
	samples.sort();
	let ms = |d: Duration| d.as_secs_f64() * 1e3;
	let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
	println!(
		"{name:>18}: min {:7.3} ms  median {:7.3} ms  p90 {:7.3} ms  max {:7.3} ms",
		ms(samples[0]),
		ms(at(0.5)),
		ms(at(0.9)),
		ms(samples[samples.len() - 1])
	);
}

fn main() {
	if let Err(reason) = kvm_available() {
		println!("skipping: {reason}");
		return;
	}
	let runs: usize =
		std::env::var("VMM_BOOT_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
	let log = std::env::temp_dir().join(format!("tfchain-vmm-bench-{}.log", std::process::id()));
	let (mut setup, mut first, mut marker, mut total) = (vec![], vec![], vec![], vec![]);
	for run in 0..runs {
		let started = Instant::now();
		let vm = match Vm::start(VmConfig {
			name: format!("bench{run}"),
			vcpus: 1,
			memory_mib: 128,
			boot: BootSource::Flat { code: guest::probe_guest("ok\n") },
			disks: vec![],
			nets: vec![],
			console_log: log.clone(),
		}) {
			Ok(vm) => vm,
			Err(e) => {
				println!("run {run}: start failed: {e}");
				return;
			},
		};
		let deadline = Instant::now() + Duration::from_secs(10);
		while vm.timings().boot_marker.is_none() && Instant::now() < deadline {
			std::thread::yield_now();
		}
		let t = vm.timings();
		if let Err(e) = vm.stop() {
			println!("run {run}: stop failed: {e}");
		}
		total.push(started.elapsed());
		setup.push(t.setup);
		first.extend(t.first_instruction);
		marker.extend(t.boot_marker);
	}
	let _ = std::fs::remove_file(&log);
	println!("probe guest, 1 vCPU, 128 MiB, {runs} runs");
	stats("setup", setup);
	stats("first_instruction", first);
	stats("boot_marker", marker);
	stats("start..stopped", total);
}
