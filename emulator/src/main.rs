//! `azrs-emulator`: starts the emulator and prints one JSON line describing it on stdout.

use std::path::PathBuf;

const USAGE: &str = "usage: azrs-emulator [--port N] [--http] [--seed FILE] [--state-dir DIR] [--auto-approve]
                     [--latency-ms N] [--generate-tenants N] [--subscriptions-per-tenant N] [--page-size N]
                     [--print-environment]

Serves Entra ID, ARM, managed identity and an admin API on 127.0.0.1:PORT (HTTPS and HTTP on the
same port; --port 0 = a free port) and prints one JSON line with its URLs and CA path.
--print-environment also prints the PowerShell command that registers it as an AzRs environment.";

fn parse(args: &[String]) -> Result<(azrs_emulator::Options, bool), String> {
    let mut o = azrs_emulator::Options::default();
    let mut print_env = false;
    let mut i = 0;
    let value = |i: &mut usize| -> Result<String, String> {
        *i += 1;
        args.get(*i).cloned().ok_or_else(|| format!("{} needs a value", args[*i - 1]))
    };
    let num = |s: String| s.parse::<u64>().map_err(|_| format!("'{s}' is not a number"));
    while i < args.len() {
        match args[i].as_str() {
            "--port" => o.port = num(value(&mut i)?)? as u16,
            "--http" => o.http = true,
            "--seed" => o.seed = Some(PathBuf::from(value(&mut i)?)),
            "--state-dir" => o.state_dir = Some(PathBuf::from(value(&mut i)?)),
            "--auto-approve" => o.auto_approve = true,
            "--latency-ms" => o.latency_ms = num(value(&mut i)?)?,
            "--generate-tenants" => o.generate_tenants = num(value(&mut i)?)? as usize,
            "--subscriptions-per-tenant" => o.subscriptions_per_tenant = num(value(&mut i)?)? as usize,
            "--page-size" => o.page_size = Some(num(value(&mut i)?)? as usize),
            "--print-environment" => print_env = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
        i += 1;
    }
    Ok((o, print_env))
}

/// The PowerShell that registers the emulator as an environment (see README "The emulator").
fn environment_command(info: &serde_json::Value) -> String {
    let a = info["authority"].as_str().unwrap_or_default();
    format!(
        "Add-AzEnvironment -Name AzRsEmulator -ActiveDirectoryEndpoint '{a}/' -ResourceManagerEndpoint '{a}/' \
-ActiveDirectoryServiceEndpointResourceId 'https://management.core.windows.net/' -AzureKeyVaultDnsSuffix 'vault.azure.net' \
-AzureKeyVaultServiceEndpointResourceId 'https://vault.azure.net'  # or: Add-AzEnvironment -Name AzRsEmulator -ARMEndpoint '{a}/'"
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (opts, print_env) = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    rt.block_on(async move {
        let running = match azrs_emulator::start(opts).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("azrs-emulator: {e}");
                std::process::exit(1);
            }
        };
        println!("{}", running.info);
        if print_env {
            println!("{}", environment_command(&running.info));
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        wait_for_shutdown().await;
        let _ = std::fs::remove_file(running.state.state_dir.join("ca.pem"));
    });
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
