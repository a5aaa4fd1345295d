//! Service principal with a client secret: the client-credentials grant.

use super::{net::Log, request_token, Authority, Token, CP1_CLAIMS};
use crate::error::AzResult;
use crate::Env;

pub async fn acquire(env: &Env, log: Log<'_>, authority: &Authority, client_id: &str, secret: &str, scope: &str) -> AzResult<Token> {
    let form = [
        ("client_id", client_id),
        ("grant_type", "client_credentials"),
        ("client_info", "1"),
        ("client_secret", secret),
        ("scope", scope),
        ("claims", CP1_CLAIMS),
    ];
    request_token(env, log, authority, &form, scope, false).await
}
