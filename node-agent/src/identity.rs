//! The node's identity: an sr25519 seed kept in a file only the agent's user may read.

use std::{
	fs::{self, OpenOptions},
	io::Write,
	os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};
use subxt_signer::sr25519::Keypair;

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
	/// Reading, creating or inspecting the file failed.
	#[error("key file {path}: {source}")]
	Io {
		/// The file.
		path: PathBuf,
		/// The I/O error.
		source: std::io::Error,
	},
	/// The file is readable or writable by group or others.
	#[error(
		"key file {path} has mode {mode:04o}: it must not be accessible by group or others \
		 (run `chmod 600 {path}`)"
	)]
	InsecurePermissions {
		/// The file.
		path: PathBuf,
		/// Its permission bits.
		mode: u32,
	},
	/// The file does not hold 64 hex characters.
	#[error("key file {path} does not hold a 32-byte hex seed")]
	InvalidSeed {
		/// The file.
		path: PathBuf,
	},
	/// The seed is not a valid sr25519 mini secret key.
	#[error("key file {path}: the seed is not a valid sr25519 key")]
	InvalidKey {
		/// The file.
		path: PathBuf,
	},
	/// The system random source failed.
	#[error("cannot generate a key: {0}")]
	Random(String),
}

/// The node key: its seed and the derived sr25519 keypair.
#[derive(Clone)]
pub struct NodeKey {
	seed: [u8; 32],
	keypair: Keypair,
}

impl std::fmt::Debug for NodeKey {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("NodeKey").field("account", &self.ss58()).finish_non_exhaustive()
	}
}

impl NodeKey {
	/// A key from a 32-byte seed.
	pub fn from_seed(seed: [u8; 32]) -> Option<Self> {
		let keypair = Keypair::from_secret_key(seed).ok()?;
		Some(Self { seed, keypair })
	}

	/// The sr25519 keypair (signer of the node's extrinsics).
	pub fn keypair(&self) -> Keypair {
		self.keypair.clone()
	}

	/// The account id (public key).
	pub fn account_id(&self) -> [u8; 32] {
		self.keypair.public_key().0
	}

	/// The account as SS58 (generic substrate prefix 42).
	pub fn ss58(&self) -> String {
		ss58(self.account_id())
	}

	/// The seed as hex (what the file holds).
	pub fn seed_hex(&self) -> String {
		hex::encode(self.seed)
	}
}

/// An account id as SS58 (generic substrate prefix 42).
pub fn ss58(account: [u8; 32]) -> String {
	subxt_utils_accountid32::AccountId32(account).to_string()
}

/// Loads the key at `path`, or creates it (mode 0600, parent directories mode 0700) when the
/// file does not exist. Refuses a file that group or others may access.
pub fn load_or_create(path: &Path) -> Result<(NodeKey, bool), IdentityError> {
	let io = |source| IdentityError::Io { path: path.to_path_buf(), source };
	match fs::metadata(path) {
		Ok(_) => Ok((load(path)?, false)),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
				fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(io)?;
			}
			let mut seed = [0u8; 32];
			getrandom(&mut seed)?;
			let key = NodeKey::from_seed(seed)
				.ok_or_else(|| IdentityError::InvalidKey { path: path.to_path_buf() })?;
			let mut file = OpenOptions::new()
				.write(true)
				.create_new(true)
				.mode(0o600)
				.open(path)
				.map_err(io)?;
			// The umask may only clear bits, but be explicit.
			file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(io)?;
			file.write_all(format!("{}\n", key.seed_hex()).as_bytes()).map_err(io)?;
			file.sync_all().map_err(io)?;
			Ok((key, true))
		},
		Err(e) => Err(io(e)),
	}
}

/// Loads an existing key file, checking its permissions first.
pub fn load(path: &Path) -> Result<NodeKey, IdentityError> {
	let io = |source| IdentityError::Io { path: path.to_path_buf(), source };
	let meta = fs::metadata(path).map_err(io)?;
	let mode = meta.permissions().mode() & 0o7777;
	if mode & 0o077 != 0 {
		return Err(IdentityError::InsecurePermissions { path: path.to_path_buf(), mode });
	}
	let text = fs::read_to_string(path).map_err(io)?;
	let text = text.trim();
	let text = text.strip_prefix("0x").unwrap_or(text);
	let invalid = || IdentityError::InvalidSeed { path: path.to_path_buf() };
	let bytes = hex::decode(text).map_err(|_| invalid())?;
	let seed: [u8; 32] = bytes.try_into().map_err(|_| invalid())?;
	NodeKey::from_seed(seed).ok_or_else(|| IdentityError::InvalidKey { path: path.to_path_buf() })
}

fn getrandom(buf: &mut [u8]) -> Result<(), IdentityError> {
	use rand::RngCore;
	rand::rngs::OsRng.try_fill_bytes(buf).map_err(|e| IdentityError::Random(e.to_string()))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn creates_key_with_mode_0600_and_reloads_it() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("sub/dir/key");
		let (key, created) = load_or_create(&path).unwrap();
		assert!(created);
		let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
		assert_eq!(mode, 0o600);
		let text = fs::read_to_string(&path).unwrap();
		assert_eq!(text.trim().len(), 64);
		let (again, created) = load_or_create(&path).unwrap();
		assert!(!created);
		assert_eq!(again.account_id(), key.account_id());
		assert!(key.ss58().starts_with('5'));
	}

	#[test]
	fn two_new_keys_differ() {
		let dir = tempfile::tempdir().unwrap();
		let (a, _) = load_or_create(&dir.path().join("a")).unwrap();
		let (b, _) = load_or_create(&dir.path().join("b")).unwrap();
		assert_ne!(a.account_id(), b.account_id());
	}

	#[test]
	fn refuses_group_or_world_readable_file() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("key");
		load_or_create(&path).unwrap();
		for mode in [0o640, 0o604, 0o660, 0o644] {
			fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
			match load_or_create(&path) {
				Err(IdentityError::InsecurePermissions { mode: m, .. }) => assert_eq!(m, mode),
				other => panic!("mode {mode:o}: {other:?}"),
			}
		}
		fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
		assert!(load(&path).is_ok());
	}

	#[test]
	fn refuses_garbage() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("key");
		for content in ["zz", "00", &"0".repeat(66)] {
			fs::write(&path, content).unwrap();
			fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
			assert!(matches!(load(&path), Err(IdentityError::InvalidSeed { .. })), "{content}");
		}
	}

	#[test]
	fn known_seed_gives_known_account() {
		// The seed of //Alice's mini secret is not public, so check the round trip through
		// the file instead: a 0x-prefixed seed is accepted and gives the same account.
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("key");
		let seed = [7u8; 32];
		fs::write(&path, format!("0x{}\n", hex::encode(seed))).unwrap();
		fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
		let key = load(&path).unwrap();
		assert_eq!(key.account_id(), NodeKey::from_seed(seed).unwrap().account_id());
	}
}
