//! vCPU threads: the KVM_RUN loop with exit dispatch to the buses, and pause/resume/stop through a
//! shared [`Control`] (condvar) plus a signal that kicks a vCPU out of `KVM_RUN`.
//!
//! Kicking: the signal handler sets `kvm_run.immediate_exit` of the vCPU running on that thread
//! (found through a thread-local pointer), so a kick that lands just before `KVM_RUN` is not lost:
//! `KVM_RUN` then returns `EINTR` at once and the loop looks at the control state again.

use std::{
	cell::Cell,
	ptr,
	sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock},
	time::{Duration, Instant},
};

use kvm_bindings::{
	KVM_INTERNAL_ERROR_EMULATION, KVM_SYSTEM_EVENT_RESET, KVM_SYSTEM_EVENT_SHUTDOWN,
};
use kvm_ioctls::{VcpuExit, VcpuFd};

use crate::{
	bus::{Bus, DeviceAction},
	Timings, VmState, VmmError,
};

/// How long `pause` waits for every vCPU to leave guest code.
pub(crate) const PAUSE_TIMEOUT: Duration = Duration::from_secs(5);

thread_local! {
	/// `&kvm_run.immediate_exit` of the vCPU this thread runs (null on other threads).
	static IMMEDIATE_EXIT: Cell<*mut u8> = const { Cell::new(ptr::null_mut()) };
}

/// The real-time signal used to kick vCPU threads.
pub(crate) fn kick_signal() -> libc::c_int {
	libc::SIGRTMIN() + 1
}

extern "C" fn handle_kick(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
	// Only async-signal-safe work: a thread-local read (no destructor, const-initialised) and a
	// volatile byte store into this thread's own kvm_run mapping.
	let target = IMMEDIATE_EXIT.with(|cell| cell.get());
	if !target.is_null() {
		// SAFETY: the pointer is set by this very thread to its vCPU's kvm_run mapping and cleared
		// before the vCPU (and the mapping) is dropped.
		unsafe { ptr::write_volatile(target, 1) };
	}
}

