//! Subcommands of the `xfrmd` binary, one module each. They read files and print; the
//! decisions they show come from the library crates.

pub mod assets;
pub mod check;
pub mod gen_peer;
pub mod plan;
pub mod run;
pub mod status;
pub mod updown;
