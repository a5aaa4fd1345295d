//! Refresh-token grant: silent acquisition for user accounts, per tenant (Entra refresh tokens
//! work across tenants and resources). Interaction-required answers become Az's actionable error.

use super::{net::Log, request_token, Authority, Token, CP1_CLAIMS, OIDC_SCOPES, POWERSHELL_CLIENT_ID};
use crate::error::AzResult;
use crate::Env;

pub async fn acquire(env: &Env, log: Log<'_>, authority: &Authority, refresh_token: &str, scope: &str) -> AzResult<Token> {
    let scopes = format!("{scope} {OIDC_SCOPES}");
    let form = [
        ("client_id", POWERSHELL_CLIENT_ID),
        ("grant_type", "refresh_token"),
        ("client_info", "1"),
        ("refresh_token", refresh_token),
        ("scope", scopes.as_str()),
        ("claims", CP1_CLAIMS),
    ];
    request_token(env, log, authority, &form, scope, true).await
}
