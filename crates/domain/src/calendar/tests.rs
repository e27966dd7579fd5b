//! Tests of the calendar against the notices, the worked cases of domain.md §4.4, the validation
//! rules and the arithmetic's properties.

#![allow(clippy::expect_used)] // Tests state their preconditions with `expect`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::*;

static OFFICIAL: LazyLock<Calendar> =
    LazyLock::new(|| Calendar::official().expect("the embedded arrangements are valid"));

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test dates are well formed")
}

/// One holiday of one notice: its name, its first and last day off, its make-up working days.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// Every holiday span and make-up working day of the notices 2004–2026 with their amendments,
/// transcribed from the notices' text independently of the JSON files. A span lists the days the
/// notice gives off from the first to the last; the weekend days inside it are days off too.
const NOTICES: &[(i32, &[Row])] = &[
    (
        2004,
        &[
            ("元旦", "2004-01-01", "2004-01-01", &[]),
            (
                "春节",
                "2004-01-22",
                "2004-01-28",
                &["2004-01-17", "2004-01-18"],
            ),
            (
                "劳动节",
                "2004-05-01",
                "2004-05-07",
                &["2004-05-08", "2004-05-09"],
            ),
            (
                "国庆节",
                "2004-10-01",
                "2004-10-07",
                &["2004-10-09", "2004-10-10"],
            ),
        ],
    ),
    (
        2005,
        &[
            ("元旦", "2005-01-01", "2005-01-03", &[]),
            (
                "春节",
                "2005-02-09",
                "2005-02-15",
                &["2005-02-05", "2005-02-06"],
            ),
            (
                "劳动节",
                "2005-05-01",
                "2005-05-07",
                &["2005-04-30", "2005-05-08"],
            ),
            (
                "国庆节",
                "2005-10-01",
                "2005-10-07",
                &["2005-10-08", "2005-10-09"],
            ),
        ],
    ),
    (
        2006,
        &[
            ("元旦", "2006-01-01", "2006-01-03", &["2005-12-31"]),
            (
                "春节",
                "2006-01-29",
                "2006-02-04",
                &["2006-01-28", "2006-02-05"],
            ),
            (
                "劳动节",
                "2006-05-01",
                "2006-05-07",
                &["2006-04-29", "2006-04-30"],
            ),
            (
                "国庆节",
                "2006-10-01",
                "2006-10-07",
                &["2006-09-30", "2006-10-08"],
            ),
        ],
    ),
    (
        2007,
        &[
            (
                "元旦",
                "2007-01-01",
                "2007-01-03",
                &["2006-12-30", "2006-12-31"],
            ),
            (
                "春节",
                "2007-02-18",
                "2007-02-24",
                &["2007-02-17", "2007-02-25"],
            ),
            (
                "劳动节",
                "2007-05-01",
                "2007-05-07",
                &["2007-04-28", "2007-04-29"],
            ),
            (
                "国庆节",
                "2007-10-01",
                "2007-10-07",
                &["2007-09-29", "2007-09-30"],
            ),
        ],
    ),
    (
        2008,
        &[
            ("元旦", "2007-12-30", "2008-01-01", &["2007-12-29"]),
            (
                "春节",
                "2008-02-06",
                "2008-02-12",
                &["2008-02-02", "2008-02-03"],
            ),
            ("清明节", "2008-04-04", "2008-04-06", &[]),
            ("劳动节", "2008-05-01", "2008-05-03", &["2008-05-04"]),
            ("端午节", "2008-06-07", "2008-06-09", &[]),
            ("中秋节", "2008-09-13", "2008-09-15", &[]),
            (
                "国庆节",
                "2008-09-29",
                "2008-10-05",
                &["2008-09-27", "2008-09-28"],
            ),
        ],
    ),
    (
        2009,
        &[
            ("元旦", "2009-01-01", "2009-01-03", &["2009-01-04"]),
            (
                "春节",
                "2009-01-25",
                "2009-01-31",
                &["2009-01-24", "2009-02-01"],
            ),
            ("清明节", "2009-04-04", "2009-04-06", &[]),
            ("劳动节", "2009-05-01", "2009-05-03", &[]),
            ("端午节", "2009-05-28", "2009-05-30", &["2009-05-31"]),
            (
                "国庆节、中秋节",
                "2009-10-01",
                "2009-10-08",
                &["2009-09-27", "2009-10-10"],
            ),
        ],
    ),
    (
        2010,
        &[
            ("元旦", "2010-01-01", "2010-01-03", &[]),
            (
                "春节",
                "2010-02-13",
                "2010-02-19",
                &["2010-02-20", "2010-02-21"],
            ),
            ("清明节", "2010-04-03", "2010-04-05", &[]),
            ("劳动节", "2010-05-01", "2010-05-03", &[]),
            (
                "端午节",
                "2010-06-14",
                "2010-06-16",
                &["2010-06-12", "2010-06-13"],
            ),
            (
                "中秋节",
                "2010-09-22",
                "2010-09-24",
                &["2010-09-19", "2010-09-25"],
            ),
            (
                "国庆节",
                "2010-10-01",
                "2010-10-07",
                &["2010-09-26", "2010-10-09"],
            ),
        ],
    ),
    (
        2011,
        &[
            ("元旦", "2011-01-01", "2011-01-03", &[]),
            (
                "春节",
                "2011-02-02",
                "2011-02-08",
                &["2011-01-30", "2011-02-12"],
            ),
            ("清明节", "2011-04-03", "2011-04-05", &["2011-04-02"]),
            ("劳动节", "2011-04-30", "2011-05-02", &[]),
            ("端午节", "2011-06-04", "2011-06-06", &[]),
            ("中秋节", "2011-09-10", "2011-09-12", &[]),
            (
                "国庆节",
                "2011-10-01",
                "2011-10-07",
                &["2011-10-08", "2011-10-09"],
            ),
        ],
    ),
    (
        2012,
        &[
            ("元旦", "2012-01-01", "2012-01-03", &["2011-12-31"]),
            (
                "春节",
                "2012-01-22",
                "2012-01-28",
                &["2012-01-21", "2012-01-29"],
            ),
            (
                "清明节",
                "2012-04-02",
                "2012-04-04",
                &["2012-03-31", "2012-04-01"],
            ),
            ("劳动节", "2012-04-29", "2012-05-01", &["2012-04-28"]),
            ("端午节", "2012-06-22", "2012-06-24", &[]),
            (
                "国庆节、中秋节",
                "2012-09-30",
                "2012-10-07",
                &["2012-09-29"],
            ),
        ],
    ),
    (
        2013,
        &[
            (
                "元旦",
                "2013-01-01",
                "2013-01-03",
                &["2013-01-05", "2013-01-06"],
            ),
            (
                "春节",
                "2013-02-09",
                "2013-02-15",
                &["2013-02-16", "2013-02-17"],
            ),
            ("清明节", "2013-04-04", "2013-04-06", &["2013-04-07"]),
            (
                "劳动节",
                "2013-04-29",
                "2013-05-01",
                &["2013-04-27", "2013-04-28"],
            ),
            (
                "端午节",
                "2013-06-10",
                "2013-06-12",
                &["2013-06-08", "2013-06-09"],
            ),
            ("中秋节", "2013-09-19", "2013-09-21", &["2013-09-22"]),
            (
                "国庆节",
                "2013-10-01",
                "2013-10-07",
                &["2013-09-29", "2013-10-12"],
            ),
        ],
    ),
    (
        2014,
        &[
            ("元旦", "2014-01-01", "2014-01-01", &[]),
            (
                "春节",
                "2014-01-31",
                "2014-02-06",
                &["2014-01-26", "2014-02-08"],
            ),
            ("清明节", "2014-04-05", "2014-04-07", &[]),
            ("劳动节", "2014-05-01", "2014-05-03", &["2014-05-04"]),
            ("端午节", "2014-06-02", "2014-06-02", &[]),
            ("中秋节", "2014-09-08", "2014-09-08", &[]),
            (
                "国庆节",
                "2014-10-01",
                "2014-10-07",
                &["2014-09-28", "2014-10-11"],
            ),
        ],
    ),
    (
        2015,
        &[
            ("元旦", "2015-01-01", "2015-01-03", &["2015-01-04"]),
            (
                "春节",
                "2015-02-18",
                "2015-02-24",
                &["2015-02-15", "2015-02-28"],
            ),
            ("清明节", "2015-04-05", "2015-04-06", &[]),
            ("劳动节", "2015-05-01", "2015-05-01", &[]),
            ("端午节", "2015-06-20", "2015-06-22", &[]),
            // 国发明电〔2015〕1号.
            (
                "抗战胜利纪念日",
                "2015-09-03",
                "2015-09-05",
                &["2015-09-06"],
            ),
            ("中秋节", "2015-09-27", "2015-09-27", &[]),
            ("国庆节", "2015-10-01", "2015-10-07", &["2015-10-10"]),
        ],
    ),
    (
        2016,
        &[
            ("元旦", "2016-01-01", "2016-01-01", &[]),
            (
                "春节",
                "2016-02-07",
                "2016-02-13",
                &["2016-02-06", "2016-02-14"],
            ),
            ("清明节", "2016-04-04", "2016-04-04", &[]),
            ("劳动节", "2016-05-01", "2016-05-02", &[]),
            ("端午节", "2016-06-09", "2016-06-11", &["2016-06-12"]),
            ("中秋节", "2016-09-15", "2016-09-17", &["2016-09-18"]),
            (
                "国庆节",
                "2016-10-01",
                "2016-10-07",
                &["2016-10-08", "2016-10-09"],
            ),
        ],
    ),
    (
        2017,
        &[
            ("元旦", "2017-01-01", "2017-01-02", &[]),
            (
                "春节",
                "2017-01-27",
                "2017-02-02",
                &["2017-01-22", "2017-02-04"],
            ),
            ("清明节", "2017-04-02", "2017-04-04", &["2017-04-01"]),
            ("劳动节", "2017-05-01", "2017-05-01", &[]),
            ("端午节", "2017-05-28", "2017-05-30", &["2017-05-27"]),
            (
                "国庆节、中秋节",
                "2017-10-01",
                "2017-10-08",
                &["2017-09-30"],
            ),
        ],
    ),
    (
        2018,
        &[
            ("元旦", "2018-01-01", "2018-01-01", &[]),
            (
                "春节",
                "2018-02-15",
                "2018-02-21",
                &["2018-02-11", "2018-02-24"],
            ),
            ("清明节", "2018-04-05", "2018-04-07", &["2018-04-08"]),
            ("劳动节", "2018-04-29", "2018-05-01", &["2018-04-28"]),
            ("端午节", "2018-06-18", "2018-06-18", &[]),
            ("中秋节", "2018-09-24", "2018-09-24", &[]),
            (
                "国庆节",
                "2018-10-01",
                "2018-10-07",
                &["2018-09-29", "2018-09-30"],
            ),
        ],
    ),
    (
        2019,
        &[
            ("元旦", "2018-12-30", "2019-01-01", &["2018-12-29"]),
            (
                "春节",
                "2019-02-04",
                "2019-02-10",
                &["2019-02-02", "2019-02-03"],
            ),
            ("清明节", "2019-04-05", "2019-04-05", &[]),
            // 国办发明电〔2019〕3号 made it 1 to 4 May with two Sundays worked.
            (
                "劳动节",
                "2019-05-01",
                "2019-05-04",
                &["2019-04-28", "2019-05-05"],
            ),
            ("端午节", "2019-06-07", "2019-06-07", &[]),
            ("中秋节", "2019-09-13", "2019-09-13", &[]),
            (
                "国庆节",
                "2019-10-01",
                "2019-10-07",
                &["2019-09-29", "2019-10-12"],
            ),
        ],
    ),
    (
        2020,
        &[
            ("元旦", "2020-01-01", "2020-01-01", &[]),
            // 国办发明电〔2020〕1号 extended it to 2 February; Saturday 1 February is no longer worked.
            ("春节", "2020-01-24", "2020-02-02", &["2020-01-19"]),
            ("清明节", "2020-04-04", "2020-04-06", &[]),
            (
                "劳动节",
                "2020-05-01",
                "2020-05-05",
                &["2020-04-26", "2020-05-09"],
            ),
            ("端午节", "2020-06-25", "2020-06-27", &["2020-06-28"]),
            (
                "国庆节、中秋节",
                "2020-10-01",
                "2020-10-08",
                &["2020-09-27", "2020-10-10"],
            ),
        ],
    ),
    (
        2021,
        &[
            ("元旦", "2021-01-01", "2021-01-03", &[]),
            (
                "春节",
                "2021-02-11",
                "2021-02-17",
                &["2021-02-07", "2021-02-20"],
            ),
            ("清明节", "2021-04-03", "2021-04-05", &[]),
            (
                "劳动节",
                "2021-05-01",
                "2021-05-05",
                &["2021-04-25", "2021-05-08"],
            ),
            ("端午节", "2021-06-12", "2021-06-14", &[]),
            ("中秋节", "2021-09-19", "2021-09-21", &["2021-09-18"]),
            (
                "国庆节",
                "2021-10-01",
                "2021-10-07",
                &["2021-09-26", "2021-10-09"],
            ),
        ],
    ),
    (
        2022,
        &[
            ("元旦", "2022-01-01", "2022-01-03", &[]),
            (
                "春节",
                "2022-01-31",
                "2022-02-06",
                &["2022-01-29", "2022-01-30"],
            ),
            ("清明节", "2022-04-03", "2022-04-05", &["2022-04-02"]),
            (
                "劳动节",
                "2022-04-30",
                "2022-05-04",
                &["2022-04-24", "2022-05-07"],
            ),
            ("端午节", "2022-06-03", "2022-06-05", &[]),
            ("中秋节", "2022-09-10", "2022-09-12", &[]),
            (
                "国庆节",
                "2022-10-01",
                "2022-10-07",
                &["2022-10-08", "2022-10-09"],
            ),
        ],
    ),
    (
        2023,
        &[
            ("元旦", "2022-12-31", "2023-01-02", &[]),
            (
                "春节",
                "2023-01-21",
                "2023-01-27",
                &["2023-01-28", "2023-01-29"],
            ),
            ("清明节", "2023-04-05", "2023-04-05", &[]),
            (
                "劳动节",
                "2023-04-29",
                "2023-05-03",
                &["2023-04-23", "2023-05-06"],
            ),
            ("端午节", "2023-06-22", "2023-06-24", &["2023-06-25"]),
            (
                "国庆节、中秋节",
                "2023-09-29",
                "2023-10-06",
                &["2023-10-07", "2023-10-08"],
            ),
        ],
    ),
    (
        2024,
        &[
            ("元旦", "2024-01-01", "2024-01-01", &[]),
            (
                "春节",
                "2024-02-10",
                "2024-02-17",
                &["2024-02-04", "2024-02-18"],
            ),
            ("清明节", "2024-04-04", "2024-04-06", &["2024-04-07"]),
            (
                "劳动节",
                "2024-05-01",
                "2024-05-05",
                &["2024-04-28", "2024-05-11"],
            ),
            ("端午节", "2024-06-10", "2024-06-10", &[]),
            ("中秋节", "2024-09-15", "2024-09-17", &["2024-09-14"]),
            (
                "国庆节",
                "2024-10-01",
                "2024-10-07",
                &["2024-09-29", "2024-10-12"],
            ),
        ],
    ),
    (
        2025,
        &[
            ("元旦", "2025-01-01", "2025-01-01", &[]),
            (
                "春节",
                "2025-01-28",
                "2025-02-04",
                &["2025-01-26", "2025-02-08"],
            ),
            ("清明节", "2025-04-04", "2025-04-06", &[]),
            ("劳动节", "2025-05-01", "2025-05-05", &["2025-04-27"]),
            ("端午节", "2025-05-31", "2025-06-02", &[]),
            (
                "国庆节、中秋节",
                "2025-10-01",
                "2025-10-08",
                &["2025-09-28", "2025-10-11"],
            ),
        ],
    ),
    (
        2026,
        &[
            ("元旦", "2026-01-01", "2026-01-03", &["2026-01-04"]),
            (
                "春节",
                "2026-02-15",
                "2026-02-23",
                &["2026-02-14", "2026-02-28"],
            ),
            ("清明节", "2026-04-04", "2026-04-06", &[]),
            ("劳动节", "2026-05-01", "2026-05-05", &["2026-05-09"]),
            ("端午节", "2026-06-19", "2026-06-21", &[]),
            ("中秋节", "2026-09-25", "2026-09-27", &[]),
            (
                "国庆节",
                "2026-10-01",
                "2026-10-07",
                &["2026-09-20", "2026-10-10"],
            ),
        ],
    ),
];

