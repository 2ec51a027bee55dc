//! Pricing and farming policies, the farming-policy assignment of nodes, node certifiers and the
//! Zero-OS version.

use crate::{types::*, *};
use alloc::vec::Vec;
use frame::prelude::*;
use tfchain_primitives::grid::{Farm, FarmingPolicyLimit, Node};

impl<T: Config> Pallet<T> {
	/// Farming policy `id`, if it exists.
	pub(crate) fn farming_policy(id: u32) -> Option<FarmingPolicy<BlockNumberFor<T>>> {
		FarmingPoliciesMap::<T>::try_get(id).ok()
	}

	/// Whether a policy has passed its end block.
	fn is_expired(policy: &FarmingPolicy<BlockNumberFor<T>>) -> bool {
		!policy.policy_end.is_zero()
			&& frame_system::Pallet::<T>::block_number() >= policy.policy_end
	}

	/// All farming policies, most preferred first: defaults, then the most certified, then the
	/// newest. At most `MaxFarmingPolicies` reads.
	pub(crate) fn farming_policies_by_preference() -> Vec<FarmingPolicy<BlockNumberFor<T>>> {
		let mut policies: Vec<_> =
			(1..=FarmingPolicyID::<T>::get()).filter_map(Self::farming_policy).collect();
		policies.sort_by_key(|p| core::cmp::Reverse(p.preference_key()));
		policies
	}

	/// The most preferred unexpired policy the node and farm qualify for (only default ones if
	/// `only_default`).
	fn best_policy(
		node: &Node,
		farm: &Farm,
		policies: &[FarmingPolicy<BlockNumberFor<T>>],
		only_default: bool,
	) -> Result<u32, Error<T>> {
		policies
			.iter()
			.find(|p| {
				(!only_default || p.default)
					&& !Self::is_expired(p)
					&& p.node_certification <= node.certification
					&& p.farm_certification <= farm.certification
			})
			.map(|p| p.id)
			.ok_or(Error::<T>::FarmingPolicyNotExists)
	}

	/// Whether the farm's limited policy may still go to `node`, and the limits left after it.
	fn take_from_limits(
		node: &Node,
		policy: &FarmingPolicy<BlockNumberFor<T>>,
		limits: &FarmingPolicyLimit,
	) -> Option<FarmingPolicyLimit> {
		if Self::is_expired(policy)
			|| limits.end.is_some_and(|end| Self::now_secs() > end)
			|| (limits.node_certification
				&& node.certification != tfchain_primitives::grid::NodeCertification::Certified)
		{
			return None;
		}
		let mut left = limits.clone();
		if let Some(cu) = left.cu {
			left.cu = Some(cu.checked_sub(node.resources.get_cu())?);
		}
		if let Some(su) = left.su {
			left.su = Some(su.checked_sub(node.resources.get_su())?);
		}
		if let Some(count) = left.node_count {
			left.node_count = Some(count.checked_sub(1)?);
		}
		Some(left)
	}

	/// Picks the farming policy of `node` in `farm` (see `docs/tfgrid.md`): the farm's
	/// limited policy while its limits allow, else the best matching policy. Consumed limits
	/// are written into `farm`; returns the policy id and whether `farm` changed. `policies` is
	/// loaded (all farming policies) only when the choice needs it.
	pub(crate) fn pick_farming_policy(
		node: &Node,
		farm: &mut Farm,
		policies: &mut Option<Vec<FarmingPolicy<BlockNumberFor<T>>>>,
	) -> Result<(u32, bool), Error<T>> {
		let Some(limits) = farm.farming_policy_limits.clone() else {
			let policies = policies.get_or_insert_with(Self::farming_policies_by_preference);
			return Ok((Self::best_policy(node, farm, policies, false)?, false));
		};
		let policy = Self::farming_policy(limits.farming_policy_id)
			.ok_or(Error::<T>::FarmingPolicyNotExists)?;
		match Self::take_from_limits(node, &policy, &limits) {
			Some(left) => {
				farm.farming_policy_limits = Some(left);
				Ok((policy.id, true))
			},
			None => {
				let policies = policies.get_or_insert_with(Self::farming_policies_by_preference);
				Ok((Self::best_policy(node, farm, policies, true)?, false))
			},
		}
	}

