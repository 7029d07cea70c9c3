//! What keeps personal data and secrets where they belong: personnummer
//! (checked, found and masked in one place), the robot's secrets masked in
//! everything it reports, and the signed links that open one case in the
//! console.

pub(crate) mod case_link;
pub(crate) mod personnummer;
pub(crate) mod secrets;
