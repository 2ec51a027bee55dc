//! Nodes: registration, updates, certification, uptime, public config, power and deletion.

use crate::{types::*, validation::*, *};
use frame::prelude::*;
use frame_system::pallet_prelude::OriginFor;
use tfchain_primitives::traits::{ChangeNode, NodeActiveContracts};
use tfchain_primitives::{
	grid::{
		Interfaces, Location, Node, NodeCertification, Power, PowerState, PublicConfig,
		SerialNumber, UptimeReports,
	},
	resources::Resources,
};

/// A certified node whose capacity changes by more than this (percent) loses certification.
const CERTIFIED_RESOURCES_TOLERANCE: u64 = 1;

impl<T: Config> Pallet<T> {
	/// The node registered by `who`'s twin.
	fn node_of_caller(who: &T::AccountId) -> Result<Node, Error<T>> {
		let twin_id = Self::caller_twin(who)?;
		let node_id = NodeIdByTwinID::<T>::get(twin_id);
		Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)
	}

	pub(crate) fn do_create_node(
		who: &T::AccountId,
		farm_id: u32,
		resources: Resources,
		location: Location,
		interfaces: Interfaces,
		secure_boot: bool,
		virtualized: bool,
		serial_number: Option<SerialNumber>,
	) -> DispatchResult {
		let farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(!NodeIdByTwinID::<T>::contains_key(twin_id), Error::<T>::NodeWithTwinIdExists);
		validate_resources::<T>(&resources)?;
		validate_location::<T>(&location)?;
		validate_interfaces::<T>(&interfaces)?;

		let id = NodeID::<T>::get().checked_add(1).ok_or(Error::<T>::StorageOverflow)?;
		let mut farm_nodes = NodesByFarmID::<T>::get(farm_id);
		farm_nodes.try_push(id).map_err(|_| Error::<T>::TooManyNodesInFarm)?;

		let mut node = Node {
			version: TFGRID_NODE_VERSION,
			id,
			farm_id,
			twin_id,
			resources,
			location,
			public_config: None,
			created: Self::now_secs(),
			farming_policy_id: 0,
			interfaces,
			certification: NodeCertification::Diy,
			secure_boot,
			virtualized,
			serial_number,
			connection_price: ConnectionPrice::<T>::get(),
		};
		node.farming_policy_id = Self::assign_farming_policy(&node, farm)?;

		Nodes::<T>::insert(id, &node);
		NodeIdByTwinID::<T>::insert(twin_id, id);
		NodesByFarmID::<T>::insert(farm_id, farm_nodes);
		NodeID::<T>::put(id);
		T::NodeChanged::node_changed(None, &node);
		Self::deposit_event(Event::NodeStored(node));
		Ok(())
	}

	pub(crate) fn do_update_node(
		who: &T::AccountId,
		node_id: u32,
		farm_id: u32,
		resources: Resources,
		location: Location,
		interfaces: Interfaces,
		secure_boot: bool,
		virtualized: bool,
		serial_number: Option<SerialNumber>,
	) -> DispatchResult {
		let old = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(old.twin_id == twin_id, Error::<T>::NodeUpdateNotAuthorized);
		let new_farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		validate_resources::<T>(&resources)?;
		validate_location::<T>(&location)?;
		validate_interfaces::<T>(&interfaces)?;

		let mut node = old.clone();
		if farm_id != old.farm_id {
			let old_farm = Farms::<T>::get(old.farm_id).ok_or(Error::<T>::FarmNotExists)?;
			ensure!(old_farm.twin_id == new_farm.twin_id, Error::<T>::NodeCannotChangeFarmOwner);
			// Contracts hold public IPs of the node's farm: the node stays while it has any.
			ensure!(
				T::NodeActiveContracts::node_has_no_active_contracts(node_id),
				Error::<T>::NodeHasActiveContracts
			);
			let mut to = NodesByFarmID::<T>::get(farm_id);
			to.try_push(node_id).map_err(|_| Error::<T>::TooManyNodesInFarm)?;
			NodesByFarmID::<T>::insert(farm_id, to);
			NodesByFarmID::<T>::mutate(old.farm_id, |from| from.retain(|id| *id != node_id));
			node.farm_id = farm_id;
		}

		let lost_certification = node.certification == NodeCertification::Certified
			&& Resources::has_changed(&old.resources, &resources, CERTIFIED_RESOURCES_TOLERANCE);
		if lost_certification {
			node.certification = NodeCertification::Diy;
			Self::deposit_event(Event::NodeCertificationSet(node_id, NodeCertification::Diy));
		}
		node.resources = resources;
		node.location = location;
		node.interfaces = interfaces;
		node.secure_boot = secure_boot;
		node.virtualized = virtualized;
		node.serial_number = serial_number;
		// A move re-picks the policy for the new farm; a node that lost its certification
		// leaves a default policy it may no longer qualify for.
		let repick = farm_id != old.farm_id
			|| (lost_certification
				&& Self::farming_policy(node.farming_policy_id).is_some_and(|p| p.default));
		if repick {
			node.farming_policy_id = Self::assign_farming_policy(&node, new_farm)?;
		}

		Nodes::<T>::insert(node_id, &node);
		T::NodeChanged::node_changed(Some(&old), &node);
		Self::deposit_event(Event::NodeUpdated(node));
		Ok(())
	}

	/// Root, the council or an allowed certifier.
	pub(crate) fn ensure_certifier(origin: OriginFor<T>) -> DispatchResult {
		match T::RestrictedOrigin::try_origin(origin) {
			Ok(_) => Ok(()),
			Err(origin) => {
				let who = ensure_signed(origin)?;
				let certifiers = AllowedNodeCertifiers::<T>::get().unwrap_or_default();
				ensure!(certifiers.contains(&who), Error::<T>::NotAllowedToCertifyNode);
				Ok(())
			},
		}
	}

	pub(crate) fn do_set_node_certification(
		node_id: u32,
		certification: NodeCertification,
	) -> DispatchResult {
		let mut node = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		node.certification = certification;
		if Self::farming_policy(node.farming_policy_id).is_some_and(|p| p.default) {
			let farm = Farms::<T>::get(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
			node.farming_policy_id = Self::assign_farming_policy(&node, farm)?;
		}
		Nodes::<T>::insert(node_id, &node);
		Self::deposit_event(Event::NodeUpdated(node));
		Self::deposit_event(Event::NodeCertificationSet(node_id, certification));
		Ok(())
	}

	/// Checks the hint against the chain clock and emits `NodeUptimeReported`.
	pub(crate) fn do_report_uptime(
		who: &T::AccountId,
		uptime: u64,
		timestamp_hint: u64,
	) -> DispatchResult {
		let node = Self::node_of_caller(who)?;
		let now = Self::now_secs();
		let drift = T::TimestampHintDrift::get();
		ensure!(
			timestamp_hint >= now.saturating_sub(drift)
				&& timestamp_hint <= now.saturating_add(drift),
			Error::<T>::InvalidTimestampHint
		);
		NodeUptimeReports::<T>::mutate(node.id, |reports| {
			*reports = Some(match reports {
				Some(reports) => reports.push(now),
				None => UptimeReports::first(now, NodePower::<T>::get(node.id).is_down()),
			})
		});
		T::NodeChanged::node_uptime_reported(&node, uptime, now);
		Self::deposit_event(Event::NodeUptimeReported(node.id, now, uptime));
		Ok(())
	}

	pub(crate) fn do_add_node_public_config(
		who: &T::AccountId,
		farm_id: u32,
		node_id: u32,
		public_config: Option<PublicConfig>,
	) -> DispatchResult {
		let farm = Farms::<T>::get(farm_id).ok_or(Error::<T>::FarmNotExists)?;
		let farmer = Twins::<T>::get(farm.twin_id).ok_or(Error::<T>::TwinNotExists)?;
		ensure!(farmer.account_id == *who, Error::<T>::CannotUpdateFarmWrongTwin);
		let mut node = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		ensure!(node.farm_id == farm_id, Error::<T>::NodeUpdateNotAuthorized);
		if let Some(config) = &public_config {
			config.validate().map_err(public_config_error::<T>)?;
		}
		node.public_config = public_config.clone();
		Nodes::<T>::insert(node_id, &node);
		Self::deposit_event(Event::NodePublicConfigStored(node_id, public_config));
		Ok(())
	}

	pub(crate) fn do_delete_node(who: &T::AccountId, node_id: u32) -> DispatchResult {
		let node = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let twin_id = Self::caller_twin(who)?;
		ensure!(node.twin_id == twin_id, Error::<T>::NodeUpdateNotAuthorized);
		Self::remove_node(node);
		Ok(())
	}

	pub(crate) fn do_delete_node_farm(who: &T::AccountId, node_id: u32) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let node = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let farm = Farms::<T>::get(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		ensure!(farm.twin_id == twin_id, Error::<T>::FarmerNotAuthorized);
		Self::remove_node(node);
		Ok(())
	}

	/// Removes a node and every index entry pointing at it, then tells the other pallets.
	fn remove_node(node: Node) {
		NodesByFarmID::<T>::mutate(node.farm_id, |ids| ids.retain(|id| *id != node.id));
		// The hook runs while the node is still stored, so contracts can bill it a last time.
		T::NodeChanged::node_deleted(&node);
		NodeIdByTwinID::<T>::remove(node.twin_id);
		NodePower::<T>::remove(node.id);
		NodeUptimeReports::<T>::remove(node.id);
		Nodes::<T>::remove(node.id);
		Self::deposit_event(Event::NodeDeleted(node.id));
	}

	pub(crate) fn do_change_power_state(who: &T::AccountId, power: Power) -> DispatchResult {
		let node = Self::node_of_caller(who)?;
		let mut node_power = NodePower::<T>::get(node.id);
		let state = match power {
			Power::Up => PowerState::Up,
			Power::Down => PowerState::Down(frame_system::Pallet::<T>::block_number()),
		};
		// As on TFChain, a repeated `Down` in a later block re-stamps when the node went down.
		if state != node_power.state {
			// The hook runs first, so contracts still see the old state (to bill up to now).
			// A repeated `Down` only re-stamps the block: no change for the other pallets.
			if matches!(state, PowerState::Down(_)) != node_power.is_down() {
				T::NodeChanged::node_power_state_changed(&node);
			}
			node_power.state = state;
			NodePower::<T>::insert(node.id, node_power);
			NodeUptimeReports::<T>::mutate(node.id, |reports| {
				if let Some(reports) = reports {
					reports.standby = matches!(state, PowerState::Down(_));
				}
			});
			Self::deposit_event(Event::PowerStateChanged {
				farm_id: node.farm_id,
				node_id: node.id,
				power_state: node_power.state,
			});
		}
		Ok(())
	}

	pub(crate) fn do_change_power_target(
		who: &T::AccountId,
		node_id: u32,
		power_target: Power,
	) -> DispatchResult {
		let twin_id = Self::caller_twin(who)?;
		let node = Nodes::<T>::get(node_id).ok_or(Error::<T>::NodeNotExists)?;
		let farm = Farms::<T>::get(node.farm_id).ok_or(Error::<T>::FarmNotExists)?;
		ensure!(farm.twin_id == twin_id, Error::<T>::UnauthorizedToChangePowerTarget);
		if power_target == Power::Down {
			ensure!(
				T::NodeActiveContracts::node_has_no_active_contracts(node_id),
				Error::<T>::NodeHasActiveContracts
			);
		}
		NodePower::<T>::mutate(node_id, |p| p.target = power_target);
		Self::deposit_event(Event::PowerTargetChanged {
			farm_id: node.farm_id,
			node_id,
			power_target,
		});
		Ok(())
	}
}
