//! Registration: terms, twin and node record, kept equal to what the host measures.
//!
//! [`register_once`] is idempotent: it accepts the terms and creates the twin only when the
//! account has no twin, creates the node when the twin has none, and updates the node only
//! when the measured record differs from the chain's. [`register_until_done`] retries it
//! forever with capped exponential backoff.

use crate::{
	backoff::Backoff,
	chain::{
		Capacity, ChainCallError, ChainNode, NodeChain, NodeInterface, NodeLocation, NodeSpec,
	},
	config::{valid_interface_name, valid_mac, Config},
	host::{HostError, HostFacts},
	identity::ss58,
	metrics::Metrics,
};
use std::time::Duration;
use tokio::sync::watch;

/// Longest wait between registration attempts.
pub const REGISTRATION_BACKOFF_MAX: Duration = Duration::from_secs(120);

/// Why a registration attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
	/// Measuring the host failed.
	#[error("cannot measure the host: {0}")]
	Host(#[from] HostError),
	/// The node account holds nothing, so it cannot pay for the registration extrinsics.
	#[error("the node account {address} has no funds: transfer some TFT to it")]
	NoFunds {
		/// SS58 address of the node account.
		address: String,
	},
	/// A chain call failed.
	#[error("{0}")]
	Chain(#[from] ChainCallError),
	/// The chain accepted an extrinsic but the expected record is not there.
	#[error("the chain has no {0} after creating it")]
	Missing(&'static str),
}

/// What registration has to do, given the measured record and the chain's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
	/// No node yet: `create_node`.
	Create,
	/// The record differs: `update_node`.
	Update {
		/// Node id.
		node_id: u32,
	},
	/// The record is current.
	Nothing {
		/// Node id.
		node_id: u32,
	},
}

/// Decides between create, update and nothing.
pub fn decide(desired: &NodeSpec, existing: Option<&ChainNode>) -> Decision {
	match existing {
		None => Decision::Create,
		Some(node) if node.spec == *desired => Decision::Nothing { node_id: node.id },
		Some(node) => Decision::Update { node_id: node.id },
	}
}

/// The node record the host's facts and the configuration call for.
pub fn desired_spec(config: &Config, host: &dyn HostFacts) -> Result<NodeSpec, RegistrationError> {
	let over = &config.node.capacity;
	let cru = match over.cru {
		Some(v) => v,
		None => host.cpu_count()?,
	};
	let mru = match over.mru {
		Some(v) => v,
		None => host.memory_bytes()?,
	};
	let sru = match over.sru {
		Some(v) => v,
		None => total_bytes(host, &config.storage.ssd_paths())?,
	};
	let hru = match over.hru {
		Some(v) => v,
		None => total_bytes(host, &config.storage.hdd_paths)?,
	};
	let location = &config.node;
	let interfaces = match &config.node.interfaces {
		Some(list) => list
			.iter()
			.map(|i| NodeInterface { name: i.name.clone(), mac: i.mac.clone(), ips: i.ips.clone() })
			.collect(),
		None => host_interfaces(host),
	};
	Ok(NodeSpec {
		farm_id: config.node.farm_id,
		resources: Capacity { cru, mru, sru, hru },
		location: NodeLocation {
			city: location.city.clone(),
			country: location.country.clone(),
			latitude: location.latitude.clone(),
			longitude: location.longitude.clone(),
		},
		interfaces,
		secure_boot: host.secure_boot(),
		virtualized: host.virtualized(),
		serial_number: host.serial_number(),
	})
}

/// Sum of the filesystem sizes of `paths`, each filesystem counted once.
fn total_bytes(host: &dyn HostFacts, paths: &[std::path::PathBuf]) -> Result<u64, HostError> {
	let mut seen = std::collections::BTreeSet::new();
	let mut total = 0u64;
	for path in paths {
		// Two paths on one filesystem would count it twice; dev ids tell them apart.
		let dev = std::fs::metadata(path).ok().map(|m| std::os::unix::fs::MetadataExt::dev(&m));
		if let Some(dev) = dev {
			if !seen.insert(dev) {
				continue;
			}
		}
		total = total.saturating_add(host.filesystem_bytes(path)?);
	}
	Ok(total)
}

/// The host's interfaces the chain accepts (valid name and MAC), at most 10 with 10 IPs each.
fn host_interfaces(host: &dyn HostFacts) -> Vec<NodeInterface> {
	host.interfaces()
		.into_iter()
		.filter(|i| valid_interface_name(&i.name) && valid_mac(&i.mac))
		.take(10)
		.map(|i| NodeInterface {
			name: i.name,
			mac: i.mac,
			ips: i.ips.into_iter().filter(|ip| ip.len() <= 42).take(10).collect(),
		})
		.collect()
}

/// What one registration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
	/// The node id.
	pub node_id: u32,
	/// The twin id.
	pub twin_id: u32,
	/// What was done.
	pub decision: Decision,
}

