//! nftables rules: masquerade of a tenant subnet inside its namespace, and on the host the
//! masquerade of the link range plus isolation between namespaces. Rules are generated as nft
//! script text and applied in one transaction each.

use serde_json::Value;

use crate::{cmd, Ipv4Net, NetError};

/// The nft table this crate owns, in the host and in every network namespace.
pub const TABLE: &str = "tfchain_agent";

/// Host chains, with their base chain definitions.
const HOST_CHAINS: [(&str, &str); 2] = [
	("postrouting", "type nat hook postrouting priority srcnat; policy accept;"),
	("forward", "type filter hook forward priority filter; policy accept;"),
];

/// The whole ruleset of a network namespace: replaces our table atomically (the `add` makes the
/// `delete` valid when the table does not exist yet). Traffic from `subnet` leaving through
/// `uplink` is masqueraded to the uplink's address, so tenants' subnets may overlap.
pub(crate) fn namespace_ruleset(subnet: Ipv4Net, uplink: &str) -> String {
	format!(
		"add table ip {TABLE}\n\
		 delete table ip {TABLE}\n\
		 table ip {TABLE} {{\n\
		 \tchain postrouting {{\n\
		 \t\ttype nat hook postrouting priority srcnat; policy accept;\n\
		 \t\toifname \"{uplink}\" ip saddr {subnet} masquerade\n\
		 \t}}\n\
		 }}\n",
		subnet = subnet.trunc(),
	)
}

/// The host rules of one network, tagged with `comment` (the namespace name): masquerade what
/// comes from its /30 `link` and leaves the link range; drop what it sends to other link
/// addresses (other namespaces); let into `host_veth` only replies.
pub(crate) fn host_rules(
	comment: &str,
	host_veth: &str,
	link: Ipv4Net,
	range: Ipv4Net,
) -> Vec<String> {
	let (link, range) = (link.trunc(), range.trunc());
	vec![
		format!(
			"add rule ip {TABLE} postrouting ip saddr {link} ip daddr != {range} masquerade comment \"{comment}\""
		),
		format!(
			"add rule ip {TABLE} forward iifname \"{host_veth}\" ip daddr {range} drop comment \"{comment}\""
		),
		format!(
			"add rule ip {TABLE} forward oifname \"{host_veth}\" ct state established,related accept comment \"{comment}\""
		),
		format!("add rule ip {TABLE} forward oifname \"{host_veth}\" drop comment \"{comment}\""),
	]
}

/// One transaction that creates the host table and chains if missing, deletes the rules with
/// the given handles (a network's previous rules) and adds `rules`.
pub(crate) fn host_script(stale: &[HostRule], rules: &[String]) -> String {
	let mut script = format!("add table ip {TABLE}\n");
	for (chain, definition) in HOST_CHAINS {
		script.push_str(&format!("add chain ip {TABLE} {chain} {{ {definition} }}\n"));
	}
	for rule in stale {
		script.push_str(&format!("delete rule ip {TABLE} {} handle {}\n", rule.chain, rule.handle));
	}
	for rule in rules {
		script.push_str(rule);
		script.push('\n');
	}
	script
}

/// A rule of our host table, as listed by `nft -j -a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRule {
	/// Chain name.
	pub chain: String,
	/// Rule handle.
	pub handle: u64,
	/// Rule comment (the namespace it belongs to).
	pub comment: Option<String>,
}

/// Parses `nft -j -a list table ip tfchain_agent`: the rules of our table.
pub(crate) fn parse_rules(out: &str) -> Result<Vec<HostRule>, String> {
	let doc: Value = serde_json::from_str(out).map_err(|e| e.to_string())?;
	let items = doc.get("nftables").and_then(Value::as_array).ok_or("no `nftables` array")?;
	let mut rules = Vec::new();
	for rule in items.iter().filter_map(|item| item.get("rule")) {
		if rule.get("table").and_then(Value::as_str) != Some(TABLE) {
			continue;
		}
		let chain = rule.get("chain").and_then(Value::as_str).ok_or("rule without chain")?;
		let handle = rule.get("handle").and_then(Value::as_u64).ok_or("rule without handle")?;
		let comment = rule.get("comment").and_then(Value::as_str).map(str::to_string);
		rules.push(HostRule { chain: chain.to_string(), handle, comment });
	}
	Ok(rules)
}

/// Parses `nft -j list tables`: whether our `ip` table is there.
pub(crate) fn parse_has_table(out: &str) -> Result<bool, String> {
	let doc: Value = serde_json::from_str(out).map_err(|e| e.to_string())?;
	let items = doc.get("nftables").and_then(Value::as_array).ok_or("no `nftables` array")?;
	Ok(items.iter().filter_map(|item| item.get("table")).any(|t| {
		t.get("family").and_then(Value::as_str) == Some("ip")
			&& t.get("name").and_then(Value::as_str) == Some(TABLE)
	}))
}

/// The rules of our table in the host namespace (empty when the table does not exist).
pub(crate) fn host_table_rules() -> Result<Vec<HostRule>, NetError> {
	let tables = cmd::nft(None, &["-j", "list", "tables"], None)?;
	let has_table = parse_has_table(&tables)
		.map_err(|reason| NetError::Output { command: "nft -j list tables".into(), reason })?;
	if !has_table {
		return Ok(Vec::new());
	}
	let out = cmd::nft(None, &["-j", "-a", "list", "table", "ip", TABLE], None)?;
	parse_rules(&out).map_err(|reason| NetError::Output {
		command: format!("nft -j -a list table ip {TABLE}"),
		reason,
	})
}

