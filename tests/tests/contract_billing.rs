//! Capacity contracts billed by the chain itself, end to end on a dev node whose billing
//! frequency is shortened through genesis (`smartContractModule.billingFrequency`), so that a
//! contract is billed every 30 seconds instead of every hour:
//! - a user's node contract (with a public IP) is billed by the `on_initialize` hook with no
//!   extrinsic, and cancelling it frees the IP and settles: the foundation gets its 10%, the
//!   burned share is burned, nothing stays held;
//! - a name contract whose owner runs out of funds enters the grace period by itself, and
//!   leaves it when the owner tops up and asks for a bill (the dashboard's "Unlock").

use anyhow::{anyhow, bail, Result};
use std::time::Duration;
use tfchain_tests::{
	grid::{bytes, chain_now_secs, create_farm_with_ip, none, register_node, register_twin, GIB},
	subxt::{dynamic::At, ext::scale_value::ValueDef},
	*,
};

/// Blocks between two bills of a contract on the test chain (30 s of 6-second blocks).
const BILLING_FREQUENCY: u64 = 5;

/// How long to wait for something the billing hook does within a few billing periods.
const BILLING_TIMEOUT: Duration = Duration::from_secs(180);

/// One TFT in planck (7 decimals).
const TFT: u128 = 10_000_000;

/// A `MultiAddress::Id` of `who`.
fn address(who: &Keypair) -> Value {
	Value::unnamed_variant("Id", [Value::from_bytes(who.public_key().0)])
}

/// The named field `name` of `value` as a number.
fn number_at(value: &Value, name: &str) -> Option<u128> {
	value.at(name).and_then(|v| v.as_u128())
}

/// The named field `name` of the first (unnamed) field of `value`, as a number: for events
/// like `ContractCreated(Contract)`.
fn wrapped_number_at(value: &Value, name: &str) -> Option<u128> {
	value.at(0).at(name).and_then(|v| v.as_u128())
}

/// The contract id of a `ContractBilled(ContractBill)` or `ContractCreated(Contract)` event.
fn wrapped_contract_id(fields: &Value) -> Option<u64> {
	wrapped_number_at(fields, "contract_id").map(|id| id as u64)
}

/// The `contract_id` field of an event with named fields.
fn named_contract_id(fields: &Value) -> Option<u64> {
	number_at(fields, "contract_id").map(|id| id as u64)
}

/// The fields of `pallet.event` in `events`, or an error listing the events.
fn event_fields<'a>(
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

/// Starts a single-validator dev chain (Alice) whose contracts are billed every
/// [`BILLING_FREQUENCY`] blocks. `spec_dir` holds the chain spec and must outlive the node.
async fn start_billing_node(spec_dir: &TempDir) -> Result<Node> {
	let chain = dev_spec_with(spec_dir, |genesis| {
		genesis["smartContractModule"]["billingFrequency"] = BILLING_FREQUENCY.into();
	})?;
	let mut config = NodeConfig::validator("alice", &chain, 1);
	config.name = "dev-billing".into();
	let node = Node::start(config).await?;
	println!("dev node with billing every {BILLING_FREQUENCY} blocks at {}", node.ws_url());
	Ok(node)
}

/// Free and reserved (held) balance of `account` at the latest finalized block.
async fn balances(client: &Client, account: [u8; 32]) -> Result<(u128, u128)> {
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountInfo {
		data: AccountData,
	}
	#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
	#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
	struct AccountData {
		free: u128,
		reserved: u128,
	}
	let address = subxt::dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let at = client.at_current_block().await?;
	let info = at.storage().fetch(address, (account,)).await?.decode()?;
	Ok((info.data.free, info.data.reserved))
}

/// `SmartContractModule.Contracts(id)` at the latest finalized block, if it exists.
async fn contract(client: &Client, id: u64) -> Result<Option<Value>> {
	let address = subxt::dynamic::storage::<(u64,), Value>("SmartContractModule", "Contracts");
	let at = client.at_current_block().await?;
	match at.storage().try_fetch(address, (id,)).await? {
		Some(value) => Ok(Some(value.decode()?)),
		None => Ok(None),
	}
}

/// Name of the state variant of a contract (`Created`, `GracePeriod`, `Deleted`).
fn state_name(contract: &Value) -> Option<String> {
	match &contract.at("state")?.value {
		ValueDef::Variant(variant) => Some(variant.name.clone()),
		_ => None,
	}
}

