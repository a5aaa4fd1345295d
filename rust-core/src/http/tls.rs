//! TLS settings for every HTTP client: the built-in roots (Mozilla's, as `webpki-roots`, and the
//! OS store, as `rustls-native-certs` finds it) plus the extra CA certificates of the request env
//! (`SSL_CERT_FILE`, `SSL_CERT_DIR`).
//!
//! Reading and parsing the OS store costs several milliseconds (a few hundred PEM certificates),
//! and reqwest did it again for every client it built. The built-in part is loaded once per
//! process here ([`warm`] does it on a background thread when the engine is first used); each
//! client then gets a copy with its extra roots, in a `rustls::ClientConfig` set up like reqwest's
//! own: the ring provider (or a process default), TLS 1.2 and 1.3, full WebPKI verification of
//! the server's chain and name, SNI, ALPN `http/1.1`.

use once_cell::sync::Lazy;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use std::sync::Arc;

/// Mozilla's roots and the OS store, once per process.
static BUILT_IN: Lazy<RootCertStore> = Lazy::new(|| {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // Like reqwest: OS stores often hold a few certificates rustls cannot parse; skip those.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    roots
});

/// Loads the built-in roots now (from the engine's warm-up thread): no network, files only.
pub fn warm() {
    Lazy::force(&BUILT_IN);
    let _ = provider();
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default().cloned().unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The certificates of a PEM bundle; `Err` when a block cannot be decoded.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| format!("{e:?}"))
}

/// A client configuration trusting the built-in roots and `extra`. `Err` names why an extra
/// certificate cannot be a trust anchor.
pub fn client_config(extra: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig, String> {
    let mut roots = BUILT_IN.clone();
    for cert in extra {
        roots.add(cert.clone()).map_err(|e| e.to_string())?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roots_are_loaded_once_and_extra_roots_added() {
        let base = BUILT_IN.len();
        assert!(base >= webpki_roots::TLS_SERVER_ROOTS.len());
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap().cert;
        let pem = cert.pem();
        let extra = pem_certificates(pem.as_bytes()).unwrap();
        assert_eq!(extra.len(), 1);
        let config = client_config(&extra).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        assert!(config.enable_sni);
        assert_eq!(BUILT_IN.len(), base, "the shared store is copied, never changed");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(pem_certificates(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err());
        assert_eq!(pem_certificates(b"no pem here").unwrap().len(), 0);
    }
}
