//! Following the chain: finalized blocks only, one at a time, with a persisted cursor, turned
//! into engine calls and power changes; and the periodic full reconciliation.
//!
//! After a restart the follower replays the blocks it missed, unless it is more than
//! `max_replay_blocks` behind: then it jumps to the head and asks for a reconciliation, which
//! compares the local deployments with the chain's active contracts. When the chain goes away
//! it reconnects with capped backoff.

use crate::{
	backoff::Backoff,
	chain::{AgentEvent, ChainCallError, NodeChain},
	engine::{ContractEvent, Provisioner},
	metrics::Metrics,
	power::PowerManager,
};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
	time::Duration,
};
use tokio::sync::{watch, Notify};

/// File name of the cursor in the state directory.
pub const CURSOR_FILE: &str = "cursor";

/// Attempts at reading one block's events before it is skipped (a pruned block never comes
/// back); the reconciliation then covers what it held.
pub const BLOCK_ATTEMPTS: u32 = 3;

/// Where the follower starts after reading the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPoint {
	/// No cursor (first run): start after the current head.
	Fresh {
		/// The head.
		head: u64,
	},
	/// Replay the blocks after `cursor`.
	Replay {
		/// Last processed block.
		cursor: u64,
	},
	/// Too far behind (or ahead of a reset chain): jump to the head and reconcile.
	Jump {
		/// The saved cursor.
		cursor: u64,
		/// The head.
		head: u64,
	},
}

impl StartPoint {
	/// The last block treated as processed.
	pub fn cursor(&self) -> u64 {
		match *self {
			StartPoint::Fresh { head } | StartPoint::Jump { head, .. } => head,
			StartPoint::Replay { cursor } => cursor,
		}
	}
}

/// Decides where to start from the saved cursor and the finalized head.
pub fn start_point(saved: Option<u64>, head: u64, max_replay: u64) -> StartPoint {
	match saved {
		None => StartPoint::Fresh { head },
		Some(cursor) if cursor > head || head - cursor > max_replay => {
			StartPoint::Jump { cursor, head }
		},
		Some(cursor) => StartPoint::Replay { cursor },
	}
}

/// Reads the cursor file (`None` when missing or unreadable).
pub fn load_cursor(path: &Path) -> Option<u64> {
	let text = std::fs::read_to_string(path).ok()?;
	match text.trim().parse() {
		Ok(n) => Some(n),
		Err(_) => {
			tracing::warn!(path = %path.display(), "damaged cursor file: starting at the head");
			None
		},
	}
}

/// Writes the cursor file atomically.
pub fn save_cursor(path: &Path, block: u64) -> std::io::Result<()> {
	let tmp = path.with_extension("tmp");
	std::fs::write(&tmp, format!("{block}\n"))?;
	std::fs::rename(&tmp, path)
}

/// Follows finalized blocks for one node.
pub struct Follower {
	/// Chain.
	pub chain: Arc<dyn NodeChain>,
	/// Engine.
	pub engine: Arc<dyn Provisioner>,
	/// Power handling.
	pub power: Arc<PowerManager>,
	/// This node.
	pub node_id: u32,
	/// Its farm.
	pub farm_id: u32,
	/// The cursor file.
	pub cursor_path: PathBuf,
	/// Replay limit.
	pub max_replay: u64,
	/// One wait for a new block.
	pub wait_timeout: Duration,
	/// First reconnect delay.
	pub reconnect_initial: Duration,
	/// Longest reconnect delay.
	pub reconnect_max: Duration,
	/// Metrics.
	pub metrics: Metrics,
	/// Set while the chain answers.
	pub connected: watch::Sender<bool>,
	/// Notified when a reconciliation is needed now.
	pub reconcile_now: Arc<Notify>,
}

