//! The billing engine (see `docs/billing.md`).
//!
//! - **Scheduling.** Contract `id` sits in billing slot `id % frequency`. The hook in
//!   `on_initialize` bills, at block `n`, the contracts of slot `n % frequency`, within
//!   `BillingWeightShare` of the block; what does not fit is carried over to the next block
//!   through [`BillingCursor`]. No off-chain worker is involved.
//! - **Bill (hourly).** The time since the last bill is priced ([`crate::cost`]), converted to
//!   TFT, discounted, and added to what the contract owes (`standard_overdraft`, and
//!   `additional_overdraft` for a dedicated node's extra fee). Nothing moves yet.
//! - **Settlement.** Every `DistributionFrequency` bills, at cancellation, while in grace,
//!   whenever the owner's balance no longer covers what is owed, and on
//!   `bill_contract_for_block`: network usage is billed, what is owed is collected from the
//!   owner's free balance into holds, and once nothing is owed the held amounts are
//!   distributed (foundation 10%, staking pool 5%, solution providers their take, sales
//!   account the rest of 50%, 35% burned; extra fees to the farmer).
//! - **Grace.** A contract that cannot be paid enters `GracePeriod(block)`; paying up restores
//!   it; after `GracePeriod` blocks it is deleted (`OutOfFunds`). A rent contract's grace
//!   carries its node's node contracts along.

use crate::pallet::{ContractLock, ContractPaymentState};
use crate::{cost, types::*, weights::WeightInfo, *};
use frame::{
	deps::frame_support::weights::WeightMeter,
	prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use tfchain_primitives::{
	grid::{PowerState, UptimeReports},
	traits::{GridPrices, GridUsageObserver, Tfgrid, TftPriceProvider},
};

/// Position of the billing hook: the next block whose slot is not fully billed, and how many
/// entries of that slot are done.
#[derive(Clone, Copy, PartialEq, Eq, Default, Encode, Decode, Debug, TypeInfo, MaxEncodedLen)]
pub struct Cursor {
	/// Block (its slot is `block % frequency`).
	pub block: u64,
	/// Entries of the slot already billed.
	pub position: u32,
}

/// What every bill of a hook pass shares: prices and clock, read once.
pub(crate) struct BillingContext<AccountId> {
	prices: Option<GridPrices<AccountId>>,
	tft_price: u32,
	now: u64,
	block: u64,
}

/// How a settlement ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Settle {
	/// Keep the contract running.
	Running,
	/// The contract ends: collect what can be, distribute, remove.
	Final(Cause),
}

impl<T: Config> Pallet<T> {
	pub(crate) fn billing_context() -> BillingContext<T::AccountId> {
		BillingContext {
			prices: T::Grid::pricing(1),
			tft_price: T::TftPrice::tft_price_musd(),
			now: Self::now_secs(),
			block: frame_system::Pallet::<T>::block_number().saturated_into(),
		}
	}

	/// Largest weight of ending one node or name contract outside a hook pass: the whole
	/// cancellation as benchmarked (bill, settlement, distribution, removal), plus working out
	/// a discount level.
	pub(crate) fn end_weight() -> Weight {
		T::WeightInfo::cancel_contract()
			.max(T::WeightInfo::cancel_name_contract())
			.saturating_add(T::WeightInfo::refresh_discount())
	}

	/// Reads of [`Self::billing_context`]: pricing policy, clock and TFT price.
	pub(crate) fn context_weight() -> Weight {
		T::DbWeight::get().reads(2).saturating_add(T::TftPrice::tft_price_musd_weight())
	}

	/// Weight of billing one contract: the benchmarked bill plus telling minting about public
	/// IP use.
	pub(crate) fn bill_weight() -> Weight {
		T::WeightInfo::bill_contract().saturating_add(T::UsageObserver::usage_weight())
	}

	/// Largest weight billing one contract from the hook may take: a bill, a settlement and,
	/// when its grace period ends, its removal. A rent contract may also move or end every node
	/// contract on its node.
	pub(crate) fn worst_bill_weight(contract: Option<&Contract>) -> Weight {
		let base = Self::bill_weight()
			.saturating_add(T::WeightInfo::refresh_discount())
			.saturating_add(T::WeightInfo::settle_contract())
			.saturating_add(T::WeightInfo::cancel_contract());
		match contract.map(|c| &c.contract_type) {
			Some(ContractData::NodeContract(_)) | Some(ContractData::NameContract(_)) => base,
			_ => {
				let max = T::MaxNodeContractsPerNode::get();
				base.saturating_add(T::WeightInfo::cancel_rent_contract())
					.saturating_add(T::WeightInfo::grace_cascade(max))
					.saturating_add(Self::end_weight().saturating_mul(max.into()))
			},
		}
	}

