//! [`Error`]: one error type for every call of every vendor, generic over the vendor's own error
//! body (smithy-rs's `SdkError<E, R>` idea). The transport, timeout, status and body cases live
//! here once; a vendor crate supplies only its body type, through [`ServiceError`], and names the
//! result (`pub type Error = vendor_runtime::Error<ApiError>;`).

use std::fmt;
use std::time::{Duration, SystemTime};

use progenitor_client::{ByteStream, Error as ClientError, ResponseValue};

use crate::body::{BodyError, error_chain, is_too_large, read_complete};
use crate::config::ConfigError;
use crate::evidence::DocumentedError;
use crate::failure::{ErrorContext, ErrorResponse, location_host, schema_mismatch};
use crate::options::CallRecord;
use crate::retry::parse_retry_after;

/// A vendor's own error body, decoded from an error response.
pub trait ServiceError: Sized + fmt::Debug + fmt::Display {
    /// The vendor's name, for messages ("Attestr").
    const VENDOR: &'static str;

    /// The vendor's error from a whole error body; `None` when the body is not the vendor's error
    /// shape (an HTML page from a gateway, a framework's route 404, another JSON).
    fn decode(status: u16, body: &[u8]) -> Option<Self>;

    /// The errors the vendor documents, per operation and status (the crate's generated
    /// `ERRORS`, from `x-error-codes`).
    const DOCUMENTED: &'static [DocumentedError];

    /// Whether this decoded body is the documented error `row` (whose operation and status are
    /// already those of the response). Each vendor says what identifies its errors: a code of its
    /// own (Attestr), or the code and the verbatim message (Trust, whose `code` only repeats the
    /// status). A vendor that documents no error body answers `false`: fail closed.
    fn is_documented_as(&self, row: &DocumentedError) -> bool;
}

