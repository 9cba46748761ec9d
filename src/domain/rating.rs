//! Ratings (рейтинги): organizations ordered by score within a form of service, places by
//! competition ranking, and the snapshot of results the public council approves.
//!
//! A snapshot is frozen at approval: every rating read from it later is a pure function of the
//! snapshot (and of the earlier snapshots it refers to for changes), so it never moves.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::methodology::{Methodology, RegionTotal, Settings};
use super::organization::ServiceForm;
use super::scoring::{CriterionResult, Results};

/// One organization's approved results, with what the rating needs to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotEntry {
    pub organization_id: i64,
    pub short_name: String,
    pub full_name: String,
    pub inn: String,
    /// The forms of service the organization provided when the results were approved.
    pub service_forms: Vec<ServiceForm>,
    pub results: Results,
    /// Rounded indicator values by code (`1.1` … `5.3`), for the results export.
    pub indicators: Vec<(String, Option<Decimal>)>,
    /// Survey respondents, for a region total weighted by respondents.
    pub respondents: u64,
    /// The organization's latest earlier approved result in the region, for changes.
    pub previous: Option<PreviousRef>,
}

/// Where an organization's previous result lies: an earlier cycle's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousRef {
    pub cycle_id: i64,
    pub year: i32,
    pub approval_id: i64,
}

/// The results of a cycle as approved (or, before approval, as they stand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub methodology_id: String,
    pub settings: Settings,
    /// By organization id.
    pub entries: Vec<SnapshotEntry>,
}

impl Snapshot {
    /// About the heap this snapshot takes once parsed: what a cache bounded in bytes counts it
    /// as. Each allocation is counted with a small header, as the allocator spends one.
    pub fn approximate_bytes(&self) -> usize {
        use std::mem::size_of;
        const HEADER: usize = 16;
        let text = |s: &String| s.capacity() + HEADER;
        let entries: usize = self
            .entries
            .iter()
            .map(|e| {
                text(&e.short_name)
                    + text(&e.full_name)
                    + text(&e.inn)
                    + e.service_forms.capacity() * size_of::<ServiceForm>()
                    + HEADER
                    + e.results.criteria.capacity() * size_of::<CriterionResult>()
                    + e.results
                        .criteria
                        .iter()
                        .map(|c| text(&c.code))
                        .sum::<usize>()
                    + HEADER
                    + e.indicators.capacity() * size_of::<(String, Option<Decimal>)>()
                    + e.indicators
                        .iter()
                        .map(|(code, _)| text(code))
                        .sum::<usize>()
                    + HEADER
            })
            .sum();
        size_of::<Self>()
            + self.methodology_id.capacity()
            + self.entries.capacity() * size_of::<SnapshotEntry>()
            + entries
    }
}

/// What a rating orders by: the total or one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RatingCriterion {
    Total,
    /// Index into the methodology's criteria.
    Criterion(usize),
}

impl RatingCriterion {
    /// `total` or a criterion code (`K1` … `K5`) of `methodology`.
    pub fn parse(value: &str, methodology: &Methodology) -> Option<Self> {
        if value == "total" {
            return Some(Self::Total);
        }
        methodology
            .criteria
            .iter()
            .position(|c| c.code == value)
            .map(Self::Criterion)
    }

    pub fn code(&self, methodology: &Methodology) -> String {
        match self {
            Self::Total => "total".into(),
            Self::Criterion(i) => methodology.criteria[*i].code.into(),
        }
    }

    /// The published (rounded) score of `results` by this criterion.
    pub fn score(&self, results: &Results) -> Option<Decimal> {
        match self {
            Self::Total => results.total_rounded,
            Self::Criterion(i) => results.criteria.get(*i).and_then(|c| c.rounded),
        }
    }
}

/// Organizations of a rating: all of them, or those providing one form of service.
pub fn serves(entry: &SnapshotEntry, form: Option<ServiceForm>) -> bool {
    form.is_none_or(|f| entry.service_forms.contains(&f))
}

/// One line of a rating: the place is shared by equal scores; an organization without a score
/// (a criterion it has no data for) has no place and comes last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed<'a> {
    pub entry: &'a SnapshotEntry,
    pub place: Option<u32>,
    pub score: Option<Decimal>,
}

