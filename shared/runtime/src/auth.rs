//! Who may call what: signed tokens (JWT, Ed25519) in the `authorization` metadata, checked
//! against the access table each service declares beside its handlers ([`AccessTable`]).
//!
//! A call is checked before its handler runs: the method must be in the service's table (an
//! RPC without an entry is refused), public methods need no token, the others need a valid
//! token (issuer, audience, expiry, a known key) whose role the table allows. Handlers then
//! apply ownership (an exporter sees only its own TIN) with the [`Caller`] the check leaves in
//! the request. Roles are names: a service may declare a new one without changing this file.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tonic::codegen::http;
use tonic::{Request, Status};

/// A caller's role, by the name tokens carry (`"exporter"`). The roles the suite issues today
/// are the constants below; a service that needs another declares its own with
/// [`Role::named`] and uses it in its access table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Role(Cow<'static, str>);

impl Role {
    /// An exporter, bound to its TIN.
    pub const EXPORTER: Role = Role::named("exporter");
    /// An authorized person of Atameken, bound to a branch code: acts on that branch's
    /// applications and registrations.
    pub const ATAMEKEN_OFFICER: Role = Role::named("atameken_officer");
    /// An authorized person of Atameken's head office: acts on every branch's.
    pub const ATAMEKEN_HEAD_OFFICE: Role = Role::named("atameken_head_office");
    /// An officer of the Ministry of Trade and Integration.
    pub const MINISTRY_OFFICER: Role = Role::named("ministry_officer");
    /// Customs of Norway or Switzerland, bound to the country.
    pub const FOREIGN_CUSTOMS: Role = Role::named("foreign_customs");
    /// One of the suite's services, named by `sub` (registration, verification, notification).
    pub const SERVICE: Role = Role::named("service");

    /// The roles the suite issues today.
    pub const ALL: [Role; 6] = [
        Role::EXPORTER,
        Role::ATAMEKEN_OFFICER,
        Role::ATAMEKEN_HEAD_OFFICE,
        Role::MINISTRY_OFFICER,
        Role::FOREIGN_CUSTOMS,
        Role::SERVICE,
    ];

