//! The config keys Az.Accounts registers: type, default, where they may apply, the help text Az
//! shows, and the environment variables that set them (Az's `ParseFromEnvironmentVariables`).

use crate::request::Env;
use serde_json::Value;

/// What a key holds. `OnOff` is Az's `LoginExperienceConfig` enum, stored as "On"/"Off".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    String,
    OnOff,
}

/// The three levels `-AppliesTo` can name (Az's `AppliesTo` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Az,
    Module,
    Cmdlet,
}

const AZ_ONLY: &[Level] = &[Level::Az];
const ANY_LEVEL: &[Level] = &[Level::Az, Level::Module, Level::Cmdlet];

#[derive(Debug)]
pub struct Definition {
    pub key: &'static str,
    pub kind: Kind,
    default: Dv,
    pub applies_to: &'static [Level],
    pub help: &'static str,
    env: fn(&Env) -> Option<Value>,
}

#[derive(Debug, Clone, Copy)]
enum Dv {
    B(bool),
    S(&'static str),
}

impl Definition {
    pub fn default_value(&self) -> Value {
        match self.default {
            Dv::B(b) => Value::Bool(b),
            Dv::S(s) => Value::String(s.to_string()),
        }
    }

    /// The value the environment gives this key, if any (read from the request env, never getenv).
    pub fn from_env(&self, env: &Env) -> Option<Value> {
        (self.env)(env)
    }

    pub fn can_apply_to(&self, level: Level) -> bool {
        self.applies_to.contains(&level)
    }

