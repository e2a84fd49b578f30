//! The authorized persons (REG-13).

use chrono::{DateTime, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::instant;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use rex_registration_domain::person::AuthorizedPerson;

use super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub person: AuthorizedPerson,
    pub updated_at: DateTime<Utc>,
}

pub async fn persons(conn: &mut AnyConnection, include_inactive: bool) -> Result<Vec<PersonRow>> {
    let rows = sqlx::query(
        "SELECT * FROM authorized_persons WHERE active = 1 OR $1 = 1 ORDER BY person_id",
    )
    .bind(i64::from(include_inactive))
    .fetch_all(conn)
    .await?;
    rows.iter().map(person_from_row).collect()
}

fn person_from_row(row: &AnyRow) -> Result<PersonRow> {
    let active: i64 = row.try_get("active")?;
    Ok(PersonRow {
        person: AuthorizedPerson {
            person_id: row.try_get("person_id")?,
            full_name: row.try_get("full_name")?,
            position: row.try_get("position")?,
            branch_code: row.try_get("branch_code")?,
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
            active: active != 0,
        },
        updated_at: instant(row, "updated_at")?,
    })
}

pub async fn get_person(conn: &mut AnyConnection, id: &str) -> Result<Option<PersonRow>> {
    let row = sqlx::query("SELECT * FROM authorized_persons WHERE person_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(person_from_row).transpose()
}

pub async fn upsert_person(conn: &mut AnyConnection, row: &PersonRow) -> Result<()> {
    let p = &row.person;
    sqlx::query(
        "INSERT INTO authorized_persons (person_id, full_name, position, branch_code, phone, email, active, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (person_id) DO UPDATE SET full_name = excluded.full_name, \
         position = excluded.position, branch_code = excluded.branch_code, phone = excluded.phone, email = excluded.email, \
         active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(&p.person_id)
    .bind(&p.full_name)
    .bind(&p.position)
    .bind(&p.branch_code)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(i64::from(p.active))
    .bind(instant_to_db(row.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}
