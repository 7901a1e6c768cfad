//! Sending a generated request so that its failure is the vendor's [`Error`] ([`call`], behind
//! every generated `call()` method), and reading a starting operation's documented outcome from
//! the response that proves it ([`settle`]).

use std::future::Future;

use progenitor_client::{ByteStream, Error as ClientError, ResponseValue};
use serde_json::Value;

use crate::error::{Error, ServiceError};
use crate::evidence::{self, Proof, Rule, Verdict};
use crate::options::record;

/// What a generated builder's `send()` returns.
pub type SendResult<T> = Result<ResponseValue<T>, ClientError<ByteStream>>;

/// Awaits a generated `send()` and turns its failure into the vendor's [`Error`], reading the
/// error body (bounded) and keeping the status of a success whose body broke off.
pub fn call<T, E: ServiceError>(
    send: impl Future<Output = SendResult<T>>,
) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> {
    // Boxed once, here: `record` and its task-local scope each hold the future they run, so an
    // unboxed `send()` future (2.4 KB for Attestr's get_profile) was held, and copied while the
    // call was built, about four times over (a 9.8 KB future per call).
    let send = Box::pin(send);
    async move {
        let (result, calls) = record(send).await;
        match result {
            Ok(value) => Ok(value),
            Err(error) => Err(Error::read(error, &calls)
                .await
                .map_or_else(|error| error, |response| Error::from_response(&response))),
        }
    }
}

/// A documented outcome and the success response it came with, if it came with one.
#[derive(Debug)]
pub struct Settled<T> {
    /// The outcome and what its row captured.
    pub proof: Proof,
    /// The success response, when the outcome came from one.
    pub response: Option<ResponseValue<T>>,
}

/// Awaits a generated `send()` of `operation` and returns the outcome the response proves under
/// `rules` (the crate's `OUTCOMES`). A response that proves none, on a status the rules cover,
/// is [`Error::Unproven`], unless it is an error the operation documents
/// ([`ServiceError::DOCUMENTED`]), which is [`Error::Api`] as anywhere else; one whose body did
/// not arrive whole proves nothing either. Every other failure is the ordinary [`Error`].
///
/// `body_of` gives the JSON a success body is checked against (`serde_json::to_value` of the
/// typed body, or `None` when the success rows need no body, as for a raw or empty one).
pub async fn settle<T, E: ServiceError>(
    rules: &'static [Rule],
    operation: &'static str,
    send: impl Future<Output = SendResult<T>>,
    body_of: impl FnOnce(&T) -> Option<Value>,
) -> Result<Settled<T>, Error<E>> {
    let (result, calls) = record(send).await;
    let prove = |status: u16, body: Option<&Value>| {
        let lost_response = calls.lost_response;
        let response = evidence::Response {
            status,
            body,
            lost_response,
        };
        evidence::prove(rules, operation, response)
    };
    let error = match result {
        Ok(response) => {
            let body = body_of(&response);
            let expected = match prove(response.status().as_u16(), body.as_ref()) {
                Verdict::Proven(proof) => {
                    return Ok(Settled {
                        proof,
                        response: Some(response),
                    });
                }
                Verdict::Unproven { expected } => expected,
                // A documented success status with no outcome row: the table, not the vendor,
                // is incomplete, and nothing is claimed.
                Verdict::NotCovered => {
                    evidence::outcomes(rules.iter().filter(|rule| rule.operation == operation))
                }
            };
            return Err(Error::Unproven {
                operation,
                expected,
                error: None,
                context: calls.success_context(),
            });
        }
        Err(error) => error,
    };
    let response = Error::read(error, &calls).await?;
    let body = response.body.as_ref().ok();
    let body = body.and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok());
    match prove(response.status.as_u16(), body.as_ref()) {
        Verdict::Proven(proof) => {
            return Ok(Settled {
                proof,
                response: None,
            });
        }
        // A broken body gets its own, more precise error; it proves nothing either way.
        Verdict::Unproven { expected } => {
            if let Ok(bytes) = &response.body {
                let status = response.status.as_u16();
                let error = E::decode(status, bytes);
                // An error the operation documents is the vendor's answer, not a failed
                // proof: it falls through to the ordinary interpretation (`Api`).
                let documented = error.as_ref().is_some_and(|error| {
                    evidence::documents(E::DOCUMENTED, operation, status, |row| {
                        error.is_documented_as(row)
                    })
                });
                if !documented {
                    return Err(Error::Unproven {
                        operation,
                        expected,
                        error,
                        context: Box::new(response.context()),
                    });
                }
            }
        }
        Verdict::NotCovered => {}
    }
    Err(Error::from_response(&response))
}
