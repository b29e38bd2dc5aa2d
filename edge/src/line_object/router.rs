//! The line object's routes: the worker's typed calls (`crate::calls`)
//! and the console's socket, each answered from the line's machine and
//! its tables.

use super::{
    ContactsLeft, CreateLine, LineObject, SettingsUpdate, OPERATOR_HEADER, SESSION_HEADER,
    WATCHER_HEADER,
};
use crate::api::{internal, json, parse_json, read_bytes, read_json, ApiResult, MAX_BODY_BYTES};
use crate::calls::{
    AcknowledgeNotifications, Applied, BotAct, Call, ChangeLead, ChannelFailed, ChannelInbound,
    ChannelToken, ClientLastDialog, CloseSockets, ConnectChannel, CreateLead, DialogAccess,
    DisconnectChannel, Done, EraseClient, ExportClient, HooksChanged, LastDialog,
    LineAvailabilityAsk, LineFiguresAsk, ListAudit, ListChannels, ListDialogs, ListLeads,
    ListNotifications, Member, Membership, MergeClients, OperatorSend, RecordVisit, Relay,
    SearchDialogs, ShowLead,
};
use crate::clock;
use openline_core::line::Event;
use openline_core::protocol::frames::OperatorEvent;
use openline_core::replies::{Ack, Department, DepartmentList, OpenNow, OperatorList, QueuePlace};
use openline_core::{ErrorCode, ProtocolError};
use worker::{Method, Request};

