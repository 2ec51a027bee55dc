//! Traffic counters of a link: from sysfs in the host namespace, from `ip -s -j` inside ours.

use std::path::Path;

use crate::{namespace, NetError};

/// Bytes through a link, counted on the host side: for a VM tap, `rx_bytes` is what the VM
/// sent and `tx_bytes` what it received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrafficCounters {
	/// Bytes received by the host-side link.
	pub rx_bytes: u64,
	/// Bytes transmitted by the host-side link.
	pub tx_bytes: u64,
}

/// Reads `/sys/class/net/<link>/statistics/{rx,tx}_bytes`; `Ok(None)` when the link is not in the
/// host namespace.
pub(crate) fn host_counters(link: &str) -> Result<Option<TrafficCounters>, NetError> {
	let dir = Path::new("/sys/class/net").join(link);
	if !dir.exists() {
		return Ok(None);
	}
	let read = |file: &str| -> Result<Option<u64>, NetError> {
		let path = dir.join("statistics").join(file);
		match std::fs::read_to_string(&path) {
			Ok(text) => text.trim().parse::<u64>().map(Some).map_err(|e| NetError::Output {
				command: format!("read {}", path.display()),
				reason: e.to_string(),
			}),
			// Gone between the check and the read.
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
			Err(source) => {
				Err(NetError::Io { context: format!("reading {}", path.display()), source })
			},
		}
	};
	Ok(read("rx_bytes")?
		.zip(read("tx_bytes")?)
		.map(|(rx_bytes, tx_bytes)| TrafficCounters { rx_bytes, tx_bytes }))
}

/// The counters of `link` inside namespace `ns` (`ip -n ns -s -j link show`); `Ok(None)` when
/// it is not there.
pub(crate) fn namespace_counters(
	ns: &str,
	link: &str,
) -> Result<Option<TrafficCounters>, NetError> {
	let found = namespace::find_link(Some(ns), link)?;
	Ok(found
		.and_then(|l| l.bytes)
		.map(|(rx_bytes, tx_bytes)| TrafficCounters { rx_bytes, tx_bytes }))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn loopback_counters_are_readable_and_missing_links_are_none() {
		match host_counters("lo") {
			Ok(Some(_)) => {},
			other => panic!("lo: {other:?}"),
		}
		assert!(matches!(host_counters("surely-not-a-link"), Ok(None)));
	}
}
