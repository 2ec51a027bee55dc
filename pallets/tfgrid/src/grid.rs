//! Clock, genesis, the read interface other pallets use ([`Tfgrid`]) and storage invariants.

use crate::{types::*, *};
use frame::{prelude::*, traits::UnixTime};
use tfchain_primitives::{
	grid::{Farm, FarmCertification, Node, NodeCertification},
	traits::Tfgrid,
};

impl<T: Config> Pallet<T> {
	/// Chain time in Unix seconds.
	pub fn now_secs() -> u64 {
		T::Time::now().as_secs()
	}

	/// Writes pricing policy 1 (when both accounts are given), farming policies 1 (DIY) and 2
	/// (certified), the connection price and the node certifiers.
	pub(crate) fn build_genesis(config: &GenesisConfig<T>) -> DispatchResult {
		if let (Some(foundation), Some(sales)) = (&config.foundation_account, &config.sales_account)
		{
			let policy = |value, unit| Policy { value, unit: Unit::from_u32(unit) };
			Self::do_store_pricing_policy(
				None,
				b"threefold_default_pricing_policy".to_vec(),
				PricingPolicyParts {
					su: policy(config.su_price_value, config.su_price_unit),
					cu: policy(config.cu_price_value, config.cu_price_unit),
					nu: policy(config.nu_price_value, config.nu_price_unit),
					ipu: policy(config.ipu_price_value, config.ipu_price_unit),
					unique_name: policy(config.unique_name_price_value, 4),
					domain_name: policy(config.domain_name_price_value, 4),
					foundation_account: foundation.clone(),
					certified_sales_account: sales.clone(),
					discount_for_dedication_nodes: config.discount_for_dedication_nodes,
				},
			)?;
		}
		let default_policy =
			|name: &[u8], cu, su, nu, ipv4, uptime, node_certification| FarmingPolicyParts {
				name: name.to_vec(),
				su,
				cu,
				nu,
				ipv4,
				minimal_uptime: uptime,
				policy_end: Zero::zero(),
				immutable: false,
				default: true,
				node_certification,
				farm_certification: FarmCertification::NotCertified,
			};
		Self::do_create_farming_policy(default_policy(
			b"threefold_default_diy_farming_policy",
			config.farming_policy_diy_cu,
			config.farming_policy_diy_su,
			config.farming_policy_diy_nu,
			config.farming_policy_diy_ipu,
			config.farming_policy_diy_minimal_uptime,
			NodeCertification::Diy,
		))?;
		Self::do_create_farming_policy(default_policy(
			b"threefold_default_certified_farming_policy",
			config.farming_policy_certified_cu,
			config.farming_policy_certified_su,
			config.farming_policy_certified_nu,
			config.farming_policy_certified_ipu,
			config.farming_policy_certified_minimal_uptime,
			NodeCertification::Certified,
		))?;
		ConnectionPrice::<T>::put(config.connection_price);
		for certifier in &config.node_certifiers {
			Self::do_add_node_certifier(certifier.clone())?;
		}
		Ok(())
	}

