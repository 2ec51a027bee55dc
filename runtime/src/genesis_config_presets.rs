//! Genesis presets: `development` (one validator), `local_testnet` (two) and `four_validators`
//! (four, for testing finality with one validator down).
//!
//! Every preset: dev accounts endowed with 2^60 planck each (TFChain's amount); the validators
//! are the ValidatorSet's initial set with their dev session keys; the council is Alice and Bob;
//! the grid registry has TFChain's dev pricing and farming policies (Alice certifies nodes in
//! `development`); the TFT price band is TFChain's 10–1000 mUSD with a first price of 50 mUSD
//! (validators feed later prices with `set_prices`). Minting rewards nodes every minute in
//! `development` and every hour in the test networks (30 days is the production default).
//! The session length is the production default unless a chain spec patches
//! `validatorSet.sessionLength` (the end-to-end tests do, to rotate sessions in seconds).

#![warn(missing_docs)]

use crate::{
	AccountId, BalancesConfig, CouncilMembershipConfig, MintingConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, TFTPriceModuleConfig, TfgridModuleConfig, ValidatorSetConfig,
};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;
use tfchain_primitives::Balance;

/// Name of the four-validator local preset.
pub const FOUR_VALIDATORS_PRESET: &str = "four_validators";

/// What each endowed dev account holds at genesis: 2^60 planck, as on TFChain.
pub const ENDOWMENT: Balance = 1 << 60;

/// A dev validator: its sr25519 key (account and Aura) and its ed25519 key (GRANDPA), both
/// derived from the same name (`//Alice`, …), as the node's `--alice` flags insert them.
type DevValidator = (Sr25519Keyring, Ed25519Keyring);

/// A validator's account and the session keys it signs with.
fn validator((sr, ed): DevValidator) -> (AccountId, SessionKeys) {
	(sr.to_account_id(), SessionKeys { aura: sr.public().into(), grandpa: ed.public().into() })
}

/// The genesis patch shared by all presets.
fn tfchain_genesis(
	validators: Vec<DevValidator>,
	council: Vec<AccountId>,
	endowed: Vec<AccountId>,
	node_certifiers: Vec<AccountId>,
	(reward_period, settle_delay): (u64, u64),
) -> Value {
	let validators: Vec<(AccountId, SessionKeys)> = validators.into_iter().map(validator).collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect::<Vec<_>>(),
		},
		validator_set: ValidatorSetConfig {
			initial_validators: validators.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
		},
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|(account, keys)| (account.clone(), account, keys))
				.collect::<Vec<_>>(),
		},
		council_membership: CouncilMembershipConfig {
			members: council.try_into().expect("the council fits MaxMembers; qed"),
		},
		tfgrid_module: grid_genesis(node_certifiers),
		tft_price_module: TFTPriceModuleConfig {
			min_tft_price: 10,
			max_tft_price: 1000,
			initial_price: Some(50),
		},
		minting: MintingConfig { reward_period, settle_delay },
	})
}

/// The grid registry at genesis: TFChain's dev values (pricing policy 1 with Eve as foundation
/// and Ferdie as sales account, farming policies 1 (DIY) and 2 (certified), connection price
/// 80 mUSD) and the given node certifiers.
fn grid_genesis(node_certifiers: Vec<AccountId>) -> TfgridModuleConfig {
	TfgridModuleConfig {
		su_price_value: 50_000,
		su_price_unit: 4,
		nu_price_value: 15_000,
		nu_price_unit: 4,
		ipu_price_value: 40_000,
		ipu_price_unit: 4,
		cu_price_value: 100_000,
		cu_price_unit: 4,
		domain_name_price_value: 5_000,
		unique_name_price_value: 2_500,
		foundation_account: Some(Sr25519Keyring::Eve.to_account_id()),
		sales_account: Some(Sr25519Keyring::Ferdie.to_account_id()),
		discount_for_dedication_nodes: 50,
		farming_policy_diy_cu: 2_400,
		farming_policy_diy_nu: 30,
		farming_policy_diy_su: 1_000,
		farming_policy_diy_ipu: 5,
		farming_policy_diy_minimal_uptime: 95,
		farming_policy_certified_cu: 3_000,
		farming_policy_certified_nu: 38,
		farming_policy_certified_su: 1_250,
		farming_policy_certified_ipu: 6,
		farming_policy_certified_minimal_uptime: 95,
		connection_price: 80,
		node_certifiers,
		..Default::default()
	}
}

/// The well-known dev accounts (Alice … Ferdie and their `//stash` accounts).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

const ALICE: DevValidator = (Sr25519Keyring::Alice, Ed25519Keyring::Alice);
const BOB: DevValidator = (Sr25519Keyring::Bob, Ed25519Keyring::Bob);

fn council() -> Vec<AccountId> {
	vec![Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id()]
}

/// Minting in the development preset: one-minute reward periods, settled 12 s after their end
/// (nodes of a development chain must report more often than that).
const DEV_MINTING: (u64, u64) = (60, 12);
/// Minting in the test-network presets: one-hour periods, settled 45 minutes after their end
/// (longer than Zero-OS's 40-minute uptime report interval).
const TESTNET_MINTING: (u64, u64) = (3_600, 2_700);

/// `development`: Alice validates alone.
pub fn development_config_genesis() -> Value {
	tfchain_genesis(
		vec![ALICE],
		council(),
		dev_accounts(),
		vec![Sr25519Keyring::Alice.to_account_id()],
		DEV_MINTING,
	)
}

/// `local_testnet`: Alice and Bob validate.
pub fn local_config_genesis() -> Value {
	tfchain_genesis(vec![ALICE, BOB], council(), dev_accounts(), Vec::new(), TESTNET_MINTING)
}

/// `four_validators`: Alice, Bob, Charlie and Dave validate.
pub fn four_validators_config_genesis() -> Value {
	tfchain_genesis(
		vec![
			ALICE,
			BOB,
			(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		council(),
		dev_accounts(),
		Vec::new(),
		TESTNET_MINTING,
	)
}

/// The JSON patch of the named preset, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		FOUR_VALIDATORS_PRESET => four_validators_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work; qed")
			.into_bytes(),
	)
}

/// The names of all presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(FOUR_VALIDATORS_PRESET),
	]
}
