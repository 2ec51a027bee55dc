//! The client's error type and the mapping of subxt's errors onto it.

use subxt::error::{
	BackendError, DispatchError, EventsError, ExtrinsicError, OnlineClientAtBlockError, RpcError,
	StorageError, TransactionEventsError, TransactionFinalizedSuccessError,
	TransactionProgressError,
};

/// What went wrong talking to the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
	/// The node cannot be reached or the connection dropped; the next call reconnects.
	#[error("connection to the chain failed: {0}")]
	Connection(String),
	/// The node answered a request with an error, or the request failed otherwise.
	#[error("RPC error: {0}")]
	Rpc(String),
	/// The transaction pool rejected or dropped the transaction (bad nonce, cannot pay fees,
	/// invalid); it was not executed.
	#[error("transaction rejected: {0}")]
	Rejected(String),
	/// The transaction was executed in a finalized block and failed. `pallet` and `error` are
	/// the names of the pallet error (e.g. `TfgridModule`/`TwinNotExists`); errors not raised by
	/// a pallet have `pallet` `Runtime` (e.g. `Runtime`/`BadOrigin`, `Runtime`/`Token(FundsUnavailable)`).
	#[error("dispatch error: {pallet}::{error}")]
	Dispatch {
		/// Pallet name, or `Runtime`.
		pallet: String,
		/// Error variant name.
		error: String,
	},
	/// Chain data (storage value, event, header) did not decode as expected.
	#[error("cannot decode chain data: {0}")]
	Decode(String),
	/// Something expected on chain does not exist (a block, or the event a call should emit).
	#[error("not found: {0}")]
	NotFound(String),
	/// Waiting for the chain took too long. A timed-out transaction may still be included later.
	#[error("timed out: {0}")]
	Timeout(String),
	/// An argument is longer than the chain accepts (a `BoundedVec` bound, or a per-call limit).
	#[error("{field} is {len} long, the chain accepts at most {max}")]
	BoundsExceeded {
		/// Which argument, e.g. `location.city` or `interfaces[0].ips[1]`.
		field: String,
		/// Its length (bytes for texts, entries for lists).
		len: usize,
		/// The bound.
		max: usize,
	},
	/// The chain's runtime does not match this client's metadata (a runtime upgrade changed a
	/// call, storage item or event this client uses): the agent must be rebuilt.
	#[error("the chain's runtime does not match this client: {0}")]
	Incompatible(String),
}

impl ChainError {
	/// Whether the error is a lost or failed connection.
	pub fn is_connection(&self) -> bool {
		matches!(self, ChainError::Connection(_))
	}

	/// Whether the error is the dispatch error `pallet::error`.
	pub fn is_dispatch(&self, pallet: &str, error: &str) -> bool {
		matches!(self, ChainError::Dispatch { pallet: p, error: e } if p == pallet && e == error)
	}
}

/// `(pallet, error)` names of a dispatch error.
pub(crate) fn dispatch_names(error: &DispatchError) -> (String, String) {
	match error {
		DispatchError::Module(module) => match module.details() {
			Ok(details) => (details.pallet.name().to_string(), details.variant.name.clone()),
			Err(_) => (
				format!("pallet#{}", module.pallet_index()),
				format!("error#{}", module.error_index()),
			),
		},
		other => ("Runtime".to_string(), format!("{other:?}")),
	}
}

fn backend(e: &BackendError) -> ChainError {
	match e {
		BackendError::Rpc(RpcError::ClientError(subxt::rpcs::Error::Client(_)))
		| BackendError::Rpc(RpcError::ClientError(
			subxt::rpcs::Error::DisconnectedWillReconnect(_),
		))
		| BackendError::Rpc(RpcError::SubscriptionDropped) => ChainError::Connection(e.to_string()),
		_ => ChainError::Rpc(e.to_string()),
	}
}

impl From<BackendError> for ChainError {
	fn from(e: BackendError) -> Self {
		backend(&e)
	}
}

impl From<OnlineClientAtBlockError> for ChainError {
	fn from(e: OnlineClientAtBlockError) -> Self {
		match &e {
			OnlineClientAtBlockError::BlockNotFound { block_number } => {
				ChainError::NotFound(format!("block #{block_number}"))
			},
			OnlineClientAtBlockError::BlockHeaderNotFound { .. } => {
				ChainError::NotFound(e.to_string())
			},
			OnlineClientAtBlockError::CannotGetCurrentBlock { reason }
			| OnlineClientAtBlockError::CannotGetBlockHash { reason, .. }
			| OnlineClientAtBlockError::CannotGetBlockHeader { reason, .. }
			| OnlineClientAtBlockError::CannotGetSpecVersion { reason, .. } => backend(reason),
			OnlineClientAtBlockError::CannotDecodeSpecVersion { .. } => {
				ChainError::Decode(e.to_string())
			},
			_ => ChainError::Rpc(e.to_string()),
		}
	}
}

impl From<StorageError> for ChainError {
	fn from(e: StorageError) -> Self {
		match &e {
			StorageError::IncompatibleCodegen => ChainError::Incompatible(e.to_string()),
			StorageError::CannotFetchValue(b)
			| StorageError::CannotIterateValues(b)
			| StorageError::StreamFailure(b) => backend(b),
			StorageError::NoValueFound => ChainError::NotFound(e.to_string()),
			StorageError::CannotDecodeStorageVersion(_) => ChainError::Decode(e.to_string()),
			_ => ChainError::Rpc(e.to_string()),
		}
	}
}

impl From<subxt::error::StorageValueError> for ChainError {
	fn from(e: subxt::error::StorageValueError) -> Self {
		ChainError::Decode(e.to_string())
	}
}

