//! Sign-in operations: `auth.connect` (Connect-AzAccount, long), `auth.token`
//! (Get-AzAccessToken), `auth.subscriptions`, `auth.tenants`, `auth.disconnect`, `auth.clear`.
//! The glue to the store (contexts, environments) and config rooms is in `ops/auth_glue.rs`.

use super::auth_glue as glue;
use crate::auth::managed_identity::{self, Selector};
use crate::auth::session::{self, Account, Kind, Prompt};
use crate::auth::{self, browser, client_certificate, client_secret, device_code, federated, net, username_password, Authority, Token};
use crate::discovery::{self, arm, openid, Discovery, Subscription, Tenant, TokenFor};
use crate::error::{AzError, AzResult, Category};
use crate::operation::{self, OpContext};
use crate::request::{Env, Request};
use crate::runtime::block_on;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub fn call(req: &Request) -> AzResult<Value> {
    match req.op.as_str() {
        "auth.token" => {
            let args: TokenArgs = req.args()?;
            block_on(get_token(&req.env, None, args, None))
        }
        "auth.subscriptions" => {
            let args: ListArgs = req.args()?;
            let env = req.env.clone();
            block_on(async move { list_subscriptions(&env, args).await })
        }
        "auth.tenants" => {
            let args: ListArgs = req.args()?;
            let env = req.env.clone();
            block_on(async move { list_tenants(&env, args).await })
        }
        "auth.disconnect" => disconnect(&req.env, req.args()?),
        "auth.refreshContexts" => {
            let env = req.env.clone();
            block_on(async move { refresh_contexts(&env).await })
        }
        "auth.clear" => {
            session::forget_all(&req.env);
            Ok(json!({"cleared": true}))
        }
        _ => Err(super::unknown(req)),
    }
}

pub fn begin(req: Request) -> AzResult<u64> {
    match req.op.as_str() {
        "auth.connect" => {
            let args: ConnectArgs = req.args()?;
            Ok(operation::start(req.env, move |ctx| async move { connect(ctx, args).await }))
        }
        // Get-AzAccessToken when PowerShell has to sign (certificates from the .NET store, PFX).
        "auth.token" => {
            let args: TokenArgs = req.args()?;
            Ok(operation::start(req.env, move |ctx| async move {
                let prompt = prompter(&ctx);
                let log = debug_sink(&ctx);
                get_token(&ctx.env.clone(), Some(&log), args, Some(prompt)).await
            }))
        }
        _ => Err(super::unknown(&req)),
    }
}

fn debug_sink(ctx: &OpContext) -> impl Fn(String) + Send + Sync {
    let c = ctx.clone();
    move |m: String| c.debug(m)
}

fn prompter(ctx: &OpContext) -> Prompt {
    let c = ctx.clone();
    Arc::new(move |v: Value| {
        let c = c.clone();
        Box::pin(async move { c.prompt(v).await })
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectArgs {
    method: String,
    environment: Option<String>,
    tenant: Option<String>,
    subscription: Option<String>,
    account_id: Option<String>,
    application_id: Option<String>,
    secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    certificate_thumbprint: Option<String>,
    certificate_path: Option<String>,
    certificate_password: Option<String>,
    send_certificate_chain: bool,
    federated_token: Option<String>,
    access_token: Option<String>,
    graph_access_token: Option<String>,
    microsoft_graph_access_token: Option<String>,
    key_vault_access_token: Option<String>,
    skip_validation: bool,
    auth_scope: Option<String>,
    context_name: Option<String>,
    claims_challenge: Option<String>,
    scope: Option<String>,
    skip_context_population: bool,
    max_context_population: Option<i64>,
    /// `$Host`-facing session: false in -NonInteractive sessions (no picker).
    interactive: Option<bool>,
}

/// The endpoints a sign-in uses, from the environment object.
pub struct Cloud {
    pub name: String,
    pub authority: String,
    pub arm_resource: String,
    pub arm_url: String,
    pub obj: Map<String, Value>,
}

impl Cloud {
    pub fn from_obj(obj: Map<String, Value>) -> AzResult<Cloud> {
        let s = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let name = s("Name");
        let (authority, arm_resource, arm_url) = (s("ActiveDirectoryAuthority"), s("ActiveDirectoryServiceEndpointResourceId"), s("ResourceManagerUrl"));
        if authority.is_empty() || arm_resource.is_empty() || arm_url.is_empty() {
            return Err(AzError::invalid_argument("EnvironmentIncomplete", format!("The environment '{name}' lacks ActiveDirectoryAuthority, ActiveDirectoryServiceEndpointResourceId or ResourceManagerUrl.")));
        }
        Ok(Cloud { name, authority, arm_resource, arm_url, obj })
    }
    pub fn arm_scope(&self) -> String {
        auth::scope_for(&self.arm_resource)
    }
}

fn is_common(t: &str) -> bool {
    matches!(t.to_ascii_lowercase().as_str(), "organizations" | "common" | "consumers")
}

/// GUIDs pass through; domains are resolved through OpenID metadata.
async fn resolve_tenant(env: &Env, log: net::Log<'_>, cloud: &Cloud, tenant: Option<&str>) -> AzResult<Option<String>> {
    match tenant.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if discovery::is_guid(t) || is_common(t) => Ok(Some(t.to_string())),
        Some(domain) => Ok(Some(openid::tenant_id_for_domain(env, log, &cloud.authority, domain).await?)),
    }
}

fn required<'a>(v: &'a Option<String>, what: &str) -> AzResult<&'a str> {
    v.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| AzError::invalid_argument("MissingArgument", format!("{what} is required for this sign-in method.")))
}

