//! Types that only the registry stores: twins, entities, terms and conditions, pricing and
//! farming policies. Field order is TFChain's, so their SCALE encoding is the same.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame::prelude::*;
use scale_info::TypeInfo;
use tfchain_primitives::grid::{CityName, CountryName, FarmCertification, NodeCertification};

/// Layout version written into new entities.
pub const TFGRID_ENTITY_VERSION: u32 = 1;
/// Layout version written into new farms.
pub const TFGRID_FARM_VERSION: u32 = 4;
/// Layout version written into new nodes.
pub const TFGRID_NODE_VERSION: u32 = 5;
/// Layout version written into new pricing policies.
pub const TFGRID_PRICING_POLICY_VERSION: u32 = 2;
/// Layout version written into new farming policies.
pub const TFGRID_FARMING_POLICY_VERSION: u32 = 2;

/// Longest RMB relay address of a twin.
pub const MAX_RELAY_LENGTH: u32 = 1024;
/// Longest public key of a twin.
pub const MAX_PK_LENGTH: u32 = 128;
/// Longest entity name.
pub const MAX_ENTITY_NAME_LENGTH: u32 = 128;
/// Length of a hex-encoded 64-byte signature.
pub const SIGNATURE_HEX_LENGTH: u32 = 128;
/// Most entity proofs a twin holds.
pub const MAX_TWIN_ENTITIES: u32 = 32;
/// Longest pricing or farming policy name.
pub const MAX_POLICY_NAME_LENGTH: u32 = 128;
/// Most distinct terms-and-conditions documents an account accepts.
pub const MAX_TERMS_AND_CONDITIONS: u32 = 32;
/// Longest terms-and-conditions document link.
pub const MAX_DOCUMENT_LINK_LENGTH: u32 = 2048;
/// Longest terms-and-conditions document hash.
pub const MAX_DOCUMENT_HASH_LENGTH: u32 = 50;
/// Longest Zero-OS version string.
pub const MAX_ZOS_VERSION_LENGTH: u32 = 256;
/// Length of a Stellar account address (`G…`, 56 base32 characters).
pub const STELLAR_ADDRESS_LENGTH: u32 = 56;

/// RMB relay address of a twin.
pub type Relay = BoundedVec<u8, ConstU32<MAX_RELAY_LENGTH>>;
/// Public key of a twin, used to encrypt RMB messages.
pub type TwinPk = BoundedVec<u8, ConstU32<MAX_PK_LENGTH>>;
/// Name of an entity.
pub type EntityName = BoundedVec<u8, ConstU32<MAX_ENTITY_NAME_LENGTH>>;
/// A hex-encoded signature as stored in an entity proof.
pub type SignatureHex = BoundedVec<u8, ConstU32<SIGNATURE_HEX_LENGTH>>;
/// Name of a pricing or farming policy.
pub type PolicyName = BoundedVec<u8, ConstU32<MAX_POLICY_NAME_LENGTH>>;
/// Link to a terms-and-conditions document.
pub type DocumentLink = BoundedVec<u8, ConstU32<MAX_DOCUMENT_LINK_LENGTH>>;
/// Hash of a terms-and-conditions document.
pub type DocumentHash = BoundedVec<u8, ConstU32<MAX_DOCUMENT_HASH_LENGTH>>;
/// A Zero-OS version string.
pub type ZosVersionString = BoundedVec<u8, ConstU32<MAX_ZOS_VERSION_LENGTH>>;
/// A Stellar payout address.
pub type StellarAddress = BoundedVec<u8, ConstU32<STELLAR_ADDRESS_LENGTH>>;

/// A legal or physical person, proven by a signature of its account.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Entity<AccountId> {
	/// Layout version (1).
	pub version: u32,
	/// Entity id, from 1.
	pub id: u32,
	/// Unique name.
	pub name: EntityName,
	/// The entity's account.
	pub account_id: AccountId,
	/// Country.
	pub country: CountryName,
	/// City.
	pub city: CityName,
}

/// A twin's claim to represent an entity, signed by the entity's account.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct EntityProof {
	/// The entity.
	pub entity_id: u32,
	/// Hex of the entity account's signature over `entity_id ‖ twin_id` (big endian).
	pub signature: SignatureHex,
}

/// The on-chain identity of a user, farmer or node: what farms, nodes and contracts refer to.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Twin<AccountId> {
	/// Twin id, from 1.
	pub id: u32,
	/// The account that owns the twin and pays for its contracts.
	pub account_id: AccountId,
	/// RMB relay address.
	pub relay: Option<Relay>,
	/// Entities the twin represents.
	pub entities: BoundedVec<EntityProof, ConstU32<MAX_TWIN_ENTITIES>>,
	/// Public key for RMB encryption.
	pub pk: Option<TwinPk>,
}

