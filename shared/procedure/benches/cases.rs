//! Benchmark: prints its numbers, asserts nothing about time.
//!
//! `cargo bench -p rex-procedure --bench cases` (release build, one thread).
//! Target (issue #15): the due moments of every step of 1,000,000 open cases of a nine-step
//! procedure with one suspension each, under 2 s on one core. Printed beside the plain
//! calendar's working-day addition for the same number of periods.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rex_calendar::{Calendar, Period, Schedule, Suspension, Unit};

/// Nine steps in every unit the orders use (Order 292 and 355 style).
const STEPS: [Period; 9] = [
    Period::new(4, Unit::Hours),
    Period::new(2, Unit::WorkingDays),
    Period::new(5, Unit::WorkingDays),
    Period::new(22, Unit::CalendarDays),
    Period::new(3, Unit::WorkingDays),
    Period::new(1, Unit::Months),
    Period::new(2, Unit::Hours),
    Period::new(15, Unit::WorkingDays),
    Period::new(30, Unit::WorkingDays),
];

struct Case {
    registered: DateTime<Utc>,
    /// The suspension of the fourth step.
    stop: Suspension,
}

fn main() {
    let calendar = Calendar::official().expect("calendar");
    let schedule = Schedule::default();
    let mut rng = StdRng::seed_from_u64(15);
    let base = Utc
        .with_ymd_and_hms(2025, 1, 1, 4, 0, 0)
        .single()
        .expect("date");
    let cases: Vec<Case> = (0..1_000_000)
        .map(|_| {
            let registered = base + Duration::minutes(rng.random_range(0..2 * 365 * 24 * 60));
            let from = registered + Duration::days(rng.random_range(4..8));
            let to = from + Duration::days(rng.random_range(2..7));
            Case {
                registered,
                stop: Suspension { from, to },
            }
        })
        .collect();
    println!(
        "rex-procedure benchmark (one thread): 1,000,000 open cases of a nine-step procedure, one suspension each"
    );

    let t = Instant::now();
    let mut n = 0usize;
    for c in &cases {
        for (k, period) in STEPS.iter().enumerate() {
            // Step k starts k days after the registration; the fourth step was suspended.
            let from = c.registered + Duration::days(k as i64);
            let stops: &[Suspension] = if k == 3 {
                std::slice::from_ref(&c.stop)
            } else {
                &[]
            };
            black_box(
                calendar
                    .due_instant(black_box(from), *period, &[], stops, &schedule)
                    .expect("in range"),
            );
            n += 1;
        }
    }
    let engine = t.elapsed();

    let t = Instant::now();
    for c in &cases {
        for (k, period) in STEPS.iter().enumerate() {
            let from = (c.registered + Duration::days(k as i64)).date_naive();
            black_box(
                calendar
                    .add_working_days(black_box(from), period.count)
                    .expect("in range"),
            );
        }
    }
    let plain = t.elapsed();
    println!(
        "due moments of every step: {n} in {:.3} s (target < 2 s) | baseline: the plain calendar's working-day addition for as many periods {:.3} s | ratio {:.1}x",
        engine.as_secs_f64(),
        plain.as_secs_f64(),
        engine.as_secs_f64() / plain.as_secs_f64()
    );

    // With the derivation of each (what an officer's screen asks for), on a sample.
    let sample = &cases[..100_000];
    let t = Instant::now();
    for c in sample {
        for (k, period) in STEPS.iter().enumerate() {
            let from = c.registered + Duration::days(k as i64);
            let stops: &[Suspension] = if k == 3 {
                std::slice::from_ref(&c.stop)
            } else {
                &[]
            };
            black_box(
                calendar
                    .due_moment(from, *period, &[], stops, &schedule)
                    .expect("in range"),
            );
        }
    }
    println!(
        "with the derivation: {:.2} M due moments/s",
        (sample.len() * STEPS.len()) as f64 / t.elapsed().as_secs_f64() / 1e6
    );
}
