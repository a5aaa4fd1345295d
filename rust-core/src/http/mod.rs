//! The one HTTP client (see below).