impl Follower {
	/// Runs until `shutdown` fires, reconnecting with backoff on errors.
	pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
		let mut backoff = Backoff::new(self.reconnect_initial, self.reconnect_max);
		let mut failures = (0, 0);
		loop {
			if *shutdown.borrow() {
				return;
			}
			match self.follow(&mut shutdown, &mut backoff, &mut failures).await {
				Ok(()) => return,
				Err(e) => {
					if matches!(e, ChainCallError::Connection(_)) {
						self.set_connected(false);
					}
					let delay = backoff.next_delay();
					tracing::warn!(error = %e, retry_in_secs = delay.as_secs_f32(), "chain follower lost the chain; reconnecting");
					tokio::select! {
						_ = tokio::time::sleep(delay) => {},
						_ = shutdown.changed() => return,
					}
				},
			}
		}
	}

	fn set_connected(&self, up: bool) {
		self.connected.send_if_modified(|v| std::mem::replace(v, up) != up);
		self.metrics.chain_connected.set(i64::from(up));
	}

	async fn follow(
		&self,
		shutdown: &mut watch::Receiver<bool>,
		backoff: &mut Backoff,
		failures: &mut (u64, u32),
	) -> Result<(), ChainCallError> {
		let mut head = self.chain.finalized_number().await?;
		self.set_connected(true);
		backoff.reset();
		let start = start_point(load_cursor(&self.cursor_path), head, self.max_replay);
		match start {
			StartPoint::Fresh { head } => tracing::info!(head, "following the chain from the head"),
			StartPoint::Replay { cursor } if cursor < head => {
				tracing::info!(from = cursor + 1, to = head, "replaying missed finalized blocks")
			},
			StartPoint::Replay { .. } => {},
			StartPoint::Jump { cursor, head } => {
				tracing::warn!(
					cursor,
					head,
					max_replay = self.max_replay,
					"too far behind the chain (or the chain was reset): jumping to the head and reconciling"
				);
				self.reconcile_now.notify_one();
			},
		}
		let mut cursor = start.cursor();
		if !matches!(start, StartPoint::Replay { .. }) {
			self.store_cursor(cursor);
		}
		loop {
			while cursor < head {
				if *shutdown.borrow() {
					return Ok(());
				}
				let block = cursor + 1;
				let events = match self.chain.node_events(block, self.node_id, self.farm_id).await {
					Ok(events) => events,
					Err(e @ ChainCallError::Connection(_)) => return Err(e),
					Err(e) => {
						if failures.0 != block {
							*failures = (block, 0);
						}
						failures.1 += 1;
						if failures.1 < BLOCK_ATTEMPTS {
							return Err(e);
						}
						tracing::warn!(
							block,
							error = %e,
							"cannot read the block's events; skipping it and reconciling"
						);
						self.reconcile_now.notify_one();
						Vec::new()
					},
				};
				for event in events {
					self.handle(block, event).await;
				}
				cursor = block;
				self.store_cursor(cursor);
			}
			tokio::select! {
				next = self.chain.wait_finalized_after(cursor, self.wait_timeout) => match next {
					Ok(n) => head = n,
					// A timeout and a lost connection look alike here: ask for the head, which
					// fails (and reconnects) only if the chain is really gone.
					Err(e) => {
						tracing::debug!(error = %e, "no new finalized block yet");
						head = self.chain.finalized_number().await?;
					},
				},
				_ = shutdown.changed() => return Ok(()),
			}
			self.set_connected(true);
		}
	}

	fn store_cursor(&self, block: u64) {
		self.metrics.last_finalized_block.set(block as i64);
		if let Err(e) = save_cursor(&self.cursor_path, block) {
			tracing::error!(path = %self.cursor_path.display(), error = %e, "cannot save the chain cursor");
		}
	}

	/// Acts on one event.
	pub async fn handle(&self, block: u64, event: AgentEvent) {
		self.metrics.events.with_label_values(&[event.kind()]).inc();
		tracing::debug!(block, ?event, "chain event");
		let contract_event = match event {
			AgentEvent::ContractCreated { contract_id } => {
				tracing::info!(
					contract_id,
					block,
					"contract created on this node; waiting for its deployment"
				);
				return;
			},
			AgentEvent::ContractUpdated { contract_id } => ContractEvent::Updated(contract_id),
			AgentEvent::NodeContractCanceled { contract_id } => {
				ContractEvent::Canceled(contract_id)
			},
			AgentEvent::RentContractCanceled { contract_id } => {
				ContractEvent::RentCanceled(contract_id)
			},
			AgentEvent::GracePeriodStarted { contract_id } => {
				ContractEvent::GraceStarted(contract_id)
			},
			AgentEvent::GracePeriodEnded { contract_id } => ContractEvent::GraceEnded(contract_id),
			AgentEvent::PowerTargetChanged { node_id, up } => {
				if node_id != self.node_id {
					tracing::debug!(node_id, up, "power target of another node of the farm");
					return;
				}
				match self.power.on_target(up).await {
					Ok(action) => tracing::info!(?action, up, "power target changed"),
					Err(e) => tracing::warn!(error = %e, up, "cannot apply the power target"),
				}
				return;
			},
			AgentEvent::PublicConfigChanged => {
				tracing::info!(block, "the farmer changed this node's public config");
				return;
			},
		};
		if let Err(e) = self.engine.on_event(contract_event).await {
			tracing::warn!(error = %e, ?contract_event, "engine failed on a chain event; reconciling");
			self.reconcile_now.notify_one();
		}
	}
}

