//! A line's settings (PRODUCT.md L, Q, T, R, K, B, O, F, H, A), validated as a
//! whole: every error names the field so the console can point at it.

use crate::hours::WorkingHours;
use crate::{Millis, MINUTE};
use serde::{Deserialize, Serialize};

/// Q2: how new dialogs are spread over the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DistributionMode {
    /// The eligible operator with the fewest counted dialogs; ties go to the
    /// one whose last assignment is oldest (never assigned first), then to
    /// queue order.
    Evenly,
    /// The first eligible operator in queue order; on timeout the next one.
    StrictOrder,
    /// Offered to every eligible operator at once; the first to accept wins.
    AllAtOnce,
}

/// Q5: which dialogs do *not* count towards an operator's concurrent limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LimitExclusion {
    /// Dialogs answered at least once (and closed ones) do not count.
    Answered,
    /// Dialogs where the operator answered last and awaits the client (and
    /// closed ones) do not count.
    WaitingForClient,
    /// Only closed dialogs (and those waiting for a rating) do not count.
    Closed,
}

/// Q1: one entry of the queue, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum QueueEntry {
    Operator(String),
    Department(String),
}

/// Q5 as configured: a limit and what it does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConcurrencyLimit {
    pub max: u32,
    pub exclude: LimitExclusion,
}

/// B1/B2: a chat bot in front of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BotSettings {
    pub bot: String,
    /// B1: only a client's first conversation, or every new one.
    pub first_dialog_only: bool,
    /// B2: the bot hands the dialog to the queue after this long.
    pub handoff_after_ms: Millis,
}

/// F4/H4 by e-mail (issue 13, part 5): a client who writes, or leaves
/// contacts, while nobody can answer is told to the line's operators — in
/// the console's notices, and by e-mail to those whose login is an address,
/// or to `mail_to` instead (a shared inbox) when it is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AwayNotice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_to: Option<String>,
}

/// K1/K2: one indicator's deadline and whom to notify when it is missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Kpi {
    pub within_ms: Millis,
    #[serde(default)]
    pub notify: Vec<String>,
}

/// T3: what happens once the client has been silent for `after_ms` after
/// an operator's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AutoClose {
    pub after_ms: Millis,
    /// The closing message (only for [`SilenceAction::CloseWithMessage`];
    /// empty: the line's T4 closing message).
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub action: SilenceAction,
}

/// T3's chosen action. Settings stored before the choice existed close with
/// their message, as they always did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SilenceAction {
    /// Close, telling the client `message` (then T4's rating request).
    #[default]
    CloseWithMessage,
    /// Close without a word to the client (T4's rating request still goes).
    CloseSilently,
    /// Take the dialog from its operator and route it again, as if new: the
    /// operator's slot is freed and the next free operator picks it up.
    ReturnToQueue,
}

/// O1: how operators are shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Presentation {
    /// The employee's own name, avatar and position.
    Own,
    /// Replacement data entered for this line.
    Replacement {
        name: String,
        #[serde(default)]
        avatar: Option<String>,
        #[serde(default)]
        position: Option<String>,
    },
    /// No operator data at all.
    Hidden,
}

impl Presentation {
    /// O2: switching the mode starts from empty fields.
    pub fn switch_to(&self, mode: &str) -> Presentation {
        match mode {
            "replacement" => Presentation::Replacement {
                name: String::new(),
                avatar: None,
                position: None,
            },
            "hidden" => Presentation::Hidden,
            _ => Presentation::Own,
        }
    }
}

/// A1: the consent text clients accept before sending personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentText {
    /// Raised on every edit, so each recorded consent names the text it was.
    pub version: u32,
    pub text: String,
}

