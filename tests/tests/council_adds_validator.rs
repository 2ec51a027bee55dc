//! A council motion adds a validator; once it has set its session keys it authors blocks after
//! the session changes. Sessions are shortened through genesis (`validatorSet.sessionLength`).

use anyhow::{anyhow, bail, Result};
use std::time::{Duration, Instant};
use tfchain_tests::{
	subxt::{config::substrate::DigestItem, dynamic::At},
	*,
};

/// Consensus engine id of Aura's pre-runtime digest.
const AURA_ENGINE_ID: [u8; 4] = *b"aura";

/// Session length used by this test, in blocks.
const SESSION_LENGTH: u64 = 4;

/// The dev chain spec with short sessions, written to `dir`.
fn short_session_spec(dir: &TempDir) -> Result<String> {
	let output = std::process::Command::new(node_binary()?)
		.args(["build-spec", "--chain", "dev", "--disable-default-bootnode"])
		.stderr(std::process::Stdio::null())
		.output()?;
	if !output.status.success() {
		bail!("build-spec failed");
	}
	let mut spec: serde_json::Value = serde_json::from_slice(&output.stdout)?;
	let genesis = &mut spec["genesis"]["runtimeGenesis"];
	let patch =
		if genesis.get("patch").is_some() { &mut genesis["patch"] } else { &mut genesis["config"] };
	patch["validatorSet"]["sessionLength"] = SESSION_LENGTH.into();
	let path = dir.path().join("short-sessions.json");
	std::fs::write(&path, serde_json::to_vec(&spec)?)?;
	Ok(path.to_string_lossy().into_owned())
}

/// The Aura authority that authored the block with `header`, at that block's state.
async fn aura_author(client: &Client, number: u64) -> Result<[u8; 32]> {
	let at = client.at_block(number).await?;
	let header = at.block_header().await?;
	let slot = header
		.digest
		.logs
		.iter()
		.find_map(|item| match item {
			DigestItem::PreRuntime(AURA_ENGINE_ID, data) => {
				<u64 as codec::Decode>::decode(&mut &data[..]).ok()
			},
			_ => None,
		})
		.ok_or_else(|| anyhow!("block {number} has no Aura pre-digest"))?;
	let authorities_address = subxt::dynamic::storage::<(), Vec<[u8; 32]>>("Aura", "Authorities");
	// The authorities that were active when the block was built: the parent's.
	let parent = client.at_block(number - 1).await?;
	let authorities = parent.storage().fetch(authorities_address, ()).await?.decode()?;
	Ok(authorities[(slot % authorities.len() as u64) as usize])
}

#[tokio::test]
async fn council_motion_adds_a_validator_that_then_authors() -> Result<()> {
	let spec_dir = TempDir::new("spec")?;
	let chain = short_session_spec(&spec_dir)?;
	let alice_node = Node::start(NodeConfig::validator("alice", &chain, 1)).await?;
	let charlie_node =
		Node::start(NodeConfig::validator("charlie", &chain, 3).with_bootnode(&alice_node)).await?;
	let client = alice_node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;

	let alice = dev::alice();
	let bob = dev::bob();
	let charlie = dev::charlie();

	// Charlie's node generates fresh session keys with a proof of possession for Charlie's
	// account, and Charlie registers them on chain.
	let rpc = charlie_node.rpc().await?;
	let generated: serde_json::Value = rpc
		.request(
			"author_rotateKeysWithOwner",
			subxt::rpcs::rpc_params![format!("0x{}", hex::encode(charlie.public_key().0))],
		)
		.await?;
	let keys =
		hex::decode(generated["keys"].as_str().unwrap_or_default().trim_start_matches("0x"))?;
	let proof =
		hex::decode(generated["proof"].as_str().unwrap_or_default().trim_start_matches("0x"))?;
	assert_eq!(keys.len(), 64, "aura (32 bytes) then grandpa (32 bytes): {generated}");
	let aura_key: [u8; 32] = keys[..32].try_into()?;
	submit(
		&client,
		&charlie,
		"Session",
		"set_keys",
		vec![
			Value::named_composite([
				("aura", Value::from_bytes(&keys[..32])),
				("grandpa", Value::from_bytes(&keys[32..])),
			]),
			Value::from_bytes(&proof),
		],
	)
	.await?;

	// Alice proposes `ValidatorSet.add_validator(charlie)` to the council (Alice and Bob);
	// a 2-of-2 vote meets the 3/5 threshold.
	let add_charlie = Value::unnamed_variant(
		"ValidatorSet",
		[Value::named_variant(
			"add_validator",
			[("validator_id", Value::from_bytes(charlie.public_key().0))],
		)],
	);
	let events = submit(
		&client,
		&alice,
		"Council",
		"propose",
		vec![Value::u128(2), add_charlie, Value::u128(1_000)],
	)
	.await?;
	let (_, _, proposed) = events
		.iter()
		.find(|(p, e, _)| p == "Council" && e == "Proposed")
		.ok_or_else(|| anyhow!("no Council.Proposed event: {events:?}"))?;
	let proposal_index = proposed.at("proposal_index").and_then(|v| v.as_u128()).unwrap_or(0);
	let proposal_hash = proposed
		.at("proposal_hash")
		.cloned()
		.ok_or_else(|| anyhow!("Proposed without a hash: {proposed}"))?;

	// Both members vote aye (the proposer's vote is not implied).
	for member in [&alice, &bob] {
		submit(
			&client,
			member,
			"Council",
			"vote",
			vec![proposal_hash.clone(), Value::u128(proposal_index), Value::bool(true)],
		)
		.await?;
	}
	let events = submit(
		&client,
		&alice,
		"Council",
		"close",
		vec![
			proposal_hash,
			Value::u128(proposal_index),
			Value::named_composite([
				("ref_time", Value::u128(1_000_000_000_000)),
				("proof_size", Value::u128(1_000_000)),
			]),
			Value::u128(1_000),
		],
	)
	.await?;
	assert!(has_event(&events, "Council", "Executed"), "motion not executed: {events:?}");
	assert!(
		has_event(&events, "ValidatorSet", "ValidatorAdditionInitiated"),
		"validator not added: {events:?}"
	);

	// After the session changes, Charlie's key authors finalized blocks.
	let start = finalized_number(&client).await?;
	let deadline = Instant::now() + Duration::from_secs(240);
	let mut next = start + 1;
	loop {
		let finalized = finalized_number(&client).await?;
		while next <= finalized {
			if aura_author(&client, next).await? == aura_key {
				println!("block {next} was authored by Charlie's new key");
				return Ok(());
			}
			next += 1;
		}
		if Instant::now() > deadline {
			bail!(
				"no block authored by Charlie between {start} and {finalized} ({} sessions)",
				(finalized - start) / SESSION_LENGTH
			);
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}
