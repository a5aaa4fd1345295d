//! The token side after sign-in: which credential an account uses, where its tokens and secrets
//! are kept, and silent acquisition (cached access token with more than 5 minutes left, else the
//! refresh token / stored credential; never a prompt). The storage calls are the only place that
//! knows the `cache` room.

use super::managed_identity::{self, Selector};
use super::net::Log;
use super::{client_certificate, client_secret, federated, refresh, Authority, Token, POWERSHELL_CLIENT_ID};
use crate::discovery::BoxFut;
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use once_cell::sync::Lazy;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Access tokens with less than this left are not used (Az's ExpirationThreshold).
pub const MIN_VALIDITY_SECS: i64 = 300;

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

// ---- storage: in-process view + the shared cache -------------------------------------------

#[derive(Default)]
struct Mem {
    at: HashMap<String, Token>,
    rt: HashMap<String, String>,
    secrets: HashMap<String, String>,
}

static MEM: Lazy<Mutex<Mem>> = Lazy::new(|| Mutex::new(Mem::default()));

fn at_key(client_id: &str, account: &str, tenant: &str, scope: &str) -> String {
    format!("{}|{}|{}|{}", client_id.to_ascii_lowercase(), account.to_ascii_lowercase(), tenant.to_ascii_lowercase(), scope.to_ascii_lowercase())
}

/// Where tokens for an account are filed: users by home account id, apps by app id.
fn owner(account: &Account) -> (String, String) {
    match account.kind {
        Kind::User => (POWERSHELL_CLIENT_ID.to_string(), account.home_account_id.clone().unwrap_or_else(|| account.id.clone())),
        _ => (account.id.clone(), String::new()),
    }
}

pub fn save_token(_env: &Env, account: &Account, requested_scope: &str, token: &Token) {
    let (client, acct) = owner(account);
    let mut m = MEM.lock().expect("token memory");
    m.at.insert(at_key(&client, &acct, &token.tenant_id, requested_scope), token.clone());
    if let (Some(rt), Some(home)) = (&token.refresh_token, &token.home_account_id) {
        m.rt.insert(home.to_ascii_lowercase(), rt.clone());
    }
}

pub fn cached_token(_env: &Env, account: &Account, tenant: &str, scope: &str) -> Option<Token> {
    let (client, acct) = owner(account);
    let m = MEM.lock().ok()?;
    m.at.get(&at_key(&client, &acct, tenant, scope)).filter(|t| t.expires_on - super::now() > MIN_VALIDITY_SECS).cloned()
}

fn refresh_token(_env: &Env, home_account_id: &str) -> Option<String> {
    MEM.lock().ok()?.rt.get(&home_account_id.to_ascii_lowercase()).cloned()
}

/// Secret names: `ServicePrincipalSecret`, `CertificatePassword`, `ClientAssertion`, `AccessToken`.
pub fn save_secret(_env: &Env, name: &str, account_id: &str, tenant: &str, value: &str) -> AzResult<()> {
    MEM.lock().expect("secret memory").secrets.insert(format!("{name}|{}|{}", account_id.to_ascii_lowercase(), tenant.to_ascii_lowercase()), value.to_string());
    Ok(())
}

pub fn secret(_env: &Env, name: &str, account_id: &str, tenant: &str) -> Option<String> {
    MEM.lock().ok()?.secrets.get(&format!("{name}|{}|{}", account_id.to_ascii_lowercase(), tenant.to_ascii_lowercase())).cloned()
}

/// Forgets everything stored for an account: tokens, refresh tokens, secrets.
pub fn forget_account(_env: &Env, account: &Account) {
    let (client, acct) = owner(account);
    let prefix = format!("{}|{}|", client.to_ascii_lowercase(), acct.to_ascii_lowercase());
    if let Ok(mut m) = MEM.lock() {
        m.at.retain(|k, _| !k.starts_with(&prefix));
        if let Some(h) = &account.home_account_id {
            m.rt.remove(&h.to_ascii_lowercase());
        }
        let id = format!("|{}|", account.id.to_ascii_lowercase());
        m.secrets.retain(|k, _| !k.contains(&id));
    }
}

pub fn forget_all(_env: &Env) {
    if let Ok(mut m) = MEM.lock() {
        *m = Mem::default();
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
    if let Some(t) = cached_token(env, account, tenant, scope) {
        return Ok(t);
    }
    let authority = Authority::new(authority_host, tenant);
    let token = match account.kind {
        Kind::User => {
            let home = account.home_account_id.as_deref().ok_or_else(|| login_again(account, tenant, "No refresh token is cached"))?;
            let rt = refresh_token(env, home).ok_or_else(|| login_again(account, tenant, "No refresh token is cached"))?;
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
    save_token(env, account, scope, &token);
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
