//! Typed calls between the worker and the Durable Objects, defined once:
//! each call is a request type naming its object route and its reply type.
//! The caller uses [`crate::rpc::invoke`]; the object reads the body with
//! [`crate::api::read_json`] and answers with the reply type. A refused
//! call is an error in the API's shape, never `{"ok": true}`.

use openline_core::line::{Dialog, Event};
use openline_core::operator::OperatorCard;
use openline_core::protocol::ChatMessage;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A call to an object: its route and what it answers.
pub trait Call: Serialize {
    /// The object's route for this call (POST).
    const PATH: &'static str;
    /// What the object answers on success.
    type Reply: DeserializeOwned;
}

/// Nothing to answer but success.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Done {}

// ----- the line's object -------------------------------------------------

/// One event for the line's machine; the effects it had.
#[derive(Serialize, Deserialize)]
pub struct LineEvent(pub Event);

/// The answer to [`LineEvent`].
pub use openline_core::replies::Applied;

impl Call for LineEvent {
    const PATH: &'static str = "/event";
    type Reply = Applied;
}

/// An operator writes in a dialog: the line checks it (participation, L2,
/// lifecycle), has the dialog store it, and shows it on the consoles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperatorSend {
    pub dialog: String,
    pub operator: String,
    pub client_id: String,
    pub text: String,
    pub hidden: bool,
    /// Issue 11.3: the file sent (checked and stored by the worker).
    #[serde(default)]
    pub attachment: Option<openline_core::attachments::Attachment>,
}

/// The stored message, and whether this call stored it (a resend is not).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub message: ChatMessage,
    pub created: bool,
    /// Whether a socket of the visitor's was open to show it (L6: else an
    /// operator's answer may go by e-mail).
    #[serde(default)]
    pub visitor_present: bool,
    /// L4: the messenger chat the dialog talks to (none: the widget), for
    /// the line to send the answer there.
    #[serde(default)]
    pub channel: Option<openline_core::channels::TelegramChat>,
}

impl Call for OperatorSend {
    const PATH: &'static str = "/operator-send";
    type Reply = Stored;
}

/// From a dialog's object to its line, once per visitor action: the
/// lifecycle event (when the client's turn starts), the stored message or
/// the visitor's draft, for the consoles of the dialog's participants.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Relay {
    pub dialog: String,
    #[serde(default)]
    pub event: Option<Event>,
    #[serde(default)]
    pub message: Option<ChatMessage>,
    /// W1: the visitor's current draft (shown only where the line allows).
    #[serde(default)]
    pub draft: Option<String>,
    /// Issue 11.3: the visitor's read mark moved to this message (the
    /// operators' numbering).
    #[serde(default)]
    pub read: Option<u64>,
}

impl Call for Relay {
    const PATH: &'static str = "/relay";
    type Reply = Done;
}

/// May this console user read this dialog? The line's record of it if so.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DialogAccess {
    pub dialog: String,
    pub operator: String,
    /// Supervisors and administrators read every dialog of the line.
    pub supervisor: bool,
}

impl Call for DialogAccess {
    const PATH: &'static str = "/dialog-access";
    type Reply = Dialog;
}

/// The line's dialogs as the caller's console lists them: previews only of
/// the dialogs the caller may read ([`Dialog::readable_by`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListDialogs {
    pub operator: String,
    /// Supervisors and administrators read every dialog of the line.
    pub supervisor: bool,
}

impl Call for ListDialogs {
    const PATH: &'static str = "/dialogs";
    type Reply = openline_core::replies::DialogList;
}

/// The client's last dialog on the line (Q8, C7, session resume), or
/// `client_not_found`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientLastDialog {
    pub client: String,
}

/// The answer to [`ClientLastDialog`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastDialog {
    pub dialog: String,
    pub status: openline_core::line::Status,
}

impl Call for ClientLastDialog {
    const PATH: &'static str = "/client-last-dialog";
    type Reply = LastDialog;
}

/// A page view of a client with a conversation (the console's visitor
/// panel); the line keeps the newest few per client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordVisit {
    pub client: String,
    pub visit: openline_core::visits::Visit,
}

