//! Types, constants and cross-pallet traits shared by the TFChain runtime, its pallets and the
//! node.
//!
//! Pallets depend on this crate rather than on each other, so that, for example, the contracts
//! pallet never needs the registry pallet's crate (see `docs/architecture.md`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod constants;
pub mod grid;
pub mod ip;
pub mod resources;
pub mod traits;

use polkadot_sdk::sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature,
};

/// Block number type: `u32`, as on TFChain.
pub type BlockNumber = u32;

/// Balance of an account, in planck (1 TFT = 10^7 planck).
pub type Balance = u128;

/// Transaction nonce of an account.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = polkadot_sdk::sp_core::H256;

/// Signature type: any of sr25519, ed25519 or ecdsa (`MultiSignature`), as on TFChain.
pub type Signature = MultiSignature;

/// An account on the chain: the public key type behind [`Signature`].
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Moment in milliseconds since the Unix epoch, as kept by `pallet_timestamp`.
pub type Moment = u64;
