//! `/`: the search box, how much the platform holds, and the latest 双公示.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use tokio::sync::RwLock;

use crate::api::dto::PublicRecord;
use crate::api::records::{RecordParams, public_records};
use crate::auth::{Caller, Session};
use crate::site::layout::{Layout, render};
use crate::site::sections::record_types;
use crate::{AppState, Error};

/// How long the home page's figures are reused: counting every record on
/// each visit would cost more than the whole rest of the page.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// Records of each kind on the home page.
const RECENT_PER_KIND: u32 = 5;

/// How many records of a type the platform holds.
#[derive(Debug, Clone)]
pub(crate) struct Count {
    pub(crate) name: String,
    pub(crate) n: i64,
}

#[derive(Debug, Clone)]
struct Figures {
    counts: Vec<Count>,
    recent: Arc<Vec<PublicRecord>>,
}

/// The home page's figures, recomputed at most once a minute, off the
/// request path: once they are older than a minute, one request starts a
/// refresh in the background and every request meanwhile gets the figures
/// at hand (counting every record takes about a second at a few million).
#[derive(Debug, Default)]
pub(crate) struct Cache {
    figures: RwLock<Option<(Instant, Figures)>>,
    refreshing: AtomicBool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    counts: Vec<Count>,
    recent: Arc<Vec<PublicRecord>>,
}

/// `GET /`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Session(session): Session,
) -> Result<Response, Error> {
    let figures = figures(&state).await?;
    let page = HomePage {
        layout: Layout::new("首页", &caller, session.as_ref()),
        counts: figures.counts,
        recent: figures.recent,
    };
    render(&page, &page.layout)
}

async fn figures(state: &AppState) -> Result<Figures, Error> {
    let cache = &state.site;
    if let Some((at, figures)) = cache.figures.read().await.as_ref() {
        if at.elapsed() >= FRESH_FOR && !cache.refreshing.swap(true, Ordering::AcqRel) {
            let state = state.clone();
            tokio::spawn(async move {
                match compute(&state).await {
                    Ok(fresh) => *state.site.figures.write().await = Some((Instant::now(), fresh)),
                    Err(error) => tracing::warn!(%error, "home page figures not refreshed"),
                }
                state.site.refreshing.store(false, Ordering::Release);
            });
        }
        return Ok(figures.clone());
    }
    // The first visit after a start waits for them.
    let mut cached = cache.figures.write().await;
    if let Some((_, figures)) = cached.as_ref() {
        return Ok(figures.clone());
    }
    let figures = compute(state).await?;
    *cached = Some((Instant::now(), figures.clone()));
    Ok(figures)
}

async fn compute(state: &AppState) -> Result<Figures, Error> {
    let stored = state.store.count_records().await?;
    let counts = record_types(&state.catalog)
        .into_iter()
        .map(|(code, name)| Count {
            n: stored.iter().find(|(c, _)| *c == code).map_or(0, |(_, n)| *n),
            name,
        })
        .collect();
    let mut recent = Vec::new();
    for kind in ["xzxk", "xzcf"] {
        let page = public_records(
            state,
            RecordParams {
                record_type: Some(kind.into()),
                source: None,
                from: None,
                to: None,
                cursor: None,
                limit: Some(RECENT_PER_KIND),
            },
        )
        .await?;
        recent.extend(page.items);
    }
    recent.sort_by(|a, b| b.decision_date.cmp(&a.decision_date).then(b.id.cmp(&a.id)));
    Ok(Figures {
        counts,
        recent: Arc::new(recent),
    })
}
