//! Workflow helpers for reports: read a report's filters, fill them in by the
//! name they expose, and export the report as CSV, streamed.

use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, ResultExt as _};
use crate::transfer::Download;
use crate::workflow::types::ReportFilter;

/// A report's filters, to fill in before an export.
///
/// ```no_run
/// # async fn demo(client: nutrient_workflow::Client) -> Result<(), nutrient_workflow::Error> {
/// let mut filters = client.report_filters("report-sid").await?;
/// filters.set("ID", "1864")?;
/// let csv = client.export_report_csv("report-sid", &filters).await?;
/// println!("{}", String::from_utf8_lossy(&csv.bytes().await?));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReportFilters {
    report_sid: String,
    filters: Vec<ReportFilter>,
}

impl ReportFilters {
    /// The filters as the server listed them.
    pub fn as_slice(&self) -> &[ReportFilter] {
        &self.filters
    }

    /// Sets the value of the filter that exposes `name` (its `Expose`, such
    /// as `ID`); an unknown name is an error that lists the known ones.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<&mut Self, Error> {
        let Some(filter) = self.filters.iter_mut().find(|f| f.expose == name) else {
            let known: Vec<&str> = self.filters.iter().map(|f| f.expose.as_str()).collect();
            let reason = format!(
                "report {} has no filter `{name}`; its filters are {known:?}",
                self.report_sid
            );
            return Err(Error::invalid("export_report_csv", reason));
        };
        filter.value = Some(value.into());
        Ok(self)
    }
}

impl Client {
    /// Reads a report's filters. A body that is not JSON counts as no
    /// filters: some tenants answer that way for a report without any.
    pub async fn report_filters(&self, report_sid: &str) -> Result<ReportFilters, Error> {
        let answer = self
            .workflow()
            .get_report_filters()
            .report_sid(report_sid)
            .send()
            .await
            .operation("get_report_filters")
            .await;
        let filters = match answer {
            Ok(filters) => filters,
            Err(Error::Decode { source, .. }) if source.is_syntax() || source.is_eof() => {
                tracing::warn!(report_sid, "report filters are not JSON; taken as none");
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        Ok(ReportFilters {
            report_sid: report_sid.to_owned(),
            filters,
        })
    }

    /// Exports a report as CSV (`/reports/{sid}/tofile/csv`) with the given
    /// filters, as a [`Download`] to read or stream.
    pub async fn export_report_csv(
        &self,
        report_sid: &str,
        filters: &ReportFilters,
    ) -> Result<Download, Error> {
        const OPERATION: &str = "export_report_csv";
        let filters = serde_json::to_string(&filters.filters)
            .map_err(|e| Error::invalid(OPERATION, format!("the filters: {e}")))?;
        let mut url = self.url("/reports/");
        url.path_segments_mut()
            .map_err(|()| Error::Config("the site URL cannot take a path".into()))?
            .pop_if_empty()
            .extend([report_sid, "tofile", "csv"]);
        url.query_pairs_mut().append_pair("filters", &filters);
        self.download_from(url, "workflow", OPERATION).await
    }
}
