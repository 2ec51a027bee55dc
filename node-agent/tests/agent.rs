//! The agent as a whole, without a chain: start-up checks, the metrics endpoint while the chain
//! is unreachable, graceful shutdown, and the binary's commands.

use node_agent::{
	agent::{run_until, AgentError},
	config::Config,
	identity::IdentityError,
};
use std::{
	io::{Read, Write},
	net::TcpStream,
	os::unix::fs::PermissionsExt,
	path::Path,
	process::{Command, Stdio},
	time::{Duration, Instant},
};
use tokio::sync::watch;

fn free_port() -> u16 {
	std::net::TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free port")
}

/// A config whose chain is a closed local port.
fn config_text(dir: &Path, metrics_port: u16) -> String {
	let chain_port = free_port();
	format!(
		r#"[chain]
url = "ws://127.0.0.1:{chain_port}"
[node]
farm_id = 1
[storage]
state_dir = "{state}"
run_dir = "{run}"
[api]
listen = "127.0.0.1:{api}"
[metrics]
listen = "127.0.0.1:{metrics_port}"
"#,
		state = dir.join("state").display(),
		run = dir.join("run").display(),
		api = free_port(),
	)
}

fn http_get(port: u16, path: &str) -> Option<String> {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
	stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
	write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
	let mut out = String::new();
	stream.read_to_string(&mut out).ok()?;
	Some(out)
}

async fn wait_for_metrics(port: u16, needle: &str) -> String {
	let deadline = Instant::now() + Duration::from_secs(20);
	loop {
		let port2 = port;
		let text = tokio::task::spawn_blocking(move || http_get(port2, "/metrics"))
			.await
			.ok()
			.flatten()
			.unwrap_or_default();
		if text.contains(needle) {
			return text;
		}
		assert!(Instant::now() < deadline, "metrics never showed {needle:?}:\n{text}");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

#[tokio::test]
async fn waits_for_the_chain_serves_metrics_and_stops_on_signal() {
	let dir = tempfile::tempdir().unwrap();
	let metrics_port = free_port();
	let config = Config::parse(&config_text(dir.path(), metrics_port)).unwrap();
	let (stop, shutdown) = watch::channel(false);
	let agent = tokio::spawn(run_until(config, shutdown));
	let text = wait_for_metrics(metrics_port, "node_agent_chain_connected 0").await;
	assert!(text.contains("node_agent_registered 0"), "{text}");
	// The key was created with mode 0600 in the state directory.
	let key = dir.path().join("state/key");
	assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
	stop.send(true).unwrap();
	let result = tokio::time::timeout(Duration::from_secs(10), agent).await.unwrap().unwrap();
	assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn refuses_a_readable_key() {
	let dir = tempfile::tempdir().unwrap();
	let key = dir.path().join("state/key");
	std::fs::create_dir_all(key.parent().unwrap()).unwrap();
	std::fs::write(&key, "11".repeat(32)).unwrap();
	std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
	let config = Config::parse(&config_text(dir.path(), free_port())).unwrap();
	let (_stop, shutdown) = watch::channel(false);
	match run_until(config, shutdown).await {
		Err(AgentError::Identity(IdentityError::InsecurePermissions { mode, .. })) => {
			assert_eq!(mode, 0o644)
		},
		other => panic!("expected InsecurePermissions, got {other:?}"),
	}
}

#[tokio::test]
async fn metrics_port_in_use_is_a_named_error() {
	let dir = tempfile::tempdir().unwrap();
	let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
	let port = taken.local_addr().unwrap().port();
	let config = Config::parse(&config_text(dir.path(), port)).unwrap();
	let (_stop, shutdown) = watch::channel(false);
	match run_until(config, shutdown).await {
		Err(e @ AgentError::Bind { what: "metrics endpoint", .. }) => {
			assert!(e.to_string().contains(&port.to_string()))
		},
		other => panic!("expected Bind, got {other:?}"),
	}
}

const BIN: &str = env!("CARGO_BIN_EXE_node-agent");

#[test]
fn key_command_prints_the_account() {
	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("config.toml");
	std::fs::write(&file, config_text(dir.path(), free_port())).unwrap();
	let out = Command::new(BIN).args(["key", "--config"]).arg(&file).output().unwrap();
	assert!(out.status.success(), "{out:?}");
	let stdout = String::from_utf8(out.stdout).unwrap();
	let lines: Vec<&str> = stdout.lines().collect();
	assert_eq!(lines.len(), 2, "{stdout}");
	assert!(lines[0].starts_with('5'), "SS58: {stdout}");
	assert_eq!(lines[1].len(), 66, "hex: {stdout}");
	// Same key the second time.
	let again = Command::new(BIN).args(["key", "--config"]).arg(&file).output().unwrap();
	assert_eq!(String::from_utf8(again.stdout).unwrap(), stdout);
}

#[test]
fn bad_config_fails_with_its_error() {
	let dir = tempfile::tempdir().unwrap();
	let file = dir.path().join("config.toml");
	std::fs::write(&file, "[chain]\nurl = \"http://nope\"\n[node]\nfarm_id = 1\n").unwrap();
	let out = Command::new(BIN).args(["run", "--config"]).arg(&file).output().unwrap();
	assert!(!out.status.success());
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(stderr.contains("invalid [chain] url"), "{stderr}");
	let out = Command::new(BIN).args(["--config", "/nonexistent.toml"]).output().unwrap();
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));
}

#[test]
fn sigterm_stops_the_binary_cleanly_with_json_logs() {
	let dir = tempfile::tempdir().unwrap();
	let metrics_port = free_port();
	let file = dir.path().join("config.toml");
	std::fs::write(&file, config_text(dir.path(), metrics_port)).unwrap();
	let log = std::fs::File::create(dir.path().join("log")).unwrap();
	let mut child = Command::new(BIN)
		.args(["--log-format", "json", "run", "--config"])
		.arg(&file)
		.env("RUST_LOG", "info")
		.stdout(Stdio::null())
		.stderr(log)
		.spawn()
		.unwrap();
	let deadline = Instant::now() + Duration::from_secs(20);
	while !http_get(metrics_port, "/metrics")
		.is_some_and(|t| t.contains("node_agent_chain_connected"))
	{
		assert!(Instant::now() < deadline, "metrics never came up");
		std::thread::sleep(Duration::from_millis(100));
	}
	// SAFETY: sends a signal to our own child.
	unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
	let deadline = Instant::now() + Duration::from_secs(20);
	let status = loop {
		if let Some(status) = child.try_wait().unwrap() {
			break status;
		}
		assert!(Instant::now() < deadline, "did not stop after SIGTERM");
		std::thread::sleep(Duration::from_millis(100));
	};
	assert!(status.success(), "{status}");
	let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
	let first = log.lines().next().unwrap_or_default();
	let parsed: serde_json::Value =
		serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {first}"));
	assert_eq!(parsed["level"], "INFO");
	assert!(log.contains("cannot reach the chain"), "{log}");
}