/// Installs (or replaces) a network's host rules.
pub(crate) fn apply_host_rules(comment: &str, rules: &[String]) -> Result<(), NetError> {
	let stale: Vec<HostRule> =
		host_table_rules()?.into_iter().filter(|r| r.comment.as_deref() == Some(comment)).collect();
	cmd::nft_script(None, &host_script(&stale, rules))
}

/// Removes a network's host rules; deletes the table when no rule is left in it.
pub(crate) fn remove_host_rules(comment: &str) -> Result<(), NetError> {
	let rules = host_table_rules()?;
	let (ours, others): (Vec<HostRule>, Vec<HostRule>) =
		rules.into_iter().partition(|r| r.comment.as_deref() == Some(comment));
	if others.is_empty() {
		if !ours.is_empty() || has_host_table()? {
			cmd::nft(None, &["delete", "table", "ip", TABLE], None)?;
		}
		return Ok(());
	}
	if ours.is_empty() {
		return Ok(());
	}
	let mut script = String::new();
	for rule in &ours {
		script.push_str(&format!("delete rule ip {TABLE} {} handle {}\n", rule.chain, rule.handle));
	}
	cmd::nft_script(None, &script)
}

fn has_host_table() -> Result<bool, NetError> {
	let tables = cmd::nft(None, &["-j", "list", "tables"], None)?;
	parse_has_table(&tables)
		.map_err(|reason| NetError::Output { command: "nft -j list tables".into(), reason })
}

/// Replaces the ruleset of our table inside namespace `ns`.
pub(crate) fn apply_namespace_rules(
	ns: &str,
	subnet: Ipv4Net,
	uplink: &str,
) -> Result<(), NetError> {
	cmd::nft_script(Some(ns), &namespace_ruleset(subnet, uplink))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn net(s: &str) -> Ipv4Net {
		match s.parse() {
			Ok(n) => n,
			Err(e) => panic!("{s}: {e}"),
		}
	}

	#[test]
	fn namespace_ruleset_text() {
		let text = namespace_ruleset(net("10.20.1.9/24"), "uplink0");
		let want = "add table ip tfchain_agent\n\
			delete table ip tfchain_agent\n\
			table ip tfchain_agent {\n\
			\tchain postrouting {\n\
			\t\ttype nat hook postrouting priority srcnat; policy accept;\n\
			\t\toifname \"uplink0\" ip saddr 10.20.1.0/24 masquerade\n\
			\t}\n\
			}\n";
		assert_eq!(text, want);
	}

	#[test]
	fn host_rules_text() {
		let rules = host_rules("na-7", "nav-7", net("100.127.0.6/30"), net("100.127.0.0/16"));
		assert_eq!(
			rules,
			[
				"add rule ip tfchain_agent postrouting ip saddr 100.127.0.4/30 ip daddr != 100.127.0.0/16 masquerade comment \"na-7\"",
				"add rule ip tfchain_agent forward iifname \"nav-7\" ip daddr 100.127.0.0/16 drop comment \"na-7\"",
				"add rule ip tfchain_agent forward oifname \"nav-7\" ct state established,related accept comment \"na-7\"",
				"add rule ip tfchain_agent forward oifname \"nav-7\" drop comment \"na-7\"",
			]
		);
		let stale =
			[HostRule { chain: "forward".into(), handle: 12, comment: Some("na-7".into()) }];
		let script = host_script(&stale, &rules[..1]);
		assert_eq!(
			script,
			"add table ip tfchain_agent\n\
			 add chain ip tfchain_agent postrouting { type nat hook postrouting priority srcnat; policy accept; }\n\
			 add chain ip tfchain_agent forward { type filter hook forward priority filter; policy accept; }\n\
			 delete rule ip tfchain_agent forward handle 12\n\
			 add rule ip tfchain_agent postrouting ip saddr 100.127.0.4/30 ip daddr != 100.127.0.0/16 masquerade comment \"na-7\"\n"
		);
	}

	#[test]
	fn parses_rules_and_tables() {
		let out = r#"{"nftables": [{"metainfo": {"version": "1.0.6"}},
			{"table": {"family": "ip", "name": "tfchain_agent", "handle": 1}},
			{"chain": {"family": "ip", "table": "tfchain_agent", "name": "postrouting", "handle": 1}},
			{"rule": {"family": "ip", "table": "tfchain_agent", "chain": "postrouting", "handle": 3, "comment": "na-x", "expr": []}},
			{"rule": {"family": "ip", "table": "tfchain_agent", "chain": "forward", "handle": 9, "expr": []}}]}"#;
		let rules = match parse_rules(out) {
			Ok(r) => r,
			Err(e) => panic!("{e}"),
		};
		assert_eq!(
			rules,
			[
				HostRule { chain: "postrouting".into(), handle: 3, comment: Some("na-x".into()) },
				HostRule { chain: "forward".into(), handle: 9, comment: None },
			]
		);
		assert_eq!(parse_has_table(out), Ok(true));
		assert_eq!(
			parse_has_table(
				r#"{"nftables": [{"table": {"family": "inet", "name": "tfchain_agent"}}]}"#
			),
			Ok(false)
		);
		assert!(parse_rules("[]").is_err());
		assert!(parse_rules(
			r#"{"nftables": [{"rule": {"table": "tfchain_agent", "chain": "x"}}]}"#
		)
		.is_err());
	}
}
