//! The deployment document: types and their JSON form.
//!
//! Field names are snake_case. Unknown fields are rejected everywhere (an ignored field would
//! not be covered by the hash and would do nothing), so a typo fails loudly. A workload carries
//! its type-specific part as `"type": "<kind>", "data": { ... }`:
//!
//! ```json
//! { "version": 0, "name": "disk", "type": "zmount", "data": { "size": 1073741824 },
//!   "metadata": "", "description": "" }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::DeploymentError;
use crate::state::WorkloadResult;

/// A deployment: what a twin asks one node to run under one node contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
	/// 0 when created; every update is exactly the previous version + 1.
	pub version: u32,
	/// The owner twin; it must be among the signature requests and must sign.
	pub twin_id: u32,
	/// The node contract; set after the contract exists, so it is not part of the hash.
	#[serde(default)]
	pub contract_id: u64,
	/// Free text for the client.
	#[serde(default)]
	pub metadata: String,
	/// Free text for the client.
	#[serde(default)]
	pub description: String,
	/// Who must sign and the signatures given.
	pub signature_requirement: SignatureRequirement,
	/// The workloads, in document order.
	pub workloads: Vec<Workload>,
}

/// Who has to sign a deployment, and the signatures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureRequirement {
	/// The twins asked to sign.
	pub requests: Vec<SignatureRequest>,
	/// The sum of the weights of the valid signatures must reach this.
	pub weight_required: u32,
	/// The signatures given (not part of the hash).
	#[serde(default)]
	pub signatures: Vec<Signature>,
	/// What exactly the signers signed.
	#[serde(default)]
	pub signature_style: SignatureStyle,
}

/// One twin asked to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureRequest {
	/// The twin.
	pub twin_id: u32,
	/// Whether the deployment is invalid without this twin's signature.
	pub required: bool,
	/// Weight of this twin's signature towards `weight_required`.
	pub weight: u32,
}

/// One signature over the deployment hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
	/// The signing twin.
	pub twin_id: u32,
	/// 64 signature bytes in hex (an optional `0x` prefix is accepted).
	pub signature: String,
	/// The scheme of the twin's key.
	pub signature_type: SignatureType,
}

/// Signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureType {
	/// Schnorrkel sr25519 with the Substrate signing context `b"substrate"`.
	Sr25519,
	/// Ed25519.
	Ed25519,
}

impl fmt::Display for SignatureType {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			SignatureType::Sr25519 => "sr25519",
			SignatureType::Ed25519 => "ed25519",
		})
	}
}

/// What message the signers signed (see [`crate::signature`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SignatureStyle {
	/// The 32 raw hash bytes (JSON `"raw"`, the default).
	#[default]
	#[serde(rename = "raw")]
	Raw,
	/// The text `<Bytes>0x{lowercase hex hash}</Bytes>`, what browser wallets sign
	/// (JSON `"polkadot-js"`).
	#[serde(rename = "polkadot-js")]
	PolkadotJs,
}

/// One unit of work inside a deployment.
///
/// JSON: `{"version", "name", "type", "data", "metadata", "description", "result"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "WorkloadRepr")]
pub struct Workload {
	/// Deployment version in which this workload was added or last changed.
	pub version: u32,
	/// Unique inside the deployment; the handle other workloads use to reference it.
	pub name: String,
	/// The type and its data.
	pub data: WorkloadData,
	/// Free text for the client.
	pub metadata: String,
	/// Free text for the client.
	pub description: String,
	/// Filled in by the node (not part of the hash).
	pub result: Option<WorkloadResult>,
}

/// The type-specific part of a workload.
///
/// On its own it serialises as `{"type": "zmachine", "data": {...}}`; inside a [`Workload`] the
/// two keys sit next to the workload's other fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum WorkloadData {
	/// A raw disk.
	Zmount(ZmountData),
	/// A private network.
	Network(NetworkData),
	/// A public IP from the contract's farm IPs.
	Ip(IpData),
	/// A virtual machine.
	Zmachine(ZmachineData),
}

