//! The example document shipped with the crate parses, validates and signs.

use tfchain_deployment::schnorrkel::{ExpansionMode, MiniSecretKey};
use tfchain_deployment::{Capacity, Deployment, WorkloadData, WorkloadType, MIB};

const EXAMPLE: &str = include_str!("../examples/vm.json");

#[test]
fn example_parses_and_validates() {
	let d = Deployment::from_json(EXAMPLE).expect("examples/vm.json parses");
	assert_eq!(d.twin_id, 1);
	let kinds: Vec<WorkloadType> = d.workloads.iter().map(|w| w.kind()).collect();
	assert_eq!(
		kinds,
		[WorkloadType::Zmount, WorkloadType::Network, WorkloadType::Ip, WorkloadType::Zmachine]
	);
	match d.workload("vm").map(|w| &w.data) {
		Some(WorkloadData::Zmachine(m)) => {
			assert_eq!(m.image, "probe");
			assert_eq!(m.mounts, ["data"]);
			assert_eq!(m.public_ip.as_deref(), Some("pub"));
		},
		other => panic!("vm is not a zmachine: {other:?}"),
	}
	assert_eq!(d.validate(), Ok(()));
	assert_eq!(d.capacity(), Capacity { cru: 1, mru: 256 * MIB, sru: 1024 * MIB, hru: 0 });
	assert_eq!(d.public_ips(), 1);
	assert!(d.is_active());
}

#[test]
fn example_signs_and_verifies() {
	let mut d = Deployment::from_json(EXAMPLE).expect("examples/vm.json parses");
	let keypair = MiniSecretKey::from_bytes(&[42; 32])
		.expect("32 bytes")
		.expand_to_keypair(ExpansionMode::Ed25519);
	d.sign_sr25519(1, &keypair);
	let public = keypair.public.to_bytes();
	assert_eq!(d.verify_signatures(|t| (t == 1).then_some(public)), Ok(()));
	// the signed document survives a JSON round trip
	let again = Deployment::from_json(&d.to_json().expect("serialise")).expect("parse");
	assert_eq!(again.verify_signatures(|t| (t == 1).then_some(public)), Ok(()));
}