	/// [`Self::pick_farming_policy`] for one node, storing the farm if its limits were used.
	pub(crate) fn assign_farming_policy(node: &Node, mut farm: Farm) -> Result<u32, Error<T>> {
		let (id, farm_changed) = Self::pick_farming_policy(node, &mut farm, &mut None)?;
		if farm_changed {
			Self::store_farm_update(farm);
		}
		Ok(id)
	}

	/// Attaches (or with `None` detaches) a limited farming policy; returns how many nodes of
	/// the farm were looked at.
	pub(crate) fn do_attach_policy_to_farm(
		farm_id: u32,
		limits: Option<FarmingPolicyLimit>,
	) -> Result<u32, DispatchError> {
		let Some(limits) = limits else {
			let mut farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
			farm.farming_policy_limits = None;
			Self::store_farm_update(farm);
			Self::deposit_event(Event::FarmingPolicySet(farm_id, None));
			return Ok(0);
		};
		let policy = Self::farming_policy(limits.farming_policy_id)
			.ok_or(Error::<T>::FarmingPolicyNotExists)?;
		ensure!(!Self::is_expired(&policy), Error::<T>::FarmingPolicyExpired);
		let mut farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		farm.farming_policy_limits = Some(limits);
		farm.certification = policy.farm_certification;
		Self::store_farm_update(farm.clone());

		let mut policies = Some(Self::farming_policies_by_preference());
		let node_ids = NodesByFarmID::<T>::get(farm_id);
		let mut farm_changed = false;
		for node_id in node_ids.iter() {
			let Some(mut node) = Nodes::<T>::get(node_id) else { continue };
			let on_default =
				policies.iter().flatten().any(|p| p.id == node.farming_policy_id && p.default);
			if !on_default {
				continue;
			}
			let (id, changed) = Self::pick_farming_policy(&node, &mut farm, &mut policies)?;
			farm_changed |= changed;
			node.farming_policy_id = id;
			Nodes::<T>::insert(node_id, &node);
			Self::deposit_event(Event::NodeUpdated(node));
		}
		let left = farm.farming_policy_limits.clone();
		if farm_changed {
			Self::store_farm_update(farm);
		}
		Self::deposit_event(Event::FarmingPolicySet(farm_id, left));
		Ok(node_ids.len() as u32)
	}

	pub(crate) fn do_create_farming_policy(
		parts: FarmingPolicyParts<BlockNumberFor<T>>,
	) -> DispatchResult {
		let id = FarmingPolicyID::<T>::get();
		ensure!(id < T::MaxFarmingPolicies::get(), Error::<T>::TooManyFarmingPolicies);
		let id = id.checked_add(1).ok_or(Error::<T>::StorageOverflow)?;
		let policy = FarmingPolicy {
			version: TFGRID_FARMING_POLICY_VERSION,
			id,
			name: parts.name.try_into().map_err(|_| Error::<T>::PolicyNameTooLong)?,
			cu: parts.cu,
			su: parts.su,
			nu: parts.nu,
			ipv4: parts.ipv4,
			minimal_uptime: parts.minimal_uptime,
			policy_created: frame_system::Pallet::<T>::block_number(),
			policy_end: parts.policy_end,
			immutable: parts.immutable,
			default: parts.default,
			node_certification: parts.node_certification,
			farm_certification: parts.farm_certification,
		};
		FarmingPoliciesMap::<T>::insert(id, &policy);
		FarmingPolicyID::<T>::put(id);
		Self::deposit_event(Event::FarmingPolicyStored(policy));
		Ok(())
	}

