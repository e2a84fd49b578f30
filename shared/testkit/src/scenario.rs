//! The set-ups tests share, as builders of the API's requests and as short scenarios over a
//! client: "a submitted paper application", "a registered exporter", "a revoked registration",
//! a change and its decision, a court's reinstatement, a verification case.

use chrono::Utc;
use rex_proto::common::{Document, ImportingCountry};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use rex_proto::verification::OpenCaseRequest;
use tonic::transport::Channel;

use crate::fixtures::{d, data, form, morning, pdate};

/// The authorized person every scenario registers with: `AP-1` of branch 002, active.
pub const OFFICER: &str = "AP-1";

/// The Ministry's officer of every verification case.
pub const MINISTRY_OFFICER: &str = "MTI-7";

/// Authorized person `AP-1` of branch 002, active.
pub fn authorized_person() -> AuthorizedPerson {
    AuthorizedPerson {
        person_id: OFFICER.into(),
        full_name: "Aigerim Nurlanovna".into(),
        position: "Chief specialist".into(),
        regional_branch_code: "002".into(),
        phone: "+7 727 300 0001".into(),
        email: "ap1@atameken.example.kz".into(),
        active: true,
        updated_at: None,
    }
}

/// Fixture `i`'s application No. 1 on paper, received at 10:00 on `on`.
pub fn paper(i: usize, on: &str) -> ApplicationForm {
    form(i, SubmissionChannel::Paper, morning(d(on)))
}

/// Fixture `i`'s application No. 1 filed electronically, received at 10:00 on `on`.
pub fn electronic(i: usize, on: &str) -> ApplicationForm {
    form(i, SubmissionChannel::Electronic, morning(d(on)))
}

/// Changes to a fixture's registration data, for a change request.
pub trait RegistrationDataExt {
    /// The same data with another contact phone.
    fn with_phone(self, phone: &str) -> Self;
    /// The same data with another English name.
    fn with_english_name(self, name: &str) -> Self;
}

impl RegistrationDataExt for RegistrationData {
    fn with_phone(mut self, phone: &str) -> Self {
        self.contact.as_mut().unwrap().phone = phone.into();
        self
    }

    fn with_english_name(mut self, name: &str) -> Self {
        let exporter = self.exporter.as_mut().unwrap();
        exporter.name.as_mut().unwrap().english = name.into();
        self
    }
}

/// A change request (CHG-1) for registration `number`: by default proposed and received on
/// 19 March 2026 (10:00), without documents.
#[derive(Debug, Clone)]
pub struct ChangeRequest(SubmitChangeRequest);

/// A change of `number` to `proposed`.
pub fn change(number: &str, proposed: RegistrationData) -> ChangeRequest {
    ChangeRequest(SubmitChangeRequest {
        registration_number: number.into(),
        proposed: Some(proposed),
        reason: "change".into(),
        changed_on: Some(pdate("2026-03-19")),
        received_at: Some(rex_runtime::convert::timestamp_to_proto(morning(d(
            "2026-03-19",
        )))),
        ..Default::default()
    })
}

/// Fixture `i`'s registration `number` with a new phone: the smallest change there is.
pub fn phone_change(number: &str, i: usize, phone: &str) -> ChangeRequest {
    change(number, data(i).with_phone(phone))
}

impl ChangeRequest {
    pub fn reason(mut self, reason: &str) -> Self {
        self.0.reason = reason.into();
        self
    }

    /// The day the data changed.
    pub fn changed_on(mut self, date: &str) -> Self {
        self.0.changed_on = Some(pdate(date));
        self
    }

    /// Received by Atameken at 10:00 on `date`.
    pub fn received_on(mut self, date: &str) -> Self {
        self.0.received_at = Some(rex_runtime::convert::timestamp_to_proto(morning(d(date))));
        self
    }

    pub fn document(mut self, document: Document) -> Self {
        self.0.documents.push(document);
        self
    }

    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.0.idempotency_key = key.into();
        self
    }

    pub fn build(self) -> SubmitChangeRequest {
        self.0
    }
}

impl From<ChangeRequest> for SubmitChangeRequest {
    fn from(change: ChangeRequest) -> Self {
        change.0
    }
}

