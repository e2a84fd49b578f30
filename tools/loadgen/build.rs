//! The echo baseline's contract (benchmark only, not part of the suite's API).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fds = protox::compile(["echo.proto"], ["proto"])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    println!("cargo:rerun-if-changed=proto/echo.proto");
    Ok(())
}
