//! Extrinsics a user signs (the `deploy` client): node contracts and transfers.

use crate::{
	client::expect_event,
	runtime::{self, smart_contract_module},
	types::{bounded_bytes, bounds},
	ChainClient, ChainError,
};
use subxt::utils::{AccountId32, MultiAddress};

impl ChainClient {
	/// Creates a node contract on `node_id` for the deployment with hash `hash`, with opaque
	/// `data` (at most 512 bytes) and `public_ips` public IPs of the node's farm; returns the
	/// contract id.
	pub async fn create_node_contract(
		&self,
		node_id: u32,
		hash: [u8; 32],
		data: &[u8],
		public_ips: u32,
	) -> Result<u64, ChainError> {
		let call = runtime::tx().smart_contract_module().create_node_contract(
			node_id,
			hash,
			bounded_bytes("deployment_data", data, bounds::DEPLOYMENT_DATA)?,
			public_ips,
			None,
		);
		let events = self.submit("SmartContractModule.create_node_contract", &call).await?;
		let created: smart_contract_module::events::ContractCreated =
			expect_event(&events, "ContractCreated")?;
		Ok(created.0.contract_id)
	}

	/// Replaces the deployment hash and data of the account's node contract `id`.
	pub async fn update_node_contract(
		&self,
		id: u64,
		hash: [u8; 32],
		data: &[u8],
	) -> Result<(), ChainError> {
		let call = runtime::tx().smart_contract_module().update_node_contract(
			id,
			hash,
			bounded_bytes("deployment_data", data, bounds::DEPLOYMENT_DATA)?,
		);
		self.submit("SmartContractModule.update_node_contract", &call).await?;
		Ok(())
	}

	/// Cancels the account's contract `id`.
	pub async fn cancel_contract(&self, id: u64) -> Result<(), ChainError> {
		let call = runtime::tx().smart_contract_module().cancel_contract(id);
		self.submit("SmartContractModule.cancel_contract", &call).await?;
		Ok(())
	}

	/// Transfers `amount` planck to `to`, keeping the sender's account alive.
	pub async fn transfer(&self, to: [u8; 32], amount: u128) -> Result<(), ChainError> {
		let call =
			runtime::tx().balances().transfer_keep_alive(MultiAddress::Id(AccountId32(to)), amount);
		self.submit("Balances.transfer_keep_alive", &call).await?;
		Ok(())
	}
}
