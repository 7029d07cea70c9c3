//! Made-up pupils and errands for the stand-in sites: realistic in form (valid
//! personnummer, Swedish names and schools), invented in content.

/// A pupil in the school health journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pupil {
    pub pnr: String,
    pub name: String,
    pub school: String,
}

/// A guardian's consent to a school vaccination, as submitted in the e-service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentErrand {
    pub id: String,
    pub submitted: String,
    pub guardian: String,
    pub pupil: Pupil,
    pub vaccine: String,
    pub consent: bool,
    /// The school nurse responsible for the case.
    pub handler: String,
}

const FIRST: &[&str] = &[
    "Alva", "Elias", "Saga", "Noah", "Maja", "Hugo", "Ella", "Liam", "Wilma", "Lucas", "Astrid", "Oscar", "Ebba",
    "Nils",
];
const LAST: &[&str] = &["Lindqvist", "Öberg", "Sjöström", "Nyström", "Åkesson", "Berglund", "Hägglund", "Sundin"];
const GUARDIANS: &[&str] = &["Karin", "Johan", "Åsa", "Mikael", "Annika", "Per", "Linnéa", "Göran"];
/// Schools, and the address of each school's nurse (who handles its cases).
pub const SCHOOLS: &[(&str, &str)] = &[
    ("Bergsåkers skola", "skolskoterska.bergsaker@example.se"),
    ("Sörbergeskolan", "skolskoterska.sorberge@example.se"),
    ("Vivstavarvsskolan", "skolskoterska.vivstavarv@example.se"),
    ("Hellgrensskolan", "skolskoterska.hellgren@example.se"),
];
pub const VACCINES: &[&str] = &["HPV dos 1", "HPV dos 2", "MPR", "Difteri-stelkramp-kikhosta"];

/// The Luhn check digit over the nine digits `YYMMDDNNN`.
pub fn luhn_digit(nine: &str) -> u32 {
    let sum: u32 = nine
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let v = if i % 2 == 0 { d * 2 } else { d };
            v / 10 + v % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A valid 12-digit personnummer `YYYYMMDD-NNNC` for a pupil born in 2012-2014.
pub fn personnummer(n: usize) -> String {
    let year = 2012 + (n % 3);
    let month = 1 + (n * 7) % 12;
    let day = 1 + (n * 11) % 28;
    let serial = 100 + (n * 37) % 900;
    let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    format!("{year}{month:02}{day:02}-{serial:03}{}", luhn_digit(&nine))
}

pub fn pupil(n: usize) -> Pupil {
    Pupil {
        pnr: personnummer(n),
        name: format!("{} {}", FIRST[n % FIRST.len()], LAST[(n / FIRST.len() + n) % LAST.len()]),
        school: SCHOOLS[n % SCHOOLS.len()].0.to_string(),
    }
}

/// `count` consent errands for the first `count` pupils, numbered from 1042.
pub fn consent_errands(count: usize) -> Vec<ConsentErrand> {
    (0..count)
        .map(|n| {
            let pupil = pupil(n);
            let surname = pupil.name.split(' ').nth(1).unwrap_or_default().to_string();
            ConsentErrand {
                id: format!("2026-{}", 1042 + n),
                submitted: format!("2026-11-{:02}", 2 + n % 20),
                guardian: format!("{} {surname}", GUARDIANS[n % GUARDIANS.len()]),
                pupil,
                vaccine: VACCINES[n % 2].to_string(),
                consent: n % 5 != 3,
                handler: SCHOOLS[n % SCHOOLS.len()].1.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_matches_a_known_number() {
        // 811218-9876 is the Swedish Tax Agency's textbook example.
        assert_eq!(luhn_digit("811218987"), 6);
    }

    #[test]
    fn personnummer_are_distinct_and_well_formed() {
        let all: std::collections::HashSet<String> = (0..200).map(personnummer).collect();
        assert_eq!(all.len(), 200);
        assert!(all.iter().all(|p| p.len() == 13 && p.as_bytes()[8] == b'-'));
    }
}
