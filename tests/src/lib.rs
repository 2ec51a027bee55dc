//! End-to-end test harness: starts the real `tfchain` binary on loopback ports and drives it with
//! subxt. A [`Node`] is killed, and its data removed, when dropped; its log is printed if the
//! test is failing.
//!
//! The binary is `$TFCHAIN_BIN`, or `tfchain` in the target directory the tests were built in
//! (`scripts/test.sh` builds it in the same cargo invocation as the tests).
//!
//! [`grid`] sets up twins, farms and nodes for the tests that need a grid; [`agent`] runs the
//! node agent against a test chain.

use anyhow::{anyhow, bail, Context, Result};
use std::{
	fs,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::atomic::{AtomicU32, Ordering},
	time::{Duration, Instant},
};
use subxt::{OnlineClient, PolkadotConfig};

pub use subxt::{self, dynamic::Value, events::Phase};
pub use subxt_signer::sr25519::{dev, Keypair};

pub mod agent;
pub mod grid;

/// The client type used against our chain (u32 block numbers, `MultiAddress<AccountId32, ()>`).
pub type Client = OnlineClient<PolkadotConfig>;

/// How long a test waits for something the chain should do within a few blocks.
pub const BLOCKS_TIMEOUT: Duration = Duration::from_secs(120);

/// Path of the node binary under test.
pub fn node_binary() -> Result<PathBuf> {
	if let Some(path) = std::env::var_os("TFCHAIN_BIN") {
		return Ok(PathBuf::from(path));
	}
	// Test executables live in `<target>/<profile>/deps/`; the node in `<target>/<profile>/`.
	let exe = std::env::current_exe()?;
	let profile_dir = exe
		.parent()
		.and_then(Path::parent)
		.ok_or_else(|| anyhow!("unexpected test executable path {}", exe.display()))?;
	let candidate = profile_dir.join("tfchain");
	if candidate.exists() {
		Ok(candidate)
	} else {
		bail!(
			"node binary not found at {}; build it (`cargo build --release -p tfchain-node`) or set TFCHAIN_BIN",
			candidate.display()
		)
	}
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> Result<u16> {
	Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A directory under the system temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
	/// A new, empty directory whose name starts with `prefix`.
	pub fn new(prefix: &str) -> Result<Self> {
		static COUNTER: AtomicU32 = AtomicU32::new(0);
		let n = COUNTER.fetch_add(1, Ordering::SeqCst);
		let path =
			std::env::temp_dir().join(format!("tfchain-{prefix}-{}-{n}", std::process::id()));
		let _ = fs::remove_dir_all(&path);
		fs::create_dir_all(&path)?;
		Ok(Self(path))
	}

	/// The directory's path.
	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = fs::remove_dir_all(&self.0);
	}
}

/// How to start a node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// A name for logs.
	pub name: String,
	/// `--chain`: `dev`, `local`, `four` or a chain-spec path.
	pub chain: String,
	/// The dev key it validates with (`alice`, `bob`, …), if any.
	pub validator: Option<String>,
	/// The libp2p node key (32 bytes), so peer ids are stable across restarts.
	pub node_key: [u8; 32],
	/// Multiaddresses of nodes to connect to.
	pub bootnodes: Vec<String>,
	/// More command-line arguments.
	pub extra_args: Vec<String>,
}

impl NodeConfig {
	/// A validator with the dev key `key` (e.g. `alice`) on `chain`.
	pub fn validator(key: &str, chain: &str, seed: u8) -> Self {
		Self {
			name: key.to_string(),
			chain: chain.to_string(),
			validator: Some(key.to_string()),
			node_key: [seed; 32],
			bootnodes: Vec::new(),
			extra_args: Vec::new(),
		}
	}

	/// Connect to `node` at start.
	pub fn with_bootnode(mut self, node: &Node) -> Self {
		self.bootnodes.push(node.multiaddr());
		self
	}
}

/// A running `tfchain` process.
pub struct Node {
	config: NodeConfig,
	child: Option<Child>,
	base: TempDir,
	/// JSON-RPC port (WebSocket and HTTP).
	pub rpc_port: u16,
	/// libp2p port.
	pub p2p_port: u16,
	/// Prometheus metrics port.
	pub prometheus_port: u16,
	peer_id: String,
	log_path: PathBuf,
}

impl Node {
	/// Starts a node and waits until its RPC server answers.
	pub async fn start(config: NodeConfig) -> Result<Self> {
		let base = TempDir::new(&config.name)?;
		let mut node = Self {
			log_path: base.path().join("node.log"),
			config,
			child: None,
			base,
			rpc_port: free_port()?,
			p2p_port: free_port()?,
			prometheus_port: free_port()?,
			peer_id: String::new(),
		};
		node.spawn().await?;
		Ok(node)
	}

