//! X7 in the browser: the console's what-if view loads this module only
//! when it is used, so the line machine (routing, timers, working hours
//! with their zones) costs the console nothing until then. One call: a
//! `Scenario` as JSON in, its `Outcome` as JSON out.

use openline_core::simulator::{replay as replay_day, Scenario};
use wasm_bindgen::prelude::*;

/// Replays a scenario (`openline_core::simulator::Scenario` as JSON);
/// answers the `Outcome` as JSON, or `{"error": "…"}` for a scenario that
/// cannot be read or replayed.
#[wasm_bindgen]
pub fn replay(scenario: &str) -> String {
    let outcome = serde_json::from_str::<Scenario>(scenario)
        .map_err(|e| e.to_string())
        .and_then(|s| replay_day(&s).map_err(|e| e.to_string()))
        .and_then(|o| serde_json::to_string(&o).map_err(|e| e.to_string()));
    match outcome {
        Ok(json) => json,
        Err(e) => serde_json::json!({ "error": e }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::replay;

    #[test]
    fn a_bad_scenario_is_an_error_not_a_crash() {
        assert!(replay("{").contains("\"error\""));
        assert!(replay("{\"settings\": 1}").contains("\"error\""));
    }
}
