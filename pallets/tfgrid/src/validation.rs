//! Input rules of the registry. Each rule returns a named [`Error`] of the pallet; none panics.

use crate::{Config, Error};
use codec::Encode;
use frame::deps::{
	sp_core::{ed25519, sr25519},
	sp_io,
};
use tfchain_primitives::{
	grid::{Interfaces, Location},
	ip::{is_valid_interface_ip, is_valid_mac, PublicIpError},
	resources::{Resources, ResourcesError},
};

/// Checks a farm name: 3 to 40 bytes of `[a-zA-Z0-9_-]`.
pub fn validate_farm_name<T: Config>(name: &[u8]) -> Result<(), Error<T>> {
	if name.len() < 3 {
		return Err(Error::<T>::FarmNameTooShort);
	}
	if name.len() > tfchain_primitives::grid::MAX_FARM_NAME_LENGTH as usize {
		return Err(Error::<T>::FarmNameTooLong);
	}
	if !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
		return Err(Error::<T>::InvalidFarmName);
	}
	Ok(())
}

/// Checks an RMB relay host name: non-empty `[a-zA-Z0-9_-.]`, no leading, trailing or
/// repeated dot.
pub fn validate_relay<T: Config>(relay: &[u8]) -> Result<(), Error<T>> {
	let valid_chars =
		relay.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
	let valid_dots = relay.split(|c| *c == b'.').all(|label| !label.is_empty());
	if relay.is_empty() || !valid_chars || !valid_dots {
		return Err(Error::<T>::InvalidRelayAddress);
	}
	Ok(())
}

/// Checks the minimum capacity of a node.
pub fn validate_resources<T: Config>(resources: &Resources) -> Result<(), Error<T>> {
	resources.validate_node_minimum().map_err(|e| match e {
		ResourcesError::Sru => Error::<T>::InvalidSRUInput,
		ResourcesError::Cru => Error::<T>::InvalidCRUInput,
		ResourcesError::Mru => Error::<T>::InvalidMRUInput,
	})
}

fn parse_coordinate(text: &[u8], limit: f32) -> bool {
	if text == b"Unknown" {
		return true;
	}
	core::str::from_utf8(text)
		.ok()
		.and_then(|s| s.parse::<f32>().ok())
		.is_some_and(|v| v.is_finite() && (-limit..=limit).contains(&v))
}

/// Checks a location: city 1 to 58 bytes, country 2 to 56 bytes, latitude in [-90, 90] and
/// longitude in [-180, 180] (or the literal `Unknown`). Upper bounds hold by type.
pub fn validate_location<T: Config>(location: &Location) -> Result<(), Error<T>> {
	if location.city.is_empty() {
		return Err(Error::<T>::CityNameTooShort);
	}
	if location.country.len() < 2 {
		return Err(Error::<T>::CountryNameTooShort);
	}
	if location.latitude.is_empty() {
		return Err(Error::<T>::LatitudeInputTooShort);
	}
	if !parse_coordinate(&location.latitude, 90.0) {
		return Err(Error::<T>::InvalidLatitudeInput);
	}
	if location.longitude.is_empty() {
		return Err(Error::<T>::LongitudeInputTooShort);
	}
	if !parse_coordinate(&location.longitude, 180.0) {
		return Err(Error::<T>::InvalidLongitudeInput);
	}
	Ok(())
}

/// Checks a country and a city name (entities): country 2 to 56 bytes, city 1 to 58 bytes.
pub fn validate_country_city<T: Config>(country: &[u8], city: &[u8]) -> Result<(), Error<T>> {
	if country.len() < 2 {
		return Err(Error::<T>::CountryNameTooShort);
	}
	if city.is_empty() {
		return Err(Error::<T>::CityNameTooShort);
	}
	Ok(())
}

/// Checks node interfaces: names 3 to 20 bytes of `[a-z0-9_-]`, MACs of 17 bytes, IPs of 7 to
/// 42 bytes holding a plain IPv4 or IPv6 address.
pub fn validate_interfaces<T: Config>(interfaces: &Interfaces) -> Result<(), Error<T>> {
	for interface in interfaces.iter() {
		if interface.name.len() < 3 {
			return Err(Error::<T>::InterfaceNameTooShort);
		}
		if !interface
			.name
			.iter()
			.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-'))
		{
			return Err(Error::<T>::InvalidInterfaceName);
		}
		if interface.mac.len() < 17 {
			return Err(Error::<T>::InterfaceMacTooShort);
		}
		if !is_valid_mac(&interface.mac) {
			return Err(Error::<T>::InvalidMacAddress);
		}
		for ip in interface.ips.iter() {
			if ip.len() < 7 {
				return Err(Error::<T>::InterfaceIpTooShort);
			}
			if !is_valid_interface_ip(ip) {
				return Err(Error::<T>::InvalidInterfaceIP);
			}
		}
	}
	Ok(())
}

