//! openline load generator.
//!
//! Creates a line with M operators, connects their consoles over
//! WebSockets, then runs N concurrent visitor dialogs, each sending a few
//! messages over its own WebSocket; operators accept each offer and answer
//! each message. Prints delivery latency percentiles both ways, messages/s
//! and new dialogs routed/s. Only for a local edge (loopback addresses):
//!
//! ```sh
//! cargo run --release -p openline-loadgen -- --base http://127.0.0.1:8787 --dialogs 100 --operators 10
//! ```

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;

#[derive(Clone)]
struct Opts {
    base: String,
    dialogs: usize,
    operators: usize,
    messages: usize,
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        base: "http://127.0.0.1:8787".into(),
        dialogs: 100,
        operators: 10,
        messages: 5,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args
            .get(i + 1)
            .cloned()
            .ok_or(format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--base" => o.base = v,
            "--dialogs" => o.dialogs = v.parse().map_err(|_| "--dialogs: a number")?,
            "--operators" => o.operators = v.parse().map_err(|_| "--operators: a number")?,
            "--messages" => o.messages = v.parse().map_err(|_| "--messages: a number")?,
            other => return Err(format!("unknown option {other}")),
        }
        i += 2;
    }
    let host = o.base.trim_start_matches("http://");
    if !(host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]")) {
        return Err(
            "the load generator only targets a local edge (127.0.0.0/8, localhost, [::1])".into(),
        );
    }
    Ok(o)
}

async fn http(
    method: &'static str,
    url: String,
    token: Option<String>,
    body: Option<Value>,
) -> Result<Value, String> {
    tokio::task::spawn_blocking(move || {
        let mut req = ureq::request(method, &url).timeout(Duration::from_secs(30));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => r.into_json::<Value>().map_err(|e| e.to_string()),
            Err(ureq::Error::Status(code, r)) => Err(format!(
                "{method} {url}: {code} {}",
                r.into_string().unwrap_or_default()
            )),
            Err(e) => Err(format!("{method} {url}: {e}")),
        }
    })
    .await
    .map_err(|e| e.to_string())?
}

fn ws_url(base: &str, path: &str) -> String {
    format!("{}{}", base.replacen("http", "ws", 1), path)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(name: &str, mut v: Vec<f64>) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<28} n={:<6} p50={:>7.1} ms  p95={:>7.1} ms  p99={:>7.1} ms",
        v.len(),
        percentile(&v, 50.0),
        percentile(&v, 95.0),
        percentile(&v, 99.0)
    );
}

#[derive(Default)]
struct Stats {
    v2o: Vec<f64>,
    o2v: Vec<f64>,
    offered_at: HashMap<String, f64>,
    opened_at: HashMap<String, f64>,
    errors: usize,
}

