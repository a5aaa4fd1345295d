//! ARM, managed identity and the admin API over real HTTP(S).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn arm_refuses_missing_bad_wrong_audience_and_expired_tokens() {
    let emu = start().await;
    let r = emu.get("/subscriptions?api-version=2022-12-01").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer authorization_uri="));
    let (_, v) = json_of(r).await;
    assert_eq!(v["error"]["code"], "AuthenticationFailed");

    let good = emu.sp_token().await;
    let tampered = format!("{}xx", &good[..good.len() - 2]);
    let (s, v) = emu.arm("/subscriptions?api-version=2022-12-01", &tampered).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("InvalidAuthenticationToken")));

    let (_, graph) = emu.token(CONTOSO, &[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", "https://graph.microsoft.com/.default")]).await;
    let (s, v) = emu.arm("/tenants?api-version=2022-12-01", graph["access_token"].as_str().unwrap()).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("InvalidAuthenticationTokenAudience")));

    emu.admin("settings", json!({"tokenLifetime": 0})).await;
    let expired = emu.sp_token().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, v) = emu.arm("/subscriptions?api-version=2022-12-01", &expired).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("ExpiredAuthenticationToken")));

    let (s, v) = emu.arm("/subscriptions?api-version=1999-01-01", &good).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("InvalidApiVersionParameter")));
    let (s, v) = emu.arm("/subscriptions", &good).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("MissingApiVersionParameter")));
}

#[tokio::test(flavor = "multi_thread")]
async fn tenants_in_both_shapes() {
    let emu = start().await;
    let at = emu.alice(CONTOSO, PS_CLIENT).await["access_token"].as_str().unwrap().to_string();
    let (s, v) = emu.arm("/tenants?api-version=2022-12-01", &at).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = v["value"].as_array().unwrap().iter().map(|t| t["tenantId"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![CONTOSO, FABRIKAM], "home first, then guest tenants");
    let t = &v["value"][0];
    assert_eq!((t["displayName"].as_str(), t["defaultDomain"].as_str(), t["tenantCategory"].as_str()), (Some("Contoso"), Some("contoso.onmicrosoft.com"), Some("Home")));
    assert_eq!(t["id"], format!("/tenants/{CONTOSO}"));
    let (_, old) = emu.arm("/tenants?api-version=2016-06-01", &at).await;
    assert_eq!(old["value"][0], json!({"id": format!("/tenants/{CONTOSO}"), "tenantId": CONTOSO}));
    // A service principal sees its own tenant.
    let (_, sp) = emu.arm("/tenants?api-version=2021-01-01", &emu.sp_token().await).await;
    assert_eq!(sp["value"].as_array().unwrap().len(), 1);
}

async fn all_pages(emu: &Emu, first: &str, token: &str) -> (Vec<Value>, usize) {
    let mut items = vec![];
    let mut pages = 0;
    let mut url = format!("{}{first}", emu.base);
    loop {
        let (s, v) = json_of(emu.client.get(&url).bearer_auth(token).send().await.unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        pages += 1;
        items.extend(v["value"].as_array().unwrap().iter().cloned());
        match v["nextLink"].as_str() {
            Some(n) => {
                assert!(n.contains("api-version="));
                url = n.to_string();
            }
            None => break,
        }
    }
    (items, pages)
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_paging_states_visibility_and_get_by_id() {
    let emu = start_with(azrs_emulator::Options { page_size: Some(2), ..Default::default() }).await;
    let at = emu.alice(CONTOSO, PS_CLIENT).await["access_token"].as_str().unwrap().to_string();
    let (subs, pages) = all_pages(&emu, "/subscriptions?api-version=2022-12-01", &at).await;
    assert_eq!(pages, 2);
    let states: Vec<&str> = subs.iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(subs.len(), 4, "3 Contoso + 1 Fabrikam subscription managed by Contoso: {subs:?}");
    for st in ["Enabled", "Warned", "Disabled"] {
        assert!(states.contains(&st));
    }
    let s0 = &subs[0];
    assert_eq!(s0["id"], "/subscriptions/00000000-0000-0000-0000-0000000000f1");
    assert_eq!(s0["tenantId"], CONTOSO);
    assert_eq!(s0["subscriptionPolicies"]["spendingLimit"], "Off");
    let managed = subs.iter().find(|s| s["subscriptionId"] == "00000000-0000-0000-0000-0000000000f4").unwrap();
    assert_eq!(managed["tenantId"], FABRIKAM);
    assert_eq!(managed["managedByTenants"], json!([{"tenantId": CONTOSO}]));

    let (s, one) = emu.arm("/subscriptions/00000000-0000-0000-0000-0000000000f2?api-version=2016-06-01", &at).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["state"], "Warned");
    assert!(one.get("tenantId").is_none(), "2016-06-01 has no tenantId");
    let (s, v) = emu.arm("/subscriptions/00000000-0000-0000-0000-0000000000f5?api-version=2022-12-01", &at).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("SubscriptionNotFound")));

    // Bob (Fabrikam only) sees Fabrikam's subscriptions.
    let (_, bob) = emu.token(FABRIKAM, &[("grant_type", "password"), ("client_id", PS_CLIENT), ("username", "bob@fabrikam.onmicrosoft.com"), ("password", "Pa55w.rd-bob"), ("scope", USER_SCOPE)]).await;
    let (subs, _) = all_pages(&emu, "/subscriptions?api-version=2021-01-01", bob["access_token"].as_str().unwrap()).await;
    assert_eq!(subs.len(), 3);
    assert!(subs.iter().all(|s| s["tenantId"] == FABRIKAM));
}

