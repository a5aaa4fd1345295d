//! emulator-bench: startup time and token-endpoint throughput of azrs-emulator (loopback only).
//!
//!   cargo run --release -p azrs-emulator --bin emulator-bench -- [--seconds 10] [--concurrency 8] [--bin PATH]
//!
//! Starts the release binary (next to this one unless --bin), measures spawn -> first answered
//! request, then runs client-credentials token requests over keep-alive HTTPS connections for a
//! bounded time and prints one JSON line. A benchmark, not a test: no assertions on timing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let seconds: u64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(10).min(60);
    let concurrency: usize = arg("--concurrency").and_then(|s| s.parse().ok()).unwrap_or(8).clamp(1, 64);
    let bin = arg("--bin").map(std::path::PathBuf::from).unwrap_or_else(|| {
        let me = std::env::current_exe().expect("current exe");
        me.with_file_name(if cfg!(windows) { "azrs-emulator.exe" } else { "azrs-emulator" })
    });

    let spawned = Instant::now();
    let mut child = Command::new(&bin)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (cargo build --release -p azrs-emulator first)", bin.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("startup line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("startup JSON");
    let authority = info["authority"].as_str().unwrap().to_string();
    let ca = std::fs::read(info["caPath"].as_str().unwrap()).expect("CA file");

    let child_pid = child.id();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let result = rt.block_on(async move {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .pool_max_idle_per_host(concurrency)
            .build()
            .unwrap();
        let url = format!("{authority}/00000000-0000-0000-0000-0000000000a1/oauth2/v2.0/token");
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "00000000-0000-0000-0000-0000000000c1"),
            ("client_secret", "Emu.Secret-c1~not-a-real-secret"),
            ("scope", "https://management.core.windows.net//.default"),
        ];
        let first = client.post(&url).form(&form).send().await.expect("first token request");
        assert!(first.status().is_success(), "first token request: {}", first.status());
        let _ = first.bytes().await;
        let ready_ms = spawned.elapsed().as_secs_f64() * 1000.0;

        let cpu_before = cpu_seconds(child_pid);
        let ok = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, url, ok, failed) = (client.clone(), url.clone(), ok.clone(), failed.clone());
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        match client.post(&url).form(&form).send().await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.bytes().await;
                                ok.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let server_cpu = cpu_seconds(child_pid).zip(cpu_before).map(|(a, b)| a - b);
        let stats: serde_json::Value = client.get(format!("{authority}/admin/stats")).send().await.unwrap().json().await.unwrap();
        (ready_ms, ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed), elapsed, stats, server_cpu)
    });
    let _ = child.kill();
    let _ = child.wait();
    let (ready_ms, ok, failed, elapsed, stats, server_cpu) = result;
    println!(
        "{}",
        serde_json::json!({
            "startupMs": info["startupMs"],
            "spawnToFirstTokenMs": (ready_ms * 10.0).round() / 10.0,
            "seconds": (elapsed * 100.0).round() / 100.0,
            "concurrency": concurrency,
            "tokenRequests": ok,
            "failed": failed,
            "tokenRequestsPerSecond": (ok as f64 / elapsed).round(),
            "peakConcurrency": stats["peakConcurrency"]["token"],
            // CPU the emulator used (Linux): requests per CPU-second is the capacity per core,
            // independent of what else the machine is running.
            "serverCpuSeconds": server_cpu.map(|c| (c * 100.0).round() / 100.0),
            "tokenRequestsPerServerCpuSecond": server_cpu.filter(|c| *c > 0.0).map(|c| (ok as f64 / c).round()),
            "loadAverage": std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(String::from)),
        })
    );
}

/// utime + stime of a process in seconds (Linux /proc; None elsewhere).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}
