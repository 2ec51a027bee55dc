//! An unmodified polkadot.js client (`@polkadot/api`, no custom types) connects, reads the
//! metadata, submits a transfer and sees it finalized (`tests/polkadot-js/smoke.mjs`).

use std::{path::Path, process::Command};
use tfchain_tests::*;

#[tokio::test]
async fn polkadot_js_transfers_with_no_custom_types() -> anyhow::Result<()> {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("polkadot-js");
	if Command::new("node").arg("--version").output().is_err() {
		println!("SKIPPED: Node.js is not installed (scripts/test.sh installs it)");
		return Ok(());
	}
	if !dir.join("node_modules/@polkadot/api").exists() {
		println!("SKIPPED: run `npm ci` in {} (scripts/test.sh does)", dir.display());
		return Ok(());
	}

	let node = Node::dev().await?;
	wait_for_finalized(&node.client().await?, 1, BLOCKS_TIMEOUT).await?;

	let url = node.ws_url();
	let output = tokio::task::spawn_blocking(move || {
		Command::new("node").arg("smoke.mjs").arg(url).current_dir(dir).output()
	})
	.await??;
	let stdout = String::from_utf8_lossy(&output.stdout);
	let stderr = String::from_utf8_lossy(&output.stderr);
	println!("{stdout}");
	assert!(output.status.success(), "polkadot.js smoke test failed:\n{stdout}\n{stderr}");
	assert!(stdout.contains("polkadot.js smoke test passed"));
	Ok(())
}
