//! The deployment hash: blake2-256 over the SCALE encoding of the *hashed view*.
//!
//! The chain's node contract stores these 32 raw bytes as `deployment_hash`, and the signers sign
//! them (see [`crate::signature`]). The hashed view is the whole document **except**
//! `contract_id` (the contract is created after the hash), `signature_requirement.signatures`
//! and every workload's `result`, in document order. Any client that wants to deploy must build
//! exactly these bytes; the rules below are complete.
//!
//! # Encoding
//!
//! Primitives (SCALE, as in `parity-scale-codec` and `@polkadot/types`):
//!
//! - `u8`: one byte; `u32`, `u64`: 4 / 8 bytes little-endian; `bool`: `0x00` or `0x01`.
//! - `compact(n)` (unsigned): `n < 2^6`: one byte `n << 2`; `n < 2^14`: two bytes LE of
//!   `(n << 2) | 0b01`; `n < 2^30`: four bytes LE of `(n << 2) | 0b10`; otherwise one byte
//!   `((k - 4) << 2) | 0b11` followed by the `k` bytes LE of `n` (`k` minimal, ≥ 4).
//! - `str(s)`: `compact(number of UTF-8 bytes)` then the UTF-8 bytes as given (no normalisation).
//! - `list(x)`: `compact(number of items)` then each item.
//! - `opt(s)`: `0x00` when absent (JSON `null` or missing), `0x01 ++ str(s)` when present
//!   (an empty string is present).
//!
//! Document, field by field, nothing between fields:
//!
//! ```text
//! deployment  = u32(version) u32(twin_id) str(metadata) str(description)
//!               list(request) u32(weight_required) u8(signature_style)
//!               list(workload)                      -- workloads in document order
//! request     = u32(twin_id) bool(required) u32(weight)   -- requests in document order
//! signature_style: raw = 0x00, polkadot-js = 0x01
//! workload    = u32(version) str(name) u8(type) data str(metadata) str(description)
//! type        : zmount = 0x00, network = 0x01, ip = 0x02, zmachine = 0x03
//! data zmount   = u64(size)
//! data network  = str(ip_range) str(subnet)
//! data ip       = bool(v4)
//! data zmachine = str(image) u8(cpu) u64(memory) u64(size) list(str(mount))
//!                 opt(network) opt(ip) opt(public_ip)
//!                 compact(number of env entries) (str(key) str(value))*   -- keys in ascending
//!                                                                            byte order, unique
//!                 str(entrypoint)
//! ```
//!
//! `hash = BLAKE2b(digest length 32, no key, no salt, no personalisation)(deployment)`; this is
//! Substrate's `blake2_256` and `@polkadot/util-crypto`'s `blake2AsU8a(bytes, 256)`.
//!
//! # Example
//!
//! `Deployment::new(1, vec![Workload::new("d", WorkloadData::Zmount(ZmountData { size: 1048576 }))])`
//! (version 0, no metadata, one request `{twin 1, required, weight 1}`, weight_required 1, raw)
//! encodes to
//!
//! ```text
//! 00000000 01000000 00 00                 version, twin_id, metadata, description
//! 04 01000000 01 01000000                 one request: twin 1, required, weight 1
//! 01000000 00                             weight_required 1, style raw
//! 04 00000000 04 64 00                    one workload: version 0, name "d", type zmount
//!    0000100000000000 00 00               size 1048576, metadata, description
//! ```
//!
//! and hashes to `696cf6371c39234af4f123ac3e78c0502bae8dada79156bc5c471ba5f49b1390` (checked by
//! a test). **Changing this encoding breaks every deployed client and every hash on chain.**

use std::collections::BTreeMap;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use codec::Encode;

use crate::model::{
	Deployment, IpData, NetworkData, SignatureRequest, SignatureRequirement, SignatureStyle,
	Workload, WorkloadData, ZmachineData, ZmountData,
};

/// BLAKE2b with a 32-byte digest.
type Blake2b256 = Blake2b<U32>;

/// The hashed view of a [`Deployment`].
#[derive(Encode)]
struct HashedDeployment<'a> {
	version: u32,
	twin_id: u32,
	metadata: &'a str,
	description: &'a str,
	requests: Vec<HashedRequest>,
	weight_required: u32,
	signature_style: HashedStyle,
	workloads: Vec<HashedWorkload<'a>>,
}

/// The hashed view of a [`SignatureRequest`].
#[derive(Encode)]
struct HashedRequest {
	twin_id: u32,
	required: bool,
	weight: u32,
}

/// The hashed view of a [`SignatureStyle`].
#[derive(Encode)]
enum HashedStyle {
	#[codec(index = 0)]
	Raw,
	#[codec(index = 1)]
	PolkadotJs,
}

