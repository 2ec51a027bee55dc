//! Running the `node-agent` binary against a test chain: its config file, its process (killed
//! when dropped, its log printed when the test fails), its HTTP API, and the `deploy` client.

use crate::{free_port, TempDir};
use anyhow::{anyhow, bail, Context, Result};
use std::{
	fs,
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// Path of the agent binary: `$NODE_AGENT_BIN`, or `node-agent` next to the node binary.
pub fn agent_binary() -> Result<PathBuf> {
	if let Some(path) = std::env::var_os("NODE_AGENT_BIN") {
		return Ok(PathBuf::from(path));
	}
	let node = crate::node_binary()?;
	let candidate = node.with_file_name("node-agent");
	if candidate.exists() {
		Ok(candidate)
	} else {
		bail!(
			"agent binary not found at {}; build it (`cargo build --release -p node-agent`) or set NODE_AGENT_BIN",
			candidate.display()
		)
	}
}

/// A node agent's files and ports; the process is started with [`Agent::start`].
pub struct Agent {
	/// Its directory: config, key, state, volumes, log.
	pub dir: TempDir,
	/// HTTP API port.
	pub api_port: u16,
	/// Prometheus metrics port.
	pub metrics_port: u16,
	child: Option<Child>,
	log_path: PathBuf,
}

impl Agent {
	/// Writes a config for the chain at `ws_url`, farm `farm_id`, the node key `seed` (file
	/// mode 0600) and, when given, the public bridge `public_bridge`. `extra` is appended to the
	/// TOML file.
	pub fn configure(
		ws_url: &str,
		farm_id: u32,
		seed: [u8; 32],
		public_bridge: Option<&str>,
		extra: &str,
	) -> Result<Self> {
		use std::os::unix::fs::PermissionsExt;
		let dir = TempDir::new("agent")?;
		let api_port = free_port()?;
		let metrics_port = free_port()?;
		let key = dir.path().join("node.key");
		fs::write(&key, hex::encode(seed))?;
		fs::set_permissions(&key, fs::Permissions::from_mode(0o600))?;
		let state = dir.path().join("state");
		let ssd = dir.path().join("ssd");
		fs::create_dir_all(&ssd)?;
		let public_bridge =
			public_bridge.map(|b| format!("public_bridge = \"{b}\"\n")).unwrap_or_default();
		let prefix = format!("e{}", std::process::id() % 10_000);
		let config = format!(
			r#"[chain]
url = "{ws_url}"

[identity]
key_file = "{key}"

[node]
farm_id = {farm_id}
city = "Ghent"
country = "Belgium"
latitude = "51.05"
longitude = "3.71"

[storage]
state_dir = "{state}"
run_dir = "{run}"
ssd_paths = ["{ssd}"]

[network]
prefix = "{prefix}"
{public_bridge}
[api]
listen = "127.0.0.1:{api_port}"
public_url = "http://127.0.0.1:{api_port}"

[metrics]
listen = "127.0.0.1:{metrics_port}"

[intervals]
uptime_secs = 60
reconcile_secs = 30
nru_secs = 60
{extra}"#,
			key = key.display(),
			state = state.display(),
			run = dir.path().join("run").display(),
			ssd = ssd.display(),
		);
		fs::write(dir.path().join("config.toml"), config)?;
		let log_path = dir.path().join("agent.log");
		Ok(Self { dir, api_port, metrics_port, child: None, log_path })
	}

	/// The config file's path.
	pub fn config_path(&self) -> PathBuf {
		self.dir.path().join("config.toml")
	}

	/// The agent's state directory.
	pub fn state_dir(&self) -> PathBuf {
		self.dir.path().join("state")
	}

	/// Starts `node-agent run --config <file>`, appending to its log.
	pub fn start(&mut self) -> Result<()> {
		let log = fs::OpenOptions::new().create(true).append(true).open(&self.log_path)?;
		let child = Command::new(agent_binary()?)
			.args(["run", "--config"])
			.arg(self.config_path())
			.env("RUST_LOG", "info,node_agent=debug,tfchain_agent_engine=debug")
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log)
			.spawn()
			.context("starting node-agent")?;
		self.child = Some(child);
		Ok(())
	}

	/// Kills the agent with SIGKILL (no clean shutdown).
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Stops the agent with SIGTERM and waits for it to exit; returns whether it exited cleanly.
	pub fn terminate(&mut self, timeout: Duration) -> Result<bool> {
		let Some(mut child) = self.child.take() else { return Ok(true) };
		// SAFETY: `kill` only sends a signal, to our own child process.
		unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
		let deadline = Instant::now() + timeout;
		loop {
			if let Some(status) = child.try_wait()? {
				return Ok(status.success());
			}
			if Instant::now() > deadline {
				let _ = child.kill();
				let _ = child.wait();
				return Ok(false);
			}
			std::thread::sleep(Duration::from_millis(100));
		}
	}

	/// The whole log so far.
	pub fn log(&self) -> String {
		fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	/// Waits until the log has a line containing `needle`; returns that line.
	pub async fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Result<String> {
		let deadline = Instant::now() + timeout;
		loop {
			if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
				return Ok(line.to_string());
			}
			if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
				bail!("node-agent exited with {status} before logging {needle:?}");
			}
			if Instant::now() > deadline {
				bail!("node-agent did not log {needle:?} within {timeout:?}");
			}
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
	}

	/// `GET path` on the agent's API: the status code and the body.
	pub async fn get(&self, path: &str) -> Result<(u16, String)> {
		http_get(self.api_port, path).await
	}

	/// The agent's Prometheus metrics, as text.
	pub async fn metrics(&self) -> Result<String> {
		Ok(http_get(self.metrics_port, "/metrics").await?.1)
	}

	/// Polls `GET /deployments/{id}` until `done` holds for its JSON (or the timeout).
	pub async fn wait_for_deployment(
		&self,
		contract_id: u64,
		timeout: Duration,
		what: &str,
		mut done: impl FnMut(Option<&serde_json::Value>) -> bool,
	) -> Result<Option<serde_json::Value>> {
		let deadline = Instant::now() + timeout;
		loop {
			let doc = match self.get(&format!("/deployments/{contract_id}")).await {
				Ok((200, body)) => Some(serde_json::from_str::<serde_json::Value>(&body)?),
				Ok((404, _)) => None,
				Ok((code, body)) => bail!("GET /deployments/{contract_id}: {code} {body}"),
				Err(_) => {
					tokio::time::sleep(Duration::from_millis(300)).await;
					continue;
				},
			};
			if done(doc.as_ref()) {
				return Ok(doc);
			}
			if Instant::now() > deadline {
				bail!("deployment {contract_id}: {what} not reached within {timeout:?}: {doc:?}");
			}
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
	}
}

impl Drop for Agent {
	fn drop(&mut self) {
		if std::thread::panicking() {
			let log = self.log();
			let lines: Vec<&str> = log.lines().collect();
			eprintln!(
				"---- node-agent log ----\n{}",
				lines[lines.len().saturating_sub(80)..].join("\n")
			);
		}
		// A clean stop, so the agent removes its VMs, taps and namespaces where it can.
		let _ = self.terminate(Duration::from_secs(20));
	}
}

/// Every workload state of a deployment JSON (`workloads[].result.state`).
pub fn workload_states(doc: &serde_json::Value) -> Vec<(String, String)> {
	doc["workloads"]
		.as_array()
		.map(|ws| {
			ws.iter()
				.map(|w| {
					(
						w["name"].as_str().unwrap_or_default().to_string(),
						w["result"]["state"].as_str().unwrap_or("none").to_string(),
					)
				})
				.collect()
		})
		.unwrap_or_default()
}

/// Runs the agent binary as a client (`deploy`, `cancel`) with `args`; returns its stdout, or
/// an error with its output when it fails.
pub fn run_client(args: &[&str], timeout: Duration) -> Result<String> {
	let mut child = Command::new(agent_binary()?)
		.args(args)
		.stdin(Stdio::null())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.context("starting node-agent client")?;
	let deadline = Instant::now() + timeout;
	loop {
		if child.try_wait()?.is_some() {
			break;
		}
		if Instant::now() > deadline {
			let _ = child.kill();
			bail!("node-agent {args:?} did not finish within {timeout:?}");
		}
		std::thread::sleep(Duration::from_millis(200));
	}
	let output = child.wait_with_output()?;
	let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
	let stderr = String::from_utf8_lossy(&output.stderr);
	if !output.status.success() {
		bail!("node-agent {args:?} failed ({}):\n{stdout}\n{stderr}", output.status);
	}
	print!("{stdout}");
	Ok(stdout)
}

/// The number after `key` in `text` (e.g. `contract 7` → 7).
pub fn number_after(text: &str, key: &str) -> Result<u64> {
	text.split(key)
		.nth(1)
		.and_then(|rest| rest.trim_start().split(|c: char| !c.is_ascii_digit()).next())
		.and_then(|n| n.parse().ok())
		.ok_or_else(|| anyhow!("no number after {key:?} in {text:?}"))
}

/// `GET path` on `127.0.0.1:port` over HTTP/1.0: the status code and the body.
pub async fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
	stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).await?;
	let mut response = String::new();
	stream.read_to_string(&mut response).await?;
	let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
	let code = head
		.split_whitespace()
		.nth(1)
		.and_then(|c| c.parse().ok())
		.ok_or_else(|| anyhow!("bad HTTP response: {head}"))?;
	Ok((code, body.to_string()))
}