impl Call for RecordVisit {
    const PATH: &'static str = "/visit";
    type Reply = Done;
}

// ----- a dialog's object -------------------------------------------------

/// Stores an operator's message (already allowed by the line) and sends it
/// to the visitor's sockets unless hidden.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreOperatorMessage {
    pub operator: String,
    /// As the client sees them (O1); None when operators are hidden.
    pub shown_name: Option<String>,
    pub client_id: String,
    pub text: String,
    pub hidden: bool,
    #[serde(default)]
    pub attachment: Option<openline_core::attachments::Attachment>,
    /// B3: a bot's quick replies (checked by the line).
    #[serde(default)]
    pub quick_replies: Vec<String>,
}

impl Call for StoreOperatorMessage {
    const PATH: &'static str = "/store-operator-message";
    type Reply = Stored;
}

/// Stores a system notice for the client and sends it to their sockets;
/// the line shows the stored message on the consoles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreNotice(pub openline_core::line::ClientNotice);

impl Call for StoreNotice {
    const PATH: &'static str = "/notice";
    type Reply = Stored;
}

/// The line finished the dialog: its visitor's further messages are
/// refused (their widget starts a new conversation, so nothing lands in a
/// closed transcript nobody reads). With `next` (C7 opened a newer dialog
/// for the client) the visitor's sockets are told to move on. Sent by the
/// line the dialog is on; a line it has left (Q9) is ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ended {
    pub line: String,
    #[serde(default)]
    pub next: Option<String>,
}

impl Call for Ended {
    const PATH: &'static str = "/ended";
    type Reply = Done;
}

/// An operator types: the visitor sees an indicator with the operator as
/// O1 presents them (never the text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperatorTyping(pub Option<OperatorCard>);

impl Call for OperatorTyping {
    const PATH: &'static str = "/operator-typing";
    type Reply = Done;
}

/// Issue 11.3: an operator of the dialog has seen its messages up to
/// `seq` (operators' numbering); the line checked they are in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperatorRead {
    pub seq: u64,
}

impl Call for OperatorRead {
    const PATH: &'static str = "/operator-read";
    type Reply = Done;
}

/// The dialog moved to another line (Q9).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoveToLine {
    pub line: String,
}

impl Call for MoveToLine {
    const PATH: &'static str = "/line";
    type Reply = Done;
}

/// QA1: quick answers to add to the line, with who saved them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateQuickAnswers {
    pub items: Vec<openline_core::quick_answers::QuickAnswerInput>,
    pub by: String,
}

impl Call for CreateQuickAnswers {
    const PATH: &'static str = "/quick-answers";
    type Reply = openline_core::replies::QuickAnswerList;
}

/// QA1: every answer of group `from` moves to group `to`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenameQuickAnswerGroup {
    pub from: String,
    pub to: String,
}

impl Call for RenameQuickAnswerGroup {
    const PATH: &'static str = "/quick-answer-groups";
    type Reply = openline_core::replies::QuickAnswersChanged;
}

/// Whether an operator works on the line (its queue holds them, directly
/// or through a department).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    pub operator: String,
}

/// The answer to [`Membership`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Member {
    pub member: bool,
}

impl Call for Membership {
    const PATH: &'static str = "/membership";
    type Reply = Member;
}

/// Ends console sockets on this line: every socket of an account (dismissal,
/// role change, new password) or of one session (logout). The console then
/// reconnects and is authenticated afresh.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CloseSockets {
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub session: Option<String>,
}

impl Call for CloseSockets {
    const PATH: &'static str = "/close-sockets";
    type Reply = Done;
}

// ----- the dialog's object -------------------------------------------------

/// What a dialog's object says of a visitor token's session
/// (`GET /session`, authorized by the token's hash).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSession {
    /// The line the dialog is on now.
    pub line: String,
    /// The line it opened on (the widget holding the token; migration
    /// 0007 filled it in for older dialogs).
    pub first_line: String,
    pub client: String,
}

/// The line's live figures (`GET /api/v1/figures`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct LineFiguresAsk {}

impl Call for LineFiguresAsk {
    const PATH: &'static str = "/figures";
    type Reply = openline_core::replies::LineFigures;
}

