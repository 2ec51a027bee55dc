//! Uptime reports: `report_uptime_v2(seconds since boot, now)` at start and every
//! `uptime_secs`.
//!
//! A report that fails is never dropped: it is written to `<state_dir>/pending-uptime.json`
//! (so it survives a restart), counted in the metrics, logged at warn level, and retried with
//! capped backoff, at once when the chain comes back. When it is finally sent, it carries the
//! uptime and time of the moment it is sent: the chain rejects a timestamp hint more than 60 s
//! from its own clock, so a stale hint could never be accepted.

use crate::{
	backoff::Backoff,
	chain::{ChainCallError, NodeChain},
	host::{HostError, HostFacts},
	metrics::Metrics,
};
use serde::{Deserialize, Serialize};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::sync::{watch, Mutex};

/// File name of the pending report in the state directory.
pub const PENDING_FILE: &str = "pending-uptime.json";

/// Why an uptime report was not sent.
#[derive(Debug, thiserror::Error)]
pub enum UptimeError {
	/// `/proc/uptime` could not be read.
	#[error("cannot read the uptime: {0}")]
	Host(#[from] HostError),
	/// The chain refused or could not be reached.
	#[error("{0}")]
	Chain(#[from] ChainCallError),
}

/// A report owed to the chain, as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUptime {
	/// Uptime measured when the report was first due.
	pub uptime_secs: u64,
	/// Unix time it was first due.
	pub due_at: u64,
	/// Failed attempts so far.
	pub failures: u32,
	/// The last error.
	pub last_error: String,
}

/// Unix time now in seconds.
pub fn now_secs() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Sends uptime reports and keeps the failed ones.
pub struct UptimeReporter {
	chain: Arc<dyn NodeChain>,
	host: Arc<dyn HostFacts>,
	metrics: Metrics,
	path: PathBuf,
	// One attempt at a time (the periodic task and a power-off report may race).
	lock: Mutex<()>,
	retry_initial: Duration,
	retry_max: Duration,
}

impl UptimeReporter {
	/// A reporter keeping its pending report in `state_dir`.
	pub fn new(
		chain: Arc<dyn NodeChain>,
		host: Arc<dyn HostFacts>,
		metrics: Metrics,
		state_dir: &Path,
	) -> Self {
		let reporter = Self {
			chain,
			host,
			metrics,
			path: state_dir.join(PENDING_FILE),
			lock: Mutex::new(()),
			retry_initial: Duration::from_secs(5),
			retry_max: Duration::from_secs(120),
		};
		reporter.metrics.uptime_pending.set(i64::from(reporter.pending().is_some()));
		reporter
	}

	/// Changes the retry backoff (tests use milliseconds).
	pub fn with_retry(mut self, initial: Duration, max: Duration) -> Self {
		self.retry_initial = initial;
		self.retry_max = max;
		self
	}

	/// The pending report, if one is owed.
	pub fn pending(&self) -> Option<PendingUptime> {
		let text = std::fs::read_to_string(&self.path).ok()?;
		match serde_json::from_str(&text) {
			Ok(p) => Some(p),
			Err(e) => {
				// Still owed: a report is due; keep the fact even if the file is damaged.
				tracing::warn!(path = %self.path.display(), error = %e, "damaged pending uptime file");
				Some(PendingUptime {
					uptime_secs: 0,
					due_at: now_secs(),
					failures: 0,
					last_error: format!("damaged file: {e}"),
				})
			},
		}
	}

	fn save_pending(&self, pending: &PendingUptime) {
		let write = || -> std::io::Result<()> {
			let tmp = self.path.with_extension("json.tmp");
			std::fs::write(
				&tmp,
				serde_json::to_vec_pretty(pending).map_err(std::io::Error::other)?,
			)?;
			std::fs::rename(&tmp, &self.path)
		};
		if let Err(e) = write() {
			tracing::error!(path = %self.path.display(), error = %e, "cannot persist the pending uptime report");
		}
		self.metrics.uptime_pending.set(1);
	}

