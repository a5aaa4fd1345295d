//! TLS: a fresh self-signed CA per run (ECDSA P-256: generated in microseconds, unlike RSA) and a
//! server certificate for `localhost` / `127.0.0.1` signed by it. The CA PEM is written to the
//! state dir for clients to trust (REQUESTS_CA_BUNDLE, SSL_CERT_FILE, reqwest root).
//!
//! One port serves both HTTPS and plain HTTP: the listener peeks the first byte of a connection
//! (0x16 = TLS handshake record) and only then decides. Managed-identity clients use http://.

use axum::Router;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::origin::IsTls;

pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub ca_pem: String,
}

pub fn generate() -> Result<Tls, String> {
    let err = |e: rcgen::Error| format!("certificate generation: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "AzRs Emulator Test CA");
    dn.push(DnType::OrganizationName, "AzRs emulator (throwaway, 127.0.0.1 only)");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    leaf.distinguished_name = dn;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).map_err(err)?;

    let chain = vec![CertificateDer::from(leaf_cert.der().to_vec()), CertificateDer::from(ca_cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("tls: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem: ca_cert.pem() })
}

/// Accepts connections forever, serving `app` over TLS or plain HTTP/1.1 (keep-alive).
pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor, app: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let mut first = [0u8; 1];
            let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16);
            if is_tls {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve_connection(TokioIo::new(tls), app, true).await;
                }
            } else {
                serve_connection(TokioIo::new(stream), app, false).await;
            }
        });
    }
}

async fn serve_connection<I>(io: I, app: Router, tls: bool)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(IsTls(tls));
        app.clone().oneshot(req)
    });
    let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, svc).await;
}
