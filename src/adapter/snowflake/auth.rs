//! How a Snowflake session authenticates: a password, or a key pair (the way service users,
//! CI and Braze connect). With a key pair the client signs a short-lived JWT (RS256) with the
//! user's RSA private key; Snowflake checks it against the public key set on the user with
//! `ALTER USER ... SET RSA_PUBLIC_KEY='...'`.
//!
//! Claims: `iss = ACCOUNT.USER.SHA256:<fingerprint>`, `sub = ACCOUNT.USER`, `iat`, `exp`, where
//! the fingerprint is the base64 SHA-256 of the DER-encoded public key (SubjectPublicKeyInfo),
//! the same value `DESCRIBE USER` shows as RSA_PUBLIC_KEY_FP.
//!
//! No error message here ever contains key material or a passphrase.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long a signed JWT is valid. Snowflake accepts at most one hour.
pub const JWT_LIFETIME_SECS: i64 = 59 * 60;

pub enum Credentials {
    Password(String),
    KeyPair(Box<KeyPair>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password(_) => f.write_str("Password(********)"),
            Credentials::KeyPair(k) => write!(f, "KeyPair({})", k.fingerprint),
        }
    }
}

/// An RSA private key read from PEM (PKCS#8, optionally encrypted), with its public key's
/// fingerprint.
pub struct KeyPair {
    signing: SigningKey<Sha256>,
    public: RsaPublicKey,
    /// `SHA256:<base64>`, as Snowflake shows RSA_PUBLIC_KEY_FP.
    fingerprint: String,
}

impl KeyPair {
    /// Read a key from PEM text (or from the base64 of its DER, as some secret stores keep it).
    /// `what` names where it came from for error messages (a path, or `private_key`).
    pub fn from_pem(text: &str, passphrase: Option<&str>, what: &str) -> Result<KeyPair> {
        let text = text.trim();
        let passphrase = passphrase.filter(|p| !p.is_empty());
        let key = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            return Err(Error::project(format!(
                "the private key in {what} is a PKCS#1 key (BEGIN RSA PRIVATE KEY); Snowflake key-pair auth in mozt reads PKCS#8 keys"
            ))
            .help(
                "convert it: openssl pkcs8 -topk8 -inform PEM -in rsa_key.pem -out rsa_key.p8 -nocrypt \
                 (or -v2 aes-256-cbc instead of -nocrypt for an encrypted key)",
            ));
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let Some(pass) = passphrase else {
                return Err(
                    Error::project(format!("the private key in {what} is encrypted and no passphrase is set"))
                        .help("set private_key_passphrase in the target, e.g. \"{{ env_var('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE') }}\""),
                );
            };
            RsaPrivateKey::from_pkcs8_encrypted_pem(text, pass).map_err(|_| {
                Error::project(format!(
                    "cannot decrypt the private key in {what}: wrong passphrase, or not an RSA key"
                ))
                .help("check private_key_passphrase")
            })?
        } else if text.contains("-----BEGIN PRIVATE KEY-----") {
            RsaPrivateKey::from_pkcs8_pem(text).map_err(|_| {
                Error::project(format!(
                    "the private key in {what} is not a valid PKCS#8 RSA private key"
                ))
            })?
        } else {
            // Base64 of the DER, without PEM armour.
            let compact: String = text.split_whitespace().collect();
            let der = STANDARD.decode(compact.as_bytes()).map_err(|_| {
                Error::project(format!(
                    "the private key in {what} is neither PEM (-----BEGIN PRIVATE KEY-----) nor base64 DER"
                ))
            })?;
            match passphrase {
                Some(pass) => RsaPrivateKey::from_pkcs8_encrypted_der(&der, pass),
                None => RsaPrivateKey::from_pkcs8_der(&der),
            }
            .map_err(|_| {
                Error::project(format!(
                    "the private key in {what} is not a valid PKCS#8 RSA private key (or the passphrase is wrong)"
                ))
            })?
        };
        Ok(KeyPair::from_key(key))
    }

    pub fn from_key(key: RsaPrivateKey) -> KeyPair {
        let public = key.to_public_key();
        let fingerprint = public_key_fingerprint(&public);
        KeyPair {
            signing: SigningKey::<Sha256>::new(key),
            public,
            fingerprint,
        }
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// A JWT for `account` and `user`, issued at `now` (Unix seconds).
    pub fn jwt(&self, account: &str, user: &str, now: i64) -> String {
        let qualified = format!("{}.{}", jwt_account(account), user.to_ascii_uppercase());
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
        let claims = serde_json::json!({
            "iss": format!("{qualified}.{}", self.fingerprint),
            "sub": qualified,
            "iat": now,
            "exp": now + JWT_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// `SHA256:` + base64 of the SHA-256 of the public key's DER (SubjectPublicKeyInfo).
pub fn public_key_fingerprint(public: &RsaPublicKey) -> String {
    match public.to_public_key_der() {
        Ok(der) => format!("SHA256:{}", STANDARD.encode(Sha256::digest(der.as_bytes()))),
        // Encoding an in-memory RSA public key does not fail; keep a value that can never match.
        Err(_) => "SHA256:".to_string(),
    }
}

/// The account part of the JWT claims: upper case, without the region and cloud suffix of an
/// account locator (`xy12345.us-east-1.aws` -> `XY12345`) or the host (`.snowflakecomputing.com`);
/// for the legacy global form (`xy12345-abc.global`) the part before the dash.
pub fn jwt_account(account: &str) -> String {
    let account = account.trim();
    let base = if account.contains(".global") {
        let head = account.split('.').next().unwrap_or(account);
        head.split('-').next().unwrap_or(head)
    } else {
        account.split('.').next().unwrap_or(account)
    };
    base.to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_rules() {
        assert_eq!(jwt_account("xy12345"), "XY12345");
        assert_eq!(jwt_account("xy12345.us-east-1"), "XY12345");
        assert_eq!(jwt_account("xy12345.us-east-2.aws"), "XY12345");
        assert_eq!(jwt_account("myorg-myaccount"), "MYORG-MYACCOUNT");
        assert_eq!(jwt_account("myorg-myaccount.snowflakecomputing.com"), "MYORG-MYACCOUNT");
        assert_eq!(jwt_account("xy12345-abcdef.global"), "XY12345");
    }

    #[test]
    fn pkcs1_is_a_clear_error() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n";
        let Err(e) = KeyPair::from_pem(pem, None, "key.pem") else {
            panic!("a PKCS#1 key must be refused")
        };
        assert!(e.to_string().contains("PKCS#1"), "{e}");
        assert!(!e.to_string().contains("MIIB"));
    }

    #[test]
    fn garbage_is_a_clear_error_without_the_text() {
        let Err(e) = KeyPair::from_pem("not a key, at all!", None, "private_key") else {
            panic!("garbage must be refused")
        };
        let msg = e.to_string();
        assert!(msg.contains("neither PEM"), "{msg}");
        assert!(!msg.contains("not a key"));
        // Valid base64 that is no key.
        let Err(e) = KeyPair::from_pem("bm90IGEga2V5", None, "private_key") else {
            panic!("garbage must be refused")
        };
        assert!(e.to_string().contains("not a valid PKCS#8"), "{e}");
    }
}
