//! The statistics dashboard (统计分析, #7): filters, figures and their series,
//! shared by the server (which computes them from the summary tables) and the
//! browser (which draws them). Money is in fen, rates and averages in
//! thousandths (`*_milli`), so every figure is an exact integer.
use serde::{Deserialize, Serialize};

/// Time grain of the trend series.
pub const GRAINS: [&str; 3] = ["month", "quarter", "year"];

/// What the viewer chose; every field travels in the URL (`?from=2026-01&to=…`).
/// Empty strings mean "all" (region: the viewer's whole scope).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardFilter {
    /// First month `YYYY-MM` (inclusive); empty: twelve months before `to`.
    pub from: String,
    /// Last month `YYYY-MM` (inclusive); empty: the current month.
    pub to: String,
    /// Province, city or county code; empty: the viewer's scope.
    pub region: String,
    /// Industry code (e.g. `ZJ`).
    pub industry: String,
    /// Service item code.
    pub item: String,
    /// `direct`, `random_draw`, `price_competition` or `merit`.
    pub method: String,
    /// `fiscal` or `social`.
    pub funding: String,
    /// `month`, `quarter` or `year`; empty: month.
    pub grain: String,
}

/// The figures of one slice (the whole selection, a period, a region, an industry).
/// Counting rule (documented on the page): a project and everything that
/// follows from it (award, contract, delivery, rating) count in the month the
/// project was published, in its region, industry, item, method and funding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Projects published.
    pub published: i64,
    /// Projects with a final selection (选取成功).
    pub selected: i64,
    /// Projects that failed (流标).
    pub failed: i64,
    /// Budget of the selected projects (fen).
    pub budget_fen: i64,
    /// Award amounts of the selected projects (fen).
    pub award_fen: i64,
    /// Value of the contracts signed (fen).
    pub contract_fen: i64,
    /// Registrations of firms (participants), summed over projects.
    pub participants: i64,
    /// Contracts completed (已完成).
    pub completed: i64,
    /// Completed contracts delivered by their due date.
    pub on_time: i64,
    /// Sum over completed contracts of the days from signing to delivery.
    pub service_days: i64,
    /// Sum of ratings' four-dimension sums (4–20 each) and their count.
    pub rating_sum: i64,
    pub rating_count: i64,
}

impl Figures {
    /// Savings rate 1 − award ÷ budget over selected projects, in thousandths.
    pub fn savings_milli(&self) -> Option<i64> {
        (self.budget_fen > 0).then(|| 1000 - self.award_fen * 1000 / self.budget_fen)
    }
    /// Average participants per published project, in thousandths.
    pub fn avg_participants_milli(&self) -> Option<i64> {
        (self.published > 0).then(|| self.participants * 1000 / self.published)
    }
    /// On-time completion rate, in thousandths.
    pub fn on_time_milli(&self) -> Option<i64> {
        (self.completed > 0).then(|| self.on_time * 1000 / self.completed)
    }
    /// Average service days (signing to delivery) of completed contracts, in thousandths.
    pub fn avg_service_days_milli(&self) -> Option<i64> {
        (self.completed > 0).then(|| self.service_days * 1000 / self.completed)
    }
    /// Satisfaction: the average rating on the 1–5 scale, in thousandths.
    pub fn satisfaction_milli(&self) -> Option<i64> {
        (self.rating_count > 0).then(|| self.rating_sum * 1000 / (4 * self.rating_count))
    }
    /// Adds another slice's figures.
    pub fn add(&mut self, o: &Figures) {
        self.published += o.published;
        self.selected += o.selected;
        self.failed += o.failed;
        self.budget_fen += o.budget_fen;
        self.award_fen += o.award_fen;
        self.contract_fen += o.contract_fen;
        self.participants += o.participants;
        self.completed += o.completed;
        self.on_time += o.on_time;
        self.service_days += o.service_days;
        self.rating_sum += o.rating_sum;
        self.rating_count += o.rating_count;
    }
}

/// One labelled slice: a period (`2026-03`, `2026-Q1`, `2026`), a region or an industry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Slice {
    pub key: String,
    pub name: String,
    pub figures: Figures,
}

/// A region × industry cell (projects published).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatCell {
    pub region: String,
    pub industry: String,
    pub published: i64,
}

/// One step of the drill-down path (province → city → county).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crumb {
    pub code: String,
    pub name: String,
}

