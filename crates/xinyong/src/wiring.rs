//! Opening the platform: the data directory, the store chosen by the
//! database URL's scheme, the keys, the catalogue and the identifier policy.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use xinyong_access::{Access, Spool};
use xinyong_checks::{BookSource, CheckPlatform, Checks};
use xinyong_crypto::{Keys, create_private_dir, write_new_private};
use xinyong_domain::calendar::WorkingCalendar;
use xinyong_domain::id::IdPolicy;
use xinyong_domain::rights::commitment::CommitmentBook;
use xinyong_ingest::{Catalog, Importer, builtin_catalog, load_catalog};
use xinyong_rights::{Rights, RightsPlatform};
use xinyong_store::Store;
use xinyong_store_postgres::PostgresStore;
use xinyong_store_sqlite::SqliteStore;

use crate::config::Config;

/// Everything a verb may need.
#[derive(Debug)]
pub struct Platform {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub catalog: Catalog,
    pub keys: Arc<Keys>,
    pub policy: Arc<IdPolicy>,
    /// The key rotation's lock, held shared while the platform is open
    /// (a rotation makes its own hold exclusive).
    pub key_lock: std::fs::File,
    /// This process's spool of audit entries and checks (`spool/` in the
    /// data directory), closed by [`close_spools`] when the process ends.
    pub spool: Spool,
}

/// The spools this process opened, to close when it ends.
static SPOOLS: std::sync::Mutex<Vec<Spool>> = std::sync::Mutex::new(Vec::new());

/// Commits what the process's spools hold and removes their files (call
/// once, as the process ends; a process that dies without it leaves its
/// file to the next one that opens the data directory).
pub async fn close_spools() {
    let spools = std::mem::take(&mut *SPOOLS.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for spool in spools {
        if let Err(error) = spool.close().await {
            tracing::error!(%error, "the spool could not be closed; the next start commits what it holds");
        }
    }
}

impl Platform {
    /// Opens a platform that must already exist, for commands that read or
    /// act on stored data: a mistyped `--data` would otherwise create an
    /// empty platform with keys of its own and answer from it as if
    /// nothing were stored. Platforms are created by `serve`, `import` and
    /// the account commands.
    pub async fn open_existing(config: Config) -> anyhow::Result<Self> {
        let url = config.database_url();
        let missing = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // The key file lives in the data directory whatever the database.
            !config.data_dir.is_dir()
        } else {
            !Path::new(url.strip_prefix("sqlite://").unwrap_or(&url)).exists()
        };
        if missing {
            bail!(
                "数据目录 {} 中还没有平台数据：请检查 --data（或 XINYONG_DATA）是否写错；\
                 平台在 xinyong serve 或 xinyong import 首次运行时创建",
                config.data_dir.display()
            );
        }
        Self::open(config).await
    }

    /// Opens the platform described by `config`, creating it if need be.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        create_private_dir(&config.data_dir)
            .with_context(|| format!("无法创建数据目录 {}", config.data_dir.display()))?;
        let store = open_store(&config).await?;
        let finished = crate::commands::rotate::finish_interrupted(&config, store.as_ref()).await?;
        // Held before the keys are read: no rotation swaps them from here on.
        let key_lock = crate::commands::rotate::hold_shared(&config)?;
        let pinned = store.meta(KEY_FINGERPRINT).await?;
        let keys = match finished {
            Some(next) => next,
            None => load_keys(&config, pinned.is_some())?,
        };
        let keys = Arc::new(keys);
        // A key that differs from the one the data was sealed with would make
        // every stored identity unreadable and every person a stranger.
        let fingerprint = fingerprint(&keys);
        let stored = store.ensure_meta(KEY_FINGERPRINT, &fingerprint).await?;
        if stored != fingerprint {
            bail!(
                "密钥与数据库中已有数据使用的密钥不一致（指纹 {stored}，当前 {fingerprint}）：请使用原密钥文件或配置"
            );
        }
        if pinned.is_none() {
            // A new database: every record in it is imported under the rule.
            store.ensure_meta(FREE_TEXT_SEALED, "new").await?;
        } else if store.meta(FREE_TEXT_SEALED).await?.is_none() {
            tracing::warn!(
                "records stored before identifiers in free text were masked at import may hold them in clear: run `xinyong migrate` once"
            );
        }
        let spool = Spool::open(&config.data_dir.join("spool"), Arc::clone(&store))
            .await
            .context("无法打开审计暂存目录")?;
        SPOOLS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(spool.clone());
        let catalog = load_catalog(store.as_ref(), &catalog_files(&config)?).await?;
        let identifiers = &config.identifiers;
        let policy = Arc::new(IdPolicy::new(
            identifiers.allow_check_digit.iter().map(String::as_str),
            identifiers.extra_categories.iter().map(String::as_str),
        ));
        Ok(Self {
            config,
            store,
            catalog,
            keys,
            policy,
            key_lock,
            spool,
        })
    }

    /// The access layer for this platform.
    pub fn access(&self) -> Access {
        Access::new(
            Arc::clone(&self.store),
            Arc::clone(&self.keys),
            self.config.access.clone(),
        )
        .with_spool(self.spool.clone())
        .with_policy(Arc::clone(&self.policy))
    }

    /// The credit check service (starts its log writer: call inside the runtime).
    pub fn checks(&self) -> anyhow::Result<Checks> {
        let source = match &self.config.measures_dir {
            Some(dir) => BookSource::Dir(dir.clone()),
            None => BookSource::Builtin,
        };
        let platform = CheckPlatform {
            access: self.access(),
            store: Arc::clone(&self.store),
            keys: Arc::clone(&self.keys),
            policy: Arc::clone(&self.policy),
            types: self.catalog.entries().map(|e| Arc::clone(&e.record_type)).collect(),
        };
        Checks::new(platform, source, self.config.checks.clone()).context("奖惩措施和规则无效")
    }

    /// Commitments and repairs, on the working-day calendar (the built-in
    /// one, or `calendar_dir`'s `<year>.toml` files).
    pub fn rights(&self) -> anyhow::Result<Rights> {
        let files = match &self.config.calendar_dir {
            Some(dir) => calendar_files(dir)?,
            None => xinyong_domain::calendar::builtin_files(),
        };
        let calendar = WorkingCalendar::parse(&files).context("工作日历无效")?;
        let book = CommitmentBook::parse(xinyong_domain::rights::commitment::builtin_text()).context("承诺类型无效")?;
        let platform = RightsPlatform {
            access: self.access(),
            store: Arc::clone(&self.store),
            catalog: Arc::new(self.catalog.clone()),
            importer: self.importer(),
            keys: Arc::clone(&self.keys),
            data_dir: self.config.data_dir.clone(),
        };
        Ok(Rights::new(platform, calendar, book, self.config.rights.clone()))
    }

    /// An importer for this platform.
    pub fn importer(&self) -> Importer {
        Importer::new(
            Arc::clone(&self.store),
            Arc::clone(&self.keys),
            Arc::clone(&self.policy),
        )
    }
}

