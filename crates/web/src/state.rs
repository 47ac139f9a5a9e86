//! What every handler may use.

use std::sync::Arc;

use xinyong_ingest::Catalog;
use xinyong_store::Store;

use crate::Settings;

/// Shared application state: the store (chosen once, from the database
/// URL), the loaded catalogue and the settings.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The catalogue of record types.
    pub catalog: Arc<Catalog>,
    /// HTTP settings.
    pub settings: Arc<Settings>,
}

impl AppState {
    /// State for a store and catalogue.
    pub fn new(store: Arc<dyn Store>, catalog: Catalog, settings: Settings) -> Self {
        Self {
            store,
            catalog: Arc::new(catalog),
            settings: Arc::new(settings),
        }
    }
}
