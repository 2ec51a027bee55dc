//! Power management: follow the farmer's power target for this node.
//!
//! Target Down with no active contracts: send a last uptime report, `change_power_state(Down)`,
//! then run `[power] shutdown_command` when configured; otherwise idle (keep following the
//! chain and reporting uptime; the API refuses new work while Down). Target Up:
//! `change_power_state(Up)`. The state is written only when it differs from the chain's.

use crate::{
	chain::{ChainCallError, NodeChain},
	engine::Provisioner,
	metrics::Metrics,
	uptime::UptimeReporter,
};
use std::sync::Arc;
use tokio::sync::watch;

/// Why a power change failed.
#[derive(Debug, thiserror::Error)]
pub enum PowerError {
	/// A chain call failed.
	#[error("{0}")]
	Chain(#[from] ChainCallError),
	/// The node record is not on chain.
	#[error("node {0} is not on chain")]
	NodeMissing(u32),
	/// The shutdown command could not run or failed.
	#[error("shutdown command {command:?} failed: {reason}")]
	ShutdownCommand {
		/// The command.
		command: Vec<String>,
		/// Why.
		reason: String,
	},
}

/// What a power change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PowerAction {
	/// Reported Up.
	WentUp,
	/// Reported Down (and ran the shutdown command when `shutdown_ran`).
	WentDown {
		/// Whether the shutdown command ran.
		shutdown_ran: bool,
	},
	/// Target Down refused: the node still has contracts.
	StayedUp {
		/// Active contracts on chain or locally.
		contracts: usize,
	},
	/// The chain already had this state.
	Unchanged,
}

/// Applies power targets for one node.
pub struct PowerManager {
	chain: Arc<dyn NodeChain>,
	engine: Arc<dyn Provisioner>,
	node_id: u32,
	shutdown_command: Option<Vec<String>>,
	metrics: Metrics,
	uptime: Option<Arc<UptimeReporter>>,
	up: watch::Sender<bool>,
}

impl PowerManager {
	/// A manager for `node_id`; `up` is shared with the API (`false` = refuse new work).
	pub fn new(
		chain: Arc<dyn NodeChain>,
		engine: Arc<dyn Provisioner>,
		node_id: u32,
		shutdown_command: Option<Vec<String>>,
		metrics: Metrics,
		uptime: Option<Arc<UptimeReporter>>,
		up: watch::Sender<bool>,
	) -> Self {
		Self { chain, engine, node_id, shutdown_command, metrics, uptime, up }
	}

	fn set_local(&self, up: bool) {
		self.up.send_replace(up);
		self.metrics.power_up.set(i64::from(up));
	}

	/// Brings the chain's power state in line with its target (at start).
	pub async fn sync_at_start(&self) -> Result<PowerAction, PowerError> {
		let node =
			self.chain.node(self.node_id).await?.ok_or(PowerError::NodeMissing(self.node_id))?;
		self.apply(node.power_target_up, node.power_state_up).await
	}

	/// Handles `PowerTargetChanged` for this node.
	pub async fn on_target(&self, up: bool) -> Result<PowerAction, PowerError> {
		let node =
			self.chain.node(self.node_id).await?.ok_or(PowerError::NodeMissing(self.node_id))?;
		self.apply(up, node.power_state_up).await
	}

	async fn apply(&self, target_up: bool, state_up: bool) -> Result<PowerAction, PowerError> {
		if target_up {
			self.set_local(true);
			if state_up {
				return Ok(PowerAction::Unchanged);
			}
			self.chain.change_power_state(true).await?;
			tracing::info!(node_id = self.node_id, "power target Up: reported Up");
			return Ok(PowerAction::WentUp);
		}
		let on_chain = self.chain.active_node_contracts(self.node_id).await?;
		let local = self.engine.deployments().len();
		let contracts = on_chain.len().max(local);
		if contracts > 0 {
			tracing::warn!(
				node_id = self.node_id,
				contracts,
				"power target Down ignored: the node still has contracts"
			);
			return Ok(PowerAction::StayedUp { contracts });
		}
		if !state_up {
			self.set_local(false);
			return Ok(PowerAction::Unchanged);
		}
		if let Some(uptime) = &self.uptime {
			if let Err(e) = uptime.try_report().await {
				tracing::warn!(error = %e, "last uptime report before going Down failed");
			}
		}
		self.chain.change_power_state(false).await?;
		self.set_local(false);
		tracing::info!(node_id = self.node_id, "power target Down: reported Down");
		let Some(command) = &self.shutdown_command else {
			tracing::info!(
				"no [power] shutdown_command: idling (following the chain, reporting uptime)"
			);
			return Ok(PowerAction::WentDown { shutdown_ran: false });
		};
		run_command(command).await?;
		Ok(PowerAction::WentDown { shutdown_ran: true })
	}
}