/// F1–F6 texts and forms of the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetTexts {
    /// F6: wins over the line name on the visitor's side.
    #[serde(default)]
    pub title: Option<String>,
    /// F1.
    pub greeting: String,
    /// F2: seconds after the greeting before the contact block shows; None hides it.
    #[serde(default)]
    pub contact_request_after_s: Option<u32>,
    /// F3: offer "send me a copy of this chat".
    #[serde(default = "yes")]
    pub email_copy: bool,
    /// F4/F5: show the "leave your contacts" form when every operator is busy.
    #[serde(default = "yes")]
    pub busy_form: bool,
    /// H3: hide the widget outside working hours (otherwise H4 offline notice).
    #[serde(default)]
    pub only_during_working_hours: bool,
    /// W1: tell visitors that operators may see their typing.
    #[serde(default = "yes")]
    pub typing_preview: bool,
    /// How the launcher looks on the site.
    #[serde(default)]
    pub launcher: Launcher,
    /// F5: which form shows in which case. Absent (settings saved before
    /// F5): derived from `contact_request_after_s` and `busy_form`, see
    /// [`LineSettings::form_cases`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forms: Option<FormCases>,
    /// A short sound when a reply arrives while the visitor's tab is hidden
    /// (the title blinks either way).
    #[serde(default)]
    pub reply_sound: bool,
}

/// F5: a contact field a form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Name,
    Email,
    Phone,
}

/// F5: one case's form: the invitation above it and its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormCase {
    /// Empty: the widget's own sentence for the case.
    #[serde(default)]
    pub text: String,
    /// 1–3 fields, each once, in the order shown.
    pub fields: Vec<ContactField>,
}

impl Default for FormCase {
    /// The form before F5: name, e-mail and phone under the case's sentence.
    fn default() -> Self {
        FormCase {
            text: String::new(),
            fields: vec![ContactField::Name, ContactField::Email, ContactField::Phone],
        }
    }
}

/// F5: the form the widget shows in each case; a case without one shows
/// none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormCases {
    /// F2: after the greeting, once `contact_request_after_s` passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_greeting: Option<FormCase>,
    /// F4: while every operator is busy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<FormCase>,
    /// H4: outside working hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline: Option<FormCase>,
    /// After an operator closed the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_close: Option<FormCase>,
}

impl FormCases {
    fn check(&self) -> Result<(), SettingsError> {
        for (field, case) in [
            ("widget.forms.after_greeting", &self.after_greeting),
            ("widget.forms.busy", &self.busy),
            ("widget.forms.offline", &self.offline),
            ("widget.forms.after_close", &self.after_close),
        ] {
            let Some(c) = case else { continue };
            if c.text.chars().count() > 500 {
                return Err(bad(field, "its text is at most 500 characters"));
            }
            let mut seen = c.fields.clone();
            crate::order::sort_by_key(&mut seen, |f| *f as u8);
            seen.dedup();
            if c.fields.is_empty() || seen.len() != c.fields.len() {
                return Err(bad(field, "1–3 fields (name, email, phone), each once"));
            }
        }
        Ok(())
    }
}

/// The launcher on the site: its colour, side and label. The snippet's
/// `data-color`, `data-position` and `data-label` attributes win.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Launcher {
    /// `#rgb` or `#rrggbb`; none: the widget's blue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// `left` or `right` (none: right).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Words beside the icon, at most 40 characters; none: the icon alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Launcher {
    fn check(&self) -> Result<(), SettingsError> {
        if let Some(c) = &self.color {
            let hex = c.strip_prefix('#').unwrap_or("");
            if !matches!(hex.len(), 3 | 6) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("widget.launcher.color", "a colour like #1f6feb"));
            }
        }
        if let Some(p) = &self.position {
            if !matches!(p.as_str(), "left" | "right") {
                return Err(bad("widget.launcher.position", "left or right"));
            }
        }
        if let Some(l) = &self.label {
            if l.trim().is_empty() || l.chars().count() > 40 || l.chars().any(char::is_control) {
                return Err(bad(
                    "widget.launcher.label",
                    "1–40 characters without line breaks",
                ));
            }
        }
        Ok(())
    }
}

fn yes() -> bool {
    true
}

