//! The one error type of this crate.

use crate::model::{SignatureType, WorkloadType};

/// Everything that can be wrong with a deployment document, its signatures or an update.
///
/// Each failure has its own variant; variants about one workload carry its name in `workload`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeploymentError {
	// ----- JSON -----
	/// The JSON text is not a deployment document (syntax, missing or unknown field, wrong type).
	#[error("invalid deployment JSON: {0}")]
	Json(String),

	// ----- structure (validate) -----
	/// The deployment has no workloads.
	#[error("the deployment has no workloads")]
	NoWorkloads,
	/// A workload has an empty name.
	#[error("a workload has an empty name")]
	EmptyName,
	/// A workload name is longer than [`crate::MAX_NAME_LEN`] characters.
	#[error("workload name {name:?} is longer than {max} characters")]
	NameTooLong {
		/// The offending name.
		name: String,
		/// The limit.
		max: usize,
	},
	/// A workload name has a character outside `[a-z0-9_-]`.
	#[error("workload name {name:?} has characters other than a-z, 0-9, '_' and '-'")]
	InvalidNameChars {
		/// The offending name.
		name: String,
	},
	/// Two workloads share a name.
	#[error("workload name {name:?} is used more than once")]
	DuplicateName {
		/// The repeated name.
		name: String,
	},
	/// A workload's version is above the deployment's version.
	#[error("workload {workload}: version {version} is above the deployment version {deployment_version}")]
	WorkloadVersionTooHigh {
		/// Workload name.
		workload: String,
		/// The workload's version.
		version: u32,
		/// The deployment's version.
		deployment_version: u32,
	},
	/// A request lists the same twin twice in `signature_requirement.requests`.
	#[error("twin {twin_id} appears more than once in the signature requests")]
	DuplicateRequest {
		/// The repeated twin.
		twin_id: u32,
	},
	/// A zmachine's `cpu` is outside `1..=32`.
	#[error("workload {workload}: cpu {cpu} is outside 1..={max}", max = crate::MAX_CPU)]
	CpuOutOfRange {
		/// Workload name.
		workload: String,
		/// The requested vCPU count.
		cpu: u8,
	},
	/// A zmachine's `memory` is below [`crate::MIN_MEMORY`].
	#[error("workload {workload}: memory {memory} bytes is below the minimum of {min} bytes", min = crate::MIN_MEMORY)]
	MemoryTooSmall {
		/// Workload name.
		workload: String,
		/// The requested memory in bytes.
		memory: u64,
	},
	/// A zmachine's `memory` is not a multiple of 1 MiB.
	#[error("workload {workload}: memory {memory} bytes is not a multiple of 1 MiB")]
	MemoryNotMibAligned {
		/// Workload name.
		workload: String,
		/// The requested memory in bytes.
		memory: u64,
	},
	/// A zmachine's root filesystem `size` is not a multiple of 1 MiB.
	#[error("workload {workload}: rootfs size {size} bytes is not a multiple of 1 MiB")]
	RootfsNotMibAligned {
		/// Workload name.
		workload: String,
		/// The requested size in bytes.
		size: u64,
	},
	/// A zmachine has an empty `image`.
	#[error("workload {workload}: image is empty")]
	EmptyImage {
		/// Workload name.
		workload: String,
	},
	/// A zmachine references a workload name that does not exist in the deployment.
	#[error("workload {workload}: references {reference:?} as its {expected}, but there is no workload of that name")]
	UnknownReference {
		/// The referencing workload.
		workload: String,
		/// The referenced name.
		reference: String,
		/// The type the reference must have.
		expected: WorkloadType,
	},
	/// A zmachine references a workload of the wrong type (e.g. mounts a network).
	#[error(
		"workload {workload}: references {reference:?} as its {expected}, but it is a {found}"
	)]
	WrongReferenceType {
		/// The referencing workload.
		workload: String,
		/// The referenced name.
		reference: String,
		/// The type the reference must have.
		expected: WorkloadType,
		/// The type it has.
		found: WorkloadType,
	},
	/// A zmount is mounted twice (by two zmachines, or twice by the same one).
	#[error("workload {workload}: zmount {zmount:?} is already mounted by {used_by:?}")]
	ZmountInUse {
		/// The zmachine mounting it a second time.
		workload: String,
		/// The zmount.
		zmount: String,
		/// The zmachine that mounted it first.
		used_by: String,
	},
	/// An ip workload is used as `public_ip` by two zmachines.
	#[error("workload {workload}: public ip {ip_workload:?} is already used by {used_by:?}")]
	PublicIpInUse {
		/// The zmachine using it a second time.
		workload: String,
		/// The ip workload.
		ip_workload: String,
		/// The zmachine that uses it first.
		used_by: String,
	},
	/// A zmachine has an `ip` but no `network`.
	#[error("workload {workload}: has an ip but no network")]
	IpWithoutNetwork {
		/// Workload name.
		workload: String,
	},
	/// A zmachine's `ip` is not an IPv4 address.
	#[error("workload {workload}: {ip:?} is not an IPv4 address")]
	InvalidIp {
		/// Workload name.
		workload: String,
		/// The text given.
		ip: String,
	},
	/// A zmachine's `ip` is outside its network's subnet.
	#[error("workload {workload}: ip {ip} is outside the subnet {subnet}")]
	IpOutsideSubnet {
		/// Workload name.
		workload: String,
		/// The address.
		ip: String,
		/// The network's subnet.
		subnet: String,
	},
	/// A zmachine's `ip` is the subnet's network (.0), gateway (.1) or broadcast (.255) address.
	#[error("workload {workload}: ip {ip} is reserved (network, gateway or broadcast address)")]
	ReservedIp {
		/// Workload name.
		workload: String,
		/// The address.
		ip: String,
	},
	/// Two zmachines ask for the same address on the same network.
	#[error("workload {workload}: ip {ip} on network {network:?} is already used by {used_by:?}")]
	DuplicateIp {
		/// The zmachine asking a second time.
		workload: String,
		/// The address.
		ip: String,
		/// The network workload.
		network: String,
		/// The zmachine that asked first.
		used_by: String,
	},
	/// A zmount has size 0.
	#[error("workload {workload}: zmount size is 0")]
	ZmountSizeZero {
		/// Workload name.
		workload: String,
	},
	/// A zmount's size is not a multiple of 1 MiB.
	#[error("workload {workload}: zmount size {size} bytes is not a multiple of 1 MiB")]
	ZmountNotMibAligned {
		/// Workload name.
		workload: String,
		/// The size in bytes.
		size: u64,
	},
	/// A network's `ip_range` or `subnet` is not an IPv4 network in CIDR notation
	/// (`a.b.c.d/n` with the host bits zero).
	#[error("workload {workload}: {field} {value:?} is not an IPv4 network in CIDR notation")]
	InvalidCidr {
		/// Workload name.
		workload: String,
		/// `"ip_range"` or `"subnet"`.
		field: &'static str,
		/// The text given.
		value: String,
	},
	/// A network's `subnet` is not a /24.
	#[error("workload {workload}: subnet {subnet} is not a /24")]
	SubnetNotSlash24 {
		/// Workload name.
		workload: String,
		/// The subnet.
		subnet: String,
	},
	/// A network's `subnet` is not inside its `ip_range`.
	#[error("workload {workload}: subnet {subnet} is not inside ip_range {ip_range}")]
	SubnetOutsideRange {
		/// Workload name.
		workload: String,
		/// The subnet.
		subnet: String,
		/// The range.
		ip_range: String,
	},

	// ----- signatures -----
	/// The deploying twin (`twin_id`) is not among the signature requests.
	#[error("the deploying twin {twin_id} is not among the signature requests")]
	OwnerNotRequested {
		/// The deploying twin.
		twin_id: u32,
	},
	/// The deploying twin did not sign.
	#[error("the deploying twin {twin_id} did not sign")]
	OwnerNotSigned {
		/// The deploying twin.
		twin_id: u32,
	},
	/// A signature comes from a twin that is not among the requests.
	#[error("twin {twin_id} signed but is not among the signature requests")]
	UnexpectedSignature {
		/// The signing twin.
		twin_id: u32,
	},
	/// A twin signed more than once.
	#[error("twin {twin_id} signed more than once")]
	DuplicateSignature {
		/// The signing twin.
		twin_id: u32,
	},
	/// A signature is not valid hex.
	#[error("the signature of twin {twin_id} is not valid hex")]
	SignatureHex {
		/// The signing twin.
		twin_id: u32,
	},
	/// A signature does not have 64 bytes.
	#[error("the signature of twin {twin_id} has {len} bytes, expected 64")]
	SignatureLength {
		/// The signing twin.
		twin_id: u32,
		/// Its length in bytes.
		len: usize,
	},
	/// No public key is known for a twin that has to be checked.
	#[error("no public key is known for twin {twin_id}")]
	UnknownTwin {
		/// The twin.
		twin_id: u32,
	},
	/// A twin's public key is not a valid key of the signature's type.
	#[error("the public key of twin {twin_id} is not a valid {signature_type} key")]
	InvalidPublicKey {
		/// The twin.
		twin_id: u32,
		/// The signature type claimed.
		signature_type: SignatureType,
	},
	/// A signature does not verify against the twin's key and the deployment hash.
	#[error("the {signature_type} signature of twin {twin_id} does not verify")]
	InvalidSignature {
		/// The signing twin.
		twin_id: u32,
		/// The signature type claimed.
		signature_type: SignatureType,
	},
	/// A twin whose request is `required` did not sign.
	#[error("twin {twin_id} is required to sign but did not")]
	MissingRequiredSignature {
		/// The twin.
		twin_id: u32,
	},
	/// The weights of the valid signatures do not reach `weight_required`.
	#[error("signature weight {got} is below the required {required}")]
	InsufficientWeight {
		/// Sum of the weights of the valid signatures.
		got: u64,
		/// `signature_requirement.weight_required`.
		required: u32,
	},

	// ----- upgrade -----
	/// The update changes the owner twin.
	#[error("an update cannot change the twin ({old} -> {new})")]
	TwinChanged {
		/// Twin of the current deployment.
		old: u32,
		/// Twin of the update.
		new: u32,
	},
	/// The update changes the contract id.
	#[error("an update cannot change the contract ({old} -> {new})")]
	ContractChanged {
		/// Contract of the current deployment.
		old: u64,
		/// Contract of the update.
		new: u64,
	},
	/// The update's version is not the current version + 1.
	#[error("an update must have version {expected}, got {new}", expected = u64::from(*old) + 1)]
	VersionNotIncremented {
		/// Version of the current deployment.
		old: u32,
		/// Version of the update.
		new: u32,
	},
	/// An update changes a workload's type.
	#[error("workload {workload}: an update cannot change its type ({old} -> {new})")]
	TypeChanged {
		/// Workload name.
		workload: String,
		/// Current type.
		old: WorkloadType,
		/// Type in the update.
		new: WorkloadType,
	},
	/// An update touches a workload whose type cannot be updated (ip, network).
	#[error("workload {workload}: a {kind} workload cannot be updated")]
	NotUpdatable {
		/// Workload name.
		workload: String,
		/// Its type.
		kind: WorkloadType,
	},
	/// An update shrinks a zmount.
	#[error("workload {workload}: a zmount cannot shrink ({old} -> {new} bytes)")]
	ZmountShrink {
		/// Workload name.
		workload: String,
		/// Current size.
		old: u64,
		/// Size in the update.
		new: u64,
	},
	/// A workload changed but its version was not set to the deployment's new version.
	#[error("workload {workload}: changed without taking the new deployment version")]
	ChangedWithoutVersion {
		/// Workload name.
		workload: String,
	},
	/// A workload that is new in the update does not carry the update's version.
	#[error(
		"workload {workload}: is new but has version {version}, expected {deployment_version}"
	)]
	NewWorkloadOldVersion {
		/// Workload name.
		workload: String,
		/// Its version.
		version: u32,
		/// The update's version.
		deployment_version: u32,
	},
}
