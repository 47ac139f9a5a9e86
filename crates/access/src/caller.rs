//! Who is calling: resolved once per request from its credentials.

use xinyong_domain::Role;
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

    /// The account's role, for signed-in accounts.
    pub fn role(&self) -> Option<Role> {
        match &self.caller {
            Caller::Account(account) => Some(account.new.role),
            _ => None,
        }
    }

    /// Whether the caller is government staff or a government system,
    /// entitled to shared (有条件共享) data for a stated purpose.
    pub fn is_official(&self) -> bool {
        match &self.caller {
            Caller::Account(account) => account.new.role.is_government(),
            Caller::Client(_) | Caller::Console(_) => true,
            Caller::Anonymous => false,
        }
    }
}
