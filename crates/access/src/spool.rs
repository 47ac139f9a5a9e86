//! The spool: audit entries and credit checks written down before their
//! answers leave, and committed to the database in groups behind them.
//!
//! The rule is that no answer leaves unlogged. Committing one transaction
//! per read before answering cost as much as the read itself, and the
//! credit checks' tail was the database's syncs (`bench/RESULTS.md`). So an
//! entry is first appended to this process's spool file — one `write` of
//! one line, under a lock held for just that — and the answer waits only
//! for that. A task commits what the spool holds, in order, in groups of up
//! to [`MAX_GROUP`], each in one transaction.
//!
//! - **Durability.** A line the kernel has taken survives the process
//!   dying, as a commit of the SQLite journal does (WAL, `synchronous =
//!   NORMAL`); neither survives a power cut before the next sync.
//! - **Exactly once.** Each group is committed together with the file's
//!   mark (its last position), so a file left by a process that died is
//!   replayed from after its mark by the next process that opens the
//!   spool directory, and then removed. Every process has a file of its
//!   own, locked while it runs, so a live process's file is never replayed.
//! - **Reads see it.** Whoever reads the audit log or the checks of this
//!   process first waits for [`Spool::settled`], so an entry spooled before
//!   the read is in the database by the time it is read.
//! - **Bounded files.** A file past [`ROTATE_AT`] is retired for a new one
//!   (the next name of the same run) and removed once everything in it is
//!   committed, so a spool under steady load does not grow.
//! - **Nothing dropped.** A group the database refuses is retried one
//!   entry at a time; an entry it still refuses (a database error, not an
//!   outage) is written to `failed.jsonl` beside the spool files and logged.
//!
//! Without a directory (tests, tools) the spool lives in memory only, and
//! [`Spool::push`] waits for the commit instead of the file.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use xinyong_crypto::{create_private_dir, private_file_options};
use xinyong_domain::audit::Event;
use xinyong_store::{NewCheck, SpoolMark, Spooled, Store, StoreError};

use crate::AccessError;

/// Most entries committed in one transaction.
const MAX_GROUP: usize = 512;
/// Entries waiting for the database before a push waits for them to drain
/// (the database being down must not grow memory without bound).
const MAX_PENDING: usize = 100_000;
/// Size past which the file is retired for a new one.
const ROTATE_AT: u64 = 4 << 20;
/// How long closing waits for the database before leaving the file to the
/// next start.
const CLOSE_PATIENCE: Duration = Duration::from_secs(10);
/// How often the committing task looks for new entries while they keep
/// coming. Waking it for each entry cost the writer of a read more than the
/// write itself: waking a parked thread is an interrupt to another core,
/// 20–40 µs on this kind of virtual machine (`bench/RESULTS.md`).
const POLL: Duration = Duration::from_millis(5);
/// Empty looks after which the committing task sleeps until woken.
const IDLE_POLLS: u32 = 20;
/// The longest wait between attempts while the database is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// File name suffix of a spool file.
const SUFFIX: &str = "spool";
/// Where entries the database refused are kept.
const FAILED: &str = "failed.jsonl";

/// One thing to commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// An audit entry.
    Audit {
        /// What it records.
        event: Event,
    },
    /// A credit check with its audit entry.
    Check {
        /// The check as answered.
        check: Box<NewCheck>,
        /// Its audit entry.
        event: Event,
    },
}

/// A handle to the spool; cheap to clone.
#[derive(Debug, Clone)]
pub struct Spool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    store: Arc<dyn Store>,
    /// The spool directory and this run's name (`None`: in memory).
    home: Option<(PathBuf, String)>,
    state: Mutex<State>,
    /// Wakes the committing task (kept apart so that it can wait without
    /// keeping the spool alive).
    wake: Arc<Notify>,
    /// The last position committed (or set aside as refused).
    settled: watch::Sender<i64>,
}

/// The file lines are appended to.
#[derive(Debug)]
struct SpoolFile {
    /// Its name (without `.spool`), the key of its mark.
    name: String,
    file: File,
    bytes: u64,
}

