//! The connection to the node: connect, reconnect after a connection error, and the submit
//! helper every extrinsic goes through (one submission in flight, finalized success awaited).

use crate::ChainError;
use std::{
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};
use subxt::{
	client::OnlineClientAtBlock, extrinsics::ExtrinsicEvents, rpcs::client::JsonrpseeRpcClient,
	transactions::Payload, OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// How long connecting to the node may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a transaction may take from submission to finalized inclusion, unless changed with
/// [`ChainClient::set_submit_timeout`].
pub const DEFAULT_SUBMIT_TIMEOUT: Duration = Duration::from_secs(180);

/// The subxt configuration of our chain (u32 block numbers, `MultiAddress<AccountId32, ()>`,
/// sr25519/ed25519 `MultiSignature`).
pub(crate) type Config = PolkadotConfig;

/// A client of the chain for one signing account (the node's key, or a user's for the deploy
/// client). Cheap to clone; clones share the connection and the submission queue.
///
/// Reads are made at the latest finalized block. Extrinsics are submitted one at a time (so
/// nonces never collide) and each call returns once its transaction is in a finalized block and
/// succeeded. A connection error fails the call with [`ChainError::Connection`]; the next call
/// connects again.
#[derive(Clone)]
pub struct ChainClient {
	inner: Arc<Inner>,
}

struct Inner {
	url: String,
	signer: Keypair,
	/// The current connection; `None` after a failed reconnect.
	conn: Mutex<Option<Conn>>,
	/// Serialises reconnects.
	reconnect: tokio::sync::Mutex<()>,
	/// Serialises submissions.
	submit: tokio::sync::Mutex<()>,
	submit_timeout_ms: AtomicU64,
}

/// One WebSocket connection and the subxt client over it.
#[derive(Clone)]
pub(crate) struct Conn {
	pub(crate) api: OnlineClient<Config>,
	ws: Arc<JsonrpseeRpcClient>,
}

impl Conn {
	async fn open(url: &str) -> Result<Conn, ChainError> {
		let open = async {
			let ws = Arc::new(
				subxt::rpcs::client::jsonrpsee_client(url)
					.await
					.map_err(|e| ChainError::Connection(format!("{url}: {e}")))?,
			);
			let rpc = subxt::rpcs::RpcClient::new(ws.clone());
			let api = OnlineClient::<Config>::from_rpc_client(rpc)
				.await
				.map_err(|e| ChainError::Connection(format!("{url}: {e}")))?;
			Ok(Conn { api, ws })
		};
		tokio::time::timeout(CONNECT_TIMEOUT, open).await.map_err(|_| {
			ChainError::Connection(format!("{url}: no answer within {CONNECT_TIMEOUT:?}"))
		})?
	}

	fn is_connected(&self) -> bool {
		self.ws.is_connected()
	}

	/// Maps an error of a call made over this connection: whatever it says, a call that failed
	/// while the connection dropped is a connection error.
	pub(crate) fn err(&self, e: impl Into<ChainError>) -> ChainError {
		let e = e.into();
		if !e.is_connection() && !self.is_connected() {
			ChainError::Connection(e.to_string())
		} else {
			e
		}
	}

	/// A client at the latest finalized block.
	pub(crate) async fn at_finalized(&self) -> Result<OnlineClientAtBlock<Config>, ChainError> {
		self.api.at_current_block().await.map_err(|e| self.err(e))
	}

	/// A client at block `number`.
	pub(crate) async fn at_block(
		&self,
		number: u64,
	) -> Result<OnlineClientAtBlock<Config>, ChainError> {
		self.api.at_block(number).await.map_err(|e| self.err(e))
	}
}

impl ChainClient {
	/// Connects to the node at `url` (`ws://` or `wss://`) and signs extrinsics with `signer`.
	pub async fn connect(url: &str, signer: Keypair) -> Result<Self, ChainError> {
		let conn = Conn::open(url).await?;
		Ok(ChainClient {
			inner: Arc::new(Inner {
				url: url.to_string(),
				signer,
				conn: Mutex::new(Some(conn)),
				reconnect: tokio::sync::Mutex::new(()),
				submit: tokio::sync::Mutex::new(()),
				submit_timeout_ms: AtomicU64::new(DEFAULT_SUBMIT_TIMEOUT.as_millis() as u64),
			}),
		})
	}

	/// The signing account (the sr25519 public key).
	pub fn account_id(&self) -> [u8; 32] {
		self.inner.signer.public_key().0
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.inner.url
	}

	/// How long an extrinsic may take to be finalized before [`ChainError::Timeout`]
	/// (default [`DEFAULT_SUBMIT_TIMEOUT`]).
	pub fn set_submit_timeout(&self, timeout: Duration) {
		let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
		self.inner.submit_timeout_ms.store(ms, Ordering::Relaxed);
	}

	fn current(&self) -> Option<Conn> {
		self.inner.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
	}

	/// The connection, opened again if it dropped.
	pub(crate) async fn conn(&self) -> Result<Conn, ChainError> {
		if let Some(conn) = self.current().filter(Conn::is_connected) {
			return Ok(conn);
		}
		let _reconnecting = self.inner.reconnect.lock().await;
		// Another caller may have reconnected while we waited.
		if let Some(conn) = self.current().filter(Conn::is_connected) {
			return Ok(conn);
		}
		tracing::info!(url = %self.inner.url, "connecting to the chain");
		let conn = Conn::open(&self.inner.url).await;
		let mut slot = self.inner.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		*slot = conn.as_ref().ok().cloned();
		conn
	}

	/// A client at the latest finalized block, with its connection.
	pub(crate) async fn at_finalized(
		&self,
	) -> Result<(Conn, OnlineClientAtBlock<Config>), ChainError> {
		let conn = self.conn().await?;
		let at = conn.at_finalized().await?;
		Ok((conn, at))
	}

	/// Signs `call`, submits it and waits until it is in a finalized block and succeeded;
	/// returns its events. `what` names the call in errors and logs. One submission at a time.
	pub(crate) async fn submit<Call: Payload>(
		&self,
		what: &str,
		call: &Call,
	) -> Result<ExtrinsicEvents<Config>, ChainError> {
		let _one_at_a_time = self.inner.submit.lock().await;
		let timeout = Duration::from_millis(self.inner.submit_timeout_ms.load(Ordering::Relaxed));
		tracing::debug!(call = what, "submitting");
		let result = tokio::time::timeout(timeout, self.submit_and_watch(call))
			.await
			.map_err(|_| ChainError::Timeout(format!("{what} not finalized within {timeout:?}")))
			.and_then(|r| r);
		match &result {
			Ok(_) => tracing::debug!(call = what, "finalized"),
			Err(e) => tracing::debug!(call = what, error = %e, "failed"),
		}
		result
	}

	async fn submit_and_watch<Call: Payload>(
		&self,
		call: &Call,
	) -> Result<ExtrinsicEvents<Config>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let progress = at
			.transactions()
			.sign_and_submit_then_watch_default(call, &self.inner.signer)
			.await
			.map_err(|e| conn.err(e))?;
		let in_block = progress.wait_for_finalized().await.map_err(|e| conn.err(e))?;
		in_block.wait_for_success().await.map_err(|e| conn.err(e))
	}
}

/// The first `E` event of a transaction's events, or [`ChainError::NotFound`].
pub(crate) fn expect_event<E: subxt::events::DecodeAsEvent>(
	events: &ExtrinsicEvents<Config>,
	what: &str,
) -> Result<E, ChainError> {
	match events.find_first::<E>() {
		Some(Ok(event)) => Ok(event),
		Some(Err(e)) => Err(e.into()),
		None => Err(ChainError::NotFound(format!("{what} event"))),
	}
}
