//! Unit tests of the contracts pallet on the mock runtime.
//!
//! TFChain's scenario groups (`pallet-smart-contract` tests, reference §5.3) are ported one by one
//! (names may differ), with amounts checked against the pricing rules of [`crate::cost`] and the
//! billing engine of [`crate::billing`]: node, name and rent contracts; billing, settlement,
//! distribution, grace; solution providers; service contracts; billing frequency; the
//! dedicated-node extra fee; and the engine's own rules (liveness, idempotent manual bills,
//! network usage billed once, weight-limited hook, invariants).
//!
//! Every test but the invariant-corruption one runs in [`test`], which checks `do_try_state`
//! afterwards.

use crate::{
	billing::Cursor,
	cost,
	mock::*,
	pallet::{ContractLock as ContractLockOf, ContractPaymentState as PaymentState},
	types::{
		Cause, Contract, ContractBill, ContractBillingInformation, ContractData, ContractResources,
		ContractState, DeploymentData, DiscountLevel, HexHash, NameContract, NameContractName,
		NodeContract, NruConsumption, Provider, RentContract, ServiceContract, ServiceContractBill,
		ServiceContractState, SolutionProvider, CONTRACT_VERSION,
	},
	weights::WeightInfo,
	*,
};
use frame::testing_prelude::*;
use tfchain_primitives::{
	grid::{Power, PowerState, PublicIP},
	resources::Resources,
	traits::{GridBenchmarkHelper, GridPrices, Tfgrid},
};

// ---- fixtures ----

const GIB: u64 = 1 << 30;
const ALICE_TWIN: u32 = 1;
const BOB_TWIN: u32 = 2;
const CHARLIE_TWIN: u32 = 3;
const NODE: u32 = 1;
const FARM: u32 = 1;
/// TFT price of the mock (genesis initial price), mUSD.
const TFT_PRICE: u32 = 50;
/// Service-contract fees of TFChain's tests, mUSD per hour.
const BASE_FEE: u64 = 1000;
const VARIABLE_FEE: u64 = 1000;
/// Extra fee used for dedicated nodes, mUSD per month.
const EXTRA_FEE: u64 = 10_000;

fn hash(n: u8) -> HexHash {
	[n; 32]
}

/// Chain time (Unix seconds) at block `block` in the mock.
fn time_at(block: u64) -> u64 {
	GENESIS_TIME + BLOCK_SECS * block
}

/// Moves to block `n` and its time without running the billing hook.
fn jump_to_block(n: u64) {
	System::set_block_number(n);
	Timestamp::set_timestamp(time_at(n) * 1000);
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::SmartContractModule(event) => Some(event),
			_ => None,
		})
		.collect()
}

fn has(event: Event<Test>) {
	System::assert_has_event(event.into());
}

fn last(event: Event<Test>) {
	System::assert_last_event(event.into());
}

fn has_grid(event: pallet_tfgrid::Event<Test>) {
	System::assert_has_event(event.into());
}

/// The `ContractBilled` events of `contract_id`, in order.
fn bills(contract_id: u64) -> Vec<ContractBill> {
	events()
		.into_iter()
		.filter_map(|event| match event {
			Event::ContractBilled(bill) if bill.contract_id == contract_id => Some(bill),
			_ => None,
		})
		.collect()
}

fn bill_of(contract_id: u64, block: u64, level: DiscountLevel, amount: u128) -> ContractBill {
	ContractBill {
		contract_id,
		timestamp: time_at(block),
		discount_level: level,
		amount_billed: amount,
	}
}

fn billed_total(contract_id: u64) -> u128 {
	bills(contract_id).iter().map(|b| b.amount_billed).sum()
}

fn count(pred: impl Fn(&Event<Test>) -> bool) -> usize {
	events().iter().filter(|e| pred(e)).count()
}

fn contract(id: u64) -> Contract {
	Contracts::<Test>::get(id).expect("contract exists")
}

fn state_of(id: u64) -> ContractState {
	contract(id).state
}

fn payment(id: u64) -> types::ContractPaymentState<u128> {
	PaymentState::<Test>::get(id)
}

fn farm_ips() -> Vec<PublicIP> {
	pallet_tfgrid::Farms::<Test>::get(FARM).expect("farm exists").public_ips.to_vec()
}

fn free(who: &AccountId) -> u128 {
	Balances::free_balance(who)
}

fn held(who: &AccountId) -> u128 {
	SmartContractModule::held_for_contracts(who, HoldReason::ContractPayment)
}

fn held_extra(who: &AccountId) -> u128 {
	SmartContractModule::held_for_contracts(who, HoldReason::ContractExtraFee)
}

// ---- prices ----

fn prices() -> GridPrices<AccountId> {
	<TfgridModule as Tfgrid<AccountId, u64>>::pricing(1).expect("pricing policy 1")
}

/// TFChain's reported-usage helper: cru 2, mru 2 GiB, sru 60 GiB, hru 0.
fn worked_resources() -> Resources {
	Resources { hru: 0, sru: 60 * GIB, cru: 2, mru: 2 * GIB }
}

fn node_resources() -> Resources {
	pallet_tfgrid::Nodes::<Test>::get(NODE).expect("node exists").resources
}

fn tft(units_usd: u128) -> u128 {
	cost::usd_to_tft(units_usd, TFT_PRICE)
}

/// Planck (before discount) of `seconds` of a node contract.
fn node_price(seconds: u64, used: &Resources, ips: u32, bill_resources: bool) -> u128 {
	tft(cost::capacity_cost(&prices(), seconds, used, ips, bill_resources).round())
}

/// Planck (before discount) of `seconds` of renting the test node.
fn rent_price(seconds: u64) -> u128 {
	tft(cost::rent_cost(&prices(), seconds, &node_resources()))
}

/// Planck (before discount) of `seconds` of a name contract.
fn name_price(seconds: u64) -> u128 {
	tft(cost::name_cost(&prices(), seconds))
}

/// Planck of `seconds` of the dedicated-node extra fee [`EXTRA_FEE`] (never discounted).
fn extra_price(seconds: u64) -> u128 {
	tft(cost::extra_fee_cost(EXTRA_FEE, seconds))
}

/// The Gold discount (×0.4) Alice and Dave get with their 10^12 planck.
fn gold(amount: u128) -> u128 {
	cost::div_round(amount * 4, 10)
}

// ---- distribution ----

#[derive(Debug, PartialEq)]
struct Shares {
	foundation: u128,
	staking: u128,
	provider: u128,
	sales: u128,
	burned: u128,
}

/// How `total` is split: 10% foundation, 5% staking pool, `take`% provider, 50 − take % sales,
/// the rest burned.
fn shares(total: u128, take: u32) -> Shares {
	let part = |p: u32| Perbill::from_percent(p) * total;
	let (foundation, staking, provider, sales) = (part(10), part(5), part(take), part(50 - take));
	Shares {
		foundation,
		staking,
		provider,
		sales,
		burned: total - foundation - staking - provider - sales,
	}
}

#[derive(Clone, Copy, Debug)]
struct Snapshot {
	ferdie: u128,
	eve: u128,
	staking: u128,
	dave: u128,
	bob: u128,
	issuance: u128,
}

fn snapshot() -> Snapshot {
	Snapshot {
		ferdie: free(&ferdie()),
		eve: free(&eve()),
		staking: free(&StakingPool::get()),
		dave: free(&dave()),
		bob: free(&bob()),
		issuance: Balances::total_issuance(),
	}
}

/// Asserts that `total` planck of `contract_id` was distributed since `before` with the standard
/// split (provider `take`%) and the rest burned.
fn assert_paid_out(before: &Snapshot, contract_id: u64, total: u128, take: u32) {
	let expected = shares(total, take);
	assert_eq!(free(&ferdie()) - before.ferdie, expected.foundation, "foundation share");
	assert_eq!(free(&StakingPool::get()) - before.staking, expected.staking, "staking share");
	assert_eq!(free(&eve()) - before.eve, expected.sales, "sales share");
	if take > 0 {
		assert_eq!(free(&dave()) - before.dave, expected.provider, "provider share");
	}
	assert_eq!(before.issuance - Balances::total_issuance(), expected.burned, "burned");
	has(Event::TokensBurned { contract_id, amount: expected.burned });
}

/// Asserts nothing was paid out since `before`.
fn assert_nothing_paid_out(before: &Snapshot) {
	assert_eq!(free(&ferdie()), before.ferdie);
	assert_eq!(free(&eve()), before.eve);
	assert_eq!(free(&StakingPool::get()), before.staking);
	assert_eq!(Balances::total_issuance(), before.issuance);
}

// ---- set-up and actions ----

/// The registry of [`prepare_farm_and_node`], with the staking pool account existing so every
/// share of a distribution can be paid.
fn setup() -> u32 {
	let node = prepare_farm_and_node();
	assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), StakingPool::get(), 1_000_000));
	node
}

fn second_node() -> u32 {
	let twin = TfgridModule::make_twin(&node2_account());
	TfgridModule::make_node(twin, FARM)
}

fn create_node_contract_on(who: AccountId, node: u32, hash: HexHash, ips: u32) -> u64 {
	assert_ok!(SmartContractModule::create_node_contract(
		RuntimeOrigin::signed(who),
		node,
		hash,
		Default::default(),
		ips,
		None
	));
	ContractID::<Test>::get()
}

fn create_node_contract(who: AccountId, hash: HexHash, ips: u32) -> u64 {
	create_node_contract_on(who, NODE, hash, ips)
}

fn create_rent_contract(who: AccountId) -> u64 {
	assert_ok!(SmartContractModule::create_rent_contract(RuntimeOrigin::signed(who), NODE, None));
	ContractID::<Test>::get()
}

fn create_name_contract(who: AccountId, name: &[u8]) -> u64 {
	assert_ok!(SmartContractModule::create_name_contract(
		RuntimeOrigin::signed(who),
		name.to_vec()
	));
	ContractID::<Test>::get()
}

fn report_resources(contract_id: u64, used: Resources) {
	assert_ok!(SmartContractModule::report_contract_resources(
		RuntimeOrigin::signed(node_account()),
		vec![ContractResources { contract_id, used }]
	));
}

fn cancel(who: AccountId, contract_id: u64) {
	assert_ok!(SmartContractModule::cancel_contract(RuntimeOrigin::signed(who), contract_id));
}

fn bill_now(contract_id: u64) {
	assert_ok!(SmartContractModule::bill_contract_for_block(
		RuntimeOrigin::signed(eve()),
		contract_id
	));
}

fn top_up(who: &AccountId, amount: u128) {
	assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(dave()), who.clone(), amount));
}

/// The test node reports its power state.
fn node_power(power: Power) {
	assert_ok!(TfgridModule::change_power_state(RuntimeOrigin::signed(node_account()), power));
}

fn report_uptime_now(node: u32) {
	<TfgridModule as GridBenchmarkHelper<AccountId>>::report_uptime_now(node);
}

fn create_approved_solution_provider(take: u8) -> u64 {
	assert_ok!(SmartContractModule::create_solution_provider(
		RuntimeOrigin::signed(alice()),
		b"some_description".to_vec(),
		b"some_link".to_vec(),
		vec![Provider { who: dave(), take }]
	));
	let id = SolutionProviderID::<Test>::get();
	assert_ok!(SmartContractModule::approve_solution_provider(RuntimeOrigin::root(), id, true));
	id
}

/// Charlie (150_000 planck) deploys the worked-example workload with one IP: 144_440 planck a
/// bill, so the second bill (block 21) cannot be paid.
fn charlie_contract_into_grace() -> u64 {
	let id = create_node_contract(charlie(), hash(1), 1);
	report_resources(id, worked_resources());
	run_to_block(21);
	assert_eq!(state_of(id), ContractState::GracePeriod(21));
	id
}

// =====================================================================================
// Node contracts: create, update, cancel
// =====================================================================================

#[test]
fn create_node_contract_works() {
	test(|| {
		let node = prepare_farm_and_node();
		let data: DeploymentData = b"some_data".to_vec().try_into().unwrap();
		assert_ok!(SmartContractModule::create_node_contract(
			RuntimeOrigin::signed(alice()),
			node,
			hash(1),
			data.clone(),
			0,
			None
		));
		let expected = Contract {
			version: CONTRACT_VERSION,
			state: ContractState::Created,
			contract_id: 1,
			twin_id: ALICE_TWIN,
			contract_type: ContractData::NodeContract(NodeContract {
				node_id: node,
				deployment_hash: hash(1),
				deployment_data: data,
				public_ips: 0,
				public_ips_list: Default::default(),
			}),
			solution_provider_id: None,
		};
		assert_eq!(Contracts::<Test>::get(1), Some(expected.clone()));
		last(Event::ContractCreated(expected));
		assert_eq!(count(|e| matches!(e, Event::IPsReserved { .. })), 0);
		assert_eq!(ContractID::<Test>::get(), 1);
		assert_eq!(ActiveNodeContracts::<Test>::get(node).to_vec(), vec![1]);
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(node, hash(1)), 1);
		assert_eq!(ContractsToBillAt::<Test>::get(1).to_vec(), vec![1]);
		assert_eq!(
			ContractBillingInformationByID::<Test>::get(1),
			ContractBillingInformation {
				previous_nu_reported: 0,
				last_updated: time_at(1),
				amount_unbilled: 0
			}
		);
		assert_eq!(
			payment(1),
			types::ContractPaymentState { last_updated_seconds: time_at(1), ..Default::default() }
		);
		assert_eq!(ContractLockOf::<Test>::get(1).lock_updated, time_at(1));
	});
}

