//! Signing a deployment and checking its signatures.
//!
//! Every signer signs the same message, derived from the deployment hash
//! ([`Deployment::hash`]) by `signature_requirement.signature_style`:
//!
//! - [`SignatureStyle::Raw`]: the 32 raw hash bytes;
//! - [`SignatureStyle::PolkadotJs`]: the ASCII text `<Bytes>0x{64 lowercase hex digits}</Bytes>`
//!   (76 bytes). With polkadot-js that is `signRaw({ type: "bytes", data: stringToHex("0x" + hex) })`
//!   or `u8aWrapBytes(stringToU8a("0x" + hex))` signed directly. Note: passing the hash itself as
//!   `data` wraps the 32 *raw* bytes instead and does not verify.
//!
//! A signature is 64 bytes in hex (an optional `0x` prefix is accepted):
//!
//! - `sr25519`: schnorrkel with the Substrate signing context `b"substrate"` (what
//!   `sp_core::sr25519::Pair::sign` and polkadot-js produce);
//! - `ed25519`: plain Ed25519, checked strictly (`verify_strict`).
//!
//! The public key of a twin is its 32-byte account id.

use std::collections::BTreeSet;

use crate::error::DeploymentError;
use crate::model::{
	Deployment, Signature, SignatureRequest, SignatureRequirement, SignatureStyle, SignatureType,
};

/// The schnorrkel signing context Substrate uses for sr25519.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// The message a signer signs for `hash` in `style`.
pub fn signing_message(hash: &[u8; 32], style: SignatureStyle) -> Vec<u8> {
	match style {
		SignatureStyle::Raw => hash.to_vec(),
		SignatureStyle::PolkadotJs => {
			format!("<Bytes>0x{}</Bytes>", hex::encode(hash)).into_bytes()
		},
	}
}

/// Checks one signature over `message` against a 32-byte public key.
pub fn verify_signature(
	twin_id: u32,
	signature_type: SignatureType,
	public_key: &[u8; 32],
	message: &[u8],
	signature: &[u8; 64],
) -> Result<(), DeploymentError> {
	let bad_key = || DeploymentError::InvalidPublicKey { twin_id, signature_type };
	let bad_sig = || DeploymentError::InvalidSignature { twin_id, signature_type };
	match signature_type {
		SignatureType::Sr25519 => {
			let key = schnorrkel::PublicKey::from_bytes(public_key).map_err(|_| bad_key())?;
			let sig = schnorrkel::Signature::from_bytes(signature).map_err(|_| bad_sig())?;
			key.verify_simple(SIGNING_CONTEXT, message, &sig).map_err(|_| bad_sig())
		},
		SignatureType::Ed25519 => {
			let key = ed25519_dalek::VerifyingKey::from_bytes(public_key).map_err(|_| bad_key())?;
			let sig = ed25519_dalek::Signature::from_bytes(signature);
			key.verify_strict(message, &sig).map_err(|_| bad_sig())
		},
	}
}

/// Decodes the hex of one signature into its 64 bytes.
fn decode_signature(sig: &Signature) -> Result<[u8; 64], DeploymentError> {
	let text = sig.signature.trim();
	let text = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
	let bytes =
		hex::decode(text).map_err(|_| DeploymentError::SignatureHex { twin_id: sig.twin_id })?;
	let len = bytes.len();
	<[u8; 64]>::try_from(bytes)
		.map_err(|_| DeploymentError::SignatureLength { twin_id: sig.twin_id, len })
}

impl SignatureRequirement {
	/// Rejects a twin listed twice in `requests`.
	pub fn check_requests(&self) -> Result<(), DeploymentError> {
		let mut seen = BTreeSet::new();
		for r in &self.requests {
			if !seen.insert(r.twin_id) {
				return Err(DeploymentError::DuplicateRequest { twin_id: r.twin_id });
			}
		}
		Ok(())
	}

	/// The request of `twin_id`.
	pub fn request(&self, twin_id: u32) -> Option<&SignatureRequest> {
		self.requests.iter().find(|r| r.twin_id == twin_id)
	}
}

