//! The `xfrmd` binary: command-line entry point.

fn main() {
    println!("xfrmd {}", env!("CARGO_PKG_VERSION"));
}