	/// Storage invariants: every index agrees with the item it points to, and counters are at
	/// least every id in use.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		for (account, twin_id) in TwinIdByAccountID::<T>::iter() {
			let twin = Twins::<T>::get(twin_id).ok_or("TwinIdByAccountID points to no twin")?;
			ensure!(twin.account_id == account, "TwinIdByAccountID disagrees with Twins");
		}
		for (id, twin) in Twins::<T>::iter() {
			ensure!(twin.id == id && id <= TwinID::<T>::get(), "twin id mismatch");
			ensure!(
				TwinIdByAccountID::<T>::get(&twin.account_id) == Some(id),
				"twin missing from TwinIdByAccountID"
			);
		}
		for (twin_id, node_id) in NodeIdByTwinID::<T>::iter() {
			let node = Nodes::<T>::get(node_id).ok_or("NodeIdByTwinID points to no node")?;
			ensure!(node.twin_id == twin_id, "NodeIdByTwinID disagrees with Nodes");
		}
		for (id, node) in Nodes::<T>::iter() {
			ensure!(node.id == id && id <= NodeID::<T>::get(), "node id mismatch");
			ensure!(NodeIdByTwinID::<T>::get(node.twin_id) == id, "node missing from its twin");
			ensure!(
				NodesByFarmID::<T>::get(node.farm_id).contains(&id),
				"node missing from NodesByFarmID"
			);
			ensure!(Farms::<T>::contains_key(node.farm_id), "node in a missing farm");
		}
		for (farm_id, node_ids) in NodesByFarmID::<T>::iter() {
			for (i, node_id) in node_ids.iter().enumerate() {
				let node = Nodes::<T>::get(node_id).ok_or("NodesByFarmID points to no node")?;
				ensure!(node.farm_id == farm_id, "NodesByFarmID disagrees with node.farm_id");
				ensure!(!node_ids[..i].contains(node_id), "duplicate in NodesByFarmID");
			}
		}
		for (name, farm_id) in FarmIdByName::<T>::iter() {
			let farm = Farms::<T>::get(farm_id).ok_or("FarmIdByName points to no farm")?;
			ensure!(farm.name == name, "FarmIdByName disagrees with Farms");
		}
		for (id, farm) in Farms::<T>::iter() {
			ensure!(farm.id == id && id <= FarmID::<T>::get(), "farm id mismatch");
			ensure!(FarmIdByName::<T>::get(&farm.name) == id, "farm missing from FarmIdByName");
			for (i, ip) in farm.public_ips.iter().enumerate() {
				ensure!(
					!farm.public_ips[..i].iter().any(|other| other.ip == ip.ip),
					"duplicate farm IP"
				);
			}
		}
		for (name, entity_id) in EntityIdByName::<T>::iter() {
			let entity = Entities::<T>::get(entity_id).ok_or("EntityIdByName points nowhere")?;
			ensure!(entity.name == name, "EntityIdByName disagrees with Entities");
		}
		for (id, entity) in Entities::<T>::iter() {
			ensure!(entity.id == id && id <= EntityID::<T>::get(), "entity id mismatch");
			ensure!(
				EntityIdByAccountID::<T>::get(&entity.account_id) == Some(id),
				"entity missing from EntityIdByAccountID"
			);
		}
		for (name, id) in PricingPolicyIdByName::<T>::iter() {
			let policy = PricingPolicies::<T>::get(id).ok_or("PricingPolicyIdByName dangling")?;
			ensure!(policy.name == name, "PricingPolicyIdByName disagrees with PricingPolicies");
		}
		for (id, policy) in PricingPolicies::<T>::iter() {
			ensure!(policy.id == id && id <= PricingPolicyID::<T>::get(), "pricing id mismatch");
		}
		for (id, policy) in FarmingPoliciesMap::<T>::iter() {
			ensure!(policy.id == id && id <= FarmingPolicyID::<T>::get(), "farming id mismatch");
		}
		for (node_id, _) in NodePower::<T>::iter() {
			ensure!(Nodes::<T>::contains_key(node_id), "NodePower of a missing node");
		}
		for (twin_id, _) in TwinBoundedAccountID::<T>::iter() {
			ensure!(Twins::<T>::contains_key(twin_id), "bond to a missing twin");
		}
		if let Some(certifiers) = AllowedNodeCertifiers::<T>::get() {
			ensure!(certifiers.windows(2).all(|w| w[0] < w[1]), "certifiers not sorted");
		}
		Ok(())
	}
}

impl<T: Config> Tfgrid<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn twin_id_of(account: &T::AccountId) -> Option<u32> {
		TwinIdByAccountID::<T>::get(account)
	}

	fn twin_account(twin_id: u32) -> Option<T::AccountId> {
		Twins::<T>::get(twin_id).map(|twin| twin.account_id)
	}

	fn twin_bonded_account(twin_id: u32) -> Option<T::AccountId> {
		TwinBoundedAccountID::<T>::get(twin_id)
	}

	fn farm(farm_id: u32) -> Option<Farm> {
		Farms::<T>::get(farm_id)
	}

	fn is_farm_owner(farm_id: u32, account: &T::AccountId) -> bool {
		Farms::<T>::get(farm_id)
			.is_some_and(|farm| TwinIdByAccountID::<T>::get(account) == Some(farm.twin_id))
	}

	fn node(node_id: u32) -> Option<Node> {
		Nodes::<T>::get(node_id)
	}

	fn node_power(node_id: u32) -> tfchain_primitives::grid::NodePower<BlockNumberFor<T>> {
		NodePower::<T>::get(node_id)
	}
}
