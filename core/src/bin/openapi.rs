//! Generates the schemas of `docs/openapi.json` from the types the edge
//! reads and writes, so the API description cannot drift from the code.
//!
//! `openapi --check FILE` fails (exit 1) when the file's
//! `components.schemas` differ from the generated ones, or when a `$ref`
//! in the file names a schema that does not exist; `openapi --write FILE`
//! replaces them. The paths stay written by hand (they say who may call
//! what and why a call is refused); the end-to-end test
//! `tests/e2e/openapi.test.mjs` checks real answers against both.

use openline_core::line::TransferTarget;
use openline_core::protocol::{frames, *};
use openline_core::replies::*;
use openline_core::requests::*;
use openline_core::settings::{LineSettings, SettingsView};
use openline_core::{ErrorBody, ProtocolError};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};
use std::process::ExitCode;

/// Adds `T` (and every type it uses) to the generator's definitions.
fn add<T: JsonSchema>(generator: &mut schemars::SchemaGenerator) {
    generator.subschema_for::<T>();
}

/// Every body of the HTTP API and every WebSocket frame, by its Rust type.
fn schemas() -> Map<String, Value> {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut g = settings.into_generator();
    // Errors and plain answers.
    add::<ErrorBody>(&mut g);
    add::<ProtocolError>(&mut g);
    add::<Ack>(&mut g);
    add::<Health>(&mut g);
    add::<Figures>(&mut g);
    // Accounts.
    add::<Login>(&mut g);
    add::<LoginSession>(&mut g);
    add::<NewAccount>(&mut g);
    add::<AccountPatch>(&mut g);
    add::<ProfilePatch>(&mut g);
    add::<Account>(&mut g);
    // Visitors.
    add::<StartSession>(&mut g);
    add::<Session>(&mut g);
    add::<SendMessage>(&mut g);
    add::<ChatMessage>(&mut g);
    add::<History>(&mut g);
    add::<WidgetConfig>(&mut g);
    add::<WidgetSettings>(&mut g);
    add::<RateDialog>(&mut g);
    add::<QueuePlace>(&mut g);
    add::<LeaveContacts>(&mut g);
    add::<EmailCopyRequest>(&mut g);
    add::<Queued>(&mut g);
    // Lines and their settings.
    add::<LineEntry>(&mut g);
    add::<NewLine>(&mut g);
    add::<openline_core::deployment::Deployment>(&mut g);
    add::<LineSettings>(&mut g);
    add::<SettingsView>(&mut g);
    add::<DepartmentMembers>(&mut g);
    add::<DepartmentList>(&mut g);
    // Operators and dialogs.
    add::<OperatorList>(&mut g);
    add::<PresenceUpdate>(&mut g);
    add::<WorkingDayUpdate>(&mut g);
    add::<DialogList>(&mut g);
    add::<Notifications>(&mut g);
    add::<Acknowledged>(&mut g);
    add::<Applied>(&mut g);
    add::<TransferRequest>(&mut g);
    add::<TransferTarget>(&mut g);
    add::<InviteRequest>(&mut g);
    add::<OperatorMessageRequest>(&mut g);
    add::<QuickAnswerCreate>(&mut g);
    add::<QuickAnswerList>(&mut g);
    add::<GroupRename>(&mut g);
    add::<QuickAnswersChanged>(&mut g);
    add::<ConsentLog>(&mut g);
    add::<ClientCard>(&mut g);
    add::<openline_core::client_merge::MergeRequest>(&mut g);
    add::<openline_core::client_merge::Merged>(&mut g);
    add::<openline_core::statistics::LineStatistics>(&mut g);
    add::<openline_core::leads::Lead>(&mut g);
    add::<openline_core::leads::LeadList>(&mut g);
    add::<openline_core::leads::LeadView>(&mut g);
    add::<openline_core::leads::LeadPatch>(&mut g);
    add::<openline_core::leads::LeadChanged>(&mut g);
    add::<openline_core::dialog_search::DialogPage>(&mut g);
    add::<openline_core::dialog_search::LinesPage>(&mut g);
    add::<openline_core::privacy::ClientExport>(&mut g);
    add::<openline_core::privacy::ClientErased>(&mut g);
    add::<openline_core::privacy::AuditLog>(&mut g);
    // Channels (L4, N2).
    add::<openline_core::channels::ConnectTelegram>(&mut g);
    add::<openline_core::channels::ChannelInfo>(&mut g);
    add::<openline_core::channels::ChannelList>(&mut g);
    add::<openline_core::channels::ChannelCheck>(&mut g);
    // Webhooks (issue 13): subscriptions, deliveries and the event itself.
    add::<openline_core::webhooks::WebhookDraft>(&mut g);
    add::<openline_core::webhooks::WebhookChange>(&mut g);
    add::<openline_core::webhooks::WebhookSaved>(&mut g);
    add::<openline_core::webhooks::WebhookList>(&mut g);
    add::<openline_core::webhooks::Delivery>(&mut g);
    add::<openline_core::webhooks::DeliveryLog>(&mut g);
    add::<openline_core::webhooks::HookEvent>(&mut g);
    // Chat bots (B1–B3).
    add::<openline_core::bots::BotDraft>(&mut g);
    add::<openline_core::bots::Bot>(&mut g);
    add::<openline_core::bots::BotPatch>(&mut g);
    add::<openline_core::bots::BotSaved>(&mut g);
    add::<openline_core::bots::BotList>(&mut g);
    add::<openline_core::bots::BotMessage>(&mut g);
    add::<openline_core::bots::BotActed>(&mut g);
    // External systems (C7).
    add::<ExternalMessage>(&mut g);
    // Local development.
    add::<DevSeed>(&mut g);
    add::<Mailbox>(&mut g);
    add::<PasswordCost>(&mut g);
    // WebSocket frames (not HTTP bodies, described here all the same).
    add::<frames::VisitorFrame>(&mut g);
    add::<frames::VisitorEvent>(&mut g);
    add::<frames::OperatorFrame>(&mut g);
    add::<frames::OperatorEvent>(&mut g);
    g.take_definitions(true)
        .into_iter()
        .collect::<Map<String, Value>>()
}

