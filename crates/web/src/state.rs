//! What every handler may use.

use std::path::PathBuf;
use std::sync::Arc;

use xinyong_access::Access;
use xinyong_checks::Checks;
use xinyong_ingest::{Catalog, Importer};
use xinyong_rights::Rights;
use xinyong_store::Store;

use crate::Settings;
use crate::limits::Limits;

/// Shared application state: the store (chosen once, from the database
/// URL), the catalogue, the access layer, the importer and the settings.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The catalogue of record types.
    pub catalog: Arc<Catalog>,
    /// Who may do what.
    pub access: Access,
    /// Credit checks and the measure book.
    pub checks: Checks,
    /// Commitments and credit repair.
    pub rights: Rights,
    /// Imports uploaded files.
    pub importer: Importer,
    /// Where uploads are received and kept.
    pub data_dir: PathBuf,
    /// HTTP settings.
    pub settings: Arc<Settings>,
    pub(crate) limits: Arc<Limits>,
    pub(crate) site: Arc<crate::site::Cache>,
}

impl AppState {
    /// State for a platform.
    #[expect(clippy::too_many_arguments, reason = "one argument per part of the platform")]
    pub fn new(
        store: Arc<dyn Store>,
        catalog: Catalog,
        access: Access,
        checks: Checks,
        rights: Rights,
        importer: Importer,
        data_dir: PathBuf,
        settings: Settings,
    ) -> Self {
        Self {
            limits: Arc::new(Limits::new(&settings)),
            site: Arc::default(),
            store,
            catalog: Arc::new(catalog),
            access,
            checks,
            rights,
            importer,
            data_dir,
            settings: Arc::new(settings),
        }
    }
}
