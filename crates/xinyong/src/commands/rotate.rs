//! `xinyong rotate-key`: re-encrypts every sealed value under a new key.
//!
//! The order makes an interruption recoverable at every point:
//! 1. the new key is written beside the old one (`platform.key.next`);
//! 2. each kept upload and each proof document (objections, repairs) is
//!    re-sealed to `<file>.next` (the originals stay);
//! 3. one database transaction re-seals identities, records and rejected
//!    rows, recomputes people's keyed hashes and pins the new fingerprint;
//! 4. the re-sealed files replace the old ones;
//! 5. the old key file is retired (`platform.key.retired-<time>`, owner-only,
//!    for backups made before the rotation) and the new one takes its place.
//!
//! One rotation at a time: `keys/rotate.lock` is held while one runs and
//! while a start finishes one. The new key file and the re-sealed copies
//! are synced to disk before the transaction that pins the new key.
//!
//! A batch check still running keeps its list of subjects sealed until it
//! ends; a rotation waits for it (it is refused until the server has
//! finished the batch).
//!
//! Stopped before 3, nothing has changed: the `.next` files are left over
//! from a rotation that did not happen, and the next run deletes them
//! before it starts. Stopped after 3, `platform.key.next` stays until the
//! very last step, so the next start finds the database pinned to its
//! fingerprint and finishes 4 and 5 ([`finish_interrupted`]) before it
//! loads a key: a start in the moment between retiring the old key file
//! and renaming the new one must not take the missing key file for a first
//! start and make a key of its own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use xinyong_crypto::{Keys, create_private_dir, create_private_file, private_file_options, write_new_private};
use xinyong_store::{PageRequest, Rekey, Store};

use crate::commands::accounts::console;
use crate::commands::print_line;
use crate::config::{Config, GlobalArgs};
use crate::wiring::{KEY_FINGERPRINT, Platform, fingerprint};

fn next_key_file(config: &Config) -> PathBuf {
    config.key_file().with_extension("key.next")
}

fn next_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// Re-seals one kept upload from the old key to the new, into `<file>.next`,
/// streaming through a pipe so that no plaintext touches the disk.
fn reseal_file(old: &Keys, new: &Keys, path: &Path) -> anyhow::Result<()> {
    let input = std::io::BufReader::new(std::fs::File::open(path)?);
    let target = next_of(path);
    let output = std::io::BufWriter::new(create_private_file(&target)?);
    let (reader, writer) = std::io::pipe()?;
    std::thread::scope(|scope| {
        let opening = scope.spawn(move || old.open_file(input, writer));
        let sealed = new.seal_file(reader, output);
        let opened = opening.join().map_err(|_| anyhow::anyhow!("opening thread failed"))?;
        opened.with_context(|| format!("保存的原始文件 {} 无法用当前密钥解密", path.display()))?;
        sealed.with_context(|| format!("无法重新加密 {}", path.display()))
    })?;
    Ok(())
}

/// Re-seals one proof document (sealed whole, at most a few megabytes) to
/// `<file>.next`.
fn reseal_proof(old: &Keys, new: &Keys, path: &Path) -> anyhow::Result<()> {
    let clear = old
        .open(&std::fs::read(path)?)
        .with_context(|| format!("证明材料 {} 无法用当前密钥解密", path.display()))?;
    let target = next_of(path);
    let sealed = new.seal(&clear)?;
    create_private_file(&target)
        .and_then(|mut file| file.write_all(&sealed))
        .with_context(|| format!("无法重新加密 {}", path.display()))
}

/// The proof documents kept under `attachments/`.
fn proofs(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(entries) = entries_of(&data_dir.join("attachments"))? else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "sm4") {
            found.push(path);
        }
    }
    Ok(found)
}

/// A directory's entries; `None` if there is no such directory. Any other
/// failure to list it is an error: files missed here would stay sealed
/// under a retired key, or their new copies be deleted as leftovers.
fn entries_of(dir: &Path) -> anyhow::Result<Option<std::fs::ReadDir>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(Some(entries)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("无法读取目录 {}", dir.display())),
    }
}

/// Every `*.next` file under `uploads/` and `attachments/`.
fn resealed_files(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![data_dir.join("uploads"), data_dir.join("attachments")];
    while let Some(dir) = stack.pop() {
        let Some(entries) = entries_of(&dir)? else { continue };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "next") {
                found.push(path);
            }
        }
    }
    Ok(found)
}

