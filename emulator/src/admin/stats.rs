//! Per-endpoint-group request counters, in-flight/peak concurrency, and injected faults
//! (latency, "fail the next N requests"), applied by one middleware in front of every route.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::state::AppState;

/// The endpoint group a path belongs to (the key in `/admin/stats` and `/admin/faults`).
pub fn group_of(path: &str) -> &'static str {
    let p = path.trim_end_matches('/');
    let segs: Vec<&str> = p.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["admin", ..] => "admin",
        ["tenants", ..] => "tenants",
        ["subscriptions"] => "subscriptions",
        ["subscriptions", _] => "subscription",
        ["subscriptions", ..] => "subscriptions",
        ["metadata", "endpoints"] => "metadata-endpoints",
        ["metadata", "identity", ..] => "imds",
        ["msi", ..] => "app-service",
        ["cloudshell", ..] => "cloud-shell",
        ["arc", ..] => "arc",
        ["devicelogin", ..] => "devicelogin",
        [_, "discovery", "instance"] => "instance-discovery",
        [_, "discovery", ..] => "keys",
        [_, "userrealm", ..] => "userrealm",
        [_, "v2.0", ".well-known", ..] | [_, ".well-known", ..] => "openid-configuration",
        [_, "oauth2", "v2.0", "token"] | [_, "oauth2", "token"] => "token",
        [_, "oauth2", "v2.0", "authorize"] | [_, "oauth2", "authorize"] => "authorize",
        [_, "oauth2", "v2.0", "devicecode"] | [_, "oauth2", "devicecode"] => "devicecode",
        _ => "other",
    }
}

#[derive(Default)]
struct Group {
    requests: u64,
    in_flight: u64,
    peak: u64,
}

/// An injected fault for one group (or `*` for every group but admin).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Fault {
    /// Endpoint group (see README), or `*`.
    pub group: String,
    /// Added latency for every request of the group.
    pub latency_ms: u64,
    /// Fail this many next requests with `status`.
    pub fail_next: u64,
    /// 429, 500, 503, 410, ...
    pub status: u16,
    /// Retry-After seconds sent with the failures (0 = no header).
    pub retry_after: u64,
}

#[derive(Default)]
pub struct Stats {
    groups: Mutex<HashMap<&'static str, Group>>,
    faults: Mutex<Vec<Fault>>,
    /// Global latency from `--latency-ms`.
    pub base_latency_ms: Mutex<u64>,
}

impl Stats {
    pub fn snapshot(&self) -> Value {
        let g = self.groups.lock().unwrap();
        let mut requests = BTreeMap::new();
        let mut peak = BTreeMap::new();
        let mut in_flight = BTreeMap::new();
        for (k, v) in g.iter() {
            requests.insert(*k, v.requests);
            peak.insert(*k, v.peak);
            in_flight.insert(*k, v.in_flight);
        }
        let total: u64 = requests.values().sum();
        json!({"requests": requests, "peakConcurrency": peak, "inFlight": in_flight, "total": total})
    }

    /// Zeroes counts and peaks (peaks restart from the current in-flight count).
    pub fn reset(&self) {
        let mut g = self.groups.lock().unwrap();
        for v in g.values_mut() {
            v.requests = 0;
            v.peak = v.in_flight;
        }
    }

    pub fn set_fault(&self, fault: Fault) {
        let mut f = self.faults.lock().unwrap();
        f.retain(|x| x.group != fault.group);
        if fault.latency_ms > 0 || fault.fail_next > 0 {
            f.push(fault);
        }
    }

    pub fn clear_faults(&self) {
        self.faults.lock().unwrap().clear();
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.faults.lock().unwrap().clone()
    }

    fn enter(&self, group: &'static str) {
        let mut g = self.groups.lock().unwrap();
        let e = g.entry(group).or_default();
        e.requests += 1;
        e.in_flight += 1;
        e.peak = e.peak.max(e.in_flight);
    }

    fn leave(&self, group: &'static str) {
        if let Some(e) = self.groups.lock().unwrap().get_mut(group) {
            e.in_flight = e.in_flight.saturating_sub(1);
        }
    }

    /// Latency to add and, when a failure is due, the fault that fires (consuming one).
    fn take_fault(&self, group: &str) -> (u64, Option<Fault>) {
        if group == "admin" {
            return (0, None);
        }
        let mut latency = *self.base_latency_ms.lock().unwrap();
        let mut fired = None;
        let mut f = self.faults.lock().unwrap();
        for x in f.iter_mut().filter(|x| x.group == group || x.group == "*") {
            latency += x.latency_ms;
            if fired.is_none() && x.fail_next > 0 {
                x.fail_next -= 1;
                fired = Some(x.clone());
            }
        }
        (latency, fired)
    }
}

/// Decrements the in-flight count even if the handler future is dropped (client went away).
struct InFlight<'a>(&'a Stats, &'static str);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.leave(self.1);
    }
}

pub async fn middleware(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let group = group_of(req.uri().path());
    state.stats.enter(group);
    let _guard = InFlight(&state.stats, group);
    let (latency, fault) = state.stats.take_fault(group);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(f) = fault {
        return fault_response(group, &f);
    }
    next.run(req).await
}

fn fault_response(group: &str, f: &Fault) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    // Identity endpoints answer in Entra's error shape, ARM in ARM's, managed identity in IMDS'.
    let body = match group {
        "token" | "devicecode" | "authorize" | "openid-configuration" | "keys" | "instance-discovery" => {
            let (error, code) = if status == StatusCode::TOO_MANY_REQUESTS {
                ("temporarily_unavailable", 50196)
            } else {
                ("temporarily_unavailable", 90033)
            };
            crate::identity::errors::body(error, code, "Injected fault: the service is temporarily unavailable.")
        }
        "tenants" | "subscriptions" | "subscription" | "metadata-endpoints" => {
            let code = if status == StatusCode::TOO_MANY_REQUESTS { "TooManyRequests" } else { "InternalServerError" };
            json!({"error": {"code": code, "message": format!("Injected fault: HTTP {}.", status.as_u16())}})
        }
        _ => json!({"error": "unavailable", "error_description": format!("Injected fault: HTTP {}.", status.as_u16())}),
    };
    let mut resp = (status, axum::Json(body)).into_response();
    if f.retry_after > 0 {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(f.retry_after));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn paths_map_to_groups() {
        assert_eq!(group_of("/contoso.onmicrosoft.com/oauth2/v2.0/token"), "token");
        assert_eq!(group_of("/common/v2.0/.well-known/openid-configuration"), "openid-configuration");
        assert_eq!(group_of("/subscriptions"), "subscriptions");
        assert_eq!(group_of("/subscriptions/abc"), "subscription");
        assert_eq!(group_of("/metadata/identity/oauth2/token"), "imds");
        assert_eq!(group_of("/admin/stats"), "admin");
        assert_eq!(group_of("/common/discovery/instance"), "instance-discovery");
        assert_eq!(group_of("/common/discovery/v2.0/keys"), "keys");
    }
}
