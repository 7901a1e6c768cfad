//! Salted hashes of vendor ids for receipts: HMAC-SHA256 keyed with the journal's random salt, so
//! a receipt can be shared without the ids, and whoever holds the journal can still match them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::chain::hex;
use crate::vendor::Vendor;

/// Hex digits of the hash a receipt shows (128 bits).
const SHOWN_HEX_DIGITS: usize = 32;

/// Hashes vendor ids with one journal's salt.
#[derive(Clone)]
pub struct IdHasher {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdHasher([salt redacted])")
    }
}

impl IdHasher {
    /// A hasher keyed with `salt`.
    pub fn new(salt: &[u8]) -> Self {
        IdHasher {
            mac: Hmac::<Sha256>::new_from_slice(salt).expect("HMAC accepts keys of any length"),
        }
    }

    /// `hmac-sha256:<hex>` of the vendor's key and the id; the vendor is part of the input, so the
    /// same string at two vendors hashes differently.
    pub fn hash(&self, vendor: Vendor, id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(vendor.slug().as_bytes());
        mac.update(b"\0");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("hmac-sha256:{}", hex(&digest[..SHOWN_HEX_DIGITS / 2]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_depend_on_salt_vendor_and_id_only() {
        let one = IdHasher::new(b"salt-one");
        let two = IdHasher::new(b"salt-two");
        let id = "jdoe@example.test";
        assert_eq!(
            one.hash(Vendor::GainsightPx, id),
            one.hash(Vendor::GainsightPx, id)
        );
        assert_ne!(
            one.hash(Vendor::GainsightPx, id),
            two.hash(Vendor::GainsightPx, id)
        );
        assert_ne!(
            one.hash(Vendor::GainsightPx, id),
            one.hash(Vendor::Attestr, id)
        );
        let hash = one.hash(Vendor::GainsightPx, id);
        assert_eq!(hash.len(), "hmac-sha256:".len() + SHOWN_HEX_DIGITS);
        assert!(!hash.contains("jdoe"));
    }

    #[test]
    fn the_primitive_is_standard_hmac_sha256() {
        // RFC 4231, test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let digest = mac.finalize().into_bytes();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
