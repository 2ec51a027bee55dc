//! The client against a running dev chain (ignored; needs `TFCHAIN_WS`):
//!
//! ```text
//! tfchain --dev --tmp --rpc-port 19944 &
//! TFCHAIN_WS=ws://127.0.0.1:19944 cargo test --release -p tfchain-agent-chain --test dev_chain -- --ignored
//! ```
//!
//! A fresh node key funded by Alice accepts the terms, creates a twin and registers a node in
//! a new farm of Alice's, reports uptime; Bob creates a node contract on it, which the node
//! reads back and sees in `node_events`; the node reports resources and network usage; Bob
//! updates and cancels the contract, which the node sees too.

use std::{
	error::Error,
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tfchain_agent_chain::{
	dev, ChainClient, ChainError, ContractKind, ContractState, EventFilter, Interface, Keypair,
	Location, NodeEvent, NodeRegistration, NruReport, PowerState, PowerTarget, PublicIpInfo,
	Resources,
};

type TestResult = Result<(), Box<dyn Error>>;

const GIB: u64 = 1024 * 1024 * 1024;
/// One TFT in planck.
const TFT: u128 = 10_000_000;

fn now_secs() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn nanos() -> u128 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// Accepts the terms and creates a twin unless the account has one; returns the twin id.
async fn ensure_twin(client: &ChainClient) -> Result<u32, ChainError> {
	if let Some(id) = client.twin_id_of(client.account_id()).await? {
		return Ok(id);
	}
	client.accept_terms("https://library.threefold.me/tc", "tc_hash_1").await?;
	client.create_twin(None, None).await
}

/// Scans finalized blocks after `after` for a node event matching `matches`.
async fn wait_node_event(
	client: &ChainClient,
	filter: &EventFilter,
	after: u64,
	what: &str,
	matches: impl Fn(&NodeEvent) -> bool,
) -> Result<u64, Box<dyn Error>> {
	let deadline = Instant::now() + Duration::from_secs(120);
	let mut next = after + 1;
	while Instant::now() < deadline {
		let finalized = client.wait_finalized_after(next - 1, Duration::from_secs(60)).await?;
		while next <= finalized {
			let events = client.node_events(next, filter).await?;
			println!("block #{next}: {events:?}");
			if events.iter().any(&matches) {
				return Ok(next);
			}
			next += 1;
		}
	}
	Err(format!("no {what} after block #{after}").into())
}

fn registration(farm_id: u32, city: &str) -> NodeRegistration {
	NodeRegistration {
		farm_id,
		resources: Resources { hru: 1024 * GIB, sru: 512 * GIB, cru: 8, mru: 16 * GIB },
		location: Location {
			city: city.into(),
			country: "Belgium".into(),
			latitude: "51.05".into(),
			longitude: "3.71".into(),
		},
		interfaces: vec![Interface {
			name: "zos".into(),
			mac: "00:00:5e:00:53:af".into(),
			ips: vec!["10.2.3.3".into()],
		}],
		secure_boot: false,
		virtualized: true,
		serial_number: Some("SN-agent-test".into()),
	}
}

#[tokio::test]
#[ignore = "needs a dev chain: set TFCHAIN_WS, e.g. ws://127.0.0.1:19944"]
async fn node_and_user_flow_on_a_dev_chain() -> TestResult {
	let Ok(url) = std::env::var("TFCHAIN_WS") else {
		eprintln!("skipping: TFCHAIN_WS is not set");
		return Ok(());
	};
	let run = nanos();

	// Alice funds a fresh node key.
	let alice = ChainClient::connect(&url, dev::alice()).await?;
	let mut seed = [7u8; 32];
	seed[..16].copy_from_slice(&run.to_le_bytes());
	let node_key = Keypair::from_secret_key(seed)?;
	let node = ChainClient::connect(&url, node_key).await?;
	assert_eq!(node.free_balance(node.account_id()).await?, 0);
	alice.transfer(node.account_id(), 1_000 * TFT).await?;
	assert_eq!(node.free_balance(node.account_id()).await?, 1_000 * TFT);

	// The node's twin.
	assert_eq!(node.twin_id_of(node.account_id()).await?, None);
	node.accept_terms("https://library.threefold.me/tc", "tc_hash_1").await?;
	let node_twin = node.create_twin(Some("relay.dev.grid.tf".into()), None).await?;
	assert_eq!(node.twin_id_of(node.account_id()).await?, Some(node_twin));
	let twin = node.twin(node_twin).await?.ok_or("node twin missing")?;
	assert_eq!(twin.account_id, node.account_id());
	assert_eq!(twin.relay.as_deref(), Some("relay.dev.grid.tf"));
	println!("node twin {node_twin}");

	// Alice's farm (the dev preset has none) with one public IP.
	ensure_twin(&alice).await?;
	let farm_name = format!("agent-test-{}", run % 1_000_000_000);
	let farm_id = alice
		.create_farm(
			&farm_name,
			&[PublicIpInfo { ip: "185.206.122.33/24".into(), gateway: "185.206.122.1".into() }],
		)
		.await?;
	println!("farm {farm_id} ({farm_name})");

	// Registration.
	let too_long = registration(farm_id, &"x".repeat(59));
	match node.create_node(&too_long).await {
		Err(ChainError::BoundsExceeded { field, len: 59, max: 58 }) => {
			assert_eq!(field, "location.city")
		},
		other => panic!("expected a bounds error, got {other:?}"),
	}
	let reg = registration(farm_id, "Ghent");
	let node_id = node.create_node(&reg).await?;
	println!("node {node_id}");
	assert_eq!(node.node_id_of_twin(node_twin).await?, Some(node_id));
	let info = node.node(node_id).await?.ok_or("node missing")?;
	assert_eq!((info.id, info.farm_id, info.twin_id), (node_id, farm_id, node_twin));
	assert_eq!(info.registration(), reg);
	assert_eq!((info.power_target, info.power_state), (PowerTarget::Up, PowerState::Up));
	// A second registration of the same twin is a named dispatch error.
	let again = node.create_node(&reg).await;
	assert!(
		matches!(&again, Err(e) if e.is_dispatch("TfgridModule", "NodeWithTwinIdExists")),
		"{again:?}"
	);

	let moved = registration(farm_id, "Antwerp");
	node.update_node(node_id, &moved).await?;
	let info = node.node(node_id).await?.ok_or("node missing")?;
	assert_eq!(info.location.city, "Antwerp");

	node.report_uptime(120, now_secs()).await?;
	node.change_power_state(true).await?;
	let chain_now = node.chain_time_secs().await?;
	assert!(chain_now.abs_diff(now_secs()) < 120, "chain time {chain_now}");

	// Bob deploys on the node.
	let bob = ChainClient::connect(&url, dev::bob()).await?;
	let bob_twin = ensure_twin(&bob).await?;
	let filter = EventFilter { node_id, farm_id };
	let before = bob.finalized_number().await?;
	let mut hash = [0u8; 32];
	hash[..16].copy_from_slice(&run.to_le_bytes());
	let contract_id = bob.create_node_contract(node_id, hash, b"agent test", 1).await?;
	println!("contract {contract_id}");
	let contract = node.contract(contract_id).await?.ok_or("contract missing")?;
	assert_eq!(contract.twin_id, bob_twin);
	assert_eq!(contract.state, ContractState::Created);
	match &contract.kind {
		ContractKind::Node { node_id: on, deployment_hash, public_ips } => {
			assert_eq!(*on, node_id);
			assert_eq!(*deployment_hash, hash);
			assert_eq!(
				public_ips,
				&vec![PublicIpInfo {
					ip: "185.206.122.33/24".into(),
					gateway: "185.206.122.1".into()
				}]
			);
		},
		other => panic!("not a node contract: {other:?}"),
	}
	assert!(node.active_node_contracts(node_id).await?.contains(&contract_id));
	assert_eq!(node.active_rent_contract(node_id).await?, None);
	let created = wait_node_event(&node, &filter, before, "ContractCreated", |e| {
		*e == NodeEvent::ContractCreated { contract_id, twin_id: bob_twin }
	})
	.await?;
	println!("ContractCreated in block #{created}");

	// The node reports what the contract uses.
	node.report_contract_resources(&[(
		contract_id,
		Resources { hru: 0, sru: 10 * GIB, cru: 2, mru: 4 * GIB },
	)])
	.await?;
	node.add_nru_reports(&[NruReport {
		contract_id,
		timestamp: node.chain_time_secs().await?,
		window: 60,
		nru: 1_000_000,
	}])
	.await?;

	// Key-value store.
	let key = format!("agent-test-{run}");
	assert_eq!(node.kv_get(node.account_id(), &key).await?, None);
	node.kv_set(&key, b"value").await?;
	assert_eq!(node.kv_get(node.account_id(), &key).await?, Some(b"value".to_vec()));

	// Update, then cancel.
	let before = node.finalized_number().await?;
	let mut new_hash = hash;
	new_hash[31] = 1;
	bob.update_node_contract(contract_id, new_hash, b"agent test v2").await?;
	wait_node_event(&node, &filter, before, "ContractUpdated", |e| {
		*e == NodeEvent::ContractUpdated { contract_id, twin_id: bob_twin }
	})
	.await?;
	let before = node.finalized_number().await?;
	bob.cancel_contract(contract_id).await?;
	let canceled = wait_node_event(&node, &filter, before, "NodeContractCanceled", |e| {
		*e == NodeEvent::NodeContractCanceled { contract_id }
	})
	.await?;
	println!("NodeContractCanceled in block #{canceled}");
	assert!(!node.active_node_contracts(node_id).await?.contains(&contract_id));
	let again = bob.cancel_contract(contract_id).await;
	assert!(
		matches!(&again, Err(e) if e.is_dispatch("SmartContractModule", "ContractNotExists")),
		"{again:?}"
	);
	Ok(())
}
