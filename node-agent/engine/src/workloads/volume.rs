//! Volumes as raw **sparse** files `<dir>/<contract>-<name>.raw` (`set_len`), with size
//! accounting: the declared sizes of all volumes may add up to at most the pool's `statvfs` size
//! minus a reserve. A volume grows on update and never shrinks.

use std::{
	ffi::CString,
	fs,
	os::unix::ffi::OsStrExt,
	path::{Path, PathBuf},
	sync::Mutex,
};

use serde_json::json;
use tfchain_deployment::ZmountData;

use super::{workload_id, Volumes, WorkloadError};
use crate::{store::DeploymentRecord, worker::Ctx};

/// Raw sparse volume files in one directory (the pool).
#[derive(Debug)]
pub struct LocalVolumes {
	dir: PathBuf,
	reserve: u64,
	fixed_capacity: Option<u64>,
	lock: Mutex<()>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WorkloadError + '_ {
	move |source| WorkloadError::Io { path: path.to_path_buf(), source }
}

impl LocalVolumes {
	/// Volumes under `dir`; the pool's size is `statvfs(dir)` minus `reserve_bytes`.
	pub fn new(dir: impl Into<PathBuf>, reserve_bytes: u64) -> Self {
		Self { dir: dir.into(), reserve: reserve_bytes, fixed_capacity: None, lock: Mutex::new(()) }
	}

	/// Volumes under `dir` with a fixed pool capacity (tests, or a quota smaller than the disk).
	pub fn with_capacity(dir: impl Into<PathBuf>, capacity_bytes: u64) -> Self {
		Self {
			dir: dir.into(),
			reserve: 0,
			fixed_capacity: Some(capacity_bytes),
			lock: Mutex::new(()),
		}
	}

	/// The pool directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	fn check_id(id: &str) -> Result<(), WorkloadError> {
		let ok = !id.is_empty()
			&& id.len() <= 200
			&& !id.starts_with('.')
			&& id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
		if ok {
			Ok(())
		} else {
			Err(WorkloadError::InvalidName(id.to_string()))
		}
	}

	fn file(&self, id: &str) -> PathBuf {
		self.dir.join(format!("{id}.raw"))
	}

	fn pool_size(&self) -> Result<u64, WorkloadError> {
		fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
		let c_path = CString::new(self.dir.as_os_str().as_bytes())
			.map_err(|_| WorkloadError::InvalidName(self.dir.display().to_string()))?;
		// SAFETY: `statvfs` writes into the zeroed struct we own; the path is NUL-terminated.
		let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
		// SAFETY: see above.
		let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
		if rc != 0 {
			return Err(io_err(&self.dir)(std::io::Error::last_os_error()));
		}
		#[allow(clippy::unnecessary_cast)]
		Ok((stat.f_blocks as u64).saturating_mul(stat.f_frsize as u64))
	}

	fn allocated_locked(&self) -> Result<u64, WorkloadError> {
		let entries = match fs::read_dir(&self.dir) {
			Ok(entries) => entries,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
			Err(e) => return Err(io_err(&self.dir)(e)),
		};
		let mut total = 0u64;
		for entry in entries {
			let entry = entry.map_err(io_err(&self.dir))?;
			let path = entry.path();
			if path.extension().is_some_and(|e| e == "raw") {
				if let Ok(meta) = entry.metadata() {
					total = total.saturating_add(meta.len());
				}
			}
		}
		Ok(total)
	}
}

impl Volumes for LocalVolumes {
	fn path(&self, id: &str) -> Result<PathBuf, WorkloadError> {
		Self::check_id(id)?;
		Ok(self.file(id))
	}

	fn ensure(&self, id: &str, size: u64) -> Result<PathBuf, WorkloadError> {
		Self::check_id(id)?;
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
		let path = self.file(id);
		let current = match fs::metadata(&path) {
			Ok(meta) => Some(meta.len()),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
			Err(e) => return Err(io_err(&path)(e)),
		};
		match current {
			Some(current) if current > size => {
				return Err(WorkloadError::Shrink { id: id.to_string(), current, requested: size })
			},
			Some(current) if current == size => return Ok(path),
			_ => {},
		}
		let needed = size - current.unwrap_or(0);
		let allocated = self.allocated_locked()?;
		let capacity = self.capacity()?;
		if allocated.saturating_add(needed) > capacity {
			return Err(WorkloadError::NoSpace {
				requested: needed,
				available: capacity.saturating_sub(allocated),
			});
		}
		let file = fs::OpenOptions::new()
			.create(true)
			.truncate(false)
			.write(true)
			.open(&path)
			.map_err(io_err(&path))?;
		file.set_len(size).map_err(io_err(&path))?;
		file.sync_all().map_err(io_err(&path))?;
		Ok(path)
	}

