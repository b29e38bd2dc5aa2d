//! The accounts of a deployment: console users, their password hashes and
//! their sessions. One object named "accounts": it is on the login and
//! session-check path, never on the visitor's message path.

use crate::api::{
    error_response, internal, json, parse_json, read_bytes, ApiResult, MAX_BODY_BYTES,
};
use crate::calls::{Call, FileKey, FileKeyAsk};
use crate::ids::{constant_time_eq, random_hex, token_hash};
use crate::migrations::{self, Migration, Schema};
use crate::passwords;
use crate::sql::{rows, run, written};
use openline_core::deployment::Deployment;
use openline_core::protocol::{Account, AccountPatch, Login, LoginSession, NewAccount, Role};
use openline_core::replies::{Ack, PasswordCost};
use openline_core::{text, ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorageValue as V,
    State,
};

/// How long a console session lasts.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;

const MIGRATIONS: &[Migration] = &[
    Migration {
    name: "0001_accounts",
    sql: "CREATE TABLE accounts (id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
            salt TEXT NOT NULL, hash TEXT NOT NULL, iterations INTEGER NOT NULL, dismissed INTEGER NOT NULL DEFAULT 0,
            vacations TEXT NOT NULL DEFAULT '[]', avatar TEXT, position TEXT, created_at INTEGER NOT NULL);
          CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    },
    Migration {
        name: "0002_lines_directory",
        sql: "CREATE TABLE lines (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL)",
    },
    // Failed logins in a row, per account (see `accounts::login_locked_until`).
    Migration {
        name: "0003_login_failures",
        sql: "ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
              ALTER TABLE accounts ADD COLUMN last_failed_at INTEGER NOT NULL DEFAULT 0",
    },
    // K2: where a person's notices are mailed.
    Migration {
        name: "0004_account_email",
        sql: "ALTER TABLE accounts ADD COLUMN email TEXT",
    },
    // L1: the company's name, which new lines take by default.
    Migration {
        name: "0005_deployment",
        sql: "CREATE TABLE deployment (id INTEGER PRIMARY KEY CHECK (id = 1), company_name TEXT NOT NULL)",
    },
    // QA1: quick answers every line offers.
    Migration {
        name: "0006_shared_quick_answers",
        sql: "CREATE TABLE shared_quick_answers (id TEXT PRIMARY KEY, grp TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, shortcut TEXT, created_by TEXT, created_at INTEGER NOT NULL)",
    },
    // Issue 11.3: secrets the deployment makes for itself (the key that
    // signs attachment links), never shown to anyone.
    Migration {
        name: "0007_secrets",
        sql: "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    },
];

pub use openline_core::replies::LineEntry;

/// O1: set (or remove) an account's avatar address.
#[derive(Serialize, Deserialize)]
pub struct SetAvatar {
    pub account: String,
    pub avatar: Option<String>,
}

/// The answer to [`SetAvatar`].
#[derive(Serialize, Deserialize)]
pub struct AvatarSet {
    pub account: Account,
    /// The address it replaced.
    pub previous: Option<String>,
}

/// Header through which the worker names the administrator making a change.
pub const ACTOR_HEADER: &str = "x-openline-actor";

#[durable_object]
pub struct AccountsObject {
    state: State,
    /// Whether the storage migrated (see [`crate::migrations`]).
    schema: Schema,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    login: String,
    name: String,
    role: String,
    salt: String,
    hash: String,
    iterations: i64,
    dismissed: i64,
    vacations: String,
    avatar: Option<String>,
    position: Option<String>,
    #[serde(default)]
    email: Option<String>,
    failed_logins: i64,
    last_failed_at: i64,
}

impl Row {
    fn account(&self) -> Account {
        Account {
            id: self.id.clone(),
            login: self.login.clone(),
            name: self.name.clone(),
            role: role_of(&self.role),
            dismissed: self.dismissed != 0,
            vacations: serde_json::from_str(&self.vacations).unwrap_or_default(),
            avatar: self.avatar.clone(),
            position: self.position.clone(),
            email: self.email.clone(),
        }
    }
}

/// A stored role's name read back (an unknown one is the least role), by
/// a match: `serde_json::Value` would link its whole reader for it.
fn role_of(name: &str) -> Role {
    [Role::Admin, Role::Supervisor]
        .into_iter()
        .find(|r| role_name(*r) == name)
        .unwrap_or(Role::Operator)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Supervisor => "supervisor",
        Role::Operator => "operator",
    }
}

/// Internal body of a session check.
#[derive(Serialize, Deserialize)]
pub struct TokenHash {
    pub token_hash: String,
}