/// Checks a terms-and-conditions link (1 to 2048 URL characters) and hash (1 to 50 bytes of
/// `[a-zA-Z0-9_-]`).
pub fn validate_terms_and_conditions<T: Config>(link: &[u8], hash: &[u8]) -> Result<(), Error<T>> {
	if link.is_empty() {
		return Err(Error::<T>::DocumentLinkInputTooShort);
	}
	let url_char = |c: &u8| {
		c.is_ascii_alphanumeric()
			|| matches!(
				c,
				b'-' | b'.'
					| b'_' | b'~' | b':'
					| b'/' | b'?' | b'#'
					| b'[' | b']' | b'@'
					| b'!' | b'$' | b'&'
					| b'\'' | b'(' | b')'
					| b'*' | b'+' | b','
					| b';' | b'=' | b'%'
			)
	};
	if !link.iter().all(url_char) {
		return Err(Error::<T>::InvalidDocumentLinkInput);
	}
	if hash.is_empty() {
		return Err(Error::<T>::DocumentHashInputTooShort);
	}
	if !hash.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')) {
		return Err(Error::<T>::InvalidDocumentHashInput);
	}
	Ok(())
}

/// Checks a Stellar account address: 56 bytes, `G` then base32 (`[A-Z2-7]`).
pub fn validate_stellar_address<T: Config>(address: &[u8]) -> Result<(), Error<T>> {
	let valid = address.len() == crate::types::STELLAR_ADDRESS_LENGTH as usize
		&& address[0] == b'G'
		&& address.iter().all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(c));
	if !valid {
		return Err(Error::<T>::InvalidStellarAddress);
	}
	Ok(())
}

/// Maps an address validation failure to the pallet error for farm IPs (always
/// `InvalidPublicIP`, as on TFChain).
pub fn farm_ip_error<T: Config>(_: PublicIpError) -> Error<T> {
	Error::<T>::InvalidPublicIP
}

/// Maps a public-config validation failure to its named pallet error.
pub fn public_config_error<T: Config>(e: PublicIpError) -> Error<T> {
	match e {
		PublicIpError::InvalidIp4 => Error::<T>::InvalidIP4,
		PublicIpError::InvalidGw4 => Error::<T>::InvalidGW4,
		PublicIpError::InvalidIp6 => Error::<T>::InvalidIP6,
		PublicIpError::InvalidGw6 => Error::<T>::InvalidGW6,
		PublicIpError::InvalidDomain => Error::<T>::InvalidDomain,
		PublicIpError::InvalidPublicIp => Error::<T>::InvalidPublicConfig,
	}
}

fn hex_value(c: u8) -> Option<u8> {
	match c {
		b'0'..=b'9' => Some(c - b'0'),
		b'a'..=b'f' => Some(c - b'a' + 10),
		b'A'..=b'F' => Some(c - b'A' + 10),
		_ => None,
	}
}

/// Decodes a hex-encoded 64-byte signature: `SignatureLengthIsIncorrect` unless it is 128
/// characters, `EntitySignatureDoesNotMatch` if it is not hex.
pub fn decode_signature_hex<T: Config>(hex: &[u8]) -> Result<[u8; 64], Error<T>> {
	if hex.len() != 128 {
		return Err(Error::<T>::SignatureLengthIsIncorrect);
	}
	let mut out = [0u8; 64];
	for (i, pair) in hex.chunks_exact(2).enumerate() {
		let high = hex_value(pair[0]).ok_or(Error::<T>::EntitySignatureDoesNotMatch)?;
		let low = hex_value(pair[1]).ok_or(Error::<T>::EntitySignatureDoesNotMatch)?;
		out[i] = (high << 4) | low;
	}
	Ok(out)
}

/// Whether `signature` over `message` verifies as sr25519 or ed25519 with `signer`'s 32 bytes
/// as the public key.
pub fn verify_signature<AccountId: Encode>(
	signer: &AccountId,
	message: &[u8],
	signature: &[u8; 64],
) -> bool {
	let Ok(public) = <[u8; 32]>::try_from(signer.encode().as_slice()) else {
		return false;
	};
	sp_io::crypto::sr25519_verify(
		&sr25519::Signature::from_raw(*signature),
		message,
		&sr25519::Public::from_raw(public),
	) || sp_io::crypto::ed25519_verify(
		&ed25519::Signature::from_raw(*signature),
		message,
		&ed25519::Public::from_raw(public),
	)
}
