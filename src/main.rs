//! The `wenyuan` binary: glue between the command line and the libraries.

fn main() {}
