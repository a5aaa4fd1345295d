//! The emulator's world: tenants, users, applications, managed identities and subscriptions,
//! read from a JSON seed file (or the built-in default, `emulator/seed/default.json`).
//!
//! A `generate` block (or the `--generate-tenants` flag) adds many tenants and subscriptions for
//! the sign-in benchmarks without a huge file.

use serde::{Deserialize, Serialize};

/// The built-in world (also committed as `emulator/seed/default.json`).
pub const DEFAULT_SEED: &str = include_str!("../../seed/default.json");

/// THROWAWAY emulator token-signing key (RSA-2048, PKCS#8), committed so startup needs no RSA
/// key generation. It protects nothing: never trust tokens signed with it outside tests.
pub const DEFAULT_SIGNING_KEY: &str = include_str!("../../seed/signing-key.pem");

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    /// PKCS#8 PEM of the RSA token-signing key; the built-in throwaway key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key_pem: Option<String>,
    /// Issuer of the external tokens `POST /admin/federated-token` mints (workload federation).
    #[serde(default = "default_federation_issuer")]
    pub federation_issuer: String,
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub applications: Vec<Application>,
    #[serde(default)]
    pub managed_identities: Vec<ManagedIdentity>,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
}

fn default_federation_issuer() -> String {
    "https://token.azrs-emulator.test".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub domain: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default = "default_country")]
    pub country_code: String,
}

fn default_country() -> String {
    "US".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (oid); the same in every tenant the user belongs to.
    pub id: String,
    pub upn: String,
    #[serde(default)]
    pub display_name: String,
    pub password: String,
    pub home_tenant: String,
    /// Tenants where the user is a guest (B2B): they can sign in there and list them.
    #[serde(default)]
    pub guest_of: Vec<String>,
    /// Password (ROPC) sign-in fails with AADSTS50076 / interaction_required.
    #[serde(default)]
    pub mfa_required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub app_id: String,
    /// Service principal object id (oid of app-only tokens); defaults to the app id.
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub display_name: String,
    /// Home tenant; first-party clients have none (accepted in every tenant).
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub public_client: bool,
    /// Member of the Family of Client IDs (token responses carry `foci: "1"`).
    #[serde(default)]
    pub family: bool,
    #[serde(default)]
    pub multi_tenant: bool,
    #[serde(default)]
    pub secrets: Vec<String>,
    /// PEM certificates whose keys may sign client assertions.
    #[serde(default)]
    pub certificates: Vec<String>,
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredential>,
    /// Allowed redirect URIs; loopback URIs match on any port (RFC 8252). Empty = any loopback.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// App roles put in app-only tokens (`roles` claim).
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    pub issuer: String,
    pub subject: String,
    #[serde(default = "default_fic_audiences")]
    pub audiences: Vec<String>,
}

fn default_fic_audiences() -> Vec<String> {
    vec!["api://AzureADTokenExchange".into()]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentity {
    /// `system` or `user` (user-assigned identities are picked by client_id/object_id/resource id).
    pub kind: String,
    pub client_id: String,
    pub object_id: String,
    pub tenant: String,
    #[serde(default)]
    pub resource_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub display_name: String,
    pub tenant: String,
    /// Enabled, Warned, PastDue, Disabled, Deleted.
    #[serde(default = "default_state")]
    pub state: String,
    /// Object ids / app ids that can see it; absent = every principal of its tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principals: Option<Vec<String>>,
    #[serde(default)]
    pub managed_by_tenants: Vec<String>,
}

fn default_state() -> String {
    "Enabled".into()
}

/// Bulk world for benchmarks: `tenants` extra tenants with `subscriptionsPerTenant` each; every
/// user in `members` is a guest of all of them.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Generate {
    pub tenants: usize,
    #[serde(default)]
    pub subscriptions_per_tenant: usize,
    #[serde(default)]
    pub members: Vec<String>,
}

impl Seed {
    pub fn default_seed() -> Seed {
        serde_json::from_str(DEFAULT_SEED).expect("built-in seed is valid JSON")
    }

