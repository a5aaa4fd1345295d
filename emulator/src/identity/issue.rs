//! Building token responses: access tokens (v1 shape, like the ARM tokens Entra issues),
//! id tokens (v2), client_info, refresh tokens.

use serde_json::{json, Value};

use crate::seed::{Application, User};
use crate::state::{random_token, AppState, RefreshRecord};
use crate::tokens::{b64url, now};

pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// What a `scope` parameter asks for.
#[derive(Debug, Clone)]
pub struct Scopes {
    /// Resource scopes as requested (without OIDC scopes).
    pub resource_scopes: Vec<String>,
    /// Audience of the access token.
    pub resource: String,
    /// Permission names for `scp` (`user_impersonation` for `.default`).
    pub permissions: Vec<String>,
    pub is_default: bool,
    pub openid: bool,
    pub offline: bool,
}

pub const GRAPH: &str = "https://graph.microsoft.com";

/// Splits `scope` into its resource part and the OIDC scopes. `{resource}/.default` and
/// `{resource}//.default` both give the audience `{resource}/` for host-only resources.
pub fn parse_scopes(scope: &str) -> Scopes {
    let all: Vec<&str> = scope.split_whitespace().collect();
    let resource_scopes: Vec<String> = all.iter().filter(|s| !OIDC_SCOPES.contains(s)).map(|s| s.to_string()).collect();
    let mut resource = GRAPH.to_string();
    let mut permissions = vec![];
    let mut is_default = false;
    if let Some(first) = resource_scopes.first() {
        let (res, perm) = match first.rfind('/') {
            Some(i) if i > 0 && first.contains("://") && i > first.find("://").unwrap() + 2 => (first[..i].to_string(), first[i + 1..].to_string()),
            Some(i) if !first.contains("://") && i > 0 => (first[..i].to_string(), first[i + 1..].to_string()),
            _ => (GRAPH.to_string(), first.to_string()),
        };
        resource = res;
        is_default = perm == ".default";
        for s in &resource_scopes {
            let p = s.rsplit('/').next().unwrap_or(s);
            permissions.push(if p == ".default" { "user_impersonation".to_string() } else { p.to_string() });
        }
    }
    Scopes {
        resource: normalize_audience(&resource),
        resource_scopes,
        permissions,
        is_default,
        openid: all.contains(&"openid"),
        offline: all.contains(&"offline_access"),
    }
}

/// `https://host` -> `https://host/` (Entra's app id URIs for ARM carry the slash).
pub fn normalize_audience(resource: &str) -> String {
    match resource.split_once("://") {
        Some((_, rest)) if !rest.contains('/') => format!("{resource}/"),
        _ => resource.to_string(),
    }
}

/// `scope` of a user-token response: resource scopes without OIDC ones; `.default` also
/// lists `user_impersonation`, as Entra does for ARM.
fn response_scope(s: &Scopes) -> String {
    let mut out = vec![];
    for r in &s.resource_scopes {
        if let Some(prefix) = r.strip_suffix(".default") {
            out.push(format!("{prefix}user_impersonation"));
        }
        out.push(r.clone());
    }
    if out.is_empty() {
        out.push(format!("{GRAPH}/User.Read"));
    }
    out.join(" ")
}

pub fn client_info(user: &User) -> String {
    b64url(json!({"uid": user.id, "utid": user.home_tenant}).to_string().as_bytes())
}

fn lifetime(state: &AppState) -> u64 {
    state.settings.read().unwrap().token_lifetime
}

fn wants_cp1(claims: Option<&str>) -> bool {
    claims.map(|c| c.contains("CP1")).unwrap_or(false)
}

/// Authentication-context classes a claims challenge asks for (`access_token.acrs.value(s)`);
/// Entra puts them in the token's `acrs` claim once satisfied.
fn requested_acrs(claims: Option<&str>) -> Option<Value> {
    let v: Value = serde_json::from_str(claims?).ok()?;
    let acrs = v.pointer("/access_token/acrs")?;
    match (acrs.get("value"), acrs.get("values")) {
        (Some(Value::String(s)), _) => Some(json!([s])),
        (_, Some(Value::Array(a))) => Some(Value::Array(a.clone())),
        _ => None,
    }
}

pub struct UserGrant<'a> {
    pub user: &'a User,
    pub app: &'a Application,
    pub tenant_id: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub claims: Option<&'a str>,
    pub amr: &'a str,
}

