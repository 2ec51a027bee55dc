//! The deployment document shared by the node agent and its clients.
//!
//! A **deployment** is what a twin asks one node to run under one node contract: a list of
//! named **workloads** (disks, private networks, public IPs, virtual machines), who has to sign
//! it, and the signatures. The client sends it to the node as JSON; the chain only stores its
//! 32-byte **hash** in the node contract (`deployment_hash`). The node accepts a document only if
//! its hash equals the one on chain and the signatures verify against the twins' keys on chain.
//!
//! # The document
//!
//! JSON, snake_case field names, unknown fields rejected ([`model`]). Example
//! (`examples/vm.json` in this crate has a complete one):
//!
//! ```json
//! {
//!   "version": 0, "twin_id": 1, "contract_id": 0, "metadata": "", "description": "",
//!   "signature_requirement": {
//!     "requests": [{ "twin_id": 1, "required": true, "weight": 1 }],
//!     "weight_required": 1, "signatures": [], "signature_style": "raw"
//!   },
//!   "workloads": [
//!     { "version": 0, "name": "disk", "type": "zmount", "data": { "size": 1073741824 },
//!       "metadata": "", "description": "" }
//!   ]
//! }
//! ```
//!
//! # The hash
//!
//! [`Deployment::hash`] is blake2-256 (BLAKE2b, 32-byte digest) of the SCALE encoding of the
//! *hashed view*: every field in document order except `contract_id` (the contract is created
//! after the hash), the signatures and the workload results (both added after signing). The
//! exact byte layout, enough for a client in another language, is in [`hash`].
//!
//! # The rest
//!
//! - [`signature`]: signing (sr25519, ed25519; raw or polkadot-js style) and
//!   [`Deployment::verify_signatures`];
//! - [`validate`]: [`Deployment::validate`], structural rules;
//! - [`capacity`]: declared resource units, [`Deployment::public_ips`];
//! - [`upgrade`]: [`Deployment::upgrade`], the ordered changes of an update;
//! - [`state`]: workload results and states, [`Deployment::is_active`].
//!
//! Every failure is a [`DeploymentError`] variant; nothing here panics on input.

#![forbid(unsafe_code)]

pub mod capacity;
pub mod error;
pub mod hash;
pub mod model;
pub mod signature;
pub mod state;
pub mod upgrade;
pub mod validate;

pub use capacity::Capacity;
pub use error::DeploymentError;
pub use model::{
	Deployment, IpData, NetworkData, Signature, SignatureRequest, SignatureRequirement,
	SignatureStyle, SignatureType, Workload, WorkloadData, WorkloadType, ZmachineData, ZmountData,
};
pub use signature::{signing_message, verify_signature, SIGNING_CONTEXT};
pub use state::{ResultState, WorkloadResult};
pub use upgrade::Change;
pub use validate::{MAX_CPU, MAX_NAME_LEN, MIB, MIN_MEMORY};

/// The sr25519 implementation used for signing, re-exported so clients use the same version.
pub use schnorrkel;

/// The ed25519 implementation used for verification, re-exported so clients use the same version.
pub use ed25519_dalek;

#[cfg(test)]
mod tests {
	use super::*;

	/// A valid version-0 deployment of twin 1: zmount `disk` (1 GiB), network `net`
	/// (10.20.1.0/24 of 10.20.0.0/16), ip `pub` (v4), zmachine `vm` (probe, 2 cpu, 256 MiB,
	/// rootfs 100 MiB, mounts disk, on net at 10.20.1.2, public ip pub). Unsigned.
	pub(crate) fn sample() -> Deployment {
		let mut vm = ZmachineData::new("probe", 2, 256 * MIB);
		vm.size = 100 * MIB;
		vm.mounts = vec!["disk".into()];
		vm.network = Some("net".into());
		vm.ip = Some("10.20.1.2".into());
		vm.public_ip = Some("pub".into());
		vm.env.insert("HOSTNAME".into(), "vm".into());
		Deployment::new(
			1,
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
		)
	}

	#[test]
	fn json_round_trip() {
		let mut d = sample();
		d.contract_id = 9;
		d.metadata = "meta".into();
		d.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		d.add_signature(1, SignatureType::Sr25519, &[7; 64]);
		d.workloads[3].result = Some(WorkloadResult {
			created: 1_700_000_000,
			state: ResultState::Ok,
			message: String::new(),
			data: serde_json::json!({"ip": "10.20.1.2", "console": null}),
		});
		let text = d.to_json().expect("serialise");
		let back = Deployment::from_json(&text).expect("parse");
		assert_eq!(back, d);
		let pretty = d.to_json_pretty().expect("serialise");
		assert_eq!(Deployment::from_json_slice(pretty.as_bytes()), Ok(d.clone()));
		assert_eq!(back.hash(), d.hash());
	}

