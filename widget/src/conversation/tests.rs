//! Native tests of the conversation's logic (`cargo test -p openline-widget`).

use super::*;
use crate::i18n;

fn message(seq: u64, client_id: &str, author: Author, text: &str) -> ChatMessage {
    ChatMessage {
        seq,
        client_id: client_id.into(),
        author,
        text: text.into(),
        at: 0,
        hidden: false,
        kind: None,
        attachment: None,
        quick_replies: Vec::new(),
    }
}

fn operator(name: Option<&str>) -> Author {
    Author::Operator {
        name: name.map(Into::into),
    }
}

fn system(seq: u64, kind: &str) -> ChatMessage {
    ChatMessage {
        kind: Some(kind.into()),
        ..message(seq, &format!("sys-{seq}"), Author::System, kind)
    }
}

fn outgoing(client_id: &str, text: &str) -> SendMessage {
    SendMessage {
        client_id: client_id.into(),
        text: text.into(),
    }
}

fn seqs(rows: &[Row]) -> Vec<Option<u64>> {
    rows.iter().map(|r| r.seq).collect()
}

fn ids(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.client_id.as_str()).collect()
}

#[test]
fn merge_keeps_sequence_order_whatever_the_arrival_order() {
    let mut rows = Vec::new();
    for seq in [3, 1, 4, 2, 5] {
        merge(
            &mut rows,
            message(seq, &format!("c{seq}"), operator(None), "hi"),
        );
    }
    assert_eq!(seqs(&rows), [1, 2, 3, 4, 5].map(Some));
    assert!(rows.iter().all(|r| r.delivery == Delivery::Sent));
}

#[test]
fn merge_shows_a_replayed_message_once() {
    // A resumed socket replays what the history already listed.
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "a", Author::Visitor, "hello"));
    merge(&mut rows, message(2, "b", operator(Some("Anna")), "hi"));
    merge(&mut rows, message(1, "a", Author::Visitor, "hello"));
    assert_eq!(ids(&rows), ["a", "b"]);
    assert_eq!(seqs(&rows), [Some(1), Some(2)]);
}

#[test]
fn the_echo_of_a_pending_message_confirms_its_row() {
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "op-1", operator(None), "Welcome"));
    rows.push(Row::pending("w1".into(), "Do you ship?".into()));
    merge(&mut rows, message(2, "w1", Author::Visitor, "Do you ship?"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].client_id, "w1");
    assert_eq!(rows[1].seq, Some(2));
    assert_eq!(rows[1].delivery, Delivery::Sent);
}

#[test]
fn confirmed_messages_go_before_the_ones_still_pending() {
    let mut rows = vec![
        Row::pending("w1".into(), "first".into()),
        Row::pending("w2".into(), "second".into()),
    ];
    // An operator reply arrives while both are still on their way.
    merge(&mut rows, message(1, "op-1", operator(None), "reply"));
    assert_eq!(ids(&rows), ["op-1", "w1", "w2"]);
    // The second is confirmed first: it moves before the pending one.
    merge(&mut rows, message(2, "w2", Author::Visitor, "second"));
    assert_eq!(ids(&rows), ["op-1", "w2", "w1"]);
    assert_eq!(seqs(&rows), [Some(1), Some(2), None]);
    assert_eq!(rows[2].delivery, Delivery::Sending);
}

#[test]
fn the_outbox_shows_as_pending_rows_once() {
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "w1", Author::Visitor, "stored"));
    let outbox = vec![
        // Stored already (the answer was lost): not shown twice.
        outgoing("w1", "stored"),
        outgoing("w2", "written offline"),
    ];
    show_outbox(&mut rows, outbox.clone());
    show_outbox(&mut rows, outbox);
    assert_eq!(ids(&rows), ["w1", "w2"]);
    assert_eq!(rows[1], Row::pending("w2".into(), "written offline".into()));
    assert_eq!(rows[1].author, Author::Visitor);
}