    /// Az's text for the allowed levels, used in its error message.
    pub fn applies_to_text(&self) -> String {
        self.applies_to
            .iter()
            .map(|l| match l {
                Level::Az => "Az",
                Level::Module => "name of a module",
                Level::Cmdlet => "name of a cmdlet",
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Converts a stored or given value to this key's type; `None` when it cannot be read as one.
    /// Lenient like Az's binder: "true"/"False" strings are booleans, 0/1 are On/Off.
    pub fn coerce(&self, v: &Value) -> Option<Value> {
        match (self.kind, v) {
            (Kind::Bool, Value::Bool(b)) => Some(Value::Bool(*b)),
            (Kind::Bool, Value::String(s)) => parse_bool(s).map(Value::Bool),
            (Kind::String, Value::String(s)) => Some(Value::String(s.clone())),
            (Kind::String, Value::Number(n)) => Some(Value::String(n.to_string())),
            (Kind::String, Value::Bool(b)) => Some(Value::String(if *b { "True" } else { "False" }.into())),
            (Kind::OnOff, Value::String(s)) if s.eq_ignore_ascii_case("on") => Some(Value::String("On".into())),
            (Kind::OnOff, Value::String(s)) if s.eq_ignore_ascii_case("off") => Some(Value::String("Off".into())),
            (Kind::OnOff, Value::Number(n)) if n.as_u64() == Some(0) => Some(Value::String("On".into())),
            (Kind::OnOff, Value::Number(n)) if n.as_u64() == Some(1) => Some(Value::String("Off".into())),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Bool => "a boolean ($true or $false)",
            Kind::String => "a string",
            Kind::OnOff => "On or Off",
        }
    }
}

/// .NET `bool.TryParse`: "true"/"false" in any case, surrounding spaces allowed.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn no_env(_: &Env) -> Option<Value> {
    None
}

/// `SuppressAzurePowerShellBreakingChangeWarnings=true` means "do not display".
fn breaking_change_env(env: &Env) -> Option<Value> {
    env.get("SuppressAzurePowerShellBreakingChangeWarnings").and_then(parse_bool).map(|s| Value::Bool(!s))
}

fn data_collection_env(env: &Env) -> Option<Value> {
    env.get("Azure_PS_Data_Collection").and_then(parse_bool).map(Value::Bool)
}

/// Either variable set to "false" turns the survey off; nothing turns it on.
fn survey_env(env: &Env) -> Option<Value> {
    let off = |n| env.get(n).map(|v| v.trim().eq_ignore_ascii_case("false")).unwrap_or(false);
    if off("Azure_PS_Intercept_Survey") || off("AzSurveyMessage") {
        Some(Value::Bool(false))
    } else {
        None
    }
}

pub const CHECK_FOR_UPGRADE: &str = "CheckForUpgrade";
pub const DEFAULT_SUBSCRIPTION_FOR_LOGIN: &str = "DefaultSubscriptionForLogin";
pub const DISABLE_INSTANCE_DISCOVERY: &str = "DisableInstanceDiscovery";
pub const DISPLAY_BREAKING_CHANGE_WARNING: &str = "DisplayBreakingChangeWarning";
pub const DISPLAY_REGION_IDENTIFIED: &str = "DisplayRegionIdentified";
pub const DISPLAY_SECRETS_WARNING: &str = "DisplaySecretsWarning";
pub const DISPLAY_SURVEY_MESSAGE: &str = "DisplaySurveyMessage";
pub const ENABLE_DATA_COLLECTION: &str = "EnableDataCollection";
pub const ENABLE_ERROR_RECORDS_PERSISTENCE: &str = "EnableErrorRecordsPersistence";
pub const ENABLE_LOGIN_BY_WAM: &str = "EnableLoginByWam";
pub const LOGIN_EXPERIENCE_V2: &str = "LoginExperienceV2";

/// Every registered key, sorted by name (Az lists configs in key order).
pub static DEFINITIONS: &[Definition] = &[
    Definition {
        key: CHECK_FOR_UPGRADE,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: AZ_ONLY,
        help: "When enabled, Azure PowerShell will check for updates automatically and display a hint message when an update is available. The default value is true.",
        env: no_env,
    },
    Definition {
        key: DEFAULT_SUBSCRIPTION_FOR_LOGIN,
        kind: Kind::String,
        default: Dv::S(""),
        applies_to: AZ_ONLY,
        help: "Subscription name or GUID. Sets the default context for Azure PowerShell when logging in without specifying a subscription.",
        env: no_env,
    },
    Definition {
        key: DISABLE_INSTANCE_DISCOVERY,
        kind: Kind::Bool,
        default: Dv::B(false),
        applies_to: AZ_ONLY,
        help: "Set it to true to disable both instance discovery and authority validation. This functionality is intended for use in scenarios where the metadata endpoint cannot be reached, such as in private clouds or Azure Stack. The process of instance discovery entails retrieving authority metadata from https://login.microsoft.com/ to validate the authority. By setting this to true, the validation of the authority is disabled. As a result, it is crucial to ensure that the configured authority host is valid and trustworthy.",
        env: no_env,
    },
    Definition {
        key: DISPLAY_BREAKING_CHANGE_WARNING,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: ANY_LEVEL,
        help: "Controls if warning messages for breaking changes are displayed or suppressed. When enabled, a breaking change warning is displayed when executing cmdlets with breaking changes in a future release.",
        env: breaking_change_env,
    },
    Definition {
        key: DISPLAY_REGION_IDENTIFIED,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: ANY_LEVEL,
        help: "When enabled, Azure PowerShell displays recommendations on regions which may reduce your costs.",
        env: no_env,
    },
    Definition {
        key: DISPLAY_SECRETS_WARNING,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: ANY_LEVEL,
        help: "When enabled, a warning message will be displayed when the cmdlet output contains secrets. Learn more at https://go.microsoft.com/fwlink/?linkid=2258844",
        env: no_env,
    },
    Definition {
        key: DISPLAY_SURVEY_MESSAGE,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: AZ_ONLY,
        help: "When enabled, you are prompted infrequently to participate in user experience surveys for Azure PowerShell.",
        env: survey_env,
    },
    Definition {
        key: ENABLE_DATA_COLLECTION,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: AZ_ONLY,
        help: "When enabled, Azure PowerShell cmdlets send telemetry data to Microsoft to improve the customer experience. For more information, see our privacy statement: https://aka.ms/privacy",
        env: data_collection_env,
    },
    Definition {
        key: ENABLE_ERROR_RECORDS_PERSISTENCE,
        kind: Kind::Bool,
        default: Dv::B(false),
        applies_to: ANY_LEVEL,
        help: "When enabled, error records will be written to ~/.Azure/ErrorRecords.",
        env: no_env,
    },
    Definition {
        key: ENABLE_LOGIN_BY_WAM,
        kind: Kind::Bool,
        default: Dv::B(true),
        applies_to: AZ_ONLY,
        help: "[Preview] When enabled, Web Account Manager (WAM) will be the default interactive login experience. It will fall back to using the browser if the platform does not support WAM. Note that this feature is under preview. Microsoft Account (MSA) is currently not supported. Feel free to reach out to Azure PowerShell team if you have any feedbacks: https://aka.ms/azpsissue",
        env: no_env,
    },
    Definition {
        key: LOGIN_EXPERIENCE_V2,
        kind: Kind::OnOff,
        default: Dv::S("On"),
        applies_to: AZ_ONLY,
        help: "Only active when authenticating interactively, allows the user to choose the subscription and tenant used in subsequent commands. Possible values ad 'On' (Default) and 'Off'. 'On' requires user's input. 'Off' will use the first tenant and subscription returned by Azure, can change without notice and lead to command execution in an unwanted context (not recommended).",
        env: no_env,
    },
];

/// Case-insensitive lookup, as Az's `ConcurrentDictionary(OrdinalIgnoreCase)`.
pub fn find(key: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.key.eq_ignore_ascii_case(key))
}

/// Classifies an `-AppliesTo` text like Az's `AppliesToHelper.TryParseAppliesTo`: empty or "Az",
/// a module (`Az.<letters>`), or a cmdlet (`<letters>-<letters/digits>`); `None` otherwise.
pub fn classify(text: &str) -> Option<Level> {
    if text.is_empty() || text.eq_ignore_ascii_case("Az") {
        return Some(Level::Az);
    }
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("az.") {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase()) {
            return Some(Level::Module);
        }
    }
    if let Some((verb, noun)) = lower.split_once('-') {
        if !verb.is_empty()
            && verb.bytes().all(|b| b.is_ascii_lowercase())
            && !noun.is_empty()
            && noun.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Some(Level::Cmdlet);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_sorted_and_unique() {
        let keys: Vec<_> = DEFINITIONS.iter().map(|d| d.key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted);
        assert_eq!(keys.len(), 11);
    }

    #[test]
    fn classify_like_az() {
        assert_eq!(classify("az"), Some(Level::Az));
        assert_eq!(classify(""), Some(Level::Az));
        assert_eq!(classify("Az.KeyVault"), Some(Level::Module));
        assert_eq!(classify("Get-AzKeyVault"), Some(Level::Cmdlet));
        assert_eq!(classify("Get-AzKeyVault2"), Some(Level::Cmdlet));
        assert_eq!(classify("Az.Key.Vault"), None);
        assert_eq!(classify("not valid"), None);
        assert_eq!(classify("Az."), None);
    }

    #[test]
    fn env_parsers() {
        let e = Env::from_pairs([("SuppressAzurePowerShellBreakingChangeWarnings", "TRUE")]);
        assert_eq!(find("displaybreakingchangewarning").unwrap().from_env(&e), Some(Value::Bool(false)));
        let e = Env::from_pairs([("SuppressAzurePowerShellBreakingChangeWarnings", "yes")]);
        assert_eq!(find(DISPLAY_BREAKING_CHANGE_WARNING).unwrap().from_env(&e), None);
        let e = Env::from_pairs([("AzSurveyMessage", "False")]);
        assert_eq!(find(DISPLAY_SURVEY_MESSAGE).unwrap().from_env(&e), Some(Value::Bool(false)));
        let e = Env::from_pairs([("Azure_PS_Data_Collection", "false")]);
        assert_eq!(find(ENABLE_DATA_COLLECTION).unwrap().from_env(&e), Some(Value::Bool(false)));
    }

    #[test]
    fn coerce_is_lenient_but_typed() {
        let wam = find(ENABLE_LOGIN_BY_WAM).unwrap();
        assert_eq!(wam.coerce(&Value::String("False".into())), Some(Value::Bool(false)));
        assert_eq!(wam.coerce(&Value::String("nope".into())), None);
        let v2 = find(LOGIN_EXPERIENCE_V2).unwrap();
        assert_eq!(v2.coerce(&serde_json::json!("off")), Some(serde_json::json!("Off")));
        assert_eq!(v2.coerce(&serde_json::json!(1)), Some(serde_json::json!("Off")));
        assert_eq!(v2.coerce(&serde_json::json!(true)), None);
    }
}
