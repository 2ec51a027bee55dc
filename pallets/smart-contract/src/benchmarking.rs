//! Benchmarks of the contracts pallet: one per [`WeightInfo`](crate::WeightInfo) function, each
//! at its worst case.
//!
//! Calls:
//! - contracts carry the longest deployment data and, where the call reads or writes the
//!   contract, all `MAX_FARM_PUBLIC_IPS` public IPs of a full farm, so that the contract and the
//!   farm are as large as they get;
//! - creating a contract fills its billing slot to the last free place, references an approved
//!   solution provider with `MAX_SOLUTION_PROVIDERS` payees and the longest texts; a node
//!   contract is created on a node rented by the caller (the rent contract is read), with a
//!   deployment hash once used by a removed contract (the uniqueness check reads it), on a node
//!   with one free place left, and reserves every IP of a 256-IP farm (the whole list is scanned
//!   and copied into the contract and its events);
//! - cancelling bills an hour, bills network usage, collects, and distributes to the
//!   foundation, the staking pool, ten payees and the sales account, burns the rest, pays the
//!   farmer's extra fee (rent) and gives every IP back to the farm;
//! - reports carry `r` entries for `r` distinct contracts, every entry accepted;
//! - service contracts are billed for a full hour plus the largest variable amount, paid to a
//!   service account that does not exist yet.
//!
//! Hook work (measured with `#[block]`):
//! - `bill_contract`: the hourly bill of the hook that does not settle, of a contract already
//!   read (the hook charges that read as a slot entry, `billing_slot`). Its worst case is a
//!   **rent** contract of a node with an extra fee: besides what a node contract reads (owner,
//!   uptime, rent flag, used resources, balances), it reads the node (the largest registry
//!   item), its power state and its extra fee, and prices both the rent and the extra fee;
//! - `settle_contract`: a node contract in grace whose grace period runs out, so `settle`
//!   collects what it can (both the standard and the extra-fee overdraft, network usage
//!   included), distributes to fourteen accounts and burns, writes off the rest and removes the
//!   contract and its IPs: this path does strictly more than any other path of `settle` (a
//!   running settlement writes two items where this one removes seven; entering grace does not
//!   distribute; the cascade of a rent contract is `grace_cascade`);
//! - `grace_cascade(n)`: a rent contract whose renter cannot pay enters grace with `n` node
//!   contracts on its node (measured through `settle`, so it includes one settlement);
//! - `billing_slot(n)`: one hook pass over a slot of `n` ids of removed contracts (the pass's
//!   own reads, the cursor, prices and clock, included).
//!
//! The clock: billing prices elapsed time, so the benchmarks need a clock. The mock sets it; a
//! runtime's benchmark starts at time 0, so [`clock`] writes the timestamp pallet's `Now` under
//! its conventional name `Timestamp` (this crate cannot depend on the timestamp pallet), and
//! stops the benchmark if the clock is still unset.

use super::*;
use crate::{
	billing::{Cursor, Settle},
	cost,
	types::{
		Contract, ContractBillingInformation, ContractData, ContractPublicIps, ContractResources,
		ContractState, DeploymentData, DiscountLevel, HexHash, NodeContract, NruConsumption,
		Provider, ServiceContractState, CONTRACT_VERSION, MAX_BILL_METADATA_LENGTH,
		MAX_DEPLOYMENT_DATA_LENGTH, MAX_METADATA_LENGTH, MAX_NAME_LENGTH, MAX_SOLUTION_PROVIDERS,
		MAX_SOLUTION_PROVIDER_TAKE, MAX_SOLUTION_PROVIDER_TEXT_LENGTH,
	},
};
use alloc::{vec, vec::Vec};
use frame::{
	benchmarking::prelude::*,
	deps::sp_io,
	traits::fungible::{Inspect, InspectHold, Mutate, MutateHold},
};
use tfchain_primitives::{
	grid::MAX_FARM_PUBLIC_IPS,
	resources::{Resources, GIB},
	traits::{GridBenchmarkHelper, Tfgrid, TftPriceProvider},
};

const SEED: u32 = 0;
/// One hour, the span every benchmark bills.
const HOUR: u64 = 3600;
/// Balance of a funded account, planck (10^11 TFT).
const RICH: u128 = 1_000_000_000_000_000_000;
/// Held for a contract before the benchmark, planck.
const RESERVE: u128 = 1_000_000_000_000;
/// Owed by a contract before the benchmark, planck.
const OVERDRAFT: u128 = 100_000_000_000;
/// Network usage reported and not billed, units USD ($100).
const UNBILLED_NU: u64 = 1_000_000_000;
/// A dedicated node's extra fee, mUSD per month ($10,000).
const EXTRA_FEE: u64 = 10_000_000;
/// Fees of the benchmarked service contracts, mUSD per hour.
const SERVICE_FEE: u64 = 10_000;
/// Ids no contract will ever have: stale entries of indexes and slots.
const DEAD: u64 = u64::MAX / 2;
/// Chain time set when a runtime's clock is unset, ms.
const CLOCK_MS: u64 = 1_700_000_000_000;
/// Why a benchmark value fits its bound.
const BOUNDS: &str = "benchmark values are built within their bounds; qed";

