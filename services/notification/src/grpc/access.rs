//! Who may call each RPC of the notification service: enforced by the runtime before any
//! handler runs; ownership (an exporter acts only on its own TIN) is the handlers'.

use rex_runtime::auth::{Access, AccessTable, Role};

/// The access table of the notification service.
pub const ACCESS: AccessTable = &[
    (
        "/rex.notification.v1.NotificationService/SendNotification",
        Access::Roles(&[Role::SERVICE], &["registration", "verification"]),
    ),
    (
        "/rex.notification.v1.NotificationService/GetNotification",
        Access::Roles(
            &[
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::MINISTRY_OFFICER,
            ],
            &[],
        ),
    ),
    (
        "/rex.notification.v1.NotificationService/ListNotifications",
        Access::Roles(
            &[
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
                Role::MINISTRY_OFFICER,
            ],
            &[],
        ),
    ),
    (
        "/rex.notification.v1.NotificationService/ListInbox",
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
        "/rex.notification.v1.NotificationService/AcknowledgeNotification",
        Access::Roles(
            &[
                Role::EXPORTER,
                Role::ATAMEKEN_OFFICER,
                Role::ATAMEKEN_HEAD_OFFICE,
            ],
            &[],
        ),
    ),
];