/// The periodic full reconciliation (at start, every `interval`, and on demand).
pub struct Reconciler {
	/// Chain.
	pub chain: Arc<dyn NodeChain>,
	/// Engine.
	pub engine: Arc<dyn Provisioner>,
	/// This node.
	pub node_id: u32,
	/// Metrics.
	pub metrics: Metrics,
	/// On-demand trigger.
	pub now: Arc<Notify>,
	/// Counts finished runs (successful or not).
	pub runs: watch::Sender<u64>,
}

impl Reconciler {
	/// One reconciliation. `rent` is the rent contract seen last time; a rent contract that
	/// disappeared is handed to the engine as cancelled.
	pub async fn once(&self, rent: &mut Option<u64>) -> Result<String, String> {
		let current =
			self.chain.active_rent_contract(self.node_id).await.map_err(|e| e.to_string())?;
		if let Some(old) = *rent {
			if current != Some(old) {
				tracing::info!(contract_id = old, "rent contract no longer active");
				if let Err(e) = self.engine.on_event(ContractEvent::RentCanceled(old)).await {
					tracing::warn!(error = %e, "engine failed on rent cancellation");
				}
			}
		}
		if current != *rent {
			if let Some(id) = current {
				tracing::info!(contract_id = id, "node is rented");
			}
		}
		*rent = current;
		self.engine.reconcile().await.map_err(|e| e.to_string())
	}

