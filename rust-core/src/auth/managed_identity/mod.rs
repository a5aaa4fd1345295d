//! Managed identity: pick the source from the environment PowerShell sees (App Service /
//! Functions, Azure Arc, Cloud Shell, else IMDS), ask it for a token for a resource, retrying
//! 404/410/429/5xx with exponential back-off as the IMDS guidance says.

pub mod app_service;
pub mod arc;
pub mod cloud_shell;
pub mod imds;

use super::net::{Log, Response};
use super::{token_from_response, Token};
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use std::time::Duration;

/// A user-assigned identity, as `-AccountId` gives it.
#[derive(Debug, Clone)]
pub enum Selector {
    System,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

impl Selector {
    /// A resource id starts with `/subscriptions/`; a GUID is taken as a client id (Az's
    /// meaning of -AccountId), `object:<guid>` names an object id explicitly.
    pub fn parse(account_id: Option<&str>) -> Selector {
        match account_id.map(str::trim).filter(|s| !s.is_empty()) {
            None => Selector::System,
            Some(s) if s.starts_with('/') => Selector::ResourceId(s.to_string()),
            Some(s) if s.to_ascii_lowercase().starts_with("object:") => Selector::ObjectId(s[7..].to_string()),
            Some(s) => Selector::ClientId(s.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    AppService,
    AzureArc,
    CloudShell,
    Imds,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::AppService => "App Service",
            Source::AzureArc => "Azure Arc",
            Source::CloudShell => "Cloud Shell",
            Source::Imds => "IMDS",
        }
    }
}

/// Detection order of Azure.Identity: IDENTITY_ENDPOINT+IDENTITY_HEADER, IDENTITY_ENDPOINT+
/// IMDS_ENDPOINT, MSI_ENDPOINT, then IMDS.
pub fn detect(env: &Env) -> Source {
    if env.get("IDENTITY_ENDPOINT").is_some() && env.get("IDENTITY_HEADER").is_some() {
        Source::AppService
    } else if env.get("IDENTITY_ENDPOINT").is_some() && env.get("IMDS_ENDPOINT").is_some() {
        Source::AzureArc
    } else if env.get("MSI_ENDPOINT").is_some() {
        Source::CloudShell
    } else {
        Source::Imds
    }
}

pub async fn acquire(env: &Env, log: Log<'_>, selector: &Selector, resource: &str) -> AzResult<(Token, Source)> {
    let source = detect(env);
    let r = match source {
        Source::AppService => with_retries(|| app_service::request(env, log, selector, resource)).await?,
        Source::AzureArc => arc::request(env, log, selector, resource).await?,
        Source::CloudShell => with_retries(|| cloud_shell::request(env, log, selector, resource)).await?,
        Source::Imds => with_retries(|| imds::request(env, log, selector, resource)).await?,
    };
    if r.status != 200 {
        let desc = r.body.get("error_description").and_then(|v| v.as_str())
            .or_else(|| r.body.pointer("/error/message").and_then(|v| v.as_str()))
            .or_else(|| r.body.get("message").and_then(|v| v.as_str()))
            .unwrap_or("");
        let msg = format!("The managed identity endpoint ({}) answered HTTP {}{}", source.name(), r.status, if desc.is_empty() { String::from(".") } else { format!(": {desc}") });
        let (code, remedy) = if r.status == 400 && matches!(selector, Selector::System) {
            ("ManagedIdentityUnavailable", "Assign a system-assigned identity to this resource, or pass -AccountId with a user-assigned identity's client id.")
        } else {
            ("ManagedIdentityFailed", "Check that the identity is assigned to this resource and that -AccountId names it.")
        };
        return Err(AzError::new(code, Category::AuthenticationError, msg).with_remedy(remedy));
    }
    Ok((token_from_response(&r.body, &format!("{resource}/.default"), "")?, source))
}

/// Retries 404, 410, 429 and 5xx and connection failures: 5 tries, back-off 0.5, 1, 2, 4 s
/// (Retry-After wins when given, capped at 10 s).
pub async fn with_retries<F, Fut>(mut attempt: F) -> AzResult<Response>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = AzResult<Response>>,
{
    let mut delay = Duration::from_millis(500);
    for i in 0..5 {
        let last = i == 4;
        match attempt().await {
            Ok(r) if !last && matches!(r.status, 404 | 410 | 429 | 500..=599) => {
                let wait = r.retry_after.map(|s| Duration::from_secs(s.min(10))).unwrap_or(delay);
                tokio::time::sleep(wait).await;
            }
            Err(e) if !last && e.category == Category::ConnectionError => tokio::time::sleep(delay).await,
            other => return other,
        }
        delay *= 2;
    }
    unreachable!("the last attempt returns")
}

pub(crate) fn with_selector(mut url: url::Url, selector: &Selector, resource_id_name: &str) -> url::Url {
    match selector {
        Selector::System => {}
        Selector::ClientId(v) => {
            url.query_pairs_mut().append_pair("client_id", v);
        }
        Selector::ObjectId(v) => {
            url.query_pairs_mut().append_pair("object_id", v);
        }
        Selector::ResourceId(v) => {
            url.query_pairs_mut().append_pair(resource_id_name, v);
        }
    }
    url
}

pub(crate) fn parse_url(s: &str) -> AzResult<url::Url> {
    url::Url::parse(s).map_err(|e| AzError::invalid_argument("ManagedIdentityEndpointInvalid", format!("The managed identity endpoint '{s}' is not a URL: {e}.")))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn detection_order() {
        let e = Env::from_pairs([("IDENTITY_ENDPOINT", "x"), ("IDENTITY_HEADER", "h"), ("MSI_ENDPOINT", "m")]);
        assert_eq!(detect(&e), Source::AppService);
        assert_eq!(detect(&Env::from_pairs([("IDENTITY_ENDPOINT", "x"), ("IMDS_ENDPOINT", "y")])), Source::AzureArc);
        assert_eq!(detect(&Env::from_pairs([("MSI_ENDPOINT", "m")])), Source::CloudShell);
        assert_eq!(detect(&Env::default()), Source::Imds);
        assert!(matches!(Selector::parse(Some("/subscriptions/x")), Selector::ResourceId(_)));
    }
}