    /// A role by its name in tokens (lower case with underscores).
    pub const fn named(name: &'static str) -> Role {
        Role(Cow::Borrowed(name))
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// What a token of this role must be bound to: its claim and whether a value fits.
    fn binding(&self) -> Option<(&'static str, BindingCheck)> {
        if *self == Role::EXPORTER {
            // A blank or mistyped TIN would match nothing, or everything where it filters.
            Some(("tin", |c| {
                c.tin
                    .as_deref()
                    .is_some_and(|t| rex_domain::Tin::parse(t).is_ok())
            }))
        } else if *self == Role::ATAMEKEN_OFFICER {
            Some(("branch", |c| {
                c.branch
                    .as_deref()
                    .and_then(rex_domain::parse_branch)
                    .is_some()
            }))
        } else if *self == Role::FOREIGN_CUSTOMS {
            Some(("country", |c| {
                matches!(c.country.as_deref(), Some("NO" | "CH"))
            }))
        } else {
            None
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a token's claims carry a value its role is bound to.
type BindingCheck = fn(&Claims) -> bool;

/// The claims of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// Who: a TIN, an officer id, a service name.
    pub sub: String,
    pub exp: u64,
    /// Not valid before (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    pub role: Role,
    /// Exporter: its TIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tin: Option<String>,
    /// Atameken officer: the branch code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Foreign customs: NO or CH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The person's name, as documents they sign show it (OpenID Connect's `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person's position, as documents they sign show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// The authenticated caller of a request, left in its extensions by the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
    pub tin: Option<String>,
    pub branch: Option<String>,
    pub country: Option<String>,
    /// The person's name and position, where the token gives them.
    pub name: Option<String>,
    pub position: Option<String>,
}

/// Who may call an RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token.
    Public,
    /// These roles; `Service` further limited to the named services.
    Roles(&'static [Role], &'static [&'static str]),
}

/// Who may call each RPC of one service: `("/package.Service/Method", access)`. Each service
/// declares its own beside its handlers; a server enforces the table it is given.
pub type AccessTable = &'static [(&'static str, Access)];

/// An [`AccessTable`] of one service: `access_table! { "rex.x.v1.XService", Method => access, … }`
/// gives each method its full path.
#[macro_export]
macro_rules! access_table {
    ($service:literal, $($method:ident => $access:expr),+ $(,)?) => {
        &[$((concat!("/", $service, "/", stringify!($method)), $access)),+]
    };
}

/// Standard services every server answers without a token.
const OPEN_PREFIXES: &[&str] = &[
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
];

/// What every server answers besides its own service: the suite's services witness each
/// other's audit checkpoints (`crate::audit::witness`).
pub const RUNTIME_ACCESS: AccessTable = crate::access_table! { "rex.audit.v1.AuditWitnessService",
    RecordCheckpoint => Access::Roles(&[Role::SERVICE], &["registration", "verification", "notification"]),
};

/// The services whose methods `table` (and the runtime's own table) lists, by full name.
pub fn served(table: AccessTable) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (method, _) in table.iter().chain(RUNTIME_ACCESS) {
        if let Some(name) = method.trim_start_matches('/').split('/').next()
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// The access rule of a method in `table` or the runtime's own, if it has one.
pub fn access(table: AccessTable, method: &str) -> Option<Access> {
    if OPEN_PREFIXES.iter().any(|p| method.starts_with(p)) {
        return Some(Access::Public);
    }
    table
        .iter()
        .chain(RUNTIME_ACCESS)
        .find(|(m, _)| *m == method)
        .map(|(_, a)| *a)
}

/// Whether `caller` may call `method` (the role part of the table; ownership is the handler's).
pub fn allowed(table: AccessTable, method: &str, caller: Option<&Caller>) -> bool {
    match access(table, method) {
        None => false,
        Some(Access::Public) => true,
        Some(Access::Roles(roles, services)) => caller.is_some_and(|c| {
            roles.contains(&c.role)
                && (c.role != Role::SERVICE || services.contains(&c.sub.as_str()))
        }),
    }
}

/// The longest subject a token may name (an officer id, a TIN, a service name).
const MAX_SUBJECT_BYTES: usize = 128;

/// Token verification: the accepted issuer and audience and the public keys.
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Vec<DecodingKey>>,
    validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .finish()
    }
}

pub const ISSUER: &str = "rex-kz";
/// How far the clocks of the issuer and of a service may disagree.
const LEEWAY_SECONDS: u64 = 30;
pub const AUDIENCE: &str = "rex-suite";

impl Verifier {
    /// Accepts tokens signed by any of `public_keys_pem` (Ed25519 SPKI PEM).
    pub fn new(public_keys_pem: &[String], issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let keys = public_keys_pem
            .iter()
            .map(|pem| {
                DecodingKey::from_ed_pem(pem.as_bytes()).context("not an Ed25519 public key (PEM)")
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!keys.is_empty(), "no token public keys configured");
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let required: HashSet<String> = ["exp", "iss", "aud", "sub"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        validation.required_spec_claims = required;
        Ok(Self {
            keys: Arc::new(keys),
            validation,
        })
    }

    /// Reads the public keys from `*.pem` files of a directory or from one file.
    pub fn from_path(path: &Path) -> anyhow::Result<Self> {
        let mut pems = Vec::new();
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pem"))
                .collect();
            entries.sort();
            for p in entries {
                pems.push(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                );
            }
        } else {
            pems.push(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
        Self::new(&pems, ISSUER, AUDIENCE)
            .with_context(|| format!("token keys in {}", path.display()))
    }

    /// The caller of a bearer token, or why it is not accepted.
    pub fn verify(&self, token: &str) -> Result<Caller, String> {
        let mut last = String::from("no key");
        for key in self.keys.iter() {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => {
                    let c = data.claims;
                    // jsonwebtoken checks exp and nbf; a token issued in the future is forged
                    // or from a clock that is wrong.
                    let now = jsonwebtoken::get_current_timestamp();
                    if c.iat.is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
                        return Err("the token is issued in the future (iat)".to_owned());
                    }
                    if c.sub.trim().is_empty() || c.sub.len() > MAX_SUBJECT_BYTES {
                        return Err(format!(
                            "the token's subject (sub) must be 1 to {MAX_SUBJECT_BYTES} bytes"
                        ));
                    }
                    if let Some((claim, fits)) = c.role.binding()
                        && !fits(&c)
                    {
                        return Err(format!(
                            "a {} token must carry its binding ({claim})",
                            c.role
                        ));
                    }
                    for (claim, value) in [("name", &c.name), ("position", &c.position)] {
                        if value.as_ref().is_some_and(|v| {
                            v.len() > MAX_SUBJECT_BYTES || v.chars().any(char::is_control)
                        }) {
                            return Err(format!(
                                "the token's {claim} must be at most {MAX_SUBJECT_BYTES} bytes of text"
                            ));
                        }
                    }
                    return Ok(Caller {
                        sub: c.sub,
                        role: c.role,
                        tin: c.tin,
                        branch: c.branch,
                        country: c.country,
                        name: c.name,
                        position: c.position,
                    });
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }
}

/// Decides a call from its method and headers: the caller (if it sent a token) or the status
/// that refuses it. Every refusal is logged with who tried what.
pub fn decide(
    verifier: &Verifier,
    table: AccessTable,
    method: &str,
    headers: &http::HeaderMap,
) -> Result<Option<Caller>, Status> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned());
    let caller = match token.as_deref() {
        None | Some("") => None,
        Some(t) => match verifier.verify(t) {
            Ok(c) => Some(c),
            Err(reason) => {
                tracing::warn!(method, %reason, "refused: bad token");
                return Err(Status::unauthenticated(format!(
                    "the token is not accepted: {reason}"
                )));
            }
        },
    };
    match access(table, method) {
        Some(Access::Public) => Ok(caller),
        None => {
            tracing::warn!(method, caller = ?caller, "refused: method not in the access table");
            Err(Status::permission_denied(format!(
                "{method} is not in the authorization matrix"
            )))
        }
        Some(Access::Roles(..)) if caller.is_none() => {
            tracing::warn!(method, "refused: no token");
            Err(Status::unauthenticated(format!(
                "{method} needs a token in the authorization metadata"
            )))
        }
        Some(Access::Roles(..)) if !allowed(table, method, caller.as_ref()) => {
            let role = caller.as_ref().map_or("none", |c| c.role.name());
            let sub = caller.as_ref().map_or("", |c| c.sub.as_str());
            tracing::warn!(
                method,
                sub,
                role,
                "refused: not allowed by the access table"
            );
            Err(Status::permission_denied(format!(
                "the role {role} may not call {method}"
            )))
        }
        Some(Access::Roles(..)) => Ok(caller),
    }
}

/// The tower layer that runs [`decide`] before every call of a server.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    verifier: Option<Verifier>,
    table: AccessTable,
}

impl AuthLayer {
    /// Enforces `table` with `verifier`'s keys; `None`: no authentication (development on
    /// loopback only; the server says so at start).
    pub fn new(verifier: Option<Verifier>, table: AccessTable) -> Self {
        Self { verifier, table }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            verifier: self.verifier.clone(),
            table: self.table,
        }
    }
}

/// See [`AuthLayer`].
#[derive(Debug, Clone)]
pub struct AuthService<S> {
    inner: S,
    verifier: Option<Verifier>,
    table: AccessTable,
}

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

impl<S> tower::Service<http::Request<tonic::body::Body>> for AuthService<S>
where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        let started = std::time::Instant::now();
        let method = request.uri().path().to_owned();
        let mut context = crate::audit::CallContext {
            caller: None,
            correlation_id: request
                .headers()
                .get(crate::server::CORRELATION_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        };
        // A method this port does not serve: say so, and what it does serve.
        if access(self.table, &method).is_none() {
            let status = Status::unimplemented(format!(
                "{method} is not served on this port; it serves {}",
                served(self.table).join(", ")
            ));
            return Box::pin(async move {
                Ok(crate::metrics::meter(status.into_http(), method, started))
            });
        }
        if let Some(verifier) = &self.verifier {
            match decide(
                verifier,
                self.table,
                request.uri().path(),
                request.headers(),
            ) {
                Ok(Some(caller)) => {
                    context.caller = Some(caller.clone());
                    request.extensions_mut().insert(caller);
                }
                Ok(None) => {}
                Err(status) => {
                    return Box::pin(async move {
                        Ok(crate::metrics::meter(status.into_http(), method, started))
                    });
                }
            }
        }
        // The clone that was made ready is the one that serves (tower's readiness contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        // The handler runs inside the call's context, so the audit trail knows who and why.
        Box::pin(async move {
            let response = crate::audit::CALL
                .scope(context, inner.call(request))
                .await?;
            Ok(crate::metrics::meter(response, method, started))
        })
    }
}