/// The expected kind and name of every named day of the table.
fn expected_named_days() -> BTreeMap<NaiveDate, (DayKind, HolidayName)> {
    let mut out = BTreeMap::new();
    for (_, rows) in NOTICES {
        for (name, from, to, makeups) in *rows {
            let name = HolidayName::parse(name).expect("table names are known");
            for day in d(from).iter_days().take_while(|x| *x <= d(to)) {
                assert!(
                    out.insert(day, (DayKind::Holiday, name)).is_none(),
                    "{day} twice"
                );
            }
            for m in *makeups {
                assert!(
                    out.insert(d(m), (DayKind::MakeupWorkday, name)).is_none(),
                    "{m} twice"
                );
            }
        }
    }
    out
}

#[test]
fn official_calendar_has_2004_to_2026() {
    assert_eq!(OFFICIAL.years(), (2004..=2026).collect::<Vec<_>>());
    for year in 2004..=2026 {
        let a = OFFICIAL.arrangement(year).expect("shipped");
        assert_eq!(a.validate(), Ok(()), "{year}");
        assert!(!a.notice.title.is_empty());
        assert!(a.notice.title.contains(&year.to_string()));
    }
    assert!(!OFFICIAL.covers(2003));
    assert!(!OFFICIAL.covers(2027));
}