// ---- clock, accounts, registry -------------------------------------------------------------

/// The chain time in seconds, set to [`CLOCK_MS`] if it is unset (a runtime benchmark starts at
/// time 0; the mock sets it). Billing prices elapsed time: without a clock it does no work.
fn clock<T: Config>() -> Result<u64, BenchmarkError> {
	if Pallet::<T>::now_secs() < 2 * HOUR {
		let mut key = twox_128(b"Timestamp").to_vec();
		key.extend_from_slice(&twox_128(b"Now"));
		sp_io::storage::set(&key, &CLOCK_MS.encode());
	}
	let now = Pallet::<T>::now_secs();
	if now < 2 * HOUR {
		return Err(BenchmarkError::Stop("the chain clock is unset (no `Timestamp::Now`)"));
	}
	Ok(now)
}

/// `name`/`index` with [`RICH`] funds and a twin.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	fund::<T>(&who);
	who
}

/// Funds `who` with [`RICH`] and gives it a twin; returns the twin.
fn fund<T: Config>(who: &T::AccountId) -> u32 {
	T::Currency::set_balance(who, RICH);
	T::BenchmarkHelper::make_twin(who)
}

/// The whitelisted caller, funded, with a twin.
fn caller<T: Config>() -> (T::AccountId, u32) {
	let who: T::AccountId = whitelisted_caller();
	let twin = fund::<T>(&who);
	(who, twin)
}

/// A farm, its farmer and one node of it (powered up, uptime reported now).
struct Grid<AccountId> {
	farmer: AccountId,
	farm: u32,
	node: u32,
	node_account: AccountId,
}

/// A farm with `ips` free public IPs and one node; the farmer has no funds (a payment to it
/// creates its account). `index` keeps the accounts of several grids apart.
fn grid<T: Config>(ips: u32, dedicated: bool, index: u32) -> Grid<T::AccountId> {
	let farmer: T::AccountId = account("farmer", index, SEED);
	let farmer_twin = T::BenchmarkHelper::make_twin(&farmer);
	let farm = T::BenchmarkHelper::make_farm(farmer_twin, ips, dedicated);
	let node_account: T::AccountId = account("node", index, SEED);
	let node_twin = T::BenchmarkHelper::make_twin(&node_account);
	let node = T::BenchmarkHelper::make_node(node_twin, farm);
	T::BenchmarkHelper::report_uptime_now(node);
	Grid { farmer, farm, node, node_account }
}

/// An approved solution provider with the most payees and the longest texts. The payees take
/// 4% each, 40% together, so that the sales account still gets a share (at the largest total
/// take, 50%, its share is 0 and not paid): a distribution makes 13 transfers. None of the
/// payees has an account yet: each payment creates one.
fn solution_provider<T: Config>() -> Result<u64, BenchmarkError> {
	let id = unapproved_solution_provider::<T>()?;
	Pallet::<T>::do_approve_solution_provider(id, true)?;
	Ok(id)
}

fn unapproved_solution_provider<T: Config>() -> Result<u64, BenchmarkError> {
	Pallet::<T>::do_create_solution_provider(
		longest_text(b'd'),
		longest_text(b'l'),
		longest_providers::<T>(),
	)?;
	Ok(SolutionProviderID::<T>::get())
}

fn longest_providers<T: Config>() -> Vec<Provider<T::AccountId>> {
	let take = (MAX_SOLUTION_PROVIDER_TAKE / MAX_SOLUTION_PROVIDERS - 1) as u8;
	(0..MAX_SOLUTION_PROVIDERS).map(|i| Provider { who: account("payee", i, SEED), take }).collect()
}

fn longest_text(fill: u8) -> Vec<u8> {
	vec![fill; MAX_SOLUTION_PROVIDER_TEXT_LENGTH as usize]
}

// ---- contracts -----------------------------------------------------------------------------

/// A distinct deployment hash.
fn hash(index: u32) -> HexHash {
	let mut hash = [0xabu8; 32];
	hash[..4].copy_from_slice(&index.to_le_bytes());
	hash
}

/// Deployment data of the longest length.
fn data(fill: u8) -> DeploymentData {
	vec![fill; MAX_DEPLOYMENT_DATA_LENGTH as usize].try_into().expect(BOUNDS)
}

/// A name of the longest length.
fn longest_name() -> Vec<u8> {
	let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-_";
	(0..MAX_NAME_LENGTH as usize).map(|i| alphabet[i % alphabet.len()]).collect()
}

/// Resources a node contract uses: half of a benchmark node.
fn used_resources() -> Resources {
	Resources { hru: (512 * GIB) as u64, sru: (256 * GIB) as u64, cru: 4, mru: (8 * GIB) as u64 }
}