    pub fn from_file(path: &std::path::Path) -> Result<Seed, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read seed {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("invalid seed {}: {e}", path.display()))
    }

    /// Expands the `generate` block in place (idempotent: it is consumed).
    pub fn expand(&mut self) {
        let Some(g) = self.generate.take() else { return };
        let members: Vec<String> = if g.members.is_empty() {
            self.users.first().map(|u| u.upn.clone()).into_iter().collect()
        } else {
            g.members.clone()
        };
        for i in 1..=g.tenants {
            let tid = format!("00000000-0000-0000-0001-{i:012x}");
            self.tenants.push(Tenant {
                id: tid.clone(),
                domain: format!("generated{i}.onmicrosoft.com"),
                display_name: format!("Generated Tenant {i}"),
                country_code: "US".into(),
            });
            for u in self.users.iter_mut().filter(|u| members.iter().any(|m| m.eq_ignore_ascii_case(&u.upn))) {
                u.guest_of.push(tid.clone());
            }
            for j in 1..=g.subscriptions_per_tenant {
                self.subscriptions.push(Subscription {
                    id: format!("00000000-0000-0000-0002-{i:06x}{j:06x}"),
                    display_name: format!("Generated {i}-{j}"),
                    tenant: tid.clone(),
                    state: "Enabled".into(),
                    principals: None,
                    managed_by_tenants: vec![],
                });
            }
        }
    }

    pub fn signing_key_pem(&self) -> &str {
        self.signing_key_pem.as_deref().unwrap_or(DEFAULT_SIGNING_KEY)
    }

    // ---- look-ups (linear scans: worlds are small; the generated one has ~1000 subscriptions) ----

    /// Resolves a path tenant (GUID or domain, case-insensitive) to the tenant.
    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.tenants
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(id_or_domain) || t.domain.eq_ignore_ascii_case(id_or_domain))
    }

    pub fn user_by_name(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    pub fn user_by_id(&self, oid: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id.eq_ignore_ascii_case(oid))
    }

    pub fn app(&self, app_id: &str) -> Option<&Application> {
        self.applications.iter().find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    pub fn subscription(&self, id: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }
}

impl User {
    pub fn member_of(&self, tenant_id: &str) -> bool {
        self.home_tenant.eq_ignore_ascii_case(tenant_id) || self.guest_of.iter().any(|t| t.eq_ignore_ascii_case(tenant_id))
    }
}

impl Application {
    pub fn oid(&self) -> &str {
        self.object_id.as_deref().unwrap_or(&self.app_id)
    }

    /// Confidential clients need a credential; public ones (first-party tools) do not.
    pub fn is_confidential(&self) -> bool {
        !self.public_client
    }

    pub fn usable_in(&self, tenant_id: &str) -> bool {
        self.multi_tenant || self.tenant.as_deref().map(|t| t.eq_ignore_ascii_case(tenant_id)).unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_seed_parses_and_has_the_documented_identities() {
        let s = Seed::default_seed();
        assert_eq!(s.tenant("contoso.onmicrosoft.com").unwrap().id, "00000000-0000-0000-0000-0000000000a1");
        assert!(s.user_by_name("ALICE@contoso.onmicrosoft.com").unwrap().member_of("00000000-0000-0000-0000-0000000000a2"));
        assert!(s.user_by_name("mfa@contoso.onmicrosoft.com").unwrap().mfa_required);
        assert!(s.app("1950a258-227b-4e31-a9cf-717495945fc2").unwrap().family);
        let states: Vec<_> = s.subscriptions.iter().map(|x| x.state.as_str()).collect();
        for st in ["Enabled", "Warned", "Disabled"] {
            assert!(states.contains(&st));
        }
    }

    #[test]
    fn generate_adds_tenants_and_memberships() {
        let mut s = Seed::default_seed();
        s.generate = Some(Generate { tenants: 50, subscriptions_per_tenant: 20, members: vec![] });
        let before = s.subscriptions.len();
        s.expand();
        assert_eq!(s.tenants.len(), 52);
        assert_eq!(s.subscriptions.len(), before + 1000);
        let alice = s.user_by_name("alice@contoso.onmicrosoft.com").unwrap();
        assert!(alice.member_of("00000000-0000-0000-0001-000000000032"));
    }
}
