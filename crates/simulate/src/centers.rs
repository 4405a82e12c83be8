//! 988 contacts answered by several crisis centers, each routed by where the caller is: a
//! contact rings at the first center of its route; unanswered within that tier's time it rolls
//! over to the next center, and so on; at the last it waits until answered or until its
//! patience (counted from the first ring) runs out. Each center answers first come first served
//! with its own counselors by hour of the week; when an hour's staffing falls, counselors on a
//! contact finish it first. The line of `line.rs`, as a network — the question "what if the
//! backup center is slower" is a question about this.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::arrivals::HOURS_PER_WEEK;

/// A center's counselors on duty in each hour of the week (168, Monday 00:00 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Center {
    pub counselors: Vec<u32>,
}

impl Center {
    fn staffed(&self, hour: u64) -> u32 {
        let h = usize::try_from(hour % HOURS_PER_WEEK as u64).unwrap_or(0);
        self.counselors.get(h).copied().unwrap_or(0)
    }
}

/// One contact, everything about it drawn beforehand.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub arrival_s: f64,
    /// The centers it rings at in turn, each with the seconds it has to answer before the
    /// contact rolls over (the last one's only for a diverted call). Never empty.
    pub tiers: Vec<(usize, f64)>,
    pub patience_s: f64,
    pub talk_s: f64,
    /// A 911 call diverted to 988 rather than a caller: the PSAP holds it, so it does not hang
    /// up (give an infinite patience), and when the last tier's time is up too it goes back to
    /// the PSAP.
    pub returns: bool,
}

/// How a contact ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum End {
    Answered {
        center: usize,
        at_s: f64,
    },
    Abandoned {
        at_s: f64,
    },
    /// A diverted call whose last tier did not answer in time.
    Returned {
        at_s: f64,
    },
}

/// What happened to a contact: when each tier rang (the first at its arrival), and its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub rang_s: Vec<f64>,
    pub end: Option<End>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// A new hour: staffing changes.
    Hour,
    Arrival {
        contact: usize,
    },
    Done {
        center: usize,
    },
    RollOver {
        contact: usize,
        tier: usize,
    },
    Abandon {
        contact: usize,
    },
}

/// Non-negative seconds, ordered by their bits.
fn key(t: f64) -> u64 {
    t.max(0.0).to_bits()
}

struct Run<'a> {
    contacts: &'a [Contact],
    heap: BinaryHeap<Reverse<(u64, u64, Event)>>,
    sequence: u64,
    talking: Vec<u32>,
    staffed: Vec<u32>,
    waiting: Vec<VecDeque<usize>>,
    outcomes: Vec<Outcome>,
    /// Contacts not yet ended.
    open: usize,
}

/// Plays `contacts` (in arrival order) through `centers`; one outcome per contact, in order.
/// Counselors' seconds talking within `[from_s, to_s)` are added to `talking_s`, per center.
pub fn simulate(
    centers: &[Center],
    contacts: &[Contact],
    window: (f64, f64),
    talking_s: &mut [f64],
) -> Vec<Outcome> {
    let mut run = Run {
        contacts,
        heap: BinaryHeap::new(),
        sequence: 0,
        talking: vec![0; centers.len()],
        staffed: centers.iter().map(|c| c.staffed(0)).collect(),
        waiting: vec![VecDeque::new(); centers.len()],
        outcomes: vec![Outcome { rang_s: Vec::new(), end: None }; contacts.len()],
        open: contacts.len(),
    };
    for (k, c) in contacts.iter().enumerate() {
        run.push(c.arrival_s, Event::Arrival { contact: k });
    }
    let flat = centers.iter().all(|c| c.counselors.windows(2).all(|w| w.first() == w.get(1)));
    if !flat && !contacts.is_empty() {
        run.push(3600.0, Event::Hour);
    }
    while let Some(Reverse((at, _, event))) = run.heap.pop() {
        let now = f64::from_bits(at);
        match event {
            Event::Hour => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let hour = (now / 3600.0).round() as u64;
                for (k, c) in centers.iter().enumerate() {
                    if let Some(s) = run.staffed.get_mut(k) {
                        *s = c.staffed(hour);
                    }
                    run.serve(k, now, window, talking_s);
                }
                // Hours go on while a contact is open and something else can still happen.
                if run.open > 0 && !run.heap.is_empty() {
                    run.push(now + 3600.0, Event::Hour);
                }
            }
            Event::Arrival { contact } => {
                if let Some(c) =
                    contacts.get(contact).filter(|c| !c.returns && c.patience_s.is_finite())
                {
                    run.push(c.arrival_s + c.patience_s, Event::Abandon { contact });
                }
                run.ring(contact, 0, now, window, talking_s);
            }
            Event::Done { center } => {
                if let Some(t) = run.talking.get_mut(center) {
                    *t = t.saturating_sub(1);
                }
                run.serve(center, now, window, talking_s);
            }
            Event::RollOver { contact, tier } => {
                let waiting_here = run
                    .outcomes
                    .get(contact)
                    .is_some_and(|o| o.end.is_none() && o.rang_s.len() == tier + 1);
                let last = contacts.get(contact).is_none_or(|c| tier + 1 >= c.tiers.len());
                match (waiting_here, last) {
                    (true, false) => run.ring(contact, tier + 1, now, window, talking_s),
                    (true, true) => run.end(contact, End::Returned { at_s: now }),
                    (false, _) => {}
                }
            }
            Event::Abandon { contact } => {
                if run.outcomes.get(contact).is_some_and(|o| o.end.is_none()) {
                    run.end(contact, End::Abandoned { at_s: now });
                }
            }
        }
    }
    run.outcomes
}

