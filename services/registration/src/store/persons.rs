//! The authorized persons (REG-13).

use chrono::{DateTime, NaiveDate, Utc};
use rex_runtime::convert::instant_to_db;
use rex_runtime::convert::rows::{date, decode_err, instant, iso, opt_date};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use rex_registration_domain::person::AuthorizedPerson;
use rex_registration_domain::statement::Country;

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

/// A sending of the list of authorized persons to a country's customs, as kept (REG-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSendingRow {
    pub sending_id: String,
    pub country: Country,
    pub sent_on: NaiveDate,
    pub addressee: String,
    pub channel: String,
    pub reference: String,
    /// `person::list_text` of the list sent: what the list now is compared with.
    pub list_text: String,
    /// The list as sent, encoded (`ListAuthorizedPersonsResponse`).
    pub persons: Vec<u8>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub acknowledged_on: Option<NaiveDate>,
}

pub async fn insert_list_sending(conn: &mut AnyConnection, s: &ListSendingRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO person_list_sendings (sending_id, country, sent_on, addressee, channel, reference, list_text, \
         persons, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&s.sending_id)
    .bind(s.country.code())
    .bind(iso(s.sent_on))
    .bind(&s.addressee)
    .bind(&s.channel)
    .bind(&s.reference)
    .bind(&s.list_text)
    .bind(&s.persons)
    .bind(&s.recorded_by)
    .bind(instant_to_db(s.recorded_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks sending `id` acknowledged on `on`, once: false when there is no such sending.
pub async fn acknowledge_list_sending(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE person_list_sendings SET acknowledged_on = COALESCE(acknowledged_on, $2) WHERE sending_id = $1",
    )
    .bind(id)
    .bind(iso(on))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn sending_from_row(row: &AnyRow) -> Result<ListSendingRow> {
    let country: String = row.try_get("country")?;
    Ok(ListSendingRow {
        sending_id: row.try_get("sending_id")?,
        country: Country::from_code(&country)
            .ok_or_else(|| decode_err("country", format!("{country:?} is not NO or CH")))?,
        sent_on: date(row, "sent_on")?,
        addressee: row.try_get("addressee")?,
        channel: row.try_get("channel")?,
        reference: row.try_get("reference")?,
        list_text: row.try_get("list_text")?,
        persons: row.try_get("persons")?,
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: instant(row, "recorded_at")?,
        acknowledged_on: opt_date(row, "acknowledged_on")?,
    })
}

/// Every sending, oldest first.
pub async fn list_sendings(conn: &mut AnyConnection) -> Result<Vec<ListSendingRow>> {
    let rows = sqlx::query("SELECT * FROM person_list_sendings ORDER BY recorded_at, sending_id")
        .fetch_all(conn)
        .await?;
    rows.iter().map(sending_from_row).collect()
}

pub async fn list_sending(conn: &mut AnyConnection, id: &str) -> Result<Option<ListSendingRow>> {
    let row = sqlx::query("SELECT * FROM person_list_sendings WHERE sending_id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(sending_from_row).transpose()
}