	#[test]
	fn json_shape() {
		let d = sample();
		let v = serde_json::to_value(&d).expect("serialise");
		assert_eq!(v["signature_requirement"]["signature_style"], "raw");
		let vm = &v["workloads"][3];
		assert_eq!(vm["type"], "zmachine");
		assert_eq!(vm["data"]["image"], "probe");
		assert_eq!(vm["data"]["public_ip"], "pub");
		assert!(vm.get("result").is_none(), "no result: key left out");
		let keys: Vec<&str> =
			vm.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
		for key in ["version", "name", "type", "data", "metadata", "description"] {
			assert!(keys.contains(&key), "{key} missing from {keys:?}");
		}
		let mut p = d.clone();
		p.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		let v = serde_json::to_value(&p).expect("serialise");
		assert_eq!(v["signature_requirement"]["signature_style"], "polkadot-js");
		// WorkloadData on its own is adjacently tagged
		let data = serde_json::to_value(WorkloadData::Ip(IpData { v4: true })).expect("serialise");
		assert_eq!(data, serde_json::json!({"type": "ip", "data": {"v4": true}}));
	}

	#[test]
	fn json_defaults() {
		let text = r#"{
			"version": 0, "twin_id": 3,
			"signature_requirement": { "requests": [{"twin_id": 3, "required": true, "weight": 1}], "weight_required": 1 },
			"workloads": [
				{ "version": 0, "name": "vm", "type": "zmachine", "data": { "image": "probe", "cpu": 1, "memory": 67108864 } }
			]
		}"#;
		let d = Deployment::from_json(text).expect("parse");
		assert_eq!(d.contract_id, 0);
		assert_eq!(d.signature_requirement.signature_style, SignatureStyle::Raw);
		assert!(d.signature_requirement.signatures.is_empty());
		assert_eq!(
			d.workloads[0].data,
			WorkloadData::Zmachine(ZmachineData::new("probe", 1, 64 * MIB))
		);
		assert_eq!(d.validate(), Ok(()));
	}

	#[test]
	fn json_errors() {
		let valid = sample().to_json().expect("serialise");
		assert!(Deployment::from_json(&valid).is_ok());
		let bad = [
			(
				"unknown top-level field",
				valid.replacen("\"twin_id\"", "\"expiration\":0,\"twin_id\"", 1),
			),
			("unknown workload type", valid.replacen("\"zmount\"", "\"zdb\"", 1)),
			(
				"unknown data field",
				valid.replacen("\"size\":1073741824", "\"size\":1073741824,\"x\":1", 1),
			),
			("wrong data for type", valid.replacen("\"type\":\"zmount\"", "\"type\":\"ip\"", 1)),
			("unknown style", valid.replacen("\"raw\"", "\"polka-wallet\"", 1)),
			("cpu out of u8", valid.replacen("\"cpu\":2", "\"cpu\":256", 1)),
			("negative size", valid.replacen("\"size\":1073741824", "\"size\":-1", 1)),
			("not json", "{".to_string()),
		];
		for (what, text) in bad {
			assert_ne!(text, valid, "{what}: replacement did not apply");
			match Deployment::from_json(&text) {
				Err(DeploymentError::Json(msg)) => assert!(!msg.is_empty()),
				other => panic!("{what}: expected a JSON error, got {other:?}"),
			}
		}
		// the error names the workload whose data is wrong
		let text = valid.replacen("\"type\":\"zmount\"", "\"type\":\"ip\"", 1);
		match Deployment::from_json(&text) {
			Err(DeploymentError::Json(msg)) => assert!(msg.contains("\"disk\""), "{msg}"),
			other => panic!("expected a JSON error, got {other:?}"),
		}
	}

	#[test]
	fn new_defaults() {
		let d = Deployment::new(5, vec![]);
		assert_eq!(d.version, 0);
		assert_eq!(d.contract_id, 0);
		assert_eq!(
			d.signature_requirement.requests,
			vec![SignatureRequest { twin_id: 5, required: true, weight: 1 }]
		);
		assert_eq!(d.signature_requirement.weight_required, 1);
		assert_eq!(d.signature_requirement.signature_style, SignatureStyle::Raw);
	}
}