impl Run<'_> {
    /// The contact ends so (it had not ended before).
    fn end(&mut self, contact: usize, end: End) {
        if let Some(o) = self.outcomes.get_mut(contact) {
            o.end = Some(end);
            self.open = self.open.saturating_sub(1);
        }
    }

    fn push(&mut self, at: f64, event: Event) {
        self.sequence += 1;
        self.heap.push(Reverse((key(at), self.sequence, event)));
    }

    /// The contact rings at its `tier`'s center: answered at once by a free counselor, or it
    /// waits there — until the tier's time is up, when a later tier follows.
    fn ring(
        &mut self,
        contact: usize,
        tier: usize,
        now: f64,
        window: (f64, f64),
        talking_s: &mut [f64],
    ) {
        let Some(c) = self.contacts.get(contact) else { return };
        let Some(&(center, answer_within_s)) = c.tiers.get(tier) else { return };
        if let Some(o) = self.outcomes.get_mut(contact) {
            o.rang_s.push(now);
        }
        let free = self.talking.get(center) < self.staffed.get(center);
        if free {
            self.answer(contact, center, now, window, talking_s);
            return;
        }
        if let Some(q) = self.waiting.get_mut(center) {
            q.push_back(contact);
        }
        if tier + 1 < c.tiers.len() || c.returns {
            self.push(now + answer_within_s, Event::RollOver { contact, tier });
        }
    }

    fn answer(
        &mut self,
        contact: usize,
        center: usize,
        now: f64,
        window: (f64, f64),
        talking_s: &mut [f64],
    ) {
        let talk = self.contacts.get(contact).map_or(0.0, |c| c.talk_s);
        self.end(contact, End::Answered { center, at_s: now });
        if let Some(t) = self.talking.get_mut(center) {
            *t += 1;
        }
        if let Some(total) = talking_s.get_mut(center) {
            *total += ((now + talk).min(window.1) - now.max(window.0)).max(0.0);
        }
        self.push(now + talk, Event::Done { center });
    }

    /// Free counselors at `center` take its waiting contacts in order (those still waiting
    /// there: not rolled over, not hung up).
    fn serve(&mut self, center: usize, now: f64, window: (f64, f64), talking_s: &mut [f64]) {
        while self.talking.get(center) < self.staffed.get(center) {
            let Some(contact) = self.waiting.get_mut(center).and_then(VecDeque::pop_front) else {
                return;
            };
            let still_here = self.outcomes.get(contact).is_some_and(|o| {
                o.end.is_none()
                    && o.rang_s.len().checked_sub(1).and_then(|t| {
                        self.contacts.get(contact).and_then(|c| c.tiers.get(t)).map(|x| x.0)
                    }) == Some(center)
            });
            if still_here {
                self.answer(contact, center, now, window, talking_s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erlang_a;
    use crate::queue::QueueModel;
    use crate::rng::Rng;

    fn contacts(per_hour: f64, hours: f64, tiers: &[(usize, f64)], seed: u64) -> Vec<Contact> {
        let mut rng = Rng::seeded(seed);
        let (mut t, mut out) = (0.0, Vec::new());
        loop {
            t += rng.exponential(3600.0 / per_hour);
            if t >= hours * 3600.0 {
                return out;
            }
            out.push(Contact {
                arrival_s: t,
                tiers: tiers.to_vec(),
                patience_s: rng.exponential(120.0),
                talk_s: rng.exponential(240.0),
                returns: false,
            });
        }
    }

    /// One center alone is Erlang-A's queue: abandonment and occupancy agree with the model.
    #[test]
    fn one_center_is_the_erlang_a_queue() {
        let list = contacts(120.0, 10_000.0, &[(0, 60.0)], 5);
        let mut talking = vec![0.0];
        let out = simulate(
            &[Center { counselors: vec![10; 168] }],
            &list,
            (0.0, 10_000.0 * 3600.0),
            &mut talking,
        );
        let abandoned = out.iter().filter(|o| matches!(o.end, Some(End::Abandoned { .. }))).count();
        let exact = erlang_a::solve(&QueueModel {
            arrivals_per_hour: 120.0,
            servers: 10,
            mean_service_s: 240.0,
            mean_patience_s: 120.0,
        });
        let share = abandoned as f64 / list.len() as f64;
        assert!((share - exact.p_abandon).abs() < 0.004, "{share} vs {}", exact.p_abandon);
        let occupancy = talking[0] / (10.0 * 10_000.0 * 3600.0);
        assert!((occupancy - exact.occupancy).abs() < 0.005, "{occupancy} vs {}", exact.occupancy);
        assert!(out.iter().all(|o| o.rang_s.len() == 1 && o.end.is_some()));
    }

    /// A center with nobody on duty answers nothing: each contact rings there, rolls over to
    /// the backup exactly when its tier's time is up, and is answered there or hangs up.
    #[test]
    fn an_unanswered_tier_rolls_over_to_the_next_when_its_time_is_up() {
        let list = contacts(30.0, 500.0, &[(0, 45.0), (1, 60.0)], 8);
        let centers = [Center { counselors: vec![0; 168] }, Center { counselors: vec![3; 168] }];
        let mut talking = vec![0.0; 2];
        let out = simulate(&centers, &list, (0.0, 500.0 * 3600.0), &mut talking);
        let (mut rolled, mut answered) = (0, 0);
        for (c, o) in list.iter().zip(&out) {
            match o.end {
                Some(End::Answered { center, at_s }) => {
                    assert_eq!(center, 1);
                    assert_eq!(o.rang_s, vec![c.arrival_s, c.arrival_s + 45.0]);
                    assert!(at_s >= c.arrival_s + 45.0 && at_s <= c.arrival_s + c.patience_s);
                    answered += 1;
                }
                Some(End::Abandoned { at_s }) => assert_eq!(at_s, c.arrival_s + c.patience_s),
                other => panic!("a caller ends so: {other:?}"),
            }
            rolled += usize::from(o.rang_s.len() == 2);
        }
        assert_eq!(talking[0], 0.0);
        // Patience averages 2 minutes: most outlast the 45 s at the empty center.
        assert!(rolled > list.len() / 2 && answered > list.len() / 2, "{rolled} {answered}");
    }

    /// A diverted 911 call never hangs up: it is answered, or after the last tier's time it goes
    /// back to the PSAP, exactly then.
    #[test]
    fn a_diverted_call_goes_back_when_the_last_tier_does_not_answer_in_time() {
        let mut list = contacts(20.0, 300.0, &[(0, 30.0), (1, 60.0)], 4);
        for c in &mut list {
            c.patience_s = f64::INFINITY;
            c.returns = true;
        }
        let centers = [Center { counselors: vec![0; 168] }, Center { counselors: vec![1; 168] }];
        let mut talking = vec![0.0; 2];
        let out = simulate(&centers, &list, (0.0, 300.0 * 3600.0), &mut talking);
        let mut returned = 0;
        for (c, o) in list.iter().zip(&out) {
            assert_eq!(o.rang_s, vec![c.arrival_s, c.arrival_s + 30.0]);
            match o.end {
                Some(End::Answered { center, at_s }) => {
                    assert_eq!(center, 1);
                    assert!(at_s <= c.arrival_s + 90.0);
                }
                Some(End::Returned { at_s }) => {
                    assert_eq!(at_s, c.arrival_s + 90.0);
                    returned += 1;
                }
                other => panic!("{other:?}"),
            }
        }
        // One counselor talking 4 minutes to 20 calls an hour is busy most of the time.
        assert!(returned > list.len() / 4 && returned < list.len(), "{returned} of {}", list.len());
    }
}
