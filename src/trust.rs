//! Which certificate authorities TLS connections trust: the operating
//! system's store (Debian's `/etc/ssl/certs`, where IT adds the council's own
//! CA with `update-ca-certificates`; `SSL_CERT_FILE` and `SSL_CERT_DIR`
//! override it, as for other programs), never a list bundled in the binary.
//! lettre reads the same store itself; this hands it to ureq.

use std::sync::{Arc, Mutex, OnceLock};

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

/// The authority (its CN, else its whole name) that signed the certificate
/// `host:port` presents: over implicit TLS, or after the SMTP greeting and
/// STARTTLS. For `doctor`, when that certificate was not trusted.
pub(crate) fn presented_issuer(host: &str, port: u16, starttls: bool) -> Option<String> {
    use std::io::{BufRead, Write};
    let address = std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).ok()?.next()?;
    let mut socket = std::net::TcpStream::connect_timeout(&address, PROBE_TIMEOUT).ok()?;
    socket.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    socket.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    if starttls {
        let mut reader = std::io::BufReader::new(socket.try_clone().ok()?);
        let answer = |reader: &mut std::io::BufReader<std::net::TcpStream>| -> Option<String> {
            // A reply's last line has a space after its code.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).ok()? == 0 {
                    return None;
                }
                if line.as_bytes().get(3) != Some(&b'-') {
                    return Some(line);
                }
            }
        };
        answer(&mut reader)?;
        socket.write_all(b"EHLO nightshift\r\n").ok()?;
        answer(&mut reader)?;
        socket.write_all(b"STARTTLS\r\n").ok()?;
        answer(&mut reader).filter(|l| l.starts_with("220"))?;
    }
    let recorder = Arc::new(Recorder::default());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).ok()?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    while connection.is_handshaking() {
        if connection.complete_io(&mut socket).is_err() {
            break;
        }
    }
    let der = recorder.seen.lock().ok()?.clone()?;
    issuer_of(&der)
}

/// How long `presented_issuer` waits for the server at each turn.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A verifier that trusts nothing in particular: it keeps the certificate
/// the server presents (the connection is only looked at, never used).
#[derive(Debug, Default)]
struct Recorder {
    seen: Mutex<Option<Vec<u8>>>,
}

impl rustls::client::danger::ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.verify_tls12_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider().signature_verification_algorithms.supported_schemes()
    }
}

/// One DER element at the start of `der`: (tag, contents, the rest).
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The issuer of an X.509 certificate: its common name, else every
/// attribute's text joined.
fn issuer_of(certificate: &[u8]) -> Option<String> {
    let (_, cert, _) = element(certificate)?;
    let (_, tbs, _) = element(cert)?;
    let mut rest = tbs;
    // An explicit version ([0]) comes first when present.
    if rest.first() == Some(&0xA0) {
        rest = element(rest)?.2;
    }
    rest = element(rest)?.2; // serial number
    rest = element(rest)?.2; // signature algorithm
    let (_, mut name, _) = element(rest)?;
    let mut parts = Vec::new();
    let mut common_name = None;
    while let Some((_, set, after)) = element(name) {
        let (_, attribute, _) = element(set)?;
        let (_, oid, value) = element(attribute)?;
        let (_, text, _) = element(value)?;
        let text = String::from_utf8_lossy(text).into_owned();
        if oid == [0x55, 0x04, 0x03] {
            common_name = Some(text.clone());
        }
        parts.push(text);
        name = after;
    }
    common_name.or_else(|| (!parts.is_empty()).then(|| parts.join(", ")))
}
