//! The project generator: writes Gigantum projects exactly as the client did,
//! for tests, benchmarks and the demo.

use gtm_format::activity;

pub mod synth;
