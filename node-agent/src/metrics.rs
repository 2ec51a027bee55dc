//! Prometheus metrics of the agent and the `GET /metrics` endpoint.

use crate::engine::EngineStats;
use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use prometheus::{
	Encoder, Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::sync::Arc;

/// Every metric the agent exports.
#[derive(Clone)]
pub struct Metrics {
	registry: Registry,
	/// `node_agent_uptime_reports_total{result="ok|failed"}`.
	pub uptime_reports: IntCounterVec,
	/// `node_agent_uptime_pending`: 1 while a failed report waits to be sent.
	pub uptime_pending: IntGauge,
	/// `node_agent_uptime_last_success_timestamp`: unix seconds of the last accepted report.
	pub uptime_last_success: IntGauge,
	/// `node_agent_chain_connected`: 1 while the follower reaches the chain.
	pub chain_connected: IntGauge,
	/// `node_agent_last_finalized_block`: last finalized block the follower processed.
	pub last_finalized_block: IntGauge,
	/// `node_agent_chain_events_total{kind}`: chain events handled.
	pub events: IntCounterVec,
	/// `node_agent_registered`: 1 once the node is registered.
	pub registered: IntGauge,
	/// `node_agent_node_id`: the node id (0 before registration).
	pub node_id: IntGauge,
	/// `node_agent_registrations_total{result="created|updated|unchanged|failed"}`.
	pub registrations: IntCounterVec,
	/// `node_agent_power_up`: 1 when the node reports itself Up, 0 when Down.
	pub power_up: IntGauge,
	/// `node_agent_reconciliations_total{result="ok|failed"}`.
	pub reconciliations: IntCounterVec,
	/// `node_agent_nru_reports_total{result="ok|failed"}`: NRU report runs.
	pub nru_reports: IntCounterVec,
	/// `node_agent_deployments{state}` from the engine.
	pub deployments: IntGaugeVec,
	/// `node_agent_workloads{state}` from the engine.
	pub workloads: IntGaugeVec,
	/// `node_agent_jobs_queued` from the engine.
	pub jobs_queued: IntGauge,
	/// `node_agent_provision_to_first_instruction_seconds`: last value from the engine.
	pub provision_latency: Gauge,
	/// `node_agent_api_requests_total{route,status}`.
	pub api_requests: IntCounterVec,
	/// `node_agent_engine{counter}`: other engine counters (jobs run, reports sent/failed).
	pub engine_counters: IntGaugeVec,
	/// `node_agent_vms_running`: VMs running in the hypervisor.
	pub vms_running: IntGauge,
}

/// A metric could not be created or registered (a programming error, reported not panicked).
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
	/// Creates and registers every metric.
	pub fn new() -> Result<Self, MetricsError> {
		let registry = Registry::new();
		let counter_vec =
			|name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, MetricsError> {
				let m = IntCounterVec::new(Opts::new(name, help), labels)?;
				registry.register(Box::new(m.clone()))?;
				Ok(m)
			};
		let gauge_vec =
			|name: &str, help: &str, labels: &[&str]| -> Result<IntGaugeVec, MetricsError> {
				let m = IntGaugeVec::new(Opts::new(name, help), labels)?;
				registry.register(Box::new(m.clone()))?;
				Ok(m)
			};
		let gauge = |name: &str, help: &str| -> Result<IntGauge, MetricsError> {
			let m = IntGauge::new(name, help)?;
			registry.register(Box::new(m.clone()))?;
			Ok(m)
		};
		let uptime_reports = counter_vec(
			"node_agent_uptime_reports_total",
			"Uptime reports sent, by result",
			&["result"],
		)?;
		// Both series exist from the start, so a dashboard sees 0 rather than nothing.
		uptime_reports.with_label_values(&["ok"]);
		uptime_reports.with_label_values(&["failed"]);
		let provision_latency = Gauge::new(
			"node_agent_provision_to_first_instruction_seconds",
			"Last measured time from taking a provision job to the VM's first guest instruction",
		)?;
		registry.register(Box::new(provision_latency.clone()))?;
		let metrics = Self {
			uptime_pending: gauge(
				"node_agent_uptime_pending",
				"1 while a failed uptime report waits to be sent",
			)?,
			uptime_last_success: gauge(
				"node_agent_uptime_last_success_timestamp",
				"Unix time of the last uptime report the chain accepted",
			)?,
			chain_connected: gauge("node_agent_chain_connected", "1 while the chain is reachable")?,
			last_finalized_block: gauge(
				"node_agent_last_finalized_block",
				"Last finalized block processed by the chain follower",
			)?,
			events: counter_vec(
				"node_agent_chain_events_total",
				"Chain events for this node handled, by kind",
				&["kind"],
			)?,
			registered: gauge("node_agent_registered", "1 once the node is registered on chain")?,
			node_id: gauge("node_agent_node_id", "Node id on chain (0 before registration)")?,
			registrations: counter_vec(
				"node_agent_registrations_total",
				"Registration runs, by result",
				&["result"],
			)?,
			power_up: gauge("node_agent_power_up", "1 when the node reports Up, 0 when Down")?,
			reconciliations: counter_vec(
				"node_agent_reconciliations_total",
				"Full reconciliations with the chain, by result",
				&["result"],
			)?,
			nru_reports: counter_vec(
				"node_agent_nru_reports_total",
				"Network usage report runs, by result",
				&["result"],
			)?,
			deployments: gauge_vec(
				"node_agent_deployments",
				"Local deployments by state",
				&["state"],
			)?,
			workloads: gauge_vec("node_agent_workloads", "Local workloads by state", &["state"])?,
			jobs_queued: gauge("node_agent_jobs_queued", "Provisioning jobs waiting")?,
			api_requests: counter_vec(
				"node_agent_api_requests_total",
				"Deployments API requests by route and status",
				&["route", "status"],
			)?,
			engine_counters: gauge_vec(
				"node_agent_engine",
				"Engine counters: jobs run, resource and NRU reports sent or failed, NRU outbox",
				&["counter"],
			)?,
			vms_running: gauge("node_agent_vms_running", "VMs running in the hypervisor")?,
			provision_latency,
			uptime_reports,
			registry,
		};
		metrics.power_up.set(1);
		Ok(metrics)
	}

	/// Copies the engine's counters into the gauges.
	pub fn update_engine(&self, stats: &EngineStats) {
		self.deployments.reset();
		for (state, count) in &stats.deployments_by_state {
			self.deployments.with_label_values(&[state.as_str()]).set(*count as i64);
		}
		self.workloads.reset();
		for (state, count) in &stats.workloads_by_state {
			self.workloads.with_label_values(&[state.as_str()]).set(*count as i64);
		}
		self.jobs_queued.set(stats.jobs_queued as i64);
		if let Some(n) = stats.vms_running {
			self.vms_running.set(n as i64);
		}
		for (name, value) in &stats.counters {
			self.engine_counters.with_label_values(&[name.as_str()]).set(*value as i64);
		}
		if let Some(latency) = stats.last_provision_latency {
			self.provision_latency.set(latency.as_secs_f64());
		}
	}

	/// The registry in Prometheus text format.
	pub fn render(&self) -> String {
		let mut buf = Vec::new();
		let encoder = TextEncoder::new();
		if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
			tracing::warn!(error = %e, "cannot encode metrics");
		}
		String::from_utf8_lossy(&buf).into_owned()
	}
}

