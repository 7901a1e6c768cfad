//! Atenea bearer tokens: fetched with client credentials (a JSON body, not the form RFC 6749
//! expects), cached until `created_at + expires_in` minus a margin, fetched by one caller at a
//! time while the others wait for it and take its answer (a failure too), and refreshed once
//! when the Index answers 401.
//!
//! The token request is a POST, but repeating it is harmless (it only issues another token), so
//! it is retried like an idempotent call: on connection errors, 5xx and 429 (honouring
//! `Retry-After`). It runs detached from the Index call that needs the token, so its retries and
//! lost responses are not that call's (a lost token response must not turn a delete's 404 into
//! "deleted or already absent").

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tokio::sync::Mutex;
use vendor_runtime::__private::{Authenticator, BoxFuture, detached};
use vendor_runtime::{AuthError, CallOptions, Secret};

use crate::{Client, Error, types};

/// Tokens are renewed this long before Atenea says they expire, so that a token never expires
/// in flight.
pub const DEFAULT_EXPIRY_MARGIN: Duration = Duration::from_secs(60);

struct CachedToken {
    header: HeaderValue,
    expires_at: SystemTime,
}

#[derive(Default)]
struct Cache {
    token: Option<CachedToken>,
    /// How the last fetch failed; cleared by a success.
    failure: Option<AuthError>,
}

/// The token provider behind every authenticated Index call: fetches, caches, renews Atenea tokens.
pub struct AteneaTokens {
    atenea: Client,
    client_id: String,
    client_secret: Secret,
    margin: Duration,
    // A tokio mutex held across the token request: that is what makes the fetch single-flight.
    cache: Mutex<Cache>,
    /// Fetches ended (changed under the cache's lock, read before waiting for it): a caller that
    /// waited while a fetch ended gets that fetch's answer, its failure as well as its token,
    /// rather than fetching again (every waiter in turn, each with its retries and timeouts).
    ended: AtomicU64,
}

impl fmt::Debug for AteneaTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AteneaTokens")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl AteneaTokens {
    /// `atenea` is a client on Atenea's base URL (its token call needs no credentials).
    pub fn new(atenea: Client, client_id: String, client_secret: Secret, margin: Duration) -> Self {
        AteneaTokens {
            atenea,
            client_id,
            client_secret,
            margin,
            cache: Mutex::new(Cache::default()),
            ended: AtomicU64::new(0),
        }
    }

    fn is_fresh(&self, token: &CachedToken) -> bool {
        // A margin past what the clock holds leaves no token fresh.
        SystemTime::now()
            .checked_add(self.margin)
            .is_some_and(|renew_at| renew_at < token.expires_at)
    }

    async fn fetch(&self) -> Result<CachedToken, AuthError> {
        let request = types::AccessTokenRequest {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.expose().to_string(),
            grant_type: types::AccessTokenRequestGrantType::ClientCredentials,
        };
        let repeatable = CallOptions {
            retry_non_idempotent: Some(true),
            ..CallOptions::default()
        };
        let send = self.atenea.create_access_token().body(request).call();
        let token = detached(repeatable, send)
            .await
            .map_err(|error: Error| AuthError(format!("the Atenea token request failed: {error}")))?
            .into_inner();
        let expires_at = u64::try_from(token.created_at)
            .ok()
            .zip(u64::try_from(token.expires_in).ok())
            .and_then(|(created, lifetime)| created.checked_add(lifetime))
            // Checked: a sum past what the clock holds would panic in `SystemTime`'s `+`.
            .and_then(|expiry| UNIX_EPOCH.checked_add(Duration::from_secs(expiry)))
            .ok_or_else(|| {
                AuthError(format!(
                    "Atenea returned an unusable expiry (created_at {}, expires_in {})",
                    token.created_at, token.expires_in
                ))
            })?;
        // `token_type` is "Bearer" in every sample; Index calls send `Authorization: Bearer <token>`.
        let mut header =
            HeaderValue::from_str(&format!("Bearer {}", token.access_token)).map_err(|_| {
                AuthError("Atenea returned a token that cannot be sent in a header".to_string())
            })?;
        header.set_sensitive(true);
        Ok(CachedToken { header, expires_at })
    }
}

impl Authenticator for AteneaTokens {
    /// Sends the cached token while it is fresh, else a new one.
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            let arrived = self.ended.load(Ordering::Acquire);
            let mut cache = self.cache.lock().await;
            let header = match cache.token.as_ref().filter(|token| self.is_fresh(token)) {
                Some(token) => token.header.clone(),
                None => {
                    let waited_for = self.ended.load(Ordering::Acquire) != arrived;
                    if let Some(failure) = cache.failure.clone().filter(|_| waited_for) {
                        return Err(failure);
                    }
                    let fetched = self.fetch().await;
                    self.ended.fetch_add(1, Ordering::Release);
                    cache.failure = fetched.as_ref().err().cloned();
                    cache.token.insert(fetched?).header.clone()
                }
            };
            request.headers_mut().insert(AUTHORIZATION, header);
            Ok(())
        })
    }

    /// Forgets the token the Index rejected, unless another caller already replaced it, and makes
    /// sure a fresh one is cached. Returns whether one is.
    fn refresh<'a>(&'a self, rejected: Option<&'a HeaderValue>) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            let replaced = cache
                .token
                .as_ref()
                .zip(rejected)
                .is_some_and(|(token, rejected)| token.header != rejected);
            if !replaced {
                match self.fetch().await {
                    Ok(token) => cache.token = Some(token),
                    Err(err) => {
                        tracing::warn!(error = %err, "token refresh after 401 failed");
                        cache.token = None;
                        return false;
                    }
                }
            }
            true
        })
    }
}