fn new_account(id: &str, kind: Kind) -> Account {
    Account { id: id.to_string(), kind, home_account_id: None, certificate_thumbprint: None, certificate_path: None, send_chain: false, mi_selector: None }
}

/// A secret `connect` stores once the first token proved it: (name, account id, tenant, value).
type SecretToSave = (&'static str, String, String, String);

/// The first token, per method. Returns the account it belongs to, and the service principal's
/// secret for `connect` to store (while discovery runs).
async fn first_token(ctx: &OpContext, log: net::Log<'_>, a: &ConnectArgs, cloud: &Cloud, tenant: Option<&str>, scope: &str) -> AzResult<(Account, Token, Option<SecretToSave>)> {
    let env = &ctx.env;
    let t = tenant.unwrap_or("organizations");
    let authority = Authority::new(&cloud.authority, t);
    let need_tenant = || tenant.filter(|t| !is_common(t)).ok_or_else(|| AzError::invalid_argument("TenantRequired", "-Tenant is required for a service principal sign-in."));
    // The `claims` of the user flows (browser, device code): CP1 plus any -ClaimsChallenge.
    let claims = auth::claims_with_challenge(a.claims_challenge.as_deref())?;
    match a.method.as_str() {
        "servicePrincipalSecret" => {
            need_tenant()?;
            let app = required(&a.application_id, "The application id (-Credential user name)")?;
            let secret = required(&a.secret, "The client secret (-Credential password)")?;
            let token = client_secret::acquire(env, log, &authority, app, secret, scope).await?;
            let save = ("ServicePrincipalSecret", app.to_string(), token.tenant_id.clone(), secret.to_string());
            Ok((new_account(app, Kind::ServicePrincipal), token, Some(save)))
        }
        "certificateThumbprint" | "certificateFile" => {
            need_tenant()?;
            let app = required(&a.application_id, "-ApplicationId")?;
            let mut account = new_account(app, Kind::ServicePrincipal);
            account.send_chain = a.send_certificate_chain;
            if a.method == "certificateThumbprint" {
                account.certificate_thumbprint = Some(required(&a.certificate_thumbprint, "-CertificateThumbprint")?.to_ascii_uppercase());
            } else {
                account.certificate_path = Some(required(&a.certificate_path, "-CertificatePath")?.to_string());
                if let Some(p) = a.certificate_password.as_deref() {
                    session::save_secret(env, "CertificatePassword", app, t, p)?;
                }
            }
            if a.send_certificate_chain {
                ctx.warning("The feature related to parameter name 'SendCertificateChain' is under preview.");
            }
            let assertion = session::certificate_assertion(env, &account, t, &authority, Some(prompter(ctx))).await?;
            let token = client_certificate::acquire(env, log, &authority, app, &assertion, scope).await?;
            Ok((account, token, None))
        }
        "federated" => {
            need_tenant()?;
            let app = required(&a.application_id, "-ApplicationId")?;
            // An explicit -FederatedToken wins over AZURE_FEDERATED_TOKEN_FILE at sign-in.
            let assertion = match a.federated_token.as_deref().filter(|t| !t.is_empty()) {
                Some(t) => t.to_string(),
                None => federated::current_assertion(env, None)?,
            };
            ctx.warning("The feature related to parameter name 'FederatedToken' is under preview.");
            let token = federated::acquire_with_assertion(env, log, &authority, app, &assertion, scope).await?;
            if let Some(given) = a.federated_token.as_deref() {
                session::save_secret(env, "ClientAssertion", app, &token.tenant_id, given)?;
            }
            Ok((new_account(app, Kind::ClientAssertion), token, None))
        }
        "accessToken" => {
            let id = required(&a.account_id, "-AccountId")?;
            let at = required(&a.access_token, "-AccessToken")?;
            let token = auth::access_token::from_given(at, id, tenant.filter(|t| !is_common(t)), scope);
            session::save_secret(env, "AccessToken", id, &token.tenant_id, at)?;
            for (name, v) in [("GraphAccessToken", &a.graph_access_token), ("MicrosoftGraphAccessToken", &a.microsoft_graph_access_token), ("KeyVault", &a.key_vault_access_token)] {
                if let Some(v) = v.as_deref() {
                    session::save_secret(env, name, id, &token.tenant_id, v)?;
                }
            }
            Ok((new_account(id, Kind::AccessToken), token, None))
        }
        "managedIdentity" => {
            let sel = Selector::parse(a.account_id.as_deref());
            let (token, source) = managed_identity::acquire(env, log, &sel, &cloud.arm_resource).await?;
            ctx.verbose(format!("Managed identity token from {}.", source.name()));
            let id = a.account_id.clone().unwrap_or_else(|| "MSI@50342".to_string());
            let mut account = new_account(&id, Kind::ManagedService);
            account.mi_selector = a.account_id.clone();
            Ok((account, token, None))
        }
        "userPassword" => {
            ctx.warning(username_password::WARNING);
            let user = required(&a.username, "The user name (-Credential)")?;
            let pw = required(&a.password, "The password (-Credential)")?;
            let token = username_password::acquire(env, log, &authority, user, pw, scope).await?;
            Ok((user_account(&token), token, None))
        }
        "deviceCode" => {
            let token = device_code_flow(ctx, log, &authority, scope, &claims).await?;
            Ok((user_account(&token), token, None))
        }
        "browser" => {
            if glue::config_bool(env, "EnableLoginByWam").unwrap_or(false) {
                ctx.verbose("EnableLoginByWam is on, but AzRs has no WAM broker; signing in with the browser instead.");
            }
            let v = ctx.clone();
            let taken = move |m: String| v.verbose(m);
            let (listener, port) = browser::bind_loopback(&taken).await?;
            let req = browser::auth_request(&authority, port, scope, a.account_id.as_deref(), &claims);
            match browser::open_browser(env, &req.url) {
                Ok(()) => {
                    ctx.information("Please select the account you want to login with.");
                    let token = browser::complete(env, log, &authority, listener, &req, scope).await?;
                    Ok((user_account(&token), token, None))
                }
                Err(why) => {
                    drop(listener);
                    ctx.warning(format!("A web browser cannot be opened in this session ({why}); signing in with a device code instead."));
                    let token = device_code_flow(ctx, log, &authority, scope, &claims).await?;
                    Ok((user_account(&token), token, None))
                }
            }
        }
        other => Err(AzError::invalid_argument("UnknownSignInMethod", format!("'{other}' is not a sign-in method AzRs knows."))),
    }
}

async fn device_code_flow(ctx: &OpContext, log: net::Log<'_>, authority: &Authority, scope: &str, claims: &str) -> AzResult<Token> {
    let c = ctx.clone();
    let show = move |m: String| c.information(format!("[Login to Azure] {m}"));
    device_code::acquire(&ctx.env, log, authority, scope, claims, &show).await
}

fn user_account(token: &Token) -> Account {
    let mut a = new_account(&token.user_id, Kind::User);
    a.home_account_id = token.home_account_id.clone();
    a
}

/// A silent token getter for discovery: the first token for its own tenant, else per account kind.
fn token_getter(env: &Env, cloud: &Cloud, account: &Account, first: &Token, scope: &str) -> TokenFor {
    let (env, authority, account, first, scope) = (env.clone(), cloud.authority.clone(), account.clone(), first.clone(), scope.to_string());
    Arc::new(move |tenant: String| {
        let (env, authority, account, first, scope) = (env.clone(), authority.clone(), account.clone(), first.clone(), scope.clone());
        Box::pin(async move {
            if tenant.eq_ignore_ascii_case(&first.tenant_id) || account.kind != Kind::User {
                return Ok(first.access_token.clone());
            }
            Ok(session::acquire_silent(&env, None, &authority, &account, &tenant, &scope, None).await?.access_token)
        })
    })
}

async fn connect(ctx: OpContext, a: ConnectArgs) -> AzResult<Value> {
    let env = ctx.env.clone();
    let dbg = debug_sink(&ctx);
    let log: net::Log<'_> = Some(&dbg);
    let cloud = Cloud::from_obj(glue::find_environment(&env, a.environment.as_deref().unwrap_or("AzureCloud"))?)?;
    let scope = cloud.arm_scope();
    let tenant = resolve_tenant(&env, log, &cloud, a.tenant.as_deref()).await?;
    let user_kind = matches!(a.method.as_str(), "browser" | "deviceCode" | "userPassword");

    let (mut account, token, secret) = first_token(&ctx, log, &a, &cloud, tenant.as_deref(), &scope).await?;
    let persist = {
        let (env, authority, account, scope, token) = (env.clone(), cloud.authority.clone(), account.clone(), scope.clone(), token.clone());
        move || -> AzResult<()> {
            if let Some((name, id, tenant, value)) = secret {
                session::save_secret(&env, name, &id, &tenant, &value)?;
            }
            if account.kind != Kind::AccessToken {
                session::save_token(&env, &authority, &account, &scope, &token)?;
            }
            Ok(())
        }
    };
    // Storing the token and the secret (file locks, fsync, maybe the keyring) overlaps the
    // discovery requests when nothing before the end reads them back: discovery uses the first
    // token for a service principal's only tenant. A user's other tenants need the refresh token
    // from the cache, and -AuthScope a silent token: then they are stored first.
    let overlap = !user_kind && account.kind != Kind::User && a.auth_scope.as_deref().map_or(true, str::is_empty);
    let pending = if overlap {
        Some(tokio::task::spawn_blocking(persist))
    } else {
        persist()?;
        None
    };

    if let Some(auth_scope) = a.auth_scope.as_deref().filter(|s| !s.is_empty()) {
        // Pre-authorize a data-plane resource now, so later calls for it stay silent.
        let resource = glue::resource_for(&cloud, auth_scope);
        session::acquire_silent(&env, log, &cloud.authority, &account, &token.tenant_id, &auth::scope_for(&resource), Some(prompter(&ctx))).await?;
    }

    // Tenants and subscriptions.
    let only_tenant = match (&tenant, user_kind) {
        (Some(t), _) if !is_common(t) => Some(t.clone()),
        (_, true) => None,
        _ => Some(token.tenant_id.clone()).filter(|t| !t.is_empty()),
    };
    let disc = if a.method == "accessToken" && a.skip_validation {
        skip_validation(&a, &tenant)?
    } else {
        if user_kind {
            ctx.information("Retrieving subscriptions for the selection...");
        }
        let getter = token_getter(&env, &cloud, &account, &token, &scope);
        discovery::discover(&env, log, &cloud.arm_url, &token.access_token, only_tenant.as_deref(), getter).await?
    };
    if let Some(p) = pending {
        p.await.map_err(|e| AzError::internal(format!("storing the sign-in failed: {e}")))??;
    }
    // The tokens of this sign-in (the first one, and any discovery acquired) are written behind:
    // durable before Connect-AzAccount returns.
    session::flush_tokens(&env)?;
    for w in &disc.warnings {
        ctx.warning(w.clone());
    }
    if disc.tenants.is_empty() {
        return Err(AzError::new("NoTenantFound", Category::AuthenticationError, "No tenant could be used with this account.")
            .with_remedy("Run Connect-AzAccount with -Tenant for the tenant you need."));
    }

    let interactive = a.interactive.unwrap_or(true) && env.get("AzRs:Interactive") != Some("false");
    let (ti, si) = choose(&ctx, &a, &disc, account.kind == Kind::User, interactive).await?;
    let tenant_ids: Vec<String> = disc.tenants.iter().map(|t| t.tenant.id.clone()).collect();
    let chosen_tenant = &disc.tenants[ti].tenant;
    let chosen_sub = si.map(|s| &disc.tenants[ti].subscriptions[s]);
    if let Some(s) = chosen_sub {
        if !s.state.eq_ignore_ascii_case("Enabled") {
            ctx.warning(format!("Selected subscription is in '{}' state. ", s.state));
        }
    }
    if account.id.is_empty() {
        account.id = token.user_id.clone();
    }
    let account_json = account_json(&account, &tenant_ids, &disc);
    let default_ctx = context_json(&account_json, &cloud, chosen_tenant, chosen_sub);

    let mut others = Vec::new();
    let max = a.max_context_population.unwrap_or(25);
    if !a.skip_context_population && max != 0 {
        let mut n = 0i64;
        'outer: for t in &disc.tenants {
            for s in &t.subscriptions {
                if max >= 0 && n >= max {
                    break 'outer;
                }
                n += 1;
                others.push(context_json(&account_json, &cloud, &t.tenant, Some(s)));
            }
        }
    }
    let saved = glue::save_contexts(&env, a.scope.as_deref(), a.context_name.as_deref(), &default_ctx, &others)?;
    glue::profile_result(&env, &saved)
}