#[test]
fn the_outbox_keeps_a_message_until_the_edge_answers_for_it() {
    let outbox = vec![
        outgoing("w1", "a"),
        outgoing("w2", "b"),
        outgoing("w3", "c"),
    ];
    let outbox = without(outbox, "w2");
    assert_eq!(outbox, [outgoing("w1", "a"), outgoing("w3", "c")]);
    // Unknown ids (answered in another tab) change nothing.
    assert_eq!(without(outbox.clone(), "w9"), outbox);
    assert!(without(vec![outgoing("w1", "a")], "w1").is_empty());
}

#[test]
fn a_failed_send_marks_only_its_row() {
    let mut rows = vec![
        Row::pending("w1".into(), "a".into()),
        Row::pending("w2".into(), "b".into()),
    ];
    mark_failed(&mut rows, "w2");
    mark_failed(&mut rows, "gone");
    assert_eq!(rows[0].delivery, Delivery::Sending);
    assert_eq!(rows[1].delivery, Delivery::Failed);
    // Confirmed later after all (a retry): sent.
    merge(&mut rows, message(1, "w2", Author::Visitor, "b"));
    assert_eq!(rows[0].client_id, "w2");
    assert_eq!(rows[0].delivery, Delivery::Sent);
}

#[test]
fn only_refusals_for_good_drop_a_message_from_the_outbox() {
    assert!(refused_for_good(Some(400)));
    assert!(refused_for_good(Some(413)));
    assert!(refused_for_good(Some(499)));
    // Retried: the network, rate limits, the edge's own trouble, and an
    // unreadable success.
    assert!(!refused_for_good(None));
    assert!(!refused_for_good(Some(429)));
    assert!(!refused_for_good(Some(500)));
    assert!(!refused_for_good(Some(503)));
    assert!(!refused_for_good(Some(200)));
}

#[test]
fn the_socket_resumes_after_the_last_sequence_number() {
    assert_eq!(last_seq(&[]), 0);
    let mut rows = Vec::new();
    merge(&mut rows, message(4, "a", operator(None), "x"));
    merge(&mut rows, message(7, "b", Author::Visitor, "y"));
    rows.push(Row::pending("w1".into(), "z".into()));
    assert_eq!(last_seq(&rows), 7);
}

#[test]
fn only_newer_messages_are_fresh() {
    let seen = Cell::new(3);
    assert!(!advance(&seen, 2));
    assert!(!advance(&seen, 3));
    assert_eq!(seen.get(), 3);
    assert!(advance(&seen, 5));
    assert_eq!(seen.get(), 5);
    assert!(!advance(&seen, 4));
    assert_eq!(seen.get(), 5);
}

#[test]
fn the_visitor_waits_when_their_stored_message_is_the_last_word() {
    let mut rows = Vec::new();
    assert!(!waiting_for_reply(&rows));
    rows.push(Row::pending("w1".into(), "hello?".into()));
    // Not stored yet: nobody can be waiting for it.
    assert!(!waiting_for_reply(&rows));
    merge(&mut rows, message(1, "w1", Author::Visitor, "hello?"));
    assert!(waiting_for_reply(&rows));
    // System notices do not answer.
    merge(&mut rows, system(2, "closed"));
    assert!(waiting_for_reply(&rows));
    merge(&mut rows, message(3, "op-1", operator(Some("Anna")), "hi"));
    assert!(!waiting_for_reply(&rows));
}

#[test]
fn a_rating_request_shows_as_the_form_not_as_a_row() {
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "op-1", operator(None), "bye"));
    assert!(!asks_rating(&rows));
    merge(&mut rows, system(2, "rating_request"));
    merge(&mut rows, system(3, "reopened"));
    merge(&mut rows, system(4, "closed"));
    assert!(asks_rating(&rows));
    let listed: Vec<_> = rows.iter().filter(|r| r.shown()).map(|r| r.seq).collect();
    assert_eq!(listed, [Some(1), Some(4)]);
}

#[test]
fn a_close_ends_the_conversation_until_it_is_reopened() {
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "op-1", operator(None), "bye"));
    assert!(!ended(&rows));
    merge(&mut rows, system(2, "closed"));
    assert!(ended(&rows));
    merge(&mut rows, system(3, "rating_request"));
    assert!(
        ended(&rows),
        "a rating request after the close changes nothing"
    );
    merge(&mut rows, system(4, "reopened"));
    assert!(!ended(&rows));
}

