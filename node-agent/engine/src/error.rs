//! Errors of the engine's API.

use std::path::PathBuf;

use tfchain_deployment::DeploymentError;

/// Why the engine refused a request or could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
	/// The document failed structural validation.
	#[error("invalid deployment: {0}")]
	InvalidDocument(DeploymentError),
	/// The update is not a valid upgrade of the current document.
	#[error("invalid update: {0}")]
	InvalidUpdate(DeploymentError),
	/// The contract does not exist on chain (or is deleted).
	#[error("contract {0} not found on chain")]
	ContractNotFound(u64),
	/// The contract exists but is not a node contract.
	#[error("contract {0} is not a node contract")]
	NotANodeContract(u64),
	/// The contract is a node contract for another node.
	#[error("contract {contract_id} is for node {contract_node}, this is node {this_node}")]
	WrongNode {
		/// The contract.
		contract_id: u64,
		/// Node the contract is for.
		contract_node: u32,
		/// This node.
		this_node: u32,
	},
	/// The contract's owner is not the document's twin (or an update changes the twin).
	#[error("contract {contract_id} belongs to twin {contract_twin}, the deployment names twin {document_twin}")]
	WrongTwin {
		/// The contract.
		contract_id: u64,
		/// Owner twin on chain (or of the stored deployment).
		contract_twin: u32,
		/// Twin in the document.
		document_twin: u32,
	},
	/// The document's hash is not the hash the contract holds.
	#[error("deployment hash {document} does not match the contract's {chain}")]
	HashMismatch {
		/// Hex hash of the document.
		document: String,
		/// Hex hash on chain.
		chain: String,
	},
	/// The signatures do not satisfy the signature requirement.
	#[error("signature check failed: {0}")]
	BadSignature(DeploymentError),
	/// The contract already has a deployment with another hash (use an update).
	#[error("contract {0} already has a different deployment")]
	AlreadyDeployed(u64),
	/// No deployment is stored for the contract.
	#[error("no deployment for contract {0}")]
	UnknownDeployment(u64),
	/// Wrong document version (0 on create, current + 1 on update).
	#[error("bad version {got}: expected {expected}")]
	BadVersion {
		/// The version the engine expects.
		expected: u32,
		/// The document's version.
		got: u32,
	},
	/// Reading or writing the state directory failed.
	#[error("state store: {0}")]
	Store(#[from] std::io::Error),
	/// A state file could not be parsed.
	#[error("state file {path}: {message}")]
	Corrupt {
		/// The file.
		path: PathBuf,
		/// Parser message.
		message: String,
	},
	/// A chain read or submission failed.
	#[error("chain: {0}")]
	Chain(String),
	/// The worker task failed unexpectedly (a panic in a backend).
	#[error("worker: {0}")]
	Worker(String),
}

impl EngineError {
	/// Wraps an error of the chain view.
	pub(crate) fn chain(err: anyhow::Error) -> Self {
		Self::Chain(format!("{err:#}"))
	}
}