/// The caller the check left in a request (none on public calls without a token, or when the
/// service runs without authentication in development).
pub fn caller<T>(request: &Request<T>) -> Option<Caller> {
    request.extensions().get::<Caller>().cloned()
}

/// Ownership: an exporter may act only on its own TIN. Officers and services pass.
pub fn ensure_own(caller: Option<&Caller>, tin: &str) -> Result<(), Status> {
    match caller {
        Some(c) if c.role == Role::EXPORTER && c.tin.as_deref() != Some(tin) => {
            tracing::warn!(sub = %c.sub, tin, "refused: an exporter acts only on its own data");
            Err(Status::permission_denied(
                "an exporter sees and changes only its own applications and registrations",
            ))
        }
        _ => Ok(()),
    }
}

/// Branch: an Atameken officer acts only on the applications and registrations of the branch
/// the token binds; the head office, the Ministry and services on all. `what` names the object
/// in the refusal.
pub fn ensure_branch(caller: Option<&Caller>, branch: &str, what: &str) -> Result<(), Status> {
    match caller {
        Some(c)
            if c.role == Role::ATAMEKEN_OFFICER && c.branch.as_deref() != Some(branch.trim()) =>
        {
            tracing::warn!(sub = %c.sub, branch = ?c.branch, of = %branch, what, "refused: another branch");
            Err(Status::permission_denied(format!(
                "{what} belongs to branch {}; an officer of branch {} acts on that branch's only",
                crate::status::quote(branch.trim()),
                c.branch.as_deref().unwrap_or_default()
            )))
        }
        _ => Ok(()),
    }
}

