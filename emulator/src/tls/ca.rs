//! The local certificate authority: created on first use in a directory (`ca.pem`, and
//! `ca-key.pem` readable by its owner only), loaded afterwards, and the leaf certificates it
//! signs for the names clients ask for.
use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// The CA certificate's file name in its directory: the file for `AWS_CA_BUNDLE`,
/// `NODE_EXTRA_CA_CERTS`, `REQUESTS_CA_BUNDLE` and `SSL_CERT_FILE`.
pub const CERT_FILE: &str = "ca.pem";
/// The CA key's file name (mode 0600).
pub const KEY_FILE: &str = "ca-key.pem";

/// How long the CA is valid from its creation.
const CA_DAYS: i64 = 3650;
/// How long a leaf certificate is valid from its issue (under the 398 days clients accept).
const LEAF_DAYS: i64 = 365;

/// Why the certificate authority could not be created, loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("certificate authority {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("certificate authority {path}: {reason} (move the directory's {CERT_FILE} and {KEY_FILE} aside to create a new one)")]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot issue a certificate for {name:?}: {reason}")]
    Issue { name: String, reason: String },
}

/// A certificate authority whose key is on this machine.
pub struct CertificateAuthority {
    cert_path: PathBuf,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Loads the CA in `dir`, creating the directory and a new CA if there is none yet.
    /// Safe against several processes doing this at once: the key is created exclusively, and
    /// whoever loses the race uses the winner's CA.
    pub fn load_or_create(dir: &Path) -> Result<Self, CaError> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        if !key_path.exists() {
            create_dir(dir)?;
            let key = KeyPair::generate().map_err(|e| invalid(&key_path, &e))?;
            match write_file(&key_path, key.serialize_pem().as_bytes(), 0o600, false) {
                Ok(()) => return Self::certify(cert_path, key),
                Err(CaError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
        }
        if !appears(&cert_path) {
            // A key without its certificate: its creator stopped in between.
            let key = KeyPair::from_pem(&read(&key_path)?).map_err(|e| invalid(&key_path, &e))?;
            return Self::certify(cert_path, key);
        }
        Self::load(cert_path, &key_path)
    }

    /// Self-signs the CA certificate for `key` and writes it.
    fn certify(cert_path: PathBuf, key: KeyPair) -> Result<Self, CaError> {
        let params = ca_params(&key);
        let cert = params
            .self_signed(&key)
            .map_err(|e| invalid(&cert_path, &e))?;
        write_file(&cert_path, cert.pem().as_bytes(), 0o644, true)?;
        Ok(CertificateAuthority {
            cert_path,
            cert_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        })
    }

    fn load(cert_path: PathBuf, key_path: &Path) -> Result<Self, CaError> {
        let key_pem = read(key_path)?;
        let key = KeyPair::from_pem(&key_pem).map_err(|e| invalid(key_path, &e))?;
        let cert_der = CertificateDer::from_pem_slice(read(&cert_path)?.as_bytes())
            .map_err(|e| invalid(&cert_path, &e))?;
        if !contains(&cert_der, key.public_key_raw()) {
            return Err(CaError::Invalid {
                path: cert_path,
                reason: format!("the certificate is not the one of the key in {KEY_FILE}"),
            });
        }
        let params = ca_params(&key);
        Ok(CertificateAuthority {
            cert_path,
            cert_der,
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate's file.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The CA certificate.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// A leaf certificate for `name` (a DNS name or an IP address) with `key`'s public key.
    pub fn issue(&self, name: &str, key: &KeyPair) -> Result<CertificateDer<'static>, CaError> {
        let fail = |reason: String| CaError::Issue {
            name: name.to_string(),
            reason,
        };
        let params = leaf_params(name).map_err(|e| fail(e.to_string()))?;
        let cert = params
            .signed_by(key, &self.issuer)
            .map_err(|e| fail(e.to_string()))?;
        Ok(cert.der().clone())
    }
}

/// The CA's parameters; its name carries a fingerprint of its key, so two machines' CAs never
/// share a name, and the same key always gives the same name (the issuer of loaded CAs).
fn ca_params(key: &KeyPair) -> CertificateParams {
    let fingerprint = hex::encode(&Sha256::digest(key.public_key_raw())[..4]);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "awsredirect");
    name.push(
        DnType::CommonName,
        format!("awsredirect local CA {fingerprint}"),
    );
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(CA_DAYS);
    params.serial_number = Some(random_serial());
    params
}

/// A server certificate for one name.
fn leaf_params(name: &str) -> Result<CertificateParams, rcgen::Error> {
    let san = match name.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) => SanType::DnsName(name.to_string().try_into()?),
    };
    let mut params = CertificateParams::default();
    params.subject_alt_names = vec![san];
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(LEAF_DAYS);
    params.serial_number = Some(random_serial());
    Ok(params)
}

/// 16 random bytes, positive.
fn random_serial() -> SerialNumber {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn invalid(path: &Path, err: &dyn std::fmt::Display) -> CaError {
    CaError::Invalid {
        path: path.to_path_buf(),
        reason: err.to_string(),
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read(path: &Path) -> Result<String, CaError> {
    fs::read_to_string(path).map_err(io_error(path))
}

/// Creates the directory (0700 where it is new, on Unix).
fn create_dir(dir: &Path) -> Result<(), CaError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// Whether `path` exists or appears within a moment (another process is creating the CA).
fn appears(path: &Path) -> bool {
    for _ in 0..40 {
        if path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    path.exists()
}

/// Writes a file whole (a temporary file renamed into place) with the given Unix mode; without
/// `replace`, fails with `AlreadyExists` if the file exists.
fn write_file(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), CaError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io_error(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io_error(path))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(bytes).map_err(io_error(path))?;
    file.as_file().sync_all().map_err(io_error(path))?;
    let persisted = if replace {
        file.persist(path)
    } else {
        file.persist_noclobber(path)
    };
    persisted.map_err(|e| io_error(path)(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_key_is_readable_by_its_owner_only_and_the_ca_is_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = CertificateAuthority::load_or_create(&dir.path().join("ca")).unwrap();
        let mode = fs::metadata(dir.path().join("ca").join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = CertificateAuthority::load_or_create(&dir.path().join("ca")).unwrap();
        assert_eq!(first.cert_der(), second.cert_der());
    }

    #[test]
    fn processes_creating_the_ca_at_once_agree_on_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca");
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || CertificateAuthority::load_or_create(&path).unwrap())
            })
            .collect();
        let cas: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let stored = CertificateAuthority::load_or_create(&path).unwrap();
        for ca in &cas {
            assert_eq!(
                ca.issuer.key().public_key_raw(),
                stored.issuer.key().public_key_raw()
            );
        }
    }

    #[test]
    fn a_key_without_its_certificate_is_certified_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = CertificateAuthority::load_or_create(dir.path()).unwrap();
        fs::remove_file(dir.path().join(CERT_FILE)).unwrap();
        let second = CertificateAuthority::load_or_create(dir.path()).unwrap();
        assert_eq!(
            first.issuer.key().public_key_raw(),
            second.issuer.key().public_key_raw()
        );
        assert!(dir.path().join(CERT_FILE).exists());
    }

    #[test]
    fn a_certificate_that_is_not_the_keys_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        CertificateAuthority::load_or_create(&a).unwrap();
        CertificateAuthority::load_or_create(&b).unwrap();
        fs::copy(b.join(CERT_FILE), a.join(CERT_FILE)).unwrap();
        let err = CertificateAuthority::load_or_create(&a).unwrap_err();
        assert!(err.to_string().contains("not the one of the key"), "{err}");
    }
}
