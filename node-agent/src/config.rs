//! The agent's TOML configuration: every section, its defaults and its validation.
//!
//! Only `[chain] url` and `[node] farm_id` are required; every other field has a default.
//! Unknown fields are rejected so a typo does not silently fall back to a default.

use serde::Deserialize;
use std::{
	collections::BTreeMap,
	net::{Ipv4Addr, SocketAddr},
	path::{Path, PathBuf},
};

/// Name of the built-in image (the VMM's probe guest); a configured image may not use it.
pub const PROBE_IMAGE: &str = "probe";

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// `[chain]`: where the chain is.
	pub chain: ChainConfig,
	/// `[identity]`: the node key.
	#[serde(default)]
	pub identity: IdentityConfig,
	/// `[node]`: farm, location, interfaces, capacity overrides, terms.
	pub node: NodeConfig,
	/// `[storage]`: state directory and capacity paths.
	#[serde(default)]
	pub storage: StorageConfig,
	/// `[network]`: host networking of private networks and public IPs.
	#[serde(default)]
	pub network: NetworkConfig,
	/// `[api]`: the deployments HTTP API.
	#[serde(default)]
	pub api: ApiConfig,
	/// `[metrics]`: the Prometheus endpoint.
	#[serde(default)]
	pub metrics: MetricsConfig,
	/// `[intervals]`: periodic tasks.
	#[serde(default)]
	pub intervals: Intervals,
	/// `[follower]`: following finalized blocks.
	#[serde(default)]
	pub follower: FollowerConfig,
	/// `[power]`: power management.
	#[serde(default)]
	pub power: PowerConfig,
	/// `[images.<name>]`: VM images users may name in a `zmachine` workload.
	#[serde(default)]
	pub images: BTreeMap<String, ImageConfig>,
}

/// `[chain]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
	/// Websocket RPC endpoint of a chain node (`ws://` or `wss://`).
	pub url: String,
}

/// `[identity]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
	/// File holding the node's sr25519 seed (64 hex characters, mode 0600). Created on first
	/// run. Default: `<state_dir>/key`.
	pub key_file: Option<PathBuf>,
}

/// `[node]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
	/// The farm this node belongs to (must exist on chain).
	pub farm_id: u32,
	/// City sent with the registration (1 to 58 bytes). Default `Unknown`.
	#[serde(default = "unknown")]
	pub city: String,
	/// Country (2 to 56 bytes). Default `Unknown`.
	#[serde(default = "unknown")]
	pub country: String,
	/// Latitude: a number in [-90, 90] or `Unknown` (the default).
	#[serde(default = "unknown")]
	pub latitude: String,
	/// Longitude: a number in [-180, 180] or `Unknown` (the default).
	#[serde(default = "unknown")]
	pub longitude: String,
	/// Interfaces to register. When absent, the host's interfaces are read from
	/// `/sys/class/net` (physical interfaces only).
	pub interfaces: Option<Vec<InterfaceConfig>>,
	/// `[node.capacity]`: values replacing measured capacity (a farmer reserving resources,
	/// or a test host with a small disk).
	#[serde(default)]
	pub capacity: CapacityOverride,
	/// Terms and conditions document link accepted before the twin is created.
	#[serde(default = "default_terms_link")]
	pub terms_link: String,
	/// Hash of that document (`[a-zA-Z0-9_-]`, at most 50 bytes).
	#[serde(default = "default_terms_hash")]
	pub terms_hash: String,
	/// Relay host written into the node's twin when it is created (optional).
	pub relay: Option<String>,
}

/// One `[[node.interfaces]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InterfaceConfig {
	/// Name (3 to 20 bytes of `[a-z0-9_-]`).
	pub name: String,
	/// MAC address `aa:bb:cc:dd:ee:ff`.
	pub mac: String,
	/// Plain IPv4 or IPv6 addresses (no prefix length), at most 10.
	#[serde(default)]
	pub ips: Vec<String>,
}

/// `[node.capacity]`: each field, when set, replaces the measured value.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CapacityOverride {
	/// Logical CPUs.
	pub cru: Option<u64>,
	/// Memory in bytes.
	pub mru: Option<u64>,
	/// SSD bytes.
	pub sru: Option<u64>,
	/// HDD bytes.
	pub hru: Option<u64>,
}

