//! The public record of each registration number as the lookup and the statement checks need
//! it, kept in memory so that a customs check does not touch the database.
//!
//! Correctness before speed: every write that can change a lookup's answer (a registration,
//! an accepted change, a revocation, a reinstatement) invalidates its number after the write
//! commits, and a generation counter stops a reader that read the database *before* that
//! commit from putting its older copy back. So a revocation is seen by the next lookup after
//! `RevokeRegistration` returns. This holds when this process makes every write, which is why
//! the cache is on by default only for the embedded SQLite database: replicas that share a
//! PostgreSQL server cannot see each other's writes here, and run without it unless the
//! operator turns it on for a single replica.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use quick_cache::Weighter;
use rex_proto::common::BilingualText;
use rex_proto::registration::{Contact, Goods};

use crate::domain::RevocationFacts;
use rex_runtime::db::Db;

use crate::store::{self, RegistrationRow, RevocationRow};

/// What a lookup shows of one registration: enough to answer for any date.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRecord {
    pub registration_number: String,
    pub valid_from: NaiveDate,
    pub assigned_on: NaiveDate,
    /// (revoked on, annulled by a court) of each revocation.
    pub revocations: Vec<(NaiveDate, bool)>,
    /// The exporter consented to publication (REG-5); when not, the fields below are empty.
    pub published: bool,
    pub name: Option<BilingualText>,
    pub address: Option<BilingualText>,
    pub contact: Option<Contact>,
    /// `Activity` values.
    pub activities: Vec<i32>,
    pub goods: Vec<Goods>,
}

impl RevocationFacts for (NaiveDate, bool) {
    fn revoked_on(&self) -> NaiveDate {
        self.0
    }
    fn annulled(&self) -> bool {
        self.1
    }
}

impl PublicRecord {
    pub fn new(row: &RegistrationRow, revocations: &[RevocationRow]) -> Self {
        let data = &row.data;
        let published = data.publication_consent;
        let exporter = data.exporter.clone().unwrap_or_default();
        Self {
            registration_number: row.registration_number.clone(),
            valid_from: row.valid_from,
            assigned_on: row.assigned_on,
            revocations: revocations
                .iter()
                .map(|r| (r.revoked_on(), r.annulled()))
                .collect(),
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
        }
    }

    /// Roughly the bytes it holds, for the cache's budget.
    fn weight(&self) -> u64 {
        use prost::Message;
        let nested = self.name.as_ref().map_or(0, Message::encoded_len)
            + self.address.as_ref().map_or(0, Message::encoded_len)
            + self.contact.as_ref().map_or(0, Message::encoded_len)
            + self.goods.iter().map(Message::encoded_len).sum::<usize>();
        // 64: the Arc, the allocator's headers and the cache's own entry.
        (64 + std::mem::size_of::<Self>()
            + self.registration_number.len()
            // Decoded messages take about twice their encoded size (strings, vectors).
            + 2 * nested
            + 4 * self.activities.len()
            + 8 * self.revocations.len()) as u64
    }
}

/// A cached answer: the record, or `None` for a number that is not in the registry.
pub type Cached = Option<Arc<PublicRecord>>;

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Cached> for ByBytes {
    fn weight(&self, key: &String, value: &Cached) -> u64 {
        // A miss weighs its key and the entry's bookkeeping. The sum is raised by half: with
        // the seeded registry of BENCHMARKS.md, resident memory grew by 1.45 times it.
        (key.len() as u64 + 48 + value.as_ref().map_or(0, |r| r.weight())) * 3 / 2
    }
}

/// The cache, bounded by an approximate number of bytes.
pub struct LookupCache {
    entries: quick_cache::sync::Cache<String, Cached, ByBytes>,
    /// Bumped by every invalidation; a fill that started under an older value is dropped.
    generation: AtomicU64,
    budget_bytes: u64,
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
        }
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
        Some(Arc::new(PublicRecord {
            registration_number: number.into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            assigned_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            revocations: vec![],
            published: false,
            name: None,
            address: None,
            contact: None,
            activities: vec![],
            goods: vec![],
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