/// A terms-and-conditions document an account accepted.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct TermsAndConditions<AccountId> {
	/// Who accepted.
	pub account_id: AccountId,
	/// When, Unix seconds.
	pub timestamp: u64,
	/// Link to the document.
	pub document_link: DocumentLink,
	/// Hash of the document.
	pub document_hash: DocumentHash,
}

/// Unit a price applies to.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum Unit {
	/// Bytes.
	Bytes,
	/// Kilobytes.
	Kilobytes,
	/// Megabytes.
	Megabytes,
	/// Gigabytes.
	#[default]
	Gigabytes,
	/// Terabytes (TFChain's spelling).
	Terrabytes,
}

impl Unit {
	/// TFChain's numbering in genesis: 1 Bytes … 5 Terrabytes; anything else is Gigabytes.
	pub fn from_u32(unit: u32) -> Unit {
		match unit {
			1 => Unit::Bytes,
			2 => Unit::Kilobytes,
			3 => Unit::Megabytes,
			5 => Unit::Terrabytes,
			_ => Unit::Gigabytes,
		}
	}

	/// Bytes per unit in powers of 1000 (used for network units).
	pub fn factor_base_1000(&self) -> u128 {
		1000u128.pow(self.exponent())
	}

	/// Bytes per unit in powers of 1024 (used for storage and memory).
	pub fn factor_base_1024(&self) -> u128 {
		1024u128.pow(self.exponent())
	}

	fn exponent(&self) -> u32 {
		match self {
			Unit::Bytes => 0,
			Unit::Kilobytes => 1,
			Unit::Megabytes => 2,
			Unit::Gigabytes => 3,
			Unit::Terrabytes => 4,
		}
	}
}

/// A price per unit.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Policy {
	/// Price in units USD (10^-7 USD) per hour.
	pub value: u32,
	/// The unit of capacity it applies to.
	pub unit: Unit,
}

/// Prices of the grid's cloud units and where contract payments go.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct PricingPolicy<AccountId> {
	/// Layout version.
	pub version: u32,
	/// Policy id, from 1.
	pub id: u32,
	/// Unique name.
	pub name: PolicyName,
	/// Storage unit price.
	pub su: Policy,
	/// Compute unit price.
	pub cu: Policy,
	/// Network unit price.
	pub nu: Policy,
	/// Public IP price.
	pub ipu: Policy,
	/// Name contract price.
	pub unique_name: Policy,
	/// Domain name price.
	pub domain_name: Policy,
	/// Receives the foundation's share of payments.
	pub foundation_account: AccountId,
	/// Receives the sales share of payments on certified capacity.
	pub certified_sales_account: AccountId,
	/// Percentage of the full node price a dedicated (rented) node pays.
	pub discount_for_dedication_nodes: u8,
}

/// Reward parameters of farming (used off chain by minting) and who may get them.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct FarmingPolicy<BlockNumber> {
	/// Layout version.
	pub version: u32,
	/// Policy id, from 1.
	pub id: u32,
	/// Name.
	pub name: PolicyName,
	/// Reward per CU.
	pub cu: u32,
	/// Reward per SU.
	pub su: u32,
	/// Reward per NU.
	pub nu: u32,
	/// Reward per public IPv4.
	pub ipv4: u32,
	/// Minimal uptime, percent.
	pub minimal_uptime: u16,
	/// Block the policy was created at.
	pub policy_created: BlockNumber,
	/// Block from which the policy can no longer be attached or given out; 0 is never.
	pub policy_end: BlockNumber,
	/// Whether the policy can no longer be updated.
	pub immutable: bool,
	/// Whether nodes without a farm-specific policy may get it.
	pub default: bool,
	/// Node certification the policy requires.
	pub node_certification: NodeCertification,
	/// Farm certification the policy requires.
	pub farm_certification: FarmCertification,
}

impl<B> FarmingPolicy<B> {
	/// Order used to pick a policy: defaults first, then the most certified, then the newest.
	pub fn preference_key(&self) -> (bool, FarmCertification, NodeCertification, u32) {
		(self.default, self.farm_certification, self.node_certification, self.id)
	}
}

/// TFChain's own storage version marker (kept for call compatibility; not used for migrations,
/// which use FRAME's storage version).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
#[allow(missing_docs)]
pub enum StorageVersion {
	V1Struct,
	V2Struct,
	V3Struct,
	V4Struct,
	V5Struct,
	V6Struct,
	V7Struct,
	V8Struct,
	V9Struct,
	V10Struct,
	V11Struct,
	V12Struct,
	V13Struct,
	V14Struct,
	V15Struct,
	V16Struct,
	#[default]
	V17Struct,
}
