//! Placeholder weights until `scripts/benchmark.sh pallet_tfgrid` generates this file.

#![allow(missing_docs)]

use frame::weights_prelude::*;

/// Weight functions needed for `pallet_tfgrid`.
pub trait WeightInfo {
	fn set_storage_version() -> Weight;
	fn create_farm(_i: u32) -> Weight;
	fn update_farm() -> Weight;
	fn add_stellar_payout_v2address() -> Weight;
	fn set_farm_certification() -> Weight;
	fn add_farm_ip() -> Weight;
	fn remove_farm_ip() -> Weight;
	fn create_node() -> Weight;
	fn update_node() -> Weight;
	fn set_node_certification() -> Weight;
	fn report_uptime() -> Weight;
	fn add_node_public_config() -> Weight;
	fn delete_node() -> Weight;
	fn create_entity() -> Weight;
	fn update_entity() -> Weight;
	fn delete_entity() -> Weight;
	fn create_twin() -> Weight;
	fn update_twin() -> Weight;
	fn add_twin_entity() -> Weight;
	fn delete_twin_entity() -> Weight;
	fn create_pricing_policy() -> Weight;
	fn update_pricing_policy() -> Weight;
	fn create_farming_policy() -> Weight;
	fn user_accept_tc() -> Weight;
	fn delete_node_farm() -> Weight;
	fn set_farm_dedicated() -> Weight;
	fn force_reset_farm_ip() -> Weight;
	fn set_connection_price() -> Weight;
	fn add_node_certifier() -> Weight;
	fn remove_node_certifier() -> Weight;
	fn update_farming_policy() -> Weight;
	fn attach_policy_to_farm(_n: u32) -> Weight;
	fn set_zos_version() -> Weight;
	fn change_power_state() -> Weight;
	fn change_power_target() -> Weight;
	fn bond_twin_account() -> Weight;
	fn report_uptime_v2() -> Weight;
	fn unbond_twin_account() -> Weight;
}

impl WeightInfo for () {
	fn set_storage_version() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_farm(_i: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_farm() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_stellar_payout_v2address() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_farm_certification() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn remove_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_node_certification() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn report_uptime() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_node_public_config() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_twin() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_twin() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_twin_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_twin_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_pricing_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_pricing_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_farming_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn user_accept_tc() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_node_farm() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_farm_dedicated() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn force_reset_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_connection_price() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_node_certifier() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn remove_node_certifier() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_farming_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn attach_policy_to_farm(_n: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_zos_version() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn change_power_state() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn change_power_target() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn bond_twin_account() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn report_uptime_v2() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn unbond_twin_account() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
}

/// Placeholder: the runtime's weights, until generated.
pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);

impl<T> WeightInfo for SubstrateWeight<T> {
	fn set_storage_version() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_farm(_i: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_farm() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_stellar_payout_v2address() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_farm_certification() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn remove_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_node_certification() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn report_uptime() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_node_public_config() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_node() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_twin() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_twin() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_twin_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_twin_entity() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_pricing_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_pricing_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn create_farming_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn user_accept_tc() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn delete_node_farm() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_farm_dedicated() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn force_reset_farm_ip() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_connection_price() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn add_node_certifier() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn remove_node_certifier() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn update_farming_policy() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn attach_policy_to_farm(_n: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn set_zos_version() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn change_power_state() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn change_power_target() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn bond_twin_account() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn report_uptime_v2() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
	fn unbond_twin_account() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
	}
}
