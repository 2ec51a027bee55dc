//! Sets up a local dev chain for trying the node agent by hand (not part of the agent).
//!
//! ```text
//! cargo run --release -p node-agent --example dev_grid -- ws://127.0.0.1:9944 farm
//! cargo run --release -p node-agent --example dev_grid -- ws://127.0.0.1:9944 fund <account hex|ss58>
//! cargo run --release -p node-agent --example dev_grid -- ws://127.0.0.1:9944 twin //Dave
//! cargo run --release -p node-agent --example dev_grid -- ws://127.0.0.1:9944 power <node> up|down
//! ```
//!
//! `farm`: Bob accepts the terms, creates his twin and farm `dev_farm` with the public IP
//! `185.206.122.33/24` (gateway `185.206.122.1`). `fund`: Alice sends 100 TFT. `twin`: the
//! account of the secret URI accepts the terms and creates its twin. `power`: Bob (the farmer)
//! sets the node's power target.

use std::str::FromStr;
use subxt::{dynamic::Value, OnlineClient, PolkadotConfig};
use subxt_signer::{sr25519::Keypair, SecretUri};
use tfchain_agent_chain::{dev, ChainClient, PublicIpInfo};

const TFT: u128 = 10_000_000;

fn keypair(suri: &str) -> Result<Keypair, String> {
	let uri = SecretUri::from_str(suri).map_err(|e| e.to_string())?;
	Keypair::from_uri(&uri).map_err(|e| e.to_string())
}

fn account(text: &str) -> Result<[u8; 32], String> {
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes = hex::decode(hex).map_err(|e| e.to_string())?;
		return bytes.try_into().map_err(|_| "not 32 bytes".to_string());
	}
	subxt_utils_accountid32::AccountId32::from_str(text).map(|a| a.0).map_err(|e| e.to_string())
}

async fn ensure_twin(chain: &ChainClient) -> Result<u32, String> {
	if let Some(id) = chain.twin_id_of(chain.account_id()).await.map_err(|e| e.to_string())? {
		return Ok(id);
	}
	chain
		.accept_terms("https://example.org/terms", "dev-terms")
		.await
		.map_err(|e| e.to_string())?;
	chain.create_twin(None, None).await.map_err(|e| e.to_string())
}

async fn run(args: &[String]) -> Result<(), String> {
	let (url, command) = match args {
		[url, command, ..] => (url.as_str(), command.as_str()),
		_ => return Err("usage: dev_grid <ws url> farm|fund|twin|power ...".into()),
	};
	match (command, &args[2..]) {
		("farm", []) => {
			let chain = ChainClient::connect(url, dev::bob()).await.map_err(|e| e.to_string())?;
			let twin = ensure_twin(&chain).await?;
			let ip =
				PublicIpInfo { ip: "185.206.122.33/24".into(), gateway: "185.206.122.1".into() };
			let farm = chain.create_farm("dev_farm", &[ip]).await.map_err(|e| e.to_string())?;
			println!("farmer twin {twin}, farm {farm}");
		},
		("fund", [who]) => {
			let chain = ChainClient::connect(url, dev::alice()).await.map_err(|e| e.to_string())?;
			chain.transfer(account(who)?, 100 * TFT).await.map_err(|e| e.to_string())?;
			println!("sent 100 TFT to {who}");
		},
		("twin", [suri]) => {
			let chain =
				ChainClient::connect(url, keypair(suri)?).await.map_err(|e| e.to_string())?;
			println!("twin {}", ensure_twin(&chain).await?);
		},
		("power", [node, target]) => {
			let node: u32 = node.parse().map_err(|_| "node id")?;
			let target = match target.as_str() {
				"up" => "Up",
				"down" => "Down",
				_ => return Err("power target is up or down".into()),
			};
			let client = OnlineClient::<PolkadotConfig>::from_insecure_url(url)
				.await
				.map_err(|e| e.to_string())?;
			let call = subxt::dynamic::transaction(
				"TfgridModule",
				"change_power_target",
				vec![Value::u128(u128::from(node)), Value::unnamed_variant(target, [])],
			);
			client
				.at_current_block()
				.await
				.map_err(|e| e.to_string())?
				.transactions()
				.sign_and_submit_then_watch_default(&call, &dev::bob())
				.await
				.map_err(|e| e.to_string())?
				.wait_for_finalized_success()
				.await
				.map_err(|e| format!("{e:?}"))?;
			println!("power target of node {node}: {target}");
		},
		_ => return Err(format!("unknown command {command} {:?}", &args[2..])),
	}
	Ok(())
}

#[tokio::main]
async fn main() {
	let args: Vec<String> = std::env::args().skip(1).collect();
	if let Err(e) = run(&args).await {
		eprintln!("error: {e}");
		std::process::exit(1);
	}
}
