//! The widget's texts in Russian and English, in one catalogue: the line's
//! language wins, then the browser's.

/// Every text the widget shows, in one language.
pub struct Texts {
    /// The catalogue's language, for the browser's date and time formats.
    pub lang: &'static str,
    pub message_label: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub close_chat: &'static str,
    pub typing: &'static str,
    pub someone_typing: &'static str,
    pub offline: &'static str,
    pub rate_prompt: &'static str,
    pub rate_star: &'static str,
    pub rated: &'static str,
    /// Under a closed conversation.
    pub ended: &'static str,
    pub not_sent: &'static str,
    /// Issue 11.3: the title of a message's "seen" mark.
    pub seen: &'static str,
    /// B3: the label of a bot's suggested answers.
    pub quick_replies: &'static str,
    pub reconnecting: &'static str,
    pub closed_until: &'static str,
    pub closed: &'static str,
    pub contacts_prompt: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub leave_contacts: &'static str,
    pub contacts_saved: &'static str,
    pub later: &'static str,
    pub copy_prompt: &'static str,
    pub send_copy: &'static str,
    pub copy_sent: &'static str,
    pub busy_prompt: &'static str,
    /// F5: above the form after an operator closed the conversation.
    pub after_close_prompt: &'static str,
    pub queue_position: &'static str,
    pub queue_estimate: &'static str,
    pub typing_notice: &'static str,
    pub rate_comment: &'static str,
    pub send_rating: &'static str,
    pub operator: &'static str,
    pub emoji: &'static str,
    pub online: &'static str,
    pub reply_in: &'static str,
    pub away: &'static str,
    pub attach: &'static str,
    pub file_too_big: &'static str,
    pub file_kind: &'static str,
    pub files_off: &'static str,
}

const EN: Texts = Texts {
    lang: "en",
    message_label: "Message",
    placeholder: "Write a message…",
    send: "Send",
    close_chat: "Close chat",
    typing: "is typing…",
    someone_typing: "The operator is typing…",
    offline: "No connection to the chat service. We will retry.",
    rate_prompt: "How did we do?",
    rate_star: "Rate {n} of 5",
    rated: "Thank you for your rating!",
    ended: "This conversation has ended. Write to us to start a new one.",
    not_sent: "Not sent yet — will retry",
    seen: "Seen",
    quick_replies: "Suggested answers",
    reconnecting: "Reconnecting…",
    closed_until: "We are offline now and open at {time}. Leave a message and we will answer then.",
    closed: "We are offline now. Leave a message and we will answer later.",
    contacts_prompt: "Leave your contacts so we can answer even if you leave the page.",
    name: "Name",
    email: "E-mail",
    phone: "Phone",
    leave_contacts: "Save contacts",
    contacts_saved: "Thank you! We will get back to you.",
    later: "Not now",
    copy_prompt: "Send me a copy of this chat",
    send_copy: "Send copy",
    copy_sent: "A copy of the chat is on its way.",
    busy_prompt:
        "All our operators are busy right now. Leave your contacts and we will answer later.",
    after_close_prompt: "Leave your contacts if you would like us to get back to you.",
    queue_position: "You are number {n} in the queue.",
    queue_estimate: "Expected wait: about {m} min.",
    typing_notice: "Operators may see what you type before you send it.",
    rate_comment: "Comment (optional)",
    send_rating: "Send rating",
    operator: "Your operator",
    emoji: "Emoji",
    online: "Online now",
    reply_in: "we usually reply in {m} min",
    away: "We are away right now. Leave a message and we will answer.",
    attach: "Attach a file",
    file_too_big: "This file is too big: at most {max}.",
    file_kind: "This kind of file cannot be sent here: pictures and PDF files can.",
    files_off: "Files cannot be sent in this chat.",
};

const RU: Texts = Texts {
    lang: "ru",
    message_label: "Сообщение",
    placeholder: "Напишите сообщение…",
    send: "Отправить",
    close_chat: "Закрыть чат",
    typing: "печатает…",
    someone_typing: "Оператор печатает…",
    offline: "Нет связи с чатом. Мы повторим попытку.",
    rate_prompt: "Оцените, пожалуйста, наш ответ",
    rate_star: "Оценка {n} из 5",
    rated: "Спасибо за оценку!",
    ended: "Разговор завершён. Напишите нам, чтобы начать новый.",
    not_sent: "Ещё не отправлено — повторим",
    seen: "Прочитано",
    quick_replies: "Варианты ответа",
    reconnecting: "Восстанавливаем связь…",
    closed_until: "Сейчас мы не на связи и откроемся {time}. Оставьте сообщение — мы ответим.",
    closed: "Сейчас мы не на связи. Оставьте сообщение — мы ответим позже.",
    contacts_prompt: "Оставьте контакты, чтобы мы ответили, даже если вы уйдёте со страницы.",
    name: "Имя",
    email: "E-mail",
    phone: "Телефон",
    leave_contacts: "Сохранить контакты",
    contacts_saved: "Спасибо! Мы с вами свяжемся.",
    later: "Не сейчас",
    copy_prompt: "Прислать копию переписки",
    send_copy: "Отправить копию",
    copy_sent: "Копия переписки отправлена.",
    busy_prompt: "Сейчас все операторы заняты. Оставьте контакты — мы ответим позже.",
    after_close_prompt: "Оставьте контакты, если хотите, чтобы мы связались с вами.",
    queue_position: "Вы {n}-й в очереди.",
    queue_estimate: "Ожидание: около {m} мин.",
    typing_notice: "Операторы могут видеть текст, пока вы его набираете.",
    rate_comment: "Комментарий (необязательно)",
    send_rating: "Отправить оценку",
    operator: "Ваш оператор",
    emoji: "Эмодзи",
    online: "Сейчас в сети",
    reply_in: "обычно отвечаем за {m} мин",
    away: "Сейчас никого нет. Оставьте сообщение, и мы ответим.",
    attach: "Прикрепить файл",
    file_too_big: "Файл слишком большой: не больше {max}.",
    file_kind: "Такой файл здесь отправить нельзя: можно картинки и PDF.",
    files_off: "В этом чате нельзя отправлять файлы.",
};

/// The catalogue for a language code (`ru`, `ru-RU`, `en`…); English otherwise.
pub fn texts(language: &str) -> &'static Texts {
    // ASCII only: `to_lowercase` would link Unicode case tables (~15 KB).
    if language
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("ru"))
    {
        &RU
    } else {
        &EN
    }
}

/// The browser's preferred language.
pub fn browser_language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".into())
}