fn skip_validation(a: &ConnectArgs, tenant: &Option<String>) -> AzResult<Discovery> {
    let sub = a.subscription.as_deref().filter(|s| discovery::is_guid(s));
    let (Some(sub), Some(t)) = (sub, tenant.as_deref().filter(|t| !is_common(t))) else {
        return Err(AzError::invalid_argument("SkipValidationNeedsIds", "Must supply Subscription Id and Tenant Id when using -SkipValidation"));
    };
    Ok(Discovery {
        tenants: vec![discovery::TenantResult {
            tenant: Tenant::bare(t),
            subscriptions: vec![Subscription { id: sub.to_string(), name: String::new(), state: "Enabled".into(), tenant_id: t.to_string(), ..Default::default() }],
        }],
        warnings: vec![],
    })
}

/// The default tenant/subscription: -Subscription, DefaultSubscriptionForLogin, the picker, or Az's rule.
async fn choose(ctx: &OpContext, a: &ConnectArgs, d: &Discovery, is_user: bool, interactive: bool) -> AzResult<(usize, Option<usize>)> {
    let find = |wanted: &str| -> Option<(usize, usize)> {
        let by_id = discovery::is_guid(wanted);
        d.tenants.iter().enumerate().find_map(|(ti, t)| {
            t.subscriptions.iter().position(|s| if by_id { s.id.eq_ignore_ascii_case(wanted) } else { s.name.eq_ignore_ascii_case(wanted) }).map(|si| (ti, si))
        })
    };
    if let Some(wanted) = a.subscription.as_deref().filter(|s| !s.is_empty()) {
        return find(wanted).map(|(t, s)| (t, Some(s))).ok_or_else(|| {
            let what = if discovery::is_guid(wanted) { "id" } else { "name" };
            AzError::new("SubscriptionNotFound", Category::ObjectNotFound, format!("The subscription {what} '{wanted}' could not be found in any tenant of this account."))
                .with_remedy("If a subscription is not specified, please check the configs by `Get-AzConfig`.")
                .with_target(wanted)
        });
    }
    if let Some(wanted) = glue::config_string(&ctx.env, "DefaultSubscriptionForLogin").filter(|s| !s.is_empty()) {
        match find(&wanted) {
            Some((t, s)) => return Ok((t, Some(s))),
            None => ctx.warning(format!("The subscription '{wanted}' set by DefaultSubscriptionForLogin was not found; choosing the default instead.")),
        }
    }
    let total: usize = d.tenants.iter().map(|t| t.subscriptions.len()).sum();
    if total == 0 {
        return Ok((0, None));
    }
    let picker_on = glue::config_string(&ctx.env, "LoginExperienceV2").map(|v| !v.eq_ignore_ascii_case("Off")).unwrap_or(true);
    if is_user && picker_on && interactive && total > 1 {
        return pick(ctx, d).await.map(|(t, s)| (t, Some(s)));
    }
    for t in &d.tenants {
        if t.subscriptions.len() > 1 {
            ctx.warning("To override which subscription Connect-AzAccount selects by default, use `Update-AzConfig -DefaultSubscriptionForLogin 00000000-0000-0000-0000-000000000000`. Go to https://go.microsoft.com/fwlink/?linkid=2200610 for more information.");
            if !is_user {
                ctx.warning(format!("TenantId '{}' contains more than one active subscription. First one will be selected for further use. To select another subscription, use Set-AzContext.", t.tenant.id));
            }
            break;
        }
    }
    Ok(discovery::default_choice(d).map(|(t, s)| (t, Some(s))).unwrap_or((0, None)))
}