/// The workload types, in install order (the derived `Ord` is that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadType {
	/// [`ZmountData`].
	Zmount,
	/// [`NetworkData`].
	Network,
	/// [`IpData`].
	Ip,
	/// [`ZmachineData`].
	Zmachine,
}

impl WorkloadType {
	/// The JSON name (`"zmount"`, `"network"`, `"ip"`, `"zmachine"`).
	pub fn as_str(self) -> &'static str {
		match self {
			WorkloadType::Zmount => "zmount",
			WorkloadType::Network => "network",
			WorkloadType::Ip => "ip",
			WorkloadType::Zmachine => "zmachine",
		}
	}

	/// Whether an update may change a workload of this type (ip and network may not).
	pub fn is_updatable(self) -> bool {
		matches!(self, WorkloadType::Zmount | WorkloadType::Zmachine)
	}
}

impl fmt::Display for WorkloadType {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.as_str())
	}
}

/// A raw disk attached to a zmachine as a virtio-blk device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmountData {
	/// Size in bytes: > 0 and a multiple of 1 MiB.
	pub size: u64,
}

/// A private network on this node: a /24 out of the twin's whole private range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkData {
	/// The whole private network, e.g. `10.20.0.0/16`.
	pub ip_range: String,
	/// This node's /24 inside `ip_range`, e.g. `10.20.1.0/24`; `.1` is the gateway.
	pub subnet: String,
}

/// A public IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpData {
	/// Whether to take an IPv4 address from the contract's public IPs.
	pub v4: bool,
}

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZmachineData {
	/// Name of an image in the agent's catalogue (`probe` is built in).
	pub image: String,
	/// Virtual CPUs, 1..=32.
	pub cpu: u8,
	/// Memory in bytes: at least 64 MiB and a multiple of 1 MiB.
	pub memory: u64,
	/// Root filesystem size in bytes, a multiple of 1 MiB; 0 for none.
	#[serde(default)]
	pub size: u64,
	/// Names of zmount workloads to attach, in order.
	#[serde(default)]
	pub mounts: Vec<String>,
	/// Name of the network workload to join.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub network: Option<String>,
	/// IPv4 address inside that network's subnet (not .0, .1 or .255).
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub ip: Option<String>,
	/// Name of the ip workload that gives this machine its public address.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub public_ip: Option<String>,
	/// Environment for the entrypoint.
	#[serde(default)]
	pub env: BTreeMap<String, String>,
	/// What the guest runs; empty for the image's default.
	#[serde(default)]
	pub entrypoint: String,
}

impl ZmachineData {
	/// A machine with an image, vCPUs and memory; no disks, networks or environment.
	pub fn new(image: impl Into<String>, cpu: u8, memory: u64) -> Self {
		ZmachineData {
			image: image.into(),
			cpu,
			memory,
			size: 0,
			mounts: Vec::new(),
			network: None,
			ip: None,
			public_ip: None,
			env: BTreeMap::new(),
			entrypoint: String::new(),
		}
	}
}

impl WorkloadData {
	/// The type of this data.
	pub fn kind(&self) -> WorkloadType {
		match self {
			WorkloadData::Zmount(_) => WorkloadType::Zmount,
			WorkloadData::Network(_) => WorkloadType::Network,
			WorkloadData::Ip(_) => WorkloadType::Ip,
			WorkloadData::Zmachine(_) => WorkloadType::Zmachine,
		}
	}
}

impl Workload {
	/// A version-0 workload without metadata, description or result.
	pub fn new(name: impl Into<String>, data: WorkloadData) -> Self {
		Workload {
			version: 0,
			name: name.into(),
			data,
			metadata: String::new(),
			description: String::new(),
			result: None,
		}
	}

	/// The workload's type.
	pub fn kind(&self) -> WorkloadType {
		self.data.kind()
	}
}

impl Deployment {
	/// A version-0 deployment owned by `twin_id` that only the owner has to sign
	/// (one required request of weight 1, `weight_required` 1, raw style), no contract yet.
	pub fn new(twin_id: u32, workloads: Vec<Workload>) -> Self {
		Deployment {
			version: 0,
			twin_id,
			contract_id: 0,
			metadata: String::new(),
			description: String::new(),
			signature_requirement: SignatureRequirement::single(twin_id),
			workloads,
		}
	}