/// The person who acts, as recorded: the token's subject. A request field `field` that names
/// someone else (`named`, empty: the caller) is refused and logged. A service calls on behalf of
/// the person its own caller's token named, and passes that person in the field; without
/// authentication (development) the field is all there is.
pub fn acting_person(caller: Option<&Caller>, field: &str, named: &str) -> Result<String, Status> {
    let named = named.trim();
    match caller {
        Some(c) if c.role == Role::SERVICE => {
            if named.is_empty() {
                Err(crate::status::invalid_field(
                    field,
                    "is required when a service acts for a person",
                ))
            } else {
                Ok(named.to_owned())
            }
        }
        Some(c) if named.is_empty() || named == c.sub => Ok(c.sub.clone()),
        Some(c) => {
            tracing::warn!(sub = %c.sub, role = %c.role, field, named, "refused: acting in another's name");
            Err(Status::permission_denied(format!(
                "{field}: {} is not the caller; the person recorded is the token's subject",
                crate::status::quote(named)
            )))
        }
        None if named.is_empty() => Err(crate::status::invalid_field(field, "is required")),
        None => Ok(named.to_owned()),
    }
}

/// Mints tokens (the dev helper and tests).
pub struct Minter {
    key: EncodingKey,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minter")
            .field("issuer", &self.issuer)
            .finish()
    }
}

impl Minter {
    /// From an Ed25519 private key in PKCS#8 PEM.
    pub fn from_pem(private_pem: &str) -> anyhow::Result<Self> {
        Ok(Self {
            key: EncodingKey::from_ed_pem(private_pem.as_bytes())?,
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
        })
    }

    pub fn with_audience(mut self, audience: &str) -> Self {
        self.audience = audience.into();
        self
    }

    /// A token for `role` valid until `exp` (seconds since the epoch).
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        binding: Option<&str>,
        exp: u64,
    ) -> anyhow::Result<String> {
        let bound = |to: Role| (role == to).then(|| binding.unwrap_or_default().to_owned());
        self.sign(&Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.into(),
            exp,
            nbf: None,
            iat: Some(jsonwebtoken::get_current_timestamp()),
            tin: bound(Role::EXPORTER),
            branch: bound(Role::ATAMEKEN_OFFICER),
            country: bound(Role::FOREIGN_CUSTOMS),
            name: None,
            position: None,
            role,
        })
    }

    /// A token of exactly these claims (issuer and audience as given).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            claims,
            &self.key,
        )?)
    }
}

