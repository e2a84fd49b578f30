//! GetRegistration, and GetDossier for the Ministry's verification (VER-4, VER-5).

use rex_proto::registration::*;
use rex_runtime::auth::{ensure_branch, ensure_own as own};
use rex_runtime::status::internal;
use tonic::{Request, Status};

use super::Registry;
use super::support::{db_err, parse_number};
use crate::store;

pub(super) async fn get(
    registry: &Registry,
    request: Request<GetRegistrationRequest>,
) -> Result<GetRegistrationResponse, Status> {
    let caller = rex_runtime::auth::caller(&request);
    let number = parse_number(
        "registration_number",
        &request.into_inner().registration_number,
    )?;
    ensure_branch(caller.as_ref(), number.branch(), "the registration")?;
    let mut conn = registry.db.pool.acquire().await.map_err(db_err)?;
    let row = registry.load_registration(&mut conn, &number).await?;
    own(caller.as_ref(), &row.exporter_tin)?;
    Ok(GetRegistrationResponse {
        registration: Some(registry.registration_proto(&mut conn, &row).await?),
    })
}

/// The registration, its application and every document (of the application and of the
/// accepted changes), with the request recorded.
pub(super) async fn dossier(
    registry: &Registry,
    req: GetDossierRequest,
) -> Result<GetDossierResponse, Status> {
    let number = parse_number("registration_number", &req.registration_number)?;
    let mut tx = registry.db.begin_write().await.map_err(db_err)?;
    let reg = registry.load_registration(&mut tx, &number).await?;
    let app = store::get_application(&mut tx, &reg.application_id)
        .await
        .map_err(db_err)?
        .ok_or_else(|| {
            internal(anyhow::anyhow!(
                "registration {number} without its application"
            ))
        })?;
    let mut application = registry.application_proto(&mut tx, &app, true).await?;
    let mut documents = Vec::new();
    let mut power_of_attorney = None;
    if let Some(form) = application.form.as_mut() {
        documents.append(&mut form.documents.clone());
        power_of_attorney = form
            .representative
            .as_ref()
            .and_then(|r| r.power_of_attorney.clone());
    }
    for change_id in store::accepted_change_ids(&mut tx, &reg.registration_number)
        .await
        .map_err(db_err)?
    {
        let docs = store::documents_of(&mut tx, "change", &change_id, true)
            .await
            .map_err(db_err)?;
        documents.extend(docs.into_iter().map(|(_, d)| d));
    }
    store::record_dossier_request(
        &mut tx,
        &reg.registration_number,
        req.case_reference.trim(),
        registry.now(),
    )
    .await
    .map_err(db_err)?;
    let registration = registry.registration_proto(&mut tx, &reg).await?;
    tx.commit().await.map_err(db_err)?;
    tracing::info!(number = %number, case = req.case_reference.trim(), documents = documents.len(), "dossier sent (VER-5)");
    Ok(GetDossierResponse {
        registration: Some(registration),
        application: Some(application),
        documents,
        power_of_attorney,
    })
}
