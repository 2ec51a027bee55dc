//! A four-validator network keeps finalizing with one validator down, and the killed validator
//! catches up after a restart.

use anyhow::Result;
use tfchain_tests::*;

#[tokio::test]
async fn finality_survives_one_validator_down_and_it_catches_up() -> Result<()> {
	let alice = Node::start(NodeConfig::validator("alice", "four", 1)).await?;
	let bob = Node::start(NodeConfig::validator("bob", "four", 2).with_bootnode(&alice)).await?;
	// Kept running for the whole test.
	let _charlie =
		Node::start(NodeConfig::validator("charlie", "four", 3).with_bootnode(&alice)).await?;
	let mut dave =
		Node::start(NodeConfig::validator("dave", "four", 4).with_bootnode(&alice)).await?;

	let alice_client = alice.client().await?;
	wait_for_finalized(&alice_client, 3, BLOCKS_TIMEOUT).await?;

	// Dave goes down: three of four GRANDPA voters remain, a supermajority.
	dave.kill();
	let finalized_at_kill = finalized_number(&alice_client).await?;
	wait_for_finalized(&alice_client, finalized_at_kill + 4, BLOCKS_TIMEOUT).await?;
	let bob_client = bob.client().await?;
	wait_for_finalized(&bob_client, finalized_at_kill + 4, BLOCKS_TIMEOUT).await?;

	// Dave comes back on its old database and catches up with the others.
	dave.restart().await?;
	let target = finalized_number(&alice_client).await?;
	let dave_client = dave.client().await?;
	wait_for_finalized(&dave_client, target, BLOCKS_TIMEOUT).await?;
	assert!(best_number(&dave).await? >= target);

	// And finality goes on with all four.
	wait_for_finalized(&alice_client, target + 2, BLOCKS_TIMEOUT).await?;
	Ok(())
}
