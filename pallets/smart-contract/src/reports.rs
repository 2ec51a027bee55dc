//! What nodes report about their contracts: used resources and network usage.

use crate::{cost, types::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use tfchain_primitives::traits::{GridUsageObserver, Tfgrid};

impl<T: Config> Pallet<T> {
	/// The node of the caller's twin.
	fn caller_node(who: &T::AccountId) -> Result<u32, DispatchError> {
		let twin_id = Self::caller_twin(who)?;
		T::Grid::node_id_of_twin(twin_id).ok_or_else(|| Error::<T>::NodeNotExists.into())
	}

	/// Whether node contract `contract_id` exists; fails if it is another kind of contract or
	/// runs on another node than `node_id`.
	fn reported_contract_exists(contract_id: u64, node_id: u32) -> Result<bool, DispatchError> {
		let Some(contract) = Contracts::<T>::get(contract_id) else { return Ok(false) };
		let ContractData::NodeContract(node_contract) = &contract.contract_type else {
			return Err(Error::<T>::InvalidContractType.into());
		};
		ensure!(node_contract.node_id == node_id, Error::<T>::NodeNotAuthorizedToComputeReport);
		Ok(true)
	}

	pub(crate) fn do_report_contract_resources(
		who: &T::AccountId,
		reports: Vec<ContractResources>,
	) -> DispatchResult {
		ensure!(reports.len() as u32 <= T::MaxReportsPerCall::get(), Error::<T>::TooManyReports);
		let node_id = Self::caller_node(who)?;
		for report in reports {
			if !Self::reported_contract_exists(report.contract_id, node_id)? {
				continue;
			}
			NodeContractResources::<T>::insert(report.contract_id, &report);
			Self::deposit_event(Event::UpdatedUsedResources(report));
		}
		Ok(())
	}

	/// Accepts each report whose window ends after the contract's last accepted report and not
	/// in the future, so a window is billed once; older or repeated reports are skipped.
	pub(crate) fn do_add_nru_reports(
		who: &T::AccountId,
		reports: Vec<NruConsumption>,
	) -> DispatchResult {
		ensure!(reports.len() as u32 <= T::MaxReportsPerCall::get(), Error::<T>::TooManyReports);
		let node_id = Self::caller_node(who)?;
		let node = T::Grid::node(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let farm = T::Grid::farm(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		let prices = T::Grid::pricing(farm.pricing_policy_id)
			.or_else(|| T::Grid::pricing(1))
			.ok_or(Error::<T>::PricingPolicyNotExists)?;
		let now = Self::now_secs();
		let mut accepted_bytes = 0u64;
		for report in reports {
			if !Self::reported_contract_exists(report.contract_id, node_id)? {
				continue;
			}
			let Ok(mut info) = ContractBillingInformationByID::<T>::try_get(report.contract_id)
			else {
				continue;
			};
			if report.timestamp <= info.last_updated || report.timestamp > now {
				continue;
			}
			let usd = cost::network_cost(&prices, report.nru);
			info.amount_unbilled =
				info.amount_unbilled.saturating_add(usd.min(u64::MAX as u128) as u64);
			info.last_updated = report.timestamp;
			ContractBillingInformationByID::<T>::insert(report.contract_id, info);
			accepted_bytes = accepted_bytes.saturating_add(report.nru);
			Self::deposit_event(Event::NruConsumptionReportReceived(report));
		}
		if accepted_bytes > 0 {
			T::UsageObserver::network_used(node_id, accepted_bytes);
		}
		Ok(())
	}
}
