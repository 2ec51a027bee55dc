//! Reads of chain state at the latest finalized block.

use crate::{
	runtime,
	types::{bounds, check_len, text},
	types::{contract_info, node_info, ContractInfo, NodeInfo, TwinInfo},
	ChainClient, ChainError,
};
use subxt::utils::AccountId32;

impl ChainClient {
	/// Free balance of `account`, in planck (0 for an unknown account).
	pub async fn free_balance(&self, account: [u8; 32]) -> Result<u128, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(runtime::storage().system().account(), (AccountId32(account),))
			.await
			.map_err(|e| conn.err(e))?;
		match value {
			Some(value) => Ok(value.decode()?.data.free),
			None => Ok(0),
		}
	}

	/// The twin id of `account`, if it has a twin.
	pub async fn twin_id_of(&self, account: [u8; 32]) -> Result<Option<u32>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(
				runtime::storage().tfgrid_module().twin_id_by_account_id(),
				(AccountId32(account),),
			)
			.await
			.map_err(|e| conn.err(e))?;
		Ok(match value {
			Some(value) => Some(value.decode()?),
			None => None,
		})
	}

	/// The twin `twin_id`.
	pub async fn twin(&self, twin_id: u32) -> Result<Option<TwinInfo>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(runtime::storage().tfgrid_module().twins(), (twin_id,))
			.await
			.map_err(|e| conn.err(e))?;
		let Some(value) = value else { return Ok(None) };
		let twin = value.decode()?;
		Ok(Some(TwinInfo {
			id: twin.id,
			account_id: twin.account_id.0,
			relay: twin.relay.as_ref().map(text),
		}))
	}

	/// The node of twin `twin_id`, if it registered one.
	pub async fn node_id_of_twin(&self, twin_id: u32) -> Result<Option<u32>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(runtime::storage().tfgrid_module().node_id_by_twin_id(), (twin_id,))
			.await
			.map_err(|e| conn.err(e))?;
		// A value query: 0 means none.
		let id = match value {
			Some(value) => value.decode()?,
			None => 0,
		};
		Ok((id != 0).then_some(id))
	}

	/// The node `node_id` with its power target and state.
	pub async fn node(&self, node_id: u32) -> Result<Option<NodeInfo>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let grid = runtime::storage().tfgrid_module();
		let node =
			at.storage().try_fetch(grid.nodes(), (node_id,)).await.map_err(|e| conn.err(e))?;
		let Some(node) = node else { return Ok(None) };
		let node = node.decode()?;
		let power =
			at.storage().fetch(grid.node_power(), (node_id,)).await.map_err(|e| conn.err(e))?;
		Ok(Some(node_info(&node, &power.decode()?)))
	}

	/// The contract `id` (node, name or rent contract).
	pub async fn contract(&self, id: u64) -> Result<Option<ContractInfo>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(runtime::storage().smart_contract_module().contracts(), (id,))
			.await
			.map_err(|e| conn.err(e))?;
		Ok(match value {
			Some(value) => Some(contract_info(&value.decode()?)),
			None => None,
		})
	}

	/// Live node contracts (created or in grace) on node `node_id`.
	pub async fn active_node_contracts(&self, node_id: u32) -> Result<Vec<u64>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(
				runtime::storage().smart_contract_module().active_node_contracts(),
				(node_id,),
			)
			.await
			.map_err(|e| conn.err(e))?;
		Ok(match value {
			Some(value) => value.decode()?.0,
			None => Vec::new(),
		})
	}

	/// The rent contract of node `node_id`, if it is rented.
	pub async fn active_rent_contract(&self, node_id: u32) -> Result<Option<u64>, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let value = at
			.storage()
			.try_fetch(
				runtime::storage().smart_contract_module().active_rent_contract_for_node(),
				(node_id,),
			)
			.await
			.map_err(|e| conn.err(e))?;
		Ok(match value {
			Some(value) => Some(value.decode()?),
			None => None,
		})
	}

	/// Chain time (the timestamp pallet) of the latest finalized block, in Unix seconds.
	pub async fn chain_time_secs(&self) -> Result<u64, ChainError> {
		let (conn, at) = self.at_finalized().await?;
		let now = at
			.storage()
			.fetch(runtime::storage().timestamp().now(), ())
			.await
			.map_err(|e| conn.err(e))?;
		Ok(now.decode()? / 1000)
	}

	/// The value `account` stored under `key` in the key-value store (`None` when there is none).
	pub async fn kv_get(
		&self,
		account: [u8; 32],
		key: &str,
	) -> Result<Option<Vec<u8>>, ChainError> {
		check_len("key", key.len(), bounds::KV_KEY)?;
		let (conn, at) = self.at_finalized().await?;
		let key = crate::runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			key.as_bytes().to_vec(),
		);
		let value = at
			.storage()
			.try_fetch(runtime::storage().tfkv_store().tfkv_store(), (AccountId32(account), key))
			.await
			.map_err(|e| conn.err(e))?;
		// A value query: a missing entry reads as an empty value.
		let value = match value {
			Some(value) => value.decode()?.0,
			None => Vec::new(),
		};
		Ok((!value.is_empty()).then_some(value))
	}
}