/// The login-experience-v2 picker: rows sorted by tenant name then subscription name; PowerShell
/// draws the table and reads the answer with $Host.UI.ReadLine (see Connect-AzAccount.ps1).
async fn pick(ctx: &OpContext, d: &Discovery) -> AzResult<(usize, usize)> {
    let mut rows: Vec<(usize, usize)> = d.tenants.iter().enumerate().flat_map(|(ti, t)| (0..t.subscriptions.len()).map(move |si| (ti, si))).collect();
    // A subscription seen from several tenants (managed by another) is listed once: in its home tenant.
    let listed_at_home = |id: &str, home: &str| d.tenants.iter().any(|t| t.tenant.id.eq_ignore_ascii_case(home) && t.subscriptions.iter().any(|s| s.id.eq_ignore_ascii_case(id)));
    rows.retain(|(ti, si)| {
        let s = &d.tenants[*ti].subscriptions[*si];
        match s.home_tenant_id.as_deref() {
            Some(h) if !h.eq_ignore_ascii_case(&d.tenants[*ti].tenant.id) => !listed_at_home(&s.id, h),
            _ => true,
        }
    });
    let tname = |ti: usize| d.tenants[ti].tenant.display_name.clone().unwrap_or_else(|| d.tenants[ti].tenant.id.clone());
    rows.sort_by(|x, y| (tname(x.0).to_lowercase(), d.tenants[x.0].subscriptions[x.1].name.to_lowercase()).cmp(&(tname(y.0).to_lowercase(), d.tenants[y.0].subscriptions[y.1].name.to_lowercase())));
    let last = glue::last_used_subscription(&ctx.env);
    let default = last.as_deref().and_then(|id| rows.iter().position(|(ti, si)| d.tenants[*ti].subscriptions[*si].id.eq_ignore_ascii_case(id)));
    let table: Vec<Value> = rows.iter().map(|(ti, si)| {
        let s = &d.tenants[*ti].subscriptions[*si];
        json!({"name": s.name, "id": s.id, "tenant": tname(*ti)})
    }).collect();
    let answer = ctx.prompt(json!({"kind": "picker", "rows": table, "default": default})).await?;
    let i = answer.as_u64().map(|n| n as usize).filter(|i| *i < rows.len()).ok_or_else(AzError::cancelled)?;
    Ok(rows[i])
}

