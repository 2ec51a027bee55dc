//! Engine tests over the fake chain and the fake backends (real sparse volumes in temporary
//! directories), plus one test with the real KVM and host network backends where available.

use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
	sync::{atomic::Ordering, Arc},
	time::Duration,
};

use schnorrkel::{ExpansionMode, Keypair, MiniSecretKey};
use tfchain_deployment::{
	Deployment, DeploymentError, IpData, NetworkData, ResultState, Workload, WorkloadData,
	ZmachineData, ZmountData, MIB,
};

use crate::{
	testing::FakeChain, workloads::tap_name, Backends, Capacity, ChainEvent, Engine, EngineConfig,
	EngineError, FakeHypervisor, FakeNetworks, Hypervisor, Journal, LocalVolumes, Networks,
	PublicIp, VmRunState,
};

const NODE: u32 = 7;
const TWIN: u32 = 1;
const GIB: u64 = 1024 * MIB;

fn keypair(seed: u8) -> Keypair {
	MiniSecretKey::from_bytes(&[seed; 32]).expect("seed").expand_to_keypair(ExpansionMode::Ed25519)
}

fn public_ips() -> Vec<PublicIp> {
	vec![PublicIp { ip: "185.0.0.10/24".into(), gateway: "185.0.0.1".into() }]
}

fn config(state: &Path, run: &Path) -> EngineConfig {
	let mut config = EngineConfig::new(state, run, NODE);
	config.report_retry_delay = Duration::ZERO;
	config
}

fn open_engine(
	state: &Path,
	run: &Path,
	chain: &Arc<FakeChain>,
	hv: Arc<FakeHypervisor>,
	nets: Arc<FakeNetworks>,
) -> Arc<Engine> {
	let backends = Backends {
		hypervisor: hv,
		volumes: Arc::new(LocalVolumes::with_capacity(state.join("volumes"), 100 * GIB)),
		networks: nets,
	};
	Engine::open(config(state, run), backends, chain.clone()).expect("open engine")
}

struct Env {
	state: tempfile::TempDir,
	run: tempfile::TempDir,
	chain: Arc<FakeChain>,
	journal: Journal,
	hv: Arc<FakeHypervisor>,
	nets: Arc<FakeNetworks>,
	engine: Arc<Engine>,
	key: Keypair,
}

impl Env {
	fn new() -> Env {
		let state = tempfile::tempdir().expect("tempdir");
		let run = tempfile::tempdir().expect("tempdir");
		let chain = Arc::new(FakeChain::new(NODE));
		let key = keypair(1);
		chain.add_twin(TWIN, key.public.to_bytes());
		let journal = Journal::default();
		let hv = Arc::new(FakeHypervisor::new().with_journal(journal.clone()));
		let nets = Arc::new(FakeNetworks::new().with_journal(journal.clone()));
		let engine = open_engine(state.path(), run.path(), &chain, hv.clone(), nets.clone());
		Env { state, run, chain, journal, hv, nets, engine, key }
	}

	/// Opens a new engine on the same directories and chain with these backends.
	fn reopen(&mut self, hv: Arc<FakeHypervisor>, nets: Arc<FakeNetworks>) {
		self.hv = hv;
		self.nets = nets;
		self.engine = open_engine(
			self.state.path(),
			self.run.path(),
			&self.chain,
			self.hv.clone(),
			self.nets.clone(),
		);
	}

	fn volume(&self, contract_id: u64, name: &str) -> PathBuf {
		self.state.path().join("volumes").join(format!("{contract_id}-{name}.raw"))
	}

	fn journal(&self) -> Vec<String> {
		self.journal.lock().expect("journal").clone()
	}

	fn sign(&self, mut doc: Deployment) -> Deployment {
		doc.signature_requirement.signatures.clear();
		doc.sign_sr25519(TWIN, &self.key);
		doc
	}

	/// Creates the contract for `doc` on the fake chain, submits it and runs the jobs.
	async fn deploy(&self, doc: Deployment) -> u64 {
		let id = doc.contract_id;
		self.chain.add_node_contract(id, TWIN, doc.hash(), public_ips());
		self.engine.submit(doc).await.expect("submit");
		self.engine.run_until_idle().await.expect("run");
		id
	}

	fn states(&self, id: u64) -> BTreeMap<String, ResultState> {
		let doc = self.engine.deployment(id).expect("deployment");
		doc.workloads.iter().map(|w| (w.name.clone(), w.state().expect("result"))).collect()
	}

	fn message(&self, id: u64, name: &str) -> String {
		let doc = self.engine.deployment(id).expect("deployment");
		doc.workload(name).and_then(|w| w.result.clone()).map(|r| r.message).unwrap_or_default()
	}
}

fn zmachine() -> ZmachineData {
	let mut vm = ZmachineData::new("probe", 2, 256 * MIB);
	vm.size = 100 * MIB;
	vm.mounts = vec!["disk".into()];
	vm.network = Some("net".into());
	vm.ip = Some("10.20.1.2".into());
	vm.public_ip = Some("pub".into());
	vm
}

