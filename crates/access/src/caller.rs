//! Who is calling: resolved once per request from its credentials.

use xinyong_store::{Account, ApiKey};

/// The authenticated party behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials: the public (公众).
    Anonymous,
    /// A signed-in account.
    Account(Account),
    /// A system client with a live API key.
    Client(ApiKey),
    /// An operator at the server's console (the `xinyong` CLI): whoever can
    /// run it already holds the database and the keys.
    Console(String),
}

/// A caller and where the request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who.
    pub caller: Caller,
    /// From where: an IP address, or `cli`.
    pub origin: Option<String>,
}

impl Principal {
    /// The public.
    pub fn anonymous(origin: Option<String>) -> Self {
        Self {
            caller: Caller::Anonymous,
            origin,
        }
    }

    /// The console operator (CLI).
    pub fn console(user: impl Into<String>) -> Self {
        Self {
            caller: Caller::Console(user.into()),
            origin: Some("cli".into()),
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        match &self.caller {
            Caller::Anonymous => "anonymous".into(),
            Caller::Account(account) => format!("account:{}:{}", account.id, account.new.username),
            Caller::Client(key) => format!("key:{}:{}", key.new.key_id, key.new.client),
            Caller::Console(user) => format!("cli:{user}"),
        }
    }
}
