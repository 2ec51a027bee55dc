//! The `node-agent` binary: `run` (default), `deploy`, `cancel`, `key`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use node_agent::{
	agent,
	config::Config,
	deploy_client::{self, DeployOptions, KeySource},
	identity,
};
use std::{path::PathBuf, process::ExitCode, time::Duration};

/// Default configuration file.
const DEFAULT_CONFIG: &str = "/etc/node-agent/config.toml";

/// The farmer's node agent: registers the node on the chain, reports uptime, follows the
/// chain and provisions the deployments of this node's contracts.
#[derive(Debug, Parser)]
#[command(name = "node-agent", version, about, long_about = None)]
struct Cli {
	/// Log format (the level comes from RUST_LOG, default `info`).
	#[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
	log_format: LogFormat,
	/// Configuration file (for `run` without a subcommand).
	#[arg(long, short, default_value = DEFAULT_CONFIG)]
	config: PathBuf,
	#[command(subcommand)]
	command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
	/// Human readable lines.
	Text,
	/// One JSON object per line.
	Json,
}

#[derive(Debug, Subcommand)]
enum Command {
	/// Run the agent (the default command).
	Run {
		/// Configuration file.
		#[arg(long, short, default_value = DEFAULT_CONFIG)]
		config: PathBuf,
	},
	/// Deploy (or update) a deployment on a node, as a user: creates the node contract, signs
	/// the document, sends it to the node's agent and waits for the workloads.
	Deploy(DeployArgs),
	/// Cancel a contract (the node deprovisions it when it sees the cancellation).
	Cancel(CancelArgs),
	/// Print the node account (SS58 and hex) of a configuration, creating the key if missing.
	Key {
		/// Configuration file.
		#[arg(long, short, default_value = DEFAULT_CONFIG)]
		config: PathBuf,
	},
}

#[derive(Debug, Args)]
struct SignerArgs {
	/// Chain websocket URL.
	#[arg(long)]
	chain: String,
	/// Secret URI of the user (e.g. `//Bob`, a mnemonic, `0x<seed>`).
	#[arg(long, conflicts_with = "key_file", required_unless_present = "key_file")]
	suri: Option<String>,
	/// File holding the user's 32-byte hex seed (mode 0600).
	#[arg(long)]
	key_file: Option<PathBuf>,
}

impl SignerArgs {
	fn key(&self) -> KeySource {
		match (&self.suri, &self.key_file) {
			(Some(suri), _) => KeySource::Suri(suri.clone()),
			(None, Some(path)) => KeySource::KeyFile(path.clone()),
			(None, None) => KeySource::Suri(String::new()),
		}
	}
}

#[derive(Debug, Args)]
struct DeployArgs {
	#[command(flatten)]
	signer: SignerArgs,
	/// Target node id.
	#[arg(long)]
	node: u32,
	/// Deployment document (JSON).
	#[arg(long)]
	file: PathBuf,
	/// Agent API URL; by default the URL the node published on chain.
	#[arg(long)]
	agent_url: Option<String>,
	/// Update an existing deployment (needs --contract).
	#[arg(long, requires = "contract")]
	update: bool,
	/// Contract to update.
	#[arg(long)]
	contract: Option<u64>,
	/// Return once the agent accepted the document, without waiting for the workloads.
	#[arg(long)]
	no_wait: bool,
	/// Seconds to wait for every workload to be ok or error.
	#[arg(long, default_value_t = 300)]
	timeout_secs: u64,
}

#[derive(Debug, Args)]
struct CancelArgs {
	#[command(flatten)]
	signer: SignerArgs,
	/// Contract to cancel.
	#[arg(long)]
	contract: u64,
}