impl Deployment {
	/// The message signers sign: [`signing_message`] of this deployment's hash and style.
	pub fn signing_message(&self) -> Vec<u8> {
		signing_message(&self.hash(), self.signature_requirement.signature_style)
	}

	/// Stores `signature` as `twin_id`'s signature, replacing an earlier one of that twin.
	/// For signers outside this crate (e.g. a `subxt_signer` keypair): sign
	/// [`Deployment::signing_message`] and add the result here.
	pub fn add_signature(
		&mut self,
		twin_id: u32,
		signature_type: SignatureType,
		signature: &[u8; 64],
	) {
		let signatures = &mut self.signature_requirement.signatures;
		signatures.retain(|s| s.twin_id != twin_id);
		signatures.push(Signature { twin_id, signature: hex::encode(signature), signature_type });
	}

	/// Signs as `twin_id` with an sr25519 keypair (client side). Set the signature style and
	/// every hashed field first: any later change invalidates the signature.
	pub fn sign_sr25519(&mut self, twin_id: u32, keypair: &schnorrkel::Keypair) {
		let message = self.signing_message();
		let signature = keypair.sign(schnorrkel::signing_context(SIGNING_CONTEXT).bytes(&message));
		self.add_signature(twin_id, SignatureType::Sr25519, &signature.to_bytes());
	}

	/// Signs as `twin_id` with an ed25519 key (client side); same rules as
	/// [`Deployment::sign_sr25519`].
	pub fn sign_ed25519(&mut self, twin_id: u32, key: &ed25519_dalek::SigningKey) {
		use ed25519_dalek::Signer;
		let message = self.signing_message();
		let signature = key.sign(&message);
		self.add_signature(twin_id, SignatureType::Ed25519, &signature.to_bytes());
	}

	/// The distinct twins that signed, in signature order: the twins whose keys
	/// [`Deployment::verify_signatures`] asks `key_of` for (fetch them first when the lookup
	/// is asynchronous).
	pub fn signing_twins(&self) -> Vec<u32> {
		let mut seen = BTreeSet::new();
		self.signature_requirement
			.signatures
			.iter()
			.map(|s| s.twin_id)
			.filter(|t| seen.insert(*t))
			.collect()
	}

