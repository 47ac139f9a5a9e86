#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![expect(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "test support: failures panic with context, skips are printed"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use xinyong_crypto::Keys;
use xinyong_domain::id::IdPolicy;
use xinyong_ingest::{Catalog, ImportRequest, Importer, Progress, builtin_catalog, load_catalog};
use xinyong_store::{Backend, Batch, Store};
use xinyong_store_postgres::schemas;
use xinyong_store_sqlite::SqliteStore;
use xinyong_synth::{Encoding, Format, Layout, RecordKind, Spec};

/// The fixed "today" of tests, so that publicity windows do not drift.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// The PostgreSQL test database.
pub fn postgres_url() -> String {
    std::env::var("XINYONG_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn postgres_required() -> bool {
    std::env::var("XINYONG_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// Prefix of the schemas tests create; the rest of the name is the creation
/// time and the process, so that stale schemas of crashed runs can be found.
const SCHEMA_PREFIX: &str = "xtest_";

/// A platform under test: a fresh store with the catalogue loaded.
#[derive(Debug)]
pub struct Platform {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The loaded catalogue.
    pub catalog: Catalog,
    /// The keys personal identifiers are sealed with.
    pub keys: Arc<Keys>,
    /// The importer.
    pub importer: Importer,
    /// A scratch directory (the data directory for SQLite).
    pub dir: PathBuf,
    /// The day imports are checked against: [`today`] by default, so that
    /// files with fixed dates give the same answers on any day; a test
    /// whose files are dated from the real day (a server checks
    /// publicity windows against it) sets the real day.
    pub today: NaiveDate,
    _temp: tempfile::TempDir,
    schema: Option<String>,
}

impl Platform {
    async fn with_store(store: Arc<dyn Store>, temp: tempfile::TempDir, schema: Option<String>) -> Self {
        let catalog = load_catalog(store.as_ref(), &builtin_catalog()).await.unwrap();
        let keys = Arc::new(Keys::generate().unwrap());
        let importer = Importer::new(Arc::clone(&store), Arc::clone(&keys), Arc::new(IdPolicy::default()));
        Self {
            store,
            catalog,
            keys,
            importer,
            dir: temp.path().to_owned(),
            today: today(),
            _temp: temp,
            schema,
        }
    }

    /// A platform on a fresh SQLite file.
    pub async fn sqlite() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&temp.path().join("xinyong.db")).await.unwrap();
        Self::with_store(Arc::new(store), temp, None).await
    }

    /// A platform in a fresh PostgreSQL schema, or `None` (with a message) if
    /// PostgreSQL is not reachable and not required.
    pub async fn postgres() -> Option<Self> {
        let url = postgres_url();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let schema = format!(
            "{SCHEMA_PREFIX}{now}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        // Schemas of runs that crashed more than two hours ago are removed on the way.
        let stale = |name: &str| {
            name.strip_prefix(SCHEMA_PREFIX)
                .and_then(|rest| rest.split('_').next())
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|created| created + 7200 < now)
        };
        match schemas::drop_where(&url, SCHEMA_PREFIX, stale).await {
            Ok(_) => {}
            Err(error) if postgres_required() => panic!("PostgreSQL is required but unusable at {url}: {error}"),
            Err(error) => {
                eprintln!("PostgreSQL tests DID NOT RUN: {url} is unreachable ({error})");
                return None;
            }
        }
        let store = schemas::open_in(&url, &schema).await.unwrap();
        Some(Self::with_store(Arc::new(store), tempfile::tempdir().unwrap(), Some(schema)).await)
    }

    /// A URL another process (the binary) can open this platform's database
    /// with: the PostgreSQL schema, or the SQLite file.
    pub fn database_url(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}?options=-c%20search_path%3D{schema}", postgres_url()),
            None => format!("sqlite://{}", self.dir.join("xinyong.db").display()),
        }
    }

    /// The PostgreSQL schema, if the platform lives in one.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Which backend.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Imports `path` as `record_type` for `source`.
    pub async fn import(&self, path: &Path, record_type: &str, source: &str) -> Batch {
        let request = ImportRequest {
            path: path.to_owned(),
            file_name: path.file_name().unwrap().to_string_lossy().into_owned(),
            record_type: self.catalog.get(record_type).unwrap().clone(),
            source: source.to_owned(),
            today: self.today,
            data_dir: Some(self.dir.clone()),
            own_source_only: false,
            platform_made: false,
        };
        self.importer.import(request, &Progress::default()).await.unwrap()
    }

    /// Drops the PostgreSQL schema (SQLite files go with the temporary directory).
    pub async fn cleanup(self) {
        if let Some(schema) = &self.schema {
            schemas::drop_where(&postgres_url(), schema, |name| name == schema)
                .await
                .unwrap();
        }
    }
}

/// A platform on each backend available: SQLite always, PostgreSQL when
/// reachable (or required).
pub async fn backends() -> Vec<Platform> {
    let mut platforms = vec![Platform::sqlite().await];
    platforms.extend(Platform::postgres().await);
    platforms
}

/// A generated file of `rows` rows in `dir`.
pub fn generated(dir: &Path, name: &str, spec: &Spec, format: Format, encoding: Encoding) -> PathBuf {
    let path = dir.join(name);
    xinyong_synth::write(spec, format, encoding, &path).unwrap();
    path
}

/// A generation spec with the test "today".
pub fn spec(kind: RecordKind, layout: Layout, rows: u64, seed: u64, error_rate: f64) -> Spec {
    Spec {
        kind,
        layout,
        rows,
        seed,
        error_rate,
        today: today(),
        subjects: None,
    }
}