	/// Declared weight of `bill_contract_for_block` (refunded to what was used).
	pub(crate) fn bill_now_weight() -> Weight {
		Self::worst_bill_weight(None).saturating_add(Self::context_weight())
	}

	/// Declared weight of the cancel calls.
	/// (What [`Self::end_contract`] reports for a contract: its bill, settlement and removal
	/// charged separately, which covers the benchmarked cancellations.)
	pub(crate) fn cancel_weight() -> Weight {
		Self::bill_weight()
			.saturating_add(T::WeightInfo::refresh_discount())
			.saturating_add(T::WeightInfo::settle_contract())
			.saturating_add(Self::end_weight())
			.max(T::WeightInfo::cancel_rent_contract())
			.saturating_add(Self::context_weight())
	}

	/// The hook: bills the contracts of every slot due up to block `now`, using at most
	/// `limit`, and records where it stopped.
	pub(crate) fn bill_due_contracts(now: BlockNumberFor<T>, limit: Weight) -> Weight {
		let mut meter = WeightMeter::with_limit(limit);
		// The pass set-up (cursor, frequency, clock, prices) and the first slot.
		let base = T::WeightInfo::billing_slot(0);
		if meter.try_consume(base).is_err() {
			return Weight::zero();
		}
		let now: u64 = now.saturated_into();
		let frequency = BillingFrequency::<T>::get().max(1);
		let mut cursor = BillingCursor::<T>::get().unwrap_or(Cursor { block: now, position: 0 });
		// After a halt (or when the hook lags), visiting each slot once is enough: bills are
		// priced by elapsed time. Whole periods are skipped, so the slot and the position in it
		// are kept and no contract of a partly billed slot is left behind.
		if cursor.block.saturating_add(frequency) <= now {
			let periods = (now - cursor.block) / frequency;
			cursor.block = cursor.block.saturating_add(periods.saturating_mul(frequency));
		}
		let ctx = Self::billing_context();
		let per_slot = T::DbWeight::get().reads_writes(1, 1);
		let per_entry = T::WeightInfo::billing_slot(1).saturating_sub(base);
		let mut first = true;
		while cursor.block <= now {
			if !first && meter.try_consume(per_slot).is_err() {
				break;
			}
			first = false;
			let slot = cursor.block % frequency;
			let mut ids = ContractsToBillAt::<T>::get(slot);
			let mut index = cursor.position as usize;
			let mut dead = alloc::collections::BTreeSet::new();
			let mut finished = true;
			while index < ids.len() {
				let id = ids[index];
				let contract = Contracts::<T>::get(id);
				let worst = contract
					.as_ref()
					.map_or(Weight::zero(), |c| Self::worst_bill_weight(Some(c)))
					.saturating_add(per_entry);
				if !meter.can_consume(worst) {
					finished = false;
					break;
				}
				meter.consume(per_entry);
				match contract {
					None => {
						dead.insert(id);
					},
					Some(contract) => meter.consume(Self::bill_scheduled(contract, &ctx)),
				}
				index += 1;
			}
			if !dead.is_empty() {
				// Every dropped id was before `index`.
				index -= dead.len();
				ids.retain(|id| !dead.contains(id));
				ContractsToBillAt::<T>::insert(slot, ids);
			}
			if finished {
				cursor = Cursor { block: cursor.block + 1, position: 0 };
			} else {
				cursor.position = index as u32;
				break;
			}
		}
		BillingCursor::<T>::put(cursor);
		meter.consumed()
	}

	/// A scheduled bill of `contract`; settles when due. Returns the weight used.
	pub(crate) fn bill_scheduled(contract: Contract, ctx: &BillingContext<T::AccountId>) -> Weight {
		let mut weight = Self::bill_weight();
		let id = contract.contract_id;
		let mut state = ContractPaymentState::<T>::get(id);
		let had_discount = state.discount_level.is_some();
		let Some((owner, owner_free)) = Self::accrue(&contract, &mut state, ctx) else {
			return weight;
		};
		if !had_discount && state.discount_level.is_some() {
			weight.saturating_accrue(T::WeightInfo::refresh_discount());
		}
		state.cycles = state.cycles.saturating_add(1);
		let in_grace = matches!(contract.state, ContractState::GracePeriod(_));
		let short = owner_free < state.overdraft();
		if in_grace || short || state.cycles >= T::DistributionFrequency::get() {
			weight.saturating_accrue(Self::settle(contract, state, &owner, ctx, Settle::Running));
		} else {
			ContractPaymentState::<T>::insert(id, state);
		}
		weight
	}

