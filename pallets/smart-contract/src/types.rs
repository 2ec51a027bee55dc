//! Types stored and emitted by the contracts pallet. Field order is TFChain's, so their SCALE
//! encoding is the same.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame::prelude::*;
use scale_info::TypeInfo;
use tfchain_primitives::{
	grid::{PublicIP, MAX_FARM_PUBLIC_IPS},
	resources::Resources,
};

/// Layout version written into new contracts (TFChain's `CONTRACT_VERSION`).
pub const CONTRACT_VERSION: u32 = 4;
/// Longest service-contract metadata.
pub const MAX_METADATA_LENGTH: u32 = 64;
/// Longest service-contract bill metadata.
pub const MAX_BILL_METADATA_LENGTH: u32 = 50;
/// Shortest name of a name contract.
pub const MIN_NAME_LENGTH: u32 = 3;
/// Longest name of a name contract.
pub const MAX_NAME_LENGTH: u32 = 64;
/// Longest deployment data of a node contract.
pub const MAX_DEPLOYMENT_DATA_LENGTH: u32 = 512;
/// Longest solution-provider description or link.
pub const MAX_SOLUTION_PROVIDER_TEXT_LENGTH: u32 = 512;
/// Most payees of a solution provider.
pub const MAX_SOLUTION_PROVIDERS: u32 = 10;
/// Largest total take (percent) of a solution provider's payees.
pub const MAX_SOLUTION_PROVIDER_TAKE: u32 = 50;

/// Hash of a deployment, chosen by the client.
pub type HexHash = [u8; 32];
/// Deployment data of a node contract (opaque to the chain).
pub type DeploymentData = BoundedVec<u8, ConstU32<MAX_DEPLOYMENT_DATA_LENGTH>>;
/// Public IPs a node contract holds.
pub type ContractPublicIps = BoundedVec<PublicIP, ConstU32<MAX_FARM_PUBLIC_IPS>>;
/// Name registered by a name contract.
pub type NameContractName = BoundedVec<u8, ConstU32<MAX_NAME_LENGTH>>;
/// Service-contract metadata.
pub type ServiceMetadata = BoundedVec<u8, ConstU32<MAX_METADATA_LENGTH>>;
/// Service-contract bill metadata.
pub type BillMetadata = BoundedVec<u8, ConstU32<MAX_BILL_METADATA_LENGTH>>;
/// Description or link of a solution provider.
pub type SolutionProviderText = BoundedVec<u8, ConstU32<MAX_SOLUTION_PROVIDER_TEXT_LENGTH>>;

macro_rules! contract_type {
	($($item:item)*) => {$(
		#[derive(
			Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo,
			MaxEncodedLen,
		)]
		$item
	)*};
}

