//! Travel times between snapped points: one incident to many teams, and many teams to one
//! incident (what dispatch needs: teams drive to the incident, and one-way streets make the
//! two differ). See `snap.rs` for exactly what is counted.

use crate::graph::{Graph, NodeId, TravelTime};
use crate::query::{Direction, Query};
use crate::snap::Snap;

impl Query {
    /// Travel times from `from` to each of `to`, into `out` in the order of `to`.
    pub fn snapped_times_from(
        &mut self,
        graph: &Graph,
        from: &Snap,
        to: &[Snap],
        out: &mut Vec<Option<TravelTime>>,
    ) {
        let (mut seeds, mut targets) = self.buffers();
        seeds.extend(from.departures());
        targets.extend(to.iter().flat_map(|t| t.arrivals().map(|(n, _)| n)));
        self.many(graph, Direction::Forward, &seeds, &targets);
        (self.seed_buffer, self.target_buffer) = (seeds, targets);
        out.clear();
        for t in to {
            let via_roads =
                t.arrivals().filter_map(|(node, last)| plus(self.answer(node.index()), last));
            out.push(via_roads.chain(from.along_segment_to(t)).min());
        }
        self.reset_touched();
    }

    /// Travel times from each of `from` to `to`, into `out` in the order of `from`.
    pub fn snapped_times_to(
        &mut self,
        graph: &Graph,
        from: &[Snap],
        to: &Snap,
        out: &mut Vec<Option<TravelTime>>,
    ) {
        let (mut seeds, mut sources) = self.buffers();
        seeds.extend(to.arrivals());
        sources.extend(from.iter().flat_map(|s| s.departures().map(|(n, _)| n)));
        self.many(graph, Direction::Backward, &seeds, &sources);
        (self.seed_buffer, self.target_buffer) = (seeds, sources);
        out.clear();
        for s in from {
            let via_roads =
                s.departures().filter_map(|(node, first)| plus(self.answer(node.index()), first));
            out.push(via_roads.chain(s.along_segment_to(to)).min());
        }
        self.reset_touched();
    }
}

impl Query {
    /// The reusable seed and target buffers, emptied (the caller puts them back).
    fn buffers(&mut self) -> (Vec<(NodeId, TravelTime)>, Vec<NodeId>) {
        let mut seeds = std::mem::take(&mut self.seed_buffer);
        let mut targets = std::mem::take(&mut self.target_buffer);
        seeds.clear();
        targets.clear();
        (seeds, targets)
    }
}

fn plus(time: Option<TravelTime>, extra: TravelTime) -> Option<TravelTime> {
    let sum = time?.millis().checked_add(extra.millis())?;
    Some(TravelTime::from_millis(sum))
}
