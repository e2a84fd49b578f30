//! Benchmark: prints its numbers, asserts nothing about time.
//!
//! `cargo bench -p rex-calendar --bench calendar` (release build, one thread).
//! Targets (issue #2): adding 30 working days >= 5 million a second on one core; loading the
//! calendar < 5 ms. Each figure is printed beside a baseline run in the same process: a
//! day-by-day walk for the arithmetic, parsing the same TOML text without building anything
//! for the load.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rex_calendar::{Calendar, PeriodUnit};

const DATA: &[&str] = &[
    include_str!("../data/rules.toml"),
    include_str!("../data/2014.toml"),
    include_str!("../data/2015.toml"),
    include_str!("../data/2023.toml"),
    include_str!("../data/2024.toml"),
    include_str!("../data/2025.toml"),
    include_str!("../data/2026.toml"),
    include_str!("../data/2027.toml"),
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn naive_add(cal: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
    let mut day = start;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("in range");
        if cal.is_working_day(day).expect("in range") {
            left -= 1;
        }
    }
    day
}

fn rate(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

fn main() {
    println!("rex-calendar benchmark (one thread)");

    // Loading.
    let loads: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            black_box(Calendar::official().expect("loads"));
            t.elapsed()
        })
        .collect();
    let parses: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            for text in DATA {
                black_box(text.parse::<toml::Table>().expect("parses"));
            }
            t.elapsed()
        })
        .collect();
    let load = median(loads);
    let parse = median(parses);
    println!(
        "load calendar (2014-2099, 8 files): median {:.3} ms (target < 5 ms) | baseline: TOML parse only {:.3} ms | ratio {:.1}x",
        load.as_secs_f64() * 1e3,
        parse.as_secs_f64() * 1e3,
        load.as_secs_f64() / parse.as_secs_f64()
    );

    // Arithmetic on random dates.
    let cal = Calendar::official().expect("loads");
    let mut rng = StdRng::seed_from_u64(2026);
    let base = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    let starts: Vec<NaiveDate> = (0..1_000_000)
        .map(|_| base + Days::new(rng.random_range(0..79 * 365)))
        .collect();

    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for &s in &starts {
            black_box(cal.add_working_days(black_box(s), 30).expect("in range"));
        }
        best = best.min(t.elapsed());
    }
    let fast = rate(starts.len(), best);

    let sample = &starts[..100_000];
    let t = Instant::now();
    for &s in sample {
        black_box(naive_add(&cal, black_box(s), 30));
    }
    let naive = rate(sample.len(), t.elapsed());
    for &s in &starts[..10_000] {
        assert_eq!(
            cal.add_working_days(s, 30).ok(),
            Some(naive_add(&cal, s, 30)),
            "same answer"
        );
    }
    println!(
        "add 30 working days: {:.1} M/s (target >= 5 M/s) | baseline: day-by-day walk {:.1} M/s | ratio {:.1}x",
        fast / 1e6,
        naive / 1e6,
        fast / naive
    );

    let t = Instant::now();
    for &s in sample {
        black_box(
            cal.due(black_box(s), 30, PeriodUnit::WorkingDays)
                .expect("in range"),
        );
    }
    println!(
        "due date with full explanation (30 WD): {:.2} M/s",
        rate(sample.len(), t.elapsed()) / 1e6
    );

    let t = Instant::now();
    for &s in &starts {
        black_box(cal.is_working_day(black_box(s)).expect("in range"));
    }
    println!(
        "is_working_day: {:.1} M/s",
        rate(starts.len(), t.elapsed()) / 1e6
    );

    let t = Instant::now();
    for w in starts.windows(2).take(1_000_000 - 1) {
        black_box(cal.working_days_between(w[0], w[1]).expect("in range"));
    }
    println!(
        "working_days_between: {:.1} M/s",
        rate(starts.len() - 1, t.elapsed()) / 1e6
    );
}
