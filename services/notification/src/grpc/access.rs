//! Who may call each RPC of the notification service: enforced by the runtime before any
//! handler runs; ownership (an exporter acts only on its own TIN) is the handlers'.

use rex_runtime::auth::{Access, AccessTable, Role};

/// Atameken's and the Ministry's officers.
const OFFICERS: &[Role] = &[
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
    Role::MINISTRY_OFFICER,
];
/// Whoever has an inbox: exporters and officers.
const INBOX_HOLDERS: &[Role] = &[
    Role::EXPORTER,
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
    Role::MINISTRY_OFFICER,
];
/// Who acknowledges a notice: the exporter, or Atameken handing over a letter.
const ACKNOWLEDGERS: &[Role] = &[
    Role::EXPORTER,
    Role::ATAMEKEN_OFFICER,
    Role::ATAMEKEN_HEAD_OFFICE,
];

/// The access table of the notification service.
pub const ACCESS: AccessTable = rex_runtime::access_table! {
    "rex.notification.v1.NotificationService",
    SendNotification => Access::Roles(&[Role::SERVICE], &["registration", "verification"]),
    GetNotification => Access::Roles(OFFICERS, &[]),
    ListNotifications => Access::Roles(OFFICERS, &[]),
    ListInbox => Access::Roles(INBOX_HOLDERS, &[]),
    AcknowledgeNotification => Access::Roles(ACKNOWLEDGERS, &[]),
};