#[test]
fn every_day_2004_to_2026_matches_the_notices() {
    let named = expected_named_days();
    let mut checked = 0;
    for day in d("2004-01-01").iter_days().take_while(|x| x.year() <= 2026) {
        let info = OFFICIAL.day(day).expect("known year");
        let want = named.get(&day).map_or_else(
            || {
                let kind = if is_weekend(day) {
                    DayKind::Weekend
                } else {
                    DayKind::Workday
                };
                (kind, None)
            },
            |&(kind, name)| (kind, Some(name)),
        );
        assert_eq!((info.kind, info.name), want, "{day}");
        checked += 1;
    }
    assert_eq!(checked, 8401);
}

#[test]
fn each_year_file_holds_exactly_its_notice() {
    for (year, rows) in NOTICES {
        let a = OFFICIAL.arrangement(*year).expect("shipped");
        let mut want: Vec<(NaiveDate, bool, HolidayName)> = Vec::new();
        for (name, from, to, makeups) in *rows {
            let name = HolidayName::parse(name).expect("known");
            want.extend(
                d(from)
                    .iter_days()
                    .take_while(|x| *x <= d(to))
                    .map(|x| (x, true, name)),
            );
            want.extend(makeups.iter().map(|m| (d(m), false, name)));
        }
        want.sort();
        let mut got: Vec<(NaiveDate, bool, HolidayName)> = a
            .days
            .iter()
            .map(|e| (e.date, e.off, HolidayName::parse(&e.name).expect("known")))
            .collect();
        got.sort();
        assert_eq!(got, want, "{year}");
    }
}

