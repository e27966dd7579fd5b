//! The arrangements that ship with the product, embedded at build time so that the domain crate
//! reads no file at run time. One file per year in `data/calendar/`.

/// `(year, JSON text)` for every shipped year, oldest first.
pub(crate) const OFFICIAL_YEARS: [(i32, &str); 23] = [
    (2004, include_str!("../../../../data/calendar/2004.json")),
    (2005, include_str!("../../../../data/calendar/2005.json")),
    (2006, include_str!("../../../../data/calendar/2006.json")),
    (2007, include_str!("../../../../data/calendar/2007.json")),
    (2008, include_str!("../../../../data/calendar/2008.json")),
    (2009, include_str!("../../../../data/calendar/2009.json")),
    (2010, include_str!("../../../../data/calendar/2010.json")),
    (2011, include_str!("../../../../data/calendar/2011.json")),
    (2012, include_str!("../../../../data/calendar/2012.json")),
    (2013, include_str!("../../../../data/calendar/2013.json")),
    (2014, include_str!("../../../../data/calendar/2014.json")),
    (2015, include_str!("../../../../data/calendar/2015.json")),
    (2016, include_str!("../../../../data/calendar/2016.json")),
    (2017, include_str!("../../../../data/calendar/2017.json")),
    (2018, include_str!("../../../../data/calendar/2018.json")),
    (2019, include_str!("../../../../data/calendar/2019.json")),
    (2020, include_str!("../../../../data/calendar/2020.json")),
    (2021, include_str!("../../../../data/calendar/2021.json")),
    (2022, include_str!("../../../../data/calendar/2022.json")),
    (2023, include_str!("../../../../data/calendar/2023.json")),
    (2024, include_str!("../../../../data/calendar/2024.json")),
    (2025, include_str!("../../../../data/calendar/2025.json")),
    (2026, include_str!("../../../../data/calendar/2026.json")),
];