/// One idempotent registration run.
pub async fn register_once(
	chain: &dyn NodeChain,
	config: &Config,
	host: &dyn HostFacts,
) -> Result<Registered, RegistrationError> {
	let desired = desired_spec(config, host)?;
	let address = ss58(chain.account_id());
	let twin_id = match chain.own_twin_id().await? {
		Some(id) => id,
		None => {
			ensure_funds(chain, &address).await?;
			chain.accept_terms(&config.node.terms_link, &config.node.terms_hash).await?;
			match chain.create_twin(config.node.relay.clone()).await {
				Ok(id) => {
					tracing::info!(twin_id = id, account = %address, "created the node's twin");
					id
				},
				// A previous attempt's extrinsic may have landed after we gave up on it.
				Err(e) if e.is_dispatch("TwinWithPubkeyExists") => {
					chain.own_twin_id().await?.ok_or(RegistrationError::Missing("twin"))?
				},
				Err(e) => return Err(e.into()),
			}
		},
	};
	let existing = match chain.node_id_of_twin(twin_id).await? {
		Some(id) => chain.node(id).await?,
		None => None,
	};
	let decision = decide(&desired, existing.as_ref());
	let node_id = match &decision {
		Decision::Create => {
			ensure_funds(chain, &address).await?;
			match chain.create_node(&desired).await {
				Ok(id) => id,
				Err(e) if e.is_dispatch("NodeWithTwinIdExists") => chain
					.node_id_of_twin(twin_id)
					.await?
					.ok_or(RegistrationError::Missing("node"))?,
				Err(e) => return Err(e.into()),
			}
		},
		Decision::Update { node_id } => {
			ensure_funds(chain, &address).await?;
			tracing::info!(node_id, "node record differs from the measured one: updating");
			chain.update_node(*node_id, &desired).await?;
			*node_id
		},
		Decision::Nothing { node_id } => *node_id,
	};
	Ok(Registered { node_id, twin_id, decision })
}

async fn ensure_funds(chain: &dyn NodeChain, address: &str) -> Result<(), RegistrationError> {
	if chain.free_balance().await? == 0 {
		return Err(RegistrationError::NoFunds { address: address.to_string() });
	}
	Ok(())
}