	/// Parses a JSON document.
	pub fn from_json(text: &str) -> Result<Self, DeploymentError> {
		serde_json::from_str(text).map_err(|e| DeploymentError::Json(e.to_string()))
	}

	/// Parses a JSON document from bytes.
	pub fn from_json_slice(bytes: &[u8]) -> Result<Self, DeploymentError> {
		serde_json::from_slice(bytes).map_err(|e| DeploymentError::Json(e.to_string()))
	}

	/// The document as compact JSON.
	pub fn to_json(&self) -> Result<String, DeploymentError> {
		serde_json::to_string(self).map_err(|e| DeploymentError::Json(e.to_string()))
	}

	/// The document as indented JSON.
	pub fn to_json_pretty(&self) -> Result<String, DeploymentError> {
		serde_json::to_string_pretty(self).map_err(|e| DeploymentError::Json(e.to_string()))
	}

	/// The workload called `name`.
	pub fn workload(&self, name: &str) -> Option<&Workload> {
		self.workloads.iter().find(|w| w.name == name)
	}

	/// The workload called `name`, mutable (e.g. to set its result).
	pub fn workload_mut(&mut self, name: &str) -> Option<&mut Workload> {
		self.workloads.iter_mut().find(|w| w.name == name)
	}
}

impl SignatureRequirement {
	/// Only `twin_id` signs: one required request of weight 1, `weight_required` 1, raw style.
	pub fn single(twin_id: u32) -> Self {
		SignatureRequirement {
			requests: vec![SignatureRequest { twin_id, required: true, weight: 1 }],
			weight_required: 1,
			signatures: Vec::new(),
			signature_style: SignatureStyle::Raw,
		}
	}
}

/// The JSON shape of a workload; the data stays raw until the type is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadRepr {
	version: u32,
	name: String,
	#[serde(rename = "type")]
	kind: WorkloadType,
	data: serde_json::Value,
	#[serde(default)]
	metadata: String,
	#[serde(default)]
	description: String,
	#[serde(default)]
	result: Option<WorkloadResult>,
}

/// Why a workload's JSON could not be turned into a [`Workload`].
struct WorkloadDataError {
	name: String,
	kind: WorkloadType,
	source: serde_json::Error,
}

impl fmt::Display for WorkloadDataError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "workload {:?}: invalid {} data: {}", self.name, self.kind, self.source)
	}
}

impl TryFrom<WorkloadRepr> for Workload {
	type Error = WorkloadDataError;

	fn try_from(repr: WorkloadRepr) -> Result<Self, Self::Error> {
		let WorkloadRepr { version, name, kind, data, metadata, description, result } = repr;
		let parsed = match kind {
			WorkloadType::Zmount => serde_json::from_value(data).map(WorkloadData::Zmount),
			WorkloadType::Network => serde_json::from_value(data).map(WorkloadData::Network),
			WorkloadType::Ip => serde_json::from_value(data).map(WorkloadData::Ip),
			WorkloadType::Zmachine => serde_json::from_value(data).map(WorkloadData::Zmachine),
		};
		match parsed {
			Ok(data) => Ok(Workload { version, name, data, metadata, description, result }),
			Err(source) => Err(WorkloadDataError { name, kind, source }),
		}
	}
}

impl Serialize for Workload {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		let mut s = serializer.serialize_struct("Workload", 7)?;
		s.serialize_field("version", &self.version)?;
		s.serialize_field("name", &self.name)?;
		s.serialize_field("type", &self.kind())?;
		match &self.data {
			WorkloadData::Zmount(d) => s.serialize_field("data", d)?,
			WorkloadData::Network(d) => s.serialize_field("data", d)?,
			WorkloadData::Ip(d) => s.serialize_field("data", d)?,
			WorkloadData::Zmachine(d) => s.serialize_field("data", d)?,
		}
		s.serialize_field("metadata", &self.metadata)?;
		s.serialize_field("description", &self.description)?;
		match &self.result {
			Some(result) => s.serialize_field("result", result)?,
			None => s.skip_field("result")?,
		}
		s.end()
	}
}