fn init_logs(format: LogFormat) {
	use tracing_subscriber::EnvFilter;
	let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
	let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
	match format {
		LogFormat::Text => builder.init(),
		LogFormat::Json => builder.json().flatten_event(true).init(),
	}
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	init_logs(cli.log_format);
	let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(rt) => rt,
		Err(e) => {
			eprintln!("error: cannot start the async runtime: {e}");
			return ExitCode::FAILURE;
		},
	};
	let result = runtime.block_on(async {
		match cli.command {
			None => run(cli.config).await,
			Some(Command::Run { config }) => run(config).await,
			Some(Command::Key { config }) => key(config),
			Some(Command::Deploy(args)) => {
				let update = if args.update { args.contract } else { None };
				let opts = DeployOptions {
					chain: args.signer.chain.clone(),
					key: args.signer.key(),
					node_id: args.node,
					file: args.file,
					agent_url: args.agent_url,
					update,
					wait: !args.no_wait,
					timeout: Duration::from_secs(args.timeout_secs),
				};
				deploy_client::deploy(&opts)
					.await
					.map(|(id, done)| match done {
						Some(_) => println!("contract {id}: all workloads ok"),
						None => println!("contract {id}: accepted, not waiting"),
					})
					.map_err(|e| e.to_string())
			},
			Some(Command::Cancel(args)) => {
				deploy_client::cancel(&args.signer.chain, &args.signer.key(), args.contract)
					.await
					.map_err(|e| e.to_string())
			},
		}
	});
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			tracing::error!("{e}");
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}

async fn run(config: PathBuf) -> Result<(), String> {
	let config = Config::load(&config).map_err(|e| e.to_string())?;
	agent::run(config).await.map_err(|e| e.to_string())
}

fn key(config: PathBuf) -> Result<(), String> {
	let config = Config::load(&config).map_err(|e| e.to_string())?;
	let (key, created) = identity::load_or_create(&config.key_file()).map_err(|e| e.to_string())?;
	if created {
		eprintln!("created {}", config.key_file().display());
	}
	println!("{}", key.ss58());
	println!("0x{}", hex::encode(key.account_id()));
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::CommandFactory;

	#[test]
	fn cli_is_consistent() {
		Cli::command().debug_assert();
	}

	#[test]
	fn parses_the_documented_commands() {
		let cli = Cli::try_parse_from(["node-agent", "--log-format", "json"]).unwrap();
		assert!(cli.command.is_none());
		assert_eq!(cli.log_format, LogFormat::Json);
		let cli = Cli::try_parse_from(["node-agent", "run", "--config", "/tmp/c.toml"]).unwrap();
		assert!(
			matches!(cli.command, Some(Command::Run { config }) if config == std::path::Path::new("/tmp/c.toml"))
		);
		let cli = Cli::try_parse_from([
			"node-agent",
			"deploy",
			"--chain",
			"ws://127.0.0.1:9944",
			"--suri",
			"//Bob",
			"--node",
			"1",
			"--file",
			"d.json",
			"--agent-url",
			"http://127.0.0.1:2021",
		])
		.unwrap();
		let Some(Command::Deploy(d)) = cli.command else { panic!("not deploy") };
		assert_eq!(d.node, 1);
		assert!(!d.update);
		assert!(!d.no_wait);
		assert!(matches!(d.signer.key(), KeySource::Suri(s) if s == "//Bob"));
		let cli = Cli::try_parse_from([
			"node-agent",
			"deploy",
			"--chain",
			"ws://x:1",
			"--key-file",
			"/k",
			"--node",
			"1",
			"--file",
			"d.json",
			"--update",
			"--contract",
			"5",
		])
		.unwrap();
		let Some(Command::Deploy(d)) = cli.command else { panic!("not deploy") };
		assert!(d.update);
		assert_eq!(d.contract, Some(5));
		let cli = Cli::try_parse_from([
			"node-agent",
			"cancel",
			"--chain",
			"ws://x:1",
			"--suri",
			"//Bob",
			"--contract",
			"3",
		])
		.unwrap();
		assert!(matches!(cli.command, Some(Command::Cancel(CancelArgs { contract: 3, .. }))));
	}

	#[test]
	fn refuses_bad_combinations() {
		// --update without --contract, no signer, two signers, bad log format
		for args in [
			vec![
				"node-agent",
				"deploy",
				"--chain",
				"ws://x:1",
				"--suri",
				"//B",
				"--node",
				"1",
				"--file",
				"f",
				"--update",
			],
			vec!["node-agent", "deploy", "--chain", "ws://x:1", "--node", "1", "--file", "f"],
			vec![
				"node-agent",
				"cancel",
				"--chain",
				"ws://x:1",
				"--suri",
				"//B",
				"--key-file",
				"/k",
				"--contract",
				"1",
			],
			vec!["node-agent", "--log-format", "xml"],
		] {
			assert!(Cli::try_parse_from(&args).is_err(), "{args:?}");
		}
	}
}