#[test]
fn create_node_contract_without_twin_fails() {
	test(|| {
		let node = prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(eve()),
				node,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn create_node_contract_with_undefined_node_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				2,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotExists
		);
	});
}

#[test]
fn create_node_contract_on_standby_node_fails() {
	test(|| {
		let node = prepare_farm_and_node();
		let create = || {
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				node,
				hash(1),
				Default::default(),
				0,
				None,
			)
		};
		// The node reports itself down.
		node_power(Power::Down);
		has_grid(pallet_tfgrid::Event::PowerStateChanged {
			farm_id: FARM,
			node_id: node,
			power_state: PowerState::Down(1),
		});
		assert_noop!(create(), Error::<Test>::NodeNotAvailableToDeploy);
		// Up again, but the farmer asks it to go down: still in the standby phase.
		node_power(Power::Up);
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(bob()),
			node,
			Power::Down
		));
		assert_noop!(create(), Error::<Test>::NodeNotAvailableToDeploy);
		// Target up: deployable again.
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(bob()),
			node,
			Power::Up
		));
		assert_ok!(create());
	});
}

#[test]
fn create_node_contract_and_switch_node_to_standby_fails() {
	test(|| {
		let node = prepare_farm_and_node();
		create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			TfgridModule::change_power_target(RuntimeOrigin::signed(bob()), node, Power::Down),
			pallet_tfgrid::Error::<Test>::NodeHasActiveContracts
		);
	});
}

#[test]
fn create_node_contract_with_public_ips_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 2);
		let ips = farm_ips();
		assert_eq!(ips.len(), 2);
		assert!(ips.iter().all(|ip| ip.contract_id == id), "farm marks its IPs as used");
		let ContractData::NodeContract(node_contract) = contract(id).contract_type else {
			panic!("node contract")
		};
		assert_eq!(node_contract.public_ips, 2);
		assert_eq!(node_contract.public_ips_list.to_vec(), ips);
		has(Event::IPsReserved { contract_id: id, public_ips: ips.try_into().unwrap() });
		last(Event::ContractCreated(contract(id)));

		// No IP left.
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(2),
				Default::default(),
				1,
				None
			),
			Error::<Test>::FarmHasNotEnoughPublicIPsFree
		);
		// More than the farm has.
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(2),
				Default::default(),
				3,
				None
			),
			Error::<Test>::FarmHasNotEnoughPublicIPs
		);
	});
}

#[test]
fn create_node_contract_with_same_hash_and_node_fails() {
	test(|| {
		prepare_farm_and_node();
		create_node_contract(alice(), hash(1), 0);
		for who in [alice(), bob()] {
			assert_noop!(
				SmartContractModule::create_node_contract(
					RuntimeOrigin::signed(who),
					NODE,
					hash(1),
					Default::default(),
					0,
					None
				),
				Error::<Test>::ContractIsNotUnique
			);
		}
		// The same hash on another node is fine.
		let node2 = second_node();
		let id = create_node_contract_on(alice(), node2, hash(1), 0);
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(node2, hash(1)), id);
	});
}

#[test]
fn create_node_contract_which_was_canceled_before_works() {
	test(|| {
		prepare_farm_and_node();
		let first = create_node_contract(alice(), hash(1), 0);
		cancel(alice(), first);
		let second = create_node_contract(alice(), hash(1), 0);
		assert_eq!(second, 2);
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(1)), second);
		assert_eq!(ActiveNodeContracts::<Test>::get(NODE).to_vec(), vec![second]);
		last(Event::ContractCreated(contract(second)));
	});
}

#[test]
fn update_node_contract_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		let data: DeploymentData = b"new_data".to_vec().try_into().unwrap();
		assert_ok!(SmartContractModule::update_node_contract(
			RuntimeOrigin::signed(alice()),
			id,
			hash(2),
			data.clone()
		));
		let updated = contract(id);
		let ContractData::NodeContract(ref node_contract) = updated.contract_type else {
			panic!("node contract")
		};
		assert_eq!(node_contract.deployment_hash, hash(2));
		assert_eq!(node_contract.deployment_data, data);
		assert_eq!(updated.state, ContractState::Created);
		last(Event::ContractUpdated(updated));
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(1)), 0);
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(2)), id);
		// The old hash is free again.
		create_node_contract(bob(), hash(1), 0);
	});
}

#[test]
fn update_node_contract_not_exists_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::update_node_contract(
				RuntimeOrigin::signed(alice()),
				1,
				hash(2),
				Default::default()
			),
			Error::<Test>::ContractNotExists
		);
	});
}

#[test]
fn update_node_contract_wrong_twins_fails() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::update_node_contract(
				RuntimeOrigin::signed(bob()),
				id,
				hash(2),
				Default::default()
			),
			Error::<Test>::TwinNotAuthorizedToUpdateContract
		);
	});
}

#[test]
fn update_node_contract_to_a_hash_in_use_fails() {
	test(|| {
		prepare_farm_and_node();
		let first = create_node_contract(alice(), hash(1), 0);
		let second = create_node_contract(alice(), hash(2), 0);
		assert_noop!(
			SmartContractModule::update_node_contract(
				RuntimeOrigin::signed(alice()),
				second,
				hash(1),
				Default::default()
			),
			Error::<Test>::ContractIsNotUnique
		);
		// Keeping its own hash (new data only) is fine.
		assert_ok!(SmartContractModule::update_node_contract(
			RuntimeOrigin::signed(alice()),
			first,
			hash(1),
			b"v2".to_vec().try_into().unwrap()
		));
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(1)), first);
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(2)), second);
	});
}

#[test]
fn update_contract_of_other_kind_fails() {
	test(|| {
		prepare_farm_and_node();
		let id = create_name_contract(alice(), b"foobar");
		assert_noop!(
			SmartContractModule::update_node_contract(
				RuntimeOrigin::signed(alice()),
				id,
				hash(2),
				Default::default()
			),
			Error::<Test>::InvalidContractType
		);
	});
}

#[test]
fn update_node_contract_in_grace_fails() {
	test(|| {
		setup();
		let id = charlie_contract_into_grace();
		assert_noop!(
			SmartContractModule::update_node_contract(
				RuntimeOrigin::signed(charlie()),
				id,
				hash(2),
				Default::default()
			),
			Error::<Test>::CannotUpdateContractInGraceState
		);
	});
}

#[test]
fn cancel_node_contract_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		report_resources(id, worked_resources());
		cancel(alice(), id);
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: ALICE_TWIN });
		assert_eq!(Contracts::<Test>::get(id), None);
		assert!(ActiveNodeContracts::<Test>::get(NODE).is_empty());
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(1)), 0);
		assert!(!ContractBillingInformationByID::<Test>::contains_key(id));
		assert!(!NodeContractResources::<Test>::contains_key(id));
		assert!(!PaymentState::<Test>::contains_key(id));
		assert!(!ContractLockOf::<Test>::contains_key(id));
		// The farmer may power the node down again.
		assert_ok!(TfgridModule::change_power_target(
			RuntimeOrigin::signed(bob()),
			NODE,
			Power::Down
		));
	});
}

#[test]
fn cancel_contract_collective_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 1);
		assert_noop!(
			SmartContractModule::cancel_contract_collective(RuntimeOrigin::signed(alice()), id),
			BadOrigin
		);
		assert_noop!(
			SmartContractModule::cancel_contract_collective(RuntimeOrigin::root(), 42),
			Error::<Test>::ContractNotExists
		);
		assert_ok!(SmartContractModule::cancel_contract_collective(RuntimeOrigin::root(), id));
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: ALICE_TWIN });
		has(Event::IPsFreed {
			contract_id: id,
			public_ips: vec![PublicIP { contract_id: id, ..farm_ips()[0].clone() }]
				.try_into()
				.unwrap(),
		});
		assert_eq!(Contracts::<Test>::get(id), None);
	});
}

#[test]
fn cancel_name_and_rent_contracts_collective_works() {
	test(|| {
		prepare_farm_and_node();
		let name = create_name_contract(alice(), b"foobar");
		let rent = create_rent_contract(bob());
		assert_ok!(SmartContractModule::cancel_contract_collective(RuntimeOrigin::root(), name));
		has(Event::NameContractCanceled { contract_id: name });
		assert_ok!(SmartContractModule::cancel_contract_collective(RuntimeOrigin::root(), rent));
		has(Event::RentContractCanceled { contract_id: rent });
		assert_eq!(Contracts::<Test>::iter().count(), 0);
	});
}

#[test]
fn create_multiple_node_contracts_works() {
	test(|| {
		prepare_farm_and_node();
		let a = create_node_contract(alice(), hash(1), 0);
		let b = create_node_contract(alice(), hash(2), 0);
		let c = create_node_contract(bob(), hash(3), 1);
		assert_eq!((a, b, c), (1, 2, 3));
		assert_eq!(ActiveNodeContracts::<Test>::get(NODE).to_vec(), vec![1, 2, 3]);
		for id in [a, b, c] {
			assert_eq!(ContractsToBillAt::<Test>::get(id % 10).to_vec(), vec![id]);
		}
		assert_eq!(contract(c).twin_id, BOB_TWIN);
	});
}

#[test]
fn cancel_node_contract_frees_public_ips_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 2);
		let reserved = farm_ips();
		cancel(alice(), id);
		has(Event::IPsFreed { contract_id: id, public_ips: reserved.try_into().unwrap() });
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0));
		// The IPs can be reserved again.
		let again = create_node_contract(bob(), hash(2), 2);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == again));
	});
}

#[test]
fn a_node_with_contracts_cannot_move_to_another_farm() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		let other_farm = TfgridModule::make_farm(BOB_TWIN, 0, false);
		let location = tfchain_primitives::grid::Location {
			city: b"Ghent".to_vec().try_into().unwrap(),
			country: b"Belgium".to_vec().try_into().unwrap(),
			latitude: b"Unknown".to_vec().try_into().unwrap(),
			longitude: b"Unknown".to_vec().try_into().unwrap(),
		};
		let move_node = || {
			TfgridModule::update_node(
				RuntimeOrigin::signed(node_account()),
				NODE,
				other_farm,
				node_resources(),
				location.clone(),
				Default::default(),
				false,
				false,
				None,
			)
		};
		// The contract holds an IP of the node's farm: the node stays in it.
		assert_noop!(move_node(), pallet_tfgrid::Error::<Test>::NodeHasActiveContracts);
		cancel(alice(), id);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0));
		assert_ok!(move_node());
	});
}

#[test]
fn cancel_node_contract_not_exists_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::cancel_contract(RuntimeOrigin::signed(alice()), 1),
			Error::<Test>::ContractNotExists
		);
	});
}

#[test]
fn cancel_node_contract_wrong_twins_fails() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::cancel_contract(RuntimeOrigin::signed(bob()), id),
			Error::<Test>::TwinNotAuthorizedToCancelContract
		);
	});
}

#[test]
fn cancel_node_contract_and_remove_from_billing_loop_works() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		run_to_block(5);
		cancel(alice(), id);
		// Dropped from its slot when the slot is next billed, and never billed again.
		run_to_block(11);
		assert!(!ContractsToBillAt::<Test>::get(1).contains(&id));
		assert_eq!(bills(id).len(), 1, "only the final bill at cancellation");
		assert_eq!(bills(id)[0].timestamp, time_at(5));
	});
}

#[test]
fn contract_created_before_frequency_change_is_billed_and_removed() {
	// TFChain could not remove such contracts from its billing loop (wrong index).
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		assert_ok!(SmartContractModule::change_billing_frequency(RuntimeOrigin::root(), 20));
		run_to_block(21);
		assert_eq!(
			bills(id),
			vec![bill_of(
				id,
				21,
				DiscountLevel::Gold,
				gold(node_price(120, &Resources::default(), 1, true))
			)]
		);
		cancel(alice(), id);
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: ALICE_TWIN });
		run_to_block(41);
		assert!(ContractsToBillAt::<Test>::get(1).is_empty());
	});
}

#[test]
fn force_reset_farm_ip_takes_the_ip_from_its_contract() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 2);
		let ips = farm_ips();
		assert_ok!(TfgridModule::force_reset_farm_ip(
			RuntimeOrigin::root(),
			FARM,
			ips[0].ip.clone()
		));
		has(Event::IPsFreed {
			contract_id: id,
			public_ips: vec![ips[0].clone()].try_into().unwrap(),
		});
		let ContractData::NodeContract(node_contract) = contract(id).contract_type else {
			panic!("node contract")
		};
		assert_eq!(node_contract.public_ips, 1);
		assert_eq!(node_contract.public_ips_list.to_vec(), vec![ips[1].clone()]);
		// Only the IP it still holds is billed.
		run_to_block(11);
		assert_eq!(
			bills(id),
			vec![bill_of(
				id,
				11,
				DiscountLevel::Gold,
				gold(node_price(60, &Resources::default(), 1, true))
			)]
		);
	});
}

// =====================================================================================
// Name contracts
// =====================================================================================

#[test]
fn create_name_contract_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_name_contract(alice(), b"foobar");
		let expected = Contract {
			version: CONTRACT_VERSION,
			state: ContractState::Created,
			contract_id: id,
			twin_id: ALICE_TWIN,
			contract_type: ContractData::NameContract(NameContract {
				name: b"foobar".to_vec().try_into().unwrap(),
			}),
			solution_provider_id: None,
		};
		assert_eq!(Contracts::<Test>::get(id), Some(expected.clone()));
		last(Event::ContractCreated(expected));
		let name: NameContractName = b"foobar".to_vec().try_into().unwrap();
		assert_eq!(ContractIDByNameRegistration::<Test>::get(name), id);
		assert_eq!(ContractsToBillAt::<Test>::get(id % 10).to_vec(), vec![id]);
	});
}

