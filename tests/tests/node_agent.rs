//! The node agent end to end on a dev node whose contracts are billed every 5 blocks:
//! - the agent registers its node (terms, twin, `create_node` with measured capacity) and
//!   publishes its API address on chain;
//! - a user deploys with `node-agent deploy`: the contract is created on chain, the signed
//!   document goes to the agent, which checks it against the contract and provisions a disk, a
//!   private network, a public IP and a VM (a real KVM VM running the probe guest where
//!   `/dev/kvm` works), reports the used resources, and the chain bills the contract;
//! - the agent is killed right after accepting a second deployment, restarted, and converges:
//!   both deployments running, each VM once;
//! - the user cancels: the workloads and their files disappear;
//! - the farmer sets the node's power target down and up: the agent reports the power state.

use anyhow::{anyhow, Result};
use std::{path::Path, process::Command, time::Duration};
use tfchain_tests::{
	agent::{number_after, run_client, workload_states, Agent},
	grid::{create_farm_with_ip, register_twin},
	subxt::dynamic::At,
	*,
};

/// Blocks between two bills of a contract on the test chain.
const BILLING_FREQUENCY: u64 = 5;
/// How long the agent may take for something that needs a few finalized blocks.
const AGENT_TIMEOUT: Duration = Duration::from_secs(180);
/// One TFT in planck.
const TFT: u128 = 10_000_000;
/// The node's key (its account is funded by Alice).
const NODE_SEED: [u8; 32] = [42; 32];

/// A deployment of the probe image with a 1 GiB disk, a private network and, when `public`,
/// a public IPv4 address.
fn deployment(network: &str, subnet_octet: u8, public: bool) -> serde_json::Value {
	let mut workloads = vec![
		serde_json::json!({"version": 0, "name": "disk", "type": "zmount", "data": {"size": 1u64 << 30},
			"metadata": "", "description": "data disk"}),
		serde_json::json!({"version": 0, "name": network, "type": "network",
			"data": {"ip_range": "10.20.0.0/16", "subnet": format!("10.20.{subnet_octet}.0/24")},
			"metadata": "", "description": ""}),
	];
	if public {
		workloads.push(serde_json::json!({"version": 0, "name": "pub", "type": "ip",
			"data": {"v4": true}, "metadata": "", "description": ""}));
	}
	workloads.push(serde_json::json!({"version": 0, "name": "vm", "type": "zmachine",
		"data": {"image": "probe", "cpu": 1, "memory": 64u64 << 20, "size": 0, "mounts": ["disk"],
			"network": network, "ip": format!("10.20.{subnet_octet}.2"),
			"public_ip": if public { serde_json::json!("pub") } else { serde_json::Value::Null },
			"env": {}, "entrypoint": ""},
		"metadata": "", "description": "probe VM"}));
	serde_json::json!({
		"version": 0, "twin_id": 0, "contract_id": 0, "metadata": "", "description": "e2e",
		"signature_requirement": {"requests": [], "weight_required": 1, "signatures": [],
			"signature_style": "raw"},
		"workloads": workloads,
	})
}

/// Whether every workload of `doc` is in state `state`.
fn all_in(doc: Option<&serde_json::Value>, state: &str) -> bool {
	doc.map(workload_states)
		.is_some_and(|states| !states.is_empty() && states.iter().all(|(_, s)| s == state))
}

/// Whether this host can run KVM guests (else the agent uses its fake hypervisor).
fn kvm_usable() -> bool {
	std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_ok()
}

