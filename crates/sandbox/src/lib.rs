//! A stateful local sandbox of the three vendors' APIs (work in progress: see issue 5).
