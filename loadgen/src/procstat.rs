//! What the runtime costs: CPU time and memory of the `workerd` processes
//! (and of this process), read from /proc.

use std::collections::BTreeMap;
use std::fs;

/// Clock ticks per second of /proc/<pid>/stat times: `getconf CLK_TCK`,
/// else 100 (Linux's USER_HZ on every common architecture).
pub fn clk_tck() -> (f64, bool) {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0);
    match out {
        Some(t) => (t, true),
        None => (100.0, false),
    }
}

/// Every process whose name is `workerd`.
pub fn find_workerd() -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "workerd")
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name (field 2) may hold spaces: count fields after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A `Vm…:` line of /proc/<pid>/status, in KiB.
pub fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// CPU ticks of each process (those that have ended are left out).
pub fn snapshot(pids: &[u32]) -> BTreeMap<u32, u64> {
    pids.iter()
        .filter_map(|p| Some((*p, cpu_ticks(&p.to_string())?)))
        .collect()
}

/// CPU milliseconds spent between two snapshots (processes in both).
pub fn cpu_ms_between(a: &BTreeMap<u32, u64>, b: &BTreeMap<u32, u64>, tck: f64) -> f64 {
    b.iter()
        .filter_map(|(pid, after)| Some(after.saturating_sub(*a.get(pid)?)))
        .sum::<u64>() as f64
        * 1000.0
        / tck
}

/// Peak memory seen by the sampler.
#[derive(Default, Clone, Debug)]
pub struct Memory {
    /// The largest sum of VmRSS over the processes in one sample, KiB.
    pub peak_rss_kib: u64,
    /// The sum of the processes' VmHWM (their own peaks) at the end, KiB.
    pub hwm_kib: u64,
    pub samples: u64,
}

/// Samples VmRSS of `pids` every 200 ms until `stop` says so.
pub async fn sample_rss(pids: Vec<u32>, mut stop: tokio::sync::watch::Receiver<bool>) -> Memory {
    let mut m = Memory::default();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        let rss: u64 = pids.iter().filter_map(|p| status_kib(*p, "VmRSS")).sum();
        m.peak_rss_kib = m.peak_rss_kib.max(rss);
        m.samples += 1;
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => break,
        }
    }
    m.hwm_kib = pids.iter().filter_map(|p| status_kib(*p, "VmHWM")).sum();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        assert!(cpu_ticks("self").is_some());
        let pid = std::process::id();
        assert!(status_kib(pid, "VmRSS").unwrap_or(0) > 0);
        assert!(status_kib(pid, "VmHWM").unwrap_or(0) > 0);
        let a = BTreeMap::from([(1u32, 100u64), (2, 50)]);
        let b = BTreeMap::from([(1u32, 150u64), (3, 10)]);
        assert_eq!(cpu_ms_between(&a, &b, 100.0), 500.0);
    }
}
