//! Following finalization: the latest finalized block and waiting for the next one.

use crate::{ChainClient, ChainError};
use std::time::Duration;
use tokio::time::{sleep, timeout_at, Instant};

/// How often the polling fallback asks for the finalized block.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

impl ChainClient {
	/// Number of the latest finalized block.
	pub async fn finalized_number(&self) -> Result<u64, ChainError> {
		let (_, at) = self.at_finalized().await?;
		Ok(at.block_number())
	}

	/// Waits until a block after `number` is finalized and returns the latest finalized number
	/// (at once if one already is). Follows the node's finalized-blocks subscription, and polls
	/// every second if the subscription cannot be opened or ends. [`ChainError::Timeout`] after
	/// `timeout`.
	pub async fn wait_finalized_after(
		&self,
		number: u64,
		timeout: Duration,
	) -> Result<u64, ChainError> {
		let deadline = Instant::now() + timeout;
		let wait = async {
			let current = self.finalized_number().await?;
			if current > number {
				return Ok(current);
			}
			match self.follow_until_after(number).await {
				Ok(Some(finalized)) => return Ok(finalized),
				Ok(None) => tracing::debug!("finalized-blocks subscription ended; polling"),
				Err(e) => {
					tracing::debug!(error = %e, "finalized-blocks subscription failed; polling")
				},
			}
			loop {
				let current = self.finalized_number().await?;
				if current > number {
					return Ok(current);
				}
				sleep(POLL_INTERVAL).await;
			}
		};
		timeout_at(deadline, wait).await.map_err(|_| {
			ChainError::Timeout(format!("no block after #{number} finalized within {timeout:?}"))
		})?
	}

	/// Follows finalized blocks until one after `number`; `None` when the subscription ends.
	async fn follow_until_after(&self, number: u64) -> Result<Option<u64>, ChainError> {
		let conn = self.conn().await?;
		let mut blocks = conn.api.stream_blocks().await.map_err(|e| conn.err(e))?;
		while let Some(block) = blocks.next().await {
			let block = block.map_err(|e| conn.err(e))?;
			if block.number() > number {
				return Ok(Some(block.number()));
			}
		}
		Ok(None)
	}
}
