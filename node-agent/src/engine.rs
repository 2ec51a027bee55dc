//! The agent's view of the provisioning engine: the [`Provisioner`] trait the API, the follower
//! and the periodic tasks use (faked in tests), implemented over
//! [`tfchain_agent_engine::Engine`].

use async_trait::async_trait;
use std::{collections::BTreeMap, time::Duration};
use tfchain_deployment::Deployment;

/// A chain event the engine acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractEvent {
	/// The node contract was cancelled: deprovision.
	Canceled(u64),
	/// The contract entered its grace period: pause.
	GraceStarted(u64),
	/// The contract left its grace period: resume.
	GraceEnded(u64),
	/// The contract's hash changed (an update is coming over the API).
	Updated(u64),
	/// The node's rent contract was cancelled.
	RentCanceled(u64),
}

/// What an engine error means to an API client (picks the HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
	/// The document is wrong (400).
	BadRequest,
	/// The sender may not do this (403).
	Forbidden,
	/// No such deployment or contract (404).
	NotFound,
	/// It conflicts with the current state (409).
	Conflict,
	/// The node cannot take it now (503).
	Unavailable,
	/// A failure on the node (500).
	Internal,
}

/// A named engine error: `name` is the variant (e.g. `HashMismatch`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ProvisionError {
	/// Variant name, stable for clients.
	pub name: String,
	/// Human readable detail.
	pub message: String,
	/// What kind of failure it is.
	pub class: ErrorClass,
}

impl ProvisionError {
	/// A new error.
	pub fn new(class: ErrorClass, name: impl Into<String>, message: impl Into<String>) -> Self {
		Self { name: name.into(), message: message.into(), class }
	}
}

/// Counters of the engine, exported as metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
	/// Deployments by state name.
	pub deployments_by_state: BTreeMap<String, u64>,
	/// Workloads by state name.
	pub workloads_by_state: BTreeMap<String, u64>,
	/// Jobs waiting in the queue.
	pub jobs_queued: u64,
	/// Last time from taking a provision job to the VM's first instruction.
	pub last_provision_latency: Option<Duration>,
	/// Other engine counters by name (jobs run, reports sent or failed, NRU outbox).
	pub counters: BTreeMap<String, u64>,
	/// VMs running in the hypervisor (`None`: unknown).
	pub vms_running: Option<u64>,
}

/// The engine operations the agent uses.
#[async_trait]
pub trait Provisioner: Send + Sync {
	/// Accepts a new signed deployment (checks, stores, enqueues).
	async fn submit(&self, doc: Deployment) -> Result<(), ProvisionError>;
	/// Accepts an update of an existing deployment.
	async fn submit_update(&self, doc: Deployment) -> Result<(), ProvisionError>;
	/// Acts on a chain event.
	async fn on_event(&self, event: ContractEvent) -> Result<(), ProvisionError>;
	/// Full reconciliation with the chain; returns a one-line summary.
	async fn reconcile(&self) -> Result<String, ProvisionError>;
	/// One deployment with its workload results.
	fn deployment(&self, contract_id: u64) -> Option<Deployment>;
	/// Every local deployment.
	fn deployments(&self) -> Vec<Deployment>;
	/// Samples public traffic counters.
	async fn sample_traffic(&self) -> Result<(), ProvisionError>;
	/// Sends due network usage reports; returns how many were sent.
	async fn report_traffic(&self, now: u64) -> Result<usize, ProvisionError>;
	/// Counters for metrics.
	fn stats(&self) -> EngineStats;
	/// Jobs of a contract still queued (including a running one).
	fn pending_jobs(&self, contract_id: u64) -> usize;
	/// Stops every running VM (graceful shutdown; they are re-provisioned from the store at
	/// the next start).
	async fn stop_all(&self);
}

/// The name, class and message of an engine error, for the API.
pub fn classify(e: &tfchain_agent_engine::EngineError) -> ProvisionError {
	use tfchain_agent_engine::EngineError as E;
	use ErrorClass::*;
	let (class, name) = match e {
		E::InvalidDocument(_) => (BadRequest, "InvalidDocument"),
		E::InvalidUpdate(_) => (BadRequest, "InvalidUpdate"),
		E::ContractNotFound(_) => (NotFound, "ContractNotFound"),
		E::NotANodeContract(_) => (BadRequest, "NotANodeContract"),
		E::WrongNode { .. } => (BadRequest, "WrongNode"),
		E::WrongTwin { .. } => (Forbidden, "WrongTwin"),
		E::HashMismatch { .. } => (BadRequest, "HashMismatch"),
		E::BadSignature(_) => (Forbidden, "BadSignature"),
		E::AlreadyDeployed(_) => (Conflict, "AlreadyDeployed"),
		E::UnknownDeployment(_) => (NotFound, "DeploymentNotFound"),
		E::BadVersion { .. } => (Conflict, "BadVersion"),
		E::Store(_) => (Internal, "Store"),
		E::Corrupt { .. } => (Internal, "Corrupt"),
		E::Chain(_) => (Unavailable, "Chain"),
		E::Worker(_) => (Internal, "Worker"),
	};
	ProvisionError::new(class, name, e.to_string())
}