	/// `bill_contract_for_block`: bills the contract up to now and settles it.
	pub(crate) fn do_bill_contract_now(contract_id: u64) -> DispatchResultWithPostInfo {
		let contract = Contracts::<T>::get(contract_id).ok_or(Error::<T>::ContractNotExists)?;
		let ctx = Self::billing_context();
		let mut state = ContractPaymentState::<T>::get(contract_id);
		let (owner, _) =
			Self::accrue(&contract, &mut state, &ctx).ok_or(Error::<T>::PricingPolicyNotExists)?;
		let weight = Self::bill_weight().saturating_add(Self::settle(
			contract,
			state,
			&owner,
			&ctx,
			Settle::Running,
		));
		Ok(Some(weight).into())
	}

	/// Ends `contract` with `cause`: bills it up to now, settles, removes it. Returns the
	/// weight used.
	pub(crate) fn end_contract(mut contract: Contract, cause: Cause) -> Weight {
		let ctx = Self::billing_context();
		let id = contract.contract_id;
		let mut state = ContractPaymentState::<T>::get(id);
		// Ended in memory only: `remove_contract` deletes it and its indexes.
		contract.state = ContractState::Deleted(cause);
		let owner = Self::accrue(&contract, &mut state, &ctx)
			.map(|(owner, _)| owner)
			.or_else(|| T::Grid::twin_account(contract.twin_id));
		let mut weight = Self::bill_weight();
		match owner {
			Some(owner) => weight.saturating_accrue(Self::settle(
				contract,
				state,
				&owner,
				&ctx,
				Settle::Final(cause),
			)),
			None => {
				weight.saturating_accrue(T::WeightInfo::settle_contract());
				weight.saturating_accrue(Self::remove_contract(&contract, cause));
			},
		}
		weight
	}

	/// Prices the time since the last bill and adds it to what the contract owes. Returns the
	/// owner's account and its free balance before the bill, or `None` (nothing changed) when
	/// the owner or the prices are missing.
	pub(crate) fn accrue(
		contract: &Contract,
		state: &mut types::ContractPaymentState<BalanceOf<T>>,
		ctx: &BillingContext<T::AccountId>,
	) -> Option<(T::AccountId, u128)> {
		let owner = T::Grid::twin_account(contract.twin_id)?;
		let prices = ctx.prices.as_ref()?;
		let owner_free =
			T::Currency::reducible_balance(&owner, Preservation::Preserve, Fortitude::Polite);
		let since = state.last_updated_seconds;
		let elapsed = ctx.now.saturating_sub(since);
		let (usd, extra_usd, seconds) = match &contract.contract_type {
			ContractData::NodeContract(node_contract) => {
				let seconds = Self::billable_seconds(node_contract.node_id, since, ctx.now);
				let rented = ActiveRentContractForNode::<T>::contains_key(node_contract.node_id);
				let used = NodeContractResources::<T>::get(contract.contract_id).used;
				let ips = node_contract.public_ips_list.len() as u32;
				let usd = cost::capacity_cost(prices, seconds, &used, ips, !rented).round();
				if ips > 0 && seconds > 0 {
					T::UsageObserver::public_ips_used(node_contract.node_id, ips, seconds);
				}
				(usd, 0, seconds)
			},
			ContractData::RentContract(rent) => {
				// The liveness record also says whether the node is in standby (not billed).
				let liveness = T::Grid::node_uptime_reports(rent.node_id);
				let standby = liveness.is_none_or(|reports| reports.standby);
				match (standby, T::Grid::node(rent.node_id)) {
					(false, Some(node)) => {
						let seconds = Self::online_seconds(liveness, since, ctx.now);
						let fee = DedicatedNodesExtraFee::<T>::get(rent.node_id);
						(
							cost::rent_cost(prices, seconds, &node.resources),
							cost::extra_fee_cost(fee, seconds),
							seconds,
						)
					},
					_ => (0, 0, 0),
				}
			},
			ContractData::NameContract(_) => (cost::name_cost(prices, elapsed), 0, elapsed),
		};
		state.last_updated_seconds = state.last_updated_seconds.max(ctx.now);
		let regular = cost::usd_to_tft(usd, ctx.tft_price);
		let extra = cost::usd_to_tft(extra_usd, ctx.tft_price);
		if regular == 0 && extra == 0 {
			return Some((owner, owner_free));
		}
		// The level holds for a distribution period; it is worked out again after each one.
		let discount_level = match state.discount_level {
			Some(level) => level,
			None => {
				let runway = owner_free.saturating_add(Self::bonded_balance(contract.twin_id));
				let level = cost::discount_level(regular, seconds, runway);
				state.discount_level = Some(level);
				level
			},
		};
		let due = cost::discounted(regular, discount_level);
		state.standard_overdraft = state.standard_overdraft.saturating_add(due);
		state.additional_overdraft = state.additional_overdraft.saturating_add(extra);
		Self::deposit_event(Event::ContractBilled(ContractBill {
			contract_id: contract.contract_id,
			timestamp: ctx.now,
			discount_level,
			amount_billed: due.saturating_add(extra),
		}));
		Some((owner, owner_free))
	}

