//! The suite's gRPC contract, generated from `proto/`.

#![allow(missing_docs, clippy::all, missing_debug_implementations)]

pub mod google {
    pub mod r#type {
        tonic::include_proto!("google.r#type");
    }
}

/// `rex.<name>.v1` as `rex::<name>::v1`, the module layout prost's generated code refers to.
macro_rules! packages {
    ($($name:ident),+) => {
        pub mod rex {
            $(pub mod $name {
                pub mod v1 {
                    // What `tonic::include_proto!` expands to; it takes a literal only.
                    include!(concat!(env!("OUT_DIR"), "/rex.", stringify!($name), ".v1.rs"));
                }
            })+
        }
    };
}

packages!(common, registration, verification, notification, audit);

/// The descriptor set of every service, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/rex_descriptor.bin"));

pub use rex::audit::v1 as audit;
pub use rex::common::v1 as common;
pub use rex::notification::v1 as notification;
pub use rex::registration::v1 as registration;
pub use rex::verification::v1 as verification;
