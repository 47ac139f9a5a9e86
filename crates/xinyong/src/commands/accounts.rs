//! `xinyong dept|user|admin|key`: departments, accounts and API keys, for
//! operators and scripts. Each change goes through the access layer's
//! administration desk, as the console, and is journaled.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;
use xinyong_access::{AccountRequest, AdminDesk, KeyRequest, Principal};
use xinyong_domain::Role;
use xinyong_domain::date::china_date;

use crate::commands::{print_json, print_line};
use crate::config::{Config, GlobalArgs};
use crate::wiring::Platform;

#[derive(Debug, clap::Subcommand)]
pub enum DeptCommand {
    /// Create a department (数据提供单位).
    Create {
        /// Its name, as its batches are filed under.
        #[arg(long)]
        name: String,
        /// Its unified social credit code.
        #[arg(long)]
        uscc: String,
        /// Its region code (GB/T 2260).
        #[arg(long)]
        region: Option<String>,
    },
    /// List departments.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct NewUser {
    /// Sign-in name.
    #[arg(long)]
    username: String,
    /// Role: subject, operator, reviewer, admin or auditor.
    #[arg(long)]
    role: String,
    /// The department's unified social credit code (operators).
    #[arg(long)]
    dept: Option<String>,
    /// The subject's unified social credit code, citizen ID number or platform reference (subject accounts).
    #[arg(long)]
    subject: Option<String>,
    /// Read the password from standard input; otherwise one is generated and printed once.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create(NewUser),
    /// List accounts.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Disable an account (its sessions end).
    Disable {
        /// Sign-in name.
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Sign-in name.
        username: String,
    },
    /// Set a new password, read from standard input (its sessions end).
    Password {
        /// Sign-in name.
        username: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an administrator.
    Create {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input; otherwise one is generated and printed once.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Issue an API key to a system client; the key is printed once.
    Create {
        /// The client's name (审批系统, a bank …).
        #[arg(long)]
        client: String,
        /// Purpose codes it may state, comma-separated.
        #[arg(long, value_delimiter = ',')]
        purposes: Vec<String>,
        /// The department's unified social credit code, if it uploads for one.
        #[arg(long)]
        dept: Option<String>,
        /// Last day it works (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<NaiveDate>,
        /// JSON output: {key, client, purposes, expires}.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its identifier (the part after `xyk_`).
    Revoke {
        /// Key identifier.
        key_id: String,
    },
    /// List keys (never their secrets).
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// The administration desk of the platform. `lists` (a `list` verb, which
/// only reads) needs a platform that exists: a mistyped `--data` would
/// otherwise list an empty new one; the creating verbs may set one up.
async fn desk(global: &GlobalArgs, lists: bool) -> anyhow::Result<(Platform, AdminDesk)> {
    let config = Config::load(global)?;
    let platform = if lists {
        Platform::open_existing(config).await?
    } else {
        Platform::open(config).await?
    };
    let desk = platform.access().admin_desk(&console())?;
    Ok((platform, desk))
}

/// The console principal: the operating-system user running the command.
pub fn console() -> Principal {
    Principal::console(std::env::var("USER").unwrap_or_else(|_| "console".into()))
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("无法读取标准输入")?;
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        return Ok((text, false));
    }
    Ok((xinyong_crypto::random_hex(9)?, true))
}

pub async fn dept(global: &GlobalArgs, command: DeptCommand) -> anyhow::Result<ExitCode> {
    let (_platform, desk) = desk(global, matches!(command, DeptCommand::List { .. })).await?;
    match command {
        DeptCommand::Create { name, uscc, region } => {
            let dept = desk.create_department(&name, &uscc, region.as_deref()).await?;
            print_line(&format!(
                "已创建单位 {}（{}），编号 {}",
                dept.new.name, dept.new.uscc, dept.id
            ))?;
        }
        DeptCommand::List { json } => {
            let depts = desk.departments().await?;
            if json {
                let lines: Vec<_> = depts
                    .iter()
                    .map(|d| serde_json::json!({"id": d.id, "name": d.new.name, "uscc": d.new.uscc, "region": d.new.region}))
                    .collect();
                print_json(&lines)?;
            } else {
                for d in depts {
                    print_line(&format!("{}\t{}\t{}", d.id, d.new.uscc, d.new.name))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn create_user(desk: &AdminDesk, user: NewUser) -> anyhow::Result<()> {
    let role = Role::from_code(&user.role).with_context(|| {
        format!(
            "未知的角色“{}”，应为 subject、operator、reviewer、admin 或 auditor",
            user.role
        )
    })?;
    let subject = match &user.subject {
        Some(reference) => Some(
            desk.subject_for_account(reference, china_date(chrono::Utc::now()))
                .await?,
        ),
        None => None,
    };
    let (password, generated) = password(user.password_stdin)?;
    let account = desk
        .create_account(AccountRequest {
            username: user.username,
            role,
            department_uscc: user.dept,
            subject,
            password: password.clone(),
        })
        .await?;
    print_line(&format!(
        "已创建{}账号 {}",
        account.new.role.label(),
        account.new.username
    ))?;
    if generated {
        print_line(&format!("初始密码：{password}（只显示这一次）"))?;
    }
    Ok(())
}

pub async fn user(global: &GlobalArgs, command: UserCommand) -> anyhow::Result<ExitCode> {
    // The platform stays open (and holds the rotation lock) while the desk works.
    let (_platform, desk) = desk(global, matches!(command, UserCommand::List { .. })).await?;
    match command {
        UserCommand::Create(user) => create_user(&desk, user).await?,
        UserCommand::List { json } => {
            let accounts = desk.accounts().await?;
            if json {
                let lines: Vec<_> = accounts
                    .iter()
                    .map(|a| {
                        serde_json::json!({"id": a.id, "username": a.new.username, "role": a.new.role.code(),
                        "department_id": a.new.department_id, "subject_id": a.new.subject_id, "disabled": a.disabled})
                    })
                    .collect();
                print_json(&lines)?;
            } else {
                for a in accounts {
                    let state = if a.disabled { "已停用" } else { "正常" };
                    print_line(&format!("{}\t{}\t{}", a.new.username, a.new.role.label(), state))?;
                }
            }
        }
        UserCommand::Disable { username } => {
            desk.set_disabled(&username, true).await?;
            print_line(&format!("已停用账号 {username}"))?;
        }
        UserCommand::Enable { username } => {
            desk.set_disabled(&username, false).await?;
            print_line(&format!("已启用账号 {username}"))?;
        }
        UserCommand::Password { username } => {
            let (password, _) = password(true)?;
            desk.set_password(&username, &password).await?;
            print_line(&format!("已为 {username} 设置新密码"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn admin(global: &GlobalArgs, command: AdminCommand) -> anyhow::Result<ExitCode> {
    // The platform stays open (and holds the rotation lock) while the desk works.
    let (_platform, desk) = desk(global, false).await?;
    match command {
        AdminCommand::Create {
            username,
            password_stdin,
        } => {
            let user = NewUser {
                username,
                role: Role::Admin.code().into(),
                dept: None,
                subject: None,
                password_stdin,
            };
            create_user(&desk, user).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct IssuedLine<'a> {
    key: &'a str,
    client: &'a str,
    purposes: &'a [String],
    expires: Option<NaiveDate>,
}

pub async fn key(global: &GlobalArgs, command: KeyCommand) -> anyhow::Result<ExitCode> {
    let (_platform, desk) = desk(global, matches!(command, KeyCommand::List { .. })).await?;
    match command {
        KeyCommand::Create {
            client,
            purposes,
            dept,
            expires,
            json,
        } => {
            let purposes = purposes.into_iter().filter(|p| !p.trim().is_empty()).collect();
            let request = KeyRequest {
                client,
                purposes,
                department_uscc: dept,
                expires_on: expires,
            };
            let (issued, key) = desk.issue_key(request, china_date(chrono::Utc::now())).await?;
            if json {
                print_json(&IssuedLine {
                    key: &issued.key,
                    client: &key.new.client,
                    purposes: &key.new.purposes,
                    expires: key.new.expires_on,
                })?;
            } else {
                print_line(&issued.key)?;
                print_line(&format!(
                    "已为 {} 签发接口密钥（标识 {}，只显示这一次）",
                    key.new.client, key.new.key_id
                ))?;
            }
        }
        KeyCommand::Revoke { key_id } => {
            let key_id = key_id.trim().trim_start_matches("xyk_");
            let key_id = key_id.split('_').next().unwrap_or(key_id);
            desk.revoke_key(key_id).await?;
            print_line(&format!("已吊销密钥 {key_id}"))?;
        }
        KeyCommand::List { json } => {
            let keys = desk.keys().await?;
            if json {
                let lines: Vec<_> = keys
                    .iter()
                    .map(|k| serde_json::json!({"key_id": k.new.key_id, "client": k.new.client, "purposes": k.new.purposes,
                        "department_id": k.new.department_id, "expires": k.new.expires_on, "revoked": k.revoked_at.is_some()}))
                    .collect();
                print_json(&lines)?;
            } else {
                for k in keys {
                    let state = if k.revoked_at.is_some() { "已吊销" } else { "有效" };
                    print_line(&format!(
                        "{}\t{}\t{}\t{}",
                        k.new.key_id,
                        k.new.client,
                        k.new.purposes.join(","),
                        state
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
