//! Running `ip` (iproute2) and `nft` (nftables): arguments are passed as a vector, never through a
//! shell; a failure carries the command line, the exit status and stderr.

use std::{
	io::Write,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	sync::OnceLock,
};

use crate::NetError;

/// The external programs this crate runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tool {
	/// `ip` from iproute2.
	Ip,
	/// `nft` from nftables.
	Nft,
}

/// Directories searched after `$PATH` (a service may run with a PATH without the sbin dirs).
const FALLBACK_DIRS: [&str; 4] = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

impl Tool {
	/// The program name.
	pub(crate) fn name(self) -> &'static str {
		match self {
			Tool::Ip => "ip",
			Tool::Nft => "nft",
		}
	}

	/// The absolute path of the program, looked up once.
	pub(crate) fn path(self) -> Result<&'static Path, NetError> {
		static IP: OnceLock<Option<PathBuf>> = OnceLock::new();
		static NFT: OnceLock<Option<PathBuf>> = OnceLock::new();
		let cell = match self {
			Tool::Ip => &IP,
			Tool::Nft => &NFT,
		};
		cell.get_or_init(|| find_program(self.name()))
			.as_deref()
			.ok_or(NetError::ToolMissing(self.name()))
	}
}

/// Finds an executable in `$PATH` or the usual system directories.
fn find_program(name: &str) -> Option<PathBuf> {
	use std::os::unix::fs::PermissionsExt;
	let path_dirs = std::env::var_os("PATH").unwrap_or_default();
	std::env::split_paths(&path_dirs)
		.chain(FALLBACK_DIRS.iter().map(PathBuf::from))
		.map(|dir| dir.join(name))
		.find(|candidate| {
			candidate
				.metadata()
				.map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
				.unwrap_or(false)
		})
}

/// Runs `ip [-n ns] args...` and returns its stdout.
pub(crate) fn ip(ns: Option<&str>, args: &[&str]) -> Result<String, NetError> {
	let mut full: Vec<&str> = Vec::with_capacity(args.len() + 2);
	if let Some(ns) = ns {
		full.extend(["-n", ns]);
	}
	full.extend_from_slice(args);
	run(Tool::Ip.path()?, &full, None)
}

/// Runs `nft args...`, inside namespace `ns` (through `ip netns exec`) when given, feeding
/// `stdin` to it when given; returns its stdout.
pub(crate) fn nft(
	ns: Option<&str>,
	args: &[&str],
	stdin: Option<&str>,
) -> Result<String, NetError> {
	let nft = Tool::Nft.path()?;
	match ns {
		None => run(nft, args, stdin),
		Some(ns) => {
			let nft_str = nft.to_str().ok_or(NetError::ToolMissing("nft"))?;
			let mut full = vec!["netns", "exec", ns, nft_str];
			full.extend_from_slice(args);
			run(Tool::Ip.path()?, &full, stdin)
		},
	}
}

/// Applies an nft script atomically (one transaction) in `ns` or the host namespace.
pub(crate) fn nft_script(ns: Option<&str>, script: &str) -> Result<(), NetError> {
	nft(ns, &["-f", "-"], Some(script)).map(drop)
}

/// Runs `program args...` with `LC_ALL=C`, optionally writing `stdin` to it.
fn run(program: &Path, args: &[&str], stdin: Option<&str>) -> Result<String, NetError> {
	let command_line = || {
		let mut line = program.display().to_string();
		for arg in args {
			line.push(' ');
			line.push_str(arg);
		}
		line
	};
	tracing::debug!(command = %command_line(), "running");
	let mut child = Command::new(program)
		.args(args)
		.env("LC_ALL", "C")
		.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.map_err(|source| NetError::Spawn { command: command_line(), source })?;
	if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
		// A write error (the program exited early) shows up in its status and stderr below.
		let _ = pipe.write_all(input.as_bytes());
	}
	let output = child
		.wait_with_output()
		.map_err(|source| NetError::Spawn { command: command_line(), source })?;
	if output.status.success() {
		Ok(String::from_utf8_lossy(&output.stdout).into_owned())
	} else {
		Err(NetError::Command {
			command: command_line(),
			status: output.status.to_string(),
			stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn finds_a_program_that_exists_and_not_one_that_does_not() {
		assert!(find_program("sh").is_some());
		assert!(find_program("surely-no-such-program-tfchain").is_none());
	}

	#[test]
	fn failure_carries_command_and_stderr() {
		let Some(sh) = find_program("sh") else { panic!("no sh") };
		match run(&sh, &["-c", "echo oops >&2; exit 3"], None) {
			Err(NetError::Command { command, status, stderr }) => {
				assert!(command.ends_with("sh -c echo oops >&2; exit 3"), "{command}");
				assert!(status.contains('3'), "{status}");
				assert_eq!(stderr, "oops");
			},
			other => panic!("unexpected {other:?}"),
		}
		match run(&sh, &["-c", "cat"], Some("hello")) {
			Ok(out) => assert_eq!(out, "hello"),
			other => panic!("unexpected {other:?}"),
		}
	}
}
