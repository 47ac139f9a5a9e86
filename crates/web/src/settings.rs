//! The web layer's own settings, part of the platform's configuration.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// HTTP settings. Every field has a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take, in seconds.
    pub request_timeout_secs: u64,
    /// Page size when a listing does not name one.
    pub default_page_size: u32,
    /// Largest page size a listing may ask for.
    pub max_page_size: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            default_page_size: 20,
            max_page_size: 100,
        }
    }
}

impl Settings {
    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}
