//! Username and password (ROPC) for a user, with the first-party client. Accounts that need MFA
//! get "interactive authentication is needed" from `token_error`.

use super::{net::Log, request_token, Authority, Token, CP1_CLAIMS, OIDC_SCOPES, POWERSHELL_CLIENT_ID};
use crate::error::AzResult;
use crate::Env;

/// Az's warning, printed before the request.
pub const WARNING: &str = "Authentication with a username and password at the command line is strongly discouraged. Use one of the recommended authentication methods based on your requirements. For additional information, visit https://go.microsoft.com/fwlink/?linkid=2276971.";

pub async fn acquire(env: &Env, log: Log<'_>, authority: &Authority, username: &str, password: &str, scope: &str) -> AzResult<Token> {
    let scopes = format!("{scope} {OIDC_SCOPES}");
    let form = [
        ("client_id", POWERSHELL_CLIENT_ID),
        ("grant_type", "password"),
        ("client_info", "1"),
        ("username", username),
        ("password", password),
        ("scope", scopes.as_str()),
        ("claims", CP1_CLAIMS),
    ];
    request_token(env, log, authority, &form, scope, false).await
}
