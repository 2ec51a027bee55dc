//! Service contracts (TFChain ADR 0003): an agreement between a service twin and a consumer
//! twin. Either side creates it; both set the metadata, the service sets its fees (mUSD per
//! hour: a base fee and a ceiling for the variable part); once metadata and a base fee are set
//! the agreement is ready and each side approves it. When both have approved, the service bills
//! the consumer directly (at most one hour per bill), and the TFT is transferred from the
//! consumer's account to the service's. Either side may cancel at any time; a ready agreement
//! may be rejected. Service contracts are not billed by the chain's billing engine.

use crate::{cost, types::*, *};
use alloc::vec::Vec;
use frame::{
	prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
	},
};
use tfchain_primitives::traits::{Tfgrid, TftPriceProvider};

/// Units USD (10^-7 USD) in one mUSD.
const UNITS_USD_PER_MUSD: u128 = 10_000;
/// Longest time (seconds) one bill covers: TFChain's `BillingReferencePeriod`, one hour.
const MAX_BILL_WINDOW: u64 = 3600;

impl<T: Config> Pallet<T> {
	/// Service contract `id`, or `ServiceContractNotExists`.
	fn service_contract(id: u64) -> Result<ServiceContract, DispatchError> {
		ServiceContracts::<T>::get(id).ok_or_else(|| Error::<T>::ServiceContractNotExists.into())
	}

	/// Whether `twin_id` is the service or the consumer of `contract`.
	fn is_service_contract_party(contract: &ServiceContract, twin_id: u32) -> bool {
		twin_id == contract.service_twin_id || twin_id == contract.consumer_twin_id
	}

	/// Creates a service contract between the twins of `service_account` and
	/// `consumer_account`. The caller must be one of them and the two twins must differ. The
	/// contract starts in `Created` with no fees and no metadata. Emits
	/// `ServiceContractCreated`.
	pub(crate) fn do_service_contract_create(
		who: &T::AccountId,
		service_account: T::AccountId,
		consumer_account: T::AccountId,
	) -> DispatchResult {
		let caller_twin_id = Self::caller_twin(who)?;
		let service_twin_id =
			T::Grid::twin_id_of(&service_account).ok_or(Error::<T>::TwinNotExists)?;
		let consumer_twin_id =
			T::Grid::twin_id_of(&consumer_account).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(
			caller_twin_id == service_twin_id || caller_twin_id == consumer_twin_id,
			Error::<T>::TwinNotAuthorized
		);
		ensure!(service_twin_id != consumer_twin_id, Error::<T>::ServiceContractCreationNotAllowed);

		let id = ServiceContractID::<T>::get().saturating_add(1);
		let contract = ServiceContract {
			service_contract_id: id,
			service_twin_id,
			consumer_twin_id,
			base_fee: 0,
			variable_fee: 0,
			metadata: ServiceMetadata::default(),
			accepted_by_service: false,
			accepted_by_consumer: false,
			last_bill: 0,
			state: ServiceContractState::Created,
		};
		ServiceContracts::<T>::insert(id, &contract);
		ServiceContractID::<T>::put(id);
		Self::deposit_event(Event::ServiceContractCreated(contract));
		Ok(())
	}

	/// The service or the consumer sets the metadata (at most 64 bytes) of a contract not yet
	/// approved by both. With a base fee already set the agreement becomes `AgreementReady`
	/// (approvals given so far are kept, as in TFChain). Emits `ServiceContractMetadataSet`.
	pub(crate) fn do_service_contract_set_metadata(
		who: &T::AccountId,
		service_contract_id: u64,
		metadata: Vec<u8>,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let mut contract = Self::service_contract(service_contract_id)?;
		ensure!(Self::is_service_contract_party(&contract, twin_id), Error::<T>::TwinNotAuthorized);
		ensure!(
			contract.state != ServiceContractState::ApprovedByBoth,
			Error::<T>::ServiceContractModificationNotAllowed
		);
		contract.metadata =
			metadata.try_into().map_err(|_| Error::<T>::ServiceContractMetadataTooLong)?;
		if contract.base_fee != 0 {
			contract.state = ServiceContractState::AgreementReady;
		}
		ServiceContracts::<T>::insert(service_contract_id, &contract);
		Self::deposit_event(Event::ServiceContractMetadataSet(contract));
		Ok(())
	}

