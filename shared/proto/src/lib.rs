//! The suite's gRPC contract, generated from `proto/`.

#![allow(missing_docs, clippy::all, missing_debug_implementations)]

pub mod google {
    pub mod r#type {
        tonic::include_proto!("google.r#type");
    }
}

pub mod rex {
    pub mod common {
        pub mod v1 {
            tonic::include_proto!("rex.common.v1");
        }
    }
    pub mod registration {
        pub mod v1 {
            tonic::include_proto!("rex.registration.v1");
        }
    }
    pub mod verification {
        pub mod v1 {
            tonic::include_proto!("rex.verification.v1");
        }
    }
    pub mod notification {
        pub mod v1 {
            tonic::include_proto!("rex.notification.v1");
        }
    }
}

/// The descriptor set of every service, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/rex_descriptor.bin"));

pub use rex::common::v1 as common;
pub use rex::notification::v1 as notification;
pub use rex::registration::v1 as registration;
pub use rex::verification::v1 as verification;
