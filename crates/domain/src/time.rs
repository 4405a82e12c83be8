//! Time as the domain sees it: UTC epoch milliseconds, handed in by the caller.

use std::fmt;

use uuid::Uuid;

/// A moment in UTC, in milliseconds since the Unix epoch. Shown in the agency's time zone by
/// the console; stored and compared as this number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// `self + ms`, saturating rather than overflowing on absurd inputs.
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// A UUID v7 whose time field is this moment; the rest is random.
    pub(crate) fn uuid_v7(self) -> Uuid {
        let ms = u64::try_from(self.0).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            ms / 1000,
            u32::try_from((ms % 1000) * 1_000_000).unwrap_or(0),
        );
        Uuid::new_v7(ts)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.0)
    }
}

/// The source of "now". The server passes the system clock; tests and the simulator pass
/// their own, so the core never reads the wall clock itself.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}