	/// Runs until shutdown.
	pub async fn run(
		self,
		interval: Duration,
		retry: Duration,
		mut shutdown: watch::Receiver<bool>,
	) {
		let mut rent = None;
		loop {
			let wait = match self.once(&mut rent).await {
				Ok(summary) => {
					self.metrics.reconciliations.with_label_values(&["ok"]).inc();
					tracing::info!(summary = %summary, "reconciled with the chain");
					interval
				},
				Err(e) => {
					self.metrics.reconciliations.with_label_values(&["failed"]).inc();
					tracing::warn!(error = %e, "reconciliation failed; retrying");
					retry.min(interval)
				},
			};
			self.runs.send_modify(|n| *n += 1);
			tokio::select! {
				_ = tokio::time::sleep(wait) => {},
				_ = self.now.notified() => {},
				_ = shutdown.changed() => return,
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		registration::register_once,
		testing::{fixed_host, test_config, FakeChain, FakeProvisioner},
	};

	#[test]
	fn start_points() {
		assert_eq!(start_point(None, 50, 10), StartPoint::Fresh { head: 50 });
		assert_eq!(start_point(Some(45), 50, 10), StartPoint::Replay { cursor: 45 });
		assert_eq!(start_point(Some(40), 50, 10), StartPoint::Replay { cursor: 40 });
		assert_eq!(start_point(Some(39), 50, 10), StartPoint::Jump { cursor: 39, head: 50 });
		assert_eq!(start_point(Some(60), 50, 10), StartPoint::Jump { cursor: 60, head: 50 });
		assert_eq!(start_point(Some(39), 50, 10).cursor(), 50);
	}

	#[test]
	fn cursor_round_trip() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join(CURSOR_FILE);
		assert_eq!(load_cursor(&path), None);
		save_cursor(&path, 1234).unwrap();
		assert_eq!(load_cursor(&path), Some(1234));
		std::fs::write(&path, "garbage").unwrap();
		assert_eq!(load_cursor(&path), None);
	}

	struct Setup {
		chain: Arc<FakeChain>,
		engine: Arc<FakeProvisioner>,
		metrics: Metrics,
		reconcile: Arc<Notify>,
		connected: watch::Receiver<bool>,
		dir: tempfile::TempDir,
		node_id: u32,
	}

	async fn setup() -> (Setup, Follower) {
		let dir = tempfile::tempdir().unwrap();
		let chain = Arc::new(FakeChain::new());
		let node_id =
			register_once(&*chain, &test_config("/x"), &fixed_host("/x")).await.unwrap().node_id;
		let engine = Arc::new(FakeProvisioner::default());
		let metrics = Metrics::new().unwrap();
		let (power_tx, _) = watch::channel(true);
		let power = Arc::new(PowerManager::new(
			chain.clone(),
			engine.clone(),
			node_id,
			None,
			metrics.clone(),
			None,
			power_tx,
		));
		let (connected_tx, connected) = watch::channel(false);
		let reconcile = Arc::new(Notify::new());
		let follower = Follower {
			chain: chain.clone(),
			engine: engine.clone(),
			power,
			node_id,
			farm_id: 1,
			cursor_path: dir.path().join(CURSOR_FILE),
			max_replay: 20,
			wait_timeout: Duration::from_millis(20),
			reconnect_initial: Duration::from_millis(5),
			reconnect_max: Duration::from_millis(20),
			metrics: metrics.clone(),
			connected: connected_tx,
			reconcile_now: reconcile.clone(),
		};
		(Setup { chain, engine, metrics, reconcile, connected, dir, node_id }, follower)
	}

	async fn until(mut f: impl FnMut() -> bool) {
		for _ in 0..500 {
			if f() {
				return;
			}
			tokio::time::sleep(Duration::from_millis(5)).await;
		}
		panic!("condition not reached");
	}

	#[tokio::test]
	async fn replays_missed_blocks_and_maps_events() {
		let (s, follower) = setup().await;
		save_cursor(&s.dir.path().join(CURSOR_FILE), 10).unwrap();
		{
			let mut st = s.chain.state();
			st.finalized = 15;
			st.events.insert(11, vec![AgentEvent::NodeContractCanceled { contract_id: 3 }]);
			st.events.insert(
				13,
				vec![
					AgentEvent::GracePeriodStarted { contract_id: 4 },
					AgentEvent::ContractCreated { contract_id: 9 },
				],
			);
			st.events.insert(14, vec![AgentEvent::GracePeriodEnded { contract_id: 4 }]);
			st.events.insert(15, vec![AgentEvent::ContractUpdated { contract_id: 5 }]);
		}
		let (stop, shutdown) = watch::channel(false);
		let task = tokio::spawn(follower.run(shutdown));
		until(|| s.engine.state().events.len() == 4).await;
		assert_eq!(
			s.engine.state().events,
			vec![
				ContractEvent::Canceled(3),
				ContractEvent::GraceStarted(4),
				ContractEvent::GraceEnded(4),
				ContractEvent::Updated(5)
			]
		);
		assert_eq!(s.chain.state().blocks_read, vec![11, 12, 13, 14, 15]);
		until(|| load_cursor(&s.dir.path().join(CURSOR_FILE)) == Some(15)).await;
		assert!(*s.connected.borrow());
		assert_eq!(s.metrics.last_finalized_block.get(), 15);
		assert_eq!(s.metrics.events.with_label_values(&["contract_created"]).get(), 1);

		// New blocks are followed as they are finalized.
		s.chain
			.state()
			.events
			.insert(16, vec![AgentEvent::RentContractCanceled { contract_id: 8 }]);
		s.chain.state().finalized = 16;
		until(|| s.engine.state().events.len() == 5).await;
		assert_eq!(s.engine.state().events[4], ContractEvent::RentCanceled(8));
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn far_behind_jumps_to_head_and_reconciles() {
		let (s, follower) = setup().await;
		save_cursor(&s.dir.path().join(CURSOR_FILE), 10).unwrap();
		s.chain.state().finalized = 100;
		s.chain
			.state()
			.events
			.insert(50, vec![AgentEvent::NodeContractCanceled { contract_id: 3 }]);
		let reconcile = s.reconcile.clone();
		let notified = tokio::spawn(async move { reconcile.notified().await });
		let (stop, shutdown) = watch::channel(false);
		let task = tokio::spawn(follower.run(shutdown));
		tokio::time::timeout(Duration::from_secs(2), notified).await.unwrap().unwrap();
		until(|| load_cursor(&s.dir.path().join(CURSOR_FILE)) == Some(100)).await;
		assert!(s.chain.state().blocks_read.is_empty(), "no replay of 90 blocks");
		assert!(s.engine.state().events.is_empty());
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn unreadable_block_is_skipped_after_retries() {
		let (s, follower) = setup().await;
		save_cursor(&s.dir.path().join(CURSOR_FILE), 3).unwrap();
		{
			let mut st = s.chain.state();
			st.finalized = 6;
			st.bad_blocks.insert(4);
			st.events.insert(5, vec![AgentEvent::NodeContractCanceled { contract_id: 2 }]);
		}
		let reconcile = s.reconcile.clone();
		let notified = tokio::spawn(async move { reconcile.notified().await });
		let (stop, shutdown) = watch::channel(false);
		let task = tokio::spawn(follower.run(shutdown));
		until(|| s.engine.state().events == vec![ContractEvent::Canceled(2)]).await;
		tokio::time::timeout(Duration::from_secs(2), notified).await.unwrap().unwrap();
		let reads = s.chain.state().blocks_read.iter().filter(|b| **b == 4).count();
		assert_eq!(reads, BLOCK_ATTEMPTS as usize);
		until(|| load_cursor(&s.dir.path().join(CURSOR_FILE)) == Some(6)).await;
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn first_run_starts_at_head() {
		let (s, follower) = setup().await;
		s.chain.state().finalized = 40;
		s.chain
			.state()
			.events
			.insert(40, vec![AgentEvent::NodeContractCanceled { contract_id: 3 }]);
		let (stop, shutdown) = watch::channel(false);
		let task = tokio::spawn(follower.run(shutdown));
		until(|| load_cursor(&s.dir.path().join(CURSOR_FILE)) == Some(40)).await;
		tokio::time::sleep(Duration::from_millis(30)).await;
		assert!(s.engine.state().events.is_empty());
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn reconnects_after_the_chain_goes_away() {
		let (s, follower) = setup().await;
		s.chain.state().finalized = 5;
		let (stop, shutdown) = watch::channel(false);
		let mut connected = s.connected.clone();
		let task = tokio::spawn(follower.run(shutdown));
		until(|| *connected.borrow_and_update()).await;
		s.chain.state().offline = true;
		until(|| !*connected.borrow_and_update()).await;
		assert_eq!(s.metrics.chain_connected.get(), 0);
		{
			let mut st = s.chain.state();
			st.offline = false;
			st.events.insert(6, vec![AgentEvent::NodeContractCanceled { contract_id: 1 }]);
			st.finalized = 6;
		}
		until(|| s.engine.state().events == vec![ContractEvent::Canceled(1)]).await;
		assert!(*connected.borrow());
		assert_eq!(s.metrics.chain_connected.get(), 1);
		stop.send(true).unwrap();
		task.await.unwrap();
	}

	#[tokio::test]
	async fn power_events_for_this_node_only() {
		let (s, follower) = setup().await;
		follower
			.handle(1, AgentEvent::PowerTargetChanged { node_id: s.node_id + 1, up: false })
			.await;
		assert!(s.chain.state().power_changes.is_empty());
		follower.handle(2, AgentEvent::PowerTargetChanged { node_id: s.node_id, up: false }).await;
		assert_eq!(s.chain.state().power_changes, vec![false]);
		assert_eq!(s.metrics.events.with_label_values(&["power_target_changed"]).get(), 2);
	}

	#[tokio::test]
	async fn reconciler_reports_lost_rent_contract() {
		let (s, _f) = setup().await;
		let r = Reconciler {
			chain: s.chain.clone(),
			engine: s.engine.clone(),
			node_id: s.node_id,
			metrics: s.metrics.clone(),
			now: Arc::new(Notify::new()),
			runs: watch::channel(0).0,
		};
		let mut rent = None;
		s.chain.state().rent_contract = Some(77);
		r.once(&mut rent).await.unwrap();
		assert_eq!(rent, Some(77));
		assert!(s.engine.state().events.is_empty());
		s.chain.state().rent_contract = None;
		r.once(&mut rent).await.unwrap();
		assert_eq!(s.engine.state().events, vec![ContractEvent::RentCanceled(77)]);
		assert_eq!(s.engine.state().reconciles, 2);
		s.chain.state().offline = true;
		assert!(r.once(&mut rent).await.is_err());
	}
}