/// Runs a command (program then arguments) and waits for it to succeed.
pub async fn run_command(command: &[String]) -> Result<(), PowerError> {
	let fail = |reason: String| PowerError::ShutdownCommand { command: command.to_vec(), reason };
	let (program, args) = command.split_first().ok_or_else(|| fail("empty command".into()))?;
	tracing::info!(?command, "running the shutdown command");
	let status = tokio::process::Command::new(program)
		.args(args)
		.status()
		.await
		.map_err(|e| fail(e.to_string()))?;
	if !status.success() {
		return Err(fail(format!("exit status {status}")));
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		chain::{ChainNode, NodeChain},
		registration::register_once,
		testing::{fixed_host, test_config, FakeChain, FakeProvisioner},
	};

	async fn setup(
		command: Option<Vec<String>>,
	) -> (Arc<FakeChain>, Arc<FakeProvisioner>, PowerManager, watch::Receiver<bool>, Metrics) {
		let chain = Arc::new(FakeChain::new());
		let node = register_once(&*chain, &test_config("/x"), &fixed_host("/x")).await.unwrap();
		let engine = Arc::new(FakeProvisioner::default());
		let metrics = Metrics::new().unwrap();
		let (tx, rx) = watch::channel(true);
		let pm = PowerManager::new(
			chain.clone(),
			engine.clone(),
			node.node_id,
			command,
			metrics.clone(),
			None,
			tx,
		);
		(chain, engine, pm, rx, metrics)
	}

	fn set_node(chain: &FakeChain, f: impl Fn(&mut ChainNode)) {
		for n in chain.state().nodes.values_mut() {
			f(n)
		}
	}

	#[tokio::test]
	async fn down_then_up() {
		let (chain, _e, pm, rx, metrics) = setup(None).await;
		assert_eq!(
			pm.on_target(false).await.unwrap(),
			PowerAction::WentDown { shutdown_ran: false }
		);
		assert_eq!(chain.state().power_changes, vec![false]);
		assert!(!*rx.borrow());
		assert_eq!(metrics.power_up.get(), 0);
		// Down again: nothing written.
		assert_eq!(pm.on_target(false).await.unwrap(), PowerAction::Unchanged);
		assert_eq!(pm.on_target(true).await.unwrap(), PowerAction::WentUp);
		assert_eq!(chain.state().power_changes, vec![false, true]);
		assert!(*rx.borrow());
	}

	#[tokio::test]
	async fn down_refused_with_contracts() {
		let (chain, _e, pm, rx, _m) = setup(None).await;
		chain.state().active_contracts = vec![5];
		assert_eq!(pm.on_target(false).await.unwrap(), PowerAction::StayedUp { contracts: 1 });
		assert!(chain.state().power_changes.is_empty());
		assert!(*rx.borrow());
	}

	#[tokio::test]
	async fn start_sync_follows_the_target() {
		let (chain, _e, pm, _rx, _m) = setup(None).await;
		assert_eq!(pm.sync_at_start().await.unwrap(), PowerAction::Unchanged);
		set_node(&chain, |n| {
			n.power_target_up = true;
			n.power_state_up = false
		});
		assert_eq!(pm.sync_at_start().await.unwrap(), PowerAction::WentUp);
		set_node(&chain, |n| n.power_target_up = false);
		assert_eq!(
			pm.sync_at_start().await.unwrap(),
			PowerAction::WentDown { shutdown_ran: false }
		);
		assert_eq!(chain.state().power_changes, vec![true, false]);
		assert!(!chain.node(1).await.unwrap().unwrap().power_state_up);
	}

	#[tokio::test]
	async fn shutdown_command_runs_and_failure_is_named() {
		let dir = tempfile::tempdir().unwrap();
		let marker = dir.path().join("off");
		let cmd = vec!["touch".to_string(), marker.display().to_string()];
		let (_c, _e, pm, _rx, _m) = setup(Some(cmd)).await;
		assert_eq!(
			pm.on_target(false).await.unwrap(),
			PowerAction::WentDown { shutdown_ran: true }
		);
		assert!(marker.exists());

		let (_c, _e, pm, _rx, _m) = setup(Some(vec!["false".into()])).await;
		assert!(matches!(pm.on_target(false).await, Err(PowerError::ShutdownCommand { .. })));
	}
}
