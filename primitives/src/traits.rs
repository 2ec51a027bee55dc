//! Traits through which pallets see each other, so that no pallet depends on another's crate.
//!
//! The registry (`TfgridModule`) calls [`ChangeNode`] and [`PublicIpModifier`] and asks
//! [`NodeActiveContracts`]; the contracts, DAO and minting pallets read the registry through
//! [`Tfgrid`]. The runtime wires the implementations together.

use crate::grid::{Farm, FarmingRates, Node, NodePower, PublicIP, UptimeReports};
use alloc::vec::Vec;
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
	/// A node is about to go from `Up` to `Down` or back; [`Tfgrid::node_power`] still returns
	/// the old state when this is called. (A repeated `Down` is not reported.)
	fn node_power_state_changed(node: &Node);
	/// Node `node` reported that it has been up for `uptime` seconds; the chain time of the
	/// report is `now` (Unix seconds). Called after the registry stored the report.
	fn node_uptime_reported(_node: &Node, _uptime: u64, _now: u64) {}

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
	/// Upper bound of the weight of [`ChangeNode::node_uptime_reported`].
	fn node_uptime_reported_weight() -> Weight {
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
	fn node_uptime_reported(node: &Node, uptime: u64, now: u64) {
		A::node_uptime_reported(node, uptime, now);
		B::node_uptime_reported(node, uptime, now);
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
	fn node_uptime_reported_weight() -> Weight {
		A::node_uptime_reported_weight().saturating_add(B::node_uptime_reported_weight())
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
	/// The node that twin `twin_id` registered, if any.
	fn node_id_of_twin(twin_id: u32) -> Option<u32>;
	/// When (Unix seconds) node `node_id` made its two latest uptime reports, if any.
	fn node_uptime_reports(node_id: u32) -> Option<UptimeReports>;
	/// The prices of pricing policy `policy_id`.
	fn pricing(policy_id: u32) -> Option<GridPrices<AccountId>>;
	/// Marks the first `count` free public IPs of farm `farm_id` as used by `contract_id` and
	/// returns them; changes nothing if the farm lacks that many free IPs.
	fn reserve_public_ips(
		farm_id: u32,
		contract_id: u64,
		count: u32,
	) -> Result<Vec<PublicIP>, IpReservationError>;
	/// Frees every public IP of farm `farm_id` held by `contract_id`; returns what was freed
	/// (with `contract_id` still set).
	fn release_public_ips(farm_id: u32, contract_id: u64) -> Vec<PublicIP>;
	/// Every farm (reads them all: for invariant checks only).
	fn all_farms() -> Vec<Farm>;
	/// The reward rates of farming policy `policy_id`.
	fn farming_rates(policy_id: u32) -> Option<FarmingRates>;
	/// The highest node id handed out so far (ids start at 1; deleted ids leave gaps).
	fn max_node_id() -> u32;
}

/// Told by the contracts pallet how a node's capacity was used, for minting.
pub trait GridUsageObserver {
	/// Node `node_id` reported `bytes` of public traffic (NRU) for its contracts.
	fn network_used(node_id: u32, bytes: u64);
	/// Contracts on node `node_id` held `ips` public IPv4 addresses for the `seconds` that
	/// end now.
	fn public_ips_used(node_id: u32, ips: u32, seconds: u64);
	/// Upper bound of the weight of either call.
	fn usage_weight() -> Weight {
		Weight::zero()
	}
}

impl GridUsageObserver for () {
	fn network_used(_: u32, _: u64) {}
	fn public_ips_used(_: u32, _: u32, _: u64) {}
}

/// Why public IPs could not be reserved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IpReservationError {
	/// The farm does not exist.
	FarmNotExists,
	/// The farm has fewer public IPs than asked for.
	NotEnoughPublicIps,
	/// The farm has fewer free public IPs than asked for.
	NotEnoughFreePublicIps,
}

/// The prices of a pricing policy, as billing needs them. Values are in units USD
/// (10^-7 USD) per hour; the factors turn bytes into the policy's unit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GridPrices<AccountId> {
	/// Storage unit price.
	pub su: u32,
	/// Bytes per storage unit (base 1024).
	pub su_factor: u128,
	/// Compute unit price.
	pub cu: u32,
	/// Bytes per compute-unit memory unit (base 1024).
	pub cu_factor: u128,
	/// Network unit price.
	pub nu: u32,
	/// Bytes per network unit (base 1000).
	pub nu_factor: u128,
	/// Public IP price.
	pub ipu: u32,
	/// Name contract price.
	pub unique_name: u32,
	/// Receives the foundation's share.
	pub foundation_account: AccountId,
	/// Receives the sales share.
	pub certified_sales_account: AccountId,
	/// Percentage of the full node price a rented node pays.
	pub discount_for_dedication_nodes: u8,
}

/// The TFT price billing converts USD amounts with.
pub trait TftPriceProvider {
	/// The average TFT price in mUSD per TFT, clamped to the council's `[min, max]` band.
	/// Never zero.
	fn tft_price_musd() -> u32;
	/// Upper bound of the weight of [`TftPriceProvider::tft_price_musd`].
	fn tft_price_musd_weight() -> Weight {
		Weight::zero()
	}
}

/// Who may submit TFT prices (the session validators in the runtime).
pub trait PriceFeeders<AccountId> {
	/// Whether `who` may call `set_prices`.
	fn is_price_feeder(who: &AccountId) -> bool;
}

/// Builds registry objects directly in storage, skipping validation: for other pallets'
/// benchmarks and tests only.
pub trait GridBenchmarkHelper<AccountId> {
	/// Creates a twin for `account` (or returns its existing twin) and returns its id.
	fn make_twin(account: &AccountId) -> u32;
	/// Creates a farm of `farmer_twin` with `public_ips` free public IPs; returns its id.
	fn make_farm(farmer_twin: u32, public_ips: u32, dedicated: bool) -> u32;
	/// Creates a powered-up node of `node_twin` in `farm_id` that has just reported its
	/// uptime; returns its id.
	fn make_node(node_twin: u32, farm_id: u32) -> u32;
	/// Records an uptime report of node `node_id` at the current time.
	fn report_uptime_now(node_id: u32);
	/// Bonds `account` to twin `twin_id` as its savings account.
	fn bond_twin(twin_id: u32, account: &AccountId);
}
