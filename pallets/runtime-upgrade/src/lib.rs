//! # Runtime upgrade
//!
//! TFChain's `RuntimeUpgrade` pallet (index 31): `set_code` replaces the runtime's wasm code.
//! It may be called by root or by a council motion (3/5 of the council on TFChain; the runtime
//! chooses `SetCodeOrigin`). There is no sudo key on this chain: this call is how the council
//! upgrades it.
//!
//! The call forwards to `frame_system::set_code` as root, so the spec-name and spec-version
//! checks apply and `System.CodeUpdated` is emitted. It is operational, free (`Pays::No`) and
//! fills the rest of the block, as frame_system's own `set_code` does.
//!
//! Weight: the work is frame_system's `set_code`, so the declared weight is the runtime's
//! `SystemWeightInfo::set_code` (see `docs/weights.md`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod tests;

pub use pallet::*;

#[frame::pallet]
pub mod pallet {
	use alloc::vec::Vec;
	use frame::prelude::*;
	use frame_system::WeightInfo as _;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may upgrade the runtime: root or a council motion.
		type SetCodeOrigin: EnsureOrigin<Self::RuntimeOrigin>;
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Replace the runtime code with `code`, after frame_system's checks.
		///
		/// Origin: `SetCodeOrigin`. Free of fees; fills the rest of the block.
		#[pallet::call_index(0)]
		#[pallet::weight((T::SystemWeightInfo::set_code(), DispatchClass::Operational))]
		pub fn set_code(origin: OriginFor<T>, code: Vec<u8>) -> DispatchResultWithPostInfo {
			T::SetCodeOrigin::ensure_origin(origin)?;
			Self::do_set_code(code)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Forward to `frame_system::set_code` as root and waive the fee.
		pub(crate) fn do_set_code(code: Vec<u8>) -> DispatchResultWithPostInfo {
			let post =
				frame_system::Pallet::<T>::set_code(frame_system::RawOrigin::Root.into(), code)
					.map_err(|e| e.error)?;
			Ok(PostDispatchInfo { actual_weight: post.actual_weight, pays_fee: Pays::No })
		}
	}
}
