//! Made-up pupils and errands for the stand-in sites: realistic in form (valid
//! personnummer, Swedish names and schools), invented in content.

use crate::demo::eservice::{Errand, ErrandKind, Field};

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

/// Culture-school courses: name, subject, teacher, places left.
pub const COURSES: &[(&str, &str, &str, u32)] = &[
    ("Gitarr nybörjare", "Musik", "Erik Sundin", 12),
    ("Piano fortsättning", "Musik", "Maria Berg", 0),
    ("Fiol", "Musik", "Lena Ek", 6),
    ("Balett", "Dans", "Sofia Lind", 8),
    ("Street dance", "Dans", "Ali Hassan", 9),
    ("Teater 10–12 år", "Teater", "Jonas Holm", 7),
];

/// A valid organisation number `55NNNN-NNNC` (a limited company).
pub fn organisationsnummer(n: usize) -> String {
    let nine = format!("55{:07}", 6_100_000 + n * 7_919);
    format!("{}-{}{}", &nine[..6], &nine[6..], luhn_digit(&nine))
}

fn field(id: &'static str, label: &'static str, value: impl Into<String>) -> Field {
    Field { id, label, value: value.into(), list: false }
}

fn errand(kind: ErrandKind, n: usize, applicant: String, handler: &str, fields: Vec<Field>) -> Errand {
    let base = match kind {
        ErrandKind::VaccinationConsent => 1042,
        ErrandKind::CultureSchool => 3101,
        ErrandKind::BinPause => 5201,
        ErrandKind::FoodRegistration => 7301,
    };
    Errand {
        id: format!("2026-{}", base + n),
        kind,
        submitted: format!("2026-11-{:02}", 2 + n % 20),
        applicant,
        handler: handler.to_string(),
        fields,
        attachment: None,
        handled: false,
        corrected: false,
    }
}

/// Applications to the culture school; the courses go round `COURSES`, so
/// every sixth asks for the full piano course.
pub fn culture_applications(count: usize) -> Vec<Errand> {
    (0..count)
        .map(|n| {
            let child = pupil(200 + n);
            let (course, subject, _, _) = COURSES[n % COURSES.len()];
            let guardian =
                format!("{} {}", GUARDIANS[n % GUARDIANS.len()], child.name.split(' ').nth(1).unwrap_or_default());
            let email =
                format!("{}@example.se", GUARDIANS[n % GUARDIANS.len()].to_lowercase().replace(['å', 'é'], "a"));
            errand(
                ErrandKind::CultureSchool,
                n,
                guardian,
                "antagning.kulturskolan@example.se",
                vec![
                    field("child-pnr", "Barnets personnummer", child.pnr),
                    field("child-name", "Barnets namn", child.name),
                    field("subject", "Ämne", subject),
                    field("course", "Kurs", course),
                    field("guardian-email", "Vårdnadshavarens e-post", email),
                ],
            )
        })
        .collect()
}

/// A customer of the waste billing system: number, name, property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasteCustomer {
    pub number: String,
    pub name: String,
    pub property: String,
}

const PLACES: &[&str] = &["Vivsta", "Sörberge", "Bergsåker", "Östrand", "Lögdö", "Söråker"];

pub fn waste_customer(n: usize) -> WasteCustomer {
    WasteCustomer {
        number: format!("{}", 400_100 + n * 13),
        name: format!("{} {}", GUARDIANS[n % GUARDIANS.len()], LAST[(n + 3) % LAST.len()]),
        property: format!("Timrå {} {}:{}", PLACES[n % PLACES.len()], 1 + n % 9, 10 + n),
    }
}

/// Pauses of bin collection for the first `count` customers, over the winter.
pub fn bin_pauses(count: usize) -> Vec<Errand> {
    const REASONS: &[&str] = &["Fritidshus, ej bebott", "Längre bortavaro", "Renovering"];
    (0..count)
        .map(|n| {
            let c = waste_customer(n);
            errand(
                ErrandKind::BinPause,
                n,
                c.name.clone(),
                "kundtjanst.avfall@example.se",
                vec![
                    field("customer-number", "Kundnummer", c.number),
                    field("property", "Fastighetsbeteckning", c.property),
                    field("from", "Från och med", format!("2026-12-{:02}", 1 + n % 10)),
                    field("to", "Till och med", format!("2027-0{}-{:02}", 1 + n % 3, 15 + n % 10)),
                    field("reason", "Orsak", REASONS[n % REASONS.len()]),
                ],
            )
        })
        .collect()
}

