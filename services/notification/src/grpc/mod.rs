//! The gRPC edge: each RPC reads its request into domain types, loads, lets the domain decide,
//! stores and answers; one file per RPC or small group.

pub mod access;
mod convert;
mod error;
mod inbox;
mod read;
mod send;

use rex_notification_domain::{Notice, NotificationError};
use rex_proto::notification::notification_service_server::NotificationService;
use rex_proto::notification::*;
use sqlx::AnyConnection;
use tonic::{Request, Response, Status};

pub(crate) use error::Failure;

use crate::notices::Notices;
use crate::store;

type Reply<T> = Result<Response<T>, Status>;

fn answer<T>(result: Result<T, Failure>) -> Reply<T> {
    result.map(Response::new).map_err(Status::from)
}

/// The notice named by a request's `notification_id`.
async fn load(conn: &mut AnyConnection, id: &str) -> Result<Notice, Failure> {
    store::get(conn, id.trim())
        .await?
        .ok_or_else(|| NotificationError::NoSuchNotice { id: id.to_owned() }.into())
}

#[tonic::async_trait]
impl NotificationService for Notices {
    async fn send_notification(
        &self,
        request: Request<SendNotificationRequest>,
    ) -> Reply<SendNotificationResponse> {
        answer(send::send_notification(self, request.into_inner()).await)
    }

    async fn get_notification(
        &self,
        request: Request<GetNotificationRequest>,
    ) -> Reply<GetNotificationResponse> {
        answer(read::get_notification(self, request.into_inner()).await)
    }

    async fn list_notifications(
        &self,
        request: Request<ListNotificationsRequest>,
    ) -> Reply<ListNotificationsResponse> {
        answer(read::list_notifications(self, request.into_inner()).await)
    }

    async fn list_inbox(&self, request: Request<ListInboxRequest>) -> Reply<ListInboxResponse> {
        let caller = rex_runtime::auth::caller(&request);
        answer(inbox::list_inbox(self, caller, request.into_inner()).await)
    }

    async fn acknowledge_notification(
        &self,
        request: Request<AcknowledgeNotificationRequest>,
    ) -> Reply<AcknowledgeNotificationResponse> {
        let caller = rex_runtime::auth::caller(&request);
        answer(inbox::acknowledge_notification(self, caller, request.into_inner()).await)
    }
}