/// A new Ed25519 key pair as (private PKCS#8 PEM, public SPKI PEM), for development.
pub fn generate_keypair() -> anyhow::Result<(String, String)> {
    use ring::signature::KeyPair;
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| anyhow::anyhow!("key generation failed"))?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("bad key"))?;
    // SubjectPublicKeyInfo for Ed25519: a fixed 12-byte header and the 32-byte key (RFC 8410).
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(pair.public_key().as_ref());
    let private = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
    let public = pem::encode(&pem::Pem::new("PUBLIC KEY", spki));
    Ok((private, public))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_key_issuer_audience_expiry_and_binding() {
        let (private, public) = generate_keypair().unwrap();
        let (other_private, _) = generate_keypair().unwrap();
        let verifier = Verifier::new(&[public], ISSUER, AUDIENCE).unwrap();
        let minter = Minter::from_pem(&private).unwrap();
        let later = 4_102_444_800; // 2100-01-01
        let ok = minter
            .mint("110340517504", Role::EXPORTER, Some("110340517504"), later)
            .unwrap();
        assert_eq!(
            verifier.verify(&ok).unwrap().tin.as_deref(),
            Some("110340517504")
        );
        let expired = minter
            .mint("x", Role::MINISTRY_OFFICER, None, 1_000_000_000)
            .unwrap();
        assert!(verifier.verify(&expired).unwrap_err().contains("Expired"));
        let wrong_audience = Minter::from_pem(&private)
            .unwrap()
            .with_audience("elsewhere")
            .mint("x", Role::MINISTRY_OFFICER, None, later)
            .unwrap();
        assert!(
            verifier
                .verify(&wrong_audience)
                .unwrap_err()
                .contains("Audience")
        );
        let unknown = Minter::from_pem(&other_private)
            .unwrap()
            .mint("x", Role::MINISTRY_OFFICER, None, later)
            .unwrap();
        assert!(verifier.verify(&unknown).is_err());
        let unbound = minter
            .mint("x", Role::ATAMEKEN_OFFICER, Some("2"), later)
            .unwrap();
        assert!(
            verifier.verify(&unbound).is_err(),
            "an officer token needs a 3-digit branch"
        );
    }

    fn claims(role: Role, sub: &str, tin: Option<&str>, branch: Option<&str>) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            exp: 4_102_444_800,
            nbf: None,
            iat: None,
            role,
            tin: tin.map(str::to_owned),
            branch: branch.map(str::to_owned),
            country: None,
            name: None,
            position: None,
        }
    }

    #[test]
    fn claims_are_refused_when_blank_mistyped_or_not_yet_valid() {
        let (private, public) = generate_keypair().unwrap();
        let verifier = Verifier::new(&[public], ISSUER, AUDIENCE).unwrap();
        let minter = Minter::from_pem(&private).unwrap();
        let now = jsonwebtoken::get_current_timestamp();
        let exporter = |tin: &str| claims(Role::EXPORTER, tin, Some(tin), None);
        let refused = [
            ("blank TIN", exporter("            ")),
            ("TIN with a wrong check digit", exporter("110340517505")),
            (
                "branch 000",
                claims(Role::ATAMEKEN_OFFICER, "AP-1", None, Some("000")),
            ),
            (
                "not valid for an hour (nbf)",
                Claims {
                    nbf: Some(now + 3600),
                    ..exporter("110340517504")
                },
            ),
            (
                "issued in an hour (iat)",
                Claims {
                    iat: Some(now + 3600),
                    ..exporter("110340517504")
                },
            ),
            (
                "a blank subject",
                claims(Role::MINISTRY_OFFICER, " ", None, None),
            ),
            (
                "a subject of 1 KiB",
                claims(Role::MINISTRY_OFFICER, &"x".repeat(1024), None, None),
            ),
        ];
        for (what, c) in refused {
            let token = minter.sign(&c).unwrap();
            assert!(verifier.verify(&token).is_err(), "{what} accepted");
        }
        let fine = Claims {
            nbf: Some(now - 10),
            iat: Some(now + 10),
            ..exporter("110340517504")
        };
        assert!(verifier.verify(&minter.sign(&fine).unwrap()).is_ok());
    }

    #[test]
    fn a_tokens_name_and_position_reach_the_caller_within_limits() {
        let (private, public) = generate_keypair().unwrap();
        let verifier = Verifier::new(&[public], ISSUER, AUDIENCE).unwrap();
        let minter = Minter::from_pem(&private).unwrap();
        let mut c = claims(Role::MINISTRY_OFFICER, "MTI-7", None, None);
        c.name = Some("Д. Е. Жумабеков".into());
        c.position = Some("Head, Origin of Goods Division".into());
        let caller = verifier.verify(&minter.sign(&c).unwrap()).unwrap();
        assert_eq!(caller.name.as_deref(), Some("Д. Е. Жумабеков"));
        assert_eq!(
            caller.position.as_deref(),
            Some("Head, Origin of Goods Division")
        );
        c.position = Some("x".repeat(MAX_SUBJECT_BYTES + 1));
        let too_long = verifier.verify(&minter.sign(&c).unwrap()).unwrap_err();
        assert!(too_long.contains("position"), "{too_long}");
        c.position = None;
        c.name = Some("A\u{1b}[31m".into());
        let control = verifier.verify(&minter.sign(&c).unwrap()).unwrap_err();
        assert!(control.contains("name"), "{control}");
    }

    fn caller(role: Role, sub: &str, branch: Option<&str>) -> Caller {
        Caller {
            sub: sub.into(),
            role,
            tin: None,
            branch: branch.map(str::to_owned),
            country: None,
            name: None,
            position: None,
        }
    }

    #[test]
    fn a_refused_role_is_named_by_its_name_not_rust_debug_text() {
        let (private, public) = generate_keypair().unwrap();
        let verifier = Verifier::new(&[public], ISSUER, AUDIENCE).unwrap();
        let token = Minter::from_pem(&private)
            .unwrap()
            .mint(
                "110340517504",
                Role::EXPORTER,
                Some("110340517504"),
                4_102_444_800,
            )
            .unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        const TABLE: AccessTable = crate::access_table! { "rex.t.v1.T",
            Officers => Access::Roles(&[Role::ATAMEKEN_OFFICER], &[]),
        };
        let refused = decide(&verifier, TABLE, "/rex.t.v1.T/Officers", &headers).unwrap_err();
        assert_eq!(
            refused.message(),
            "the role exporter may not call /rex.t.v1.T/Officers"
        );
    }

    #[test]
    fn the_person_recorded_is_the_tokens_subject() {
        let officer = caller(Role::ATAMEKEN_OFFICER, "AP-1", Some("002"));
        assert_eq!(
            acting_person(Some(&officer), "officer_id", "").unwrap(),
            "AP-1"
        );
        assert_eq!(
            acting_person(Some(&officer), "officer_id", " AP-1 ").unwrap(),
            "AP-1"
        );
        let other = acting_person(Some(&officer), "officer_id", "AP-2").unwrap_err();
        assert_eq!(other.code(), tonic::Code::PermissionDenied);
        assert!(
            other.message().starts_with("officer_id: \"AP-2\""),
            "{other:?}"
        );
        // A service passes on the person its own caller's token named.
        let service = caller(Role::SERVICE, "verification", None);
        assert_eq!(
            acting_person(Some(&service), "officer_id", "MTI-7").unwrap(),
            "MTI-7"
        );
        let blank = acting_person(Some(&service), "officer_id", "").unwrap_err();
        assert_eq!(blank.code(), tonic::Code::InvalidArgument);
        assert_eq!(acting_person(None, "officer_id", "AP-9").unwrap(), "AP-9");
    }

    #[test]
    fn a_branch_officer_acts_on_its_own_branch_and_the_head_office_on_all() {
        let officer = caller(Role::ATAMEKEN_OFFICER, "AP-1", Some("001"));
        assert!(ensure_branch(Some(&officer), "001", "the application").is_ok());
        let denied = ensure_branch(Some(&officer), "017", "the application").unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        let head = caller(Role::ATAMEKEN_HEAD_OFFICE, "HO-1", None);
        assert!(ensure_branch(Some(&head), "017", "the application").is_ok());
        let ministry = caller(Role::MINISTRY_OFFICER, "MTI-7", None);
        assert!(ensure_branch(Some(&ministry), "017", "the application").is_ok());
    }
}
