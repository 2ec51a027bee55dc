//! Workload results and states, written by the node.
//!
//! | state | meaning |
//! |---|---|
//! | `init` | stored, not provisioned yet |
//! | `ok` | provisioned |
//! | `error` | provisioning or contract validation failed; terminal, never retried |
//! | `deleted` | deprovisioned; terminal |
//! | `paused` | grace period; still counts as used capacity |
//! | `unchanged` | an update failed but the previous state still holds |

use serde::{Deserialize, Serialize};

use crate::capacity::Capacity;
use crate::model::{Deployment, Workload};

/// State of a workload on the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultState {
	/// Stored, not provisioned yet.
	Init,
	/// Provisioned.
	Ok,
	/// Failed; terminal.
	Error,
	/// Deprovisioned; terminal.
	Deleted,
	/// Paused for a contract grace period.
	Paused,
	/// An update failed; the previous state still holds.
	Unchanged,
}

impl ResultState {
	/// Whether the workload holds resources: `ok`, `paused` or `unchanged`.
	pub fn is_okay(self) -> bool {
		matches!(self, ResultState::Ok | ResultState::Paused | ResultState::Unchanged)
	}

	/// Whether the node will never act on the workload again: `error` or `deleted`.
	pub fn is_terminal(self) -> bool {
		matches!(self, ResultState::Error | ResultState::Deleted)
	}
}

/// What the node reports about a workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadResult {
	/// Unix time (seconds) of this result.
	pub created: u64,
	/// The state.
	pub state: ResultState,
	/// Error or status message; empty when there is nothing to say.
	#[serde(default)]
	pub message: String,
	/// Type-specific output (e.g. a machine's addresses); `null` when none.
	#[serde(default)]
	pub data: serde_json::Value,
}

impl WorkloadResult {
	/// A result without data.
	pub fn new(created: u64, state: ResultState, message: impl Into<String>) -> Self {
		WorkloadResult { created, state, message: message.into(), data: serde_json::Value::Null }
	}
}

impl Workload {
	/// The state of the last result, `None` if the node has not written one.
	pub fn state(&self) -> Option<ResultState> {
		self.result.as_ref().map(|r| r.state)
	}
}

impl Deployment {
	/// Whether any workload is neither `error` nor `deleted` (a workload without a result
	/// counts as active: it is still to be provisioned).
	pub fn is_active(&self) -> bool {
		self.workloads.iter().any(|w| !w.state().is_some_and(ResultState::is_terminal))
	}

	/// Sets the same result on every workload (e.g. `error` when contract validation fails).
	pub fn set_all_results(&mut self, result: &WorkloadResult) {
		for w in &mut self.workloads {
			w.result = Some(result.clone());
		}
	}

	/// Declared capacity of the workloads that hold resources ([`ResultState::is_okay`]):
	/// what the node reports to the chain for billing.
	pub fn used_capacity(&self) -> Capacity {
		self.workloads
			.iter()
			.filter(|w| w.state().is_some_and(ResultState::is_okay))
			.fold(Capacity::default(), |acc, w| acc + w.capacity())
	}

	/// Copies each result of `old` onto the workload of the same name and type in `self`
	/// (after an upgrade: unchanged workloads keep their results; updated ones keep theirs
	/// until the engine writes a new one). Workloads that already have a result keep it.
	pub fn carry_results_from(&mut self, old: &Deployment) {
		for w in &mut self.workloads {
			if w.result.is_some() {
				continue;
			}
			if let Some(prev) = old.workload(&w.name) {
				if prev.kind() == w.kind() {
					w.result = prev.result.clone();
				}
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tests::sample;

	#[test]
	fn states_json_names() {
		let all = [
			(ResultState::Init, "init"),
			(ResultState::Ok, "ok"),
			(ResultState::Error, "error"),
			(ResultState::Deleted, "deleted"),
			(ResultState::Paused, "paused"),
			(ResultState::Unchanged, "unchanged"),
		];
		for (state, name) in all {
			assert_eq!(serde_json::to_string(&state).ok(), Some(format!("\"{name}\"")));
		}
	}

	#[test]
	fn okay_and_terminal() {
		assert!(ResultState::Ok.is_okay());
		assert!(ResultState::Paused.is_okay());
		assert!(ResultState::Unchanged.is_okay());
		assert!(!ResultState::Init.is_okay());
		assert!(!ResultState::Error.is_okay());
		assert!(!ResultState::Deleted.is_okay());
		assert!(ResultState::Error.is_terminal());
		assert!(ResultState::Deleted.is_terminal());
		assert!(!ResultState::Ok.is_terminal());
		assert!(!ResultState::Paused.is_terminal());
	}

	#[test]
	fn active_while_any_workload_not_terminal() {
		let mut d = sample();
		assert!(d.is_active(), "no results yet: still to be provisioned");
		d.set_all_results(&WorkloadResult::new(1, ResultState::Deleted, "gone"));
		assert!(!d.is_active());
		d.workloads[0].result = Some(WorkloadResult::new(2, ResultState::Error, "boom"));
		assert!(!d.is_active());
		d.workloads[1].result = Some(WorkloadResult::new(2, ResultState::Paused, ""));
		assert!(d.is_active());
		d.workloads[1].result = None;
		assert!(d.is_active());
	}

	#[test]
	fn used_capacity_counts_okay_workloads_only() {
		let mut d = sample();
		assert_eq!(d.used_capacity(), Capacity::default());
		d.set_all_results(&WorkloadResult::new(1, ResultState::Ok, ""));
		assert_eq!(d.used_capacity(), d.capacity());
		// the zmount errors: its sru leaves the sum
		let disk = d.workload_mut("disk").map(|w| {
			w.result = Some(WorkloadResult::new(2, ResultState::Error, "no space"));
			w.capacity()
		});
		let disk = disk.unwrap_or_default();
		assert!(disk.sru > 0);
		let used = d.used_capacity();
		assert_eq!(used.sru + disk.sru, d.capacity().sru);
		// paused still counts
		d.set_all_results(&WorkloadResult::new(3, ResultState::Paused, ""));
		assert_eq!(d.used_capacity(), d.capacity());
	}

	#[test]
	fn carry_results_keeps_existing_and_matches_type() {
		let mut old = sample();
		old.set_all_results(&WorkloadResult::new(7, ResultState::Ok, "old"));
		let mut new = sample();
		new.workloads[0].result = Some(WorkloadResult::new(9, ResultState::Init, "mine"));
		// same name, different type: no result carried
		new.workloads[1].data = crate::WorkloadData::Ip(crate::IpData { v4: true });
		new.carry_results_from(&old);
		assert_eq!(new.workloads[0].result.as_ref().map(|r| r.created), Some(9));
		assert_eq!(new.workloads[1].result, None);
		assert_eq!(new.workloads[2].result.as_ref().map(|r| r.created), Some(7));
	}
}
