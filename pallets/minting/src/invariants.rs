//! Storage invariants, checked after every test and by `try-runtime`.

use crate::*;
use frame::{deps::sp_runtime::TryRuntimeError, prelude::*};
use tfchain_primitives::traits::Tfgrid;

impl<T: Config> Pallet<T> {
	/// Checks that:
	/// - every accrual belongs to an existing node, has not been settled past the next period
	///   to settle, and is either in standby or has a liveness proof, not both;
	/// - a settlement in progress is for the next period to settle and its cursor is in range;
	/// - no stall is recorded for a settled period.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let next = NextPeriodToSettle::<T>::get();
		for (node_id, accrual) in NodeAccruals::<T>::iter() {
			ensure!(T::Grid::node(node_id).is_some(), "accrual of a missing node");
			if let Some(next) = next {
				ensure!(accrual.period >= next, "accrual of a settled period");
			}
			ensure!(
				!(accrual.standby_since.is_some() && accrual.last_seen.is_some()),
				"accrual both in standby and seen up"
			);
		}
		if let Some(cursor) = Settlement::<T>::get() {
			ensure!(Some(cursor.period) == next, "settling another period than the next");
			ensure!(cursor.next_node <= cursor.last_node, "finished settlement still stored");
		}
		if let Some(next) = next {
			for (period, _) in StalledSeconds::<T>::iter() {
				ensure!(period >= next, "stall recorded for a settled period");
			}
		}
		Ok(())
	}
}
