//! The token side after sign-in: which credential an account uses, where its tokens and secrets
//! are kept, and silent acquisition (cached access token with more than 5 minutes left, else the
//! refresh token / stored credential; never a prompt). The storage calls are the only place that
//! knows the `cache` room.

use super::managed_identity::{self, Selector};
use super::net::Log;
use super::{client_certificate, client_secret, federated, refresh, Authority, Token, POWERSHELL_CLIENT_ID};
use crate::cache;
use crate::discovery::BoxFut;
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use once_cell::sync::Lazy;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Access tokens with less than this left are not used (Az's ExpirationThreshold).
pub(crate) const MIN_VALIDITY_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    ServicePrincipal,
    ManagedService,
    AccessToken,
    ClientAssertion,
}

impl Kind {
    pub fn az_name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::ServicePrincipal => "ServicePrincipal",
            Kind::ManagedService => "ManagedService",
            Kind::AccessToken => "AccessToken",
            Kind::ClientAssertion => "ClientAssertion",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "User" => Kind::User,
            "ServicePrincipal" | "Certificate" => Kind::ServicePrincipal,
            "ManagedService" => Kind::ManagedService,
            "AccessToken" => Kind::AccessToken,
            "ClientAssertion" => Kind::ClientAssertion,
            _ => return None,
        })
    }
}

/// What silent acquisition needs to know about an account (read from a context's Account).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub kind: Kind,
    pub home_account_id: Option<String>,
    pub certificate_thumbprint: Option<String>,
    pub certificate_path: Option<String>,
    pub send_chain: bool,
    /// For managed identity: the -AccountId selector Az stores as the account id (MSI@50342 = system).
    pub mi_selector: Option<String>,
}

