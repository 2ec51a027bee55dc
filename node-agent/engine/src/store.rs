//! Persistent deployment store: one JSON file per contract under `<state_dir>/deployments/`,
//! written atomically (temporary file, fsync, rename, fsync of the directory).

use std::{
	collections::BTreeMap,
	fs,
	io::Write,
	path::{Path, PathBuf},
};

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tfchain_deployment::{Deployment, Workload};

use crate::{EngineError, PublicIp};

/// Private network a deployment's network workload is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkFact {
	/// Host network id (shared by a twin's deployments that use the same network name).
	pub id: String,
	/// The subnet of this node (e.g. `10.20.1.0/24`).
	pub subnet: String,
	/// Gateway address of the subnet on the host side.
	pub gateway: String,
}

/// Tap devices of one zmachine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmTaps {
	/// Tap on the private network bridge.
	#[serde(default)]
	pub private: Option<String>,
	/// Tap on the public bridge (counted for NRU).
	#[serde(default)]
	pub public: Option<String>,
}

/// One add or update of a pending upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingStep {
	/// Workload name.
	pub name: String,
	/// `true` for an update of an existing workload, `false` for an add.
	pub update: bool,
}

/// An upgrade that started but has not finished (it is resumed when the job runs again).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingUpdate {
	/// Version being applied.
	pub version: u32,
	/// Workloads still to remove (old definitions), in removal order.
	pub remove: Vec<Workload>,
	/// Adds and updates still to apply, in install order.
	pub apply: Vec<PendingStep>,
	/// Previous definitions of updated workloads.
	pub previous: BTreeMap<String, Workload>,
}

/// A deployment as stored: the document with per-workload results plus local facts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeploymentRecord {
	/// The document, with the results the engine filled in.
	pub deployment: Deployment,
	/// Whether the deployment is paused (contract in grace period).
	#[serde(default)]
	pub paused: bool,
	/// When the deployment was accepted (unix seconds).
	pub created: u64,
	/// Public IPs the chain allocated to the contract (as of the last submit).
	#[serde(default)]
	pub public_ips: Vec<PublicIp>,
	/// Volume files by workload name (zmounts and zmachine root disks).
	#[serde(default)]
	pub volumes: BTreeMap<String, PathBuf>,
	/// Tap devices by zmachine name.
	#[serde(default)]
	pub taps: BTreeMap<String, VmTaps>,
	/// Public IP taken by each ip workload.
	#[serde(default)]
	pub ips: BTreeMap<String, PublicIp>,
	/// Host network of each network workload.
	#[serde(default)]
	pub networks: BTreeMap<String, NetworkFact>,
	/// Set when a `ContractUpdated` event arrived and the matching document has not been applied.
	#[serde(default)]
	pub chain_hash_changed: bool,
	/// An upgrade in progress.
	#[serde(default)]
	pub pending_update: Option<PendingUpdate>,
}

impl DeploymentRecord {
	/// The contract id.
	pub fn contract_id(&self) -> u64 {
		self.deployment.contract_id
	}
}

/// Writes `bytes` to `path` atomically: temporary file in the same directory, fsync, rename,
/// fsync of the directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	let dir = path.parent().unwrap_or_else(|| Path::new("."));
	let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	let tmp = dir.join(format!(".{file_name}.tmp"));
	{
		let mut file = fs::File::create(&tmp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
	}
	fs::rename(&tmp, path)?;
	if let Ok(dir) = fs::File::open(dir) {
		// Directory fsync makes the rename durable; not every filesystem supports it.
		let _ = dir.sync_all();
	}
	Ok(())
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), EngineError> {
	let bytes = serde_json::to_vec_pretty(value).map_err(|e| EngineError::Corrupt {
		path: path.to_path_buf(),
		message: format!("serialise: {e}"),
	})?;
	write_atomic(path, &bytes)?;
	Ok(())
}

/// Reads a JSON file; `Ok(None)` when it does not exist.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, EngineError> {
	let bytes = match fs::read(path) {
		Ok(bytes) => bytes,
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
		Err(e) => return Err(e.into()),
	};
	serde_json::from_slice(&bytes)
		.map(Some)
		.map_err(|e| EngineError::Corrupt { path: path.to_path_buf(), message: e.to_string() })
}

/// The deployment store, loaded in memory at open and written through on every change.
#[derive(Debug)]
pub struct Store {
	dir: PathBuf,
	records: BTreeMap<u64, DeploymentRecord>,
}

