//! Runtime-level tests: fees, the genesis presets (built through the wasm `GenesisBuilder`, as
//! the node builds them) and metadata.

use crate::{
	configs::monetary::{WeightToFee, BASE_EXTRINSIC_FEE},
	genesis_config_presets::{preset_names, ENDOWMENT, FOUR_VALIDATORS_PRESET},
	AccountId, Runtime, System, VERSION, WASM_BINARY,
};
use polkadot_sdk::{
	frame_support::weights::{constants::ExtrinsicBaseWeight, WeightToFee as _},
	pallet_balances, pallet_collective, pallet_membership, pallet_session,
	sc_chain_spec::GenesisConfigBuilderRuntimeCaller,
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
};
use tfchain_primitives::constants::{DEFAULT_SESSION_LENGTH, MILLICENTS};

/// Storage of a named preset, built by the wasm runtime's `GenesisBuilder`.
fn preset_ext(name: &str) -> TestExternalities {
	let wasm = WASM_BINARY.expect("the wasm runtime is built for these tests");
	let storage = GenesisConfigBuilderRuntimeCaller::<()>::new(wasm)
		.get_storage_for_named_preset(Some(&name.to_string()))
		.unwrap_or_else(|e| panic!("preset {name} builds: {e}"));
	TestExternalities::new(storage)
}

fn accounts(keys: &[Sr25519Keyring]) -> Vec<AccountId> {
	keys.iter().map(|k| k.to_account_id()).collect()
}

#[test]
fn extrinsic_base_fee_is_a_tenth_of_a_cent() {
	let fee = WeightToFee::weight_to_fee(&ExtrinsicBaseWeight::get());
	assert_eq!(BASE_EXTRINSIC_FEE, 10_000);
	assert!(fee.abs_diff(BASE_EXTRINSIC_FEE) < MILLICENTS, "base fee {fee}");
}

#[test]
fn all_presets_are_listed() {
	let names: Vec<String> =
		preset_names().into_iter().map(|p| String::from_utf8(p.into()).unwrap()).collect();
	assert_eq!(names, [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET, FOUR_VALIDATORS_PRESET]);
}

/// Checks what every preset must hold, given its validators.
fn assert_valid_genesis(name: &str, validators: &[Sr25519Keyring]) {
	preset_ext(name).execute_with(|| {
		let validators = accounts(validators);
		// The validator set, its approvals and the session's active set all agree.
		assert_eq!(pallet_validator_set::Validators::<Runtime>::get().into_inner(), validators);
		assert_eq!(
			pallet_validator_set::ApprovedValidators::<Runtime>::get().into_inner(),
			validators
		);
		assert_eq!(pallet_session::Validators::<Runtime>::get(), validators);
		assert_eq!(pallet_validator_set::SessionLength::<Runtime>::get(), DEFAULT_SESSION_LENGTH);
		// Authorities come from the session keys.
		assert_eq!(
			polkadot_sdk::pallet_aura::Authorities::<Runtime>::get().len(),
			validators.len()
		);
		assert_eq!(
			polkadot_sdk::pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(),
			validators.len()
		);
		// Council: Alice and Bob, in both the collective and the membership pallet.
		let council = accounts(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob]);
		let mut members =
			pallet_membership::Members::<Runtime, pallet_membership::Instance1>::get().into_inner();
		members.sort();
		let mut expected = council.clone();
		expected.sort();
		assert_eq!(members, expected);
		assert_eq!(
			pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get(),
			expected
		);
		// Dev accounts are endowed, and issuance is exactly their sum.
		let endowed = Sr25519Keyring::well_known().count() as u128;
		for key in Sr25519Keyring::well_known() {
			assert_eq!(System::account(key.to_account_id()).data.free, ENDOWMENT);
		}
		assert_eq!(pallet_balances::TotalIssuance::<Runtime>::get(), ENDOWMENT * endowed);
		assert_grid_genesis();
	});
}

