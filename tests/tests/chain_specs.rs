//! The chain specs committed under `chain-specs/` match what the node generates from its
//! presets. The runtime code (`:code`) is left out of the comparison: its bytes depend on the
//! build machine, while every other genesis entry must not drift.

use anyhow::{bail, Result};
use std::{path::Path, process::Command};
use tfchain_tests::*;

/// Storage key of the runtime code, hex-encoded `:code`.
const CODE_KEY: &str = "0x3a636f6465";

fn without_code(mut spec: serde_json::Value) -> serde_json::Value {
	if let Some(top) = spec["genesis"]["raw"]["top"].as_object_mut() {
		top.remove(CODE_KEY);
	}
	spec
}

fn generated(chain: &str) -> Result<serde_json::Value> {
	let output = Command::new(node_binary()?)
		.args(["build-spec", "--chain", chain, "--raw", "--disable-default-bootnode"])
		.stderr(std::process::Stdio::null())
		.output()?;
	if !output.status.success() {
		bail!("build-spec --chain {chain} failed");
	}
	Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn committed_chain_specs_match_the_presets() -> Result<()> {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs");
	for (chain, file) in [("local", "local.json"), ("four", "four-validators.json")] {
		let committed: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(file))?)?;
		assert!(
			committed["genesis"]["raw"]["top"].get(CODE_KEY).is_some(),
			"{file} carries the runtime code"
		);
		assert_eq!(
			without_code(committed),
			without_code(generated(chain)?),
			"chain-specs/{file} is stale: run scripts/chain-specs.sh"
		);
	}
	Ok(())
}
