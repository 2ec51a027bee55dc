//! Persistent FIFO job queue (`<state_dir>/jobs.json`, written atomically on every change).
//!
//! A job leaves the queue only after it ran ([`JobQueue::complete`]), so a crash in the middle of a
//! job runs it again at the next start; the workload managers are idempotent.

use std::{
	collections::VecDeque,
	path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use tfchain_deployment::Deployment;

use crate::{
	store::{read_json, write_json},
	EngineError, PublicIp,
};

/// Work for the engine's worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
	/// Install (or re-install, idempotently) every workload of a stored deployment.
	Provision {
		/// The contract.
		contract_id: u64,
	},
	/// Upgrade a stored deployment to a new version.
	Update {
		/// The contract.
		contract_id: u64,
		/// The new document (already checked against the chain).
		deployment: Box<Deployment>,
		/// Public IPs of the contract when the update was accepted.
		#[serde(default)]
		public_ips: Vec<PublicIp>,
	},
	/// Remove every workload (reverse type order) and the record.
	Deprovision {
		/// The contract.
		contract_id: u64,
		/// Why (stored as the workloads' message).
		reason: String,
	},
	/// Pause the deployment's VMs (grace period).
	Pause {
		/// The contract.
		contract_id: u64,
	},
	/// Resume the deployment's VMs.
	Resume {
		/// The contract.
		contract_id: u64,
	},
}

impl Job {
	/// The contract the job is about.
	pub fn contract_id(&self) -> u64 {
		match self {
			Job::Provision { contract_id }
			| Job::Update { contract_id, .. }
			| Job::Deprovision { contract_id, .. }
			| Job::Pause { contract_id }
			| Job::Resume { contract_id } => *contract_id,
		}
	}

	/// Short name of the job's kind.
	pub fn kind(&self) -> &'static str {
		match self {
			Job::Provision { .. } => "provision",
			Job::Update { .. } => "update",
			Job::Deprovision { .. } => "deprovision",
			Job::Pause { .. } => "pause",
			Job::Resume { .. } => "resume",
		}
	}

	/// Whether two jobs do the same thing (used to skip enqueueing duplicates).
	fn same_as(&self, other: &Job) -> bool {
		match (self, other) {
			(Job::Update { deployment: a, .. }, Job::Update { deployment: b, .. }) => {
				a.contract_id == b.contract_id && a.version == b.version
			},
			_ => self.kind() == other.kind() && self.contract_id() == other.contract_id(),
		}
	}
}

/// A job with its queue id and the moment it became runnable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueuedJob {
	/// Unique, increasing id.
	pub id: u64,
	/// The job.
	pub job: Job,
	/// When the job was enqueued (unix milliseconds); for a provision: document accepted and
	/// contract confirmed on chain.
	pub runnable_at_ms: u64,
}

#[derive(Default, Serialize, Deserialize)]
struct QueueFile {
	next_id: u64,
	jobs: VecDeque<QueuedJob>,
}

/// The persistent FIFO queue.
#[derive(Debug)]
pub struct JobQueue {
	path: PathBuf,
	next_id: u64,
	jobs: VecDeque<QueuedJob>,
}

impl JobQueue {
	/// Opens `<state_dir>/jobs.json` (an absent file is an empty queue).
	pub fn open(state_dir: &Path) -> Result<Self, EngineError> {
		let path = state_dir.join("jobs.json");
		let file: QueueFile = read_json(&path)?.unwrap_or_default();
		let next_id = file.jobs.iter().map(|j| j.id + 1).max().unwrap_or(0).max(file.next_id);
		Ok(Self { path, next_id, jobs: file.jobs })
	}

