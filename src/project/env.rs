//! Environment variables in project settings: `{{ env_var('NAME') }}` inside target settings,
//! rendered before anything else of the project is (the model templates' `env_var` adds change
//! detection on top of this one).

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

/// `env_var('NAME')` or `env_var('NAME', 'default')`.
pub fn env_var(name: &str, default: Option<Value>) -> Result<Value, Error> {
    match std::env::var(name) {
        Ok(v) => Ok(Value::from(v)),
        Err(_) => match default {
            Some(d) => Ok(d),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("env var '{name}' is not set and env_var() was given no default"),
            )),
        },
    }
}

/// An environment with only `env_var`, for rendering settings (targets) before a project loads.
pub fn settings_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_function("env_var", env_var);
    env
}