/// Everything configurable about a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineSettings {
    /// L1: shown to operators; defaults to the company name.
    pub name: String,
    /// L2: an inactive line queues dialogs but operators cannot answer.
    pub active: bool,
    /// L6: language of e-mails and of the widget's defaults.
    pub language: String,
    /// Q1, in order.
    pub queue: Vec<QueueEntry>,
    /// Q2.
    pub mode: DistributionMode,
    /// Q3: 1 minute to 12 hours.
    pub pass_after_ms: Millis,
    /// Q4.
    pub check_availability: bool,
    /// Q4: whether work-time tracking is on (then "working day started"
    /// replaces "online" as the availability signal).
    pub work_time_tracking: bool,
    /// Q5.
    pub concurrency_limit: Option<ConcurrencyLimit>,
    /// Q8.
    pub return_to_previous_operator: bool,
    /// Q12.
    pub unclosed_limit: Option<u32>,
    /// T2: 0 to 60 minutes; 0 closes at once (a late rating then reopens).
    pub rating_wait_ms: Millis,
    /// T3.
    pub auto_close: Option<AutoClose>,
    /// T4: the automatic reply when an operator closes a dialog.
    pub close_message: String,
    /// R1/T4: ask the client for a rating on close.
    pub ask_rating: bool,
    /// R3: finish the session as soon as the client has rated.
    pub close_on_rating: bool,
    /// K1: time to first answer.
    pub first_answer_kpi: Option<Kpi>,
    /// K1: time to answer any client message.
    pub answer_kpi: Option<Kpi>,
    /// B1/B2.
    pub bot: Option<BotSettings>,
    /// O1/O2.
    pub presentation: Presentation,
    /// A1.
    pub consent: Option<ConsentText>,
    /// F1–F6, H3.
    pub widget: WidgetTexts,
    /// H1/H2: None means always open.
    pub hours: Option<WorkingHours>,
    /// Sites allowed to embed the widget (`https://shop.example`); empty
    /// allows any. Browsers send the page's origin with every call.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Secret for verifying logged-in users of the host site (see
    /// `identity`); None accepts anonymous visitors only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    /// C2: how the line makes leads (by itself, on an operator's action,
    /// never).
    #[serde(default)]
    pub leads: crate::leads::LeadMode,
    /// S3: how many days a finished dialog's transcript is kept; after
    /// that its words are erased (the dialog's record stays for the
    /// statistics, and the audit log says so). None keeps them for good.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// F4/H4 by e-mail: None tells nobody (lines saved before it existed).
    #[serde(default)]
    pub away_notice: Option<AwayNotice>,
    /// Issue 11.3: the files the line's conversations accept (lines saved
    /// before take the defaults: on, 10 MB, every kind).
    #[serde(default)]
    pub attachments: crate::attachments::AttachmentRules,
}

/// S3: the longest retention a line may set (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// A setting that failed validation, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: &'static str,
    pub reason: String,
}

fn bad(field: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        reason: reason.into(),
    }
}

/// `scheme://host[:port]` with nothing after it.
fn is_origin(o: &str) -> bool {
    let Some((scheme, rest)) = o.split_once("://") else {
        return false;
    };
    let host = rest.split(':').next().unwrap_or("");
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && !rest.contains('/')
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// Q3 bounds.
pub const MIN_PASS_AFTER_MS: Millis = MINUTE;
pub const MAX_PASS_AFTER_MS: Millis = 12 * 60 * MINUTE;
/// T2 bound.
pub const MAX_RATING_WAIT_MS: Millis = 60 * MINUTE;

/// A line's settings as the API shows them to anyone: secrets are
/// write-only, so only whether each is set leaves the edge (a supervisor
/// who could read the identity secret could forge a user's identity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SettingsView {
    #[serde(flatten)]
    pub settings: LineSettings,
    /// Whether the identity secret is set (its value is never shown).
    #[serde(default)]
    pub identity_secret_set: bool,
}

impl LineSettings {
    /// F5: the form of each case — the line's choice, or for settings saved
    /// before F5 what the widget did then: F2's block after the greeting
    /// when it had a pause, and the busy form (also offline) when on.
    pub fn form_cases(&self) -> FormCases {
        if let Some(f) = &self.widget.forms {
            return f.clone();
        }
        let w = &self.widget;
        FormCases {
            after_greeting: w.contact_request_after_s.map(|_| FormCase::default()),
            busy: w.busy_form.then(FormCase::default),
            offline: w.busy_form.then(FormCase::default),
            after_close: None,
        }
    }

    /// What the API may show: the settings without their secrets.
    pub fn view(&self) -> SettingsView {
        SettingsView {
            settings: LineSettings {
                identity_secret: None,
                ..self.clone()
            },
            identity_secret_set: self.identity_secret.is_some(),
        }
    }

