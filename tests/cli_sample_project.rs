//! The repo's own Braze sample project, built from a copy with the real binary: dim_users has
//! one row per user, and its numbers equal what this test computes from the seed CSVs on its
//! own (events deduplicated on id, deleted rows dropped, machine opens and bot clicks left out,
//! prices converted with the currency_rates seed), following the definitions in the models'
//! YAML descriptions.
// Test code unwraps: a failure there is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use common::{TestProject, sample_project};

type Row = HashMap<String, String>;

fn read_csv(rel: &str) -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn is_true(v: &str) -> bool {
    v.eq_ignore_ascii_case("true")
}

/// Keep the latest sync of each id; drop rows deleted in the source.
fn dedup(rows: Vec<Row>, id: &str) -> Vec<Row> {
    let mut latest: BTreeMap<String, Row> = BTreeMap::new();
    for r in rows {
        let key = r[id].clone();
        let newer = latest
            .get(&key)
            .is_none_or(|prev| r["_fivetran_synced"] > prev["_fivetran_synced"]);
        if newer {
            latest.insert(key, r);
        }
    }
    latest
        .into_values()
        .filter(|r| !is_true(&r["_fivetran_deleted"]))
        .collect()
}

/// `users.messages.email.Open` and `Open` are both `open`.
fn action(event_type: &str) -> String {
    event_type.rsplit('.').next().unwrap_or("").to_ascii_lowercase()
}

struct Users {
    /// braze_id -> user_key (external id when there is one, else the Braze id).
    key_of: HashMap<String, String>,
    keys: BTreeSet<String>,
}

fn users() -> Users {
    let rows = dedup(read_csv("seeds/braze/user.csv"), "braze_id");
    let mut key_of = HashMap::new();
    for r in &rows {
        let key = if r["external_id"].is_empty() {
            &r["braze_id"]
        } else {
            &r["external_id"]
        };
        key_of.insert(r["braze_id"].clone(), key.clone());
    }
    let keys = key_of.values().cloned().collect();
    Users { key_of, keys }
}

impl Users {
    /// The user an event belongs to: its external id, else the profile's key, else its Braze id.
    fn resolve(&self, r: &Row) -> String {
        if !r["external_user_id"].is_empty() {
            return r["external_user_id"].clone();
        }
        self.key_of
            .get(&r["user_id"])
            .cloned()
            .unwrap_or_else(|| r["user_id"].clone())
    }
}

#[derive(Default, Debug)]
struct Message {
    sent: bool,
    human_open: bool,
    human_opens: u64,
    human_click: bool,
}

/// Messages (user, dispatch, channel) of one event file.
fn messages(users: &Users, file: &str, channel: &str) -> BTreeMap<(String, String, String), Message> {
    let mut out: BTreeMap<(String, String, String), Message> = BTreeMap::new();
    for r in dedup(read_csv(file), "id") {
        let m = out
            .entry((users.resolve(&r), r["dispatch_id"].clone(), channel.to_string()))
            .or_default();
        let machine_open = r.get("machine_open").is_some_and(|v| is_true(v));
        let bot_click = r.get("is_suspected_bot_click").is_some_and(|v| is_true(v));
        match action(&r["event_type"]).as_str() {
            "send" => m.sent = true,
            "open" if !machine_open => {
                m.human_open = true;
                m.human_opens += 1;
            }
            "click" if !bot_click => m.human_click = true,
            _ => {}
        }
    }
    out
}

/// Per user: how many of the messages pass `f`.
fn per_user<M>(msgs: &BTreeMap<(String, String, String), M>, f: impl Fn(&M) -> u64) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for ((user, _, _), m) in msgs {
        *out.entry(user.clone()).or_insert(0) += f(m);
    }
    out.retain(|_, n| *n > 0);
    out
}

/// `123.45` as an exact number of hundred-millionths.
fn fixed(v: &str, scale: u32) -> i128 {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let neg = int.starts_with('-');
    let int: i128 = int.trim_start_matches('-').parse().unwrap_or(0);
    let mut frac = frac.to_string();
    assert!(frac.len() <= scale as usize, "{v} has more than {scale} decimals");
    while frac.len() < scale as usize {
        frac.push('0');
    }
    let n = int * 10i128.pow(scale) + frac.parse::<i128>().unwrap_or(0);
    if neg { -n } else { n }
}

/// Revenue per user in millionths of a dollar: price x usd_per_unit, rounded to 6 decimals
/// per purchase as the staging model's numeric(28, 6) cast does.
fn revenue_per_user(users: &Users) -> BTreeMap<String, i128> {
    let rates: HashMap<String, i128> = read_csv("seeds/currency_rates.csv")
        .into_iter()
        .map(|r| (r["currency"].to_ascii_uppercase(), fixed(&r["usd_per_unit"], 6)))
        .collect();
    let mut out = BTreeMap::new();
    for r in dedup(read_csv("seeds/braze/purchase_event.csv"), "id") {
        let rate = rates
            .get(&r["currency"].to_ascii_uppercase())
            .unwrap_or_else(|| panic!("no rate for {}", r["currency"]));
        let exact = fixed(&r["price"], 2) * rate; // 8 decimals
        let micros = (exact + exact.signum() * 50) / 100; // half away from zero, 6 decimals
        *out.entry(users.resolve(&r)).or_insert(0) += micros;
    }
    out
}

