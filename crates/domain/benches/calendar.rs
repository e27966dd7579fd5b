//! Criterion benchmarks of the working-day arithmetic: `add` and `between` on the official
//! calendar, over 4096 random-but-deterministic inputs from a linear congruential generator (no
//! `rand` dependency, the same inputs on every run). Each iteration calls the function once per
//! input, so criterion's element throughput is calls per second.
//!
//! Run: `cargo bench -p daiban-domain --bench calendar -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chrono::{Duration, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daiban_domain::calendar::Calendar;

const INPUTS: usize = 4096;

/// Knuth's MMIX generator; the high bits are the good ones.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> i64 {
        i64::try_from(self.next() % n).unwrap_or(0)
    }
}

/// `(start, n, end)`: a start in 2004–2025, a limit of 0–120 working days (enough to stay within
/// the published years), and an end up to 400 days after the start, within 2026.
fn inputs() -> Vec<(NaiveDate, u32, NaiveDate)> {
    let Some(first) = NaiveDate::from_ymd_opt(2004, 1, 1) else {
        panic!("valid date");
    };
    let Some(last) = NaiveDate::from_ymd_opt(2026, 12, 31) else {
        panic!("valid date");
    };
    let mut lcg = Lcg(0x5eed_da1b_a000_0001);
    (0..INPUTS)
        .map(|_| {
            let start = first + Duration::days(lcg.below(22 * 365));
            let n = u32::try_from(lcg.below(121)).unwrap_or(0);
            let end = (start + Duration::days(lcg.below(401))).min(last);
            (start, n, end)
        })
        .collect()
}

fn bench_calendar(c: &mut Criterion) {
    let Ok(calendar) = Calendar::official() else {
        panic!("the official calendar loads");
    };
    let inputs = inputs();
    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(
        u64::try_from(inputs.len()).unwrap_or(0),
    ));
    group.bench_function("add", |b| {
        b.iter(|| {
            for &(start, n, _) in &inputs {
                let _ = black_box(calendar.add(black_box(start), black_box(n)));
            }
        });
    });
    group.bench_function("between", |b| {
        b.iter(|| {
            for &(start, _, end) in &inputs {
                let _ = black_box(calendar.between(black_box(start), black_box(end)));
            }
        });
    });
    group.bench_function("add_provisional", |b| {
        b.iter(|| {
            for &(start, n, _) in &inputs {
                let _ = black_box(calendar.add_provisional(black_box(start), black_box(n)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_calendar);
criterion_main!(benches);
