//! The events of a finalized block that concern a node, as [`NodeEvent`]s.
//!
//! [`ChainClient::node_events`] decodes the block's contract and registry events it looks at
//! (anything else is skipped undecoded) and [`select`] keeps those for the filter:
//! - `ContractCreated`/`ContractUpdated` of a node or rent contract on `filter.node_id`;
//! - `NodeContractCanceled` on `filter.node_id`;
//! - `RentContractCanceled` of the node's rent contract: the one active before the block (read
//!   from the parent block's state, only when the block has such an event) or created in it;
//! - `ContractGracePeriodStarted`/`Ended` on `filter.node_id`;
//! - `PowerTargetChanged` of any node of `filter.farm_id` (with its node id);
//! - `NodePublicConfigStored` of `filter.node_id`.

use crate::{
	client::Config,
	runtime::{self, smart_contract_module::events as sc, tfgrid_module::events as grid},
	types::contract_node,
	ChainClient, ChainError, EventFilter, NodeEvent,
};

/// A decoded event of the kinds [`select`] looks at.
#[derive(Debug)]
pub(crate) enum Watched {
	/// `SmartContractModule.ContractCreated`.
	ContractCreated(sc::ContractCreated),
	/// `SmartContractModule.ContractUpdated`.
	ContractUpdated(sc::ContractUpdated),
	/// `SmartContractModule.NodeContractCanceled`.
	NodeContractCanceled(sc::NodeContractCanceled),
	/// `SmartContractModule.RentContractCanceled`.
	RentContractCanceled(sc::RentContractCanceled),
	/// `SmartContractModule.ContractGracePeriodStarted`.
	GracePeriodStarted(sc::ContractGracePeriodStarted),
	/// `SmartContractModule.ContractGracePeriodEnded`.
	GracePeriodEnded(sc::ContractGracePeriodEnded),
	/// `TfgridModule.PowerTargetChanged`.
	PowerTargetChanged(grid::PowerTargetChanged),
	/// `TfgridModule.NodePublicConfigStored`.
	PublicConfigStored(grid::NodePublicConfigStored),
}

/// Decodes `event` if it is of a kind we look at; other events are not decoded.
fn watched(event: &subxt::events::Event<'_, Config>) -> Result<Option<Watched>, ChainError> {
	macro_rules! try_decode {
		($($ty:ty => $variant:ident),* $(,)?) => {$(
			if let Some(decoded) = event.decode_fields_as::<$ty>() {
				return Ok(Some(Watched::$variant(decoded?)));
			}
		)*};
	}
	if !matches!(event.pallet_name(), "SmartContractModule" | "TfgridModule") {
		return Ok(None);
	}
	try_decode!(
		sc::ContractCreated => ContractCreated,
		sc::ContractUpdated => ContractUpdated,
		sc::NodeContractCanceled => NodeContractCanceled,
		sc::RentContractCanceled => RentContractCanceled,
		sc::ContractGracePeriodStarted => GracePeriodStarted,
		sc::ContractGracePeriodEnded => GracePeriodEnded,
		grid::PowerTargetChanged => PowerTargetChanged,
		grid::NodePublicConfigStored => PublicConfigStored,
	);
	Ok(None)
}

/// Whether the node's rent contract before the block is needed to select among `events`.
pub(crate) fn needs_rent_contract(events: &[Watched]) -> bool {
	events.iter().any(|e| matches!(e, Watched::RentContractCanceled(_)))
}

/// The node events among a block's `events` (in block order) for `filter`. `rent_before` is the
/// node's rent contract before the block (only consulted for `RentContractCanceled`).
pub(crate) fn select(
	events: &[Watched],
	filter: &EventFilter,
	rent_before: Option<u64>,
) -> Vec<NodeEvent> {
	let mine = |node_id: u32| node_id != 0 && node_id == filter.node_id;
	let mut rent = rent_before;
	let mut out = Vec::new();
	for event in events {
		let selected = match event {
			Watched::ContractCreated(sc::ContractCreated(contract)) => {
				if !contract_node(contract).is_some_and(mine) {
					continue;
				}
				if matches!(
					contract.contract_type,
					runtime::runtime_types::pallet_smart_contract::types::ContractData::RentContract(
						_
					)
				) {
					rent = Some(contract.contract_id);
				}
				NodeEvent::ContractCreated {
					contract_id: contract.contract_id,
					twin_id: contract.twin_id,
				}
			},
			Watched::ContractUpdated(sc::ContractUpdated(contract)) => {
				if !contract_node(contract).is_some_and(mine) {
					continue;
				}
				NodeEvent::ContractUpdated {
					contract_id: contract.contract_id,
					twin_id: contract.twin_id,
				}
			},
			Watched::NodeContractCanceled(e) if mine(e.node_id) => {
				NodeEvent::NodeContractCanceled { contract_id: e.contract_id }
			},
			Watched::RentContractCanceled(e)
				if filter.node_id != 0 && rent == Some(e.contract_id) =>
			{
				rent = None;
				NodeEvent::RentContractCanceled { contract_id: e.contract_id }
			},
			Watched::GracePeriodStarted(e) if mine(e.node_id) => {
				NodeEvent::GracePeriodStarted { contract_id: e.contract_id }
			},
			Watched::GracePeriodEnded(e) if mine(e.node_id) => {
				NodeEvent::GracePeriodEnded { contract_id: e.contract_id }
			},
			Watched::PowerTargetChanged(e)
				if filter.farm_id != 0 && e.farm_id == filter.farm_id =>
			{
				NodeEvent::PowerTargetChanged {
					node_id: e.node_id,
					up: matches!(
						e.power_target,
						runtime::runtime_types::tfchain_primitives::grid::Power::Up
					),
				}
			},
			Watched::PublicConfigStored(e) if mine(e.0) => NodeEvent::PublicConfigChanged,
			_ => continue,
		};
		out.push(selected);
	}
	out
}