/// `[storage]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
	/// Directory of the agent's state: key, deployments, job queue, cursor, pending reports,
	/// volumes, consoles. Default `/var/lib/node-agent`.
	#[serde(default = "default_state_dir")]
	pub state_dir: PathBuf,
	/// Directories on SSDs; their filesystems' total size is the node's SRU. Default: the
	/// state directory.
	pub ssd_paths: Option<Vec<PathBuf>>,
	/// Directories on HDDs; their filesystems' total size is the node's HRU. Default: none.
	#[serde(default)]
	pub hdd_paths: Vec<PathBuf>,
	/// Runtime directory that does not survive a reboot (tmpfs); the engine keeps its boot
	/// marker there to tell an agent restart from a host reboot. Default `/run/node-agent`.
	#[serde(default = "default_run_dir")]
	pub run_dir: PathBuf,
}

impl Default for StorageConfig {
	fn default() -> Self {
		Self {
			state_dir: default_state_dir(),
			ssd_paths: None,
			hdd_paths: Vec::new(),
			run_dir: default_run_dir(),
		}
	}
}

impl StorageConfig {
	/// The SSD paths, defaulting to the state directory.
	pub fn ssd_paths(&self) -> Vec<PathBuf> {
		self.ssd_paths.clone().unwrap_or_else(|| vec![self.state_dir.clone()])
	}
}

/// `[network]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
	/// Prefix of every interface and namespace the agent creates (1 to 5 bytes of `[a-z0-9]`;
	/// alias `prefix`). Default `na`.
	#[serde(default = "default_bridge_prefix", alias = "prefix")]
	pub bridge_prefix: String,
	/// Host bridge public IPs are attached to (a bridge holding the farm's public uplink;
	/// alias `public_bridge`). Without it, `ip` workloads fail.
	#[serde(alias = "public_bridge")]
	pub public_interface: Option<String>,
	/// Whether private networks get NAT to the host uplink.
	#[serde(default = "yes")]
	pub nat: bool,
	/// Range the per-network /30 uplink links are taken from.
	#[serde(default = "default_link_range")]
	pub link_range: String,
}

impl Default for NetworkConfig {
	fn default() -> Self {
		Self {
			bridge_prefix: default_bridge_prefix(),
			public_interface: None,
			nat: true,
			link_range: default_link_range(),
		}
	}
}

/// `[api]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
	/// Address the deployments API listens on. Default `127.0.0.1:2021`.
	#[serde(default = "default_api_listen")]
	pub listen: SocketAddr,
	/// URL users reach the API at (`http://` or `https://`). When set, the agent publishes it
	/// on chain (`TFKVStore` key `node-agent:api` of the node account) so clients find it.
	pub public_url: Option<String>,
}

impl Default for ApiConfig {
	fn default() -> Self {
		Self { listen: default_api_listen(), public_url: None }
	}
}

/// `[metrics]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
	/// Address of the Prometheus endpoint (`GET /metrics`). Default `127.0.0.1:9101`.
	#[serde(default = "default_metrics_listen")]
	pub listen: SocketAddr,
}

impl Default for MetricsConfig {
	fn default() -> Self {
		Self { listen: default_metrics_listen() }
	}
}

/// `[intervals]`: seconds, all non-zero.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Intervals {
	/// Uptime report period (default 2400 = 40 minutes).
	#[serde(default = "d2400")]
	pub uptime_secs: u64,
	/// Full reconciliation with the chain (default 3600).
	#[serde(default = "d3600")]
	pub reconcile_secs: u64,
	/// Network usage (NRU) report period (default 3600).
	#[serde(default = "d3600")]
	pub nru_secs: u64,
	/// Traffic counter sampling period (default 300).
	#[serde(default = "d300")]
	pub nru_sample_secs: u64,
	/// Registration re-check period (default 86400).
	#[serde(default = "d86400")]
	pub registration_secs: u64,
}

impl Default for Intervals {
	fn default() -> Self {
		Self {
			uptime_secs: 2400,
			reconcile_secs: 3600,
			nru_secs: 3600,
			nru_sample_secs: 300,
			registration_secs: 86400,
		}
	}
}