	/// Starts a single-validator `--dev` chain (Alice).
	pub async fn dev() -> Result<Self> {
		let mut config = NodeConfig::validator("alice", "dev", 1);
		config.name = "dev".into();
		Self::start(config).await
	}

	async fn spawn(&mut self) -> Result<()> {
		let binary = node_binary()?;
		let log = fs::OpenOptions::new().create(true).append(true).open(&self.log_path)?;
		let mut cmd = Command::new(&binary);
		cmd.arg("--chain")
			.arg(&self.config.chain)
			.arg("--base-path")
			.arg(self.base.path().join("data"))
			.arg("--name")
			.arg(&self.config.name)
			.arg("--node-key")
			.arg(hex::encode(self.config.node_key))
			.arg("--listen-addr")
			.arg(format!("/ip4/127.0.0.1/tcp/{}", self.p2p_port))
			.arg("--rpc-port")
			.arg(self.rpc_port.to_string())
			.arg("--rpc-methods=unsafe")
			.arg("--prometheus-port")
			.arg(self.prometheus_port.to_string())
			.arg("--no-mdns")
			.arg("--no-telemetry")
			.arg("--allow-private-ip")
			.arg("--discover-local")
			.args(["--log", "info,runtime=debug"]);
		if let Some(key) = &self.config.validator {
			cmd.arg(format!("--{key}"));
		}
		for bootnode in &self.config.bootnodes {
			cmd.arg("--bootnodes").arg(bootnode);
		}
		cmd.args(&self.config.extra_args).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
		self.child = Some(cmd.spawn().with_context(|| format!("starting {}", binary.display()))?);

		// Only this run's part of the log counts (a restarted node appends to it).
		let log_start = fs::metadata(&self.log_path).map(|m| m.len() as usize).unwrap_or(0);
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
				bail!("node {} exited with {status}:\n{}", self.config.name, self.log_tail(40));
			}
			let log = fs::read_to_string(&self.log_path).unwrap_or_default();
			let log = log.get(log_start..).unwrap_or_default();
			if self.peer_id.is_empty() {
				if let Some(id) = log
					.lines()
					.find_map(|l| l.split("Local node identity is: ").nth(1))
					.map(|id| id.trim().to_string())
				{
					self.peer_id = id;
				}
			}
			if !self.peer_id.is_empty() && log.contains("Running JSON-RPC server") {
				return Ok(());
			}
			if Instant::now() > deadline {
				bail!("node {} did not start:\n{}", self.config.name, self.log_tail(40));
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// Kills the process (SIGKILL), keeping its database.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Starts the process again on the same database and ports.
	pub async fn restart(&mut self) -> Result<()> {
		self.kill();
		self.spawn().await
	}

	/// WebSocket URL of the RPC server.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The libp2p address other nodes dial.
	pub fn multiaddr(&self) -> String {
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", self.p2p_port, self.peer_id)
	}

	/// A subxt client connected to this node.
	pub async fn client(&self) -> Result<Client> {
		Ok(Client::from_insecure_url(self.ws_url()).await?)
	}

	/// A raw JSON-RPC client connected to this node.
	pub async fn rpc(&self) -> Result<subxt::rpcs::RpcClient> {
		Ok(subxt::rpcs::RpcClient::from_insecure_url(self.ws_url()).await?)
	}

	/// The last `lines` lines of the node's log.
	pub fn log_tail(&self, lines: usize) -> String {
		let log = fs::read_to_string(&self.log_path).unwrap_or_default();
		let all: Vec<&str> = log.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// The node's Prometheus metrics, as text.
	pub async fn metrics(&self) -> Result<String> {
		Ok(agent::http_get(self.prometheus_port, "/metrics").await?.1)
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if std::thread::panicking() {
			eprintln!("---- log of node {} ----\n{}", self.config.name, self.log_tail(60));
		}
		self.kill();
	}
}

/// Number of the node's latest finalized block.
pub async fn finalized_number(client: &Client) -> Result<u64> {
	Ok(client.at_current_block().await?.block_number())
}

/// Number of the node's best block.
pub async fn best_number(node: &Node) -> Result<u64> {
	let rpc = node.rpc().await?;
	let header: serde_json::Value =
		rpc.request("chain_getHeader", subxt::rpcs::rpc_params![]).await?;
	let number = header["number"].as_str().ok_or_else(|| anyhow!("header without number"))?;
	Ok(u64::from_str_radix(number.trim_start_matches("0x"), 16)?)
}

/// Waits until the node has finalized block `number`.
pub async fn wait_for_finalized(client: &Client, number: u64, timeout: Duration) -> Result<()> {
	let deadline = Instant::now() + timeout;
	loop {
		let finalized = finalized_number(client).await?;
		if finalized >= number {
			return Ok(());
		}
		if Instant::now() > deadline {
			bail!("finalized block is {finalized}, expected {number} within {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// Free balance of `account` at the latest finalized block.
pub async fn free_balance(client: &Client, account: [u8; 32]) -> Result<u128> {
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountInfo {
		data: AccountData,
	}
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountData {
		free: u128,
	}
	let address = subxt::dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let at = client.at_current_block().await?;
	let info = at.storage().fetch(address, (account,)).await?.decode()?;
	Ok(info.data.free)
}

/// Signs and submits a dynamic call, waits until it is finalized and succeeded, and returns
/// `(pallet, event)` names with each event's fields as a [`Value`].
pub async fn submit(
	client: &Client,
	signer: &Keypair,
	pallet: &str,
	call: &str,
	args: Vec<Value>,
) -> Result<Vec<(String, String, Value)>> {
	let payload = subxt::dynamic::transaction(pallet, call, args);
	let events = client
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&payload, signer)
		.await
		.with_context(|| format!("submitting {pallet}.{call}"))?
		.wait_for_finalized_success()
		.await
		.map_err(|e| anyhow!("{pallet}.{call} did not succeed: {e:?}"))?;
	let mut out = Vec::new();
	for event in events.iter() {
		let event = event?;
		let fields = event.decode_fields_unchecked_as::<Value>()?;
		out.push((event.pallet_name().to_string(), event.event_name().to_string(), fields));
	}
	Ok(out)
}

/// Whether `events` contains `pallet.event`.
pub fn has_event(events: &[(String, String, Value)], pallet: &str, event: &str) -> bool {
	events.iter().any(|(p, e, _)| p == pallet && e == event)
}

/// Writes the `dev` chain spec, with `edit` applied to its genesis patch (or full genesis
/// config), to `dir` and returns the file's path, for [`NodeConfig::chain`]. Keys are the JSON
/// names of the genesis config, e.g. `genesis["smartContractModule"]["billingFrequency"]`.
pub fn dev_spec_with(dir: &TempDir, edit: impl FnOnce(&mut serde_json::Value)) -> Result<String> {
	let output = Command::new(node_binary()?)
		.args(["build-spec", "--chain", "dev", "--disable-default-bootnode"])
		.stderr(Stdio::null())
		.output()?;
	if !output.status.success() {
		bail!("build-spec --chain dev failed");
	}
	let mut spec: serde_json::Value = serde_json::from_slice(&output.stdout)?;
	let genesis = &mut spec["genesis"]["runtimeGenesis"];
	let patch =
		if genesis.get("patch").is_some() { &mut genesis["patch"] } else { &mut genesis["config"] };
	edit(patch);
	let path = dir.path().join("dev-patched.json");
	fs::write(&path, serde_json::to_vec(&spec)?)?;
	Ok(path.to_string_lossy().into_owned())
}

/// An event of a block, with the phase it was emitted in.
#[derive(Debug, Clone)]
pub struct BlockEvent {
	/// `Initialization` for `on_initialize` hooks, `ApplyExtrinsic(i)` for extrinsic `i`.
	pub phase: Phase,
	/// Pallet name.
	pub pallet: String,
	/// Event name.
	pub event: String,
	/// The event's fields.
	pub fields: Value,
}

/// All events of block `number` (`System.Events`: hooks, extrinsics and finalization).
pub async fn block_events(client: &Client, number: u64) -> Result<Vec<BlockEvent>> {
	let at = client.at_block(number).await?;
	let events = at.events().fetch().await?;
	let mut out = Vec::new();
	for event in events.iter() {
		let event = event?;
		out.push(BlockEvent {
			phase: event.phase(),
			pallet: event.pallet_name().to_string(),
			event: event.event_name().to_string(),
			fields: event.decode_fields_unchecked_as::<Value>()?,
		});
	}
	Ok(out)
}

/// Scans the finalized blocks after block `after`, in order, until one has an event for which
/// `matches` holds; returns that block's number and the event. Fails after `timeout`. `what`
/// names the awaited event in progress lines and errors.
pub async fn wait_for_block_event(
	client: &Client,
	after: u64,
	timeout: Duration,
	what: &str,
	mut matches: impl FnMut(&BlockEvent) -> bool,
) -> Result<(u64, BlockEvent)> {
	let start = Instant::now();
	let deadline = start + timeout;
	let mut last_report = start;
	let mut next = after + 1;
	loop {
		let finalized = finalized_number(client).await?;
		while next <= finalized {
			if let Some(event) = block_events(client, next).await?.into_iter().find(&mut matches) {
				return Ok((next, event));
			}
			next += 1;
		}
		if Instant::now() > deadline {
			bail!("no {what} in finalized blocks {}..={finalized} within {timeout:?}", after + 1);
		}
		if last_report.elapsed() >= Duration::from_secs(15) {
			println!(
				"still waiting for {what} (finalized #{finalized}, {}s)",
				start.elapsed().as_secs()
			);
			last_report = Instant::now();
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}