#[test]
fn notices_and_amendments_are_recorded() {
    let n = |y: i32| OFFICIAL.arrangement(y).expect("shipped");
    assert_eq!(n(2026).notice.number, "国办发明电〔2025〕7号");
    assert_eq!(n(2026).notice.published, Some(d("2025-11-04")));
    assert_eq!(n(2025).notice.number, "国办发明电〔2024〕12号");
    assert_eq!(n(2015).amendments.len(), 1);
    assert_eq!(n(2015).amendments[0].number, "国发明电〔2015〕1号");
    assert_eq!(n(2019).amendments[0].number, "国办发明电〔2019〕3号");
    assert_eq!(n(2020).amendments[0].number, "国办发明电〔2020〕1号");
    for y in [
        2004, 2005, 2006, 2007, 2008, 2009, 2010, 2011, 2012, 2013, 2014, 2016, 2017,
    ] {
        assert!(n(y).amendments.is_empty(), "{y}");
    }
}

#[test]
fn amendments_2015_2019_2020_are_applied() {
    let info = |s: &str| OFFICIAL.day(d(s)).expect("known");
    // 2015: 3 September (Thursday) and 4 September (Friday) off, Sunday 6 September worked.
    assert_eq!(info("2015-09-03").kind, DayKind::Holiday);
    assert_eq!(info("2015-09-04").kind, DayKind::Holiday);
    assert_eq!(info("2015-09-04").name, Some(HolidayName::VictoryDay));
    assert_eq!(info("2015-09-06").kind, DayKind::MakeupWorkday);
    assert_eq!(OFFICIAL.add(d("2015-09-02"), 1), Ok(d("2015-09-06")));
    // 2019: Labour Day 1 to 4 May instead of 1 May alone.
    assert_eq!(info("2019-05-02").kind, DayKind::Holiday);
    assert_eq!(info("2019-04-28").kind, DayKind::MakeupWorkday);
    assert_eq!(OFFICIAL.add(d("2019-04-30"), 1), Ok(d("2019-05-05")));
    // 2020: the Spring Festival to Sunday 2 February; Saturday 1 February no longer worked.
    assert_eq!(info("2020-01-31").kind, DayKind::Holiday);
    assert_eq!(info("2020-02-01").kind, DayKind::Holiday);
    assert_eq!(info("2020-02-03").kind, DayKind::Workday);
    assert_eq!(OFFICIAL.add(d("2020-01-23"), 1), Ok(d("2020-02-03")));
}

#[test]
fn december_days_set_by_the_next_notice() {
    let info = |s: &str| OFFICIAL.day(d(s)).expect("known");
    assert_eq!(info("2005-12-31").kind, DayKind::MakeupWorkday);
    assert_eq!(info("2006-12-30").kind, DayKind::MakeupWorkday);
    assert_eq!(info("2007-12-31").kind, DayKind::Holiday);
    assert_eq!(info("2011-12-31").kind, DayKind::MakeupWorkday);
    assert_eq!(info("2018-12-29").kind, DayKind::MakeupWorkday);
    assert_eq!(info("2018-12-31").kind, DayKind::Holiday);
    assert_eq!(info("2022-12-31").kind, DayKind::Holiday);
    assert_eq!(info("2022-12-31").name, Some(HolidayName::NewYear));
    // Without the next year's notice the same days are ordinary.
    let without_2019: Vec<YearArrangement> = (2004..=2018)
        .map(|y| OFFICIAL.arrangement(y).expect("shipped").clone())
        .collect();
    let cal = Calendar::from_years(without_2019).expect("valid");
    assert_eq!(
        cal.day(d("2018-12-31")).expect("known").kind,
        DayKind::Workday
    );
    assert_eq!(
        cal.day(d("2018-12-29")).expect("known").kind,
        DayKind::Weekend
    );
}