/// The whole dashboard for a filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The filter as applied (defaults filled in, region narrowed to the scope).
    pub filter: DashboardFilter,
    /// From the viewer's scope root down to the selected region.
    pub path: Vec<Crumb>,
    /// Whether the selected region has regions below it to drill into.
    pub can_drill: bool,
    pub totals: Figures,
    /// The same figures for the preceding period of equal length (环比).
    pub previous: Figures,
    /// Projects per selection method within the selection.
    pub methods: Vec<Slice>,
    /// Trend by the chosen grain, oldest first.
    pub trend: Vec<Slice>,
    /// The regions directly below the selected one (cities of a province,
    /// counties of a city; the city itself as 市本级), ranked by projects.
    pub regions: Vec<Slice>,
    /// Industries, ranked by projects.
    pub industries: Vec<Slice>,
    /// Region × industry (the regions and industries above).
    pub heat: Vec<HeatCell>,
    /// Firms in scope by star level (1–5) and by credit grade (A–D): (key, count).
    pub stars: Vec<(String, i64)>,
    pub grades: Vec<(String, i64)>,
    /// Firms active in scope, and firms admitted within the period.
    pub active_firms: i64,
    pub new_firms: i64,
    /// Complaints filed within the period in scope (by industry when filtered).
    pub complaints: i64,
    /// Choices for the filter form: (code, name).
    pub industry_options: Vec<(String, String)>,
    pub item_options: Vec<(String, String)>,
    /// ECharts options (JSON) built on the server from the figures above.
    pub charts: DashboardCharts,
}

/// ECharts options as JSON text, one per chart; empty when the chart does not
/// apply (the map is drawn for a province: its cities).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCharts {
    pub trend: String,
    pub regions: String,
    pub map: String,
    pub industries: String,
    pub heat: String,
    pub methods: String,
    pub stars: String,
    pub grades: String,
}

impl DashboardFilter {
    /// The filter from query parameters (`get` answers a parameter's value or "").
    pub fn from_query(get: impl Fn(&str) -> String) -> Self {
        DashboardFilter {
            from: get("from"),
            to: get("to"),
            region: get("region"),
            industry: get("industry"),
            item: get("item"),
            method: get("method"),
            funding: get("funding"),
            grain: get("grain"),
        }
    }

    /// The part of a filter the public statistics page takes: period, region,
    /// industry and grain (service item, method and funding cuts stay with
    /// leaders and supervisors).
    pub fn public(self) -> Self {
        DashboardFilter { item: String::new(), method: String::new(), funding: String::new(), ..self }
    }
}

/// The public statistics (公开统计, `/stats`, `POST /api/stats/public`): the
/// documented subset of the dashboard that everyone may see, over the whole
/// province and down to its cities and counties. It holds the market's figures
/// (projects, selections, contract value, savings, participants, on-time
/// completion, service days, satisfaction, active firms), their trend, the
/// regions, industries and selection methods. It leaves out what serves
/// supervision: complaints, new registrations, the star-level and credit-grade
/// distributions, the region × industry heat map, and cuts by service item,
/// method or funding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicStats {
    pub filter: DashboardFilter,
    pub path: Vec<Crumb>,
    pub can_drill: bool,
    pub totals: Figures,
    pub previous: Figures,
    pub methods: Vec<Slice>,
    pub trend: Vec<Slice>,
    pub regions: Vec<Slice>,
    pub industries: Vec<Slice>,
    pub active_firms: i64,
    pub industry_options: Vec<(String, String)>,
    /// Trend, regions, map, industries and methods (the others empty).
    pub charts: DashboardCharts,
}

impl From<Dashboard> for PublicStats {
    fn from(d: Dashboard) -> Self {
        let c = d.charts;
        PublicStats {
            filter: d.filter.public(),
            path: d.path,
            can_drill: d.can_drill,
            totals: d.totals,
            previous: d.previous,
            methods: d.methods,
            trend: d.trend,
            regions: d.regions,
            industries: d.industries,
            active_firms: d.active_firms,
            industry_options: d.industry_options,
            charts: DashboardCharts { trend: c.trend, regions: c.regions, map: c.map, industries: c.industries, methods: c.methods, ..Default::default() },
        }
    }
}

impl From<PublicStats> for Dashboard {
    /// For drawing with the dashboard's components; the parts the public does
    /// not see stay empty and are not shown.
    fn from(p: PublicStats) -> Self {
        Dashboard {
            filter: p.filter,
            path: p.path,
            can_drill: p.can_drill,
            totals: p.totals,
            previous: p.previous,
            methods: p.methods,
            trend: p.trend,
            regions: p.regions,
            industries: p.industries,
            active_firms: p.active_firms,
            industry_options: p.industry_options,
            charts: p.charts,
            ..Default::default()
        }
    }
}