contract_type! {
	/// A capacity contract: a deployment on a node, a rented node or a registered name.
	pub struct Contract {
		/// Layout version (4).
		pub version: u32,
		/// Lifecycle state.
		pub state: ContractState,
		/// Contract id, from 1.
		pub contract_id: u64,
		/// The twin that owns and pays for it.
		pub twin_id: u32,
		/// What it is for.
		pub contract_type: ContractData,
		/// The solution provider that gets a share of its payments.
		pub solution_provider_id: Option<u64>,
	}

	/// The kind of a contract with its own data.
	pub enum ContractData {
		/// A deployment on a node.
		NodeContract(NodeContract),
		/// A registered name (gateway name).
		NameContract(NameContract),
		/// A whole node rented.
		RentContract(RentContract),
	}

	/// A deployment on a node.
	pub struct NodeContract {
		/// The node.
		pub node_id: u32,
		/// Hash of the deployment; unique per node among live contracts.
		pub deployment_hash: HexHash,
		/// Deployment data (opaque).
		pub deployment_data: DeploymentData,
		/// Number of public IPs asked for.
		pub public_ips: u32,
		/// The public IPs it holds.
		pub public_ips_list: ContractPublicIps,
	}

	/// A registered name.
	pub struct NameContract {
		/// The name: 3 to 64 characters of `[a-z0-9_-]`.
		pub name: NameContractName,
	}

	/// A rented node.
	#[derive(Default, Copy)]
	pub struct RentContract {
		/// The node.
		pub node_id: u32,
	}

	/// Lifecycle state of a contract.
	#[derive(Default, Copy)]
	pub enum ContractState {
		/// Running and paid.
		#[default]
		Created,
		/// Ended; removed once settled.
		Deleted(Cause),
		/// Out of funds since the given block; deleted after the grace period.
		GracePeriod(u64),
	}

	/// Why a contract ended.
	#[derive(Copy)]
	pub enum Cause {
		/// Its owner cancelled it (or its node was deleted).
		CanceledByUser,
		/// Its grace period ran out.
		OutOfFunds,
		/// The council or the DAO cancelled it.
		CanceledByCollective,
	}

	/// Network-usage accounting of a node contract.
	#[derive(Default)]
	pub struct ContractBillingInformation {
		/// Unused (TFChain's layout).
		pub previous_nu_reported: u64,
		/// Chain time (Unix seconds) of the last accepted network report.
		pub last_updated: u64,
		/// Network usage reported but not billed yet, in units USD (10^-7 USD).
		pub amount_unbilled: u64,
	}

	/// Discount level of a bill, from the months of runway the twin holds.
	#[derive(Copy, Default)]
	pub enum DiscountLevel {
		/// Less than 1.5 months: full price.
		#[default]
		None,
		/// 1.5 to 3 months: 20% off.
		Default,
		/// 3 to 6 months: 30% off.
		Bronze,
		/// 6 to 18 months: 40% off.
		Silver,
		/// 18 months or more: 60% off.
		Gold,
	}

	/// Legacy consumption report (only in a deprecated event).
	#[derive(Default)]
	pub struct Consumption {
		/// Contract.
		pub contract_id: u64,
		/// Time of the report.
		pub timestamp: u64,
		/// Compute.
		pub cru: u64,
		/// SSD.
		pub sru: u64,
		/// HDD.
		pub hru: u64,
		/// Memory.
		pub mru: u64,
		/// Network.
		pub nru: u64,
	}

	/// Network usage of a node contract over a window, reported by its node.
	#[derive(Default)]
	pub struct NruConsumption {
		/// Contract.
		pub contract_id: u64,
		/// End of the window (Unix seconds).
		pub timestamp: u64,
		/// Length of the window (seconds).
		pub window: u64,
		/// Bytes of public traffic.
		pub nru: u64,
	}

	/// A bill of a contract.
	pub struct ContractBill {
		/// Contract.
		pub contract_id: u64,
		/// Chain time of the bill (Unix seconds).
		pub timestamp: u64,
		/// Discount applied.
		pub discount_level: DiscountLevel,
		/// Amount billed, in planck.
		pub amount_billed: u128,
	}

	/// Resources a node contract uses, reported by its node.
	#[derive(Default)]
	pub struct ContractResources {
		/// Contract.
		pub contract_id: u64,
		/// Used capacity.
		pub used: Resources,
	}

	/// TFChain's per-contract lock record, kept for clients: mirrors the amounts held for the
	/// contract (see [`ContractPaymentState`]), updated whenever funds move.
	#[derive(Default)]
	pub struct ContractLock<Balance> {
		/// Held for the grid's shares.
		pub amount_locked: Balance,
		/// Held for the farmer (dedicated-node extra fee).
		pub extra_amount_locked: Balance,
		/// Last time (Unix seconds) the contract was billed.
		pub lock_updated: u64,
		/// Bills since the last distribution.
		pub cycles: u16,
	}

	/// Payment state of a contract (TFChain 2.9's layout): what is held and what is owed.
	#[derive(Default)]
	pub struct ContractPaymentState<Balance> {
		/// Collected and held (grid shares), waiting for distribution.
		pub standard_reserve: Balance,
		/// Collected and held (farmer's extra fee), waiting for distribution.
		pub additional_reserve: Balance,
		/// Billed but not collected yet (grid shares).
		pub standard_overdraft: Balance,
		/// Billed but not collected yet (extra fee).
		pub additional_overdraft: Balance,
		/// Last time (Unix seconds) the contract was billed.
		pub last_updated_seconds: u64,
		/// Bills since the last distribution.
		pub cycles: u16,
		/// Discount level of this distribution period, worked out at its first bill (new,
		/// appended to TFChain 2.9's fields).
		pub discount_level: Option<DiscountLevel>,
	}

	/// A payee of a solution provider.
	pub struct Provider<AccountId> {
		/// Receives the take.
		pub who: AccountId,
		/// Percent of each payment.
		pub take: u8,
	}

	/// A solution (a front end or service) that earns a share of the contracts it brings.
	pub struct SolutionProvider<AccountId> {
		/// Id, from 1.
		pub solution_provider_id: u64,
		/// Payees and their takes.
		pub providers: BoundedVec<Provider<AccountId>, ConstU32<MAX_SOLUTION_PROVIDERS>>,
		/// Description.
		pub description: SolutionProviderText,
		/// Link.
		pub link: SolutionProviderText,
		/// Approved by the council.
		pub approved: bool,
	}

	/// An agreement between a service twin and a consumer twin, billed by the service.
	pub struct ServiceContract {
		/// Id, from 1.
		pub service_contract_id: u64,
		/// The twin providing the service.
		pub service_twin_id: u32,
		/// The twin paying for it.
		pub consumer_twin_id: u32,
		/// Fixed fee, mUSD per hour.
		pub base_fee: u64,
		/// Largest variable fee, mUSD per hour.
		pub variable_fee: u64,
		/// Agreement metadata.
		pub metadata: ServiceMetadata,
		/// Approved by the service.
		pub accepted_by_service: bool,
		/// Approved by the consumer.
		pub accepted_by_consumer: bool,
		/// Time of the last bill (Unix seconds).
		pub last_bill: u64,
		/// Agreement state.
		pub state: ServiceContractState,
	}

	/// State of a service contract.
	#[derive(Copy, Default)]
	pub enum ServiceContractState {
		/// Being negotiated.
		#[default]
		Created,
		/// Fees and metadata set; waiting for both approvals.
		AgreementReady,
		/// Approved by both; the service may bill.
		ApprovedByBoth,
	}

	/// A bill of a service contract.
	pub struct ServiceContractBill {
		/// Variable amount billed, mUSD.
		pub variable_amount: u64,
		/// Seconds covered.
		pub window: u64,
		/// Bill metadata.
		pub metadata: BillMetadata,
	}

	/// TFChain's storage-layout version enum, kept for the `PalletVersion` item.
	#[derive(Copy, Default)]
	pub enum StorageVersion {
		/// V1.
		V1,
		/// V2.
		V2,
		/// V3.
		V3,
		/// V4.
		V4,
		/// V5.
		V5,
		/// V6.
		V6,
		/// V7.
		V7,
		/// V8.
		V8,
		/// V9.
		V9,
		/// V10.
		V10,
		/// V11 (the layout of this implementation).
		#[default]
		V11,
	}
}

impl Default for ContractData {
	fn default() -> Self {
		ContractData::RentContract(RentContract::default())
	}
}

impl Contract {
	/// Whether the contract has ended.
	pub fn is_state_delete(&self) -> bool {
		matches!(self.state, ContractState::Deleted(_))
	}

	/// The node the contract runs on (0 for name contracts).
	pub fn get_node_id(&self) -> u32 {
		match &self.contract_type {
			ContractData::NodeContract(c) => c.node_id,
			ContractData::RentContract(c) => c.node_id,
			ContractData::NameContract(_) => 0,
		}
	}
}

impl<Balance: Copy + Saturating> ContractPaymentState<Balance> {
	/// Everything billed and not collected.
	pub fn overdraft(&self) -> Balance {
		self.standard_overdraft.saturating_add(self.additional_overdraft)
	}
	/// Everything collected and held.
	pub fn reserve(&self) -> Balance {
		self.standard_reserve.saturating_add(self.additional_reserve)
	}
}
