//! The only place the edge reads the time, and the test-only time scale.
//!
//! The core never reads a clock: the adapters pass "core time" in. In local
//! development and tests (`OPENLINE_DEV=1`, set through `.dev.vars` or
//! `wrangler dev --var`, never in `wrangler.toml`) `OPENLINE_TIME_SCALE=N`
//! makes core time run N times faster, so minute-long timers (Q3, T2, T3,
//! K1) pass in seconds. A deployed worker has no `OPENLINE_DEV` and ignores
//! the scale.

use worker::Env;

/// Real epoch milliseconds.
pub fn real_now() -> i64 {
    js_sys::Date::now() as i64
}

/// How much faster core time runs than real time (1 unless in dev).
pub fn scale(env: &Env) -> i64 {
    let dev = env
        .var("OPENLINE_DEV")
        .map(|v| v.to_string() == "1")
        .unwrap_or(false);
    if !dev {
        return 1;
    }
    env.var("OPENLINE_TIME_SCALE")
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .unwrap_or(1)
}

/// Core time for a real instant.
pub fn core_now(env: &Env) -> i64 {
    real_now() * scale(env)
}

/// The real instant at which core time reaches `deadline` (rounded up).
pub fn real_at(env: &Env, deadline: i64) -> i64 {
    let s = scale(env);
    (deadline + s - 1) / s
}

/// How long an operator's console may stay silent before it counts as
/// gone (Q7), in real milliseconds: the console pings every 25 s, so
/// three missed pings and some slack. Local development and tests may set
/// `OPENLINE_HEARTBEAT_S` (2–600) to see it happen sooner.
pub fn heartbeat_ms(env: &Env) -> i64 {
    const DEFAULT_MS: i64 = 90_000;
    if !dev(env) {
        return DEFAULT_MS;
    }
    env.var("OPENLINE_HEARTBEAT_S")
        .ok()
        .and_then(|v| v.to_string().parse::<i64>().ok())
        .filter(|s| (2..=600).contains(s))
        .map_or(DEFAULT_MS, |s| s * 1000)
}

/// Whether local-development conveniences (demo seed, mailbox page) are on.
pub fn dev(env: &Env) -> bool {
    env.var("OPENLINE_DEV")
        .map(|v| v.to_string() == "1")
        .unwrap_or(false)
}