fn network() -> WorkloadData {
	WorkloadData::Network(NetworkData {
		ip_range: "10.20.0.0/16".into(),
		subnet: "10.20.1.0/24".into(),
	})
}

/// Every type, listed in reverse install order so the engine has to order them: zmachine `vm`
/// (probe, 2 cpu, 256 MiB, rootfs 100 MiB, mounts `disk`, on `net` at 10.20.1.2, public ip
/// `pub`), ip `pub`, network `net`, zmount `disk` (1 GiB).
fn full_doc(env: &Env, contract_id: u64) -> Deployment {
	let mut doc = Deployment::new(
		TWIN,
		vec![
			Workload::new("vm", WorkloadData::Zmachine(zmachine())),
			Workload::new("pub", WorkloadData::Ip(IpData { v4: true })),
			Workload::new("net", network()),
			Workload::new("disk", WorkloadData::Zmount(ZmountData { size: GIB })),
		],
	);
	doc.contract_id = contract_id;
	env.sign(doc)
}

fn all(states: &BTreeMap<String, ResultState>, state: ResultState) -> bool {
	!states.is_empty() && states.values().all(|s| *s == state)
}

fn full_capacity() -> Capacity {
	Capacity { cru: 2, mru: 256 * MIB, sru: GIB + 100 * MIB, hru: 0 }
}

#[tokio::test]
async fn accepts_a_valid_signed_document_and_provisions_it() {
	let env = Env::new();
	let doc = full_doc(&env, 10);
	env.chain.add_node_contract(10, TWIN, doc.hash(), public_ips());
	env.engine.submit(doc.clone()).await.expect("valid document accepted");

	// Stored with every workload in init, one provision job queued.
	assert!(all(&env.states(10), ResultState::Init));
	let jobs = env.engine.queued_jobs();
	assert_eq!(jobs.len(), 1);
	assert!(matches!(jobs[0].job, crate::Job::Provision { contract_id: 10 }));
	assert!(env.state.path().join("deployments/10.json").exists());
	// Submitting the same document again is a no-op.
	env.engine.submit(doc.clone()).await.expect("idempotent submit");
	assert_eq!(env.engine.queued_jobs().len(), 1);

	assert_eq!(env.engine.run_until_idle().await.expect("run"), 1);
	let states = env.states(10);
	assert!(all(&states, ResultState::Ok), "{states:?}");

	let vm = env.hv.vm("10-vm").expect("vm started");
	assert_eq!(vm.state, VmRunState::Running);
	assert_eq!((vm.vcpus, vm.memory_mib), (2, 256));
	assert_eq!(vm.disks, vec![env.volume(10, "disk"), env.volume(10, "vm")]);
	assert_eq!(vm.taps, vec![tap_name(false, 10, "vm"), tap_name(true, 10, "vm")]);
	assert_eq!(vm.cmdline, None, "probe image boots flat code");
	assert_eq!(std::fs::metadata(env.volume(10, "disk")).expect("disk").len(), GIB);
	assert_eq!(std::fs::metadata(env.volume(10, "vm")).expect("rootfs").len(), 100 * MIB);
	assert_eq!(
		env.nets.tap_network(&tap_name(false, 10, "vm")),
		env.nets.networks().first().cloned()
	);

	let record = env.engine.record(10).expect("record");
	assert_eq!(record.ips["pub"], public_ips()[0]);
	assert_eq!(record.taps["vm"].public.as_deref(), Some(tap_name(true, 10, "vm").as_str()));
	let data =
		&record.deployment.workload("vm").and_then(|w| w.result.clone()).expect("result").data;
	assert_eq!(data["first_instruction_ms"], 2);
	assert_eq!(data["boot_marker_ms"], 3);
	assert_eq!(data["public_ip"], "185.0.0.10/24");
	assert!(data["provision_to_first_instruction_ms"].is_u64());

	let metrics = env.engine.metrics();
	assert_eq!(metrics.deployments, 1);
	assert_eq!(metrics.workloads_by_state["ok"], 4);
	assert_eq!(metrics.jobs_queued, 0);
	assert!(metrics.last_provision_to_first_instruction_ms.is_some());
	assert!(metrics.last_provision_latency_ms.is_some());
	assert_eq!(env.engine.used_capacity(), full_capacity());
	assert_eq!(metrics.used, full_capacity());
}

