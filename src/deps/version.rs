//! Semantic versions and the version ranges of hub packages, compared the way dbt compares them.
//!
//! A requirement is one specifier (`1.1.0`, `>=1.0.0`, `<2.0.0`, `=0.9.1`) or several that must
//! all hold (`[">=1.0.0", "<2.0.0"]`, or `">=1.0.0,<2.0.0"`). The requirements of every requirer of
//! a package are intersected; the highest available version inside the intersection is installed.
//! Two rules of dbt's carry over: a pre-release is installed only when a requirement names a
//! pre-release or the package sets `install_prerelease`, and `<X.Y.Z` excludes the pre-releases
//! of `X.Y.Z` itself (`<2.0.0` never installs `2.0.0-rc1`, `<=2.0.0` may).

use std::cmp::Ordering;
use std::fmt;

/// A version `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub prerelease: Option<String>,
    pub build: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matcher {
    Exact,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Matcher {
    fn symbol(self) -> &'static str {
        match self {
            Matcher::Exact => "=",
            Matcher::Greater => ">",
            Matcher::GreaterOrEqual => ">=",
            Matcher::Less => "<",
            Matcher::LessOrEqual => "<=",
        }
    }
}

/// One specifier of a requirement: `>=1.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specifier {
    pub matcher: Matcher,
    pub version: Version,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(p) = &self.prerelease {
            write!(f, "-{p}")?;
        }
        if let Some(b) = &self.build {
            write!(f, "+{b}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Specifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.matcher.symbol(), self.version)
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVersion(pub String);

impl fmt::Display for BadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is not a valid semantic version", self.0)
    }
}

/// A number without leading zeros.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// A pre-release identifier: a number without leading zeros, or alphanumerics and `-` with at
/// least one non-digit.
fn prerelease_part_ok(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return number(s).is_some();
    }
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, BadVersion> {
        let bad = || BadVersion(text.to_string());
        let (rest, build) = match text.split_once('+') {
            Some((r, b)) => {
                if !b
                    .split('.')
                    .all(|p| p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'))
                {
                    return Err(bad());
                }
                (r, Some(b.to_string()))
            }
            None => (text, None),
        };
        // dbt accepts `1.0.0-rc1` and also `1.0.0rc1` (the dash is optional).
        let core_end = rest
            .char_indices()
            .filter(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map(|(i, _)| i)
            .next()
            .unwrap_or(rest.len());
        let (core, pre) = rest.split_at(core_end);
        let mut parts = core.split('.');
        let (Some(major), Some(minor), Some(patch), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let (Some(major), Some(minor), Some(patch)) = (number(major), number(minor), number(patch)) else {
            return Err(bad());
        };
        let pre = pre.strip_prefix('-').unwrap_or(pre);
        let prerelease = if pre.is_empty() {
            if rest.ends_with('-') {
                return Err(bad());
            }
            None
        } else {
            if !pre.split('.').all(prerelease_part_ok) {
                return Err(bad());
            }
            Some(pre.to_string())
        };
        Ok(Version {
            major,
            minor,
            patch,
            prerelease,
            build,
        })
    }

    /// dbt's order: numbers, then a release above its pre-releases, then the pre-release tags
    /// compared part by part (numbers below words); the build is ignored.
    pub fn precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.prerelease, &other.prerelease) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => prerelease_cmp(a, b),
            })
    }

    fn same_release(&self, other: &Version) -> bool {
        (self.major, self.minor, self.patch) == (other.major, other.minor, other.patch)
    }
}