#[test]
fn worked_cases_of_domain_md_4_4() {
    let cases = [
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 3, "2026-02-25"),
        ("2026-02-12", 5, "2026-02-26"),
        ("2026-09-18", 2, "2026-09-21"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-04-30", 1, "2026-05-06"),
        ("2025-12-31", 1, "2026-01-04"),
        ("2026-09-24", 20, "2026-10-29"),
    ];
    for (start, n, want) in cases {
        assert_eq!(OFFICIAL.add(d(start), n), Ok(d(want)), "{start} + {n}");
        assert_eq!(
            OFFICIAL.between(d(start), d(want)),
            Ok(i64::from(n)),
            "{start}..{want}"
        );
    }
    // 2027 is not published: the exact query refuses, the provisional one flags.
    let err = OFFICIAL.add(d("2026-12-31"), 1).expect_err("2027 unknown");
    assert_eq!(err, CalendarError::UnknownYear { year: 2027 });
    assert_eq!(err.year(), Some(2027));
    assert_eq!(
        err.to_string(),
        "no published holiday arrangement for year 2027"
    );
    assert_eq!(
        OFFICIAL.add_provisional(d("2026-12-31"), 1),
        Ok(Deadline {
            date: d("2027-01-01"),
            provisional: true
        })
    );
}

#[test]
fn working_days_per_year() {
    assert_eq!(OFFICIAL.working_days_in_year(2025), Ok(248));
    assert_eq!(OFFICIAL.working_days_in_year(2026), Ok(248));
    assert_eq!(OFFICIAL.working_days_in_year(2024), Ok(251));
    assert_eq!(OFFICIAL.working_days_in_year(2023), Ok(249));
    assert_eq!(OFFICIAL.between(d("2025-12-31"), d("2026-12-31")), Ok(248));
    assert_eq!(
        OFFICIAL.working_days_in_year(2027),
        Err(CalendarError::UnknownYear { year: 2027 })
    );
}

#[test]
fn working_days_of_every_shipped_year() {
    let want = [
        252, 251, 251, 249, 251, 250, 250, 250, 249, 250, 250, 249, 250, 249, 250, 250, 249, 250,
        249, 249, 251, 248, 248,
    ];
    for (year, want) in (2004..=2026).zip(want) {
        assert_eq!(OFFICIAL.working_days_in_year(year), Ok(want), "{year}");
    }
}

#[test]
fn add_zero_and_non_working_starts() {
    // A working day plus 0 is itself; a day off plus 0 is the next working day.
    assert_eq!(OFFICIAL.add(d("2026-02-13"), 0), Ok(d("2026-02-13")));
    assert_eq!(OFFICIAL.add(d("2026-02-14"), 0), Ok(d("2026-02-14")));
    assert_eq!(OFFICIAL.add(d("2026-02-15"), 0), Ok(d("2026-02-24")));
    assert_eq!(OFFICIAL.add(d("2026-02-15"), 1), Ok(d("2026-02-24")));
    assert_eq!(OFFICIAL.add(d("2026-02-15"), 2), Ok(d("2026-02-25")));
    assert_eq!(OFFICIAL.add(d("2026-03-07"), 1), Ok(d("2026-03-09")));
}

#[test]
fn between_is_signed_and_additive() {
    let a = d("2026-02-10");
    let b = d("2026-03-02");
    let c = d("2026-05-20");
    let ab = OFFICIAL.between(a, b).expect("known");
    assert_eq!(ab, 10);
    assert_eq!(OFFICIAL.between(b, a), Ok(-10));
    assert_eq!(OFFICIAL.between(a, a), Ok(0));
    assert_eq!(
        OFFICIAL.between(a, c).expect("known"),
        ab + OFFICIAL.between(b, c).expect("known")
    );
    // A range of days off counts nothing.
    assert_eq!(OFFICIAL.between(d("2026-02-14"), d("2026-02-23")), Ok(0));
}

#[test]
fn day_and_is_workday() {
    let info = OFFICIAL.day(d("2026-02-14")).expect("known");
    assert_eq!(info.kind, DayKind::MakeupWorkday);
    assert_eq!(info.name, Some(HolidayName::SpringFestival));
    assert_eq!(OFFICIAL.is_workday(d("2026-02-14")), Ok(true));
    assert_eq!(OFFICIAL.is_workday(d("2026-02-16")), Ok(false));
    assert_eq!(OFFICIAL.is_workday(d("2026-03-07")), Ok(false));
    assert_eq!(
        OFFICIAL.day(d("2026-10-01")).expect("known").name,
        Some(HolidayName::NationalDay)
    );
    assert_eq!(
        OFFICIAL.day(d("2025-10-06")).expect("known").name,
        Some(HolidayName::NationalDayMidAutumn)
    );
}