impl Store {
	/// Opens (creating if needed) `<state_dir>/deployments` and loads every record. A file that
	/// cannot be parsed is renamed to `<name>.corrupt` and skipped (logged), so one bad file does
	/// not stop the agent.
	pub fn open(state_dir: &Path) -> Result<Self, EngineError> {
		let dir = state_dir.join("deployments");
		fs::create_dir_all(&dir)?;
		let mut records = BTreeMap::new();
		for entry in fs::read_dir(&dir)? {
			let path = entry?.path();
			let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
			let Some(stem) = name.strip_suffix(".json") else { continue };
			let Ok(id) = stem.parse::<u64>() else { continue };
			match read_json::<DeploymentRecord>(&path) {
				Ok(Some(record)) if record.contract_id() == id => {
					records.insert(id, record);
				},
				Ok(Some(_)) | Err(EngineError::Corrupt { .. }) => {
					tracing::error!(path = %path.display(), "unreadable deployment record, moved aside");
					let _ = fs::rename(&path, path.with_extension("corrupt"));
				},
				Ok(None) => {},
				Err(e) => return Err(e),
			}
		}
		Ok(Self { dir, records })
	}

	fn path(&self, id: u64) -> PathBuf {
		self.dir.join(format!("{id}.json"))
	}

	/// The record of a contract.
	pub fn get(&self, id: u64) -> Option<&DeploymentRecord> {
		self.records.get(&id)
	}

	/// Whether a record exists.
	pub fn contains(&self, id: u64) -> bool {
		self.records.contains_key(&id)
	}

	/// Writes a record (file first, then memory).
	pub fn put(&mut self, record: DeploymentRecord) -> Result<(), EngineError> {
		let id = record.contract_id();
		write_json(&self.path(id), &record)?;
		self.records.insert(id, record);
		Ok(())
	}

	/// Deletes a record (idempotent).
	pub fn remove(&mut self, id: u64) -> Result<(), EngineError> {
		match fs::remove_file(self.path(id)) {
			Ok(()) => {},
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => {},
			Err(e) => return Err(e.into()),
		}
		self.records.remove(&id);
		Ok(())
	}

	/// All records, by contract id.
	pub fn records(&self) -> impl Iterator<Item = &DeploymentRecord> {
		self.records.values()
	}

	/// Contract ids of all records.
	pub fn ids(&self) -> Vec<u64> {
		self.records.keys().copied().collect()
	}

	/// Number of records.
	pub fn len(&self) -> usize {
		self.records.len()
	}

	/// Whether the store is empty.
	pub fn is_empty(&self) -> bool {
		self.records.is_empty()
	}
}

#[cfg(test)]
mod tests {
	use tfchain_deployment::{Workload, WorkloadData, ZmountData};

	use super::*;

	fn record(id: u64) -> DeploymentRecord {
		let mut deployment = Deployment::new(
			1,
			vec![Workload::new("disk", WorkloadData::Zmount(ZmountData { size: 1 << 20 }))],
		);
		deployment.contract_id = id;
		DeploymentRecord {
			deployment,
			paused: false,
			created: 5,
			public_ips: vec![],
			volumes: BTreeMap::new(),
			taps: BTreeMap::new(),
			ips: BTreeMap::new(),
			networks: BTreeMap::new(),
			chain_hash_changed: false,
			pending_update: None,
		}
	}

	#[test]
	fn records_survive_reopen_and_bad_files_are_moved_aside() {
		let dir = tempfile::tempdir().unwrap();
		let mut store = Store::open(dir.path()).unwrap();
		let mut rec = record(3);
		rec.paused = true;
		rec.volumes.insert("disk".into(), PathBuf::from("/x/3-disk.raw"));
		store.put(rec).unwrap();
		store.put(record(4)).unwrap();
		store.remove(4).unwrap();
		store.remove(4).unwrap();
		let deployments = dir.path().join("deployments");
		let names: Vec<String> = fs::read_dir(&deployments)
			.unwrap()
			.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
			.collect();
		assert_eq!(names, vec!["3.json".to_string()], "no temporary files left");

		fs::write(deployments.join("9.json"), b"{ not json").unwrap();
		// A file whose name does not match its contract is not trusted either.
		write_json(&deployments.join("8.json"), &record(7)).unwrap();
		let store = Store::open(dir.path()).unwrap();
		assert_eq!(store.ids(), vec![3]);
		let loaded = store.get(3).unwrap();
		assert!(loaded.paused);
		assert_eq!(loaded.volumes["disk"], PathBuf::from("/x/3-disk.raw"));
		assert!(deployments.join("9.corrupt").exists());
		assert!(deployments.join("8.corrupt").exists());
	}
}