fn column(p: &TestProject, col: &str) -> BTreeMap<String, String> {
    p.query(&format!("select user_key, {col} from analytics.dim_users"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

fn nonzero_counts(m: &BTreeMap<String, String>) -> BTreeMap<String, u64> {
    m.iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.parse::<u64>().unwrap_or_else(|_| panic!("{k}: {v} is not a count")),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[test]
fn dim_users_numbers_match_the_seeds() {
    let p = sample_project();
    let out = p.mozt(&["build"]);
    out.assert_ok();
    assert!(out.stdout.contains("dim_users"), "{}", out.stdout);

    let users = users();
    assert!(users.keys.len() > 100, "the sample has a few hundred users");

    // One row per user.
    assert_eq!(
        p.query("select count(*), count(distinct user_key) from analytics.dim_users"),
        [[users.keys.len().to_string(), users.keys.len().to_string()]]
    );
    let in_dim: BTreeSet<String> = column(&p, "1").into_keys().collect();
    assert_eq!(in_dim, users.keys);

    let email = messages(&users, "seeds/braze/email_event.csv", "email");
    let push = messages(&users, "seeds/braze/push_notification_event.csv", "push");
    let known = |m: BTreeMap<String, u64>| -> BTreeMap<String, u64> {
        m.into_iter().filter(|(k, _)| users.keys.contains(k)).collect()
    };

    // Sends per channel, per user and in total.
    let email_sends = known(per_user(&email, |m| u64::from(m.sent)));
    let push_sends = known(per_user(&push, |m| u64::from(m.sent)));
    assert_eq!(nonzero_counts(&column(&p, "email_sends")), email_sends);
    assert_eq!(nonzero_counts(&column(&p, "push_sends")), push_sends);
    let total = |m: &BTreeMap<String, u64>| m.values().sum::<u64>().to_string();
    assert_eq!(
        p.query("select sum(email_sends)::varchar, sum(push_sends)::varchar from analytics.dim_users"),
        [[total(&email_sends), total(&push_sends)]]
    );
    // Not vacuous: the raw file has duplicate send events that must not count twice.
    let raw_sends = read_csv("seeds/braze/email_event.csv")
        .iter()
        .filter(|r| action(&r["event_type"]) == "send")
        .count() as u64;
    assert!(
        raw_sends > email_sends.values().sum::<u64>(),
        "the seeds have duplicate sends"
    );

    // Unique human email opens and clicks, for every user.
    let opens = known(per_user(&email, |m| u64::from(m.human_open)));
    assert_eq!(nonzero_counts(&column(&p, "email_unique_opens")), opens);
    let total_opens = known(per_user(&email, |m| m.human_opens));
    assert_eq!(nonzero_counts(&column(&p, "email_total_opens")), total_opens);
    let clicks = known(per_user(&email, |m| u64::from(m.human_click)));
    assert_eq!(nonzero_counts(&column(&p, "email_unique_clicks")), clicks);
    // Not vacuous: some opens are machine opens and some clicks bot clicks.
    let events = read_csv("seeds/braze/email_event.csv");
    assert!(events.iter().any(|r| is_true(&r["machine_open"])));
    assert!(events.iter().any(|r| is_true(&r["is_suspected_bot_click"])));
    // A few users spelled out, for a reader checking by hand.
    for user in opens.keys().take(3) {
        let n = p.scalar(&format!(
            "select email_unique_opens from analytics.dim_users where user_key = '{user}'"
        ));
        assert_eq!(n, opens[user].to_string(), "email_unique_opens of {user}");
    }

    // Revenue in US dollars.
    let revenue = revenue_per_user(&users);
    let got: BTreeMap<String, i128> = column(&p, "revenue_usd::varchar")
        .into_iter()
        .map(|(k, v)| (k, fixed(&v, 6)))
        .filter(|(_, v)| *v != 0)
        .collect();
    let expected: BTreeMap<String, i128> = revenue
        .iter()
        .filter(|(k, v)| users.keys.contains(*k) && **v != 0)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(got, expected, "revenue_usd per user, in millionths of a dollar");
    assert!(expected.len() > 10, "several users bought something");
    let purchases = dedup(read_csv("seeds/braze/purchase_event.csv"), "id");
    assert!(
        purchases.iter().any(|r| !r["currency"].eq_ignore_ascii_case("USD")),
        "some purchases need converting"
    );
}

#[test]
fn one_thread_builds_the_same_marts_as_four() {
    let one = sample_project();
    let four = sample_project();
    one.ok(&["build", "--threads", "1"]);
    four.ok(&["build", "--threads", "4"]);
    for mart in ["dim_users", "fct_message_funnel", "fct_campaign_performance"] {
        let sql = format!("select columns(*)::varchar from analytics.{mart} order by all");
        let rows = one.query(&sql);
        assert!(!rows.is_empty(), "{mart} has rows");
        assert!(
            rows == four.query(&sql),
            "{mart} differs between --threads 1 and --threads 4"
        );
    }
}