	/// The service sets the base fee and the variable-fee ceiling (mUSD per hour) of a contract
	/// not yet approved by both. With metadata already set the agreement becomes
	/// `AgreementReady`. Emits `ServiceContractFeesSet`.
	pub(crate) fn do_service_contract_set_fees(
		who: &T::AccountId,
		service_contract_id: u64,
		base_fee: u64,
		variable_fee: u64,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let mut contract = Self::service_contract(service_contract_id)?;
		ensure!(twin_id == contract.service_twin_id, Error::<T>::TwinNotAuthorized);
		ensure!(
			contract.state != ServiceContractState::ApprovedByBoth,
			Error::<T>::ServiceContractModificationNotAllowed
		);
		contract.base_fee = base_fee;
		contract.variable_fee = variable_fee;
		if !contract.metadata.is_empty() {
			contract.state = ServiceContractState::AgreementReady;
		}
		ServiceContracts::<T>::insert(service_contract_id, &contract);
		Self::deposit_event(Event::ServiceContractFeesSet(contract));
		Ok(())
	}

	/// The service or the consumer approves an `AgreementReady` contract. Once both have
	/// approved it becomes `ApprovedByBoth` and billing time starts now. Emits
	/// `ServiceContractApproved` (after each approval).
	pub(crate) fn do_service_contract_approve(
		who: &T::AccountId,
		service_contract_id: u64,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let mut contract = Self::service_contract(service_contract_id)?;
		ensure!(
			contract.state == ServiceContractState::AgreementReady,
			Error::<T>::ServiceContractApprovalNotAllowed
		);
		if twin_id == contract.service_twin_id {
			contract.accepted_by_service = true;
		} else if twin_id == contract.consumer_twin_id {
			contract.accepted_by_consumer = true;
		} else {
			return Err(Error::<T>::TwinNotAuthorized.into());
		}
		if contract.accepted_by_service && contract.accepted_by_consumer {
			contract.state = ServiceContractState::ApprovedByBoth;
			contract.last_bill = Self::now_secs();
		}
		ServiceContracts::<T>::insert(service_contract_id, &contract);
		Self::deposit_event(Event::ServiceContractApproved(contract));
		Ok(())
	}

	/// The service or the consumer rejects an `AgreementReady` contract: it is removed. Emits
	/// `ServiceContractCanceled` (`CanceledByUser`).
	pub(crate) fn do_service_contract_reject(
		who: &T::AccountId,
		service_contract_id: u64,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let contract = Self::service_contract(service_contract_id)?;
		ensure!(Self::is_service_contract_party(&contract, twin_id), Error::<T>::TwinNotAuthorized);
		ensure!(
			contract.state == ServiceContractState::AgreementReady,
			Error::<T>::ServiceContractRejectionNotAllowed
		);
		Self::remove_service_contract(service_contract_id, Cause::CanceledByUser);
		Ok(())
	}

	/// The service or the consumer cancels a contract in any state: it is removed, without a
	/// final bill. Emits `ServiceContractCanceled` (`CanceledByUser`).
	pub(crate) fn do_service_contract_cancel(
		who: &T::AccountId,
		service_contract_id: u64,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let contract = Self::service_contract(service_contract_id)?;
		ensure!(Self::is_service_contract_party(&contract, twin_id), Error::<T>::TwinNotAuthorized);
		Self::remove_service_contract(service_contract_id, Cause::CanceledByUser);
		Ok(())
	}

