//! The expected completion of a project: the critical path, in working days, through its case
//! items and the items they depend on (shared/DESIGN.md, “What it holds”: the item catalog's
//! dependencies let parallel items run side by side and the expected completion be computed).
//!
//! The rules:
//!
//! - A done item finished on the day it was concluded.
//! - An item in progress finishes on its due date, or today if that has passed: an overdue item
//!   cannot finish in the past.
//! - An item not started starts on the later of today and the latest finish of its
//!   prerequisites (that day is its day 0) and finishes its limit of working days later, as the
//!   clock counts. Where that reaches a year with no published arrangement, Monday to Friday are
//!   counted there and the finish is marked provisional, as is every finish that depends on it.
//! - The project completes when its last item finishes. The critical path runs from the first
//!   item to the one that finishes last, stepping back at each item to the prerequisite that
//!   finishes latest (the lowest id on a tie).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, CalendarError};

/// How far an item has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// Concluded on `on`.
    Done {
        /// The day it was concluded.
        on: NaiveDate,
    },
    /// Running, due on `due`.
    InProgress {
        /// Its due date.
        due: NaiveDate,
    },
    /// Not started; takes `limit_days` working days once started.
    NotStarted {
        /// Its limit in working days.
        limit_days: u32,
    },
}

/// One item of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleNode {
    /// The item's id, unique in the schedule.
    pub id: i64,
    /// The ids of the items that must finish before it starts.
    pub prerequisites: Vec<i64>,
    /// How far it has got.
    pub progress: Progress,
}

/// When one item is expected to finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NodeFinish {
    /// The expected finish.
    pub date: NaiveDate,
    /// `true` when the date, or a date it depends on, was counted through a year with no
    /// published arrangement: recompute after that year is imported.
    pub provisional: bool,
}

/// The expected completion of a set of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Every item's expected finish, by id.
    pub finishes: BTreeMap<i64, NodeFinish>,
    /// The latest finish; `None` when there are no items.
    pub completion: Option<NaiveDate>,
    /// Whether any finish is provisional.
    pub provisional: bool,
    /// The ids from the first item to the one that finishes last (the lowest id on a tie),
    /// following at each step the prerequisite with the latest finish (the lowest id on a tie).
    /// Empty when there are no items.
    pub critical_path: Vec<i64>,
}

/// Why a schedule could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The prerequisites go round in a circle.
    #[error("the prerequisites form a cycle: {}", join_ids(.ids))]
    Cycle {
        /// The ids on the cycle, starting at the lowest, each needing the next and the last
        /// needing the first.
        ids: Vec<i64>,
    },
    /// An item needs an item that is not in the schedule.
    #[error("item {id} needs item {prerequisite}, which is not in the schedule")]
    UnknownPrerequisite {
        /// The item.
        id: i64,
        /// The missing prerequisite.
        prerequisite: i64,
    },
    /// Two items have the same id.
    #[error("item {id} appears more than once")]
    DuplicateId {
        /// The repeated id.
        id: i64,
    },
    /// The calendar arithmetic failed (only for dates hundreds of thousands of years away).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

impl ScheduleError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Cycle { ids } => format!("事项前置关系形成循环：{}", join_ids(ids)),
            Self::UnknownPrerequisite { id, prerequisite } => {
                format!("事项{id}的前置事项{prerequisite}不在本项目中")
            }
            Self::DuplicateId { id } => format!("事项{id}重复出现"),
            Self::Calendar(_) => "日期超出可计算范围".to_owned(),
        }
    }
}

/// Checks the ids and prerequisites; the nodes by id.
fn index(nodes: &[ScheduleNode]) -> Result<BTreeMap<i64, &ScheduleNode>, ScheduleError> {
    let mut by_id = BTreeMap::new();
    for n in nodes {
        if by_id.insert(n.id, n).is_some() {
            return Err(ScheduleError::DuplicateId { id: n.id });
        }
    }
    for n in nodes {
        if let Some(&p) = n.prerequisites.iter().find(|p| !by_id.contains_key(p)) {
            return Err(ScheduleError::UnknownPrerequisite {
                id: n.id,
                prerequisite: p,
            });
        }
    }
    Ok(by_id)
}