#[test]
fn create_name_contract_without_twin_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::create_name_contract(
				RuntimeOrigin::signed(eve()),
				b"foobar".to_vec()
			),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn cancel_name_contract_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_name_contract(alice(), b"foobar");
		cancel(alice(), id);
		last(Event::NameContractCanceled { contract_id: id });
		assert_eq!(Contracts::<Test>::get(id), None);
		let name: NameContractName = b"foobar".to_vec().try_into().unwrap();
		assert!(!ContractIDByNameRegistration::<Test>::contains_key(name));
	});
}

#[test]
fn create_name_contract_double_with_same_name_fails() {
	test(|| {
		prepare_farm_and_node();
		create_name_contract(alice(), b"foobar");
		for who in [alice(), bob()] {
			assert_noop!(
				SmartContractModule::create_name_contract(
					RuntimeOrigin::signed(who),
					b"foobar".to_vec()
				),
				Error::<Test>::NameExists
			);
		}
	});
}

#[test]
fn recreate_name_contract_after_cancel_works() {
	test(|| {
		prepare_farm_and_node();
		let first = create_name_contract(alice(), b"foobar");
		cancel(alice(), first);
		let second = create_name_contract(bob(), b"foobar");
		let name: NameContractName = b"foobar".to_vec().try_into().unwrap();
		assert_eq!(ContractIDByNameRegistration::<Test>::get(name), second);
		assert_eq!(contract(second).twin_id, BOB_TWIN);
	});
}

#[test]
fn create_name_contract_with_invalid_name_fails() {
	test(|| {
		prepare_farm_and_node();
		let create = |name: &[u8]| {
			SmartContractModule::create_name_contract(RuntimeOrigin::signed(alice()), name.to_vec())
		};
		for name in [&b""[..], b"a", b"ab"] {
			assert_noop!(create(name), Error::<Test>::NameContractNameTooShort);
		}
		assert_noop!(create(&[b'a'; 65]), Error::<Test>::NameContractNameTooLong);
		for name in [&b"foo.bar"[..], b"Foobar", b"foo bar", b"foo!", b"f\xc3\xa9e", b"foo/bar"] {
			assert_noop!(create(name), Error::<Test>::NameNotValid);
		}
		// Edge cases that are valid.
		for name in [&b"abc"[..], &[b'z'; 64][..], b"a-b_c9", b"123"] {
			assert_ok!(create(name));
		}
	});
}

// =====================================================================================
// Rent contracts and dedicated placement
// =====================================================================================

#[test]
fn create_rent_contract_works() {
	test(|| {
		prepare_dedicated_farm_and_node();
		let id = create_rent_contract(alice());
		let expected = Contract {
			version: CONTRACT_VERSION,
			state: ContractState::Created,
			contract_id: id,
			twin_id: ALICE_TWIN,
			contract_type: ContractData::RentContract(RentContract { node_id: NODE }),
			solution_provider_id: None,
		};
		assert_eq!(Contracts::<Test>::get(id), Some(expected.clone()));
		last(Event::ContractCreated(expected));
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), Some(id));
		assert_eq!(ContractsToBillAt::<Test>::get(id % 10).to_vec(), vec![id]);
	});
}

#[test]
fn create_rent_contract_on_undefined_node_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::create_rent_contract(RuntimeOrigin::signed(alice()), 9, None),
			Error::<Test>::NodeNotExists
		);
	});
}

#[test]
fn create_rent_contract_on_rented_node_fails() {
	test(|| {
		prepare_dedicated_farm_and_node();
		create_rent_contract(alice());
		for who in [alice(), bob()] {
			assert_noop!(
				SmartContractModule::create_rent_contract(RuntimeOrigin::signed(who), NODE, None),
				Error::<Test>::NodeHasRentContract
			);
		}
	});
}

#[test]
fn create_rent_contract_on_standby_node_works() {
	test(|| {
		prepare_dedicated_farm_and_node();
		node_power(Power::Down);
		let id = create_rent_contract(alice());
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), Some(id));
		// Nothing can be deployed on it while it sleeps, not even by the renter.
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn create_rent_contract_and_switch_node_to_standby_fails() {
	test(|| {
		prepare_dedicated_farm_and_node();
		create_rent_contract(alice());
		assert_noop!(
			TfgridModule::change_power_target(RuntimeOrigin::signed(bob()), NODE, Power::Down),
			pallet_tfgrid::Error::<Test>::NodeHasActiveContracts
		);
	});
}

#[test]
fn create_rent_contract_on_standby_node_and_wake_it_up_works() {
	// A rent contract on a standby node is not billed; it is billed from the time it wakes up.
	test(|| {
		setup();
		node_power(Power::Down);
		let id = create_rent_contract(alice());
		run_to_block(31);
		assert!(bills(id).is_empty(), "no bill while the node is in standby");
		assert_eq!(payment(id).overdraft(), 0);

		run_to_block(35);
		node_power(Power::Up);
		has_grid(pallet_tfgrid::Event::PowerStateChanged {
			farm_id: FARM,
			node_id: NODE,
			power_state: PowerState::Up,
		});
		run_to_block(41);
		// 36 seconds: from the wake-up at block 35 to block 41.
		assert_eq!(bills(id), vec![bill_of(id, 41, DiscountLevel::Gold, gold(rent_price(36)))]);
		// The renter can deploy now.
		create_node_contract(alice(), hash(1), 0);
	});
}

#[test]
fn rent_contract_billed_until_node_goes_to_standby() {
	test(|| {
		setup();
		let id = create_rent_contract(alice());
		run_to_block(15);
		node_power(Power::Down);
		// Going down bills the time it was up.
		run_to_block(41);
		assert_eq!(
			bills(id),
			vec![
				bill_of(id, 11, DiscountLevel::Gold, gold(rent_price(60))),
				bill_of(id, 15, DiscountLevel::Gold, gold(rent_price(24))),
			]
		);
	});
}

#[test]
fn cancel_rent_contract_works() {
	test(|| {
		prepare_dedicated_farm_and_node();
		let id = create_rent_contract(alice());
		cancel(alice(), id);
		last(Event::RentContractCanceled { contract_id: id });
		assert_eq!(Contracts::<Test>::get(id), None);
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), None);
		// Someone else may rent it now.
		create_rent_contract(bob());
	});
}

#[test]
fn cancel_rent_contract_of_standby_node_works() {
	// TFChain left such a contract in `Deleted` until the node woke up.
	test(|| {
		setup();
		node_power(Power::Down);
		let id = create_rent_contract(alice());
		run_to_block(25);
		cancel(alice(), id);
		has(Event::RentContractCanceled { contract_id: id });
		assert_eq!(Contracts::<Test>::get(id), None);
		assert!(bills(id).is_empty());
	});
}

#[test]
fn create_rent_contract_on_node_in_use_fails() {
	test(|| {
		prepare_farm_and_node();
		create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::create_rent_contract(RuntimeOrigin::signed(bob()), NODE, None),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn create_rent_contract_non_dedicated_empty_node_works() {
	test(|| {
		prepare_farm_and_node();
		let rent = create_rent_contract(alice());
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), Some(rent));
		// Only the renter may deploy on it now.
		create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(bob()),
				NODE,
				hash(2),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn create_node_contract_on_dedicated_node_without_rent_contract_fails() {
	test(|| {
		prepare_dedicated_farm_and_node();
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn create_node_contract_when_having_a_rent_contract_works() {
	test(|| {
		prepare_dedicated_farm_and_node();
		create_rent_contract(alice());
		let id = create_node_contract(alice(), hash(1), 1);
		assert_eq!(ActiveNodeContracts::<Test>::get(NODE).to_vec(), vec![id]);
		last(Event::ContractCreated(contract(id)));
	});
}

#[test]
fn create_node_contract_on_node_rented_by_other_fails() {
	test(|| {
		prepare_farm_and_node();
		create_rent_contract(bob());
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn create_node_contract_on_dedicated_node_rented_by_other_fails() {
	test(|| {
		prepare_dedicated_farm_and_node();
		create_rent_contract(bob());
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn cancel_rent_contract_with_active_node_contracts_fails() {
	test(|| {
		prepare_dedicated_farm_and_node();
		let rent = create_rent_contract(alice());
		let node_contract = create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::cancel_contract(RuntimeOrigin::signed(alice()), rent),
			Error::<Test>::NodeHasActiveContracts
		);
		assert_noop!(
			SmartContractModule::cancel_contract_collective(RuntimeOrigin::root(), rent),
			Error::<Test>::NodeHasActiveContracts
		);
		cancel(alice(), node_contract);
		cancel(alice(), rent);
		has(Event::RentContractCanceled { contract_id: rent });
	});
}

// =====================================================================================
// Node-contract billing, settlement, distribution and grace
// =====================================================================================

#[test]
fn hook_bills_node_contracts_without_any_extrinsic() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		let alice_before = free(&alice());
		run_to_block(10);
		assert!(bills(id).is_empty(), "contract 1 is billed at blocks ending in 1");
		run_to_block(11);
		// One public IP for 60 s: 69_400 × 60 / 3600 = 1_157 units USD = 23_140 planck, Gold ×0.4.
		assert_eq!(node_price(60, &Resources::default(), 1, true), 23_140);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::Gold, 9_256)]);
		let state = payment(id);
		assert_eq!(state.standard_overdraft, 9_256);
		assert_eq!(state.last_updated_seconds, time_at(11));
		assert_eq!(state.cycles, 1);
		// Nothing is collected before the settlement.
		assert_eq!(free(&alice()), alice_before);
		assert_eq!(held(&alice()), 0);
	});
}

#[test]
fn node_contract_bill_matches_the_cost_formula() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		has(Event::UpdatedUsedResources(ContractResources {
			contract_id: id,
			used: worked_resources(),
		}));
		assert_eq!(NodeContractResources::<Test>::get(id).used, worked_resources());
		run_to_block(11);
		// The worked example is 8_666_400 planck an hour: 144_440 for 60 s, ×0.4 (Gold).
		assert_eq!(node_price(3600, &worked_resources(), 1, true), 8_666_400);
		assert_eq!(node_price(60, &worked_resources(), 1, true), 144_440);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::Gold, 57_776)]);
		run_to_block(31);
		assert_eq!(bills(id).len(), 3);
		assert_eq!(payment(id).standard_overdraft, 3 * 57_776);
		assert_eq!(payment(id).cycles, 3);
	});
}

#[test]
fn worked_example_one_hour_costs_8_666_400_planck() {
	test(|| {
		setup();
		// Bob's balance gives no discount on this amount.
		let id = create_node_contract(bob(), hash(1), 1);
		report_resources(id, worked_resources());
		jump_to_block(601);
		let bob_before = free(&bob());
		let before = snapshot();
		bill_now(id);
		assert_eq!(bills(id), vec![bill_of(id, 601, DiscountLevel::None, 8_666_400)]);
		assert_eq!(bob_before - free(&bob()), 8_666_400);
		assert_eq!(
			shares(8_666_400, 0),
			Shares {
				foundation: 866_640,
				staking: 433_320,
				provider: 0,
				sales: 4_333_200,
				burned: 3_033_240
			}
		);
		assert_paid_out(&before, id, 8_666_400, 0);
		assert_eq!(held(&bob()), 0);
	});
}

#[test]
fn node_contract_without_ips_or_resources_is_not_billed() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 0);
		run_to_block(31);
		assert!(bills(id).is_empty());
		assert_eq!(payment(id).last_updated_seconds, time_at(31));
		// Resources reported now are billed from the last (empty) bill on.
		report_resources(id, worked_resources());
		run_to_block(41);
		assert_eq!(
			bills(id),
			vec![bill_of(
				id,
				41,
				DiscountLevel::Gold,
				gold(node_price(60, &worked_resources(), 0, true))
			)]
		);
	});
}

#[test]
fn node_contract_billing_details() {
	// 24 bills, then the distribution: 10% foundation, 5% staking pool, 50% sales, 35% burned.
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		let alice_before = free(&alice());
		let before = snapshot();
		run_to_block(240);
		assert_eq!(bills(id).len(), 23);
		assert_eq!(payment(id).standard_overdraft, 23 * 57_776);
		assert_nothing_paid_out(&before);
		assert_eq!(free(&alice()), alice_before);

		run_to_block(241);
		let total = 24 * 57_776;
		assert_eq!(billed_total(id), total);
		assert_paid_out(&before, id, total, 0);
		assert_eq!(alice_before - free(&alice()), total);
		assert_eq!(held(&alice()), 0);
		let state = payment(id);
		assert_eq!((state.standard_overdraft, state.standard_reserve, state.cycles), (0, 0, 0));
		let lock = ContractLockOf::<Test>::get(id);
		assert_eq!((lock.amount_locked, lock.cycles, lock.lock_updated), (0, 0, time_at(241)));
		assert_eq!(state_of(id), ContractState::Created);
	});
}

#[test]
fn node_contract_billing_details_with_solution_provider() {
	// The provider's payee (Dave, 10%) is paid out of the sales share (40% left).
	test(|| {
		setup();
		let provider = create_approved_solution_provider(10);
		assert_ok!(SmartContractModule::create_node_contract(
			RuntimeOrigin::signed(alice()),
			NODE,
			hash(1),
			Default::default(),
			1,
			Some(provider)
		));
		let id = ContractID::<Test>::get();
		report_resources(id, worked_resources());
		let before = snapshot();
		run_to_block(241);
		let total = 24 * 57_776;
		assert_eq!(billed_total(id), total);
		let expected = shares(total, 10);
		assert_eq!(expected.sales, Perbill::from_percent(40) * total);
		assert_paid_out(&before, id, total, 10);
	});
}