#[test]
fn rows_are_styled_by_author_and_delivery() {
    let visitor = Row::pending("w1".into(), "a".into());
    assert_eq!(visitor.class(), "ol-msg ol-from-visitor");
    let op = Row::from(message(1, "o", operator(Some("Anna")), "b"));
    assert_eq!(op.class(), "ol-msg ol-from-operator");
    assert_eq!(Row::from(system(2, "closed")).class(), "ol-msg ol-system");
    let names = [Delivery::Sending, Delivery::Sent, Delivery::Failed].map(Delivery::name);
    assert_eq!(names, ["sending", "sent", "failed"]);
    let marks = [Delivery::Sending, Delivery::Sent, Delivery::Failed].map(Delivery::mark);
    assert_eq!(marks, ["…", "✓", "!"]);
}

#[test]
fn only_a_resume_that_finds_nothing_waits_or_starts_anew() {
    assert_eq!(start_failed(Some(204), true, false), StartFailed::Wait);
    assert_eq!(start_failed(Some(204), true, true), StartFailed::StartNew);
    // An unknown line is a failure, even when only resuming.
    assert_eq!(start_failed(Some(404), true, true), StartFailed::Fail);
    // Opening a dialog that fails, or any other failure, is reported.
    assert_eq!(start_failed(Some(204), false, true), StartFailed::Fail);
    assert_eq!(start_failed(None, true, true), StartFailed::Fail);
    assert_eq!(start_failed(Some(500), true, false), StartFailed::Fail);
    assert_eq!(start_failed(Some(403), true, true), StartFailed::Fail);
}

#[test]
fn the_contact_block_is_offered_once() {
    let mut c = Contacts::Hidden;
    c.ask(FormKind::Greeting);
    c.ask(FormKind::Busy);
    assert_eq!(c, Contacts::Asking(FormKind::Greeting));
    for answered in [Contacts::Saved, Contacts::Dismissed] {
        let mut c = answered;
        c.ask(FormKind::AfterClose);
        assert_eq!(c, answered);
    }
}

#[test]
fn f5_each_case_has_its_form_or_none_and_its_own_sentence() {
    let phone = Form {
        text: "Leave your phone".into(),
        fields: PHONE,
    };
    let forms: Forms = [None, None, Some(phone.clone()), None];
    assert_eq!(FormKind::Offline.case(&forms), Some(&phone));
    assert!(FormKind::Busy.case(&forms).is_none());
    let en = i18n::texts("en");
    assert_eq!(FormKind::Busy.prompt(en), en.busy_prompt);
    assert_eq!(FormKind::AfterClose.prompt(en), en.after_close_prompt);
}

#[test]
fn the_greeting_asks_for_contacts_only_before_the_visitor_writes() {
    let mut rows = Vec::new();
    assert!(greeting_may_ask_contacts(&rows));
    merge(
        &mut rows,
        message(1, "op-1", operator(Some("Anna")), "Hello"),
    );
    merge(&mut rows, system(2, "queued"));
    assert!(
        greeting_may_ask_contacts(&rows),
        "others' rows do not count"
    );
    rows.push(Row::pending("c1".into(), "Hi".into()));
    assert!(
        !greeting_may_ask_contacts(&rows),
        "a pending message counts"
    );
    merge(&mut rows, message(3, "c1", Author::Visitor, "Hi"));
    assert!(!greeting_may_ask_contacts(&rows));
}

#[test]
fn blank_drafts_and_comments_are_not_sent() {
    assert_eq!(trimmed("  Do you ship?\n"), Some("Do you ship?".into()));
    assert_eq!(trimmed(" \n\t "), None);
    assert_eq!(trimmed(""), None);
}

#[test]
fn typing_previews_go_out_at_most_once_a_second() {
    assert!(typing_due(1_000.5, 0.0));
    assert!(!typing_due(1_000.0, 0.0));
    assert!(!typing_due(5_500.0, 5_000.0));
}

