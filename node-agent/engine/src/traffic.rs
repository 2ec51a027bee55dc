//! NRU accounting: public tap counters → per-contract byte deltas → hourly reports through a
//! persistent outbox (`<state_dir>/nru.json`, written atomically).
//!
//! Closing a window (pending bytes → outbox entries) is one atomic write, and an entry leaves
//! the outbox only after the chain accepted it, so every window is reported, and reported once:
//! the only repeat possible is a resend after a crash between the chain's acceptance and the
//! outbox write, and the chain skips a report whose timestamp is not after the contract's last
//! one.

use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use crate::{
	engine::Engine,
	now_secs,
	store::{read_json, write_json},
	EngineError, NruReport,
};

/// Largest batch sent in one `add_nru_reports` (the runtime accepts 256).
const BATCH: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct TapSample {
	contract_id: u64,
	/// rx + tx at the last sample.
	total: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
	/// Bytes since `since`.
	bytes: u64,
	/// Start of the open window (unix seconds).
	since: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct LedgerData {
	taps: BTreeMap<String, TapSample>,
	pending: BTreeMap<u64, Pending>,
	outbox: Vec<NruReport>,
}

/// The persisted NRU ledger.
#[derive(Debug)]
pub(crate) struct TrafficLedger {
	path: PathBuf,
	data: LedgerData,
}

impl TrafficLedger {
	/// Opens the ledger file (absent: empty).
	pub fn open(path: &Path) -> Result<Self, EngineError> {
		let data = read_json(path)?.unwrap_or_default();
		Ok(Self { path: path.to_path_buf(), data })
	}

	fn save(&self) -> Result<(), EngineError> {
		write_json(&self.path, &self.data)
	}

	/// Adds counter samples `(tap, contract, rx + tx)` taken at `now`. The delta of a tap is the
	/// growth since its last sample; a counter that went down was reset (tap re-created), so the
	/// whole new value is the delta; a tap seen for the first time counts from zero.
	pub fn observe(&mut self, samples: &[(String, u64, u64)], now: u64) -> Result<(), EngineError> {
		for (tap, contract_id, total) in samples {
			let delta = match self.data.taps.get(tap) {
				Some(prev) if prev.contract_id == *contract_id => {
					if *total >= prev.total {
						total - prev.total
					} else {
						*total
					}
				},
				_ => *total,
			};
			self.data
				.taps
				.insert(tap.clone(), TapSample { contract_id: *contract_id, total: *total });
			let pending =
				self.data.pending.entry(*contract_id).or_insert(Pending { bytes: 0, since: now });
			pending.bytes = pending.bytes.saturating_add(delta);
		}
		self.save()
	}

	/// Forgets taps that no longer exist (their last delta was already taken).
	pub fn retain_taps(&mut self, live: &BTreeSet<String>) -> Result<(), EngineError> {
		let before = self.data.taps.len();
		self.data.taps.retain(|tap, _| live.contains(tap));
		if self.data.taps.len() != before {
			self.save()?;
		}
		Ok(())
	}

	/// Closes the open window of every contract at `now`: one outbox entry per contract with
	/// traffic; returns how many were added.
	pub fn close_window(&mut self, now: u64) -> Result<usize, EngineError> {
		let mut added = 0;
		for (contract_id, pending) in self.data.pending.iter_mut() {
			if now < pending.since {
				continue;
			}
			if pending.bytes > 0 {
				self.data.outbox.push(NruReport {
					contract_id: *contract_id,
					timestamp: now,
					window: now - pending.since,
					nru: pending.bytes,
				});
				added += 1;
			}
			pending.bytes = 0;
			pending.since = now;
		}
		let taps = &self.data.taps;
		self.data.pending.retain(|c, p| p.bytes > 0 || taps.values().any(|t| t.contract_id == *c));
		self.save()?;
		Ok(added)
	}

	/// Reports waiting to be sent, oldest first.
	pub fn outbox(&self) -> &[NruReport] {
		&self.data.outbox
	}

	/// Removes the first `n` outbox entries (sent).
	pub fn ack(&mut self, n: usize) -> Result<(), EngineError> {
		let n = n.min(self.data.outbox.len());
		self.data.outbox.drain(..n);
		self.save()
	}

	/// Bytes counted and not yet reported, by contract.
	pub fn pending_bytes(&self) -> BTreeMap<u64, u64> {
		self.data.pending.iter().map(|(c, p)| (*c, p.bytes)).collect()
	}
}

impl Engine {
	/// Reads the counters of every public tap (every 5 minutes) and adds the deltas to the
	/// contracts' open windows (persisted).
	pub async fn sample_traffic(&self) -> Result<(), EngineError> {
		let taps: Vec<(String, u64)> = self
			.lock()
			.store
			.records()
			.flat_map(|r| {
				r.taps.values().filter_map(|t| t.public.clone()).map(|t| (t, r.contract_id()))
			})
			.collect();
		let live: BTreeSet<String> = taps.iter().map(|(t, _)| t.clone()).collect();
		let mut samples = Vec::new();
		for (tap, contract_id) in taps {
			match self.backends.networks.counters(&tap) {
				Ok(c) => samples.push((tap, contract_id, c.rx_bytes.saturating_add(c.tx_bytes))),
				Err(e) => tracing::debug!(tap = %tap, error = %e, "no counters"),
			}
		}
		let mut ledger = self.lock_traffic();
		ledger.observe(&samples, now_secs())?;
		ledger.retain_taps(&live)
	}

	/// Closes the current window at `now` (hourly) and sends the outbox (this window and any
	/// earlier ones not sent yet) with `add_nru_reports`. Returns how many reports the chain
	/// accepted; on a chain error the unsent reports stay in the outbox for the next call.
	pub async fn report_traffic(&self, now: u64) -> Result<usize, EngineError> {
		let _one_sender = self.report_lock.lock().await;
		let outbox = {
			let mut ledger = self.lock_traffic();
			ledger.close_window(now)?;
			ledger.outbox().to_vec()
		};
		let mut sent = 0;
		for batch in outbox.chunks(BATCH) {
			if let Err(e) = self.chain.add_nru_reports(batch).await {
				self.lock().counters.nru_reports_failed += 1;
				return Err(EngineError::chain(e));
			}
			self.lock_traffic().ack(batch.len())?;
			self.lock().counters.nru_reports_sent += batch.len() as u64;
			sent += batch.len();
		}
		Ok(sent)
	}

	/// Bytes counted and not yet put in a report, by contract.
	pub fn pending_traffic(&self) -> BTreeMap<u64, u64> {
		self.lock_traffic().pending_bytes()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn deltas_resets_and_windows() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("nru.json");
		let mut ledger = TrafficLedger::open(&path).unwrap();
		ledger.observe(&[("p-a".into(), 1, 100)], 1000).unwrap();
		ledger.observe(&[("p-a".into(), 1, 250)], 1300).unwrap();
		assert_eq!(ledger.pending_bytes()[&1], 250);
		// Counter reset (tap re-created): the new value is all new traffic.
		ledger.observe(&[("p-a".into(), 1, 40)], 1600).unwrap();
		assert_eq!(ledger.pending_bytes()[&1], 290);
		assert_eq!(ledger.close_window(4600).unwrap(), 1);
		assert_eq!(
			ledger.outbox(),
			&[NruReport { contract_id: 1, timestamp: 4600, window: 3600, nru: 290 }]
		);
		// Nothing new: no second report, even for the same `now`.
		assert_eq!(ledger.close_window(4600).unwrap(), 0);
		// Persisted.
		let reopened = TrafficLedger::open(&path).unwrap();
		assert_eq!(reopened.outbox().len(), 1);
		ledger.ack(1).unwrap();
		assert!(TrafficLedger::open(&path).unwrap().outbox().is_empty());
		// Taps gone: the contract leaves the ledger after its last window.
		ledger.retain_taps(&BTreeSet::new()).unwrap();
		ledger.close_window(8200).unwrap();
		assert!(ledger.pending_bytes().is_empty());
	}
}