#[derive(Debug, Default)]
struct State {
    /// The next position to hand out (positions start at 1).
    next: i64,
    pending: VecDeque<(i64, Entry)>,
    /// The file being written (`None`: in memory).
    file: Option<SpoolFile>,
    /// How many files this run has started.
    generation: u32,
    /// Files retired for a newer one, oldest first, each with the last
    /// position written to it: removed once that position is committed.
    retired: VecDeque<(String, i64)>,
    /// Entries the database refused, for whoever waits for them.
    refused: BTreeMap<i64, String>,
    started: bool,
    /// The committing task sleeps until woken (rather than looking every
    /// [`POLL`]).
    asleep: bool,
    closed: bool,
}

impl Spool {
    /// A spool kept in memory only: a push waits for its commit.
    pub fn in_memory(store: Arc<dyn Store>) -> Self {
        Self::with_file(store, None, None)
    }

    /// Opens the spool in `dir` (created owner-only if missing): first
    /// commits what files left there by processes that died still hold,
    /// then starts this process's own file.
    pub async fn open(dir: &Path, store: Arc<dyn Store>) -> Result<Self, AccessError> {
        create_private_dir(dir).map_err(|e| io_error(dir, &e))?;
        let listing = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
        let mut orphans = Vec::new();
        for item in listing {
            let path = item.map_err(|e| io_error(dir, &e))?.path();
            if path.extension().is_some_and(|ext| ext == SUFFIX) {
                orphans.push(path);
            }
        }
        orphans.sort();
        for path in orphans {
            replay(&path, &store).await?;
        }
        let run = format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.9f"),
            std::process::id()
        );
        let file = start_file(dir, &run, 0)?;
        Ok(Self::with_file(store, Some((dir.to_owned(), run)), Some(file)))
    }

    fn with_file(store: Arc<dyn Store>, home: Option<(PathBuf, String)>, file: Option<SpoolFile>) -> Self {
        let (settled, _) = watch::channel(0);
        Self {
            shared: Arc::new(Shared {
                store,
                home,
                state: Mutex::new(State {
                    next: 1,
                    file,
                    ..State::default()
                }),
                wake: Arc::new(Notify::new()),
                settled,
            }),
        }
    }

    /// Writes `entry` down; returns once it is in the spool file (or, for
    /// a spool in memory, committed). Call inside the runtime.
    pub async fn push(&self, entry: Entry) -> Result<i64, AccessError> {
        let body = serde_json::to_string(&entry).map_err(|e| AccessError::Internal(format!("spool: {e}")))?;
        let (position, backlog, asleep) = {
            let mut state = self.shared.lock();
            if state.closed {
                return Err(AccessError::Internal("spool closed".into()));
            }
            let position = state.next;
            if let Some(file) = &mut state.file {
                let line = format!("{position}\t{body}\n");
                if let Err(error) = (&file.file).write_all(line.as_bytes()) {
                    // Cut a line written in part (a full disk), so that the
                    // next line starts on a line of its own.
                    let _ = file.file.set_len(file.bytes);
                    return Err(AccessError::Internal(format!("spool {}: {error}", file.name)));
                }
                file.bytes += line.len() as u64;
                // The line is written: a new file that cannot be started
                // now is tried again at the next push.
                if file.bytes > ROTATE_AT
                    && let Err(error) = self.shared.rotate(&mut state, position)
                {
                    tracing::warn!(%error, "a new spool file could not be started");
                }
            }
            state.next += 1;
            state.pending.push_back((position, entry));
            if !state.started {
                state.started = true;
                tokio::spawn(drain(Arc::downgrade(&self.shared), Arc::clone(&self.shared.wake)));
            }
            (position, state.pending.len(), std::mem::take(&mut state.asleep))
        };
        if asleep {
            self.shared.wake.notify_one();
        }
        if self.shared.home.is_none() {
            self.settle(position).await?;
        } else if backlog > MAX_PENDING {
            self.wait_for(position - MAX_PENDING as i64).await;
        }
        Ok(position)
    }

    /// Waits until the entry at `position` is committed; an error if the
    /// database refused it.
    pub async fn settle(&self, position: i64) -> Result<(), AccessError> {
        // Someone waits: no reason to let the committing task finish its poll.
        self.shared.wake.notify_one();
        self.wait_for(position).await;
        match self.shared.lock().refused.remove(&position) {
            Some(reason) => Err(AccessError::Internal(format!("audit entry not stored: {reason}"))),
            None => Ok(()),
        }
    }

    /// Waits until everything spooled so far is committed.
    pub async fn settled(&self) {
        let last = self.shared.lock().next - 1;
        self.shared.wake.notify_one();
        self.wait_for(last).await;
    }

    async fn wait_for(&self, position: i64) {
        let mut settled = self.shared.settled.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = settled.wait_for(|&done| done >= position).await;
    }

    /// Commits everything spooled, refuses later pushes and removes this
    /// process's files (call once, when the process stops). If the
    /// database does not take them in time, the files stay for the next
    /// start to commit.
    pub async fn close(&self) -> Result<(), AccessError> {
        self.shared.lock().closed = true;
        if tokio::time::timeout(CLOSE_PATIENCE, self.settled()).await.is_err() {
            return Err(AccessError::Internal(
                "the database did not take the spool in time; the next start commits it".into(),
            ));
        }
        let Some((dir, _)) = &self.shared.home else {
            return Ok(());
        };
        let names: Vec<String> = {
            let mut state = self.shared.lock();
            let mut names: Vec<String> = state.retired.drain(..).map(|(name, _)| name).collect();
            names.extend(state.file.take().map(|file| file.name));
            names
        };
        for name in names {
            remove_spool_file(dir, &name, &self.shared.store).await?;
        }
        Ok(())
    }

    /// Whether the spool was closed (the process is stopping).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock is held cannot leave the state half
        // changed: each change under it is a push, a pop or a counter.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Retires the current file, whose last line is at `last`, for the
    /// run's next one.
    fn rotate(&self, state: &mut State, last: i64) -> Result<(), AccessError> {
        let Some((dir, run)) = &self.home else { return Ok(()) };
        state.generation += 1;
        let next = start_file(dir, run, state.generation)?;
        if let Some(old) = state.file.replace(next) {
            state.retired.push_back((old.name, last));
        }
        Ok(())
    }

    /// The file the entry at `position` was written to, and the last
    /// position in it (`None` for the current file).
    fn file_of(&self, position: i64) -> Option<(String, Option<i64>)> {
        let state = self.lock();
        for (name, last) in &state.retired {
            if position <= *last {
                return Some((name.clone(), Some(*last)));
            }
        }
        state.file.as_ref().map(|file| (file.name.clone(), None))
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Lets the committing task see that the spool is gone.
        self.wake.notify_one();
    }
}