/// The state of contract `id`, or an error if it does not exist.
async fn contract_state(client: &Client, id: u64) -> Result<String> {
	let value = contract(client, id).await?.ok_or_else(|| anyhow!("contract {id} not stored"))?;
	state_name(&value).ok_or_else(|| anyhow!("contract {id} without a state: {value:?}"))
}

/// Sum of the `amount_billed` of every `ContractBilled` of contract `id` in finalized blocks
/// `from..=to`.
async fn billed_total(client: &Client, id: u64, from: u64, to: u64) -> Result<u128> {
	let mut total = 0;
	for number in from..=to {
		for event in block_events(client, number).await? {
			if event.pallet == "SmartContractModule"
				&& event.event == "ContractBilled"
				&& wrapped_contract_id(&event.fields) == Some(id)
			{
				let amount = wrapped_number_at(&event.fields, "amount_billed")
					.ok_or_else(|| anyhow!("bill without an amount: {:?}", event.fields))?;
				println!(
					"block {number}: contract {id} billed {amount} planck ({:?})",
					event.phase
				);
				total += amount;
			}
		}
	}
	Ok(total)
}

#[tokio::test]
async fn user_contract_is_billed_by_the_chain_and_settles_on_cancel() -> Result<()> {
	let spec_dir = TempDir::new("billing-spec")?;
	let node = start_billing_node(&spec_dir).await?;
	let client = node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;
	let farmer = dev::bob();
	let zos = dev::charlie();
	let user = dev::dave();
	// Pricing policy 1 of the dev preset: Eve is the foundation, Ferdie the sales account.
	let foundation = dev::eve();

	// The farmer's farm with one public IP.
	register_twin(&client, &farmer).await?;
	let events =
		create_farm_with_ip(&client, &farmer, "e2e_farm", "185.206.122.33/24", "185.206.122.1")
			.await?;
	assert!(has_event(&events, "TfgridModule", "FarmStored"), "no FarmStored: {events:?}");
	println!("farm 1 created with one public IP");

	// A node in that farm, registered by its own twin, reporting uptime once.
	register_twin(&client, &zos).await?;
	let events = register_node(&client, &zos, 1).await?;
	assert!(has_event(&events, "TfgridModule", "NodeStored"), "no NodeStored: {events:?}");
	let node_id = 1u32;
	// Billing counts time up to 7200 s after the last uptime report: one report covers the test.
	let now = chain_now_secs(&client).await?;
	let events = submit(
		&client,
		&zos,
		"TfgridModule",
		"report_uptime_v2",
		vec![Value::u128(3600), Value::u128(now as u128)],
	)
	.await?;
	assert!(has_event(&events, "TfgridModule", "NodeUptimeReported"), "{events:?}");
	println!("node {node_id} registered and reported uptime at {now}");

	// The user deploys on the node with one public IP.
	let user_twin = register_twin(&client, &user).await?;
	let before_create = finalized_number(&client).await?;
	let events = submit(
		&client,
		&user,
		"SmartContractModule",
		"create_node_contract",
		vec![
			Value::u128(node_id as u128),
			Value::from_bytes([7u8; 32]),
			bytes("e2e deployment"),
			Value::u128(1),
			none(),
		],
	)
	.await?;
	let created = event_fields(&events, "SmartContractModule", "ContractCreated")?;
	let contract_id = wrapped_contract_id(created)
		.ok_or_else(|| anyhow!("ContractCreated without an id: {created:?}"))?;
	assert_eq!(
		wrapped_number_at(created, "twin_id"),
		Some(user_twin as u128),
		"contract owner: {created:?}"
	);
	let reserved = event_fields(&events, "SmartContractModule", "IPsReserved")?;
	assert_eq!(named_contract_id(reserved), Some(contract_id), "IPsReserved: {reserved:?}");
	println!("node contract {contract_id} created by twin {user_twin}, IP reserved: {reserved}");
	assert_eq!(contract_state(&client, contract_id).await?, "Created");

	// The node reports what the deployment uses.
	let before_report = finalized_number(&client).await?;
	let report = Value::named_composite([
		("contract_id", Value::u128(contract_id as u128)),
		(
			"used",
			Value::named_composite([
				("hru", Value::u128(0)),
				("sru", Value::u128(60 * GIB)),
				("cru", Value::u128(2)),
				("mru", Value::u128(2 * GIB)),
			]),
		),
	]);
	let events = submit(
		&client,
		&zos,
		"SmartContractModule",
		"report_contract_resources",
		vec![Value::unnamed_composite([report])],
	)
	.await?;
	assert!(
		has_event(&events, "SmartContractModule", "UpdatedUsedResources"),
		"no UpdatedUsedResources: {events:?}"
	);
	println!("node reported the contract's resources; waiting for the chain to bill it");

	// No extrinsic from here on: the billing hook bills the contract in `on_initialize`.
	let (billed_at, bill) =
		wait_for_block_event(&client, before_report, BILLING_TIMEOUT, "ContractBilled", |e| {
			e.pallet == "SmartContractModule"
				&& e.event == "ContractBilled"
				&& wrapped_contract_id(&e.fields) == Some(contract_id)
		})
		.await?;
	println!("block {billed_at}: {:?} ContractBilled {}", bill.phase, bill.fields);
	assert_eq!(bill.phase, Phase::Initialization, "billed by the hook, not by an extrinsic");
	let amount = wrapped_number_at(&bill.fields, "amount_billed").unwrap_or(0);
	assert!(amount > 0, "the bill has an amount: {}", bill.fields);

	// The user cancels: the contract is billed up to now, collected, distributed and removed.
	let (foundation_before, _) = balances(&client, foundation.public_key().0).await?;
	let (_, user_reserved_before) = balances(&client, user.public_key().0).await?;
	println!(
		"before cancel: foundation free {foundation_before}, user reserved {user_reserved_before}"
	);
	let events = submit(
		&client,
		&user,
		"SmartContractModule",
		"cancel_contract",
		vec![Value::u128(contract_id as u128)],
	)
	.await?;
	let canceled = event_fields(&events, "SmartContractModule", "NodeContractCanceled")?;
	assert_eq!(named_contract_id(canceled), Some(contract_id), "{canceled:?}");
	assert_eq!(number_at(canceled, "node_id"), Some(node_id as u128), "{canceled:?}");
	assert_eq!(number_at(canceled, "twin_id"), Some(user_twin as u128), "{canceled:?}");
	let freed = event_fields(&events, "SmartContractModule", "IPsFreed")?;
	assert_eq!(named_contract_id(freed), Some(contract_id), "IPsFreed: {freed:?}");
	let burned = event_fields(&events, "SmartContractModule", "TokensBurned")?;
	assert_eq!(named_contract_id(burned), Some(contract_id), "TokensBurned: {burned:?}");
	let burned = number_at(burned, "amount").unwrap_or(0);
	assert!(burned > 0, "something was burned");
	assert!(
		!has_event(&events, "SmartContractModule", "ContractDebtWrittenOff"),
		"the user could pay everything: {events:?}"
	);
	println!("contract {contract_id} canceled, IP freed, {burned} planck burned");

	// Settled: the contract is gone, nothing stays held, the foundation got its 10%.
	assert!(contract(&client, contract_id).await?.is_none(), "contract {contract_id} removed");
	let (_, user_reserved_after) = balances(&client, user.public_key().0).await?;
	assert_eq!(user_reserved_after, 0, "nothing held for the user after the cancel");
	let (foundation_after, _) = balances(&client, foundation.public_key().0).await?;
	let foundation_gain = foundation_after.saturating_sub(foundation_before);
	assert!(foundation_after > foundation_before, "the foundation was paid");

	// Everything billed since the contract was created (hook bills and the final bill at
	// cancellation) was collected and distributed: 10% to the foundation, 35% burned, plus the
	// staking pool's 5% while that account does not exist yet and its share is below the
	// existential deposit (a share that cannot be paid is burned).
	let finalized = finalized_number(&client).await?;
	let total = billed_total(&client, contract_id, before_create + 1, finalized).await?;
	println!("total billed {total} planck; foundation got {foundation_gain}, burned {burned}");
	assert!(total >= amount, "total {total} includes the hook's bill {amount}");
	assert!(
		foundation_gain.abs_diff(total / 10) <= 1,
		"foundation got {foundation_gain} of {total} billed (expected 10%)"
	);
	assert!(
		burned + 3 >= total * 35 / 100 && burned <= total * 40 / 100 + 3,
		"burned {burned} of {total} billed (expected 35%, or 40% with the staking share)"
	);
	Ok(())
}

