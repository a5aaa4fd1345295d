//! `-AccessToken -AccountId`: no Entra call; the given token is used as is until it expires.

use super::{jwt_claims, now, Token};

pub fn from_given(access_token: &str, account_id: &str, tenant: Option<&str>, scope: &str) -> Token {
    let claims = jwt_claims(access_token).unwrap_or(serde_json::Value::Null);
    let expires_on = claims.get("exp").and_then(|v| v.as_i64()).unwrap_or(now() + 3600);
    let tid = claims.get("tid").and_then(|v| v.as_str()).map(str::to_string);
    Token {
        access_token: access_token.to_string(),
        expires_on,
        scope: scope.to_string(),
        tenant_id: tenant.map(str::to_string).or(tid).unwrap_or_default(),
        user_id: account_id.to_string(),
        ..Default::default()
    }
}
