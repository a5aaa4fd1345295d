//! Service principal with a certificate: a JWT client assertion signed with the certificate's
//! key. RS256 (PKCS#1 v1.5), which every key can do, including .NET CAPI keys that cannot do PSS;
//! the header names the certificate by `x5t#S256` (and `x5t` for older validators), plus `x5c`
//! with -SendCertificateChain.
//!
//! PEM files are read and signed here. Certificates from the .NET store or a PFX are signed by
//! PowerShell (the `sign` prompt), so non-exportable keys work; the engine only builds the
//! signing input and puts the signature in place.

use super::{b64url, now, federated, net::Log, Authority, Token};
use crate::error::{AzError, AzResult, Category};
use crate::Env;
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The public side of the certificate: leaf first, then the rest of the chain (DER).
pub struct CertChain(pub Vec<Vec<u8>>);

impl CertChain {
    pub fn leaf(&self) -> &[u8] {
        &self.0[0]
    }
    pub fn thumbprint_sha1_hex(&self) -> String {
        // SHA-1 only as an identifier (what Az shows as CertificateThumbprint).
        sha1_hex(self.leaf())
    }
}

/// `header.claims` (base64url) for the token endpoint `aud`.
pub fn signing_input(chain: &CertChain, client_id: &str, audience: &str, send_chain: bool) -> String {
    let leaf = chain.leaf();
    let mut header = json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5t#S256": b64url(&Sha256::digest(leaf)),
        "x5t": b64url(&hex_decode(&sha1_hex(leaf))),
    });
    if send_chain {
        let std = base64::engine::general_purpose::STANDARD;
        header["x5c"] = json!(chain.0.iter().map(|c| std.encode(c)).collect::<Vec<_>>());
    }
    let n = now();
    let claims = json!({
        "aud": audience, "iss": client_id, "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(), "nbf": n, "iat": n, "exp": n + 600,
    });
    format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()))
}

pub fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64url(signature))
}

/// A certificate and key read from a PEM file (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
pub struct PemCertificate {
    pub chain: CertChain,
    key: RsaKeyPair,
}

impl PemCertificate {
    pub fn load(path: &str) -> AzResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AzError::new("CertificateUnreadable", Category::ReadError, format!("The certificate file '{path}' cannot be read: {e}.")).with_target(path)
        })?;
        let bad = |why: &str| {
            AzError::new("CertificateInvalid", Category::InvalidData, format!("The certificate file '{path}' {why}.")).with_target(path)
        };
        let mut certs = Vec::new();
        let mut key = None;
        for (label, der) in pem_blocks(&text) {
            match label.as_str() {
                "CERTIFICATE" => certs.push(der),
                "PRIVATE KEY" => key = Some(RsaKeyPair::from_pkcs8(&der).map_err(|_| bad("has a private key that is not an RSA key"))?),
                "RSA PRIVATE KEY" => key = Some(RsaKeyPair::from_der(&der).map_err(|_| bad("has an RSA key that cannot be read"))?),
                "ENCRYPTED PRIVATE KEY" => return Err(bad("has an encrypted private key; use a PFX with -CertificatePassword")),
                _ => {}
            }
        }
        if certs.is_empty() {
            return Err(bad("has no CERTIFICATE block"));
        }
        let key = key.ok_or_else(|| bad("has no private key"))?;
        Ok(PemCertificate { chain: CertChain(certs), key })
    }

    pub fn sign(&self, input: &str) -> AzResult<Vec<u8>> {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut sig)
            .map_err(|_| AzError::internal("RSA signing failed"))?;
        Ok(sig)
    }
}

/// True when the file looks like PEM (else it is treated as PKCS#12 and given to .NET).
pub fn is_pem(path: &str) -> bool {
    std::fs::read(path).map(|b| b.windows(11).take(4096).any(|w| w == b"-----BEGIN ")).unwrap_or(false)
}

fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    let mut body = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(l) = line.strip_prefix("-----BEGIN ").and_then(|s| s.strip_suffix("-----")) {
            label = Some(l.to_string());
            body.clear();
        } else if line.starts_with("-----END ") {
            if let Some(l) = label.take() {
                if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
                    out.push((l, der));
                }
            }
        } else if label.is_some() {
            body.push_str(line);
        }
    }
    out
}

pub async fn acquire(env: &Env, log: Log<'_>, authority: &Authority, client_id: &str, assertion: &str, scope: &str) -> AzResult<Token> {
    federated::acquire_with_assertion(env, log, authority, client_id, assertion, scope).await
}

// SHA-1 only names the certificate (x5t, CertificateThumbprint); it signs nothing.
fn sha1_hex(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data);
    d.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

fn hex_decode(h: &str) -> Vec<u8> {
    (0..h.len()).step_by(2).filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pem_blocks_parse() {
        let t = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        let b = pem_blocks(t);
        assert_eq!(b[0].0, "CERTIFICATE");
        assert_eq!(b[0].1, vec![0, 1, 2]);
    }
}