/// The hashed view of a [`Workload`].
#[derive(Encode)]
struct HashedWorkload<'a> {
	version: u32,
	name: &'a str,
	data: HashedData<'a>,
	metadata: &'a str,
	description: &'a str,
}

/// The hashed view of a [`WorkloadData`]: the variant index is the type byte.
#[derive(Encode)]
enum HashedData<'a> {
	#[codec(index = 0)]
	Zmount { size: u64 },
	#[codec(index = 1)]
	Network { ip_range: &'a str, subnet: &'a str },
	#[codec(index = 2)]
	Ip { v4: bool },
	#[codec(index = 3)]
	Zmachine {
		image: &'a str,
		cpu: u8,
		memory: u64,
		size: u64,
		mounts: &'a [String],
		network: Option<&'a str>,
		ip: Option<&'a str>,
		public_ip: Option<&'a str>,
		env: &'a BTreeMap<String, String>,
		entrypoint: &'a str,
	},
}

// The views are built by exhaustive destructuring: a field added to the model without a
// decision here is a compile error.

impl<'a> HashedDeployment<'a> {
	fn of(d: &'a Deployment) -> Self {
		let Deployment {
			version,
			twin_id,
			contract_id: _,
			metadata,
			description,
			signature_requirement,
			workloads,
		} = d;
		let SignatureRequirement { requests, weight_required, signatures: _, signature_style } =
			signature_requirement;
		HashedDeployment {
			version: *version,
			twin_id: *twin_id,
			metadata,
			description,
			requests: requests.iter().map(HashedRequest::of).collect(),
			weight_required: *weight_required,
			signature_style: match signature_style {
				SignatureStyle::Raw => HashedStyle::Raw,
				SignatureStyle::PolkadotJs => HashedStyle::PolkadotJs,
			},
			workloads: workloads.iter().map(HashedWorkload::of).collect(),
		}
	}
}

impl HashedRequest {
	fn of(r: &SignatureRequest) -> Self {
		let SignatureRequest { twin_id, required, weight } = r;
		HashedRequest { twin_id: *twin_id, required: *required, weight: *weight }
	}
}

impl<'a> HashedWorkload<'a> {
	fn of(w: &'a Workload) -> Self {
		let Workload { version, name, data, metadata, description, result: _ } = w;
		HashedWorkload {
			version: *version,
			name,
			data: HashedData::of(data),
			metadata,
			description,
		}
	}
}

impl<'a> HashedData<'a> {
	fn of(data: &'a WorkloadData) -> Self {
		match data {
			WorkloadData::Zmount(ZmountData { size }) => HashedData::Zmount { size: *size },
			WorkloadData::Network(NetworkData { ip_range, subnet }) => {
				HashedData::Network { ip_range, subnet }
			},
			WorkloadData::Ip(IpData { v4 }) => HashedData::Ip { v4: *v4 },
			WorkloadData::Zmachine(ZmachineData {
				image,
				cpu,
				memory,
				size,
				mounts,
				network,
				ip,
				public_ip,
				env,
				entrypoint,
			}) => HashedData::Zmachine {
				image,
				cpu: *cpu,
				memory: *memory,
				size: *size,
				mounts,
				network: network.as_deref(),
				ip: ip.as_deref(),
				public_ip: public_ip.as_deref(),
				env,
				entrypoint,
			},
		}
	}
}

impl Deployment {
	/// The bytes that are hashed (see the [module docs](crate::hash)); for debugging clients.
	pub fn hashed_bytes(&self) -> Vec<u8> {
		HashedDeployment::of(self).encode()
	}

	/// The deployment hash: blake2-256 of [`Deployment::hashed_bytes`]. The chain's
	/// `deployment_hash` holds these 32 bytes.
	pub fn hash(&self) -> [u8; 32] {
		let mut hasher = Blake2b256::new();
		hasher.update(self.hashed_bytes());
		hasher.finalize().into()
	}