/// Issue 11.3: the key that signs attachment links (the accounts object
/// makes it once; the worker keeps it for the isolate's life).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct FileKeyAsk {}

/// The key, hex.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileKey {
    pub key: String,
}

impl Call for FileKeyAsk {
    const PATH: &'static str = "/file-key";
    type Reply = FileKey;
}

/// Issue 11.1: whether someone can answer now and how soon the line
/// usually answers, for the widget's header (cached by the worker).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct LineAvailabilityAsk {}

impl Call for LineAvailabilityAsk {
    const PATH: &'static str = "/availability";
    type Reply = openline_core::line::Availability;
}

/// O1: the operator the visitor now talks to, as the line presents them
/// (`None`: the line shows no operator). The dialog keeps it for sockets
/// that connect later and tells the visitor's open ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PresentOperator(pub Option<OperatorCard>);

impl Call for PresentOperator {
    const PATH: &'static str = "/operator-card";
    type Reply = Done;
}

/// K2: the notices addressed to `account` on this line (the notification
/// centre), newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListNotifications {
    pub account: String,
}

impl Call for ListNotifications {
    const PATH: &'static str = "/notifications";
    type Reply = openline_core::replies::Notifications;
}

/// K2: `account` acknowledges one of their notices (`id`) or all of them
/// (`None`). Someone else's notice is `not_found`, as is an unknown id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AcknowledgeNotifications {
    pub account: String,
    #[serde(default)]
    pub id: Option<i64>,
}

impl Call for AcknowledgeNotifications {
    const PATH: &'static str = "/notifications/read";
    type Reply = openline_core::replies::Acknowledged;
}

// ----- leads (C2–C5) -------------------------------------------------------

/// Who asks about leads: supervisors and administrators see every lead of
/// the line; an operator the leads they are responsible for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeadAsker {
    pub operator: String,
    pub supervisor: bool,
}

/// An operator makes a lead from a chat they may read (C2 manual).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateLead {
    pub dialog: String,
    pub by: LeadAsker,
}

impl Call for CreateLead {
    const PATH: &'static str = "/leads/create";
    type Reply = openline_core::leads::Lead;
}

/// The leads the asker may see, newest first, optionally of one status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListLeads {
    pub by: LeadAsker,
    #[serde(default)]
    pub status: Option<openline_core::leads::LeadStatus>,
}

impl Call for ListLeads {
    const PATH: &'static str = "/leads/list";
    type Reply = openline_core::leads::LeadList;
}

/// One lead with its transcript (what the client saw of the chat).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShowLead {
    pub lead: String,
    pub by: LeadAsker,
}

impl Call for ShowLead {
    const PATH: &'static str = "/leads/show";
    type Reply = openline_core::leads::LeadView;
}

/// A change of a lead's status or responsible person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeLead {
    pub lead: String,
    pub by: LeadAsker,
    pub patch: openline_core::leads::LeadPatch,
}

impl Call for ChangeLead {
    const PATH: &'static str = "/leads/change";
    type Reply = openline_core::leads::LeadChanged;
}

// ----- finding dialogs (S2/S3) --------------------------------------------

/// The line's dialogs, live and archived, that answer a search (the
/// API's query string, read by the core) and the caller may read; as a
/// page of JSON, or every match as CSV.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchDialogs {
    pub operator: String,
    /// Supervisors and administrators read every dialog of the line.
    pub supervisor: bool,
    /// `state=finished&q=green+tea&…`, as the caller sent it.
    pub query: String,
    #[serde(default)]
    pub csv: bool,
}

impl Call for SearchDialogs {
    const PATH: &'static str = "/dialogs/search";
    type Reply = openline_core::dialog_search::DialogPage;
}

// ----- clients (C1) and one client's data (GDPR) -------------------------

/// C1: two clients of the line made one (see `core::client_merge`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergeClients {
    pub client: String,
    pub with: String,
    /// Supervisors merge any two clients, operators proposed ones.
    pub supervisor: bool,
    /// Who asked, for the audit log.
    pub by: String,
}