	fn clear_pending(&self) {
		match std::fs::remove_file(&self.path) {
			Ok(()) => {},
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {},
			Err(e) => {
				tracing::error!(path = %self.path.display(), error = %e, "cannot remove the pending uptime file")
			},
		}
		self.metrics.uptime_pending.set(0);
	}

	/// One attempt. On failure the report is persisted as pending (or its failure count
	/// raised) and counted; on success a pending report is cleared.
	pub async fn try_report(&self) -> Result<(), UptimeError> {
		let _guard = self.lock.lock().await;
		let pending = self.pending();
		let result = async {
			let uptime = self.host.uptime_secs()?;
			let now = now_secs();
			self.chain.report_uptime(uptime, now).await?;
			Ok::<_, UptimeError>((uptime, now))
		}
		.await;
		match result {
			Ok((uptime, now)) => {
				self.metrics.uptime_reports.with_label_values(&["ok"]).inc();
				self.metrics.uptime_last_success.set(now as i64);
				match &pending {
					Some(p) => tracing::info!(
						uptime_secs = uptime,
						due_at = p.due_at,
						failures = p.failures,
						"sent the pending uptime report"
					),
					None => tracing::info!(uptime_secs = uptime, "uptime reported"),
				}
				self.clear_pending();
				Ok(())
			},
			Err(e) => {
				self.metrics.uptime_reports.with_label_values(&["failed"]).inc();
				let mut next = pending.unwrap_or(PendingUptime {
					uptime_secs: self.host.uptime_secs().unwrap_or(0),
					due_at: now_secs(),
					failures: 0,
					last_error: String::new(),
				});
				next.failures = next.failures.saturating_add(1);
				next.last_error = e.to_string();
				tracing::warn!(
					error = %e,
					failures = next.failures,
					due_at = next.due_at,
					"uptime report failed; kept as pending and retried"
				);
				self.save_pending(&next);
				Err(e)
			},
		}
	}

	/// Retries until a report is accepted. Waits with capped backoff, but retries at once when
	/// `chain_up` turns true. Returns `false` when `shutdown` fires first.
	pub async fn report_until_sent(
		&self,
		shutdown: &mut watch::Receiver<bool>,
		chain_up: &mut watch::Receiver<bool>,
	) -> bool {
		let mut backoff = Backoff::new(self.retry_initial, self.retry_max);
		loop {
			if *shutdown.borrow() {
				return false;
			}
			if self.try_report().await.is_ok() {
				return true;
			}
			let delay = backoff.next_delay();
			chain_up.borrow_and_update();
			let wake = async {
				loop {
					if chain_up.changed().await.is_err() {
						std::future::pending::<()>().await;
					}
					if *chain_up.borrow_and_update() {
						return;
					}
				}
			};
			tokio::select! {
				_ = tokio::time::sleep(delay) => {},
				_ = wake => {},
				_ = shutdown.changed() => return false,
			}
		}
	}

