//! QA1's storage, the same for a line's own quick answers (in its object)
//! and the deployment's shared ones (in the accounts object): one table of
//! `(id, grp, title, text, shortcut, created_by, created_at)` and the
//! object routes over it. Shared answers' ids start with [`SHARED_PREFIX`],
//! so the worker knows where an id lives.

use crate::api::{internal, json, read_json, ApiResult};
use crate::calls::{CreateQuickAnswers, RenameQuickAnswerGroup};
use crate::clock;
use crate::sql::{rows, run, written};
use openline_core::quick_answers::{group_name, QuickAnswer, QuickAnswerInput};
use openline_core::replies::{Ack, QuickAnswerList, QuickAnswersChanged};
use openline_core::{ErrorCode, ProtocolError};
use serde::Deserialize;
use worker::{Method, Request, SqlStorage, SqlStorageValue as V};

/// The start of a shared answer's id.
pub const SHARED_PREFIX: &str = "s-";

/// The most answers one request creates.
pub const MAX_ITEMS: usize = 500;

#[derive(Deserialize)]
struct Row {
    id: String,
    grp: String,
    title: String,
    text: String,
    #[serde(default)]
    shortcut: Option<String>,
}

impl Row {
    fn answer(self, shared: bool) -> QuickAnswer {
        QuickAnswer {
            id: self.id,
            group: self.grp,
            title: self.title,
            text: self.text,
            shortcut: self.shortcut,
            shared,
        }
    }
}

/// One object's quick answers: its table and whether they are shared.
pub struct Store<'a> {
    pub sql: &'a SqlStorage,
    pub table: &'static str,
    pub shared: bool,
}