/// The `<year>.toml` files of a calendar directory, as (name, text).
fn calendar_files(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("无法读取工作日历目录 {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).with_context(|| format!("无法读取 {}", path.display()))?;
            files.push((name, text));
        }
    }
    files.sort();
    Ok(files)
}

/// Picks the backend once, from the URL's scheme.
async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config.database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::connect(&url).await.context("无法连接PostgreSQL数据库")?;
        return Ok(Arc::new(store));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(&url);
    let store = SqliteStore::open(Path::new(path))
        .await
        .with_context(|| format!("无法打开SQLite数据库 {path}"))?;
    Ok(Arc::new(store))
}

/// The metadata key set once every stored record's free text has its
/// identifiers masked (`xinyong migrate` walks the records stored before).
pub const FREE_TEXT_SEALED: &str = "free_text_sealed";

/// The metadata key under which the database pins the fingerprint of the
/// keys its personal identifiers are sealed with (`rekey` moves it).
pub const KEY_FINGERPRINT: &str = "key_fingerprint";

/// A short public fingerprint of the keys, pinned in the database.
pub fn fingerprint(keys: &Keys) -> String {
    xinyong_crypto::hex(&keys.keyed_hash(b"xinyong key fingerprint")[..8])
}

/// Keys from configuration, or from the key file (created at first start
/// with owner-only permissions).
fn load_keys(config: &Config, pinned: bool) -> anyhow::Result<Keys> {
    if let Some(secret) = &config.crypto.key {
        return Keys::from_hex(&secret.0).context("配置中的 crypto.key 无效");
    }
    let path = config.key_file();
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("无法读取密钥文件 {}", path.display()))?;
        return Keys::from_hex(&text).with_context(|| format!("密钥文件 {} 无效", path.display()));
    }
    // Data sealed under a key is there: a new key would open none of it.
    if pinned {
        bail!(
            "密钥文件 {} 不存在，而数据库中已有用密钥加密的数据：请从备份恢复该密钥文件",
            path.display()
        );
    }
    let keys = Keys::generate()?;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    write_new_private(&path, keys.to_hex().as_bytes())
        .with_context(|| format!("无法创建密钥文件 {}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new key file; keep a copy somewhere safe");
    Ok(keys)
}

/// The catalogue files: the configured directory's `*.toml`, or the built-in ones.
fn catalog_files(config: &Config) -> anyhow::Result<Vec<(String, String)>> {
    let Some(dir) = &config.catalog_dir else {
        return Ok(builtin_catalog());
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("无法读取目录 {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).with_context(|| format!("无法读取 {}", path.display()))?;
            files.push((
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                text,
            ));
        }
    }
    files.sort();
    anyhow::ensure!(!files.is_empty(), "目录 {} 中没有目录文件（*.toml）", dir.display());
    Ok(files)
}