/// Internal body of the demo seed: accounts to create when none exist.
#[derive(Serialize, Deserialize)]
pub struct Seed {
    pub accounts: Vec<NewAccount>,
}

const COLUMNS: &str = "id, login, name, role, salt, hash, iterations, dismissed, vacations, avatar, position, email, failed_logins, last_failed_at";

impl DurableObject for AccountsObject {
    fn new(state: State, _env: Env) -> Self {
        let (state, schema) = migrations::open(state, MIGRATIONS);
        Self { state, schema }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if let Err(e) = self.schema.check() {
            return Ok(error_response(&e));
        }
        Ok(match self.handle(req).await {
            Ok(r) => r,
            Err(e) => error_response(&e),
        })
    }
}

impl AccountsObject {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    /// The key that signs attachment links: made once, at random, by the
    /// deployment itself (nothing to configure, nothing anyone can read).
    fn file_key(&self) -> std::result::Result<FileKey, ProtocolError> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        let sql = self.sql();
        let fresh = random_hex(32).map_err(internal)?;
        run(
            &sql,
            "INSERT OR IGNORE INTO secrets (name, value) VALUES ('file_links', ?)",
            vec![V::from(fresh)],
        )?;
        let key = rows::<Row>(
            &sql,
            "SELECT value FROM secrets WHERE name = 'file_links'",
            vec![],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| internal("the file key vanished"))?;
        Ok(FileKey { key: key.value })
    }

    async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        let path = url.path().to_owned();
        if path.starts_with("/quick-answer") {
            // QA1: the quick answers every line offers.
            let sql = self.sql();
            let store = crate::quick_store::Store {
                sql: &sql,
                table: "shared_quick_answers",
                shared: true,
            };
            if let Some(answer) = store.route(&req.method(), &path, &mut req).await {
                return answer;
            }
        }
        // The body is read once: the routes parse it without an await each.
        let body = match req.method() {
            Method::Get => Vec::new(),
            _ => read_bytes(&mut req, MAX_BODY_BYTES).await?,
        };
        match (req.method(), path.as_str()) {
            (Method::Post, "/login") => {
                let body: Login = parse_json(&body)?;
                json(200, &self.login(&body).await?)
            }
            (Method::Post, "/verify") => {
                let body: TokenHash = parse_json(&body)?;
                json(200, &self.verify(&body.token_hash)?)
            }
            (Method::Post, "/logout") => {
                let body: TokenHash = parse_json(&body)?;
                run(
                    &self.sql(),
                    "DELETE FROM sessions WHERE token_hash = ?",
                    vec![V::from(body.token_hash)],
                )?;
                json(200, &Ack::DONE)
            }
            (Method::Get, "/accounts") => json(200, &self.list()?),
            (Method::Post, FileKeyAsk::PATH) => json(200, &self.file_key()?),
            (Method::Post, "/accounts") => {
                let body: NewAccount = parse_json(&body)?;
                json(201, &self.create(&body).await?)
            }
            // The deployment's owner restores an administrator (see
            // `recover_admin` in the worker): same password rules, the
            // account active, an administrator, its lock lifted.
            (Method::Post, "/recover") => {
                let body: NewAccount = parse_json(&body)?;
                text::password(&body.password)?;
                match self.by("login", &body.login)? {
                    Some(row) => {
                        self.set_password(&row.id, &body.password, passwords::ITERATIONS)
                            .await?;
                        run(
                            &self.sql(),
                            "UPDATE accounts SET role = ?, dismissed = 0, failed_logins = 0 WHERE id = ?",
                            vec![V::from(role_name(Role::Admin)), V::from(row.id.as_str())],
                        )?;
                    }
                    None => {
                        self.create(&body).await?;
                    }
                }
                json(200, &Ack::DONE)
            }
            (Method::Post, "/seed") => {
                let body: Seed = parse_json(&body)?;
                if self.list()?.is_empty() {
                    for a in &body.accounts {
                        self.create(a).await?;
                    }
                }
                json(200, &self.list()?)
            }
            // Local development only (the worker routes these under
            // OPENLINE_DEV): what a stored hash cost, and a hash made at an
            // older cost, as an account from an earlier version has.
            (Method::Get, "/password-cost") => {
                let login = url
                    .query_pairs()
                    .find(|(k, _)| k == "login")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let row = self
                    .by("login", &login)?
                    .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such account"))?;
                json(
                    200,
                    &PasswordCost {
                        login,
                        password: None,
                        iterations: row.iterations,
                    },
                )
            }
            (Method::Put, "/password-cost") => {
                let body: PasswordCost = parse_json(&body)?;
                let row = self
                    .by("login", &body.login)?
                    .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such account"))?;
                let iterations = u32::try_from(body.iterations)
                    .ok()
                    .filter(|i| (1..=passwords::ITERATIONS).contains(i))
                    .ok_or_else(|| ProtocolError::invalid_field("iterations", "1..=600000"))?;
                let password = body.password.unwrap_or_default();
                self.set_password(&row.id, &password, iterations).await?;
                json(200, &Ack::DONE)
            }
            (Method::Get, "/schema") => json(200, &migrations::last_step(&self.sql())),
            (Method::Get, "/deployment") => json(200, &self.deployment()?),
            (Method::Put, "/deployment") => {
                let asked: Deployment = parse_json(&body)?;
                let d = asked.validated()?;
                run(
                    &self.sql(),
                    "INSERT INTO deployment (id, company_name) VALUES (1, ?)
                     ON CONFLICT (id) DO UPDATE SET company_name = excluded.company_name",
                    vec![V::from(d.company_name.as_str())],
                )?;
                json(200, &d)
            }
            (Method::Get, "/lines") => {
                let l: Vec<LineEntry> = rows(
                    &self.sql(),
                    "SELECT id, name FROM lines ORDER BY id",
                    vec![],
                )?;
                json(200, &l)
            }
            (Method::Put, "/lines") => {
                // L1: a renamed line keeps its id; the directory follows.
                let l: LineEntry = parse_json(&body)?;
                run(
                    &self.sql(),
                    "UPDATE lines SET name = ? WHERE id = ?",
                    vec![V::from(l.name.as_str()), V::from(l.id.as_str())],
                )?;
                json(200, &l)
            }
            (Method::Post, "/lines") => {
                let l: LineEntry = parse_json(&body)?;
                let exists: Vec<LineEntry> = rows(
                    &self.sql(),
                    "SELECT id, name FROM lines WHERE id = ?",
                    vec![V::from(l.id.as_str())],
                )?;
                if !exists.is_empty() {
                    return Err(ProtocolError::new(
                        ErrorCode::Conflict,
                        format!("line '{}' already exists", l.id),
                    ));
                }
                run(
                    &self.sql(),
                    "INSERT INTO lines (id, name, created_at) VALUES (?, ?, ?)",
                    vec![
                        V::from(l.id.as_str()),
                        V::from(l.name.as_str()),
                        V::from(js_sys::Date::now()),
                    ],
                )?;
                json(201, &l)
            }
            (Method::Delete, p) if p.starts_with("/lines/") => {
                let gone = written(
                    &self.sql(),
                    "DELETE FROM lines WHERE id = ?",
                    vec![V::from(p.trim_start_matches("/lines/"))],
                )?;
                if gone == 0 {
                    return Err(ProtocolError::new(ErrorCode::NotFound, "no such line"));
                }
                json(200, &Ack::DONE)
            }
            (Method::Put, "/avatar") => {
                let body: SetAvatar = parse_json(&body)?;
                json(200, &self.set_avatar(&body)?)
            }
            (Method::Patch, p) if p.starts_with("/accounts/") => {
                let id = p.trim_start_matches("/accounts/").to_owned();
                let actor = req
                    .headers()
                    .get(ACTOR_HEADER)
                    .map_err(internal)?
                    .unwrap_or_default();
                let body: AccountPatch = parse_json(&body)?;
                json(200, &self.patch(&actor, &id, body).await?)
            }
            _ => Err(ProtocolError::new(
                ErrorCode::NotFound,
                "no such accounts route",
            )),
        }
    }

    /// O1: a new avatar address (or none); the previous one comes back so
    /// the worker can delete its file.
    fn set_avatar(&self, body: &SetAvatar) -> std::result::Result<AvatarSet, ProtocolError> {
        let row = self
            .by("id", &body.account)?
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such account"))?;
        run(
            &self.sql(),
            "UPDATE accounts SET avatar = ? WHERE id = ?",
            vec![V::from(body.avatar.clone()), V::from(body.account.as_str())],
        )?;
        let account = self
            .by("id", &body.account)?
            .map(|r| r.account())
            .ok_or_else(|| internal("account vanished"))?;
        Ok(AvatarSet {
            account,
            previous: row.avatar,
        })
    }

    fn list(&self) -> std::result::Result<Vec<Account>, ProtocolError> {
        let r: Vec<Row> = rows(
            &self.sql(),
            &format!("SELECT {COLUMNS} FROM accounts ORDER BY login"),
            vec![],
        )?;
        Ok(r.iter().map(Row::account).collect())
    }

    /// Stores a new hash of `password` at `iterations` for account `id`.
    async fn set_password(
        &self,
        id: &str,
        password: &str,
        iterations: u32,
    ) -> std::result::Result<(), ProtocolError> {
        let (salt, hash) = new_hash(password, iterations).await?;
        run(
            &self.sql(),
            "UPDATE accounts SET salt = ?, hash = ?, iterations = ? WHERE id = ?",
            vec![
                V::from(salt),
                V::from(hash),
                V::from(i64::from(iterations)),
                V::from(id),
            ],
        )
    }

    fn by(&self, column: &str, value: &str) -> std::result::Result<Option<Row>, ProtocolError> {
        let r: Vec<Row> = rows(
            &self.sql(),
            &format!("SELECT {COLUMNS} FROM accounts WHERE {column} = ?"),
            vec![V::from(value)],
        )?;
        Ok(r.into_iter().next())
    }

    async fn create(&self, a: &NewAccount) -> std::result::Result<Account, ProtocolError> {
        let login = text::login(&a.login)?;
        let name = text::display_name("name", &a.name)?;
        text::password(&a.password)?;
        if self.by("login", &login)?.is_some() {
            return Err(ProtocolError::new(
                ErrorCode::Conflict,
                format!("login '{login}' is taken"),
            ));
        }
        let id = random_hex(8).map_err(internal)?;
        let (salt, hash) = new_hash(&a.password, passwords::ITERATIONS).await?;
        // No await between the check above and this insert would be ideal;
        // the UNIQUE constraint is the real guard against a concurrent twin.
        run(
            &self.sql(),
            "INSERT INTO accounts (id, login, name, role, salt, hash, iterations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::from(id.as_str()),
                V::from(login.as_str()),
                V::from(name),
                V::from(role_name(a.role)),
                V::from(salt),
                V::from(hash),
                V::from(passwords::ITERATIONS as i64),
                V::from(js_sys::Date::now()),
            ],
        )
        .map_err(|_| ProtocolError::new(ErrorCode::Conflict, format!("login '{login}' is taken")))?;
        self.by("id", &id)?
            .map(|r| r.account())
            .ok_or_else(|| internal("account vanished"))
    }

    async fn patch(
        &self,
        actor: &str,
        id: &str,
        p: AccountPatch,
    ) -> std::result::Result<Account, ProtocolError> {
        let row = self
            .by("id", id)?
            .ok_or_else(|| ProtocolError::new(ErrorCode::NotFound, "no such account"))?;
        openline_core::accounts::check_patch(actor, &row.account(), &p, &self.list()?)?;
        let name = match &p.name {
            Some(n) => text::display_name("name", n)?,
            None => row.name.clone(),
        };
        if let Some(v) = &p.vacations {
            if v.iter().any(|(from, to)| from >= to) || v.len() > 50 {
                return Err(ProtocolError::invalid_field(
                    "vacations",
                    "each period must end after it starts (at most 50)",
                ));
            }
        }
        let (salt, hash, iterations) = match &p.password {
            Some(pw) => {
                text::password(pw)?;
                let (salt, hash) = new_hash(pw, passwords::ITERATIONS).await?;
                (salt, hash, passwords::ITERATIONS.into())
            }
            None => (row.salt.clone(), row.hash.clone(), row.iterations),
        };
        let role = p
            .role
            .map(role_name)
            .unwrap_or(row.role.as_str())
            .to_owned();
        let dismissed = p.dismissed.map(i64::from).unwrap_or(row.dismissed);
        let vacations = match &p.vacations {
            Some(v) => serde_json::to_string(v).map_err(internal)?,
            None => row.vacations.clone(),
        };
        let position = match &p.position {
            Some(v) => Some(text::display_name("position", v)?),
            None => row.position.clone(),
        };
        let email = match p.email.as_deref().map(str::trim) {
            Some("") => None,
            Some(v) => Some(openline_core::email::address(v).map_err(|_| {
                ProtocolError::invalid_field("email", "not a valid e-mail address")
            })?),
            None => row.email.clone(),
        };
        run(
            &self.sql(),
            "UPDATE accounts SET name = ?, role = ?, salt = ?, hash = ?, iterations = ?, dismissed = ?, vacations = ?, position = ?, email = ? WHERE id = ?",
            vec![
                V::from(name),
                V::from(role),
                V::from(salt),
                V::from(hash),
                V::from(iterations),
                V::from(dismissed),
                V::from(vacations),
                V::from(position),
                V::from(email),
                V::from(id),
            ],
        )?;
        if p.dismissed == Some(true) || p.password.is_some() {
            // A dismissed colleague or a changed password ends every session.
            run(
                &self.sql(),
                "DELETE FROM sessions WHERE account_id = ?",
                vec![V::from(id)],
            )?;
        }
        self.by("id", id)?
            .map(|r| r.account())
            .ok_or_else(|| internal("account vanished"))
    }

    /// L1: the deployment's settings (defaults until an administrator saves).
    fn deployment(&self) -> std::result::Result<Deployment, ProtocolError> {
        let found: Vec<Deployment> = rows(
            &self.sql(),
            "SELECT company_name FROM deployment WHERE id = 1",
            vec![],
        )?;
        Ok(found.into_iter().next().unwrap_or_default())
    }

    async fn login(&self, body: &Login) -> std::result::Result<LoginSession, ProtocolError> {
        let denied = || ProtocolError::new(ErrorCode::Unauthorized, "wrong login or password");
        let row = match text::login(&body.login) {
            Ok(l) => self.by("login", &l)?,
            Err(_) => None,
        };
        let now = js_sys::Date::now() as i64;
        if let Some(r) = &row {
            let failures = u32::try_from(r.failed_logins).unwrap_or(u32::MAX);
            if let Some(until) =
                openline_core::accounts::login_locked_until(failures, r.last_failed_at)
            {
                if now < until {
                    return Err(ProtocolError::new(
                        ErrorCode::RateLimited,
                        format!(
                            "too many failed logins for this account; try again in {} s",
                            (until - now + 999) / 1000
                        ),
                    ));
                }
            }
        }
        // Hash even for unknown logins, so timing does not reveal which exist.
        let (salt, expected, iterations) = match &row {
            Some(r) => (
                r.salt.clone(),
                r.hash.clone(),
                u32::try_from(r.iterations).unwrap_or(passwords::ITERATIONS),
            ),
            None => ("0".repeat(32), "0".repeat(64), passwords::ITERATIONS),
        };
        let got = hex::encode(
            passwords::derive(&body.password, salt.as_bytes(), iterations)
                .await
                .map_err(internal)?,
        );
        let row = row.ok_or_else(denied)?;
        if !constant_time_eq(&got, &expected) || row.dismissed != 0 {
            run(
                &self.sql(),
                "UPDATE accounts SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE id = ?",
                vec![V::from(now), V::from(row.id.as_str())],
            )?;
            return Err(denied());
        }
        if row.failed_logins != 0 {
            run(
                &self.sql(),
                "UPDATE accounts SET failed_logins = 0 WHERE id = ?",
                vec![V::from(row.id.as_str())],
            )?;
        }
        if passwords::outdated(iterations) {
            // Made at an older cost: the password is at hand only now.
            self.set_password(&row.id, &body.password, passwords::ITERATIONS)
                .await?;
        }
        let token = random_hex(32).map_err(internal)?;
        let expires_at = js_sys::Date::now() as i64 + SESSION_MS;
        let sql = self.sql();
        run(
            &sql,
            "DELETE FROM sessions WHERE expires_at < ?",
            vec![V::from(js_sys::Date::now())],
        )?;
        run(
            &sql,
            "INSERT INTO sessions (token_hash, account_id, expires_at) VALUES (?, ?, ?)",
            vec![
                V::from(token_hash(&token)),
                V::from(row.id.as_str()),
                V::from(expires_at),
            ],
        )?;
        Ok(LoginSession {
            token,
            expires_at,
            account: row.account(),
        })
    }

    fn verify(&self, hash: &str) -> std::result::Result<Account, ProtocolError> {
        #[derive(Deserialize)]
        struct S {
            account_id: String,
            expires_at: i64,
        }
        let s: Vec<S> = rows(
            &self.sql(),
            "SELECT account_id, expires_at FROM sessions WHERE token_hash = ?",
            vec![V::from(hash)],
        )?;
        let denied = || {
            ProtocolError::new(
                ErrorCode::Unauthorized,
                "the session has expired; please log in again",
            )
        };
        let s = s.into_iter().next().ok_or_else(denied)?;
        if s.expires_at < js_sys::Date::now() as i64 {
            return Err(denied());
        }
        let row = self.by("id", &s.account_id)?.ok_or_else(denied)?;
        if row.dismissed != 0 {
            return Err(denied());
        }
        Ok(row.account())
    }
}

/// A fresh salt and the password's hash at `iterations`, hex.
async fn new_hash(
    password: &str,
    iterations: u32,
) -> std::result::Result<(String, String), ProtocolError> {
    let salt = random_hex(16).map_err(internal)?;
    let hash = passwords::derive(password, salt.as_bytes(), iterations)
        .await
        .map_err(internal)?;
    Ok((salt, hex::encode(hash)))
}