#[test]
fn bill_contract_for_block_settles_and_distributes() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		run_to_block(15);
		let before = snapshot();
		bill_now(id);
		let last_bill = gold(node_price(24, &worked_resources(), 1, true));
		assert_eq!(
			bills(id),
			vec![
				bill_of(id, 11, DiscountLevel::Gold, 57_776),
				bill_of(id, 15, DiscountLevel::Gold, last_bill),
			]
		);
		assert_paid_out(&before, id, 57_776 + last_bill, 0);
		assert_eq!(payment(id).overdraft(), 0);
		assert_eq!(payment(id).cycles, 0);
	});
}

#[test]
fn bill_contract_for_block_is_idempotent() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		run_to_block(11);
		bill_now(id);
		let after_first = (snapshot().issuance, free(&alice()), free(&ferdie()), payment(id));
		System::reset_events();
		bill_now(id);
		assert!(
			events().is_empty(),
			"a second bill in the same block bills nothing: {:?}",
			events()
		);
		assert_eq!(
			(snapshot().issuance, free(&alice()), free(&ferdie()), payment(id)),
			after_first
		);
	});
}

#[test]
fn bill_contract_for_block_of_unknown_contract_fails() {
	test(|| {
		setup();
		assert_noop!(
			SmartContractModule::bill_contract_for_block(RuntimeOrigin::signed(alice()), 1),
			Error::<Test>::ContractNotExists
		);
	});
}

#[test]
fn multiple_contracts_billing_loop_works() {
	test(|| {
		setup();
		let first = create_node_contract(alice(), hash(1), 1);
		let second = create_name_contract(alice(), b"some_name");
		// Contract 2 is billed at the blocks ending in 2: first at block 2 (6 s after creation).
		run_to_block(2);
		assert_eq!(
			bills(second),
			vec![bill_of(second, 2, DiscountLevel::Gold, gold(name_price(6)))]
		);
		assert!(bills(first).is_empty());
		run_to_block(11);
		assert_eq!(bills(first).len(), 1);
		assert_eq!(bills(second).len(), 1);
		run_to_block(12);
		assert_eq!(
			bills(second)[1],
			bill_of(second, 12, DiscountLevel::Gold, gold(name_price(60)))
		);
		assert_eq!(bills(first).len(), 1);
		run_to_block(22);
		assert_eq!(bills(first).len(), 2);
		assert_eq!(bills(second).len(), 3);
	});
}

#[test]
fn node_multiple_contract_billing_cycles() {
	test(|| {
		setup();
		let a = create_node_contract(alice(), hash(1), 1);
		let b = create_node_contract(dave(), hash(2), 0);
		report_resources(a, worked_resources());
		report_resources(b, worked_resources());
		run_to_block(32);
		assert_eq!(
			bills(a),
			(1..=3)
				.map(|i| bill_of(a, 1 + 10 * i, DiscountLevel::Gold, 57_776))
				.collect::<Vec<_>>()
		);
		let b_first = gold(node_price(6, &worked_resources(), 0, true));
		let b_next = gold(node_price(60, &worked_resources(), 0, true));
		assert_eq!(
			bills(b),
			vec![
				bill_of(b, 2, DiscountLevel::Gold, b_first),
				bill_of(b, 12, DiscountLevel::Gold, b_next),
				bill_of(b, 22, DiscountLevel::Gold, b_next),
				bill_of(b, 32, DiscountLevel::Gold, b_next),
			]
		);
		assert_eq!(payment(a).standard_overdraft, 3 * 57_776);
		assert_eq!(payment(b).standard_overdraft, b_first + 3 * b_next);
	});
}

#[test]
fn node_contract_only_public_ip_billing() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		run_to_block(21);
		assert_eq!(
			bills(id),
			vec![
				bill_of(id, 11, DiscountLevel::Gold, 9_256),
				bill_of(id, 21, DiscountLevel::Gold, 9_256)
			]
		);
		let before = snapshot();
		cancel(alice(), id);
		assert_paid_out(&before, id, 2 * 9_256, 0);
	});
}

#[test]
fn delete_node_cancels_contracts() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		let reserved = farm_ips()[0].clone();
		run_to_block(15);
		let before = snapshot();
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(bob()), NODE));
		has_grid(pallet_tfgrid::Event::NodeDeleted(NODE));
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: ALICE_TWIN });
		has(Event::IPsFreed { contract_id: id, public_ips: vec![reserved].try_into().unwrap() });
		// Billed up to the deletion, collected and distributed.
		let last_bill = gold(node_price(24, &worked_resources(), 1, true));
		assert_eq!(bills(id).last(), Some(&bill_of(id, 15, DiscountLevel::Gold, last_bill)));
		assert_paid_out(&before, id, 57_776 + last_bill, 0);
		assert_eq!(Contracts::<Test>::get(id), None);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0));
		assert_eq!(held(&alice()), 0);
	});
}

#[test]
fn cancel_contract_during_cycle_collects_the_final_amount() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		report_resources(id, worked_resources());
		run_to_block(15);
		let alice_before = free(&alice());
		let before = snapshot();
		cancel(alice(), id);
		let last_bill = gold(node_price(24, &worked_resources(), 1, true));
		assert_eq!(last_bill, 23_112);
		assert_eq!(bills(id).last(), Some(&bill_of(id, 15, DiscountLevel::Gold, last_bill)));
		assert_paid_out(&before, id, 57_776 + last_bill, 0);
		assert_eq!(alice_before - free(&alice()), 57_776 + last_bill);
		assert!(free(&ferdie()) > before.ferdie && free(&eve()) > before.eve);
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: ALICE_TWIN });
		assert_eq!(count(|e| matches!(e, Event::ContractDebtWrittenOff { .. })), 0);
	});
}

#[test]
fn cancel_contract_during_cycle_without_balance_writes_off_the_debt() {
	test(|| {
		setup();
		let id = create_node_contract(charlie(), hash(1), 1);
		report_resources(id, worked_resources());
		run_to_block(15);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::None, 144_440)]);
		let before = snapshot();
		cancel(charlie(), id);
		let last_bill = node_price(24, &worked_resources(), 1, true);
		assert_eq!(bills(id).last(), Some(&bill_of(id, 15, DiscountLevel::None, last_bill)));
		// Charlie can pay 149_500 (keeping the existential deposit); the rest is written off.
		let paid = 150_000 - 500;
		assert_paid_out(&before, id, paid, 0);
		has(Event::ContractDebtWrittenOff { contract_id: id, amount: 144_440 + last_bill - paid });
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: CHARLIE_TWIN });
		assert_eq!(free(&charlie()), 500);
		assert_eq!(held(&charlie()), 0);
		assert_eq!(count(|e| matches!(e, Event::ContractGracePeriodStarted { .. })), 0);
	});
}

#[test]
fn node_contract_out_of_funds_moves_to_grace_period() {
	test(|| {
		setup();
		let id = create_node_contract(charlie(), hash(1), 1);
		report_resources(id, worked_resources());
		run_to_block(11);
		// The first bill can still be paid: nothing happens.
		assert_eq!(state_of(id), ContractState::Created);
		run_to_block(21);
		assert_eq!(state_of(id), ContractState::GracePeriod(21));
		last(Event::ContractGracePeriodStarted {
			contract_id: id,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
			block_number: 21,
		});
		// What Charlie had is collected and held; the rest is owed.
		assert_eq!(held(&charlie()), 149_500);
		assert_eq!(free(&charlie()), 500);
		let state = payment(id);
		assert_eq!(state.standard_reserve, 149_500);
		assert_eq!(state.standard_overdraft, 2 * 144_440 - 149_500);
		assert_eq!(ContractLockOf::<Test>::get(id).amount_locked, 149_500);
	});
}

#[test]
fn restore_node_contract_in_grace_works() {
	test(|| {
		setup();
		let id = charlie_contract_into_grace();
		run_to_block(25);
		top_up(&charlie(), 10_000_000);
		let before = snapshot();
		run_to_block(31);
		assert_eq!(state_of(id), ContractState::Created);
		has(Event::ContractGracePeriodEnded {
			contract_id: id,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
		});
		// Everything owed is collected and distributed: three bills of 144_440.
		assert_eq!(billed_total(id), 3 * 144_440);
		assert_paid_out(&before, id, 3 * 144_440, 0);
		assert_eq!(payment(id).overdraft(), 0);
		assert_eq!(held(&charlie()), 0);
		// It can be updated again.
		assert_ok!(SmartContractModule::update_node_contract(
			RuntimeOrigin::signed(charlie()),
			id,
			hash(2),
			Default::default()
		));
	});
}

#[test]
fn restore_node_contract_in_grace_with_bill_contract_for_block_works() {
	test(|| {
		setup();
		let id = charlie_contract_into_grace();
		run_to_block(25);
		top_up(&charlie(), 10_000_000);
		bill_now(id);
		assert_eq!(state_of(id), ContractState::Created);
		has(Event::ContractGracePeriodEnded {
			contract_id: id,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
		});
		assert_eq!(payment(id).overdraft(), 0);
	});
}

#[test]
fn cancel_contract_in_grace_writes_off_the_debt() {
	test(|| {
		setup();
		let id = charlie_contract_into_grace();
		run_to_block(25);
		let before = snapshot();
		cancel(charlie(), id);
		let owed = billed_total(id) - 149_500;
		assert_paid_out(&before, id, 149_500, 0);
		has(Event::ContractDebtWrittenOff { contract_id: id, amount: owed });
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: CHARLIE_TWIN });
		assert_eq!(Contracts::<Test>::get(id), None);
		assert_eq!(held(&charlie()), 0);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0));
	});
}

#[test]
fn node_holds_a_bounded_number_of_node_contracts() {
	test(|| {
		setup();
		for i in 0..32u8 {
			create_node_contract(alice(), hash(i), 0);
		}
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(200),
				Default::default(),
				1,
				None
			),
			Error::<Test>::TooManyNodeContracts
		);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0), "no IP kept by the failed call");
	});
}

#[test]
fn grace_period_end_deletes_the_contract_and_frees_its_ips() {
	test(|| {
		setup();
		let id = charlie_contract_into_grace();
		let before = snapshot();
		run_to_block(120);
		assert_eq!(state_of(id), ContractState::GracePeriod(21));
		assert_nothing_paid_out(&before);
		run_to_block(121);
		assert_eq!(Contracts::<Test>::get(id), None);
		has(Event::NodeContractCanceled { contract_id: id, node_id: NODE, twin_id: CHARLIE_TWIN });
		assert_eq!(
			count(|e| matches!(e, Event::IPsFreed { contract_id, .. } if *contract_id == id)),
			1
		);
		assert!(farm_ips().iter().all(|ip| ip.contract_id == 0));
		// What was held is distributed with the standard split; the rest is written off.
		assert_paid_out(&before, id, 149_500, 0);
		assert_eq!(billed_total(id), 12 * 144_440);
		has(Event::ContractDebtWrittenOff { contract_id: id, amount: 12 * 144_440 - 149_500 });
		assert_eq!(held(&charlie()), 0);
		assert!(ActiveNodeContracts::<Test>::get(NODE).is_empty());
		assert_eq!(ContractIDByNodeIDAndHash::<Test>::get(NODE, hash(1)), 0);
	});
}

#[test]
fn discount_counts_the_bonded_account() {
	test(|| {
		setup();
		let id = create_node_contract(charlie(), hash(1), 1);
		run_to_block(11);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::None, 23_140)]);
		assert_ok!(TfgridModule::bond_twin_account(RuntimeOrigin::signed(dave()), CHARLIE_TWIN));
		// The level holds for a distribution period: a settlement (here forced) ends it.
		run_to_block(21);
		assert_eq!(bills(id)[1], bill_of(id, 21, DiscountLevel::None, 23_140));
		assert_ok!(SmartContractModule::bill_contract_for_block(
			RuntimeOrigin::signed(charlie()),
			id
		));
		assert_eq!(PaymentState::<Test>::get(id).discount_level, None);
		run_to_block(31);
		assert_eq!(bills(id)[2], bill_of(id, 31, DiscountLevel::Gold, 9_256));
	});
}

#[test]
fn discount_level_follows_months_of_runway() {
	// TFChain's discount tests: 1 month of runway → none, 1.5 → default, 3 → bronze, 6 →
	// silver, 18 → gold, on a name contract's 60 s bill of 4_640 planck.
	test(|| {
		setup();
		let monthly = name_price(60) * 43_200;
		let cases = [
			(2u128, DiscountLevel::None, 10u128),
			(3, DiscountLevel::Default, 8),
			(6, DiscountLevel::Bronze, 7),
			(12, DiscountLevel::Silver, 6),
			(36, DiscountLevel::Gold, 4),
		];
		let mut ids = vec![];
		for (i, (half_months, _, _)) in cases.iter().enumerate() {
			let who = AccountId::new([100 + i as u8; 32]);
			// Spendable: exactly the runway, above the existential deposit.
			assert_ok!(Balances::force_set_balance(
				RuntimeOrigin::root(),
				who.clone(),
				monthly * half_months / 2 + 500
			));
			TfgridModule::make_twin(&who);
			ids.push(create_name_contract(who, format!("runway{i}").as_bytes()));
		}
		jump_to_block(11);
		for (id, (_, level, tenths)) in ids.into_iter().zip(cases) {
			bill_now(id);
			assert_eq!(
				bills(id),
				vec![bill_of(id, 11, level, cost::div_round(4_640 * tenths, 10))]
			);
		}
	});
}

