//! A `--dev` chain produces and finalizes blocks, exposes Prometheus metrics and moves funds.

use tfchain_tests::*;

#[tokio::test]
async fn dev_chain_produces_finalizes_and_transfers() -> anyhow::Result<()> {
	let node = Node::dev().await?;
	let client = node.client().await?;

	// Blocks are produced and finalized.
	wait_for_finalized(&client, 2, BLOCKS_TIMEOUT).await?;

	// The metrics endpoint reports the finalized height.
	let metrics = node.metrics().await?;
	assert!(
		metrics.lines().any(|l| l.starts_with("substrate_block_height{status=\"finalized\"")),
		"finalized height metric missing"
	);

	// TFT has 7 decimals and the chain announces it.
	let rpc = node.rpc().await?;
	let properties: serde_json::Value =
		rpc.request("system_properties", subxt::rpcs::rpc_params![]).await?;
	assert_eq!(properties["tokenSymbol"], "TFT");
	assert_eq!(properties["tokenDecimals"], 7);

	// A transfer between dev accounts.
	let alice = dev::alice();
	let bob = dev::bob();
	let amount: u128 = 10_000_000; // 1 TFT
	let alice_before = free_balance(&client, alice.public_key().0).await?;
	let bob_before = free_balance(&client, bob.public_key().0).await?;

	let events = submit(
		&client,
		&alice,
		"Balances",
		"transfer_keep_alive",
		vec![
			Value::unnamed_variant("Id", [Value::from_bytes(bob.public_key().0)]),
			Value::u128(amount),
		],
	)
	.await?;
	assert!(has_event(&events, "Balances", "Transfer"), "no Transfer event: {events:?}");
	assert!(has_event(&events, "TransactionPayment", "TransactionFeePaid"));

	let alice_after = free_balance(&client, alice.public_key().0).await?;
	let bob_after = free_balance(&client, bob.public_key().0).await?;
	assert_eq!(bob_after, bob_before + amount);
	// Alice paid the amount and a fee, and, as the only validator, got the fee back as author.
	assert!(alice_after <= alice_before - amount, "alice {alice_before} -> {alice_after}");
	Ok(())
}