	pub(crate) fn do_update_farming_policy(
		id: u32,
		parts: FarmingPolicyParts<BlockNumberFor<T>>,
	) -> DispatchResult {
		let mut policy = Self::farming_policy(id).ok_or(Error::<T>::FarmingPolicyNotExists)?;
		ensure!(!policy.immutable, Error::<T>::FarmingPolicyImmutable);
		policy.name = parts.name.try_into().map_err(|_| Error::<T>::PolicyNameTooLong)?;
		policy.su = parts.su;
		policy.cu = parts.cu;
		policy.nu = parts.nu;
		policy.ipv4 = parts.ipv4;
		policy.minimal_uptime = parts.minimal_uptime;
		policy.policy_end = parts.policy_end;
		policy.default = parts.default;
		policy.node_certification = parts.node_certification;
		policy.farm_certification = parts.farm_certification;
		FarmingPoliciesMap::<T>::insert(id, &policy);
		Self::deposit_event(Event::FarmingPolicyUpdated(policy));
		Ok(())
	}

	/// Creates (`id` None) or updates a pricing policy.
	pub(crate) fn do_store_pricing_policy(
		id: Option<u32>,
		name: Vec<u8>,
		parts: PricingPolicyParts<T::AccountId>,
	) -> DispatchResult {
		let name: PolicyName = name.try_into().map_err(|_| Error::<T>::PolicyNameTooLong)?;
		let holder = PricingPolicyIdByName::<T>::get(&name);
		let id = match id {
			None => {
				ensure!(holder == 0, Error::<T>::PricingPolicyExists);
				let id = PricingPolicyID::<T>::get()
					.checked_add(1)
					.ok_or(Error::<T>::StorageOverflow)?;
				PricingPolicyID::<T>::put(id);
				id
			},
			Some(id) => {
				let old =
					PricingPolicies::<T>::get(id).ok_or(Error::<T>::PricingPolicyNotExists)?;
				ensure!(
					holder == 0 || holder == id,
					Error::<T>::PricingPolicyWithDifferentIdExists
				);
				PricingPolicyIdByName::<T>::remove(&old.name);
				id
			},
		};
		let policy = PricingPolicy {
			version: TFGRID_PRICING_POLICY_VERSION,
			id,
			name: name.clone(),
			su: parts.su,
			cu: parts.cu,
			nu: parts.nu,
			ipu: parts.ipu,
			unique_name: parts.unique_name,
			domain_name: parts.domain_name,
			foundation_account: parts.foundation_account,
			certified_sales_account: parts.certified_sales_account,
			discount_for_dedication_nodes: parts.discount_for_dedication_nodes,
		};
		PricingPolicies::<T>::insert(id, &policy);
		PricingPolicyIdByName::<T>::insert(name, id);
		Self::deposit_event(Event::PricingPolicyStored(policy));
		Ok(())
	}

	pub(crate) fn do_add_node_certifier(certifier: T::AccountId) -> DispatchResult {
		let mut certifiers = AllowedNodeCertifiers::<T>::get().unwrap_or_default();
		let position = match certifiers.binary_search(&certifier) {
			Ok(_) => return Err(Error::<T>::AlreadyCertifier.into()),
			Err(position) => position,
		};
		certifiers
			.try_insert(position, certifier.clone())
			.map_err(|_| Error::<T>::TooManyNodeCertifiers)?;
		AllowedNodeCertifiers::<T>::put(certifiers);
		Self::deposit_event(Event::NodeCertifierAdded(certifier));
		Ok(())
	}

	pub(crate) fn do_remove_node_certifier(certifier: T::AccountId) -> DispatchResult {
		let mut certifiers = AllowedNodeCertifiers::<T>::get().unwrap_or_default();
		let position =
			certifiers.binary_search(&certifier).map_err(|_| Error::<T>::NotCertifier)?;
		certifiers.remove(position);
		AllowedNodeCertifiers::<T>::put(certifiers);
		Self::deposit_event(Event::NodeCertifierRemoved(certifier));
		Ok(())
	}

	pub(crate) fn do_set_zos_version(zos_version: Vec<u8>) -> DispatchResult {
		let version: ZosVersionString =
			zos_version.clone().try_into().map_err(|_| Error::<T>::ZosVersionTooLong)?;
		ensure!(ZosVersion::<T>::get() != version, Error::<T>::InvalidZosVersion);
		ZosVersion::<T>::put(version);
		Self::deposit_event(Event::ZosVersionUpdated(zos_version));
		Ok(())
	}
}
