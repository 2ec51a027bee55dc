//! The grid registry end to end on a dev node: a farmer accepts the terms and conditions,
//! creates a twin and a farm with a public IP; a node's own twin registers the node and reports
//! uptime; the farmer sets the node's power target. Then an unmodified polkadot.js client
//! (`tests/polkadot-js/grid.mjs`) does the first steps with other accounts, by TFChain's names.

use anyhow::{anyhow, Result};
use std::{path::Path, process::Command};
use tfchain_tests::*;

const GIB: u128 = 1024 * 1024 * 1024;

fn bytes(text: &str) -> Value {
	Value::from_bytes(text.as_bytes())
}

fn none() -> Value {
	Value::unnamed_variant("None", [])
}

fn some(value: Value) -> Value {
	Value::unnamed_variant("Some", [value])
}

/// Accepts the terms and conditions and creates a twin for `signer`.
async fn register_twin(client: &Client, signer: &Keypair) -> Result<()> {
	submit(
		client,
		signer,
		"TfgridModule",
		"user_accept_tc",
		vec![bytes("https://library.threefold.me/tc"), bytes("tc_hash_1")],
	)
	.await?;
	let events =
		submit(client, signer, "TfgridModule", "create_twin", vec![none(), none()]).await?;
	assert!(has_event(&events, "TfgridModule", "TwinStored"), "no TwinStored: {events:?}");
	Ok(())
}

/// Chain time (seconds) at the latest finalized block.
async fn chain_now_secs(client: &Client) -> Result<u64> {
	let address = subxt::dynamic::storage::<(), u64>("Timestamp", "Now");
	let at = client.at_current_block().await?;
	Ok(at.storage().fetch(address, ()).await?.decode()? / 1000)
}

/// Whether `TfgridModule.<item>(key)` holds a value at the latest finalized block.
async fn grid_item_exists(client: &Client, item: &str, key: u32) -> Result<bool> {
	let address = subxt::dynamic::storage::<(u32,), Value>("TfgridModule", item);
	let at = client.at_current_block().await?;
	Ok(at.storage().try_fetch(address, (key,)).await?.is_some())
}

#[tokio::test]
async fn farmer_and_node_register_report_uptime_and_power_down() -> Result<()> {
	let node = Node::dev().await?;
	let client = node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;
	let farmer = dev::bob();
	let zos = dev::charlie();

	register_twin(&client, &farmer).await?;
	let public_ip = Value::named_composite([
		("ip", bytes("185.206.122.33/24")),
		("gw", bytes("185.206.122.1")),
	]);
	let events = submit(
		&client,
		&farmer,
		"TfgridModule",
		"create_farm",
		vec![bytes("e2e_farm"), Value::unnamed_composite([public_ip])],
	)
	.await?;
	assert!(has_event(&events, "TfgridModule", "FarmStored"), "no FarmStored: {events:?}");

	register_twin(&client, &zos).await?;
	let resources = Value::named_composite([
		("hru", Value::u128(1024 * GIB)),
		("sru", Value::u128(512 * GIB)),
		("cru", Value::u128(8)),
		("mru", Value::u128(16 * GIB)),
	]);
	let location = Value::named_composite([
		("city", bytes("Ghent")),
		("country", bytes("Belgium")),
		("latitude", bytes("51.05")),
		("longitude", bytes("3.71")),
	]);
	let interface = Value::named_composite([
		("name", bytes("zos")),
		("mac", bytes("00:00:5e:00:53:af")),
		("ips", Value::unnamed_composite([bytes("10.2.3.3")])),
	]);
	let events = submit(
		&client,
		&zos,
		"TfgridModule",
		"create_node",
		vec![
			Value::u128(1),
			resources,
			location,
			Value::unnamed_composite([interface]),
			Value::bool(false),
			Value::bool(false),
			some(bytes("SN-123")),
		],
	)
	.await?;
	assert!(has_event(&events, "TfgridModule", "NodeStored"), "no NodeStored: {events:?}");
	assert!(grid_item_exists(&client, "Nodes", 1).await?, "node 1 not stored");

	let now = chain_now_secs(&client).await?;
	let zos_balance = free_balance(&client, zos.public_key().0).await?;
	let events = submit(
		&client,
		&zos,
		"TfgridModule",
		"report_uptime_v2",
		vec![Value::u128(3600), Value::u128(now as u128)],
	)
	.await?;
	assert!(has_event(&events, "TfgridModule", "NodeUptimeReported"), "{events:?}");
	// Uptime reports are free for the node.
	assert_eq!(free_balance(&client, zos.public_key().0).await?, zos_balance);

	let events = submit(
		&client,
		&farmer,
		"TfgridModule",
		"change_power_target",
		vec![Value::u128(1), Value::unnamed_variant("Down", [])],
	)
	.await?;
	let (_, _, fields) = events
		.iter()
		.find(|(p, e, _)| p == "TfgridModule" && e == "PowerTargetChanged")
		.ok_or_else(|| anyhow!("no PowerTargetChanged: {events:?}"))?;
	let text = format!("{fields:?}");
	assert!(text.contains("Down"), "power target event {text}");

	polkadot_js_first_steps(&node)?;
	Ok(())
}

/// Runs `tests/polkadot-js/grid.mjs` against the node, or says why it is skipped.
fn polkadot_js_first_steps(node: &Node) -> Result<()> {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("polkadot-js");
	if Command::new("node").arg("--version").output().is_err() {
		println!(
			"SKIPPED polkadot.js part: Node.js is not installed (scripts/test.sh installs it)"
		);
		return Ok(());
	}
	if !dir.join("node_modules/@polkadot/api").exists() {
		println!("SKIPPED polkadot.js part: run `npm ci` in {}", dir.display());
		return Ok(());
	}
	let output =
		Command::new("node").arg("grid.mjs").arg(node.ws_url()).current_dir(dir).output()?;
	let stdout = String::from_utf8_lossy(&output.stdout);
	let stderr = String::from_utf8_lossy(&output.stderr);
	println!("{stdout}");
	assert!(output.status.success(), "polkadot.js grid steps failed:\n{stdout}\n{stderr}");
	assert!(stdout.contains("polkadot.js grid steps passed"));
	Ok(())
}
