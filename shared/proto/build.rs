//! Compiles `proto/` with protox (a Rust protobuf compiler, so no `protoc` is needed on the
//! machine) and generates the tonic code plus a descriptor set for server reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files = [
        "rex/common/v1/common.proto",
        "rex/registration/v1/registration.proto",
        "rex/verification/v1/verification.proto",
        "rex/notification/v1/notification.proto",
        "rex/audit/v1/audit.proto",
    ];
    let fds = protox::compile(files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("rex_descriptor.bin"), fds.encode_to_vec())?;
    // Maps as BTreeMap: encoding is then deterministic, so the same request always hashes the
    // same (idempotency keys compare request digests).
    tonic_prost_build::configure()
        .btree_map(".")
        .compile_fds(fds)?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}
