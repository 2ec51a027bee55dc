//! Settlement: once a period is over (plus `SettleDelay` seconds of live chain, so that the
//! reports crossing its end still count), the hook gives every node a statement and mints its
//! reward, a metered number of nodes per block. Chain stalls are recorded per period so that
//! they do not eat into the settle delay.

use crate::{
	reward::{reward_planck, uptime_met, RewardInputs},
	types::*,
	*,
};
use frame::{deps::frame_support::weights::WeightMeter, prelude::*, traits::fungible::Mutate};
use tfchain_primitives::{grid::Node, traits::Tfgrid};

/// The longest stall (in periods) whose time is recorded; longer stalls are clipped.
const MAX_STALL_PERIODS: u32 = 12;

impl<T: Config> Pallet<T> {
	/// The hook: records chain stalls, then settles nodes within `limit`. Returns the weight
	/// used.
	pub(crate) fn on_block(now: u64, limit: Weight) -> Weight {
		let mut meter = WeightMeter::with_limit(limit);
		meter.consume(T::WeightInfo::on_initialize_idle());
		if now == 0 {
			return meter.consumed();
		}
		Self::record_stall(now);
		Self::settle_some(now, &mut meter);
		meter.consumed()
	}

	/// Records the time since the previous block as stalled when it exceeds `StallThreshold`.
	fn record_stall(now: u64) {
		let previous = LastBlockTime::<T>::get();
		LastBlockTime::<T>::put(now);
		if previous == 0 || now.saturating_sub(previous) <= T::StallThreshold::get() {
			return;
		}
		let periods = Self::periods();
		let first = periods.of(previous);
		let last = periods.of(now).min(first.saturating_add(MAX_STALL_PERIODS));
		for p in first..=last {
			let stalled = periods.overlap(p, previous, now);
			if stalled > 0 {
				StalledSeconds::<T>::mutate(p, |s| *s = s.saturating_add(stalled));
			}
		}
		Self::deposit_event(Event::ChainStallRecorded { from: previous, to: now });
	}

	/// Starts settling the next period when it is due, then settles nodes while `meter` and
	/// `MaxNodesPerBlock` allow.
	fn settle_some(now: u64, meter: &mut WeightMeter) {
		let periods = Self::periods();
		let mut cursor = match Settlement::<T>::get() {
			Some(cursor) => cursor,
			None => {
				let Some(period) = NextPeriodToSettle::<T>::get() else {
					NextPeriodToSettle::<T>::put(periods.of(now));
					return;
				};
				// Live seconds since the period ended: stalls after its end do not count.
				let live = now
					.saturating_sub(periods.end(period))
					.saturating_sub(StalledSeconds::<T>::get(period.saturating_add(1)));
				if now < periods.end(period) || live < SettleDelay::<T>::get() {
					return;
				}
				let cursor = SettlementCursor {
					period,
					next_node: 1,
					last_node: T::Grid::max_node_id(),
					statements: 0,
					minted: 0,
				};
				Self::deposit_event(Event::SettlementStarted {
					period,
					last_node: cursor.last_node,
				});
				cursor
			},
		};
		let step = T::WeightInfo::settle_node();
		let mut done = 0u32;
		while cursor.next_node <= cursor.last_node
			&& done < T::MaxNodesPerBlock::get()
			&& meter.try_consume(step).is_ok()
		{
			if let Some(statement) = Self::settle_node(cursor.period, cursor.next_node) {
				cursor.statements = cursor.statements.saturating_add(1);
				cursor.minted = cursor.minted.saturating_add(statement.minted);
				Self::deposit_event(Event::NodeRewarded(statement));
			}
			cursor.next_node = cursor.next_node.saturating_add(1);
			done += 1;
		}
		if cursor.next_node > cursor.last_node {
			Settlement::<T>::kill();
			StalledSeconds::<T>::remove(cursor.period);
			NextPeriodToSettle::<T>::put(cursor.period.saturating_add(1));
			Self::deposit_event(Event::PeriodSettled {
				period: cursor.period,
				statements: cursor.statements,
				minted: cursor.minted,
			});
		} else {
			Settlement::<T>::put(cursor);
		}
	}

