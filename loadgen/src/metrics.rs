//! What the run measured, and its summary (text and JSON).

use crate::net::Fail;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

/// Microseconds since the run's clock started (one monotonic clock for the
/// whole process: both sides of every dialog live here).
pub fn now_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// The side that sent a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Visitor,
    Operator,
}

impl Side {
    fn tag(self) -> char {
        match self {
            Side::Visitor => 'v',
            Side::Operator => 'o',
        }
    }
    fn idx(self) -> usize {
        match self {
            Side::Visitor => 0,
            Side::Operator => 1,
        }
    }
}

/// The text of message `k` of `side`, carrying the time it was sent.
pub fn message_text(side: Side, k: usize, sent_us: u64) -> String {
    format!("lg {}{k} {sent_us}", side.tag())
}

/// `(side, k, sent_us)` of a message written by [`message_text`].
pub fn parse_text(text: &str) -> Option<(Side, u32, u64)> {
    let mut parts = text.strip_prefix("lg ")?.split(' ');
    let tag = parts.next()?;
    let side = match tag.chars().next()? {
        'v' => Side::Visitor,
        'o' => Side::Operator,
        _ => return None,
    };
    let k = tag.get(1..)?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    Some((side, k, sent))
}

#[derive(Default)]
pub struct Inner {
    /// Delivery latency (ms) by the sending side: [visitor→operator, operator→visitor].
    pub latency: [Vec<f64>; 2],
    /// Visitor send → the visitor's own copy back from the edge (ms).
    pub echo: Vec<f64>,
    /// Operator: the accept call's round trip (ms).
    pub accept_rtt: Vec<f64>,
    /// Operator over HTTP: pressing send → the request leaving (ms), i.e.
    /// waiting for one of the console's connections.
    pub post_wait: Vec<f64>,
    /// Operator over HTTP: the POST's round trip (ms).
    pub post_rtt: Vec<f64>,
    seen: HashSet<(String, usize, u32)>,
    echoed: HashSet<(String, u32)>,
    pub sent: [u64; 2],
    pub send_failed: [u64; 2],
    pub delivered: [u64; 2],
    pub in_deadline: [u64; 2],
    pub first_send_us: Option<u64>,
    pub last_send_us: u64,
    pub last_delivery_us: u64,
    pub errors: BTreeMap<String, u64>,
    logged: usize,
    /// Dialogs that started sending (both sides ready).
    pub started: u64,
}

#[derive(Default)]
pub struct Stats {
    inner: Mutex<Inner>,
    deadline_us: u64,
}