/// One-line summary of a reconciliation.
pub fn reconcile_summary(r: &tfchain_agent_engine::ReconcileReport) -> String {
	format!(
		"boot={} reprovisioned={:?} restarted={:?} deprovisioned={:?} paused={:?} resumed={:?}",
		r.boot, r.reprovisioned, r.restarted, r.deprovisioned, r.paused, r.resumed
	)
}

/// The engine's numbers as [`EngineStats`].
pub fn stats_of(m: &tfchain_agent_engine::EngineMetrics) -> EngineStats {
	let paused = m.deployments_paused.min(m.deployments);
	EngineStats {
		deployments_by_state: BTreeMap::from([
			("active".to_string(), m.deployments - paused),
			("paused".to_string(), paused),
		]),
		workloads_by_state: m.workloads_by_state.clone(),
		jobs_queued: m.jobs_queued,
		last_provision_latency: m.last_provision_to_first_instruction_ms.map(Duration::from_millis),
		counters: BTreeMap::from([
			("jobs_run".to_string(), m.jobs_run),
			("resource_reports_sent".to_string(), m.resource_reports_sent),
			("resource_reports_failed".to_string(), m.resource_reports_failed),
			("nru_reports_sent".to_string(), m.nru_reports_sent),
			("nru_reports_failed".to_string(), m.nru_reports_failed),
			("nru_outbox".to_string(), m.nru_outbox),
		]),
		vms_running: None,
	}
}

fn to_chain_event(e: ContractEvent) -> tfchain_agent_engine::ChainEvent {
	use tfchain_agent_engine::ChainEvent as C;
	match e {
		ContractEvent::Canceled(id) => C::Canceled(id),
		ContractEvent::GraceStarted(id) => C::GraceStarted(id),
		ContractEvent::GraceEnded(id) => C::GraceEnded(id),
		ContractEvent::Updated(id) => C::Updated(id),
		ContractEvent::RentCanceled(id) => C::RentCanceled(id),
	}
}

/// The engine and the hypervisor it provisions with (the agent counts and stops VMs through
/// it, which the engine's API does not offer).
pub struct EngineHandle {
	/// The engine.
	pub engine: std::sync::Arc<tfchain_agent_engine::Engine>,
	/// Its hypervisor.
	pub hypervisor: std::sync::Arc<dyn tfchain_agent_engine::Hypervisor>,
}

#[async_trait]
impl Provisioner for EngineHandle {
	async fn submit(&self, doc: Deployment) -> Result<(), ProvisionError> {
		self.engine.submit(doc).await.map_err(|e| classify(&e))
	}
	async fn submit_update(&self, doc: Deployment) -> Result<(), ProvisionError> {
		self.engine.submit_update(doc).await.map_err(|e| classify(&e))
	}
	async fn on_event(&self, event: ContractEvent) -> Result<(), ProvisionError> {
		self.engine.on_event(to_chain_event(event)).await.map_err(|e| classify(&e))
	}
	async fn reconcile(&self) -> Result<String, ProvisionError> {
		self.engine.reconcile().await.map(|r| reconcile_summary(&r)).map_err(|e| classify(&e))
	}
	fn deployment(&self, contract_id: u64) -> Option<Deployment> {
		self.engine.deployment(contract_id)
	}
	fn deployments(&self) -> Vec<Deployment> {
		self.engine.deployments()
	}
	async fn sample_traffic(&self) -> Result<(), ProvisionError> {
		self.engine.sample_traffic().await.map_err(|e| classify(&e))
	}
	async fn report_traffic(&self, now: u64) -> Result<usize, ProvisionError> {
		self.engine.report_traffic(now).await.map_err(|e| classify(&e))
	}
	fn stats(&self) -> EngineStats {
		let mut stats = stats_of(&self.engine.metrics());
		let hv = &self.hypervisor;
		stats.vms_running =
			Some(hv.list().iter().filter(|name| hv.is_running(name)).count() as u64);
		stats
	}
	fn pending_jobs(&self, contract_id: u64) -> usize {
		self.engine.queued_jobs().iter().filter(|q| q.job.contract_id() == contract_id).count()
	}
	async fn stop_all(&self) {
		let hv = self.hypervisor.clone();
		let stopped = tokio::task::spawn_blocking(move || {
			let mut stopped = 0;
			for name in hv.list() {
				match hv.stop(&name) {
					Ok(()) => stopped += 1,
					Err(e) => tracing::warn!(vm = %name, error = %e, "cannot stop VM"),
				}
			}
			stopped
		})
		.await
		.unwrap_or(0);
		tracing::info!(stopped, "VMs stopped; they are provisioned again at the next start");
	}
}