/// The grid registry holds TFChain's dev policies: pricing policy 1 (indexed by name),
/// farming policies 1 (DIY) and 2 (certified), both default, and the connection price.
fn assert_grid_genesis() {
	use pallet_tfgrid::{
		FarmingPoliciesMap, FarmingPolicyID, PricingPolicies, PricingPolicyID,
		PricingPolicyIdByName,
	};
	use tfchain_primitives::grid::NodeCertification;
	let policy = PricingPolicies::<Runtime>::get(1).expect("pricing policy 1 at genesis");
	assert_eq!(policy.cu.value, 100_000);
	assert_eq!(policy.su.value, 50_000);
	assert_eq!(policy.foundation_account, Sr25519Keyring::Eve.to_account_id());
	assert_eq!(policy.certified_sales_account, Sr25519Keyring::Ferdie.to_account_id());
	assert_eq!(PricingPolicyID::<Runtime>::get(), 1);
	assert_eq!(PricingPolicyIdByName::<Runtime>::get(&policy.name), 1);
	assert_eq!(FarmingPolicyID::<Runtime>::get(), 2);
	let diy = FarmingPoliciesMap::<Runtime>::get(1);
	let certified = FarmingPoliciesMap::<Runtime>::get(2);
	assert!(diy.default && certified.default);
	assert_eq!((diy.cu, diy.su, diy.nu, diy.ipv4, diy.minimal_uptime), (2400, 1000, 30, 5, 95));
	assert_eq!(certified.node_certification, NodeCertification::Certified);
	assert_eq!(pallet_tfgrid::ConnectionPrice::<Runtime>::get(), 80);
}

#[test]
fn development_preset_lets_alice_certify_nodes() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let certifiers = pallet_tfgrid::AllowedNodeCertifiers::<Runtime>::get().unwrap_or_default();
		assert_eq!(certifiers.into_inner(), accounts(&[Sr25519Keyring::Alice]));
	});
}

#[test]
fn development_preset_is_valid() {
	assert_valid_genesis(DEV_RUNTIME_PRESET, &[Sr25519Keyring::Alice]);
}

#[test]
fn local_testnet_preset_is_valid() {
	assert_valid_genesis(
		LOCAL_TESTNET_RUNTIME_PRESET,
		&[Sr25519Keyring::Alice, Sr25519Keyring::Bob],
	);
}

#[test]
fn four_validators_preset_is_valid() {
	assert_valid_genesis(
		FOUR_VALIDATORS_PRESET,
		&[
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		],
	);
}

#[test]
fn pallet_indices_match_tfchain() {
	use polkadot_sdk::frame_support::traits::PalletInfoAccess;
	let expected: [(&str, usize); 21] = [
		("System", 0),
		("Timestamp", 1),
		("Utility", 3),
		("Scheduler", 4),
		("ValidatorSet", 10),
		("Session", 11),
		("Aura", 12),
		("Grandpa", 13),
		("Authorship", 15),
		("Balances", 20),
		("TransactionPayment", 21),
		("TfgridModule", 25),
		("SmartContractModule", 26),
		("TFTPriceModule", 28),
		("BurningModule", 29),
		("TFKVStore", 30),
		("RuntimeUpgrade", 31),
		("Council", 40),
		("CouncilMembership", 41),
		("Dao", 43),
		("Minting", 44),
	];
	let actual = [
		(crate::System::name(), crate::System::index()),
		(crate::Timestamp::name(), crate::Timestamp::index()),
		(crate::Utility::name(), crate::Utility::index()),
		(crate::Scheduler::name(), crate::Scheduler::index()),
		(crate::ValidatorSet::name(), crate::ValidatorSet::index()),
		(crate::Session::name(), crate::Session::index()),
		(crate::Aura::name(), crate::Aura::index()),
		(crate::Grandpa::name(), crate::Grandpa::index()),
		(crate::Authorship::name(), crate::Authorship::index()),
		(crate::Balances::name(), crate::Balances::index()),
		(crate::TransactionPayment::name(), crate::TransactionPayment::index()),
		(crate::TfgridModule::name(), crate::TfgridModule::index()),
		(crate::SmartContractModule::name(), crate::SmartContractModule::index()),
		(crate::TFTPriceModule::name(), crate::TFTPriceModule::index()),
		(crate::BurningModule::name(), crate::BurningModule::index()),
		(crate::TFKVStore::name(), crate::TFKVStore::index()),
		(crate::RuntimeUpgrade::name(), crate::RuntimeUpgrade::index()),
		(crate::Council::name(), crate::Council::index()),
		(crate::CouncilMembership::name(), crate::CouncilMembership::index()),
		(crate::Dao::name(), crate::Dao::index()),
		(crate::Minting::name(), crate::Minting::index()),
	];
	assert_eq!(actual, expected);
}

