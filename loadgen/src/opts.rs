//! Command-line options.

use std::net::IpAddr;
use std::time::Duration;

pub const USAGE: &str = "\
openline-loadgen: plays both sides of N two-party dialogs against a LOCAL edge

  --base URL              edge address, loopback only (default http://127.0.0.1:8787)
  --dialogs N             dialogs (default 100)
  --operators M           operators (default: one per 10 dialogs, 1..=100)
  --messages K            messages sent by EACH side of a dialog (default 20)
  --mode paced|flood      paced: each side sends one message per --interval-ms,
                          whatever the other side does; flood: each side sends
                          its K messages as fast as it can (default paced)
  --interval-ms MS        the paced interval (default 1000)
  --ramp-s S              dialogs start evenly over S seconds (default 0: burst,
                          all at once)
  --operator-send http|ws how operators send: POST .../messages (default) or
                          the operator socket's `send` frame
  --op-conns C            concurrent HTTP requests per operator console
                          (default 100, like HTTP/2 streams to a deployed edge;
                          6 is a browser's HTTP/1.1 limit, what a console
                          against `wrangler dev` would have)
  --single-ip             every request from one client IP (no CF-Connecting-IP
                          header); by default each simulated visitor and
                          operator sends its own CF-Connecting-IP
                          (198.18.0.0/15, the benchmarking range; the value is
                          only a header, nothing connects to it)
  --deadline-s S          a message counts as delivered within S s (default 30)
  --workerd-pid PID[,PID] the workerd processes to measure (default: every
                          process named workerd)
  --json PATH             also write the summary as JSON (`-` prints only JSON)
  --admin LOGIN:PASSWORD  the administrator (default admin:openline-admin)
  -h, --help              this text
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Paced,
    Flood,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorSend {
    Http,
    Ws,
}

#[derive(Clone, Debug)]
pub struct Opts {
    pub base: String,
    pub dialogs: usize,
    pub operators: usize,
    pub messages: usize,
    pub mode: Mode,
    pub interval: Duration,
    pub ramp: Duration,
    pub operator_send: OperatorSend,
    pub op_conns: usize,
    pub distinct_ips: bool,
    pub deadline: Duration,
    pub workerd_pids: Option<Vec<u32>>,
    pub json: Option<String>,
    pub admin_login: String,
    pub admin_password: String,
}

impl Opts {
    pub fn mode_name(&self) -> &'static str {
        match self.mode {
            Mode::Paced => "paced",
            Mode::Flood => "flood",
        }
    }

    pub fn send_name(&self) -> &'static str {
        match self.operator_send {
            OperatorSend::Http => "http",
            OperatorSend::Ws => "ws",
        }
    }
}

fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{name}: not a valid number: {v}"))
}

/// Parses the arguments (without the program name). `Ok(None)` is --help.
pub fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let mut o = Opts {
        base: "http://127.0.0.1:8787".into(),
        dialogs: 100,
        operators: 0,
        messages: 20,
        mode: Mode::Paced,
        interval: Duration::from_millis(1000),
        ramp: Duration::ZERO,
        operator_send: OperatorSend::Http,
        op_conns: 100,
        distinct_ips: true,
        deadline: Duration::from_secs(30),
        workerd_pids: None,
        json: None,
        admin_login: "admin".into(),
        admin_password: "openline-admin".into(),
    };
    let mut i = 0;
    while i < args.len() {
        let name = args[i].as_str();
        match name {
            "-h" | "--help" => return Ok(None),
            "--single-ip" => {
                o.distinct_ips = false;
                i += 1;
                continue;
            }
            _ => {}
        }
        let v = args
            .get(i + 1)
            .ok_or_else(|| format!("{name} needs a value"))?
            .as_str();
        match name {
            "--base" => o.base = v.trim_end_matches('/').to_owned(),
            "--dialogs" => o.dialogs = num(name, v)?,
            "--operators" => o.operators = num(name, v)?,
            "--messages" => o.messages = num(name, v)?,
            "--mode" => {
                o.mode = match v {
                    "paced" => Mode::Paced,
                    "flood" => Mode::Flood,
                    _ => return Err("--mode: paced or flood".into()),
                }
            }
            "--interval-ms" => o.interval = Duration::from_millis(num(name, v)?),
            "--ramp-s" => o.ramp = Duration::from_secs_f64(num::<f64>(name, v)?.max(0.0)),
            "--operator-send" => {
                o.operator_send = match v {
                    "http" => OperatorSend::Http,
                    "ws" => OperatorSend::Ws,
                    _ => return Err("--operator-send: http or ws".into()),
                }
            }
            "--op-conns" => o.op_conns = num(name, v)?,
            "--deadline-s" => o.deadline = Duration::from_secs_f64(num::<f64>(name, v)?.max(0.1)),
            "--workerd-pid" => {
                let pids = v
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| num::<u32>(name, s))
                    .collect::<Result<Vec<_>, _>>()?;
                o.workerd_pids = Some(pids);
            }
            "--json" => o.json = Some(v.to_owned()),
            "--admin" => {
                let (l, p) = v.split_once(':').ok_or("--admin: LOGIN:PASSWORD")?;
                o.admin_login = l.to_owned();
                o.admin_password = p.to_owned();
            }
            other => return Err(format!("unknown option {other} (see --help)")),
        }
        i += 2;
    }
    if o.dialogs == 0 || o.messages == 0 || o.op_conns == 0 {
        return Err("--dialogs, --messages and --op-conns must be at least 1".into());
    }
    if o.operators == 0 {
        o.operators = o.dialogs.div_ceil(10).clamp(1, 100);
    }
    if !is_loopback_base(&o.base) {
        return Err(format!(
            "{}: the load generator only targets a local edge (http://127.0.0.0/8, localhost or [::1])",
            o.base
        ));
    }
    Ok(Some(o))
}

/// The safety check: `http://` and a loopback host only.
pub fn is_loopback_base(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, _)) => h,
            None => return false,
        }
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The CF-Connecting-IP of simulated client `n` (visitors and operators
/// draw from one sequence): 198.18.0.0/15, reserved for benchmarks.
pub fn client_ip(n: usize) -> String {
    let n = n + 1;
    format!("198.{}.{}.{}", 18 + (n >> 16 & 1), n >> 8 & 0xff, n & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        for ok in [
            "http://127.0.0.1:8787",
            "http://127.9.9.9",
            "http://localhost:1/x",
            "http://[::1]:8787",
        ] {
            assert!(is_loopback_base(ok), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8787",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://user@example.com",
            "https://127.0.0.1",
            "http://[2001:db8::1]",
            "http://example.com/127.0.0.1",
        ] {
            assert!(!is_loopback_base(bad), "{bad}");
        }
    }

    #[test]
    fn options_and_defaults() {
        let args: Vec<String> = ["--dialogs", "1000", "--mode", "flood", "--single-ip"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let o = parse(&args).unwrap().unwrap();
        assert_eq!(o.dialogs, 1000);
        assert_eq!(o.operators, 100);
        assert_eq!(o.mode, Mode::Flood);
        assert!(!o.distinct_ips);
        assert!(parse(&["--base".into(), "http://10.1.1.1".into()]).is_err());
        assert!(parse(&["--help".into()]).unwrap().is_none());
    }

    #[test]
    fn client_ips_are_distinct() {
        let ips: std::collections::HashSet<String> = (0..70_000).map(client_ip).collect();
        assert_eq!(ips.len(), 70_000);
        assert_eq!(client_ip(0), "198.18.0.1");
    }
}
