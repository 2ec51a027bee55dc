//! PROVISIONAL: replaced by `scripts/benchmark.sh` output.
#![allow(missing_docs)]
use frame::weights_prelude::*;
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
	fn add_validator_again() -> Weight;
	fn set_session_length() -> Weight;
}
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight {
		T::DbWeight::get().reads_writes(2, 2)
	}
	fn remove_validator() -> Weight {
		T::DbWeight::get().reads_writes(2, 2)
	}
	fn add_validator_again() -> Weight {
		T::DbWeight::get().reads_writes(2, 1)
	}
	fn set_session_length() -> Weight {
		T::DbWeight::get().writes(1)
	}
}
impl WeightInfo for () {
	fn add_validator() -> Weight {
		ParityDbWeight::get().reads_writes(2, 2)
	}
	fn remove_validator() -> Weight {
		ParityDbWeight::get().reads_writes(2, 2)
	}
	fn add_validator_again() -> Weight {
		ParityDbWeight::get().reads_writes(2, 1)
	}
	fn set_session_length() -> Weight {
		ParityDbWeight::get().writes(1)
	}
}
