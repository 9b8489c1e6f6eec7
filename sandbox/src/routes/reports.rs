//! Reports: a report's filters, running it, and the two CSV exports (the
//! legacy `tofile/csv` and the core service's `export/csv_utf8`).
//!
//! Every report here lists the tenant's requests, one row each, with the
//! columns ID, Name, Process, State and Started; a report's filters narrow
//! the rows. Reports are not designed here: the seeded one is all there is.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::format_date_time;
use crate::error::{ApiError, JsonBody, Params, PathArgs};
use crate::site::{Caller, Site};
use crate::tenant::{Report, ReportFilter, Tenant};

pub(super) fn routes() -> Router<Arc<Site>> {
    Router::new()
        .route("/reports/{report_sid}", post(run_report))
        .route("/reports/{report_sid}/filters", get(get_report_filters))
        .route("/reports/{report_sid}/tofile/csv", get(export_report_csv))
        .route(
            "/core-service/reports/{report_sid}/export/csv_utf8",
            get(export_report_csv_utf8),
        )
}

const COLUMNS: [&str; 5] = ["ID", "Name", "Process", "State", "Started"];

/// One condition on the rows: the report column a filter's `MappingVal`
/// names, the operator and the value.
struct Condition {
    column: usize,
    operator: Operator,
    value: String,
}

#[derive(Clone, Copy)]
enum Operator {
    Is,
    IsNot,
    Contains,
}

impl Operator {
    /// Reads the operators of both filter forms: the legacy `Operator`
    /// label (`Is`) and the core service's `comparison` (`eq`).
    fn parse(text: &str) -> Result<Self, ApiError> {
        match text.to_lowercase().replace(' ', "").as_str() {
            "is" | "eq" | "=" => Ok(Operator::Is),
            "isnot" | "neq" | "ne" | "!=" => Ok(Operator::IsNot),
            "contains" | "like" => Ok(Operator::Contains),
            _ => Err(ApiError::bad_request(format!(
                "unsupported filter operator {text}; use Is, Is Not or Contains"
            ))),
        }
    }

    fn holds(self, cell: &str, value: &str) -> bool {
        match self {
            Operator::Is => cell.eq_ignore_ascii_case(value),
            Operator::IsNot => !cell.eq_ignore_ascii_case(value),
            Operator::Contains => cell.to_lowercase().contains(&value.to_lowercase()),
        }
    }
}

/// The condition for one filter of `report`, or `None` when the filter has
/// no value (an unset filter does not narrow the rows).
fn condition(
    report: &Report,
    mapping_val: &str,
    operator: &str,
    value: &Value,
) -> Result<Option<Condition>, ApiError> {
    let value = match value {
        Value::Null => return Ok(None),
        Value::String(text) if text.is_empty() => return Ok(None),
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        other => {
            return Err(ApiError::bad_request(format!(
                "filter {mapping_val} takes a string or a number, not {other}"
            )));
        }
    };
    if !report.filters.iter().any(|f| f.mapping_val == mapping_val) {
        return Err(ApiError::bad_request(format!(
            "report {} has no filter {mapping_val}",
            report.name
        )));
    }
    let column = match mapping_val {
        "Request|ID" => 0,
        "Process|Name" => 2,
        _ => {
            return Err(ApiError::internal(format!(
                "filter {mapping_val} maps to no column"
            )));
        }
    };
    Ok(Some(Condition {
        column,
        operator: Operator::parse(operator)?,
        value,
    }))
}

/// The report's rows that meet every condition, oldest request first.
fn rows(tenant: &Tenant, conditions: &[Condition]) -> Vec<[String; 5]> {
    let mut requests: Vec<_> = tenant.requests.iter().collect();
    requests.sort_by_key(|request| request.id);
    requests
        .into_iter()
        .map(|request| {
            let process = tenant
                .process(&request.process_sid)
                .map(|process| process.name.clone())
                .unwrap_or_default();
            [
                request.id.to_string(),
                request.name.clone(),
                process,
                request.state.as_str().to_owned(),
                format_date_time(request.started),
            ]
        })
        .filter(|row| {
            conditions
                .iter()
                .all(|c| c.operator.holds(&row[c.column], &c.value))
        })
        .collect()
}

fn report_of<'t>(tenant: &'t Tenant, sid: &str) -> Result<&'t Report, ApiError> {
    tenant
        .report(sid)
        .ok_or_else(|| ApiError::not_found(format!("no report with SID {sid}")))
}

async fn get_report_filters(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(report_sid): PathArgs<String>,
) -> Result<Json<Vec<ReportFilter>>, ApiError> {
    let tenant = site.tenant();
    Ok(Json(report_of(&tenant, &report_sid)?.filters.clone()))
}

