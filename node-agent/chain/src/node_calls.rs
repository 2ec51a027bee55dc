//! Extrinsics a node (or a farmer) signs: terms and conditions, twin, farm, node registration,
//! uptime, power state, contract resource and network usage reports, key-value entries.

use crate::{
	client::expect_event,
	runtime::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec,
			pallet_smart_contract::types::{ContractResources, NruConsumption},
			tfchain_primitives::grid::{Power, IP4},
		},
		tfgrid_module,
	},
	types::{bounded_bytes, bounds, check_len, node_args, resources_arg},
	ChainClient, ChainError, NodeRegistration, NruReport, PublicIpInfo, Resources,
};

impl ChainClient {
	/// Records that the account accepted the terms and conditions at `link` with hash `hash`.
	pub async fn accept_terms(&self, link: &str, hash: &str) -> Result<(), ChainError> {
		let call = runtime::tx().tfgrid_module().user_accept_tc(
			bounded_bytes("document_link", link.as_bytes(), bounds::DOCUMENT_LINK)?,
			bounded_bytes("document_hash", hash.as_bytes(), bounds::DOCUMENT_HASH)?,
		);
		self.submit("TfgridModule.user_accept_tc", &call).await?;
		Ok(())
	}

	/// Creates the account's twin (after [`Self::accept_terms`]); returns its id.
	pub async fn create_twin(
		&self,
		relay: Option<String>,
		pk: Option<Vec<u8>>,
	) -> Result<u32, ChainError> {
		let relay = match relay {
			Some(relay) => Some(bounded_bytes("relay", relay.as_bytes(), bounds::RELAY)?),
			None => None,
		};
		let pk = match pk {
			Some(pk) => Some(bounded_bytes("pk", &pk, bounds::TWIN_PK)?),
			None => None,
		};
		let call = runtime::tx().tfgrid_module().create_twin(relay, pk);
		let events = self.submit("TfgridModule.create_twin", &call).await?;
		let stored: tfgrid_module::events::TwinStored = expect_event(&events, "TwinStored")?;
		Ok(stored.0.id)
	}

	/// Creates a farm owned by the account's twin with the given public IPs (`ip` in CIDR form);
	/// returns its id.
	pub async fn create_farm(
		&self,
		name: &str,
		public_ips: &[PublicIpInfo],
	) -> Result<u32, ChainError> {
		check_len("public_ips", public_ips.len(), bounds::FARM_PUBLIC_IPS)?;
		let mut ips = Vec::with_capacity(public_ips.len());
		for (i, ip) in public_ips.iter().enumerate() {
			ips.push(IP4 {
				ip: bounded_bytes(&format!("public_ips[{i}].ip"), ip.ip.as_bytes(), bounds::IP4)?,
				gw: bounded_bytes(
					&format!("public_ips[{i}].gateway"),
					ip.gateway.as_bytes(),
					bounds::GW4,
				)?,
			});
		}
		let call = runtime::tx().tfgrid_module().create_farm(
			bounded_bytes("name", name.as_bytes(), bounds::FARM_NAME)?,
			BoundedVec(ips),
		);
		let events = self.submit("TfgridModule.create_farm", &call).await?;
		let stored: tfgrid_module::events::FarmStored = expect_event(&events, "FarmStored")?;
		Ok(stored.0.id)
	}

	/// Registers the account's twin as a node; returns the node id.
	pub async fn create_node(&self, reg: &NodeRegistration) -> Result<u32, ChainError> {
		let args = node_args(reg)?;
		let call = runtime::tx().tfgrid_module().create_node(
			reg.farm_id,
			args.resources,
			args.location,
			args.interfaces,
			args.secure_boot,
			args.virtualized,
			args.serial_number,
		);
		let events = self.submit("TfgridModule.create_node", &call).await?;
		let stored: tfgrid_module::events::NodeStored = expect_event(&events, "NodeStored")?;
		Ok(stored.0.id)
	}

