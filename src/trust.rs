//! Which certificate authorities TLS connections trust: the operating
//! system's store (Debian's `/etc/ssl/certs`, where IT adds the council's own
//! CA with `update-ca-certificates`; `SSL_CERT_FILE` and `SSL_CERT_DIR`
//! override it, as for other programs), never a list bundled in the binary.
//! lettre reads the same store itself; this hands it to ureq.

use std::sync::OnceLock;

use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The system's root certificates, read once.
fn system_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            tracing::warn!("no trusted certificate authority was found in the system's store: HTTPS will fail");
        }
        found.certs.iter().map(|der| Certificate::from_der(der.as_ref()).to_owned()).collect()
    })
}

/// ureq's TLS settings: the system's roots.
pub(crate) fn tls_config() -> TlsConfig {
    TlsConfig::builder().root_certs(RootCerts::new_with_certs(system_roots())).build()
}

/// What to say of a TLS failure whose text shows the server's certificate
/// was not trusted: how to trust its authority.
pub(crate) fn hint(error: &str) -> Option<&'static str> {
    let untrusted = ["UnknownIssuer", "unknown issuer", "invalid peer certificate", "certificate verify failed"];
    untrusted.iter().any(|t| error.contains(t)).then_some(
        "the server's certificate comes from an authority this machine does not trust: add that CA's certificate \
         to /usr/local/share/ca-certificates/ and run update-ca-certificates (or point SSL_CERT_FILE at it)",
    )
}