/// `[follower]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FollowerConfig {
	/// At most this many missed blocks are replayed after a restart; further behind, the
	/// follower jumps to the head and relies on reconciliation (default 1200).
	#[serde(default = "d1200")]
	pub max_replay_blocks: u64,
	/// How long one wait for a new finalized block lasts before it is retried (default 60).
	#[serde(default = "d60")]
	pub wait_timeout_secs: u64,
	/// Longest wait between reconnect attempts (default 30).
	#[serde(default = "d30")]
	pub reconnect_max_secs: u64,
}

impl Default for FollowerConfig {
	fn default() -> Self {
		Self { max_replay_blocks: 1200, wait_timeout_secs: 60, reconnect_max_secs: 30 }
	}
}

/// `[power]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PowerConfig {
	/// Command run (program then arguments) after the node reported itself Down, e.g.
	/// `["systemctl", "poweroff"]`. Without it the agent only reports Down and idles.
	pub shutdown_command: Option<Vec<String>>,
}

/// `[images.<name>]`: a Linux guest image.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
	/// Kernel (bzImage or ELF vmlinux).
	pub kernel: PathBuf,
	/// Optional initramfs.
	pub initrd: Option<PathBuf>,
	/// Kernel command line.
	#[serde(default)]
	pub cmdline: String,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file could not be read.
	#[error("cannot read config file {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// The I/O error.
		source: std::io::Error,
	},
	/// Not valid TOML, a missing required field, a wrong type or an unknown field.
	#[error("invalid config: {0}")]
	Parse(String),
	/// `[chain] url` is not a `ws://` or `wss://` URL.
	#[error("invalid [chain] url {0:?}: expected ws://host:port or wss://host:port")]
	InvalidChainUrl(String),
	/// `[node] farm_id` is 0.
	#[error("invalid [node] farm_id: farm ids start at 1")]
	InvalidFarmId,
	/// An interval is 0.
	#[error("invalid [intervals] {0}: must be at least 1 second")]
	ZeroInterval(&'static str),
	/// A `[follower]` value is 0.
	#[error("invalid [follower] {0}: must be at least 1")]
	InvalidFollower(&'static str),
	/// A location field the chain would refuse.
	#[error("invalid [node] {field}: {reason}")]
	InvalidLocation {
		/// The field.
		field: &'static str,
		/// Why.
		reason: String,
	},
	/// An interface the chain would refuse.
	#[error("invalid [[node.interfaces]] {name:?}: {reason}")]
	InvalidInterface {
		/// Its name.
		name: String,
		/// Why.
		reason: String,
	},
	/// The terms link or hash the chain would refuse.
	#[error("invalid [node] {field}: {reason}")]
	InvalidTerms {
		/// The field.
		field: &'static str,
		/// Why.
		reason: String,
	},
	/// The relay host the chain would refuse.
	#[error("invalid [node] relay {0:?}")]
	InvalidRelay(String),
	/// `[storage] ssd_paths` is empty: the node would have no SSD capacity.
	#[error("invalid [storage] ssd_paths: at least one SSD path is needed")]
	NoSsdPath,
	/// A storage path is relative.
	#[error("invalid [storage] path {0:?}: must be absolute")]
	RelativePath(PathBuf),
	/// The interface name prefix is not 1 to 4 bytes of `[a-z0-9]`.
	#[error("invalid [network] bridge_prefix {0:?}: 1 to 5 characters of [a-z0-9]")]
	InvalidBridgePrefix(String),
	/// The link range is not an IPv4 CIDR with prefix length 8 to 28.
	#[error("invalid [network] link_range {0:?}: expected an IPv4 CIDR like 100.127.0.0/16")]
	InvalidLinkRange(String),
	/// The public interface name is not a valid Linux interface name.
	#[error("invalid [network] public_interface {0:?}")]
	InvalidPublicInterface(String),
	/// `[api] public_url` is not an `http://` or `https://` URL.
	#[error("invalid [api] public_url {0:?}: expected http://host:port or https://host")]
	InvalidPublicUrl(String),
	/// The API and the metrics endpoint would listen on the same address.
	#[error("[api] listen and [metrics] listen are the same address {0}")]
	SameListenAddress(SocketAddr),
	/// `[power] shutdown_command` is empty or has an empty program.
	#[error("invalid [power] shutdown_command: give the program and its arguments")]
	InvalidShutdownCommand,
	/// An image entry is unusable.
	#[error("invalid [images.{name}]: {reason}")]
	InvalidImage {
		/// Image name.
		name: String,
		/// Why.
		reason: String,
	},
}

impl Config {
	/// Reads and validates a configuration file.
	pub fn load(path: &Path) -> Result<Self, ConfigError> {
		let text = std::fs::read_to_string(path)
			.map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
		Self::parse(&text)
	}

	/// Parses and validates configuration text.
	pub fn parse(text: &str) -> Result<Self, ConfigError> {
		let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
		config.validate()?;
		Ok(config)
	}

	/// The key file path (default `<state_dir>/key`).
	pub fn key_file(&self) -> PathBuf {
		self.identity.key_file.clone().unwrap_or_else(|| self.storage.state_dir.join("key"))
	}

	/// Checks every rule the parser cannot express.
	pub fn validate(&self) -> Result<(), ConfigError> {
		let url = self.chain.url.as_str();
		let rest = url.strip_prefix("ws://").or_else(|| url.strip_prefix("wss://"));
		if rest.is_none_or(|host| host.is_empty() || host.starts_with('/')) {
			return Err(ConfigError::InvalidChainUrl(url.to_string()));
		}
		if self.node.farm_id == 0 {
			return Err(ConfigError::InvalidFarmId);
		}
		let intervals = [
			("uptime_secs", self.intervals.uptime_secs),
			("reconcile_secs", self.intervals.reconcile_secs),
			("nru_secs", self.intervals.nru_secs),
			("nru_sample_secs", self.intervals.nru_sample_secs),
			("registration_secs", self.intervals.registration_secs),
		];
		if let Some((name, _)) = intervals.iter().find(|(_, v)| *v == 0) {
			return Err(ConfigError::ZeroInterval(name));
		}
		let follower = [
			("max_replay_blocks", self.follower.max_replay_blocks),
			("wait_timeout_secs", self.follower.wait_timeout_secs),
			("reconnect_max_secs", self.follower.reconnect_max_secs),
		];
		if let Some((name, _)) = follower.iter().find(|(_, v)| *v == 0) {
			return Err(ConfigError::InvalidFollower(name));
		}
		validate_location(&self.node)?;
		if let Some(interfaces) = &self.node.interfaces {
			if interfaces.len() > 10 {
				return Err(ConfigError::InvalidInterface {
					name: String::new(),
					reason: "at most 10 interfaces".into(),
				});
			}
			for i in interfaces {
				validate_interface(i).map_err(|reason| ConfigError::InvalidInterface {
					name: i.name.clone(),
					reason,
				})?;
			}
		}
		validate_terms(&self.node.terms_link, &self.node.terms_hash)?;
		if let Some(relay) = &self.node.relay {
			let chars_ok = relay.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.".contains(&c));
			if relay.is_empty() || !chars_ok || relay.split('.').any(str::is_empty) {
				return Err(ConfigError::InvalidRelay(relay.clone()));
			}
		}
		let ssd = self.storage.ssd_paths();
		if ssd.is_empty() {
			return Err(ConfigError::NoSsdPath);
		}
		let mut paths = vec![&self.storage.state_dir, &self.storage.run_dir];
		paths.extend(ssd.iter());
		paths.extend(self.storage.hdd_paths.iter());
		if let Some(p) = paths.into_iter().find(|p| !p.is_absolute()) {
			return Err(ConfigError::RelativePath(p.clone()));
		}
		let prefix = &self.network.bridge_prefix;
		if prefix.is_empty()
			|| prefix.len() > 5
			|| !prefix.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
		{
			return Err(ConfigError::InvalidBridgePrefix(prefix.clone()));
		}
		if parse_ipv4_cidr(&self.network.link_range).is_none_or(|(_, p)| !(8..=28).contains(&p)) {
			return Err(ConfigError::InvalidLinkRange(self.network.link_range.clone()));
		}
		if let Some(name) = &self.network.public_interface {
			let ok = !name.is_empty()
				&& name.len() <= 15
				&& !name.bytes().any(|c| c == b'/' || c.is_ascii_whitespace() || c == 0);
			if !ok {
				return Err(ConfigError::InvalidPublicInterface(name.clone()));
			}
		}
		if let Some(url) = &self.api.public_url {
			let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
			if rest.is_none_or(|host| host.is_empty() || host.starts_with('/')) {
				return Err(ConfigError::InvalidPublicUrl(url.clone()));
			}
		}
		if self.api.listen == self.metrics.listen {
			return Err(ConfigError::SameListenAddress(self.api.listen));
		}
		if let Some(cmd) = &self.power.shutdown_command {
			if cmd.first().is_none_or(|p| p.trim().is_empty()) {
				return Err(ConfigError::InvalidShutdownCommand);
			}
		}
		for (name, image) in &self.images {
			let bad = |reason: &str| ConfigError::InvalidImage {
				name: name.clone(),
				reason: reason.to_string(),
			};
			if name == PROBE_IMAGE {
				return Err(bad("the name `probe` is the built-in probe image"));
			}
			if name.is_empty()
				|| !name.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.".contains(&c))
			{
				return Err(bad("names are [a-zA-Z0-9_.-]"));
			}
			if image.kernel.as_os_str().is_empty() {
				return Err(bad("kernel is empty"));
			}
			if !image.kernel.is_absolute()
				|| image.initrd.as_ref().is_some_and(|p| !p.is_absolute())
			{
				return Err(bad("kernel and initrd paths must be absolute"));
			}
		}
		Ok(())
	}
}

fn validate_location(l: &NodeConfig) -> Result<(), ConfigError> {
	let bad = |field, reason: &str| ConfigError::InvalidLocation { field, reason: reason.into() };
	if l.city.is_empty() || l.city.len() > 58 {
		return Err(bad("city", "1 to 58 bytes"));
	}
	if l.country.len() < 2 || l.country.len() > 56 {
		return Err(bad("country", "2 to 56 bytes"));
	}
	let coordinate = |text: &str, limit: f32| {
		text == "Unknown"
			|| (text.len() <= 50
				&& text
					.parse::<f32>()
					.is_ok_and(|v| v.is_finite() && (-limit..=limit).contains(&v)))
	};
	if !coordinate(&l.latitude, 90.0) {
		return Err(bad("latitude", "a number in [-90, 90] or Unknown"));
	}
	if !coordinate(&l.longitude, 180.0) {
		return Err(bad("longitude", "a number in [-180, 180] or Unknown"));
	}
	Ok(())
}

/// Checks an interface against the chain's rules; `Err(reason)` when it would be refused.
pub fn validate_interface(i: &InterfaceConfig) -> Result<(), String> {
	if !valid_interface_name(&i.name) {
		return Err("name must be 3 to 20 bytes of [a-z0-9_-]".into());
	}
	if !valid_mac(&i.mac) {
		return Err(format!("MAC {:?} is not aa:bb:cc:dd:ee:ff", i.mac));
	}
	if i.ips.len() > 10 {
		return Err("at most 10 IPs".into());
	}
	if let Some(ip) = i.ips.iter().find(|ip| ip.parse::<std::net::IpAddr>().is_err()) {
		return Err(format!("{ip:?} is not a plain IPv4 or IPv6 address"));
	}
	Ok(())
}

/// Whether the chain accepts `name` as an interface name.
pub fn valid_interface_name(name: &str) -> bool {
	(3..=20).contains(&name.len())
		&& name
			.bytes()
			.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

/// Whether `mac` is six two-digit hex groups separated by `:`.
pub fn valid_mac(mac: &str) -> bool {
	mac.len() == 17
		&& mac
			.bytes()
			.enumerate()
			.all(|(i, c)| if i % 3 == 2 { c == b':' } else { c.is_ascii_hexdigit() })
}

fn validate_terms(link: &str, hash: &str) -> Result<(), ConfigError> {
	let url_char = |c: u8| c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&c);
	if link.is_empty() || link.len() > 2048 || !link.bytes().all(url_char) {
		return Err(ConfigError::InvalidTerms {
			field: "terms_link",
			reason: "1 to 2048 URL characters".into(),
		});
	}
	if hash.is_empty()
		|| hash.len() > 50
		|| !hash.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
	{
		return Err(ConfigError::InvalidTerms {
			field: "terms_hash",
			reason: "1 to 50 bytes of [a-zA-Z0-9_-]".into(),
		});
	}
	Ok(())
}

/// Parses `a.b.c.d/n` into the address and prefix length.
pub fn parse_ipv4_cidr(text: &str) -> Option<(Ipv4Addr, u8)> {
	let (addr, prefix) = text.split_once('/')?;
	let prefix: u8 = prefix.parse().ok()?;
	(prefix <= 32).then_some(())?;
	Some((addr.parse().ok()?, prefix))
}

fn unknown() -> String {
	"Unknown".into()
}
fn yes() -> bool {
	true
}
fn default_terms_link() -> String {
	"https://library.threefold.me/info/legal/#/legal__terms_conditions_griduser".into()
}
fn default_terms_hash() -> String {
	"node-agent-terms-v1".into()
}
fn default_state_dir() -> PathBuf {
	PathBuf::from("/var/lib/node-agent")
}
fn default_run_dir() -> PathBuf {
	PathBuf::from("/run/node-agent")
}
fn default_bridge_prefix() -> String {
	"na".into()
}
fn default_link_range() -> String {
	"100.127.0.0/16".into()
}
fn default_api_listen() -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], 2021))
}
fn default_metrics_listen() -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], 9101))
}
fn d30() -> u64 {
	30
}
fn d60() -> u64 {
	60
}
fn d300() -> u64 {
	300
}
fn d1200() -> u64 {
	1200
}
fn d2400() -> u64 {
	2400
}
fn d3600() -> u64 {
	3600
}
fn d86400() -> u64 {
	86400
}

