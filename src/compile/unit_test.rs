//! A unit test's SQL: the tested model's template rendered with each given input's `ref()` or
//! `source()` naming a CTE of the given rows (`crate::test::unit` builds those CTEs and runs it).

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::jinja::scope::Resolver;
use crate::jinja::{JinjaEnv, Mode, Scope};
use crate::manifest::unit_test::{Input, UnitSpec};
use crate::manifest::{Manifest, Node};
use crate::relation::Relation;

/// A unit test node's spec (every unit test node has one: the parse phase made it).
pub(crate) fn spec(node: &Node) -> Result<&UnitSpec> {
    node.unit.as_deref().ok_or_else(|| {
        Error::project(format!("unit test {} is malformed: it has no spec", node.name))
            .in_file(&node.original_file_path)
    })
}

/// ref() and source() of the given inputs resolve to their CTEs; anything else (a seed that
/// was not given) to the real relation.
struct GivenResolver {
    manifest: Arc<Manifest>,
    ctes: HashMap<Input, String>,
}

impl Resolver for GivenResolver {
    fn resolve_ref(
        &self,
        caller: Option<&str>,
        package: Option<&str>,
        name: &str,
    ) -> std::result::Result<Relation, String> {
        match self.ctes.get(&Input::Ref { name: name.to_string() }) {
            Some(cte) => Ok(Relation::new(None, "", cte.clone())),
            None => self.manifest.resolve_ref(caller, package, name),
        }
    }
    fn resolve_source(&self, source: &str, table: &str) -> std::result::Result<Relation, String> {
        let key = Input::Source {
            source: source.to_string(),
            table: table.to_string(),
        };
        match self.ctes.get(&key) {
            Some(cte) => Ok(Relation::new(None, "", cte.clone())),
            None => self.manifest.resolve_source(source, table),
        }
    }
}

/// The model's SQL for this unit test, its inputs named by their CTEs.
pub(crate) fn render(jinja: &JinjaEnv, manifest: &Arc<Manifest>, node: &Node) -> Result<String> {
    let spec = spec(node)?;
    let model = manifest
        .by_name(&spec.model)
        .ok_or_else(|| Error::project(format!("unit test {}: no model {}", node.name, spec.model)))?;
    let ctes: HashMap<Input, String> = spec.given.iter().map(|g| (g.input.clone(), g.input.cte())).collect();
    let this = match ctes.get(&Input::This) {
        Some(cte) => Relation::new(None, "", cte.clone()),
        None => model
            .relation
            .clone()
            .unwrap_or_else(|| Relation::new(None, "", model.name.clone())),
    };
    let mut scope = Scope::new(Mode::Compile);
    scope.resolver = Some(Arc::new(GivenResolver {
        manifest: manifest.clone(),
        ctes,
    }));
    scope.config = model.config.clone();
    scope.is_incremental = spec.is_incremental;
    scope.var_overrides = spec.vars.clone();
    let ctx = crate::parse::node_context(model, this);
    let (result, _) = jinja.render(&model.template, ctx, scope);
    result.map_err(|mut e| {
        e.message = format!("unit test {} (model {}): {}", node.name, model.name, e.message);
        e
    })
}
