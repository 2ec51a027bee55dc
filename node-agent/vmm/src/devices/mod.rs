//! Emulated devices: legacy port I/O devices and virtio-mmio devices.

pub(crate) mod boot_marker;
pub(crate) mod i8042;
pub(crate) mod mmio;
pub(crate) mod serial;
pub(crate) mod virtio;
pub(crate) mod virtio_blk;
pub(crate) mod virtio_net;