/// The rating of `snapshot` for `form` by `criterion`: ordered by the published score, highest
/// first, with competition ranking ("1, 2, 2, 4"). Ties stay ties (no tie-break rule is known);
/// within a tie the order is by short name, then id, only so that it is stable.
///
/// Places follow the rounded scores the council approves and the public sees: two scores shown
/// as 91.6 share a place even if their unrounded values differ.
pub fn rank<'a>(
    snapshot: &'a Snapshot,
    form: Option<ServiceForm>,
    criterion: &RatingCriterion,
) -> Vec<Placed<'a>> {
    let mut lines: Vec<Placed<'a>> = snapshot
        .entries
        .iter()
        .filter(|e| serves(e, form))
        .map(|entry| Placed {
            entry,
            place: None,
            score: criterion.score(&entry.results),
        })
        .collect();
    lines.sort_by(|a, b| {
        // `None` sorts below every score.
        b.score
            .cmp(&a.score)
            .then_with(|| a.entry.short_name.cmp(&b.entry.short_name))
            .then_with(|| a.entry.organization_id.cmp(&b.entry.organization_id))
    });
    let mut place = 0;
    for i in 0..lines.len() {
        if lines[i].score.is_none() {
            break;
        }
        if i == 0 || lines[i].score != lines[i - 1].score {
            place = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        lines[i].place = Some(place);
    }
    lines
}

/// Places by organization id, to look up previous places.
pub fn places(lines: &[Placed<'_>]) -> HashMap<i64, (Option<u32>, Option<Decimal>)> {
    lines
        .iter()
        .map(|l| (l.entry.organization_id, (l.place, l.score)))
        .collect()
}

/// `part` as a percentage of `whole`, two decimals; `None` of nothing.
pub fn percent(part: u64, whole: u64) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole))
            .round_dp(2)
            .normalize()
    })
}

/// The region's figure over `scores` (score, respondents) by `rule`, rounded as the settings
/// say; `None` without scores (or, weighted, without respondents).
pub fn region_total(
    scores: &[(Decimal, u64)],
    rule: RegionTotal,
    settings: &Settings,
) -> Option<Decimal> {
    let (sum, weight) = match rule {
        RegionTotal::MeanOfTotals => (
            scores.iter().map(|(s, _)| *s).sum::<Decimal>(),
            Decimal::from(scores.len()),
        ),
        RegionTotal::WeightedByRespondents => (
            scores.iter().map(|(s, n)| *s * Decimal::from(*n)).sum(),
            scores.iter().map(|(_, n)| Decimal::from(*n)).sum(),
        ),
    };
    (!weight.is_zero()).then(|| settings.rounding.apply(sum / weight))
}

/// A band of the score distribution, `[from, to)`; the last one includes 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Band {
    #[schema(value_type = String, example = "90")]
    pub from: Decimal,
    #[schema(value_type = String, example = "100")]
    pub to: Decimal,
    pub organizations: u64,
}

/// Lower bounds of the distribution bands: under 50 (the risk threshold one region uses), then
/// by tens.
const BANDS: [u32; 6] = [0, 50, 60, 70, 80, 90];

