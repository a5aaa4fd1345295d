//! Device code: show Entra's message, then poll the token endpoint every `interval` seconds
//! (+5 s on `slow_down`) until the user finishes, declines, or the code expires. Cancellation
//! (Ctrl+C) drops the future at its sleep, so it stops within one poll of the wrapper.

use super::{net::{self, Log}, token_error, token_from_response, Authority, Token, OIDC_SCOPES, POWERSHELL_CLIENT_ID};
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use serde_json::Value;
use std::time::Duration;

pub async fn acquire(env: &Env, log: Log<'_>, authority: &Authority, scope: &str, claims: &str, show: &(dyn Fn(String) + Send + Sync)) -> AzResult<Token> {
    let scopes = format!("{scope} {OIDC_SCOPES}");
    let form = [("client_id", POWERSHELL_CLIENT_ID), ("scope", scopes.as_str()), ("claims", claims)];
    let r = net::post_form(env, log, &authority.device_code_url(), &form).await?;
    // Entra may report /devicecode errors with HTTP 200.
    if r.status != 200 || r.body.get("error").is_some() {
        return Err(token_error(r.status, &r.body, &authority.tenant, false));
    }
    let field = |n: &str| r.body.get(n).and_then(Value::as_str).map(str::to_string);
    let device_code = field("device_code").ok_or_else(|| AzError::new("InvalidDeviceCodeResponse", Category::InvalidResult, "The device code response has no device_code."))?;
    let message = field("message").unwrap_or_else(|| {
        format!(
            "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
            field("verification_uri").or_else(|| field("verification_url")).unwrap_or_default(),
            field("user_code").unwrap_or_default()
        )
    });
    show(message);
    let num = |n: &str, d: u64| r.body.get(n).and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).unwrap_or(d);
    let mut interval = num("interval", 5).max(1);
    let deadline = std::time::Instant::now() + Duration::from_secs(num("expires_in", 900));
    let poll_form = [
        ("client_id", POWERSHELL_CLIENT_ID),
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_info", "1"),
        ("device_code", device_code.as_str()),
        ("claims", claims),
    ];
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if std::time::Instant::now() > deadline {
            return Err(AzError::new("DeviceCodeExpired", Category::OperationTimeout, "The device code expired before the sign-in was completed.")
                .with_remedy("Run Connect-AzAccount -UseDeviceAuthentication again and complete the sign-in sooner."));
        }
        let p = net::post_form(env, log, &authority.token_url(), &poll_form).await?;
        if p.status == 200 {
            return token_from_response(&p.body, scope, &authority.tenant);
        }
        match p.body.get("error").and_then(Value::as_str).unwrap_or("") {
            "authorization_pending" => {}
            "slow_down" => interval += 5,
            "expired_token" => {
                return Err(AzError::new("DeviceCodeExpired", Category::OperationTimeout, "The device code expired before the sign-in was completed."))
            }
            "authorization_declined" => {
                return Err(AzError::new("DeviceCodeDeclined", Category::AuthenticationError, "The sign-in was declined on the device code page."))
            }
            _ => return Err(token_error(p.status, &p.body, &authority.tenant, false)),
        }
    }
}
