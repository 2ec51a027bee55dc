//! Zmachines (VMs): the [`KvmHypervisor`] over `tfchain_vmm::Vm`, the [`FakeHypervisor`], and the
//! zmachine manager (disks, taps, kernel command line, boot timings).

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	net::Ipv4Addr,
	path::PathBuf,
	str::FromStr,
	sync::Mutex,
	time::{Duration, Instant},
};

use serde_json::json;
use tfchain_deployment::ZmachineData;

use super::{
	ip::{kernel_ip_arg, parse_cidr},
	mac_address, tap_name, workload_id, Hypervisor, VmBoot, VmNic, VmRunState, VmSpec, VmTimings,
	WorkloadError,
};
use crate::{
	store::{DeploymentRecord, VmTaps},
	worker::Ctx,
	Image,
};

fn ms(d: Duration) -> u64 {
	d.as_millis().min(u128::from(u64::MAX)) as u64
}

struct KvmVm {
	vm: tfchain_vmm::Vm,
}

/// VMs on KVM with our own VMM (`tfchain_vmm`), held in this process by name.
pub struct KvmHypervisor {
	vms: Mutex<BTreeMap<String, KvmVm>>,
	boot_wait: Duration,
}

impl Default for KvmHypervisor {
	fn default() -> Self {
		Self::new()
	}
}

impl KvmHypervisor {
	/// A hypervisor that waits up to 2 s after a start for the first guest instruction (and, for
	/// flat images, the boot marker) so the timings can be recorded.
	pub fn new() -> Self {
		Self::with_boot_wait(Duration::from_secs(2))
	}

	/// Same with another wait for the boot timings.
	pub fn with_boot_wait(boot_wait: Duration) -> Self {
		Self { vms: Mutex::new(BTreeMap::new()), boot_wait }
	}

	fn vms(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, KvmVm>> {
		self.vms.lock().unwrap_or_else(|e| e.into_inner())
	}

	fn convert_timings(t: tfchain_vmm::BootTimings) -> VmTimings {
		VmTimings {
			setup_ms: ms(t.setup),
			first_instruction_ms: t.first_instruction.map(ms),
			boot_marker_ms: t.boot_marker.map(ms),
		}
	}

	fn convert_state(state: tfchain_vmm::VmState) -> VmRunState {
		match state {
			tfchain_vmm::VmState::Running => VmRunState::Running,
			tfchain_vmm::VmState::Paused => VmRunState::Paused,
			tfchain_vmm::VmState::Stopped { reason } => VmRunState::Stopped { reason },
		}
	}
}

fn hv_err(e: impl std::fmt::Display) -> WorkloadError {
	WorkloadError::Hypervisor(e.to_string())
}

impl Hypervisor for KvmHypervisor {
	fn kind(&self) -> &'static str {
		"kvm"
	}

	fn start(&self, spec: VmSpec) -> Result<VmTimings, WorkloadError> {
		let stale = {
			let mut vms = self.vms();
			match vms.get(&spec.name) {
				Some(existing) => match existing.vm.state() {
					tfchain_vmm::VmState::Stopped { .. } => vms.remove(&spec.name),
					_ => return Ok(Self::convert_timings(existing.vm.timings())),
				},
				None => None,
			}
		};
		if let Some(stale) = stale {
			if let Err(e) = stale.vm.stop() {
				tracing::warn!(vm = %spec.name, error = %e, "stopping a stopped VM failed");
			}
		}
		let flat = matches!(spec.boot, VmBoot::Flat { .. });
		let boot = match spec.boot {
			VmBoot::Linux { kernel, initrd, cmdline } => {
				tfchain_vmm::BootSource::Linux { kernel, initrd, cmdline }
			},
			VmBoot::Flat { code } => tfchain_vmm::BootSource::Flat { code },
		};
		if let Some(dir) = spec.console_log.parent() {
			fs::create_dir_all(dir)
				.map_err(|source| WorkloadError::Io { path: dir.to_path_buf(), source })?;
		}
		let config = tfchain_vmm::VmConfig {
			name: spec.name.clone(),
			vcpus: spec.vcpus,
			memory_mib: spec.memory_mib,
			boot,
			disks: spec
				.disks
				.into_iter()
				.map(|path| tfchain_vmm::DiskConfig { path, read_only: false })
				.collect(),
			nets: spec
				.nics
				.into_iter()
				.map(|nic| tfchain_vmm::NetConfig { tap: nic.fd, mac: nic.mac })
				.collect(),
			console_log: spec.console_log,
		};
		let vm = tfchain_vmm::Vm::start(config).map_err(hv_err)?;
		let deadline = Instant::now() + self.boot_wait;
		loop {
			let t = vm.timings();
			let done = t.first_instruction.is_some() && (!flat || t.boot_marker.is_some());
			let stopped = matches!(vm.state(), tfchain_vmm::VmState::Stopped { .. });
			if done || stopped || Instant::now() >= deadline {
				break;
			}
			std::thread::sleep(Duration::from_millis(2));
		}
		let timings = Self::convert_timings(vm.timings());
		if let tfchain_vmm::VmState::Stopped { reason } = vm.state() {
			let _ = vm.stop();
			return Err(WorkloadError::Hypervisor(format!(
				"VM stopped right after start: {reason}"
			)));
		}
		self.vms().insert(spec.name, KvmVm { vm });
		Ok(timings)
	}

