//! Writes Gigantum-format projects exactly as the client did: tests, benchmarks and the demo use it.

pub mod pack;