#[test]
fn unknown_years_are_refused_on_every_entry_point() {
    let unknown = |y| Err::<(), _>(CalendarError::UnknownYear { year: y });
    assert_eq!(OFFICIAL.day(d("2027-01-01")).map(|_| ()), unknown(2027));
    assert_eq!(
        OFFICIAL.is_workday(d("2003-12-31")).map(|_| ()),
        unknown(2003)
    );
    assert_eq!(OFFICIAL.add(d("2027-03-01"), 0).map(|_| ()), unknown(2027));
    assert_eq!(OFFICIAL.add(d("2003-12-31"), 1).map(|_| ()), unknown(2003));
    assert_eq!(
        OFFICIAL.add(d("2026-06-01"), 200).map(|_| ()),
        unknown(2027)
    );
    assert_eq!(
        OFFICIAL
            .between(d("2026-12-01"), d("2027-01-10"))
            .map(|_| ()),
        unknown(2027)
    );
    assert_eq!(
        OFFICIAL
            .between(d("2027-01-10"), d("2026-12-01"))
            .map(|_| ()),
        unknown(2027)
    );
    assert_eq!(OFFICIAL.export_csv(2026, 2027).map(|_| ()), unknown(2027));
    assert_eq!(
        OFFICIAL.working_days_in_year(2003).map(|_| ()),
        unknown(2003)
    );
    assert_eq!(
        OFFICIAL.first_unknown_year(d("2026-01-01"), d("2028-01-01")),
        Some(2027)
    );
    assert_eq!(
        OFFICIAL.first_unknown_year(d("2010-01-01"), d("2026-12-31")),
        None
    );

    // A gap inside the covered years is refused too.
    let mut years: Vec<YearArrangement> = (2024..=2026)
        .map(|y| OFFICIAL.arrangement(y).expect("shipped").clone())
        .collect();
    years.remove(1);
    let gap = Calendar::from_years(years).expect("valid");
    assert_eq!(gap.years(), vec![2024, 2026]);
    assert_eq!(gap.add(d("2024-12-31"), 1).map(|_| ()), unknown(2025));
    assert_eq!(
        gap.between(d("2024-06-01"), d("2026-06-01")).map(|_| ()),
        unknown(2025)
    );
    assert!(
        gap.add_provisional(d("2024-12-31"), 1)
            .expect("in range")
            .provisional
    );
    assert_eq!(gap.add(d("2026-02-13"), 1), Ok(d("2026-02-14")));

    // An empty calendar knows nothing.
    let empty = Calendar::from_years(Vec::new()).expect("valid");
    assert_eq!(empty.years(), Vec::<i32>::new());
    assert_eq!(empty.add(d("2026-02-13"), 1).map(|_| ()), unknown(2026));
    assert_eq!(
        empty.add_provisional(d("2026-02-13"), 1),
        Ok(Deadline {
            date: d("2026-02-16"),
            provisional: true
        })
    );
}

/// A minimal arrangement for 2027 as the notice might give it, to test imports.
fn arrangement_2027() -> YearArrangement {
    let entry = |date: &str, off: bool, name: &str| DayEntry {
        date: d(date),
        off,
        name: name.to_owned(),
    };
    YearArrangement {
        year: 2027,
        notice: Notice {
            number: String::new(),
            title: "国务院办公厅关于2027年部分节假日安排的通知".to_owned(),
            published: None,
        },
        amendments: Vec::new(),
        days: vec![
            entry("2027-01-01", true, "元旦"),
            entry("2027-01-02", true, "元旦"),
            entry("2027-01-03", true, "元旦"),
            entry("2027-02-05", true, "春节"),
            entry("2027-02-06", true, "春节"),
            entry("2027-02-07", true, "春节"),
            entry("2027-02-08", true, "春节"),
            entry("2027-02-09", true, "春节"),
            entry("2027-02-10", true, "春节"),
            entry("2027-02-11", true, "春节"),
            entry("2027-02-12", true, "春节"),
            entry("2027-01-31", false, "春节"),
            entry("2027-02-20", false, "春节"),
        ],
    }
}

#[test]
fn provisional_results_become_exact_after_import() {
    let before = OFFICIAL
        .add_provisional(d("2026-12-31"), 1)
        .expect("in range");
    assert!(before.provisional);
    assert_eq!(before.date, d("2027-01-01"));
    let count = OFFICIAL.between_provisional(d("2026-12-31"), d("2027-02-15"));
    assert!(count.provisional);

    let after = OFFICIAL
        .with_year(arrangement_2027())
        .expect("valid import");
    assert_eq!(after.years().last(), Some(&2027));
    assert_eq!(after.add(d("2026-12-31"), 1), Ok(d("2027-01-04")));
    assert_eq!(
        after.add_provisional(d("2026-12-31"), 1),
        Ok(Deadline {
            date: d("2027-01-04"),
            provisional: false
        })
    );
    let exact = after
        .between(d("2026-12-31"), d("2027-02-15"))
        .expect("known");
    assert_eq!(
        after.between_provisional(d("2026-12-31"), d("2027-02-15")),
        WorkdayCount {
            days: exact,
            provisional: false
        }
    );
    // 1 January and the six Spring Festival weekdays are off; Sunday 31 January is worked.
    assert_eq!(count.days - exact, 1 + 6 - 1);
    // The original calendar is unchanged.
    assert!(!OFFICIAL.covers(2027));
}

#[test]
fn reimport_replaces_a_year() {
    let mut changed = OFFICIAL.arrangement(2026).expect("shipped").clone();
    // As if a notice had withdrawn the make-up Saturday of 28 February.
    changed.days.retain(|e| e.date != d("2026-02-28"));
    let cal = OFFICIAL.with_year(changed.clone()).expect("valid");
    assert_eq!(
        cal.day(d("2026-02-28")).expect("known").kind,
        DayKind::Weekend
    );
    assert_eq!(cal.working_days_in_year(2026), Ok(247));
    assert_eq!(cal.years(), OFFICIAL.years());
    assert_ne!(
        changed.fingerprint(),
        OFFICIAL.arrangement(2026).expect("shipped").fingerprint()
    );
    assert_eq!(
        OFFICIAL.arrangement(2026).expect("shipped").fingerprint(),
        OFFICIAL
            .arrangement(2026)
            .expect("shipped")
            .clone()
            .fingerprint()
    );
}

#[test]
fn from_years_refuses_duplicates_and_invalid_years() {
    let a = OFFICIAL.arrangement(2026).expect("shipped").clone();
    assert_eq!(
        Calendar::from_years(vec![a.clone(), a]).map(|_| ()),
        Err(CalendarError::DuplicateYear { year: 2026 })
    );
    let mut bad = arrangement_2027();
    bad.days[0].off = false; // Friday 1 January worked.
    let err = OFFICIAL.with_year(bad).expect_err("invalid");
    assert_eq!(err.year(), Some(2027));
    assert!(matches!(
        err,
        CalendarError::InvalidArrangement { year: 2027, .. }
    ));
    assert!(err.to_string().contains("2027-01-01"), "{err}");
}