/// `AP-1` accepts change `change_id` (CHG-2).
pub fn accept_change(change_id: &str) -> DecideChangeRequest {
    DecideChangeRequest {
        change_id: change_id.into(),
        accept: true,
        officer_id: OFFICER.into(),
        ..Default::default()
    }
}

/// `AP-1` refuses change `change_id` for `reasons` (CHG-3).
pub fn refuse_change(change_id: &str, reasons: &str) -> DecideChangeRequest {
    DecideChangeRequest {
        change_id: change_id.into(),
        accept: false,
        refusal_reasons: reasons.into(),
        officer_id: OFFICER.into(),
        ..Default::default()
    }
}

/// `AP-1` revokes `number` on `on` at the exporter's own request (REV-1 (1)).
pub fn revocation_at_exporters_request(number: &str, on: &str) -> RevokeRegistrationRequest {
    RevokeRegistrationRequest {
        registration_number: number.into(),
        ground: RevocationGround::ExporterRequest as i32,
        revoked_on: Some(pdate(on)),
        requested_by: "EXPORTER".into(),
        officer_id: OFFICER.into(),
        ..Default::default()
    }
}

/// `AP-1` revokes `number` on `on` because the Ministry asks, under case `case_reference`
/// (REV-1 (2)); empty: a request without its case reference.
pub fn revocation_by_the_ministry(
    number: &str,
    on: &str,
    case_reference: &str,
) -> RevokeRegistrationRequest {
    RevokeRegistrationRequest {
        registration_number: number.into(),
        ground: RevocationGround::GspConditionsNotMet as i32,
        revoked_on: Some(pdate(on)),
        requested_by: "MINISTRY".into(),
        case_reference: case_reference.into(),
        officer_id: OFFICER.into(),
        ..Default::default()
    }
}

/// `AP-1` enters a court's decision of `decided_on` annulling the revocation of `number`
/// (REV-5).
pub fn reinstatement(
    number: &str,
    court_reference: &str,
    decided_on: &str,
) -> ReinstateRegistrationRequest {
    ReinstateRegistrationRequest {
        registration_number: number.into(),
        court_reference: court_reference.into(),
        court_decision_on: Some(pdate(decided_on)),
        officer_id: OFFICER.into(),
        ..Default::default()
    }
}

/// Norway's customs open case `reference` about `number`, received at `received`, for
/// `MTI-7` (VER-1).
pub fn open_case(
    reference: &str,
    number: &str,
    received: chrono::DateTime<Utc>,
) -> OpenCaseRequest {
    OpenCaseRequest {
        idempotency_key: String::new(),
        requesting_country: ImportingCountry::No as i32,
        foreign_reference: reference.into(),
        registration_number: number.into(),
        received_at: Some(rex_runtime::convert::timestamp_to_proto(received)),
        subject: "Statement on origin on invoice 2026/117".into(),
        responsible_officer_id: MINISTRY_OFFICER.into(),
    }
}

/// Saves authorized person `AP-1`.
pub async fn save_authorized_person(client: &mut RegistrationServiceClient<Channel>) {
    client
        .save_authorized_person(SaveAuthorizedPersonRequest {
            idempotency_key: String::new(),
            person: Some(authorized_person()),
        })
        .await
        .unwrap();
}

/// Submits `form`; the answer.
pub async fn submit(
    client: &mut RegistrationServiceClient<Channel>,
    form: ApplicationForm,
) -> SubmitApplicationResponse {
    client
        .submit_application(SubmitApplicationRequest {
            idempotency_key: String::new(),
            form: Some(form),
        })
        .await
        .unwrap()
        .into_inner()
}

/// `AP-1` registers a submitted application (under `idempotency_key`; empty: none).
pub async fn register(
    client: &mut RegistrationServiceClient<Channel>,
    application_id: String,
    idempotency_key: &str,
) -> Registration {
    client
        .register_exporter(RegisterExporterRequest {
            idempotency_key: idempotency_key.into(),
            application_id,
            authorized_person_id: OFFICER.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .registration
        .unwrap()
}

/// Submits `form` and registers it, as `AP-1` (who must have been saved).
pub async fn registered(
    client: &mut RegistrationServiceClient<Channel>,
    form: ApplicationForm,
    idempotency_key: &str,
) -> Registration {
    let app = submit(client, form).await.application.unwrap();
    register(client, app.application_id, idempotency_key).await
}