	/// Removes service contract `id` and emits `ServiceContractCanceled`.
	fn remove_service_contract(id: u64, cause: Cause) {
		ServiceContracts::<T>::remove(id);
		Self::deposit_event(Event::ServiceContractCanceled { service_contract_id: id, cause });
	}

	/// The service bills the consumer of an `ApprovedByBoth` contract for the time since the
	/// last bill, capped at one hour (`window`; longer gaps are not billed), plus
	/// `variable_amount` mUSD, which may not exceed the variable fee for the window. Bill
	/// metadata is at most 50 bytes. The cost,
	/// `round(base_fee × window / 3600) + variable_amount` mUSD, is converted to TFT at the
	/// current price (no discount) and transferred from the consumer's account to the
	/// service's, keeping the consumer alive. Emits `ServiceContractBilled`.
	///
	/// If the consumer's spendable balance does not cover the bill, the call fails with
	/// `ServiceContractNotEnoughFundsToPayBill` and changes nothing: the contract stays, and
	/// `last_bill` is not moved. TFChain tried to cancel the contract here (`OutOfFunds`), but
	/// its transactional rollback undid the cancellation along with the error, so the contract
	/// survived there too; we do not cancel on purpose, and the service may cancel explicitly
	/// with `service_contract_cancel`.
	pub(crate) fn do_service_contract_bill(
		who: &T::AccountId,
		service_contract_id: u64,
		variable_amount: u64,
		metadata: Vec<u8>,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let mut contract = Self::service_contract(service_contract_id)?;
		ensure!(twin_id == contract.service_twin_id, Error::<T>::TwinNotAuthorized);
		ensure!(
			contract.state == ServiceContractState::ApprovedByBoth,
			Error::<T>::ServiceContractBillingNotApprovedByBoth
		);

		let now = Self::now_secs();
		let period = cost::BILLING_REFERENCE_PERIOD;
		// Seconds since the last bill, at most one hour: the service is expected to bill at
		// least hourly, and longer gaps are not billed.
		let window: u64 = now.saturating_sub(contract.last_bill).min(MAX_BILL_WINDOW);
		let max_variable =
			cost::div_round((window as u128).saturating_mul(contract.variable_fee as u128), period);
		ensure!(
			(variable_amount as u128) <= max_variable,
			Error::<T>::ServiceContractBillingVariableAmountTooHigh
		);
		let metadata: BillMetadata =
			metadata.try_into().map_err(|_| Error::<T>::ServiceContractBillMetadataTooLong)?;

		let base_cost = cost::div_round(
			(contract.base_fee as u128)
				.saturating_mul(UNITS_USD_PER_MUSD)
				.saturating_mul(window as u128),
			period,
		);
		let cost_usd =
			base_cost.saturating_add((variable_amount as u128).saturating_mul(UNITS_USD_PER_MUSD));
		let amount: BalanceOf<T> = cost::usd_to_tft(cost_usd, T::TftPrice::tft_price_musd());

		let consumer =
			T::Grid::twin_account(contract.consumer_twin_id).ok_or(Error::<T>::TwinNotExists)?;
		let service =
			T::Grid::twin_account(contract.service_twin_id).ok_or(Error::<T>::TwinNotExists)?;
		let spendable =
			T::Currency::reducible_balance(&consumer, Preservation::Preserve, Fortitude::Polite);
		ensure!(spendable >= amount, Error::<T>::ServiceContractNotEnoughFundsToPayBill);
		if amount > 0 {
			T::Currency::transfer(&consumer, &service, amount, Preservation::Preserve)
				.map_err(|_| Error::<T>::ServiceContractNotEnoughFundsToPayBill)?;
		}

		contract.last_bill = now;
		ServiceContracts::<T>::insert(service_contract_id, &contract);
		let bill = ServiceContractBill { variable_amount, window, metadata };
		Self::deposit_event(Event::ServiceContractBilled {
			service_contract: contract,
			bill,
			amount,
		});
		Ok(())
	}
}