#[test]
fn metadata_is_served_at_v14_v15_and_v16() {
	let versions = Runtime::metadata_versions();
	for v in [14, 15, 16] {
		assert!(versions.contains(&v), "metadata v{v} in {versions:?}");
		assert!(Runtime::metadata_at_version(v).is_some());
	}
}

#[test]
fn version_keeps_tfchain_spec_name() {
	assert_eq!(VERSION.spec_name, "substrate-threefold");
}

/// The runtime bills a node contract by itself (no extrinsic), and deleting the node ends the
/// contract, settles it and frees its public IP (the registry → contracts glue).
#[test]
fn runtime_bills_contracts_and_node_deletion_cancels_them() {
	use crate::{RuntimeEvent, RuntimeOrigin, SmartContractModule, TfgridModule};
	use pallet_smart_contract::{types::ContractResources, Contracts, Event as ContractEvent};
	use polkadot_sdk::frame_support::traits::Hooks;
	use polkadot_sdk::pallet_timestamp;
	use tfchain_primitives::{resources::Resources, traits::GridBenchmarkHelper};

	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let start = 1_700_000_000u64;
		System::set_block_number(1);
		// Written directly: `set_timestamp` would also drive Aura's slot checks.
		pallet_timestamp::Now::<Runtime>::put(start * 1000);
		assert_eq!(pallet_tft_price::AverageTftPrice::<Runtime>::get(), 50);

		let alice = Sr25519Keyring::Alice.to_account_id();
		let node_account = Sr25519Keyring::One.to_account_id();
		let twin = TfgridModule::make_twin(&alice);
		let farm = TfgridModule::make_farm(twin, 1, false);
		let node_twin = TfgridModule::make_twin(&node_account);
		let node = TfgridModule::make_node(node_twin, farm);
		SmartContractModule::create_node_contract(
			RuntimeOrigin::signed(alice.clone()),
			node,
			[7u8; 32],
			Default::default(),
			1,
			None,
		)
		.expect("node contract created");
		let gib = 1u64 << 30;
		SmartContractModule::report_contract_resources(
			RuntimeOrigin::signed(node_account),
			vec![ContractResources {
				contract_id: 1,
				used: Resources { hru: 0, sru: 60 * gib, cru: 2, mru: 2 * gib },
			}],
		)
		.expect("resources reported");

		// Contract 1 sits in slot 1 of 600: it is billed at block 601, an hour later.
		for n in 2..=601u32 {
			System::set_block_number(n);
			pallet_timestamp::Now::<Runtime>::put((start + 6 * u64::from(n - 1)) * 1000);
			SmartContractModule::on_initialize(n);
		}
		let billed = System::events().iter().any(|record| {
			matches!(
				&record.event,
				RuntimeEvent::SmartContractModule(ContractEvent::ContractBilled(bill))
					if bill.contract_id == 1 && bill.amount_billed > 0
			)
		});
		assert!(billed, "the hook billed the contract");

		TfgridModule::delete_node_farm(RuntimeOrigin::signed(alice), node).expect("node deleted");
		assert!(!Contracts::<Runtime>::contains_key(1));
		assert!(System::events().iter().any(|record| matches!(
			record.event,
			RuntimeEvent::SmartContractModule(ContractEvent::NodeContractCanceled {
				contract_id: 1,
				..
			})
		)));
		let farm = pallet_tfgrid::Farms::<Runtime>::get(farm).expect("farm");
		assert!(farm.public_ips.iter().all(|ip| ip.contract_id == 0), "IP freed");
		SmartContractModule::do_try_state().expect("contract invariants hold");
	});
}