/// The committing task: takes groups off the front of the spool and
/// commits them, until the spool is dropped.
async fn drain(shared: Weak<Shared>, wake: Arc<Notify>) {
    let mut idle = 0;
    loop {
        let Some(spool) = shared.upgrade() else { return };
        let group: Vec<(i64, Entry)> = {
            let mut state = spool.lock();
            // A group never spans two files: it commits with one file's mark.
            let first = state.pending.front().map_or(0, |(position, _)| *position);
            let boundary = state
                .retired
                .iter()
                .map(|(_, last)| *last)
                .find(|last| *last >= first)
                .unwrap_or(i64::MAX);
            let n = state
                .pending
                .iter()
                .take(MAX_GROUP)
                .take_while(|(position, _)| *position <= boundary)
                .count();
            state.pending.drain(..n).collect()
        };
        if group.is_empty() {
            // Decided under the lock that pushes take, so that a push
            // either lands before (and is seen) or sees the task asleep
            // (and wakes it).
            let asleep = {
                let mut state = spool.lock();
                if state.pending.is_empty() && idle >= IDLE_POLLS {
                    state.asleep = true;
                }
                state.asleep
            };
            drop(spool);
            if asleep {
                wake.notified().await;
                idle = 0;
                if let Some(spool) = shared.upgrade() {
                    spool.lock().asleep = false;
                }
            } else {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => idle += 1,
                    () = wake.notified() => {}
                }
            }
            continue;
        }
        idle = 0;
        let last = group.last().map_or(0, |(position, _)| *position);
        let file = spool.file_of(group[0].0);
        let dir = spool.home.as_ref().map(|(dir, _)| dir.as_path());
        let name = file.as_ref().map(|(name, _)| name.as_str());
        for (position, reason) in commit_group(&spool.store, dir, name, group).await {
            spool.note_refused(position, reason);
        }
        if let (Some(dir), Some((name, Some(retired_last)))) = (dir, &file)
            && last >= *retired_last
        {
            spool.lock().retired.retain(|(retired, _)| retired != name);
            if let Err(error) = remove_spool_file(dir, name, &spool.store).await {
                tracing::warn!(%error, spool = name, "committed spool file could not be removed; the next start does");
            }
        }
        spool.settled.send_replace(last);
    }
}