impl LineObject {
    pub(super) async fn handle(&self, mut req: Request) -> ApiResult {
        let url = req.url().map_err(internal)?;
        let path = url.path().to_owned();
        let method = req.method();
        if (method.clone(), path.as_str()) == (Method::Post, "/create") {
            let body: CreateLine = read_json(&mut req).await?;
            return self.create(body);
        }
        if path.starts_with("/quick-answer") {
            // QA1: the line's own quick answers.
            self.load()?;
            let sql = self.sql();
            let store = crate::quick_store::Store {
                sql: &sql,
                table: "quick_answers",
                shared: false,
            };
            if let Some(answer) = store.route(&method, &path, &mut req).await {
                return answer;
            }
        }
        // The body is read once, here: the routes below parse it without
        // an await each (every await was a state of one large machine).
        let body = match method {
            Method::Get => Vec::new(),
            _ => read_bytes(&mut req, MAX_BODY_BYTES).await?,
        };
        match (method, path.as_str()) {
            (Method::Get, "/settings") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                json(200, line.settings())
            }
            (Method::Put, "/settings") => {
                let body: SettingsUpdate = parse_json(&body)?;
                let now = clock::core_now(&self.env);
                let fx = self
                    .step(|line| {
                        for account in line.roster_from(&body.settings, &body.accounts) {
                            line.handle(now, Event::UpsertOperator { operator: account })?;
                        }
                        Ok(line.update_settings(body.settings, now)?)
                    })
                    .await?;
                self.apply(fx).await;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                json(200, line.settings())
            }
            (Method::Delete, "/") => {
                self.delete_line().await?;
                json(200, &Ack::DONE)
            }
            (Method::Post, "/event") => {
                let event: Event = parse_json(&body)?;
                if let Event::Transfer { to, .. } = &event {
                    self.check_transfer_target(to).await?;
                }
                let now = clock::core_now(&self.env);
                let fx = self.step(|line| Ok(line.handle(now, event)?)).await?;
                self.apply(fx.clone()).await;
                json(200, &Applied { effects: fx })
            }
            (Method::Post, RecordVisit::PATH) => {
                let ask: RecordVisit = parse_json(&body)?;
                self.record_visit(&ask)?;
                // Live on the panels of whoever takes part in the client's
                // open dialogs.
                let participants: Vec<String> = {
                    self.load()?;
                    let guard = self.line.borrow();
                    let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                    let mut all: Vec<String> = line
                        .dialogs()
                        .filter(|d| d.client == ask.client && d.finished_at.is_none())
                        .flat_map(|d| d.participants())
                        .collect();
                    openline_core::order::sort(&mut all);
                    all.dedup();
                    all
                };
                let RecordVisit { client, visit } = ask;
                self.send_to(&participants, &OperatorEvent::Visit { client, visit });
                json(200, &Done {})
            }
            (Method::Post, ListNotifications::PATH) => {
                let ask: ListNotifications = parse_json(&body)?;
                self.notifications(&ask)
            }
            (Method::Post, AcknowledgeNotifications::PATH) => {
                let ask: AcknowledgeNotifications = parse_json(&body)?;
                json(200, &self.acknowledge(&ask)?)
            }
            (Method::Post, ListDialogs::PATH) => {
                let ask: ListDialogs = parse_json(&body)?;
                json(200, &self.list_dialogs(&ask)?)
            }
            (Method::Get, "/departments") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let departments = line
                    .departments()
                    .map(|(id, members)| Department {
                        id: id.to_owned(),
                        members: members.to_vec(),
                    })
                    .collect();
                json(200, &DepartmentList { departments })
            }
            (Method::Get, "/operators") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let operators = line.operators().cloned().collect();
                json(200, &OperatorList { operators })
            }
            (Method::Get, p) if p.starts_with("/queue/") => {
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let dialog = p.trim_start_matches("/queue/");
                json(
                    200,
                    &QueuePlace {
                        queue: line.queue_info(dialog),
                    },
                )
            }
            (Method::Post, CloseSockets::PATH) => {
                let which: CloseSockets = parse_json(&body)?;
                self.close_sockets(which).await;
                json(200, &Done {})
            }
            (Method::Post, LineFiguresAsk::PATH) => json(200, &self.figures()?),
            (Method::Post, LineAvailabilityAsk::PATH) => json(200, &self.availability()?),
            (Method::Post, BotAct::PATH) => {
                let acted = self.bot_act(parse_json(&body)?).await?;
                json(if acted.created { 201 } else { 200 }, &acted)
            }
            (Method::Post, ConnectChannel::PATH) => {
                json(200, &self.connect_channel(parse_json(&body)?)?)
            }
            (Method::Post, ListChannels::PATH) => json(200, &self.list_channels()?),
            (Method::Post, ChannelToken::PATH) => {
                let ask: ChannelToken = parse_json(&body)?;
                json(200, &self.channel_token(ask.kind)?)
            }
            (Method::Post, DisconnectChannel::PATH) => {
                let ask: DisconnectChannel = parse_json(&body)?;
                json(200, &self.disconnect_channel(ask.kind)?)
            }
            (Method::Post, ChannelInbound::PATH) => {
                json(200, &self.channel_inbound(parse_json(&body)?).await?)
            }
            (Method::Post, ChannelFailed::PATH) => {
                json(200, &self.channel_failed(parse_json(&body)?).await?)
            }
            (Method::Post, HooksChanged::PATH) => {
                self.forget_hook_kinds();
                json(200, &Done {})
            }
            (Method::Post, Membership::PATH) => {
                let ask: Membership = parse_json(&body)?;
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                json(
                    200,
                    &Member {
                        member: line.is_member(&ask.operator),
                    },
                )
            }
            (Method::Post, ClientLastDialog::PATH) => {
                let ask: ClientLastDialog = parse_json(&body)?;
                self.load()?;
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let d = line.dialog_for_client(&ask.client)?;
                json(
                    200,
                    &LastDialog {
                        dialog: d.id.clone(),
                        status: d.status.clone(),
                    },
                )
            }
            (Method::Get, "/open-now") => {
                self.load()?;
                let now = clock::core_now(&self.env);
                let guard = self.line.borrow();
                let (_, line) = guard.as_ref().ok_or_else(|| internal("line not loaded"))?;
                let scale = clock::scale(&self.env);
                let next = line.next_opening(now).map(|t| t / scale);
                json(
                    200,
                    &OpenNow {
                        open: line.open_now(now),
                        next_opening: next,
                    },
                )
            }
            (Method::Post, ContactsLeft::PATH) => self.contacts_left(parse_json(&body)?).await,
            (Method::Get, "/consents") => self.consents(),
            (Method::Get, p) if p.starts_with("/card/") => self.card(p, &url),
            (Method::Post, Relay::PATH) => {
                let relay: Relay = parse_json(&body)?;
                self.relay(relay).await?;
                json(200, &Done {})
            }
            (Method::Post, OperatorSend::PATH) => {
                let send: OperatorSend = parse_json(&body)?;
                let stored = self.operator_send(send).await?;
                json(if stored.created { 201 } else { 200 }, &stored)
            }
            (Method::Post, DialogAccess::PATH) => {
                let ask: DialogAccess = parse_json(&body)?;
                self.load()?;
                let d = self.dialog_record(&ask.dialog)?;
                if !d.readable_by(&ask.operator, ask.supervisor) {
                    return Err(ProtocolError::new(
                        ErrorCode::Forbidden,
                        "this dialog is not offered to you or held by you",
                    ));
                }
                json(200, &d)
            }
            (Method::Get, "/statistics") => self.statistics(&url),
            (Method::Post, ListAudit::PATH) => json(200, &self.audit_log()?),
            (Method::Post, MergeClients::PATH) => {
                let ask: MergeClients = parse_json(&body)?;
                json(200, &self.merge_clients(&ask).await?)
            }
            (Method::Post, ExportClient::PATH) => {
                let ask: ExportClient = parse_json(&body)?;
                json(200, &self.export_client(&ask).await?)
            }
            (Method::Post, EraseClient::PATH) => {
                let ask: EraseClient = parse_json(&body)?;
                json(200, &self.erase_client(&ask).await?)
            }
            (Method::Post, SearchDialogs::PATH) => {
                let ask: SearchDialogs = parse_json(&body)?;
                self.search(&ask)
            }
            (Method::Post, CreateLead::PATH) => {
                let ask: CreateLead = parse_json(&body)?;
                json(201, &self.create_lead(&ask).await?)
            }
            (Method::Post, ListLeads::PATH) => {
                let ask: ListLeads = parse_json(&body)?;
                json(200, &self.list_leads(&ask)?)
            }
            (Method::Post, ShowLead::PATH) => {
                let ask: ShowLead = parse_json(&body)?;
                json(200, &self.show_lead(&ask).await?)
            }
            (Method::Post, ChangeLead::PATH) => {
                let ask: ChangeLead = parse_json(&body)?;
                json(200, &self.change_lead(&ask)?)
            }
            (Method::Get, "/ws") => {
                let operator = req
                    .headers()
                    .get(OPERATOR_HEADER)
                    .map_err(internal)?
                    .ok_or_else(|| {
                        ProtocolError::new(ErrorCode::Unauthorized, "operator required")
                    })?;
                let session = req.headers().get(SESSION_HEADER).map_err(internal)?;
                let watcher = req
                    .headers()
                    .get(WATCHER_HEADER)
                    .map_err(internal)?
                    .is_some();
                self.accept_operator_socket(&operator, session.as_deref(), watcher)
                    .await
            }
            _ => Err(ProtocolError::new(
                ErrorCode::NotFound,
                "no such line route",
            )),
        }
    }
}