fn csv(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

pub fn account_json(account: &Account, tenant_ids: &[String], d: &Discovery) -> Value {
    let mut props = Map::new();
    props.insert("Tenants".into(), json!(csv(tenant_ids.iter().cloned())));
    let subs = csv(d.tenants.iter().flat_map(|t| t.subscriptions.iter().map(|s| s.id.clone())));
    if !subs.is_empty() {
        props.insert("Subscriptions".into(), json!(subs));
    }
    if let Some(h) = &account.home_account_id {
        props.insert("HomeAccountId".into(), json!(h));
    }
    if let Some(t) = &account.certificate_thumbprint {
        props.insert("CertificateThumbprint".into(), json!(t));
    }
    if let Some(p) = &account.certificate_path {
        props.insert("CertificatePath".into(), json!(p));
    }
    if account.send_chain {
        props.insert("SendCertificateChain".into(), json!("True"));
    }
    json!({"Id": account.id, "Credential": null, "Type": account.kind.az_name(), "TenantMap": {}, "ExtendedProperties": props})
}

fn tenant_json(t: &Tenant) -> Value {
    let mut p = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            p.insert(k.into(), json!(v));
        }
    };
    put("TenantCategory", &t.tenant_category);
    put("Country", &t.country);
    put("CountryCode", &t.country_code);
    put("DisplayName", &t.display_name);
    put("DefaultDomain", &t.default_domain);
    put("TenantType", &t.tenant_type);
    put("TenantBrandingLogoUrl", &t.tenant_branding_logo_url);
    if !t.domains.is_empty() {
        p.insert("Domains".into(), json!(t.domains.join(",")));
    }
    let is_home = t.tenant_category.as_deref().map(|c| c == "Home").unwrap_or(true);
    json!({"Id": t.id, "Directory": null, "IsHome": is_home, "ExtendedProperties": p})
}