/// `owner` creates a node contract on `node` with `ips` public IPs; returns its id.
fn node_contract<T: Config>(
	owner: &T::AccountId,
	node: u32,
	ips: u32,
	solution_provider: Option<u64>,
	index: u32,
) -> Result<u64, BenchmarkError> {
	Pallet::<T>::do_create_node_contract(
		owner,
		node,
		hash(index),
		data(b'd'),
		ips,
		solution_provider,
	)?;
	Ok(ContractID::<T>::get())
}

/// `owner` rents `node`; returns the contract id.
fn rent_contract<T: Config>(
	owner: &T::AccountId,
	node: u32,
	solution_provider: Option<u64>,
) -> Result<u64, BenchmarkError> {
	Pallet::<T>::do_create_rent_contract(owner, node, solution_provider)?;
	Ok(ContractID::<T>::get())
}

/// A node contract written straight into storage (for reports, which may name more contracts
/// than a node may hold): the longest data, `ips`, network reported up to `last_report`.
fn stored_node_contract<T: Config>(
	twin_id: u32,
	node_id: u32,
	index: u32,
	ips: &ContractPublicIps,
	last_report: u64,
) -> u64 {
	let id = ContractID::<T>::get().saturating_add(1);
	ContractID::<T>::put(id);
	Contracts::<T>::insert(
		id,
		Contract {
			version: CONTRACT_VERSION,
			state: ContractState::Created,
			contract_id: id,
			twin_id,
			contract_type: ContractData::NodeContract(NodeContract {
				node_id,
				deployment_hash: hash(index),
				deployment_data: data(b'd'),
				public_ips: ips.len() as u32,
				public_ips_list: ips.clone(),
			}),
			solution_provider_id: None,
		},
	);
	ContractBillingInformationByID::<T>::insert(
		id,
		ContractBillingInformation {
			previous_nu_reported: 0,
			last_updated: last_report,
			amount_unbilled: 0,
		},
	);
	id
}

/// The public IPs of `farm`, as a contract would hold them.
fn farm_ips<T: Config>(farm: u32) -> Result<ContractPublicIps, BenchmarkError> {
	let farm = T::Grid::farm(farm).ok_or(BenchmarkError::Stop("farm not stored"))?;
	Ok(BoundedVec::truncate_from(farm.public_ips.into_inner()))
}

/// Fills the billing slot of contract `contract_id` to one free place, with removed ids.
fn fill_slot<T: Config>(contract_id: u64) {
	let slot = contract_id % BillingFrequency::<T>::get().max(1);
	let free_place = T::MaxContractsPerBillingSlot::get().saturating_sub(1) as usize;
	ContractsToBillAt::<T>::mutate(slot, |ids| {
		let mut next = DEAD;
		while ids.len() < free_place {
			let _ = ids.try_push(next);
			next += 1;
		}
	});
}

/// Fills the node-contract list of `node` to `len` entries with removed ids.
fn fill_node<T: Config>(node: u32, len: u32) {
	ActiveNodeContracts::<T>::mutate(node, |ids| {
		let mut next = DEAD;
		while (ids.len() as u32) < len {
			let _ = ids.try_push(next);
			next += 1;
		}
	});
}

/// Makes contract `id` billable for the last hour and hold `standard` and `additional` planck
/// of `owner`'s funds for it (collected earlier, not distributed yet).
fn age_and_hold<T: Config>(
	id: u64,
	owner: &T::AccountId,
	now: u64,
	standard: u128,
	additional: u128,
) -> Result<(), BenchmarkError> {
	if standard > 0 {
		T::Currency::hold(&HoldReason::ContractPayment.into(), owner, standard)?;
	}
	if additional > 0 {
		T::Currency::hold(&HoldReason::ContractExtraFee.into(), owner, additional)?;
	}
	ContractPaymentState::<T>::mutate(id, |state| {
		state.last_updated_seconds = now - HOUR;
		state.standard_reserve = standard;
		state.additional_reserve = additional;
	});
	ContractLock::<T>::mutate(id, |lock| {
		lock.lock_updated = now - HOUR;
		lock.amount_locked = standard;
		lock.extra_amount_locked = additional;
	});
	Ok(())
}

/// Gives node contract `id` used resources and unbilled network usage.
fn load_node_contract<T: Config>(id: u64) {
	NodeContractResources::<T>::insert(
		id,
		ContractResources { contract_id: id, used: used_resources() },
	);
	ContractBillingInformationByID::<T>::mutate(id, |info| info.amount_unbilled = UNBILLED_NU);
}

fn contract<T: Config>(id: u64) -> Result<Contract, BenchmarkError> {
	Contracts::<T>::get(id).ok_or(BenchmarkError::Stop("contract not stored"))
}

fn node_contract_ips(contract: &Contract) -> usize {
	match &contract.contract_type {
		ContractData::NodeContract(node_contract) => node_contract.public_ips_list.len(),
		_ => 0,
	}
}

