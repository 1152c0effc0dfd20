//! Lists and dicts that `{% do x.append(y) %}` and `{% do d.update(...) %}` change, as dbt's
//! Python Jinja allows and packages such as dbt_utils rely on. minijinja's values are
//! immutable, so in a template that calls one of these methods every `{% set name = ... %}`
//! is rewritten to `{% set name = __mozt_mutable(...) %}` (same line, see `rewrite_sets`), which
//! turns a list or dict into one of the objects here and leaves any other value alone. The
//! objects are shared by reference, so an append inside a `for` loop is seen after it, as in
//! Python. The same pass lets `{% do %}` take a conditional expression, as Jinja2's does
//! (`{% do cols.append(c) if flag %}`).

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value, from_args};
use minijinja::{Error, ErrorKind, State};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The methods that change a list or dict; a template calling none of them is left as written.
const MUTATING: [&str; 7] = [
    ".append(",
    ".extend(",
    ".update(",
    ".insert(",
    ".pop(",
    ".remove(",
    ".setdefault(",
];

/// The function `rewrite_sets` wraps values in.
pub(crate) const WRAP: &str = "__mozt_mutable";

/// The function `rewrite_sets` calls instead of `namespace(...)`: a namespace whose list and
/// dict attributes can be changed (`{% set ns = namespace(cols=[]) %}{% do ns.cols.append(c) %}`).
pub(crate) const NAMESPACE: &str = "__mozt_namespace";

#[derive(Debug, Default)]
pub(crate) struct MutableList(Mutex<Vec<Value>>);

#[derive(Debug, Default)]
pub(crate) struct MutableDict(Mutex<Vec<(Value, Value)>>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `__mozt_mutable(value)`: a plain list or dict (a literal, a value read from YAML) as a
/// changeable copy; anything else (a namespace, a relation, a tuple) as it is.
pub(crate) fn mutable(value: Value) -> Value {
    if let Some(items) = value.downcast_object_ref::<Vec<Value>>() {
        return Value::from_object(MutableList(Mutex::new(items.clone())));
    }
    if let Some(map) = value.downcast_object_ref::<BTreeMap<Value, Value>>() {
        let pairs = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        return Value::from_object(MutableDict(Mutex::new(pairs)));
    }
    value
}

/// `__mozt_namespace(defaults?, **attrs)`: minijinja's `namespace` with every list or dict
/// attribute made changeable.
pub(crate) fn namespace(defaults: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let mut attrs: BTreeMap<Value, Value> = BTreeMap::new();
    if let Some(d) = defaults {
        for key in d.try_iter()? {
            let value = d.get_item(&key)?;
            attrs.insert(key, mutable(value));
        }
    }
    for key in kwargs.args() {
        attrs.insert(Value::from(key), mutable(kwargs.get::<Value>(key)?));
    }
    kwargs.assert_all_used()?;
    let (defaults,): (Option<minijinja::value::ValueOrKwargs>,) = from_args(&[Value::from(attrs)])?;
    minijinja::functions::namespace(defaults)
}

impl Object for MutableList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = lock(&self.0);
        let i = key.as_i64()?;
        let i = if i < 0 { items.len() as i64 + i } else { i };
        usize::try_from(i).ok().and_then(|i| items.get(i).cloned())
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).clone())
    }
    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        let mut items = lock(&self.0);
        match method {
            "append" => {
                let (v,): (Value,) = from_args(args)?;
                items.push(mutable(v));
            }
            "extend" => {
                let (more,): (Value,) = from_args(args)?;
                items.extend(more.try_iter()?);
            }
            "insert" => {
                let (at, v): (i64, Value) = from_args(args)?;
                let len = items.len() as i64;
                let at = if at < 0 { (len + at).max(0) } else { at.min(len) };
                items.insert(usize::try_from(at).unwrap_or(0), v);
            }
            "pop" => {
                let (at,): (Option<i64>,) = from_args(args)?;
                let len = items.len() as i64;
                let at = at.map_or(len - 1, |i| if i < 0 { len + i } else { i });
                return match usize::try_from(at).ok().filter(|&i| i < items.len()) {
                    Some(i) => Ok(items.remove(i)),
                    None => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "pop from an empty list or out of range",
                    )),
                };
            }
            "remove" => {
                let (v,): (Value,) = from_args(args)?;
                match items.iter().position(|x| *x == v) {
                    Some(i) => {
                        items.remove(i);
                    }
                    None => return Err(Error::new(ErrorKind::InvalidOperation, "list.remove(x): x not in list")),
                }
            }
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        Ok(Value::from(()))
    }
}