#[test]
fn validation_reports_every_broken_rule_with_its_date() {
    let mut a = arrangement_2027();
    a.notice.title = " ".to_owned();
    a.days.push(DayEntry {
        date: d("2027-03-01"),
        off: false,
        name: "春节".to_owned(),
    }); // a Monday "worked"
    a.days.push(DayEntry {
        date: d("2027-03-06"),
        off: true,
        name: "春节".to_owned(),
    }); // a lone Saturday off: a misread 补班
    a.days.push(DayEntry {
        date: d("2027-01-02"),
        off: true,
        name: "元旦".to_owned(),
    }); // twice
    a.days.push(DayEntry {
        date: d("2027-04-05"),
        off: true,
        name: "清明".to_owned(),
    }); // not our spelling
    a.days.push(DayEntry {
        date: d("2026-10-01"),
        off: true,
        name: "国庆节".to_owned(),
    }); // the year before, not 元旦
    a.days.push(DayEntry {
        date: d("2028-01-03"),
        off: true,
        name: "元旦".to_owned(),
    }); // the year after
    let errors = a.validate().expect_err("invalid");
    assert_eq!(
        errors,
        vec![
            ArrangementError::MissingNotice { year: 2027 },
            ArrangementError::OutsideYear {
                date: d("2026-10-01"),
                year: 2027
            },
            ArrangementError::Duplicate {
                date: d("2027-01-02")
            },
            ArrangementError::WorkdayNotWeekend {
                date: d("2027-03-01"),
                weekday: chrono::Weekday::Mon
            },
            ArrangementError::WeekendOffOutsideSpan {
                date: d("2027-03-06"),
                weekday: chrono::Weekday::Sat
            },
            ArrangementError::UnknownName {
                date: d("2027-04-05"),
                name: "清明".to_owned()
            },
            ArrangementError::OutsideYear {
                date: d("2028-01-03"),
                year: 2027
            },
        ]
    );
    assert_eq!(
        errors[3].to_string(),
        "2027-03-01: a make-up working day must be a Saturday or Sunday, not a Mon"
    );
}

#[test]
fn validation_of_the_arrangement_wide_rules() {
    let mut a = arrangement_2027();
    a.year = 1900;
    a.days.clear();
    a.amendments.push(Amendment {
        number: String::new(),
        title: String::new(),
        published: None,
        summary: String::new(),
    });
    assert_eq!(
        a.validate(),
        Err(vec![
            ArrangementError::YearOutOfRange { year: 1900 },
            ArrangementError::AmendmentWithoutTitle {
                year: 1900,
                index: 0
            },
            ArrangementError::NoDays { year: 1900 },
        ])
    );
}

#[test]
fn validation_accepts_the_real_edge_cases() {
    // 元旦 in the December before (2023's notice), and a festival alone on a Sunday (2015).
    assert_eq!(
        OFFICIAL.arrangement(2023).expect("shipped").validate(),
        Ok(())
    );
    assert_eq!(
        OFFICIAL.arrangement(2015).expect("shipped").validate(),
        Ok(())
    );
    // A weekend day inside a span is fine; the same Saturday cut off from its span is not.
    let mut a = arrangement_2027();
    assert_eq!(a.validate(), Ok(()));
    a.days.retain(|e| e.date != d("2027-01-01"));
    let errors = a
        .validate()
        .expect_err("2 and 3 January are now a lone weekend");
    assert_eq!(
        errors
            .iter()
            .filter_map(ArrangementError::date)
            .collect::<Vec<_>>(),
        vec![d("2027-01-02"), d("2027-01-03")]
    );
}

#[test]
fn json_round_trip_and_strictness() {
    let a = OFFICIAL.arrangement(2020).expect("shipped");
    let text = serde_json::to_string(a).expect("serialisable");
    let back: YearArrangement = serde_json::from_str(&text).expect("readable");
    assert_eq!(&back, a);
    // A field of another dataset's format is refused rather than ignored.
    let foreign = r#"{"year":2027,"notice":{"number":"","title":"t","published":null},
        "days":[{"date":"2027-01-01","isOffDay":true,"name":"元旦"}]}"#;
    assert!(serde_json::from_str::<YearArrangement>(foreign).is_err());
    // `amendments` may be left out.
    let minimal = r#"{"year":2027,"notice":{"number":"","title":"t","published":null},
        "days":[{"date":"2027-01-01","off":true,"name":"元旦"}]}"#;
    let m: YearArrangement = serde_json::from_str(minimal).expect("readable");
    assert_eq!(m.validate(), Ok(()));
}

#[test]
fn holiday_names() {
    for n in HolidayName::ALL {
        assert_eq!(HolidayName::parse(n.as_str()), Some(n));
        assert_eq!(n.as_str().parse::<HolidayName>(), Ok(n));
        assert!(!n.code().is_empty());
    }
    assert_eq!(
        HolidayName::parse("中秋节、国庆节"),
        Some(HolidayName::NationalDayMidAutumn)
    );
    assert!("五一".parse::<HolidayName>().is_err());
}

#[test]
fn export_csv_lists_every_day() {
    let csv = OFFICIAL.export_csv(2025, 2026).expect("known");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,kind,name");
    assert_eq!(lines.len(), 1 + 365 + 365);
    assert_eq!(lines[1], "2025-01-01,holiday,元旦");
    assert_eq!(lines[2], "2025-01-02,workday,");
    assert_eq!(lines[4], "2025-01-04,weekend,");
    assert!(csv.contains("\n2025-10-01,holiday,国庆节、中秋节\n"));
    assert!(csv.contains("\n2026-02-14,makeup_workday,春节\n"));
    assert_eq!(lines.last(), Some(&"2026-12-31,workday,"));
    let workdays = lines
        .iter()
        .filter(|l| l.contains(",workday,") || l.contains(",makeup_workday,"))
        .count();
    assert_eq!(workdays, 248 * 2);
    assert_eq!(
        OFFICIAL.export_csv(2026, 2025),
        Err(CalendarError::InvalidRange {
            from: 2026,
            to: 2025
        })
    );
}

