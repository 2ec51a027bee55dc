//! Clock, genesis, the read interface other pallets use ([`Tfgrid`]) and storage invariants.

use crate::{types::*, *};
use alloc::vec::Vec;
use frame::{prelude::*, traits::UnixTime};
use tfchain_primitives::{
	grid::{
		Farm, FarmCertification, FarmName, FarmingRates, Node, NodeCertification, PublicIP,
		UptimeReports, MAX_FARM_PUBLIC_IPS,
	},
	traits::{GridBenchmarkHelper, GridPrices, IpReservationError, Tfgrid},
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
		for (node_id, reports) in NodeUptimeReports::<T>::iter() {
			ensure!(Nodes::<T>::contains_key(node_id), "uptime reports of a missing node");
			ensure!(reports.previous <= reports.last, "uptime reports out of order");
			ensure!(
				reports.standby == NodePower::<T>::get(node_id).is_down(),
				"uptime record disagrees with NodePower on standby"
			);
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

	fn node_id_of_twin(twin_id: u32) -> Option<u32> {
		NodeIdByTwinID::<T>::try_get(twin_id).ok().filter(|id| *id != 0)
	}

	fn node_uptime_reports(node_id: u32) -> Option<UptimeReports> {
		NodeUptimeReports::<T>::get(node_id)
	}

	fn pricing(policy_id: u32) -> Option<GridPrices<T::AccountId>> {
		PricingPolicies::<T>::get(policy_id).map(|policy| GridPrices {
			su: policy.su.value,
			su_factor: policy.su.unit.factor_base_1024(),
			cu: policy.cu.value,
			cu_factor: policy.cu.unit.factor_base_1024(),
			nu: policy.nu.value,
			nu_factor: policy.nu.unit.factor_base_1000(),
			ipu: policy.ipu.value,
			unique_name: policy.unique_name.value,
			foundation_account: policy.foundation_account,
			certified_sales_account: policy.certified_sales_account,
			discount_for_dedication_nodes: policy.discount_for_dedication_nodes,
		})
	}

	fn reserve_public_ips(
		farm_id: u32,
		contract_id: u64,
		count: u32,
	) -> Result<Vec<PublicIP>, IpReservationError> {
		let mut farm = Farms::<T>::get(farm_id).ok_or(IpReservationError::FarmNotExists)?;
		let count = count as usize;
		if farm.public_ips.len() < count {
			return Err(IpReservationError::NotEnoughPublicIps);
		}
		let mut reserved = Vec::with_capacity(count);
		for ip in farm.public_ips.iter_mut().filter(|ip| ip.contract_id == 0).take(count) {
			ip.contract_id = contract_id;
			reserved.push(ip.clone());
		}
		if reserved.len() < count {
			return Err(IpReservationError::NotEnoughFreePublicIps);
		}
		Farms::<T>::insert(farm_id, farm);
		Ok(reserved)
	}

	fn release_public_ips(farm_id: u32, contract_id: u64) -> Vec<PublicIP> {
		let Some(mut farm) = Farms::<T>::get(farm_id) else { return Vec::new() };
		let mut freed = Vec::new();
		for ip in farm.public_ips.iter_mut().filter(|ip| ip.contract_id == contract_id) {
			freed.push(ip.clone());
			ip.contract_id = 0;
		}
		if !freed.is_empty() {
			Farms::<T>::insert(farm_id, farm);
		}
		freed
	}

	fn all_farms() -> Vec<Farm> {
		Farms::<T>::iter_values().collect()
	}

	fn farming_rates(policy_id: u32) -> Option<FarmingRates> {
		FarmingPoliciesMap::<T>::try_get(policy_id).ok().map(|policy| FarmingRates {
			cu: policy.cu,
			su: policy.su,
			nu: policy.nu,
			ipv4: policy.ipv4,
			minimal_uptime: policy.minimal_uptime,
		})
	}

	fn max_node_id() -> u32 {
		NodeID::<T>::get()
	}
}

impl<T: Config> GridBenchmarkHelper<T::AccountId> for Pallet<T> {
	fn make_twin(account: &T::AccountId) -> u32 {
		if let Some(id) = TwinIdByAccountID::<T>::get(account) {
			return id;
		}
		let id = TwinID::<T>::get().saturating_add(1);
		let twin = Twin {
			id,
			account_id: account.clone(),
			relay: None,
			entities: Default::default(),
			pk: None,
		};
		Twins::<T>::insert(id, twin);
		TwinIdByAccountID::<T>::insert(account, id);
		TwinID::<T>::put(id);
		id
	}

	fn make_farm(farmer_twin: u32, public_ips: u32, dedicated: bool) -> u32 {
		let id = FarmID::<T>::get().saturating_add(1);
		let mut ips = BoundedVec::new();
		for i in 0..public_ips.min(MAX_FARM_PUBLIC_IPS) {
			let ip = alloc::format!(
				"185.{}.{}.{}/16",
				(id % 200) as u8,
				(i / 250) as u8,
				(i % 250) as u8 + 2
			);
			let gateway = alloc::format!("185.{}.0.1", (id % 200) as u8);
			let _ = ips.try_push(PublicIP {
				ip: ip.into_bytes().try_into().unwrap_or_default(),
				gateway: gateway.into_bytes().try_into().unwrap_or_default(),
				contract_id: 0,
			});
		}
		let name: FarmName =
			alloc::format!("bench_farm_{id}").into_bytes().try_into().unwrap_or_default();
		let farm = Farm {
			version: TFGRID_FARM_VERSION,
			id,
			name: name.clone(),
			twin_id: farmer_twin,
			pricing_policy_id: 1,
			certification: FarmCertification::NotCertified,
			public_ips: ips,
			dedicated_farm: dedicated,
			farming_policy_limits: None,
		};
		Farms::<T>::insert(id, farm);
		FarmIdByName::<T>::insert(name, id);
		FarmID::<T>::put(id);
		id
	}

	fn make_node(node_twin: u32, farm_id: u32) -> u32 {
		let id = NodeID::<T>::get().saturating_add(1);
		let node = Node {
			version: TFGRID_NODE_VERSION,
			id,
			farm_id,
			twin_id: node_twin,
			resources: tfchain_primitives::resources::Resources {
				hru: (1024 * tfchain_primitives::resources::GIB) as u64,
				sru: (512 * tfchain_primitives::resources::GIB) as u64,
				cru: 8,
				mru: (16 * tfchain_primitives::resources::GIB) as u64,
			},
			location: Default::default(),
			public_config: None,
			created: Self::now_secs(),
			farming_policy_id: 1,
			interfaces: Default::default(),
			certification: NodeCertification::Diy,
			secure_boot: false,
			virtualized: false,
			serial_number: None,
			connection_price: 80,
		};
		Nodes::<T>::insert(id, node);
		NodesByFarmID::<T>::mutate(farm_id, |ids| {
			let _ = ids.try_push(id);
		});
		NodeIdByTwinID::<T>::insert(node_twin, id);
		let now = Self::now_secs();
		NodeUptimeReports::<T>::insert(id, UptimeReports::first(now, false));
		NodeID::<T>::put(id);
		id
	}

	fn bond_twin(twin_id: u32, account: &T::AccountId) {
		TwinBoundedAccountID::<T>::insert(twin_id, account);
	}

	fn report_uptime_now(node_id: u32) {
		let now = Self::now_secs();
		NodeUptimeReports::<T>::mutate(node_id, |reports| {
			*reports = Some(match reports {
				Some(reports) => reports.push(now),
				None => UptimeReports::first(now, NodePower::<T>::get(node_id).is_down()),
			})
		});
	}
}
