//! Random identifiers and tokens in each vendor's documented style: Attestr `AX…` ids and
//! `3801-575765-9695` numbers, opaque Atenea tokens, Gainsight PX `aptrinsicId` UUIDs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS source failing must not take a request down: fall back to std's per-process
        // random hasher keys mixed with a counter (good enough for sandbox ids).
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            let word = hasher.finish().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
    bytes
}

fn url_safe_text<const N: usize>() -> String {
    random_bytes::<N>()
        .iter()
        .map(|byte| char::from(URL_SAFE[usize::from(byte & 63)]))
        .collect()
}

/// An Attestr profile id: 18 URL-safe characters starting `AX`, like `AX1LgghsxZsJZUwYvN`.
pub(crate) fn attestr_profile_id() -> String {
    format!("AX{}", url_safe_text::<16>())
}

/// An Attestr profile number, like `3801-575765-9695`.
pub(crate) fn attestr_profile_number() -> String {
    let digits: String = random_bytes::<14>()
        .iter()
        .map(|byte| char::from(b'0' + byte % 10))
        .collect();
    format!("{}-{}-{}", &digits[..4], &digits[4..10], &digits[10..])
}

/// An opaque Atenea access token (40 URL-safe characters, 240 random bits).
pub(crate) fn atenea_token() -> String {
    url_safe_text::<40>()
}

/// A random (version 4) UUID in lowercase text form. The `uuid` crate sets the version and variant
/// bits and writes the text; the random bytes come from [`random_bytes`] rather than
/// `Uuid::new_v4`, which panics when the OS random source fails.
pub(crate) fn uuid_v4() -> String {
    uuid::Builder::from_random_bytes(random_bytes::<16>())
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes() {
        let id = attestr_profile_id();
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("AX"));
        let number = attestr_profile_number();
        assert_eq!(number.len(), "3801-575765-9695".len());
        assert_eq!(number.matches('-').count(), 2);
        let aptrinsic_id = uuid_v4();
        let parsed = uuid::Uuid::parse_str(&aptrinsic_id).unwrap();
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(aptrinsic_id, aptrinsic_id.to_lowercase());
        assert_ne!(uuid_v4(), aptrinsic_id);
        assert_ne!(atenea_token(), atenea_token());
    }
}
