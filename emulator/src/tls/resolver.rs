//! Certificates on demand: a rustls `ResolvesServerCert` that answers each handshake with a leaf
//! certificate for the SNI name asked for, signed by the local CA and cached.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::KeyPair;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};

use super::ca::{CaError, CertificateAuthority};

/// The name certified for clients that send no SNI (they connected by IP address).
const NO_SNI_NAME: &str = "127.0.0.1";
/// At most this many names are cached; past it the cache starts over (names are cheap to
/// certify again, and a client naming endless hosts must not grow memory).
const CACHE_LIMIT: usize = 4096;

/// Issues and caches one leaf certificate per name; every leaf shares one key.
pub struct SniResolver {
    ca: CertificateAuthority,
    leaf_key: KeyPair,
    signing_key: Arc<dyn SigningKey>,
    cache: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for SniResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SniResolver")
            .field("ca", &self.ca)
            .finish_non_exhaustive()
    }
}

impl SniResolver {
    pub fn new(ca: CertificateAuthority) -> Result<Self, CaError> {
        let fail = |reason: String| CaError::Issue {
            name: "the leaf key".to_string(),
            reason,
        };
        let leaf_key = KeyPair::generate().map_err(|e| fail(e.to_string()))?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let signing_key =
            rustls::crypto::ring::sign::any_ecdsa_type(&der).map_err(|e| fail(e.to_string()))?;
        Ok(SniResolver {
            ca,
            leaf_key,
            signing_key,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The certificate for `name`, issued now or taken from the cache.
    pub fn certified(&self, name: &str) -> Result<Arc<CertifiedKey>, CaError> {
        let name = name.to_ascii_lowercase();
        if let Some(found) = self.lock().get(&name) {
            return Ok(found.clone());
        }
        let leaf = self.ca.issue(&name, &self.leaf_key)?;
        let certified = Arc::new(CertifiedKey::new(vec![leaf], self.signing_key.clone()));
        let mut cache = self.lock();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(name, certified.clone());
        Ok(certified)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<CertifiedKey>>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.certified(hello.server_name().unwrap_or(NO_SNI_NAME))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_one_certificate_per_name() {
        let dir = tempfile::tempdir().unwrap();
        let resolver =
            SniResolver::new(CertificateAuthority::load_or_create(dir.path()).unwrap()).unwrap();
        let a = resolver.certified("s3.amazonaws.com").unwrap();
        let again = resolver.certified("S3.amazonaws.com").unwrap();
        let other = resolver.certified("sqs.eu-west-1.amazonaws.com").unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &other));
        assert!(resolver.certified("127.0.0.1").is_ok());
    }
}
