//! Chain specifications. Genesis content lives in the runtime's presets; this file only picks
//! the preset, names the chain and sets the token properties.

use polkadot_sdk::{
	sc_service::{self, ChainType, Properties},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
};
use tfchain_runtime::{
	constants::{SS58_PREFIX, TFT_DECIMALS, TFT_SYMBOL},
	genesis_config_presets::FOUR_VALIDATORS_PRESET,
	WASM_BINARY,
};

/// Chain specification with no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, as wallets read them.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TFT_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TFT_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or("the wasm runtime was not built (SKIP_WASM_BUILD?)")?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--chain dev`: a single validator (Alice).
pub fn development() -> Result<ChainSpec, String> {
	from_preset("Development", "tfchain_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// `--chain local`: two validators (Alice, Bob).
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset("Local Testnet", "tfchain_local", ChainType::Local, LOCAL_TESTNET_RUNTIME_PRESET)
}

/// `--chain four`: four validators (Alice, Bob, Charlie, Dave).
pub fn four_validators() -> Result<ChainSpec, String> {
	from_preset("Four Validators", "tfchain_four", ChainType::Local, FOUR_VALIDATORS_PRESET)
}
