//! A migration that has run somewhere is never changed: a database keeps the checksum of each
//! migration it ran and refuses to start when the text it was migrated with differs. The
//! PostgreSQL text is derived from the SQLite text (`rex_runtime::db::postgres_dialect`), so a
//! change to the derivation would change every landed PostgreSQL checksum; these pins catch it.

use rex_runtime::db::{Backend, Migrations};

fn checksums(migrations: &Migrations, backend: Backend) -> Vec<(i64, String)> {
    migrations
        .on(backend)
        .iter()
        .map(|m| {
            let hex = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
            (m.version, hex)
        })
        .collect()
}

/// A landed migration: its version and its checksums on SQLite and on PostgreSQL.
type Landed = (i64, &'static str, &'static str);

/// The runtime's and each service's migrations with the checksum of each, per backend, as they landed.
const LANDED: [(&str, &Migrations, &[Landed]); 4] = [
    (
        "runtime",
        &rex_runtime::db::PLUMBING,
        &[
            (
                0,
                "3af43e643bdccb5e4041771f1f3146878797825e2891bd9e1709d43142be652c1e34ea8dc48307bf89eadd4cf85a139f",
                "01212de751e6fca73f1042ec41e1b8e35558e96744b97186702f2f45fdccc5633fa2c9f8060b8d1fc16eb3054875ffd7",
            ),
            (
                1000001,
                "a0c03c2fb915b80cf1e36da4b112fe7a0f5e54e7831498e8e7a6eb0412d0964b33721d4a7c0101fd675fd28fb0686b5f",
                "3e934b7dfb29fa61774f0698ced95d8f52ed08e8d8c4151bb014803ddce0037ccef6346403e8d8d0006f6fa403384fea",
            ),
        ],
    ),
    (
        "registration",
        &rex_registration::MIGRATIONS,
        &[
            (
                1,
                "615b76f667bb96aaa1a84ac1e413e53426266b78da26252bc60266812ebd1858dac98649f46f18e92b6a63929c46d1ed",
                "7a714718197066e210e85be7dced581744f6442ba44810b156ceb8d11305f6767ad1c549b7baa1c58bddffab4b70401a",
            ),
            (
                4,
                "4f48a843e028b9e6adee1ca92ecaa71dd6dc2cd7eeac071788c05745c80b5af34d41c52099773d6cb211286787acb1a4",
                "4f48a843e028b9e6adee1ca92ecaa71dd6dc2cd7eeac071788c05745c80b5af34d41c52099773d6cb211286787acb1a4",
            ),
            (
                5,
                "01c744fabfcb43f86a0f0e811cf7605e52da1551d3ae3c6986cb34b0789097624766260119c17e8c9dcd55c9db563b61",
                "01c744fabfcb43f86a0f0e811cf7605e52da1551d3ae3c6986cb34b0789097624766260119c17e8c9dcd55c9db563b61",
            ),
        ],
    ),
    (
        "verification",
        &rex_verification::MIGRATIONS,
        &[(
            1,
            "dda947e8b4935d51c063431b2bca9fccf8c15123a55fba8d03434d540a1e0da6e915b3ebf655b73eb8f529ac141c7eae",
            "a7e90316105de1b5ebdcfd2e6064c1d8036fdfd45959014a79966db3f0b222e257836dccedd7ebc92f3f53ce8f239004",
        )],
    ),
    (
        "notification",
        &rex_notification::MIGRATIONS,
        &[
            (
                1,
                "b1be40e6d790b5a4c990505308473433cc380b416324eacc5805475eefc3fbb5a6dbd30fe92485d6563c6a4b5cbda46e",
                "75f6f3e524b35f9f5ae0058bd21447f8c806ac5809616d7dd07a63aa0d6b1954d022b0efe2f25fe15c6f91be45c6ef96",
            ),
            (
                2,
                "41dfe969aaaf3af9e5d56b443c60a0922b1b40b37f4fd919786c4ea93d8cf304b444b85da8c0ca595d6cb6b99a2abb0e",
                "e6b86fb8d152a02ed161b1c093000a66866ade5fcefa225e53708a76d98e424c4e0eb1b2ae48475842ad2f7a5b0b8961",
            ),
        ],
    ),
];

#[test]
fn landed_migrations_keep_their_checksums() {
    for (service, migrations, landed) in LANDED {
        let sqlite: Vec<_> = landed.iter().map(|(v, s, _)| (*v, s.to_string())).collect();
        let postgres: Vec<_> = landed.iter().map(|(v, _, p)| (*v, p.to_string())).collect();
        // Migrations added since are not pinned here; the landed ones come first, unchanged.
        let first = |backend| {
            let mut all = checksums(migrations, backend);
            all.truncate(landed.len());
            all
        };
        assert_eq!(first(Backend::Sqlite), sqlite, "{service} on SQLite");
        assert_eq!(
            first(Backend::Postgres),
            postgres,
            "{service} on PostgreSQL"
        );
    }
}