    /// Secrets in an update are write-only: an absent secret keeps the
    /// stored one (the editor never saw it), an empty one removes it, any
    /// other value replaces it.
    pub fn keeping_secrets_of(mut self, stored: &LineSettings) -> LineSettings {
        self.identity_secret = match self.identity_secret.take() {
            None => stored.identity_secret.clone(),
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s),
        };
        self
    }

    /// What a visitor reads when their conversation ends without an
    /// operator's close (the line was deleted): the T4 message when set,
    /// otherwise a sentence in the line's language.
    pub fn ended_text(&self) -> String {
        if !self.close_message.trim().is_empty() {
            return self.close_message.clone();
        }
        match self.language.as_str() {
            "ru" => "Этот чат завершён.".into(),
            _ => "This chat has ended.".into(),
        }
    }

    /// Sensible defaults for a new line named after the company (L1).
    pub fn new(company: &str) -> Self {
        LineSettings {
            name: company.to_owned(),
            active: true,
            language: "en".into(),
            queue: Vec::new(),
            mode: DistributionMode::Evenly,
            pass_after_ms: 3 * MINUTE,
            check_availability: true,
            work_time_tracking: false,
            concurrency_limit: None,
            return_to_previous_operator: true,
            unclosed_limit: None,
            rating_wait_ms: 10 * MINUTE,
            auto_close: None,
            close_message: "Thank you for contacting us. The conversation is closed.".into(),
            ask_rating: true,
            close_on_rating: true,
            first_answer_kpi: None,
            answer_kpi: None,
            bot: None,
            presentation: Presentation::Own,
            consent: None,
            widget: WidgetTexts {
                title: None,
                greeting: "Hello! How can we help you?".into(),
                contact_request_after_s: Some(15),
                email_copy: true,
                busy_form: true,
                only_during_working_hours: false,
                typing_preview: true,
                launcher: Launcher::default(),
                reply_sound: false,
                forms: None,
            },
            hours: None,
            allowed_origins: Vec::new(),
            identity_secret: None,
            leads: crate::leads::LeadMode::default(),
            retention_days: None,
            away_notice: Some(AwayNotice::default()),
            attachments: Default::default(),
        }
    }

    /// Whether a page of `origin` may use this line's widget.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        match origin {
            _ if self.allowed_origins.is_empty() => true,
            // Non-browser clients send no origin; the token still guards them.
            None => true,
            Some(o) => self.allowed_origins.iter().any(|a| a == o),
        }
    }

    /// Checks every rule; the first failure is returned, naming its field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(bad("name", "1–100 characters"));
        }
        if !matches!(self.language.as_str(), "en" | "ru") {
            return Err(bad("language", "one of: en, ru"));
        }
        if !(MIN_PASS_AFTER_MS..=MAX_PASS_AFTER_MS).contains(&self.pass_after_ms) {
            return Err(bad("pass_after_ms", "from 1 minute to 12 hours"));
        }
        if self
            .retention_days
            .is_some_and(|d| !(1..=MAX_RETENTION_DAYS).contains(&d))
        {
            return Err(bad(
                "retention_days",
                "from 1 to 3650 days, or null to keep transcripts for good",
            ));
        }
        if let Some(limit) = self.concurrency_limit {
            if limit.max < 1 {
                return Err(bad("concurrency_limit.max", "at least 1"));
            }
        }
        if self.unclosed_limit == Some(0) {
            return Err(bad("unclosed_limit", "at least 1"));
        }
        if !(0..=MAX_RATING_WAIT_MS).contains(&self.rating_wait_ms) {
            return Err(bad("rating_wait_ms", "from 0 to 60 minutes"));
        }
        if let Some(ac) = &self.auto_close {
            if !(MINUTE..=30 * 24 * 60 * MINUTE).contains(&ac.after_ms) {
                return Err(bad("auto_close.after_ms", "from 1 minute to 30 days"));
            }
            if ac.message.chars().count() > 2000 {
                return Err(bad("auto_close.message", "at most 2000 characters"));
            }
        }
        if self.close_message.chars().count() > 2000 {
            return Err(bad("close_message", "at most 2000 characters"));
        }
        for (field, kpi) in [
            ("first_answer_kpi.within_ms", &self.first_answer_kpi),
            ("answer_kpi.within_ms", &self.answer_kpi),
        ] {
            if let Some(k) = kpi {
                if !(10_000..=7 * 24 * 60 * MINUTE).contains(&k.within_ms) {
                    return Err(bad(field, "from 10 seconds to 7 days"));
                }
            }
        }
        if let Some((field, reason)) = self.attachments.problem() {
            return Err(bad(field, reason));
        }
        if let Some(to) = self.away_notice.as_ref().and_then(|a| a.mail_to.as_deref()) {
            if crate::email::address(to).is_err() {
                return Err(bad("away_notice.mail_to", "not a valid e-mail address"));
            }
        }
        if let Some(bot) = &self.bot {
            if bot.bot.trim().is_empty() {
                return Err(bad("bot.bot", "a bot id is required"));
            }
            if !(0..=24 * 60 * MINUTE).contains(&bot.handoff_after_ms) {
                return Err(bad("bot.handoff_after_ms", "from 0 to 24 hours"));
            }
        }
        if let Presentation::Replacement { name, avatar, .. } = &self.presentation {
            if name.trim().is_empty() || name.chars().count() > 100 {
                return Err(bad("presentation.name", "1–100 characters"));
            }
            if let Some(a) = avatar {
                check_avatar("presentation.avatar", a)?;
            }
        }
        if let Some(c) = &self.consent {
            if c.text.trim().is_empty() || c.text.chars().count() > 20_000 {
                return Err(bad("consent.text", "1–20000 characters"));
            }
        }
        self.widget.launcher.check()?;
        if let Some(f) = &self.widget.forms {
            f.check()?;
        }
        if self.widget.greeting.chars().count() > 1000 {
            return Err(bad("widget.greeting", "at most 1000 characters"));
        }
        if let Some(t) = &self.widget.title {
            if t.chars().count() > 100 {
                return Err(bad("widget.title", "at most 100 characters"));
            }
        }
        if let Some(s) = self.widget.contact_request_after_s {
            if s > 600 {
                return Err(bad("widget.contact_request_after_s", "at most 600 seconds"));
            }
        }
        if let Some(h) = &self.hours {
            h.validate().map_err(|reason| bad("hours", reason))?;
        }
        if let Some(secret) = &self.identity_secret {
            if !(16..=200).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(bad(
                    "identity_secret",
                    "16–200 visible ASCII characters (no spaces)",
                ));
            }
        }
        if self.allowed_origins.len() > 50 || !self.allowed_origins.iter().all(|o| is_origin(o)) {
            return Err(bad(
                "allowed_origins",
                "up to 50 origins like https://shop.example or http://localhost:8080",
            ));
        }
        Ok(())
    }

    /// F6 over L1: the title the visitor sees.
    pub fn visitor_title(&self) -> &str {
        match &self.widget.title {
            Some(t) if !t.trim().is_empty() => t,
            _ => &self.name,
        }
    }
}

