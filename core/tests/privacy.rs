//! GDPR: a client is erased only once their conversations are over, and
//! their ratings' words go while the scores stay.

mod sim;

use openline_core::line::Event;
use openline_core::privacy::may_erase;
use openline_core::settings::DistributionMode as Mode;
use openline_core::ErrorCode;
use sim::Sim;

#[test]
fn erasure_waits_for_the_end_of_the_conversations_and_keeps_the_scores() {
    let mut sim = Sim::with(Mode::StrictOrder, &["anna"]);
    sim.open("d1", "c1");
    sim.client_says("d1");
    sim.answer("d1", "anna");
    let open: Vec<_> = sim.line.dialogs().cloned().collect();
    let e = may_erase(&open).unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(e.message.contains("d1"));
    sim.close("d1", "anna");
    sim.ok(Event::ClientRating {
        dialog: "d1".into(),
        score: 5,
        comment: Some("Olga from Lisbon says thanks".into()),
    });
    let done: Vec<_> = sim.line.dialogs().cloned().collect();
    assert!(done[0].finished_at.is_some(), "rated: finished (R3 or T2)");
    assert!(may_erase(&done).is_ok());
    sim.line.take_changes();
    assert_eq!(sim.line.erase_rating_comments("someone-else"), 0);
    assert_eq!(sim.line.erase_rating_comments("c1"), 1);
    let rating = sim
        .line
        .dialog("d1")
        .unwrap()
        .client_rating
        .clone()
        .unwrap();
    assert_eq!((rating.score, rating.comment), (5, None));
    assert!(
        sim.line.take_changes().dialogs.contains(&"d1".to_string()),
        "the edge stores the change"
    );
    assert_eq!(
        sim.line.erase_rating_comments("c1"),
        0,
        "nothing left the second time"
    );
}