	fn is_running(&self, name: &str) -> bool {
		self.vms()
			.get(name)
			.is_some_and(|v| !matches!(v.vm.state(), tfchain_vmm::VmState::Stopped { .. }))
	}

	fn timings(&self, name: &str) -> Option<VmTimings> {
		self.vms().get(name).map(|v| Self::convert_timings(v.vm.timings()))
	}

	fn state(&self, name: &str) -> Option<VmRunState> {
		self.vms().get(name).map(|v| Self::convert_state(v.vm.state()))
	}

	fn pause(&self, name: &str) -> Result<(), WorkloadError> {
		let vms = self.vms();
		let vm = vms.get(name).ok_or_else(|| hv_err(format!("no VM {name}")))?;
		if matches!(vm.vm.state(), tfchain_vmm::VmState::Paused) {
			return Ok(());
		}
		vm.vm.pause().map_err(hv_err)
	}

	fn resume(&self, name: &str) -> Result<(), WorkloadError> {
		let vms = self.vms();
		let vm = vms.get(name).ok_or_else(|| hv_err(format!("no VM {name}")))?;
		if matches!(vm.vm.state(), tfchain_vmm::VmState::Running) {
			return Ok(());
		}
		vm.vm.resume().map_err(hv_err)
	}

	fn stop(&self, name: &str) -> Result<(), WorkloadError> {
		let removed = self.vms().remove(name);
		match removed {
			Some(vm) => vm.vm.stop().map_err(hv_err),
			None => Ok(()),
		}
	}

	fn list(&self) -> Vec<String> {
		self.vms().keys().cloned().collect()
	}
}

/// What the [`FakeHypervisor`] knows about one VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeVmInfo {
	/// State.
	pub state: VmRunState,
	/// Virtual CPUs.
	pub vcpus: u8,
	/// Memory in MiB.
	pub memory_mib: u32,
	/// Disk images in order.
	pub disks: Vec<PathBuf>,
	/// Tap names in order.
	pub taps: Vec<String>,
	/// Kernel command line (`None` for flat images).
	pub cmdline: Option<String>,
	/// Console log path.
	pub console_log: PathBuf,
}

#[derive(Default)]
struct FakeHvState {
	vms: BTreeMap<String, FakeVmInfo>,
	calls: Vec<String>,
	starts: BTreeMap<String, u32>,
	fail_start: BTreeSet<String>,
}

/// A hypervisor that only records: for tests and hosts without KVM. A start writes one line to
/// the console log.
#[derive(Default)]
pub struct FakeHypervisor {
	state: Mutex<FakeHvState>,
	journal: Option<super::Journal>,
}

impl FakeHypervisor {
	/// An empty fake.
	pub fn new() -> Self {
		Self::default()
	}

	/// Also appends every call to `journal` (shared with other fakes to check the order of
	/// calls across backends).
	pub fn with_journal(mut self, journal: super::Journal) -> Self {
		self.journal = Some(journal);
		self
	}