/// Installs the kick signal handler once per process.
pub(crate) fn install_kick_handler() -> Result<(), VmmError> {
	static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
	INSTALLED
		.get_or_init(|| {
			// SAFETY: a zeroed sigaction is a valid starting point; we fill handler, flags and mask.
			let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
			action.sa_sigaction = handle_kick as *const () as usize;
			action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
			// SAFETY: `action.sa_mask` is a valid sigset_t to initialise.
			unsafe { libc::sigemptyset(&mut action.sa_mask) };
			// SAFETY: installing a handler for a real-time signal nobody else in this process uses;
			// the handler is async-signal-safe.
			let rc = unsafe { libc::sigaction(kick_signal(), &action, ptr::null_mut()) };
			if rc != 0 {
				return Err(std::io::Error::last_os_error().to_string());
			}
			Ok(())
		})
		.clone()
		.map_err(VmmError::Signal)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Desired {
	Run,
	Pause,
	Stop,
}

struct ControlState {
	desired: Desired,
	stop_reason: Option<String>,
	/// vCPU threads spawned and not yet finished.
	live: usize,
	/// vCPU threads waiting in the pause gate.
	parked: usize,
	/// pthread handles of the vCPU threads, for kicking (None once joined).
	threads: Vec<Option<libc::pthread_t>>,
}

/// Run state shared by the `Vm` handle and its vCPU threads.
pub(crate) struct Control {
	state: Mutex<ControlState>,
	cond: Condvar,
}

impl Control {
	/// A VM that should run.
	pub(crate) fn new() -> Self {
		Self {
			state: Mutex::new(ControlState {
				desired: Desired::Run,
				stop_reason: None,
				live: 0,
				parked: 0,
				threads: Vec::new(),
			}),
			cond: Condvar::new(),
		}
	}

	fn lock(&self) -> MutexGuard<'_, ControlState> {
		match self.state.lock() {
			Ok(guard) => guard,
			Err(poisoned) => poisoned.into_inner(),
		}
	}

	fn kick_all(state: &ControlState) {
		for thread in state.threads.iter().flatten() {
			// SAFETY: the handle belongs to a vCPU thread that has not been joined yet (joined
			// threads are removed under this lock first); pthread_kill on an exited but unjoined
			// thread is allowed.
			unsafe { libc::pthread_kill(*thread, kick_signal()) };
		}
	}

	/// A vCPU thread is about to be spawned.
	pub(crate) fn thread_spawning(&self) {
		self.lock().live += 1;
	}

	/// Spawning failed after `thread_spawning`.
	pub(crate) fn thread_spawn_failed(&self) {
		let mut state = self.lock();
		state.live = state.live.saturating_sub(1);
		self.cond.notify_all();
	}

	/// Records the pthread of vCPU thread `index` so it can be kicked.
	pub(crate) fn register_thread(&self, index: usize, thread: libc::pthread_t) {
		let mut state = self.lock();
		if state.threads.len() <= index {
			state.threads.resize(index + 1, None);
		}
		state.threads[index] = Some(thread);
		if state.desired != Desired::Run {
			// It may have passed the gate before the state changed.
			Self::kick_all(&state);
		}
	}

	/// Forgets vCPU thread `index` before it is joined.
	pub(crate) fn forget_thread(&self, index: usize) {
		if let Some(slot) = self.lock().threads.get_mut(index) {
			*slot = None;
		}
	}

	/// Blocks while paused; false once the VM must stop.
	fn wait_runnable(&self) -> bool {
		let mut state = self.lock();
		loop {
			match state.desired {
				Desired::Run => return true,
				Desired::Stop => return false,
				Desired::Pause => {
					state.parked += 1;
					self.cond.notify_all();
					while state.desired == Desired::Pause {
						state = match self.cond.wait(state) {
							Ok(guard) => guard,
							Err(poisoned) => poisoned.into_inner(),
						};
					}
					state.parked -= 1;
				},
			}
		}
	}

	/// A vCPU thread left its loop.
	fn thread_finished(&self) {
		let mut state = self.lock();
		state.live = state.live.saturating_sub(1);
		self.cond.notify_all();
	}

	/// Stops the VM (keeps the first reason given).
	pub(crate) fn stop(&self, reason: String) {
		let mut state = self.lock();
		if state.desired != Desired::Stop {
			state.desired = Desired::Stop;
			state.stop_reason.get_or_insert(reason);
			Self::kick_all(&state);
		}
		self.cond.notify_all();
	}

	fn stopped_error(state: &ControlState) -> VmmError {
		VmmError::Stopped {
			reason: state.stop_reason.clone().unwrap_or_else(|| "stopped".to_string()),
		}
	}

	/// Parks every vCPU outside guest code; waits up to `timeout` for them.
	pub(crate) fn pause(&self, timeout: Duration) -> Result<(), VmmError> {
		let deadline = Instant::now() + timeout;
		let mut state = self.lock();
		match state.desired {
			Desired::Stop => return Err(Self::stopped_error(&state)),
			Desired::Pause => {},
			Desired::Run => {
				state.desired = Desired::Pause;
				Self::kick_all(&state);
			},
		}
		while state.desired == Desired::Pause && state.parked < state.live {
			let now = Instant::now();
			if now >= deadline {
				return Err(VmmError::Timeout("waiting for the vCPUs to pause"));
			}
			state = match self.cond.wait_timeout(state, deadline - now) {
				Ok((guard, _)) => guard,
				Err(poisoned) => poisoned.into_inner().0,
			};
		}
		if state.desired == Desired::Stop {
			return Err(Self::stopped_error(&state));
		}
		Ok(())
	}

	/// Lets paused vCPUs run again.
	pub(crate) fn resume(&self) -> Result<(), VmmError> {
		let mut state = self.lock();
		match state.desired {
			Desired::Stop => Err(Self::stopped_error(&state)),
			Desired::Run => Ok(()),
			Desired::Pause => {
				state.desired = Desired::Run;
				self.cond.notify_all();
				Ok(())
			},
		}
	}

	/// The externally visible state.
	pub(crate) fn vm_state(&self) -> VmState {
		let state = self.lock();
		match state.desired {
			Desired::Run => VmState::Running,
			Desired::Pause => VmState::Paused,
			Desired::Stop => VmState::Stopped {
				reason: state.stop_reason.clone().unwrap_or_else(|| "stopped".to_string()),
			},
		}
	}
}

/// What the loop does after an exit.
enum Next {
	Continue,
	Stop(String),
	InternalError,
}

/// One vCPU and what its thread needs.
pub(crate) struct VcpuRunner {
	/// vCPU index (also its APIC id).
	pub index: u8,
	/// The KVM vCPU.
	pub vcpu: VcpuFd,
	/// Port I/O devices.
	pub pio: Arc<Bus>,
	/// MMIO devices.
	pub mmio: Arc<Bus>,
	/// Run state.
	pub control: Arc<Control>,
	/// Boot timings (vCPU 0 records the first exit).
	pub timings: Arc<Timings>,
}

impl VcpuRunner {
	/// The thread body: runs until the VM stops.
	pub(crate) fn run(mut self) {
		let immediate_exit = ptr::addr_of_mut!(self.vcpu.get_kvm_run().immediate_exit);
		IMMEDIATE_EXIT.with(|cell| cell.set(immediate_exit));
		while self.control.wait_runnable() {
			let next = match self.vcpu.run() {
				Ok(exit) => {
					if self.index == 0 {
						self.timings.record_first_instruction();
					}
					Self::handle_exit(self.index, &self.pio, &self.mmio, exit)
				},
				Err(e) if e.errno() == libc::EINTR => {
					self.vcpu.set_kvm_immediate_exit(0);
					Next::Continue
				},
				Err(e) if e.errno() == libc::EAGAIN => Next::Continue,
				Err(e) => Next::Stop(format!("KVM_RUN failed on vCPU {}: {e}", self.index)),
			};
			match next {
				Next::Continue => {},
				Next::Stop(reason) => self.control.stop(reason),
				Next::InternalError => {
					let reason = self.internal_error_reason();
					self.control.stop(reason);
				},
			}
		}
		IMMEDIATE_EXIT.with(|cell| cell.set(ptr::null_mut()));
		self.control.thread_finished();
	}