/// Steps 4 and 5: the re-sealed files take over, then the new key file.
/// The new key file is renamed last, so that until everything else is done
/// its presence says a rotation is unfinished.
fn swap_files(config: &Config) -> anyhow::Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for next in resealed_files(&config.data_dir)? {
        let original = next.with_extension("");
        std::fs::rename(&next, &original).with_context(|| format!("无法替换 {}", original.display()))?;
        dirs.extend(original.parent().map(Path::to_path_buf));
    }
    // The swapped copies' names reach the disk before the key file's, which
    // says the rotation is done.
    for dir in dirs {
        std::fs::File::open(&dir)?.sync_all()?;
    }
    let key_file = config.key_file();
    if key_file.exists() {
        std::fs::rename(&key_file, retired_name(&key_file)).context("无法保留旧密钥文件")?;
    }
    std::fs::rename(next_key_file(config), &key_file).context("无法启用新密钥文件")?;
    if let Some(dir) = key_file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// A name for the retired key file that no earlier retired key has: a
/// rename would silently replace it, and with it the only key that opens
/// the backups made before that rotation.
fn retired_name(key_file: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let mut name = key_file.with_extension(format!("key.retired-{stamp}"));
    for n in 2.. {
        if !name.exists() {
            break;
        }
        name = key_file.with_extension(format!("key.retired-{stamp}-{n}"));
    }
    name
}

/// The rotation's lock (`keys/rotate.lock`). Every command that opens the
/// platform holds it shared for as long as it runs ([`hold_shared`]); a
/// rotation, and a start finishing one, hold it exclusively. So a rotation
/// never runs beside a server, an import or a migration that seals values
/// under the key it is retiring, and two rotations never swap each other's
/// files.
fn open_lock(config: &Config) -> anyhow::Result<std::fs::File> {
    let path = lock_path(config);
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    private_file_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("无法打开 {}", path.display()))
}

fn lock_path(config: &Config) -> PathBuf {
    config.key_file().with_file_name("rotate.lock")
}

/// A lock taken, or `busy` if another process holds it the other way.
fn taken(
    attempt: Result<(), std::fs::TryLockError>,
    config: &Config,
    busy: impl FnOnce(PathBuf) -> anyhow::Error,
) -> anyhow::Result<()> {
    match attempt {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(busy(lock_path(config))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("无法锁定 {}", lock_path(config).display()))
        }
    }
}

fn rotation_in_progress(path: PathBuf) -> anyhow::Error {
    anyhow::anyhow!("另一个进程正在轮换密钥（{}）：请等待其完成后再试", path.display())
}

/// The lock held exclusively by a start finishing an interrupted rotation.
fn rotation_lock(config: &Config) -> anyhow::Result<std::fs::File> {
    let file = open_lock(config)?;
    taken(file.try_lock(), config, rotation_in_progress)?;
    Ok(file)
}

/// The lock every command holds shared while it has the platform open.
pub fn hold_shared(config: &Config) -> anyhow::Result<std::fs::File> {
    let file = open_lock(config)?;
    taken(file.try_lock_shared(), config, rotation_in_progress)?;
    Ok(file)
}

/// The rotation's own shared hold made exclusive: refused while any other
/// process has the platform open.
fn make_exclusive(platform: &Platform) -> anyhow::Result<()> {
    taken(platform.key_lock.try_lock(), &platform.config, |path| {
        anyhow::anyhow!(
            "另有进程（服务或其他命令）正在使用该数据目录（{}）：请先停止服务并等待其他命令结束，再轮换密钥",
            path.display()
        )
    })
}

/// Makes written files, and their names in their directories, survive a
/// power cut: the database transaction that follows them is durable, and
/// must not be pinned to a key or point to copies that were lost.
fn make_durable(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for file in files {
        std::fs::File::open(file)?.sync_all()?;
        dirs.extend(file.parent().map(Path::to_path_buf));
    }
    for dir in dirs {
        std::fs::File::open(&dir)?.sync_all()?;
    }
    Ok(())
}

/// At start, before any key is loaded: if a rotation committed the database
/// (pinned it to the fingerprint of `platform.key.next`) and stopped before
/// its files were all swapped, finishes it and returns the new keys.
pub async fn finish_interrupted(config: &Config, store: &dyn Store) -> anyhow::Result<Option<Keys>> {
    let next = next_key_file(config);
    if config.crypto.key.is_some() || !next.exists() {
        return Ok(None);
    }
    // A file cut short by a crash while it was written belongs to a
    // rotation that never reached its transaction; the next one deletes it.
    let Some(keys) = std::fs::read_to_string(&next)
        .ok()
        .and_then(|text| Keys::from_hex(&text).ok())
    else {
        tracing::warn!(file = %next.display(), "ignoring an unreadable new key file left by an unfinished rotation");
        return Ok(None);
    };
    // Not pinned: a rotation running (its lock keeps this start out
    // later) or one stopped before its transaction; nothing to finish.
    if store.meta(KEY_FINGERPRINT).await?.as_deref() != Some(fingerprint(&keys).as_str()) {
        return Ok(None);
    }
    // Pinned: the rotation committed. Its own process may still be
    // swapping (then this waits for nothing: the lock refuses), or it
    // stopped; the files are looked at again under the lock.
    let _lock = rotation_lock(config)?;
    if !next.exists() {
        return Ok(None);
    }
    swap_files(config)?;
    tracing::warn!("finished an interrupted key rotation");
    Ok(Some(keys))
}