#[test]
fn share_that_cannot_be_paid_is_burned() {
	// The staking pool account does not exist and its 5% is below the existential deposit.
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 1);
		run_to_block(11);
		let before = snapshot();
		bill_now(id);
		let expected = shares(9_256, 0);
		assert!(expected.staking < 500);
		assert_eq!(free(&StakingPool::get()), 0);
		assert_eq!(free(&ferdie()) - before.ferdie, expected.foundation);
		assert_eq!(free(&eve()) - before.eve, expected.sales);
		let burned = 9_256 - expected.foundation - expected.sales;
		has(Event::TokensBurned { contract_id: id, amount: burned });
		assert_eq!(before.issuance - Balances::total_issuance(), burned);
	});
}

// =====================================================================================
// Name-contract billing
// =====================================================================================

#[test]
fn name_contract_billing() {
	test(|| {
		setup();
		let id = create_name_contract(alice(), b"foobar");
		run_to_block(11);
		// 13_900 × 60 / 3600 = 232 units USD = 4_640 planck, Gold ×0.4.
		assert_eq!(name_price(60), 4_640);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::Gold, 1_856)]);
		run_to_block(15);
		let before = snapshot();
		cancel(alice(), id);
		let last_bill = gold(name_price(24));
		assert_eq!(bills(id).last(), Some(&bill_of(id, 15, DiscountLevel::Gold, last_bill)));
		assert_paid_out(&before, id, 1_856 + last_bill, 0);
		has(Event::NameContractCanceled { contract_id: id });
	});
}

// =====================================================================================
// Rent-contract billing and grace
// =====================================================================================

#[test]
fn rent_contract_billing() {
	test(|| {
		setup();
		let id = create_rent_contract(alice());
		run_to_block(11);
		// Half (discount_for_dedication_nodes = 50) of the node's full SU + CU price.
		let full = cost::capacity_cost(&prices(), 60, &node_resources(), 0, true).round();
		assert_eq!(full, 31_433);
		assert_eq!(
			cost::rent_cost(&prices(), 60, &node_resources()),
			cost::div_round(full * 50, 100)
		);
		assert_eq!(rent_price(60), 314_340);
		assert_eq!(bills(id), vec![bill_of(id, 11, DiscountLevel::Gold, 125_736)]);
		assert_eq!(payment(id).standard_overdraft, 125_736);
		assert_eq!(payment(id).additional_overdraft, 0);
	});
}

#[test]
fn rent_contract_cancel_bills_reserved_balance() {
	test(|| {
		setup();
		let id = create_rent_contract(alice());
		let before = snapshot();
		run_to_block(241);
		assert_paid_out(&before, id, 24 * 125_736, 0);
		run_to_block(255);
		let before = snapshot();
		let alice_before = free(&alice());
		cancel(alice(), id);
		let last_bill = gold(rent_price(24));
		assert_eq!(bills(id).len(), 26);
		assert_eq!(bills(id).last(), Some(&bill_of(id, 255, DiscountLevel::Gold, last_bill)));
		assert_paid_out(&before, id, 125_736 + last_bill, 0);
		assert_eq!(alice_before - free(&alice()), 125_736 + last_bill);
		has(Event::RentContractCanceled { contract_id: id });
		assert_eq!(held(&alice()), 0);
	});
}

#[test]
fn rent_contract_canceled_mid_cycle_bills_the_remainder() {
	test(|| {
		setup();
		let id = create_rent_contract(alice());
		run_to_block(5);
		let before = snapshot();
		cancel(alice(), id);
		let amount = gold(rent_price(24));
		assert_eq!(bills(id), vec![bill_of(id, 5, DiscountLevel::Gold, amount)]);
		assert_paid_out(&before, id, amount, 0);
		assert!(!ContractLockOf::<Test>::contains_key(id));
		assert!(!PaymentState::<Test>::contains_key(id));
	});
}

#[test]
fn rent_and_node_contract_excludes_node_contract_resources_from_billing() {
	test(|| {
		setup();
		let rent = create_rent_contract(alice());
		let node_contract = create_node_contract(alice(), hash(1), 0);
		report_resources(node_contract, worked_resources());
		run_to_block(32);
		assert_eq!(bills(rent).len(), 3);
		assert!(bills(rent).iter().all(|b| b.amount_billed == 125_736));
		assert!(bills(node_contract).is_empty(), "the renter pays the capacity");
		assert_eq!(payment(node_contract).overdraft(), 0);
	});
}

#[test]
fn rent_and_node_contract_with_ip_billing_works() {
	test(|| {
		setup();
		let rent = create_rent_contract(alice());
		let node_contract = create_node_contract(alice(), hash(1), 1);
		report_resources(node_contract, worked_resources());
		run_to_block(12);
		assert_eq!(bills(rent), vec![bill_of(rent, 11, DiscountLevel::Gold, 125_736)]);
		// Only the IP: the resources are paid by the rent contract.
		let ip_only = |seconds| gold(node_price(seconds, &Resources::default(), 1, true));
		assert_eq!(ip_only(60), gold(node_price(60, &worked_resources(), 1, false)));
		assert_eq!(
			bills(node_contract),
			vec![
				bill_of(node_contract, 2, DiscountLevel::Gold, ip_only(6)),
				bill_of(node_contract, 12, DiscountLevel::Gold, ip_only(60)),
			]
		);
	});
}

/// Charlie rents the node (314_340 planck a bill, more than he has) and deploys on it: at block
/// 11 the rent contract and its node contract enter grace.
fn charlie_rent_into_grace() -> (u64, u64) {
	let rent = create_rent_contract(charlie());
	let node_contract = create_node_contract(charlie(), hash(1), 0);
	run_to_block(11);
	(rent, node_contract)
}

#[test]
fn rent_contract_out_of_funds_moves_its_node_contracts_to_grace() {
	test(|| {
		setup();
		let (rent, node_contract) = charlie_rent_into_grace();
		assert_eq!(bills(rent), vec![bill_of(rent, 11, DiscountLevel::None, 314_340)]);
		assert_eq!(state_of(rent), ContractState::GracePeriod(11));
		assert_eq!(state_of(node_contract), ContractState::GracePeriod(11));
		for contract_id in [rent, node_contract] {
			has(Event::ContractGracePeriodStarted {
				contract_id,
				node_id: NODE,
				twin_id: CHARLIE_TWIN,
				block_number: 11,
			});
		}
		assert_eq!(held(&charlie()), 149_500);
		// The node contract stays in grace while the rent contract is.
		run_to_block(12);
		assert_eq!(state_of(node_contract), ContractState::GracePeriod(11));
	});
}

#[test]
fn restore_rent_contract_and_node_contracts_in_grace_works() {
	test(|| {
		setup();
		let (rent, node_contract) = charlie_rent_into_grace();
		run_to_block(15);
		top_up(&charlie(), 1_000_000_000);
		let before = snapshot();
		run_to_block(21);
		assert_eq!(state_of(rent), ContractState::Created);
		assert_eq!(state_of(node_contract), ContractState::Created);
		for contract_id in [rent, node_contract] {
			has(Event::ContractGracePeriodEnded {
				contract_id,
				node_id: NODE,
				twin_id: CHARLIE_TWIN,
			});
		}
		assert_eq!(billed_total(rent), 2 * 314_340);
		assert_paid_out(&before, rent, 2 * 314_340, 0);
		assert_eq!(held(&charlie()), 0);
		// Running again: the renter may change its deployment.
		assert_ok!(SmartContractModule::update_node_contract(
			RuntimeOrigin::signed(charlie()),
			node_contract,
			hash(2),
			Default::default()
		));
	});
}

#[test]
fn node_contract_with_its_own_debt_leaves_grace_at_its_next_bill_after_the_rent() {
	test(|| {
		setup();
		let rent = create_rent_contract(charlie());
		// Its public IP is billed to Charlie on top of the rent.
		let node_contract = create_node_contract(charlie(), hash(1), 1);
		run_to_block(12);
		assert_eq!(state_of(node_contract), ContractState::GracePeriod(11));
		assert!(payment(node_contract).overdraft() > 0);
		top_up(&charlie(), 1_000_000_000);
		run_to_block(21);
		// The rent contract is paid up; the node contract still owes its IP.
		assert_eq!(state_of(rent), ContractState::Created);
		assert_eq!(state_of(node_contract), ContractState::GracePeriod(11));
		assert_eq!(
			count(
				|e| matches!(e, Event::ContractGracePeriodEnded { contract_id, .. } if *contract_id == node_contract)
			),
			0
		);
		run_to_block(22);
		assert_eq!(state_of(node_contract), ContractState::Created);
		has(Event::ContractGracePeriodEnded {
			contract_id: node_contract,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
		});
		assert_eq!(payment(node_contract).overdraft(), 0);
	});
}

#[test]
fn restore_rent_contract_in_grace_works() {
	test(|| {
		setup();
		let rent = create_rent_contract(charlie());
		run_to_block(11);
		assert_eq!(state_of(rent), ContractState::GracePeriod(11));
		top_up(&charlie(), 1_000_000_000);
		bill_now(rent);
		assert_eq!(state_of(rent), ContractState::Created);
		has(Event::ContractGracePeriodEnded {
			contract_id: rent,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
		});
	});
}

#[test]
fn rent_grace_period_end_cancels_rent_and_node_contracts() {
	test(|| {
		setup();
		let (rent, node_contract) = charlie_rent_into_grace();
		let before = snapshot();
		run_to_block(110);
		assert_eq!(state_of(rent), ContractState::GracePeriod(11));
		assert_eq!(state_of(node_contract), ContractState::GracePeriod(11));
		run_to_block(111);
		assert_eq!(Contracts::<Test>::get(rent), None);
		assert_eq!(Contracts::<Test>::get(node_contract), None);
		has(Event::NodeContractCanceled {
			contract_id: node_contract,
			node_id: NODE,
			twin_id: CHARLIE_TWIN,
		});
		has(Event::RentContractCanceled { contract_id: rent });
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), None);
		assert!(ActiveNodeContracts::<Test>::get(NODE).is_empty());
		assert_paid_out(&before, rent, 149_500, 0);
		has(Event::ContractDebtWrittenOff {
			contract_id: rent,
			amount: billed_total(rent) - 149_500,
		});
		assert_eq!(held(&charlie()), 0);
	});
}

#[test]
fn rent_and_node_contract_canceled_when_node_is_deleted() {
	test(|| {
		setup();
		let rent = create_rent_contract(alice());
		let node_contract = create_node_contract(alice(), hash(1), 1);
		run_to_block(15);
		let last_rent_bill = gold(rent_price(24));
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(bob()), NODE));
		has(Event::NodeContractCanceled {
			contract_id: node_contract,
			node_id: NODE,
			twin_id: ALICE_TWIN,
		});
		has(Event::IPsFreed {
			contract_id: node_contract,
			public_ips: vec![PublicIP { contract_id: node_contract, ..farm_ips()[0].clone() }]
				.try_into()
				.unwrap(),
		});
		has(Event::RentContractCanceled { contract_id: rent });
		assert_eq!(
			bills(rent).last(),
			Some(&bill_of(rent, 15, DiscountLevel::Gold, last_rent_bill))
		);
		assert_eq!(Contracts::<Test>::iter().count(), 0);
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), None);
		assert_eq!(held(&alice()), 0);
	});
}

// =====================================================================================
// Solution providers
// =====================================================================================

#[test]
fn create_solution_provider_works() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::create_solution_provider(
			RuntimeOrigin::signed(alice()),
			b"some_description".to_vec(),
			b"some_link".to_vec(),
			vec![Provider { who: dave(), take: 10 }, Provider { who: eve(), take: 40 }]
		));
		let expected = SolutionProvider {
			solution_provider_id: 1,
			providers: vec![Provider { who: dave(), take: 10 }, Provider { who: eve(), take: 40 }]
				.try_into()
				.unwrap(),
			description: b"some_description".to_vec().try_into().unwrap(),
			link: b"some_link".to_vec().try_into().unwrap(),
			approved: false,
		};
		assert_eq!(SolutionProviders::<Test>::get(1), Some(expected.clone()));
		assert_eq!(SolutionProviderID::<Test>::get(), 1);
		last(Event::SolutionProviderCreated(expected));
	});
}

#[test]
fn create_solution_provider_fails_if_take_too_high() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::create_solution_provider(
				RuntimeOrigin::signed(alice()),
				b"some_description".to_vec(),
				b"some_link".to_vec(),
				vec![Provider { who: dave(), take: 30 }, Provider { who: eve(), take: 21 }]
			),
			Error::<Test>::InvalidProviderConfiguration
		);
		assert_noop!(
			SmartContractModule::create_solution_provider(
				RuntimeOrigin::signed(alice()),
				vec![],
				vec![],
				vec![Provider { who: dave(), take: 51 }]
			),
			Error::<Test>::InvalidProviderConfiguration
		);
	});
}

#[test]
fn create_solution_provider_bounds() {
	test(|| {
		prepare_farm_and_node();
		let payees = (0..11).map(|_| Provider { who: dave(), take: 1 }).collect::<Vec<_>>();
		assert_noop!(
			SmartContractModule::create_solution_provider(
				RuntimeOrigin::signed(alice()),
				vec![],
				vec![],
				payees
			),
			Error::<Test>::TooManyProviders
		);
		assert_noop!(
			SmartContractModule::create_solution_provider(
				RuntimeOrigin::signed(alice()),
				vec![b'x'; 513],
				vec![],
				vec![Provider { who: dave(), take: 1 }]
			),
			Error::<Test>::SolutionProviderTextTooLong
		);
	});
}

