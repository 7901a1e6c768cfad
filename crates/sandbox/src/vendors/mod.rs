//! The vendors the sandbox imitates, one folder each: its surface (credentials, error shape), its
//! tables and queries (`state`), its errors and its handlers. They depend on the shared context
//! below them, never on each other or on the server above.

pub(crate) mod attestr;
pub(crate) mod gainsight_px;
pub(crate) mod trust;
