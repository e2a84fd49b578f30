//! Token keys for a suite with authentication on, and tokens for every role.

use rex_runtime::auth::{self, Minter, Role, Verifier};

/// Far enough ahead for any test: 2100-01-01.
pub const LATER: u64 = 4_102_444_800;

/// A key pair of the suite's token issuer: the verifier the services check with and a minter
/// for tokens of every role.
#[derive(Debug)]
pub struct Tokens {
    private_pem: String,
    verifier: Verifier,
    minter: Minter,
}

impl Tokens {
    /// A new key pair.
    pub fn generate() -> Tokens {
        let (private_pem, public) = auth::generate_keypair().unwrap();
        Tokens {
            verifier: Verifier::new(&[public], auth::ISSUER, auth::AUDIENCE).unwrap(),
            minter: Minter::from_pem(&private_pem).unwrap(),
            private_pem,
        }
    }

    /// The services' token check.
    pub fn verifier(&self) -> Verifier {
        self.verifier.clone()
    }

    /// The signing key (PKCS#8 PEM), e.g. for a minter with another audience.
    pub fn private_pem(&self) -> &str {
        &self.private_pem
    }

    pub fn minter(&self) -> &Minter {
        &self.minter
    }

    /// A token for `sub` in `role` with its binding (TIN, branch code or country), valid
    /// until [`LATER`].
    pub fn mint(&self, sub: &str, role: Role, binding: Option<&str>) -> String {
        self.minter.mint(sub, role, binding, LATER).unwrap()
    }

    /// The exporter with `tin`.
    pub fn exporter(&self, tin: &str) -> String {
        self.mint(tin, Role::EXPORTER, Some(tin))
    }

    /// Atameken's authorized person `sub` of branch `branch`.
    pub fn atameken_officer(&self, sub: &str, branch: &str) -> String {
        self.mint(sub, Role::ATAMEKEN_OFFICER, Some(branch))
    }

    /// The Ministry's officer `sub`.
    pub fn ministry_officer(&self, sub: &str) -> String {
        self.mint(sub, Role::MINISTRY_OFFICER, None)
    }

    /// Customs of `country` (NO or CH), as `sub`.
    pub fn foreign_customs(&self, sub: &str, country: &str) -> String {
        self.mint(sub, Role::FOREIGN_CUSTOMS, Some(country))
    }

    /// The suite's service `name` (registration, verification, notification).
    pub fn service(&self, name: &str) -> String {
        self.mint(name, Role::SERVICE, None)
    }
}