#[test]
fn texts_for_typing_and_the_queue() {
    let en = i18n::texts("en");
    assert_eq!(typing_text("Anna", en), "Anna is typing…");
    assert_eq!(typing_text("", en), "The operator is typing…");
    let q = |position, estimate_ms| QueueInfo {
        position,
        estimate_ms,
    };
    assert_eq!(
        queue_text(&q(2, None), en),
        "You are number 2 in the queue."
    );
    assert_eq!(
        queue_text(&q(2, Some(120_001)), en),
        "You are number 2 in the queue. Expected wait: about 3 min."
    );
    // Under a minute, or a nonsense estimate, still reads "1 min".
    assert!(queue_text(&q(1, Some(5_000)), en).ends_with("about 1 min."));
    assert!(queue_text(&q(1, Some(-9)), en).ends_with("about 1 min."));
    assert_eq!(
        queue_text(&q(3, Some(60_000)), i18n::texts("ru-RU")),
        "Вы 3-й в очереди. Ожидание: около 1 мин."
    );
}

#[test]
fn the_line_fixes_the_operator_card_or_leaves_it_live() {
    assert_eq!(presented_card(None), None);
    assert_eq!(presented_card(Some(&Presentation::Own)), None);
    assert_eq!(presented_card(Some(&Presentation::Hidden)), Some(None));
    let replacement = Presentation::Replacement {
        name: "Support".into(),
        avatar: Some("/a.png".into()),
        position: None,
    };
    assert_eq!(
        presented_card(Some(&replacement)),
        Some(Some(OperatorCard {
            name: "Support".into(),
            avatar: Some("/a.png".into()),
            position: None,
        }))
    );
}

#[test]
fn a_named_reply_updates_the_card_only_when_the_name_changes() {
    let anna = named_operator(&operator(Some("Anna")), None);
    assert_eq!(anna.as_ref().map(|c| c.name.as_str()), Some("Anna"));
    let with_avatar = OperatorCard {
        name: "Anna".into(),
        avatar: Some("https://x/a.png".into()),
        position: Some("Support".into()),
    };
    // Same name: the richer card stays.
    assert_eq!(
        named_operator(&operator(Some("Anna")), Some(&with_avatar)),
        None
    );
    assert_eq!(
        named_operator(&operator(Some("Boris")), Some(&with_avatar)),
        Some(OperatorCard {
            name: "Boris".into(),
            avatar: None,
            position: None,
        })
    );
    assert_eq!(named_operator(&operator(None), None), None);
    assert_eq!(named_operator(&Author::Visitor, None), None);
}

#[test]
fn avatars_load_only_over_https_or_from_the_edge() {
    const EDGE: &str = "https://chat.example";
    assert_eq!(
        shown_avatar(Some("https://cdn/a.png".into()), EDGE).as_deref(),
        Some("https://cdn/a.png")
    );
    // A path is the edge's, not the host page's.
    assert_eq!(
        shown_avatar(Some("/api/v1/files/avatars/a/b.png".into()), EDGE).as_deref(),
        Some("https://chat.example/api/v1/files/avatars/a/b.png")
    );
    assert_eq!(
        shown_avatar(Some("//evil.example/a.png".into()), EDGE),
        None
    );
    assert_eq!(shown_avatar(Some("http://cdn/a.png".into()), EDGE), None);
    assert_eq!(shown_avatar(Some("javascript:alert(1)".into()), EDGE), None);
    assert_eq!(shown_avatar(None, EDGE), None);
}

#[test]
fn initials_stand_in_for_a_missing_avatar() {
    assert_eq!(initials("Anna Petrova"), "AP");
    assert_eq!(initials("  anna  "), "A");
    assert_eq!(initials("Анна Петровна Иванова"), "АП");
    assert_eq!(initials("<b>team</b> (support)"), "BS");
    assert_eq!(initials(""), "");
}

