//! The engine's [`ChainView`] over the typed chain client.

use async_trait::async_trait;
use tfchain_agent_chain::{ChainClient, ContractInfo, ContractKind, ContractState, Resources};
use tfchain_agent_engine::{Capacity, ChainView, ContractView, NruReport, PublicIp};

/// [`ChainView`] for one node, over [`ChainClient`].
pub struct ChainViewAdapter {
	client: ChainClient,
	node_id: u32,
}

impl ChainViewAdapter {
	/// The view of `node_id` through `client` (the node's signer).
	pub fn new(client: ChainClient, node_id: u32) -> Self {
		Self { client, node_id }
	}

	/// Most entries one report extrinsic may carry (at least 1).
	async fn chunk_size(&self) -> usize {
		match self.client.max_reports_per_call().await {
			Ok(n) => usize::try_from(n).unwrap_or(usize::MAX).max(1),
			Err(e) => {
				tracing::debug!(error = %e, "cannot read MaxReportsPerCall; sending 50 per call");
				50
			},
		}
	}
}

/// The engine's view of a contract; `None` for a deleted one.
pub fn contract_view(info: ContractInfo) -> Option<ContractView> {
	let in_grace = match info.state {
		ContractState::Created => false,
		ContractState::GracePeriod(_) => true,
		ContractState::Deleted => return None,
	};
	let (node_id, deployment_hash, public_ips) = match info.kind {
		ContractKind::Node { node_id, deployment_hash, public_ips } => (
			Some(node_id),
			deployment_hash,
			public_ips.into_iter().map(|p| PublicIp { ip: p.ip, gateway: p.gateway }).collect(),
		),
		ContractKind::Name { .. } | ContractKind::Rent { .. } => (None, [0u8; 32], Vec::new()),
	};
	Some(ContractView {
		id: info.id,
		twin_id: info.twin_id,
		node_id,
		deployment_hash,
		in_grace,
		public_ips,
	})
}

#[async_trait]
impl ChainView for ChainViewAdapter {
	async fn contract(&self, id: u64) -> anyhow::Result<Option<ContractView>> {
		Ok(self.client.contract(id).await?.and_then(contract_view))
	}

	async fn twin_account(&self, twin_id: u32) -> anyhow::Result<Option<[u8; 32]>> {
		Ok(self.client.twin(twin_id).await?.map(|t| t.account_id))
	}

	async fn active_node_contracts(&self) -> anyhow::Result<Vec<u64>> {
		Ok(self.client.active_node_contracts(self.node_id).await?)
	}

	async fn report_contract_resources(&self, used: &[(u64, Capacity)]) -> anyhow::Result<()> {
		let used: Vec<(u64, Resources)> = used
			.iter()
			.map(|(id, c)| (*id, Resources { hru: c.hru, sru: c.sru, cru: c.cru, mru: c.mru }))
			.collect();
		for chunk in used.chunks(self.chunk_size().await) {
			self.client.report_contract_resources(chunk).await?;
		}
		Ok(())
	}

	async fn add_nru_reports(&self, reports: &[NruReport]) -> anyhow::Result<()> {
		let reports: Vec<tfchain_agent_chain::NruReport> = reports
			.iter()
			.map(|r| tfchain_agent_chain::NruReport {
				contract_id: r.contract_id,
				timestamp: r.timestamp,
				window: r.window,
				nru: r.nru,
			})
			.collect();
		for chunk in reports.chunks(self.chunk_size().await) {
			self.client.add_nru_reports(chunk).await?;
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use tfchain_agent_chain::PublicIpInfo;

	#[test]
	fn contract_views() {
		let node = ContractInfo {
			id: 4,
			twin_id: 2,
			state: ContractState::GracePeriod(10),
			kind: ContractKind::Node {
				node_id: 1,
				deployment_hash: [3; 32],
				public_ips: vec![PublicIpInfo {
					ip: "185.0.0.2/24".into(),
					gateway: "185.0.0.1".into(),
				}],
			},
		};
		let view = contract_view(node.clone()).unwrap();
		assert_eq!(view.node_id, Some(1));
		assert!(view.in_grace);
		assert_eq!(view.deployment_hash, [3; 32]);
		assert_eq!(view.public_ips[0].gateway, "185.0.0.1");
		let rent = ContractInfo {
			kind: ContractKind::Rent { node_id: 1 },
			state: ContractState::Created,
			..node.clone()
		};
		let view = contract_view(rent).unwrap();
		assert_eq!(view.node_id, None);
		assert!(!view.in_grace);
		let deleted = ContractInfo { state: ContractState::Deleted, ..node };
		assert!(contract_view(deleted).is_none());
	}
}