#[tokio::test]
async fn grace_period_round_trip() -> Result<()> {
	let spec_dir = TempDir::new("grace-spec")?;
	let node = start_billing_node(&spec_dir).await?;
	let client = node.client().await?;
	wait_for_finalized(&client, 1, BLOCKS_TIMEOUT).await?;
	let alice = dev::alice();
	let uri: subxt_signer::SecretUri =
		"//GraceUser".parse().map_err(|e| anyhow!("secret uri: {e:?}"))?;
	let user = Keypair::from_uri(&uri).map_err(|e| anyhow!("keypair: {e:?}"))?;

	// A fresh account with enough for a few fees.
	let events = submit(
		&client,
		&alice,
		"Balances",
		"transfer_keep_alive",
		vec![address(&user), Value::u128(10 * TFT)],
	)
	.await?;
	assert!(has_event(&events, "Balances", "Transfer"), "no Transfer: {events:?}");
	let twin = register_twin(&client, &user).await?;
	let events = submit(
		&client,
		&user,
		"SmartContractModule",
		"create_name_contract",
		vec![bytes("graceuser")],
	)
	.await?;
	let created = event_fields(&events, "SmartContractModule", "ContractCreated")?;
	let contract_id = wrapped_contract_id(created)
		.ok_or_else(|| anyhow!("ContractCreated without an id: {created:?}"))?;
	assert_eq!(contract_state(&client, contract_id).await?, "Created");
	println!("name contract {contract_id} created by twin {twin}");

	// The user moves everything away but the existential deposit: the next bill cannot be paid.
	let before_drain = finalized_number(&client).await?;
	submit(&client, &user, "Balances", "transfer_all", vec![address(&alice), Value::bool(true)])
		.await?;
	let (free, reserved) = balances(&client, user.public_key().0).await?;
	println!("user drained: free {free}, reserved {reserved}; waiting for the grace period");

	// The hook bills it, cannot collect, and puts it in grace, with no extrinsic from outside.
	let (grace_at, started) = wait_for_block_event(
		&client,
		before_drain,
		BILLING_TIMEOUT,
		"ContractGracePeriodStarted",
		|e| {
			e.pallet == "SmartContractModule"
				&& e.event == "ContractGracePeriodStarted"
				&& named_contract_id(&e.fields) == Some(contract_id)
		},
	)
	.await?;
	println!("block {grace_at}: {:?} ContractGracePeriodStarted {}", started.phase, started.fields);
	assert_eq!(started.phase, Phase::Initialization, "grace started by the hook");
	assert_eq!(number_at(&started.fields, "node_id"), Some(0), "name contracts have no node");
	assert_eq!(number_at(&started.fields, "twin_id"), Some(twin as u128));
	assert_eq!(contract_state(&client, contract_id).await?, "GracePeriod");

	// Top up, then "Unlock": the user asks for a bill now, which collects what is owed. The hook
	// may get there first if its slot comes up in between; either ends the grace period.
	let before_top_up = finalized_number(&client).await?;
	submit(
		&client,
		&alice,
		"Balances",
		"transfer_keep_alive",
		vec![address(&user), Value::u128(100 * TFT)],
	)
	.await?;
	println!("user topped up with 100 TFT; asking for a bill");
	let events = submit(
		&client,
		&user,
		"SmartContractModule",
		"bill_contract_for_block",
		vec![Value::u128(contract_id as u128)],
	)
	.await?;
	let ended_by_call = events.iter().any(|(p, e, fields)| {
		p == "SmartContractModule"
			&& e == "ContractGracePeriodEnded"
			&& named_contract_id(fields) == Some(contract_id)
	});
	if ended_by_call {
		println!("bill_contract_for_block ended the grace period");
	} else {
		let (ended_at, ended) = wait_for_block_event(
			&client,
			before_top_up,
			BILLING_TIMEOUT,
			"ContractGracePeriodEnded",
			|e| {
				e.pallet == "SmartContractModule"
					&& e.event == "ContractGracePeriodEnded"
					&& named_contract_id(&e.fields) == Some(contract_id)
			},
		)
		.await?;
		println!("block {ended_at}: {:?} ContractGracePeriodEnded {}", ended.phase, ended.fields);
	}
	let state = contract_state(&client, contract_id).await?;
	if state != "Created" {
		bail!("contract {contract_id} is {state} after the grace period ended");
	}
	let (free, reserved) = balances(&client, user.public_key().0).await?;
	println!("contract {contract_id} is Created again; user free {free}, reserved {reserved}");
	Ok(())
}
