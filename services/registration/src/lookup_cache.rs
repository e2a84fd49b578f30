//! The public record of each registration number as the lookup and the statement checks need
//! it, kept in memory so that a customs check does not read the registry's tables.
//!
//! Correctness before speed: a lookup never answers from a record older than a write whose
//! RPC had returned when the lookup arrived.
//! - This process's writes (a registration, an accepted change, a revocation, a
//!   reinstatement) invalidate their number after the commit, and a generation counter stops a
//!   reader that read the database *before* that commit from putting its older copy back.
//! - Replicas sharing one PostgreSQL database ([`LookupCache::shared`]): every such write also
//!   lists its number in `public_changes` in commit order, and before answering, a lookup waits
//!   for a catch-up that started after it arrived: one small query (usually empty) that drops
//!   what other replicas changed. Lookups arriving together share one catch-up.
//!
//! On SQLite the database belongs to this one process, so the first rule is enough.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use prost::Message;
use quick_cache::Weighter;
use rex_proto::registration::LookupRegistrationResponse;
use rex_runtime::convert::date_to_proto;

use crate::domain::{RevocationFacts, status_on};
use rex_runtime::db::Db;

use crate::store::{self, RegistrationRow, RevocationRow};

/// What a lookup shows of one registration: enough to answer for any date. The published
/// view is kept encoded (about a third of the memory of the decoded messages, so a registry
/// of a million fits in the default budget) and decoded per answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRecord {
    pub valid_from: NaiveDate,
    /// (revoked on, annulled by a court) of each revocation.
    pub revocations: Box<[(NaiveDate, bool)]>,
    /// `LookupRegistrationResponse` with what does not depend on the date: the number, the
    /// validity and assignment dates, and the published data where the exporter consented
    /// (REG-5).
    view: Box<[u8]>,
}

impl PublicRecord {
    pub fn new(row: &RegistrationRow, revocations: &[RevocationRow]) -> Self {
        let data = &row.data;
        let published = data.publication_consent;
        let exporter = data.exporter.clone().unwrap_or_default();
        let view = LookupRegistrationResponse {
            registration_number: row.registration_number.clone(),
            valid_from: Some(date_to_proto(row.valid_from)),
            assigned_on: Some(date_to_proto(row.assigned_on)),
            published,
            name: exporter.name.filter(|_| published),
            address: exporter.address.filter(|_| published),
            contact: data.contact.clone().filter(|_| published),
            activities: if published {
                data.activities.clone()
            } else {
                vec![]
            },
            goods: if published {
                data.goods.clone()
            } else {
                vec![]
            },
            ..Default::default()
        };
        Self {
            valid_from: row.valid_from,
            revocations: revocations
                .iter()
                .map(|r| (r.revoked_on(), r.annulled()))
                .collect(),
            view: view.encode_to_vec().into_boxed_slice(),
        }
    }

    /// The lookup's answer on `as_of` (REG-5, REG-6, REV-1, REV-5).
    pub fn answer(
        &self,
        as_of: NaiveDate,
    ) -> Result<LookupRegistrationResponse, prost::DecodeError> {
        let mut answer = LookupRegistrationResponse::decode(&self.view[..])?;
        let (status, revoked_on) = status_on(self.valid_from, &self.revocations, as_of);
        answer.status = crate::grpc::convert::lookup_status_proto(status) as i32;
        answer.as_of = Some(date_to_proto(as_of));
        answer.revoked_on = revoked_on.map(date_to_proto);
        Ok(answer)
    }

    /// Roughly the bytes it holds, for the cache's budget: the struct, the view, the
    /// revocations, and the Arc's and the allocator's headers.
    fn weight(&self) -> u64 {
        (64 + std::mem::size_of::<Self>() + self.view.len() + 8 * self.revocations.len()) as u64
    }
}

/// A cached answer: the record, or `None` for a number that is not in the registry.
pub type Cached = Option<Arc<PublicRecord>>;

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Cached> for ByBytes {
    fn weight(&self, key: &String, value: &Cached) -> u64 {
        // A miss weighs its key and the entry's bookkeeping (the cache's slot and the key's
        // allocation).
        key.len() as u64 + 64 + value.as_ref().map_or(0, |r| r.weight())
    }
}

/// The cache, bounded by an approximate number of bytes.
pub struct LookupCache {
    entries: quick_cache::sync::Cache<String, Cached, ByBytes>,
    /// Bumped by every invalidation; a fill that started under an older value is dropped.
    generation: AtomicU64,
    budget_bytes: u64,
    /// Other processes write the same database: where the catch-up before every answer
    /// stands; none when this process makes every write.
    catch_up: Option<tokio::sync::Mutex<CatchUp>>,
    /// Catch-ups begun so far.
    catch_ups_started: AtomicU64,
}

/// Where the catch-up with `public_changes` stands.
#[derive(Debug)]
struct CatchUp {
    /// The last listed change applied.
    seen: i64,
    /// The number of the latest catch-up that completed.
    done_through: u64,
}

impl std::fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupCache")
            .field("entries", &self.entries.len())
            .field("bytes", &self.entries.weight())
            .finish()
    }
}

impl LookupCache {
    /// A cache holding up to about `budget_bytes` of records.
    pub fn new(budget_bytes: u64) -> Self {
        // quick_cache sizes its tables from an estimate of the entry count.
        let estimated_items = (budget_bytes / 600).clamp(64, 4_000_000) as usize;
        Self {
            entries: quick_cache::sync::Cache::with_weighter(
                estimated_items,
                budget_bytes,
                ByBytes,
            ),
            generation: AtomicU64::new(0),
            budget_bytes,
            catch_up: None,
            catch_ups_started: AtomicU64::new(0),
        }
    }

