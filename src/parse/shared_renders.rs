//! Generic tests that differ only in their subject render once. A large project declares the
//! same few tests (`not_null` on `id`, `unique` on `id`, ...) on thousands of models; their call
//! templates differ only in the `ref()` or `source()` naming the tested relation. The first test
//! of each such group is rendered; the others take its render with the subject's placeholder
//! pointed at their own subject (`Prerender::for_subject`), unless that render read the node's
//! own context or observed the subject in any way but printing it, in which case each test of
//! the group renders on its own as before.

use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

use super::partial::Memo;
use crate::error::{Error, Result};
use crate::jinja::{JinjaEnv, Mode, Scope};
use crate::manifest::node::Node;
use crate::manifest::render::{Placeholder, replace_one};

/// What makes a test's render shareable: its group, and the relation it tests.
#[derive(Debug, Clone)]
pub(super) struct Share {
    /// Equal for tests whose templates and configs are equal but for the subject.
    pub key: String,
    /// The subject's `ref()` or `source()`, as its placeholder.
    pub subject: Placeholder,
}

/// Render every test in parse mode (through the partial-parse memo), each group of shareable
/// tests once. `located` turns a render error into one that points at the test's YAML entry.
pub(super) fn render_all(
    jinja: &JinjaEnv,
    memo: &Memo,
    tests: &[(&Node, Option<&Share>)],
    located: &(dyn Fn(usize, Error) -> Error + Sync),
) -> Vec<Result<Scope>> {
    let render = |i: usize| memo.render(jinja, tests[i].0).map_err(|e| located(i, e));
    // The first test of each group leads it.
    let mut leader_of: HashMap<&str, usize> = HashMap::new();
    let leader: Vec<Option<usize>> = tests
        .iter()
        .enumerate()
        .map(|(i, (_, share))| {
            let share = (*share)?;
            let first = *leader_of.entry(share.key.as_str()).or_insert(i);
            (first != i).then_some(first)
        })
        .collect();
    let mut out: Vec<Option<Result<Scope>>> = leader
        .par_iter()
        .enumerate()
        .map(|(i, lead)| lead.is_none().then(|| render(i)))
        .collect();
    let followers: Vec<(usize, Result<Scope>)> = leader
        .par_iter()
        .enumerate()
        .filter_map(|(i, lead)| lead.map(|l| (i, l)))
        .map(|(i, l)| {
            let derived = match (&out[l], tests[l].1, tests[i].1) {
                (Some(Ok(scope)), Some(from), Some(to)) => derive(scope, &from.subject, &to.subject),
                _ => None,
            };
            // A derived render is not saved in the partial-parse cache: the next parse derives
            // it again from its leader's, which costs less than saving and reading it.
            match derived {
                Some(scope) => (i, Ok(scope)),
                None => (i, render(i)),
            }
        })
        .collect();
    for (i, r) in followers {
        out[i] = Some(r);
    }
    let shared = leader.iter().filter(|l| l.is_some()).count();
    tracing::debug!(
        "{} tests rendered, {shared} took the render of an equal test",
        tests.len() - shared
    );
    out.into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::runtime("a test was not rendered"))))
        .collect()
}

/// The leader's render for another subject; None when it cannot stand for it.
fn derive(leader: &Scope, from: &Placeholder, to: &Placeholder) -> Option<Scope> {
    let prerender = leader.prerender.as_ref()?.for_subject(from, to)?;
    let mut recorded = leader.recorded.clone();
    match (from, to) {
        (Placeholder::Ref(a), Placeholder::Ref(b)) => replace_one(&mut recorded.refs, a, b)?,
        (Placeholder::Source(s, t), Placeholder::Source(s2, t2)) => replace_one(
            &mut recorded.sources,
            &(s.clone(), t.clone()),
            &(s2.clone(), t2.clone()),
        )?,
        _ => return None,
    }
    let mut scope = Scope::new(Mode::Parse);
    scope.recorded = recorded;
    scope.prerender = Some(Arc::new(prerender));
    Some(scope)
}