	/// The task: report at start (sending any pending report), then every `interval`.
	pub async fn run(
		self: Arc<Self>,
		interval: Duration,
		mut shutdown: watch::Receiver<bool>,
		mut chain_up: watch::Receiver<bool>,
	) {
		loop {
			if !self.report_until_sent(&mut shutdown, &mut chain_up).await {
				return;
			}
			tokio::select! {
				_ = tokio::time::sleep(interval) => {},
				_ = shutdown.changed() => return,
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{fixed_host, FakeChain};

	fn reporter(chain: Arc<FakeChain>, dir: &Path, metrics: &Metrics) -> UptimeReporter {
		UptimeReporter::new(chain, Arc::new(fixed_host("/x")), metrics.clone(), dir)
			.with_retry(Duration::from_millis(5), Duration::from_millis(20))
	}

	#[tokio::test]
	async fn failed_report_is_kept_then_sent() {
		let dir = tempfile::tempdir().unwrap();
		let chain = Arc::new(FakeChain::new());
		chain.state().uptime_failures.extend([
			ChainCallError::Connection("refused".into()),
			ChainCallError::Dispatch {
				pallet: "TfgridModule".into(),
				error: "InvalidTimestampHint".into(),
			},
		]);
		let metrics = Metrics::new().unwrap();
		let r = reporter(chain.clone(), dir.path(), &metrics);

		assert!(r.try_report().await.is_err());
		let pending = r.pending().expect("kept after a failure");
		assert_eq!(pending.failures, 1);
		assert_eq!(pending.uptime_secs, 1000);
		assert!(pending.last_error.contains("refused"));
		assert!(dir.path().join(PENDING_FILE).exists());
		assert_eq!(metrics.uptime_pending.get(), 1);

		let (_s, mut shutdown) = watch::channel(false);
		let (_c, mut up) = watch::channel(true);
		assert!(r.report_until_sent(&mut shutdown, &mut up).await);
		assert!(r.pending().is_none());
		assert!(!dir.path().join(PENDING_FILE).exists());
		assert_eq!(chain.state().uptime_reports.len(), 1, "sent exactly once");
		assert_eq!(chain.state().uptime_reports[0].0, 1000);
		assert!(chain.state().uptime_reports[0].1.abs_diff(now_secs()) < 5, "hint is now");
		assert_eq!(metrics.uptime_reports.with_label_values(&["failed"]).get(), 2);
		assert_eq!(metrics.uptime_reports.with_label_values(&["ok"]).get(), 1);
		assert_eq!(metrics.uptime_pending.get(), 0);
		assert!(metrics.uptime_last_success.get() > 0);
	}

	#[tokio::test]
	async fn pending_report_survives_a_restart() {
		let dir = tempfile::tempdir().unwrap();
		let chain = Arc::new(FakeChain::new());
		chain.state().offline = true;
		let metrics = Metrics::new().unwrap();
		assert!(reporter(chain.clone(), dir.path(), &metrics).try_report().await.is_err());

		// A new process: it sees the pending report at once and sends it at start.
		chain.state().offline = false;
		let metrics = Metrics::new().unwrap();
		let r = Arc::new(reporter(chain.clone(), dir.path(), &metrics));
		assert_eq!(metrics.uptime_pending.get(), 1);
		let (stop, shutdown) = watch::channel(false);
		let (_c, up) = watch::channel(true);
		let task = tokio::spawn(r.clone().run(Duration::from_secs(3600), shutdown, up));
		for _ in 0..200 {
			if !chain.state().uptime_reports.is_empty() {
				break;
			}
			tokio::time::sleep(Duration::from_millis(5)).await;
		}
		assert_eq!(chain.state().uptime_reports.len(), 1);
		assert!(r.pending().is_none());
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn periodic_reports_and_retry_wakes_when_chain_returns() {
		let dir = tempfile::tempdir().unwrap();
		let chain = Arc::new(FakeChain::new());
		chain.state().offline = true;
		let metrics = Metrics::new().unwrap();
		// A long backoff: only the chain-up signal can make the retry fast.
		let r = Arc::new(
			UptimeReporter::new(
				chain.clone(),
				Arc::new(fixed_host("/x")),
				metrics.clone(),
				dir.path(),
			)
			.with_retry(Duration::from_secs(60), Duration::from_secs(60)),
		);
		let (stop, shutdown) = watch::channel(false);
		let (up_tx, up) = watch::channel(false);
		let task = tokio::spawn(r.clone().run(Duration::from_millis(30), shutdown, up));
		tokio::time::sleep(Duration::from_millis(20)).await;
		assert!(chain.state().uptime_reports.is_empty());
		assert!(r.pending().is_some());
		chain.state().offline = false;
		up_tx.send(true).unwrap();
		for _ in 0..400 {
			if chain.state().uptime_reports.len() >= 3 {
				break;
			}
			tokio::time::sleep(Duration::from_millis(5)).await;
		}
		assert!(chain.state().uptime_reports.len() >= 3, "periodic reports continue");
		stop.send(true).unwrap();
		task.await.unwrap();
	}
}