/// The JSON of a successful user-flow token response (and a new refresh token when asked).
pub fn user_response(state: &AppState, origin: &str, g: &UserGrant) -> Value {
    let scopes = parse_scopes(g.scope);
    let t = now();
    let life = lifetime(state);
    let u = g.user;
    let mut at = json!({
        "aud": scopes.resource, "iss": format!("https://sts.windows.net/{}/", g.tenant_id),
        "iat": t, "nbf": t, "exp": t + life,
        "acr": "1", "amr": [g.amr], "appid": g.app.app_id, "appidacr": "0",
        "family_name": "", "given_name": u.display_name, "idtyp": "user", "ipaddr": "127.0.0.1",
        "name": u.display_name, "oid": u.id, "scp": scopes.permissions.join(" "),
        "sub": u.id, "tid": g.tenant_id, "unique_name": u.upn, "upn": u.upn,
        "uti": random_token(16), "ver": "1.0",
    });
    if wants_cp1(g.claims) {
        at["xms_cc"] = json!(["CP1"]);
    }
    if let Some(acrs) = requested_acrs(g.claims) {
        at["acrs"] = acrs;
    }
    let mut resp = json!({
        "token_type": "Bearer",
        "scope": response_scope(&scopes),
        "expires_in": life,
        "ext_expires_in": life,
        "refresh_in": life / 2,
        "access_token": state.signer.sign(&at),
        "client_info": client_info(u),
    });
    if scopes.openid || scopes.resource_scopes.is_empty() {
        let mut id = json!({
            "aud": g.app.app_id, "iss": format!("{origin}/{}/v2.0", g.tenant_id),
            "iat": t, "nbf": t, "exp": t + life,
            "name": u.display_name, "oid": u.id, "preferred_username": u.upn,
            "sub": u.id, "tid": g.tenant_id, "ver": "2.0", "uti": random_token(16),
        });
        if let Some(n) = g.nonce {
            id["nonce"] = json!(n);
        }
        resp["id_token"] = json!(state.signer.sign(&id));
    }
    if scopes.offline {
        resp["refresh_token"] = json!(new_refresh_token(state, u, g.app));
    }
    if g.app.family {
        resp["foci"] = json!("1");
    }
    resp
}

pub fn new_refresh_token(state: &AppState, user: &User, app: &Application) -> String {
    let rt = format!("1.emu.{}", random_token(48));
    state.refresh_tokens.lock().unwrap().insert(
        rt.clone(),
        RefreshRecord { user_id: user.id.clone(), client_id: app.app_id.clone(), family: app.family },
    );
    rt
}

/// How an app proved who it is (`appidacr`: 1 secret, 2 certificate/assertion).
#[derive(Clone, Copy)]
pub enum AppAuth {
    Secret,
    Assertion,
}

pub fn app_response(state: &AppState, app: &Application, tenant_id: &str, scope: &str, auth: AppAuth, claims: Option<&str>) -> Value {
    let scopes = parse_scopes(scope);
    let t = now();
    let life = lifetime(state);
    let mut at = json!({
        "aud": scopes.resource, "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "iat": t, "nbf": t, "exp": t + life,
        "appid": app.app_id, "appidacr": match auth { AppAuth::Secret => "1", AppAuth::Assertion => "2" },
        "idp": format!("https://sts.windows.net/{tenant_id}/"), "idtyp": "app",
        "oid": app.oid(), "sub": app.oid(), "tid": tenant_id, "roles": app.roles,
        "uti": random_token(16), "ver": "1.0",
    });
    if wants_cp1(claims) {
        at["xms_cc"] = json!(["CP1"]);
    }
    json!({
        "token_type": "Bearer",
        "scope": scopes.resource_scopes.join(" "),
        "expires_in": life,
        "ext_expires_in": life,
        "refresh_in": life / 2,
        "access_token": state.signer.sign(&at),
    })
}

/// Managed identity access token (app-only, with `xms_mirid`); returns (token, lifetime).
pub fn managed_identity_token(state: &AppState, mi: &crate::seed::ManagedIdentity, resource: &str) -> (String, u64) {
    let t = now();
    let life = lifetime(state);
    let at = json!({
        "aud": normalize_audience(resource), "iss": format!("https://sts.windows.net/{}/", mi.tenant),
        "iat": t, "nbf": t, "exp": t + life,
        "appid": mi.client_id, "appidacr": "2", "idp": format!("https://sts.windows.net/{}/", mi.tenant),
        "idtyp": "app", "oid": mi.object_id, "sub": mi.object_id, "tid": mi.tenant,
        "xms_mirid": mi.resource_id, "uti": random_token(16), "ver": "1.0",
    });
    (state.signer.sign(&at), life)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_scopes_map_to_the_arm_audience() {
        for s in ["https://management.core.windows.net//.default", "https://management.core.windows.net/.default offline_access openid profile"] {
            let p = parse_scopes(s);
            assert_eq!(p.resource, "https://management.core.windows.net/", "{s}");
            assert!(p.is_default);
        }
        let p = parse_scopes("https://graph.microsoft.com/User.Read openid");
        assert_eq!(p.resource, "https://graph.microsoft.com/");
        assert_eq!(p.permissions, vec!["User.Read"]);
        assert!(p.openid && !p.offline);
        assert_eq!(response_scope(&parse_scopes("https://management.core.windows.net//.default")),
            "https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default");
    }
}