impl From<subxt::error::ConstantError> for ChainError {
	fn from(e: subxt::error::ConstantError) -> Self {
		match &e {
			subxt::error::ConstantError::IncompatibleCodegen => {
				ChainError::Incompatible(e.to_string())
			},
			_ => ChainError::Decode(e.to_string()),
		}
	}
}

impl From<EventsError> for ChainError {
	fn from(e: EventsError) -> Self {
		match &e {
			EventsError::CannotFetchEventBytes(b) => backend(b),
			_ => ChainError::Decode(e.to_string()),
		}
	}
}

impl From<subxt::error::BlocksError> for ChainError {
	fn from(e: subxt::error::BlocksError) -> Self {
		match e {
			subxt::error::BlocksError::CannotGetCurrentBlock(e) => e.into(),
			subxt::error::BlocksError::CannotGetBlockHeaderStream(b)
			| subxt::error::BlocksError::CannotGetBlockHeader(b) => backend(&b),
			other => ChainError::Rpc(other.to_string()),
		}
	}
}

impl From<subxt::error::BlockError> for ChainError {
	fn from(e: subxt::error::BlockError) -> Self {
		ChainError::Rpc(e.to_string())
	}
}

impl From<ExtrinsicError> for ChainError {
	fn from(e: ExtrinsicError) -> Self {
		match &e {
			ExtrinsicError::IncompatibleCodegen => ChainError::Incompatible(e.to_string()),
			// The node refused the transaction on submission (invalid, cannot pay, bad nonce).
			ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(
				RpcError::ClientError(subxt::rpcs::Error::User(user)),
			)) => ChainError::Rejected(user.to_string()),
			ExtrinsicError::ErrorSubmittingTransaction(b)
			| ExtrinsicError::TransactionStatusStreamError(b)
			| ExtrinsicError::CannotGetBlockBody(b) => backend(b),
			ExtrinsicError::TransactionStatusError(status) => {
				ChainError::Rejected(status.to_string())
			},
			_ => ChainError::Rpc(e.to_string()),
		}
	}
}

impl From<TransactionProgressError> for ChainError {
	fn from(e: TransactionProgressError) -> Self {
		match &e {
			TransactionProgressError::CannotGetNextProgressUpdate(b) => backend(b),
			TransactionProgressError::TransactionStatusError(status) => {
				ChainError::Rejected(status.to_string())
			},
			_ => ChainError::Rpc(e.to_string()),
		}
	}
}

impl From<TransactionEventsError> for ChainError {
	fn from(e: TransactionEventsError) -> Self {
		match &e {
			TransactionEventsError::ExtrinsicFailed(dispatch) => {
				let (pallet, error) = dispatch_names(dispatch);
				ChainError::Dispatch { pallet, error }
			},
			TransactionEventsError::CannotFetchBlockBody { error, .. } => backend(error),
			TransactionEventsError::CannotInstantiateClientAtBlock(inner) => {
				// Not `Clone`; re-classify through its message-preserving conversion.
				match inner {
					OnlineClientAtBlockError::CannotGetCurrentBlock { reason }
					| OnlineClientAtBlockError::CannotGetBlockHash { reason, .. }
					| OnlineClientAtBlockError::CannotGetBlockHeader { reason, .. }
					| OnlineClientAtBlockError::CannotGetSpecVersion { reason, .. } => backend(reason),
					_ => ChainError::Rpc(e.to_string()),
				}
			},
			TransactionEventsError::BlockNotFound { .. }
			| TransactionEventsError::CannotFindTransactionInBlock { .. } => {
				ChainError::NotFound(e.to_string())
			},
			_ => ChainError::Decode(e.to_string()),
		}
	}
}

impl From<TransactionFinalizedSuccessError> for ChainError {
	fn from(e: TransactionFinalizedSuccessError) -> Self {
		match e {
			TransactionFinalizedSuccessError::FinalizationError(e) => e.into(),
			TransactionFinalizedSuccessError::SuccessError(e) => e.into(),
			other => ChainError::Rpc(other.to_string()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn dispatch_errors_match_by_names() {
		let e =
			ChainError::Dispatch { pallet: "TfgridModule".into(), error: "TwinNotExists".into() };
		assert!(e.is_dispatch("TfgridModule", "TwinNotExists"));
		assert!(!e.is_dispatch("TfgridModule", "NodeNotExists"));
		assert_eq!(e.to_string(), "dispatch error: TfgridModule::TwinNotExists");
		assert!(!e.is_connection());
	}

	#[test]
	fn non_module_dispatch_errors_are_runtime_errors() {
		assert_eq!(
			dispatch_names(&DispatchError::BadOrigin),
			("Runtime".to_string(), "BadOrigin".to_string())
		);
	}

	#[test]
	fn bounds_errors_say_what_and_how_long() {
		let e = ChainError::BoundsExceeded { field: "location.city".into(), len: 60, max: 58 };
		assert_eq!(e.to_string(), "location.city is 60 long, the chain accepts at most 58");
	}

	#[test]
	fn client_transport_failures_are_connection_errors() {
		let e = BackendError::Rpc(RpcError::ClientError(subxt::rpcs::Error::Client(Box::new(
			std::io::Error::other("connection reset"),
		))));
		assert!(ChainError::from(e).is_connection());
		let e = BackendError::Rpc(RpcError::ClientError(subxt::rpcs::Error::User(
			subxt::rpcs::UserError { code: -32000, message: "bad".into(), data: None },
		)));
		assert!(matches!(ChainError::from(e), ChainError::Rpc(_)));
	}
}
