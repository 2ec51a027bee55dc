//! Unit tests of minting on the mock runtime: accrual from real registry calls, settlement,
//! rewards and payouts.

use crate::{
	mock::*,
	reward::{reward_planck, RewardInputs},
	types::*,
	Error, Event, NextPeriodToSettle, NodeAccruals, Settlement, StalledSeconds,
};
use frame::{deps::sp_runtime::DispatchError, testing_prelude::*};
use tfchain_primitives::{
	grid::{FarmingRates, Power},
	traits::GridUsageObserver,
};

/// Start of the genesis period.
const T0: u64 = GENESIS_TIME;
/// Start of the period after it.
const T1: u64 = GENESIS_TIME + PERIOD;

const DIY: FarmingRates =
	FarmingRates { cu: 2_400, su: 1_000, nu: 30, ipv4: 5, minimal_uptime: 95 };
const CERTIFIED: FarmingRates =
	FarmingRates { cu: 3_000, su: 1_250, nu: 38, ipv4: 6, minimal_uptime: 95 };

/// Bob's farm with node 1 (6 CU, 2 SU) created at `T0` and reporting right away.
fn bob_node() -> u32 {
	let farm = farm_of(&bob());
	let node = create_node(1, farm);
	report(1, 100);
	node
}

/// Node 1, booted at `boot`, reports every `every` seconds and last at `until`.
fn keep_reporting(boot: u64, every: u64, until: u64) {
	while now() < until {
		run_until((now() + every).min(until));
		report(1, now() - boot);
	}
}

/// Runs until the genesis period is settled.
fn settle_genesis_period() {
	run_until((T1 + SETTLE_DELAY).max(now() + SETTLE_DELAY) + 4 * BLOCK_SECS);
	assert_eq!(NextPeriodToSettle::<Test>::get(), Some(GENESIS_PERIOD + 1));
}

/// The farmer sets node 1's power target.
fn target(power: Power) {
	assert_ok!(TfgridModule::change_power_target(RuntimeOrigin::signed(bob()), 1, power));
}

/// The reward of node 1's capacity (6 CU, 2 SU) at `rates` for `credited` seconds.
fn capacity_reward(rates: &FarmingRates, credited: u64) -> u128 {
	let inputs = RewardInputs {
		cu: 6,
		su: 2,
		credited_secs: credited,
		connection_price: 80,
		..Default::default()
	};
	reward_planck(rates, &inputs)
}

fn only_statement() -> Statement<AccountId> {
	let all = statements();
	assert_eq!(all.len(), 1, "one statement expected: {all:?}");
	all[0].clone()
}

#[test]
fn full_uptime_earns_the_full_capacity_reward() {
	test(|| {
		let node = bob_node();
		let before = Balances::free_balance(bob());
		keep_reporting(T0 - 100, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.period, GENESIS_PERIOD);
		assert_eq!(statement.node_id, node);
		assert_eq!(statement.farm_id, 1);
		assert_eq!(statement.beneficiary, Some(bob()));
		assert_eq!(statement.farming_policy_id, 1);
		assert_eq!(statement.rates, DIY);
		assert_eq!((statement.cu, statement.su), (6, 2));
		assert_eq!(statement.expected_secs, PERIOD);
		assert_eq!(statement.uptime_secs, PERIOD);
		assert_eq!(statement.credited_secs, PERIOD);
		assert!(statement.uptime_met);
		// 16 400 mUSD per month × 3 600 / 2 592 000 = 22.78 mUSD = 0.2847 TFT at 80 mUSD.
		assert_eq!(statement.reward, 2_847_222);
		assert_eq!(statement.minted, statement.reward);
		assert_eq!(Balances::free_balance(bob()), before + 2_847_222);
		System::assert_has_event(
			Event::PeriodSettled { period: GENESIS_PERIOD, statements: 1, minted: 2_847_222 }
				.into(),
		);
		// The report that crossed the period's end credited its second half to the next one.
		let accrual = NodeAccruals::<Test>::get(node).unwrap();
		assert_eq!(accrual.period, GENESIS_PERIOD + 1);
		assert!(accrual.current.up_secs >= 30);
	});
}

#[test]
fn partial_uptime_above_the_minimum_is_paid_pro_rata() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		// Rebooted: the next report, at T0 + 1800, says it is up since T0 + 1350.
		run_until(T0 + 1800);
		report(1, 450);
		keep_reporting(T0 + 1350, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.uptime_secs, PERIOD - 150);
		assert!(statement.uptime_met);
		assert_eq!(statement.reward, capacity_reward(&DIY, PERIOD - 150));
		assert!(statement.reward > 0 && statement.reward < capacity_reward(&DIY, PERIOD));
	});
}

