//! Terms and conditions, twins, savings-account bonds and entities.

use crate::{types::*, validation::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use tfchain_primitives::grid::{CityName, CountryName};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_user_accept_tc(
		who: &T::AccountId,
		document_link: DocumentLink,
		document_hash: DocumentHash,
	) -> DispatchResult {
		validate_terms_and_conditions::<T>(&document_link, &document_hash)?;
		let mut accepted = UsersTermsAndConditions::<T>::get(who).unwrap_or_default();
		let already = accepted
			.iter()
			.any(|tc| tc.document_link == document_link && tc.document_hash == document_hash);
		if already {
			return Ok(());
		}
		accepted
			.try_push(TermsAndConditions {
				account_id: who.clone(),
				timestamp: Self::now_secs(),
				document_link,
				document_hash,
			})
			.map_err(|_| Error::<T>::TooManyTermsAndConditions)?;
		UsersTermsAndConditions::<T>::insert(who, accepted);
		Ok(())
	}

	pub(crate) fn do_create_twin(
		who: &T::AccountId,
		relay: Option<Relay>,
		pk: Option<TwinPk>,
	) -> DispatchResult {
		ensure!(
			UsersTermsAndConditions::<T>::contains_key(who),
			Error::<T>::UserDidNotSignTermsAndConditions
		);
		ensure!(!TwinIdByAccountID::<T>::contains_key(who), Error::<T>::TwinWithPubkeyExists);
		if let Some(relay) = &relay {
			validate_relay::<T>(relay)?;
		}
		let id = TwinID::<T>::get().checked_add(1).ok_or(Error::<T>::StorageOverflow)?;
		let twin = Twin { id, account_id: who.clone(), relay, entities: BoundedVec::new(), pk };
		Twins::<T>::insert(id, &twin);
		TwinIdByAccountID::<T>::insert(who, id);
		TwinID::<T>::put(id);
		Self::deposit_event(Event::TwinStored(twin));
		Ok(())
	}

	pub(crate) fn do_update_twin(
		who: &T::AccountId,
		relay: Option<Relay>,
		pk: Option<TwinPk>,
	) -> DispatchResult {
		let twin_id = TwinIdByAccountID::<T>::get(who).ok_or(Error::<T>::TwinNotExists)?;
		let mut twin = Twins::<T>::get(twin_id).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(twin.account_id == *who, Error::<T>::UnauthorizedToUpdateTwin);
		if let Some(relay) = &relay {
			validate_relay::<T>(relay)?;
		}
		twin.relay = relay;
		twin.pk = pk;
		Twins::<T>::insert(twin_id, &twin);
		Self::deposit_event(Event::TwinUpdated(twin));
		Ok(())
	}

	pub(crate) fn do_bond_twin_account(who: &T::AccountId, twin_id: u32) -> DispatchResult {
		let twin = Twins::<T>::get(twin_id).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(twin.account_id != *who, Error::<T>::TwinCannotBoundToItself);
		if let Some(bonded) = TwinBoundedAccountID::<T>::get(twin_id) {
			ensure!(bonded == *who, Error::<T>::TwinAlreadyBonded);
		}
		TwinBoundedAccountID::<T>::insert(twin_id, who);
		Self::deposit_event(Event::TwinAccountBounded(twin_id, who.clone()));
		Ok(())
	}

	pub(crate) fn do_unbond_twin_account(who: &T::AccountId) -> DispatchResult {
		let twin_id = TwinIdByAccountID::<T>::get(who).ok_or(Error::<T>::TwinNotExists)?;
		let bonded = TwinBoundedAccountID::<T>::take(twin_id).ok_or(Error::<T>::TwinNotBonded)?;
		Self::deposit_event(Event::TwinAccountUnbounded(twin_id, bonded));
		Ok(())
	}

	pub(crate) fn do_create_entity(
		target: T::AccountId,
		name: Vec<u8>,
		country: CountryName,
		city: CityName,
		signature: Vec<u8>,
	) -> DispatchResult {
		let name: EntityName = name.try_into().map_err(|_| Error::<T>::EntityNameTooLong)?;
		ensure!(!EntityIdByName::<T>::contains_key(&name), Error::<T>::EntityWithNameExists);
		ensure!(
			!EntityIdByAccountID::<T>::contains_key(&target),
			Error::<T>::EntityWithPubkeyExists
		);
		let signature = decode_signature_hex::<T>(&signature)?;
		let message = [name.as_slice(), country.as_slice(), city.as_slice()].concat();
		ensure!(
			verify_signature(&target, &message, &signature),
			Error::<T>::EntitySignatureDoesNotMatch
		);
		validate_country_city::<T>(&country, &city)?;

		let id = EntityID::<T>::get().checked_add(1).ok_or(Error::<T>::StorageOverflow)?;
		let entity = Entity {
			version: TFGRID_ENTITY_VERSION,
			id,
			name: name.clone(),
			account_id: target.clone(),
			country,
			city,
		};
		Entities::<T>::insert(id, &entity);
		EntityIdByName::<T>::insert(name, id);
		EntityIdByAccountID::<T>::insert(target, id);
		EntityID::<T>::put(id);
		Self::deposit_event(Event::EntityStored(entity));
		Ok(())
	}

	pub(crate) fn do_update_entity(
		who: &T::AccountId,
		name: Vec<u8>,
		country: CountryName,
		city: CityName,
	) -> DispatchResult {
		let name: EntityName = name.try_into().map_err(|_| Error::<T>::EntityNameTooLong)?;
		let id = EntityIdByAccountID::<T>::get(who).ok_or(Error::<T>::EntityNotExists)?;
		let mut entity = Entities::<T>::get(id).ok_or(Error::<T>::EntityNotExists)?;
		ensure!(entity.account_id == *who, Error::<T>::CannotUpdateEntity);
		let holder = EntityIdByName::<T>::get(&name);
		ensure!(holder == 0 || holder == id, Error::<T>::EntityWithNameExists);
		validate_country_city::<T>(&country, &city)?;

		EntityIdByName::<T>::remove(&entity.name);
		EntityIdByName::<T>::insert(&name, id);
		entity.name = name;
		entity.country = country;
		entity.city = city;
		Entities::<T>::insert(id, &entity);
		Self::deposit_event(Event::EntityUpdated(entity));
		Ok(())
	}

	pub(crate) fn do_delete_entity(who: &T::AccountId) -> DispatchResult {
		let id = EntityIdByAccountID::<T>::get(who).ok_or(Error::<T>::EntityNotExists)?;
		let entity = Entities::<T>::get(id).ok_or(Error::<T>::EntityNotExists)?;
		ensure!(entity.account_id == *who, Error::<T>::CannotDeleteEntity);
		EntityIdByName::<T>::remove(&entity.name);
		EntityIdByAccountID::<T>::remove(who);
		Entities::<T>::remove(id);
		Self::deposit_event(Event::EntityDeleted(id));
		Ok(())
	}

	pub(crate) fn do_add_twin_entity(
		who: &T::AccountId,
		twin_id: u32,
		entity_id: u32,
		signature: Vec<u8>,
	) -> DispatchResult {
		let entity = Entities::<T>::get(entity_id).ok_or(Error::<T>::EntityNotExists)?;
		let mut twin = Twins::<T>::get(twin_id).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(twin.account_id == *who, Error::<T>::UnauthorizedToUpdateTwin);
		let stored: SignatureHex =
			signature.clone().try_into().map_err(|_| Error::<T>::SignatureLengthIsIncorrect)?;
		let proof = EntityProof { entity_id, signature: stored };
		ensure!(!twin.entities.contains(&proof), Error::<T>::EntityWithSignatureAlreadyExists);
		let raw = decode_signature_hex::<T>(&signature)?;
		let message = [entity_id.to_be_bytes(), twin_id.to_be_bytes()].concat();
		ensure!(
			verify_signature(&entity.account_id, &message, &raw),
			Error::<T>::EntitySignatureDoesNotMatch
		);
		twin.entities.try_push(proof).map_err(|_| Error::<T>::TooManyTwinEntities)?;
		Twins::<T>::insert(twin_id, &twin);
		Self::deposit_event(Event::TwinEntityStored(twin_id, entity_id, signature));
		Ok(())
	}

	pub(crate) fn do_delete_twin_entity(
		who: &T::AccountId,
		twin_id: u32,
		entity_id: u32,
	) -> DispatchResult {
		let mut twin = Twins::<T>::get(twin_id).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(twin.account_id == *who, Error::<T>::UnauthorizedToUpdateTwin);
		let index = twin
			.entities
			.iter()
			.position(|proof| proof.entity_id == entity_id)
			.ok_or(Error::<T>::EntityNotExists)?;
		twin.entities.remove(index);
		Twins::<T>::insert(twin_id, &twin);
		Self::deposit_event(Event::TwinEntityRemoved(twin_id, entity_id));
		Ok(())
	}
}
