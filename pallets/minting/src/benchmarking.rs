//! Benchmarks for the minting calls and hook steps, each at its worst case.

use super::*;
use crate::types::*;
use frame::benchmarking::prelude::*;
use tfchain_primitives::traits::{GridBenchmarkHelper, Tfgrid};

/// A farmer with a farm and a node that has just reported; returns (farmer, farm, node).
fn farm_with_node<T: Config>() -> (T::AccountId, u32, u32) {
	farm_of::<T>(whitelisted_caller())
}

/// `farmer`'s farm with a node that has just reported; returns (farmer, farm, node).
fn farm_of<T: Config>(farmer: T::AccountId) -> (T::AccountId, u32, u32) {
	let farmer_twin = T::BenchmarkHelper::make_twin(&farmer);
	let farm = T::BenchmarkHelper::make_farm(farmer_twin, 0, false);
	let node_account: T::AccountId = account("node", 0, 0);
	let node_twin = T::BenchmarkHelper::make_twin(&node_account);
	let node = T::BenchmarkHelper::make_node(node_twin, farm);
	(farmer, farm, node)
}

/// An accrual of `node` in `period` with a full period of uptime, traffic and IPs, seen at
/// `seen`.
fn busy_accrual<T: Config>(node: u32, period: u32, seen: u64) {
	let length = Pallet::<T>::periods().length;
	let usage = PeriodUsage {
		up_secs: length,
		standby_secs: length,
		nu_bytes: 1_000_000_000_000,
		ip_secs: length * 16,
	};
	NodeAccruals::<T>::insert(
		node,
		NodeAccrual {
			period,
			current: usage,
			next: usage,
			last_seen: Some(seen),
			standby_since: None,
		},
	);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_payout_account() -> Result<(), BenchmarkError> {
		let (farmer, farm, _) = farm_with_node::<T>();
		let payee: T::AccountId = account("payee", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(farmer), farm, Some(payee.clone()));

		assert_eq!(PayoutAccounts::<T>::get(farm), Some(payee));
		Ok(())
	}

	#[benchmark]
	fn set_standby_credit() -> Result<(), BenchmarkError> {
		let origin =
			T::RestrictedOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let policy = (1..=16)
			.find(|id| T::Grid::farming_rates(*id).is_some())
			.ok_or(BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, policy, Perbill::from_percent(50));

		assert_eq!(StandbyCredit::<T>::get(policy), Some(Perbill::from_percent(50)));
		Ok(())
	}

	// One node's statement: a full period of uptime, open standby, traffic and IPs; the reward
	// is minted to the farm's twin (no payout account: the farm and twin are read), a new
	// account.
	#[benchmark]
	fn settle_node() -> Result<(), BenchmarkError> {
		let (_, _, node) = farm_of::<T>(account("farmer", 1, 0));
		let period = Pallet::<T>::periods().of(Pallet::<T>::now_secs());
		busy_accrual::<T>(node, period, 0);
		NodeAccruals::<T>::mutate(node, |accrual| {
			if let Some(accrual) = accrual {
				accrual.last_seen = None;
				accrual.standby_since = Some(0);
			}
		});
		let statement;

		#[block]
		{
			statement = Pallet::<T>::settle_node(period, node);
		}

		let statement = statement.ok_or(BenchmarkError::Stop("node not settled"))?;
		assert!(statement.minted > 0, "the reward was minted");
		Ok(())
	}

	// A block's hook when nothing is due but a stall spanning two periods is recorded.
	#[benchmark]
	fn on_initialize_idle() -> Result<(), BenchmarkError> {
		let periods = Pallet::<T>::periods();
		let now = periods.start(10).saturating_add(periods.length / 2);
		LastBlockTime::<T>::put(periods.start(9).saturating_add(1));
		NextPeriodToSettle::<T>::put(10);

		#[block]
		{
			Pallet::<T>::on_block(now, Weight::MAX);
		}

		assert!(StalledSeconds::<T>::get(9) > 0 && StalledSeconds::<T>::get(10) > 0);
		assert!(Settlement::<T>::get().is_none());
		Ok(())
	}

	// An uptime report that credits time in two periods.
	#[benchmark]
	fn record_uptime() -> Result<(), BenchmarkError> {
		let (_, _, node_id) = farm_with_node::<T>();
		let node = T::Grid::node(node_id).ok_or(BenchmarkError::Stop("no node"))?;
		let periods = Pallet::<T>::periods();
		let seen = periods.end(0).saturating_sub(100);
		busy_accrual::<T>(node_id, 0, seen);
		let now = periods.end(0).saturating_add(100);

		#[block]
		{
			Pallet::<T>::record_uptime(&node, 1_000_000, now);
		}

		assert_eq!(NodeAccruals::<T>::get(node_id).and_then(|a| a.last_seen), Some(now));
		Ok(())
	}

	// A node going into standby, crediting its uptime since the last report.
	#[benchmark]
	fn record_power_change() -> Result<(), BenchmarkError> {
		let (_, _, node_id) = farm_with_node::<T>();
		let node = T::Grid::node(node_id).ok_or(BenchmarkError::Stop("no node"))?;
		let periods = Pallet::<T>::periods();
		busy_accrual::<T>(node_id, 0, periods.end(0).saturating_sub(100));
		let now = periods.end(0).saturating_add(100);

		#[block]
		{
			Pallet::<T>::record_power_change(&node, now);
		}

		assert_eq!(NodeAccruals::<T>::get(node_id).and_then(|a| a.standby_since), Some(now));
		Ok(())
	}

	// Public IP use reported by contract billing.
	#[benchmark]
	fn record_usage() -> Result<(), BenchmarkError> {
		let (_, _, node_id) = farm_with_node::<T>();
		let now = Pallet::<T>::now_secs();
		busy_accrual::<T>(node_id, Pallet::<T>::periods().of(now), now);
		let before = NodeAccruals::<T>::get(node_id).map(|a| a.current.ip_secs);

		#[block]
		{
			<Pallet<T> as tfchain_primitives::traits::GridUsageObserver>::public_ips_used(
				node_id, 4, 3_600,
			);
		}

		assert!(NodeAccruals::<T>::get(node_id).map(|a| a.current.ip_secs) >= before);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
