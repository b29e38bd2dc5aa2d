//! Both sides of the dialogs: visitors (a session over HTTP, then their
//! WebSocket) and operator consoles (one WebSocket each; accept over HTTP,
//! messages over HTTP or the socket).
//!
//! A dialog starts sending when both sides are there: the operator has
//! accepted it and the visitor's socket is connected. Then each side sends
//! its messages on its own schedule, whatever the other side does.

use crate::metrics::{message_text, now_us, parse_text, Side, Stats};
use crate::net::{field, ws_fail, Client, Fail, Ws};
use crate::opts::{client_ip, Mode, OperatorSend, Opts};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use openline_core::protocol::frames::{OperatorFrame, VisitorFrame};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// What is known of one dialog, by either side.
#[derive(Default)]
pub struct Slot {
    pub times: Mutex<Times>,
    ready: watch::Sender<Ready>,
}

#[derive(Default, Clone, Copy)]
pub struct Times {
    pub opened_us: Option<u64>,
    pub offered_us: Option<u64>,
    pub accepted_us: Option<u64>,
}

#[derive(Default, Clone, Copy)]
struct Ready {
    accepted: bool,
    visitor: bool,
    /// The visitor stopped waiting for an operator: the dialog never starts.
    abandoned: bool,
}

impl Slot {
    pub fn times(&self) -> Times {
        *self.times.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn set(&self, f: impl FnOnce(&mut Times)) {
        f(&mut self.times.lock().unwrap_or_else(|p| p.into_inner()))
    }
    /// Waits until both sides are there, at most `limit`.
    async fn both_ready(&self, limit: Duration) -> bool {
        let mut rx = self.ready.subscribe();
        let both = |r: &Ready| r.abandoned || (r.accepted && r.visitor);
        let ready = tokio::time::timeout(limit, rx.wait_for(both)).await;
        matches!(ready, Ok(Ok(r)) if !r.abandoned)
    }
}

/// What every task shares.
pub struct Shared {
    pub opts: Opts,
    pub line: String,
    pub stats: Stats,
    pub slots: Mutex<HashMap<String, Arc<Slot>>>,
    pub stop: watch::Receiver<bool>,
    /// Sides still sending (or waiting to start).
    pub active: AtomicUsize,
}

impl Shared {
    pub fn slot(&self, dialog: &str) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(dialog.to_owned())
            .or_default()
            .clone()
    }
    fn messages_path(&self, dialog: &str) -> String {
        format!("/api/v1/lines/{}/dialogs/{dialog}/messages", self.line)
    }
}

/// Counts a sending side as active until dropped.
pub struct Active(Arc<Shared>);

