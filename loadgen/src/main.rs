//! openline load generator: measures the edge as users feel it.
//!
//! Plays both sides of N two-party dialogs over the public API of a LOCAL
//! edge (loopback addresses only). A line gets M operator accounts whose
//! consoles connect their WebSockets; then each dialog opens a visitor
//! session (HTTP) and connects the visitor's WebSocket, an operator accepts
//! the offer (HTTP), and from then on each side sends K messages on its own
//! schedule — one per second (paced) or as fast as it can (flood), never
//! waiting for the other side's replies, so queueing in the edge shows up
//! as latency. Visitors send over their socket; operators over HTTP
//! (`POST …/messages`) or, with `--operator-send ws`, the socket's `send`
//! frame. Dialogs start all at once or evenly over `--ramp-s`.
//!
//! Every simulated client sends its own `CF-Connecting-IP` header (a value
//! from 198.18.0.0/15, never connected to), as Cloudflare would set it for
//! real visitors: the per-IP session limit then limits no one, as in
//! production. `--single-ip` sends none (all from one address).
//!
//! It reports delivery latency both ways (send → receipt on the other side's
//! socket, one clock), delivered messages/s, messages not delivered within
//! 30 s, errors by kind, open → offer latency and dialogs routed/s, and the
//! CPU time (utime + stime from /proc/<pid>/stat) of the `workerd`
//! processes per delivered message and their peak memory (VmRSS sampled
//! every 200 ms, and VmHWM).
//!
//! ```sh
//! cargo run --release -p openline-loadgen -- --base http://127.0.0.1:8787 --dialogs 100 --ramp-s 10
//! ```

mod dialog;
mod metrics;
mod net;
mod opts;
mod procstat;

use dialog::{Active, Operator, Shared};
use futures_util::future::join_all;
use futures_util::StreamExt;
use metrics::{dist, now_us, Stats};
use net::{field, Client};
use opts::{client_ip, OperatorSend, Opts};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match opts::parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{}", opts::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(1);
        }
    };
    if let Err((code, e)) = rt.block_on(run(opts)) {
        eprintln!("loadgen: {e}");
        std::process::exit(code);
    }
}

type Failed = (i32, String);

fn setup_err(e: impl std::fmt::Display) -> Failed {
    (1, e.to_string())
}

/// A line with M operators, their consoles' sockets connected.
struct Setup {
    line: String,
    consoles: Vec<(Client, String, net::Ws)>,
    probe: Option<String>,
}

