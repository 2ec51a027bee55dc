//! Capped exponential backoff for retries (registration, uptime, chain reconnects).

use std::time::Duration;

/// Doubling delays from `initial` up to `max`, with [`Backoff::reset`] after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
	initial: Duration,
	max: Duration,
	next: Duration,
}

impl Backoff {
	/// A backoff starting at `initial` and never waiting longer than `max`.
	///
	/// A zero `initial` is raised to one millisecond so the delay can grow; `max` below
	/// `initial` is raised to `initial`.
	pub fn new(initial: Duration, max: Duration) -> Self {
		let initial = initial.max(Duration::from_millis(1));
		let max = max.max(initial);
		Self { initial, max, next: initial }
	}

	/// The delay to wait now; the following one is twice as long, up to the cap.
	pub fn next_delay(&mut self) -> Duration {
		let delay = self.next;
		self.next = self.next.saturating_mul(2).min(self.max);
		delay
	}

	/// Starts again from the initial delay (call after a success).
	pub fn reset(&mut self) {
		self.next = self.initial;
	}

	/// The cap.
	pub fn max(&self) -> Duration {
		self.max
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn doubles_then_caps() {
		let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
		let delays: Vec<u64> = (0..6).map(|_| b.next_delay().as_secs()).collect();
		assert_eq!(delays, vec![1, 2, 4, 8, 10, 10]);
	}

	#[test]
	fn reset_starts_over() {
		let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
		b.next_delay();
		b.next_delay();
		b.reset();
		assert_eq!(b.next_delay(), Duration::from_millis(100));
	}

	#[test]
	fn never_exceeds_cap_even_after_many_steps() {
		let mut b = Backoff::new(Duration::from_secs(3), Duration::from_secs(120));
		for _ in 0..200 {
			assert!(b.next_delay() <= Duration::from_secs(120));
		}
		assert_eq!(b.next_delay(), Duration::from_secs(120));
	}

	#[test]
	fn degenerate_bounds_are_fixed() {
		let mut b = Backoff::new(Duration::ZERO, Duration::ZERO);
		assert_eq!(b.next_delay(), Duration::from_millis(1));
		assert_eq!(b.next_delay(), Duration::from_millis(1));
		let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
		assert_eq!(b.max(), Duration::from_secs(5));
		assert_eq!(b.next_delay(), Duration::from_secs(5));
	}
}
