//! Grid set-up shared by the end-to-end tests: dynamic value helpers, twins, a farm with a public
//! IP and a node with fixed resources, all through `TfgridModule` calls signed by dev accounts.

use crate::{submit, Client, Keypair, Value};
use anyhow::{anyhow, Result};
use subxt::dynamic::At;

/// One GiB, in bytes.
pub const GIB: u128 = 1024 * 1024 * 1024;

/// `text` as a byte vector (`Vec<u8>`, `BoundedVec<u8, _>`).
pub fn bytes(text: &str) -> Value {
	Value::from_bytes(text.as_bytes())
}

/// `Option::None`.
pub fn none() -> Value {
	Value::unnamed_variant("None", [])
}

/// `Option::Some(value)`.
pub fn some(value: Value) -> Value {
	Value::unnamed_variant("Some", [value])
}

/// Accepts the terms and conditions and creates a twin for `signer`; returns the twin id (from
/// `TfgridModule.TwinStored`).
pub async fn register_twin(client: &Client, signer: &Keypair) -> Result<u32> {
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
	let twin = events
		.iter()
		.find(|(p, e, _)| p == "TfgridModule" && e == "TwinStored")
		.map(|(_, _, fields)| fields)
		.ok_or_else(|| anyhow!("no TfgridModule.TwinStored in {events:?}"))?;
	let id = twin
		.at(0)
		.at("id")
		.and_then(|v| v.as_u128())
		.ok_or_else(|| anyhow!("TwinStored without an id: {twin:?}"))?;
	Ok(id as u32)
}

/// Chain time (seconds) at the latest finalized block.
pub async fn chain_now_secs(client: &Client) -> Result<u64> {
	let address = subxt::dynamic::storage::<(), u64>("Timestamp", "Now");
	let at = client.at_current_block().await?;
	Ok(at.storage().fetch(address, ()).await?.decode()? / 1000)
}

/// `farmer` (who has a twin) creates the farm `name` with one public IP `ip` (CIDR) and gateway
/// `gw`; returns the call's events, as [`submit`] does.
pub async fn create_farm_with_ip(
	client: &Client,
	farmer: &Keypair,
	name: &str,
	ip: &str,
	gw: &str,
) -> Result<Vec<(String, String, Value)>> {
	let public_ip = Value::named_composite([("ip", bytes(ip)), ("gw", bytes(gw))]);
	submit(
		client,
		farmer,
		"TfgridModule",
		"create_farm",
		vec![bytes(name), Value::unnamed_composite([public_ip])],
	)
	.await
}

/// `zos` (the node's own key, which has a twin) registers a node in farm `farm_id`: 1024 GiB HRU,
/// 512 GiB SRU, 8 CRU, 16 GiB MRU, in Ghent (Belgium), with one interface `zos` and serial
/// `SN-123`; returns the call's events, as [`submit`] does.
pub async fn register_node(
	client: &Client,
	zos: &Keypair,
	farm_id: u32,
) -> Result<Vec<(String, String, Value)>> {
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
	submit(
		client,
		zos,
		"TfgridModule",
		"create_node",
		vec![
			Value::u128(u128::from(farm_id)),
			resources,
			location,
			Value::unnamed_composite([interface]),
			Value::bool(false),
			Value::bool(false),
			some(bytes("SN-123")),
		],
	)
	.await
}