	/// Checks the signatures against the twins' public keys (`key_of(twin_id)` returns the
	/// twin's 32-byte account id, `None` if the twin is unknown).
	///
	/// Rules, checked in this order:
	/// 1. no twin is listed twice in the requests, and the deploying twin (`twin_id`) is listed;
	/// 2. every signature comes from a listed twin, at most one per twin, as 64 bytes of hex;
	/// 3. every signature verifies (an invalid signature is an error even from an optional twin);
	/// 4. the deploying twin signed, whatever its request says;
	/// 5. every request with `required: true` is signed;
	/// 6. the sum of the weights of the signers reaches `weight_required`.
	///
	/// A listed optional twin that did not sign does not fail verification on its own. Zero-OS
	/// differs here: it fails as soon as any listed twin has no signature, so there every twin
	/// had to sign and `required`/`weight` had no effect; this implementation fixes that quirk.
	pub fn verify_signatures(
		&self,
		key_of: impl Fn(u32) -> Option<[u8; 32]>,
	) -> Result<(), DeploymentError> {
		let req = &self.signature_requirement;
		req.check_requests()?;
		if req.request(self.twin_id).is_none() {
			return Err(DeploymentError::OwnerNotRequested { twin_id: self.twin_id });
		}

		// structure first, so the error does not depend on which keys are known
		let mut signed = BTreeSet::new();
		let mut decoded = Vec::with_capacity(req.signatures.len());
		for sig in &req.signatures {
			let Some(request) = req.request(sig.twin_id) else {
				return Err(DeploymentError::UnexpectedSignature { twin_id: sig.twin_id });
			};
			if !signed.insert(sig.twin_id) {
				return Err(DeploymentError::DuplicateSignature { twin_id: sig.twin_id });
			}
			decoded.push((sig, request.weight, decode_signature(sig)?));
		}

		let message = self.signing_message();
		let mut weight: u64 = 0;
		for (sig, request_weight, bytes) in decoded {
			let key =
				key_of(sig.twin_id).ok_or(DeploymentError::UnknownTwin { twin_id: sig.twin_id })?;
			verify_signature(sig.twin_id, sig.signature_type, &key, &message, &bytes)?;
			weight = weight.saturating_add(u64::from(request_weight));
		}

		if !signed.contains(&self.twin_id) {
			return Err(DeploymentError::OwnerNotSigned { twin_id: self.twin_id });
		}
		if let Some(r) = req.requests.iter().find(|r| r.required && !signed.contains(&r.twin_id)) {
			return Err(DeploymentError::MissingRequiredSignature { twin_id: r.twin_id });
		}
		if weight < u64::from(req.weight_required) {
			return Err(DeploymentError::InsufficientWeight {
				got: weight,
				required: req.weight_required,
			});
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use std::collections::HashMap;

	use ed25519_dalek::Signer as _;
	use schnorrkel::{ExpansionMode, MiniSecretKey};

	use super::*;
	use crate::tests::sample;

	fn sr_key(seed: u8) -> schnorrkel::Keypair {
		MiniSecretKey::from_bytes(&[seed; 32])
			.expect("32 bytes")
			.expand_to_keypair(ExpansionMode::Ed25519)
	}

	fn ed_key(seed: u8) -> ed25519_dalek::SigningKey {
		ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
	}

	/// Twins 1 (owner), 2 and 3 with sr25519 keys, 4 with an ed25519 key.
	fn keys() -> HashMap<u32, [u8; 32]> {
		let mut m = HashMap::new();
		m.insert(1, sr_key(1).public.to_bytes());
		m.insert(2, sr_key(2).public.to_bytes());
		m.insert(3, sr_key(3).public.to_bytes());
		m.insert(4, ed_key(4).verifying_key().to_bytes());
		m
	}

	fn verify(d: &Deployment) -> Result<(), DeploymentError> {
		let keys = keys();
		d.verify_signatures(|t| keys.get(&t).copied())
	}

	/// The sample (owner twin 1) with requests 1 (required, 1), 2 (optional, 1),
	/// 3 (optional, 1), 4 (optional, 1) and weight_required 2.
	fn multi() -> Deployment {
		let mut d = sample();
		d.signature_requirement.requests = (1..=4)
			.map(|twin_id| SignatureRequest { twin_id, required: twin_id == 1, weight: 1 })
			.collect();
		d.signature_requirement.weight_required = 2;
		d
	}

	#[test]
	fn polkadot_js_message_format() {
		let d = sample();
		let mut p = d.clone();
		p.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		let text = String::from_utf8(p.signing_message()).expect("ascii");
		assert_eq!(text, format!("<Bytes>0x{}</Bytes>", p.hash_hex()));
		assert_eq!(text.len(), 7 + 2 + 64 + 8);
		let hex_part = text.strip_prefix("<Bytes>0x").and_then(|t| t.strip_suffix("</Bytes>"));
		assert!(hex_part.is_some_and(|h| h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))));
		assert_eq!(d.signing_message(), d.hash().to_vec());
	}

