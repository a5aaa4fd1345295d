//! JWT minting and checking with ring (RS256 to sign; RS256/PS256 to verify client assertions).
//!
//! ring signs RSA-2048 several times faster than the pure-Rust `rsa` crate, and signing is what
//! bounds the emulator's token throughput.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use serde_json::{json, Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes base64url or standard base64, padded or not (clients differ: see protocol §11).
pub fn b64_any(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
    URL_SAFE_NO_PAD
        .decode(clean.as_bytes())
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.as_bytes()).ok())
}

pub fn b64std(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// The emulator's token-signing key. ring parses it (JWKS, verification); on Unix aws-lc-rs
/// signs, at about twice ring's RSA speed (signing bounds the token endpoint's throughput).
pub struct Signer {
    key: RsaKeyPair,
    #[cfg_attr(unix, allow(dead_code))]
    rng: SystemRandom,
    #[cfg(unix)]
    fast: aws_lc_rs::signature::RsaKeyPair,
    #[cfg(unix)]
    fast_rng: aws_lc_rs::rand::SystemRandom,
    pub kid: String,
    n: String,
    e: String,
}

impl Signer {
    pub fn from_pem(pem: &str) -> Result<Signer, String> {
        let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| format!("signing key: {e}"))?;
        let key = RsaKeyPair::from_pkcs8(der.secret_der()).map_err(|e| format!("signing key (PKCS#8 RSA expected): {e}"))?;
        let parts: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
        let (n, e) = (parts.n, parts.e);
        let kid = b64url(&ring::digest::digest(&ring::digest::SHA256, &n).as_ref()[..16]);
        #[cfg(unix)]
        let fast = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(der.secret_der()).map_err(|e| format!("signing key (aws-lc): {e}"))?;
        Ok(Signer {
            key,
            rng: SystemRandom::new(),
            #[cfg(unix)]
            fast,
            #[cfg(unix)]
            fast_rng: aws_lc_rs::rand::SystemRandom::new(),
            kid,
            n: b64url(&n),
            e: b64url(&e),
        })
    }

    /// RS256 JWT over `claims` with `kid` (and `x5t`, as Entra does) in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid});
        let mut input = b64url(header.to_string().as_bytes());
        input.push('.');
        input.push_str(&b64url(claims.to_string().as_bytes()));
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        #[cfg(unix)]
        self.fast
            .sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &self.fast_rng, input.as_bytes(), &mut sig)
            .expect("RSA signing cannot fail with a valid key");
        #[cfg(not(unix))]
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, input.as_bytes(), &mut sig)
            .expect("RSA signing cannot fail with a valid key");
        input.push('.');
        input.push_str(&b64url(&sig));
        input
    }

    /// Signs once, to be called on a background thread at start-up: aws-lc seeds its random
    /// generator (CPU-jitter entropy, ~40 ms of CPU) on first use, which the first token request
    /// would otherwise wait for, making every client's first sign-in look slower than Entra's.
    pub fn warm(&self) {
        let _ = self.sign(&json!({"warm": true}));
    }

    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": self.n, "e": self.e, "alg": "RS256"})
    }

    /// Verifies a token this emulator signed; returns its claims (expiry is the caller's check).
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, String> {
        let jwt = Jwt::parse(token)?;
        let public = signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, self.key.public().as_ref());
        public.verify(jwt.signed_part.as_bytes(), &jwt.signature).map_err(|_| "signature does not verify".to_string())?;
        Ok(jwt.claims)
    }
}

/// A decoded (not yet verified) compact JWS.
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub signed_part: String,
    pub signature: Vec<u8>,
}

impl Jwt {
    pub fn parse(token: &str) -> Result<Jwt, String> {
        let mut parts = token.trim().split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("not a compact JWT (three dot-separated parts expected)".into());
        };
        let header: Map<String, Value> = b64_any(h)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("JWT header is not base64url JSON")?;
        let claims: Map<String, Value> = b64_any(c)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("JWT payload is not base64url JSON")?;
        let signature = b64_any(s).ok_or("JWT signature is not base64url")?;
        Ok(Jwt { header, claims, signed_part: format!("{h}.{c}"), signature })
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A time claim as seconds: clients send ints, floats (MSAL Python) or numeric strings (MSAL.NET).
    pub fn claim_time(&self, name: &str) -> Option<f64> {
        match self.claims.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// `aud` may be a string or an array.
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            _ => vec![],
        }
    }
}

/// Verifies an RS256/PS256 signature with the public key of a DER certificate.
pub fn verify_with_certificate(cert_der: &[u8], alg: &str, message: &[u8], sig: &[u8]) -> Result<(), String> {
    let der = rustls_pki_types::CertificateDer::from(cert_der.to_vec());
    let cert = webpki::EndEntityCert::try_from(&der).map_err(|e| format!("certificate cannot be parsed: {e:?}"))?;
    let algorithm: &dyn rustls_pki_types::SignatureVerificationAlgorithm = match alg {
        "RS256" => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        "PS256" => webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        other => return Err(format!("unsupported assertion algorithm '{other}' (RS256 or PS256 expected)")),
    };
    cert.verify_signature(algorithm, message, sig).map_err(|_| "assertion signature does not verify with the certificate".to_string())
}

pub fn sha1(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec()
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data).as_ref().to_vec()
}

/// DER of the first certificate in a PEM text.
pub fn cert_der_from_pem(pem: &str) -> Option<Vec<u8>> {
    rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).ok().map(|c| c.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_round_trip() {
        let s = Signer::from_pem(crate::seed::DEFAULT_SIGNING_KEY).unwrap();
        let t = s.sign(&json!({"a": 1}));
        assert_eq!(s.verify(&t).unwrap()["a"], 1);
        let mut tampered = t.clone();
        tampered.replace_range(t.len() - 5.., "AAAAA");
        assert!(s.verify(&tampered).is_err());
    }

    #[test]
    fn time_claims_accept_numbers_floats_and_strings() {
        let j = Jwt {
            header: Map::new(),
            claims: serde_json::from_value(json!({"a": 5, "b": 5.5, "c": "6"})).unwrap(),
            signed_part: String::new(),
            signature: vec![],
        };
        assert_eq!(j.claim_time("a"), Some(5.0));
        assert_eq!(j.claim_time("b"), Some(5.5));
        assert_eq!(j.claim_time("c"), Some(6.0));
    }
}

#[cfg(test)]
mod speed {
    /// `cargo test --release -p azrs-emulator --lib sign_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn sign_speed() {
        let s = super::Signer::from_pem(crate::seed::DEFAULT_SIGNING_KEY).unwrap();
        let c = serde_json::json!({"a": 1});
        // CPU time of this process (Linux), so other load on the machine does not skew it.
        let cpu = || {
            let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
            let f: Vec<f64> = stat.rsplit(')').next().unwrap_or("").split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
            (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
        };
        let (t, c0) = (std::time::Instant::now(), cpu());
        for _ in 0..2000 {
            s.sign(&c);
        }
        eprintln!("RS256: {:.0} signatures/s wall, {:.0} per CPU-second", 2000.0 / t.elapsed().as_secs_f64(), 2000.0 / (cpu() - c0));
    }
}