impl Active {
    pub fn new(sh: &Arc<Shared>) -> Active {
        sh.active.fetch_add(1, Ordering::SeqCst);
        Active(sh.clone())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where in its interval a side sends (spreads dialogs over the second).
fn phase(dialog: &str, side: Side, interval: Duration) -> Duration {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in dialog.bytes().chain([side as u8]) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let ms = interval.as_millis().max(1) as u64;
    Duration::from_millis(h % ms)
}

/// When message `k` of a side is due (`None` in flood mode: at once).
fn due(o: &Opts, t0: Instant, phase: Duration, k: usize) -> Option<Instant> {
    match o.mode {
        Mode::Paced => Some(t0 + phase + o.interval * k as u32),
        Mode::Flood => None,
    }
}

async fn wait_stop(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// One visitor: opens a dialog, connects, sends its messages, and reads the
/// operator's until the run stops.
pub async fn visitor(sh: Arc<Shared>, i: usize, start_at: Instant, active: Active) {
    let o = &sh.opts;
    tokio::time::sleep_until(start_at).await;
    let ip = o.distinct_ips.then(|| client_ip(o.operators + i));
    let client = Client::new(&o.base, ip, 1);
    let opened = now_us();
    let body = json!({"line": sh.line});
    let session = match client
        .call("POST", "/api/v1/visitor/sessions", None, Some(body))
        .await
    {
        Ok(v) => v,
        Err(e) => return sh.stats.error("visitor session", &e.fail, &e.detail),
    };
    let (dialog, token) = match (field(&session, "dialog"), field(&session, "token")) {
        (Ok(d), Ok(t)) => (d, t),
        (Err(e), _) | (_, Err(e)) => {
            return sh
                .stats
                .error("visitor session", &Fail::Other("bad answer".into()), &e)
        }
    };
    let slot = sh.slot(&dialog);
    slot.set(|t| t.opened_us = Some(opened));
    let ws = match client
        .ws(&format!("/api/v1/visitor/ws?token={token}"))
        .await
    {
        Ok(ws) => ws,
        Err(f) => return sh.stats.error("visitor socket connect", &f, &dialog),
    };
    let (mut sink, stream) = ws.split();
    let reader = tokio::spawn(visitor_reader(sh.clone(), dialog.clone(), stream));
    slot.ready.send_modify(|r| r.visitor = true);
    let limit = o
        .deadline
        .saturating_sub(Duration::from_micros(now_us() - opened));
    if slot.both_ready(limit).await {
        sh.stats.push(|s| s.started += 1);
        visitor_sends(&sh, &dialog, &mut sink).await;
    } else {
        slot.ready.send_modify(|r| r.abandoned = true);
        let f = Fail::Timeout;
        let what = format!("{dialog}: no operator accepted within {:?}", o.deadline);
        sh.stats.error("dialog start (offer/accept)", &f, &what);
    }
    drop(active);
    wait_stop(sh.stop.clone()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), sink.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
}

async fn visitor_sends(sh: &Shared, dialog: &str, sink: &mut SplitSink<Ws, Message>) {
    let o = &sh.opts;
    let t0 = Instant::now();
    let ph = phase(dialog, Side::Visitor, o.interval);
    for k in 0..o.messages {
        if let Some(at) = due(o, t0, ph, k) {
            tokio::time::sleep_until(at).await;
        }
        let at = now_us();
        let frame = VisitorFrame::Send {
            client_id: format!("v{k}"),
            text: message_text(Side::Visitor, k, at),
        };
        let Ok(frame) = serde_json::to_string(&frame) else {
            continue;
        };
        sh.stats.sent(Side::Visitor, at);
        if let Err(e) = sink.send(Message::Text(frame)).await {
            sh.stats.error("visitor send", &ws_fail(&e), dialog);
            // This one and the rest are lost.
            for _ in k..o.messages {
                sh.stats.send_failed(Side::Visitor);
            }
            for _ in k + 1..o.messages {
                sh.stats.sent(Side::Visitor, now_us());
            }
            return;
        }
    }
}

async fn visitor_reader(sh: Arc<Shared>, dialog: String, mut stream: SplitStream<Ws>) {
    let mut stop = sh.stop.clone();
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = stop.wait_for(|s| *s) => return,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(_))) | None => {
                return sh.stats.error("visitor socket", &Fail::Closed, &dialog)
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return sh.stats.error("visitor socket", &ws_fail(&e), &dialog),
        };
        let Ok(f) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match f["type"].as_str() {
            Some("message") => {
                let Some((side, k, sent)) = f["message"]["text"].as_str().and_then(parse_text)
                else {
                    continue;
                };
                match (f["message"]["author"]["kind"].as_str(), side) {
                    (Some("operator"), Side::Operator) => {
                        sh.stats.received(&dialog, Side::Operator, k, sent)
                    }
                    (Some("visitor"), Side::Visitor) => sh.stats.echoed(&dialog, k, sent),
                    _ => {}
                }
            }
            Some("error") => {
                let code = f["error"]["code"].as_str().unwrap_or("?").to_owned();
                let m = f["error"]["message"].as_str().unwrap_or_default();
                sh.stats.error("visitor socket", &Fail::Frame(code), m);
            }
            _ => {}
        }
    }
}

