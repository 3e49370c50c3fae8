//! Names of record types, detail types and actions, by their stored numbers.

/// Record type (`metadata.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Note,
    Environment,
    Code,
    InputData,
    OutputData,
    Milestone,
    Branch,
    Labbook,
    Dataset,
}

/// Record type names by stored number.
pub const RECORD_NAMES: [&str; 9] = [
    "note",
    "environment",
    "code",
    "input_data",
    "output_data",
    "milestone",
    "branch",
    "labbook",
    "dataset",
];

impl RecordKind {
    pub const ALL: [RecordKind; 9] = [
        RecordKind::Note,
        RecordKind::Environment,
        RecordKind::Code,
        RecordKind::InputData,
        RecordKind::OutputData,
        RecordKind::Milestone,
        RecordKind::Branch,
        RecordKind::Labbook,
        RecordKind::Dataset,
    ];

    /// The kind for a stored number, `None` when the number is not a known type.
    pub fn from_id(id: i64) -> Option<Self> {
        usize::try_from(id)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        RECORD_NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Detail type (first field of a detail line, `t` in the stored object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DetailKind {
    Environment,
    OutputData,
    Result,
    CodeExecuted,
    Code,
    InputData,
    Labbook,
    Note,
    Dataset,
}

const DETAIL_NAMES: [&str; 9] = [
    "environment",
    "output_data",
    "result",
    "code_executed",
    "code",
    "input_data",
    "labbook",
    "note",
    "dataset",
];

impl DetailKind {
    pub const ALL: [DetailKind; 9] = [
        DetailKind::Environment,
        DetailKind::OutputData,
        DetailKind::Result,
        DetailKind::CodeExecuted,
        DetailKind::Code,
        DetailKind::InputData,
        DetailKind::Labbook,
        DetailKind::Note,
        DetailKind::Dataset,
    ];

    pub fn from_id(id: i64) -> Option<Self> {
        usize::try_from(id)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        DETAIL_NAMES[self as usize]
    }
}

/// What a detail did (fifth field of a detail line, `n` in the stored object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    None,
    Create,
    Edit,
    Delete,
    Execute,
}

const ACTION_NAMES: [&str; 5] = ["none", "create", "edit", "delete", "execute"];

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::None,
        ActionKind::Create,
        ActionKind::Edit,
        ActionKind::Delete,
        ActionKind::Execute,
    ];

    pub fn from_id(id: i64) -> Option<Self> {
        usize::try_from(id)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        ACTION_NAMES[self as usize]
    }
}

/// The name for a stored number, or `unknown(N)`.
pub fn record_name(id: i64) -> String {
    RecordKind::from_id(id).map_or_else(|| format!("unknown({id})"), |k| k.name().to_string())
}

pub fn detail_name(id: i64) -> String {
    DetailKind::from_id(id).map_or_else(|| format!("unknown({id})"), |k| k.name().to_string())
}

pub fn action_name(id: i64) -> String {
    ActionKind::from_id(id).map_or_else(|| format!("unknown({id})"), |k| k.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_map_to_names_both_ways() {
        assert_eq!(RecordKind::from_id(2), Some(RecordKind::Code));
        assert_eq!(
            RecordKind::from_id(7).map(RecordKind::name),
            Some("labbook")
        );
        assert_eq!(RecordKind::from_id(9), None);
        assert_eq!(RecordKind::from_id(-1), None);
        assert_eq!(
            DetailKind::from_id(3).map(DetailKind::name),
            Some("code_executed")
        );
        assert_eq!(DetailKind::from_id(2).map(DetailKind::name), Some("result"));
        assert_eq!(
            ActionKind::from_id(4).map(ActionKind::name),
            Some("execute")
        );
        assert_eq!(ActionKind::from_id(5), None);
        assert_eq!(record_name(12), "unknown(12)");
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::from_name(k.name()), Some(k));
            assert_eq!(RecordKind::from_id(i64::from(k.id())), Some(k));
        }
    }
}
