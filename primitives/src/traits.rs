//! Traits through which pallets see each other, so that no pallet depends on another's crate.
//!
//! The registry (`TfgridModule`) calls [`ChangeNode`] and [`PublicIpModifier`] and asks
//! [`NodeActiveContracts`]; the contracts, DAO and minting pallets read the registry through
//! [`Tfgrid`]. The runtime wires the implementations together.

use crate::grid::{Farm, Node, NodePower, PublicIP};
use polkadot_sdk::sp_runtime::Weight;

/// Told when a node is created, updated, deleted or changes power state.
///
/// Each `*_weight` is an upper bound of what the matching call costs; the registry adds it to
/// the weight of its own calls, so implementations must keep their work bounded.
pub trait ChangeNode {
	/// A node was created (`old` is `None`) or updated.
	fn node_changed(old: Option<&Node>, new: &Node);
	/// A node was removed from the registry.
	fn node_deleted(node: &Node);
	/// A node reported a new power state.
	fn node_power_state_changed(node: &Node);

	/// Upper bound of the weight of [`ChangeNode::node_changed`].
	fn node_changed_weight() -> Weight {
		Weight::zero()
	}
	/// Upper bound of the weight of [`ChangeNode::node_deleted`].
	fn node_deleted_weight() -> Weight {
		Weight::zero()
	}
	/// Upper bound of the weight of [`ChangeNode::node_power_state_changed`].
	fn node_power_state_changed_weight() -> Weight {
		Weight::zero()
	}
}

impl ChangeNode for () {
	fn node_changed(_: Option<&Node>, _: &Node) {}
	fn node_deleted(_: &Node) {}
	fn node_power_state_changed(_: &Node) {}
}

impl<A: ChangeNode, B: ChangeNode> ChangeNode for (A, B) {
	fn node_changed(old: Option<&Node>, new: &Node) {
		A::node_changed(old, new);
		B::node_changed(old, new);
	}
	fn node_deleted(node: &Node) {
		A::node_deleted(node);
		B::node_deleted(node);
	}
	fn node_power_state_changed(node: &Node) {
		A::node_power_state_changed(node);
		B::node_power_state_changed(node);
	}
	fn node_changed_weight() -> Weight {
		A::node_changed_weight().saturating_add(B::node_changed_weight())
	}
	fn node_deleted_weight() -> Weight {
		A::node_deleted_weight().saturating_add(B::node_deleted_weight())
	}
	fn node_power_state_changed_weight() -> Weight {
		A::node_power_state_changed_weight().saturating_add(B::node_power_state_changed_weight())
	}
}

/// Told when the council frees a farm IP that a contract still held (`force_reset_farm_ip`).
pub trait PublicIpModifier {
	/// `ip` (with the `contract_id` it had) was taken away from its contract.
	fn ip_removed(ip: &PublicIP);
	/// Upper bound of the weight of [`PublicIpModifier::ip_removed`].
	fn ip_removed_weight() -> Weight {
		Weight::zero()
	}
}

impl PublicIpModifier for () {
	fn ip_removed(_: &PublicIP) {}
}

/// Whether a node still runs workloads, asked before a farmer may power it down.
pub trait NodeActiveContracts {
	/// True if the node has no active node contract and no rent contract.
	fn node_has_no_active_contracts(node_id: u32) -> bool;
	/// Upper bound of the weight of [`NodeActiveContracts::node_has_no_active_contracts`].
	fn node_has_no_active_contracts_weight() -> Weight {
		Weight::zero()
	}
}

impl NodeActiveContracts for () {
	fn node_has_no_active_contracts(_: u32) -> bool {
		true
	}
}

/// Read access to the grid registry for other pallets.
pub trait Tfgrid<AccountId, BlockNumber> {
	/// The twin owned by `account`.
	fn twin_id_of(account: &AccountId) -> Option<u32>;
	/// The account of twin `twin_id`.
	fn twin_account(twin_id: u32) -> Option<AccountId>;
	/// The account bonded to twin `twin_id` as its savings account.
	fn twin_bonded_account(twin_id: u32) -> Option<AccountId>;
	/// Farm `farm_id`.
	fn farm(farm_id: u32) -> Option<Farm>;
	/// Whether `account` owns farm `farm_id` (through its twin).
	fn is_farm_owner(farm_id: u32, account: &AccountId) -> bool;
	/// Node `node_id`.
	fn node(node_id: u32) -> Option<Node>;
	/// Power state and target of node `node_id`.
	fn node_power(node_id: u32) -> NodePower<BlockNumber>;
}