#[tokio::main]
async fn main() {
    let opts = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(opts).await {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

async fn run(o: Opts) -> Result<(), String> {
    let base = o.base.clone();
    let admin = http(
        "POST",
        format!("{base}/api/v1/auth/login"),
        None,
        Some(json!({"login": "admin", "password": "openline-admin"})),
    )
    .await?;
    let admin_token = admin["token"].as_str().ok_or("no admin token")?.to_owned();
    let run_id = format!("{:x}", now_ms() as u64);
    let line = format!("load-{run_id}");

    // Operators: accounts, sessions.
    let mut ops = Vec::new();
    for i in 0..o.operators {
        let login = format!("load{run_id}op{i}");
        let acc = http("POST", format!("{base}/api/v1/accounts"), Some(admin_token.clone()),
            Some(json!({"login": login, "name": format!("Load operator {i}"), "role": "operator", "password": "load-password"}))).await?;
        let session = http(
            "POST",
            format!("{base}/api/v1/auth/login"),
            None,
            Some(json!({"login": login, "password": "load-password"})),
        )
        .await?;
        ops.push((
            acc["id"].as_str().unwrap_or_default().to_owned(),
            session["token"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    let mut settings = http(
        "POST",
        format!("{base}/api/v1/lines"),
        Some(admin_token.clone()),
        Some(json!({"id": line, "name": "Load line"})),
    )
    .await?;
    settings["queue"] = json!(ops
        .iter()
        .map(|(id, _)| json!({"kind": "operator", "id": id}))
        .collect::<Vec<_>>());
    settings["mode"] = json!("evenly");
    http(
        "PUT",
        format!("{base}/api/v1/lines/{line}/settings"),
        Some(admin_token.clone()),
        Some(settings),
    )
    .await?;

    let stats = Arc::new(Mutex::new(Stats::default()));
    let done = Arc::new(tokio::sync::Notify::new());

    // Operator consoles: accept every offer, answer every visitor message.
    for (_, token) in ops.clone() {
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(
            &base,
            &format!("/api/v1/lines/{line}/ws?token={token}"),
        ))
        .await
        .map_err(|e| e.to_string())?;
        let (base, line, stats) = (base.clone(), line.clone(), stats.clone());
        tokio::spawn(async move {
            while let Some(Ok(Message::Text(t))) = ws.next().await {
                let Ok(f) = serde_json::from_str::<Value>(&t) else {
                    continue;
                };
                match f["type"].as_str() {
                    Some("offer") => {
                        let dialog = f["dialog"].as_str().unwrap_or_default().to_owned();
                        let at = now_ms();
                        stats
                            .lock()
                            .await
                            .offered_at
                            .entry(dialog.clone())
                            .or_insert(at);
                        let (b, l, tk, st) =
                            (base.clone(), line.clone(), token.clone(), stats.clone());
                        tokio::spawn(async move {
                            if http(
                                "POST",
                                format!("{b}/api/v1/lines/{l}/dialogs/{dialog}/accept"),
                                Some(tk),
                                None,
                            )
                            .await
                            .is_err()
                            {
                                st.lock().await.errors += 1;
                            }
                        });
                    }
                    Some("message") if f["message"]["author"]["kind"] == "visitor" => {
                        let text = f["message"]["text"].as_str().unwrap_or_default();
                        if let Some(sent) = text
                            .strip_prefix("t=")
                            .and_then(|v| v.split(' ').next())
                            .and_then(|v| v.parse::<f64>().ok())
                        {
                            stats.lock().await.v2o.push(now_ms() - sent);
                        }
                        let dialog = f["dialog"].as_str().unwrap_or_default().to_owned();
                        let seq = f["message"]["seq"].as_u64().unwrap_or(0);
                        let (b, l, tk, st) =
                            (base.clone(), line.clone(), token.clone(), stats.clone());
                        tokio::spawn(async move {
                            let body = json!({"client_id": format!("r{seq}"), "text": format!("r={}", now_ms())});
                            if http(
                                "POST",
                                format!("{b}/api/v1/lines/{l}/dialogs/{dialog}/messages"),
                                Some(tk),
                                Some(body),
                            )
                            .await
                            .is_err()
                            {
                                st.lock().await.errors += 1;
                            }
                        });
                    }
                    _ => {}
                }
            }
        });
    }

    // Visitors.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for v in 0..o.dialogs {
        let (base, line, stats, messages) = (base.clone(), line.clone(), stats.clone(), o.messages);
        tasks.push(tokio::spawn(async move {
            let t0 = now_ms();
            // New sessions are rate-limited per IP: back off and retry on 429.
            let mut attempt = 0;
            let session = loop {
                match http("POST", format!("{base}/api/v1/visitor/sessions"), None, Some(json!({"line": line}))).await {
                    Ok(s) => break s,
                    Err(e) if e.contains(": 429 ") && attempt < 120 => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => {
                        eprintln!("visitor {v}: {e}");
                        stats.lock().await.errors += 1;
                        return;
                    }
                }
            };
            let dialog = session["dialog"].as_str().unwrap_or_default().to_owned();
            stats.lock().await.opened_at.insert(dialog.clone(), t0);
            let token = session["token"].as_str().unwrap_or_default();
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async(ws_url(&base, &format!("/api/v1/visitor/ws?token={token}"))).await else {
                stats.lock().await.errors += 1;
                return;
            };
            let mut replies = 0;
            for m in 0..messages {
                let frame = json!({"type": "send", "client_id": format!("v{v}m{m}"), "text": format!("t={} hello", now_ms())});
                if ws.send(Message::Text(frame.to_string())).await.is_err() {
                    break;
                }
                // Wait for the operator's answer before the next message.
                let deadline = tokio::time::sleep(Duration::from_secs(30));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => break,
                        msg = ws.next() => {
                            let Some(Ok(Message::Text(t))) = msg else { break };
                            let Ok(f) = serde_json::from_str::<Value>(&t) else { continue };
                            if f["type"] == "message" && f["message"]["author"]["kind"] == "operator" {
                                if let Some(sent) = f["message"]["text"].as_str().and_then(|s| s.strip_prefix("r=")).and_then(|s| s.parse::<f64>().ok()) {
                                    stats.lock().await.o2v.push(now_ms() - sent);
                                }
                                replies += 1;
                                if replies > m { break; }
                            }
                        }
                    }
                }
            }
            let _ = ws.close(None).await;
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.notify_waiters();
    let s = stats.lock().await;
    let total = s.v2o.len() + s.o2v.len();
    // The offer can reach the console before the visitor's session call returns.
    let routed: Vec<f64> = s
        .opened_at
        .iter()
        .filter_map(|(d, opened)| s.offered_at.get(d).map(|o| o - opened))
        .collect();
    println!(
        "== openline load: {} dialogs, {} operators, {} messages per visitor ==",
        o.dialogs, o.operators, o.messages
    );
    report("visitor → operator", s.v2o.clone());
    report("operator → visitor", s.o2v.clone());
    report("open → offer (routing)", routed.clone());
    println!(
        "messages delivered/s        {:.1} ({} in {:.1} s)",
        total as f64 / elapsed,
        total,
        elapsed
    );
    println!(
        "new dialogs routed/s        {:.1} ({} routed)",
        routed.len() as f64 / elapsed,
        routed.len()
    );
    println!("errors                      {}", s.errors);
    Ok(())
}