#[test]
fn approve_solution_provider_works() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::create_solution_provider(
			RuntimeOrigin::signed(alice()),
			vec![],
			vec![],
			vec![Provider { who: dave(), take: 10 }]
		));
		assert_noop!(
			SmartContractModule::approve_solution_provider(RuntimeOrigin::signed(alice()), 1, true),
			BadOrigin
		);
		assert_noop!(
			SmartContractModule::approve_solution_provider(RuntimeOrigin::root(), 2, true),
			Error::<Test>::NoSuchSolutionProvider
		);
		assert_ok!(SmartContractModule::approve_solution_provider(RuntimeOrigin::root(), 1, true));
		last(Event::SolutionProviderApproved(1, true));
		assert!(SolutionProviders::<Test>::get(1).unwrap().approved);
		assert_ok!(SmartContractModule::approve_solution_provider(RuntimeOrigin::root(), 1, false));
		last(Event::SolutionProviderApproved(1, false));
		assert!(!SolutionProviders::<Test>::get(1).unwrap().approved);
	});
}

#[test]
fn create_node_contract_with_solution_provider_works() {
	test(|| {
		prepare_farm_and_node();
		let provider = create_approved_solution_provider(10);
		assert_ok!(SmartContractModule::create_node_contract(
			RuntimeOrigin::signed(alice()),
			NODE,
			hash(1),
			Default::default(),
			0,
			Some(provider)
		));
		assert_eq!(contract(1).solution_provider_id, Some(provider));
		last(Event::ContractCreated(contract(1)));
	});
}

#[test]
fn create_contract_with_solution_provider_fails_if_not_approved() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::create_solution_provider(
			RuntimeOrigin::signed(alice()),
			vec![],
			vec![],
			vec![Provider { who: dave(), take: 10 }]
		));
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				Some(1)
			),
			Error::<Test>::SolutionProviderNotApproved
		);
		assert_noop!(
			SmartContractModule::create_rent_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				Some(1)
			),
			Error::<Test>::SolutionProviderNotApproved
		);
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				Some(2)
			),
			Error::<Test>::NoSuchSolutionProvider
		);
	});
}

#[test]
fn disapproved_solution_provider_is_still_paid_for_its_contracts() {
	test(|| {
		setup();
		let provider = create_approved_solution_provider(10);
		assert_ok!(SmartContractModule::create_node_contract(
			RuntimeOrigin::signed(alice()),
			NODE,
			hash(1),
			Default::default(),
			1,
			Some(provider)
		));
		let id = ContractID::<Test>::get();
		assert_ok!(SmartContractModule::approve_solution_provider(
			RuntimeOrigin::root(),
			provider,
			false
		));
		run_to_block(11);
		let before = snapshot();
		bill_now(id);
		assert_paid_out(&before, id, 9_256, 10);
	});
}

#[test]
fn attach_solution_provider_id_works() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		let provider = create_approved_solution_provider(10);
		assert_ok!(SmartContractModule::attach_solution_provider_id(
			RuntimeOrigin::signed(alice()),
			id,
			provider
		));
		assert_eq!(contract(id).solution_provider_id, Some(provider));
		last(Event::ContractUpdated(contract(id)));
		// Only once.
		assert_noop!(
			SmartContractModule::attach_solution_provider_id(
				RuntimeOrigin::signed(alice()),
				id,
				provider
			),
			Error::<Test>::UnauthorizedToChangeSolutionProviderId
		);
	});
}

#[test]
fn attach_solution_provider_id_wrong_origin_fails() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		let provider = create_approved_solution_provider(10);
		assert_noop!(
			SmartContractModule::attach_solution_provider_id(
				RuntimeOrigin::signed(bob()),
				id,
				provider
			),
			Error::<Test>::UnauthorizedToChangeSolutionProviderId
		);
	});
}

#[test]
fn attach_solution_provider_id_not_approved_fails() {
	test(|| {
		prepare_farm_and_node();
		let id = create_node_contract(alice(), hash(1), 0);
		assert_ok!(SmartContractModule::create_solution_provider(
			RuntimeOrigin::signed(alice()),
			vec![],
			vec![],
			vec![Provider { who: dave(), take: 10 }]
		));
		assert_noop!(
			SmartContractModule::attach_solution_provider_id(RuntimeOrigin::signed(alice()), id, 1),
			Error::<Test>::SolutionProviderNotApproved
		);
		assert_noop!(
			SmartContractModule::attach_solution_provider_id(RuntimeOrigin::signed(alice()), id, 2),
			Error::<Test>::NoSuchSolutionProvider
		);
	});
}

// =====================================================================================
// Service contracts
// =====================================================================================

fn service_contract_of(
	state: ServiceContractState,
	fees: (u64, u64),
	metadata: &[u8],
	accepted: (bool, bool),
	last_bill: u64,
) -> ServiceContract {
	ServiceContract {
		service_contract_id: 1,
		service_twin_id: ALICE_TWIN,
		consumer_twin_id: BOB_TWIN,
		base_fee: fees.0,
		variable_fee: fees.1,
		metadata: metadata.to_vec().try_into().unwrap(),
		accepted_by_service: accepted.0,
		accepted_by_consumer: accepted.1,
		last_bill,
		state,
	}
}

/// Alice (service) and `consumer` create service contract 1.
fn create_service_contract_with(consumer: AccountId) {
	prepare_farm_and_node();
	assert_ok!(SmartContractModule::service_contract_create(
		RuntimeOrigin::signed(alice()),
		alice(),
		consumer
	));
}

fn create_service_contract() {
	create_service_contract_with(bob());
}

fn make_service_contract_ready(consumer: AccountId) {
	create_service_contract_with(consumer);
	assert_ok!(SmartContractModule::service_contract_set_metadata(
		RuntimeOrigin::signed(alice()),
		1,
		b"some_metadata".to_vec()
	));
	assert_ok!(SmartContractModule::service_contract_set_fees(
		RuntimeOrigin::signed(alice()),
		1,
		BASE_FEE,
		VARIABLE_FEE
	));
}

fn approve_service_contract(consumer: AccountId) {
	make_service_contract_ready(consumer.clone());
	assert_ok!(SmartContractModule::service_contract_approve(RuntimeOrigin::signed(alice()), 1));
	assert_ok!(SmartContractModule::service_contract_approve(RuntimeOrigin::signed(consumer), 1));
}

#[test]
fn service_contract_create_works() {
	test(|| {
		create_service_contract();
		let expected =
			service_contract_of(ServiceContractState::Created, (0, 0), b"", (false, false), 0);
		assert_eq!(ServiceContracts::<Test>::get(1), Some(expected.clone()));
		assert_eq!(ServiceContractID::<Test>::get(), 1);
		last(Event::ServiceContractCreated(expected));
		// The consumer may create one too.
		assert_ok!(SmartContractModule::service_contract_create(
			RuntimeOrigin::signed(bob()),
			alice(),
			bob()
		));
		assert_eq!(ServiceContractID::<Test>::get(), 2);
	});
}

#[test]
fn service_contract_create_by_anyone_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::service_contract_create(
				RuntimeOrigin::signed(charlie()),
				alice(),
				bob()
			),
			Error::<Test>::TwinNotAuthorized
		);
		assert_noop!(
			SmartContractModule::service_contract_create(
				RuntimeOrigin::signed(alice()),
				alice(),
				eve()
			),
			Error::<Test>::TwinNotExists
		);
		assert_noop!(
			SmartContractModule::service_contract_create(
				RuntimeOrigin::signed(eve()),
				alice(),
				bob()
			),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn service_contract_create_same_account_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::service_contract_create(
				RuntimeOrigin::signed(alice()),
				alice(),
				alice()
			),
			Error::<Test>::ServiceContractCreationNotAllowed
		);
	});
}

#[test]
fn service_contract_set_metadata_works() {
	test(|| {
		create_service_contract();
		assert_ok!(SmartContractModule::service_contract_set_metadata(
			RuntimeOrigin::signed(bob()),
			1,
			b"some_metadata".to_vec()
		));
		// No base fee yet: not ready.
		let expected = service_contract_of(
			ServiceContractState::Created,
			(0, 0),
			b"some_metadata",
			(false, false),
			0,
		);
		assert_eq!(ServiceContracts::<Test>::get(1), Some(expected.clone()));
		last(Event::ServiceContractMetadataSet(expected));
		// With fees set, metadata makes the agreement ready.
		assert_ok!(SmartContractModule::service_contract_set_fees(
			RuntimeOrigin::signed(alice()),
			1,
			BASE_FEE,
			VARIABLE_FEE
		));
		assert_ok!(SmartContractModule::service_contract_set_metadata(
			RuntimeOrigin::signed(alice()),
			1,
			b"other_metadata".to_vec()
		));
		last(Event::ServiceContractMetadataSet(service_contract_of(
			ServiceContractState::AgreementReady,
			(BASE_FEE, VARIABLE_FEE),
			b"other_metadata",
			(false, false),
			0,
		)));
	});
}

#[test]
fn service_contract_set_metadata_by_unauthorized_fails() {
	test(|| {
		create_service_contract();
		assert_noop!(
			SmartContractModule::service_contract_set_metadata(
				RuntimeOrigin::signed(charlie()),
				1,
				b"some_metadata".to_vec()
			),
			Error::<Test>::TwinNotAuthorized
		);
		assert_noop!(
			SmartContractModule::service_contract_set_metadata(
				RuntimeOrigin::signed(alice()),
				2,
				b"some_metadata".to_vec()
			),
			Error::<Test>::ServiceContractNotExists
		);
	});
}

#[test]
fn service_contract_set_metadata_already_approved_fails() {
	test(|| {
		approve_service_contract(bob());
		assert_noop!(
			SmartContractModule::service_contract_set_metadata(
				RuntimeOrigin::signed(alice()),
				1,
				b"other_metadata".to_vec()
			),
			Error::<Test>::ServiceContractModificationNotAllowed
		);
	});
}

#[test]
fn service_contract_set_metadata_too_long_fails() {
	test(|| {
		create_service_contract();
		assert_noop!(
			SmartContractModule::service_contract_set_metadata(
				RuntimeOrigin::signed(alice()),
				1,
				vec![b'x'; 65]
			),
			Error::<Test>::ServiceContractMetadataTooLong
		);
		assert_ok!(SmartContractModule::service_contract_set_metadata(
			RuntimeOrigin::signed(alice()),
			1,
			vec![b'x'; 64]
		));
	});
}

#[test]
fn service_contract_set_fees_works() {
	test(|| {
		create_service_contract();
		assert_ok!(SmartContractModule::service_contract_set_fees(
			RuntimeOrigin::signed(alice()),
			1,
			BASE_FEE,
			VARIABLE_FEE
		));
		let expected = service_contract_of(
			ServiceContractState::Created,
			(BASE_FEE, VARIABLE_FEE),
			b"",
			(false, false),
			0,
		);
		assert_eq!(ServiceContracts::<Test>::get(1), Some(expected.clone()));
		last(Event::ServiceContractFeesSet(expected));
		// With metadata set, fees make the agreement ready.
		assert_ok!(SmartContractModule::service_contract_set_metadata(
			RuntimeOrigin::signed(alice()),
			1,
			b"some_metadata".to_vec()
		));
		assert_ok!(SmartContractModule::service_contract_set_fees(
			RuntimeOrigin::signed(alice()),
			1,
			2 * BASE_FEE,
			0
		));
		last(Event::ServiceContractFeesSet(service_contract_of(
			ServiceContractState::AgreementReady,
			(2 * BASE_FEE, 0),
			b"some_metadata",
			(false, false),
			0,
		)));
	});
}

#[test]
fn service_contract_set_fees_by_unauthorized_fails() {
	test(|| {
		create_service_contract();
		for who in [bob(), charlie()] {
			assert_noop!(
				SmartContractModule::service_contract_set_fees(
					RuntimeOrigin::signed(who),
					1,
					BASE_FEE,
					VARIABLE_FEE
				),
				Error::<Test>::TwinNotAuthorized
			);
		}
	});
}

#[test]
fn service_contract_set_fees_already_approved_fails() {
	test(|| {
		approve_service_contract(bob());
		assert_noop!(
			SmartContractModule::service_contract_set_fees(
				RuntimeOrigin::signed(alice()),
				1,
				2 * BASE_FEE,
				VARIABLE_FEE
			),
			Error::<Test>::ServiceContractModificationNotAllowed
		);
	});
}

#[test]
fn service_contract_approve_works() {
	test(|| {
		make_service_contract_ready(bob());
		assert_ok!(SmartContractModule::service_contract_approve(
			RuntimeOrigin::signed(alice()),
			1
		));
		last(Event::ServiceContractApproved(service_contract_of(
			ServiceContractState::AgreementReady,
			(BASE_FEE, VARIABLE_FEE),
			b"some_metadata",
			(true, false),
			0,
		)));
		jump_to_block(5);
		assert_ok!(SmartContractModule::service_contract_approve(RuntimeOrigin::signed(bob()), 1));
		let expected = service_contract_of(
			ServiceContractState::ApprovedByBoth,
			(BASE_FEE, VARIABLE_FEE),
			b"some_metadata",
			(true, true),
			time_at(5),
		);
		assert_eq!(ServiceContracts::<Test>::get(1), Some(expected.clone()));
		last(Event::ServiceContractApproved(expected));
	});
}

#[test]
fn service_contract_approve_agreement_not_ready_fails() {
	test(|| {
		create_service_contract();
		assert_ok!(SmartContractModule::service_contract_set_metadata(
			RuntimeOrigin::signed(alice()),
			1,
			b"some_metadata".to_vec()
		));
		assert_noop!(
			SmartContractModule::service_contract_approve(RuntimeOrigin::signed(alice()), 1),
			Error::<Test>::ServiceContractApprovalNotAllowed
		);
	});
}