	/// Seconds of `[since, now]` during which node `node_id` counts as online. A node is online
	/// up to `OfflineThreshold` after each uptime report; from its two latest reports `p ≤ l`
	/// that is `(-∞, p + threshold] ∪ [l, l + threshold]` (one span when they overlap).
	pub(crate) fn billable_seconds(node_id: u32, since: u64, now: u64) -> u64 {
		Self::online_seconds(T::Grid::node_uptime_reports(node_id), since, now)
	}

	/// [`Self::billable_seconds`] from a node's liveness record.
	fn online_seconds(reports: Option<UptimeReports>, since: u64, now: u64) -> u64 {
		let Some(reports) = reports else { return 0 };
		let threshold = T::OfflineThreshold::get();
		let overlap = |from: u64, to: u64| to.min(now).saturating_sub(from.max(since));
		let earlier_until = reports.previous.saturating_add(threshold);
		let latest_until = reports.last.saturating_add(threshold);
		if reports.last <= earlier_until {
			overlap(0, latest_until)
		} else {
			overlap(0, earlier_until).saturating_add(overlap(reports.last, latest_until))
		}
	}

	/// The free balance of the account bonded to twin `twin_id` (0 if none): it counts for
	/// discounts.
	pub(crate) fn bonded_balance(twin_id: u32) -> u128 {
		T::Grid::twin_bonded_account(twin_id)
			.map(|stash| {
				T::Currency::reducible_balance(&stash, Preservation::Preserve, Fortitude::Polite)
			})
			.unwrap_or(0)
	}

	/// Bills network usage, collects what the contract owes into holds, distributes once
	/// nothing is owed, moves the contract in or out of grace, and removes it when it ends.
	/// Returns the weight used.
	pub(crate) fn settle(
		mut contract: Contract,
		mut state: types::ContractPaymentState<BalanceOf<T>>,
		owner: &T::AccountId,
		ctx: &BillingContext<T::AccountId>,
		mut end: Settle,
	) -> Weight {
		let id = contract.contract_id;
		let mut weight = T::WeightInfo::settle_contract();
		Self::bill_network_usage(&contract, &mut state, ctx);

		// Collect what is owed from the free balance.
		let mut available =
			T::Currency::reducible_balance(owner, Preservation::Preserve, Fortitude::Polite);
		for (owed, held, reason) in [
			(
				&mut state.standard_overdraft,
				&mut state.standard_reserve,
				HoldReason::ContractPayment,
			),
			(
				&mut state.additional_overdraft,
				&mut state.additional_reserve,
				HoldReason::ContractExtraFee,
			),
		] {
			let take = (*owed).min(available);
			if take > 0 && T::Currency::hold(&reason.into(), owner, take).is_ok() {
				*owed -= take;
				*held = held.saturating_add(take);
				available -= take;
			}
		}

		let paid_up = state.overdraft() == 0;
		match contract.state {
			ContractState::Created if !paid_up => {
				contract.state = ContractState::GracePeriod(ctx.block);
				Contracts::<T>::insert(id, &contract);
				Self::deposit_event(Event::ContractGracePeriodStarted {
					contract_id: id,
					node_id: contract.get_node_id(),
					twin_id: contract.twin_id,
					block_number: ctx.block,
				});
				weight.saturating_accrue(Self::cascade_grace(&contract, true, ctx.block));
			},
			ContractState::GracePeriod(_) if paid_up && !Self::rent_in_grace(&contract) => {
				contract.state = ContractState::Created;
				Contracts::<T>::insert(id, &contract);
				Self::deposit_event(Event::ContractGracePeriodEnded {
					contract_id: id,
					node_id: contract.get_node_id(),
					twin_id: contract.twin_id,
				});
				weight.saturating_accrue(Self::cascade_grace(&contract, false, ctx.block));
			},
			ContractState::GracePeriod(start)
				if !paid_up && ctx.block.saturating_sub(start) >= T::GracePeriod::get() =>
			{
				end = Settle::Final(Cause::OutOfFunds);
				contract.state = ContractState::Deleted(Cause::OutOfFunds);
			},
			_ => {},
		}

		if paid_up || matches!(end, Settle::Final(_)) {
			Self::distribute(&contract, &mut state, owner, ctx);
		}
		match end {
			Settle::Final(cause) => {
				// Removal (indexes, IPs back to the farm), as measured by `cancel_contract`.
				weight.saturating_accrue(T::WeightInfo::cancel_contract());
				let unpaid = state.overdraft();
				if unpaid > 0 {
					Self::deposit_event(Event::ContractDebtWrittenOff {
						contract_id: id,
						amount: unpaid,
					});
				}
				weight.saturating_accrue(Self::remove_contract(&contract, cause));
			},
			Settle::Running => {
				ContractLock::<T>::insert(
					id,
					types::ContractLock {
						amount_locked: state.standard_reserve,
						extra_amount_locked: state.additional_reserve,
						lock_updated: state.last_updated_seconds,
						cycles: state.cycles,
					},
				);
				ContractPaymentState::<T>::insert(id, state);
			},
		}
		weight
	}