// ---- service contracts ---------------------------------------------------------------------

/// A service (no funds: the first payment creates its account) and a funded consumer, with
/// twins, and a service contract between them; returns `(service, consumer, id)`.
fn service_contract<T: Config>() -> Result<(T::AccountId, T::AccountId, u64), BenchmarkError> {
	let service: T::AccountId = whitelisted_caller();
	T::BenchmarkHelper::make_twin(&service);
	let consumer = funded::<T>("consumer", 0);
	Pallet::<T>::do_service_contract_create(&service, service.clone(), consumer.clone())?;
	Ok((service, consumer, ServiceContractID::<T>::get()))
}

fn longest_metadata() -> Vec<u8> {
	vec![b'm'; MAX_METADATA_LENGTH as usize]
}

/// A service contract with fees and metadata, waiting for approvals.
fn ready_service_contract<T: Config>() -> Result<(T::AccountId, T::AccountId, u64), BenchmarkError>
{
	let (service, consumer, id) = service_contract::<T>()?;
	Pallet::<T>::do_service_contract_set_fees(&service, id, SERVICE_FEE, SERVICE_FEE)?;
	Pallet::<T>::do_service_contract_set_metadata(&consumer, id, longest_metadata())?;
	Ok((service, consumer, id))
}

fn service_state<T: Config>(id: u64) -> Option<ServiceContractState> {
	ServiceContracts::<T>::get(id).map(|contract| contract.state)
}

// ---- events and origins --------------------------------------------------------------------

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(event.into());
}

/// The balance of pricing policy 1's sales account, which receives the rest of the 50% share.
fn sales_balance<T: Config>() -> Result<u128, BenchmarkError> {
	let prices = T::Grid::pricing(1).ok_or(BenchmarkError::Stop("no pricing policy 1"))?;
	Ok(T::Currency::balance(&prices.certified_sales_account))
}

/// Whether every payee of the benchmark solution provider was paid.
fn payees_paid<T: Config>() -> bool {
	longest_providers::<T>().iter().all(|payee| T::Currency::balance(&payee.who) > 0)
}

fn restricted<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::RestrictedOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

