//! Stateful in-memory fakes of the AWS traits, with failure injection, for unit tests of resources
//! (compiled for tests and with the `fakes` feature).

pub mod dms;

pub use dms::FakeDms;