	fn inner(&self) -> std::sync::MutexGuard<'_, FakeHvState> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	fn record(&self, state: &mut FakeHvState, call: String) {
		if let Some(journal) = &self.journal {
			journal.lock().unwrap_or_else(|e| e.into_inner()).push(format!("hypervisor {call}"));
		}
		state.calls.push(call);
	}

	/// Calls so far, e.g. `start 7-vm`, `pause 7-vm`, `stop 7-vm`.
	pub fn calls(&self) -> Vec<String> {
		self.inner().calls.clone()
	}

	/// How many times a VM was actually started (not counting idempotent no-ops).
	pub fn starts(&self, name: &str) -> u32 {
		self.inner().starts.get(name).copied().unwrap_or(0)
	}

	/// A VM's details.
	pub fn vm(&self, name: &str) -> Option<FakeVmInfo> {
		self.inner().vms.get(name).cloned()
	}

	/// Makes every later start of `name` fail.
	pub fn fail_start(&self, name: &str) {
		self.inner().fail_start.insert(name.to_string());
	}

	/// Marks a VM as crashed (stopped by itself).
	pub fn crash(&self, name: &str) {
		if let Some(vm) = self.inner().vms.get_mut(name) {
			vm.state = VmRunState::Stopped { reason: "crashed (fake)".into() };
		}
	}
}

const FAKE_TIMINGS: VmTimings =
	VmTimings { setup_ms: 1, first_instruction_ms: Some(2), boot_marker_ms: Some(3) };

impl Hypervisor for FakeHypervisor {
	fn kind(&self) -> &'static str {
		"fake"
	}

	fn start(&self, spec: VmSpec) -> Result<VmTimings, WorkloadError> {
		let mut state = self.inner();
		if state
			.vms
			.get(&spec.name)
			.is_some_and(|vm| matches!(vm.state, VmRunState::Stopped { .. }))
		{
			state.vms.remove(&spec.name);
		}
		if state.vms.contains_key(&spec.name) {
			return Ok(FAKE_TIMINGS);
		}
		self.record(&mut state, format!("start {}", spec.name));
		if state.fail_start.contains(&spec.name) {
			return Err(WorkloadError::Hypervisor(format!("start of {} failed (fake)", spec.name)));
		}
		if let Some(dir) = spec.console_log.parent() {
			let _ = fs::create_dir_all(dir);
		}
		let _ = fs::write(&spec.console_log, format!("fake vm {} started\n", spec.name));
		let (cmdline, timings) = match &spec.boot {
			VmBoot::Linux { cmdline, .. } => {
				(Some(cmdline.clone()), VmTimings { boot_marker_ms: None, ..FAKE_TIMINGS })
			},
			VmBoot::Flat { .. } => (None, FAKE_TIMINGS),
		};
		*state.starts.entry(spec.name.clone()).or_default() += 1;
		state.vms.insert(
			spec.name.clone(),
			FakeVmInfo {
				state: VmRunState::Running,
				vcpus: spec.vcpus,
				memory_mib: spec.memory_mib,
				disks: spec.disks,
				taps: spec.nics.iter().map(|n| n.tap.clone()).collect(),
				cmdline,
				console_log: spec.console_log,
			},
		);
		Ok(timings)
	}

	fn is_running(&self, name: &str) -> bool {
		self.inner().vms.get(name).is_some_and(|vm| !matches!(vm.state, VmRunState::Stopped { .. }))
	}

	fn timings(&self, name: &str) -> Option<VmTimings> {
		self.inner().vms.get(name).map(|_| FAKE_TIMINGS)
	}

	fn state(&self, name: &str) -> Option<VmRunState> {
		self.inner().vms.get(name).map(|vm| vm.state.clone())
	}

	fn pause(&self, name: &str) -> Result<(), WorkloadError> {
		let mut state = self.inner();
		self.record(&mut state, format!("pause {name}"));
		let vm = state.vms.get_mut(name).ok_or_else(|| hv_err(format!("no VM {name}")))?;
		vm.state = VmRunState::Paused;
		Ok(())
	}

	fn resume(&self, name: &str) -> Result<(), WorkloadError> {
		let mut state = self.inner();
		self.record(&mut state, format!("resume {name}"));
		let vm = state.vms.get_mut(name).ok_or_else(|| hv_err(format!("no VM {name}")))?;
		vm.state = VmRunState::Running;
		Ok(())
	}

	fn stop(&self, name: &str) -> Result<(), WorkloadError> {
		let mut state = self.inner();
		if state.vms.remove(name).is_some() {
			self.record(&mut state, format!("stop {name}"));
		}
		Ok(())
	}

	fn list(&self) -> Vec<String> {
		self.inner().vms.keys().cloned().collect()
	}
}

/// Result of provisioning a zmachine.
pub(crate) struct ZmachineOutcome {
	/// Workload result data.
	pub data: serde_json::Value,
	/// Job runnable → first guest instruction, when the VM was started by this call.
	pub provision_to_first_instruction_ms: Option<u64>,
}

/// Memory in MiB, rounded up.
fn memory_mib(bytes: u64) -> u32 {
	bytes.div_ceil(1 << 20).min(u64::from(u32::MAX)) as u32
}