impl Account {
    /// From an Az `Account` object (`Id`, `Type`, `ExtendedProperties`).
    pub fn from_az(v: &Value) -> AzResult<Account> {
        let id = v.get("Id").and_then(Value::as_str).unwrap_or_default().to_string();
        let ty = v.get("Type").and_then(Value::as_str).unwrap_or("User");
        let kind = Kind::parse(ty).ok_or_else(|| AzError::invalid_argument("AccountTypeUnknown", format!("The account type '{ty}' is not known to AzRs.")))?;
        let p = |k: &str| v.pointer(&format!("/ExtendedProperties/{k}")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        let mi_selector = if kind == Kind::ManagedService && !id.starts_with("MSI@") { Some(id.clone()) } else { None };
        Ok(Account {
            home_account_id: p("HomeAccountId"),
            certificate_thumbprint: p("CertificateThumbprint"),
            certificate_path: p("CertificatePath"),
            send_chain: p("SendCertificateChain").map(|s| s.eq_ignore_ascii_case("true")).unwrap_or(false),
            mi_selector,
            id,
            kind,
        })
    }
}

/// Asks PowerShell to do something only it can (sign with a certificate from the .NET store).
pub type Prompt = Arc<dyn Fn(Value) -> BoxFut<AzResult<Value>> + Send + Sync>;

// ---- storage: the shared MSAL cache + secret store (cache room), memory for the rest --------
//
// User, service-principal and client-assertion tokens go to Az.Accounts' shared MSAL cache
// (msal.cache.cae), so every PowerShell process of the user, AzRs or Az.Accounts, finds them.
// Managed-identity and given (-AccessToken) tokens stay in this process, as in Az.

#[derive(Default)]
struct Mem {
    at: HashMap<String, Token>,
    secrets: HashMap<String, String>,
}

static MEM: Lazy<Mutex<Mem>> = Lazy::new(|| Mutex::new(Mem::default()));

fn at_key(client_id: &str, account: &str, tenant: &str, scope: &str) -> String {
    format!("{}|{}|{}|{}", client_id.to_ascii_lowercase(), account.to_ascii_lowercase(), tenant.to_ascii_lowercase(), scope.to_ascii_lowercase())
}

/// Whose tokens: (client id, home account id for users).
fn owner(account: &Account) -> (String, Option<String>) {
    match account.kind {
        Kind::User => (POWERSHELL_CLIENT_ID.to_string(), account.home_account_id.clone()),
        _ => (account.id.clone(), None),
    }
}

fn shared(account: &Account) -> bool {
    matches!(account.kind, Kind::User | Kind::ServicePrincipal | Kind::ClientAssertion)
}

/// `login.microsoftonline.com` (or `127.0.0.1:port`): the cache's "environment".
pub fn authority_env(authority: &str) -> String {
    // Every token lookup asks, nearly always for the same authority: keep the last answer.
    static LAST: Lazy<Mutex<Option<(String, String)>>> = Lazy::new(|| Mutex::new(None));
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((a, e)) = last.as_ref() {
        if a == authority {
            return e.clone();
        }
    }
    let e = parse_authority_env(authority);
    *last = Some((authority.to_string(), e.clone()));
    e
}

fn parse_authority_env(authority: &str) -> String {
    url::Url::parse(authority)
        .ok()
        .and_then(|u| u.host_str().map(|h| match u.port() { Some(p) => format!("{h}:{p}"), None => h.to_string() }))
        .unwrap_or_default()
}

fn token_cache(env: &Env) -> AzResult<cache::TokenCacheStore> {
    cache::TokenCacheStore::open(env, cache::CAE_CACHE)
}

pub fn save_token(env: &Env, authority: &str, account: &Account, requested_scope: &str, token: &Token) -> AzResult<()> {
    let (client, home) = owner(account);
    if !shared(account) {
        if let Ok(mut m) = MEM.lock() {
            m.at.insert(at_key(&client, home.as_deref().unwrap_or(&account.id), &token.tenant_id, requested_scope), token.clone());
        }
        return Ok(());
    }
    let now = super::now();
    let resp = cache::TokenResponse {
        access_token: Some(token.access_token.clone()),
        refresh_token: token.refresh_token.clone(),
        id_token: token.id_token.clone(),
        client_info: token.client_info.clone(),
        expires_in: Some(token.expires_on - now),
        ext_expires_in: token.ext_expires_on.map(|e| e - now),
        refresh_in: None,
        scope: Some(token.scope.clone()),
        token_type: Some("Bearer".into()),
        foci: token.foci.clone(),
    };
    let scopes = [requested_scope];
    let host = authority_env(authority);
    let info = cache::TokenRequestInfo { client_id: &client, authority_host: &host, authority_tenant: &token.tenant_id, requested_scopes: &scopes, now };
    // Write-behind: the caller has its token now; the shared cache file follows in the background
    // (see `flush_tokens` for callers that must return a durable cache).
    token_cache(env)?.write_token_response_behind(&info, &resp)?;
    Ok(())
}

/// Waits until the tokens [`save_token`] stored are in the shared cache on disk (Connect-AzAccount
/// returns only then: the next PowerShell must find the sign-in).
pub fn flush_tokens(env: &Env) -> AzResult<()> {
    token_cache(env)?.flush()
}

pub fn cached_token(env: &Env, authority: &str, account: &Account, tenant: &str, scope: &str) -> Option<Token> {
    let (client, home) = owner(account);
    if !shared(account) {
        let m = MEM.lock().ok()?;
        return m.at.get(&at_key(&client, home.as_deref().unwrap_or(&account.id), tenant, scope)).filter(|t| t.expires_on - super::now() > MIN_VALIDITY_SECS).cloned();
    }
    let host = authority_env(authority);
    let scopes = [scope];
    let q = cache::AccessTokenQuery {
        home_account_id: home.as_deref(),
        client_id: &client,
        environment: &host,
        realm: tenant,
        scopes: &scopes,
        min_validity: cache::DEFAULT_MIN_VALIDITY,
    };
    let at = token_cache(env).ok()?.find_access_token(&q).ok()??;
    Some(Token {
        access_token: at.secret.expose().to_string(),
        expires_on: at.expires_on,
        scope: at.target,
        tenant_id: at.realm,
        user_id: account.id.clone(),
        home_account_id: at.home_account_id,
        ..Default::default()
    })
}

fn refresh_token(env: &Env, authority: &str, home_account_id: &str) -> Option<String> {
    let host = authority_env(authority);
    let rt = token_cache(env).ok()?.find_refresh_token(home_account_id, &host, POWERSHELL_CLIENT_ID, true).ok()??;
    Some(rt.secret.expose().to_string())
}

fn secret_kind(name: &str) -> Option<cache::SecretKind> {
    Some(match name {
        "ServicePrincipalSecret" => cache::SecretKind::ServicePrincipalSecret,
        "CertificatePassword" => cache::SecretKind::CertificatePassword,
        "ClientAssertion" => cache::SecretKind::ClientAssertion,
        "AccessToken" => cache::SecretKind::AccessToken,
        _ => return None,
    })
}

/// Stored in the keyring (or the owner-only file fallback), never in AzureRmContext.json.
pub fn save_secret(env: &Env, name: &str, account_id: &str, tenant: &str, value: &str) -> AzResult<()> {
    match secret_kind(name) {
        Some(kind) => cache::SecretStore::open(env)?.put(account_id, tenant, kind, &cache::Secret::new(value)),
        None => {
            if let Ok(mut m) = MEM.lock() {
                m.secrets.insert(format!("{name}|{}|{}", account_id.to_ascii_lowercase(), tenant.to_ascii_lowercase()), value.to_string());
            }
            Ok(())
        }
    }
}

pub fn secret(env: &Env, name: &str, account_id: &str, tenant: &str) -> Option<String> {
    match secret_kind(name) {
        Some(kind) => cache::SecretStore::open(env).ok()?.get(account_id, tenant, kind).ok()?.map(|s| s.expose().to_string()),
        None => MEM.lock().ok()?.secrets.get(&format!("{name}|{}|{}", account_id.to_ascii_lowercase(), tenant.to_ascii_lowercase())).cloned(),
    }
}

/// Forgets everything stored for an account: tokens, refresh tokens, secrets (in `tenants`).
pub fn forget_account(env: &Env, account: &Account, tenants: &[String]) -> AzResult<()> {
    let (client, home) = owner(account);
    if let Ok(mut m) = MEM.lock() {
        let prefix = format!("{}|", client.to_ascii_lowercase());
        m.at.retain(|k, _| !k.starts_with(&prefix));
        let id = format!("|{}|", account.id.to_ascii_lowercase());
        m.secrets.retain(|k, _| !k.contains(&id));
    }
    let store = token_cache(env)?;
    match (&account.kind, home) {
        (Kind::User, Some(h)) => {
            store.remove_account(&h)?;
        }
        (Kind::User, None) => {}
        _ => {
            store.remove_app_tokens(&client, None)?;
            let secrets = cache::SecretStore::open(env)?;
            for t in tenants {
                for kind in [cache::SecretKind::ServicePrincipalSecret, cache::SecretKind::CertificatePassword, cache::SecretKind::ClientAssertion, cache::SecretKind::AccessToken] {
                    secrets.remove(&account.id, t, kind)?;
                }
            }
        }
    }
    Ok(())
}

/// Clear-AzContext: every token and stored secret.
pub fn forget_all(env: &Env) {
    if let Ok(mut m) = MEM.lock() {
        *m = Mem::default();
    }
    if let Ok(s) = token_cache(env) {
        let _ = s.clear();
    }
    if let Ok(s) = cache::SecretStore::open(env) {
        let _ = s.clear();
    }
}

// ---- silent acquisition ---------------------------------------------------------------------

fn login_again(account: &Account, tenant: &str, why: &str) -> AzError {
    AzError::new("InteractionRequired", Category::AuthenticationError, format!("{why} for account '{}' in tenant '{tenant}'.", account.id))
        .with_remedy("Run Connect-AzAccount to sign in again.")
}

/// A token for `scope` in `tenant` without any user interaction. `prompt` lets certificate
/// accounts sign through PowerShell; without it they fail with `NeedsPowerShellSigning`.
pub async fn acquire_silent(env: &Env, log: Log<'_>, authority_host: &str, account: &Account, tenant: &str, scope: &str, prompt: Option<Prompt>) -> AzResult<Token> {
    if let Some(t) = cached_token(env, authority_host, account, tenant, scope) {
        return Ok(t);
    }
    let authority = Authority::new(authority_host, tenant);
    let token = match account.kind {
        Kind::User => {
            let home = account.home_account_id.as_deref().ok_or_else(|| login_again(account, tenant, "No refresh token is cached"))?;
            let rt = refresh_token(env, authority_host, home).ok_or_else(|| login_again(account, tenant, "No refresh token is cached"))?;
            refresh::acquire(env, log, &authority, &rt, scope).await?
        }
        Kind::ServicePrincipal => {
            if account.certificate_thumbprint.is_some() || account.certificate_path.is_some() {
                let assertion = certificate_assertion(env, account, tenant, &authority, prompt).await?;
                client_certificate::acquire(env, log, &authority, &account.id, &assertion, scope).await?
            } else {
                let s = secret(env, "ServicePrincipalSecret", &account.id, tenant).ok_or_else(|| login_again(account, tenant, "The service principal secret is not stored"))?;
                client_secret::acquire(env, log, &authority, &account.id, &s, scope).await?
            }
        }
        Kind::ClientAssertion => {
            let stored = secret(env, "ClientAssertion", &account.id, tenant);
            let a = federated::current_assertion(env, stored.as_deref())?;
            federated::acquire_with_assertion(env, log, &authority, &account.id, &a, scope).await?
        }
        Kind::ManagedService => {
            let sel = Selector::parse(account.mi_selector.as_deref());
            managed_identity::acquire(env, log, &sel, &super::resource_of(scope)).await?.0
        }
        Kind::AccessToken => {
            let t = secret(env, "AccessToken", &account.id, tenant).ok_or_else(|| login_again(account, tenant, "The access token is not stored"))?;
            let tok = super::access_token::from_given(&t, &account.id, Some(tenant), scope);
            if tok.expires_on <= super::now() {
                return Err(login_again(account, tenant, "The access token given to Connect-AzAccount has expired"));
            }
            return Ok(tok);
        }
    };
    save_token(env, authority_host, account, scope, &token)?;
    Ok(token)
}

/// Builds and signs a client assertion: PEM files here, anything else through PowerShell.
pub async fn certificate_assertion(env: &Env, account: &Account, tenant: &str, authority: &Authority, prompt: Option<Prompt>) -> AzResult<String> {
    let aud = authority.token_url();
    if let Some(path) = account.certificate_path.as_deref().filter(|p| client_certificate::is_pem(p)) {
        let pem = client_certificate::PemCertificate::load(path)?;
        let input = client_certificate::signing_input(&pem.chain, &account.id, &aud, account.send_chain);
        return Ok(client_certificate::assemble(&input, &pem.sign(&input)?));
    }
    let prompt = prompt.ok_or_else(|| AzError::new("NeedsPowerShellSigning", Category::InvalidOperation, "This certificate is signed by PowerShell."))?;
    let password = secret(env, "CertificatePassword", &account.id, tenant);
    let which = json!({
        "thumbprint": account.certificate_thumbprint, "path": account.certificate_path, "password": password,
    });
    let cert = prompt(json!({"kind": "certificate", "certificate": which})).await?;
    let chain: Vec<Vec<u8>> = cert.get("chain").and_then(Value::as_array).map(|a| {
        use base64::Engine as _;
        a.iter().filter_map(|c| c.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())).collect()
    }).unwrap_or_default();
    if chain.is_empty() {
        let why = cert.get("error").and_then(Value::as_str).unwrap_or("it was not found");
        return Err(AzError::new("CertificateNotFound", Category::ObjectNotFound, format!("The certificate cannot be used: {why}"))
            .with_remedy("Check -CertificateThumbprint (CurrentUser\\My, then LocalMachine\\My) or -CertificatePath and -CertificatePassword."));
    }
    let chain = client_certificate::CertChain(chain);
    let input = client_certificate::signing_input(&chain, &account.id, &aud, account.send_chain);
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(input.as_bytes());
    let signed = prompt(json!({"kind": "sign", "certificate": which, "data": data})).await?;
    let sig = signed.get("signature").and_then(Value::as_str).and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()).ok_or_else(|| {
        AzError::new("CertificateSigningFailed", Category::SecurityError, format!("PowerShell could not sign with the certificate: {}", signed.get("error").and_then(Value::as_str).unwrap_or("no signature")))
    })?;
    Ok(client_certificate::assemble(&input, &sig))
}
