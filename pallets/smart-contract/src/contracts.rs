//! Node, name and rent contracts: creation, update, cancellation and removal.

use crate::pallet::{ContractLock, ContractPaymentState};
use crate::{types::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use tfchain_primitives::traits::{IpReservationError, Tfgrid};

impl<T: Config> Pallet<T> {
	/// The twin of `who`.
	pub(crate) fn caller_twin(who: &T::AccountId) -> Result<u32, DispatchError> {
		T::Grid::twin_id_of(who).ok_or_else(|| Error::<T>::TwinNotExists.into())
	}

	/// Whether node `node_id` may only be rented whole (an extra fee or a dedicated farm).
	pub(crate) fn is_dedicated(node_id: u32, dedicated_farm: bool) -> bool {
		dedicated_farm || DedicatedNodesExtraFee::<T>::get(node_id) > 0
	}

	pub(crate) fn do_create_node_contract(
		who: &T::AccountId,
		node_id: u32,
		deployment_hash: HexHash,
		deployment_data: DeploymentData,
		public_ips: u32,
		solution_provider_id: Option<u64>,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let node = T::Grid::node(node_id).ok_or(Error::<T>::NodeNotExists)?;
		ensure!(
			!T::Grid::node_power(node_id).is_standby_phase(),
			Error::<T>::NodeNotAvailableToDeploy
		);
		let farm = T::Grid::farm(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		match ActiveRentContractForNode::<T>::get(node_id) {
			Some(rent_id) => {
				let rent = Contracts::<T>::get(rent_id).ok_or(Error::<T>::ContractNotExists)?;
				ensure!(rent.twin_id == twin_id, Error::<T>::NodeNotAvailableToDeploy);
			},
			None => ensure!(
				!Self::is_dedicated(node_id, farm.dedicated_farm),
				Error::<T>::NodeNotAvailableToDeploy
			),
		}
		Self::ensure_hash_free(node_id, &deployment_hash, None)?;

		let contract_id = ContractID::<T>::get().saturating_add(1);
		let reserved = if public_ips > 0 {
			T::Grid::reserve_public_ips(node.farm_id, contract_id, public_ips).map_err(
				|e| match e {
					IpReservationError::FarmNotExists => Error::<T>::FarmNotExists,
					IpReservationError::NotEnoughPublicIps => Error::<T>::FarmHasNotEnoughPublicIPs,
					IpReservationError::NotEnoughFreePublicIps => {
						Error::<T>::FarmHasNotEnoughPublicIPsFree
					},
				},
			)?
		} else {
			Vec::new()
		};
		let public_ips_list: ContractPublicIps =
			reserved.try_into().map_err(|_| Error::<T>::FarmHasNotEnoughPublicIPs)?;
		let data = ContractData::NodeContract(NodeContract {
			node_id,
			deployment_hash,
			deployment_data,
			public_ips,
			public_ips_list: public_ips_list.clone(),
		});
		let contract = Self::store_new_contract(contract_id, twin_id, data, solution_provider_id)?;

		ActiveNodeContracts::<T>::try_mutate(node_id, |ids| ids.try_push(contract_id))
			.map_err(|_| Error::<T>::TooManyNodeContracts)?;
		ContractIDByNodeIDAndHash::<T>::insert(node_id, deployment_hash, contract_id);
		ContractBillingInformationByID::<T>::insert(
			contract_id,
			ContractBillingInformation { last_updated: Self::now_secs(), ..Default::default() },
		);
		if !public_ips_list.is_empty() {
			Self::deposit_event(Event::IPsReserved { contract_id, public_ips: public_ips_list });
		}
		Self::deposit_event(Event::ContractCreated(contract));
		Ok(())
	}

	/// Fails if a live contract other than `except` uses `hash` on `node_id`.
	fn ensure_hash_free(node_id: u32, hash: &HexHash, except: Option<u64>) -> DispatchResult {
		let existing = ContractIDByNodeIDAndHash::<T>::get(node_id, hash);
		if existing != 0 && Some(existing) != except {
			ensure!(!Contracts::<T>::contains_key(existing), Error::<T>::ContractIsNotUnique);
		}
		Ok(())
	}

	pub(crate) fn do_create_rent_contract(
		who: &T::AccountId,
		node_id: u32,
		solution_provider_id: Option<u64>,
	) -> DispatchResult {
		ensure!(
			!ActiveRentContractForNode::<T>::contains_key(node_id),
			Error::<T>::NodeHasRentContract
		);
		let node = T::Grid::node(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let farm = T::Grid::farm(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		ensure!(
			farm.dedicated_farm || ActiveNodeContracts::<T>::get(node_id).is_empty(),
			Error::<T>::NodeNotAvailableToDeploy
		);
		let twin_id = Self::caller_twin(who)?;
		let contract_id = ContractID::<T>::get().saturating_add(1);
		let data = ContractData::RentContract(RentContract { node_id });
		let contract = Self::store_new_contract(contract_id, twin_id, data, solution_provider_id)?;
		ActiveRentContractForNode::<T>::insert(node_id, contract_id);
		Self::deposit_event(Event::ContractCreated(contract));
		Ok(())
	}

	pub(crate) fn do_create_name_contract(who: &T::AccountId, name: Vec<u8>) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let name = Self::validate_name(name)?;
		ensure!(!ContractIDByNameRegistration::<T>::contains_key(&name), Error::<T>::NameExists);
		let contract_id = ContractID::<T>::get().saturating_add(1);
		let data = ContractData::NameContract(NameContract { name: name.clone() });
		let contract = Self::store_new_contract(contract_id, twin_id, data, None)?;
		ContractIDByNameRegistration::<T>::insert(name, contract_id);
		Self::deposit_event(Event::ContractCreated(contract));
		Ok(())
	}

	/// A name contract name: 3 to 64 characters of `[a-z0-9_-]`.
	pub fn validate_name(name: Vec<u8>) -> Result<NameContractName, DispatchError> {
		ensure!(name.len() >= MIN_NAME_LENGTH as usize, Error::<T>::NameContractNameTooShort);
		let name: NameContractName =
			name.try_into().map_err(|_| Error::<T>::NameContractNameTooLong)?;
		ensure!(
			name.iter()
				.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_'),
			Error::<T>::NameNotValid
		);
		Ok(name)
	}

	/// Stores a new contract with its payment state and puts it in its billing slot.
	fn store_new_contract(
		contract_id: u64,
		twin_id: u32,
		contract_type: ContractData,
		solution_provider_id: Option<u64>,
	) -> Result<Contract, DispatchError> {
		if let Some(id) = solution_provider_id {
			Self::ensure_approved_solution_provider(id)?;
		}
		let slot = contract_id % BillingFrequency::<T>::get().max(1);
		ContractsToBillAt::<T>::try_mutate(slot, |ids| ids.try_push(contract_id))
			.map_err(|_| Error::<T>::BillingSlotFull)?;
		let contract = Contract {
			version: CONTRACT_VERSION,
			state: ContractState::Created,
			contract_id,
			twin_id,
			contract_type,
			solution_provider_id,
		};
		let now = Self::now_secs();
		Contracts::<T>::insert(contract_id, &contract);
		ContractID::<T>::put(contract_id);
		ContractPaymentState::<T>::insert(
			contract_id,
			types::ContractPaymentState { last_updated_seconds: now, ..Default::default() },
		);
		ContractLock::<T>::insert(
			contract_id,
			types::ContractLock { lock_updated: now, ..Default::default() },
		);
		Ok(contract)
	}

	pub(crate) fn do_update_node_contract(
		who: &T::AccountId,
		contract_id: u64,
		deployment_hash: HexHash,
		deployment_data: DeploymentData,
	) -> DispatchResult {
		let mut contract = Contracts::<T>::get(contract_id).ok_or(Error::<T>::ContractNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(contract.twin_id == twin_id, Error::<T>::TwinNotAuthorizedToUpdateContract);
		match contract.state {
			ContractState::GracePeriod(_) => {
				return Err(Error::<T>::CannotUpdateContractInGraceState.into())
			},
			ContractState::Deleted(_) => return Err(Error::<T>::ContractIsDeleted.into()),
			ContractState::Created => {},
		}
		let ContractData::NodeContract(ref mut node_contract) = contract.contract_type else {
			return Err(Error::<T>::InvalidContractType.into());
		};
		let node_id = node_contract.node_id;
		Self::ensure_hash_free(node_id, &deployment_hash, Some(contract_id))?;
		ContractIDByNodeIDAndHash::<T>::remove(node_id, node_contract.deployment_hash);
		ContractIDByNodeIDAndHash::<T>::insert(node_id, deployment_hash, contract_id);
		node_contract.deployment_hash = deployment_hash;
		node_contract.deployment_data = deployment_data;
		Contracts::<T>::insert(contract_id, &contract);
		Self::deposit_event(Event::ContractUpdated(contract));
		Ok(())
	}

	pub(crate) fn do_cancel_contract_by_owner(
		who: &T::AccountId,
		contract_id: u64,
	) -> DispatchResultWithPostInfo {
		let contract = Contracts::<T>::get(contract_id).ok_or(Error::<T>::ContractNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(contract.twin_id == twin_id, Error::<T>::TwinNotAuthorizedToCancelContract);
		Self::cancel_loaded_contract(contract, Cause::CanceledByUser)
	}

	/// Ends a contract for the council or the DAO (see [`Self::cancel_loaded_contract`]).
	pub(crate) fn do_cancel_contract_collective(contract_id: u64) -> DispatchResultWithPostInfo {
		let contract = Contracts::<T>::get(contract_id).ok_or(Error::<T>::ContractNotExists)?;
		Self::cancel_loaded_contract(contract, Cause::CanceledByCollective)
	}

	/// Ends a contract: bills it up to now, collects and distributes what it owes, removes it.
	/// A rent contract whose node runs node contracts is refused.
	fn cancel_loaded_contract(contract: Contract, cause: Cause) -> DispatchResultWithPostInfo {
		if let ContractData::RentContract(rent) = &contract.contract_type {
			ensure!(
				ActiveNodeContracts::<T>::get(rent.node_id).is_empty(),
				Error::<T>::NodeHasActiveContracts
			);
		}
		let weight = Self::end_contract(contract, cause);
		Ok(Some(weight).into())
	}

	/// Removes an ended contract and everything that points at it. A rent contract ends the
	/// node contracts on its node first (each billed and settled). Returns the weight used.
	pub(crate) fn remove_contract(contract: &Contract, cause: Cause) -> Weight {
		let mut weight = Weight::zero();
		let contract_id = contract.contract_id;
		match &contract.contract_type {
			ContractData::NodeContract(node_contract) => {
				Self::release_ips(contract_id, node_contract);
				ActiveNodeContracts::<T>::mutate(node_contract.node_id, |ids| {
					ids.retain(|id| *id != contract_id)
				});
				if ContractIDByNodeIDAndHash::<T>::get(
					node_contract.node_id,
					node_contract.deployment_hash,
				) == contract_id
				{
					ContractIDByNodeIDAndHash::<T>::remove(
						node_contract.node_id,
						node_contract.deployment_hash,
					);
				}
				NodeContractResources::<T>::remove(contract_id);
				ContractBillingInformationByID::<T>::remove(contract_id);
				Self::deposit_event(Event::NodeContractCanceled {
					contract_id,
					node_id: node_contract.node_id,
					twin_id: contract.twin_id,
				});
			},
			ContractData::NameContract(name_contract) => {
				ContractIDByNameRegistration::<T>::remove(&name_contract.name);
				Self::deposit_event(Event::NameContractCanceled { contract_id });
			},
			ContractData::RentContract(rent) => {
				for id in ActiveNodeContracts::<T>::get(rent.node_id) {
					if let Some(node_contract) = Contracts::<T>::get(id) {
						weight.saturating_accrue(Self::end_contract(node_contract, cause));
					}
				}
				ActiveRentContractForNode::<T>::remove(rent.node_id);
				Self::deposit_event(Event::RentContractCanceled { contract_id });
			},
		}
		Contracts::<T>::remove(contract_id);
		ContractLock::<T>::remove(contract_id);
		ContractPaymentState::<T>::remove(contract_id);
		weight
	}

	/// Gives a node contract's public IPs back to its farm.
	fn release_ips(contract_id: u64, node_contract: &NodeContract) {
		if node_contract.public_ips_list.is_empty() {
			return;
		}
		let farm_id = T::Grid::node(node_contract.node_id).map(|node| node.farm_id);
		let freed = match farm_id {
			Some(farm_id) => T::Grid::release_public_ips(farm_id, contract_id),
			None => Vec::new(),
		};
		let public_ips = if freed.is_empty() {
			node_contract.public_ips_list.clone()
		} else {
			BoundedVec::truncate_from(freed)
		};
		Self::deposit_event(Event::IPsFreed { contract_id, public_ips });
	}

	pub(crate) fn do_set_dedicated_node_extra_fee(
		who: &T::AccountId,
		node_id: u32,
		extra_fee: u64,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let node = T::Grid::node(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let farm = T::Grid::farm(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		ensure!(farm.twin_id == twin_id, Error::<T>::UnauthorizedToSetExtraFee);
		ensure!(
			ActiveNodeContracts::<T>::get(node_id).is_empty()
				&& !ActiveRentContractForNode::<T>::contains_key(node_id),
			Error::<T>::NodeHasActiveContracts
		);
		DedicatedNodesExtraFee::<T>::insert(node_id, extra_fee);
		Self::deposit_event(Event::NodeExtraFeeSet { node_id, extra_fee });
		Ok(())
	}

	pub(crate) fn do_change_billing_frequency(frequency: u64) -> DispatchResult {
		ensure!(frequency > BillingFrequency::<T>::get(), Error::<T>::CanOnlyIncreaseFrequency);
		BillingFrequency::<T>::put(frequency);
		// The cursor's block now maps to another slot: start that slot from its beginning.
		BillingCursor::<T>::mutate(|cursor| {
			if let Some(cursor) = cursor {
				cursor.position = 0;
			}
		});
		Self::deposit_event(Event::BillingFrequencyChanged(frequency));
		Ok(())
	}
}