#[tokio::test(flavor = "multi_thread")]
async fn subscription_principals_restrict_visibility_and_generated_worlds() {
    let emu = start_with(azrs_emulator::Options { generate_tenants: 50, subscriptions_per_tenant: 20, ..Default::default() }).await;
    let at = emu.alice(CONTOSO, PS_CLIENT).await["access_token"].as_str().unwrap().to_string();
    let (tenants, _) = all_pages(&emu, "/tenants?api-version=2022-12-01", &at).await;
    assert_eq!(tenants.len(), 52);
    let generated = "00000000-0000-0000-0001-000000000007";
    let at7 = emu.alice(generated, PS_CLIENT).await["access_token"].as_str().unwrap().to_string();
    let (subs, _) = all_pages(&emu, "/subscriptions?api-version=2022-12-01", &at7).await;
    assert_eq!(subs.len(), 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_endpoints_in_both_shapes() {
    let emu = start().await;
    let v: Value = emu.get("/metadata/endpoints?api-version=2022-09-01").await.json().await.unwrap();
    assert_eq!(v["resourceManager"], format!("{}/", emu.base));
    assert_eq!(v["authentication"]["loginEndpoint"], format!("{}/", emu.base));
    assert_eq!(v["authentication"]["audiences"][0], "https://management.core.windows.net/");
    assert_eq!(v["suffixes"]["keyVaultDns"], "vault.azure.net");
    let stack: Value = emu.get("/metadata/endpoints?api-version=1.0").await.json().await.unwrap();
    assert_eq!(stack["authentication"]["loginEndpoint"], format!("{}/", emu.base));
    assert!(stack["galleryEndpoint"].is_string() && stack["graphEndpoint"].is_string());
    assert!(stack.get("resourceManager").is_none());
}

async fn http_get(emu: &Emu, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut rb = emu.client.get(format!("{}{path}", emu.http_base));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let r = rb.send().await.unwrap();
    let h = r.headers().clone();
    let (s, v) = json_of(r).await;
    (s, v, h)
}

#[tokio::test(flavor = "multi_thread")]
async fn imds_system_and_user_assigned() {
    let emu = start().await;
    let path = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/";
    let (s, v, _) = http_get(&emu, path, &[]).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request_102")));
    let (s, v, _) = http_get(&emu, path, &[("Metadata", "true")]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for k in ["expires_in", "expires_on", "not_before"] {
        assert!(v[k].as_str().unwrap().parse::<u64>().is_ok(), "{k} is a numeric string");
    }
    assert_eq!(v["resource"], "https://management.azure.com/");
    let c = claims(v["access_token"].as_str().unwrap());
    assert_eq!((c["oid"].as_str(), c["aud"].as_str()), (Some("00000000-0000-0000-0000-0000000000e2"), Some("https://management.azure.com/")));
    for sel in [
        "client_id=00000000-0000-0000-0000-0000000000e3",
        "object_id=00000000-0000-0000-0000-0000000000e4",
        "msi_res_id=/subscriptions/00000000-0000-0000-0000-0000000000f1/resourceGroups/emu/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emu-uami",
    ] {
        let (s, v, _) = http_get(&emu, &format!("{path}&{sel}"), &[("Metadata", "true")]).await;
        assert_eq!(s, StatusCode::OK, "{sel}: {v}");
        assert_eq!(claims(v["access_token"].as_str().unwrap())["oid"], "00000000-0000-0000-0000-0000000000e4");
    }
    let (s, _, _) = http_get(&emu, &format!("{path}&client_id=99999999-0000-0000-0000-000000000000"), &[("Metadata", "true")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The IMDS token is good at ARM.
    let (s, _) = emu.arm("/subscriptions?api-version=2022-12-01", v["access_token"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn app_service_cloud_shell_and_arc() {
    let emu = start().await;
    let secret = emu.running.info["identityHeader"].as_str().unwrap().to_string();
    let path = "/msi/token?api-version=2019-08-01&resource=https://vault.azure.net";
    let (s, _, _) = http_get(&emu, path, &[("X-IDENTITY-HEADER", "wrong")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v, _) = http_get(&emu, path, &[("X-IDENTITY-HEADER", &secret)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["expires_on"].as_str().unwrap().parse::<u64>().is_ok() && v.get("expires_in").is_none());
    assert_eq!(v["client_id"], "00000000-0000-0000-0000-0000000000e1");
    let (s, v, _) = http_get(&emu, &format!("{path}&mi_res_id=/subscriptions/00000000-0000-0000-0000-0000000000f1/resourceGroups/emu/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emu-uami"), &[("X-IDENTITY-HEADER", &secret)]).await;
    assert_eq!((s, v["client_id"].as_str()), (StatusCode::OK, Some("00000000-0000-0000-0000-0000000000e3")));

    // Cloud Shell: POST form, Metadata header; a user token.
    let r = emu.client.post(format!("{}/cloudshell/oauth2/token", emu.http_base)).header("Metadata", "true").form(&[("resource", "https://management.core.windows.net/")]).send().await.unwrap();
    let (s, v) = json_of(r).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["expires_in"].is_string());
    assert_eq!(claims(v["access_token"].as_str().unwrap())["upn"], ALICE);
    let r = emu.client.post(format!("{}/cloudshell/oauth2/token", emu.http_base)).form(&[("resource", "https://management.core.windows.net/")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Arc: 401 challenge naming a key file; then Basic <file contents>.
    let path = "/arc/metadata/identity/oauth2/token?api-version=2020-06-01&resource=https://management.azure.com/";
    let (s, _, h) = http_get(&emu, path, &[("Metadata", "true")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let realm = h["www-authenticate"].to_str().unwrap().strip_prefix("Basic realm=").unwrap().to_string();
    assert!(realm.ends_with(".key"));
    let key = std::fs::read_to_string(&realm).unwrap();
    let (s, v, _) = http_get(&emu, path, &[("Metadata", "true"), ("Authorization", &format!("Basic {key}"))]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(claims(v["access_token"].as_str().unwrap())["oid"], "00000000-0000-0000-0000-0000000000e2");
    let (s, _, _) = http_get(&emu, path, &[("Metadata", "true"), ("Authorization", "Basic wrong")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_count_requests_and_peak_concurrency() {
    let emu = start().await;
    emu.client.post(format!("{}/admin/reset-stats", emu.base)).send().await.unwrap();
    emu.admin("faults", json!({"group": "openid-configuration", "latencyMs": 300})).await;
    let url = format!("{}/common/v2.0/.well-known/openid-configuration", emu.base);
    let handles: Vec<_> = (0..6).map(|_| tokio::spawn(emu.client.get(url.clone()).send())).collect();
    for h in handles {
        assert_eq!(h.await.unwrap().unwrap().status(), StatusCode::OK);
    }
    emu.sp_token().await;
    let s = emu.stats().await;
    assert_eq!(s["requests"]["openid-configuration"], 6);
    assert_eq!(s["requests"]["token"], 1);
    assert!(s["peakConcurrency"]["openid-configuration"].as_u64().unwrap() >= 2, "{s}");
    emu.client.post(format!("{}/admin/reset-stats", emu.base)).send().await.unwrap();
    assert!(emu.stats().await["requests"]["token"] == 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_fail_next_n_with_status_and_retry_after() {
    let emu = start().await;
    emu.admin("faults", json!({"group": "token", "failNext": 2, "status": 429, "retryAfter": 7})).await;
    for _ in 0..2 {
        let r = emu.client.post(format!("{}/{CONTOSO}/oauth2/v2.0/token", emu.base)).form(&[("grant_type", "client_credentials"), ("client_id", SP), ("client_secret", SP_SECRET), ("scope", ARM_SCOPE)]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "7");
        let (_, v) = json_of(r).await;
        assert!(v["error_codes"].is_array(), "Entra-shaped body: {v}");
    }
    emu.sp_token().await; // third succeeds

    for status in [500u16, 503, 410] {
        emu.admin("faults", json!({"group": "imds", "failNext": 1, "status": status})).await;
        let (s, _, _) = http_get(&emu, "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/", &[("Metadata", "true")]).await;
        assert_eq!(s.as_u16(), status);
    }
    emu.admin("faults", json!({"group": "subscriptions", "failNext": 1, "status": 503})).await;
    let at = emu.sp_token().await;
    let (s, v) = emu.arm("/subscriptions?api-version=2022-12-01", &at).await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (503, Some("InternalServerError")));
    let (s, _) = emu.arm("/subscriptions?api-version=2022-12-01", &at).await;
    assert_eq!(s, StatusCode::OK);
    let faults: Value = emu.client.delete(format!("{}/admin/faults", emu.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(faults["faults"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn world_lists_seeded_identities_without_the_signing_key() {
    let emu = start().await;
    let w: Value = emu.get("/admin/world").await.json().await.unwrap();
    assert_eq!(w["tenants"].as_array().unwrap().len(), 2);
    assert!(w["users"].as_array().unwrap().iter().any(|u| u["upn"] == ALICE));
    assert!(w.get("signingKeyPem").is_none());
}