	/// Adds the network usage reported since the last settlement to what a node contract owes.
	fn bill_network_usage(
		contract: &Contract,
		state: &mut types::ContractPaymentState<BalanceOf<T>>,
		ctx: &BillingContext<T::AccountId>,
	) {
		if !matches!(contract.contract_type, ContractData::NodeContract(_)) {
			return;
		}
		let id = contract.contract_id;
		let mut info = ContractBillingInformationByID::<T>::get(id);
		if info.amount_unbilled == 0 {
			return;
		}
		let amount = cost::usd_to_tft(info.amount_unbilled as u128, ctx.tft_price);
		info.amount_unbilled = 0;
		ContractBillingInformationByID::<T>::insert(id, info);
		if amount > 0 {
			state.standard_overdraft = state.standard_overdraft.saturating_add(amount);
			Self::deposit_event(Event::ContractBilled(ContractBill {
				contract_id: id,
				timestamp: ctx.now,
				discount_level: DiscountLevel::None,
				amount_billed: amount,
			}));
		}
	}

	/// Whether `contract` is a node contract on a node whose rent contract is in grace.
	fn rent_in_grace(contract: &Contract) -> bool {
		let ContractData::NodeContract(node_contract) = &contract.contract_type else {
			return false;
		};
		ActiveRentContractForNode::<T>::get(node_contract.node_id)
			.and_then(Contracts::<T>::get)
			.is_some_and(|rent| matches!(rent.state, ContractState::GracePeriod(_)))
	}

	/// Moves the node contracts on a rent contract's node into grace (`enter`) or out of it.
	fn cascade_grace(rent: &Contract, enter: bool, block: u64) -> Weight {
		let ContractData::RentContract(rent_data) = &rent.contract_type else {
			return Weight::zero();
		};
		let ids = ActiveNodeContracts::<T>::get(rent_data.node_id);
		let count = ids.len() as u32;
		for id in ids {
			let Some(mut contract) = Contracts::<T>::get(id) else { continue };
			let event = match (contract.state, enter) {
				(ContractState::Created, true) => {
					contract.state = ContractState::GracePeriod(block);
					Event::ContractGracePeriodStarted {
						contract_id: id,
						node_id: rent_data.node_id,
						twin_id: contract.twin_id,
						block_number: block,
					}
				},
				(ContractState::GracePeriod(_), false)
					if ContractPaymentState::<T>::get(id).overdraft() == 0 =>
				{
					contract.state = ContractState::Created;
					Event::ContractGracePeriodEnded {
						contract_id: id,
						node_id: rent_data.node_id,
						twin_id: contract.twin_id,
					}
				},
				_ => continue,
			};
			Contracts::<T>::insert(id, contract);
			Self::deposit_event(event);
		}
		T::WeightInfo::grace_cascade(count)
	}

