//! The argument bounds the client checks before submitting ([`tfchain_agent_chain::bounds`])
//! are the runtime's (the generated types do not carry `BoundedVec` limits).

use tfchain_agent_chain::bounds;
use tfchain_primitives::grid as g;

fn n(v: u32) -> usize {
	v as usize
}

#[test]
fn registry_bounds_are_the_pallets() {
	use pallet_tfgrid::types as t;
	assert_eq!(bounds::DOCUMENT_LINK, n(t::MAX_DOCUMENT_LINK_LENGTH));
	assert_eq!(bounds::DOCUMENT_HASH, n(t::MAX_DOCUMENT_HASH_LENGTH));
	assert_eq!(bounds::RELAY, n(t::MAX_RELAY_LENGTH));
	assert_eq!(bounds::TWIN_PK, n(t::MAX_PK_LENGTH));
	assert_eq!(bounds::CITY, n(g::MAX_CITY_NAME_LENGTH));
	assert_eq!(bounds::COUNTRY, n(g::MAX_COUNTRY_NAME_LENGTH));
	assert_eq!(bounds::GEO_COORDINATE, n(g::MAX_GEO_COORDINATE_LENGTH));
	assert_eq!(bounds::INTERFACES, n(g::MAX_INTERFACES));
	assert_eq!(bounds::INTERFACE_NAME, n(g::MAX_INTERFACE_NAME_LENGTH));
	assert_eq!(bounds::INTERFACE_MAC, n(g::INTERFACE_MAC_LENGTH));
	assert_eq!(bounds::INTERFACE_IPS, n(g::MAX_INTERFACE_IPS));
	assert_eq!(bounds::INTERFACE_IP, n(g::MAX_INTERFACE_IP_LENGTH));
	assert_eq!(bounds::SERIAL_NUMBER, n(g::MAX_SERIAL_NUMBER_LENGTH));
	assert_eq!(bounds::FARM_NAME, n(g::MAX_FARM_NAME_LENGTH));
	assert_eq!(bounds::FARM_PUBLIC_IPS, n(g::MAX_FARM_PUBLIC_IPS));
	assert_eq!(bounds::IP4, n(g::MAX_IP4_LENGTH));
	assert_eq!(bounds::GW4, n(g::MAX_GW4_LENGTH));
}

#[test]
fn contract_and_kv_bounds_are_the_pallets() {
	assert_eq!(
		bounds::DEPLOYMENT_DATA,
		n(pallet_smart_contract::types::MAX_DEPLOYMENT_DATA_LENGTH)
	);
	assert_eq!(bounds::KV_KEY, n(pallet_kvstore::MAX_KEY_LENGTH));
	assert_eq!(bounds::KV_VALUE, n(pallet_kvstore::MAX_VALUE_LENGTH));
}
