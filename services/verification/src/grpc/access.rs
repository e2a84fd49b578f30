//! Who may call each RPC of the Ministry's verification service (Order 358-NK): enforced by the
//! runtime before any handler runs; the cases are the Ministry's alone.

use rex_runtime::auth::{Access, AccessTable, Role};

const MINISTRY: &[Role] = &[Role::MINISTRY_OFFICER];

/// The access table of the Ministry's verification service (Order 358-NK).
pub const ACCESS: AccessTable = rex_runtime::access_table! {
    "rex.verification.v1.VerificationService",
    OpenCase => Access::Roles(MINISTRY, &[]),
    GetCase => Access::Roles(MINISTRY, &[]),
    ListCases => Access::Roles(MINISTRY, &[]),
    RequestDossier => Access::Roles(MINISTRY, &[]),
    RecordCheck => Access::Roles(MINISTRY, &[]),
    IssueConclusion => Access::Roles(MINISTRY, &[]),
    RequestRevocation => Access::Roles(MINISTRY, &[]),
    RecordRexConsultation => Access::Roles(MINISTRY, &[]),
};