	fn handle_exit(index: u8, pio: &Bus, mmio: &Bus, exit: VcpuExit<'_>) -> Next {
		match exit {
			VcpuExit::IoOut(port, data) => match pio.write(u64::from(port), data) {
				Some(DeviceAction::Stop(reason)) => Next::Stop(reason),
				Some(DeviceAction::Continue) => Next::Continue,
				None => {
					tracing::trace!("unhandled port write {port:#x}");
					Next::Continue
				},
			},
			VcpuExit::IoIn(port, data) => {
				pio.read(u64::from(port), data);
				Next::Continue
			},
			VcpuExit::MmioRead(addr, data) => {
				if !mmio.read(addr, data) {
					tracing::debug!("unhandled MMIO read at {addr:#x}");
				}
				Next::Continue
			},
			VcpuExit::MmioWrite(addr, data) => match mmio.write(addr, data) {
				Some(DeviceAction::Stop(reason)) => Next::Stop(reason),
				Some(DeviceAction::Continue) => Next::Continue,
				None => {
					tracing::debug!("unhandled MMIO write at {addr:#x}");
					Next::Continue
				},
			},
			VcpuExit::Hlt => Next::Stop(format!("vCPU {index} halted")),
			VcpuExit::Shutdown => {
				Next::Stop(format!("guest shut down (triple fault on vCPU {index})"))
			},
			VcpuExit::SystemEvent(kind, _) => Next::Stop(match kind {
				KVM_SYSTEM_EVENT_SHUTDOWN => "guest powered off".to_string(),
				KVM_SYSTEM_EVENT_RESET => "guest requested a reset".to_string(),
				other => format!("guest system event {other}"),
			}),
			VcpuExit::FailEntry(reason, cpu) => Next::Stop(format!(
				"KVM entry failure on vCPU {index}: hardware reason {reason:#x} (cpu {cpu})"
			)),
			VcpuExit::InternalError => Next::InternalError,
			VcpuExit::Intr | VcpuExit::IrqWindowOpen => Next::Continue,
			other => Next::Stop(format!("unexpected exit on vCPU {index}: {other:?}")),
		}
	}

	fn internal_error_reason(&mut self) -> String {
		let run = self.vcpu.get_kvm_run();
		// SAFETY: the last exit was KVM_EXIT_INTERNAL_ERROR, so `internal` is the active member.
		let internal = unsafe { run.__bindgen_anon_1.internal };
		let what = if internal.suberror == KVM_INTERNAL_ERROR_EMULATION {
			" (instruction emulation failed)"
		} else {
			""
		};
		let count = (internal.ndata as usize).min(internal.data.len());
		format!(
			"KVM internal error on vCPU {}: suberror {}{what}, data {:x?}",
			self.index,
			internal.suberror,
			&internal.data[..count]
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn control_without_threads() {
		let control = Control::new();
		assert_eq!(control.vm_state(), VmState::Running);
		control.pause(Duration::from_millis(10)).unwrap();
		assert_eq!(control.vm_state(), VmState::Paused);
		control.resume().unwrap();
		control.resume().unwrap();
		assert_eq!(control.vm_state(), VmState::Running);
		control.stop("first".to_string());
		control.stop("second".to_string());
		assert_eq!(control.vm_state(), VmState::Stopped { reason: "first".to_string() });
		assert!(matches!(control.pause(Duration::ZERO), Err(VmmError::Stopped { .. })));
		assert!(matches!(control.resume(), Err(VmmError::Stopped { .. })));
	}

	#[test]
	fn pause_waits_for_threads_and_times_out() {
		let control = Arc::new(Control::new());
		control.thread_spawning();
		// No thread ever parks: pause times out.
		assert!(matches!(control.pause(Duration::from_millis(20)), Err(VmmError::Timeout(_))));
		control.resume().unwrap();

		// A thread that goes through the gate parks, and pause returns.
		let rounds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
		let count = || rounds.load(std::sync::atomic::Ordering::SeqCst);
		let wait_for = |n: usize| {
			let deadline = Instant::now() + Duration::from_secs(5);
			while count() < n && Instant::now() < deadline {
				std::thread::sleep(Duration::from_millis(1));
			}
			assert!(count() >= n, "worker made no progress");
		};
		let worker = {
			let control = control.clone();
			let rounds = rounds.clone();
			std::thread::spawn(move || {
				while control.wait_runnable() {
					rounds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
					std::thread::sleep(Duration::from_millis(1));
				}
				control.thread_finished();
			})
		};
		wait_for(1);
		control.pause(Duration::from_secs(5)).unwrap();
		let paused_at = count();
		std::thread::sleep(Duration::from_millis(20));
		assert_eq!(count(), paused_at, "no progress while paused");
		control.resume().unwrap();
		wait_for(paused_at + 2);
		control.stop("done".to_string());
		worker.join().unwrap();
		assert!(matches!(control.vm_state(), VmState::Stopped { reason } if reason == "done"));
	}
}
