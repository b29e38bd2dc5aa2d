//! Small text helpers: durations, times and short ids as operators read them.

use wasm_bindgen::JsCast;

/// A duration in milliseconds as `45 s`, `12 min`, `3 h 05 min`; negative
/// values (clock skew) show as zero.
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

/// When a message was written, as people read it in a chat: the time alone
/// today ("14:05"), the day and time before ("3 Dec, 14:05"); in the
/// browser's language and time zone. The full instant is [`time`].
pub fn message_time(ms: i64) -> String {
    let at = js_sys::Date::new(&(ms as f64).into());
    let today = js_sys::Date::new_0();
    let same_day = at.get_full_year() == today.get_full_year()
        && at.get_month() == today.get_month()
        && at.get_date() == today.get_date();
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("hour", "2-digit");
    set("minute", "2-digit");
    if !same_day {
        set("day", "numeric");
        set("month", "short");
    }
    at.to_locale_string("default", &options)
        .as_string()
        .unwrap_or_default()
}

/// The time now in an IANA zone ("14:05"), in the browser's locale; None
/// for a zone the browser does not know.
pub fn time_in_zone(zone: &str) -> Option<String> {
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("hour", "2-digit");
    set("minute", "2-digit");
    set("timeZone", zone);
    // An unknown zone throws a RangeError; caught here as None.
    let format = js_sys::Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| js_sys::Reflect::get(&intl, &"DateTimeFormat".into()))
        .ok()?;
    let format: js_sys::Function = format.dyn_into().ok()?;
    let args = js_sys::Array::of2(&"default".into(), &options);
    let formatter = js_sys::Reflect::construct(&format, &args).ok()?;
    let f: js_sys::Function = js_sys::Reflect::get(&formatter, &"format".into())
        .ok()?
        .dyn_into()
        .ok()?;
    f.call1(&formatter, &js_sys::Date::new_0())
        .ok()?
        .as_string()
}

/// An epoch-ms instant in the browser's locale and time zone.
pub fn time(ms: i64) -> String {
    js_sys::Date::new(&(ms as f64).into())
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default()
}

/// The first characters of an opaque id, enough to tell dialogs apart.
pub fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// The browser's clock in epoch milliseconds.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// A fresh id for an operator message (idempotent resends).
pub fn client_id() -> String {
    let rand = (js_sys::Math::random() * 1e12) as u64;
    format!("c{:x}-{rand:x}", now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(-5), "0 s");
        assert_eq!(duration(45_000), "45 s");
        assert_eq!(duration(125_000), "2 min 05 s");
        assert_eq!(duration(3 * 3_600_000 + 5 * 60_000), "3 h 05 min");
    }
}