fn subscription_json(s: &Subscription, account_id: &str, env_name: &str) -> Value {
    let mut p = Map::new();
    p.insert("Account".into(), json!(account_id));
    p.insert("Environment".into(), json!(env_name));
    p.insert("Tenants".into(), json!(s.tenant_id));
    if let Some(h) = &s.home_tenant_id {
        p.insert("HomeTenant".into(), json!(h));
    }
    if !s.managed_by_tenant_ids.is_empty() {
        p.insert("ManagedByTenants".into(), json!(s.managed_by_tenant_ids.join(",")));
    }
    if let Some(a) = &s.authorization_source {
        p.insert("AuthorizationSource".into(), json!(a));
    }
    if let Some(pol) = &s.subscription_policies {
        p.insert("SubscriptionPolices".into(), json!(pol.to_string()));
    }
    if let Some(t) = s.tags.as_ref().filter(|t| !t.is_null()) {
        p.insert("Tags".into(), json!(t.to_string()));
    }
    json!({"Id": s.id, "Name": s.name, "State": s.state, "ExtendedProperties": p})
}

pub fn context_json(account: &Value, cloud: &Cloud, tenant: &Tenant, sub: Option<&Subscription>) -> Value {
    let id = account.get("Id").and_then(Value::as_str).unwrap_or_default();
    json!({
        "Account": account,
        "Tenant": tenant_json(tenant),
        "Subscription": sub.map(|s| subscription_json(s, id, &cloud.name)),
        "Environment": cloud.obj,
        "VersionProfile": null,
        "TokenCache": {"CacheData": null},
        "ExtendedProperties": {},
    })
}

// ---- after sign-in ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenArgs {
    resource_url: Option<String>,
    resource_type_name: Option<String>,
    tenant_id: Option<String>,
    /// Compact "token\nexpiresOn\ntenant\nuser" instead of JSON (the wrapper's fast path).
    compact: bool,
}

/// The signed-in context: account, tenant, environment.
pub struct Signed {
    pub account: Account,
    pub tenant: String,
    pub cloud: Cloud,
}

/// What [`signed_in`] derived, and the store revision it was derived from.
static SIGNED: once_cell::sync::Lazy<std::sync::Mutex<Option<(u64, Arc<Signed>)>>> = once_cell::sync::Lazy::new(|| std::sync::Mutex::new(None));