fn describe(
	rec: &DeploymentRecord,
	name: &str,
	vm: &str,
	console: &std::path::Path,
	timings: VmTimings,
	latency: Option<u64>,
	data: &ZmachineData,
) -> serde_json::Value {
	let taps = rec.taps.get(name).cloned().unwrap_or_default();
	let public_ip = data.public_ip.as_ref().and_then(|ip| rec.ips.get(ip)).map(|ip| ip.ip.clone());
	json!({
		"vm": vm,
		"console_log": console,
		"private_tap": taps.private,
		"public_tap": taps.public,
		"ip": data.ip,
		"public_ip": public_ip,
		"setup_ms": timings.setup_ms,
		"first_instruction_ms": timings.first_instruction_ms,
		"boot_marker_ms": timings.boot_marker_ms,
		"provision_to_first_instruction_ms": latency,
	})
}

/// Starts a zmachine (or, when its VM already runs, only describes it).
pub(crate) fn provision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	data: &ZmachineData,
	runnable_at_ms: u64,
) -> Result<ZmachineOutcome, WorkloadError> {
	let contract = rec.contract_id();
	let vm = workload_id(contract, name);
	let hypervisor = &ctx.backends.hypervisor;
	let console = ctx.config.state_dir.join("consoles").join(format!("{vm}.log"));
	if hypervisor.is_running(&vm) {
		// A re-run after a crash: the facts of the first run may not have been written; they
		// derive from the names, so record them again.
		rec.taps.insert(name.to_string(), expected_taps(contract, name, data));
		if data.size > 0 {
			rec.volumes.insert(name.to_string(), ctx.backends.volumes.path(&vm)?);
		}
		let timings = hypervisor.timings(&vm).unwrap_or_default();
		return Ok(ZmachineOutcome {
			data: describe(rec, name, &vm, &console, timings, None, data),
			provision_to_first_instruction_ms: None,
		});
	}
	let image = ctx
		.config
		.image(&data.image)
		.ok_or_else(|| WorkloadError::UnknownImage(data.image.clone()))?;

	let mut disks = Vec::new();
	for mount in &data.mounts {
		let path = rec.volumes.get(mount).ok_or_else(|| {
			WorkloadError::Dependency(format!("mount {mount} is not provisioned"))
		})?;
		disks.push(path.clone());
	}
	if data.size > 0 {
		let path = ctx.backends.volumes.ensure(&vm, data.size)?;
		rec.volumes.insert(name.to_string(), path.clone());
		disks.push(path);
	}

	let mut nics = Vec::new();
	let mut taps = VmTaps::default();
	let mut private_arg = None;
	let mut public_arg = None;
	if let Some(network) = &data.network {
		let fact = rec.networks.get(network).cloned().ok_or_else(|| {
			WorkloadError::Dependency(format!("network {network} is not provisioned"))
		})?;
		let tap = tap_name(false, contract, name);
		// Record the tap before creating it, so a cleanup finds it whatever happens next.
		taps.private = Some(tap.clone());
		rec.taps.insert(name.to_string(), taps.clone());
		let fd = ctx.backends.networks.attach_vm_tap(&fact.id, &tap)?;
		if let Some(ip) = &data.ip {
			let addr = Ipv4Addr::from_str(ip)
				.map_err(|_| WorkloadError::Network(format!("invalid private address {ip:?}")))?;
			let (_, prefix) = parse_cidr(&fact.subnet)?;
			private_arg =
				Some(kernel_ip_arg(addr, prefix, &fact.gateway, &format!("eth{}", nics.len()))?);
		}
		nics.push(VmNic { tap, fd, mac: mac_address(contract, name, false) });
	}
	if let Some(ip_workload) = &data.public_ip {
		let ip = rec.ips.get(ip_workload).cloned().ok_or_else(|| {
			WorkloadError::Dependency(format!("public ip {ip_workload} is not provisioned"))
		})?;
		let tap = tap_name(true, contract, name);
		taps.public = Some(tap.clone());
		rec.taps.insert(name.to_string(), taps.clone());
		let fd = ctx.backends.networks.attach_public_tap(&tap)?;
		let (addr, prefix) = parse_cidr(&ip.ip)?;
		public_arg = Some(kernel_ip_arg(addr, prefix, &ip.gateway, &format!("eth{}", nics.len()))?);
		nics.push(VmNic { tap, fd, mac: mac_address(contract, name, true) });
	}

	let boot = match image {
		Image::Linux { kernel, initrd, cmdline } => {
			let mut cmdline = cmdline.trim().to_string();
			// The kernel's ipconfig takes one `ip=`: the public address when there is one.
			if let Some(arg) = public_arg.or(private_arg) {
				if !cmdline.is_empty() {
					cmdline.push(' ');
				}
				cmdline.push_str(&arg);
			}
			VmBoot::Linux { kernel, initrd, cmdline }
		},
		Image::Probe => VmBoot::Flat {
			code: tfchain_vmm::guest::probe_guest(&format!("tfchain probe {contract} {name}\n")),
		},
	};
	let spec = VmSpec {
		name: vm.clone(),
		vcpus: data.cpu.max(1),
		memory_mib: memory_mib(data.memory),
		boot,
		disks,
		nics,
		console_log: console.clone(),
	};
	let started_ms = crate::now_ms();
	let timings = hypervisor.start(spec)?;
	let latency = timings
		.first_instruction_ms
		.map(|first| started_ms.saturating_add(first).saturating_sub(runnable_at_ms));
	Ok(ZmachineOutcome {
		data: describe(rec, name, &vm, &console, timings, latency, data),
		provision_to_first_instruction_ms: latency,
	})
}