async fn setup(o: &Opts) -> Result<Setup, Failed> {
    let ip = |n: usize| o.distinct_ips.then(|| client_ip(n));
    let admin = Client::new(&o.base, ip(o.operators + o.dialogs), 2);
    let login = json!({"login": o.admin_login, "password": o.admin_password});
    let session = admin
        .call("POST", "/api/v1/auth/login", None, Some(login))
        .await
        .map_err(|e| setup_err(format!("admin login: {}", e.detail)))?;
    let admin_token = field(&session, "token").map_err(setup_err)?;
    let run_id = format!(
        "{:x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let line = format!("load-{run_id}");

    // Operators: accounts, then each console logs in from its own address.
    let mut operators: Vec<(String, Client, String)> = Vec::new();
    let ids: Vec<usize> = (0..o.operators).collect();
    for chunk in ids.chunks(4) {
        let made = join_all(chunk.iter().map(|&j| {
            let (admin, admin_token, run_id) = (&admin, &admin_token, &run_id);
            async move {
                let login = format!("load{run_id}op{j}");
                let account = json!({"login": login, "name": format!("Load operator {j}"),
                    "role": "operator", "password": "load-password"});
                let acc = admin
                    .call("POST", "/api/v1/accounts", Some(admin_token), Some(account))
                    .await
                    .map_err(|e| format!("operator account: {}", e.detail))?;
                let client = Client::new(&o.base, ip(j), o.op_conns);
                let creds = json!({"login": login, "password": "load-password"});
                let s = client
                    .call("POST", "/api/v1/auth/login", None, Some(creds))
                    .await
                    .map_err(|e| format!("operator login: {}", e.detail))?;
                Ok::<_, String>((field(&acc, "id")?, client, field(&s, "token")?))
            }
        }))
        .await;
        for m in made {
            operators.push(m.map_err(setup_err)?);
        }
    }
    let mut settings = admin
        .call(
            "POST",
            "/api/v1/lines",
            Some(&admin_token),
            Some(json!({"id": line, "name": "Load line"})),
        )
        .await
        .map_err(|e| setup_err(format!("new line: {}", e.detail)))?;
    settings["queue"] = operators
        .iter()
        .map(|(id, _, _)| json!({"kind": "operator", "id": id}))
        .collect();
    settings["mode"] = json!("evenly");
    admin
        .call(
            "PUT",
            &format!("/api/v1/lines/{line}/settings"),
            Some(&admin_token),
            Some(settings),
        )
        .await
        .map_err(|e| setup_err(format!("line settings: {}", e.detail)))?;

    let mut consoles = Vec::new();
    let mut probe = None;
    for (_, client, token) in operators {
        let mut ws = client
            .ws(&format!("/api/v1/lines/{line}/ws?token={token}"))
            .await
            .map_err(|f| setup_err(format!("operator socket: {f}")))?;
        if o.operator_send == OperatorSend::Ws && probe.is_none() {
            probe = Some(dialog::probe_ws_send(&mut ws).await.map_err(|e| (3, e))?);
        }
        consoles.push((client, token, ws));
    }
    Ok(Setup {
        line,
        consoles,
        probe,
    })
}

async fn run(o: Opts) -> Result<(), Failed> {
    now_us(); // starts the clock
    let wall = Instant::now();
    let Setup {
        line,
        consoles,
        probe,
    } = setup(&o).await?;
    if let Some(p) = &probe {
        eprintln!("loadgen: --operator-send ws: {p}");
    }

    let (pids, pids_given) = match &o.workerd_pids {
        Some(p) => (p.clone(), true),
        None => (procstat::find_workerd(), false),
    };
    if !pids_given && pids.len() > 1 {
        eprintln!("loadgen: measuring every workerd process {pids:?} (another edge may be running; --workerd-pid to choose)");
    }
    let (tck, tck_known) = procstat::clk_tck();
    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = tokio::spawn(procstat::sample_rss(pids.clone(), stop_rx.clone()));
    let cpu_before = procstat::snapshot(&pids);
    let self_before = procstat::cpu_ticks("self").unwrap_or(0);

    let sh = Arc::new(Shared {
        opts: o.clone(),
        line,
        stats: Stats::new(o.deadline.as_micros() as u64),
        slots: Mutex::new(HashMap::new()),
        stop: stop_rx,
        active: AtomicUsize::new(0),
    });
    let mut tasks = Vec::new();
    for (client, token, ws) in consoles {
        let (sink, stream) = ws.split();
        let (tx, rx) = mpsc::unbounded_channel();
        let op = Arc::new(Operator {
            client,
            token,
            frames: tx,
            conns: Semaphore::new(o.op_conns),
        });
        tasks.push(tokio::spawn(dialog::operator_writer(sh.clone(), sink, rx)));
        tasks.push(tokio::spawn(dialog::operator_reader(
            sh.clone(),
            op,
            stream,
        )));
    }
    let t0 = Instant::now();
    let run_started = now_us();
    for i in 0..o.dialogs {
        let offset = o.ramp.mul_f64(i as f64 / o.dialogs as f64);
        let active = Active::new(&sh);
        tasks.push(tokio::spawn(dialog::visitor(
            sh.clone(),
            i,
            t0 + offset,
            active,
        )));
    }

    // Until every side has sent everything and it has arrived, or nothing
    // more can count (deadline after the last send); bounded in any case.
    let deadline_us = o.deadline.as_micros() as u64;
    let sending = o.interval * o.messages as u32;
    let hard_stop = t0 + o.ramp + sending + o.deadline * 3 + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if Instant::now() > hard_stop {
            eprintln!("loadgen: stopped by the run's time bound");
            break;
        }
        if sh.active.load(Ordering::SeqCst) > 0 {
            continue;
        }
        let last_send = sh.stats.lock().last_send_us;
        if sh.stats.outstanding() == 0 || now_us().saturating_sub(last_send) > deadline_us {
            break;
        }
    }
    let run_ended = now_us();
    let cpu_after = procstat::snapshot(&pids);
    let self_after = procstat::cpu_ticks("self").unwrap_or(0);
    let _ = stop_tx.send(true);
    let memory = sampler.await.unwrap_or_default();
    let _ = tokio::time::timeout(Duration::from_secs(5), join_all(tasks)).await;

    let workerd_cpu_ms = procstat::cpu_ms_between(&cpu_before, &cpu_after, tck);
    let cpu_by_pid: BTreeMap<String, Value> = pids
        .iter()
        .map(|p| {
            let ticks = match (cpu_before.get(p), cpu_after.get(p)) {
                (Some(a), Some(b)) => b.saturating_sub(*a) as f64,
                _ => f64::NAN,
            };
            (p.to_string(), round1(ticks * 1000.0 / tck))
        })
        .collect();
    let summary = summarize(
        &sh,
        &o,
        SummaryInputs {
            pids: &pids,
            workerd_cpu_ms,
            cpu_by_pid,
            tck_known,
            memory,
            loadgen_cpu_ms: self_after.saturating_sub(self_before) as f64 * 1000.0 / tck,
            run_s: (run_ended - run_started) as f64 / 1e6,
            wall_s: wall.elapsed().as_secs_f64(),
            probe,
        },
    );
    match o.json.as_deref() {
        Some("-") => println!("{summary}"),
        Some(path) => {
            println!("{}", metrics::text(&summary));
            std::fs::write(path, format!("{summary:#}\n")).map_err(setup_err)?;
        }
        None => println!("{}", metrics::text(&summary)),
    }
    Ok(())
}

