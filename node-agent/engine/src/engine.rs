//! The engine's API: accepting documents (checked against the chain), chain events,
//! reconciliation, queries and metrics. The worker that runs the jobs is in `worker.rs`.

use std::{
	collections::{BTreeMap, BTreeSet},
	fs,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex, MutexGuard,
	},
};

use tfchain_deployment::{Deployment, ResultState, WorkloadData, WorkloadResult};
use tokio::sync::Notify;

use crate::{
	jobs::{Job, JobQueue},
	now_ms, now_secs,
	store::{DeploymentRecord, Store},
	traffic::TrafficLedger,
	workloads::{workload_id, Backends},
	Capacity, ChainEvent, ChainView, ContractView, EngineConfig, EngineError,
};

/// Name of the boot marker file in the runtime directory.
const BOOT_MARKER: &str = "engine-boot-marker";

/// Counters kept in memory (reset at start).
#[derive(Debug, Default)]
pub(crate) struct Counters {
	pub jobs_run: u64,
	pub resource_reports_sent: u64,
	pub resource_reports_failed: u64,
	pub nru_reports_sent: u64,
	pub nru_reports_failed: u64,
	pub last_provision_latency_ms: Option<u64>,
	pub last_provision_to_first_instruction_ms: Option<u64>,
}

/// State behind the engine's lock.
pub(crate) struct State {
	pub store: Store,
	pub jobs: JobQueue,
	pub counters: Counters,
}

/// The provisioning engine (see the crate docs).
pub struct Engine {
	pub(crate) config: EngineConfig,
	pub(crate) backends: Backends,
	pub(crate) chain: Arc<dyn ChainView>,
	pub(crate) state: Mutex<State>,
	pub(crate) traffic: Mutex<TrafficLedger>,
	/// Serialises `report_traffic` calls (one outbox sender at a time).
	pub(crate) report_lock: tokio::sync::Mutex<()>,
	pub(crate) wake: Notify,
	pub(crate) reconciled_once: AtomicBool,
	/// Test hook: simulate a crash after this many workload steps (0: off).
	#[cfg(test)]
	pub(crate) crash_after_steps: std::sync::atomic::AtomicUsize,
}

/// What a reconciliation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
	/// First run since the host booted (boot marker was missing).
	pub boot: bool,
	/// Deployments re-provisioned because of the boot.
	pub reprovisioned: Vec<u64>,
	/// Deployments re-provisioned because a VM that should run was not running (agent restart,
	/// VM crash).
	pub restarted: Vec<u64>,
	/// Deployments deprovisioned because their contract is no longer active.
	pub deprovisioned: Vec<u64>,
	/// Deployments paused because their contract is in grace.
	pub paused: Vec<u64>,
	/// Deployments resumed because their contract left grace.
	pub resumed: Vec<u64>,
}

/// Numbers for the metrics endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineMetrics {
	/// Stored deployments.
	pub deployments: u64,
	/// Stored deployments that are paused.
	pub deployments_paused: u64,
	/// Workloads by result state (`init`, `ok`, `error`, `deleted`, `paused`, `unchanged`).
	pub workloads_by_state: BTreeMap<String, u64>,
	/// Jobs waiting (including the one running).
	pub jobs_queued: u64,
	/// Jobs run since start.
	pub jobs_run: u64,
	/// Resource reports sent since start.
	pub resource_reports_sent: u64,
	/// Resource reports that failed after all retries since start.
	pub resource_reports_failed: u64,
	/// NRU reports accepted by the chain since start.
	pub nru_reports_sent: u64,
	/// Failed NRU sends since start.
	pub nru_reports_failed: u64,
	/// NRU reports waiting in the outbox.
	pub nru_outbox: u64,
	/// Last provision job: runnable → done, in milliseconds.
	pub last_provision_latency_ms: Option<u64>,
	/// Last VM start: provision job runnable → first guest instruction, in milliseconds.
	pub last_provision_to_first_instruction_ms: Option<u64>,
	/// Declared capacity in use (workloads ok, paused or unchanged).
	pub used: Capacity,
}

/// Name of a result state as used in JSON.
pub(crate) fn state_name(state: ResultState) -> &'static str {
	match state {
		ResultState::Init => "init",
		ResultState::Ok => "ok",
		ResultState::Error => "error",
		ResultState::Deleted => "deleted",
		ResultState::Paused => "paused",
		ResultState::Unchanged => "unchanged",
	}
}