#[test]
fn uptime_below_the_minimum_earns_nothing() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		// Down from T0 + 1200 to T0 + 1680: 480 s lost, 86.7 % < 95 %.
		run_until(T0 + 1800);
		report(1, 120);
		keep_reporting(T0 + 1680, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.credited_secs, PERIOD - 480);
		assert!(!statement.uptime_met);
		assert_eq!((statement.reward, statement.minted), (0, 0));
	});
}

#[test]
fn jitter_and_quick_reboots_within_the_tolerance_cost_nothing() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		// zos#1713: the uptime counter one second behind the chain clock is no reboot.
		run_until(T0 + 1800);
		report(1, now() - (T0 - 100) - 1);
		// A reboot 40 s after the last report (inside the 60 s tolerance) counts as up.
		run_until(T0 + 2400);
		report(1, now() - (T0 + 1840));
		keep_reporting(T0 + 1840, 600, T1 + 30);
		settle_genesis_period();
		assert_eq!(only_statement().credited_secs, PERIOD);
	});
}

#[test]
fn duplicate_reports_credit_nothing_more() {
	test(|| {
		let node = bob_node();
		run_until(T0 + 600);
		report(1, 700);
		let once = NodeAccruals::<Test>::get(node).unwrap().current.up_secs;
		report(1, 700);
		report(1, 700);
		assert_eq!(NodeAccruals::<Test>::get(node).unwrap().current.up_secs, once);
		assert_eq!(once, 600);
	});
}

#[test]
fn reports_lost_to_a_chain_stall_do_not_cost_the_farmer() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		// No block for 20 minutes: the node's reports could not land.
		next_block_at(T0 + 2400);
		System::assert_has_event(
			Event::ChainStallRecorded { from: T0 + 1200, to: T0 + 2400 }.into(),
		);
		assert_eq!(StalledSeconds::<Test>::get(GENESIS_PERIOD), 1200);
		// The node stayed up: its next report proves it.
		report(1, now() - (T0 - 100));
		keep_reporting(T0 - 100, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.expected_secs, PERIOD);
		assert_eq!(statement.credited_secs, PERIOD);
		assert!(statement.uptime_met);
		assert!(!StalledSeconds::<Test>::contains_key(GENESIS_PERIOD));
	});
}

#[test]
fn a_reboot_during_a_stall_costs_only_the_time_before_the_reboot() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		next_block_at(T0 + 2400);
		// Rebooted during the stall, 100 s after its last report: up since T0 + 1300.
		report(1, 1100);
		keep_reporting(T0 + 1300, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.expected_secs, PERIOD);
		assert_eq!(statement.uptime_secs, PERIOD - 100);
		assert!(statement.uptime_met);
		// The stalled time is not credited twice.
		assert!(statement.credited_secs <= statement.expected_secs);
	});
}

#[test]
fn settlement_waits_for_live_chain_after_a_stall_across_the_period_end() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 3000);
		// The chain stalls over the end of the period and comes back past the settle delay.
		next_block_at(T1 + 600);
		assert!(Settlement::<Test>::get().is_none());
		assert!(statements().is_empty());
		// The node's report after the stall still counts into the genesis period.
		report(1, now() - (T0 - 100));
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.expected_secs, PERIOD);
		assert_eq!(statement.credited_secs, PERIOD);
		assert!(statement.uptime_met);
	});
}

#[test]
fn a_repeated_down_keeps_the_node_in_standby() {
	test(|| {
		let node = bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		target(Power::Down);
		power(1, Power::Down);
		run_until(T0 + 1800);
		// The registry re-stamps a repeated `Down`; minting still counts one standby.
		power(1, Power::Down);
		let accrual = NodeAccruals::<Test>::get(node).unwrap();
		assert_eq!(accrual.standby_since, Some(T0 + 1200));
		assert_eq!(accrual.last_seen, None);
	});
}

#[test]
fn standby_counts_as_the_policy_says() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		run_until(T0 + 1260);
		// The farmerbot puts the node in standby; it wakes up 20 minutes later.
		target(Power::Down);
		power(1, Power::Down);
		run_until(T0 + 2460);
		target(Power::Up);
		power(1, Power::Up);
		run_until(T0 + 2466);
		report(1, 30);
		keep_reporting(T0 + 2436, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.standby_secs, 1200);
		assert_eq!(statement.uptime_secs, PERIOD - 1200);
		assert_eq!(statement.standby_credit, Perbill::one());
		assert_eq!(statement.credited_secs, PERIOD);
		assert_eq!(statement.reward, capacity_reward(&DIY, PERIOD));
	});
}

