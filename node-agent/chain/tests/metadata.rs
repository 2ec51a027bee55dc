//! Drift test of the committed runtime metadata (`metadata/tfchain.scale`), which the typed API
//! of this crate is generated from: it must be the metadata of the runtime in this repository.
//! With `TFCHAIN_UPDATE_METADATA=1` (what `./scripts/agent-metadata.sh` sets) the file is
//! rewritten instead.

use std::path::PathBuf;

/// The newest metadata version the client uses: V16 when the runtime serves it, else V15.
fn runtime_metadata() -> (u32, Vec<u8>) {
	for version in [16, 15] {
		if let Some(metadata) = tfchain_runtime::Runtime::metadata_at_version(version) {
			// `OpaqueMetadata` holds the SCALE-encoded `RuntimeMetadataPrefixed`, which is
			// exactly what the `subxt` macro reads from a file.
			return (version, metadata.to_vec());
		}
	}
	panic!("the runtime serves neither metadata V16 nor V15");
}

fn updating() -> bool {
	std::env::var("TFCHAIN_UPDATE_METADATA").is_ok_and(|v| v == "1")
}

fn committed_path() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("metadata").join("tfchain.scale")
}

#[test]
fn committed_metadata_is_the_runtime_metadata() {
	let (version, current) = runtime_metadata();
	let path = committed_path();
	if updating() {
		std::fs::write(&path, &current)
			.unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
		println!("wrote metadata V{version} ({} bytes) to {}", current.len(), path.display());
		return;
	}
	let committed = std::fs::read(&path).unwrap_or_else(|e| {
		panic!("reading {}: {e}; run ./scripts/agent-metadata.sh", path.display())
	});
	assert!(
		committed == current,
		"{} ({} bytes) is not the runtime's metadata V{version} ({} bytes): the runtime changed; \
		 run ./scripts/agent-metadata.sh and rebuild the node agent",
		path.display(),
		committed.len(),
		current.len(),
	);
}

#[test]
fn committed_metadata_matches_the_generated_code() {
	if updating() {
		// The file is being rewritten; the crate was generated from the previous one.
		return;
	}
	let bytes = std::fs::read(committed_path()).expect("committed metadata is readable");
	let metadata: subxt::Metadata =
		codec::Decode::decode(&mut &bytes[..]).expect("committed metadata decodes");
	assert!(
		tfchain_agent_chain::runtime::is_codegen_valid_for(&metadata),
		"the generated API does not match metadata/tfchain.scale; rebuild the crate"
	);
}