struct SummaryInputs<'a> {
    pids: &'a [u32],
    workerd_cpu_ms: f64,
    cpu_by_pid: BTreeMap<String, Value>,
    tck_known: bool,
    memory: procstat::Memory,
    loadgen_cpu_ms: f64,
    run_s: f64,
    wall_s: f64,
    probe: Option<String>,
}

fn round1(x: f64) -> Value {
    round_to(x, 1)
}

fn round_to(x: f64, digits: i32) -> Value {
    let f = 10f64.powi(digits);
    if x.is_finite() {
        json!((x * f).round() / f)
    } else {
        Value::Null
    }
}

fn summarize(sh: &Shared, o: &Opts, inp: SummaryInputs<'_>) -> Value {
    let slots: Vec<dialog::Times> = sh
        .slots
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .map(|s| s.times())
        .collect();
    let opened = slots.iter().filter(|t| t.opened_us.is_some()).count();
    let offered = slots.iter().filter(|t| t.offered_us.is_some()).count();
    let accepted = slots.iter().filter(|t| t.accepted_us.is_some()).count();
    let open_offer: Vec<f64> = slots
        .iter()
        .filter_map(|t| Some(t.offered_us?.saturating_sub(t.opened_us?) as f64 / 1000.0))
        .collect();
    let first_open = slots.iter().filter_map(|t| t.opened_us).min();
    let last_offer = slots.iter().filter_map(|t| t.offered_us).max();
    let routed_per_s = match (first_open, last_offer) {
        (Some(a), Some(b)) if b > a => offered as f64 / ((b - a) as f64 / 1e6),
        _ => f64::NAN,
    };
    let s = sh.stats.lock();
    let delivered: u64 = s.delivered.iter().sum();
    let in_deadline: u64 = s.in_deadline.iter().sum();
    let sent: u64 = s.sent.iter().sum();
    let window_s = s
        .first_send_us
        .filter(|f| s.last_delivery_us > *f)
        .map_or(f64::NAN, |f| (s.last_delivery_us - f) as f64 / 1e6);
    let planned = (o.dialogs * o.messages * 2) as u64;
    let mib = |kib: u64| round1(kib as f64 / 1024.0);
    json!({
        "config": {
            "base": o.base, "dialogs": o.dialogs, "operators": o.operators,
            "messages_per_side": o.messages, "mode": o.mode_name(),
            "interval_ms": o.interval.as_millis() as u64,
            "arrival": if o.ramp.is_zero() { "burst".to_owned() } else { format!("ramp {} s", o.ramp.as_secs_f64()) },
            "ramp_s": o.ramp.as_secs_f64(),
            "operator_send": o.send_name(), "op_conns": o.op_conns,
            "distinct_ips": o.distinct_ips, "deadline_s": o.deadline.as_secs_f64(),
            "ws_probe": inp.probe,
        },
        "dialogs": {"opened": opened, "offered": offered, "accepted": accepted, "started": s.started},
        "latency_ms": {
            "visitor_to_operator": dist(&s.latency[0]),
            "operator_to_visitor": dist(&s.latency[1]),
            "visitor_echo": dist(&s.echo),
            "open_to_offer": dist(&open_offer),
            "accept_call": dist(&s.accept_rtt),
            "operator_post_wait": dist(&s.post_wait),
            "operator_post": dist(&s.post_rtt),
        },
        "messages": {
            "planned": planned,
            "sent": sent, "sent_by_visitors": s.sent[0], "sent_by_operators": s.sent[1],
            "failed_sends": s.send_failed.iter().sum::<u64>(),
            "delivered": delivered, "delivered_in_deadline": in_deadline,
            "not_delivered_in_deadline": sent - in_deadline.min(sent),
            "not_delivered_v2o": s.sent[0] - s.in_deadline[0].min(s.sent[0]),
            "not_delivered_o2v": s.sent[1] - s.in_deadline[1].min(s.sent[1]),
            "never_sent": planned.saturating_sub(sent),
        },
        "throughput": {
            "window_s": round1(window_s),
            "delivered_msgs_per_s": round1(delivered as f64 / window_s),
            "dialogs_routed_per_s": round1(routed_per_s),
        },
        "errors": s.errors,
        "errors_total": s.errors.values().sum::<u64>(),
        "workerd": {
            "pids": inp.pids,
            "cpu_ms": round1(inp.workerd_cpu_ms),
            "cpu_ms_by_pid": inp.cpu_by_pid,
            "cpu_ms_per_delivered_msg": round_to(inp.workerd_cpu_ms / delivered as f64, 3),
            "clk_tck_from_getconf": inp.tck_known,
            "peak_rss_mib": mib(inp.memory.peak_rss_kib),
            "vm_hwm_mib": mib(inp.memory.hwm_kib),
            "rss_samples": inp.memory.samples,
        },
        "loadgen_cpu_ms": round1(inp.loadgen_cpu_ms),
        "run_s": round1(inp.run_s),
        "wall_s": round1(inp.wall_s),
    })
}
