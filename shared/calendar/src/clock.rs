//! The injected clock: domain code asks a `Clock`, never the system, so tests set "today".

use std::fmt::Debug;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::time::{local, local_date};

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Almaty, the date the law counts in.
    fn today(&self) -> NaiveDate {
        local_date(self.now())
    }
}

/// The system's clock, for production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<Utc>>,
}

impl TestClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// A clock set to `time` on `date`, Almaty local time.
    pub fn at_local(date: NaiveDate, time: NaiveTime) -> Self {
        Self::new(local(date, time).with_timezone(&Utc))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
    }

    /// Sets the clock to `time` on `date`, Almaty local time.
    pub fn set_local(&self, date: NaiveDate, time: NaiveTime) {
        self.set(local(date, time).with_timezone(&Utc));
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_is_set_and_advanced_by_the_test() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        let clock = TestClock::at_local(d, NaiveTime::from_hms_opt(23, 30, 0).unwrap());
        assert_eq!(clock.today(), d);
        clock.advance(Duration::hours(1));
        assert_eq!(clock.today(), d.succ_opt().unwrap());
        clock.set_local(d, NaiveTime::MIN);
        assert_eq!(clock.today(), d);
    }
}