impl Call for MergeClients {
    const PATH: &'static str = "/client-merge";
    type Reply = openline_core::client_merge::Merged;
}

/// Everything the line keeps of one client, with their dialogs' messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportClient {
    pub client: String,
    /// The administrator who asked, for the audit log.
    pub by: String,
}

impl Call for ExportClient {
    const PATH: &'static str = "/client-export";
    type Reply = openline_core::privacy::ClientExport;
}

/// The line's audit log (X9), newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListAudit {}

impl Call for ListAudit {
    const PATH: &'static str = "/audit";
    type Reply = openline_core::privacy::AuditLog;
}

/// Erases one client's personal data on the line (see `core::privacy`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EraseClient {
    pub client: String,
    /// The administrator who asked, for the erasure's note.
    pub by: String,
}

impl Call for EraseClient {
    const PATH: &'static str = "/client-erase";
    type Reply = openline_core::privacy::ClientErased;
}

/// A dialog's object blanks the words of every message and forgets the
/// visitor's tokens; the answer is how many messages it blanked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EraseWords {}

/// [`EraseWords`]' answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WordsErased {
    pub messages: u32,
}

impl Call for EraseWords {
    const PATH: &'static str = "/erase";
    type Reply = WordsErased;
}

// ----- webhooks (issue 13): the outbox keeps them, the line publishes -----

use openline_core::webhooks::{
    Delivery, DeliveryLog, HookKind, WebhookChange, WebhookDraft, WebhookList, WebhookSaved,
};

/// A new subscription, checked by the worker; `by` is the administrator.
#[derive(Serialize, Deserialize)]
pub struct CreateWebhook {
    pub draft: WebhookDraft,
    pub by: String,
}

impl Call for CreateWebhook {
    const PATH: &'static str = "/webhooks/create";
    type Reply = WebhookSaved;
}

/// A change to a subscription (404 when there is none).
#[derive(Serialize, Deserialize)]
pub struct ChangeWebhook {
    pub id: String,
    pub change: WebhookChange,
}

impl Call for ChangeWebhook {
    const PATH: &'static str = "/webhooks/change";
    type Reply = WebhookSaved;
}

/// A subscription, and the deliveries it still had, removed.
#[derive(Serialize, Deserialize)]
pub struct DeleteWebhook {
    pub id: String,
}

impl Call for DeleteWebhook {
    const PATH: &'static str = "/webhooks/delete";
    type Reply = Done;
}

/// One subscription (for the worker to check its line before a change).
#[derive(Serialize, Deserialize)]
pub struct ShowWebhook {
    pub id: String,
}

/// Where a subscription listens (the answer to [`ShowWebhook`]).
#[derive(Serialize, Deserialize)]
pub struct WebhookLine {
    pub id: String,
    pub line: Option<String>,
}

impl Call for ShowWebhook {
    const PATH: &'static str = "/webhooks/show";
    type Reply = WebhookLine;
}

/// Every subscription, deployment-wide ones first.
#[derive(Serialize, Deserialize)]
pub struct ListWebhooks {}

impl Call for ListWebhooks {
    const PATH: &'static str = "/webhooks/list";
    type Reply = WebhookList;
}

/// A subscription's delivery log, newest first.
#[derive(Serialize, Deserialize)]
pub struct ListDeliveries {
    pub id: String,
}

impl Call for ListDeliveries {
    const PATH: &'static str = "/webhooks/deliveries";
    type Reply = DeliveryLog;
}

/// "Send test event": a `test` event queued for this subscription alone.
#[derive(Serialize, Deserialize)]
pub struct TestWebhook {
    pub id: String,
}

impl Call for TestWebhook {
    const PATH: &'static str = "/webhooks/test";
    type Reply = Delivery;
}

/// The kinds some active subscription hears on `line`, so the line calls
/// [`Publish`] only when someone listens.
#[derive(Serialize, Deserialize)]
pub struct HookKindsOf {
    pub line: String,
}

/// The answer to [`HookKindsOf`].
#[derive(Serialize, Deserialize)]
pub struct HookKinds {
    pub kinds: Vec<HookKind>,
}