impl Store<'_> {
    /// Answers the object routes of quick answers; None for other paths.
    pub async fn route(&self, method: &Method, path: &str, req: &mut Request) -> Option<ApiResult> {
        Some(match (method, path) {
            (Method::Get, "/quick-answers") => self.list().and_then(|l| json(200, &l)),
            (Method::Post, "/quick-answers") => match read_json::<CreateQuickAnswers>(req).await {
                Ok(c) => self.create(&c).and_then(|l| json(201, &l)),
                Err(e) => Err(e),
            },
            (Method::Post, "/quick-answer-groups") => {
                match read_json::<RenameQuickAnswerGroup>(req).await {
                    Ok(r) => self.rename_group(&r).and_then(|c| json(200, &c)),
                    Err(e) => Err(e),
                }
            }
            (Method::Put, p) if p.starts_with("/quick-answers/") => {
                let id = p.trim_start_matches("/quick-answers/");
                match read_json::<QuickAnswerInput>(req).await {
                    Ok(input) => self.replace(id, &input).and_then(|a| json(200, &a)),
                    Err(e) => Err(e),
                }
            }
            (Method::Delete, p) if p.starts_with("/quick-answers/") => self
                .delete(p.trim_start_matches("/quick-answers/"))
                .and_then(|()| json(200, &Ack::DONE)),
            (Method::Delete, p) if p.starts_with("/quick-answer-groups/") => {
                let group = p.trim_start_matches("/quick-answer-groups/");
                let group = js_sys::decode_uri_component(group)
                    .ok()
                    .and_then(|g| g.as_string())
                    .unwrap_or_default();
                self.delete_group(&group).and_then(|c| json(200, &c))
            }
            _ => return None,
        })
    }

    /// Every answer, in no particular order (the worker sorts).
    pub fn list(&self) -> Result<QuickAnswerList, ProtocolError> {
        let found: Vec<Row> = rows(
            self.sql,
            &format!("SELECT id, grp, title, text, shortcut FROM {}", self.table),
            vec![],
        )?;
        Ok(QuickAnswerList {
            quick_answers: found.into_iter().map(|r| r.answer(self.shared)).collect(),
        })
    }

    /// Adds answers (one or a list), each validated first: one bad item
    /// and none is stored.
    fn create(&self, body: &CreateQuickAnswers) -> Result<QuickAnswerList, ProtocolError> {
        if body.items.is_empty() || body.items.len() > MAX_ITEMS {
            return Err(ProtocolError::invalid_field("items", "1–500 quick answers"));
        }
        let valid = body
            .items
            .iter()
            .map(QuickAnswerInput::validated)
            .collect::<Result<Vec<_>, _>>()?;
        let prefix = if self.shared { SHARED_PREFIX } else { "" };
        let mut created = Vec::new();
        for v in valid {
            let id = format!("{prefix}{}", crate::ids::random_hex(8).map_err(internal)?);
            run(
                self.sql,
                &format!(
                    "INSERT INTO {} (id, grp, title, text, shortcut, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    self.table
                ),
                vec![
                    V::from(id.as_str()),
                    V::from(v.group.as_str()),
                    V::from(v.title.as_str()),
                    V::from(v.text.as_str()),
                    V::from(v.shortcut.clone()),
                    V::from(body.by.as_str()),
                    V::from(clock::real_now()),
                ],
            )?;
            created.push(QuickAnswer {
                id,
                group: v.group,
                title: v.title,
                text: v.text,
                shortcut: v.shortcut,
                shared: self.shared,
            });
        }
        Ok(QuickAnswerList {
            quick_answers: created,
        })
    }

    /// Replaces an answer (moving it to another group is changing its
    /// group); an unknown id is 404, nothing created.
    fn replace(&self, id: &str, input: &QuickAnswerInput) -> Result<QuickAnswer, ProtocolError> {
        let v = input.validated()?;
        let changed = written(
            self.sql,
            &format!(
                "UPDATE {} SET grp = ?, title = ?, text = ?, shortcut = ? WHERE id = ?",
                self.table
            ),
            vec![
                V::from(v.group.as_str()),
                V::from(v.title.as_str()),
                V::from(v.text.as_str()),
                V::from(v.shortcut.clone()),
                V::from(id),
            ],
        )?;
        if changed == 0 {
            return Err(no_such_answer());
        }
        Ok(QuickAnswer {
            id: id.to_owned(),
            group: v.group,
            title: v.title,
            text: v.text,
            shortcut: v.shortcut,
            shared: self.shared,
        })
    }

    fn delete(&self, id: &str) -> Result<(), ProtocolError> {
        let gone = written(
            self.sql,
            &format!("DELETE FROM {} WHERE id = ?", self.table),
            vec![V::from(id)],
        )?;
        if gone == 0 {
            return Err(no_such_answer());
        }
        Ok(())
    }

    /// Renames a group: every answer in it moves; into an existing group,
    /// the two merge. An empty group is 404.
    fn rename_group(
        &self,
        r: &RenameQuickAnswerGroup,
    ) -> Result<QuickAnswersChanged, ProtocolError> {
        if r.to.trim().is_empty() {
            return Err(ProtocolError::invalid_field("name", "a group needs a name"));
        }
        let to = group_name(&r.to)?;
        if to == r.from {
            return Err(ProtocolError::invalid_field(
                "name",
                "the group already has this name",
            ));
        }
        let count = self.count_in(&r.from)?;
        if count == 0 {
            return Err(no_such_group());
        }
        run(
            self.sql,
            &format!("UPDATE {} SET grp = ? WHERE grp = ?", self.table),
            vec![V::from(to.as_str()), V::from(r.from.as_str())],
        )?;
        Ok(QuickAnswersChanged { changed: count })
    }

    /// Deletes a group with its answers.
    fn delete_group(&self, group: &str) -> Result<QuickAnswersChanged, ProtocolError> {
        let count = self.count_in(group)?;
        if count == 0 {
            return Err(no_such_group());
        }
        run(
            self.sql,
            &format!("DELETE FROM {} WHERE grp = ?", self.table),
            vec![V::from(group)],
        )?;
        Ok(QuickAnswersChanged { changed: count })
    }

    fn count_in(&self, group: &str) -> Result<u32, ProtocolError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        let n: Vec<Count> = rows(
            self.sql,
            &format!("SELECT COUNT(*) AS n FROM {} WHERE grp = ?", self.table),
            vec![V::from(group)],
        )?;
        Ok(n.first().map_or(0, |c| c.n))
    }
}

fn no_such_answer() -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, "no such quick answer")
}

fn no_such_group() -> ProtocolError {
    ProtocolError::new(ErrorCode::NotFound, "no such group of quick answers")
}