#[test]
fn standby_credit_can_be_lowered_per_policy() {
	test(|| {
		assert_ok!(Minting::set_standby_credit(
			RuntimeOrigin::root(),
			1,
			Perbill::from_percent(50)
		));
		System::assert_last_event(
			Event::StandbyCreditSet { farming_policy_id: 1, credit: Perbill::from_percent(50) }
				.into(),
		);
		bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1200);
		power(1, Power::Down);
		run_until(T0 + 2400);
		power(1, Power::Up);
		report(1, 10);
		keep_reporting(T0 + 2390, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.standby_secs, 1200);
		assert_eq!(statement.credited_secs, PERIOD - 600);
		assert!(!statement.uptime_met);
		assert_eq!(statement.reward, 0);
	});
}

#[test]
fn standby_open_at_the_end_of_a_period_counts_until_its_end() {
	test(|| {
		let node = bob_node();
		keep_reporting(T0 - 100, 600, T0 + 3000);
		target(Power::Down);
		power(1, Power::Down);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.standby_secs, 600);
		assert_eq!(statement.credited_secs, PERIOD);
		// The standby goes on in the next period.
		assert_eq!(NodeAccruals::<Test>::get(node).unwrap().standby_since, Some(T1));
	});
}

#[test]
fn set_standby_credit_is_restricted_and_checks_the_policy() {
	test(|| {
		assert_noop!(
			Minting::set_standby_credit(RuntimeOrigin::signed(bob()), 1, Perbill::zero()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Minting::set_standby_credit(RuntimeOrigin::root(), 9, Perbill::zero()),
			Error::<Test>::FarmingPolicyNotExists
		);
	});
}

#[test]
fn certified_nodes_earn_the_certified_rates() {
	test(|| {
		let node = bob_node();
		pallet_tfgrid::Nodes::<Test>::mutate(node, |n| n.as_mut().unwrap().farming_policy_id = 2);
		keep_reporting(T0 - 100, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.farming_policy_id, 2);
		assert_eq!(statement.rates, CERTIFIED);
		assert_eq!(statement.reward, capacity_reward(&CERTIFIED, PERIOD));
		assert!(statement.reward > capacity_reward(&DIY, PERIOD));
	});
}

#[test]
fn farming_policy_limits_decide_which_rates_a_node_earns() {
	test(|| {
		let farm = farm_of(&bob());
		assert_ok!(TfgridModule::create_farming_policy(
			RuntimeOrigin::root(),
			b"limited".to_vec(),
			2_000,
			4_000,
			50,
			10,
			90,
			0,
			false,
			false,
			tfchain_primitives::grid::NodeCertification::Diy,
			tfchain_primitives::grid::FarmCertification::NotCertified,
		));
		let limited = pallet_tfgrid::FarmingPolicyID::<Test>::get();
		let limits = tfchain_primitives::grid::FarmingPolicyLimit {
			farming_policy_id: limited,
			cu: None,
			su: None,
			end: None,
			node_count: Some(1),
			node_certification: false,
		};
		assert_ok!(TfgridModule::attach_policy_to_farm(RuntimeOrigin::root(), farm, Some(limits)));
		// The first node takes the farm's only limited slot; the second gets the default.
		let first = create_node(1, farm);
		let second = create_node(2, farm);
		report(1, 100);
		report(2, 100);
		while now() + 600 <= T1 + 30 {
			run_until(now() + 600);
			report(1, now() - (T0 - 100));
			report(2, now() - (T0 - 100));
		}
		settle_genesis_period();
		let all = statements();
		assert_eq!(all.len(), 2);
		let first = all.iter().find(|s| s.node_id == first).unwrap();
		let second = all.iter().find(|s| s.node_id == second).unwrap();
		assert_eq!(first.farming_policy_id, limited);
		assert_eq!(
			first.rates,
			FarmingRates { cu: 4_000, su: 2_000, nu: 50, ipv4: 10, minimal_uptime: 90 }
		);
		assert_eq!(second.farming_policy_id, 1);
		assert_eq!(second.rates, DIY);
		assert_eq!(first.reward, capacity_reward(&first.rates, PERIOD));
		assert_eq!(second.reward, capacity_reward(&DIY, PERIOD));
	});
}

#[test]
fn traffic_and_public_ips_are_rewarded() {
	test(|| {
		let node = bob_node();
		run_until(T0 + 600);
		<Minting as GridUsageObserver>::network_used(node, 250_000_000_000);
		run_until(T0 + 1800);
		<Minting as GridUsageObserver>::public_ips_used(node, 2, 1800);
		keep_reporting(T0 - 100, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.nu_bytes, 250_000_000_000);
		assert_eq!(statement.ip_secs, 3_600);
		let inputs = RewardInputs {
			cu: 6,
			su: 2,
			credited_secs: PERIOD,
			nu_bytes: 250_000_000_000,
			ip_secs: 3_600,
			connection_price: 80,
		};
		assert_eq!(statement.reward, reward_planck(&DIY, &inputs));
		// 250 GB × 30 mUSD + 1 IP-hour × 5 mUSD = 7 505 mUSD = 93.8125 TFT on top of the
		// capacity.
		assert_eq!(statement.reward - capacity_reward(&DIY, PERIOD), 938_125_000);
	});
}

#[test]
fn a_node_created_mid_period_is_expected_up_from_its_creation() {
	test(|| {
		let farm = farm_of(&bob());
		run_until(T0 + 1800);
		create_node(1, farm);
		report(1, 5_000);
		keep_reporting(T0 - 3_200, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.expected_secs, 1800);
		assert_eq!(statement.credited_secs, 1800);
		assert_eq!(statement.reward, capacity_reward(&DIY, 1800));
	});
}

#[test]
fn payout_account_receives_the_reward() {
	test(|| {
		bob_node();
		assert_noop!(
			Minting::set_payout_account(RuntimeOrigin::signed(charlie()), 1, Some(dave())),
			Error::<Test>::NotFarmOwner
		);
		assert_noop!(
			Minting::set_payout_account(RuntimeOrigin::signed(bob()), 7, Some(dave())),
			Error::<Test>::FarmNotExists
		);
		assert_ok!(Minting::set_payout_account(RuntimeOrigin::signed(bob()), 1, Some(dave())));
		System::assert_last_event(
			Event::PayoutAccountSet { farm_id: 1, account: Some(dave()) }.into(),
		);
		let bob_before = Balances::free_balance(bob());
		keep_reporting(T0 - 100, 600, T1 + 30);
		settle_genesis_period();
		let statement = only_statement();
		assert_eq!(statement.beneficiary, Some(dave()));
		assert_eq!(Balances::free_balance(dave()), statement.reward);
		assert_eq!(Balances::free_balance(bob()), bob_before);
		// `None` sends rewards back to the farm's twin.
		assert_ok!(Minting::set_payout_account(RuntimeOrigin::signed(bob()), 1, None));
		assert_eq!(Minting::beneficiary(1), Some(bob()));
	});
}

#[test]
fn settlement_is_spread_over_blocks() {
	test(|| {
		let farm = farm_of(&bob());
		for n in 1..=5 {
			create_node(n, farm);
		}
		run_until(T1 + SETTLE_DELAY - BLOCK_SECS);
		// Two nodes per block (MaxNodesPerBlock): three blocks for five nodes.
		next_block_at(now() + BLOCK_SECS);
		System::assert_has_event(
			Event::SettlementStarted { period: GENESIS_PERIOD, last_node: 5 }.into(),
		);
		assert_eq!(statements().len(), 2);
		assert_eq!(Settlement::<Test>::get().unwrap().next_node, 3);
		next_block_at(now() + BLOCK_SECS);
		assert_eq!(statements().len(), 4);
		next_block_at(now() + BLOCK_SECS);
		assert_eq!(statements().len(), 5);
		assert!(Settlement::<Test>::get().is_none());
		assert_eq!(NextPeriodToSettle::<Test>::get(), Some(GENESIS_PERIOD + 1));
		// Never reported: nothing earned.
		assert!(statements().iter().all(|s| s.reward == 0 && !s.uptime_met));
	});
}

#[test]
fn deleted_nodes_get_no_statement() {
	test(|| {
		let node = bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1800);
		assert_ok!(TfgridModule::delete_node_farm(RuntimeOrigin::signed(bob()), node));
		assert!(NodeAccruals::<Test>::get(node).is_none());
		settle_genesis_period();
		assert!(statements().is_empty());
		System::assert_has_event(
			Event::PeriodSettled { period: GENESIS_PERIOD, statements: 0, minted: 0 }.into(),
		);
	});
}

#[test]
fn each_period_is_settled_once_in_order() {
	test(|| {
		bob_node();
		keep_reporting(T0 - 100, 600, T1 + PERIOD + 30);
		run_until(T1 + PERIOD + SETTLE_DELAY + 4 * BLOCK_SECS);
		let all = statements();
		assert_eq!(
			all.iter().map(|s| s.period).collect::<Vec<_>>(),
			vec![GENESIS_PERIOD, GENESIS_PERIOD + 1]
		);
		assert!(all.iter().all(|s| s.credited_secs == PERIOD && s.minted > 0));
	});
}

#[test]
fn current_statement_shows_the_accrual_so_far() {
	test(|| {
		let node = bob_node();
		keep_reporting(T0 - 100, 600, T0 + 1800);
		let draft = Minting::current_statement(node).unwrap();
		assert_eq!(draft.period, GENESIS_PERIOD);
		assert_eq!(draft.expected_secs, 1800);
		assert_eq!(draft.credited_secs, 1800);
		assert_eq!(draft.reward, capacity_reward(&DIY, 1800));
		assert_eq!(draft.minted, 0);
		assert_eq!(Minting::current_statement(99), None);
	});
}