#[test]
fn service_contract_approve_already_approved_fails() {
	test(|| {
		approve_service_contract(bob());
		assert_noop!(
			SmartContractModule::service_contract_approve(RuntimeOrigin::signed(alice()), 1),
			Error::<Test>::ServiceContractApprovalNotAllowed
		);
	});
}

#[test]
fn service_contract_approve_by_unauthorized_fails() {
	test(|| {
		make_service_contract_ready(bob());
		assert_noop!(
			SmartContractModule::service_contract_approve(RuntimeOrigin::signed(charlie()), 1),
			Error::<Test>::TwinNotAuthorized
		);
	});
}

#[test]
fn service_contract_reject_works() {
	test(|| {
		make_service_contract_ready(bob());
		assert_ok!(SmartContractModule::service_contract_reject(RuntimeOrigin::signed(bob()), 1));
		last(Event::ServiceContractCanceled {
			service_contract_id: 1,
			cause: Cause::CanceledByUser,
		});
		assert_eq!(ServiceContracts::<Test>::get(1), None);
	});
}

#[test]
fn service_contract_reject_agreement_not_ready_fails() {
	test(|| {
		create_service_contract();
		assert_noop!(
			SmartContractModule::service_contract_reject(RuntimeOrigin::signed(bob()), 1),
			Error::<Test>::ServiceContractRejectionNotAllowed
		);
	});
}

#[test]
fn service_contract_reject_already_approved_fails() {
	test(|| {
		approve_service_contract(bob());
		assert_noop!(
			SmartContractModule::service_contract_reject(RuntimeOrigin::signed(bob()), 1),
			Error::<Test>::ServiceContractRejectionNotAllowed
		);
	});
}

#[test]
fn service_contract_reject_by_unauthorized_fails() {
	test(|| {
		make_service_contract_ready(bob());
		assert_noop!(
			SmartContractModule::service_contract_reject(RuntimeOrigin::signed(charlie()), 1),
			Error::<Test>::TwinNotAuthorized
		);
	});
}

#[test]
fn service_contract_cancel_works() {
	test(|| {
		approve_service_contract(bob());
		assert_ok!(SmartContractModule::service_contract_cancel(RuntimeOrigin::signed(bob()), 1));
		last(Event::ServiceContractCanceled {
			service_contract_id: 1,
			cause: Cause::CanceledByUser,
		});
		assert_eq!(ServiceContracts::<Test>::get(1), None);
		// A fresh one can be cancelled by the service in any state.
		assert_ok!(SmartContractModule::service_contract_create(
			RuntimeOrigin::signed(alice()),
			alice(),
			bob()
		));
		assert_ok!(SmartContractModule::service_contract_cancel(RuntimeOrigin::signed(alice()), 2));
		last(Event::ServiceContractCanceled {
			service_contract_id: 2,
			cause: Cause::CanceledByUser,
		});
	});
}

#[test]
fn service_contract_cancel_by_unauthorized_fails() {
	test(|| {
		approve_service_contract(bob());
		assert_noop!(
			SmartContractModule::service_contract_cancel(RuntimeOrigin::signed(charlie()), 1),
			Error::<Test>::TwinNotAuthorized
		);
	});
}

#[test]
fn service_contract_bill_works() {
	test(|| {
		approve_service_contract(bob());
		jump_to_block(11);
		let (alice_before, bob_before) = (free(&alice()), free(&bob()));
		assert_ok!(SmartContractModule::service_contract_bill(
			RuntimeOrigin::signed(alice()),
			1,
			10,
			b"bill_metadata".to_vec()
		));
		// 60 s of 1000 mUSD/h is 166_667 units USD, plus 10 mUSD; at 50 mUSD per TFT.
		let base = cost::div_round(BASE_FEE as u128 * 10_000 * 60, 3600);
		let amount = tft(base + 10 * 10_000);
		assert_eq!(amount, 5_333_340);
		last(Event::ServiceContractBilled {
			service_contract: service_contract_of(
				ServiceContractState::ApprovedByBoth,
				(BASE_FEE, VARIABLE_FEE),
				b"some_metadata",
				(true, true),
				time_at(11),
			),
			bill: ServiceContractBill {
				variable_amount: 10,
				window: 60,
				metadata: b"bill_metadata".to_vec().try_into().unwrap(),
			},
			amount,
		});
		assert_eq!(free(&alice()) - alice_before, amount);
		assert_eq!(bob_before - free(&bob()), amount);
		assert_eq!(ServiceContracts::<Test>::get(1).unwrap().last_bill, time_at(11));
	});
}

#[test]
fn service_contract_bill_window_is_at_most_one_hour() {
	test(|| {
		approve_service_contract(bob());
		jump_to_block(1001);
		let bob_before = free(&bob());
		assert_ok!(SmartContractModule::service_contract_bill(
			RuntimeOrigin::signed(alice()),
			1,
			VARIABLE_FEE,
			vec![]
		));
		// One hour of base fee and the whole variable fee: 2 USD = 40 TFT.
		let amount = tft((BASE_FEE + VARIABLE_FEE) as u128 * 10_000);
		assert_eq!(amount, 400_000_000);
		assert_eq!(bob_before - free(&bob()), amount);
		System::assert_has_event(
			Event::<Test>::ServiceContractBilled {
				service_contract: service_contract_of(
					ServiceContractState::ApprovedByBoth,
					(BASE_FEE, VARIABLE_FEE),
					b"some_metadata",
					(true, true),
					time_at(1001),
				),
				bill: ServiceContractBill {
					variable_amount: VARIABLE_FEE,
					window: 3600,
					metadata: Default::default(),
				},
				amount,
			}
			.into(),
		);
	});
}

#[test]
fn service_contract_bill_by_unauthorized_fails() {
	test(|| {
		approve_service_contract(bob());
		jump_to_block(11);
		for who in [bob(), charlie()] {
			assert_noop!(
				SmartContractModule::service_contract_bill(
					RuntimeOrigin::signed(who),
					1,
					0,
					vec![]
				),
				Error::<Test>::TwinNotAuthorized
			);
		}
	});
}

#[test]
fn service_contract_bill_not_approved_fails() {
	test(|| {
		make_service_contract_ready(bob());
		assert_ok!(SmartContractModule::service_contract_approve(
			RuntimeOrigin::signed(alice()),
			1
		));
		jump_to_block(11);
		assert_noop!(
			SmartContractModule::service_contract_bill(
				RuntimeOrigin::signed(alice()),
				1,
				0,
				vec![]
			),
			Error::<Test>::ServiceContractBillingNotApprovedByBoth
		);
	});
}

#[test]
fn service_contract_bill_variable_amount_too_high_fails() {
	test(|| {
		approve_service_contract(bob());
		jump_to_block(11);
		// At most round(60 / 3600 × 1000) = 17 mUSD for a 60 s window.
		assert_noop!(
			SmartContractModule::service_contract_bill(
				RuntimeOrigin::signed(alice()),
				1,
				18,
				vec![]
			),
			Error::<Test>::ServiceContractBillingVariableAmountTooHigh
		);
		assert_ok!(SmartContractModule::service_contract_bill(
			RuntimeOrigin::signed(alice()),
			1,
			17,
			vec![]
		));
	});
}

#[test]
fn service_contract_bill_metadata_too_long_fails() {
	test(|| {
		approve_service_contract(bob());
		jump_to_block(11);
		assert_noop!(
			SmartContractModule::service_contract_bill(
				RuntimeOrigin::signed(alice()),
				1,
				0,
				vec![b'x'; 51]
			),
			Error::<Test>::ServiceContractBillMetadataTooLong
		);
	});
}

#[test]
fn service_contract_bill_out_of_funds_fails() {
	test(|| {
		approve_service_contract(charlie());
		jump_to_block(11);
		assert_noop!(
			SmartContractModule::service_contract_bill(
				RuntimeOrigin::signed(alice()),
				1,
				0,
				vec![]
			),
			Error::<Test>::ServiceContractNotEnoughFundsToPayBill
		);
		assert!(ServiceContracts::<Test>::contains_key(1), "the contract stays");
	});
}

// =====================================================================================
// Billing frequency
// =====================================================================================

#[test]
fn change_billing_frequency_works() {
	test(|| {
		assert_eq!(BillingFrequency::<Test>::get(), 10);
		assert_ok!(SmartContractModule::change_billing_frequency(RuntimeOrigin::root(), 900));
		assert_eq!(BillingFrequency::<Test>::get(), 900);
		last(Event::BillingFrequencyChanged(900));
	});
}

#[test]
fn change_billing_frequency_fails_if_frequency_lower() {
	test(|| {
		for frequency in [5, 10] {
			assert_noop!(
				SmartContractModule::change_billing_frequency(RuntimeOrigin::root(), frequency),
				Error::<Test>::CanOnlyIncreaseFrequency
			);
		}
		assert_noop!(
			SmartContractModule::change_billing_frequency(RuntimeOrigin::root(), 0),
			Error::<Test>::CanOnlyIncreaseFrequency
		);
		assert_noop!(
			SmartContractModule::change_billing_frequency(RuntimeOrigin::signed(alice()), 900),
			BadOrigin
		);
	});
}

#[test]
fn contracts_are_still_billed_after_a_frequency_change() {
	test(|| {
		setup();
		let old = create_node_contract(alice(), hash(1), 1);
		run_to_block(12);
		assert_ok!(SmartContractModule::change_billing_frequency(RuntimeOrigin::root(), 20));
		let new = create_node_contract(alice(), hash(2), 1);
		assert!(ContractsToBillAt::<Test>::get(new % 20).contains(&new));
		run_to_block(42);
		let ip = |seconds| gold(node_price(seconds, &Resources::default(), 1, true));
		assert_eq!(
			bills(old),
			vec![
				bill_of(old, 11, DiscountLevel::Gold, ip(60)),
				bill_of(old, 21, DiscountLevel::Gold, ip(60)),
				bill_of(old, 41, DiscountLevel::Gold, ip(120)),
			]
		);
		assert_eq!(
			bills(new),
			vec![
				bill_of(new, 22, DiscountLevel::Gold, ip(60)),
				bill_of(new, 42, DiscountLevel::Gold, ip(120))
			]
		);
	});
}

// =====================================================================================
// Dedicated-node extra fee
// =====================================================================================

#[test]
fn set_dedicated_node_extra_fee_works() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		assert_eq!(DedicatedNodesExtraFee::<Test>::get(NODE), EXTRA_FEE);
		last(Event::NodeExtraFeeSet { node_id: NODE, extra_fee: EXTRA_FEE });
	});
}

#[test]
fn set_dedicated_node_extra_fee_undefined_node_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::set_dedicated_node_extra_fee(
				RuntimeOrigin::signed(bob()),
				2,
				EXTRA_FEE
			),
			Error::<Test>::NodeNotExists
		);
	});
}

#[test]
fn set_dedicated_node_extra_fee_unauthorized_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_noop!(
			SmartContractModule::set_dedicated_node_extra_fee(
				RuntimeOrigin::signed(alice()),
				NODE,
				EXTRA_FEE
			),
			Error::<Test>::UnauthorizedToSetExtraFee
		);
		assert_noop!(
			SmartContractModule::set_dedicated_node_extra_fee(
				RuntimeOrigin::signed(eve()),
				NODE,
				EXTRA_FEE
			),
			Error::<Test>::TwinNotExists
		);
	});
}

#[test]
fn set_dedicated_node_extra_fee_with_active_node_contract_fails() {
	test(|| {
		prepare_farm_and_node();
		create_node_contract(alice(), hash(1), 0);
		assert_noop!(
			SmartContractModule::set_dedicated_node_extra_fee(
				RuntimeOrigin::signed(bob()),
				NODE,
				EXTRA_FEE
			),
			Error::<Test>::NodeHasActiveContracts
		);
	});
}

#[test]
fn set_dedicated_node_extra_fee_with_active_rent_contract_fails() {
	test(|| {
		prepare_farm_and_node();
		create_rent_contract(alice());
		assert_noop!(
			SmartContractModule::set_dedicated_node_extra_fee(
				RuntimeOrigin::signed(bob()),
				NODE,
				EXTRA_FEE
			),
			Error::<Test>::NodeHasActiveContracts
		);
	});
}

#[test]
fn set_dedicated_node_extra_fee_and_create_node_contract_fails() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn node_of_dedicated_farm_stays_dedicated_without_extra_fee() {
	test(|| {
		prepare_dedicated_farm_and_node();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			0
		));
		assert_noop!(
			SmartContractModule::create_node_contract(
				RuntimeOrigin::signed(alice()),
				NODE,
				hash(1),
				Default::default(),
				0,
				None
			),
			Error::<Test>::NodeNotAvailableToDeploy
		);
	});
}

#[test]
fn set_dedicated_node_extra_fee_and_set_it_back_to_zero_works() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			0
		));
		last(Event::NodeExtraFeeSet { node_id: NODE, extra_fee: 0 });
		assert_eq!(DedicatedNodesExtraFee::<Test>::get(NODE), 0);
		create_node_contract(alice(), hash(1), 0);
	});
}

#[test]
fn set_dedicated_node_extra_fee_and_create_rent_contract_works() {
	test(|| {
		prepare_farm_and_node();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		let rent = create_rent_contract(alice());
		assert_eq!(ActiveRentContractForNode::<Test>::get(NODE), Some(rent));
		// The renter deploys on it.
		create_node_contract(alice(), hash(1), 0);
	});
}