#[cfg(test)]
mod tests {
	use super::*;

	const MINIMAL: &str = "[chain]\nurl = \"ws://127.0.0.1:9944\"\n[node]\nfarm_id = 1\n";

	fn with(extra: &str) -> Result<Config, ConfigError> {
		Config::parse(&format!("{MINIMAL}{extra}"))
	}

	#[test]
	fn minimal_config_gets_every_default() {
		let c = Config::parse(MINIMAL).unwrap();
		assert_eq!(c.chain.url, "ws://127.0.0.1:9944");
		assert_eq!(c.node.farm_id, 1);
		assert_eq!(c.node.city, "Unknown");
		assert_eq!(c.node.country, "Unknown");
		assert_eq!(c.node.latitude, "Unknown");
		assert_eq!(c.node.longitude, "Unknown");
		assert!(c.node.interfaces.is_none());
		assert_eq!(c.node.capacity, CapacityOverride::default());
		assert_eq!(c.storage.state_dir, PathBuf::from("/var/lib/node-agent"));
		assert_eq!(c.storage.ssd_paths(), vec![PathBuf::from("/var/lib/node-agent")]);
		assert!(c.storage.hdd_paths.is_empty());
		assert_eq!(c.storage.run_dir, PathBuf::from("/run/node-agent"));
		assert_eq!(c.key_file(), PathBuf::from("/var/lib/node-agent/key"));
		assert_eq!(c.network, NetworkConfig::default());
		assert_eq!(c.network.bridge_prefix, "na");
		assert!(c.network.nat);
		assert_eq!(c.api.listen, "127.0.0.1:2021".parse().unwrap());
		assert!(c.api.public_url.is_none());
		assert_eq!(c.metrics.listen, "127.0.0.1:9101".parse().unwrap());
		assert_eq!(c.intervals.uptime_secs, 2400);
		assert_eq!(c.intervals.reconcile_secs, 3600);
		assert_eq!(c.intervals.nru_secs, 3600);
		assert_eq!(c.intervals.nru_sample_secs, 300);
		assert_eq!(c.intervals.registration_secs, 86400);
		assert_eq!(c.follower.max_replay_blocks, 1200);
		assert_eq!(c.follower.wait_timeout_secs, 60);
		assert_eq!(c.follower.reconnect_max_secs, 30);
		assert!(c.power.shutdown_command.is_none());
		assert!(c.images.is_empty());
	}