impl Engine {
	/// Opens the engine on `config.state_dir`: loads the deployments, the job queue and the NRU
	/// ledger. Nothing runs until [`Engine::run`] (jobs) and [`Engine::reconcile`] are called.
	pub fn open(
		config: EngineConfig,
		backends: Backends,
		chain: Arc<dyn ChainView>,
	) -> Result<Arc<Engine>, EngineError> {
		fs::create_dir_all(&config.state_dir)?;
		fs::create_dir_all(config.state_dir.join("consoles"))?;
		let store = Store::open(&config.state_dir)?;
		let jobs = JobQueue::open(&config.state_dir)?;
		let traffic = TrafficLedger::open(&config.state_dir.join("nru.json"))?;
		tracing::info!(
			deployments = store.len(),
			jobs = jobs.len(),
			hypervisor = backends.hypervisor.kind(),
			networks = backends.networks.kind(),
			"engine opened"
		);
		Ok(Arc::new(Engine {
			config,
			backends,
			chain,
			state: Mutex::new(State { store, jobs, counters: Counters::default() }),
			traffic: Mutex::new(traffic),
			report_lock: tokio::sync::Mutex::new(()),
			wake: Notify::new(),
			reconciled_once: AtomicBool::new(false),
			#[cfg(test)]
			crash_after_steps: std::sync::atomic::AtomicUsize::new(0),
		}))
	}

	/// The configuration.
	pub fn config(&self) -> &EngineConfig {
		&self.config
	}

	pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	pub(crate) fn lock_traffic(&self) -> MutexGuard<'_, TrafficLedger> {
		self.traffic.lock().unwrap_or_else(|e| e.into_inner())
	}

	/// Enqueues a job (persisted) and wakes the worker.
	pub(crate) fn enqueue(&self, job: Job) -> Result<bool, EngineError> {
		let added = {
			let mut state = self.lock();
			let kind = job.kind();
			let id = job.contract_id();
			let added = state.jobs.push(job, now_ms())?;
			if added {
				tracing::info!(contract = id, job = kind, "job queued");
			}
			added
		};
		self.wake.notify_one();
		Ok(added)
	}

	/// Checks the contract of a document: exists, node contract of this node, owned by the
	/// document's twin, holding the document's hash.
	async fn check_contract(&self, doc: &Deployment) -> Result<ContractView, EngineError> {
		let id = doc.contract_id;
		let contract = self
			.chain
			.contract(id)
			.await
			.map_err(EngineError::chain)?
			.ok_or(EngineError::ContractNotFound(id))?;
		let node = contract.node_id.ok_or(EngineError::NotANodeContract(id))?;
		if node != self.config.node_id {
			return Err(EngineError::WrongNode {
				contract_id: id,
				contract_node: node,
				this_node: self.config.node_id,
			});
		}
		if contract.twin_id != doc.twin_id {
			return Err(EngineError::WrongTwin {
				contract_id: id,
				contract_twin: contract.twin_id,
				document_twin: doc.twin_id,
			});
		}
		let hash = doc.hash();
		if contract.deployment_hash != hash {
			return Err(EngineError::HashMismatch {
				document: hex::encode(hash),
				chain: hex::encode(contract.deployment_hash),
			});
		}
		Ok(contract)
	}

	/// Verifies the signatures with the twins' accounts on chain as keys.
	async fn check_signatures(&self, doc: &Deployment) -> Result<(), EngineError> {
		let req = &doc.signature_requirement;
		// Only requested twins can have valid signatures; look those (and the owner) up.
		let mut twins: BTreeSet<u32> = req.requests.iter().map(|r| r.twin_id).collect();
		twins.insert(doc.twin_id);
		twins.retain(|t| req.signatures.iter().any(|s| s.twin_id == *t));
		let mut keys = BTreeMap::new();
		for twin in twins {
			if let Some(key) = self.chain.twin_account(twin).await.map_err(EngineError::chain)? {
				keys.insert(twin, key);
			}
		}
		doc.verify_signatures(|twin| keys.get(&twin).copied()).map_err(EngineError::BadSignature)
	}

	/// Accepts a new deployment (API create): validates it, checks the contract on chain and the
	/// signatures, stores it with every workload in `init` and queues its provisioning.
	/// Submitting the same document again is a no-op; another document for a contract that
	/// already has one is [`EngineError::AlreadyDeployed`].
	pub async fn submit(&self, doc: Deployment) -> Result<(), EngineError> {
		doc.validate().map_err(EngineError::InvalidDocument)?;
		let id = doc.contract_id;
		let hash = doc.hash();
		if let Some(existing) = self.lock().store.get(id) {
			return if existing.deployment.hash() == hash {
				Ok(())
			} else {
				Err(EngineError::AlreadyDeployed(id))
			};
		}
		if doc.version != 0 {
			return Err(EngineError::BadVersion { expected: 0, got: doc.version });
		}
		let contract = self.check_contract(&doc).await?;
		self.check_signatures(&doc).await?;

		let now = now_secs();
		let mut deployment = doc;
		deployment.set_all_results(&WorkloadResult::new(now, ResultState::Init, ""));
		let record = DeploymentRecord {
			deployment,
			paused: contract.in_grace,
			created: now,
			public_ips: contract.public_ips,
			volumes: BTreeMap::new(),
			taps: BTreeMap::new(),
			ips: BTreeMap::new(),
			networks: BTreeMap::new(),
			chain_hash_changed: false,
			pending_update: None,
		};
		{
			let mut state = self.lock();
			if let Some(existing) = state.store.get(id) {
				// A concurrent submit won the race.
				return if existing.deployment.hash() == hash {
					Ok(())
				} else {
					Err(EngineError::AlreadyDeployed(id))
				};
			}
			state.store.put(record)?;
			state.jobs.push(Job::Provision { contract_id: id }, now_ms())?;
		}
		tracing::info!(contract = id, hash = %hex::encode(hash), "deployment accepted");
		self.wake.notify_one();
		Ok(())
	}

	/// The document an update must follow: the newest queued update for the contract, else the
	/// stored one.
	fn update_base(&self, id: u64) -> Result<Deployment, EngineError> {
		let state = self.lock();
		let record = state.store.get(id).ok_or(EngineError::UnknownDeployment(id))?;
		let queued = state.jobs.iter().rev().find_map(|q| match &q.job {
			Job::Update { contract_id, deployment, .. } if *contract_id == id => {
				Some((**deployment).clone())
			},
			_ => None,
		});
		Ok(queued.unwrap_or_else(|| record.deployment.clone()))
	}

	/// Accepts an update (API update): the version must be the current one + 1, the contract on
	/// chain must hold the new hash, the signatures must verify and the upgrade must be valid;
	/// queues an update job. Submitting the same update again is a no-op.
	pub async fn submit_update(&self, doc: Deployment) -> Result<(), EngineError> {
		doc.validate().map_err(EngineError::InvalidDocument)?;
		let id = doc.contract_id;
		let base = self.update_base(id)?;
		if base.hash() == doc.hash() {
			return Ok(());
		}
		let expected = base.version.saturating_add(1);
		if doc.version != expected {
			return Err(EngineError::BadVersion { expected, got: doc.version });
		}
		if doc.twin_id != base.twin_id {
			return Err(EngineError::WrongTwin {
				contract_id: id,
				contract_twin: base.twin_id,
				document_twin: doc.twin_id,
			});
		}
		let contract = self.check_contract(&doc).await?;
		self.check_signatures(&doc).await?;
		base.upgrade(&doc).map_err(EngineError::InvalidUpdate)?;
		self.enqueue(Job::Update {
			contract_id: id,
			deployment: Box::new(doc),
			public_ips: contract.public_ips,
		})?;
		Ok(())
	}

	/// Handles a chain event about a contract; events about contracts without a local
	/// deployment are ignored.
	pub async fn on_event(&self, event: ChainEvent) -> Result<(), EngineError> {
		let id = match event {
			ChainEvent::Canceled(id)
			| ChainEvent::GraceStarted(id)
			| ChainEvent::GraceEnded(id)
			| ChainEvent::Updated(id)
			| ChainEvent::RentCanceled(id) => id,
		};
		if !self.lock().store.contains(id) {
			tracing::debug!(contract = id, ?event, "event for an unknown contract ignored");
			return Ok(());
		}
		match event {
			ChainEvent::Canceled(_) => {
				self.enqueue(Job::Deprovision {
					contract_id: id,
					reason: "contract canceled".into(),
				})?;
			},
			ChainEvent::RentCanceled(_) => {
				self.enqueue(Job::Deprovision {
					contract_id: id,
					reason: "rent contract canceled".into(),
				})?;
			},
			ChainEvent::GraceStarted(_) => {
				self.enqueue(Job::Pause { contract_id: id })?;
			},
			ChainEvent::GraceEnded(_) => {
				self.enqueue(Job::Resume { contract_id: id })?;
			},
			ChainEvent::Updated(_) => {
				let mut state = self.lock();
				if let Some(record) = state.store.get(id) {
					let mut record = record.clone();
					record.chain_hash_changed = true;
					state.store.put(record)?;
				}
			},
		}
		Ok(())
	}

	/// Whether the deployment will be paused once the queued jobs ran.
	fn target_paused(state: &State, id: u64) -> bool {
		let queued = state.jobs.iter().rev().find_map(|q| match q.job {
			Job::Pause { contract_id } if contract_id == id => Some(true),
			Job::Resume { contract_id } if contract_id == id => Some(false),
			_ => None,
		});
		queued.unwrap_or_else(|| state.store.get(id).is_some_and(|r| r.paused))
	}

	/// Whether a zmachine that should run (ok or paused) has no VM.
	fn vm_missing(&self, record: &DeploymentRecord) -> bool {
		record.deployment.workloads.iter().any(|w| {
			matches!(w.data, WorkloadData::Zmachine(_))
				&& matches!(w.state(), Some(ResultState::Ok | ResultState::Paused))
				&& !self.backends.hypervisor.is_running(&workload_id(record.contract_id(), &w.name))
		})
	}

	/// Reconciles with the chain (at start, hourly): deprovisions deployments whose contract is
	/// not in `active_node_contracts`, pauses or resumes to match each contract's grace state,
	/// and restarts deployments whose VMs are missing. At the first run after a host boot (no
	/// marker in `run_dir`) every active deployment is re-provisioned (VMs do not survive a
	/// reboot); if the chain cannot be read then, every local deployment is. The first
	/// reconciliation of this engine also reports the used capacity of every deployment.
	pub async fn reconcile(&self) -> Result<ReconcileReport, EngineError> {
		let mut report = ReconcileReport::default();
		let marker = self.config.run_dir.join(BOOT_MARKER);
		report.boot = !marker.exists();
		let active = self.chain.active_node_contracts().await;
		let active_set: Option<BTreeSet<u64>> =
			active.as_ref().ok().map(|ids| ids.iter().copied().collect());

		let mut still_active = Vec::new();
		{
			let mut state = self.lock();
			let now = now_ms();
			for id in state.store.ids() {
				let is_active = active_set.as_ref().is_none_or(|set| set.contains(&id));
				if !is_active {
					state.jobs.push(
						Job::Deprovision {
							contract_id: id,
							reason: "contract is no longer active on chain".into(),
						},
						now,
					)?;
					report.deprovisioned.push(id);
					continue;
				}
				still_active.push(id);
				let missing = state.store.get(id).is_some_and(|r| self.vm_missing(r));
				if report.boot {
					state.jobs.push(Job::Provision { contract_id: id }, now)?;
					report.reprovisioned.push(id);
				} else if missing && state.jobs.push(Job::Provision { contract_id: id }, now)? {
					report.restarted.push(id);
				}
			}
		}
		self.wake.notify_one();
		if report.boot {
			// Written after the jobs are persisted: a crash before it re-does the boot work.
			fs::create_dir_all(&self.config.run_dir)?;
			fs::write(&marker, format!("{}\n", now_secs()))?;
			tracing::info!(redeployed = report.reprovisioned.len(), "first run since boot");
		}
		if let Err(e) = active {
			return Err(EngineError::chain(e));
		}

		let mut first_error = None;
		for id in still_active {
			let contract = match self.chain.contract(id).await {
				Ok(Some(contract)) => contract,
				Ok(None) => continue,
				Err(e) => {
					first_error.get_or_insert(EngineError::chain(e));
					continue;
				},
			};
			let target = Self::target_paused(&self.lock(), id);
			if contract.in_grace && !target {
				self.enqueue(Job::Pause { contract_id: id })?;
				report.paused.push(id);
			} else if !contract.in_grace && target {
				self.enqueue(Job::Resume { contract_id: id })?;
				report.resumed.push(id);
			}
		}
		if !self.reconciled_once.swap(true, Ordering::SeqCst) {
			self.report_all_resources().await;
		}
		match first_error {
			Some(e) => Err(e),
			None => Ok(report),
		}
	}

	/// Reports the used capacity of every stored deployment (with retries).
	async fn report_all_resources(&self) {
		let used: Vec<(u64, Capacity)> = self
			.lock()
			.store
			.records()
			.map(|r| (r.contract_id(), r.deployment.used_capacity()))
			.collect();
		for chunk in used.chunks(64) {
			self.report_resources(chunk).await;
		}
	}

	/// Sends one `report_contract_resources`, retried `report_retries` times
	/// `report_retry_delay` apart; a final failure is counted in the metrics.
	pub(crate) async fn report_resources(&self, used: &[(u64, Capacity)]) {
		if used.is_empty() {
			return;
		}
		let attempts = self.config.report_retries.saturating_add(1);
		for attempt in 1..=attempts {
			match self.chain.report_contract_resources(used).await {
				Ok(()) => {
					self.lock().counters.resource_reports_sent += 1;
					return;
				},
				Err(e) => {
					tracing::warn!(attempt, error = %format!("{e:#}"), "report_contract_resources failed");
					if attempt < attempts {
						tokio::time::sleep(self.config.report_retry_delay).await;
					}
				},
			}
		}
		self.lock().counters.resource_reports_failed += 1;
	}

	/// A deployment with its results.
	pub fn deployment(&self, contract_id: u64) -> Option<Deployment> {
		self.lock().store.get(contract_id).map(|r| r.deployment.clone())
	}

	/// A deployment with its local facts (paused flag, volumes, taps, public IPs, networks).
	pub fn record(&self, contract_id: u64) -> Option<DeploymentRecord> {
		self.lock().store.get(contract_id).cloned()
	}

	/// All deployments, by contract id.
	pub fn deployments(&self) -> Vec<Deployment> {
		self.lock().store.records().map(|r| r.deployment.clone()).collect()
	}

	/// Declared capacity in use: the sum over deployments of their workloads in `ok`, `paused`
	/// or `unchanged`.
	pub fn used_capacity(&self) -> Capacity {
		self.lock().store.records().map(|r| r.deployment.used_capacity()).sum()
	}

	/// Jobs waiting, in order (the first may be running).
	pub fn queued_jobs(&self) -> Vec<crate::QueuedJob> {
		self.lock().jobs.iter().cloned().collect()
	}

	/// Current numbers for the metrics endpoint.
	pub fn metrics(&self) -> EngineMetrics {
		let nru_outbox = self.lock_traffic().outbox().len() as u64;
		let state = self.lock();
		let mut metrics = EngineMetrics {
			deployments: state.store.len() as u64,
			jobs_queued: state.jobs.len() as u64,
			jobs_run: state.counters.jobs_run,
			resource_reports_sent: state.counters.resource_reports_sent,
			resource_reports_failed: state.counters.resource_reports_failed,
			nru_reports_sent: state.counters.nru_reports_sent,
			nru_reports_failed: state.counters.nru_reports_failed,
			nru_outbox,
			last_provision_latency_ms: state.counters.last_provision_latency_ms,
			last_provision_to_first_instruction_ms: state
				.counters
				.last_provision_to_first_instruction_ms,
			..EngineMetrics::default()
		};
		for state_name in ["init", "ok", "error", "deleted", "paused", "unchanged"] {
			metrics.workloads_by_state.insert(state_name.to_string(), 0);
		}
		for record in state.store.records() {
			if record.paused {
				metrics.deployments_paused += 1;
			}
			metrics.used += record.deployment.used_capacity();
			for w in &record.deployment.workloads {
				let name = w.state().map(state_name).unwrap_or("init");
				*metrics.workloads_by_state.entry(name.to_string()).or_default() += 1;
			}
		}
		metrics
	}
}