#[tokio::test]
async fn rejects_bad_documents_with_named_errors() {
	let env = Env::new();
	let doc = full_doc(&env, 20);
	let hash = doc.hash();
	let contract = |node: Option<u32>, twin: u32, hash: [u8; 32]| crate::ContractView {
		id: 20,
		twin_id: twin,
		node_id: node,
		deployment_hash: hash,
		in_grace: false,
		public_ips: vec![],
	};

	// Missing contract.
	let err = env.engine.submit(doc.clone()).await.expect_err("no contract");
	assert!(matches!(err, EngineError::ContractNotFound(20)), "{err}");
	// Not a node contract.
	env.chain.put_contract(contract(None, TWIN, [0; 32]));
	let err = env.engine.submit(doc.clone()).await.expect_err("not a node contract");
	assert!(matches!(err, EngineError::NotANodeContract(20)), "{err}");
	// Another node.
	env.chain.put_contract(contract(Some(NODE + 1), TWIN, hash));
	let err = env.engine.submit(doc.clone()).await.expect_err("wrong node");
	assert!(
		matches!(err, EngineError::WrongNode { contract_node, this_node, .. } if contract_node == NODE + 1 && this_node == NODE),
		"{err}"
	);
	// Another twin owns the contract.
	env.chain.put_contract(contract(Some(NODE), TWIN + 1, hash));
	let err = env.engine.submit(doc.clone()).await.expect_err("wrong twin");
	assert!(
		matches!(err, EngineError::WrongTwin { contract_twin: 2, document_twin: 1, .. }),
		"{err}"
	);
	// The contract holds another hash.
	env.chain.put_contract(contract(Some(NODE), TWIN, [9; 32]));
	let err = env.engine.submit(doc.clone()).await.expect_err("hash mismatch");
	assert!(matches!(err, EngineError::HashMismatch { .. }), "{err}");
	// Unsigned.
	env.chain.put_contract(contract(Some(NODE), TWIN, hash));
	let mut unsigned = doc.clone();
	unsigned.signature_requirement.signatures.clear();
	let err = env.engine.submit(unsigned).await.expect_err("unsigned");
	assert!(
		matches!(err, EngineError::BadSignature(DeploymentError::OwnerNotSigned { twin_id: TWIN })),
		"{err}"
	);
	// Signed with another key than the twin's account.
	let mut forged = doc.clone();
	forged.signature_requirement.signatures.clear();
	forged.sign_sr25519(TWIN, &keypair(2));
	let err = env.engine.submit(forged).await.expect_err("forged");
	assert!(
		matches!(err, EngineError::BadSignature(DeploymentError::InvalidSignature { .. })),
		"{err}"
	);
	// Version must be 0 on create.
	let mut v1 = doc.clone();
	v1.version = 1;
	for w in &mut v1.workloads {
		w.version = 1;
	}
	let v1 = env.sign(v1);
	env.chain.put_contract(contract(Some(NODE), TWIN, v1.hash()));
	let err = env.engine.submit(v1).await.expect_err("version 1");
	assert!(matches!(err, EngineError::BadVersion { expected: 0, got: 1 }), "{err}");
	// Structurally invalid.
	let mut empty = doc.clone();
	empty.workloads.clear();
	let err = env.engine.submit(empty).await.expect_err("invalid");
	assert!(matches!(err, EngineError::InvalidDocument(DeploymentError::NoWorkloads)), "{err}");
	// Chain unreachable.
	env.chain.put_contract(contract(Some(NODE), TWIN, hash));
	env.chain.fail_reads(1);
	let err = env.engine.submit(doc.clone()).await.expect_err("chain down");
	assert!(matches!(err, EngineError::Chain(_)), "{err}");

	// Nothing was stored or queued by any of those.
	assert!(env.engine.deployments().is_empty());
	assert!(env.engine.queued_jobs().is_empty());
	assert!(!env.state.path().join("deployments/20.json").exists());

	// Now valid; then a different document for the same contract is refused.
	env.engine.submit(doc.clone()).await.expect("valid");
	let mut other = doc.clone();
	other.metadata = "other".into();
	let other = env.sign(other);
	let err = env.engine.submit(other).await.expect_err("already deployed");
	assert!(matches!(err, EngineError::AlreadyDeployed(20)), "{err}");
	assert_eq!(env.engine.queued_jobs().len(), 1);
}

