//! The farmer's node agent: registers the node on the chain, reports uptime, follows the chain
//! for this node's contracts and provisions what they ask for through the engine, serves the
//! deployments API and Prometheus metrics, and offers a `deploy` client for users.
//!
//! Each topic has its own module; [`agent`] wires them together.

pub mod agent;
pub mod api;
pub mod backoff;
pub mod chain;
pub mod chain_view;
pub mod config;
pub mod deploy_client;
pub mod engine;
pub mod follower;
pub mod host;
pub mod identity;
pub mod metrics;
pub mod power;
pub mod registration;
pub mod uptime;

#[cfg(test)]
mod testing;
