//! Applying the SQL files in `migrations/`, in order, each once.

use rusqlite::{OptionalExtension, Transaction, params};

/// The migrations, in order: (name, SQL).
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    ("0002_access", include_str!("../migrations/0002_access.sql")),
    ("0003_checks", include_str!("../migrations/0003_checks.sql")),
    (
        "0004_check_batches",
        include_str!("../migrations/0004_check_batches.sql"),
    ),
    ("0005_rights", include_str!("../migrations/0005_rights.sql")),
    ("0006_objections", include_str!("../migrations/0006_objections.sql")),
    (
        "0007_objection_attachments",
        include_str!("../migrations/0007_objection_attachments.sql"),
    ),
    (
        "0008_commitment_addressee",
        include_str!("../migrations/0008_commitment_addressee.sql"),
    ),
];

fn digest(sql: &str) -> String {
    xinyong_crypto::hex(&xinyong_crypto::sm3(sql.as_bytes()))
}

/// Applies pending migrations; fails if an applied one was edited since.
pub(crate) fn run(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY, digest TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    for (name, sql) in MIGRATIONS {
        let applied: Option<String> = tx
            .query_row("SELECT digest FROM schema_migrations WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?;
        match applied {
            Some(stored) if stored == digest(sql) => {}
            Some(_) => {
                return Err(crate::error::corrupt(format!(
                    "migration {name} was changed after it was applied"
                )));
            }
            None => {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (name, digest, applied_at) VALUES (?1, ?2, ?3)",
                    params![name, digest(sql), crate::rows::now()],
                )?;
            }
        }
    }
    Ok(())
}