/// A source of engine statistics refreshed at every scrape.
pub type StatsSource = Arc<dyn Fn() -> Option<EngineStats> + Send + Sync>;

#[derive(Clone)]
struct MetricsState {
	metrics: Metrics,
	stats: StatsSource,
}

/// The metrics router: `GET /metrics`.
pub fn router(metrics: Metrics, stats: StatsSource) -> Router {
	Router::new().route("/metrics", get(scrape)).with_state(MetricsState { metrics, stats })
}

async fn scrape(State(state): State<MetricsState>) -> impl IntoResponse {
	if let Some(stats) = (state.stats)() {
		state.metrics.update_engine(&stats);
	}
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::{collections::BTreeMap, time::Duration};

	#[test]
	fn renders_every_required_family() {
		let m = Metrics::new().unwrap();
		m.uptime_reports.with_label_values(&["failed"]).inc();
		m.events.with_label_values(&["node_contract_canceled"]).inc();
		let text = m.render();
		for name in [
			"node_agent_uptime_reports_total{result=\"failed\"} 1",
			"node_agent_uptime_reports_total{result=\"ok\"} 0",
			"node_agent_uptime_pending 0",
			"node_agent_uptime_last_success_timestamp 0",
			"node_agent_chain_connected 0",
			"node_agent_last_finalized_block 0",
			"node_agent_chain_events_total{kind=\"node_contract_canceled\"} 1",
			"node_agent_registered 0",
			"node_agent_provision_to_first_instruction_seconds 0",
		] {
			assert!(text.contains(name), "missing {name} in\n{text}");
		}
	}

	#[test]
	fn engine_stats_become_gauges() {
		let m = Metrics::new().unwrap();
		let stats = EngineStats {
			deployments_by_state: BTreeMap::from([("ok".to_string(), 2)]),
			workloads_by_state: BTreeMap::from([("ok".to_string(), 5), ("error".to_string(), 1)]),
			jobs_queued: 3,
			last_provision_latency: Some(Duration::from_millis(250)),
			counters: BTreeMap::from([("jobs_run".to_string(), 4)]),
			vms_running: Some(2),
		};
		m.update_engine(&stats);
		let text = m.render();
		assert!(text.contains("node_agent_deployments{state=\"ok\"} 2"), "{text}");
		assert!(text.contains("node_agent_workloads{state=\"error\"} 1"), "{text}");
		assert!(text.contains("node_agent_jobs_queued 3"), "{text}");
		assert!(text.contains("node_agent_vms_running 2"), "{text}");
		assert!(text.contains("node_agent_provision_to_first_instruction_seconds 0.25"), "{text}");
		assert!(text.contains("node_agent_engine{counter=\"jobs_run\"} 4"), "{text}");
		// A state that disappears is removed.
		m.update_engine(&EngineStats::default());
		assert!(!m.render().contains("node_agent_workloads{state=\"error\"}"));
	}
}
