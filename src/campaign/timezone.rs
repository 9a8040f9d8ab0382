//! The recipient's timezone when the contact row gives none: from the number's country, and
//! for the North American Numbering Plan from its area code. An area code that spans zones
//! yields each of them, and the guard calls only when every one is inside calling hours.
//! A number with no known zone is not called (the guard fails closed).

use chrono_tz::Tz;

/// The zones a number may be in; empty when unknown.
pub fn zones_for(e164: &str, region: Option<&str>) -> Vec<Tz> {
    if let Some(area) = e164.strip_prefix("+1").and_then(|rest| rest.get(..3)) {
        return nanp(area);
    }
    let Some(region) = region else {
        return Vec::new();
    };
    names(country(region))
}

fn names(list: &[&str]) -> Vec<Tz> {
    list.iter().filter_map(|name| name.parse().ok()).collect()
}

const NEW_YORK: &str = "America/New_York";
const CHICAGO: &str = "America/Chicago";
const DENVER: &str = "America/Denver";
const PHOENIX: &str = "America/Phoenix";
const LOS_ANGELES: &str = "America/Los_Angeles";

/// North American area codes by zone. Codes that straddle a zone line appear under both.
const NANP: &[(&str, &[&str])] = &[
    (
        NEW_YORK,
        &[
            // CT DE DC
            "203", "475", "860", "959", "302", "202", "771", // FL (peninsula)
            "239", "305", "321", "324", "352", "386", "407", "561", "645", "656", "689", "727",
            "728", "754", "772", "786", "813", "863", "904", "941", "954", // GA
            "229", "404", "470", "478", "678", "706", "762", "770", "912", "943", // IN
            "317", "463", "260", "765", "574", "812", "930", // KY (east)
            "502", "606", "859", // ME MD MA
            "207", "240", "301", "410", "443", "667", "227", "339", "351", "413", "508", "617",
            "774", "781", "857", "978", // MI
            "231", "248", "269", "313", "517", "586", "616", "679", "734", "810", "947", "989",
            "906", // NH NJ
            "603", "201", "551", "609", "640", "732", "848", "856", "862", "908", "973", // NY
            "212", "315", "329", "332", "347", "363", "516", "518", "585", "607", "624", "631",
            "646", "680", "716", "718", "838", "845", "914", "917", "929", "934", // NC
            "252", "336", "472", "704", "743", "828", "910", "919", "980", "984", // OH
            "216", "220", "234", "283", "326", "330", "380", "419", "436", "440", "513", "567",
            "614", "740", "937", // PA RI SC
            "215", "223", "267", "272", "412", "445", "484", "570", "582", "610", "717", "724",
            "814", "835", "878", "401", "803", "821", "839", "843", "854", "864", // TN (east)
            "423", "865", // VT VA WV
            "802", "276", "434", "540", "571", "686", "703", "757", "804", "826", "948", "304",
            "681", // FL panhandle (split)
            "850", "448", // ON QC
            "226", "249", "289", "343", "365", "382", "416", "437", "519", "548", "613", "647",
            "683", "705", "742", "753", "807", "905", "263", "354", "367", "418", "438", "450",
            "468", "514", "579", "581", "819", "873",
        ],
    ),
    (
        CHICAGO,
        &[
            // AL AR
            "205", "251", "256", "334", "659", "938", "327", "479", "501", "870", // IL
            "217", "224", "309", "312", "331", "447", "464", "618", "630", "708", "730", "773",
            "779", "815", "847", "861", "872", // IA KS
            "319", "515", "563", "641", "712", "316", "620", "785", "913", // LA
            "225", "318", "337", "457", "504", "985", // MN MS MO
            "218", "320", "507", "612", "651", "763", "924", "952", "228", "601", "662", "769",
            "235", "314", "417", "557", "573", "636", "660", "816", "975", // NE ND SD
            "308", "402", "531", "701", "605", // OK
            "405", "539", "572", "580", "918", // TN (middle, west)
            "615", "629", "731", "901", "931", // TX
            "210", "214", "254", "281", "325", "346", "361", "409", "430", "432", "469", "512",
            "682", "713", "726", "737", "806", "817", "830", "832", "903", "936", "940", "945",
            "956", "972", "979", // WI
            "262", "274", "353", "414", "534", "608", "715", "920", // split codes
            "850", "448", "219", "270", "364", "812", "930", "906", "807", // MB
            "204", "431", "584",
        ],
    ),
    (
        DENVER,
        &[
            // CO MT NM UT WY ID TX (El Paso)
            "303", "719", "720", "970", "983", "406", "505", "575", "385", "435", "801", "307",
            "208", "986", "915", // split codes
            "308", "605", "701", "620", "785", "541", // AB
            "368", "403", "587", "780", "825",
        ],
    ),
    (PHOENIX, &["480", "520", "602", "623", "928"]),
    (
        LOS_ANGELES,
        &[
            // CA
            "209", "213", "279", "310", "323", "341", "350", "369", "408", "415", "424", "442",
            "510", "530", "559", "562", "619", "626", "628", "650", "657", "661", "669", "707",
            "714", "747", "760", "805", "818", "820", "831", "840", "858", "909", "916", "925",
            "949", "951", // NV OR WA
            "702", "725", "775", "458", "503", "541", "971", "206", "253", "360", "425", "509",
            "564", // ID (north, split)
            "208", "986", // BC
            "236", "250", "604", "672", "778",
        ],
    ),
    ("America/Regina", &["306", "474", "639"]),
    ("America/Anchorage", &["907"]),
    ("Pacific/Honolulu", &["808"]),
    ("America/Puerto_Rico", &["787", "939"]),
    ("America/St_Thomas", &["340"]),
    ("Pacific/Guam", &["671"]),
    ("America/Halifax", &["782", "902"]),
    ("America/Moncton", &["428", "506"]),
    ("America/St_Johns", &["709", "879"]),
];