impl Object for MutableDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        lock(&self.0).iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(lock(&self.0).iter().map(|(k, _)| k.clone()).collect())
    }
    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(lock(&self.0).len())
    }
    fn call_method(self: &Arc<Self>, _state: &mut State<'_, '_>, method: &str, args: &[Value]) -> Result<Value, Error> {
        match method {
            "update" => {
                let (other,): (Value,) = from_args(args)?;
                let pairs: Vec<(Value, Value)> = other
                    .try_iter()?
                    .map(|k| {
                        let v = other.get_item(&k).unwrap_or_default();
                        (k, v)
                    })
                    .collect();
                let mut map = lock(&self.0);
                // A list or dict put in is changeable in turn (`d.update({k: []})`, then
                // `d[k].append(x)`, as dbt_utils' union_relations does).
                for (k, v) in pairs {
                    set(&mut map, k, mutable(v));
                }
                Ok(Value::from(()))
            }
            "pop" => {
                let (key, default): (Value, Option<Value>) = from_args(args)?;
                let mut map = lock(&self.0);
                match map.iter().position(|(k, _)| *k == key) {
                    Some(i) => Ok(map.remove(i).1),
                    None => {
                        default.ok_or_else(|| Error::new(ErrorKind::InvalidOperation, format!("no key {key} to pop")))
                    }
                }
            }
            "setdefault" => {
                let (key, default): (Value, Option<Value>) = from_args(args)?;
                let mut map = lock(&self.0);
                if let Some((_, v)) = map.iter().find(|(k, _)| *k == key) {
                    return Ok(v.clone());
                }
                let v = mutable(default.unwrap_or_default());
                map.push((key, v.clone()));
                Ok(v)
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

fn set(map: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match map.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => map.push((key, value)),
    }
}

/// In a template that calls a changing method, wrap the value of every `{% set name = value %}`
/// (and `{% set ns.attr = value %}`) in `__mozt_mutable(...)`; tuple assignments and block sets
/// are left alone. In any template, a `{% do %}` whose expression is a conditional (`{% do
/// cols.append('x') if flag %}`, which Jinja2 allows and minijinja's `do`, taking only a call,
/// does not) becomes a `set` of that expression (see `conditional_do`). Nothing else moves: line
/// numbers stay the template's. None when nothing changes.
pub(crate) fn rewrite_sets(text: &str) -> Option<String> {
    let wrap = MUTATING.iter().any(|m| text.contains(m));
    let may_have_conditional_do = text.contains("do ") && text.contains("if");
    if !wrap && !may_have_conditional_do {
        return None;
    }
    let (out, changed) = rewrite(text, wrap);
    changed.then_some(out)
}

/// `rewrite_sets` whether or not the text changes a value itself: a macro file's lists may be
/// handed to another file's macro that appends to them (`{% set cols = [...] %}` then
/// `{{ pkg.add_columns(cols, ...) }}`, as Fivetran's packages build their column lists).
pub(crate) fn wrap_sets(text: &str) -> String {
    rewrite(text, true).0
}

/// The name a conditional `do` assigns its expression to.
const DO_TARGET: &str = "__mozt_do";

/// `text` with its conditional `do` tags made `set`s and, when `wrap`, its single `set` values
/// wrapped; and whether anything changed.
fn rewrite(text: &str, wrap: bool) -> (String, bool) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut pos = 0;
    while let Some(found) = text[pos..].find("{%") {
        let open = pos + found;
        let Some(end) = tag_end(text, open + 2) else { break };
        let inner = &text[open + 2..end];
        if inner.trim_matches(['-', '+']).trim() == "raw" {
            // A raw block is text: copied up to its end tag as it is.
            let close = text[end..].find("endraw").map_or(text.len(), |i| end + i);
            let after = text[close..].find("%}").map_or(text.len(), |i| close + i + 2);
            out.push_str(&text[pos..after]);
            pos = after;
            continue;
        }
        out.push_str(&text[pos..open]);
        out.push_str("{%");
        if let Some((head, value, tail)) = conditional_do(inner) {
            out.push_str(head);
            out.push_str("set ");
            out.push_str(DO_TARGET);
            out.push_str(" = ");
            out.push_str(value);
            out.push_str(tail);
            changed = true;
        } else if let Some((head, value, tail)) = set_value(inner).filter(|_| wrap) {
            out.push_str(head);
            match value.strip_prefix("namespace(") {
                Some(args) => {
                    out.push_str(NAMESPACE);
                    out.push('(');
                    out.push_str(args);
                }
                None => {
                    out.push_str(WRAP);
                    out.push('(');
                    out.push_str(value);
                    out.push(')');
                }
            }
            out.push_str(tail);
            changed = true;
        } else {
            out.push_str(inner);
        }
        out.push_str("%}");
        pos = end + 2;
    }
    out.push_str(&text[pos..]);
    (out, changed)
}

/// A tag's inside split as (`- `, `value`, ` -`) when it is `do value` and `value` is a
/// conditional expression (an `if` outside brackets and strings).
fn conditional_do(inner: &str) -> Option<(&str, &str, &str)> {
    let body = inner.trim_start_matches(['-', '+']).trim_start();
    let rest = body.strip_prefix("do")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let value_begin = inner.len() - rest.trim_start().len();
    let value_end = inner.trim_end_matches(['-', '+']).trim_end().len();
    if value_end <= value_begin {
        return None;
    }
    let value = &inner[value_begin..value_end];
    let head_end = inner.len() - body.len();
    top_level(value)
        .any(|(i, _)| is_word_at(value, i, "if"))
        .then(|| (&inner[..head_end], value, &inner[value_end..]))
}

/// Whether `word` stands at byte `i` of `text` as a whole word.
fn is_word_at(text: &str, i: usize, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text[i..].starts_with(word)
        && !text[..i].chars().next_back().is_some_and(ident)
        && !text[i + word.len()..].chars().next().is_some_and(ident)
}

/// Where the tag opened before `from` ends (`%}` outside string literals).
fn tag_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i + 1 < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'%' && bytes[i + 1] == b'}' => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

/// A tag's inside split as (`- set name = `, `value`, ` -`) when it assigns one value to one
/// name.
fn set_value(inner: &str) -> Option<(&str, &str, &str)> {
    let body = inner.trim_start_matches(['-', '+']);
    let rest = body.trim_start().strip_prefix("set")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let target_and_value = rest.trim_start();
    let eq = target_and_value.find('=')?;
    let target = target_and_value[..eq].trim();
    let valid = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !target.split('.').all(valid) || target.split('.').count() > 2 || target_and_value[eq + 1..].starts_with('=') {
        return None;
    }
    let after_eq = &target_and_value[eq + 1..];
    let value_begin = inner.len() - after_eq.trim_start().len();
    let value_end = inner.trim_end_matches(['-', '+']).trim_end().len();
    if value_end <= value_begin {
        return None;
    }
    let value = &inner[value_begin..value_end];
    if has_top_level_comma(value) {
        return None;
    }
    Some((&inner[..value_begin], value, &inner[value_end..]))
}

/// Whether `value` is a bare tuple (`1, 2`): a comma outside brackets and strings.
fn has_top_level_comma(value: &str) -> bool {
    top_level(value).any(|(_, c)| c == ',')
}

/// The characters of `value` outside brackets and string literals, with their byte offsets.
fn top_level(value: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    value.char_indices().filter(move |&(_, c)| {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => return depth == 0,
            },
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_single_sets_only_where_something_changes_a_value() {
        assert_eq!(rewrite_sets("{% set x = [] %}{{ x }}"), None);
        assert_eq!(
            rewrite_sets("{% raw %}{% set x = [] %}{% endraw %}{% set y = [] %}{% do y.append(1) %}").unwrap(),
            "{% raw %}{% set x = [] %}{% endraw %}{% set y = __mozt_mutable([]) %}{% do y.append(1) %}"
        );
        let text = "{%- set cols = [] -%}\n{% set ns.d = {'a': '%}'} %}{% set a, b = 1, 2 %}{% set t %}x{% endset %}\n{% do cols.append(1) %}";
        assert_eq!(
            rewrite_sets(text).unwrap(),
            "{%- set cols = __mozt_mutable([]) -%}\n{% set ns.d = __mozt_mutable({'a': '%}'}) %}{% set a, b = 1, 2 %}{% set t %}x{% endset %}\n{% do cols.append(1) %}"
        );
    }

    #[test]
    fn a_conditional_do_becomes_a_set_of_its_expression() {
        assert_eq!(
            rewrite_sets("{% do f() %}{% do x.y if z %}"),
            Some("{% do f() %}{% set __mozt_do = x.y if z %}".into())
        );
        // `if` inside a call, a string or a longer word is not a conditional.
        assert_eq!(
            rewrite_sets("{% do f(a if b else c) %}{% do g('if') %}{% do h(gift) %}{%- do iffy -%}"),
            None
        );
        assert_eq!(
            render(
                "{% set l = [] %}{%- do l.append(1) if true -%}{% do l.append(2) if false %}{% do l.append(3) if false else l.append(4) %}{{ l }}"
            ),
            "[1, 4]"
        );
    }

    fn render(text: &str) -> String {
        let mut env = minijinja::Environment::new();
        env.add_function(WRAP, mutable);
        env.add_function(NAMESPACE, namespace);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        let text = rewrite_sets(text).unwrap_or_else(|| text.to_string());
        env.render_str(&text, ()).unwrap()
    }

    #[test]
    fn a_list_stored_in_a_dict_is_changed_in_place() {
        assert_eq!(
            render(
                "{% set d = {} %}{% for k in ['a', 'b'] %}{% do d.update({k: []}) %}{% do d[k].append(k ~ 1) %}{% do d.setdefault('s', []).append(k) %}{% endfor %}{{ d['a'] | join }} {{ d['b'] | join }} {{ d['s'] | join }}"
            ),
            "a1 b1 ab"
        );
    }

    #[test]
    fn appends_in_loops_and_updates_dicts_as_python_does() {
        assert_eq!(
            render(
                "{% set cols = [] %}{% for c in ['a', 'b'] %}{% do cols.append(c | upper) %}{% endfor %}{{ cols | join(',') }} {{ cols | length }} {{ cols[-1] }}"
            ),
            "A,B 2 B"
        );
        assert_eq!(
            render(
                "{% set d = {'a': 1} %}{% do d.update({'b': 2, 'a': 3}) %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.get('z', 0) }}{{ d.pop('a') }}{{ d | length }}"
            ),
            "a=3;b=2;031"
        );
        assert_eq!(
            render(
                "{% set l = [3, 1] %}{% do l.extend([2]) %}{% do l.insert(0, 9) %}{% do l.remove(1) %}{{ l.pop() }}{{ l | list }}{{ 3 in l }}{{ l | tojson }}"
            ),
            "2[9, 3]True[9, 3]"
        );
        // A namespace stays one: its attributes are still set.
        assert_eq!(
            render(
                "{% set ns = namespace(n=0) %}{% for i in [1, 2] %}{% set ns.n = ns.n + i %}{% endfor %}{% set l = [] %}{% do l.append(ns.n) %}{{ l }}"
            ),
            "[3]"
        );
        // Lists and dicts a namespace starts with change in place, as in Python.
        assert_eq!(
            render(
                "{% set ns = namespace(cols=[], seen={}, n=1) %}{% for c in ['a', 'b'] %}{% do ns.cols.append(c) %}{% do ns.seen.update({c: ns.n}) %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.cols }} {{ ns.seen | tojson }} {{ ns.n }}"
            ),
            r#"['a', 'b'] {"a": 1, "b": 2} 3"#
        );
    }
}