/// The default context's account, tenant and environment. Derived once per store revision (any
/// change to this session's profile, a reload or the settings file moves it): a warm
/// Get-AzAccessToken does not copy the context or re-read its environment.
pub fn signed_in(env: &Env) -> AzResult<Arc<Signed>> {
    let revision = crate::store::revision(env)?;
    if let Some((r, s)) = SIGNED.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        if *r == revision {
            return Ok(s.clone());
        }
    }
    // Derived after taking the revision: a change in between moves it, and the next call derives again.
    let s = Arc::new(derive_signed_in(env)?);
    *SIGNED.lock().unwrap_or_else(|p| p.into_inner()) = Some((revision, s.clone()));
    Ok(s)
}

fn derive_signed_in(env: &Env) -> AzResult<Signed> {
    let context = glue::default_context(env)?.ok_or_else(|| {
        AzError::new("NotSignedIn", Category::AuthenticationError, "Run Connect-AzAccount to login.").with_remedy("Run Connect-AzAccount to sign in.")
    })?;
    let account = Account::from_az(context.get("Account").unwrap_or(&Value::Null))?;
    let tenant = context.pointer("/Tenant/Id").and_then(Value::as_str).unwrap_or_default().to_string();
    let env_obj = context.get("Environment").and_then(Value::as_object).cloned();
    let cloud = match env_obj {
        Some(o) if o.get("ActiveDirectoryAuthority").and_then(Value::as_str).is_some() => Cloud::from_obj(o)?,
        Some(o) => Cloud::from_obj(glue::find_environment(env, o.get("Name").and_then(Value::as_str).unwrap_or("AzureCloud"))?)?,
        None => Cloud::from_obj(glue::find_environment(env, "AzureCloud")?)?,
    };
    Ok(Signed { account, tenant, cloud })
}

