//! Structured logs: one JSON object per line, which `wrangler tail --format
//! json` and Workers Logs index by field. They carry routes (with ids in
//! place, the templates separate), ids of lines and dialogs, statuses,
//! error codes and durations — never message text, tokens, passwords,
//! contacts or query strings.

use serde::Serialize;

#[derive(Serialize, Default)]
struct Entry<'a> {
    level: &'a str,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dialog: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

fn emit(entry: &Entry<'_>) {
    if let Ok(line) = serde_json::to_string(entry) {
        if entry.level == "error" {
            worker::console_error!("{line}");
        } else {
            worker::console_log!("{line}");
        }
    }
}

/// Where a request went: the route's template and the ids in it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Route {
    pub template: String,
    pub line: Option<String>,
    pub dialog: Option<String>,
}

/// The route of an API path, ids replaced by their names (`/api/v1/lines/
/// {line}/dialogs/{dialog}/messages`); other paths are static assets.
pub fn route(path: &str) -> Route {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return Route {
            template: "asset".into(),
            ..Route::default()
        };
    };
    if rest.starts_with("files/") {
        // Uploaded files: the key is not a route.
        return Route {
            template: "/api/v1/files/{key}".into(),
            ..Route::default()
        };
    }
    let mut out = Route::default();
    let mut template = String::from("/api/v1");
    let mut previous = "";
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        let name = match previous {
            "lines" => Some("line"),
            "dialogs" => Some("dialog"),
            "clients" => Some("client"),
            "accounts" => Some("account"),
            "departments" => Some("department"),
            "quick-answers" => Some("quick_answer"),
            "quick-answer-groups" => Some("group"),
            "notifications" if segment != "read" => Some("notification"),
            _ => None,
        };
        template.push('/');
        match name {
            Some(name) => {
                template.push('{');
                template.push_str(name);
                template.push('}');
                match name {
                    "line" => out.line = Some(segment.to_owned()),
                    "dialog" => out.dialog = Some(segment.to_owned()),
                    _ => {}
                }
            }
            None => template.push_str(segment),
        }
        previous = segment;
    }
    out.template = template;
    out
}

/// One line per request the worker answered.
pub fn request(id: &str, method: &str, route: &Route, status: u16, code: Option<&str>, ms: f64) {
    emit(&Entry {
        level: if status >= 500 { "error" } else { "info" },
        event: "request",
        request: Some(id),
        method: Some(method),
        route: Some(&route.template),
        line: route.line.as_deref(),
        dialog: route.dialog.as_deref(),
        status: Some(status),
        code,
        ms: Some((ms * 10.0).round() / 10.0),
        ..Entry::default()
    });
}

/// A failure inside an object or the worker that no request reports:
/// `object` is what failed (`line`, `dialog`, `outbox`, `storage`…),
/// `event` what it was doing, `detail` the platform's message.
pub fn error(object: &str, event: &str, line: Option<&str>, dialog: Option<&str>, detail: &str) {
    emit(&Entry {
        level: "error",
        event,
        object: Some(object),
        line,
        dialog,
        detail: Some(detail),
        ..Entry::default()
    });
}