fn nanp(area: &str) -> Vec<Tz> {
    let zones: Vec<&str> = NANP
        .iter()
        .filter(|(_, codes)| codes.contains(&area))
        .map(|(zone, _)| *zone)
        .collect();
    names(&zones)
}

/// Countries in one zone (or, for Spain and Portugal, with islands an hour behind).
fn country(region: &str) -> &'static [&'static str] {
    match region {
        "GB" => &["Europe/London"],
        "IE" => &["Europe/Dublin"],
        "FR" => &["Europe/Paris"],
        "DE" => &["Europe/Berlin"],
        "ES" => &["Europe/Madrid", "Atlantic/Canary"],
        "PT" => &["Europe/Lisbon", "Atlantic/Azores"],
        "IT" => &["Europe/Rome"],
        "NL" => &["Europe/Amsterdam"],
        "BE" => &["Europe/Brussels"],
        "LU" => &["Europe/Luxembourg"],
        "CH" => &["Europe/Zurich"],
        "AT" => &["Europe/Vienna"],
        "SE" => &["Europe/Stockholm"],
        "NO" => &["Europe/Oslo"],
        "DK" => &["Europe/Copenhagen"],
        "FI" => &["Europe/Helsinki"],
        "PL" => &["Europe/Warsaw"],
        "CZ" => &["Europe/Prague"],
        "SK" => &["Europe/Bratislava"],
        "HU" => &["Europe/Budapest"],
        "RO" => &["Europe/Bucharest"],
        "GR" => &["Europe/Athens"],
        "UA" => &["Europe/Kyiv"],
        "TR" => &["Europe/Istanbul"],
        "IL" => &["Asia/Jerusalem"],
        "AE" => &["Asia/Dubai"],
        "IN" => &["Asia/Kolkata"],
        "SG" => &["Asia/Singapore"],
        "HK" => &["Asia/Hong_Kong"],
        "CN" => &["Asia/Shanghai"],
        "JP" => &["Asia/Tokyo"],
        "KR" => &["Asia/Seoul"],
        "PH" => &["Asia/Manila"],
        "NZ" => &["Pacific/Auckland"],
        "ZA" => &["Africa/Johannesburg"],
        "NG" => &["Africa/Lagos"],
        "KE" => &["Africa/Nairobi"],
        "EG" => &["Africa/Cairo"],
        "CO" => &["America/Bogota"],
        "PE" => &["America/Lima"],
        "AR" => &["America/Argentina/Buenos_Aires"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_codes_name_their_zone() {
        assert_eq!(
            zones_for("+14155550100", Some("US")),
            vec![chrono_tz::America::Los_Angeles]
        );
        assert_eq!(
            zones_for("+12125550100", Some("US")),
            vec![chrono_tz::America::New_York]
        );
        assert_eq!(
            zones_for("+13125550100", Some("US")),
            vec![chrono_tz::America::Chicago]
        );
        assert_eq!(
            zones_for("+16025550100", Some("US")),
            vec![chrono_tz::America::Phoenix]
        );
    }

    #[test]
    fn split_area_codes_give_every_zone() {
        let zones = zones_for("+18505550100", Some("US"));
        assert!(zones.contains(&chrono_tz::America::New_York));
        assert!(zones.contains(&chrono_tz::America::Chicago));
    }

    #[test]
    fn unknown_numbers_have_no_zone() {
        // 555 is not a geographic area code; Brazil spans zones.
        assert!(zones_for("+15555550100", Some("US")).is_empty());
        assert!(zones_for("+5511912345678", Some("BR")).is_empty());
        assert_eq!(
            zones_for("+442079460000", Some("GB")),
            vec![chrono_tz::Europe::London]
        );
    }

    #[test]
    fn every_zone_name_in_the_tables_exists() {
        for (zone, _) in NANP {
            assert!(zone.parse::<Tz>().is_ok(), "{zone}");
        }
        for region in ["GB", "ES", "PT", "AR", "UA", "IN"] {
            for zone in country(region) {
                assert!(zone.parse::<Tz>().is_ok(), "{zone}");
            }
        }
    }
}