async fn get_token(env: &Env, log: net::Log<'_>, a: TokenArgs, prompt: Option<Prompt>) -> AzResult<Value> {
    let s = signed_in(env)?;
    let resource = match (a.resource_url.as_deref(), a.resource_type_name.as_deref()) {
        (Some(u), _) if !u.is_empty() => u.to_string(),
        (_, Some(n)) if !n.is_empty() => glue::resource_for(&s.cloud, n),
        _ => s.cloud.arm_resource.clone(),
    };
    let tenant = a.tenant_id.filter(|t| !t.is_empty()).unwrap_or_else(|| s.tenant.clone());
    let scope = auth::scope_for(&resource);
    let token = session::acquire_silent(env, log, &s.cloud.authority, &s.account, &tenant, &scope, prompt).await?;
    let user = if token.user_id.is_empty() { s.account.id.clone() } else { token.user_id.clone() };
    if a.compact {
        return Ok(Value::String(format!("{}\n{}\n{}\n{}", token.access_token, token.expires_on, tenant, user)));
    }
    Ok(json!({"token": token.access_token, "expiresOn": token.expires_on, "tenantId": tenant, "userId": user, "type": "Bearer"}))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ListArgs {
    tenant_id: Option<String>,
    subscription_id: Option<String>,
    subscription_name: Option<String>,
}

async fn tenant_tokens(env: &Env, s: &Signed) -> AzResult<(Vec<Tenant>, String)> {
    let scope = s.cloud.arm_scope();
    let home = session::acquire_silent(env, None, &s.cloud.authority, &s.account, &s.tenant, &scope, None).await?;
    let tenants = arm::list_tenants(env, None, &s.cloud.arm_url, &home.access_token).await?;
    Ok((tenants, home.access_token))
}

async fn list_subscriptions(env: &Env, a: ListArgs) -> AzResult<Value> {
    let s = signed_in(env)?;
    let scope = s.cloud.arm_scope();
    let only = a.tenant_id.clone().filter(|t| !t.is_empty()).or_else(|| (s.account.kind != Kind::User).then(|| s.tenant.clone()));
    let home = session::acquire_silent(env, None, &s.cloud.authority, &s.account, &s.tenant, &scope, None).await?;
    let getter = token_getter(env, &s.cloud, &s.account, &home, &scope);
    let d = discovery::discover(env, None, &s.cloud.arm_url, &home.access_token, only.as_deref(), getter).await?;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in &d.tenants {
        for sub in &t.subscriptions {
            let ok_id = a.subscription_id.as_deref().map(|id| sub.id.eq_ignore_ascii_case(id)).unwrap_or(true);
            let ok_name = a.subscription_name.as_deref().map(|n| sub.name.eq_ignore_ascii_case(n)).unwrap_or(true);
            if ok_id && ok_name && seen.insert(sub.id.to_ascii_lowercase()) {
                out.push(json!(sub));
            }
        }
    }
    let wanted = a.subscription_id.as_deref().or(a.subscription_name.as_deref());
    if out.is_empty() {
        if let Some(w) = wanted {
            return Err(AzError::not_found("SubscriptionNotFound", format!("Subscription {w} was not found in tenant(s) of the current account.")).with_target(w));
        }
    }
    Ok(json!({"subscriptions": out, "warnings": d.warnings}))
}

async fn list_tenants(env: &Env, a: ListArgs) -> AzResult<Value> {
    let s = signed_in(env)?;
    let (mut tenants, _) = tenant_tokens(env, &s).await?;
    if let Some(t) = a.tenant_id.as_deref().filter(|t| !t.is_empty()) {
        let id = if discovery::is_guid(t) { t.to_string() } else { openid::tenant_id_for_domain(env, None, &s.cloud.authority, t).await? };
        tenants.retain(|x| x.id.eq_ignore_ascii_case(&id) || x.domains.iter().any(|d| d.eq_ignore_ascii_case(t)));
    }
    tenants.sort_by(|x, y| x.display_name.clone().unwrap_or_default().to_lowercase().cmp(&y.display_name.clone().unwrap_or_default().to_lowercase()));
    Ok(json!(tenants))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct DisconnectArgs {
    context_name: Option<String>,
    username: Option<String>,
    application_id: Option<String>,
    tenant_id: Option<String>,
    scope: Option<String>,
}

/// Removes the account's contexts, tokens and stored secrets; returns the account (no secrets).
fn disconnect(env: &Env, a: DisconnectArgs) -> AzResult<Value> {
    let account_id = match (a.username.as_deref(), a.application_id.as_deref()) {
        (Some(u), _) => Some(u.to_string()),
        (_, Some(app)) => Some(app.to_string()),
        _ => None,
    };
    let removed = glue::remove_account_contexts(env, a.scope.as_deref(), a.context_name.as_deref(), account_id.as_deref(), a.tenant_id.as_deref())?;
    let Some(account_json) = removed else {
        return Ok(Value::Null);
    };
    let account = Account::from_az(&account_json)?;
    let tenants: Vec<String> = account_json.get("Tenants").and_then(Value::as_array).map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default();
    session::forget_account(env, &account, &tenants)?;
    Ok(account_json)
}

/// Get-AzContext -RefreshContextFromTokenCache: a context for every user account in the shared
/// token cache that has none yet (signed in by another process, or by Az.Accounts), built from a
/// silent token and discovery. The default context is left alone.
async fn refresh_contexts(env: &Env) -> AzResult<Value> {
    let accounts = crate::cache::TokenCacheStore::open(env, crate::cache::CAE_CACHE)?.accounts()?;
    let clouds: Vec<Cloud> = super::environment::all(env)?.into_iter().filter_map(|o| Cloud::from_obj(o).ok()).collect();
    let known = crate::store::list_contexts(env)?;
    let mut added = 0;
    for a in accounts {
        let has = known.iter().any(|(_, c)| c.get("Account").and_then(|x| x.get("Id")).and_then(Value::as_str).map(|i| i.eq_ignore_ascii_case(&a.username)).unwrap_or(false));
        let host = crate::cache::preferred_cache_environment(&a.environment);
        let Some(cloud) = clouds.iter().find(|c| crate::cache::preferred_cache_environment(&session::authority_env(&c.authority)) == host) else { continue };
        if has || a.username.is_empty() {
            continue;
        }
        let mut account = new_account(&a.username, Kind::User);
        account.home_account_id = Some(a.home_account_id.clone());
        let scope = cloud.arm_scope();
        let Ok(home) = session::acquire_silent(env, None, &cloud.authority, &account, &a.realm, &scope, None).await else { continue };
        let getter = token_getter(env, cloud, &account, &home, &scope);
        let d = discovery::discover(env, None, &cloud.arm_url, &home.access_token, None, getter).await?;
        let tenant_ids: Vec<String> = d.tenants.iter().map(|t| t.tenant.id.clone()).collect();
        let aj = account_json(&account, &tenant_ids, &d);
        let contexts: Vec<Value> = d.tenants.iter().flat_map(|t| {
            let mut v: Vec<Value> = t.subscriptions.iter().map(|s| context_json(&aj, cloud, &t.tenant, Some(s))).collect();
            if v.is_empty() {
                v.push(context_json(&aj, cloud, &t.tenant, None));
            }
            v
        }).collect();
        let puts: Vec<crate::store::Change> = contexts.iter().map(|c| crate::store::Change::Put { name: None, context: c.as_object().cloned().unwrap_or_default(), select: false }).collect();
        added += puts.len();
        crate::store::apply_all(env, None, &puts)?;
    }
    Ok(json!({"added": added}))
}
