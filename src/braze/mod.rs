//! Braze Cloud Data Ingestion setup in Snowflake: the role, warehouse, service user, grants
//! and key that let Braze read the sync tables. Statements are idempotent (running them twice
//! changes nothing).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::relation::Relation;

/// Names and options for the setup, from project.yml's `braze:` section (all optional).
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub role: String,
    pub user: String,
    pub warehouse: String,
    pub warehouse_size: String,
    pub database: String,
    pub schemas: Vec<String>,
    pub tables: Vec<Relation>,
    pub allowed_ips: Vec<String>,
    pub network_policy: String,
}

impl Setup {
    pub(crate) fn from_config(config: Option<&Value>, database: &str, tables: Vec<Relation>) -> Result<Setup> {
        let get = |key: &str, default: &str| -> String {
            config
                .and_then(|c| c.get(key))
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_ascii_uppercase()
        };
        let allowed_ips = match config.and_then(|c| c.get("allowed_ips")) {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        Error::project("braze.allowed_ips in project.yml must be a list of IP ranges (strings)")
                    })
                })
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(Error::project(
                    "braze.allowed_ips in project.yml must be a list of IP ranges",
                ));
            }
        };
        for ip in &allowed_ips {
            if !ip
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/'))
            {
                return Err(Error::project(format!(
                    "braze.allowed_ips: '{ip}' is not an IP address or CIDR range"
                )));
            }
        }
        let mut schemas: Vec<String> = tables.iter().map(|t| t.schema.to_ascii_uppercase()).collect();
        schemas.sort();
        schemas.dedup();
        Ok(Setup {
            role: get("role", "BRAZE_INGESTION_ROLE"),
            user: get("user", "BRAZE_INGESTION_USER"),
            warehouse: get("warehouse", "BRAZE_INGESTION_WH"),
            warehouse_size: get("warehouse_size", "XSMALL"),
            database: database.to_ascii_uppercase(),
            schemas,
            tables,
            allowed_ips,
            network_policy: get("network_policy", "BRAZE_INGESTION_POLICY"),
        })
    }

    /// Everything, in order: role, warehouse, grants, user, key, network policy.
    pub(crate) fn statements(&self, public_key: Option<&str>) -> Vec<String> {
        let Setup {
            role,
            user,
            warehouse,
            database,
            ..
        } = self;
        let mut s = vec![
            "use role securityadmin".to_string(),
            format!("create role if not exists {role}"),
            format!(
                "create warehouse if not exists {warehouse} with warehouse_size = '{}' auto_suspend = 60 \
                 auto_resume = true initially_suspended = true",
                self.warehouse_size
            ),
            format!("grant usage on warehouse {warehouse} to role {role}"),
            format!("grant usage on database {database} to role {role}"),
        ];
        for schema in &self.schemas {
            s.push(format!("grant usage on schema {database}.{schema} to role {role}"));
        }
        for t in &self.tables {
            s.push(format!(
                "grant select on table {database}.{}.{} to role {role}",
                t.schema.to_ascii_uppercase(),
                t.identifier.to_ascii_uppercase()
            ));
        }
        for schema in &self.schemas {
            s.push(format!(
                "grant select on future tables in schema {database}.{schema} to role {role}"
            ));
            s.push(format!(
                "grant select on future views in schema {database}.{schema} to role {role}"
            ));
        }
        s.push(format!(
            "create user if not exists {user} type = service default_role = {role} default_warehouse = {warehouse}"
        ));
        s.push(format!("grant role {role} to user {user}"));
        if let Some(key) = public_key {
            s.push(format!("alter user {user} set rsa_public_key = '{key}'"));
        }
        if !self.allowed_ips.is_empty() {
            let ips: Vec<String> = self.allowed_ips.iter().map(|ip| format!("'{ip}'")).collect();
            s.push(format!(
                "create network policy if not exists {} allowed_ip_list = ({})",
                self.network_policy,
                ips.join(", ")
            ));
            s.push(format!(
                "alter network policy {} set allowed_ip_list = ({})",
                self.network_policy,
                ips.join(", ")
            ));
            s.push(format!(
                "alter user {user} set network_policy = {}",
                self.network_policy
            ));
        }
        s
    }

    /// Key rotation: the new key goes in the free slot; the old one is removed after Braze switched.
    pub(crate) fn rotate_key(&self, public_key: &str, slot: u8) -> (Vec<String>, Vec<String>) {
        let (new, old) = if slot == 2 {
            ("rsa_public_key_2", "rsa_public_key")
        } else {
            ("rsa_public_key", "rsa_public_key_2")
        };
        let now = vec![
            "use role securityadmin".to_string(),
            format!("alter user {} set {new} = '{public_key}'", self.user),
        ];
        let later = vec![format!("alter user {} unset {old}", self.user)];
        (now, later)
    }
}

/// The base64 body of a PEM public key (what Snowflake's RSA_PUBLIC_KEY takes).
pub(crate) fn public_key_body(pem: &str, file: &str) -> Result<String> {
    let text = pem.trim();
    if text.contains("PRIVATE KEY") {
        return Err(Error::project(format!(
            "{file} holds a private key; pass the public key Braze shows you"
        ))
        .help("Braze's Cloud Data Ingestion page shows the public key to paste; save it to a file"));
    }
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if body.len() < 64
        || !body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
    {
        return Err(Error::project(format!(
            "{file} is not a PEM public key (-----BEGIN PUBLIC KEY----- ...)"
        )));
    }
    Ok(body)
}
