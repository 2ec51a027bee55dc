//! Wiring: start every task of `node-agent run` and shut them down gracefully.
//!
//! Order at start: key → metrics endpoint → chain connection (retried) → registration (retried
//! forever) → engine (store, queue, backends) → worker, uptime, power sync, follower,
//! reconciliation, NRU, API, API URL publication, periodic re-registration.
//!
//! On SIGINT or SIGTERM: the API stops accepting requests, the follower and periodic tasks stop,
//! the engine worker finishes the job it is running, then every VM is stopped (they are
//! re-provisioned from the store at the next start). A second signal exits at once.

use crate::{
	api::{self, ApiState},
	backoff::Backoff,
	chain::NodeChain,
	chain_view::ChainViewAdapter,
	config::{Config, ImageConfig},
	deploy_client::API_URL_KEY,
	engine::{EngineHandle, Provisioner},
	follower::{Follower, Reconciler, CURSOR_FILE},
	host::{HostFacts, LinuxHost},
	identity::{self, IdentityError},
	metrics::{self, Metrics, MetricsError},
	power::PowerManager,
	registration::{register_once, register_until_done},
	uptime::{now_secs, UptimeReporter},
};
use std::{
	collections::{BTreeMap, BTreeSet},
	net::SocketAddr,
	os::unix::fs::DirBuilderExt,
	sync::{atomic::AtomicU32, Arc, OnceLock},
	time::Duration,
};
use tfchain_agent_chain::ChainClient;
use tfchain_agent_engine::{Backends, Engine, EngineConfig, Image};
use tfchain_deployment::ResultState;
use tokio::{
	sync::{watch, Notify},
	task::JoinHandle,
};

/// How long shutdown waits for the running job before stopping the VMs anyway.
pub const SHUTDOWN_JOB_GRACE: Duration = Duration::from_secs(120);

/// Why the agent could not start.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
	/// The key file is unusable.
	#[error("{0}")]
	Identity(#[from] IdentityError),
	/// The metrics registry failed.
	#[error("{0}")]
	Metrics(#[from] MetricsError),
	/// A directory of the state could not be created.
	#[error("cannot create {path}: {source}")]
	StateDir {
		/// The directory.
		path: std::path::PathBuf,
		/// The I/O error.
		source: std::io::Error,
	},
	/// A listener could not be bound.
	#[error("cannot listen on {addr} for the {what}: {source}")]
	Bind {
		/// `API` or `metrics endpoint`.
		what: &'static str,
		/// The address.
		addr: SocketAddr,
		/// The I/O error.
		source: std::io::Error,
	},
	/// `[network]` settings the net crate refuses.
	#[error("invalid [network] link_range: {0}")]
	Network(String),
	/// The engine could not open its state.
	#[error("engine: {0}")]
	Engine(String),
}

/// Runs the agent until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), AgentError> {
	let (tx, rx) = watch::channel(false);
	tokio::spawn(watch_signals(tx));
	run_until(config, rx).await
}

