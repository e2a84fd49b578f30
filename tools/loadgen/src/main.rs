//! `rex-loadgen`: drives a running registration service over real sockets and prints what a
//! user would feel (requests/s, p50/p99/p999 latency, errors by status code), beside a bare
//! tonic echo baseline run on the same machine. Also seeds a registry of any size quickly.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use prost::Message;
use rand::{Rng, SeedableRng};
use rex_proto::common::{BilingualText, ImportingCountry, Money};
use rex_proto::registration::registration_service_client::RegistrationServiceClient;
use rex_proto::registration::*;
use sha2::Digest;
use tonic::transport::Channel;

pub mod echo {
    #![allow(missing_docs, clippy::all, missing_debug_implementations)]
    tonic::include_proto!("rex.bench.v1");
}

#[derive(Parser, Debug)]
#[command(
    name = "rex-loadgen",
    about = "Benchmarks of the REX suite against a bare tonic baseline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fill a registration database with `count` registrations (every 20th revoked).
    Seed {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        count: u64,
    },
    /// Wait until a service reports SERVING on grpc.health.v1, then print the milliseconds.
    WaitServing {
        #[arg(long)]
        target: String,
    },
    /// Serve the echo baseline.
    EchoServer {
        #[arg(long, default_value = "127.0.0.1:50090")]
        listen: SocketAddr,
    },
    /// Drive a scenario and print the numbers.
    Run {
        #[arg(long)]
        target: String,
        #[arg(long, value_enum)]
        scenario: Scenario,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Seconds.
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// How many registrations the target holds (seeded): numbers past it are misses.
        #[arg(long, default_value_t = 0)]
        registry_size: u64,
        /// Requests per second offered in total, paced evenly over the callers (0: as fast as
        /// the answers come). Latency is then measured at that load rather than at saturation.
        #[arg(long, default_value_t = 0)]
        rate: u64,
    },
    /// The database's own ceiling for a durable one-row write: a loop of one-row insert
    /// transactions with the service's settings (WAL, synchronous FULL, BEGIN IMMEDIATE).
    SqliteCeiling {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Seconds.
        #[arg(long, default_value_t = 10)]
        duration: u64,
    },
    /// "Due within 3 working days" among `count` applications in a fresh SQLite registry (a
    /// fifth still RECEIVED, due dates over three years), counted by the service's store query,
    /// beside the same count by a full scan of the table.
    DueWithin {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    Echo,
    Lookup,
    Validate,
    /// ValidateStatements with a batch of 100 lookups of random numbers (hits, misses, revoked).
    Bulk,
    /// SubmitApplication then RegisterExporter: two durable write transactions per operation,
    /// on a fresh registry (numbers run out at 9,999, REG-7).
    Register,
    /// SubmitApplication alone: one durable write transaction per call, taking no number.
    Submit,
}

/// A seeded registration's index, or one past the registry (a tenth of the draws: misses).
fn pick(rng: &mut impl Rng, registry_size: u64) -> u64 {
    if registry_size == 0 {
        0
    } else {
        rng.random_range(0..registry_size + registry_size / 10)
    }
}

/// Items per ValidateStatements call in the bulk scenario.
const BULK_BATCH: usize = 100;

/// Registrations the write scenario makes at most: the sequence ends at 9,999 (REG-7).
const MAX_REGISTRATIONS: u64 = 9_000;

/// The `k`-th valid BIN of the scenario's range: 11 digits and the check digit that makes
/// them valid (prefixes whose check digit is never issued are skipped).
fn bench_tin(k: u64) -> Option<String> {
    (0..10)
        .map(|d| format!("{:011}{d}", 25_014_000_000 + k))
        .find(|t| rex_registration::domain::Tin::parse(t).is_ok())
}

