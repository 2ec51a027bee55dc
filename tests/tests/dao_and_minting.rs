//! Governance and rewards end to end on a dev node (one-minute reward periods, settled 30 s
//! after their end):
//! - a council member (Alice) proposes a root-only call to the farmer DAO, a farmer (Charlie,
//!   whose farm has a node) votes for it, Alice closes it and the chain executes it as root;
//! - the node reports its uptime every few seconds; when its period is settled the chain emits
//!   its statement and Charlie's account (the farm's twin) receives exactly the statement's
//!   reward, which the test recomputes from the statement's inputs (`docs/minting.md`).

use anyhow::{anyhow, Result};
use std::time::{Duration, Instant};
use tfchain_tests::{
	grid::{bytes, chain_now_secs, create_farm_with_ip, register_node, register_twin},
	subxt::dynamic::At,
	*,
};

/// Reward period of the test chain, seconds.
const REWARD_PERIOD: u64 = 60;
/// Live seconds after a period's end before it is settled.
const SETTLE_DELAY: u64 = 30;
/// Longest wait for the node's first paid statement.
const MINTING_TIMEOUT: Duration = Duration::from_secs(300);

/// The zos version the DAO sets.
const ZOS_VERSION: &str = "v9.9.9-dao";

/// Starts a dev node with [`REWARD_PERIOD`] and [`SETTLE_DELAY`].
async fn start_node(spec_dir: &TempDir) -> Result<Node> {
	let chain = dev_spec_with(spec_dir, |genesis| {
		genesis["minting"]["rewardPeriod"] = REWARD_PERIOD.into();
		genesis["minting"]["settleDelay"] = SETTLE_DELAY.into();
	})?;
	let mut config = NodeConfig::validator("alice", &chain, 1);
	config.name = "dev-dao-minting".into();
	let node = Node::start(config).await?;
	println!("dev node with {REWARD_PERIOD} s reward periods at {}", node.ws_url());
	Ok(node)
}

/// The fields of the first `pallet.event` in `events`.
fn fields<'a>(
	events: &'a [(String, String, Value)],
	pallet: &str,
	event: &str,
) -> Result<&'a Value> {
	events
		.iter()
		.find(|(p, e, _)| p == pallet && e == event)
		.map(|(_, _, fields)| fields)
		.ok_or_else(|| anyhow!("no {pallet}.{event} in {events:?}"))
}

/// Field `name` of `value` as a number.
fn number(value: &Value, name: &str) -> Result<u128> {
	value.at(name).and_then(|v| v.as_u128()).ok_or_else(|| anyhow!("no number {name} in {value}"))
}

/// Free balance of `account` at block `number`.
async fn free_balance_at(client: &Client, account: [u8; 32], number: u64) -> Result<u128> {
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountInfo {
		data: AccountData,
	}
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountData {
		free: u128,
	}
	let address = subxt::dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let at = client.at_block(number).await?;
	Ok(at.storage().fetch(address, (account,)).await?.decode()?.data.free)
}

/// The reward formula of `docs/minting.md`, applied to a statement's fields.
fn recompute_reward(statement: &Value) -> Result<u128> {
	let rates = statement.at("rates").ok_or_else(|| anyhow!("no rates in {statement}"))?;
	if statement.at("uptime_met").and_then(|v| v.as_bool()) != Some(true) {
		return Ok(0);
	}
	let price = number(statement, "connection_price")?;
	let capacity = number(statement, "cu")? * number(rates, "cu")?
		+ number(statement, "su")? * number(rates, "su")?;
	let numerator = capacity * number(statement, "credited_secs")? * 1_000_000_000
		+ number(rates, "nu")? * number(statement, "nu_bytes")? * 2_592_000
		+ number(rates, "ipv4")? * number(statement, "ip_secs")? * 720 * 1_000_000_000;
	Ok(numerator * 10_000_000 / (2_592_000 * 1_000_000_000 * price))
}