/// Activities a food business registers for.
pub const ACTIVITIES: &[&str] = &["Servering", "Butik", "Tillverkning", "Catering"];

/// The property designations the environmental case system's land register
/// knows: several share their first words, so a search lists a few.
pub const PROPERTIES: &[&str] = &[
    "Timrå Vivsta 3:12",
    "Timrå Vivsta 3:14",
    "Timrå Vivsta 4:2",
    "Timrå Sörberge 1:7",
    "Timrå Sörberge 1:9",
    "Timrå Lögdö 2:1",
    "Sundsvall Tuna 1:2",
    "Sundsvall Tuna 1:3",
    "Sundsvall Älvstranden 5:8",
    "Sundsvall Granloholm 2:40",
];

/// Registrations of food businesses, each with a floor plan attached.
pub fn food_registrations(count: usize) -> Vec<Errand> {
    const NAMES: &[&str] =
        &["Kafé Älvstranden", "Pizzeria Sörberge", "Bageriet i Vivsta", "Sushi Timrå", "Gårdsbutiken Lögdö"];
    (0..count)
        .map(|n| {
            let company = format!("{} AB", NAMES[n % NAMES.len()]);
            let activities: Vec<&str> =
                ACTIVITIES.iter().copied().skip(n % 2).step_by(1 + n % 2).take(1 + n % 3).collect();
            let mut e = errand(
                ErrandKind::FoodRegistration,
                n,
                company.clone(),
                "livsmedel.miljo@example.se",
                vec![
                    field("company", "Företag", company.clone()),
                    field("orgnr", "Organisationsnummer", organisationsnummer(n)),
                    field("address", "Anläggningens adress", format!("Storgatan {}, 861 3{} Timrå", 3 + n, n % 10)),
                    field("property", "Fastighetsbeteckning", PROPERTIES[(n * 3) % PROPERTIES.len()].to_string()),
                    Field { id: "activities", label: "Verksamhet", value: activities.join(", "), list: true },
                    field("contact", "Kontakt", format!("info{n}@example.se")),
                ],
            );
            let plan = format!("%PDF-1.4\n% Planritning för {company}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n");
            e.attachment = Some((format!("planritning-{}.pdf", e.id), plan.into_bytes()));
            e
        })
        .collect()
}

// Built here rather than in `eservice` so that the site does not depend on
// the demo's data.
impl Errand {
    /// A vaccination consent as the platform shows it.
    pub fn consent(c: &ConsentErrand) -> Self {
        let field = |id, label, value: &str| Field { id, label, value: value.to_string(), list: false };
        Self {
            id: c.id.clone(),
            kind: ErrandKind::VaccinationConsent,
            submitted: c.submitted.clone(),
            applicant: c.guardian.clone(),
            handler: c.handler.clone(),
            fields: vec![
                field("guardian", "Vårdnadshavare", &c.guardian),
                field("pupil-name", "Elevens namn", &c.pupil.name),
                field("pupil-pnr", "Elevens personnummer", &c.pupil.pnr),
                field("school", "Skola", &c.pupil.school),
                field("vaccine", "Vaccination", &c.vaccine),
                field("consent", "Samtycke", if c.consent { "Ja" } else { "Nej" }),
            ],
            attachment: None,
            handled: false,
            corrected: false,
        }
    }
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
    fn organisation_numbers_pass_their_own_check() {
        for n in 0..50 {
            let number = organisationsnummer(n);
            assert!(crate::robot::checks::organisationsnummer(&number).is_ok(), "{number}");
        }
    }

    #[test]
    fn personnummer_are_distinct_and_well_formed() {
        let all: std::collections::HashSet<String> = (0..200).map(personnummer).collect();
        assert_eq!(all.len(), 200);
        assert!(all.iter().all(|p| p.len() == 13 && p.as_bytes()[8] == b'-'));
    }
}
