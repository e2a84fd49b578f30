//! ListCases: cases by status and by their deadlines (VER-2), a page at a time. (GetCase is one
//! load, in mod.rs.)

use rex_proto::verification::{Case, ListCasesRequest, ListCasesResponse};
use rex_runtime::status::{from_db, invalid_field};
use rex_verification_domain::{matches_deadline_filter, timeline};
use tonic::Status;

use super::Refusal;
use crate::ministry::Ministry;
use crate::store;
use crate::wire;

/// A page of cases when the caller names no size, and the most one page holds.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: u32 = 500;

impl Ministry {
    pub(super) async fn list(&self, req: ListCasesRequest) -> Result<ListCasesResponse, Status> {
        let status = wire::status_from_proto(req.status)
            .map_err(|_| invalid_field("status", "is not a CaseStatus"))?;
        let offset: usize = if req.page_token.is_empty() {
            0
        } else {
            req.page_token.parse().map_err(|_| {
                invalid_field("page_token", "is not a token from a previous response")
            })?
        };
        let limit = match req.page_size {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE) as usize,
        };
        let mut conn = self.db.pool.acquire().await.map_err(from_db)?;
        let rows = store::cases(&mut conn, status).await.map_err(from_db)?;
        let today = self.today();
        let mut matching = Vec::new();
        for row in &rows {
            let timeline = timeline(&self.calendar, &self.periods, &row.case.dates())
                .map_err(|e| Refusal(e.into()))?;
            if matches_deadline_filter(
                &self.calendar,
                &timeline,
                today,
                req.overdue_only,
                req.due_within_working_days,
            ) {
                matching.push(row);
            }
        }
        let page: Vec<Case> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|r| self.case_proto(r))
            .collect::<Result<_, _>>()?;
        let next_page_token = if offset + limit < matching.len() {
            (offset + limit).to_string()
        } else {
            String::new()
        };
        Ok(ListCasesResponse {
            cases: page,
            next_page_token,
        })
    }
}