impl Call for HookKindsOf {
    const PATH: &'static str = "/webhooks/kinds";
    type Reply = HookKinds;
}

/// What happened on a line during one request: the outbox queues a
/// delivery for every active subscription that hears it.
#[derive(Serialize, Deserialize)]
pub struct Publish {
    pub line: String,
    /// Epoch milliseconds.
    pub at: i64,
    pub events: Vec<Published>,
}

/// One event of a [`Publish`]: its data already JSON (a `HookData`
/// written by the line), which the outbox puts in the body as it is, so
/// the edge never reads a `HookData` back.
#[derive(Serialize, Deserialize)]
pub struct Published {
    pub kind: HookKind,
    pub data: String,
    /// B3: for this bot alone (the one holding the dialog), not for the
    /// subscriptions.
    #[serde(default)]
    pub bot: Option<String>,
}

impl Call for Publish {
    const PATH: &'static str = "/webhooks/publish";
    type Reply = Done;
}

/// To a line: the subscriptions changed, ask the outbox again.
#[derive(Serialize, Deserialize)]
pub struct HooksChanged {}

impl Call for HooksChanged {
    const PATH: &'static str = "/hooks-changed";
    type Reply = Done;
}

// ----- channels (L4, N2): the line keeps them, the outbox sends -----------

use openline_core::channels::{ChannelInfo, ChannelKind, ChannelList};

/// Connects (or replaces) a line's channel, once the worker has checked the
/// token with Telegram and set the webhook with `secret`.
#[derive(Serialize, Deserialize)]
pub struct ConnectChannel {
    pub kind: ChannelKind,
    pub token: String,
    pub secret: String,
    pub name: Option<String>,
}

impl Call for ConnectChannel {
    const PATH: &'static str = "/channels/connect";
    type Reply = ChannelInfo;
}

/// The line's channels, without their credentials.
#[derive(Serialize, Deserialize)]
pub struct ListChannels {}

impl Call for ListChannels {
    const PATH: &'static str = "/channels/list";
    type Reply = ChannelList;
}

/// Removes a channel; the answer is its token, for the worker to delete
/// the webhook with (404 when there was none).
#[derive(Serialize, Deserialize)]
pub struct DisconnectChannel {
    pub kind: ChannelKind,
}

/// The answer to [`DisconnectChannel`].
#[derive(Serialize, Deserialize)]
pub struct BotToken {
    pub token: String,
}

impl Call for DisconnectChannel {
    const PATH: &'static str = "/channels/disconnect";
    type Reply = BotToken;
}

/// The channel's token, for the worker's check of it with Telegram (404
/// when the line has none). Never answered outside the edge.
#[derive(Serialize, Deserialize)]
pub struct ChannelToken {
    pub kind: ChannelKind,
}

impl Call for ChannelToken {
    const PATH: &'static str = "/channels/token";
    type Reply = BotToken;
}

/// One Telegram update as the worker read it: the line checks the secret
/// (401, nothing stored), takes each update once, greets on `/start`, and
/// names the client's open dialog.
#[derive(Serialize, Deserialize)]
pub struct ChannelInbound {
    pub secret: String,
    pub update_id: i64,
    pub chat_id: i64,
    pub start: bool,
    /// The client who wrote (None: nothing to store, e.g. a group chat).
    pub client: Option<String>,
    /// Their Telegram name and @username, for the card.
    pub name: Option<String>,
    /// The phone number they shared as their own contact (C1).
    #[serde(default)]
    pub phone: Option<String>,
    /// The score their words give, should the line be asking them for a
    /// rating (R1 through the chat's buttons).
    #[serde(default)]
    pub rating: Option<u8>,
}

/// The answer to [`ChannelInbound`].
#[derive(Serialize, Deserialize)]
pub struct InboundTaken {
    /// Nothing more to do: taken before, or answered by the line itself
    /// (`/start`, a rating).
    pub done: bool,
    /// The client's dialog that is not finished, if any.
    pub dialog: Option<String>,
}

impl Call for ChannelInbound {
    const PATH: &'static str = "/channels/inbound";
    type Reply = InboundTaken;
}