/// Every `#/components/schemas/NAME` the document refers to that it lacks.
fn dangling(doc: &Value, schemas: &Map<String, Value>, out: &mut Vec<String>) {
    match doc {
        Value::Object(m) => {
            for (k, v) in m {
                if let (true, Some(target)) = (k == "$ref", v.as_str()) {
                    if let Some(name) = target.strip_prefix("#/components/schemas/") {
                        if !schemas.contains_key(name) {
                            out.push(name.to_owned());
                        }
                    }
                }
                dangling(v, schemas, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| dangling(v, schemas, out)),
        _ => {}
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path) = match args.as_slice() {
        [m, p] if m == "--check" || m == "--write" => (m.as_str(), p.as_str()),
        _ => {
            eprintln!("usage: openapi --check|--write docs/openapi.json");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("openapi: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut doc: Value = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("openapi: {path} is not JSON: {e}");
            return ExitCode::from(2);
        }
    };
    let generated = schemas();
    let mut missing = Vec::new();
    let mut paths_and_rest = doc.clone();
    if let Some(c) = paths_and_rest
        .get_mut("components")
        .and_then(Value::as_object_mut)
    {
        c.remove("schemas");
    }
    dangling(&paths_and_rest, &generated, &mut missing);
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        eprintln!(
            "openapi: {path} refers to schemas no Rust type generates: {}",
            missing.join(", ")
        );
        return ExitCode::FAILURE;
    }
    let current = doc.pointer("/components/schemas").cloned();
    if mode == "--check" {
        if current.as_ref() == Some(&Value::Object(generated.clone())) {
            println!(
                "openapi: {path} matches the Rust types ({} schemas)",
                generated.len()
            );
            return ExitCode::SUCCESS;
        }
        let old = current
            .as_ref()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, schema) in &generated {
            match old.get(name) {
                None => eprintln!("  missing from the file: {name}"),
                Some(s) if s != schema => eprintln!("  differs: {name}"),
                _ => {}
            }
        }
        for name in old.keys().filter(|n| !generated.contains_key(*n)) {
            eprintln!("  no Rust type generates: {name}");
        }
        eprintln!("openapi: {path} is out of date with the Rust types; run `make openapi`");
        return ExitCode::FAILURE;
    }
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        eprintln!("openapi: {path} has no `components` object");
        return ExitCode::from(2);
    };
    components.insert("schemas".into(), Value::Object(generated));
    let mut out = match serde_json::to_string_pretty(&doc) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("openapi: cannot serialise: {e}");
            return ExitCode::from(2);
        }
    };
    out.push('\n');
    if let Err(e) = std::fs::write(path, out) {
        eprintln!("openapi: cannot write {path}: {e}");
        return ExitCode::from(2);
    }
    println!("openapi: wrote {path}");
    ExitCode::SUCCESS
}