#[tokio::test]
async fn farmers_govern_through_the_dao_and_are_paid_for_uptime() -> Result<()> {
	let spec_dir = TempDir::new("dao-minting-spec")?;
	let node = start_node(&spec_dir).await?;
	let client = node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;
	let council_member = dev::alice();
	let farmer = dev::charlie();
	let zos = dev::ferdie();

	// Charlie's farm and the node of Ferdie's key in it.
	register_twin(&client, &farmer).await?;
	create_farm_with_ip(&client, &farmer, "dao_farm", "185.206.122.33/24", "185.206.122.1").await?;
	register_twin(&client, &zos).await?;
	let events = register_node(&client, &zos, 1).await?;
	let stored = fields(&events, "TfgridModule", "NodeStored")?;
	let node_id = stored.at(0).at("id").and_then(|v| v.as_u128()).unwrap_or(0) as u32;
	let created = stored.at(0).at("created").and_then(|v| v.as_u128()).unwrap_or(0) as u64;
	println!("node {node_id} registered at {created}");
	let boot = created.saturating_sub(600);
	let report = |now: u64| vec![Value::u128(u128::from(now - boot)), Value::u128(u128::from(now))];
	let now = chain_now_secs(&client).await?;
	submit(&client, &zos, "TfgridModule", "report_uptime_v2", report(now)).await?;

	// The DAO: Alice proposes to set the zos version, Charlie's farm votes for it.
	let action = Value::unnamed_variant(
		"TfgridModule",
		[Value::named_variant("set_zos_version", [("zos_version", bytes(ZOS_VERSION))])],
	);
	let events = submit(
		&client,
		&council_member,
		"Dao",
		"propose",
		vec![
			Value::u128(1),
			action,
			bytes("set the zos version"),
			bytes("https://forum.threefold.io/dao-e2e"),
			Value::unnamed_variant("None", []),
		],
	)
	.await?;
	let proposed = fields(&events, "Dao", "Proposed")?;
	let hash = proposed.at("proposal_hash").ok_or_else(|| anyhow!("no hash: {proposed}"))?.clone();
	let index = number(proposed, "proposal_index")?;
	println!("proposal {index} proposed: {proposed}");
	let events = submit(
		&client,
		&farmer,
		"Dao",
		"vote",
		vec![Value::u128(1), hash.clone(), Value::bool(true)],
	)
	.await?;
	let voted = fields(&events, "Dao", "Voted")?;
	assert_eq!(number(voted, "yes")?, 1, "{voted}");
	let events =
		submit(&client, &council_member, "Dao", "close", vec![hash, Value::u128(index)]).await?;
	assert!(has_event(&events, "Dao", "Approved"), "not approved: {events:?}");
	let executed = fields(&events, "Dao", "Executed")?;
	let result = executed.at("result").ok_or_else(|| anyhow!("no result: {executed}"))?;
	assert!(format!("{result}").contains("Ok"), "executed with {result}");
	let address = subxt::dynamic::storage::<(), Vec<u8>>("TfgridModule", "ZosVersion");
	let version = client.at_current_block().await?.storage().fetch(address, ()).await?.decode()?;
	assert_eq!(version, ZOS_VERSION.as_bytes(), "the DAO's call ran as root");
	println!("proposal executed: zos version is {ZOS_VERSION}");

	// Minting: the node keeps reporting until a statement for it pays its farm.
	let start = Instant::now();
	let mut scanned = finalized_number(&client).await?;
	loop {
		anyhow::ensure!(start.elapsed() < MINTING_TIMEOUT, "no paid statement in time");
		let now = chain_now_secs(&client).await?;
		submit(&client, &zos, "TfgridModule", "report_uptime_v2", report(now)).await?;
		let finalized = finalized_number(&client).await?;
		for number_ in scanned + 1..=finalized {
			for event in block_events(&client, number_).await? {
				if event.pallet != "Minting" || event.event != "NodeRewarded" {
					continue;
				}
				let statement = event.fields.at(0).ok_or_else(|| anyhow!("{}", event.fields))?;
				if number(statement, "node_id")? != u128::from(node_id) {
					continue;
				}
				let minted = number(statement, "minted")?;
				println!("block {number_}: statement {statement}");
				assert_eq!(minted, recompute_reward(statement)?, "reward recomputed by hand");
				if minted == 0 {
					// The node's first period may be too short to meet the uptime gate.
					continue;
				}
				let farmer_account = farmer.public_key().0;
				let before = free_balance_at(&client, farmer_account, number_ - 1).await?;
				let after = free_balance_at(&client, farmer_account, number_).await?;
				assert_eq!(after - before, minted, "the farm's twin got exactly the reward");
				assert_eq!(event.phase, Phase::Initialization, "minted by the hook");
				println!("farmer paid {minted} planck for period {}", number(statement, "period")?);
				return Ok(());
			}
		}
		scanned = finalized;
	}
}