/// One operator console.
pub struct Operator {
    pub client: Client,
    pub token: String,
    /// Frames to write on the console's socket.
    pub frames: mpsc::UnboundedSender<Message>,
    /// The console's HTTP connections.
    pub conns: Semaphore,
}

/// Writes the console's frames until the run stops, then closes the socket.
/// Like the real console it pings every 25 s: the edge counts a silent
/// console as gone after its heartbeat window (Q7).
pub async fn operator_writer(
    sh: Arc<Shared>,
    mut sink: SplitSink<Ws, Message>,
    mut frames: mpsc::UnboundedReceiver<Message>,
) {
    let mut stop = sh.stop.clone();
    let mut beat = tokio::time::interval(Duration::from_secs(25));
    beat.tick().await;
    loop {
        let frame = tokio::select! {
            f = frames.recv() => f,
            _ = beat.tick() => Some(Message::Text(r#"{"type":"ping"}"#.into())),
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(frame) = frame else { break };
        if let Err(e) = sink.send(frame).await {
            sh.stats.error("operator socket send", &ws_fail(&e), "");
            sh.stats.send_failed(Side::Operator);
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), sink.close()).await;
}

/// Reads a console's socket: accepts offers, records visitors' messages.
pub async fn operator_reader(sh: Arc<Shared>, op: Arc<Operator>, mut stream: SplitStream<Ws>) {
    let mut stop = sh.stop.clone();
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = stop.wait_for(|s| *s) => return,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(_))) | None => {
                return sh.stats.error("operator socket", &Fail::Closed, "")
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return sh.stats.error("operator socket", &ws_fail(&e), ""),
        };
        let Ok(f) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let dialog = f["dialog"].as_str().unwrap_or_default();
        match f["type"].as_str() {
            Some("offer") if !dialog.is_empty() => {
                let at = now_us();
                sh.slot(dialog).set(|t| {
                    t.offered_us.get_or_insert(at);
                });
                let active = Active::new(&sh);
                tokio::spawn(accept_and_talk(
                    sh.clone(),
                    op.clone(),
                    dialog.to_owned(),
                    active,
                ));
            }
            Some("message") if f["message"]["author"]["kind"] == "visitor" => {
                if let Some((Side::Visitor, k, sent)) =
                    f["message"]["text"].as_str().and_then(parse_text)
                {
                    sh.stats.received(dialog, Side::Visitor, k, sent);
                }
            }
            Some("error") => {
                let code = f["error"]["code"].as_str().unwrap_or("?").to_owned();
                let m = f["error"]["message"].as_str().unwrap_or_default();
                sh.stats.error("operator socket", &Fail::Frame(code), m);
                // A refused `send` frame names its message: it is lost.
                if f["client_id"].as_str().is_some_and(|c| c.starts_with('o')) {
                    sh.stats.send_failed(Side::Operator);
                }
            }
            _ => {}
        }
    }
}