/// A picture shown on every host page (a replacement card's, a bot's): a
/// web address only — `https://` or a path of the edge — up to 500
/// characters.
pub fn check_avatar(field: &'static str, avatar: &str) -> Result<(), SettingsError> {
    // Browsers read `\` as `/` and drop tabs and line breaks: `/\host`
    // would be another site's address too.
    let plain = !avatar
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if plain
        && (avatar.starts_with("https://")
            || (avatar.starts_with('/') && !avatar.starts_with("//")))
        && avatar.len() <= 500
    {
        return Ok(());
    }
    Err(bad(
        field,
        "an https:// address or a path starting with /, up to 500 characters",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(s: &LineSettings) -> &'static str {
        s.validate().unwrap_err().field
    }

    #[test]
    fn a_deleted_lines_visitors_read_its_close_message_or_a_sentence_in_its_language() {
        let mut s = LineSettings::new("Shop");
        s.close_message = "Bye!".into();
        assert_eq!(s.ended_text(), "Bye!");
        s.close_message = "  ".into();
        assert_eq!(s.ended_text(), "This chat has ended.");
        s.language = "ru".into();
        assert_eq!(s.ended_text(), "Этот чат завершён.");
    }

    #[test]
    fn secrets_are_write_only() {
        let mut stored = LineSettings::new("Shop");
        stored.identity_secret = Some("0123456789abcdef0123".into());
        let shown = serde_json::to_value(stored.view()).unwrap();
        assert!(!shown.to_string().contains("0123456789abcdef0123"));
        assert_eq!(shown["identity_secret_set"], true);
        // What an editor sends back (no secret) keeps the stored one...
        let edited: SettingsView = serde_json::from_value(shown).unwrap();
        let kept = edited.settings.clone().keeping_secrets_of(&stored);
        assert_eq!(kept.identity_secret, stored.identity_secret);
        // ...an empty one removes it, a new one replaces it.
        let mut cleared = edited.settings.clone();
        cleared.identity_secret = Some(" ".into());
        assert_eq!(cleared.keeping_secrets_of(&stored).identity_secret, None);
        let mut replaced = edited.settings;
        replaced.identity_secret = Some("fedcba9876543210fedc".into());
        assert_eq!(
            replaced
                .keeping_secrets_of(&stored)
                .identity_secret
                .as_deref(),
            Some("fedcba9876543210fedc")
        );
    }

    #[test]
    fn defaults_are_valid() {
        LineSettings::new("Northwind Tea").validate().unwrap();
    }

    #[test]
    fn pass_time_must_be_between_one_minute_and_twelve_hours() {
        let mut s = LineSettings::new("A");
        s.pass_after_ms = MINUTE - 1;
        assert_eq!(field_of(&s), "pass_after_ms");
        s.pass_after_ms = MAX_PASS_AFTER_MS + 1;
        assert_eq!(field_of(&s), "pass_after_ms");
        s.pass_after_ms = MAX_PASS_AFTER_MS;
        s.validate().unwrap();
        s.pass_after_ms = MINUTE;
        s.validate().unwrap();
    }

    #[test]
    fn concurrency_limit_is_at_least_one() {
        let mut s = LineSettings::new("A");
        s.concurrency_limit = Some(ConcurrencyLimit {
            max: 0,
            exclude: LimitExclusion::Closed,
        });
        assert_eq!(field_of(&s), "concurrency_limit.max");
        s.concurrency_limit = Some(ConcurrencyLimit {
            max: 1,
            exclude: LimitExclusion::Closed,
        });
        s.validate().unwrap();
    }

    #[test]
    fn rating_wait_is_zero_to_sixty_minutes() {
        let mut s = LineSettings::new("A");
        s.rating_wait_ms = 0;
        s.validate().unwrap();
        s.rating_wait_ms = 61 * MINUTE;
        assert_eq!(field_of(&s), "rating_wait_ms");
        s.rating_wait_ms = -1;
        assert_eq!(field_of(&s), "rating_wait_ms");
    }

    #[test]
    fn f5_settings_from_before_f5_keep_the_forms_they_had() {
        let mut s = LineSettings::new("Shop");
        s.widget.contact_request_after_s = Some(15);
        s.widget.busy_form = false;
        let f = s.form_cases();
        assert_eq!(f.after_greeting, Some(FormCase::default()));
        assert_eq!((f.busy, f.offline, f.after_close), (None, None, None));
        s.widget.busy_form = true;
        assert!(
            s.form_cases().offline.is_some(),
            "offline reused the busy form"
        );
        // Once chosen, the choice is the line's, whatever the old switches say.
        let chosen = FormCases {
            offline: Some(FormCase {
                text: "Leave your phone".into(),
                fields: vec![ContactField::Phone],
            }),
            ..FormCases::default()
        };
        s.widget.forms = Some(chosen.clone());
        assert_eq!(s.form_cases(), chosen);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn f5_a_form_has_one_to_three_distinct_fields_and_a_short_text() {
        let with = |case: FormCase| {
            let mut s = LineSettings::new("Shop");
            s.widget.forms = Some(FormCases {
                busy: Some(case),
                ..FormCases::default()
            });
            s
        };
        let none = with(FormCase {
            text: String::new(),
            fields: vec![],
        });
        assert_eq!(field_of(&none), "widget.forms.busy");
        let twice = with(FormCase {
            text: String::new(),
            fields: vec![ContactField::Email, ContactField::Email],
        });
        assert_eq!(field_of(&twice), "widget.forms.busy");
        let long = with(FormCase {
            text: "x".repeat(501),
            fields: vec![ContactField::Email],
        });
        assert_eq!(field_of(&long), "widget.forms.busy");
    }

    #[test]
    fn the_launcher_takes_only_a_hex_colour_a_side_and_a_short_label() {
        let with = |l: Launcher| {
            let mut s = LineSettings::new("Shop");
            s.widget.launcher = l;
            s
        };
        let ok = with(Launcher {
            color: Some("#C0392B".into()),
            position: Some("left".into()),
            label: Some("Chat with us".into()),
        });
        assert!(ok.validate().is_ok());
        assert!(with(Launcher {
            color: Some("#abc".into()),
            ..Launcher::default()
        })
        .validate()
        .is_ok());
        // Anything else could break out of the loader's style sheet.
        for color in ["red", "#12345", "#1f6feb;}body{display:none", "url(x)"] {
            let s = with(Launcher {
                color: Some(color.into()),
                ..Launcher::default()
            });
            assert_eq!(field_of(&s), "widget.launcher.color", "{color}");
        }
        let s = with(Launcher {
            position: Some("top".into()),
            ..Launcher::default()
        });
        assert_eq!(field_of(&s), "widget.launcher.position");
        let s = with(Launcher {
            label: Some("x".repeat(41)),
            ..Launcher::default()
        });
        assert_eq!(field_of(&s), "widget.launcher.label");
    }

    #[test]
    fn an_empty_name_and_unknown_language_are_refused() {
        let mut s = LineSettings::new("  ");
        assert_eq!(field_of(&s), "name");
        s.name = "Shop".into();
        s.language = "de".into();
        assert_eq!(field_of(&s), "language");
    }

    #[test]
    fn the_widget_title_phrase_wins_over_the_line_name() {
        let mut s = LineSettings::new("Northwind Tea");
        assert_eq!(s.visitor_title(), "Northwind Tea");
        s.widget.title = Some("Ask a tea sommelier".into());
        assert_eq!(s.visitor_title(), "Ask a tea sommelier");
    }

    #[test]
    fn switching_presentation_mode_resets_the_fields() {
        let p = Presentation::Replacement {
            name: "Tea team".into(),
            avatar: Some("a.png".into()),
            position: Some("Support".into()),
        };
        assert_eq!(
            p.switch_to("replacement"),
            Presentation::Replacement {
                name: String::new(),
                avatar: None,
                position: None
            }
        );
        assert_eq!(p.switch_to("hidden"), Presentation::Hidden);
    }

    #[test]
    fn allowed_origins_are_plain_origins_and_an_empty_list_allows_any() {
        let mut s = LineSettings::new("A");
        assert!(s.origin_allowed(Some("https://evil.example")));
        s.allowed_origins = vec![
            "https://shop.example".into(),
            "http://localhost:8080".into(),
        ];
        s.validate().unwrap();
        assert!(s.origin_allowed(Some("https://shop.example")));
        assert!(!s.origin_allowed(Some("https://evil.example")));
        assert!(s.origin_allowed(None));
        s.allowed_origins = vec!["https://shop.example/path".into()];
        assert_eq!(field_of(&s), "allowed_origins");
        s.allowed_origins = vec!["shop.example".into()];
        assert_eq!(field_of(&s), "allowed_origins");
    }

    #[test]
    fn a_replacement_presentation_needs_a_name() {
        let mut s = LineSettings::new("A");
        s.presentation = Presentation::Own.switch_to("replacement");
        assert_eq!(field_of(&s), "presentation.name");
    }

    #[test]
    fn a_replacement_avatar_is_a_web_address() {
        let mut s = LineSettings::new("A");
        let with = |avatar: &str| Presentation::Replacement {
            name: "Tea team".into(),
            avatar: Some(avatar.into()),
            position: None,
        };
        s.presentation = with("javascript:alert(1)");
        assert_eq!(field_of(&s), "presentation.avatar");
        s.presentation = with("https://cdn.example/tea.png");
        assert!(s.validate().is_ok());
        s.presentation = with("/assets/tea.png");
        assert!(s.validate().is_ok());
        // `//host/…` is another site's address, not a path of the edge.
        s.presentation = with("//evil.example/x.png");
        assert_eq!(field_of(&s), "presentation.avatar");
        for sly in [
            "/\\evil.example/x.png",
            "/\t/evil.example/x.png",
            "https://a.example/a b.png",
        ] {
            s.presentation = with(sly);
            assert_eq!(field_of(&s), "presentation.avatar", "{sly:?}");
        }
    }
}