fn held<T: Config>(who: &T::AccountId, reason: HoldReason) -> u128 {
	T::Currency::balance_on_hold(&reason.into(), who)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	// A node contract reserving every IP of a 256-IP farm (the scan and the copies are as long
	// as they get), the longest data, an approved solution provider with ten payees, on a node
	// rented by the caller (the rent contract is read) with one free place, a hash once used by
	// a removed contract (read), and one free place in the billing slot.
	#[benchmark]
	fn create_node_contract() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (caller, twin) = caller::<T>();
		let sp = solution_provider::<T>()?;
		rent_contract::<T>(&caller, g.node, None)?;
		fill_node::<T>(g.node, T::MaxNodeContractsPerNode::get().saturating_sub(1));
		ContractIDByNodeIDAndHash::<T>::insert(g.node, hash(0), DEAD);
		let id = ContractID::<T>::get() + 1;
		fill_slot::<T>(id);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), g.node, hash(0), data(b'd'), MAX_FARM_PUBLIC_IPS, Some(sp));

		let stored = contract::<T>(id)?;
		assert_eq!(stored.twin_id, twin);
		assert_eq!(node_contract_ips(&stored), MAX_FARM_PUBLIC_IPS as usize);
		assert!(ActiveNodeContracts::<T>::get(g.node).contains(&id));
		assert_eq!(ContractIDByNodeIDAndHash::<T>::get(g.node, hash(0)), id);
		assert_last_event::<T>(Event::ContractCreated(stored));
		Ok(())
	}

	// Replace the hash and data of a node contract holding 256 IPs; the new hash was used by a
	// removed contract (read).
	#[benchmark]
	fn update_node_contract() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (caller, _) = caller::<T>();
		let id = node_contract::<T>(&caller, g.node, MAX_FARM_PUBLIC_IPS, None, 0)?;
		ContractIDByNodeIDAndHash::<T>::insert(g.node, hash(1), DEAD);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, hash(1), data(b'e'));

		let stored = contract::<T>(id)?;
		assert!(matches!(
			&stored.contract_type,
			ContractData::NodeContract(c) if c.deployment_hash == hash(1) && c.deployment_data == data(b'e')
		));
		assert_eq!(ContractIDByNodeIDAndHash::<T>::get(g.node, hash(1)), id);
		assert!(!ContractIDByNodeIDAndHash::<T>::contains_key(g.node, hash(0)));
		Ok(())
	}

	// Cancel a node contract holding 256 IPs, with used resources, unbilled network usage, an
	// hour to bill, a held reserve, a solution provider with ten payees, on a full node: bill,
	// collect, distribute to 13 accounts and burn, give the IPs back, remove.
	#[benchmark]
	fn cancel_contract() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (caller, twin) = caller::<T>();
		let sp = solution_provider::<T>()?;
		let id = node_contract::<T>(&caller, g.node, MAX_FARM_PUBLIC_IPS, Some(sp), 0)?;
		fill_node::<T>(g.node, T::MaxNodeContractsPerNode::get());
		load_node_contract::<T>(id);
		age_and_hold::<T>(id, &caller, now, RESERVE, 0)?;
		let sales = sales_balance::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), id);

		assert!(payees_paid::<T>());
		assert!(sales_balance::<T>()? > sales);
		assert!(!Contracts::<T>::contains_key(id));
		assert!(!ActiveNodeContracts::<T>::get(g.node).contains(&id));
		assert_eq!(held::<T>(&caller, HoldReason::ContractPayment), 0);
		let farm = T::Grid::farm(g.farm).ok_or(BenchmarkError::Stop("farm not stored"))?;
		assert_eq!(farm.free_ips(), MAX_FARM_PUBLIC_IPS as usize);
		assert_last_event::<T>(Event::NodeContractCanceled {
			contract_id: id,
			node_id: g.node,
			twin_id: twin,
		});
		Ok(())
	}

	// Cancel a name contract with the longest name, an hour to bill, a held reserve and a
	// solution provider with ten payees.
	#[benchmark]
	fn cancel_name_contract() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let (caller, _) = caller::<T>();
		let sp = solution_provider::<T>()?;
		Pallet::<T>::do_create_name_contract(&caller, longest_name())?;
		let id = ContractID::<T>::get();
		Pallet::<T>::do_attach_solution_provider_id(&caller, id, sp)?;
		age_and_hold::<T>(id, &caller, now, RESERVE, 0)?;

		#[extrinsic_call]
		cancel_contract(RawOrigin::Signed(caller.clone()), id);

		assert!(!Contracts::<T>::contains_key(id));
		let name = Pallet::<T>::validate_name(longest_name())?;
		assert!(!ContractIDByNameRegistration::<T>::contains_key(&name));
		assert_eq!(held::<T>(&caller, HoldReason::ContractPayment), 0);
		assert_last_event::<T>(Event::NameContractCanceled { contract_id: id });
		Ok(())
	}

	// Cancel a rent contract of a node with an extra fee (no node contracts on it), an hour to
	// bill, held reserves of both kinds and a solution provider with ten payees: the farmer is
	// paid the extra fee (its account is created), the rest distributed to 13 accounts.
	#[benchmark]
	fn cancel_rent_contract() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		DedicatedNodesExtraFee::<T>::insert(g.node, EXTRA_FEE);
		let (caller, _) = caller::<T>();
		let sp = solution_provider::<T>()?;
		let id = rent_contract::<T>(&caller, g.node, Some(sp))?;
		age_and_hold::<T>(id, &caller, now, RESERVE, RESERVE)?;

		#[extrinsic_call]
		cancel_contract(RawOrigin::Signed(caller.clone()), id);

		assert!(!Contracts::<T>::contains_key(id));
		assert!(!ActiveRentContractForNode::<T>::contains_key(g.node));
		assert_eq!(held::<T>(&caller, HoldReason::ContractPayment), 0);
		assert_eq!(held::<T>(&caller, HoldReason::ContractExtraFee), 0);
		assert!(T::Currency::balance(&g.farmer) >= RESERVE);
		assert_last_event::<T>(Event::RentContractCanceled { contract_id: id });
		Ok(())
	}

	// Register the longest name, in a billing slot with one free place.
	#[benchmark]
	fn create_name_contract() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let (caller, _) = caller::<T>();
		let id = ContractID::<T>::get() + 1;
		fill_slot::<T>(id);
		let name = longest_name();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), name.clone());

		let name = Pallet::<T>::validate_name(name)?;
		assert_eq!(ContractIDByNameRegistration::<T>::get(&name), id);
		assert!(Contracts::<T>::contains_key(id));
		Ok(())
	}

	// `r` network reports for `r` distinct contracts of the caller's node, each accepted.
	#[benchmark]
	fn add_nru_reports(r: Linear<1, 64>) -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let owner = funded::<T>("owner", 0);
		let owner_twin = T::BenchmarkHelper::make_twin(&owner);
		let ips = farm_ips::<T>(g.farm)?;
		let reports: Vec<NruConsumption> = (0..r)
			.map(|i| NruConsumption {
				contract_id: stored_node_contract::<T>(owner_twin, g.node, i, &ips, now - HOUR),
				timestamp: now,
				window: HOUR,
				nru: 1_000_000_000_000,
			})
			.collect();
		let ids: Vec<u64> = reports.iter().map(|report| report.contract_id).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(g.node_account), reports);

		for id in ids {
			let info = ContractBillingInformationByID::<T>::get(id);
			assert_eq!(info.last_updated, now);
			assert!(info.amount_unbilled > 0);
		}
		Ok(())
	}

	// `r` resource reports for `r` distinct contracts of the caller's node.
	#[benchmark]
	fn report_contract_resources(r: Linear<1, 64>) -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let owner = funded::<T>("owner", 0);
		let owner_twin = T::BenchmarkHelper::make_twin(&owner);
		let ips = farm_ips::<T>(g.farm)?;
		let reports: Vec<ContractResources> = (0..r)
			.map(|i| ContractResources {
				contract_id: stored_node_contract::<T>(owner_twin, g.node, i, &ips, now - HOUR),
				used: used_resources(),
			})
			.collect();
		let ids: Vec<u64> = reports.iter().map(|report| report.contract_id).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(g.node_account), reports);

		for id in ids {
			assert_eq!(NodeContractResources::<T>::get(id).used, used_resources());
		}
		Ok(())
	}

	// Rent a node of a shared farm (its node-contract list is read) with a solution provider
	// with ten payees, in a billing slot with one free place.
	#[benchmark]
	fn create_rent_contract() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (caller, _) = caller::<T>();
		let sp = solution_provider::<T>()?;
		let id = ContractID::<T>::get() + 1;
		fill_slot::<T>(id);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), g.node, Some(sp));

		assert_eq!(ActiveRentContractForNode::<T>::get(g.node), Some(id));
		assert!(Contracts::<T>::contains_key(id));
		Ok(())
	}

	// Ten payees, the longest description and link.
	#[benchmark]
	fn create_solution_provider() -> Result<(), BenchmarkError> {
		let (caller, _) = caller::<T>();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller),
			longest_text(b'd'),
			longest_text(b'l'),
			longest_providers::<T>(),
		);

		let id = SolutionProviderID::<T>::get();
		let provider = SolutionProviders::<T>::get(id).ok_or(BenchmarkError::Stop("not stored"))?;
		assert_eq!(provider.providers.len(), MAX_SOLUTION_PROVIDERS as usize);
		assert!(!provider.approved);
		Ok(())
	}

	// Approve the largest solution provider.
	#[benchmark]
	fn approve_solution_provider() -> Result<(), BenchmarkError> {
		let id = unapproved_solution_provider::<T>()?;
		let origin = restricted::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, true);

		assert!(SolutionProviders::<T>::get(id).is_some_and(|provider| provider.approved));
		assert_last_event::<T>(Event::SolutionProviderApproved(id, true));
		Ok(())
	}

	// The hourly bill of the hook that does not settle (the owner can pay, the distribution is
	// not due). The contract is read by the caller (the hook charges that read per slot entry,
	// see `billing_slot`) and the pass's prices and clock once per pass. Worst case: a rent
	// contract of an online node with an extra fee (see the module docs).
	#[benchmark]
	fn bill_contract() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		DedicatedNodesExtraFee::<T>::insert(g.node, EXTRA_FEE);
		// Not whitelisted: the owner's account read counts.
		let caller = funded::<T>("owner", 0);
		let sp = solution_provider::<T>()?;
		let id = rent_contract::<T>(&caller, g.node, Some(sp))?;
		age_and_hold::<T>(id, &caller, now, 0, 0)?;
		// A bonded savings account: the discount reads its balance too.
		let stored = contract::<T>(id)?;
		let savings = funded::<T>("savings", 0);
		T::BenchmarkHelper::bond_twin(stored.twin_id, &savings);
		// The hourly path: the period's discount level is known (see `refresh_discount`).
		ContractPaymentState::<T>::mutate(id, |state| {
			state.discount_level = Some(DiscountLevel::Gold)
		});
		let ctx = Pallet::<T>::billing_context();

		#[block]
		{
			let _ = Pallet::<T>::bill_scheduled(stored, &ctx);
		}

		let state = ContractPaymentState::<T>::get(id);
		assert_eq!(state.last_updated_seconds, now);
		assert_eq!(state.cycles, 1);
		assert!(state.standard_overdraft > 0);
		assert!(state.additional_overdraft > 0);
		assert_eq!(state.reserve(), 0);
		assert_eq!(held::<T>(&caller, HoldReason::ContractPayment), 0);
		Ok(())
	}

	// The first bill of a distribution period works the discount level out again: the balance
	// of the owner's bonded savings account is read on top of the hourly bill.
	#[benchmark]
	fn refresh_discount() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let twin = T::BenchmarkHelper::make_twin(&owner);
		let savings = funded::<T>("savings", 0);
		T::BenchmarkHelper::bond_twin(twin, &savings);
		let balance;

		#[block]
		{
			balance = Pallet::<T>::bonded_balance(twin);
		}

		assert!(balance > 0);
		Ok(())
	}

	#[benchmark]
	fn service_contract_create() -> Result<(), BenchmarkError> {
		let service: T::AccountId = whitelisted_caller();
		T::BenchmarkHelper::make_twin(&service);
		let consumer = funded::<T>("consumer", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(service.clone()), service.clone(), consumer);

		assert_eq!(
			service_state::<T>(ServiceContractID::<T>::get()),
			Some(ServiceContractState::Created)
		);
		Ok(())
	}

	// The longest metadata, making the agreement ready (fees already set).
	#[benchmark]
	fn service_contract_set_metadata() -> Result<(), BenchmarkError> {
		let (service, _, id) = service_contract::<T>()?;
		Pallet::<T>::do_service_contract_set_fees(&service, id, SERVICE_FEE, SERVICE_FEE)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(service), id, longest_metadata());

		let stored = ServiceContracts::<T>::get(id).ok_or(BenchmarkError::Stop("not stored"))?;
		assert_eq!(stored.metadata.len(), MAX_METADATA_LENGTH as usize);
		assert_eq!(stored.state, ServiceContractState::AgreementReady);
		Ok(())
	}

	// Fees making the agreement ready (metadata already set).
	#[benchmark]
	fn service_contract_set_fees() -> Result<(), BenchmarkError> {
		let (service, consumer, id) = service_contract::<T>()?;
		Pallet::<T>::do_service_contract_set_metadata(&consumer, id, longest_metadata())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(service), id, SERVICE_FEE, SERVICE_FEE);

		assert_eq!(service_state::<T>(id), Some(ServiceContractState::AgreementReady));
		Ok(())
	}

	// The second approval: the contract is approved by both and its billing starts.
	#[benchmark]
	fn service_contract_approve() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let (service, consumer, id) = ready_service_contract::<T>()?;
		Pallet::<T>::do_service_contract_approve(&service, id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		let stored = ServiceContracts::<T>::get(id).ok_or(BenchmarkError::Stop("not stored"))?;
		assert_eq!(stored.state, ServiceContractState::ApprovedByBoth);
		assert_eq!(stored.last_bill, now);
		Ok(())
	}

	#[benchmark]
	fn service_contract_reject() -> Result<(), BenchmarkError> {
		let (_, consumer, id) = ready_service_contract::<T>()?;

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert!(!ServiceContracts::<T>::contains_key(id));
		Ok(())
	}

	// Cancel an approved contract with the longest metadata.
	#[benchmark]
	fn service_contract_cancel() -> Result<(), BenchmarkError> {
		let (service, consumer, id) = ready_service_contract::<T>()?;
		Pallet::<T>::do_service_contract_approve(&service, id)?;
		Pallet::<T>::do_service_contract_approve(&consumer, id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert!(!ServiceContracts::<T>::contains_key(id));
		Ok(())
	}

	// Bill a full hour and the largest variable amount, with the longest bill metadata; the
	// payment creates the service's account.
	#[benchmark]
	fn service_contract_bill() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let (service, consumer, id) = ready_service_contract::<T>()?;
		Pallet::<T>::do_service_contract_approve(&service, id)?;
		Pallet::<T>::do_service_contract_approve(&consumer, id)?;
		ServiceContracts::<T>::mutate(id, |contract| {
			if let Some(contract) = contract {
				contract.last_bill = now - HOUR;
			}
		});
		let metadata = vec![b'b'; MAX_BILL_METADATA_LENGTH as usize];

		#[extrinsic_call]
		_(RawOrigin::Signed(service.clone()), id, SERVICE_FEE, metadata);

		let stored = ServiceContracts::<T>::get(id).ok_or(BenchmarkError::Stop("not stored"))?;
		assert_eq!(stored.last_bill, now);
		assert!(T::Currency::balance(&service) > 0);
		assert!(T::Currency::balance(&consumer) < RICH);
		Ok(())
	}

	#[benchmark]
	fn change_billing_frequency() -> Result<(), BenchmarkError> {
		let origin = restricted::<T>()?;
		let frequency = BillingFrequency::<T>::get() + 1;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, frequency);

		assert_eq!(BillingFrequency::<T>::get(), frequency);
		assert_last_event::<T>(Event::BillingFrequencyChanged(frequency));
		Ok(())
	}

	// Attach the largest solution provider to a node contract holding 256 IPs.
	#[benchmark]
	fn attach_solution_provider_id() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (caller, _) = caller::<T>();
		let sp = solution_provider::<T>()?;
		let id = node_contract::<T>(&caller, g.node, MAX_FARM_PUBLIC_IPS, None, 0)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), id, sp);

		assert_eq!(contract::<T>(id)?.solution_provider_id, Some(sp));
		Ok(())
	}

	// The farmer sets the extra fee of a node of a 256-IP farm.
	#[benchmark]
	fn set_dedicated_node_extra_fee() -> Result<(), BenchmarkError> {
		clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(g.farmer), g.node, EXTRA_FEE);

		assert_eq!(DedicatedNodesExtraFee::<T>::get(g.node), EXTRA_FEE);
		assert_last_event::<T>(Event::NodeExtraFeeSet { node_id: g.node, extra_fee: EXTRA_FEE });
		Ok(())
	}

	// The periodic settlement: a node contract with 256 IPs and a solution provider, due for
	// distribution, whose owner pays everything it owes: network usage is billed, both
	// overdrafts are collected into holds, and the held amounts are distributed (farmer,
	// foundation, staking pool, ten payees, sales account: 14 transfers) and the rest burned.
	// Ending a contract (grace expiry) adds a removal, charged as `cancel_contract`.
	#[benchmark]
	fn settle_contract() -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(MAX_FARM_PUBLIC_IPS, false, 0);
		let (owner, _) = caller::<T>();
		let sp = solution_provider::<T>()?;
		let id = node_contract::<T>(&owner, g.node, MAX_FARM_PUBLIC_IPS, Some(sp), 0)?;
		load_node_contract::<T>(id);
		let network = cost::usd_to_tft(UNBILLED_NU as u128, T::TftPrice::tft_price_musd());
		let existential = T::Currency::minimum_balance();
		T::Currency::set_balance(&owner, existential + 2 * OVERDRAFT + network + 2 * RESERVE);
		age_and_hold::<T>(id, &owner, now, RESERVE, RESERVE)?;
		ContractPaymentState::<T>::mutate(id, |state| {
			state.standard_overdraft = OVERDRAFT;
			state.additional_overdraft = OVERDRAFT;
			state.last_updated_seconds = now;
			state.cycles = T::DistributionFrequency::get();
		});
		let ctx = Pallet::<T>::billing_context();
		let stored = contract::<T>(id)?;
		let state = ContractPaymentState::<T>::get(id);
		let sales = sales_balance::<T>()?;

		#[block]
		{
			let _ = Pallet::<T>::settle(stored, state, &owner, &ctx, Settle::Running);
		}

		assert!(payees_paid::<T>());
		assert!(sales_balance::<T>()? > sales);
		let state = ContractPaymentState::<T>::get(id);
		assert_eq!((state.overdraft(), state.reserve(), state.cycles), (0, 0, 0));
		assert_eq!(held::<T>(&owner, HoldReason::ContractPayment), 0);
		assert_eq!(held::<T>(&owner, HoldReason::ContractExtraFee), 0);
		assert!(T::Currency::balance(&g.farmer) > 0);
		assert_eq!(contract::<T>(id)?.state, ContractState::Created);
		Ok(())
	}

	// A rent contract whose renter cannot pay enters grace and takes the `n` node contracts on
	// its node along (through `settle`: one settlement included). The mock allows 32 node
	// contracts per node.
	#[benchmark]
	fn grace_cascade(n: Linear<0, 32>) -> Result<(), BenchmarkError> {
		let now = clock::<T>()?;
		let g = grid::<T>(0, false, 0);
		let (renter, _) = caller::<T>();
		let id = rent_contract::<T>(&renter, g.node, None)?;
		let node_contracts = (0..n)
			.map(|i| node_contract::<T>(&renter, g.node, 0, None, i))
			.collect::<Result<Vec<u64>, BenchmarkError>>()?;
		T::Currency::set_balance(&renter, T::Currency::minimum_balance());
		ContractPaymentState::<T>::mutate(id, |state| {
			state.standard_overdraft = OVERDRAFT;
			state.additional_overdraft = OVERDRAFT;
			state.last_updated_seconds = now;
		});
		let ctx = Pallet::<T>::billing_context();
		let stored = contract::<T>(id)?;
		let state = ContractPaymentState::<T>::get(id);

		#[block]
		{
			let _ = Pallet::<T>::settle(stored, state, &renter, &ctx, Settle::Running);
		}

		assert!(matches!(contract::<T>(id)?.state, ContractState::GracePeriod(_)));
		for node_contract in node_contracts {
			assert!(matches!(contract::<T>(node_contract)?.state, ContractState::GracePeriod(_)));
		}
		Ok(())
	}

	// One hook pass over the slot of the current block holding `n` ids of removed contracts:
	// the pass's prices and clock, the slot read, each entry's lookup, the slot rewritten.
	#[benchmark]
	fn billing_slot(n: Linear<0, 1000>) -> Result<(), BenchmarkError> {
		let block = frame_system::Pallet::<T>::block_number();
		let now: u64 = block.saturated_into();
		let slot = now % BillingFrequency::<T>::get().max(1);
		let ids: BoundedVec<u64, T::MaxContractsPerBillingSlot> = (0..n as u64)
			.map(|i| DEAD + i)
			.collect::<Vec<_>>()
			.try_into()
			.map_err(|_| BenchmarkError::Stop("n exceeds MaxContractsPerBillingSlot"))?;
		ContractsToBillAt::<T>::insert(slot, ids);
		BillingCursor::<T>::put(Cursor { block: now, position: 0 });

		#[block]
		{
			let _ = Pallet::<T>::bill_due_contracts(block, Weight::MAX);
		}

		assert!(ContractsToBillAt::<T>::get(slot).is_empty());
		assert_eq!(BillingCursor::<T>::get(), Some(Cursor { block: now + 1, position: 0 }));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