/// Turns SIGINT/SIGTERM into the shutdown signal; a second signal exits at once.
async fn watch_signals(tx: watch::Sender<bool>) {
	use tokio::signal::unix::{signal, SignalKind};
	let (Ok(mut term), Ok(mut int)) =
		(signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
	else {
		tracing::error!("cannot install signal handlers; stop the agent with SIGKILL");
		return;
	};
	let mut count = 0;
	loop {
		tokio::select! {
			_ = term.recv() => {},
			_ = int.recv() => {},
		}
		count += 1;
		if count == 1 {
			tracing::info!(
				"shutdown requested: finishing the current job (signal again to exit now)"
			);
			tx.send_replace(true);
		} else {
			tracing::warn!("second signal: exiting now");
			std::process::exit(130);
		}
	}
}

async fn until_shutdown(mut rx: watch::Receiver<bool>) {
	while !*rx.borrow_and_update() {
		if rx.changed().await.is_err() {
			return;
		}
	}
}

async fn sleep_or_shutdown(delay: Duration, rx: &mut watch::Receiver<bool>) -> bool {
	if *rx.borrow() {
		return true;
	}
	tokio::select! {
		_ = tokio::time::sleep(delay) => *rx.borrow(),
		_ = rx.changed() => true,
	}
}

fn create_dir(path: &std::path::Path) -> Result<(), AgentError> {
	std::fs::DirBuilder::new()
		.recursive(true)
		.mode(0o700)
		.create(path)
		.map_err(|source| AgentError::StateDir { path: path.to_path_buf(), source })
}

async fn connect_chain(
	url: &str,
	keypair: tfchain_agent_chain::Keypair,
	metrics: &Metrics,
	shutdown: &mut watch::Receiver<bool>,
) -> Option<ChainClient> {
	let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
	loop {
		match ChainClient::connect(url, keypair.clone()).await {
			Ok(client) => {
				metrics.chain_connected.set(1);
				tracing::info!(url, "connected to the chain");
				return Some(client);
			},
			Err(e) => {
				metrics.chain_connected.set(0);
				let delay = backoff.next_delay();
				tracing::warn!(url, error = %e, retry_in_secs = delay.as_secs(), "cannot reach the chain");
				if sleep_or_shutdown(delay, shutdown).await {
					return None;
				}
			},
		}
	}
}

fn images(config: &Config) -> BTreeMap<String, Image> {
	config
		.images
		.iter()
		.map(|(name, ImageConfig { kernel, initrd, cmdline })| {
			(
				name.clone(),
				Image::Linux {
					kernel: kernel.clone(),
					initrd: initrd.clone(),
					cmdline: cmdline.clone(),
				},
			)
		})
		.collect()
}

/// Runs the agent until `shutdown` turns true.
pub async fn run_until(config: Config, shutdown: watch::Receiver<bool>) -> Result<(), AgentError> {
	let mut stop = shutdown.clone();
	let state_dir = config.storage.state_dir.clone();
	create_dir(&state_dir)?;
	let (key, created) = identity::load_or_create(&config.key_file())?;
	if created {
		tracing::info!(account = %key.ss58(), path = %config.key_file().display(), "created a new node key");
	}
	tracing::info!(account = %key.ss58(), "node account");

	let metrics = Metrics::new()?;
	let engine_slot: Arc<OnceLock<Arc<dyn Provisioner>>> = Arc::new(OnceLock::new());
	let slot = engine_slot.clone();
	let stats: metrics::StatsSource = Arc::new(move || slot.get().map(|e| e.stats()));
	let metrics_listener =
		tokio::net::TcpListener::bind(config.metrics.listen).await.map_err(|source| {
			AgentError::Bind { what: "metrics endpoint", addr: config.metrics.listen, source }
		})?;
	tracing::info!(listen = %config.metrics.listen, "metrics endpoint listening");
	let metrics_task = tokio::spawn({
		let router = metrics::router(metrics.clone(), stats);
		let rx = shutdown.clone();
		async move {
			if let Err(e) = axum::serve(metrics_listener, router)
				.with_graceful_shutdown(until_shutdown(rx))
				.await
			{
				tracing::error!(error = %e, "metrics endpoint failed");
			}
		}
	});

	let Some(client) = connect_chain(&config.chain.url, key.keypair(), &metrics, &mut stop).await
	else {
		return Ok(());
	};
	let chain: Arc<dyn NodeChain> = Arc::new(client.clone());
	let host: Arc<dyn HostFacts> = Arc::new(LinuxHost::new());

	let Some(registered) =
		register_until_done(&*chain, &config, &*host, &metrics, Duration::from_secs(2), &mut stop)
			.await
	else {
		return Ok(());
	};
	let node_id = registered.node_id;

	// The engine.
	let mut engine_config = EngineConfig::new(&state_dir, &config.storage.run_dir, node_id);
	engine_config.images = images(&config);
	if !config.network.nat {
		tracing::warn!("[network] nat = false is not supported yet: private networks get NAT");
	}
	let link_range = config
		.network
		.link_range
		.parse::<tfchain_agent_net::Ipv4Net>()
		.map_err(|e| AgentError::Network(e.to_string()))?;
	let net = tfchain_agent_net::NetConfig {
		prefix: config.network.bridge_prefix.clone(),
		link_range,
		public_bridge: config.network.public_interface.clone(),
	};
	create_dir(&config.storage.run_dir)?;
	let (backends, notes) = Backends::detect(&engine_config, net);
	for note in notes {
		tracing::warn!("{note}");
	}
	let hypervisor = backends.hypervisor.clone();
	let view = Arc::new(ChainViewAdapter::new(client.clone(), node_id));
	let engine = Engine::open(engine_config, backends, view)
		.map_err(|e| AgentError::Engine(e.to_string()))?;
	let provisioner: Arc<dyn Provisioner> =
		Arc::new(EngineHandle { engine: engine.clone(), hypervisor });
	let _ = engine_slot.set(provisioner.clone());

	let mut tasks: Vec<(&'static str, JoinHandle<()>)> = Vec::new();
	let worker = tokio::spawn(engine.clone().run(shutdown.clone()));

	// Uptime.
	let (connected_tx, connected_rx) = watch::channel(true);
	let uptime =
		Arc::new(UptimeReporter::new(chain.clone(), host.clone(), metrics.clone(), &state_dir));
	tasks.push((
		"uptime",
		tokio::spawn(uptime.clone().run(
			Duration::from_secs(config.intervals.uptime_secs),
			shutdown.clone(),
			connected_rx.clone(),
		)),
	));

	// Power.
	let (power_tx, power_rx) = watch::channel(true);
	let power = Arc::new(PowerManager::new(
		chain.clone(),
		provisioner.clone(),
		node_id,
		config.power.shutdown_command.clone(),
		metrics.clone(),
		Some(uptime.clone()),
		power_tx,
	));
	match power.sync_at_start().await {
		Ok(action) => tracing::info!(?action, "power state synced with the target"),
		Err(e) => tracing::warn!(error = %e, "cannot sync the power state at start"),
	}

	// Chain follower and reconciliation.
	let reconcile_now = Arc::new(Notify::new());
	let follower = Follower {
		chain: chain.clone(),
		engine: provisioner.clone(),
		power: power.clone(),
		node_id,
		farm_id: config.node.farm_id,
		cursor_path: state_dir.join(CURSOR_FILE),
		max_replay: config.follower.max_replay_blocks,
		wait_timeout: Duration::from_secs(config.follower.wait_timeout_secs),
		reconnect_initial: Duration::from_secs(1),
		reconnect_max: Duration::from_secs(config.follower.reconnect_max_secs),
		metrics: metrics.clone(),
		connected: connected_tx,
		reconcile_now: reconcile_now.clone(),
	};
	tasks.push(("follower", tokio::spawn(follower.run(shutdown.clone()))));
	let (runs_tx, runs_rx) = watch::channel(0);
	let reconciler = Reconciler {
		chain: chain.clone(),
		engine: provisioner.clone(),
		node_id,
		metrics: metrics.clone(),
		now: reconcile_now,
		runs: runs_tx,
	};
	tasks.push((
		"reconcile",
		tokio::spawn(reconciler.run(
			Duration::from_secs(config.intervals.reconcile_secs),
			Duration::from_secs(30),
			shutdown.clone(),
		)),
	));

	// Network usage.
	tasks.push((
		"nru",
		tokio::spawn(nru_loop(
			provisioner.clone(),
			metrics.clone(),
			Duration::from_secs(config.intervals.nru_sample_secs),
			Duration::from_secs(config.intervals.nru_secs),
			shutdown.clone(),
		)),
	));

	// Logs when deployments finish provisioning.
	tasks.push((
		"provisioned",
		tokio::spawn(log_provisioned(provisioner.clone(), runs_rx, shutdown.clone())),
	));

	// API.
	let api_listener = tokio::net::TcpListener::bind(config.api.listen)
		.await
		.map_err(|source| AgentError::Bind { what: "API", addr: config.api.listen, source })?;
	tracing::info!(listen = %config.api.listen, "deployments API listening");
	let api_state = ApiState {
		engine: provisioner.clone(),
		power_up: power_rx,
		chain_connected: connected_rx,
		node_id: Arc::new(AtomicU32::new(node_id)),
		metrics: metrics.clone(),
	};
	let api_task = tokio::spawn({
		let rx = shutdown.clone();
		async move {
			if let Err(e) = axum::serve(api_listener, api::router(api_state))
				.with_graceful_shutdown(until_shutdown(rx))
				.await
			{
				tracing::error!(error = %e, "API server failed");
			}
		}
	});

	// Publish the API URL.
	if let Some(url) = config.api.public_url.clone() {
		tasks.push((
			"publish-url",
			tokio::spawn(publish_api_url(chain.clone(), url, shutdown.clone())),
		));
	}

	// Registration again every registration_secs.
	tasks.push((
		"registration",
		tokio::spawn(reregister(
			chain.clone(),
			config.clone(),
			host.clone(),
			metrics.clone(),
			node_id,
			shutdown.clone(),
		)),
	));

	until_shutdown(shutdown.clone()).await;
	tracing::info!("shutting down: API closed to new requests, waiting for the running job");
	let _ = api_task.await;
	if tokio::time::timeout(SHUTDOWN_JOB_GRACE, worker).await.is_err() {
		tracing::warn!("the running job did not finish in time; stopping the VMs anyway");
	}
	provisioner.stop_all().await;
	for (name, task) in tasks {
		if tokio::time::timeout(Duration::from_secs(10), task).await.is_err() {
			tracing::warn!(task = name, "task did not stop in time");
		}
	}
	let _ = metrics_task.await;
	tracing::info!("node agent stopped");
	Ok(())
}

/// Samples traffic every `sample` and reports network usage every `report`.
async fn nru_loop(
	engine: Arc<dyn Provisioner>,
	metrics: Metrics,
	sample: Duration,
	report: Duration,
	mut shutdown: watch::Receiver<bool>,
) {
	let mut sample_tick = tokio::time::interval(sample);
	let mut report_tick = tokio::time::interval(report);
	sample_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	report_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	// The first report tick fires at once; skip it: a window needs samples first.
	report_tick.tick().await;
	loop {
		tokio::select! {
			_ = sample_tick.tick() => {
				if let Err(e) = engine.sample_traffic().await {
					tracing::warn!(error = %e, "traffic sampling failed");
				}
			},
			_ = report_tick.tick() => match engine.report_traffic(now_secs()).await {
				Ok(sent) => {
					metrics.nru_reports.with_label_values(&["ok"]).inc();
					tracing::info!(reports = sent, "network usage reported");
				},
				Err(e) => {
					metrics.nru_reports.with_label_values(&["failed"]).inc();
					tracing::warn!(error = %e, "network usage report failed; kept for the next run");
				},
			},
			_ = shutdown.changed() => return,
		}
	}
}

/// Logs `provisioned contract <id>` once per contract version when every workload is ok and
/// no job of the contract is queued, and each workload error once. Starts after the first
/// reconciliation, which queues the jobs restarting what an earlier run left (the stored states
/// say `ok` before that).
async fn log_provisioned(
	engine: Arc<dyn Provisioner>,
	mut reconciled: watch::Receiver<u64>,
	mut shutdown: watch::Receiver<bool>,
) {
	tokio::select! {
		_ = reconciled.wait_for(|runs| *runs > 0) => {},
		_ = until_shutdown(shutdown.clone()) => return,
	}
	let mut done: BTreeSet<(u64, u32)> = BTreeSet::new();
	let mut errors: BTreeSet<(u64, String, u64)> = BTreeSet::new();
	loop {
		for doc in engine.deployments() {
			let id = doc.contract_id;
			for w in &doc.workloads {
				if let Some(r) = w.result.as_ref().filter(|r| r.state == ResultState::Error) {
					if errors.insert((id, w.name.clone(), r.created)) {
						tracing::warn!(contract_id = id, workload = %w.name, message = %r.message, "workload failed");
					}
				}
			}
			let all_ok = !doc.workloads.is_empty()
				&& doc.workloads.iter().all(|w| w.state() == Some(ResultState::Ok))
				&& engine.pending_jobs(id) == 0;
			if all_ok && done.insert((id, doc.version)) {
				tracing::info!(
					contract_id = id,
					version = doc.version,
					"provisioned contract {id}"
				);
			}
		}
		if sleep_or_shutdown(Duration::from_millis(500), &mut shutdown).await {
			return;
		}
	}
}

/// Stores the API URL in the node account's key-value store when it differs; retried.
async fn publish_api_url(
	chain: Arc<dyn NodeChain>,
	url: String,
	mut shutdown: watch::Receiver<bool>,
) {
	let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(300));
	loop {
		let result = async {
			let current = chain.kv_get(chain.account_id(), API_URL_KEY).await?;
			if current.as_deref() == Some(url.as_bytes()) {
				return Ok(false);
			}
			chain.kv_set(API_URL_KEY, url.as_bytes()).await.map(|()| true)
		}
		.await;
		match result {
			Ok(changed) => {
				tracing::info!(url = %url, changed, "API URL published on chain ({API_URL_KEY})");
				return;
			},
			Err(e) => {
				let delay = backoff.next_delay();
				tracing::warn!(error = %e, retry_in_secs = delay.as_secs(), "cannot publish the API URL");
				if sleep_or_shutdown(delay, &mut shutdown).await {
					return;
				}
			},
		}
	}
}

/// Runs registration again every `registration_secs` (capacity or interfaces may change).
async fn reregister(
	chain: Arc<dyn NodeChain>,
	config: Config,
	host: Arc<dyn HostFacts>,
	metrics: Metrics,
	node_id: u32,
	mut shutdown: watch::Receiver<bool>,
) {
	let period = Duration::from_secs(config.intervals.registration_secs);
	loop {
		if sleep_or_shutdown(period, &mut shutdown).await {
			return;
		}
		// One quick attempt first, then the retrying loop.
		let done = match register_once(&*chain, &config, &*host).await {
			Ok(done) => Some(done),
			Err(e) => {
				tracing::warn!(error = %e, "periodic registration failed; retrying");
				register_until_done(
					&*chain,
					&config,
					&*host,
					&metrics,
					Duration::from_secs(5),
					&mut shutdown,
				)
				.await
			},
		};
		match done {
			Some(done) if done.node_id != node_id => tracing::error!(
				old = node_id,
				new = done.node_id,
				"the node id changed on chain; restart the agent"
			),
			Some(done) => tracing::debug!(?done.decision, "registration checked"),
			None => return,
		}
	}
}