fn bench_form(tin: &str, now: chrono::DateTime<chrono::Utc>) -> ApplicationForm {
    let text = |primary: &str, english: &str| {
        Some(BilingualText {
            primary: primary.into(),
            english: english.into(),
        })
    };
    let content = format!("%PDF-1.4 origin evidence of {tin}").into_bytes();
    ApplicationForm {
        data: Some(RegistrationData {
            exporter: Some(Exporter {
                name: text("ТОО «Нагрузка»", "Load LLP"),
                address: text("г. Алматы, пр. Абая, 1", "Almaty, Abai ave. 1"),
                country: "KZ".into(),
                tin: tin.into(),
            }),
            contact: Some(Contact {
                phone: "+7 727 000 0001".into(),
                fax: String::new(),
                email: "load@example.kz".into(),
            }),
            activities: vec![Activity::Production as i32],
            goods: vec![Goods {
                description: text("Пшеничная мука", "Wheat flour"),
                hs_code: "1101".into(),
            }],
            hs_heading_count: 0,
            publication_consent: true,
        }),
        undertakings: Some(Undertakings {
            accepted: true,
            signatory_name: "A. Director".into(),
            signatory_position: "Director".into(),
            signed_on: Some(rex_runtime::convert::date_to_proto(
                rex_calendar::time::local_date(now),
            )),
        }),
        primary_language: rex_proto::common::Language::Ru as i32,
        representative: None,
        documents: vec![rex_proto::common::Document {
            kind: rex_proto::common::DocumentKind::OriginEvidence as i32,
            file_name: "certificate-of-origin.pdf".into(),
            media_type: "application/pdf".into(),
            sha256: hex::encode(sha2::Sha256::digest(&content)),
            content,
            ..Default::default()
        }],
        channel: SubmissionChannel::Paper as i32,
        received_at: Some(rex_runtime::convert::timestamp_to_proto(now)),
        regional_branch_code: "001".into(),
    }
}

/// One SubmitApplication + RegisterExporter; `Some(true)` when the number is as REG-7 says.
/// Submits the bench's application for `tin`; the application, without findings.
async fn submit_one(
    reg: &mut RegistrationServiceClient<Channel>,
    tin: &str,
) -> Result<Application, tonic::Status> {
    // The load generator stands for the officers' systems: the wall clock is theirs.
    let now = chrono::Utc::now();
    let application = reg
        .submit_application(SubmitApplicationRequest {
            idempotency_key: format!("bench-submit-{tin}"),
            form: Some(bench_form(tin, now)),
        })
        .await?
        .into_inner()
        .application
        .ok_or_else(|| tonic::Status::internal("no application in the answer"))?;
    if !application.findings.is_empty() {
        return Err(tonic::Status::failed_precondition(format!(
            "the bench form has findings: {:?}",
            application.findings
        )));
    }
    Ok(application)
}

async fn register_one(
    reg: &mut RegistrationServiceClient<Channel>,
    tin: &str,
) -> Result<Option<bool>, tonic::Status> {
    let now = chrono::Utc::now();
    let application = submit_one(reg, tin).await?;
    let registration = reg
        .register_exporter(RegisterExporterRequest {
            idempotency_key: format!("bench-register-{tin}"),
            application_id: application.application_id,
            authorized_person_id: BENCH_OFFICER.into(),
        })
        .await?
        .into_inner()
        .registration
        .unwrap_or_default();
    let on = rex_calendar::time::local_date(now)
        .format("%d%m%Y")
        .to_string();
    Ok(Some(
        registration
            .registration_number
            .starts_with(&format!("KZREX001{on}"))
            && registration
                .data
                .and_then(|d| d.exporter)
                .is_some_and(|e| e.tin == tin),
    ))
}

const BENCH_OFFICER: &str = "BENCH-AP";

/// The seeded number of registration `i`: unique by branch, date and sequence.
fn seeded_number(i: u64) -> String {
    let seq = i % 9999 + 1;
    let day = i / 9999;
    let date = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default()
        + chrono::Days::new(day % 1500);
    let branch = 1 + (day / 1500) % 999;
    format!("KZREX{branch:03}{}{seq:04}", date.format("%d%m%Y"))
}

fn valid_from(i: u64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default()
        + chrono::Days::new((i / 9999) % 1500)
}