	#[test]
	fn sr25519_raw_sign_and_verify() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		assert_eq!(d.signature_requirement.signatures.len(), 1);
		assert_eq!(verify(&d), Ok(()));
		// the signature is over the 32 raw hash bytes with context "substrate"
		let sig_hex = &d.signature_requirement.signatures[0].signature;
		let sig = schnorrkel::Signature::from_bytes(&hex::decode(sig_hex).expect("hex"))
			.expect("signature");
		assert!(sr_key(1).public.verify_simple(b"substrate", &d.hash(), &sig).is_ok());
	}

	#[test]
	fn sr25519_polkadot_js_sign_and_verify() {
		let mut d = sample();
		d.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		d.sign_sr25519(1, &sr_key(1));
		assert_eq!(verify(&d), Ok(()));
		// sign the wrapped text independently of the crate: it verifies too
		let text = format!("<Bytes>0x{}</Bytes>", hex::encode(d.hash()));
		let sig = sr_key(1).sign(schnorrkel::signing_context(b"substrate").bytes(text.as_bytes()));
		let mut d2 = d.clone();
		d2.signature_requirement.signatures[0].signature =
			format!("0x{}", hex::encode(sig.to_bytes()));
		assert_eq!(verify(&d2), Ok(()));
		// a raw-style signature does not verify under the polkadot-js style
		let raw = sr_key(1).sign(schnorrkel::signing_context(b"substrate").bytes(&d.hash()));
		d2.add_signature(1, SignatureType::Sr25519, &raw.to_bytes());
		assert_eq!(
			verify(&d2),
			Err(DeploymentError::InvalidSignature {
				twin_id: 1,
				signature_type: SignatureType::Sr25519
			})
		);
	}

	#[test]
	fn ed25519_verification() {
		let mut d = sample();
		d.twin_id = 4;
		d.signature_requirement = SignatureRequirement::single(4);
		// sign with ed25519-dalek directly, outside the crate's helpers
		let sig = ed_key(4).sign(&d.hash());
		d.signature_requirement.signatures.push(Signature {
			twin_id: 4,
			signature: hex::encode(sig.to_bytes()),
			signature_type: SignatureType::Ed25519,
		});
		assert_eq!(verify(&d), Ok(()));
		// polkadot-js style with ed25519 through the helper
		d.signature_requirement.signature_style = SignatureStyle::PolkadotJs;
		assert!(matches!(verify(&d), Err(DeploymentError::InvalidSignature { twin_id: 4, .. })));
		d.sign_ed25519(4, &ed_key(4));
		assert_eq!(d.signature_requirement.signatures.len(), 1, "re-signing replaces");
		assert_eq!(verify(&d), Ok(()));
		// claiming the wrong scheme fails
		d.signature_requirement.signatures[0].signature_type = SignatureType::Sr25519;
		assert!(matches!(
			verify(&d),
			Err(DeploymentError::InvalidSignature { twin_id: 4, .. })
				| Err(DeploymentError::InvalidPublicKey { twin_id: 4, .. })
		));
	}

	#[test]
	fn tampering_after_signing_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		d.workloads[0].description = "changed".into();
		assert_eq!(
			verify(&d),
			Err(DeploymentError::InvalidSignature {
				twin_id: 1,
				signature_type: SignatureType::Sr25519
			})
		);
		// but fields outside the hash may change
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		d.contract_id = 77;
		assert_eq!(verify(&d), Ok(()));
	}

	#[test]
	fn wrong_key_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(2));
		assert!(matches!(verify(&d), Err(DeploymentError::InvalidSignature { twin_id: 1, .. })));
	}

	#[test]
	fn owner_must_be_requested() {
		let mut d = sample();
		d.signature_requirement.requests[0].twin_id = 2;
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Err(DeploymentError::OwnerNotRequested { twin_id: 1 }));
	}

	#[test]
	fn owner_must_sign_even_if_optional() {
		let mut d = multi();
		d.signature_requirement.requests[0].required = false;
		d.sign_sr25519(2, &sr_key(2));
		d.sign_sr25519(3, &sr_key(3));
		assert_eq!(verify(&d), Err(DeploymentError::OwnerNotSigned { twin_id: 1 }));
		d.sign_sr25519(1, &sr_key(1));
		assert_eq!(verify(&d), Ok(()));
	}

	#[test]
	fn optional_twin_may_skip() {
		let mut d = multi();
		d.sign_sr25519(1, &sr_key(1));
		d.sign_ed25519(4, &ed_key(4));
		// twins 2 and 3 are optional and did not sign; weight 2 reached
		assert_eq!(verify(&d), Ok(()));
	}

	#[test]
	fn required_twin_must_sign() {
		let mut d = multi();
		d.signature_requirement.requests[2].required = true; // twin 3
		d.sign_sr25519(1, &sr_key(1));
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Err(DeploymentError::MissingRequiredSignature { twin_id: 3 }));
		d.sign_sr25519(3, &sr_key(3));
		assert_eq!(verify(&d), Ok(()));
	}

	#[test]
	fn weight_must_be_reached() {
		let mut d = multi();
		d.sign_sr25519(1, &sr_key(1));
		assert_eq!(verify(&d), Err(DeploymentError::InsufficientWeight { got: 1, required: 2 }));
		d.signature_requirement.requests[1].weight = 5;
		d.signature_requirement.weight_required = 6;
		d.sign_sr25519(1, &sr_key(1)); // the hash changed: sign again
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Ok(()));
		d.signature_requirement.weight_required = 7;
		d.sign_sr25519(1, &sr_key(1));
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Err(DeploymentError::InsufficientWeight { got: 6, required: 7 }));
	}

	#[test]
	fn signature_from_unlisted_twin_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Err(DeploymentError::UnexpectedSignature { twin_id: 2 }));
	}

	#[test]
	fn duplicate_signature_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		let again = d.signature_requirement.signatures[0].clone();
		d.signature_requirement.signatures.push(again);
		assert_eq!(verify(&d), Err(DeploymentError::DuplicateSignature { twin_id: 1 }));
	}

	#[test]
	fn duplicate_request_fails() {
		let mut d = multi();
		d.signature_requirement.requests[2].twin_id = 2;
		d.sign_sr25519(1, &sr_key(1));
		d.sign_sr25519(2, &sr_key(2));
		assert_eq!(verify(&d), Err(DeploymentError::DuplicateRequest { twin_id: 2 }));
	}

	#[test]
	fn bad_hex_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		d.signature_requirement.signatures[0].signature.replace_range(0..2, "zz");
		assert_eq!(verify(&d), Err(DeploymentError::SignatureHex { twin_id: 1 }));
		// odd number of digits
		d.signature_requirement.signatures[0].signature = "abc".into();
		assert_eq!(verify(&d), Err(DeploymentError::SignatureHex { twin_id: 1 }));
	}

	#[test]
	fn wrong_length_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		d.signature_requirement.signatures[0].signature.truncate(126);
		assert_eq!(verify(&d), Err(DeploymentError::SignatureLength { twin_id: 1, len: 63 }));
		d.signature_requirement.signatures[0].signature = "00".repeat(65);
		assert_eq!(verify(&d), Err(DeploymentError::SignatureLength { twin_id: 1, len: 65 }));
	}

	#[test]
	fn unknown_twin_key_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		assert_eq!(d.verify_signatures(|_| None), Err(DeploymentError::UnknownTwin { twin_id: 1 }));
	}

	#[test]
	fn invalid_public_key_fails() {
		let mut d = sample();
		d.sign_sr25519(1, &sr_key(1));
		// 0xff.. is not a canonical ristretto point
		assert_eq!(
			d.verify_signatures(|_| Some([0xff; 32])),
			Err(DeploymentError::InvalidPublicKey {
				twin_id: 1,
				signature_type: SignatureType::Sr25519
			})
		);
		// an ed25519 key whose y coordinate is not on the curve
		let not_a_point = (0u8..=255)
			.map(|b| {
				let mut k = [0u8; 32];
				k[0] = b;
				k[1] = 1;
				k
			})
			.find(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_err())
			.expect("some y is off the curve");
		d.sign_ed25519(1, &ed_key(1));
		assert_eq!(
			d.verify_signatures(|_| Some(not_a_point)),
			Err(DeploymentError::InvalidPublicKey {
				twin_id: 1,
				signature_type: SignatureType::Ed25519
			})
		);
	}

	#[test]
	fn key_of_is_asked_for_signing_twins_only() {
		let mut d = multi();
		d.sign_sr25519(1, &sr_key(1));
		d.sign_ed25519(4, &ed_key(4));
		assert_eq!(d.signing_twins(), vec![1, 4]);
		let asked = std::cell::RefCell::new(Vec::new());
		let keys = keys();
		let result = d.verify_signatures(|t| {
			asked.borrow_mut().push(t);
			keys.get(&t).copied()
		});
		assert_eq!(result, Ok(()));
		assert_eq!(asked.into_inner(), vec![1, 4]);
	}

	#[test]
	fn no_signatures_fails() {
		let d = sample();
		assert_eq!(verify(&d), Err(DeploymentError::OwnerNotSigned { twin_id: 1 }));
	}
}
