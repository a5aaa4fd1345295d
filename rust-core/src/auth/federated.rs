//! Service principal with a federated token (workload identity): the token from another issuer
//! is the client assertion. With AZURE_FEDERATED_TOKEN_FILE set, the file is re-read on every
//! acquisition, because the platform rotates it.

use super::{net::Log, request_token, Authority, Token, CP1_CLAIMS};
use crate::error::{AzError, AzResult, Category};
use crate::Env;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub async fn acquire_with_assertion(env: &Env, log: Log<'_>, authority: &Authority, client_id: &str, assertion: &str, scope: &str) -> AzResult<Token> {
    let form = [
        ("client_id", client_id),
        ("grant_type", "client_credentials"),
        ("client_info", "1"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
        ("scope", scope),
        ("claims", CP1_CLAIMS),
    ];
    request_token(env, log, authority, &form, scope, false).await
}

/// The assertion to use: the token file when the environment names one, else the given token.
pub fn current_assertion(env: &Env, given: Option<&str>) -> AzResult<String> {
    if let Some(path) = env.get("AZURE_FEDERATED_TOKEN_FILE") {
        return std::fs::read_to_string(path).map(|s| s.trim().to_string()).map_err(|e| {
            AzError::new("FederatedTokenFileUnreadable", Category::ReadError, format!("AZURE_FEDERATED_TOKEN_FILE '{path}' cannot be read: {e}."))
                .with_target(path)
        });
    }
    given.map(str::to_string).ok_or_else(|| {
        AzError::invalid_argument("FederatedTokenMissing", "No federated token: pass -FederatedToken or set AZURE_FEDERATED_TOKEN_FILE.")
    })
}
