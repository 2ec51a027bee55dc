//! Farms and their public IPs.

use crate::{types::*, validation::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use tfchain_primitives::grid::{
	Farm, FarmCertification, FarmName, Gw4, Ip4Cidr, PublicIP, IP4, MAX_FARM_PUBLIC_IPS,
};
use tfchain_primitives::traits::PublicIpModifier;

impl<T: Config> Pallet<T> {
	/// The twin of `who`, or `TwinNotExists`.
	pub(crate) fn caller_twin(who: &T::AccountId) -> Result<u32, Error<T>> {
		TwinIdByAccountID::<T>::get(who).ok_or(Error::<T>::TwinNotExists)
	}

	/// Farm `farm_id` if `who` owns it through its twin.
	fn farm_of_farmer(who: &T::AccountId, farm_id: u32) -> Result<Farm, Error<T>> {
		let twin_id = Self::caller_twin(who)?;
		let farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		ensure!(farm.twin_id == twin_id, Error::<T>::CannotUpdateFarmWrongTwin);
		Ok(farm)
	}

	/// Stores a changed farm and emits `FarmUpdated`.
	pub(crate) fn store_farm_update(farm: Farm) {
		Farms::<T>::insert(farm.id, &farm);
		Self::deposit_event(Event::FarmUpdated(farm));
	}

	pub(crate) fn do_create_farm(
		who: &T::AccountId,
		name: FarmName,
		public_ips: BoundedVec<IP4, ConstU32<MAX_FARM_PUBLIC_IPS>>,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		ensure!(!FarmIdByName::<T>::contains_key(&name), Error::<T>::FarmExists);
		validate_farm_name::<T>(&name)?;

		let mut ips: BoundedVec<PublicIP, ConstU32<MAX_FARM_PUBLIC_IPS>> = BoundedVec::new();
		for ip in public_ips {
			ip.validate().map_err(farm_ip_error::<T>)?;
			ensure!(!ips.iter().any(|known| known.ip == ip.ip), Error::<T>::IpExists);
			ips.try_push(PublicIP { ip: ip.ip, gateway: ip.gw, contract_id: 0 })
				.map_err(|_| Error::<T>::InvalidPublicIP)?;
		}

		let id = FarmID::<T>::get().checked_add(1).ok_or(Error::<T>::StorageOverflow)?;
		let farm = Farm {
			version: TFGRID_FARM_VERSION,
			id,
			name: name.clone(),
			twin_id,
			pricing_policy_id: 1,
			certification: FarmCertification::NotCertified,
			public_ips: ips,
			dedicated_farm: false,
			farming_policy_limits: None,
		};
		Farms::<T>::insert(id, &farm);
		FarmIdByName::<T>::insert(name, id);
		FarmID::<T>::put(id);
		Self::deposit_event(Event::FarmStored(farm));
		Ok(())
	}

	pub(crate) fn do_update_farm(
		who: &T::AccountId,
		farm_id: u32,
		name: FarmName,
	) -> DispatchResult {
		let mut farm = Self::farm_of_farmer(who, farm_id)?;
		validate_farm_name::<T>(&name)?;
		match FarmIdByName::<T>::get(&name) {
			id if id == farm_id => return Ok(()),
			0 => {},
			_ => return Err(Error::<T>::InvalidFarmName.into()),
		}
		FarmIdByName::<T>::remove(&farm.name);
		FarmIdByName::<T>::insert(&name, farm_id);
		farm.name = name;
		Self::store_farm_update(farm);
		Ok(())
	}

	pub(crate) fn do_add_stellar_payout_v2address(
		who: &T::AccountId,
		farm_id: u32,
		stellar_address: Vec<u8>,
	) -> DispatchResult {
		Self::farm_of_farmer(who, farm_id)?;
		validate_stellar_address::<T>(&stellar_address)?;
		let stored: StellarAddress =
			stellar_address.clone().try_into().map_err(|_| Error::<T>::InvalidStellarAddress)?;
		FarmPayoutV2AddressByFarmID::<T>::insert(farm_id, stored);
		Self::deposit_event(Event::FarmPayoutV2AddressRegistered(farm_id, stellar_address));
		Ok(())
	}

	pub(crate) fn do_set_farm_certification(
		farm_id: u32,
		certification: FarmCertification,
	) -> DispatchResult {
		let mut farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		farm.certification = certification;
		Farms::<T>::insert(farm_id, &farm);
		Self::deposit_event(Event::FarmCertificationSet(farm_id, certification));
		Ok(())
	}

	pub(crate) fn do_add_farm_ip(
		who: &T::AccountId,
		farm_id: u32,
		ip: Ip4Cidr,
		gw: Gw4,
	) -> DispatchResult {
		let mut farm = Self::farm_of_farmer(who, farm_id)?;
		IP4 { ip: ip.clone(), gw: gw.clone() }.validate().map_err(farm_ip_error::<T>)?;
		ensure!(!farm.public_ips.iter().any(|known| known.ip == ip), Error::<T>::IpExists);
		farm.public_ips
			.try_push(PublicIP { ip, gateway: gw, contract_id: 0 })
			.map_err(|_| Error::<T>::InvalidPublicIP)?;
		Self::store_farm_update(farm);
		Ok(())
	}

	pub(crate) fn do_remove_farm_ip(
		who: &T::AccountId,
		farm_id: u32,
		ip: Ip4Cidr,
	) -> DispatchResult {
		let mut farm = Self::farm_of_farmer(who, farm_id)?;
		let index = farm
			.public_ips
			.iter()
			.position(|known| known.ip == ip && known.contract_id == 0)
			.ok_or(Error::<T>::IpNotExists)?;
		farm.public_ips.remove(index);
		Self::store_farm_update(farm);
		Ok(())
	}

	pub(crate) fn do_set_farm_dedicated(farm_id: u32, dedicated: bool) -> DispatchResult {
		let mut farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		farm.dedicated_farm = dedicated;
		Self::store_farm_update(farm);
		Ok(())
	}

	pub(crate) fn do_force_reset_farm_ip(farm_id: u32, ip: Ip4Cidr) -> DispatchResult {
		let mut farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		let entry = farm
			.public_ips
			.iter_mut()
			.find(|known| known.ip == ip)
			.ok_or(Error::<T>::IpNotExists)?;
		let before = entry.clone();
		entry.contract_id = 0;
		Self::store_farm_update(farm);
		if before.contract_id != 0 {
			T::PublicIpModifier::ip_removed(&before);
		}
		Ok(())
	}
}