#[test]
fn set_dedicated_node_extra_fee_and_create_rent_contract_billing_works() {
	// The extra fee is billed on top of the rent, not discounted, and paid to the farmer.
	test(|| {
		setup();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		let rent = create_rent_contract(alice());
		run_to_block(11);
		// 10_000 mUSD a month for 60 s: 2_315 units USD = 46_300 planck.
		assert_eq!(extra_price(60), 46_300);
		assert_eq!(bills(rent), vec![bill_of(rent, 11, DiscountLevel::Gold, 125_736 + 46_300)]);
		let state = payment(rent);
		assert_eq!((state.standard_overdraft, state.additional_overdraft), (125_736, 46_300));

		let before = snapshot();
		let alice_before = free(&alice());
		bill_now(rent);
		assert_eq!(free(&bob()) - before.bob, 46_300, "the farmer gets the whole extra fee");
		assert_paid_out(&before, rent, 125_736, 0);
		assert_eq!(alice_before - free(&alice()), 125_736 + 46_300);
		assert_eq!(held_extra(&alice()), 0);
		let state = payment(rent);
		assert_eq!(state.overdraft() + state.reserve(), 0);
	});
}

#[test]
fn extra_fee_is_held_until_distribution() {
	test(|| {
		setup();
		assert_ok!(SmartContractModule::set_dedicated_node_extra_fee(
			RuntimeOrigin::signed(bob()),
			NODE,
			EXTRA_FEE
		));
		let rent = create_rent_contract(charlie());
		run_to_block(11);
		// Charlie cannot pay 314_340 + 46_300: what he has goes first to the grid's share.
		assert_eq!(bills(rent), vec![bill_of(rent, 11, DiscountLevel::None, 314_340 + 46_300)]);
		assert_eq!(state_of(rent), ContractState::GracePeriod(11));
		assert_eq!(held(&charlie()), 149_500);
		assert_eq!(held_extra(&charlie()), 0);
		top_up(&charlie(), 1_000_000_000);
		let before = snapshot();
		bill_now(rent);
		assert_eq!(state_of(rent), ContractState::Created);
		assert_eq!(free(&bob()) - before.bob, 46_300);
		assert_paid_out(&before, rent, 314_340, 0);
	});
}

// =====================================================================================
// The engine's own rules
// =====================================================================================

#[test]
fn offline_node_time_is_not_billed() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		// The node reported at block 1 and counts as online for 7200 s (1200 blocks).
		run_to_block(1301);
		let all = bills(id);
		assert_eq!(all.len(), 120, "bills from block 11 to 1201");
		assert!(all.iter().all(|b| b.amount_billed == 9_256));
		assert_eq!(all.last().unwrap().timestamp, time_at(1201));
		assert_eq!(payment(id).last_updated_seconds, time_at(1301));

		// A new report: billing resumes.
		assert_ok!(TfgridModule::report_uptime_v2(
			RuntimeOrigin::signed(node_account()),
			42,
			time_at(1301)
		));
		run_to_block(1311);
		assert_eq!(bills(id).len(), 121);
		assert_eq!(bills(id).last(), Some(&bill_of(id, 1311, DiscountLevel::Gold, 9_256)));
	});
}

#[test]
fn offline_time_before_a_new_uptime_report_is_not_billed() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 1);
		// Offline from block 1201 (time_at(1) + 7200) until the report at block 1305.
		run_to_block(1305);
		report_uptime_now(NODE);
		run_to_block(1311);
		// Only 1305 → 1311 (36 s) is online time since the last bill at 1301.
		assert_eq!(
			bills(id).last(),
			Some(&bill_of(
				id,
				1311,
				DiscountLevel::Gold,
				gold(node_price(36, &Resources::default(), 1, true))
			))
		);
	});
}

#[test]
fn network_usage_is_billed_exactly_once() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 0);
		jump_to_block(5);
		let report = NruConsumption {
			contract_id: id,
			timestamp: time_at(5),
			window: 24,
			nru: 3_000_000_000,
		};
		assert_ok!(SmartContractModule::add_nru_reports(
			RuntimeOrigin::signed(node_account()),
			vec![report.clone()]
		));
		last(Event::NruConsumptionReportReceived(report.clone()));
		// 3 GB at 50_000 units USD per GB.
		assert_eq!(
			ContractBillingInformationByID::<Test>::get(id),
			ContractBillingInformation {
				previous_nu_reported: 0,
				last_updated: time_at(5),
				amount_unbilled: 150_000
			}
		);
		// The same report again, and one from the future, are skipped.
		let future = NruConsumption { timestamp: time_at(6), ..report.clone() };
		assert_ok!(SmartContractModule::add_nru_reports(
			RuntimeOrigin::signed(node_account()),
			vec![report.clone(), future]
		));
		assert_eq!(count(|e| matches!(e, Event::NruConsumptionReportReceived(_))), 1);
		assert_eq!(ContractBillingInformationByID::<Test>::get(id).amount_unbilled, 150_000);

		let before = snapshot();
		bill_now(id);
		assert_eq!(bills(id), vec![bill_of(id, 5, DiscountLevel::None, 3_000_000)]);
		assert_paid_out(&before, id, 3_000_000, 0);
		assert_eq!(ContractBillingInformationByID::<Test>::get(id).amount_unbilled, 0);

		// Reported again after billing: still skipped; nothing more to bill.
		assert_ok!(SmartContractModule::add_nru_reports(
			RuntimeOrigin::signed(node_account()),
			vec![report]
		));
		bill_now(id);
		run_to_block(11);
		assert_eq!(bills(id).len(), 1);
	});
}

#[test]
fn network_usage_is_billed_at_cancellation() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 0);
		jump_to_block(5);
		let report = NruConsumption {
			contract_id: id,
			timestamp: time_at(5),
			window: 24,
			nru: 1_000_000_000,
		};
		assert_ok!(SmartContractModule::add_nru_reports(
			RuntimeOrigin::signed(node_account()),
			vec![report]
		));
		let before = snapshot();
		cancel(alice(), id);
		// 1 GB at 50_000 units USD per GB = 1_000_000 planck, not discounted.
		assert_eq!(bills(id), vec![bill_of(id, 5, DiscountLevel::None, 1_000_000)]);
		assert_paid_out(&before, id, 1_000_000, 0);
	});
}

#[test]
fn reports_are_checked() {
	test(|| {
		setup();
		let id = create_node_contract(alice(), hash(1), 0);
		let name = create_name_contract(alice(), b"foobar");
		second_node();
		let nru = |contract_id| {
			vec![NruConsumption { contract_id, timestamp: time_at(1), window: 6, nru: 1 }]
		};
		let used = |contract_id| vec![ContractResources { contract_id, used: worked_resources() }];
		// Another node's contract.
		assert_noop!(
			SmartContractModule::add_nru_reports(RuntimeOrigin::signed(node2_account()), nru(id)),
			Error::<Test>::NodeNotAuthorizedToComputeReport
		);
		assert_noop!(
			SmartContractModule::report_contract_resources(
				RuntimeOrigin::signed(node2_account()),
				used(id)
			),
			Error::<Test>::NodeNotAuthorizedToComputeReport
		);
		// Not a node contract.
		assert_noop!(
			SmartContractModule::report_contract_resources(
				RuntimeOrigin::signed(node_account()),
				used(name)
			),
			Error::<Test>::InvalidContractType
		);
		assert_noop!(
			SmartContractModule::add_nru_reports(RuntimeOrigin::signed(node_account()), nru(name)),
			Error::<Test>::InvalidContractType
		);
		// The caller has no node / no twin.
		assert_noop!(
			SmartContractModule::report_contract_resources(
				RuntimeOrigin::signed(alice()),
				used(id)
			),
			Error::<Test>::NodeNotExists
		);
		assert_noop!(
			SmartContractModule::add_nru_reports(RuntimeOrigin::signed(eve()), nru(id)),
			Error::<Test>::TwinNotExists
		);
		// Too many entries.
		assert_noop!(
			SmartContractModule::report_contract_resources(
				RuntimeOrigin::signed(node_account()),
				(0..65)
					.map(|_| ContractResources { contract_id: id, used: worked_resources() })
					.collect()
			),
			Error::<Test>::TooManyReports
		);
		// Unknown contracts are skipped.
		System::reset_events();
		assert_ok!(SmartContractModule::report_contract_resources(
			RuntimeOrigin::signed(node_account()),
			used(99)
		));
		assert_ok!(SmartContractModule::add_nru_reports(
			RuntimeOrigin::signed(node_account()),
			nru(99)
		));
		assert!(events().is_empty());
	});
}

#[test]
fn hook_respects_the_weight_limit_and_carries_over() {
	test(|| {
		setup();
		// Contracts 1, 11 and 21 share billing slot 1.
		for i in 1..=21 {
			create_name_contract(alice(), format!("name{i:02}").as_bytes());
		}
		jump_to_block(11);
		// What the hook spends before billing a contract of the first slot (the pass set-up and
		// the slot), and per contract.
		let weights = |n| <<Test as Config>::WeightInfo as WeightInfo>::billing_slot(n);
		let before_bills = weights(0);
		let per_entry = weights(1).saturating_sub(weights(0));

		// No weight: nothing is billed.
		assert_eq!(SmartContractModule::bill_due_contracts(11, Weight::zero()), Weight::zero());
		assert!(BillingCursor::<Test>::get().is_none_or(|c| c == Cursor { block: 11, position: 0 }));
		assert!(bills(1).is_empty());
		// Not enough for the slot: nothing billed, the slot waits.
		let used = SmartContractModule::bill_due_contracts(
			11,
			before_bills.saturating_sub(Weight::from_parts(1, 0)),
		);
		assert!(used.all_lte(before_bills));
		assert!(BillingCursor::<Test>::get().is_none_or(|c| c == Cursor { block: 11, position: 0 }));
		assert!(bills(1).is_empty());
		// Room for one contract only.
		let limit = before_bills
			.saturating_add(SmartContractModule::worst_bill_weight(Some(&contract(1))))
			.saturating_add(per_entry);
		let used = SmartContractModule::bill_due_contracts(11, limit);
		assert!(used.all_lte(limit));
		assert_eq!(BillingCursor::<Test>::get(), Some(Cursor { block: 11, position: 1 }));
		assert_eq!(bills(1), vec![bill_of(1, 11, DiscountLevel::Gold, gold(name_price(60)))]);
		assert!(bills(11).is_empty() && bills(21).is_empty());

		// Next block: the rest of slot 1, then slot 2.
		jump_to_block(12);
		<SmartContractModule as Hooks<u64>>::on_initialize(12);
		assert_eq!(BillingCursor::<Test>::get(), Some(Cursor { block: 13, position: 0 }));
		for id in [11, 21] {
			assert_eq!(bills(id), vec![bill_of(id, 12, DiscountLevel::Gold, gold(name_price(66)))]);
		}
		for id in [2, 12] {
			assert_eq!(bills(id).len(), 1);
		}
		assert_eq!(bills(1).len(), 1, "not billed twice");
	});
}

#[test]
fn hook_bills_every_slot_once_after_a_halt() {
	test(|| {
		setup();
		for i in 1..=10 {
			create_name_contract(alice(), format!("name{i:02}").as_bytes());
		}
		run_to_block(5);
		System::reset_events();
		// Blocks 6 to 99 never ran their hook.
		jump_to_block(100);
		<SmartContractModule as Hooks<u64>>::on_initialize(100);
		// The hook skips whole periods: it resumes at block 96 (slot 6, where it stopped) and
		// bills slots 6 to 9 and 0 now; slots 1 to 5 come at blocks 101 to 105.
		for id in 6..=10 {
			assert_eq!(bills(id).len(), 1, "contract {id} billed once");
			assert_eq!(bills(id)[0].timestamp, time_at(100));
		}
		assert!((1..=5).all(|id| bills(id).is_empty()));
		assert_eq!(BillingCursor::<Test>::get(), Some(Cursor { block: 101, position: 0 }));
		run_to_block(105);
		for id in 1..=10 {
			assert_eq!(bills(id).len(), 1, "contract {id} billed once");
		}
	});
}

#[test]
fn try_state_detects_broken_invariants() {
	let corruptions: [fn(); 11] = [
		|| ContractsToBillAt::<Test>::remove(1),
		|| ContractsToBillAt::<Test>::mutate(2, |ids| ids.try_push(1).unwrap()),
		|| PaymentState::<Test>::mutate(1, |state| state.standard_reserve = 1_000),
		|| PaymentState::<Test>::insert(77, types::ContractPaymentState::default()),
		|| ActiveNodeContracts::<Test>::remove(NODE),
		|| ContractIDByNodeIDAndHash::<Test>::remove(NODE, hash(1)),
		|| {
			pallet_tfgrid::Farms::<Test>::mutate(FARM, |farm| {
				farm.as_mut().unwrap().public_ips.iter_mut().for_each(|ip| ip.contract_id = 0)
			})
		},
		|| ActiveRentContractForNode::<Test>::insert(NODE, 99),
		|| {
			let name: NameContractName = b"ghost".to_vec().try_into().unwrap();
			ContractIDByNameRegistration::<Test>::insert(name, 42)
		},
		|| {
			Contracts::<Test>::mutate(1, |c| {
				c.as_mut().unwrap().state = ContractState::Deleted(Cause::CanceledByUser)
			})
		},
		|| {
			assert_ok!(<Balances as frame::traits::fungible::MutateHold<AccountId>>::hold(
				&HoldReason::ContractPayment.into(),
				&alice(),
				1_000
			));
		},
	];
	for corrupt in corruptions {
		new_test_ext().execute_with(|| {
			prepare_farm_and_node();
			create_node_contract(alice(), hash(1), 1);
			assert_ok!(SmartContractModule::do_try_state());
			corrupt();
			assert!(SmartContractModule::do_try_state().is_err());
		});
	}
}
