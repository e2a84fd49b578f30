//! Who may call each RPC of Atameken's registration service (Order 244-NK): enforced by the runtime before any
//! handler runs; ownership (an exporter acts only on its own TIN) is the handlers'.

use rex_runtime::auth::{Access, AccessTable, Role};

/// The access table of Atameken's registration service (Order 244-NK).
pub const ACCESS: AccessTable = &[
    (
        "/rex.registration.v1.RegistrationService/SubmitApplication",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
            ],
            &[],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/GetApplication",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::MINISTRY_OFFICER,
            ],
            &[],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/ListApplications",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
            ],
            &[],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/RegisterExporter",
        Access::Roles(&[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE], &[]),
    ),
    (
        "/rex.registration.v1.RegistrationService/RefuseApplication",
        Access::Roles(&[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE], &[]),
    ),
    (
        "/rex.registration.v1.RegistrationService/GetRegistration",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::MINISTRY_OFFICER,
            ],
            &[],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/LookupRegistration",
        Access::Public,
    ),
    (
        "/rex.registration.v1.RegistrationService/SubmitChange",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
            ],
            &[],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/DecideChange",
        Access::Roles(&[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE], &[]),
    ),
    (
        "/rex.registration.v1.RegistrationService/RevokeRegistration",
        Access::Roles(
            &[
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::SERVICE,
            ],
            &["verification"],
        ),
    ),
    (
        "/rex.registration.v1.RegistrationService/ReinstateRegistration",
        Access::Roles(&[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE], &[]),
    ),
    (
        "/rex.registration.v1.RegistrationService/GetDossier",
        Access::Roles(&[Role::SERVICE], &["verification"]),
    ),
    (
        "/rex.registration.v1.RegistrationService/ValidateStatement",
        Access::Public,
    ),
    (
        "/rex.registration.v1.RegistrationService/ValidateStatements",
        Access::Public,
    ),
    (
        "/rex.registration.v1.RegistrationService/SaveAuthorizedPerson",
        Access::Roles(&[Role::ATAMEKEN_OFFICER, Role::ATAMEKEN_HEAD_OFFICE], &[]),
    ),
    (
        "/rex.registration.v1.RegistrationService/ListAuthorizedPersons",
        Access::Roles(
            &[
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::MINISTRY_OFFICER,
            ],
            &[],
        ),
    ),
];
