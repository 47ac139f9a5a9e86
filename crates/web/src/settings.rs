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
    /// Largest file a department may upload, in bytes.
    pub max_upload_bytes: usize,
    /// Longest an upload (and its import) may take, in seconds.
    pub upload_timeout_secs: u64,
    /// Public searches allowed per minute from one address.
    pub search_per_minute: u32,
    /// Sign-in attempts allowed per minute from one address.
    pub sign_in_per_minute: u32,
    /// Mark session cookies `Secure` (set when the platform is served
    /// behind TLS, as it must be in production).
    pub secure_cookies: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            default_page_size: 20,
            max_page_size: 100,
            max_upload_bytes: 200 * 1024 * 1024,
            upload_timeout_secs: 1800,
            search_per_minute: 120,
            sign_in_per_minute: 10,
            secure_cookies: false,
        }
    }
}

impl Settings {
    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub(crate) fn upload_timeout(&self) -> Duration {
        Duration::from_secs(self.upload_timeout_secs)
    }
}
