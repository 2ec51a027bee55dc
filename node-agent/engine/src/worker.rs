//! The worker: runs the persistent job queue in FIFO order, one job at a time. Workload steps
//! run on a blocking thread; after each step the record is written, so a crash loses at most the
//! step in progress (the job stays queued and runs again; the managers are idempotent).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use tfchain_deployment::{
	Change, Deployment, ResultState, Workload, WorkloadData, WorkloadResult, WorkloadType,
};
use tokio::sync::watch;

use crate::{
	engine::Engine,
	jobs::{Job, QueuedJob},
	now_ms, now_secs,
	store::{DeploymentRecord, NetworkFact, PendingStep, PendingUpdate},
	workloads::{ip, network, vm, volume, workload_id, Backends, WorkloadError},
	EngineConfig, EngineError, PublicIp,
};

/// What the managers get to work with.
pub(crate) struct Ctx<'a> {
	pub config: &'a EngineConfig,
	pub backends: &'a Backends,
}

/// How a job ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
	/// Done; report the contract's capacity when `report` is set.
	Done { report: bool },
	/// Test hook: the "process" died in the middle of the job.
	Crashed,
}

/// Workload names in install order (type order, document order within a type).
fn install_order(doc: &Deployment) -> Vec<String> {
	let mut items: Vec<(WorkloadType, usize, String)> =
		doc.workloads.iter().enumerate().map(|(i, w)| (w.kind(), i, w.name.clone())).collect();
	items.sort();
	items.into_iter().map(|(_, _, name)| name).collect()
}

/// Sets a workload's result, keeping its `created` time when it had one.
fn set_result(
	rec: &mut DeploymentRecord,
	name: &str,
	state: ResultState,
	message: impl Into<String>,
	data: Option<serde_json::Value>,
) {
	let Some(w) = rec.deployment.workload_mut(name) else { return };
	let created = w.result.as_ref().map(|r| r.created).filter(|c| *c > 0).unwrap_or_else(now_secs);
	let data = data
		.or_else(|| w.result.as_ref().map(|r| r.data.clone()))
		.unwrap_or(serde_json::Value::Null);
	w.result = Some(WorkloadResult { created, state, message: message.into(), data });
}

