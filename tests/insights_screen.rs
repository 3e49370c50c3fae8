//! The insights screen (`i`) through ratatui's TestBackend: retry streaks
//! ranked, Enter into a streak's cell history, and the usage figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::screens::{draw, press};

use gtm_tui::repo::Project;
use gtm_tui::synth::Workload;
use gtm_tui::tui::insights::Tab;
use gtm_tui::tui::keymap::Action;

fn check(name: &str, screen: &str) {
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![
            (r"\b[0-9a-f]{7,40}\b", "[hash]"),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[time]"),
        ],
    }, {
        insta::assert_snapshot!(name, screen);
    });
}

#[test]
fn stuck_points_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    common::workload(
        dir.path(),
        Workload {
            records: 300,
            seed: 12,
            streaks: 3,
            ..Workload::default()
        },
    );
    let project = Project::open(dir.path(), None).unwrap();
    let mut app = common::screens::loaded_app(&project);

    press(&mut app, &project, Action::Insights);
    let data = app.insights().unwrap().data.clone().unwrap();
    assert!(
        data.streaks.len() >= 2,
        "planted streaks found: {}",
        data.streaks.len()
    );
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("[Stuck]"), "{screen}");
    assert!(screen.contains(&data.streaks[0].cell_id), "{screen}");
    check("insights_stuck_80x24", &screen);

    // Usage: the figures of the whole history.
    press(&mut app, &project, Action::FocusNext);
    assert_eq!(app.insights().unwrap().tab, Tab::Usage);
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains("Record types"), "{screen}");
    assert!(
        screen.contains(&format!("{} records", app.rows.len())),
        "{screen}"
    );
    check("insights_usage_100x30", &screen);

    // Back to the streaks: Enter opens the first one's cell history.
    press(&mut app, &project, Action::FocusNext);
    press(&mut app, &project, Action::Open);
    // The cell screen goes over the list (Esc comes back to it, below).
    assert_eq!(app.screens.len(), 2);
    let cell = app.cell().expect("the cell screen");
    let runs = cell.runs.as_ref().unwrap();
    let id = &runs.lineage.cells[runs.cell].id;
    assert_eq!(id, &data.streaks[0].cell_id);
    assert!(runs.runs.len() >= data.streaks[0].runs());
    // It opens on the streak's first attempt against its last.
    let streak = &data.streaks[0];
    let commit_of = |i: usize| runs.lineage.executions[i].commit;
    let (selected, marked) = (cell.selected_exec().unwrap(), cell.mark.unwrap());
    assert_eq!(commit_of(selected), streak.last_commit);
    assert_eq!(commit_of(marked), streak.first_commit);
    assert_eq!(
        cell.pair(),
        Some((marked.min(selected), marked.max(selected)))
    );

    // Esc comes back to the streak list, on the same streak; Esc again to the timeline.
    press(&mut app, &project, Action::Back);
    assert_eq!(app.screens.len(), 1);
    assert_eq!(app.insights().unwrap().selected, 0);
    assert!(app.cell().is_none());
    press(&mut app, &project, Action::Back);
    assert!(app.screens.is_empty());

    // Figures are kept for the session: opening again reads nothing.
    let fx = app.update(Action::Insights);
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.insights().unwrap().data.is_some());
    // Enter on a run of the cell goes to its record in the timeline, past the list too.
    press(&mut app, &project, Action::Open);
    assert_eq!(app.screens.len(), 2);
    press(&mut app, &project, Action::Open);
    assert!(app.screens.is_empty(), "{}", app.screens.len());
}
