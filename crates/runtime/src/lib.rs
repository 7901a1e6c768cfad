//! The shared runtime of the generated vendor clients (work in progress: see issue 4).
