//! Entra's error body: `error`, `error_description` ("AADSTSnnnnn: ...\r\nTrace ID: ...\r\n
//! Correlation ID: ...\r\nTimestamp: ..."), `error_codes`, `timestamp`, `trace_id`,
//! `correlation_id`, `error_uri`, and optionally `suberror` / `claims` / `error_additional_info`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

fn timestamp() -> String {
    // Entra's "2016-01-09 02:02:12Z" format, computed without a date crate.
    let secs = crate::tokens::now();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

pub fn body(error: &str, code: u32, message: &str) -> Value {
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let ts = timestamp();
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {ts}"),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
}

/// An Entra error response under construction.
pub struct AadError {
    pub status: StatusCode,
    pub body: Value,
}

impl AadError {
    pub fn new(status: StatusCode, error: &str, code: u32, message: impl AsRef<str>) -> AadError {
        AadError { status, body: body(error, code, message.as_ref()) }
    }
    pub fn bad(error: &str, code: u32, message: impl AsRef<str>) -> AadError {
        AadError::new(StatusCode::BAD_REQUEST, error, code, message)
    }
    pub fn invalid_client(code: u32, message: impl AsRef<str>) -> AadError {
        AadError::new(StatusCode::UNAUTHORIZED, "invalid_client", code, message)
    }
    pub fn suberror(mut self, s: &str) -> AadError {
        self.body["suberror"] = json!(s);
        self.body["error_additional_info"] = json!([s]);
        self
    }
    pub fn claims(mut self, claims: &str) -> AadError {
        self.body["claims"] = json!(claims);
        self
    }
}

impl IntoResponse for AadError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
    }
}
