//! End-to-end tests: run the real binary over generated data.
