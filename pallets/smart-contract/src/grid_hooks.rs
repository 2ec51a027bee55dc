//! What the registry tells the contracts pallet: node deletion, power changes, IPs taken back,
//! and whether a node still runs contracts.

use crate::{types::*, weights::WeightInfo, *};
use frame::prelude::*;
use tfchain_primitives::{
	grid::{Node, PublicIP},
	traits::{ChangeNode, NodeActiveContracts, PublicIpModifier},
};

impl<T: Config> ChangeNode for Pallet<T> {
	fn node_changed(_: Option<&Node>, _: &Node) {}

	/// Ends every contract on the node (billed and settled), the rent contract last.
	fn node_deleted(node: &Node) {
		for id in ActiveNodeContracts::<T>::get(node.id) {
			if let Some(contract) = Contracts::<T>::get(id) {
				Self::end_contract(contract, Cause::CanceledByUser);
			}
		}
		if let Some(contract) =
			ActiveRentContractForNode::<T>::get(node.id).and_then(Contracts::<T>::get)
		{
			Self::end_contract(contract, Cause::CanceledByUser);
		}
	}

	fn node_power_state_changed(node: &Node) {
		Self::on_node_power_change(node.id);
	}

	fn node_deleted_weight() -> Weight {
		T::WeightInfo::cancel_contract()
			.saturating_mul(T::MaxNodeContractsPerNode::get().into())
			.saturating_add(T::WeightInfo::cancel_rent_contract())
			.saturating_add(T::DbWeight::get().reads(2))
	}

	fn node_power_state_changed_weight() -> Weight {
		Self::bill_weight().saturating_add(T::DbWeight::get().reads(1))
	}
}

impl<T: Config> PublicIpModifier for Pallet<T> {
	/// Drops a public IP the council took back from its contract's list.
	fn ip_removed(ip: &PublicIP) {
		let Some(mut contract) = Contracts::<T>::get(ip.contract_id) else { return };
		let ContractData::NodeContract(ref mut node_contract) = contract.contract_type else {
			return;
		};
		let before = node_contract.public_ips_list.len();
		node_contract.public_ips_list.retain(|held| held.ip != ip.ip);
		if node_contract.public_ips_list.len() == before {
			return;
		}
		node_contract.public_ips = node_contract.public_ips.saturating_sub(1);
		Contracts::<T>::insert(ip.contract_id, &contract);
		let mut freed = ContractPublicIps::new();
		let _ = freed.try_push(ip.clone());
		Self::deposit_event(Event::IPsFreed { contract_id: ip.contract_id, public_ips: freed });
	}

	fn ip_removed_weight() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
}

impl<T: Config> NodeActiveContracts for Pallet<T> {
	fn node_has_no_active_contracts(node_id: u32) -> bool {
		ActiveNodeContracts::<T>::get(node_id).is_empty()
			&& !ActiveRentContractForNode::<T>::contains_key(node_id)
	}

	fn node_has_no_active_contracts_weight() -> Weight {
		T::DbWeight::get().reads(2)
	}
}