/// The ids in an order where every item comes after its prerequisites (the lowest ready id
/// first), or the cycle that prevents one.
fn topological(by_id: &BTreeMap<i64, &ScheduleNode>) -> Result<Vec<i64>, ScheduleError> {
    let mut waiting: BTreeMap<i64, BTreeSet<i64>> = by_id
        .iter()
        .map(|(&id, n)| (id, n.prerequisites.iter().copied().collect()))
        .collect();
    let mut dependents: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (&id, n) in by_id {
        for &p in n.prerequisites.iter().collect::<BTreeSet<_>>() {
            dependents.entry(p).or_default().push(id);
        }
    }
    let mut ready: BTreeSet<i64> = waiting
        .iter()
        .filter(|(_, ps)| ps.is_empty())
        .map(|(&id, _)| id)
        .collect();
    let mut order = Vec::with_capacity(by_id.len());
    while let Some(id) = ready.pop_first() {
        waiting.remove(&id);
        order.push(id);
        for d in dependents.get(&id).into_iter().flatten() {
            if let Some(ps) = waiting.get_mut(d) {
                ps.remove(&id);
                if ps.is_empty() {
                    ready.insert(*d);
                }
            }
        }
    }
    if waiting.is_empty() {
        Ok(order)
    } else {
        Err(ScheduleError::Cycle {
            ids: find_cycle(&waiting),
        })
    }
}

/// A cycle among the items left waiting: each of them waits for another of them, so walking
/// from the lowest along the lowest waited-for id must come back to an item already seen.
fn find_cycle(waiting: &BTreeMap<i64, BTreeSet<i64>>) -> Vec<i64> {
    let mut path: Vec<i64> = Vec::new();
    let mut at = waiting.keys().next().copied();
    while let Some(id) = at {
        if let Some(i) = path.iter().position(|&p| p == id) {
            let mut cycle = path.split_off(i);
            if let Some(lowest) = cycle
                .iter()
                .enumerate()
                .min_by_key(|&(_, id)| *id)
                .map(|(i, _)| i)
            {
                cycle.rotate_left(lowest);
            }
            return cycle;
        }
        path.push(id);
        at = waiting
            .get(&id)
            .and_then(|ps| ps.iter().find(|p| waiting.contains_key(p)).copied());
    }
    // Unreachable for a graph Kahn's algorithm could not finish; the walk so far is the best
    // description.
    path
}