/// Runs [`register_once`] until it succeeds (capped exponential backoff from `initial` to
/// [`REGISTRATION_BACKOFF_MAX`]), logging every failure. Returns `None` when `shutdown` fires
/// first.
pub async fn register_until_done(
	chain: &dyn NodeChain,
	config: &Config,
	host: &dyn HostFacts,
	metrics: &Metrics,
	initial: Duration,
	shutdown: &mut watch::Receiver<bool>,
) -> Option<Registered> {
	let mut backoff = Backoff::new(initial, REGISTRATION_BACKOFF_MAX);
	loop {
		if *shutdown.borrow() {
			return None;
		}
		match register_once(chain, config, host).await {
			Ok(done) => {
				let result = match done.decision {
					Decision::Create => "created",
					Decision::Update { .. } => "updated",
					Decision::Nothing { .. } => "unchanged",
				};
				metrics.registrations.with_label_values(&[result]).inc();
				metrics.registered.set(1);
				metrics.node_id.set(i64::from(done.node_id));
				tracing::info!(
					node_id = done.node_id,
					twin_id = done.twin_id,
					result,
					"registered node {}",
					done.node_id
				);
				return Some(done);
			},
			Err(e) => {
				metrics.registrations.with_label_values(&["failed"]).inc();
				let delay = backoff.next_delay();
				let address = ss58(chain.account_id());
				match &e {
					RegistrationError::NoFunds { .. } => tracing::warn!(
						account = %address,
						retry_in_secs = delay.as_secs(),
						"registration waits for funds: {e}"
					),
					_ => tracing::warn!(
						account = %address,
						retry_in_secs = delay.as_secs(),
						error = %e,
						"registration failed"
					),
				}
				tokio::select! {
					_ = tokio::time::sleep(delay) => {},
					_ = shutdown.changed() => return None,
				}
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		host::{FixedHost, HostInterface},
		testing::{fixed_host, test_config, FakeChain},
	};

	fn node_from(spec: &NodeSpec, id: u32, twin_id: u32) -> ChainNode {
		ChainNode { id, twin_id, spec: spec.clone(), power_target_up: true, power_state_up: true }
	}

	#[test]
	fn decision_create_update_nothing() {
		let config = test_config("/tmp/x");
		let host = fixed_host("/tmp/x");
		let desired = desired_spec(&config, &host).unwrap();
		assert_eq!(decide(&desired, None), Decision::Create);
		let same = node_from(&desired, 7, 3);
		assert_eq!(decide(&desired, Some(&same)), Decision::Nothing { node_id: 7 });
		for change in 0..4 {
			let mut other = same.clone();
			match change {
				0 => other.spec.resources.mru += 1,
				1 => other.spec.farm_id = 2,
				2 => other.spec.interfaces.clear(),
				_ => other.spec.serial_number = None,
			}
			assert_eq!(decide(&desired, Some(&other)), Decision::Update { node_id: 7 }, "{change}");
		}
	}

	#[test]
	fn desired_spec_measures_and_overrides() {
		let mut config = test_config("/tmp/x");
		let host = fixed_host("/tmp/x");
		let spec = desired_spec(&config, &host).unwrap();
		assert_eq!(spec.resources, Capacity { cru: 4, mru: 8 << 30, sru: 500 << 30, hru: 0 });
		assert_eq!(spec.interfaces.len(), 1, "invalid host interface names are left out");
		assert_eq!(spec.serial_number.as_deref(), Some("SN1"));
		config.node.capacity.sru = Some(200 << 30);
		config.node.capacity.cru = Some(2);
		let spec = desired_spec(&config, &host).unwrap();
		assert_eq!(spec.resources.sru, 200 << 30);
		assert_eq!(spec.resources.cru, 2);
		// A storage path the host cannot measure is an error (not a zero).
		config.node.capacity.sru = None;
		config.storage.ssd_paths = Some(vec!["/nowhere".into()]);
		assert!(matches!(desired_spec(&config, &host), Err(RegistrationError::Host(_))));
	}

	#[tokio::test]
	async fn first_run_accepts_terms_creates_twin_and_node() {
		let chain = FakeChain::new();
		let config = test_config("/tmp/x");
		let host = fixed_host("/tmp/x");
		let done = register_once(&chain, &config, &host).await.unwrap();
		assert_eq!(done.decision, Decision::Create);
		let calls = chain.calls();
		let order: Vec<&str> = calls
			.iter()
			.map(String::as_str)
			.filter(|c| ["accept_terms", "create_twin", "create_node", "update_node"].contains(c))
			.collect();
		assert_eq!(order, vec!["accept_terms", "create_twin", "create_node"]);
		let node = chain.state().nodes[&done.node_id].clone();
		assert_eq!(node.spec, desired_spec(&config, &host).unwrap());
	}

	#[tokio::test]
	async fn second_run_does_nothing_and_a_change_updates() {
		let chain = FakeChain::new();
		let config = test_config("/tmp/x");
		let host = fixed_host("/tmp/x");
		let first = register_once(&chain, &config, &host).await.unwrap();
		chain.clear_calls();
		let again = register_once(&chain, &config, &host).await.unwrap();
		assert_eq!(again.decision, Decision::Nothing { node_id: first.node_id });
		assert!(chain
			.calls()
			.iter()
			.all(|c| !c.starts_with("create") && c != "update_node" && c != "accept_terms"));
		// More memory: the record is updated, not re-created.
		let mut bigger: FixedHost = host.clone();
		bigger.memory *= 2;
		let updated = register_once(&chain, &config, &bigger).await.unwrap();
		assert_eq!(updated.decision, Decision::Update { node_id: first.node_id });
		assert_eq!(chain.state().nodes[&first.node_id].spec.resources.mru, bigger.memory);
		assert_eq!(chain.state().nodes.len(), 1);
	}

	#[tokio::test]
	async fn no_funds_is_a_named_error_with_the_address() {
		let chain = FakeChain::new();
		chain.state().balance = 0;
		let config = test_config("/tmp/x");
		let e = register_once(&chain, &config, &fixed_host("/tmp/x")).await.unwrap_err();
		match e {
			RegistrationError::NoFunds { address } => assert_eq!(address, ss58(chain.account_id())),
			other => panic!("{other:?}"),
		}
		assert!(!chain.calls().contains(&"create_twin".to_string()));
	}

	#[tokio::test]
	async fn retries_until_the_chain_answers() {
		let chain = FakeChain::new();
		chain.state().offline = true;
		let config = test_config("/tmp/x");
		let host = fixed_host("/tmp/x");
		let metrics = Metrics::new().unwrap();
		let (_tx, mut rx) = watch::channel(false);
		let chain = std::sync::Arc::new(chain);
		let c2 = chain.clone();
		tokio::spawn(async move {
			tokio::time::sleep(Duration::from_millis(40)).await;
			c2.state().offline = false;
		});
		let done = register_until_done(
			&*chain,
			&config,
			&host,
			&metrics,
			Duration::from_millis(5),
			&mut rx,
		)
		.await
		.unwrap();
		assert_eq!(done.decision, Decision::Create);
		assert!(metrics.registrations.with_label_values(&["failed"]).get() >= 1);
		assert_eq!(metrics.registrations.with_label_values(&["created"]).get(), 1);
		assert_eq!(metrics.registered.get(), 1);
		assert_eq!(metrics.node_id.get(), i64::from(done.node_id));
	}

	#[tokio::test]
	async fn shutdown_stops_the_retry_loop() {
		let chain = FakeChain::new();
		chain.state().offline = true;
		let metrics = Metrics::new().unwrap();
		let (tx, mut rx) = watch::channel(false);
		tokio::spawn(async move {
			tokio::time::sleep(Duration::from_millis(30)).await;
			let _ = tx.send(true);
		});
		let config = test_config("/tmp/x");
		let out = register_until_done(
			&chain,
			&config,
			&fixed_host("/tmp/x"),
			&metrics,
			Duration::from_millis(5),
			&mut rx,
		)
		.await;
		assert!(out.is_none());
		assert_eq!(metrics.registered.get(), 0);
	}

	#[test]
	fn host_interfaces_are_filtered() {
		let mut host = fixed_host("/tmp/x");
		host.interfaces = (0..15)
			.map(|n| HostInterface {
				name: format!("eth{n}"),
				mac: "02:00:00:00:00:01".into(),
				ips: (0..12).map(|i| format!("10.0.0.{i}")).collect(),
			})
			.collect();
		let list = host_interfaces(&host);
		assert_eq!(list.len(), 10);
		assert!(list.iter().all(|i| i.ips.len() == 10));
	}
}