	/// Updates the account's node `node_id` with `reg`.
	pub async fn update_node(
		&self,
		node_id: u32,
		reg: &NodeRegistration,
	) -> Result<(), ChainError> {
		let args = node_args(reg)?;
		let call = runtime::tx().tfgrid_module().update_node(
			node_id,
			reg.farm_id,
			args.resources,
			args.location,
			args.interfaces,
			args.secure_boot,
			args.virtualized,
			args.serial_number,
		);
		self.submit("TfgridModule.update_node", &call).await?;
		Ok(())
	}

	/// Reports the node's uptime (seconds since boot) with the node's clock (Unix seconds) as
	/// a hint, which must be within the chain's `TimestampHintDrift` of the chain's clock.
	pub async fn report_uptime(
		&self,
		uptime_secs: u64,
		timestamp_hint: u64,
	) -> Result<(), ChainError> {
		let call = runtime::tx().tfgrid_module().report_uptime_v2(uptime_secs, timestamp_hint);
		self.submit("TfgridModule.report_uptime_v2", &call).await?;
		Ok(())
	}

	/// Reports what the node's contracts use, `(contract id, used capacity)`. Nothing is
	/// submitted for an empty list; more entries than the chain's `MaxReportsPerCall` is a
	/// [`ChainError::BoundsExceeded`].
	pub async fn report_contract_resources(
		&self,
		used: &[(u64, Resources)],
	) -> Result<(), ChainError> {
		if used.is_empty() {
			return Ok(());
		}
		self.check_report_count("contract_resources", used.len()).await?;
		let reports = used
			.iter()
			.map(|(contract_id, r)| ContractResources {
				contract_id: *contract_id,
				used: resources_arg(r),
			})
			.collect();
		let call = runtime::tx().smart_contract_module().report_contract_resources(reports);
		self.submit("SmartContractModule.report_contract_resources", &call).await?;
		Ok(())
	}

	/// Reports the public network usage of the node's contracts. Nothing is submitted for an
	/// empty list; more reports than the chain's `MaxReportsPerCall` is a
	/// [`ChainError::BoundsExceeded`].
	pub async fn add_nru_reports(&self, reports: &[NruReport]) -> Result<(), ChainError> {
		if reports.is_empty() {
			return Ok(());
		}
		self.check_report_count("reports", reports.len()).await?;
		let reports = reports
			.iter()
			.map(|r| NruConsumption {
				contract_id: r.contract_id,
				timestamp: r.timestamp,
				window: r.window,
				nru: r.nru,
			})
			.collect();
		let call = runtime::tx().smart_contract_module().add_nru_reports(reports);
		self.submit("SmartContractModule.add_nru_reports", &call).await?;
		Ok(())
	}

	/// The most entries a resource or network report may have (`MaxReportsPerCall`).
	pub async fn max_reports_per_call(&self) -> Result<u32, ChainError> {
		let (_, at) = self.at_finalized().await?;
		Ok(at
			.constants()
			.entry(runtime::constants().smart_contract_module().max_reports_per_call())?)
	}

	async fn check_report_count(&self, field: &str, len: usize) -> Result<(), ChainError> {
		let max = self.max_reports_per_call().await?;
		check_len(field, len, usize::try_from(max).unwrap_or(usize::MAX))
	}

	/// Reports the node's power state: `up` after booting, down before going to standby.
	pub async fn change_power_state(&self, up: bool) -> Result<(), ChainError> {
		let power = if up { Power::Up } else { Power::Down };
		let call = runtime::tx().tfgrid_module().change_power_state(power);
		self.submit("TfgridModule.change_power_state", &call).await?;
		Ok(())
	}

	/// Stores `value` under `key` in the account's key-value store (holds a deposit).
	pub async fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), ChainError> {
		check_len("key", key.len(), bounds::KV_KEY)?;
		check_len("value", value.len(), bounds::KV_VALUE)?;
		let call = runtime::tx().tfkv_store().set(key.as_bytes().to_vec(), value.to_vec());
		self.submit("TFKVStore.set", &call).await?;
		Ok(())
	}
}