	#[test]
	fn the_example_config_parses() {
		let text = include_str!("../examples/config.toml");
		let c = Config::parse(text).unwrap();
		assert_eq!(c.node.farm_id, 1);
		assert!(c.images.contains_key("debian"));
		assert_eq!(c.power.shutdown_command, Some(vec!["systemctl".into(), "poweroff".into()]));
	}

	#[test]
	fn full_config_overrides() {
		let c = with(
			r#"
[identity]
key_file = "/etc/node-agent/key"
[storage]
state_dir = "/srv/agent"
ssd_paths = ["/srv/ssd1", "/srv/ssd2"]
hdd_paths = ["/srv/hdd"]
[api]
listen = "0.0.0.0:8080"
public_url = "http://203.0.113.5:8080"
[metrics]
listen = "0.0.0.0:9100"
[intervals]
uptime_secs = 60
[follower]
max_replay_blocks = 10
[images.debian]
kernel = "/k"
cmdline = "console=ttyS0"
"#,
		)
		.unwrap();
		assert_eq!(c.key_file(), PathBuf::from("/etc/node-agent/key"));
		assert_eq!(c.storage.ssd_paths().len(), 2);
		assert_eq!(c.intervals.uptime_secs, 60);
		assert_eq!(c.intervals.reconcile_secs, 3600);
		assert_eq!(c.follower.max_replay_blocks, 10);
		assert_eq!(c.images["debian"].initrd, None);
	}

