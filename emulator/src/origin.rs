//! The origin a client used to reach us (`https://127.0.0.1:PORT` or `http://localhost:PORT`):
//! URLs we hand out (metadata endpoints, nextLink, redirects) echo it, as Entra and ARM echo
//! their own host.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

/// Set per connection by the listener: true when the connection is TLS.
#[derive(Clone, Copy)]
pub struct IsTls(pub bool);

pub struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let tls = parts.extensions.get::<IsTls>().map(|t| t.0).unwrap_or(true);
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_string();
        Ok(Origin(format!("{}://{}", if tls { "https" } else { "http" }, host)))
    }
}