fn prerelease_cmp(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| {
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    for (x, y) in a.split('.').zip(b.split('.')) {
        let order = match (numeric(x), numeric(y)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    // As dbt does: when every shared part is equal, the longer text is the greater.
    a.len().cmp(&b.len())
}

impl Specifier {
    pub fn parse(text: &str) -> Result<Specifier, BadVersion> {
        let t = text.trim();
        let (matcher, rest) = if let Some(r) = t.strip_prefix(">=") {
            (Matcher::GreaterOrEqual, r)
        } else if let Some(r) = t.strip_prefix("<=") {
            (Matcher::LessOrEqual, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (Matcher::Greater, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (Matcher::Less, r)
        } else if let Some(r) = t.strip_prefix('=') {
            (Matcher::Exact, r)
        } else {
            (Matcher::Exact, t)
        };
        let version = Version::parse(rest).map_err(|_| BadVersion(text.to_string()))?;
        Ok(Specifier { matcher, version })
    }

    /// Does `v` meet this specifier?
    pub fn admits(&self, v: &Version) -> bool {
        let order = v.precedence(&self.version);
        match self.matcher {
            Matcher::Exact => order == Ordering::Equal,
            Matcher::Greater => order == Ordering::Greater,
            Matcher::GreaterOrEqual => order != Ordering::Less,
            Matcher::LessOrEqual => order != Ordering::Greater,
            Matcher::Less => {
                // `<2.0.0` excludes 2.0.0's pre-releases too.
                order == Ordering::Less
                    && !(self.version.prerelease.is_none() && v.prerelease.is_some() && v.same_release(&self.version))
            }
        }
    }
}

/// The intersection of several specifiers, as its tightest lower and upper bounds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    pub lower: Option<Specifier>,
    pub upper: Option<Specifier>,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.lower, &self.upper) {
            (None, None) => write!(f, "any version"),
            (Some(l), Some(u)) if l == u => write!(f, "{l}"),
            (Some(l), Some(u)) => write!(f, "{l}, {u}"),
            (Some(b), None) | (None, Some(b)) => write!(f, "{b}"),
        }
    }
}

impl Range {
    /// The specifiers' intersection, or None when no version can meet all of them.
    pub fn of(specifiers: &[Specifier]) -> Option<Range> {
        let mut range = Range::default();
        for s in specifiers {
            let (lower, upper) = match s.matcher {
                Matcher::Exact => (Some(s), Some(s)),
                Matcher::Greater | Matcher::GreaterOrEqual => (Some(s), None),
                Matcher::Less | Matcher::LessOrEqual => (None, Some(s)),
            };
            if let Some(l) = lower {
                let tighter = match &range.lower {
                    None => true,
                    Some(cur) => match l.version.precedence(&cur.version) {
                        Ordering::Greater => true,
                        Ordering::Less => false,
                        Ordering::Equal => bound_strictness(l.matcher) > bound_strictness(cur.matcher),
                    },
                };
                if tighter {
                    range.lower = Some(l.clone());
                }
            }
            if let Some(u) = upper {
                let tighter = match &range.upper {
                    None => true,
                    Some(cur) => match u.version.precedence(&cur.version) {
                        Ordering::Less => true,
                        Ordering::Greater => false,
                        Ordering::Equal => bound_strictness(u.matcher) > bound_strictness(cur.matcher),
                    },
                };
                if tighter {
                    range.upper = Some(u.clone());
                }
            }
        }
        if let (Some(l), Some(u)) = (&range.lower, &range.upper) {
            let inclusive = |m: Matcher| matches!(m, Matcher::Exact | Matcher::GreaterOrEqual | Matcher::LessOrEqual);
            match l.version.precedence(&u.version) {
                Ordering::Greater => return None,
                Ordering::Equal if !(inclusive(l.matcher) && inclusive(u.matcher)) => return None,
                _ => {}
            }
        }
        // An exact version meets every other specifier, or nothing does; it is the whole range.
        let exact = [&range.lower, &range.upper]
            .into_iter()
            .flatten()
            .find(|s| s.matcher == Matcher::Exact)
            .cloned();
        if let Some(e) = exact {
            if !specifiers.iter().all(|s| s.admits(&e.version)) {
                return None;
            }
            range.lower = Some(e.clone());
            range.upper = Some(e);
        }
        Some(range)
    }

    pub fn admits(&self, v: &Version) -> bool {
        self.lower.as_ref().is_none_or(|l| l.admits(v)) && self.upper.as_ref().is_none_or(|u| u.admits(v))
    }
}

/// Among bounds on the same version, the stricter one wins: exact, then `>`/`<`, then `>=`/`<=`.
fn bound_strictness(m: Matcher) -> u8 {
    match m {
        Matcher::Exact => 2,
        Matcher::Greater | Matcher::Less => 1,
        Matcher::GreaterOrEqual | Matcher::LessOrEqual => 0,
    }
}

/// The versions that may be installed, lowest first: releases, and pre-releases only when asked.
/// Versions that do not parse are left out.
pub fn installable(available: &[String], prerelease: bool) -> Vec<(Version, String)> {
    let mut out: Vec<(Version, String)> = available
        .iter()
        .filter_map(|s| Version::parse(s).ok().map(|v| (v, s.clone())))
        .filter(|(v, _)| prerelease || v.prerelease.is_none())
        .collect();
    out.sort_by(|a, b| a.0.precedence(&b.0));
    out
}

/// The highest of `candidates` (lowest first, as `installable` returns them) in `range`.
pub fn highest_in<'a>(range: &Range, candidates: &'a [(Version, String)]) -> Option<&'a (Version, String)> {
    candidates.iter().rev().find(|(v, _)| range.admits(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<Specifier> {
        list.iter().map(|s| Specifier::parse(s).unwrap()).collect()
    }

    fn pick(list: &[&str], available: &[&str], pre: bool) -> Option<String> {
        let range = Range::of(&specs(list))?;
        let available: Vec<String> = available.iter().map(|s| s.to_string()).collect();
        let candidates = installable(&available, pre);
        highest_in(&range, &candidates).map(|(_, s)| s.clone())
    }

    #[test]
    fn parses_what_dbt_parses() {
        assert_eq!(Version::parse("1.2.3").unwrap().to_string(), "1.2.3");
        assert_eq!(
            Version::parse("1.0.0-rc.1+b5").unwrap().prerelease.as_deref(),
            Some("rc.1")
        );
        assert_eq!(Version::parse("1.0.0b1").unwrap().prerelease.as_deref(), Some("b1"));
        for bad in ["1.0", "01.0.0", "1.0.0-", "v1.0.0", "1.0.0.0", "", "1.x.0"] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Specifier::parse(">=1.0.0").unwrap().matcher, Matcher::GreaterOrEqual);
        assert_eq!(Specifier::parse("=1.0.0").unwrap().matcher, Matcher::Exact);
    }

    #[test]
    fn order_of_prereleases() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("1.0.0-rc1").precedence(&v("1.0.0")), Ordering::Less);
        assert_eq!(v("1.0.0-alpha").precedence(&v("1.0.0-beta")), Ordering::Less);
        assert_eq!(v("1.0.0-rc.2").precedence(&v("1.0.0-rc.10")), Ordering::Less);
        assert_eq!(v("1.0.0-1").precedence(&v("1.0.0-a")), Ordering::Less);
        assert_eq!(v("1.0.0+b1").precedence(&v("1.0.0+b2")), Ordering::Equal);
    }

    #[test]
    fn picks_the_highest_matching() {
        let all = ["0.9.0", "1.0.0", "1.1.0", "1.9.2", "2.0.0-rc1", "2.0.0"];
        assert_eq!(pick(&[">=1.0.0", "<2.0.0"], &all, false).as_deref(), Some("1.9.2"));
        assert_eq!(pick(&["1.1.0"], &all, false).as_deref(), Some("1.1.0"));
        assert_eq!(pick(&[">1.9.2"], &all, false).as_deref(), Some("2.0.0"));
        assert_eq!(pick(&["<1.0.0"], &all, false).as_deref(), Some("0.9.0"));
        assert_eq!(pick(&["3.0.0"], &all, false), None);
    }

    #[test]
    fn prereleases_only_when_asked() {
        let all = ["1.0.0", "2.0.0-rc1"];
        assert_eq!(pick(&[">=1.0.0"], &all, false).as_deref(), Some("1.0.0"));
        assert_eq!(pick(&[">=1.0.0"], &all, true).as_deref(), Some("2.0.0-rc1"));
        // `<2.0.0` leaves out 2.0.0's pre-releases; `<=2.0.0` does not.
        assert_eq!(pick(&[">=1.0.0", "<2.0.0"], &all, true).as_deref(), Some("1.0.0"));
        assert_eq!(pick(&[">=1.0.0", "<=2.0.0"], &all, true).as_deref(), Some("2.0.0-rc1"));
    }

    #[test]
    fn intersections() {
        let r = Range::of(&specs(&[">=1.0.0", "<2.0.0", ">=1.2.0", "<3.0.0"])).unwrap();
        assert_eq!(r.to_string(), ">=1.2.0, <2.0.0");
        let r = Range::of(&specs(&[">=1.0.0", "1.5.0"])).unwrap();
        assert_eq!(r.to_string(), "=1.5.0");
        assert_eq!(Range::of(&specs(&["1.0.0", "1.0.1"])), None);
        assert_eq!(Range::of(&specs(&[">=2.0.0", "<2.0.0"])), None);
        assert_eq!(Range::of(&specs(&[">1.0.0", "<=1.0.0"])), None);
        assert_eq!(Range::of(&specs(&[">1.0.0", "1.0.0"])), None);
        assert!(Range::of(&specs(&[">=1.0.0", "<=1.0.0"])).is_some());
        assert_eq!(Range::of(&[]).unwrap().to_string(), "any version");
    }
}