	#[test]
	fn network_aliases() {
		let c = with("[network]\nprefix = \"e1234\"\npublic_bridge = \"e1234pub\"\n").unwrap();
		assert_eq!(c.network.bridge_prefix, "e1234");
		assert_eq!(c.network.public_interface.as_deref(), Some("e1234pub"));
	}

	#[test]
	fn interfaces_and_location_in_node_section() {
		let text = r#"
[chain]
url = "wss://chain.example.org"
[node]
farm_id = 3
interfaces = [{ name = "eth0", mac = "02:00:00:00:00:01", ips = ["10.0.0.2", "fd00::2"] }]
city = "Ghent"
country = "Belgium"
latitude = "51.05"
longitude = "3.72"
[node.capacity]
sru = 500000000000
"#;
		let c = Config::parse(text).unwrap();
		assert_eq!(c.node.interfaces.as_ref().unwrap()[0].ips.len(), 2);
		assert_eq!(c.node.city, "Ghent");
		assert_eq!(c.node.longitude, "3.72");
		assert_eq!(c.node.capacity.sru, Some(500_000_000_000));
	}

	fn err(text: &str) -> ConfigError {
		match Config::parse(text) {
			Ok(_) => panic!("accepted: {text}"),
			Err(e) => e,
		}
	}