/// The expected finish of every item in `nodes`, the project's completion and its critical
/// path, as of `today`.
///
/// # Errors
///
/// [`ScheduleError::DuplicateId`], [`ScheduleError::UnknownPrerequisite`] (the first in the
/// order of `nodes`) or [`ScheduleError::Cycle`] for an inconsistent graph;
/// [`ScheduleError::Calendar`] only when the arithmetic leaves the representable dates.
pub fn expected_completion(
    nodes: &[ScheduleNode],
    today: NaiveDate,
    calendar: &Calendar,
) -> Result<Schedule, ScheduleError> {
    let by_id = index(nodes)?;
    let order = topological(&by_id)?;

    let mut finishes: BTreeMap<i64, NodeFinish> = BTreeMap::new();
    for id in order {
        let Some(node) = by_id.get(&id) else {
            continue;
        };
        let finish = match node.progress {
            Progress::Done { on } => NodeFinish {
                date: on,
                provisional: false,
            },
            Progress::InProgress { due } => NodeFinish {
                date: due.max(today),
                provisional: false,
            },
            Progress::NotStarted { limit_days } => {
                let before: Vec<NodeFinish> = node
                    .prerequisites
                    .iter()
                    .filter_map(|p| finishes.get(p).copied())
                    .collect();
                let start = before.iter().map(|f| f.date).fold(today, NaiveDate::max);
                let end = calendar.add_provisional(start, limit_days)?;
                NodeFinish {
                    date: end.date,
                    provisional: end.provisional || before.iter().any(|f| f.provisional),
                }
            }
        };
        finishes.insert(id, finish);
    }

    // The latest finish, the lowest id on a tie: `max_by` keeps the last maximum, so compare
    // ids reversed.
    let latest = |ids: &mut dyn Iterator<Item = i64>| {
        ids.filter_map(|id| finishes.get(&id).map(|f| (f.date, id)))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
    };
    let last = latest(&mut finishes.keys().copied());
    let mut critical_path = Vec::new();
    let mut at = last.map(|(_, id)| id);
    while let Some(id) = at {
        critical_path.push(id);
        at = by_id
            .get(&id)
            .and_then(|n| latest(&mut n.prerequisites.iter().copied()))
            .map(|(_, id)| id);
    }
    critical_path.reverse();

    Ok(Schedule {
        completion: last.map(|(date, _)| date),
        provisional: finishes.values().any(|f| f.provisional),
        finishes,
        critical_path,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    static CAL: LazyLock<Calendar> =
        LazyLock::new(|| Calendar::official().expect("the embedded arrangements are valid"));

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test dates are well formed")
    }

    fn node(id: i64, prerequisites: &[i64], progress: Progress) -> ScheduleNode {
        ScheduleNode {
            id,
            prerequisites: prerequisites.to_vec(),
            progress,
        }
    }

    fn todo(limit_days: u32) -> Progress {
        Progress::NotStarted { limit_days }
    }

    fn exact(s: &str) -> NodeFinish {
        NodeFinish {
            date: d(s),
            provisional: false,
        }
    }

    /// The 2026 Spring Festival (data/calendar/2026.json): Saturday 14 February is a make-up
    /// working day, 15 to 23 February are off, Saturday 28 February is a make-up working day.
    /// So the working days from Tuesday 10 February are 10, 11, 12, 13, 14 (Sat), 24, 25, 26,
    /// 27, 28 (Sat), then 2 March.
    #[test]
    fn a_small_graph_across_the_spring_festival_2026() {
        const A: i64 = 1;
        const B: i64 = 2;
        const C: i64 = 3;
        const D: i64 = 4;
        let nodes = [
            node(D, &[B, C], todo(1)),
            node(B, &[A], todo(5)),
            node(A, &[], todo(3)),
            node(C, &[A], todo(2)),
        ];
        let s = expected_completion(&nodes, d("2026-02-10"), &CAL).expect("valid graph");
        // A starts today, Tuesday 10 February (day 0): 11, 12, 13 → Friday 13 February.
        assert_eq!(s.finishes[&A], exact("2026-02-13"));
        // B starts 13 February: 14 (make-up Saturday), then after the festival 24, 25, 26, 27
        // → Friday 27 February.
        assert_eq!(s.finishes[&B], exact("2026-02-27"));
        // C starts 13 February: 14 (make-up Saturday), 24 → Tuesday 24 February.
        assert_eq!(s.finishes[&C], exact("2026-02-24"));
        // D starts on the later of B and C, 27 February: 28 (make-up Saturday) → 28 February.
        assert_eq!(s.finishes[&D], exact("2026-02-28"));
        assert_eq!(s.completion, Some(d("2026-02-28")));
        assert!(!s.provisional);
        assert_eq!(s.critical_path, [A, B, D]);
    }

    #[test]
    fn done_and_in_progress_items() {
        let nodes = [
            node(
                1,
                &[],
                Progress::Done {
                    on: d("2026-03-02"),
                },
            ),
            node(
                2,
                &[],
                Progress::InProgress {
                    due: d("2026-03-12"),
                },
            ),
            // Starts on 12 March (the later prerequisite): 13, 16 → Monday 16 March.
            node(3, &[1, 2], todo(2)),
            // Starts today, 5 March, after the done item: 6, 9 → Monday 9 March.
            node(4, &[1], todo(2)),
        ];
        let s = expected_completion(&nodes, d("2026-03-05"), &CAL).expect("valid graph");
        assert_eq!(s.finishes[&1], exact("2026-03-02"));
        assert_eq!(s.finishes[&2], exact("2026-03-12"));
        assert_eq!(s.finishes[&3], exact("2026-03-16"));
        assert_eq!(s.finishes[&4], exact("2026-03-09"));
        assert_eq!(s.completion, Some(d("2026-03-16")));
        assert_eq!(s.critical_path, [2, 3]);
    }

    #[test]
    fn an_overdue_item_finishes_today_at_the_earliest() {
        let nodes = [
            node(
                7,
                &[],
                Progress::InProgress {
                    due: d("2026-03-02"),
                },
            ),
            // Starts today, 10 March: 11 → Wednesday 11 March.
            node(8, &[7], todo(1)),
        ];
        let s = expected_completion(&nodes, d("2026-03-10"), &CAL).expect("valid graph");
        assert_eq!(s.finishes[&7], exact("2026-03-10"));
        assert_eq!(s.finishes[&8], exact("2026-03-11"));
        assert_eq!(s.critical_path, [7, 8]);
    }

    #[test]
    fn ties_go_to_the_lowest_id() {
        // 5 and 3 both finish on 9 March (2 March + 5); 9 needs both and takes 0 days.
        let nodes = [
            node(5, &[], todo(5)),
            node(3, &[], todo(5)),
            node(9, &[5, 3], todo(0)),
            node(1, &[], todo(5)),
        ];
        let s = expected_completion(&nodes, d("2026-03-02"), &CAL).expect("valid graph");
        assert_eq!(s.finishes[&9], exact("2026-03-09"));
        // The last finish is shared by 1, 3, 5 and 9: the lowest id, 1, ends the path.
        assert_eq!(s.critical_path, [1]);
        let only = expected_completion(&nodes[..3], d("2026-03-02"), &CAL).expect("valid graph");
        assert_eq!(only.critical_path, [3]);
        // A zero-day item started on a day off finishes on the next working day.
        let weekend = expected_completion(&[node(1, &[], todo(0))], d("2026-03-07"), &CAL)
            .expect("valid graph");
        assert_eq!(weekend.finishes[&1], exact("2026-03-09"));
    }

    #[test]
    fn no_items_no_completion() {
        let s = expected_completion(&[], d("2026-03-02"), &CAL).expect("valid graph");
        assert_eq!(s.completion, None);
        assert!(s.finishes.is_empty() && s.critical_path.is_empty() && !s.provisional);
    }

    #[test]
    fn inconsistent_graphs_are_refused() {
        let today = d("2026-03-02");
        // 2 needs 3, 3 needs 4, 4 needs 2; 1 is fine, 5 hangs off the cycle.
        let cyclic = [
            node(1, &[], todo(1)),
            node(3, &[4], todo(1)),
            node(5, &[3], todo(1)),
            node(2, &[1, 3], todo(1)),
            node(4, &[2], todo(1)),
        ];
        let e = expected_completion(&cyclic, today, &CAL).unwrap_err();
        assert_eq!(e, ScheduleError::Cycle { ids: vec![2, 3, 4] });
        assert_eq!(e.to_string(), "the prerequisites form a cycle: 2 → 3 → 4");
        assert_eq!(e.message_zh(), "事项前置关系形成循环：2 → 3 → 4");
        assert_eq!(
            expected_completion(&[node(6, &[6], todo(1))], today, &CAL),
            Err(ScheduleError::Cycle { ids: vec![6] })
        );

        let unknown = [node(1, &[], todo(1)), node(2, &[1, 99], todo(1))];
        let e = expected_completion(&unknown, today, &CAL).unwrap_err();
        assert_eq!(
            e,
            ScheduleError::UnknownPrerequisite {
                id: 2,
                prerequisite: 99
            }
        );
        assert_eq!(e.message_zh(), "事项2的前置事项99不在本项目中");

        let duplicate = [node(1, &[], todo(1)), node(1, &[], todo(2))];
        let e = expected_completion(&duplicate, today, &CAL).unwrap_err();
        assert_eq!(e, ScheduleError::DuplicateId { id: 1 });
        assert_eq!(e.to_string(), "item 1 appears more than once");
    }

    /// 2027 has no arrangement: from Thursday 24 December 2026, six working days are 25, 28,
    /// 29, 30, 31 December and, counting Monday to Friday, Friday 1 January 2027 (New Year's
    /// Day in fact, so the date will move when 2027 is imported).
    #[test]
    fn a_finish_in_an_unpublished_year_is_provisional_and_so_are_its_dependents() {
        let nodes = [
            node(1, &[], todo(6)),
            // Starts 1 January 2027: Monday 4 January, provisional through its prerequisite.
            node(2, &[1], todo(1)),
            // Entirely in 2026: exact.
            node(3, &[], todo(4)),
        ];
        let s = expected_completion(&nodes, d("2026-12-24"), &CAL).expect("valid graph");
        assert_eq!(
            s.finishes[&1],
            NodeFinish {
                date: d("2027-01-01"),
                provisional: true
            }
        );
        assert_eq!(
            s.finishes[&2],
            NodeFinish {
                date: d("2027-01-04"),
                provisional: true
            }
        );
        assert_eq!(s.finishes[&3], exact("2026-12-30"));
        assert_eq!(s.completion, Some(d("2027-01-04")));
        assert!(s.provisional);
        assert_eq!(s.critical_path, [1, 2]);
    }

    #[test]
    fn progress_serialises_with_a_kind() {
        let json =
            serde_json::to_string(&Progress::NotStarted { limit_days: 3 }).expect("serialisable");
        assert_eq!(json, r#"{"kind":"not_started","limit_days":3}"#);
        let back: Progress =
            serde_json::from_str(r#"{"kind":"done","on":"2026-03-02"}"#).expect("well formed");
        assert_eq!(
            back,
            Progress::Done {
                on: d("2026-03-02")
            }
        );
    }
}