	/// Gives node `node_id` its statement for `period` and mints the reward. `None` when the
	/// node does not exist or was created after the period.
	pub(crate) fn settle_node(period: u32, node_id: u32) -> Option<Statement<T::AccountId>> {
		let node = T::Grid::node(node_id)?;
		let periods = Self::periods();
		let mut accrual =
			NodeAccruals::<T>::get(node_id).unwrap_or(NodeAccrual { period, ..Default::default() });
		if accrual.period > period {
			return None;
		}
		let end = periods.end(period);
		// An open standby counts up to the period's end, unless the node was asked to wake
		// up and has not.
		if let Some(since) = accrual.standby_since {
			if since < end {
				if T::Grid::node_power(node_id).target == tfchain_primitives::grid::Power::Down {
					accrual.credit(&periods, accrual::Credit::Standby, since, end);
				}
				accrual.standby_since = Some(end);
			}
		}
		let usage = if accrual.period == period { accrual.current } else { Default::default() };
		let statement = Self::statement(period, &node, &usage, u64::MAX);
		let statement = Self::pay(statement);
		accrual.period = period.saturating_add(1);
		accrual.current = accrual.next;
		accrual.next = Default::default();
		NodeAccruals::<T>::insert(node_id, accrual);
		Some(statement)
	}

	/// Works out the statement of `node` for `period` from its `usage`, counting the period
	/// up to `until` (nothing is paid).
	pub(crate) fn statement(
		period: u32,
		node: &Node,
		usage: &PeriodUsage,
		until: u64,
	) -> Statement<T::AccountId> {
		let periods = Self::periods();
		let expected_secs = periods.overlap(period, node.created, until);
		let rates = T::Grid::farming_rates(node.farming_policy_id).unwrap_or_default();
		let standby_credit =
			StandbyCredit::<T>::get(node.farming_policy_id).unwrap_or(Perbill::one());
		let credited_secs =
			usage.up_secs.saturating_add(standby_credit * usage.standby_secs).min(expected_secs);
		let uptime_met = uptime_met(credited_secs, expected_secs, rates.minimal_uptime);
		let inputs = RewardInputs {
			cu: node.resources.get_cu(),
			su: node.resources.get_su(),
			credited_secs,
			nu_bytes: usage.nu_bytes,
			ip_secs: usage.ip_secs,
			connection_price: node.connection_price,
		};
		let reward = if uptime_met { reward_planck(&rates, &inputs) } else { 0 };
		Statement {
			period,
			node_id: node.id,
			farm_id: node.farm_id,
			beneficiary: Self::beneficiary(node.farm_id),
			farming_policy_id: node.farming_policy_id,
			rates,
			expected_secs,
			uptime_secs: usage.up_secs,
			standby_secs: usage.standby_secs,
			standby_credit,
			credited_secs,
			cu: inputs.cu,
			su: inputs.su,
			nu_bytes: inputs.nu_bytes,
			ip_secs: inputs.ip_secs,
			connection_price: inputs.connection_price,
			uptime_met,
			reward,
			minted: 0,
		}
	}

	/// Who receives farm `farm_id`'s rewards: its payout account, else its twin's account.
	pub(crate) fn beneficiary(farm_id: u32) -> Option<T::AccountId> {
		PayoutAccounts::<T>::get(farm_id)
			.or_else(|| T::Grid::farm(farm_id).and_then(|farm| T::Grid::twin_account(farm.twin_id)))
	}

	/// Mints the statement's reward to its beneficiary and records what was minted.
	fn pay(mut statement: Statement<T::AccountId>) -> Statement<T::AccountId> {
		if statement.reward == 0 {
			return statement;
		}
		if let Some(to) = &statement.beneficiary {
			if T::Currency::mint_into(to, statement.reward).is_ok() {
				statement.minted = statement.reward;
				TotalMinted::<T>::mutate(|total| *total = total.saturating_add(statement.reward));
			}
		}
		statement
	}

	/// The statement node `node_id` would get if its current period ended now (for the view
	/// function).
	pub(crate) fn draft_statement(node_id: u32) -> Option<Statement<T::AccountId>> {
		let node = T::Grid::node(node_id)?;
		let now = Self::now_secs();
		let periods = Self::periods();
		let accrual = Self::accrual_of(node_id, &periods, now);
		let mut usage = accrual.current;
		if let Some(since) = accrual.standby_since {
			usage.standby_secs =
				usage.standby_secs.saturating_add(periods.overlap(accrual.period, since, now));
		}
		Some(Self::statement(accrual.period, &node, &usage, now))
	}
}