impl Stats {
    pub fn new(deadline_us: u64) -> Stats {
        Stats {
            inner: Mutex::default(),
            deadline_us,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a failure under "stage: kind"; the first few are printed.
    pub fn error(&self, stage: &str, fail: &Fail, detail: &str) {
        let mut s = self.lock();
        *s.errors.entry(format!("{stage}: {fail}")).or_insert(0) += 1;
        if s.logged < 10 {
            s.logged += 1;
            eprintln!("loadgen: {stage}: {fail}: {}", trim(detail, 300));
        }
    }

    pub fn sent(&self, side: Side, at_us: u64) {
        let mut s = self.lock();
        s.sent[side.idx()] += 1;
        s.first_send_us = Some(s.first_send_us.map_or(at_us, |f| f.min(at_us)));
        s.last_send_us = s.last_send_us.max(at_us);
    }

    pub fn send_failed(&self, side: Side) {
        self.lock().send_failed[side.idx()] += 1;
    }

    /// A message of `dialog` arrived on the other side's socket.
    pub fn received(&self, dialog: &str, side: Side, k: u32, sent_us: u64) {
        let now = now_us();
        let mut s = self.lock();
        if !s.seen.insert((dialog.to_owned(), side.idx(), k)) {
            return;
        }
        let lat = now.saturating_sub(sent_us);
        s.latency[side.idx()].push(lat as f64 / 1000.0);
        s.delivered[side.idx()] += 1;
        if lat <= self.deadline_us {
            s.in_deadline[side.idx()] += 1;
        }
        s.last_delivery_us = s.last_delivery_us.max(now);
    }

    /// The visitor's own message came back.
    pub fn echoed(&self, dialog: &str, k: u32, sent_us: u64) {
        let now = now_us();
        let mut s = self.lock();
        if s.echoed.insert((dialog.to_owned(), k)) {
            s.echo.push(now.saturating_sub(sent_us) as f64 / 1000.0);
        }
    }

    pub fn push(&self, f: impl FnOnce(&mut Inner)) {
        f(&mut self.lock())
    }

    /// Messages sent and not yet seen on the other side (failed sends
    /// excluded: they will never arrive).
    pub fn outstanding(&self) -> u64 {
        let s = self.lock();
        let sent: u64 = s.sent.iter().sum::<u64>() - s.send_failed.iter().sum::<u64>();
        sent.saturating_sub(s.delivered.iter().sum())
    }
}

pub fn trim(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// n, p50, p95, p99 and max of a sample (ms), as JSON (`null`s when empty).
pub fn dist(v: &[f64]) -> Value {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let r = |x: f64| {
        if x.is_finite() {
            json!((x * 10.0).round() / 10.0)
        } else {
            Value::Null
        }
    };
    json!({
        "n": v.len(),
        "p50": r(percentile(&v, 50.0)),
        "p95": r(percentile(&v, 95.0)),
        "p99": r(percentile(&v, 99.0)),
        "max": r(v.last().copied().unwrap_or(f64::NAN)),
    })
}

fn ms(v: &Value) -> String {
    match v.as_f64() {
        None => "—".into(),
        Some(x) if x >= 10_000.0 => format!("{:.1} s", x / 1000.0),
        Some(x) => format!("{x:.1} ms"),
    }
}

fn dist_line(name: &str, d: &Value) -> String {
    format!(
        "{name:<26} n={:<6} p50={:>9}  p95={:>9}  p99={:>9}  max={:>9}",
        d["n"],
        ms(&d["p50"]),
        ms(&d["p95"]),
        ms(&d["p99"]),
        ms(&d["max"])
    )
}

/// The human summary of the JSON summary.
pub fn text(j: &Value) -> String {
    let mut out = Vec::new();
    let c = &j["config"];
    out.push(format!(
        "== openline load: {} dialogs, {} operators, {} x{} msgs per side, {} arrival, operator send {}, {} ==",
        c["dialogs"],
        c["operators"],
        c["mode"].as_str().unwrap_or_default(),
        c["messages_per_side"],
        c["arrival"].as_str().unwrap_or_default(),
        c["operator_send"].as_str().unwrap_or_default(),
        if c["distinct_ips"] == true { "one client IP per visitor" } else { "one client IP" },
    ));
    let d = &j["dialogs"];
    out.push(format!(
        "dialogs                    opened {}  offered {}  accepted {}  started {} (of {})",
        d["opened"], d["offered"], d["accepted"], d["started"], c["dialogs"]
    ));
    let l = &j["latency_ms"];
    out.push(dist_line("visitor → operator", &l["visitor_to_operator"]));
    out.push(dist_line("operator → visitor", &l["operator_to_visitor"]));
    out.push(dist_line("visitor send → own echo", &l["visitor_echo"]));
    out.push(dist_line("open → offer", &l["open_to_offer"]));
    out.push(dist_line("accept call", &l["accept_call"]));
    if c["operator_send"] == "http" {
        out.push(dist_line(
            "operator POST wait (conn)",
            &l["operator_post_wait"],
        ));
        out.push(dist_line("operator POST round trip", &l["operator_post"]));
    }
    let m = &j["messages"];
    out.push(format!(
        "messages                   sent {} (v {} / o {}), failed sends {}, delivered {}, NOT delivered within {} s: {} (v→o {} / o→v {})",
        m["sent"], m["sent_by_visitors"], m["sent_by_operators"], m["failed_sends"], m["delivered"],
        c["deadline_s"].as_f64().unwrap_or_default(), m["not_delivered_in_deadline"], m["not_delivered_v2o"], m["not_delivered_o2v"]
    ));
    if m["never_sent"].as_u64().unwrap_or(0) > 0 {
        out.push(format!(
            "                           never sent (their dialog did not start): {} of {} planned",
            m["never_sent"], m["planned"]
        ));
    }
    out.push(format!(
        "throughput                 {} delivered msgs/s (first send → last delivery, {} s); {} dialogs routed/s",
        j["throughput"]["delivered_msgs_per_s"],
        j["throughput"]["window_s"],
        j["throughput"]["dialogs_routed_per_s"]
    ));
    let errors = j["errors"].as_object().cloned().unwrap_or_default();
    if errors.is_empty() {
        out.push("errors                     none".into());
    } else {
        out.push(format!("errors                     {}", j["errors_total"]));
        for (k, v) in errors {
            out.push(format!("  {v:>8}  {k}"));
        }
    }
    let w = &j["workerd"];
    if w["pids"].as_array().is_none_or(|p| p.is_empty()) {
        out.push("workerd                    no workerd process found".into());
    } else {
        out.push(format!(
            "workerd                    pids {}: CPU {} ms during the run {} = {} ms per delivered message{}; peak RSS {} MiB (sampled every 200 ms), VmHWM {} MiB",
            w["pids"],
            w["cpu_ms"],
            w["cpu_ms_by_pid"],
            w["cpu_ms_per_delivered_msg"],
            if w["clk_tck_from_getconf"] == true { "" } else { " (CLK_TCK assumed 100)" },
            w["peak_rss_mib"],
            w["vm_hwm_mib"],
        ));
    }
    out.push(format!(
        "loadgen                    CPU {} ms during the run; wall {} s",
        j["loadgen_cpu_ms"], j["wall_s"]
    ));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip() {
        let t = message_text(Side::Operator, 17, 123_456);
        assert_eq!(parse_text(&t), Some((Side::Operator, 17, 123_456)));
        assert_eq!(parse_text("hello"), None);
        assert_eq!(parse_text("lg x1 5"), None);
        assert_eq!(parse_text("lg v 5"), None);
    }

    #[test]
    fn delivery_is_counted_once_and_against_the_deadline() {
        let s = Stats::new(30_000_000);
        s.sent(Side::Visitor, 0);
        s.sent(Side::Visitor, 0);
        assert_eq!(s.outstanding(), 2);
        let now = now_us();
        s.received("d", Side::Visitor, 0, now);
        s.received("d", Side::Visitor, 0, now);
        assert_eq!(s.outstanding(), 1);
        s.send_failed(Side::Visitor);
        assert_eq!(s.outstanding(), 0);
        assert_eq!(s.lock().in_deadline[0], 1);
    }

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = dist(&v);
        assert_eq!(d["p50"], json!(51.0));
        assert_eq!(d["p99"], json!(99.0));
        assert_eq!(d["max"], json!(100.0));
        assert_eq!(dist(&[])["p50"], Value::Null);
    }
}
