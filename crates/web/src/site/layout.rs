//! What every page shares: its title, and who is signed in (for the
//! navigation and the sign-out form's CSRF token).

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use xinyong_access::{Caller, Principal};
use xinyong_domain::role::Role;

use crate::Error;
use crate::auth::SessionContext;

/// The site's name in every title and the header.
pub(crate) const SITE_NAME: &str = "公共信用信息平台";

/// The frame of a page.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) title: String,
    pub(crate) site_name: &'static str,
    /// The signed-in account's name, if any.
    pub(crate) user: Option<String>,
    /// The signed-in official's console, if any.
    pub(crate) console: Option<&'static str>,
    /// The session's CSRF token, for the sign-out form.
    pub(crate) csrf: String,
}

impl Layout {
    /// A page as `caller` sees it.
    pub(crate) fn new(title: impl Into<String>, caller: &Principal, session: Option<&SessionContext>) -> Self {
        let mut layout = Self::public(title);
        if let (Caller::Account(account), Some(session)) = (&caller.caller, session) {
            layout.user = Some(account.new.username.clone());
            layout.console = console_of(account.new.role);
            layout.csrf = session.csrf.clone();
        }
        layout
    }

    /// A page as the public sees it.
    pub(crate) fn public(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            site_name: SITE_NAME,
            user: None,
            console: None,
            csrf: String::new(),
        }
    }
}

/// Where an official's work starts; subjects have their portal instead.
pub(crate) fn console_of(role: Role) -> Option<&'static str> {
    match role {
        Role::Subject => None,
        Role::Operator => Some("/console/batches"),
        Role::Reviewer => Some("/console/office"),
        Role::Admin => Some("/console/accounts"),
        Role::Auditor => Some("/console/audit"),
    }
}

/// Renders a page. Pages for a signed-in viewer are never stored by a
/// shared cache or kept in the browser's history cache.
pub(crate) fn render(page: &impl askama::Template, layout: &Layout) -> Result<Response, Error> {
    let body = page
        .render()
        .map_err(|error| Error::Internal(format!("template: {error}")))?;
    let mut response = Html(body).into_response();
    let cache = if layout.user.is_some() {
        "private, no-store"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}
