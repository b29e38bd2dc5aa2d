//! Where a visitor is and what they browse with, for the console's visitor
//! panel (issue 11.7): the page the widget reports when it starts or
//! resumes a conversation, and what the edge reads from the request (the
//! browser, the preferred language, Cloudflare's location of the address).
//! Shown only to the line's operators; never logged.

use crate::Millis;
use serde::{Deserialize, Serialize};

/// The page the visitor has open, as the widget reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PageView {
    /// `http(s)://…`, at most 2,048 characters.
    pub url: String,
    #[serde(default)]
    pub title: String,
    /// Where the visitor came from (`document.referrer`), when the page
    /// says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
}

/// One page view with a conversation, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Visit {
    /// When the widget reported it (epoch ms).
    pub at: Millis,
    #[serde(default)]
    pub page: Option<PageView>,
    /// "Chrome 131", "Firefox 133", "Safari 18"…
    #[serde(default)]
    pub browser: Option<String>,
    /// "Windows", "macOS", "Android", "iOS", "Linux"…
    #[serde(default)]
    pub os: Option<String>,
    /// The browser's first preferred language (`ru-RU`).
    #[serde(default)]
    pub language: Option<String>,
    /// ISO country code of the visitor's address (Cloudflare).
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// IANA zone of the address (Cloudflare): the visitor's local time.
    #[serde(default)]
    pub time_zone: Option<String>,
}

const MAX_URL: usize = 2048;
const MAX_TITLE: usize = 300;

fn web_address(raw: &str) -> Option<String> {
    let url = raw.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().count() <= MAX_URL
        && !url.chars().any(char::is_control);
    ok.then(|| url.to_owned())
}

impl PageView {
    /// What is kept of a reported page: web addresses only (no `javascript:`
    /// or data), bounded lengths; None when the address is not one.
    pub fn cleaned(&self) -> Option<PageView> {
        Some(PageView {
            url: web_address(&self.url)?,
            title: self.title.trim().chars().take(MAX_TITLE).collect(),
            referrer: self.referrer.as_deref().and_then(web_address),
        })
    }
}

/// The browser and the operating system named by a `User-Agent` header, in
/// the words people use ("Chrome 131", "macOS"); None for what is not known.
pub fn browser_and_os(user_agent: &str) -> (Option<String>, Option<String>) {
    let ua = user_agent;
    let version = |token: &str| {
        ua.split(token)
            .nth(1)
            .map(|rest| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap_or("")
            })
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let named = |name: &str, token: &str| {
        Some(match version(token) {
            Some(v) => format!("{name} {v}"),
            None => name.to_owned(),
        })
    };
    // Order matters: most browsers also claim to be Chrome and Safari.
    let browser = if ua.contains("Edg/") {
        named("Edge", "Edg/")
    } else if ua.contains("OPR/") {
        named("Opera", "OPR/")
    } else if ua.contains("YaBrowser/") {
        named("Yandex Browser", "YaBrowser/")
    } else if ua.contains("Firefox/") {
        named("Firefox", "Firefox/")
    } else if ua.contains("HeadlessChrome/") {
        named("Chrome (headless)", "HeadlessChrome/")
    } else if ua.contains("Chrome/") {
        named("Chrome", "Chrome/")
    } else if ua.contains("CriOS/") {
        named("Chrome", "CriOS/")
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        named("Safari", "Version/")
    } else {
        None
    };
    let os = if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    (browser, os.map(str::to_owned))
}

/// The first language of an `Accept-Language` header (`ru-RU,ru;q=0.9` →
/// `ru-RU`); None for `*` or nothing usable.
pub fn first_language(accept_language: &str) -> Option<String> {
    let first = accept_language.split(',').next()?.split(';').next()?.trim();
    let ok = !first.is_empty()
        && first.len() <= 35
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_systems_are_named_as_people_name_them() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18", "macOS"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "Linux"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome 131", "iOS"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131", "Android"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.12.0.0 Safari/537.36", "Yandex Browser 24", "Windows"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome (headless) 131", "Linux"),
        ];
        for (ua, browser, os) in cases {
            let (b, o) = browser_and_os(ua);
            assert_eq!(
                (b.as_deref(), o.as_deref()),
                (Some(browser), Some(os)),
                "{ua}"
            );
        }
        assert_eq!(browser_and_os("curl/8.5.0"), (None, None));
        assert_eq!(browser_and_os(""), (None, None));
    }

    #[test]
    fn the_first_preferred_language_is_kept() {
        assert_eq!(
            first_language("ru-RU,ru;q=0.9,en;q=0.8").as_deref(),
            Some("ru-RU")
        );
        assert_eq!(first_language("en").as_deref(), Some("en"));
        assert_eq!(first_language("*"), None);
        assert_eq!(first_language(""), None);
        assert_eq!(first_language("<script>"), None);
    }

    #[test]
    fn only_web_pages_are_kept_and_within_bounds() {
        let page = |url: &str| PageView {
            url: url.into(),
            title: "  Teas — Northwind  ".into(),
            referrer: Some("javascript:alert(1)".into()),
        };
        let kept = page("https://shop.example/teas?x=1").cleaned().unwrap();
        assert_eq!(kept.title, "Teas — Northwind");
        assert_eq!(kept.referrer, None, "not a web address");
        assert!(page("javascript:alert(1)").cleaned().is_none());
        assert!(page("data:text/html,hi").cleaned().is_none());
        assert!(page(&format!("https://a.example/{}", "x".repeat(3000)))
            .cleaned()
            .is_none());
        let long = PageView {
            title: "t".repeat(1000),
            ..page("http://a.example/")
        };
        assert_eq!(long.cleaned().unwrap().title.chars().count(), MAX_TITLE);
    }
}