impl ChainClient {
	/// The events of finalized block `block` that concern the node of `filter` (see the module
	/// documentation), in block order. A block that does not exist (yet) is
	/// [`ChainError::NotFound`]; a block whose state the node pruned fails too.
	pub async fn node_events(
		&self,
		block: u64,
		filter: &EventFilter,
	) -> Result<Vec<NodeEvent>, ChainError> {
		let conn = self.conn().await?;
		let at = conn.at_block(block).await?;
		let events = at.events().fetch().await.map_err(|e| conn.err(e))?;
		let mut decoded = Vec::new();
		for event in events.iter() {
			let event = event.map_err(|e| conn.err(e))?;
			if let Some(w) = watched(&event)? {
				decoded.push(w);
			}
		}
		let rent_before = if needs_rent_contract(&decoded) && block > 0 && filter.node_id != 0 {
			let parent = conn.at_block(block - 1).await?;
			let value = parent
				.storage()
				.try_fetch(
					runtime::storage().smart_contract_module().active_rent_contract_for_node(),
					(filter.node_id,),
				)
				.await
				.map_err(|e| conn.err(e))?;
			match value {
				Some(value) => Some(value.decode()?),
				None => None,
			}
		} else {
			None
		};
		Ok(select(&decoded, filter, rent_before))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::runtime::runtime_types::{
		bounded_collections::bounded_vec::BoundedVec,
		pallet_smart_contract::types::{
			Contract, ContractData, ContractState, NameContract, NodeContract, RentContract,
		},
		tfchain_primitives::grid::{Power, PublicConfig, IP4},
	};

	const NODE: u32 = 7;
	const FARM: u32 = 3;
	const FILTER: EventFilter = EventFilter { node_id: NODE, farm_id: FARM };

	fn contract(id: u64, twin_id: u32, data: ContractData) -> Contract {
		Contract {
			version: 4,
			state: ContractState::Created,
			contract_id: id,
			twin_id,
			contract_type: data,
			solution_provider_id: None,
		}
	}

	fn node_contract(id: u64, node_id: u32) -> Contract {
		contract(
			id,
			2,
			ContractData::NodeContract(NodeContract {
				node_id,
				deployment_hash: [1; 32],
				deployment_data: BoundedVec(Vec::new()),
				public_ips: 0,
				public_ips_list: BoundedVec(Vec::new()),
			}),
		)
	}

	fn rent_contract(id: u64, node_id: u32) -> Contract {
		contract(id, 4, ContractData::RentContract(RentContract { node_id }))
	}

	fn name_contract(id: u64) -> Contract {
		contract(
			id,
			2,
			ContractData::NameContract(NameContract { name: BoundedVec(b"gw".to_vec()) }),
		)
	}

	fn canceled(contract_id: u64, node_id: u32) -> Watched {
		Watched::NodeContractCanceled(sc::NodeContractCanceled { contract_id, node_id, twin_id: 2 })
	}

	#[test]
	fn contract_events_of_this_node_are_selected() {
		let events = vec![
			Watched::ContractCreated(sc::ContractCreated(node_contract(10, NODE))),
			Watched::ContractCreated(sc::ContractCreated(node_contract(11, NODE + 1))),
			Watched::ContractCreated(sc::ContractCreated(name_contract(12))),
			Watched::ContractUpdated(sc::ContractUpdated(node_contract(10, NODE))),
			Watched::ContractUpdated(sc::ContractUpdated(node_contract(11, NODE + 1))),
			canceled(11, NODE + 1),
			canceled(10, NODE),
		];
		assert_eq!(
			select(&events, &FILTER, None),
			vec![
				NodeEvent::ContractCreated { contract_id: 10, twin_id: 2 },
				NodeEvent::ContractUpdated { contract_id: 10, twin_id: 2 },
				NodeEvent::NodeContractCanceled { contract_id: 10 },
			]
		);
		assert!(!needs_rent_contract(&events));
	}

	#[test]
	fn grace_events_are_selected_by_node() {
		let started = |contract_id, node_id| {
			Watched::GracePeriodStarted(sc::ContractGracePeriodStarted {
				contract_id,
				node_id,
				twin_id: 2,
				block_number: 100,
			})
		};
		let ended = |contract_id, node_id| {
			Watched::GracePeriodEnded(sc::ContractGracePeriodEnded {
				contract_id,
				node_id,
				twin_id: 2,
			})
		};
		// Name contracts have node 0.
		let events = vec![started(1, NODE), started(2, 0), ended(1, NODE), ended(3, NODE + 1)];
		assert_eq!(
			select(&events, &FILTER, None),
			vec![
				NodeEvent::GracePeriodStarted { contract_id: 1 },
				NodeEvent::GracePeriodEnded { contract_id: 1 },
			]
		);
	}

	#[test]
	fn an_unregistered_node_selects_no_node_zero_events() {
		let filter = EventFilter { node_id: 0, farm_id: FARM };
		let events = vec![
			Watched::GracePeriodStarted(sc::ContractGracePeriodStarted {
				contract_id: 1,
				node_id: 0,
				twin_id: 2,
				block_number: 100,
			}),
			Watched::RentContractCanceled(sc::RentContractCanceled { contract_id: 5 }),
		];
		assert_eq!(select(&events, &filter, None), Vec::new());
	}

	#[test]
	fn power_targets_of_the_farm_carry_the_node() {
		let target = |farm_id, node_id, power_target| {
			Watched::PowerTargetChanged(grid::PowerTargetChanged { farm_id, node_id, power_target })
		};
		let events = vec![
			target(FARM, NODE, Power::Down),
			target(FARM, NODE + 1, Power::Up),
			target(FARM + 1, NODE, Power::Down),
		];
		assert_eq!(
			select(&events, &FILTER, None),
			vec![
				NodeEvent::PowerTargetChanged { node_id: NODE, up: false },
				NodeEvent::PowerTargetChanged { node_id: NODE + 1, up: true },
			]
		);
	}

	#[test]
	fn public_config_of_this_node_is_selected() {
		let config = PublicConfig {
			ip4: IP4 {
				ip: BoundedVec(b"185.206.122.33/24".to_vec()),
				gw: BoundedVec(b"185.206.122.1".to_vec()),
			},
			ip6: None,
			domain: None,
		};
		let events = vec![
			Watched::PublicConfigStored(grid::NodePublicConfigStored(NODE, Some(config))),
			Watched::PublicConfigStored(grid::NodePublicConfigStored(NODE + 1, None)),
			Watched::PublicConfigStored(grid::NodePublicConfigStored(NODE, None)),
		];
		assert_eq!(
			select(&events, &FILTER, None),
			vec![NodeEvent::PublicConfigChanged, NodeEvent::PublicConfigChanged,]
		);
	}

	#[test]
	fn rent_cancel_is_selected_for_the_node_rent_contract_only() {
		let rent_canceled =
			|contract_id| Watched::RentContractCanceled(sc::RentContractCanceled { contract_id });
		let events = vec![rent_canceled(20), rent_canceled(21)];
		assert!(needs_rent_contract(&events));
		// 21 was the node's rent contract before the block.
		assert_eq!(
			select(&events, &FILTER, Some(21)),
			vec![NodeEvent::RentContractCanceled { contract_id: 21 }]
		);
		// Not rented: nothing.
		assert_eq!(select(&events, &FILTER, None), Vec::new());
	}

	#[test]
	fn rent_contract_created_and_canceled_in_one_block_is_selected() {
		let events = vec![
			Watched::ContractCreated(sc::ContractCreated(rent_contract(30, NODE + 1))),
			Watched::ContractCreated(sc::ContractCreated(rent_contract(31, NODE))),
			Watched::RentContractCanceled(sc::RentContractCanceled { contract_id: 30 }),
			Watched::RentContractCanceled(sc::RentContractCanceled { contract_id: 31 }),
		];
		assert_eq!(
			select(&events, &FILTER, None),
			vec![
				NodeEvent::ContractCreated { contract_id: 31, twin_id: 4 },
				NodeEvent::RentContractCanceled { contract_id: 31 },
			]
		);
	}
}