/// Whether this test may create network devices (root with `ip`).
fn can_make_links() -> bool {
	// SAFETY: `geteuid` has no preconditions.
	let root = unsafe { libc::geteuid() } == 0;
	root && Command::new("ip").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// A bridge in the host namespace standing for the farm's public network; removed on drop.
struct PublicBridge(String);

impl PublicBridge {
	fn create(name: &str) -> Result<Self> {
		let _ = Command::new("ip").args(["link", "del", name]).output();
		let status = Command::new("ip").args(["link", "add", name, "type", "bridge"]).status()?;
		anyhow::ensure!(status.success(), "ip link add {name} type bridge failed");
		Command::new("ip").args(["link", "set", name, "up"]).status()?;
		Ok(Self(name.to_string()))
	}
}

impl Drop for PublicBridge {
	fn drop(&mut self) {
		let _ = Command::new("ip").args(["link", "del", &self.0]).output();
	}
}

/// `deploy` a document file as `suri` on `node_id` through the agent at `api_port`; returns the
/// contract id the client printed.
fn deploy(
	ws: &str,
	suri: &str,
	node_id: u32,
	file: &Path,
	api_port: u16,
	wait: bool,
) -> Result<u64> {
	let node = node_id.to_string();
	let url = format!("http://127.0.0.1:{api_port}");
	let file = file.to_string_lossy();
	let mut args = vec![
		"deploy",
		"--chain",
		ws,
		"--suri",
		suri,
		"--node",
		&node,
		"--file",
		&file,
		"--agent-url",
		&url,
	];
	if !wait {
		args.push("--no-wait");
	}
	let out = run_client(&args, AGENT_TIMEOUT)?;
	number_after(&out, "contract")
}

/// `NodeContractResources(id).used` at the latest finalized block, as (cru, mru, sru).
async fn used_resources(client: &Client, id: u64) -> Result<(u128, u128, u128)> {
	let address =
		subxt::dynamic::storage::<(u64,), Value>("SmartContractModule", "NodeContractResources");
	let at = client.at_current_block().await?;
	let value = at.storage().fetch(address, (id,)).await?.decode()?;
	let used = value.at("used").ok_or_else(|| anyhow!("no used in {value}"))?;
	let get = |k: &str| used.at(k).and_then(|v| v.as_u128()).ok_or_else(|| anyhow!("no {k}"));
	Ok((get("cru")?, get("mru")?, get("sru")?))
}

#[tokio::test]
async fn agent_registers_provisions_recovers_and_cleans_up() -> Result<()> {
	let spec_dir = TempDir::new("agent-spec")?;
	let chain = dev_spec_with(&spec_dir, |genesis| {
		genesis["smartContractModule"]["billingFrequency"] = BILLING_FREQUENCY.into();
	})?;
	let mut config = NodeConfig::validator("alice", &chain, 1);
	config.name = "dev-agent".into();
	let node = Node::start(config).await?;
	let client = node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;
	let ws = node.ws_url();
	let farmer = dev::bob();
	let alice = dev::alice();

	// The farmer's farm with one public IP; the node's account gets funds for its fees.
	register_twin(&client, &farmer).await?;
	create_farm_with_ip(&client, &farmer, "agent_farm", "185.206.122.33/24", "185.206.122.1")
		.await?;
	let node_account = Keypair::from_secret_key(NODE_SEED)?.public_key().0;
	submit(
		&client,
		&alice,
		"Balances",
		"transfer_keep_alive",
		vec![
			Value::unnamed_variant("Id", [Value::from_bytes(node_account)]),
			Value::u128(100 * TFT),
		],
	)
	.await?;
	println!("farm 1 created; node account funded");

	// The agent registers its node.
	let links = can_make_links();
	let prefix = format!("e{}", std::process::id() % 10_000);
	let bridge = if links { Some(PublicBridge::create(&format!("{prefix}pub"))?) } else { None };
	if !links {
		println!("not root or no `ip`: the agent runs with its fake network backend");
	}
	if !kvm_usable() {
		println!("/dev/kvm not usable: the agent runs with its fake hypervisor");
	}
	let mut agent = Agent::configure(&ws, 1, NODE_SEED, bridge.as_ref().map(|b| b.0.as_str()), "")?;
	agent.start()?;
	let line = agent.wait_for_log("registered node", AGENT_TIMEOUT).await?;
	let node_id = number_after(&line, "registered node")? as u32;
	println!("agent: {line}");
	let stored = {
		let address = subxt::dynamic::storage::<(u32,), Value>("TfgridModule", "Nodes");
		client.at_current_block().await?.storage().fetch(address, (node_id,)).await?.decode()?
	};
	assert_eq!(stored.at("farm_id").and_then(|v| v.as_u128()), Some(1), "{stored}");
	let cru = stored.at("resources").at("cru").and_then(|v| v.as_u128()).unwrap_or(0);
	assert!(cru >= 1, "measured CRU on chain: {stored}");

	// A user deploys; the agent provisions and reports what the contract uses.
	let user = "//Dave";
	register_twin(&client, &dev::dave()).await?;
	let first_file = agent.dir.path().join("first.json");
	std::fs::write(&first_file, deployment("net", 1, true).to_string())?;
	let first = deploy(&ws, user, node_id, &first_file, agent.api_port, true)?;
	let doc = agent
		.wait_for_deployment(first, AGENT_TIMEOUT, "all ok", |d| all_in(d, "ok"))
		.await?
		.ok_or_else(|| anyhow!("deployment {first} missing"))?;
	println!("deployment {first}: {:?}", workload_states(&doc));
	let console = agent.state_dir().join("consoles").join(format!("{first}-vm.log"));
	if kvm_usable() {
		let deadline = std::time::Instant::now() + Duration::from_secs(20);
		while !std::fs::read_to_string(&console).unwrap_or_default().contains("tfchain probe") {
			assert!(
				std::time::Instant::now() < deadline,
				"no probe output in {}",
				console.display()
			);
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		println!("VM console: {}", std::fs::read_to_string(&console)?.trim());
		let metrics = agent.metrics().await?;
		let latency = metrics
			.lines()
			.find(|l| l.starts_with("node_agent_provision_to_first_instruction_seconds"))
			.ok_or_else(|| anyhow!("no provision latency metric"))?;
		println!("{latency}");
	}
	let deadline = std::time::Instant::now() + AGENT_TIMEOUT;
	loop {
		let used = used_resources(&client, first).await?;
		if used == (1, 64 << 20, 1 << 30) {
			break;
		}
		assert!(std::time::Instant::now() < deadline, "used resources on chain: {used:?}");
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	println!("the chain holds the reported resources of contract {first}");
	let from = finalized_number(&client).await?;
	wait_for_block_event(&client, from, AGENT_TIMEOUT, "ContractBilled", |e| {
		e.pallet == "SmartContractModule"
			&& e.event == "ContractBilled"
			&& e.fields.at(0).at("contract_id").and_then(|v| v.as_u128()) == Some(first as u128)
	})
	.await?;
	println!("contract {first} billed");

	// The agent dies right after accepting a second deployment, and converges after a restart.
	let second_file = agent.dir.path().join("second.json");
	std::fs::write(&second_file, deployment("net2", 2, false).to_string())?;
	let second = deploy(&ws, user, node_id, &second_file, agent.api_port, false)?;
	agent.kill();
	println!("agent killed after accepting contract {second}");
	agent.start()?;
	for id in [first, second] {
		agent.wait_for_deployment(id, AGENT_TIMEOUT, "all ok", |d| all_in(d, "ok")).await?;
	}
	let (_, list) = agent.get("/deployments").await?;
	let list: serde_json::Value = serde_json::from_str(&list)?;
	let ids: Vec<u64> = list
		.as_array()
		.map(|a| a.iter().filter_map(|d| d["contract_id"].as_u64()).collect())
		.unwrap_or_default();
	assert_eq!(ids.iter().filter(|&&id| id == first).count(), 1, "{ids:?}");
	assert_eq!(ids.iter().filter(|&&id| id == second).count(), 1, "{ids:?}");
	// The VMM runs inside the agent, so the restart stopped the first VM too: the agent's start
	// reconciliation starts it again, once.
	let deadline = std::time::Instant::now() + AGENT_TIMEOUT;
	loop {
		let metrics = agent.metrics().await?;
		let running = metrics
			.lines()
			.find(|l| l.starts_with("node_agent_vms_running"))
			.and_then(|l| l.split_whitespace().last())
			.and_then(|v| v.parse::<f64>().ok())
			.ok_or_else(|| anyhow!("no node_agent_vms_running metric"))?;
		assert!(running <= 2.0, "{running} VMs running for 2 deployments");
		if running == 2.0 {
			break;
		}
		assert!(std::time::Instant::now() < deadline, "VMs running after the restart: {running}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	println!("after the restart both deployments run, each VM once");

	// The user cancels both; the workloads and their files disappear.
	for id in [first, second] {
		let contract = id.to_string();
		run_client(
			&["cancel", "--chain", &ws, "--suri", user, "--contract", &contract],
			AGENT_TIMEOUT,
		)?;
		agent.wait_for_deployment(id, AGENT_TIMEOUT, "removed", |d| d.is_none()).await?;
	}
	let volumes = agent.state_dir().join("volumes");
	let left: Vec<_> =
		std::fs::read_dir(&volumes).map(|d| d.flatten().collect()).unwrap_or_default();
	assert!(left.is_empty(), "volumes left: {left:?}");
	if links {
		let netns = String::from_utf8(Command::new("ip").args(["netns", "list"]).output()?.stdout)?;
		assert!(!netns.lines().any(|l| l.starts_with(&prefix)), "namespaces left: {netns}");
	}
	println!("cancelled contracts {first} and {second}: nothing left on the host");

	// The farmer powers the idle node down and up; the agent reports each state.
	for (target, state) in [("Down", "Down"), ("Up", "Up")] {
		let from = finalized_number(&client).await?;
		submit(
			&client,
			&farmer,
			"TfgridModule",
			"change_power_target",
			vec![Value::u128(node_id as u128), Value::unnamed_variant(target, [])],
		)
		.await?;
		wait_for_block_event(&client, from, AGENT_TIMEOUT, "PowerStateChanged", |e| {
			e.pallet == "TfgridModule"
				&& e.event == "PowerStateChanged"
				&& e.fields.at("node_id").and_then(|v| v.as_u128()) == Some(node_id as u128)
				&& e.fields.at("power_state").is_some_and(|v| v.to_string().starts_with(state))
		})
		.await?;
		println!("power target {target}: the agent reported {state}");
	}
	assert!(agent.terminate(Duration::from_secs(30))?, "the agent did not stop cleanly");
	Ok(())
}
