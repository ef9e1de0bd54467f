//! Search spaces of `artist2vec tune`: per parameter an integer or float range (optionally on a
//! log scale) or a choice among JSON values, addressed by a dotted path into the model's JSON
//! configuration (`"window.fixed"` sets `{"window": {"fixed": …}}`).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One parameter's domain, as written in the search-space JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Domain {
    /// Integers `low..=high`, uniform or log-uniform.
    Int {
        /// Smallest value.
        low: i64,
        /// Largest value (inclusive).
        high: i64,
        /// Sample on a log scale (needs `low ≥ 1`).
        #[serde(default)]
        log: bool,
    },
    /// Real numbers in `[low, high]`, uniform or log-uniform.
    Float {
        /// Smallest value.
        low: f64,
        /// Largest value.
        high: f64,
        /// Sample on a log scale (needs `low > 0`).
        #[serde(default)]
        log: bool,
    },
    /// One of a list of JSON values (numbers, strings, objects…).
    Choice {
        /// The values (at least one).
        values: Vec<Value>,
    },
}

/// A value drawn for one parameter: a position in the sampler's internal space (the log of the
/// value for log scales, the index for choices).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    /// Internal coordinate of a numeric parameter.
    Num(f64),
    /// Index into a choice's values.
    Index(usize),
}

impl Domain {
    /// Checks the domain; `name` names the parameter in errors.
    pub fn check(&self, name: &str) -> Result<()> {
        match self {
            Domain::Int { low, high, log } => {
                if low > high {
                    bail!("parameter {name:?}: low {low} is above high {high}");
                }
                if *log && *low < 1 {
                    bail!(
                        "parameter {name:?}: a log-scale integer range needs low ≥ 1, found {low}"
                    );
                }
            }
            Domain::Float { low, high, log } => {
                if !low.is_finite() || !high.is_finite() {
                    bail!("parameter {name:?}: low and high must be finite numbers");
                }
                if low > high {
                    bail!("parameter {name:?}: low {low} is above high {high}");
                }
                if *log && *low <= 0.0 {
                    bail!("parameter {name:?}: a log-scale range needs low > 0, found {low}");
                }
            }
            Domain::Choice { values } => {
                if values.is_empty() {
                    bail!("parameter {name:?}: a choice needs at least one value");
                }
            }
        }
        Ok(())
    }

    /// The internal interval of a numeric domain (log of the bounds on a log scale; integers
    /// widened by ½ on each side so that every integer gets the same share); `None` for a
    /// choice.
    pub fn interval(&self) -> Option<(f64, f64)> {
        match *self {
            Domain::Int { low, high, log } => Some(if log {
                ((low as f64 - 0.5).max(0.5).ln(), (high as f64 + 0.5).ln())
            } else {
                (low as f64 - 0.5, high as f64 + 0.5)
            }),
            Domain::Float { low, high, log } => Some(if log {
                (low.ln(), high.ln())
            } else {
                (low, high)
            }),
            Domain::Choice { .. } => None,
        }
    }

    /// The number of values of a choice (0 for numeric domains).
    pub fn n_choices(&self) -> usize {
        match self {
            Domain::Choice { values } => values.len(),
            _ => 0,
        }
    }

    /// The JSON value of a draw.
    pub fn value(&self, d: Draw) -> Value {
        match (self, d) {
            (Domain::Int { low, high, log }, Draw::Num(x)) => {
                let v = if *log { x.exp() } else { x };
                Value::from((v.round() as i64).clamp(*low, *high))
            }
            (Domain::Float { low, high, log }, Draw::Num(x)) => {
                let v = if *log { x.exp() } else { x };
                let v = v.clamp(*low, *high);
                // Six significant digits: readable tables, configs that round-trip.
                let v: f64 = format!("{v:.6e}").parse().unwrap_or(v);
                serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
            }
            (Domain::Choice { values }, Draw::Index(i)) => {
                values.get(i).cloned().unwrap_or(Value::Null)
            }
            _ => Value::Null,
        }
    }

    /// The internal coordinate of a JSON value produced by [`value`](Self::value) (to feed
    /// a trial's rounded value back to the model-based sampler).
    pub fn draw_of(&self, v: &Value) -> Option<Draw> {
        match self {
            Domain::Int { log, .. } | Domain::Float { log, .. } => {
                let x = v.as_f64()?;
                Some(Draw::Num(if *log { x.ln() } else { x }))
            }
            Domain::Choice { values } => values.iter().position(|c| c == v).map(Draw::Index),
        }
    }
}

/// A search space: parameters by dotted path, in name order.
pub type Space = BTreeMap<String, Domain>;

/// Checks every parameter of a space.
pub fn check_space(space: &Space) -> Result<()> {
    if space.is_empty() {
        bail!("the search space is empty: give at least one parameter under \"space\"");
    }
    for (name, d) in space {
        if name.is_empty() || name.split('.').any(str::is_empty) {
            bail!(
                "parameter {name:?}: expected a dotted path such as \"factors\" or \"window.fixed\""
            );
        }
        d.check(name)?;
    }
    Ok(())
}

/// Sets `path` (dotted) in a JSON object to `v`, creating objects on the way (a non-object in
/// the way is replaced).
pub fn set_path(root: &mut Value, path: &str, v: Value) {
    let mut cur = root;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let map = cur.as_object_mut().expect("made an object above");
        if parts.peek().is_none() {
            map.insert(p.to_owned(), v);
            return;
        }
        cur = map.entry(p.to_owned()).or_insert(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_in_their_domains_and_round_trip() {
        let d = Domain::Int {
            low: 16,
            high: 256,
            log: true,
        };
        let (a, b) = d.interval().unwrap();
        for i in 0..=100 {
            let x = a + (b - a) * i as f64 / 100.0;
            let v = d.value(Draw::Num(x)).as_i64().unwrap();
            assert!((16..=256).contains(&v), "{v}");
        }
        let f = Domain::Float {
            low: 0.1,
            high: 10.0,
            log: true,
        };
        let v = f.value(Draw::Num(1.0f64.ln()));
        assert_eq!(v.as_f64(), Some(1.0));
        assert_eq!(f.draw_of(&v), Some(Draw::Num(0.0)));
        let c = Domain::Choice {
            values: vec![Value::from("a"), Value::from(3)],
        };
        assert_eq!(c.value(Draw::Index(1)), Value::from(3));
        assert_eq!(c.draw_of(&Value::from("a")), Some(Draw::Index(0)));
    }

    #[test]
    fn bad_domains_are_refused_with_the_parameter_name() {
        let e = Domain::Float {
            low: 0.0,
            high: 1.0,
            log: true,
        }
        .check("alpha")
        .unwrap_err();
        assert!(e.to_string().contains("alpha"), "{e}");
        assert!(
            Domain::Int {
                low: 5,
                high: 2,
                log: false
            }
            .check("k")
            .is_err()
        );
        assert!(Domain::Choice { values: vec![] }.check("c").is_err());
        let mut s = Space::new();
        s.insert(
            "a..b".into(),
            Domain::Int {
                low: 1,
                high: 2,
                log: false,
            },
        );
        assert!(check_space(&s).is_err());
    }

    #[test]
    fn dotted_paths_build_nested_objects() {
        let mut v = serde_json::json!({"window": {"fixed": 50}, "dim": 64});
        set_path(&mut v, "window.fixed", Value::from(4));
        set_path(&mut v, "a.b.c", Value::from(true));
        assert_eq!(
            v,
            serde_json::json!({"window": {"fixed": 4}, "dim": 64, "a": {"b": {"c": true}}})
        );
    }
}
