//! HTTP (ureq on the blocking pool) and WebSocket helpers, and the kinds of
//! failure the report counts.

use serde_json::Value;
use std::fmt;
use std::io;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a request or a connection may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// What went wrong, as the report groups it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fail {
    /// An HTTP answer other than 2xx (also a refused WebSocket upgrade).
    Status(u16),
    Reset,
    Timeout,
    Refused,
    /// The peer closed a socket we still used.
    Closed,
    /// An `error` frame on a socket, by its code.
    Frame(String),
    Other(String),
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Status(s) => write!(f, "HTTP {s}"),
            Fail::Reset => f.write_str("connection reset"),
            Fail::Timeout => f.write_str("timeout"),
            Fail::Refused => f.write_str("connection refused"),
            Fail::Closed => f.write_str("closed by the edge"),
            Fail::Frame(code) => write!(f, "error frame {code}"),
            Fail::Other(m) => write!(f, "other ({m})"),
        }
    }
}

fn from_io(e: &io::Error) -> Fail {
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => Fail::Reset,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Fail::Timeout,
        io::ErrorKind::ConnectionRefused => Fail::Refused,
        _ => Fail::Other(e.kind().to_string()),
    }
}

/// Finds an `io::Error` in an error's chain of sources.
fn io_in_chain<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn from_ureq(e: ureq::Error) -> (Fail, String) {
    match e {
        ureq::Error::Status(code, r) => {
            let body = r.into_string().unwrap_or_default();
            (Fail::Status(code), body)
        }
        ureq::Error::Transport(t) => {
            let text = t.to_string();
            let fail = match io_in_chain(&t) {
                Some(io) => from_io(io),
                None if t.kind() == ureq::ErrorKind::ConnectionFailed => Fail::Refused,
                None if text.contains("timed out") => Fail::Timeout,
                None => Fail::Other(format!("{}", t.kind())),
            };
            (fail, text)
        }
    }
}

pub fn ws_fail(e: &tokio_tungstenite::tungstenite::Error) -> Fail {
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    use tokio_tungstenite::tungstenite::Error as E;
    match e {
        E::Io(io) => from_io(io),
        E::Http(r) => Fail::Status(r.status().as_u16()),
        E::ConnectionClosed | E::AlreadyClosed => Fail::Closed,
        E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Fail::Reset,
        other => Fail::Other(other.to_string().chars().take(60).collect()),
    }
}

/// An HTTP client: one per simulated browser, so each keeps its own
/// connections, with the client's address when simulated.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    ip: Option<String>,
    base: String,
}

/// A failed request: the kind, and a short text for the first few logs.
#[derive(Debug)]
pub struct HttpError {
    pub fail: Fail,
    pub detail: String,
}

impl Client {
    pub fn new(base: &str, ip: Option<String>, conns: usize) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(TIMEOUT)
            .max_idle_connections(conns.max(1))
            .max_idle_connections_per_host(conns.max(1))
            .build();
        Client {
            agent,
            ip,
            base: base.to_owned(),
        }
    }

    /// `method` `path` with an optional bearer token and JSON body; the JSON
    /// answer (`null` when the body is not JSON).
    pub async fn call(
        &self,
        method: &'static str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, HttpError> {
        let url = format!("{}{path}", self.base);
        let agent = self.agent.clone();
        let ip = self.ip.clone();
        let token = token.map(str::to_owned);
        let res = tokio::task::spawn_blocking(move || {
            let mut req = agent.request(method, &url);
            if let Some(t) = &token {
                req = req.set("Authorization", &format!("Bearer {t}"));
            }
            if let Some(ip) = &ip {
                req = req.set("CF-Connecting-IP", ip);
            }
            let resp = match body {
                Some(b) => req.send_json(b),
                None => req.call(),
            };
            match resp {
                Ok(r) => Ok(r.into_json::<Value>().unwrap_or(Value::Null)),
                Err(e) => {
                    let (fail, detail) = from_ureq(e);
                    Err(HttpError {
                        fail,
                        detail: format!("{method} {url}: {detail}"),
                    })
                }
            }
        })
        .await;
        match res {
            Ok(r) => r,
            Err(e) => Err(HttpError {
                fail: Fail::Other("task".into()),
                detail: e.to_string(),
            }),
        }
    }

    /// Opens a WebSocket on `path` (with the client's address when simulated).
    pub async fn ws(&self, path: &str) -> Result<Ws, Fail> {
        let url = format!("{}{path}", self.base.replacen("http", "ws", 1));
        let mut req = url
            .into_client_request()
            .map_err(|e| Fail::Other(e.to_string()))?;
        if let Some(ip) = &self.ip {
            if let Ok(v) = HeaderValue::from_str(ip) {
                req.headers_mut().insert("CF-Connecting-IP", v);
            }
        }
        match tokio::time::timeout(TIMEOUT, tokio_tungstenite::connect_async(req)).await {
            Ok(Ok((ws, _))) => Ok(ws),
            Ok(Err(e)) => Err(ws_fail(&e)),
            Err(_) => Err(Fail::Timeout),
        }
    }
}

/// A string field of a JSON answer, or an error naming it.
pub fn field(v: &Value, name: &str) -> Result<String, String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the answer has no `{name}`: {v}"))
}
