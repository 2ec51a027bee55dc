//! Solution providers: front ends and services that earn a take of the contracts they bring.

use crate::{types::*, *};
use alloc::vec::Vec;
use frame::prelude::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_solution_provider(
		description: Vec<u8>,
		link: Vec<u8>,
		providers: Vec<Provider<T::AccountId>>,
	) -> DispatchResult {
		let total_take: u32 = providers.iter().map(|p| p.take as u32).sum();
		ensure!(total_take <= MAX_SOLUTION_PROVIDER_TAKE, Error::<T>::InvalidProviderConfiguration);
		let providers: BoundedVec<_, _> =
			providers.try_into().map_err(|_| Error::<T>::TooManyProviders)?;
		let description: SolutionProviderText =
			description.try_into().map_err(|_| Error::<T>::SolutionProviderTextTooLong)?;
		let link: SolutionProviderText =
			link.try_into().map_err(|_| Error::<T>::SolutionProviderTextTooLong)?;
		let id = SolutionProviderID::<T>::get().saturating_add(1);
		let provider = SolutionProvider {
			solution_provider_id: id,
			providers,
			description,
			link,
			approved: false,
		};
		SolutionProviders::<T>::insert(id, &provider);
		SolutionProviderID::<T>::put(id);
		Self::deposit_event(Event::SolutionProviderCreated(provider));
		Ok(())
	}

	pub(crate) fn do_approve_solution_provider(id: u64, approve: bool) -> DispatchResult {
		SolutionProviders::<T>::try_mutate(id, |provider| -> DispatchResult {
			let provider = provider.as_mut().ok_or(Error::<T>::NoSuchSolutionProvider)?;
			provider.approved = approve;
			Ok(())
		})?;
		Self::deposit_event(Event::SolutionProviderApproved(id, approve));
		Ok(())
	}

	/// Fails unless solution provider `id` exists and is approved.
	pub(crate) fn ensure_approved_solution_provider(id: u64) -> DispatchResult {
		let provider = SolutionProviders::<T>::get(id).ok_or(Error::<T>::NoSuchSolutionProvider)?;
		ensure!(provider.approved, Error::<T>::SolutionProviderNotApproved);
		Ok(())
	}

	pub(crate) fn do_attach_solution_provider_id(
		who: &T::AccountId,
		contract_id: u64,
		solution_provider_id: u64,
	) -> DispatchResult {
		Self::ensure_approved_solution_provider(solution_provider_id)?;
		let mut contract = Contracts::<T>::get(contract_id).ok_or(Error::<T>::ContractNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(
			contract.twin_id == twin_id && contract.solution_provider_id.is_none(),
			Error::<T>::UnauthorizedToChangeSolutionProviderId
		);
		contract.solution_provider_id = Some(solution_provider_id);
		Contracts::<T>::insert(contract_id, &contract);
		Self::deposit_event(Event::ContractUpdated(contract));
		Ok(())
	}
}