async fn accept_and_talk(sh: Arc<Shared>, op: Arc<Operator>, dialog: String, _active: Active) {
    let o = &sh.opts;
    let path = format!("/api/v1/lines/{}/dialogs/{dialog}/accept", sh.line);
    let t = now_us();
    let res = op.client.call("POST", &path, Some(&op.token), None).await;
    let rtt = (now_us() - t) as f64 / 1000.0;
    sh.stats.push(|s| s.accept_rtt.push(rtt));
    if let Err(e) = res {
        return sh.stats.error("operator accept", &e.fail, &e.detail);
    }
    let slot = sh.slot(&dialog);
    slot.set(|t| t.accepted_us = Some(now_us()));
    slot.ready.send_modify(|r| r.accepted = true);
    if !slot.both_ready(o.deadline).await {
        return; // the visitor's side reports it
    }
    let t0 = Instant::now();
    let ph = phase(&dialog, Side::Operator, o.interval);
    for k in 0..o.messages {
        if let Some(at) = due(o, t0, ph, k) {
            tokio::time::sleep_until(at).await;
        }
        let pressed = now_us();
        sh.stats.sent(Side::Operator, pressed);
        let text = message_text(Side::Operator, k, pressed);
        match o.operator_send {
            OperatorSend::Ws => {
                let frame = OperatorFrame::Send {
                    dialog: dialog.clone(),
                    client_id: format!("o{k}"),
                    text,
                    hidden: false,
                };
                let sent = serde_json::to_string(&frame)
                    .ok()
                    .is_some_and(|f| op.frames.send(Message::Text(f)).is_ok());
                if !sent {
                    sh.stats.send_failed(Side::Operator);
                }
            }
            OperatorSend::Http => {
                let active = Active::new(&sh);
                let post = post_message(
                    sh.clone(),
                    op.clone(),
                    dialog.clone(),
                    k,
                    text,
                    pressed,
                    active,
                );
                match o.mode {
                    // Paced: the next message does not wait for this one.
                    Mode::Paced => drop(tokio::spawn(post)),
                    // Flood: one after the other, as a console would.
                    Mode::Flood => post.await,
                }
            }
        }
    }
}

async fn post_message(
    sh: Arc<Shared>,
    op: Arc<Operator>,
    dialog: String,
    k: usize,
    text: String,
    pressed: u64,
    _active: Active,
) {
    let Ok(_conn) = op.conns.acquire().await else {
        return;
    };
    let issued = now_us();
    let body = json!({"client_id": format!("o{k}"), "text": text, "hidden": false});
    let res = op
        .client
        .call(
            "POST",
            &sh.messages_path(&dialog),
            Some(&op.token),
            Some(body),
        )
        .await;
    let done = now_us();
    sh.stats.push(|s| {
        s.post_wait.push((issued - pressed) as f64 / 1000.0);
        s.post_rtt.push((done - issued) as f64 / 1000.0);
    });
    if let Err(e) = res {
        sh.stats.error("operator send (POST)", &e.fail, &e.detail);
        sh.stats.send_failed(Side::Operator);
    }
}

/// `--operator-send ws`: asks the edge whether a console may send a message
/// over its socket. `Err` with the edge's answer when it may not.
pub async fn probe_ws_send(ws: &mut Ws) -> Result<String, String> {
    let frame = OperatorFrame::Send {
        dialog: "loadgen-probe".into(),
        client_id: "probe".into(),
        text: "probe".into(),
        hidden: false,
    };
    let frame = serde_json::to_string(&frame).map_err(|e| e.to_string())?;
    ws.send(Message::Text(frame))
        .await
        .map_err(|e| format!("the probe could not be sent: {e}"))?;
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let msg = match tokio::time::timeout_at(until, ws.next()).await {
            Err(_) => {
                return Ok(
                    "no answer to a send frame for an unknown dialog within 5 s; going ahead"
                        .into(),
                )
            }
            Ok(None) => return Err("the edge closed the console socket after a send frame".into()),
            Ok(Some(Err(e))) => {
                return Err(format!("the console socket failed after a send frame: {e}"))
            }
            Ok(Some(Ok(m))) => m,
        };
        let Message::Text(t) = msg else { continue };
        let Ok(f) = serde_json::from_str::<Value>(&t) else {
            continue;
        };
        if f["type"] == "error" {
            let code = f["error"]["code"].as_str().unwrap_or("?");
            let m = f["error"]["message"].as_str().unwrap_or_default();
            if m.contains("HTTP") {
                return Err(format!(
                    "the edge does not take operator messages over the socket: it answered a `send` frame with `{code}`: \"{m}\". Use --operator-send http."
                ));
            }
            return Ok(format!(
                "the edge answered a send frame for an unknown dialog with `{code}` (\"{m}\"): socket sends are understood"
            ));
        }
    }
}