	fn remove(&self, id: &str) -> Result<(), WorkloadError> {
		Self::check_id(id)?;
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		let path = self.file(id);
		match fs::remove_file(&path) {
			Ok(()) => Ok(()),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
			Err(e) => Err(io_err(&path)(e)),
		}
	}

	fn size(&self, id: &str) -> Option<u64> {
		Self::check_id(id).ok()?;
		fs::metadata(self.file(id)).ok().map(|m| m.len())
	}

	fn allocated(&self) -> Result<u64, WorkloadError> {
		let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		self.allocated_locked()
	}

	fn capacity(&self) -> Result<u64, WorkloadError> {
		match self.fixed_capacity {
			Some(capacity) => Ok(capacity),
			None => Ok(self.pool_size()?.saturating_sub(self.reserve)),
		}
	}
}

/// Provisions (or grows) a zmount: a sparse file of the declared size.
pub(crate) fn provision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
	data: &ZmountData,
) -> Result<serde_json::Value, WorkloadError> {
	let id = workload_id(rec.contract_id(), name);
	let path = ctx.backends.volumes.ensure(&id, data.size)?;
	rec.volumes.insert(name.to_string(), path.clone());
	Ok(json!({ "volume_id": id, "path": path, "size": data.size }))
}

/// Removes a zmount's file (or a zmachine's root disk).
pub(crate) fn deprovision(
	ctx: &Ctx<'_>,
	rec: &mut DeploymentRecord,
	name: &str,
) -> Result<(), WorkloadError> {
	let id = workload_id(rec.contract_id(), name);
	ctx.backends.volumes.remove(&id)?;
	rec.volumes.remove(name);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sparse_create_grow_refuse_shrink_and_accounting() {
		let dir = tempfile::tempdir().unwrap();
		let vols = LocalVolumes::with_capacity(dir.path().join("v"), 10 << 30);
		let path = vols.ensure("1-a", 4 << 30).unwrap();
		let meta = fs::metadata(&path).unwrap();
		assert_eq!(meta.len(), 4 << 30);
		use std::os::unix::fs::MetadataExt;
		assert!(meta.blocks() * 512 < 1 << 20, "file must be sparse");
		// Idempotent, then grow.
		vols.ensure("1-a", 4 << 30).unwrap();
		vols.ensure("1-a", 5 << 30).unwrap();
		assert_eq!(vols.size("1-a"), Some(5 << 30));
		assert!(matches!(vols.ensure("1-a", 1 << 30), Err(WorkloadError::Shrink { .. })));
		// 5 GiB used of 10: 6 GiB more does not fit, 5 does.
		assert!(matches!(
			vols.ensure("1-b", 6 << 30),
			Err(WorkloadError::NoSpace { available, .. }) if available == 5 << 30
		));
		assert_eq!(vols.size("1-b"), None, "refused volume must not exist");
		vols.ensure("1-b", 5 << 30).unwrap();
		assert_eq!(vols.allocated().unwrap(), 10 << 30);
		vols.remove("1-b").unwrap();
		vols.remove("1-b").unwrap();
		assert_eq!(vols.allocated().unwrap(), 5 << 30);
		assert!(matches!(vols.ensure("../x", 1), Err(WorkloadError::InvalidName(_))));
		assert!(matches!(vols.ensure("a/b", 1), Err(WorkloadError::InvalidName(_))));
	}

	#[test]
	fn statvfs_capacity_minus_reserve() {
		let dir = tempfile::tempdir().unwrap();
		let vols = LocalVolumes::new(dir.path(), 0);
		let pool = vols.capacity().unwrap();
		assert!(pool > 0);
		let reserved = LocalVolumes::new(dir.path(), 1 << 20);
		assert_eq!(reserved.capacity().unwrap(), pool - (1 << 20));
		assert!(matches!(
			vols.ensure("1-huge", pool.saturating_add(1)),
			Err(WorkloadError::NoSpace { .. })
		));
	}
}