/// Parses the `filters` query parameter, a JSON array of `T`.
fn parse_filters<T: for<'de> Deserialize<'de>>(filters: Option<&str>) -> Result<Vec<T>, ApiError> {
    match filters {
        None => Ok(Vec::new()),
        Some(text) if text.trim().is_empty() => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text)
            .map_err(|error| ApiError::bad_request(format!("invalid filters: {error}"))),
    }
}

#[derive(Deserialize)]
struct ToFileParams {
    filters: Option<String>,
}

async fn export_report_csv(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(report_sid): PathArgs<String>,
    Params(params): Params<ToFileParams>,
) -> Result<Response, ApiError> {
    let filters: Vec<ReportFilter> = parse_filters(params.filters.as_deref())?;
    let tenant = site.tenant();
    let report = report_of(&tenant, &report_sid)?;
    let conditions = filters
        .iter()
        .filter_map(|f| condition(report, &f.mapping_val, &f.operator, &f.value).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    csv_response(report, &rows(&tenant, &conditions), 0)
}

/// A filter as the core service takes it.
#[derive(Deserialize)]
struct CoreFilter {
    field: String,
    data: CoreFilterData,
}

#[derive(Deserialize)]
struct CoreFilterData {
    #[serde(default)]
    value: Value,
    comparison: Option<String>,
}

#[derive(Deserialize)]
struct CsvUtf8Params {
    start: Option<i64>,
    filters: Option<String>,
}

async fn export_report_csv_utf8(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(report_sid): PathArgs<String>,
    Params(params): Params<CsvUtf8Params>,
) -> Result<Response, ApiError> {
    let filters: Vec<CoreFilter> = parse_filters(params.filters.as_deref())?;
    let tenant = site.tenant();
    let report = report_of(&tenant, &report_sid)?;
    let conditions = filters
        .iter()
        .filter_map(|f| {
            let operator = f.data.comparison.as_deref().unwrap_or("Is");
            condition(report, &f.field, operator, &f.data.value).transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let skip = usize::try_from(params.start.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    csv_response(report, &rows(&tenant, &conditions), skip)
}

fn csv_response(report: &Report, rows: &[[String; 5]], skip: usize) -> Result<Response, ApiError> {
    let mut csv = csv_line(&COLUMNS);
    for row in rows.iter().skip(skip) {
        csv.push_str(&csv_line(row));
    }
    let file_name: String = report
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}.csv\""))
        .map_err(|_| ApiError::internal("report name is not a valid header value"))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        ),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, csv).into_response())
}

/// One CSV record with RFC 4180 quoting, ending in CRLF.
fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|cell| {
            let cell = cell.as_ref();
            if cell.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.to_owned()
            }
        })
        .collect();
    format!("{}\r\n", cells.join(","))
}

#[derive(Deserialize)]
struct RunReport {
    start: Option<i64>,
    #[serde(default)]
    filters: Vec<ReportFilter>,
    page: Option<i64>,
    limit: Option<i64>,
}

/// Runs a report as JSON: `{"total", "rows": [{ID, Name, ...}]}`, paged by
/// `start` (or `page`, from 1) and `limit` (10 unless given, as client code
/// sends it).
async fn run_report(
    State(site): State<Arc<Site>>,
    _caller: Caller,
    PathArgs(report_sid): PathArgs<String>,
    JsonBody(body): JsonBody<RunReport>,
) -> Result<Json<Value>, ApiError> {
    let tenant = site.tenant();
    let report = report_of(&tenant, &report_sid)?;
    let conditions = body
        .filters
        .iter()
        .filter_map(|f| condition(report, &f.mapping_val, &f.operator, &f.value).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let rows = rows(&tenant, &conditions);
    let total = rows.len();

    let limit = body.limit.unwrap_or(10).max(0);
    let start = match (body.start, body.page) {
        (Some(start), _) => start,
        (None, Some(page)) => (page.max(1) - 1).saturating_mul(limit),
        (None, None) => 0,
    };
    let page: Vec<Value> = super::page(rows, Some(start), Some(limit))
        .into_iter()
        .map(|row| {
            let record: serde_json::Map<String, Value> = COLUMNS
                .iter()
                .zip(row)
                .map(|(column, cell)| ((*column).to_owned(), Value::String(cell)))
                .collect();
            Value::Object(record)
        })
        .collect();
    Ok(Json(json!({ "total": total, "rows": page })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_with_separators_are_quoted() {
        assert_eq!(
            csv_line(&["1", "a,b", "say \"hi\""]),
            "1,\"a,b\",\"say \"\"hi\"\"\"\r\n"
        );
    }
}
