//! Names of record types, detail types and actions, by their stored numbers.
//!
//! Each kind is read once, where a record is parsed; a number the client
//! never wrote is kept as `Unknown(n)`, so that it is written back and
//! shown as it was stored.

use std::borrow::Cow;
use std::fmt;

/// Declares a kind: its known cases by stored number (in order, from 0),
/// their names, and `Unknown(n)` for any other number.
macro_rules! kind {
    ($(#[$doc:meta])* $name:ident, $names:ident: $($case:ident = $text:literal),+ $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($case,)+
            /// A number no known case has, as stored.
            Unknown(i64),
        }

        /// Names of the known cases, by stored number.
        pub const $names: [&str; [$($text),+].len()] = [$($text),+];

        impl $name {
            /// The known cases, by stored number.
            pub const ALL: [$name; $names.len()] = [$($name::$case),+];

            /// The kind a stored number stands for.
            pub fn from_id(id: i64) -> Self {
                usize::try_from(id)
                    .ok()
                    .and_then(|i| Self::ALL.get(i).copied())
                    .unwrap_or($name::Unknown(id))
            }

            /// The stored number (exactly as read, for an unknown kind).
            pub fn id(self) -> i64 {
                match self {
                    $name::Unknown(n) => n,
                    known => Self::ALL.iter().position(|&k| k == known).map_or(-1, |i| i as i64),
                }
            }

            /// The name of a known kind; `None` for an unknown number.
            pub fn known_name(self) -> Option<&'static str> {
                let i = Self::ALL.iter().position(|&k| k == self)?;
                $names.get(i).copied()
            }

            pub fn is_known(self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// The name, or `unknown(N)` for a number no known case has.
            pub fn name(self) -> Cow<'static, str> {
                match self.known_name() {
                    Some(n) => Cow::Borrowed(n),
                    None => Cow::Owned(format!("unknown({})", self.id())),
                }
            }

            /// The known kind of this name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|k| k.known_name() == Some(name))
            }
        }

        /// Number 0, which a record missing its metadata has always read as.
        impl Default for $name {
            fn default() -> Self {
                Self::from_id(0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.name())
            }
        }
    };
}

kind!(
    /// Record type (`metadata.type`).
    RecordKind, RECORD_NAMES:
    Note = "note",
    Environment = "environment",
    Code = "code",
    InputData = "input_data",
    OutputData = "output_data",
    Milestone = "milestone",
    Branch = "branch",
    Labbook = "labbook",
    Dataset = "dataset",
);

kind!(
    /// Detail type (first field of a detail line, `t` in the stored object).
    DetailKind, DETAIL_NAMES:
    Environment = "environment",
    OutputData = "output_data",
    Result = "result",
    CodeExecuted = "code_executed",
    Code = "code",
    InputData = "input_data",
    Labbook = "labbook",
    Note = "note",
    Dataset = "dataset",
);

kind!(
    /// What a detail did (fifth field of a detail line, `n` in the stored object).
    ActionKind, ACTION_NAMES:
    None = "none",
    Create = "create",
    Edit = "edit",
    Delete = "delete",
    Execute = "execute",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_map_to_names_both_ways() {
        assert_eq!(RecordKind::from_id(2), RecordKind::Code);
        assert_eq!(RecordKind::from_id(7).name(), "labbook");
        assert_eq!(RecordKind::from_id(9), RecordKind::Unknown(9));
        assert_eq!(RecordKind::from_id(-1), RecordKind::Unknown(-1));
        assert_eq!(DetailKind::from_id(3).name(), "code_executed");
        assert_eq!(DetailKind::from_id(2).name(), "result");
        assert_eq!(ActionKind::from_id(4).name(), "execute");
        assert_eq!(ActionKind::from_id(5), ActionKind::Unknown(5));
        assert_eq!(RecordKind::from_id(12).name(), "unknown(12)");
        assert_eq!(RecordKind::from_id(12).known_name(), None);
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::from_name(&k.name()), Some(k));
            assert_eq!(RecordKind::from_id(k.id()), k);
        }
    }

    #[test]
    fn unknown_numbers_round_trip_exactly() {
        for n in [-1, 9, 255, 300, i64::MIN, i64::MAX] {
            let k = RecordKind::from_id(n);
            assert!(!k.is_known());
            assert_eq!(k.id(), n);
            assert_eq!(k.to_string(), format!("unknown({n})"));
            assert_eq!(DetailKind::from_id(n).id(), n);
            assert_eq!(ActionKind::from_id(n).id(), n);
        }
        assert_eq!(RecordKind::from_name("unknown(12)"), None);
    }
}
