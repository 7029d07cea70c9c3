//! Thousands of generated robot and schedule files through the validators:
//! random bytes, and the sample robots with values replaced by huge numbers,
//! wrong types and deep nesting. Each must give a valid model or located
//! errors, never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::robot::validate::robot_from_str;
use crate::schedule::file::schedule_from_str;

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SAMPLES: &[&str] = &[
    include_str!("../../robots/vaccination-consent.yaml"),
    include_str!("../../robots/culture-school-application.yaml"),
    include_str!("../../robots/bin-collection-pause.yaml"),
    include_str!("../../robots/food-business-registration.yaml"),
    include_str!("../../schedules/nightly.yaml"),
];

const REPLACEMENTS: &[&str] = &[
    "1e20",
    "-1e308",
    "18446744073709551615",
    "-9223372036854775808",
    ".nan",
    ".inf",
    "[]",
    "{}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "~",
    "true",
    "\"${\"",
    "\"${a | match \\\"(\\\"}\"",
    "\"xpath://a[\"",
    "\"##bad\"",
    "&a [*a]",
    "\"\\u0000\"",
    "!!binary AAAA",
    "\"* * * * * * * *\"",
    "\"60 25 32 13 8\"",
];

/// The sample with one scalar value (after a `: ` or `- `) replaced.
fn mutate(sample: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = sample.lines().map(String::from).collect();
    for _ in 0..=rng.below(3) {
        let n = rng.below(lines.len());
        let line = &lines[n];
        let replacement = REPLACEMENTS[rng.below(REPLACEMENTS.len())];
        lines[n] = match line.find(": ").or_else(|| line.find("- ")) {
            Some(at) => format!("{}{replacement}", &line[..at + 2]),
            None => format!("{line} {replacement}"),
        };
    }
    lines.join("\n")
}

fn random_bytes(rng: &mut Rng) -> String {
    let alphabet = b"abc:- \n\t{}[]\"'#&*!|>%@`$0123456789.,e";
    let len = rng.below(300);
    let bytes: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Validates `source` as a robot and as a schedule; returns what panicked.
fn panics(source: &str) -> Option<String> {
    let robots = vec!["vaccination-consent".to_string()];
    let result = catch_unwind(AssertUnwindSafe(|| {
        if let Err(errors) = robot_from_str(Path::new("robots/r.yaml"), source) {
            assert!(!errors.is_empty(), "an invalid robot without a diagnostic");
            for e in errors {
                assert!(e.to_string().starts_with("robots/r.yaml:") || e.to_string().contains(".yaml:"), "{e}");
            }
        }
        if let Err(errors) = schedule_from_str(Path::new("schedules/s.yaml"), source, Some(&robots)) {
            assert!(!errors.is_empty(), "an invalid schedule without a diagnostic");
        }
    }));
    result.err().map(|p| {
        p.downcast_ref::<String>().cloned().or(p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
    })
}

#[test]
fn no_generated_file_makes_a_validator_panic() {
    let seed = std::env::var("NIGHTSHIFT_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026_u64);
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    for round in 0..3000 {
        let source =
            if round % 3 == 0 { random_bytes(&mut rng) } else { mutate(SAMPLES[round % SAMPLES.len()], &mut rng) };
        if let Some(panic) = panics(&source) {
            failures.push(format!("round {round} (seed {seed}): {panic}\n{source}"));
        }
    }
    assert!(failures.is_empty(), "{} of 3000 panicked; first:\n{}", failures.len(), failures[0]);
}
