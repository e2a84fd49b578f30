//! Who may call each RPC of the Ministry's verification service (Order 358-NK): enforced by the runtime before any
//! handler runs; ownership (an exporter acts only on its own TIN) is the handlers'.

use rex_runtime::auth::{Access, AccessTable, Role};

/// The access table of the Ministry's verification service (Order 358-NK).
pub const ACCESS: AccessTable = &[
    (
        "/rex.verification.v1.VerificationService/OpenCase",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/GetCase",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/ListCases",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/RequestDossier",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/RecordCheck",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/IssueConclusion",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
    (
        "/rex.verification.v1.VerificationService/RequestRevocation",
        Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ),
];
