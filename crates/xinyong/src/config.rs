//! The platform's configuration: one `Config`, built from defaults, then a
//! TOML file, then `XINYONG_*` environment variables (`__` between levels),
//! then the command line.

use std::fmt;
use std::path::PathBuf;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The commented example configuration, as shipped.
pub const EXAMPLE: &str = include_str!("../xinyong.example.toml");

/// Options every verb takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Data directory (SQLite database, keys, kept uploads).
    #[arg(long = "data", global = true, env = "XINYONG_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Database URL (default: the SQLite file in the data directory).
    #[arg(long, global = true, env = "XINYONG_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Configuration file (default: xinyong.toml in the data directory, if present).
    #[arg(long, global = true, env = "XINYONG_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Everything configurable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL; `None` means the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// Directory of catalogue files replacing the built-in catalogue.
    pub catalog_dir: Option<PathBuf>,
    /// Directory holding measures.toml, matters.toml and rules.toml,
    /// replacing the built-in measure book.
    pub measures_dir: Option<PathBuf>,
    /// HTTP settings.
    pub web: xinyong_web::Settings,
    /// Sessions and purposes.
    pub access: xinyong_access::AccessSettings,
    /// Credit checks.
    pub checks: xinyong_checks::CheckSettings,
    /// Directory of `<year>.toml` holiday files replacing the built-in
    /// working-day calendar (add a year as soon as its notice is out).
    pub calendar_dir: Option<PathBuf>,
    /// Deadlines of commitments and repairs, in working days.
    pub rights: xinyong_rights::RightsSettings,
    /// Identifier policy.
    pub identifiers: IdentifierSettings,
    /// Key material.
    pub crypto: CryptoSettings,
}

/// The office's identifier policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentifierSettings {
    /// Codes accepted despite a wrong check character.
    pub allow_check_digit: Vec<String>,
    /// Extra (authority, category) pairs, e.g. `G1`.
    pub extra_categories: Vec<String>,
}

/// Key material.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoSettings {
    /// 96 hexadecimal characters; `None` means the key file.
    pub key: Option<Secret>,
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./xinyong-data"),
            database_url: None,
            catalog_dir: None,
            measures_dir: None,
            web: xinyong_web::Settings::default(),
            access: xinyong_access::AccessSettings::default(),
            checks: xinyong_checks::CheckSettings::default(),
            calendar_dir: None,
            rights: xinyong_rights::RightsSettings::default(),
            identifiers: IdentifierSettings::default(),
            crypto: CryptoSettings::default(),
        }
    }
}

impl Config {
    /// Loads the configuration for the command line's global options.
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Self> {
        let data_dir = global.data.clone().unwrap_or_else(|| Config::default().data_dir);
        let file = match &global.config {
            Some(path) => Some(path.clone()),
            None => Some(data_dir.join("xinyong.toml")).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &file {
            anyhow::ensure!(path.exists(), "配置文件 {} 不存在", path.display());
            figment = figment.merge(Toml::file(path));
        }
        // Only variables naming a setting are read: XINYONG_DATA, _DATABASE_URL and
        // _CONFIG are command-line options (read by clap), and other tools use the
        // prefix too (XINYONG_LOG, the tests' XINYONG_TEST_DATABASE_URL).
        const SETTINGS: [&str; 10] = [
            "data_dir",
            "catalog_dir",
            "measures_dir",
            "calendar_dir",
            "web__",
            "access__",
            "checks__",
            "rights__",
            "identifiers__",
            "crypto__",
        ];
        let env = Env::prefixed("XINYONG_")
            .filter(|key| {
                SETTINGS
                    .iter()
                    .any(|s| key.as_str().to_ascii_lowercase().starts_with(s))
            })
            .split("__");
        figment = figment.merge(env);
        let mut config: Config = figment.extract().context("配置无效")?;
        if let Some(data) = &global.data {
            config.data_dir = data.clone();
        }
        if let Some(url) = &global.database_url {
            config.database_url = Some(url.clone());
        }
        Ok(config)
    }

    /// The database URL, defaulting to the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.sqlite_path().display()))
    }

    /// The default SQLite file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("xinyong.db")
    }

    /// The key file.
    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("keys").join("platform.key")
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, EXAMPLE};

    #[test]
    fn the_example_parses_and_equals_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap();
        let defaults = Config::default();
        assert_eq!(toml::to_string(&parsed).unwrap(), toml::to_string(&defaults).unwrap());
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment's Jail dictates the closure's error type"
    )]
    fn environment_variables_set_nested_settings_and_others_are_ignored() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("XINYONG_WEB__MAX_PAGE_SIZE", "50");
            jail.set_env("XINYONG_REQUIRE_POSTGRES", "1");
            let global = super::GlobalArgs {
                data: Some(jail.directory().into()),
                database_url: None,
                config: None,
            };
            let config = Config::load(&global).map_err(|e| e.to_string())?;
            assert_eq!(config.web.max_page_size, 50);
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted() {
        let mut config = Config::default();
        config.crypto.key = Some(super::Secret("00".repeat(48)));
        assert!(!format!("{config:?}").contains("0000"));
    }
}