#[test]
fn provisional_counting_beyond_the_data() {
    // Past the last year Monday to Friday count; a Friday plus one is the Monday.
    assert_eq!(
        OFFICIAL.add_provisional(d("2027-01-08"), 1),
        Ok(Deadline {
            date: d("2027-01-11"),
            provisional: true
        })
    );
    // Before the first year too.
    assert_eq!(
        OFFICIAL.add_provisional(d("2003-12-26"), 2),
        Ok(Deadline {
            date: d("2003-12-30"),
            provisional: true
        })
    );
    // From before the data into it: the walk is exact from 1 January 2004 on, but flagged.
    let p = OFFICIAL
        .add_provisional(d("2003-12-31"), 1)
        .expect("in range");
    assert_eq!(p.date, d("2004-01-02"));
    assert!(p.provisional);
    assert_eq!(
        OFFICIAL.between_provisional(d("2027-01-01"), d("2027-01-31")),
        WorkdayCount {
            days: 20,
            provisional: true
        }
    );
    // Far away the arithmetic stays exact and then reports the end of representable dates.
    assert!(OFFICIAL.add_provisional(d("2026-01-01"), u32::MAX).is_err());
}

fn any_date_in(from: i32, to: i32) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(from, 1, 1).expect("valid");
    let last = NaiveDate::from_ymd_opt(to, 12, 31).expect("valid");
    let days = (last - first).num_days();
    (0..=days).prop_map(move |o| first + chrono::Duration::days(o))
}

proptest! {
    #[test]
    fn add_returns_a_working_day(start in any_date_in(2004, 2025), n in 0u32..200) {
        let r = OFFICIAL.add(start, n).expect("within the data");
        prop_assert_eq!(OFFICIAL.is_workday(r), Ok(true));
        prop_assert!(r >= start);
    }

    /// `between(d, add(d, n)) == n` from a working day. From a day off, `add(d, 0)` and
    /// `add(d, 1)` are both the next working day, so the count is `max(n, 1)`.
    #[test]
    fn between_inverts_add(start in any_date_in(2004, 2025), n in 0u32..200) {
        let r = OFFICIAL.add(start, n).expect("within the data");
        let count = OFFICIAL.between(start, r).expect("within the data");
        if OFFICIAL.is_workday(start).expect("known") {
            prop_assert_eq!(count, i64::from(n));
        } else {
            prop_assert_eq!(count, i64::from(n.max(1)));
        }
    }

    /// `add` is monotonic in `n`, strictly from `n = 1` on; `add(d, 0) == add(d, 1)` exactly when
    /// `d` is a day off.
    #[test]
    fn add_is_monotonic(start in any_date_in(2004, 2025), n in 0u32..200) {
        let a = OFFICIAL.add(start, n).expect("within the data");
        let b = OFFICIAL.add(start, n + 1).expect("within the data");
        if n == 0 && !OFFICIAL.is_workday(start).expect("known") {
            prop_assert_eq!(a, b);
        } else {
            prop_assert!(a < b);
        }
    }

    /// The O(1) arithmetic agrees with walking day by day.
    #[test]
    fn add_agrees_with_a_day_by_day_walk(start in any_date_in(2004, 2025), n in 0u32..40) {
        let mut day = start;
        if n > 0 || !OFFICIAL.is_workday(day).expect("known") {
            let mut left = n.max(1);
            while left > 0 {
                day = day.succ_opt().expect("valid");
                if OFFICIAL.is_workday(day).expect("known") {
                    left -= 1;
                }
            }
        }
        prop_assert_eq!(OFFICIAL.add(start, n), Ok(day));
    }

    #[test]
    fn between_is_antisymmetric(a in any_date_in(2004, 2026), b in any_date_in(2004, 2026)) {
        let ab = OFFICIAL.between(a, b).expect("known");
        prop_assert_eq!(OFFICIAL.between(b, a), Ok(-ab));
        if a <= b {
            prop_assert!(ab >= 0);
        } else {
            prop_assert!(ab <= 0);
        }
    }

    /// A calendar that stops at `last` gives provisional answers past it; with the later years
    /// imported the same question gets the exact answer. A non-provisional answer stays the same
    /// unless the walk crossed a day of `last`'s December that the next notice names (as the
    /// notices for 2006, 2007, 2008, 2012, 2019 and 2023 did): that is why an import recomputes
    /// deadlines from its arrangement's first date, not from 1 January.
    #[test]
    fn provisional_results_become_exact(
        last in 2004i32..2024,
        offset in 0i64..365,
        n in 0u32..300,
    ) {
        let partial = Calendar::from_years(
            (2004..=last).map(|y| OFFICIAL.arrangement(y).expect("shipped").clone()).collect(),
        ).expect("valid");
        let start = NaiveDate::from_ymd_opt(last, 1, 1).expect("valid") + chrono::Duration::days(offset);
        let p = partial.add_provisional(start, n).expect("in range");
        let exact = OFFICIAL.add(start, n).expect("within the data");
        let next_names_our_december = OFFICIAL
            .arrangement(last + 1)
            .and_then(YearArrangement::first_date)
            .is_some_and(|first| first <= p.date);
        if p.provisional {
            prop_assert!(partial.add(start, n).is_err());
        } else {
            if !next_names_our_december {
                prop_assert_eq!(p.date, exact);
            }
            prop_assert_eq!(partial.add(start, n), Ok(p.date));
        }
        prop_assert_eq!(
            OFFICIAL.add_provisional(start, n),
            Ok(Deadline { date: exact, provisional: false })
        );
        let mut full = partial;
        for y in last + 1..=2026 {
            full = full.with_year(OFFICIAL.arrangement(y).expect("shipped").clone()).expect("valid");
        }
        prop_assert_eq!(full.add(start, n), Ok(exact));
    }
}