/// How many of `scores` fall in each band.
pub fn distribution(scores: &[Decimal]) -> Vec<Band> {
    BANDS
        .iter()
        .enumerate()
        .map(|(i, from)| {
            let from = Decimal::from(*from);
            let to = BANDS
                .get(i + 1)
                .map_or(Decimal::ONE_HUNDRED, |t| Decimal::from(*t));
            let last = i + 1 == BANDS.len();
            let organizations = scores
                .iter()
                .filter(|s| **s >= from && (**s < to || (last && **s <= to)))
                .count() as u64;
            Band {
                from,
                to,
                organizations,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::methodology;
    use crate::domain::scoring::CriterionResult;
    use rust_decimal_macros::dec;

    fn entry(id: i64, name: &str, total: Option<Decimal>, forms: &[ServiceForm]) -> SnapshotEntry {
        SnapshotEntry {
            organization_id: id,
            short_name: name.into(),
            full_name: name.into(),
            inn: String::new(),
            service_forms: forms.to_vec(),
            results: Results {
                total,
                total_rounded: total,
                criteria: vec![CriterionResult {
                    code: "K1".into(),
                    value: total.map(|t| t - dec!(1)),
                    rounded: total.map(|t| t - dec!(1)),
                }],
            },
            indicators: vec![],
            respondents: id as u64,
            previous: None,
        }
    }

    fn snapshot(entries: Vec<SnapshotEntry>) -> Snapshot {
        Snapshot {
            methodology_id: methodology::DEFAULT_ID.into(),
            settings: Settings::DEFAULT,
            entries,
        }
    }

    const ST: ServiceForm = ServiceForm::Stationary;
    const HOME: ServiceForm = ServiceForm::HomeBased;

    #[test]
    fn ties_share_a_place_and_the_next_place_is_skipped() {
        let s = snapshot(vec![
            entry(1, "В", Some(dec!(90)), &[ST]),
            entry(2, "Б", Some(dec!(95.5)), &[ST]),
            entry(3, "А", Some(dec!(90)), &[ST]),
            entry(4, "Г", Some(dec!(80.1)), &[ST]),
            entry(5, "Д", None, &[ST]),
        ]);
        let lines = rank(&s, None, &RatingCriterion::Total);
        let got: Vec<(i64, Option<u32>)> = lines
            .iter()
            .map(|l| (l.entry.organization_id, l.place))
            .collect();
        assert_eq!(
            got,
            [
                (2, Some(1)),
                (3, Some(2)),
                (1, Some(2)),
                (4, Some(4)),
                (5, None)
            ]
        );
    }

    #[test]
    fn a_form_of_service_rates_only_its_organizations() {
        let s = snapshot(vec![
            entry(1, "А", Some(dec!(70)), &[ST, HOME]),
            entry(2, "Б", Some(dec!(80)), &[ST]),
            entry(3, "В", Some(dec!(90)), &[HOME]),
        ]);
        let home: Vec<_> = rank(&s, Some(HOME), &RatingCriterion::Total)
            .iter()
            .map(|l| (l.entry.organization_id, l.place))
            .collect();
        assert_eq!(home, [(3, Some(1)), (1, Some(2))]);
        assert!(rank(
            &s,
            Some(ServiceForm::SemiStationary),
            &RatingCriterion::Total
        )
        .is_empty());
        let single = snapshot(vec![entry(7, "А", Some(dec!(50)), &[ST])]);
        assert_eq!(
            rank(&single, Some(ST), &RatingCriterion::Total)[0].place,
            Some(1)
        );
    }

    #[test]
    fn a_criterion_rates_by_its_own_score() {
        let m = methodology::find(methodology::DEFAULT_ID).unwrap();
        let k1 = RatingCriterion::parse("K1", m).unwrap();
        assert_eq!(RatingCriterion::parse("K9", m), None);
        assert_eq!(k1.code(m), "K1");
        let s = snapshot(vec![entry(1, "А", Some(dec!(70)), &[ST])]);
        assert_eq!(rank(&s, None, &k1)[0].score, Some(dec!(69)));
    }

    #[test]
    fn region_totals_follow_the_setting() {
        let scores = [(dec!(90), 10), (dec!(80), 30)];
        let s = Settings::DEFAULT;
        assert_eq!(
            region_total(&scores, RegionTotal::MeanOfTotals, &s),
            Some(dec!(85))
        );
        assert_eq!(
            region_total(&scores, RegionTotal::WeightedByRespondents, &s),
            Some(dec!(82.5))
        );
        assert_eq!(region_total(&[], RegionTotal::MeanOfTotals, &s), None);
        let thirds = [(dec!(1), 1), (dec!(0), 1), (dec!(0), 1)];
        assert_eq!(
            region_total(&thirds, RegionTotal::MeanOfTotals, &s),
            Some(dec!(0.33))
        );
    }

    #[test]
    fn the_distribution_counts_every_score_once() {
        let scores = [
            dec!(0),
            dec!(49.99),
            dec!(50),
            dec!(89.99),
            dec!(90),
            dec!(100),
        ];
        let bands = distribution(&scores);
        let counts: Vec<u64> = bands.iter().map(|b| b.organizations).collect();
        assert_eq!(counts, [2, 1, 0, 0, 1, 2]);
        assert_eq!(bands.iter().map(|b| b.organizations).sum::<u64>(), 6);
    }
}
