//! Which of a provider's teams to send to an incident, ranked (`dispatch::recommend`): by road
//! when the deployment has a road graph, else by straight-line estimates (each candidate says
//! which), with coverage measured over the provider's own area — where it is the primary for
//! mobile crisis — sampled on a grid of at most [`CoverageArea::MAX_POINTS`] points.

use dispatch::{
    Candidate, Capability, CoverageArea, CoveragePoint, RecommendRequest, RecommendSettings,
    ResponseTarget, RoadTravelTimes, StraightLineTravelTimes,
};
use domain::{AgencyId, GeoPoint, Incident, IncidentId, Permission};

use crate::{Caller, IncidentError, IncidentService, Result};

impl IncidentService {
    /// The caller's agency's teams ranked for an incident it can see.
    pub async fn recommend(
        &self,
        caller: &Caller,
        id: IncidentId,
        required: &[Capability],
        target: ResponseTarget,
    ) -> Result<Vec<Candidate>> {
        caller.require(Permission::TeamDispatch)?;
        let incident = self.visible(caller, id).await?;
        self.rank(caller.agency.id, &incident, required, target).await
    }

    /// The provider's teams ranked for `incident`.
    pub(crate) async fn rank(
        &self,
        provider: AgencyId,
        incident: &Incident,
        required: &[Capability],
        target: ResponseTarget,
    ) -> Result<Vec<Candidate>> {
        let teams = self.store.team_states(Some(provider)).await?;
        let coverage = self.coverage_area(provider);
        let settings =
            RecommendSettings { stale: self.dispatch.stale, ..RecommendSettings::default() };
        let request = RecommendRequest {
            location: &incident.location,
            required,
            target,
            coverage: coverage.as_ref(),
        };
        let now = self.clock.now();
        match &self.dispatch.roads {
            Some(graph) => {
                let mut travel = RoadTravelTimes::new(graph, RoadTravelTimes::DEFAULT_MAX_SNAP_M);
                dispatch::recommend(&request, &teams, &mut travel, &settings, now)
            }
            None => dispatch::recommend(
                &request,
                &teams,
                &mut StraightLineTravelTimes::new(),
                &settings,
                now,
            ),
        }
        .map_err(|e| IncidentError::Conflict(e.to_string()))
    }

    /// The provider's area sampled on a grid: at most `MAX_POINTS` points inside it, equally
    /// weighted. `None` when it serves no area.
    fn coverage_area(&self, provider: AgencyId) -> Option<CoverageArea> {
        let table = self.routing.current()?;
        let areas = table.areas_served(store::MOBILE_CRISIS_SERVICE, provider);
        if areas.is_empty() {
            return None;
        }
        let name = areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ");
        let [mut x0, mut y0, mut x1, mut y1] =
            [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for a in &areas {
            let [ax0, ay0, ax1, ay1] = a.bounds();
            (x0, y0, x1, y1) = (x0.min(ax0), y0.min(ay0), x1.max(ax1), y1.max(ay1));
        }
        // A grid fine enough to land about MAX_POINTS inside the areas, whatever their shape.
        let mut points = Vec::new();
        for n in [8, 12, 16, 24] {
            points.clear();
            for i in 0..n {
                for j in 0..n {
                    let p = [
                        x0 + (f64::from(i) + 0.5) / f64::from(n) * (x1 - x0),
                        y0 + (f64::from(j) + 0.5) / f64::from(n) * (y1 - y0),
                    ];
                    if areas.iter().any(|a| jurisdiction::reference::contains(a, p)) {
                        points.extend(
                            GeoPoint::parse(p[1], p[0])
                                .ok()
                                .map(|point| CoveragePoint { point, weight: 1.0 }),
                        );
                    }
                }
            }
            if points.len() >= CoverageArea::MAX_POINTS / 2 {
                break;
            }
        }
        if points.len() > CoverageArea::MAX_POINTS {
            let step = points.len().div_ceil(CoverageArea::MAX_POINTS);
            points = points.into_iter().step_by(step).collect();
        }
        CoverageArea::new(name, points).ok()
    }
}