	#[test]
	fn parse_errors() {
		assert!(matches!(err("not toml ["), ConfigError::Parse(_)));
		// missing required
		assert!(
			matches!(err("[node]\nfarm_id = 1\n"), ConfigError::Parse(m) if m.contains("chain"))
		);
		assert!(
			matches!(err("[chain]\nurl = \"ws://a:1\"\n"), ConfigError::Parse(m) if m.contains("node"))
		);
		// unknown field
		assert!(matches!(
			with("[intervals]\nuptime = 5\n").unwrap_err(),
			ConfigError::Parse(m) if m.contains("uptime")
		));
		// wrong type
		assert!(matches!(with("[api]\nlisten = 5\n").unwrap_err(), ConfigError::Parse(_)));
		assert!(matches!(with("[api]\nlisten = \"nope\"\n").unwrap_err(), ConfigError::Parse(_)));
	}

	#[test]
	fn read_error_names_the_file() {
		let e = Config::load(Path::new("/nonexistent/node-agent.toml")).unwrap_err();
		assert!(matches!(e, ConfigError::Read { .. }));
		assert!(e.to_string().contains("/nonexistent/node-agent.toml"));
	}

	#[test]
	fn validation_errors() {
		let cases: Vec<(String, fn(&ConfigError) -> bool)> = vec![
			(
				"[chain]\nurl = \"http://x:1\"\n[node]\nfarm_id = 1\n".into(),
				|e| matches!(e, ConfigError::InvalidChainUrl(_)),
			),
			(
				"[chain]\nurl = \"ws://\"\n[node]\nfarm_id = 1\n".into(),
				|e| matches!(e, ConfigError::InvalidChainUrl(_)),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 0\n".into(),
				|e| matches!(e, ConfigError::InvalidFarmId),
			),
			(
				format!("{MINIMAL}[intervals]\nnru_secs = 0\n"),
				|e| matches!(e, ConfigError::ZeroInterval("nru_secs")),
			),
			(
				format!("{MINIMAL}[follower]\nmax_replay_blocks = 0\n"),
				|e| matches!(e, ConfigError::InvalidFollower("max_replay_blocks")),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\ncountry = \"B\"\n".into(),
				|e| matches!(e, ConfigError::InvalidLocation { field: "country", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\ncity = \"\"\n".into(),
				|e| matches!(e, ConfigError::InvalidLocation { field: "city", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\nlatitude = \"91\"\n".into(),
				|e| matches!(e, ConfigError::InvalidLocation { field: "latitude", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\nlongitude = \"east\"\n".into(),
				|e| matches!(e, ConfigError::InvalidLocation { field: "longitude", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\ninterfaces = [{ name = \"Eth0\", mac = \"02:00:00:00:00:01\" }]\n".into(),
				|e| matches!(e, ConfigError::InvalidInterface { .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\ninterfaces = [{ name = \"eth0\", mac = \"02:00:00:00:00\" }]\n".into(),
				|e| matches!(e, ConfigError::InvalidInterface { .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\ninterfaces = [{ name = \"eth0\", mac = \"02:00:00:00:00:01\", ips = [\"10.0.0.1/24\"] }]\n".into(),
				|e| matches!(e, ConfigError::InvalidInterface { .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\nterms_hash = \"a b\"\n".into(),
				|e| matches!(e, ConfigError::InvalidTerms { field: "terms_hash", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\nterms_link = \"\"\n".into(),
				|e| matches!(e, ConfigError::InvalidTerms { field: "terms_link", .. }),
			),
			(
				"[chain]\nurl = \"ws://a:1\"\n[node]\nfarm_id = 1\nrelay = \"relay..grid\"\n".into(),
				|e| matches!(e, ConfigError::InvalidRelay(_)),
			),
			(format!("{MINIMAL}[storage]\nssd_paths = []\n"), |e| matches!(e, ConfigError::NoSsdPath)),
			(
				format!("{MINIMAL}[storage]\nstate_dir = \"relative/dir\"\n"),
				|e| matches!(e, ConfigError::RelativePath(_)),
			),
			(
				format!("{MINIMAL}[storage]\nhdd_paths = [\"hdd\"]\n"),
				|e| matches!(e, ConfigError::RelativePath(_)),
			),
			(
				format!("{MINIMAL}[network]\nbridge_prefix = \"toolong\"\n"),
				|e| matches!(e, ConfigError::InvalidBridgePrefix(_)),
			),
			(
				format!("{MINIMAL}[network]\nlink_range = \"100.127.0.0\"\n"),
				|e| matches!(e, ConfigError::InvalidLinkRange(_)),
			),
			(
				format!("{MINIMAL}[network]\nlink_range = \"100.127.0.0/30\"\n"),
				|e| matches!(e, ConfigError::InvalidLinkRange(_)),
			),
			(
				format!("{MINIMAL}[network]\npublic_interface = \"a-very-long-bridge-name\"\n"),
				|e| matches!(e, ConfigError::InvalidPublicInterface(_)),
			),
			(
				format!("{MINIMAL}[api]\npublic_url = \"ftp://x\"\n"),
				|e| matches!(e, ConfigError::InvalidPublicUrl(_)),
			),
			(
				format!("{MINIMAL}[api]\nlisten = \"127.0.0.1:9000\"\n[metrics]\nlisten = \"127.0.0.1:9000\"\n"),
				|e| matches!(e, ConfigError::SameListenAddress(_)),
			),
			(
				format!("{MINIMAL}[power]\nshutdown_command = []\n"),
				|e| matches!(e, ConfigError::InvalidShutdownCommand),
			),
			(
				format!("{MINIMAL}[images.probe]\nkernel = \"/k\"\n"),
				|e| matches!(e, ConfigError::InvalidImage { .. }),
			),
			(
				format!("{MINIMAL}[images.debian]\nkernel = \"vmlinux\"\n"),
				|e| matches!(e, ConfigError::InvalidImage { .. }),
			),
		];
		for (text, check) in cases {
			let e = err(&text);
			assert!(check(&e), "wrong error {e:?} for\n{text}");
		}
	}
}