    /// For replicas sharing one database: catches up with the other replicas' writes before
    /// every answer, from the listed change `seq` on (read before the cache is first filled).
    pub fn shared(mut self, seq: i64) -> Self {
        self.catch_up = Some(tokio::sync::Mutex::new(CatchUp {
            seen: seq,
            done_through: 0,
        }));
        self
    }

    /// Makes sure no record changed by another replica before now is answered from memory
    /// (see the module's notes). A no-op when this process makes every write.
    pub async fn catch_up(&self, db: &Db) -> Result<(), sqlx::Error> {
        let Some(catch_up) = &self.catch_up else {
            return Ok(());
        };
        let arrived = self.catch_ups_started.load(Ordering::Acquire);
        let mut state = catch_up.lock().await;
        // A catch-up that began after this lookup arrived has completed: it saw every commit
        // this lookup must see.
        if state.done_through > arrived {
            return Ok(());
        }
        let this = self.catch_ups_started.fetch_add(1, Ordering::AcqRel) + 1;
        let changes = {
            let mut conn = db.pool.acquire().await?;
            store::public_changes_after(&mut conn, state.seen).await?
        };
        for (seq, number) in changes {
            self.invalidate(&number);
            state.seen = seq;
        }
        state.done_through = this;
        Ok(())
    }

    /// The cached answer for `number`, if any.
    pub fn get(&self, number: &str) -> Option<Cached> {
        self.entries.get(number)
    }

    /// Where a reader stands before it reads the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps what a reader read, unless a write invalidated anything since `generation`.
    pub fn fill(&self, number: &str, generation: u64, value: Cached) {
        if self.generation.load(Ordering::Acquire) == generation {
            self.entries.insert(number.to_owned(), value);
            // An invalidation may have run between the check and the insert: undo the fill.
            if self.generation.load(Ordering::Acquire) != generation {
                self.entries.remove(number);
            }
        }
    }

    /// Forgets `number`: called after a write that changes its public record commits.
    pub fn invalidate(&self, number: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.remove(number);
    }

    /// Forgets everything: after a write whose outcome is unknown.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The approximate bytes held.
    pub fn bytes(&self) -> u64 {
        self.entries.weight()
    }
}

/// Loads the registry into `cache` page by page, in the background of a starting service, so
/// that the first customs checks do not each wait for the database. Stops when the cache is
/// nine-tenths full: beyond that it would only evict what it just loaded.
pub async fn warm(db: Db, cache: Arc<LookupCache>) -> anyhow::Result<()> {
    const PAGE: i64 = 2_000;
    let started = std::time::Instant::now();
    let mut after = String::new();
    let mut loaded = 0usize;
    let mut retries = 0;
    loop {
        if cache.bytes() >= cache.budget_bytes / 10 * 9 {
            tracing::info!(
                loaded,
                mib = cache.bytes() >> 20,
                "lookup cache full: the rest of the registry is read on demand"
            );
            break;
        }
        let generation = cache.generation();
        let page = {
            let mut conn = db.pool.acquire().await?;
            store::registrations_page(&mut conn, &after, PAGE).await?
        };
        let Some((last, _)) = page.last() else {
            break;
        };
        let last = last.registration_number.clone();
        if cache.generation() != generation && retries < 3 {
            // A write landed while the page was read: read it again rather than keep it.
            retries += 1;
            continue;
        }
        retries = 0;
        for (row, revocations) in &page {
            cache.fill(
                &row.registration_number,
                generation,
                Some(Arc::new(PublicRecord::new(row, revocations))),
            );
        }
        loaded += page.len();
        if loaded % 100_000 < PAGE as usize {
            tracing::info!(loaded, mib = cache.bytes() >> 20, "lookup cache warming");
        }
        after = last;
        // Served calls come first: the warm-up yields between pages.
        tokio::task::yield_now().await;
    }
    tracing::info!(
        loaded,
        entries = cache.len(),
        mib = cache.bytes() >> 20,
        seconds = started.elapsed().as_secs_f64(),
        "lookup cache warmed"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: &str) -> Cached {
        let on = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let view = LookupRegistrationResponse {
            registration_number: number.into(),
            ..Default::default()
        };
        Some(Arc::new(PublicRecord {
            valid_from: on,
            revocations: Box::new([(on, false)]),
            view: view.encode_to_vec().into_boxed_slice(),
        }))
    }

    const N: &str = "KZREX001020320260001";

    #[test]
    fn rev_1_invalidation_removes_the_cached_record() {
        let cache = LookupCache::new(1 << 20);
        cache.fill(N, cache.generation(), record(N));
        assert!(matches!(cache.get(N), Some(Some(_))));
        cache.invalidate(N);
        assert!(cache.get(N).is_none());
    }

    #[test]
    fn rev_1_a_read_from_before_a_revocation_is_not_kept() {
        let cache = LookupCache::new(1 << 20);
        // A reader starts, reads the database before the revocation commits ...
        let before = cache.generation();
        // ... the revocation commits and invalidates ...
        cache.invalidate(N);
        // ... and the reader's older copy must not come back.
        cache.fill(N, before, record(N));
        assert!(cache.get(N).is_none());
        // A reader that started after the invalidation fills.
        cache.fill(N, cache.generation(), record(N));
        assert!(cache.get(N).is_some());
    }

    #[test]
    fn reg_5_misses_are_cached_and_the_budget_holds() {
        let cache = LookupCache::new(64 * 1024);
        for i in 0..10_000 {
            cache.fill(&format!("KZREX00102032026{i:04}"), cache.generation(), None);
        }
        assert!(cache.bytes() <= 64 * 1024, "{} bytes", cache.bytes());
        assert!(!cache.is_empty() && cache.len() < 10_000);
    }
}