/// The taps a zmachine gets (names derive from contract and workload name).
fn expected_taps(contract_id: u64, name: &str, data: &ZmachineData) -> VmTaps {
	VmTaps {
		private: data.network.as_ref().map(|_| tap_name(false, contract_id, name)),
		public: data.public_ip.as_ref().map(|_| tap_name(true, contract_id, name)),
	}
}

/// Stops a zmachine's VM and removes its taps (the recorded ones and the ones its definition
/// implies); the root disk stays (see [`deprovision`]).
pub(crate) fn stop(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	data: &ZmachineData,
) -> Result<(), WorkloadError> {
	let vm = workload_id(rec.contract_id(), name);
	let mut first_error = ctx.backends.hypervisor.stop(&vm).err();
	let recorded = rec.taps.get(name).cloned().unwrap_or_default();
	let expected = expected_taps(rec.contract_id(), name, data);
	let mut taps: Vec<String> =
		[recorded.private, recorded.public, expected.private, expected.public]
			.into_iter()
			.flatten()
			.collect();
	let mut seen = BTreeSet::new();
	taps.retain(|t| seen.insert(t.clone()));
	for tap in taps {
		if let Err(e) = ctx.backends.networks.remove_tap(&tap) {
			first_error.get_or_insert(e);
		}
	}
	if let Some(e) = first_error {
		return Err(e);
	}
	rec.taps.remove(name);
	Ok(())
}

/// Removes a zmachine: VM, taps and root disk.
pub(crate) fn deprovision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	data: &ZmachineData,
) -> Result<(), WorkloadError> {
	let stopped = stop(ctx, rec, name, data);
	let vm = workload_id(rec.contract_id(), name);
	let removed = ctx.backends.volumes.remove(&vm);
	if removed.is_ok() {
		rec.volumes.remove(name);
	}
	stopped.and(removed)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn memory_rounds_up() {
		assert_eq!(memory_mib(0), 0);
		assert_eq!(memory_mib(1), 1);
		assert_eq!(memory_mib(256 << 20), 256);
		assert_eq!(memory_mib((256 << 20) + 1), 257);
		assert_eq!(memory_mib(u64::MAX), u32::MAX);
	}

	#[test]
	fn fake_is_idempotent_by_name() {
		let fake = FakeHypervisor::new();
		let spec = || VmSpec {
			name: "1-vm".into(),
			vcpus: 1,
			memory_mib: 64,
			boot: VmBoot::Flat { code: vec![0xf4] },
			disks: vec![],
			nics: vec![],
			console_log: std::env::temp_dir().join("tfchain-engine-fake-vm-test.log"),
		};
		fake.start(spec()).unwrap();
		fake.start(spec()).unwrap();
		assert_eq!(fake.starts("1-vm"), 1);
		fake.pause("1-vm").unwrap();
		fake.start(spec()).unwrap();
		assert_eq!(fake.starts("1-vm"), 1, "a paused VM is not started again");
		fake.crash("1-vm");
		assert!(!fake.is_running("1-vm"));
		fake.start(spec()).unwrap();
		assert_eq!(fake.starts("1-vm"), 2, "a crashed VM is started again");
		fake.stop("1-vm").unwrap();
		fake.stop("1-vm").unwrap();
		assert!(fake.list().is_empty());
	}
}
