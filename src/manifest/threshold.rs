//! A data test's `warn_if` / `error_if`: dbt's threshold conditions on the number of failing
//! rows (`!=0`, `>10`, `>=5`, `<3`, `=0`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
}

/// A parsed threshold condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Threshold {
    op: Op,
    value: u64,
}

impl Threshold {
    /// The condition written in `expr` (spaces allowed); None when mozt cannot read it.
    pub(crate) fn parse(expr: &str) -> Option<Threshold> {
        let e = expr.replace(' ', "");
        const OPS: &[(&str, Op)] = &[
            ("!=", Op::Ne),
            ("<>", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ];
        let (op, rest) = OPS
            .iter()
            .find_map(|(text, op)| e.strip_prefix(text).map(|rest| (*op, rest)))?;
        Some(Threshold {
            op,
            value: rest.parse().ok()?,
        })
    }

    /// Whether `n` failing rows meet the condition.
    pub(crate) fn holds(self, n: u64) -> bool {
        let k = self.value;
        match self.op {
            Op::Ne => n != k,
            Op::Ge => n >= k,
            Op::Le => n <= k,
            Op::Gt => n > k,
            Op::Lt => n < k,
            Op::Eq => n == k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Threshold;

    fn condition(expr: &str, n: u64) -> bool {
        Threshold::parse(expr).is_some_and(|t| t.holds(n))
    }

    #[test]
    fn thresholds() {
        assert!(condition("!=0", 1));
        assert!(!condition("!=0", 0));
        assert!(condition(">10", 11));
        assert!(!condition("> 10", 10));
        assert!(condition(">=10", 10));
        assert!(condition("<>3", 2));
        assert!(Threshold::parse("= 0").is_some());
        assert!(Threshold::parse("lots").is_none());
        assert!(Threshold::parse(">x").is_none());
    }
}
