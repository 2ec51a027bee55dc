//! The grid registry end to end on a dev node: a farmer accepts the terms and conditions,
//! creates a twin and a farm with a public IP; a node's own twin registers the node and reports
//! uptime; the farmer sets the node's power target. Then an unmodified polkadot.js client
//! (`tests/polkadot-js/grid.mjs`) does the first steps with other accounts, by TFChain's names.

use anyhow::{anyhow, Result};
use std::{path::Path, process::Command};
use tfchain_tests::{
	grid::{chain_now_secs, create_farm_with_ip, register_node, register_twin},
	*,
};

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
	let events =
		create_farm_with_ip(&client, &farmer, "e2e_farm", "185.206.122.33/24", "185.206.122.1")
			.await?;
	assert!(has_event(&events, "TfgridModule", "FarmStored"), "no FarmStored: {events:?}");

	register_twin(&client, &zos).await?;
	let events = register_node(&client, &zos, 1).await?;
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