/// The registry's node hook reaches the DAO (farm weight) and minting (accrual), and the
/// development preset's one-minute reward period settles a node's statement and mints it to
/// the farm's twin.
#[test]
fn node_hooks_reach_the_dao_and_minting_and_the_dev_period_mints() {
	use crate::{Balances, Dao, Minting, RuntimeEvent, RuntimeOrigin, TfgridModule};
	use pallet_minting::{Event as MintingEvent, NodeAccruals};
	use polkadot_sdk::frame_support::traits::Hooks;
	use polkadot_sdk::pallet_timestamp;
	use tfchain_primitives::{
		grid::{Location, Node},
		traits::GridBenchmarkHelper,
	};

	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_minting::RewardPeriod::<Runtime>::get(), 60);
		let start = 1_700_000_040u64; // the start of a reward period
		let set_time = |n: u32, t: u64| {
			System::set_block_number(n);
			pallet_timestamp::Now::<Runtime>::put(t * 1000);
			Minting::on_initialize(n);
		};
		set_time(1, start);

		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let zos = Sr25519Keyring::Two.to_account_id();
		let farm = TfgridModule::make_farm(TfgridModule::make_twin(&charlie), 0, false);
		TfgridModule::make_twin(&zos);
		let gib = 1u64 << 30;
		TfgridModule::create_node(
			RuntimeOrigin::signed(zos.clone()),
			farm,
			tfchain_primitives::resources::Resources {
				hru: 1024 * gib,
				sru: 512 * gib,
				cru: 8,
				mru: 16 * gib,
			},
			Location {
				city: b"Ghent".to_vec().try_into().expect("short"),
				country: b"Belgium".to_vec().try_into().expect("short"),
				latitude: b"51.05".to_vec().try_into().expect("short"),
				longitude: b"3.71".to_vec().try_into().expect("short"),
			},
			Default::default(),
			false,
			false,
			None,
		)
		.expect("node created");
		let node: Node = pallet_tfgrid::Nodes::<Runtime>::get(1).expect("node 1");
		assert_eq!(pallet_dao::FarmWeight::<Runtime>::get(farm), node.resources.get_node_weight());
		assert!(NodeAccruals::<Runtime>::contains_key(1));

		// Reports every 6 s through the next period's settlement (12 s after its end).
		let before = Balances::free_balance(&charlie);
		for n in 2..=16u32 {
			let t = start + 6 * u64::from(n - 1);
			set_time(n, t);
			TfgridModule::report_uptime_v2(RuntimeOrigin::signed(zos.clone()), 1_000 + t, t)
				.expect("uptime reported");
		}
		let minted: u128 = System::events()
			.into_iter()
			.filter_map(|record| match record.event {
				RuntimeEvent::Minting(MintingEvent::NodeRewarded(statement)) => {
					assert_eq!(statement.node_id, 1);
					assert_eq!(statement.credited_secs, 60);
					assert!(statement.uptime_met);
					Some(statement.minted)
				},
				_ => None,
			})
			.sum();
		assert!(minted > 0, "the period was settled and paid");
		assert_eq!(Balances::free_balance(&charlie), before + minted);
		Minting::do_try_state().expect("minting invariants hold");
		Dao::do_try_state().expect("DAO invariants hold");
	});
}