/// Deletes what a rotation stopped before its database transaction left:
/// its new key file and its `.next` copies, sealed under a key the
/// database never took. Left in place, a copy of an upload deleted since
/// would come back at the next rotation's swap.
fn forget_unfinished(config: &Config) -> anyhow::Result<()> {
    for next in resealed_files(&config.data_dir)?
        .into_iter()
        .chain(Some(next_key_file(config)).filter(|p| p.exists()))
    {
        std::fs::remove_file(&next).with_context(|| format!("无法删除上次未完成的轮换留下的 {}", next.display()))?;
    }
    Ok(())
}

pub async fn run(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let platform = Platform::open_existing(Config::load(global)?).await?;
    let config = &platform.config;
    if config.crypto.key.is_some() {
        bail!(
            "密钥来自配置（crypto.key），无法自动轮换：请改用密钥文件（删除该配置项，将其值写入 keys/platform.key）后再运行"
        );
    }
    let running = platform.store.running_check_batches().await?;
    if !running.is_empty() {
        let ids: Vec<String> = running.iter().map(|b| b.id.to_string()).collect();
        bail!(
            "批量核查（编号 {}）尚未完成，其主体名单仍以当前密钥加密：请先启动服务让其完成，再轮换密钥",
            ids.join("、")
        );
    }
    make_exclusive(&platform)?;
    forget_unfinished(config)?;
    let old = Arc::clone(&platform.keys);
    let new = Arc::new(Keys::generate()?);
    write_new_private(&next_key_file(config), new.to_hex().as_bytes()).context("无法写入新密钥文件")?;
    let mut written = vec![next_key_file(config)];

    let mut page = PageRequest::first(500);
    let mut n_files = 0;
    loop {
        let batches = platform.store.list_batches(None, &page).await?;
        for batch in &batches.items {
            if let Some(kept) = &batch.new.original_file {
                let path = config.data_dir.join(kept);
                if path.exists() {
                    reseal_file(&old, &new, &path)?;
                    written.push(next_of(&path));
                    n_files += 1;
                }
            }
        }
        match batches.next {
            Some(next) => {
                page = PageRequest {
                    after: Some(next),
                    limit: 500,
                }
            }
            None => break,
        }
    }

    let kept_proofs = proofs(&config.data_dir)?;
    for path in &kept_proofs {
        reseal_proof(&old, &new, path)?;
        written.push(next_of(path));
    }
    make_durable(&written).context("无法将新密钥文件和重新加密的文件写入磁盘")?;

    let (open_old, seal_new) = (Arc::clone(&old), Arc::clone(&new));
    let (open_for_hash, hash_new) = (Arc::clone(&old), Arc::clone(&new));
    let counts = platform
        .store
        .rekey(Rekey {
            reseal: Box::new(move |value: &[u8]| {
                let clear = open_old.open(value).map_err(|e| e.to_string())?;
                seal_new.seal(&clear).map_err(|e| e.to_string())
            }),
            rehash: Box::new(move |value: &[u8]| {
                let identity = open_for_hash.open(value).map_err(|e| e.to_string())?;
                Ok(hash_new.keyed_hash(&identity))
            }),
            fingerprint: fingerprint(&new),
        })
        .await
        .context("重新加密数据库中的数据失败（除非下文说明新密钥已提交，数据库未作任何改动）")?;
    swap_files(config)?;
    // Journaled under the new key's platform: the chain itself is unaffected.
    platform
        .access()
        .journal()
        .record(
            &console(),
            "key.rotate",
            None,
            None,
            serde_json::json!({
                "subjects": counts.subjects, "records": counts.records,
                "rejections": counts.rejections, "uploads": n_files, "proofs": kept_proofs.len(),
            }),
        )
        .await?;
    print_line(&format!(
        "密钥已轮换：重新加密 {} 个自然人身份、{} 条记录、{} 行被拒数据、{} 个原始文件、{} 份证明材料；旧密钥已保存为 {}（仅用于此前的备份，请离线保管后删除）",
        counts.subjects,
        counts.records,
        counts.rejections,
        n_files,
        kept_proofs.len(),
        config.key_file().with_extension("key.retired-*").display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
