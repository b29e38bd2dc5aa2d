//! Password hashing with PBKDF2-SHA256 through WebCrypto (native speed in
//! workerd). Current guidance is 600,000 iterations; the runtime refuses
//! more than 100,000 in one call, so a hash above that is a chain of rounds
//! of 100,000, each round's output (hex) the next round's password, with
//! the same salt: an attacker pays every iteration of every round, one
//! after another, for each guess. Hashes made at the old cost (one round)
//! are re-made at the new one on their owner's next good login.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Iterations of PBKDF2-SHA256 for new hashes (OWASP's figure for
/// PBKDF2-SHA256).
pub const ITERATIONS: u32 = 600_000;

/// The most iterations workerd's WebCrypto takes in one call.
const ROUND: u32 = 100_000;

/// Whether a hash made with `iterations` should be re-made at today's cost.
pub fn outdated(iterations: u32) -> bool {
    iterations < ITERATIONS
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|_| "no crypto global".to_string())?;
    Ok(crypto.unchecked_into::<web_sys::Crypto>().subtle())
}

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Error::from(e).message().as_string())
        .unwrap_or_else(|| "webcrypto failure".into())
}

/// The password's hash at `iterations`: PBKDF2-SHA256 → 32 bytes up to one
/// round, chained rounds of [`ROUND`] above it (see the module's note).
pub async fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, String> {
    if iterations <= ROUND {
        return pbkdf2(password, salt, iterations).await;
    }
    if !iterations.is_multiple_of(ROUND) {
        return Err(format!(
            "{iterations} iterations is not a whole number of rounds"
        ));
    }
    let mut out = pbkdf2(password, salt, ROUND).await?;
    for _ in 1..iterations / ROUND {
        out = pbkdf2(&hex::encode(&out), salt, ROUND).await?;
    }
    Ok(out)
}

/// One PBKDF2-SHA256 call of the runtime → 32 bytes.
async fn pbkdf2(password: &str, salt: &[u8], iterations: u32) -> Result<Vec<u8>, String> {
    let subtle = subtle()?;
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = JsFuture::from(
        subtle
            .import_key_with_str(
                "raw",
                &Uint8Array::from(password.as_bytes()),
                "PBKDF2",
                false,
                &usages,
            )
            .map_err(js_err)?,
    )
    .await
    .map_err(js_err)?;
    let params = web_sys::Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &Uint8Array::from(salt),
    );
    let bits = JsFuture::from(
        subtle
            .derive_bits_with_object(&params, &key.unchecked_into(), 256)
            .map_err(js_err)?,
    )
    .await
    .map_err(js_err)?;
    Ok(Uint8Array::new(&bits).to_vec())
}
