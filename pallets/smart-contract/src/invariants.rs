//! Storage invariants, checked after every test and by `try-runtime`.

use crate::pallet::ContractPaymentState;
use crate::{types::*, *};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use frame::{deps::sp_runtime::TryRuntimeError, prelude::*};
use tfchain_primitives::traits::Tfgrid;

impl<T: Config> Pallet<T> {
	/// Checks that:
	/// - the funds held per owner under each hold reason equal what its contracts hold;
	/// - every live contract is in exactly one billing slot;
	/// - the public IPs a farm marks as used match the IPs node contracts hold;
	/// - the node, name and rent indexes agree with the contracts.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut held: BTreeMap<T::AccountId, (u128, u128)> = BTreeMap::new();
		let mut scheduled: BTreeMap<u64, u32> = BTreeMap::new();
		for (_, ids) in ContractsToBillAt::<T>::iter() {
			for id in ids {
				*scheduled.entry(id).or_default() += 1;
			}
		}
		let mut ip_owners: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
		for (id, contract) in Contracts::<T>::iter() {
			ensure!(contract.contract_id == id, "contract stored under another id");
			ensure!(!contract.is_state_delete(), "a deleted contract was left in storage");
			ensure!(scheduled.get(&id) == Some(&1), "live contract not scheduled exactly once");
			ensure!(ContractPaymentState::<T>::contains_key(id), "contract without payment state");
			let state = ContractPaymentState::<T>::get(id);
			let owner =
				T::Grid::twin_account(contract.twin_id).ok_or("contract owner has no account")?;
			let entry = held.entry(owner).or_default();
			entry.0 += state.standard_reserve;
			entry.1 += state.additional_reserve;
			match &contract.contract_type {
				ContractData::NodeContract(node_contract) => {
					ensure!(
						ActiveNodeContracts::<T>::get(node_contract.node_id).contains(&id),
						"node contract missing from its node's active list"
					);
					ensure!(
						ContractIDByNodeIDAndHash::<T>::get(
							node_contract.node_id,
							node_contract.deployment_hash
						) == id,
						"deployment hash index disagrees"
					);
					for ip in node_contract.public_ips_list.iter() {
						ensure!(ip.contract_id == id, "contract holds an IP marked for another");
						ensure!(
							ip_owners.insert(ip.ip.to_vec(), id).is_none(),
							"public IP held by two contracts"
						);
					}
				},
				ContractData::NameContract(name_contract) => ensure!(
					ContractIDByNameRegistration::<T>::get(&name_contract.name) == id,
					"name index disagrees"
				),
				ContractData::RentContract(rent) => ensure!(
					ActiveRentContractForNode::<T>::get(rent.node_id) == Some(id),
					"rent index disagrees"
				),
			}
		}
		for (node_id, ids) in ActiveNodeContracts::<T>::iter() {
			for id in ids {
				let contract =
					Contracts::<T>::get(id).ok_or("active list has a missing contract")?;
				ensure!(contract.get_node_id() == node_id, "active list on the wrong node");
			}
		}
		for (node_id, id) in ActiveRentContractForNode::<T>::iter() {
			let contract = Contracts::<T>::get(id).ok_or("rent index has a missing contract")?;
			ensure!(contract.get_node_id() == node_id, "rent index on the wrong node");
		}
		for (_, id) in ContractIDByNameRegistration::<T>::iter() {
			ensure!(Contracts::<T>::contains_key(id), "name index has a missing contract");
		}
		for id in ContractPaymentState::<T>::iter_keys() {
			ensure!(Contracts::<T>::contains_key(id), "payment state of a missing contract");
		}
		for farm in T::Grid::all_farms() {
			for ip in farm.public_ips.iter().filter(|ip| ip.contract_id != 0) {
				ensure!(
					ip_owners.remove(ip.ip.as_slice()) == Some(ip.contract_id),
					"farm IP marked for a contract that does not hold it"
				);
			}
		}
		ensure!(ip_owners.is_empty(), "contract holds an IP its farm does not mark");
		for (owner, (standard, extra)) in held {
			ensure!(
				Self::held_for_contracts(&owner, HoldReason::ContractPayment) == standard,
				"held payments differ from the contracts' standard reserves"
			);
			ensure!(
				Self::held_for_contracts(&owner, HoldReason::ContractExtraFee) == extra,
				"held extra fees differ from the contracts' additional reserves"
			);
		}
		Ok(())
	}
}