	/// [`Deployment::hash`] as 64 lowercase hex characters (no `0x`).
	pub fn hash_hex(&self) -> String {
		hex::encode(self.hash())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::{Signature, SignatureType};
	use crate::state::{ResultState, WorkloadResult};
	use crate::MIB;

	/// The document of the stability test. Do not edit: its hash is pinned below.
	fn fixed_document() -> Deployment {
		let mut vm = ZmachineData::new("probe", 2, 256 * MIB);
		vm.size = 100 * MIB;
		vm.mounts = vec!["disk".into()];
		vm.network = Some("net".into());
		vm.ip = Some("10.20.1.2".into());
		vm.public_ip = None;
		vm.env.insert("B".into(), "2".into());
		vm.env.insert("A".into(), "1".into());
		vm.entrypoint = "/sbin/init".into();
		let mut d = Deployment::new(
			7,
			vec![
				Workload::new("disk", WorkloadData::Zmount(ZmountData { size: 1024 * MIB })),
				Workload::new(
					"net",
					WorkloadData::Network(NetworkData {
						ip_range: "10.20.0.0/16".into(),
						subnet: "10.20.1.0/24".into(),
					}),
				),
				Workload::new("pub", WorkloadData::Ip(IpData { v4: true })),
				Workload::new("vm", WorkloadData::Zmachine(vm)),
			],
		);
		d.version = 3;
		d.metadata = "{\"type\":\"vm\"}".into();
		d.description = "stability fixture".into();
		d.signature_requirement.requests.push(SignatureRequest {
			twin_id: 9,
			required: false,
			weight: 2,
		});
		d.signature_requirement.weight_required = 2;
		d.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		d.workloads[0].version = 1;
		d.workloads[3].version = 3;
		d.workloads[3].metadata = "m".into();
		d.workloads[3].description = "d".into();
		d
	}

	/// Pinned hash of [`fixed_document`], computed once from this implementation.
	///
	/// Clients (the JS library, the `deploy` command, hashes already on chain) rely on these
	/// exact bytes. If this test fails, the encoding changed: that breaks every client and every
	/// existing contract. Fix the code, do not update the constant.
	const FIXED_HASH: &str = "6b184ab38c59d7251fb562ef3c42df941f9a91dc6706c2d81bcf2d389874293a";

	#[test]
	fn hash_is_stable() {
		assert_eq!(fixed_document().hash_hex(), FIXED_HASH);
	}

	#[test]
	fn documented_example_encoding_and_hash() {
		let d = Deployment::new(
			1,
			vec![Workload::new("d", WorkloadData::Zmount(ZmountData { size: 1_048_576 }))],
		);
		let expected = concat!(
			"00000000",
			"01000000",
			"00",
			"00", // version, twin, metadata, description
			"04",
			"01000000",
			"01",
			"01000000", // one request
			"01000000",
			"00", // weight_required, style
			"04",
			"00000000",
			"0464",
			"00", // workload version, name "d", type zmount
			"0000100000000000",
			"00",
			"00", // size, metadata, description
		);
		assert_eq!(hex::encode(d.hashed_bytes()), expected);
		assert_eq!(
			d.hash_hex(),
			"696cf6371c39234af4f123ac3e78c0502bae8dada79156bc5c471ba5f49b1390"
		);
	}

	#[test]
	fn blake2_256_known_answer() {
		// blake2b-256 of the empty input (RFC 7693 parameters, digest length 32).
		let mut h = Blake2b256::new();
		h.update([]);
		let out: [u8; 32] = h.finalize().into();
		assert_eq!(
			hex::encode(out),
			"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
		);
	}

	#[test]
	fn zmachine_encoding_by_hand() {
		let mut vm = ZmachineData::new("p", 1, 64 * MIB);
		vm.mounts = vec!["a".into(), "b".into()];
		vm.network = Some("n".into());
		vm.ip = Some(String::new());
		vm.env.insert("z".into(), "1".into());
		vm.env.insert("a".into(), "2".into());
		let w = Workload::new("m", WorkloadData::Zmachine(vm));
		let bytes = HashedWorkload::of(&w).encode();
		let expected = concat!(
			"00000000",
			"046d",
			"03", // version, name "m", type zmachine
			"0470",
			"01",
			"0000000400000000",
			"0000000000000000", // image, cpu, memory, size
			"08",
			"0461",
			"0462", // mounts
			"01046e",
			"0100",
			"00", // network Some("n"), ip Some(""), public_ip None
			"08",
			"0461",
			"0432",
			"047a",
			"0431", // env sorted by key: a=2, z=1
			"00",
			"00",
			"00", // entrypoint, metadata, description
		);
		assert_eq!(hex::encode(bytes), expected);
	}

	#[test]
	fn compact_lengths_follow_scale() {
		// a 64-byte name switches to the two-byte compact form
		let w = Workload::new("x".repeat(64), WorkloadData::Ip(IpData { v4: false }));
		let bytes = HashedWorkload::of(&w).encode();
		assert_eq!(bytes.get(4..6), Some(&[0x01, 0x01][..]));
		let mut d = fixed_document();
		d.metadata = "y".repeat(1 << 14);
		let bytes = d.hashed_bytes();
		assert_eq!(bytes.get(8..12), Some(&[0x02, 0x00, 0x01, 0x00][..]));
	}

	#[test]
	fn length_prefixes_separate_fields() {
		let mut a = fixed_document();
		a.metadata = "a".into();
		a.description = "b".into();
		let mut b = a.clone();
		b.metadata = "ab".into();
		b.description = String::new();
		assert_ne!(a.hash(), b.hash());
	}

	#[test]
	fn hash_ignores_contract_signatures_and_results() {
		let base = fixed_document();
		let h = base.hash();
		let mut d = base.clone();
		d.contract_id = 12345;
		assert_eq!(d.hash(), h);
		d.signature_requirement.signatures.push(Signature {
			twin_id: 7,
			signature: "00".repeat(64),
			signature_type: SignatureType::Ed25519,
		});
		assert_eq!(d.hash(), h);
		d.set_all_results(&WorkloadResult {
			created: 99,
			state: ResultState::Ok,
			message: "fine".into(),
			data: serde_json::json!({"ip": "10.20.1.2"}),
		});
		assert_eq!(d.hash(), h);
	}

	#[test]
	fn hash_changes_with_every_hashed_field() {
		type Edit = fn(&mut Deployment);
		fn vm(d: &mut Deployment) -> Option<&mut ZmachineData> {
			match d.workloads.get_mut(3).map(|w| &mut w.data) {
				Some(WorkloadData::Zmachine(m)) => Some(m),
				_ => None,
			}
		}
		let edits: Vec<(&str, Edit)> = vec![
			("version", |d| d.version += 1),
			("twin_id", |d| d.twin_id += 1),
			("metadata", |d| d.metadata.push('x')),
			("description", |d| d.description.push('x')),
			("request twin", |d| d.signature_requirement.requests[1].twin_id = 10),
			("request required", |d| d.signature_requirement.requests[1].required = true),
			("request weight", |d| d.signature_requirement.requests[1].weight = 3),
			("request added", |d| {
				d.signature_requirement.requests.push(SignatureRequest {
					twin_id: 11,
					required: false,
					weight: 0,
				})
			}),
			("request order", |d| d.signature_requirement.requests.reverse()),
			("weight_required", |d| d.signature_requirement.weight_required = 3),
			("signature_style", |d| d.signature_requirement.signature_style = SignatureStyle::Raw),
			("workload version", |d| d.workloads[1].version = 2),
			("workload name", |d| d.workloads[1].name = "net2".into()),
			("workload metadata", |d| d.workloads[1].metadata = "x".into()),
			("workload description", |d| d.workloads[1].description = "x".into()),
			("workload order", |d| d.workloads.swap(0, 1)),
			("workload removed", |d| {
				d.workloads.pop();
			}),
			("type", |d| d.workloads[0].data = WorkloadData::Ip(IpData { v4: false })),
			("zmount size", |d| d.workloads[0].data = WorkloadData::Zmount(ZmountData { size: 1 })),
			("network ip_range", |d| {
				if let WorkloadData::Network(n) = &mut d.workloads[1].data {
					n.ip_range = "10.20.0.0/17".into();
				}
			}),
			("network subnet", |d| {
				if let WorkloadData::Network(n) = &mut d.workloads[1].data {
					n.subnet = "10.20.2.0/24".into();
				}
			}),
			("ip v4", |d| d.workloads[2].data = WorkloadData::Ip(IpData { v4: false })),
			("image", |d| {
				if let Some(m) = vm(d) {
					m.image = "other".into()
				}
			}),
			("cpu", |d| {
				if let Some(m) = vm(d) {
					m.cpu = 3
				}
			}),
			("memory", |d| {
				if let Some(m) = vm(d) {
					m.memory += MIB
				}
			}),
			("rootfs size", |d| {
				if let Some(m) = vm(d) {
					m.size = 0
				}
			}),
			("mounts", |d| {
				if let Some(m) = vm(d) {
					m.mounts.clear()
				}
			}),
			("network ref", |d| {
				if let Some(m) = vm(d) {
					m.network = None
				}
			}),
			("ip", |d| {
				if let Some(m) = vm(d) {
					m.ip = Some("10.20.1.3".into())
				}
			}),
			("public_ip None -> Some(\"\")", |d| {
				if let Some(m) = vm(d) {
					m.public_ip = Some(String::new())
				}
			}),
			("env value", |d| {
				if let Some(m) = vm(d) {
					m.env.insert("A".into(), "3".into());
				}
			}),
			("env key", |d| {
				if let Some(m) = vm(d) {
					m.env.remove("B");
					m.env.insert("C".into(), "2".into());
				}
			}),
			("entrypoint", |d| {
				if let Some(m) = vm(d) {
					m.entrypoint.clear()
				}
			}),
		];
		let base = fixed_document();
		let h = base.hash();
		let mut seen = std::collections::HashSet::new();
		seen.insert(h);
		for (what, edit) in edits {
			let mut d = base.clone();
			edit(&mut d);
			assert_ne!(d, base, "edit {what} did nothing");
			let h2 = d.hash();
			assert_ne!(h2, h, "hash ignores {what}");
			assert!(seen.insert(h2), "edit {what} collides with another edit");
		}
	}
}