	/// Pays out what is held for a contract: the extra fee to the farmer; the rest 10% to the
	/// foundation, 5% to the staking pool, each solution-provider payee its take, the sales
	/// account the rest of 50%, and burns what remains (35%). A share that cannot be paid
	/// (e.g. below the existential deposit of a new account) is burned instead.
	fn distribute(
		contract: &Contract,
		state: &mut types::ContractPaymentState<BalanceOf<T>>,
		owner: &T::AccountId,
		ctx: &BillingContext<T::AccountId>,
	) {
		let id = contract.contract_id;
		if state.additional_reserve > 0 {
			let reason: T::RuntimeHoldReason = HoldReason::ContractExtraFee.into();
			let farmer = T::Grid::node(contract.get_node_id())
				.and_then(|node| T::Grid::farm(node.farm_id))
				.and_then(|farm| T::Grid::twin_account(farm.twin_id));
			let paid = farmer.is_some_and(|farmer| {
				T::Currency::transfer_on_hold(
					&reason,
					owner,
					&farmer,
					state.additional_reserve,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Force,
				)
				.is_ok()
			});
			if !paid {
				let _ = T::Currency::release(
					&reason,
					owner,
					state.additional_reserve,
					Precision::BestEffort,
				);
			}
			state.additional_reserve = 0;
		}

		let total = state.standard_reserve;
		if total > 0 {
			let reason: T::RuntimeHoldReason = HoldReason::ContractPayment.into();
			let percent = |p: u32| Perbill::from_percent(p) * total;
			let mut payouts: alloc::vec::Vec<(T::AccountId, u128)> = alloc::vec::Vec::new();
			let mut sales_percent = 50u32;
			let Some(prices) = &ctx.prices else {
				// No pricing policy to pay: give the payment back rather than burn it.
				let _ = T::Currency::release(&reason, owner, total, Precision::BestEffort);
				state.standard_reserve = 0;
				state.cycles = 0;
				return;
			};
			payouts.push((prices.foundation_account.clone(), percent(10)));
			payouts.push((T::StakingPoolAccount::get(), percent(5)));
			if let Some(provider) =
				contract.solution_provider_id.and_then(SolutionProviders::<T>::get)
			{
				for payee in provider.providers.iter() {
					let take = (payee.take as u32).min(sales_percent);
					sales_percent -= take;
					payouts.push((payee.who.clone(), percent(take)));
				}
			}
			payouts.push((prices.certified_sales_account.clone(), percent(sales_percent)));
			let mut left = total;
			for (who, amount) in payouts {
				let amount = amount.min(left);
				if amount > 0
					&& T::Currency::transfer_on_hold(
						&reason,
						owner,
						&who,
						amount,
						Precision::Exact,
						Restriction::Free,
						Fortitude::Force,
					)
					.is_ok()
				{
					left -= amount;
				}
			}
			if left > 0 {
				let burned = T::Currency::burn_held(
					&reason,
					owner,
					left,
					Precision::BestEffort,
					Fortitude::Force,
				)
				.unwrap_or(0);
				Self::deposit_event(Event::TokensBurned { contract_id: id, amount: burned });
			}
			state.standard_reserve = 0;
		}
		state.cycles = 0;
		state.discount_level = None;
	}

	/// Amount held for all of `who`'s contracts under `reason`.
	pub fn held_for_contracts(who: &T::AccountId, reason: HoldReason) -> BalanceOf<T> {
		T::Currency::balance_on_hold(&reason.into(), who)
	}

	/// Bills a rented node's contract when the node changes power state: up to now when it
	/// goes down; when it comes back up the standby time is skipped.
	pub(crate) fn on_node_power_change(node_id: u32) -> Weight {
		let Some(contract) =
			ActiveRentContractForNode::<T>::get(node_id).and_then(Contracts::<T>::get)
		else {
			return T::DbWeight::get().reads(1);
		};
		let ctx = Self::billing_context();
		let mut state = ContractPaymentState::<T>::get(contract.contract_id);
		let was_up = matches!(T::Grid::node_power(node_id).state, PowerState::Up);
		if was_up {
			// Going down: bill the time it was up. The hook runs before the new state is stored.
			if Self::accrue(&contract, &mut state, &ctx).is_none() {
				return Self::bill_weight();
			}
		} else {
			// Coming up (or re-stamping a standby): the standby time is not billed.
			state.last_updated_seconds = state.last_updated_seconds.max(ctx.now);
		}
		ContractPaymentState::<T>::insert(contract.contract_id, state);
		Self::bill_weight()
	}
}