/// Everything a call to a vendor can fail with. `E` is the vendor's error body.
///
/// Every variant that comes from a response carries its [`ErrorContext`]: the status, the request
/// id when a header had one, and the start of the body.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The vendor refused the call with its own error body. On a status where the operation
    /// documents an outcome, only an error the operation documents (`x-error-codes`) is `Api`;
    /// any other body there is [`Error::Unproven`].
    Api {
        /// The decoded body.
        error: E,
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// 401: the credentials were refused (after one refresh, where they can be refreshed).
    Unauthorized {
        /// The vendor's error body, if the response had one.
        error: Option<E>,
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// 429, after the retries allowed. `retry_after` is the server's `Retry-After`, if any.
    RateLimited {
        /// The delay the server asked for.
        retry_after: Option<Duration>,
        /// The vendor's error body, if the response had one.
        error: Option<E>,
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// A redirect (3xx). Redirects are never followed (the next origin would get the credentials
    /// and the ids), and a redirect proves nothing. Only the host of its `Location` is kept:
    /// the rest of that URL, like the body, may hold the ids.
    Redirect {
        /// The host (and port) the `Location` header names; `None` when it is missing,
        /// unreadable or relative.
        location_host: Option<String>,
        /// Status and request id (no body excerpt).
        context: Box<ErrorContext>,
    },
    /// An error status whose body is not the vendor's error shape: an HTML page from a gateway,
    /// a route 404 from a wrong base URL, an empty body.
    UnexpectedStatus {
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// A response on a status for which the operation documents an outcome, whose body is neither
    /// the documented one (it proves none of `expected`, see the spec's `x-outcomes`) nor an
    /// error the operation documents (`x-error-codes`; such an error is [`Error::Api`]). When the
    /// body still decodes as the vendor's error shape (a near-miss), `error` holds it.
    Unproven {
        /// The operation (the generated method's name).
        operation: &'static str,
        /// The outcomes the status could have proven.
        expected: Vec<&'static str>,
        /// The vendor's error body, when the response was another of the vendor's errors.
        error: Option<E>,
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// A success status whose body does not match the spec.
    InvalidResponse {
        /// What did not match.
        message: String,
        /// Status, request id, body excerpt.
        context: Box<ErrorContext>,
    },
    /// The response body passed the configured maximum (`max_body_bytes`), where reading stopped.
    BodyTooLarge {
        /// Status and request id.
        context: Box<ErrorContext>,
    },
    /// The response body broke off or could not be read, so nothing in it counts.
    BodyUnreadable {
        /// What the transport said.
        reason: String,
        /// Status, request id, and the start of what arrived.
        context: Box<ErrorContext>,
    },
    /// No response within the time limit (per attempt, after the retries allowed).
    Timeout(reqwest::Error),
    /// The request could not be sent, or the connection broke before a response.
    Transport(reqwest::Error),
    /// A listing stopped because it broke its own rules (a repeated cursor, the page limit).
    Paging(String),
    /// Refused before sending: a bad argument, or an id that would reach another operation's route.
    InvalidRequest(String),
    /// Credentials could not be obtained (for Trust: the Atenea token call failed).
    Credentials(String),
    /// The client could not be configured.
    Config(ConfigError),
}

impl<E: ServiceError> Error<E> {
    /// Reads the failure of a generated call: an error response comes back whole, with its body
    /// read, for the caller to interpret ([`Self::from_response`], once a starting operation has
    /// tried it as proof); any other failure comes back as its error. `record` supplies the
    /// status and request id of a success response whose body broke off.
    pub(crate) async fn read(
        error: ClientError<ByteStream>,
        record: &CallRecord,
    ) -> Result<ErrorResponse, Self> {
        let response = match error {
            ClientError::ErrorResponse(response) => response,
            ClientError::UnexpectedResponse(response) => ResponseValue::stream(response),
            // The runtime's `exec` reads every final body whole before progenitor sees the
            // status, so a body that broke off, did not end within the attempt's timeout or was
            // too large comes back as a communication error, whatever the status was.
            ClientError::CommunicationError(err) if err.is_body() || err.is_decode() => {
                return Err(Self::from_broken_body(err, record));
            }
            ClientError::ResponseBodyError(err) => return Err(Self::from_broken_body(err, record)),
            // The request could not be sent, or no response arrived. The URL is dropped: its
            // path holds the ids the call was about.
            ClientError::CommunicationError(err) | ClientError::InvalidUpgrade(err)
                if err.is_timeout() =>
            {
                return Err(Error::Timeout(err.without_url()));
            }
            ClientError::CommunicationError(err) | ClientError::InvalidUpgrade(err) => {
                return Err(Error::Transport(err.without_url()));
            }
            ClientError::InvalidRequest(message) => return Err(Error::InvalidRequest(message)),
            // Only the runtime's `pre` hook returns `Custom`, for credentials (see `Runtime::pre`).
            ClientError::Custom(message) => return Err(Error::Credentials(message)),
            ClientError::InvalidResponsePayload(_, err) => {
                return Err(Error::InvalidResponse {
                    message: schema_mismatch(&err),
                    context: record.success_context(),
                });
            }
        };
        Ok(ErrorResponse {
            status: response.status(),
            headers: response.headers().clone(),
            body: read_complete(response.into_inner().into_inner()).await,
        })
    }

    fn from_broken_body(err: reqwest::Error, record: &CallRecord) -> Self {
        let err = err.without_url();
        let context = record.success_context();
        if is_too_large(&err) {
            Error::BodyTooLarge { context }
        } else if err.is_timeout() {
            Error::Timeout(err)
        } else {
            Error::BodyUnreadable {
                reason: error_chain(&err),
                context,
            }
        }
    }

    /// Interprets an error response: a body that did not arrive whole is an error of its own;
    /// otherwise 401 and 429 by status, then the vendor's body if it is one.
    pub(crate) fn from_response(response: &ErrorResponse) -> Self {
        if response.status.is_redirection() {
            return Error::Redirect {
                location_host: location_host(&response.headers),
                context: Box::new(ErrorContext {
                    body_excerpt: String::new(),
                    ..response.context()
                }),
            };
        }
        let context = Box::new(response.context());
        let body = match &response.body {
            Ok(body) => body,
            Err(BodyError::TooLarge) => return Error::BodyTooLarge { context },
            Err(BodyError::Unreadable { reason, .. }) => {
                return Error::BodyUnreadable {
                    reason: reason.clone(),
                    context,
                };
            }
        };
        let status = response.status.as_u16();
        let error = E::decode(status, body);
        match (status, error) {
            (401, error) => Error::Unauthorized { error, context },
            (429, error) => Error::RateLimited {
                retry_after: parse_retry_after(&response.headers, SystemTime::now()),
                error,
                context,
            },
            (_, Some(error)) => Error::Api { error, context },
            (_, None) => Error::UnexpectedStatus { context },
        }
    }
}

impl<E> Error<E> {
    /// The vendor's error body, whatever the variant, when the response carried one: match on
    /// its code without caring whether the call was a plain one (`Api`) or a starting operation
    /// whose answer proved no outcome (`Unproven`), a 401 or a 429.
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Error::Api { error, .. } => Some(error),
            Error::Unauthorized { error, .. }
            | Error::RateLimited { error, .. }
            | Error::Unproven { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// Status, request id and body excerpt, for the variants that come from a response.
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            Error::Api { context, .. }
            | Error::Unauthorized { context, .. }
            | Error::RateLimited { context, .. }
            | Error::UnexpectedStatus { context }
            | Error::Redirect { context, .. }
            | Error::Unproven { context, .. }
            | Error::InvalidResponse { context, .. }
            | Error::BodyTooLarge { context }
            | Error::BodyUnreadable { context, .. } => Some(context.as_ref()),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.context().and_then(|context| context.status)
    }
}

impl<E> From<ConfigError> for Error<E> {
    fn from(error: ConfigError) -> Self {
        Error::Config(error)
    }
}

impl<E: ServiceError> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vendor = E::VENDOR;
        match self {
            Error::Api { error, .. } => write!(f, "{vendor} refused the call: {error}")?,
            Error::Unauthorized { .. } => write!(f, "{vendor} refused the credentials")?,
            Error::RateLimited { retry_after, .. } => {
                write!(f, "{vendor} rate limit reached")?;
                if let Some(delay) = retry_after {
                    write!(f, "; retry after {}s", delay.as_secs())?;
                }
            }
            Error::Redirect { location_host, .. } => {
                write!(f, "{vendor}'s base URL answered with a redirect ")?;
                match location_host {
                    Some(host) => write!(f, "to host `{host}`")?,
                    None => write!(f, "without an absolute Location")?,
                }
                write!(
                    f,
                    "; redirects are never followed (they would take the credentials and the ids to another origin), so nothing is claimed: check the base URL"
                )?;
            }
            Error::UnexpectedStatus { .. } => write!(
                f,
                "{vendor} answered a status without its error body (a gateway page, a wrong base URL?)"
            )?,
            Error::Unproven {
                operation,
                expected,
                error,
                ..
            } => {
                write!(f, "the response to `{operation}` ")?;
                if let Some(error) = error {
                    write!(f, "is {vendor}'s error {error}, which ")?;
                }
                write!(
                    f,
                    "does not prove {} (it is not the body {vendor} documents for it), so no outcome is claimed",
                    expected.join(" or ")
                )?;
            }
            Error::InvalidResponse { message, .. } => {
                write!(f, "{vendor}'s response does not match the spec: {message}")?
            }
            Error::BodyTooLarge { .. } => write!(
                f,
                "{vendor}'s response body is larger than the configured maximum (max_body_bytes)"
            )?,
            Error::BodyUnreadable { reason, .. } => write!(
                f,
                "{vendor}'s response body could not be read whole ({reason}), so nothing in it counts"
            )?,
            Error::Timeout(err) => {
                write!(f, "no response from {vendor} in time: {}", error_chain(err))?
            }
            Error::Transport(err) => write!(
                f,
                "the request to {vendor} failed in transport: {}",
                error_chain(err)
            )?,
            Error::Paging(message) => write!(f, "listing at {vendor} stopped: {message}")?,
            Error::InvalidRequest(message) => write!(f, "the request was not sent: {message}")?,
            Error::Credentials(message) => write!(f, "{vendor} credentials: {message}")?,
            Error::Config(err) => write!(f, "{vendor} client configuration: {err}")?,
        }
        // An error from a response ends with its context. A redirect's body is not quoted, and
        // not said to be empty either.
        match (self, self.context()) {
            (Error::Redirect { .. }, Some(context)) => {
                f.write_str(" [")?;
                context.fmt_status(f)?;
                f.write_str("]")
            }
            (_, Some(context)) => write!(f, " [{context}]"),
            (_, None) => Ok(()),
        }
    }
}

impl<E: ServiceError> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout(err) | Error::Transport(err) => Some(err),
            Error::Config(err) => Some(err),
            _ => None,
        }
    }
}