#[tokio::test]
async fn installs_in_type_order_and_reports_declared_capacity() {
	let env = Env::new();
	env.chain.fail_resource_reports(2);
	let id = env.deploy(full_doc(&env, 30)).await;
	assert!(all(&env.states(id), ResultState::Ok));

	// The document lists the VM first; the engine installs network before taps before the VM
	// (the fakes refuse a tap on a missing network; the VM got the zmount's file and the public
	// IP's tap, so those came first too).
	let journal = env.journal();
	let pos = |prefix: &str| {
		journal
			.iter()
			.position(|c| c.starts_with(prefix))
			.unwrap_or_else(|| panic!("{prefix} in {journal:?}"))
	};
	assert!(pos("networks ensure_network") < pos("networks attach_vm_tap"));
	assert!(pos("networks attach_vm_tap") < pos("hypervisor start 30-vm"));
	assert!(pos("networks attach_public_tap") < pos("hypervisor start 30-vm"));

	// Reported after provisioning with the declared capacity, after two failed attempts.
	assert_eq!(env.chain.resource_reports(), vec![vec![(id, full_capacity())]]);
	assert_eq!(env.chain.resource_report_attempts(), 3);
	assert_eq!(env.engine.metrics().resource_reports_failed, 0);

	// A report that fails every retry (4) is counted and the engine carries on.
	env.chain.fail_resource_reports(100);
	env.engine.on_event(ChainEvent::GraceStarted(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.chain.resource_report_attempts(), 3 + 5);
	assert_eq!(env.engine.metrics().resource_reports_failed, 1);
	assert!(all(&env.states(id), ResultState::Paused));
}

#[tokio::test]
async fn a_failing_workload_does_not_stop_the_others() {
	let env = Env::new();
	// `huge` does not fit in the 100 GiB pool; `vm2` mounts it and fails too; the rest is fine.
	let mut vm2 = ZmachineData::new("probe", 1, 64 * MIB);
	vm2.mounts = vec!["huge".into()];
	let mut vm3 = ZmachineData::new("no-such-image", 1, 64 * MIB);
	vm3.mounts = vec![];
	let mut doc = Deployment::new(
		TWIN,
		vec![
			Workload::new("disk", WorkloadData::Zmount(ZmountData { size: GIB })),
			Workload::new("huge", WorkloadData::Zmount(ZmountData { size: 1024 * 1024 * GIB })),
			Workload::new("net", network()),
			Workload::new("pub", WorkloadData::Ip(IpData { v4: true })),
			Workload::new("vm", WorkloadData::Zmachine(zmachine())),
			Workload::new("vm2", WorkloadData::Zmachine(vm2)),
			Workload::new("vm3", WorkloadData::Zmachine(vm3)),
		],
	);
	doc.contract_id = 40;
	let id = env.deploy(env.sign(doc)).await;
	let states = env.states(id);
	assert_eq!(states["huge"], ResultState::Error);
	assert!(env.message(id, "huge").contains("not enough storage"), "{}", env.message(id, "huge"));
	assert_eq!(states["vm2"], ResultState::Error);
	assert!(env.message(id, "vm2").contains("huge"), "{}", env.message(id, "vm2"));
	assert_eq!(states["vm3"], ResultState::Error);
	assert!(env.message(id, "vm3").contains("no-such-image"));
	for ok in ["disk", "net", "pub", "vm"] {
		assert_eq!(states[ok], ResultState::Ok, "{ok}: {}", env.message(id, ok));
	}
	assert!(!env.volume(id, "huge").exists());
	assert!(env.hv.is_running("40-vm"));
	assert!(!env.hv.is_running("40-vm2"));
	// Only the workloads that are ok count.
	assert_eq!(env.chain.resource_reports().last(), Some(&vec![(id, full_capacity())]));
	let metrics = env.engine.metrics();
	assert_eq!(metrics.workloads_by_state["error"], 3);
	assert_eq!(metrics.workloads_by_state["ok"], 4);

	// Error is terminal: a re-provision does not retry it.
	env.engine.on_event(ChainEvent::GraceStarted(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.states(id)["huge"], ResultState::Error);
}

#[tokio::test]
async fn grace_pauses_and_resumes_by_event_and_by_reconcile() {
	let env = Env::new();
	let id = env.deploy(full_doc(&env, 50)).await;
	let reports = env.chain.resource_reports().len();

	// Unknown contracts are ignored.
	env.engine.on_event(ChainEvent::GraceStarted(999)).await.expect("event");
	env.engine.on_event(ChainEvent::Canceled(999)).await.expect("event");
	assert!(env.engine.queued_jobs().is_empty());

	env.engine.on_event(ChainEvent::GraceStarted(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.state("50-vm"), Some(VmRunState::Paused));
	assert!(all(&env.states(id), ResultState::Paused));
	assert!(env.engine.record(id).expect("record").paused);
	// Paused workloads still count.
	assert_eq!(env.chain.resource_reports().len(), reports + 1);
	assert_eq!(env.chain.resource_reports().last(), Some(&vec![(id, full_capacity())]));
	assert_eq!(env.engine.metrics().deployments_paused, 1);

	env.engine.on_event(ChainEvent::GraceEnded(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.state("50-vm"), Some(VmRunState::Running));
	assert!(all(&env.states(id), ResultState::Ok));

	// Missed events: reconcile compares the chain's grace state with the paused flag.
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(report.boot, "first run: no marker yet");
	env.engine.run_until_idle().await.expect("run");
	env.chain.set_grace(id, true);
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(!report.boot);
	assert_eq!(report.paused, vec![id]);
	// Queued but not run yet: a second reconcile does not queue it again.
	assert_eq!(env.engine.reconcile().await.expect("reconcile").paused, Vec::<u64>::new());
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.state("50-vm"), Some(VmRunState::Paused));
	env.chain.set_grace(id, false);
	let report = env.engine.reconcile().await.expect("reconcile");
	assert_eq!(report.resumed, vec![id]);
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.state("50-vm"), Some(VmRunState::Running));
	assert!(all(&env.states(id), ResultState::Ok));
}

#[tokio::test]
async fn cancel_removes_everything_in_reverse_order() {
	let env = Env::new();
	let id = env.deploy(full_doc(&env, 60)).await;
	let reports = env.chain.resource_reports().len();
	assert!(env.volume(id, "disk").exists() && env.volume(id, "vm").exists());
	env.journal.lock().expect("journal").clear();

	env.engine.on_event(ChainEvent::Canceled(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");

	let journal = env.journal();
	let net_id = crate::workloads::network::network_id(TWIN, "net");
	assert_eq!(
		journal,
		vec![
			"hypervisor stop 60-vm".to_string(),
			format!("networks remove_tap {}", tap_name(false, id, "vm")),
			format!("networks remove_tap {}", tap_name(true, id, "vm")),
			format!("networks remove_network {net_id}"),
		]
	);
	assert!(!env.volume(id, "disk").exists());
	assert!(!env.volume(id, "vm").exists());
	assert!(env.engine.deployment(id).is_none());
	assert!(!env.state.path().join(format!("deployments/{id}.json")).exists());
	assert!(env.hv.list().is_empty());
	assert!(env.nets.networks().is_empty() && env.nets.taps().is_empty());
	assert_eq!(env.chain.resource_reports().len(), reports, "nothing is reported on delete");

	// A contract that disappeared while we were not looking is removed by reconcile.
	let id = env.deploy(full_doc(&env, 61)).await;
	env.chain.cancel(id);
	let report = env.engine.reconcile().await.expect("reconcile");
	assert_eq!(report.deprovisioned, vec![id]);
	env.engine.run_until_idle().await.expect("run");
	assert!(env.engine.deployments().is_empty());
	assert!(!env.volume(id, "disk").exists());
}

#[tokio::test]
async fn a_network_is_shared_by_a_twins_deployments() {
	let env = Env::new();
	let mut doc_a = Deployment::new(
		TWIN,
		vec![Workload::new("net", network()), {
			let mut vm = ZmachineData::new("probe", 1, 64 * MIB);
			vm.network = Some("net".into());
			Workload::new("vm", WorkloadData::Zmachine(vm))
		}],
	);
	doc_a.contract_id = 70;
	let mut doc_b = doc_a.clone();
	doc_b.contract_id = 71;
	doc_b.metadata = "b".into();
	let a = env.deploy(env.sign(doc_a)).await;
	let b = env.deploy(env.sign(doc_b)).await;
	let net_id = crate::workloads::network::network_id(TWIN, "net");
	assert_eq!(env.nets.networks(), vec![net_id.clone()]);
	assert_eq!(env.nets.tap_network(&tap_name(false, b, "vm")), Some(net_id.clone()));

	// Another subnet under the same network name is refused for that deployment only.
	let mut doc_c = Deployment::new(
		TWIN,
		vec![Workload::new(
			"net",
			WorkloadData::Network(NetworkData {
				ip_range: "10.30.0.0/16".into(),
				subnet: "10.30.1.0/24".into(),
			}),
		)],
	);
	doc_c.contract_id = 72;
	let c = env.deploy(env.sign(doc_c)).await;
	assert_eq!(env.states(c)["net"], ResultState::Error);

	env.engine.on_event(ChainEvent::Canceled(a)).await.expect("event");
	env.engine.on_event(ChainEvent::Canceled(c)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.nets.networks(), vec![net_id.clone()], "still used by b");
	env.engine.on_event(ChainEvent::Canceled(b)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert!(env.nets.networks().is_empty(), "last user gone");
}

#[tokio::test]
async fn restart_with_a_half_done_job_converges() {
	let mut env = Env::new();
	let doc = full_doc(&env, 80);
	env.chain.add_node_contract(80, TWIN, doc.hash(), public_ips());
	env.engine.submit(doc).await.expect("submit");
	// "Crash" right after the VM started, before its result was written or the job dequeued.
	env.engine.crash_after_steps.store(4, Ordering::SeqCst);
	env.engine.run_until_idle().await.expect("run");
	assert!(env.hv.is_running("80-vm"));
	assert_eq!(env.states(80)["vm"], ResultState::Init);
	assert_eq!(env.states(80)["disk"], ResultState::Ok);
	assert_eq!(env.engine.queued_jobs().len(), 1, "job still queued");

	// A new engine on the same state (the VMs of this fake survived, as they would if only the
	// worker had died) runs the job again: no second VM, nothing lost.
	let (hv, nets) = (env.hv.clone(), env.nets.clone());
	env.reopen(hv, nets);
	assert_eq!(env.engine.queued_jobs().len(), 1, "queue reloaded from disk");
	env.engine.run_until_idle().await.expect("run");
	assert!(all(&env.states(80), ResultState::Ok), "{:?}", env.states(80));
	assert_eq!(env.hv.starts("80-vm"), 1, "no duplicate VM");
	assert!(env.engine.queued_jobs().is_empty());
	assert!(env.volume(80, "disk").exists());

	// Crash in the middle of a deprovision: the restart finishes it.
	env.engine.on_event(ChainEvent::Canceled(80)).await.expect("event");
	env.engine.crash_after_steps.store(2, Ordering::SeqCst);
	env.engine.run_until_idle().await.expect("run");
	assert!(!env.hv.is_running("80-vm"));
	assert!(env.engine.deployment(80).is_some());
	let (hv, nets) = (env.hv.clone(), env.nets.clone());
	env.reopen(hv, nets);
	env.engine.run_until_idle().await.expect("run");
	assert!(env.engine.deployment(80).is_none());
	assert!(!env.volume(80, "disk").exists());
	assert!(env.nets.networks().is_empty() && env.nets.taps().is_empty());
}

#[tokio::test]
async fn after_a_reboot_every_active_deployment_is_provisioned_again() {
	let mut env = Env::new();
	let mut doc = full_doc(&env, 90);
	doc.workloads.push(Workload::new("huge", WorkloadData::Zmount(ZmountData { size: 1 << 60 })));
	let doc = env.sign(doc);
	let id = env.deploy(doc).await;
	assert_eq!(env.states(id)["huge"], ResultState::Error);
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(report.boot);
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.starts("90-vm"), 1, "already running: not started again");
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(!report.boot && report.reprovisioned.is_empty() && report.restarted.is_empty());

	// Reboot: the tmpfs marker, the VMs and the host networks are gone; state is on disk.
	std::fs::remove_dir_all(env.run.path()).expect("clear run dir");
	env.reopen(Arc::new(FakeHypervisor::new()), Arc::new(FakeNetworks::new()));
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(report.boot);
	assert_eq!(report.reprovisioned, vec![id]);
	env.engine.run_until_idle().await.expect("run");
	assert!(env.hv.is_running("90-vm"));
	assert_eq!(env.nets.networks().len(), 1);
	assert_eq!(env.nets.taps().len(), 2);
	let states = env.states(id);
	assert_eq!(states["huge"], ResultState::Error, "error is terminal, not retried");
	assert_eq!(states["vm"], ResultState::Ok);
	assert!(!env.engine.reconcile().await.expect("reconcile").boot);

	// Agent restart without reboot (marker present): the VMs of the dead process are missing and
	// get started again.
	env.reopen(Arc::new(FakeHypervisor::new()), env.nets.clone());
	let report = env.engine.reconcile().await.expect("reconcile");
	assert!(!report.boot);
	assert_eq!(report.restarted, vec![id]);
	env.engine.run_until_idle().await.expect("run");
	assert!(env.hv.is_running("90-vm"));

	// A reboot while paused: provisioned again, and paused again.
	env.engine.on_event(ChainEvent::GraceStarted(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	std::fs::remove_dir_all(env.run.path()).expect("clear run dir");
	env.chain.set_grace(id, true);
	env.reopen(Arc::new(FakeHypervisor::new()), Arc::new(FakeNetworks::new()));
	env.engine.reconcile().await.expect("reconcile");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.state("90-vm"), Some(VmRunState::Paused));

	// If the chain cannot be read at boot, local deployments are still brought back.
	std::fs::remove_dir_all(env.run.path()).expect("clear run dir");
	env.reopen(Arc::new(FakeHypervisor::new()), Arc::new(FakeNetworks::new()));
	env.chain.fail_reads(1);
	assert!(env.engine.reconcile().await.is_err());
	env.engine.run_until_idle().await.expect("run");
	assert!(env.hv.vm("90-vm").is_some());
}

#[tokio::test]
async fn updates_add_grow_remove_and_restart() {
	let env = Env::new();
	let mut vm = ZmachineData::new("probe", 1, 64 * MIB);
	vm.mounts = vec!["disk".into()];
	let mut v0 = Deployment::new(
		TWIN,
		vec![
			Workload::new("disk", WorkloadData::Zmount(ZmountData { size: GIB })),
			Workload::new("old", WorkloadData::Zmount(ZmountData { size: 512 * MIB })),
			Workload::new("vm", WorkloadData::Zmachine(vm.clone())),
		],
	);
	v0.contract_id = 100;
	let v0 = env.sign(v0);
	let id = env.deploy(v0.clone()).await;
	assert!(env.volume(id, "old").exists());

	// v1: grow `disk` to 2 GiB, add `disk2`, remove `old`; `vm` unchanged.
	let mut v1 = v0.clone();
	v1.version = 1;
	v1.signature_requirement.signatures.clear();
	v1.workloads.retain(|w| w.name != "old");
	if let Some(w) = v1.workload_mut("disk") {
		w.version = 1;
		w.data = WorkloadData::Zmount(ZmountData { size: 2 * GIB });
	}
	let mut disk2 = Workload::new("disk2", WorkloadData::Zmount(ZmountData { size: GIB }));
	disk2.version = 1;
	v1.workloads.push(disk2);
	for w in &mut v1.workloads {
		w.result = None;
	}
	let v1 = env.sign(v1);

	// Refused while the chain still holds the old hash, and for a wrong version.
	let err = env.engine.submit_update(v1.clone()).await.expect_err("old hash on chain");
	assert!(matches!(err, EngineError::HashMismatch { .. }), "{err}");
	let mut v2 = v1.clone();
	v2.version = 2;
	let err = env.engine.submit_update(env.sign(v2)).await.expect_err("version jump");
	assert!(matches!(err, EngineError::BadVersion { expected: 1, got: 2 }), "{err}");
	let mut unknown = v1.clone();
	unknown.contract_id = 555;
	let err = env.engine.submit_update(env.sign(unknown)).await.expect_err("unknown");
	assert!(matches!(err, EngineError::UnknownDeployment(555)), "{err}");

	env.engine.on_event(ChainEvent::Updated(id)).await.expect("event");
	assert!(env.engine.record(id).expect("record").chain_hash_changed);
	env.chain.set_hash(id, v1.hash());
	env.engine.submit_update(v1.clone()).await.expect("update accepted");
	env.engine.submit_update(v1.clone()).await.expect("same update again is a no-op");
	assert_eq!(env.engine.queued_jobs().len(), 1);
	env.engine.run_until_idle().await.expect("run");

	let record = env.engine.record(id).expect("record");
	assert_eq!(record.deployment.version, 1);
	assert!(!record.chain_hash_changed);
	assert!(record.pending_update.is_none());
	let states = env.states(id);
	assert_eq!(states.len(), 3);
	assert!(all(&states, ResultState::Ok), "{states:?}");
	assert_eq!(std::fs::metadata(env.volume(id, "disk")).expect("disk").len(), 2 * GIB);
	assert_eq!(std::fs::metadata(env.volume(id, "disk2")).expect("disk2").len(), GIB);
	assert!(!env.volume(id, "old").exists());
	assert_eq!(env.hv.starts("100-vm"), 1, "unchanged VM keeps running");
	assert_eq!(
		env.chain.resource_reports().last(),
		Some(&vec![(id, Capacity { cru: 1, mru: 64 * MIB, sru: 3 * GIB, hru: 0 })])
	);

	// v2: more memory for the VM: restarted with it.
	let mut v2 = record.deployment.clone();
	v2.version = 2;
	if let Some(w) = v2.workload_mut("vm") {
		w.version = 2;
		let mut bigger = vm.clone();
		bigger.memory = 128 * MIB;
		w.data = WorkloadData::Zmachine(bigger);
	}
	for w in &mut v2.workloads {
		w.result = None;
	}
	let v2 = env.sign(v2);
	env.chain.set_hash(id, v2.hash());
	env.engine.submit_update(v2).await.expect("update accepted");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.hv.starts("100-vm"), 2);
	assert_eq!(env.hv.vm("100-vm").map(|v| v.memory_mib), Some(128));
	assert!(all(&env.states(id), ResultState::Ok));
}

#[tokio::test]
async fn nru_windows_are_reported_once_across_failures_and_restarts() {
	let mut env = Env::new();
	let id = env.deploy(full_doc(&env, 110)).await;
	let tap = tap_name(true, id, "vm");

	env.nets.set_counters(&tap, 1000, 500);
	env.engine.sample_traffic().await.expect("sample");
	assert_eq!(env.engine.pending_traffic()[&id], 1500);
	// The chain fails: the window waits in the outbox.
	env.chain.fail_nru_reports(1);
	let t1 = crate::now_secs() + 3600;
	assert!(env.engine.report_traffic(t1).await.is_err());
	assert!(env.chain.nru_reports().is_empty());
	assert_eq!(env.engine.metrics().nru_outbox, 1);

	// Restart; more traffic; the next report sends both windows.
	let (hv, nets) = (env.hv.clone(), env.nets.clone());
	env.reopen(hv, nets);
	env.nets.set_counters(&tap, 1500, 700);
	env.engine.sample_traffic().await.expect("sample");
	let t2 = t1 + 3600;
	assert_eq!(env.engine.report_traffic(t2).await.expect("report"), 2);
	let reports = env.chain.nru_reports();
	assert_eq!(reports.len(), 2);
	assert_eq!((reports[0].timestamp, reports[0].nru), (t1, 1500));
	assert_eq!((reports[1].timestamp, reports[1].window, reports[1].nru), (t2, 3600, 700));
	// Nothing new: nothing sent, before or after another restart.
	assert_eq!(env.engine.report_traffic(t2 + 10).await.expect("report"), 0);
	let (hv, nets) = (env.hv.clone(), env.nets.clone());
	env.reopen(hv, nets);
	env.engine.sample_traffic().await.expect("sample");
	assert_eq!(env.engine.report_traffic(t2 + 20).await.expect("report"), 0);
	assert_eq!(env.chain.nru_reports().len(), 2);

	// Counter reset (tap re-created when the VM restarted): the new value is new traffic.
	env.nets.set_counters(&tap, 60, 40);
	env.engine.sample_traffic().await.expect("sample");
	assert_eq!(env.engine.report_traffic(t2 + 3600).await.expect("report"), 1);
	assert_eq!(env.chain.nru_reports().last().map(|r| r.nru), Some(100));

	// Traffic between the last sample and a cancel is not lost.
	env.nets.set_counters(&tap, 160, 40);
	env.engine.on_event(ChainEvent::Canceled(id)).await.expect("event");
	env.engine.run_until_idle().await.expect("run");
	assert_eq!(env.engine.report_traffic(t2 + 7200).await.expect("report"), 1);
	assert_eq!(env.chain.nru_reports().last().map(|r| r.nru), Some(100));
	let total: u64 = env.chain.nru_reports().iter().map(|r| r.nru).sum();
	assert_eq!(total, 1500 + 700 + 100 + 100);
}

#[tokio::test]
async fn the_worker_loop_runs_jobs_and_stops_on_shutdown() {
	let env = Env::new();
	let (tx, rx) = tokio::sync::watch::channel(false);
	let worker = tokio::spawn(env.engine.clone().run(rx));
	let doc = full_doc(&env, 120);
	env.chain.add_node_contract(120, TWIN, doc.hash(), public_ips());
	env.engine.submit(doc).await.expect("submit");
	let mut done = false;
	for _ in 0..500 {
		if env
			.engine
			.deployment(120)
			.is_some_and(|d| d.workloads.iter().all(|w| w.state() == Some(ResultState::Ok)))
		{
			done = true;
			break;
		}
		tokio::time::sleep(Duration::from_millis(10)).await;
	}
	assert!(done, "worker provisioned the deployment");
	tx.send(true).expect("shutdown");
	tokio::time::timeout(Duration::from_secs(5), worker)
		.await
		.expect("worker stops")
		.expect("join");
}

/// Real backends: a probe VM on KVM with a real volume and a real private network; checks the
/// console, then cancels and checks that everything is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_backends_probe_vm() {
	if let Err(reason) = tfchain_vmm::kvm_available() {
		eprintln!("skipping: KVM not usable: {reason}");
		return;
	}
	if let Err(reason) = tfchain_agent_net::available() {
		eprintln!("skipping: host networking not usable: {reason}");
		return;
	}
	let state = tempfile::tempdir().expect("tempdir");
	let run = tempfile::tempdir().expect("tempdir");
	let chain = Arc::new(FakeChain::new(NODE));
	let key = keypair(1);
	chain.add_twin(TWIN, key.public.to_bytes());
	let net_config = tfchain_agent_net::NetConfig { prefix: "nte".into(), ..Default::default() };
	let networks: Arc<dyn Networks> = Arc::new(crate::HostNetworks::new(net_config));
	let hypervisor: Arc<dyn Hypervisor> = Arc::new(crate::KvmHypervisor::new());
	// Whatever happens, leave no VM, tap or namespace behind.
	struct Cleanup(Arc<dyn Hypervisor>, Arc<dyn Networks>);
	impl Drop for Cleanup {
		fn drop(&mut self) {
			let _ = self.0.stop("4242-vm");
			let _ = self.1.remove_tap(&tap_name(false, 4242, "vm"));
			let _ = self.1.remove_network(&crate::workloads::network::network_id(TWIN, "net"));
		}
	}
	let _cleanup = Cleanup(hypervisor.clone(), networks.clone());
	let backends = Backends {
		hypervisor: hypervisor.clone(),
		volumes: Arc::new(LocalVolumes::new(state.path().join("volumes"), 0)),
		networks: networks.clone(),
	};
	let engine =
		Engine::open(config(state.path(), run.path()), backends, chain.clone()).expect("open");

	let mut vm = ZmachineData::new("probe", 1, 64 * MIB);
	vm.size = 16 * MIB;
	vm.mounts = vec!["disk".into()];
	vm.network = Some("net".into());
	vm.ip = Some("10.20.1.2".into());
	let mut doc = Deployment::new(
		TWIN,
		vec![
			Workload::new("disk", WorkloadData::Zmount(ZmountData { size: 64 * MIB })),
			Workload::new("net", network()),
			Workload::new("vm", WorkloadData::Zmachine(vm)),
		],
	);
	doc.contract_id = 4242;
	doc.sign_sr25519(TWIN, &key);
	chain.add_node_contract(4242, TWIN, doc.hash(), vec![]);
	engine.submit(doc).await.expect("submit");
	engine.run_until_idle().await.expect("run");
	let record = engine.record(4242).expect("record");
	for w in &record.deployment.workloads {
		let result = w.result.clone().expect("result");
		assert_eq!(result.state, ResultState::Ok, "{}: {}", w.name, result.message);
	}
	let data = record.deployment.workload("vm").and_then(|w| w.result.clone()).expect("vm").data;
	eprintln!("probe VM result: {data}");
	assert!(data["first_instruction_ms"].is_u64(), "{data}");
	assert!(data["boot_marker_ms"].is_u64(), "{data}");
	let console = state.path().join("consoles/4242-vm.log");
	let mut text = String::new();
	for _ in 0..200 {
		text = std::fs::read_to_string(&console).unwrap_or_default();
		if text.contains("tfchain probe 4242 vm") {
			break;
		}
		tokio::time::sleep(Duration::from_millis(25)).await;
	}
	assert!(text.contains("tfchain probe 4242 vm"), "console: {text:?}");
	let net_id = crate::workloads::network::network_id(TWIN, "net");
	assert!(networks.list_networks().expect("list").contains(&net_id));
	assert!(networks.counters(&tap_name(false, 4242, "vm")).is_ok(), "private tap exists");
	assert!(engine.metrics().last_provision_to_first_instruction_ms.is_some());

	engine.on_event(ChainEvent::Canceled(4242)).await.expect("event");
	engine.run_until_idle().await.expect("run");
	assert!(engine.deployment(4242).is_none());
	assert!(hypervisor.list().is_empty());
	assert!(!networks.list_networks().expect("list").contains(&net_id));
	assert!(networks.counters(&tap_name(false, 4242, "vm")).is_err(), "tap gone");
	assert!(!state.path().join("volumes/4242-disk.raw").exists());
	assert!(!state.path().join("volumes/4242-vm.raw").exists());
}