#[test]
fn availability_says_online_and_the_usual_reply_in_whole_minutes() {
    let en = i18n::texts("en");
    assert_eq!(availability_text(None, Some(90), en), None);
    assert_eq!(
        availability_text(Some(true), None, en).as_deref(),
        Some("Online now")
    );
    assert_eq!(
        availability_text(Some(true), Some(121), en).as_deref(),
        Some("Online now · we usually reply in 3 min")
    );
    assert_eq!(
        availability_text(Some(true), Some(5), en).as_deref(),
        Some("Online now · we usually reply in 1 min")
    );
    assert_eq!(
        availability_text(Some(false), Some(60), i18n::texts("ru")).as_deref(),
        Some("Сейчас никого нет. Оставьте сообщение, и мы ответим.")
    );
}

#[test]
fn a_file_too_big_or_refused_is_said_in_words() {
    let en = i18n::texts("en");
    let rules = AttachmentRules {
        max_bytes: 2 * 1024 * 1024,
        ..AttachmentRules::default()
    };
    assert_eq!(file_refused(1000.0, &rules, en), None);
    assert_eq!(
        file_refused(3e6, &rules, en).as_deref(),
        Some("This file is too big: at most 2 MB.")
    );
    let off = AttachmentRules {
        enabled: false,
        ..rules.clone()
    };
    assert_eq!(file_refused(1.0, &off, en).as_deref(), Some(en.files_off));
    assert_eq!(
        file_refusal(Some(415), &rules, en).as_deref(),
        Some(en.file_kind)
    );
    assert_eq!(
        file_refusal(Some(413), &rules, en).as_deref(),
        Some("This file is too big: at most 2 MB.")
    );
    assert_eq!(file_refusal(Some(500), &rules, en), None);
    assert_eq!(file_refusal(None, &rules, en), None);
}

#[test]
fn the_visitors_messages_up_to_the_operators_mark_are_seen_and_only_those() {
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "v1", Author::Visitor, "hello"));
    merge(&mut rows, message(2, "o1", operator(Some("Anna")), "hi"));
    merge(&mut rows, message(3, "v2", Author::Visitor, "my order"));
    rows.push(Row::pending("v3".into(), "still sending".into()));
    mark_seen(&mut rows, 2);
    let marks: Vec<Delivery> = rows.iter().map(|r| r.delivery).collect();
    assert_eq!(
        marks,
        [
            Delivery::Seen,
            Delivery::Sent,
            Delivery::Sent,
            Delivery::Sending
        ],
        "the operator's own reply carries no mark; 3 is after the mark"
    );
    // A resend's echo replaces the row; the next marking sees it again.
    merge(&mut rows, message(1, "v1", Author::Visitor, "hello"));
    assert_eq!(rows[0].delivery, Delivery::Sent);
    mark_seen(&mut rows, 3);
    assert_eq!(rows[0].delivery, Delivery::Seen);
    assert_eq!(rows[2].delivery, Delivery::Seen);
    assert_eq!(rows[3].delivery, Delivery::Sending);
}

#[test]
fn a_bots_quick_replies_are_on_offer_only_while_its_message_is_the_last_word() {
    let mut offer = message(2, "b1", operator(Some("FAQ bot")), "What about?");
    offer.quick_replies = vec!["Delivery".into(), "Returns".into()];
    let mut rows = Vec::new();
    merge(&mut rows, message(1, "v1", Author::Visitor, "hello"));
    assert!(offered_replies(&rows).is_empty());
    merge(&mut rows, offer);
    assert_eq!(offered_replies(&rows), ["Delivery", "Returns"]);
    // The visitor answers (a pick is a message like any other): gone, even
    // while it is still being sent.
    rows.push(Row::pending("v2".into(), "Delivery".into()));
    assert!(offered_replies(&rows).is_empty());
    merge(&mut rows, message(3, "v2", Author::Visitor, "Delivery"));
    assert!(offered_replies(&rows).is_empty());
    merge(
        &mut rows,
        message(4, "b2", operator(Some("FAQ bot")), "Two days."),
    );
    assert!(
        offered_replies(&rows).is_empty(),
        "a later message offers its own"
    );
}