/// Commits a group from the file `name` (none: in memory); if the
/// database refuses it, one entry at a time, setting aside (in `dir`) the
/// entries it refuses on their own. Returns those, with the reason.
async fn commit_group(
    store: &Arc<dyn Store>,
    dir: Option<&Path>,
    name: Option<&str>,
    group: Vec<(i64, Entry)>,
) -> Vec<(i64, String)> {
    let mark = |upto| {
        name.map(|name| SpoolMark {
            spool: name.to_owned(),
            upto,
        })
    };
    let last = group.last().map_or(0, |(position, _)| *position);
    let entries: Vec<Entry> = group.iter().map(|(_, entry)| entry.clone()).collect();
    if commit_until_reached(store, entries, mark(last)).await.is_ok() {
        return Vec::new();
    }
    let mut refused = Vec::new();
    for (position, entry) in group {
        if let Err(error) = commit_until_reached(store, vec![entry.clone()], mark(position)).await {
            set_aside(dir, name, position, &entry, &error);
            // The mark still moves past it, so that a replay does not
            // try it again.
            let _ = commit_until_reached(store, Vec::new(), mark(position)).await;
            refused.push((position, error.to_string()));
        }
    }
    refused
}

/// Commits, retrying for as long as the database is unreachable; any other
/// error is returned.
async fn commit_until_reached(
    store: &Arc<dyn Store>,
    entries: Vec<Entry>,
    mark: Option<SpoolMark>,
) -> Result<(), StoreError> {
    let mut backoff = Duration::from_millis(50);
    loop {
        let group = spooled(entries.clone(), mark.clone());
        let store = Arc::clone(store);
        // In a task of its own, so that a panic in the store fails this
        // commit and not the committing task.
        let outcome = match tokio::spawn(async move { store.commit_spooled(group).await }).await {
            Ok(outcome) => outcome,
            Err(error) => Err(StoreError::Other(format!("committing the spool panicked: {error}"))),
        };
        match outcome {
            Err(StoreError::Unavailable(reason)) => {
                tracing::warn!(%reason, "database unreachable: spooled entries wait");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            other => return other,
        }
    }
}

fn spooled(entries: Vec<Entry>, mark: Option<SpoolMark>) -> Spooled {
    let mut group = Spooled {
        mark,
        ..Spooled::default()
    };
    for entry in entries {
        match entry {
            Entry::Audit { event } => group.events.push(event),
            Entry::Check { check, event } => {
                group.checks.push(*check);
                group.events.push(event);
            }
        }
    }
    group
}

/// Keeps an entry the database refused in `failed.jsonl` (when the spool
/// has a directory) and logs it.
fn set_aside(dir: Option<&Path>, name: Option<&str>, position: i64, entry: &Entry, error: &StoreError) {
    tracing::error!(position, %error, "a spooled entry was refused by the database");
    let Some(dir) = dir else { return };
    let line = serde_json::json!({
        "spool": name,
        "position": position,
        "error": error.to_string(),
        "entry": entry,
    });
    let path = dir.join(FAILED);
    let kept = private_file_options()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
    if let Err(e) = kept {
        tracing::error!(path = %path.display(), error = %e, entry = %line, "refused entry could not be kept");
    }
}

impl Shared {
    /// Tells whoever waits for the entry at `position` that it was refused.
    fn note_refused(&self, position: i64, reason: String) {
        let mut state = self.lock();
        state.refused.insert(position, reason);
        // Nobody waits for a refusal this old any more.
        let keep_from = position - MAX_PENDING as i64;
        state.refused = state.refused.split_off(&keep_from);
    }
}

/// Creates the run's file number `generation`, locked. It is created under
/// a name another process's start does not take for a dead process's file,
/// and renamed once locked.
fn start_file(dir: &Path, run: &str, generation: u32) -> Result<SpoolFile, AccessError> {
    let name = format!("{run}-{generation:06}");
    let fresh = dir.join(format!("{name}.new"));
    let file = private_file_options()
        .create_new(true)
        .append(true)
        .open(&fresh)
        .map_err(|e| io_error(&fresh, &e))?;
    file.try_lock()
        .map_err(|e| AccessError::Internal(format!("{}: {e}", fresh.display())))?;
    let path = dir.join(format!("{name}.{SUFFIX}"));
    std::fs::rename(&fresh, &path).map_err(|e| io_error(&path, &e))?;
    Ok(SpoolFile { name, file, bytes: 0 })
}

/// Removes a spool file whose entries are all committed, and its mark.
async fn remove_spool_file(dir: &Path, name: &str, store: &Arc<dyn Store>) -> Result<(), AccessError> {
    let path = dir.join(format!("{name}.{SUFFIX}"));
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&path, &e)),
    }
    Ok(store.forget_spool(name).await?)
}

