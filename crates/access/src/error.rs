//! What the access layer refuses, and why. The web layer maps each variant
//! to an HTTP status once.

use xinyong_store::StoreError;

/// A refusal or a failure.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No credentials where some are needed.
    #[error("请先登录或提供有效的接口密钥")]
    Unauthenticated,
    /// Username and password do not match an enabled account.
    #[error("用户名或密码错误")]
    WrongCredentials,
    /// The session is unknown, ended or expired.
    #[error("登录已失效，请重新登录")]
    SessionEnded,
    /// The API key is unknown or its secret is wrong.
    #[error("接口密钥无效")]
    KeyUnknown,
    /// The API key is past its last day.
    #[error("接口密钥已过期")]
    KeyExpired,
    /// The API key was revoked.
    #[error("接口密钥已被吊销")]
    KeyRevoked,
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A non-public read without a purpose.
    #[error("查询非公开信息须说明查询用途（purpose）")]
    PurposeRequired,
    /// A purpose not on the configured list.
    #[error("未知的查询用途“{0}”")]
    PurposeUnknown(String),
    /// A purpose this key may not state.
    #[error("该接口密钥未获准用于“{0}”")]
    PurposeNotAllowed(String),
    /// A form post or unsafe call without the session's CSRF token.
    #[error("请求缺少有效的防伪令牌（X-CSRF-Token），请刷新页面后重试")]
    Csrf,
    /// Input the caller must correct.
    #[error("{0}")]
    Invalid(String),
    /// A name or code already taken.
    #[error("{0}")]
    Conflict(String),
    /// The thing named does not exist (or is not the caller's to see).
    #[error("{0}")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else (the random source, hashing); for logs.
    #[error("{0}")]
    Internal(String),
}