	fn save(&self) -> Result<(), EngineError> {
		#[derive(Serialize)]
		struct QueueRef<'a> {
			next_id: u64,
			jobs: &'a VecDeque<QueuedJob>,
		}
		write_json(&self.path, &QueueRef { next_id: self.next_id, jobs: &self.jobs })
	}

	/// Appends a job and persists the queue. When the last waiting job for the same contract (not
	/// counting the front one, which may be running) does the same thing, the job is not added
	/// again (jobs are idempotent); returns whether it was added.
	pub fn push(&mut self, job: Job, runnable_at_ms: u64) -> Result<bool, EngineError> {
		let last_same_contract = self
			.jobs
			.iter()
			.skip(1)
			.rev()
			.find(|queued| queued.job.contract_id() == job.contract_id());
		if last_same_contract.is_some_and(|queued| queued.job.same_as(&job)) {
			return Ok(false);
		}
		let id = self.next_id;
		self.next_id += 1;
		self.jobs.push_back(QueuedJob { id, job, runnable_at_ms });
		if let Err(e) = self.save() {
			self.jobs.pop_back();
			return Err(e);
		}
		Ok(true)
	}

	/// The next job to run.
	pub fn front(&self) -> Option<&QueuedJob> {
		self.jobs.front()
	}

	/// Removes a job that ran and persists the queue; returns whether it was there.
	pub fn complete(&mut self, id: u64) -> Result<bool, EngineError> {
		let Some(pos) = self.jobs.iter().position(|j| j.id == id) else { return Ok(false) };
		let removed = self.jobs.remove(pos);
		if let Err(e) = self.save() {
			if let Some(job) = removed {
				self.jobs.insert(pos, job);
			}
			return Err(e);
		}
		Ok(true)
	}

	/// Waiting jobs, in order.
	pub fn iter(&self) -> impl DoubleEndedIterator<Item = &QueuedJob> {
		self.jobs.iter()
	}

	/// Number of waiting jobs.
	pub fn len(&self) -> usize {
		self.jobs.len()
	}

	/// Whether the queue is empty.
	pub fn is_empty(&self) -> bool {
		self.jobs.is_empty()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn pause(id: u64) -> Job {
		Job::Pause { contract_id: id }
	}

	#[test]
	fn fifo_persisted_and_removed_only_when_completed() {
		let dir = tempfile::tempdir().unwrap();
		let mut queue = JobQueue::open(dir.path()).unwrap();
		assert!(queue.is_empty());
		queue.push(Job::Provision { contract_id: 1 }, 10).unwrap();
		queue.push(Job::Deprovision { contract_id: 2, reason: "x".into() }, 11).unwrap();
		let first = queue.front().cloned().unwrap();
		assert_eq!(first.job.contract_id(), 1);
		assert_eq!(first.runnable_at_ms, 10);

		// Not completed: still there after a "crash".
		let mut reopened = JobQueue::open(dir.path()).unwrap();
		assert_eq!(reopened.len(), 2);
		assert_eq!(reopened.front().map(|j| j.id), Some(first.id));
		assert!(reopened.complete(first.id).unwrap());
		assert!(!reopened.complete(first.id).unwrap());
		let mut again = JobQueue::open(dir.path()).unwrap();
		assert_eq!(again.len(), 1);
		assert_eq!(again.front().map(|j| j.job.kind()), Some("deprovision"));
		// Ids keep increasing across reopen.
		again.push(pause(3), 12).unwrap();
		assert!(again.iter().last().unwrap().id > first.id + 1);
	}

	#[test]
	fn duplicates_are_skipped_only_when_they_change_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let mut queue = JobQueue::open(dir.path()).unwrap();
		assert!(queue.push(pause(1), 0).unwrap());
		// The front job may be running: the same job again is kept.
		assert!(queue.push(pause(1), 0).unwrap());
		assert!(!queue.push(pause(1), 0).unwrap(), "same as the last job for contract 1");
		assert!(queue.push(pause(2), 0).unwrap(), "other contract");
		assert!(!queue.push(pause(1), 0).unwrap(), "still the last job for contract 1");
		assert!(queue.push(Job::Resume { contract_id: 1 }, 0).unwrap());
		assert!(queue.push(pause(1), 0).unwrap(), "pause after resume changes the outcome");
		assert_eq!(queue.len(), 5);
	}
}