/// Commits what a spool file left by a process that died still holds, then
/// removes it. A file whose lock is held belongs to a live process and is
/// left alone.
async fn replay(path: &Path, store: &Arc<dyn Store>) -> Result<(), AccessError> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        // Another process starting at the same time replayed it first.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(path, &e)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(()),
        Err(std::fs::TryLockError::Error(e)) => return Err(io_error(path, &e)),
    }
    if !still_at(&file, path) {
        // Another process starting at the same time replayed and removed
        // it between our opening and our lock.
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let done = store.spool_mark(&name).await?.unwrap_or(0);
    let mut group = Vec::new();
    let mut replayed = 0usize;
    let mut reader = BufReader::new(&file);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(|e| io_error(path, &e))? == 0 {
            break;
        }
        let Some(line) = line.strip_suffix(b"\n") else {
            // The last line, cut short by a power cut: the spool promises
            // no more for it than the journal's own unsynced commits.
            tracing::warn!(spool = name, "spool file ends in a line written in part; it is skipped");
            break;
        };
        let Some((position, entry)) = parse_line(line) else {
            // Anything else unreadable is damage: the file is kept for the
            // auditor under another name.
            keep_damaged(path, &name);
            flush(store, dir, &name, group).await;
            return Ok(());
        };
        if position <= done {
            continue;
        }
        group.push((position, entry));
        replayed += 1;
        if group.len() == MAX_GROUP {
            flush(store, dir, &name, std::mem::take(&mut group)).await;
        }
    }
    flush(store, dir, &name, group).await;
    std::fs::remove_file(path).map_err(|e| io_error(path, &e))?;
    store.forget_spool(&name).await?;
    tracing::info!(spool = name, replayed, "spool left by a stopped process committed");
    Ok(())
}

/// Commits a replayed group; entries the database refuses are set aside
/// as on the live path.
async fn flush(store: &Arc<dyn Store>, dir: &Path, name: &str, group: Vec<(i64, Entry)>) {
    if !group.is_empty() {
        commit_group(store, Some(dir), Some(name), group).await;
    }
}

/// Whether `path` still names the open `file` (not removed or replaced).
fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(open), Ok(named)) => open.ino() == named.ino() && open.dev() == named.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// A line as [`Spool::push`] writes it: the position, a tab, the entry.
fn parse_line(line: &[u8]) -> Option<(i64, Entry)> {
    let line = std::str::from_utf8(line).ok()?;
    let (position, body) = line.split_once('\t')?;
    Some((position.parse().ok()?, serde_json::from_str(body).ok()?))
}

fn keep_damaged(path: &Path, name: &str) {
    let kept = path.with_extension("damaged");
    tracing::error!(spool = name, kept = %kept.display(), "spool file has an unreadable line: entries after it are not committed");
    if let Err(error) = std::fs::rename(path, &kept) {
        tracing::error!(spool = name, %error, "damaged spool file could not be set aside");
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> AccessError {
    AccessError::Internal(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests;
