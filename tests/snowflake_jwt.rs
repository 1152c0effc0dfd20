//! Key-pair auth: the emulator accepts any credentials, so these tests check our JWT against the
//! public key themselves: generated key pairs (PKCS#8 plain and encrypted), signature, claims
//! and fingerprint; and the clear errors for a PKCS#1 key and a missing or wrong passphrase.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use mozt::adapter::snowflake::auth::{JWT_LIFETIME_SECS, KeyPair};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::Verifier;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn new_key() -> RsaPrivateKey {
    RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("generate an RSA key")
}

/// The fingerprint the way Snowflake's docs compute it: the public key in PEM, its base64 body
/// decoded to DER, SHA-256, base64.
fn fingerprint_from_pem(public: &RsaPublicKey) -> String {
    let pem = public.to_public_key_pem(LineEnding::LF).expect("public key PEM");
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).expect("base64 body");
    format!("SHA256:{}", STANDARD.encode(Sha256::digest(der)))
}

/// Verify the signature with the public key and return the header and claims.
fn verify(jwt: &str, public: &RsaPublicKey) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {jwt}");
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("base64url signature");
    let signature = Signature::try_from(signature.as_slice()).expect("an RSA signature");
    VerifyingKey::<Sha256>::new(public.clone())
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies with the public key");
    let decode =
        |p: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("JSON") };
    (decode(parts[0]), decode(parts[1]))
}

fn check_claims(key: &KeyPair, public: &RsaPublicKey, account: &str, user: &str, expect_qualified: &str) {
    let fp = fingerprint_from_pem(public);
    assert_eq!(key.fingerprint(), fp);
    let now = 1_720_000_000;
    let (header, claims) = verify(&key.jwt(account, user, now), public);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(claims["iss"], format!("{expect_qualified}.{fp}"));
    assert_eq!(claims["sub"], expect_qualified);
    assert_eq!(claims["iat"], now);
    assert_eq!(claims["exp"], now + JWT_LIFETIME_SECS);
    const { assert!(JWT_LIFETIME_SECS <= 3600, "Snowflake accepts at most an hour") };
}

#[test]
fn unencrypted_pkcs8_key_signs_a_jwt_snowflake_accepts() {
    let private = new_key();
    let public = private.to_public_key();
    let pem = private.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 PEM");
    let key = KeyPair::from_pem(&pem, None, "test key").expect("read the key");
    check_claims(&key, &public, "xy12345.us-east-1.aws", "mozt_ci", "XY12345.MOZT_CI");
    check_claims(
        &key,
        &public,
        "myorg-analytics",
        "Braze_Ingestion",
        "MYORG-ANALYTICS.BRAZE_INGESTION",
    );
    // The same key as base64 DER without PEM armour (as some secret stores hold it).
    let der = private.to_pkcs8_der().expect("DER");
    let key = KeyPair::from_pem(&STANDARD.encode(der.as_bytes()), None, "test key").expect("base64 DER");
    assert_eq!(key.fingerprint(), fingerprint_from_pem(&public));
    // A different key pair has a different fingerprint, and its JWT does not verify with ours.
    let other = KeyPair::from_key(new_key());
    assert_ne!(other.fingerprint(), key.fingerprint());
    let jwt = other.jwt("acct", "u", 0);
    let parts: Vec<&str> = jwt.split('.').collect();
    let sig = Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).expect("b64").as_slice()).expect("sig");
    assert!(
        VerifyingKey::<Sha256>::new(public)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .is_err()
    );
}

#[test]
fn encrypted_pkcs8_key_needs_its_passphrase() {
    let private = new_key();
    let public = private.to_public_key();
    let pem = private
        .to_pkcs8_encrypted_pem(&mut rsa::rand_core::OsRng, "correct horse", LineEnding::LF)
        .expect("encrypted PKCS#8 PEM");
    assert!(pem.contains("BEGIN ENCRYPTED PRIVATE KEY"));
    let key = KeyPair::from_pem(&pem, Some("correct horse"), "rsa_key.p8").expect("decrypt");
    check_claims(&key, &public, "xy12345", "mozt", "XY12345.MOZT");

    let Err(e) = KeyPair::from_pem(&pem, None, "rsa_key.p8") else {
        panic!("an encrypted key without a passphrase must be refused")
    };
    assert!(e.to_string().contains("encrypted and no passphrase"), "{e}");
    assert!(e.help.as_deref().unwrap_or("").contains("private_key_passphrase"));

    let Err(e) = KeyPair::from_pem(&pem, Some("wrong"), "rsa_key.p8") else {
        panic!("a wrong passphrase must be refused")
    };
    let msg = e.to_string();
    assert!(msg.contains("cannot decrypt") && msg.contains("rsa_key.p8"), "{msg}");
    assert!(!msg.contains("wrong") || msg.contains("wrong passphrase"), "{msg}");
    assert!(!msg.contains("correct horse"));
}

#[test]
fn pkcs1_key_is_refused_with_how_to_convert_it() {
    let pem = new_key().to_pkcs1_pem(LineEnding::LF).expect("PKCS#1 PEM");
    assert!(pem.contains("BEGIN RSA PRIVATE KEY"));
    let Err(e) = KeyPair::from_pem(&pem, None, "keys/rsa_key.pem") else {
        panic!("a PKCS#1 key must be refused")
    };
    let msg = e.to_string();
    assert!(msg.contains("PKCS#1") && msg.contains("keys/rsa_key.pem"), "{msg}");
    assert!(e.help.as_deref().unwrap_or("").contains("openssl pkcs8 -topk8"));
    // No key material in the message.
    let body_line = pem.lines().nth(1).expect("a body line");
    assert!(!msg.contains(body_line));
}