async fn seed(url: &str, count: u64) -> anyhow::Result<()> {
    let db = rex_runtime::db::Db::connect(url, &rex_registration::MIGRATIONS).await?;
    let data = RegistrationData {
        exporter: Some(Exporter {
            name: Some(BilingualText {
                primary: "ТОО «Сид»".into(),
                english: "Seed LLP".into(),
            }),
            address: Some(BilingualText {
                primary: "г. Алматы".into(),
                english: "Almaty".into(),
            }),
            country: "KZ".into(),
            tin: String::new(),
        }),
        contact: Some(Contact {
            phone: "+7 727 000 0000".into(),
            fax: String::new(),
            email: "seed@example.kz".into(),
        }),
        activities: vec![Activity::Production as i32],
        goods: vec![Goods {
            description: Some(BilingualText {
                primary: "Мука".into(),
                english: "Flour".into(),
            }),
            hs_code: "1101".into(),
        }],
        hs_heading_count: 0,
        publication_consent: true,
    }
    .encode_to_vec();
    let form = ApplicationForm::default().encode_to_vec();
    let started = Instant::now();
    let batch = 400u64;
    let mut i = 0;
    while i < count {
        let n = batch.min(count - i);
        let mut tx = db.begin_write().await?;
        let mut apps = String::from(
            "INSERT INTO applications (application_id, exporter_tin, branch_code, channel, primary_language, received_at, received_on, form, findings, status, refusal_due, registration_due) VALUES ",
        );
        let mut regs = String::from(
            "INSERT INTO registrations (registration_number, sequence, application_id, exporter_tin, branch_code, primary_language, valid_from, assigned_on, assigned_at, authorized_person_id, status, data) VALUES ",
        );
        for k in 0..n {
            let p = k * 4;
            if k > 0 {
                apps.push(',');
            }
            apps.push_str(&format!("(${}, ${}, '001', 'PAPER', 'RU', '2022-01-01T00:00:00.000000Z', ${}, ${}, '[]', 'REGISTERED', '2022-01-01', '2022-01-01')", p + 1, p + 2, p + 3, p + 4));
        }
        for k in 0..n {
            let p = k * 7;
            if k > 0 {
                regs.push(',');
            }
            regs.push_str(&format!(
                "(${}, ${}, ${}, ${}, '001', 'RU', ${}, ${}, '2022-01-01T00:00:00.000000Z', 'SEED', ${}, $LAST)",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
        }
        let mut q = sqlx::query(&apps);
        for k in 0..n {
            let idx = i + k;
            q = q
                .bind(format!("seed-{idx}"))
                .bind(format!("T{idx:011}"))
                .bind(valid_from(idx).to_string())
                .bind(form.clone());
        }
        q.execute(&mut *tx).await.context("seeding applications")?;
        let last = n * 7 + 1;
        let regs = regs.replace("$LAST", &format!("${last}"));
        let mut q = sqlx::query(&regs);
        for k in 0..n {
            let idx = i + k;
            let status = if idx % 20 == 0 { "REVOKED" } else { "ACTIVE" };
            q = q
                .bind(seeded_number(idx))
                .bind(i64::try_from(idx).unwrap_or(i64::MAX))
                .bind(format!("seed-{idx}"))
                .bind(format!("T{idx:011}"))
                .bind(valid_from(idx).to_string())
                .bind(valid_from(idx).to_string())
                .bind(status);
        }
        q = q.bind(data.clone());
        q.execute(&mut *tx).await.context("seeding registrations")?;
        let mut revs = Vec::new();
        for k in 0..n {
            let idx = i + k;
            if idx % 20 == 0 {
                revs.push(idx);
            }
        }
        for idx in revs {
            sqlx::query(
                "INSERT INTO revocations (revocation_id, registration_number, ground, revoked_on, requested_by, case_reference, explanation, officer_id, recorded_at) \
                 VALUES ($1, $2, 'REVOCATION_GROUND_EXPORTER_REQUEST', '2025-01-01', 'EXPORTER', '', '', 'SEED', '2025-01-01T00:00:00.000000Z')",
            )
            .bind(format!("seed-rev-{idx}"))
            .bind(seeded_number(idx))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        i += n;
        if i % 100_000 < batch {
            eprintln!(
                "seeded {i} of {count} ({:.0}/s)",
                i as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "seeded {count} registrations in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(Default, Debug)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: BTreeMap<String, u64>,
    checked: u64,
    wrong: u64,
}

async fn run(
    target: &str,
    scenario: Scenario,
    concurrency: usize,
    duration: Duration,
    registry_size: u64,
    rate: u64,
) -> anyhow::Result<()> {
    let channel = Channel::from_shared(target.to_owned())?
        .connect()
        .await
        .with_context(|| format!("cannot reach {target}"))?;
    if scenario == Scenario::Register {
        RegistrationServiceClient::new(channel.clone())
            .save_authorized_person(SaveAuthorizedPersonRequest {
                idempotency_key: String::new(),
                person: Some(AuthorizedPerson {
                    person_id: BENCH_OFFICER.into(),
                    full_name: "Benchmark Officer".into(),
                    position: "Chief specialist".into(),
                    regional_branch_code: "001".into(),
                    phone: "+7 727 300 0000".into(),
                    email: "bench@atameken.example.kz".into(),
                    active: true,
                    updated_at: None,
                }),
            })
            .await
            .context("adding the benchmark's authorized person (REG-13)")?;
    }
    let started_at = Instant::now();
    let deadline = started_at + duration;
    // Each caller sends every `concurrency / rate` seconds, offset from the others.
    let interval = (rate > 0).then(|| Duration::from_secs_f64(concurrency as f64 / rate as f64));
    let next_tin = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let channel = channel.clone();
        let next_tin = next_tin.clone();
        tasks.push(tokio::spawn(async move {
            let mut next_at =
                interval.map(|i| started_at + i.mul_f64(w as f64 / concurrency as f64));
            let mut rng = rand::rngs::StdRng::seed_from_u64(w as u64);
            let mut t = Tally::default();
            let mut reg = RegistrationServiceClient::new(channel.clone());
            let mut echo = echo::echo_service_client::EchoServiceClient::new(channel);
            let payload = vec![7u8; 256];
            while Instant::now() < deadline {
                if let (Some(at), Some(interval)) = (next_at.as_mut(), interval) {
                    if *at > Instant::now() {
                        tokio::time::sleep_until((*at).into()).await;
                    }
                    *at += interval;
                }
                let i = pick(&mut rng, registry_size);
                let started = Instant::now();
                let outcome: Result<Option<bool>, tonic::Status> = match scenario {
                    Scenario::Echo => echo
                        .echo(echo::EchoRequest {
                            payload: payload.clone(),
                        })
                        .await
                        .map(|r| Some(r.into_inner().payload.len() == 256)),
                    Scenario::Lookup => {
                        let number = seeded_number(i);
                        match reg
                            .lookup_registration(LookupRegistrationRequest {
                                registration_number: number.clone(),
                                as_of: None,
                            })
                            .await
                        {
                            Ok(r) => {
                                let r = r.into_inner();
                                let want = if i % 20 == 0 {
                                    LookupStatus::Revoked
                                } else {
                                    LookupStatus::Valid
                                };
                                Ok(Some(
                                    i < registry_size
                                        && r.registration_number == number
                                        && r.status == want as i32,
                                ))
                            }
                            Err(s) if s.code() == tonic::Code::NotFound => {
                                Ok(Some(i >= registry_size))
                            }
                            Err(s) => Err(s),
                        }
                    }
                    Scenario::Validate => {
                        let number = seeded_number(i);
                        let request = ValidateStatementRequest {
                            importing_country: ImportingCountry::Ch as i32,
                            value: Some(Money {
                                currency_code: "CHF".into(),
                                amount: "20000".into(),
                            }),
                            exchange_rate: String::new(),
                            statement_date: Some(rex_runtime::convert::date_to_proto(
                                chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
                            )),
                            registration_number: number,
                            statement_text: String::new(),
                        };
                        reg.validate_statement(request).await.map(|r| {
                            let valid = r.into_inner().valid;
                            Some(valid == (i < registry_size && i % 20 != 0))
                        })
                    }
                    Scenario::Bulk => {
                        let picks: Vec<u64> = (0..BULK_BATCH)
                            .map(|_| pick(&mut rng, registry_size))
                            .collect();
                        let items = picks
                            .iter()
                            .map(|&i| BulkCheck {
                                check: Some(bulk_check::Check::Lookup(LookupRegistrationRequest {
                                    registration_number: seeded_number(i),
                                    as_of: None,
                                })),
                            })
                            .collect();
                        reg.validate_statements(ValidateStatementsRequest { items })
                            .await
                            .map(|r| {
                                let r = r.into_inner();
                                Some(
                                    r.results.len() == picks.len()
                                        && r.results.iter().zip(&picks).all(|(res, &i)| match res
                                            .result
                                            .as_ref()
                                        {
                                            Some(bulk_result::Result::Lookup(l)) => {
                                                let want = if i % 20 == 0 {
                                                    LookupStatus::Revoked
                                                } else {
                                                    LookupStatus::Valid
                                                };
                                                i < registry_size && l.status == want as i32
                                            }
                                            Some(bulk_result::Result::Error(e)) => {
                                                i >= registry_size && e.code == "NOT_FOUND"
                                            }
                                            _ => false,
                                        }),
                                )
                            })
                    }
                    Scenario::Register => {
                        let k = next_tin.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= MAX_REGISTRATIONS {
                            break;
                        }
                        match bench_tin(k) {
                            Some(tin) => register_one(&mut reg, &tin).await,
                            None => continue,
                        }
                    }
                    Scenario::Submit => {
                        let k = next_tin.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        match bench_tin(k) {
                            Some(tin) => submit_one(&mut reg, &tin).await.map(|_| Some(true)),
                            None => continue,
                        }
                    }
                };
                let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
                match outcome {
                    Ok(check) => {
                        t.latencies_us.push(us);
                        // Correctness on a sample, not assumed.
                        if t.latencies_us.len() % 10 == 0 {
                            t.checked += 1;
                            if check == Some(false) {
                                t.wrong += 1;
                            }
                        }
                    }
                    Err(s) => *t.errors.entry(format!("{:?}", s.code())).or_default() += 1,
                }
            }
            t
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await?;
        all.latencies_us.extend(t.latencies_us);
        for (k, v) in t.errors {
            *all.errors.entry(k).or_default() += v;
        }
        all.checked += t.checked;
        all.wrong += t.wrong;
    }
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let idx = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        f64::from(all.latencies_us[idx]) / 1000.0
    };
    // The write scenario may end early, when the numbers it may use are used up.
    let elapsed = started_at.elapsed().min(duration);
    let rps = n as f64 / elapsed.as_secs_f64();
    let items = if scenario == Scenario::Bulk {
        BULK_BATCH
    } else {
        1
    };
    println!(
        "scenario={scenario:?} concurrency={concurrency} offered_rps={rate} seconds={:.1} ok={n} rps={rps:.0} items_per_s={:.0} p50_ms={:.3} p99_ms={:.3} p999_ms={:.3} errors={:?} checked={} wrong={}",
        elapsed.as_secs_f64(),
        rps * items as f64,
        pct(0.50),
        pct(0.99),
        pct(0.999),
        all.errors,
        all.checked,
        all.wrong
    );
    anyhow::ensure!(all.wrong == 0, "{} sampled answers were wrong", all.wrong);
    Ok(())
}

/// One-row durable insert transactions as fast as SQLite takes them, from `concurrency` tasks
/// through the service's pool (so the same WAL, synchronous FULL and BEGIN IMMEDIATE), each
/// committed on its own; prints transactions per second.
async fn sqlite_ceiling(url: &str, concurrency: usize, duration: Duration) -> anyhow::Result<()> {
    let db = rex_runtime::db::Db::connect(url, &rex_registration::MIGRATIONS).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_ceiling (id TEXT PRIMARY KEY, payload BLOB NOT NULL, at TEXT NOT NULL)")
        .execute(&db.pool)
        .await?;
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            // About the size of a registration row.
            let payload = vec![7u8; 600];
            while Instant::now() < deadline {
                // SQLite's own transactions, one commit each: not the service's group commit.
                let mut tx = db.pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("INSERT INTO bench_ceiling (id, payload, at) VALUES ($1, $2, $3)")
                    .bind(format!("{w}-{n}"))
                    .bind(payload.clone())
                    .bind(chrono::Utc::now().to_rfc3339())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    let tps = total as f64 / started.elapsed().as_secs_f64();
    println!("sqlite_ceiling concurrency={concurrency} transactions={total} tps={tps:.0}");
    Ok(())
}

#[derive(Debug, Default)]
struct Echo;

#[tonic::async_trait]
impl echo::echo_service_server::EchoService for Echo {
    async fn echo(
        &self,
        request: tonic::Request<echo::EchoRequest>,
    ) -> Result<tonic::Response<echo::EchoResponse>, tonic::Status> {
        Ok(tonic::Response::new(echo::EchoResponse {
            payload: request.into_inner().payload,
        }))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed {
            database_url,
            count,
        } => seed(&database_url, count).await,
        Command::WaitServing { target } => {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(channel) = Channel::from_shared(target.clone())?.connect().await {
                    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
                    let request = tonic_health::pb::HealthCheckRequest {
                        service: String::new(),
                    };
                    if let Ok(r) = health.check(request).await
                        && r.into_inner().status
                            == tonic_health::pb::health_check_response::ServingStatus::Serving
                                as i32
                    {
                        println!("{}", started.elapsed().as_millis());
                        return Ok(());
                    }
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            anyhow::bail!("{target} did not report SERVING within 30 s")
        }
        Command::EchoServer { listen } => {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            println!("echo {}", listener.local_addr()?);
            tonic::transport::Server::builder()
                .add_service(echo::echo_service_server::EchoServiceServer::new(Echo))
                .serve_with_incoming(
                    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                )
                .await?;
            Ok(())
        }
        Command::Run {
            target,
            scenario,
            concurrency,
            duration,
            registry_size,
            rate,
        } => {
            run(
                &target,
                scenario,
                concurrency,
                Duration::from_secs(duration),
                registry_size,
                rate,
            )
            .await
        }
        Command::SqliteCeiling {
            database_url,
            concurrency,
            duration,
        } => sqlite_ceiling(&database_url, concurrency, Duration::from_secs(duration)).await,
        Command::DueWithin {
            database_url,
            count,
        } => due_within(&database_url, count).await,
    }
}

/// See [`Command::DueWithin`].
async fn due_within(database_url: &str, count: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        database_url.starts_with("sqlite:"),
        "due-within seeds SQLite (the embedded default)"
    );
    let db = rex_runtime::db::Db::connect(database_url, &rex_registration::MIGRATIONS).await?;
    let t = Instant::now();
    // Generated in the database: a fifth RECEIVED, received over three years from 2025.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)          INSERT INTO applications (application_id, exporter_tin, branch_code, channel, primary_language,          received_at, received_on, form, findings, status, refusal_due, registration_due)          SELECT 'app-' || i, printf('%012d', i), '001', 'PAPER', 'RU',          date('2025-01-01', '+' || (i % 1095) || ' days') || 'T06:00:00.000000Z',          date('2025-01-01', '+' || (i % 1095) || ' days'), x'', '[]',          CASE WHEN i % 5 = 0 THEN 'RECEIVED' ELSE 'REGISTERED' END,          date('2025-01-01', '+' || (i % 1095 + 5) || ' days'),          date('2025-01-01', '+' || (i % 1095 + 7) || ' days') FROM n",
    )
    .bind(i64::try_from(count)?)
    .execute(&db.pool)
    .await?;
    println!(
        "due-within: seeded {count} applications in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let calendar = rex_calendar::Calendar::official()?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 19).context("date")?;
    let until = calendar.add_working_days(today, 3)?;
    let mut conn = db.pool.acquire().await?;
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..51 {
        let t = Instant::now();
        found = rex_registration::store::count_due_between(&mut conn, today, until).await?;
        times.push(t.elapsed());
    }
    times.sort();
    let indexed = times[times.len() / 2];
    let t = Instant::now();
    let scanned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications NOT INDEXED WHERE status = 'RECEIVED' AND registration_due >= $1 AND registration_due <= $2",
    )
    .bind(today.to_string())
    .bind(until.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let scan = t.elapsed();
    anyhow::ensure!(
        found == scanned,
        "the store query found {found}, the scan {scanned}"
    );
    println!(
        "due within 3 working days of {today} (to {until}) among {count} applications: {found} found in {:.3} ms, median of 51 (target < 100 ms) | baseline: full scan of the table {:.1} ms | ratio {:.4}",
        indexed.as_secs_f64() * 1e3,
        scan.as_secs_f64() * 1e3,
        indexed.as_secs_f64() / scan.as_secs_f64()
    );
    Ok(())
}
