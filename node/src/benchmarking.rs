//! Extrinsic builders and inherent data for `benchmark overhead` and `benchmark extrinsic`.

use crate::service::FullClient;
use polkadot_sdk::{
	frame_benchmarking_cli::ExtrinsicBuilder,
	frame_system, pallet_balances, pallet_transaction_payment,
	sc_cli::Result,
	sp_core::{Encode, Pair},
	sp_inherents::{InherentData, InherentDataProvider},
	sp_keyring::Sr25519Keyring,
	sp_runtime::{generic, traits::SaturatedConversion, OpaqueExtrinsic},
	sp_timestamp,
};
use std::{sync::Arc, time::Duration};
use tfchain_runtime::{AccountId, Balance, Nonce, Runtime, RuntimeCall};

/// Builds `System::remark` extrinsics signed by Alice: the cheapest signed extrinsic.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	/// A builder for the given client.
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let extrinsic = create_benchmark_extrinsic(
			self.client.as_ref(),
			Sr25519Keyring::Alice.pair(),
			frame_system::Call::<Runtime>::remark { remark: vec![] }.into(),
			nonce,
		);
		Ok(extrinsic.into())
	}
}

/// Builds `Balances::transfer_keep_alive` extrinsics from Alice to `dest`.
pub struct TransferKeepAliveBuilder {
	client: Arc<FullClient>,
	dest: AccountId,
	value: Balance,
}

impl TransferKeepAliveBuilder {
	/// A builder that transfers `value` to `dest`.
	pub fn new(client: Arc<FullClient>, dest: AccountId, value: Balance) -> Self {
		Self { client, dest, value }
	}
}

impl ExtrinsicBuilder for TransferKeepAliveBuilder {
	fn pallet(&self) -> &str {
		"balances"
	}

	fn extrinsic(&self) -> &str {
		"transfer_keep_alive"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let extrinsic = create_benchmark_extrinsic(
			self.client.as_ref(),
			Sr25519Keyring::Bob.pair(),
			pallet_balances::Call::<Runtime>::transfer_keep_alive {
				dest: self.dest.clone().into(),
				value: self.value,
			}
			.into(),
			nonce,
		);
		Ok(extrinsic.into())
	}
}

/// A signed extrinsic of `call` from `sender`, with the runtime's transaction extensions.
pub fn create_benchmark_extrinsic(
	client: &FullClient,
	sender: polkadot_sdk::sp_core::sr25519::Pair,
	call: RuntimeCall,
	nonce: Nonce,
) -> tfchain_runtime::UncheckedExtrinsic {
	let genesis_hash = client.chain_info().genesis_hash;
	let best_hash = client.chain_info().best_hash;
	let best_block = client.chain_info().best_number;

	let period = tfchain_runtime::configs::BlockHashCount::get()
		.checked_next_power_of_two()
		.map(|c| c / 2)
		.unwrap_or(2) as u64;
	let tx_ext: tfchain_runtime::TxExtension = (
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(generic::Era::mortal(
			period,
			best_block.saturated_into(),
		)),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
	);

	let raw_payload = tfchain_runtime::SignedPayload::from_raw(
		call.clone(),
		tx_ext.clone(),
		(
			(),
			tfchain_runtime::VERSION.spec_version,
			tfchain_runtime::VERSION.transaction_version,
			genesis_hash,
			best_hash,
			(),
			(),
			(),
		),
	);
	let signature = raw_payload.using_encoded(|e| sender.sign(e));

	tfchain_runtime::UncheckedExtrinsic::new_signed(
		call,
		AccountId::from(sender.public()).into(),
		tfchain_runtime::Signature::Sr25519(signature),
		tx_ext,
	)
}

/// Inherent data for benchmark blocks: just a timestamp.
pub fn inherent_benchmark_data() -> Result<InherentData> {
	let mut inherent_data = InherentData::new();
	let d = Duration::from_millis(0);
	let timestamp = sp_timestamp::InherentDataProvider::new(d.into());

	futures::executor::block_on(timestamp.provide_inherent_data(&mut inherent_data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}
