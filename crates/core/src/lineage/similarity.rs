//! How alike two sources are, for lineage: [`crate::notebook::similarity`],
//! the rule the notebook diff pairs cells by too.

use super::*;

/// How alike two sources are, 0 to 1: exact from [`align::GAP_SIMILARITY`]
/// (the lowest threshold lineage compares with) up, a bound below it.
pub fn ratio(a: &str, b: &str) -> f32 {
    crate::notebook::ratio(a, b, align::GAP_SIMILARITY)
}