impl Engine {
	/// Runs jobs until `shutdown` turns true (or its sender is dropped): one worker, FIFO,
	/// persisted; waits for new jobs when the queue is empty. A job whose state cannot be written
	/// stays queued and is retried after 5 s.
	pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
		loop {
			if *shutdown.borrow() {
				break;
			}
			let next = self.lock().jobs.front().cloned();
			let Some(job) = next else {
				tokio::select! {
					_ = self.wake.notified() => {},
					changed = shutdown.changed() => if changed.is_err() { break },
				}
				continue;
			};
			match self.run_job(job).await {
				Ok(true) => {},
				Ok(false) => return,
				Err(e) => {
					tracing::error!(error = %e, "job failed to complete, retrying in 5 s");
					tokio::select! {
						_ = tokio::time::sleep(Duration::from_secs(5)) => {},
						changed = shutdown.changed() => if changed.is_err() { break },
					}
				},
			}
		}
		tracing::info!("engine worker stopped");
	}

	/// Runs queued jobs until the queue is empty (tests, one-shot tools); returns how many ran.
	pub async fn run_until_idle(self: &Arc<Self>) -> Result<usize, EngineError> {
		let mut ran = 0;
		loop {
			let next = self.lock().jobs.front().cloned();
			let Some(job) = next else { return Ok(ran) };
			if !self.run_job(job).await? {
				return Ok(ran);
			}
			ran += 1;
		}
	}

	/// Runs one job and removes it from the queue; `Ok(false)` when the (test) crash hook fired.
	async fn run_job(self: &Arc<Self>, job: QueuedJob) -> Result<bool, EngineError> {
		let contract_id = job.job.contract_id();
		let kind = job.job.kind();
		tracing::info!(contract = contract_id, job = kind, "job started");
		let this = Arc::clone(self);
		let queued = job.clone();
		let outcome = tokio::task::spawn_blocking(move || this.execute(&queued))
			.await
			.map_err(|e| EngineError::Worker(format!("{kind} job of contract {contract_id}: {e}")));
		let outcome = match outcome {
			Ok(Ok(outcome)) => outcome,
			Ok(Err(e)) => return Err(e),
			Err(e) => {
				// A panic in a backend: drop the job rather than loop on it forever.
				tracing::error!(error = %e, "job panicked; dropped");
				Outcome::Done { report: false }
			},
		};
		if outcome == Outcome::Crashed {
			return Ok(false);
		}
		if outcome == (Outcome::Done { report: true }) {
			let used = self.lock().store.get(contract_id).map(|r| r.deployment.used_capacity());
			if let Some(used) = used {
				self.report_resources(&[(contract_id, used)]).await;
			}
		}
		let mut state = self.lock();
		state.jobs.complete(job.id)?;
		state.counters.jobs_run += 1;
		if matches!(job.job, Job::Provision { .. }) {
			state.counters.last_provision_latency_ms =
				Some(now_ms().saturating_sub(job.runnable_at_ms));
		}
		tracing::info!(contract = contract_id, job = kind, "job done");
		Ok(true)
	}

	fn ctx(&self) -> Ctx<'_> {
		Ctx { config: &self.config, backends: &self.backends }
	}

	/// Test hook: true when the simulated crash point is reached.
	fn crash_point(&self) -> bool {
		#[cfg(test)]
		{
			use std::sync::atomic::Ordering;
			let left = self.crash_after_steps.load(Ordering::SeqCst);
			if left > 0 {
				self.crash_after_steps.store(left - 1, Ordering::SeqCst);
				return left == 1;
			}
		}
		false
	}

	fn snapshot(&self, id: u64) -> Option<DeploymentRecord> {
		self.lock().store.get(id).cloned()
	}

	/// Writes the worker's copy of a record, keeping fields the API may have changed meanwhile.
	fn commit(&self, rec: &DeploymentRecord) -> Result<(), EngineError> {
		let mut state = self.lock();
		let mut rec = rec.clone();
		if let Some(current) = state.store.get(rec.contract_id()) {
			rec.chain_hash_changed = current.chain_hash_changed;
		}
		state.store.put(rec)
	}

	/// The chain hash change an `Updated` event announced is now applied.
	fn clear_hash_flag(&self, id: u64) -> Result<(), EngineError> {
		let mut state = self.lock();
		if let Some(current) = state.store.get(id).filter(|r| r.chain_hash_changed) {
			let mut current = current.clone();
			current.chain_hash_changed = false;
			state.store.put(current)?;
		}
		Ok(())
	}

	fn execute(&self, job: &QueuedJob) -> Result<Outcome, EngineError> {
		match &job.job {
			Job::Provision { contract_id } => self.provision(*contract_id, job.runnable_at_ms),
			Job::Update { contract_id, deployment, public_ips } => {
				self.update(*contract_id, deployment, public_ips, job.runnable_at_ms)
			},
			Job::Deprovision { contract_id, reason } => self.deprovision(*contract_id, reason),
			Job::Pause { contract_id } => self.set_paused(*contract_id, true, job.runnable_at_ms),
			Job::Resume { contract_id } => self.set_paused(*contract_id, false, job.runnable_at_ms),
		}
	}

	/// Facts of the host network `id` recorded by other deployments.
	fn network_users(&self, contract_id: u64, id: &str) -> Vec<NetworkFact> {
		self.lock()
			.store
			.records()
			.filter(|r| r.contract_id() != contract_id)
			.flat_map(|r| r.networks.values().filter(|f| f.id == id).cloned())
			.collect()
	}

	/// Provisions one workload (idempotent).
	fn apply_workload(
		&self,
		rec: &mut DeploymentRecord,
		w: &Workload,
		runnable_at_ms: u64,
	) -> Result<serde_json::Value, WorkloadError> {
		let ctx = self.ctx();
		match &w.data {
			WorkloadData::Zmount(data) => volume::provision(&ctx, rec, &w.name, data),
			WorkloadData::Network(data) => {
				let id = network::network_id(rec.deployment.twin_id, &w.name);
				let others = self.network_users(rec.contract_id(), &id);
				network::provision(&ctx, rec, &w.name, data, &others)
			},
			WorkloadData::Ip(data) => ip::provision(rec, &w.name, data),
			WorkloadData::Zmachine(data) => {
				let outcome = vm::provision(&ctx, rec, &w.name, data, runnable_at_ms)?;
				if let Some(ms) = outcome.provision_to_first_instruction_ms {
					self.lock().counters.last_provision_to_first_instruction_ms = Some(ms);
				}
				Ok(outcome.data)
			},
		}
	}

	/// Removes one workload's host resources (idempotent).
	fn remove_workload(
		&self,
		rec: &mut DeploymentRecord,
		w: &Workload,
	) -> Result<(), WorkloadError> {
		let ctx = self.ctx();
		match &w.data {
			WorkloadData::Zmachine(data) => {
				self.sample_record_traffic(rec);
				vm::deprovision(&ctx, rec, &w.name, data)
			},
			WorkloadData::Ip(_) => {
				ip::deprovision(rec, &w.name);
				Ok(())
			},
			WorkloadData::Network(_) => {
				let id = rec
					.networks
					.get(&w.name)
					.map(|f| f.id.clone())
					.unwrap_or_else(|| network::network_id(rec.deployment.twin_id, &w.name));
				let still_used = !self.network_users(rec.contract_id(), &id).is_empty();
				network::deprovision(&ctx, rec, &w.name, still_used)
			},
			WorkloadData::Zmount(_) => volume::deprovision(&ctx, rec, &w.name),
		}
	}

	/// Applies an in-place update of one workload (zmount grow, zmachine restart with the new
	/// definition); network and ip workloads are re-ensured.
	fn update_workload(
		&self,
		rec: &mut DeploymentRecord,
		previous: Option<&Workload>,
		w: &Workload,
		runnable_at_ms: u64,
	) -> Result<serde_json::Value, WorkloadError> {
		match (previous.map(|p| &p.data), &w.data) {
			(Some(WorkloadData::Zmachine(old)), WorkloadData::Zmachine(new)) => {
				if new.size < old.size {
					return Err(WorkloadError::Shrink {
						id: workload_id(rec.contract_id(), &w.name),
						current: old.size,
						requested: new.size,
					});
				}
				self.sample_record_traffic(rec);
				vm::stop(&self.ctx(), rec, &w.name, old)?;
				self.apply_workload(rec, w, runnable_at_ms)
			},
			(Some(old), new) if std::mem::discriminant(old) != std::mem::discriminant(new) => {
				Err(WorkloadError::Unsupported("an update cannot change a workload's type".into()))
			},
			_ => self.apply_workload(rec, w, runnable_at_ms),
		}
	}

	fn provision(&self, id: u64, runnable_at_ms: u64) -> Result<Outcome, EngineError> {
		let Some(mut rec) = self.snapshot(id) else { return Ok(Outcome::Done { report: false }) };
		for name in install_order(&rec.deployment) {
			let Some(w) = rec.deployment.workload(&name).cloned() else { continue };
			if w.state().is_some_and(ResultState::is_terminal) {
				continue;
			}
			let result = self.apply_workload(&mut rec, &w, runnable_at_ms);
			if self.crash_point() {
				return Ok(Outcome::Crashed);
			}
			match result {
				Ok(data) => set_result(&mut rec, &name, ResultState::Ok, "", Some(data)),
				Err(e) => {
					tracing::warn!(contract = id, workload = %name, error = %e, "workload failed");
					set_result(&mut rec, &name, ResultState::Error, e.to_string(), None);
				},
			}
			self.commit(&rec)?;
		}
		if rec.paused {
			self.pause_vms(&mut rec);
			self.commit(&rec)?;
		}
		Ok(Outcome::Done { report: true })
	}

	fn deprovision(&self, id: u64, reason: &str) -> Result<Outcome, EngineError> {
		let Some(mut rec) = self.snapshot(id) else { return Ok(Outcome::Done { report: false }) };
		let mut order = install_order(&rec.deployment);
		order.reverse();
		for name in order {
			let Some(w) = rec.deployment.workload(&name).cloned() else { continue };
			if w.state() == Some(ResultState::Deleted) {
				continue;
			}
			let result = self.remove_workload(&mut rec, &w);
			if self.crash_point() {
				return Ok(Outcome::Crashed);
			}
			let message = match result {
				Ok(()) => reason.to_string(),
				Err(e) => {
					tracing::warn!(contract = id, workload = %name, error = %e, "cleanup failed");
					format!("{reason}; cleanup failed: {e}")
				},
			};
			set_result(&mut rec, &name, ResultState::Deleted, message, None);
			self.commit(&rec)?;
		}
		if let Some(pending) = rec.pending_update.take() {
			for w in pending.remove {
				if let Err(e) = self.remove_workload(&mut rec, &w) {
					tracing::warn!(contract = id, workload = %w.name, error = %e, "cleanup failed");
				}
			}
		}
		self.lock().store.remove(id)?;
		tracing::info!(contract = id, reason, "deployment removed");
		Ok(Outcome::Done { report: false })
	}

	fn update(
		&self,
		id: u64,
		new: &Deployment,
		public_ips: &[PublicIp],
		runnable_at_ms: u64,
	) -> Result<Outcome, EngineError> {
		let Some(mut rec) = self.snapshot(id) else { return Ok(Outcome::Done { report: false }) };
		if rec.pending_update.is_none() {
			if rec.deployment.version >= new.version {
				tracing::info!(contract = id, version = new.version, "update already applied");
				return Ok(Outcome::Done { report: false });
			}
			let changes = match rec.deployment.upgrade(new) {
				Ok(changes) => changes,
				Err(e) => {
					tracing::warn!(contract = id, error = %e, "update no longer applies; dropped");
					return Ok(Outcome::Done { report: false });
				},
			};
			let old = rec.deployment.clone();
			let mut merged = new.clone();
			let mut pending = PendingUpdate {
				version: new.version,
				remove: Vec::new(),
				apply: Vec::new(),
				previous: BTreeMap::new(),
			};
			for w in &mut merged.workloads {
				w.result = None;
			}
			for change in &changes {
				match change {
					Change::Remove(name) => {
						if let Some(w) = old.workload(name) {
							pending.remove.push(w.clone());
						}
					},
					Change::Add(name) => {
						pending.apply.push(PendingStep { name: name.clone(), update: false });
						if let Some(w) = merged.workload_mut(name) {
							w.result = Some(WorkloadResult::new(now_secs(), ResultState::Init, ""));
						}
					},
					Change::Update(name) => {
						pending.apply.push(PendingStep { name: name.clone(), update: true });
						if let Some(w) = old.workload(name) {
							pending.previous.insert(name.clone(), w.clone());
						}
					},
				}
			}
			// Unchanged and updated workloads keep their results until a new one is written.
			merged.carry_results_from(&old);
			for w in &mut merged.workloads {
				if w.result.is_none() {
					w.result = Some(WorkloadResult::new(now_secs(), ResultState::Init, ""));
				}
			}
			rec.deployment = merged;
			rec.public_ips = public_ips.to_vec();
			rec.pending_update = Some(pending);
			self.commit(&rec)?;
			self.clear_hash_flag(id)?;
		}

		// Removes first (reverse type order, as `upgrade` ordered them).
		while let Some(w) = rec.pending_update.as_ref().and_then(|p| p.remove.first().cloned()) {
			if let Err(e) = self.remove_workload(&mut rec, &w) {
				tracing::warn!(contract = id, workload = %w.name, error = %e, "cleanup failed");
			}
			if self.crash_point() {
				return Ok(Outcome::Crashed);
			}
			if let Some(p) = rec.pending_update.as_mut() {
				p.remove.remove(0);
			}
			self.commit(&rec)?;
		}
		// Then adds and updates in type order.
		while let Some(step) = rec.pending_update.as_ref().and_then(|p| p.apply.first().cloned()) {
			if let Some(w) = rec.deployment.workload(&step.name).cloned() {
				let result = if step.update {
					let previous = rec
						.pending_update
						.as_ref()
						.and_then(|p| p.previous.get(&step.name))
						.cloned();
					self.update_workload(&mut rec, previous.as_ref(), &w, runnable_at_ms)
				} else {
					self.apply_workload(&mut rec, &w, runnable_at_ms)
				};
				if self.crash_point() {
					return Ok(Outcome::Crashed);
				}
				match result {
					Ok(data) => set_result(&mut rec, &step.name, ResultState::Ok, "", Some(data)),
					Err(e) if step.update => {
						tracing::warn!(contract = id, workload = %step.name, error = %e, "update failed");
						set_result(
							&mut rec,
							&step.name,
							ResultState::Unchanged,
							e.to_string(),
							None,
						);
					},
					Err(e) => {
						tracing::warn!(contract = id, workload = %step.name, error = %e, "workload failed");
						set_result(&mut rec, &step.name, ResultState::Error, e.to_string(), None);
					},
				}
			}
			if let Some(p) = rec.pending_update.as_mut() {
				p.apply.remove(0);
			}
			self.commit(&rec)?;
		}
		rec.pending_update = None;
		if rec.paused {
			self.pause_vms(&mut rec);
		}
		self.commit(&rec)?;
		Ok(Outcome::Done { report: true })
	}

	fn set_paused(
		&self,
		id: u64,
		paused: bool,
		runnable_at_ms: u64,
	) -> Result<Outcome, EngineError> {
		let Some(mut rec) = self.snapshot(id) else { return Ok(Outcome::Done { report: false }) };
		if paused {
			self.pause_vms(&mut rec);
		} else {
			self.resume_vms(&mut rec, runnable_at_ms);
		}
		rec.paused = paused;
		self.commit(&rec)?;
		Ok(Outcome::Done { report: true })
	}

	/// Pauses the running VMs and moves every `ok` workload to `paused`.
	fn pause_vms(&self, rec: &mut DeploymentRecord) {
		let hypervisor = &self.backends.hypervisor;
		for name in install_order(&rec.deployment) {
			let Some(w) = rec.deployment.workload(&name) else { continue };
			if w.state() != Some(ResultState::Ok) {
				continue;
			}
			if matches!(w.data, WorkloadData::Zmachine(_)) {
				let vm = workload_id(rec.contract_id(), &name);
				if hypervisor.is_running(&vm) {
					if let Err(e) = hypervisor.pause(&vm) {
						tracing::warn!(vm = %vm, error = %e, "pause failed");
						continue;
					}
				}
			}
			set_result(rec, &name, ResultState::Paused, "contract in grace period", None);
		}
	}

	/// Resumes (or starts, when the VM is gone) paused VMs and moves `paused` workloads to `ok`.
	fn resume_vms(&self, rec: &mut DeploymentRecord, runnable_at_ms: u64) {
		let hypervisor = self.backends.hypervisor.clone();
		for name in install_order(&rec.deployment) {
			let Some(w) = rec.deployment.workload(&name).cloned() else { continue };
			if w.state() != Some(ResultState::Paused) {
				continue;
			}
			let mut data = None;
			if matches!(w.data, WorkloadData::Zmachine(_)) {
				let vm = workload_id(rec.contract_id(), &name);
				let resumed = if hypervisor.is_running(&vm) {
					hypervisor.resume(&vm).map(|()| None)
				} else {
					self.apply_workload(rec, &w, runnable_at_ms).map(Some)
				};
				match resumed {
					Ok(d) => data = d,
					Err(e) => {
						tracing::warn!(vm = %vm, error = %e, "resume failed");
						set_result(rec, &name, ResultState::Error, e.to_string(), None);
						continue;
					},
				}
			}
			set_result(rec, &name, ResultState::Ok, "", data);
		}
	}

	/// Samples the public taps of one deployment into the NRU ledger (before they go away).
	pub(crate) fn sample_record_traffic(&self, rec: &DeploymentRecord) {
		let mut samples = Vec::new();
		for taps in rec.taps.values() {
			if let Some(tap) = &taps.public {
				if let Ok(c) = self.backends.networks.counters(tap) {
					samples.push((
						tap.clone(),
						rec.contract_id(),
						c.rx_bytes.saturating_add(c.tx_bytes),
					));
				}
			}
		}
		if samples.is_empty() {
			return;
		}
		if let Err(e) = self.lock_traffic().observe(&samples, now_secs()) {
			tracing::warn!(error = %e, "storing traffic samples failed");
		}
	}
}