/// From the outbox: an answer will never reach the client in the channel.
#[derive(Serialize, Deserialize)]
pub struct ChannelFailed {
    pub dialog: Option<String>,
    pub why: String,
}

impl Call for ChannelFailed {
    const PATH: &'static str = "/channels/failed";
    type Reply = Done;
}

/// To the outbox: a text for a Telegram chat, with the bot's token.
#[derive(Serialize, Deserialize)]
pub struct ChannelSend {
    pub line: String,
    pub dialog: Option<String>,
    pub chat_id: i64,
    pub token: String,
    pub text: String,
    /// A file to send with `text` as its caption (issue 11.3).
    #[serde(default)]
    pub file: Option<openline_core::attachments::Attachment>,
    /// B3: a bot's quick replies, as a reply keyboard.
    #[serde(default)]
    pub quick_replies: Vec<String>,
    /// C1: the one quick reply is Telegram's "share my phone number" button.
    #[serde(default)]
    pub ask_phone: bool,
}

impl Call for ChannelSend {
    const PATH: &'static str = "/channels/send";
    type Reply = Done;
}

/// To a dialog: the client wrote through its channel (stored as the
/// client's message, relayed to the line like the widget's).
#[derive(Serialize, Deserialize)]
pub struct ChannelMessage {
    pub message: openline_core::protocol::SendMessage,
    /// The photo or document it carried, when the worker could keep it.
    #[serde(default)]
    pub attachment: Option<openline_core::attachments::Attachment>,
}

impl Call for ChannelMessage {
    const PATH: &'static str = "/channel-message";
    type Reply = Done;
}

/// To a dialog: a note for the operators only (what the channel could not
/// deliver).
#[derive(Serialize, Deserialize)]
pub struct StoreChannelNote {
    pub text: String,
}

impl Call for StoreChannelNote {
    const PATH: &'static str = "/channel-note";
    type Reply = Stored;
}

// ----- chat bots (B1–B3): the outbox keeps them beside the webhooks -------

use openline_core::bots::{BotActed, BotDraft, BotList, BotSaved};

/// A new bot, checked by the worker.
#[derive(Serialize, Deserialize)]
pub struct CreateBot {
    pub draft: BotDraft,
    pub by: String,
}

impl Call for CreateBot {
    const PATH: &'static str = "/bots/create";
    type Reply = BotSaved;
}

/// Every bot.
#[derive(Serialize, Deserialize)]
pub struct ListBots {}

impl Call for ListBots {
    const PATH: &'static str = "/bots/list";
    type Reply = BotList;
}

/// A bot removed, with what was still queued for it (404 when none).
#[derive(Serialize, Deserialize)]
pub struct DeleteBot {
    pub id: String,
}

impl Call for DeleteBot {
    const PATH: &'static str = "/bots/delete";
    type Reply = Done;
}

/// A bot's token checked (401 unless it is the bot's); the answer names it.
#[derive(Serialize, Deserialize)]
pub struct CheckBot {
    pub id: String,
    pub secret: String,
}

/// The answer to [`CheckBot`].
#[derive(Serialize, Deserialize)]
pub struct BotName {
    pub name: String,
}

/// A bot's name, address or picture changed (`None`: unchanged; an empty
/// picture removes it — JSON cannot tell `Some(None)` from `None`); the
/// answer is the bot as it is now.
#[derive(Serialize, Deserialize)]
pub struct UpdateBot {
    pub id: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub avatar: Option<String>,
}

impl Call for UpdateBot {
    const PATH: &'static str = "/bots/update";
    type Reply = openline_core::bots::Bot;
}

impl Call for CheckBot {
    const PATH: &'static str = "/bots/check";
    type Reply = BotName;
}

/// What a bot does in a dialog it holds.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotAction {
    Say(openline_core::bots::BotMessage),
    Handoff,
    Close,
}

/// To the line: a bot acts in `dialog` (refused unless it holds it).
#[derive(Serialize, Deserialize)]
pub struct BotAct {
    pub dialog: String,
    pub bot: String,
    pub name: String,
    pub action: BotAction,
}

impl Call for BotAct {
    const PATH: &'static str = "/bot-act";
    type Reply = BotActed;
}
