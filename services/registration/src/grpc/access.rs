//! Who may call each RPC of Atameken's registration service (Order 244-NK): enforced by the
//! runtime before any handler runs; ownership (an exporter acts only on its own TIN) and branch
//! (an officer acts on its own branch's) are the handlers'.

use rex_runtime::auth::{Access, AccessTable, Role};

/// Atameken's authorized persons: a branch's, and the head office's.
const ATAMEKEN: &[Role] = &[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE];
/// The exporter, or Atameken for it.
const EXPORTER_OR_ATAMEKEN: &[Role] = &[
    Role::EXPORTER,
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
];
/// Who reads an exporter's file: the exporter, Atameken, the Ministry.
const READERS: &[Role] = &[
    Role::EXPORTER,
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
    Role::MINISTRY_OFFICER,
];
/// Atameken's and the Ministry's officers.
const OFFICERS: &[Role] = &[
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
    Role::MINISTRY_OFFICER,
];
/// Atameken, or the verification service for the Ministry (VER-8).
const REVOKERS: &[Role] = &[
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
    Role::SERVICE,
];

/// The access table of Atameken's registration service (Order 244-NK).
pub const ACCESS: AccessTable = rex_runtime::access_table! {
    "rex.registration.v1.RegistrationService",
    SubmitApplication => Access::Roles(EXPORTER_OR_ATAMEKEN, &[]),
    GetApplication => Access::Roles(READERS, &[]),
    ListApplications => Access::Roles(EXPORTER_OR_ATAMEKEN, &[]),
    RegisterExporter => Access::Roles(ATAMEKEN, &[]),
    RefuseApplication => Access::Roles(ATAMEKEN, &[]),
    GetRegistration => Access::Roles(READERS, &[]),
    LookupRegistration => Access::Public,
    SubmitChange => Access::Roles(EXPORTER_OR_ATAMEKEN, &[]),
    DecideChange => Access::Roles(ATAMEKEN, &[]),
    RevokeRegistration => Access::Roles(REVOKERS, &["verification"]),
    ReinstateRegistration => Access::Roles(ATAMEKEN, &[]),
    ContestRevocation => Access::Roles(ATAMEKEN, &[]),
    DismissChallenge => Access::Roles(ATAMEKEN, &[]),
    GetDossier => Access::Roles(&[Role::SERVICE], &["verification"]),
    ValidateStatement => Access::Public,
    ValidateStatements => Access::Public,
    SaveAuthorizedPerson => Access::Roles(ATAMEKEN, &[]),
    ListAuthorizedPersons => Access::Roles(OFFICERS, &[]),
    // REG-13: the authorized body (the Ministry) sends the list; Atameken may see what was sent.
    RecordPersonListSending => Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    AcknowledgePersonListSending => Access::Roles(&[Role::MINISTRY_OFFICER], &[]),
    ListPersonListSendings => Access::Roles(OFFICERS, &[]),
};
