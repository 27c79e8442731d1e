//! The dashboard for a filter, read from the summary tables only: `stats_cube`,
//! or `stats_daily` when a service item is chosen (never the raw procurements),
//! plus firms and complaints counted in scope.
use super::figures_from_row;
use crate::db::sql::Sql;
use crate::domain::accounts::Role;
use crate::domain::authz::Scope;
use crate::domain::procurement::{Funding, SelectionMethod};
use crate::domain::region::{self, RegionLevel};
use crate::domain::time::{date_shanghai, month_key, month_start_ms, parse_month};
use crate::error::AppError;
use crate::model::dashboard::{Crumb, Dashboard, DashboardFilter, Figures, HeatCell, Slice, GRAINS};
use crate::state::AppState;
use std::collections::HashMap;

/// The longest period a view covers, in months.
pub const MAX_MONTHS: i64 = 60;

/// The trend period a month falls in.
pub fn period_key(grain: &str, m: i64) -> String {
    let y = m.div_euclid(12);
    match grain {
        "quarter" => format!("{y:04}-Q{}", m.rem_euclid(12) / 3 + 1),
        "year" => format!("{y:04}"),
        _ => month_key(m),
    }
}

/// The periods of `stats_cube` that sum to months `from..=to`: each whole
/// calendar year as its year (`YYYY`), the other months as months (`YYYY-MM`).
pub fn periods(from: i64, to: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut m = from;
    while m <= to {
        if m.rem_euclid(12) == 0 && m + 11 <= to {
            out.push(format!("{:04}", m.div_euclid(12)));
            m += 12;
        } else {
            out.push(month_key(m));
            m += 1;
        }
    }
    out
}

/// What is selected, validated: where the figures come from.
struct Selection {
    from: i64,
    to: i64,
    region: String,
    level: RegionLevel,
    industry: Option<String>,
    item_id: Option<i64>,
    method: Option<String>,
    funding: Option<String>,
}

/// Which rows of the selected region a query reads.
#[derive(Clone, Copy, PartialEq)]
enum Rows {
    /// the region's own figures, per month and method (the trend)
    Months,
    /// the region's own figures in total
    Total,
    /// the figures of the regions just below it (a county: itself)
    Below,
}

/// The selected period's figures, read in two grouped queries: by place (the
/// region directly below the selected one — a county: itself — and industry)
/// and by time (month and selection method). Every chart and total of the page
/// is summed from these rows: a few thousand at most.
struct Cells {
    /// (region, industry, figures)
    place: Vec<(String, String, Figures)>,
    /// (month, method, figures)
    time: Vec<(String, String, Figures)>,
}

fn push_in(s: &mut Sql, column: &str, values: impl IntoIterator<Item = String>) {
    s.push(" AND ").push(column).push(" IN (");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            s.push(", ");
        }
        s.bind(v);
    }
    s.push(")");
}

impl Selection {
    /// `FROM … WHERE …` for `rows` over months `from..=to`: `stats_daily` when an
    /// item is chosen (the cube has no item), else `stats_cube`.
    fn source(&self, s: &mut Sql, rows: Rows, from: i64, to: i64) {
        if let Some(item) = self.item_id {
            s.push(" FROM stats_daily WHERE item_id = ").bind(item);
            s.push(" AND day >= ").bind(format!("{}-01", month_key(from)));
            s.push(" AND day <= ").bind(format!("{}-31", month_key(to)));
            match self.level {
                RegionLevel::Province => s.push(" AND region_code LIKE ").bind(region::like_prefix(&self.region).unwrap_or_default()),
                RegionLevel::City => s.push(" AND city_code = ").bind(self.region.as_str()),
                RegionLevel::County => s.push(" AND region_code = ").bind(self.region.as_str()),
            };
            if let Some(m) = &self.method {
                s.push(" AND method = ").bind(m.as_str());
            }
            if let Some(f) = &self.funding {
                s.push(" AND funding = ").bind(f.as_str());
            }
        } else {
            // the primary key's prefix: level and parent (then method, funding and period)
            let (level, parent, region) = match (rows, self.level) {
                (Rows::Below, RegionLevel::Province | RegionLevel::City) => (self.level as i64 + 1, self.region.clone(), None),
                (Rows::Below, RegionLevel::County) => (3, region::parent(&self.region).unwrap_or_default(), Some(&self.region)),
                (_, level) => (level as i64, region::parent(&self.region).unwrap_or_default(), Some(&self.region)),
            };
            s.push(" FROM stats_cube WHERE level = ").bind(level).push(" AND parent_code = ").bind(parent);
            if let Some(r) = region {
                s.push(" AND region_code = ").bind(r.as_str());
            }
            match (&self.method, rows) {
                (Some(m), _) => {
                    s.push(" AND method = ").bind(m.as_str());
                }
                (None, Rows::Months) => push_in(s, "method", SelectionMethod::ALL.iter().map(|m| m.as_str().to_string())),
                (None, _) => {
                    s.push(" AND method = ").bind(super::ALL);
                }
            }
            s.push(" AND funding = ").bind(self.funding.as_deref().unwrap_or(super::ALL));
            match rows {
                Rows::Months => push_in(s, "period", (from..=to).map(month_key)),
                Rows::Total | Rows::Below => push_in(s, "period", periods(from, to)),
            }
        }
        if let Some(i) = &self.industry {
            s.push(" AND industry_code = ").bind(i.as_str());
        }
    }

    async fn grouped(&self, state: &AppState, rows: Rows) -> Result<Vec<(String, String, Figures)>, sqlx::Error> {
        let (a, b) = match (rows, self.item_id.is_some(), self.level) {
            (Rows::Below, true, RegionLevel::Province) => ("city_code", "industry_code"),
            (Rows::Below, _, _) => ("region_code", "industry_code"),
            (_, true, _) => ("month", "method"),
            (_, false, _) => ("period", "method"),
        };
        let sums: Vec<String> = super::MEASURES.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}")).collect();
        let mut s = Sql::new(&format!("SELECT {a} AS a, {b} AS b, {}", sums.join(", ")));
        self.source(&mut s, rows, self.from, self.to);
        s.push(&format!(" GROUP BY {a}, {b}"));
        let rows = s.query().fetch_all(&state.pool).await?;
        rows.iter().map(|r| Ok((sqlx::Row::try_get(r, "a")?, sqlx::Row::try_get(r, "b")?, figures_from_row(r)?))).collect()
    }

    /// The figures of months `from..=to` in total.
    async fn total(&self, state: &AppState, from: i64, to: i64) -> Result<Figures, sqlx::Error> {
        let sums: Vec<String> = super::MEASURES.iter().map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}")).collect();
        let mut s = Sql::new("SELECT ");
        s.push(&sums.join(", "));
        self.source(&mut s, Rows::Total, from, to);
        figures_from_row(&s.query().fetch_one(&state.pool).await?)
    }
}

/// Sums grouped rows by one of their two keys.
fn sum_by<'c>(rows: &'c [(String, String, Figures)], key: impl Fn(&'c (String, String, Figures)) -> &'c str) -> HashMap<&'c str, Figures> {
    let mut out: HashMap<&str, Figures> = HashMap::new();
    for r in rows {
        out.entry(key(r)).or_default().add(&r.2);
    }
    out
}

fn ranked(mut slices: Vec<Slice>) -> Vec<Slice> {
    slices.sort_by(|a, b| b.figures.published.cmp(&a.figures.published).then_with(|| a.key.cmp(&b.key)));
    slices
}

/// The firms and complaints of a region (`prefix`: its `LIKE` prefix) and a
/// period (`start..end`, epoch ms).
struct InScope {
    stars: Vec<(String, i64)>,
    grades: Vec<(String, i64)>,
    active: i64,
    new: i64,
    complaints: i64,
}

async fn in_scope(pool: &crate::db::Pool, prefix: &str, start: i64, end: i64, industry: Option<&str>) -> Result<InScope, sqlx::Error> {
    let mut complaints = Sql::new("SELECT COUNT(*) FROM complaints WHERE region_code LIKE ");
    complaints.bind(prefix).push(" AND created_at >= ").bind(start).push(" AND created_at < ").bind(end);
    if let Some(i) = industry {
        complaints.push(" AND industry_code = ").bind(i);
    }
    let (stars, grades, active, new, (complaints,)) = tokio::try_join!(
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT star_level, COUNT(*) FROM firms WHERE status = 'active' AND region_code LIKE $1 AND star_level IS NOT NULL GROUP BY star_level",
        )
        .bind(prefix)
        .fetch_all(pool),
        sqlx::query_as::<_, (String, i64)>(
            "SELECT credit_grade, COUNT(*) FROM firms WHERE status = 'active' AND region_code LIKE $1 AND credit_grade IS NOT NULL GROUP BY credit_grade",
        )
        .bind(prefix)
        .fetch_all(pool),
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM firms WHERE status = 'active' AND region_code LIKE $1").bind(prefix).fetch_one(pool),
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM firms WHERE status IN ('active', 'suspended', 'expelled') AND region_code LIKE $1 \
             AND registered_at >= $2 AND registered_at < $3",
        )
        .bind(prefix)
        .bind(start)
        .bind(end)
        .fetch_one(pool),
        complaints.query_as::<(i64,)>().fetch_one(pool),
    )?;
    Ok(InScope {
        stars: (1..=5).map(|l| (l.to_string(), stars.iter().find(|r| r.0 == l).map_or(0, |r| r.1))).collect(),
        grades: ["A", "B", "C", "D"].iter().map(|g| (g.to_string(), grades.iter().find(|r| r.0 == *g).map_or(0, |r| r.1))).collect(),
        active,
        new,
        complaints,
    })
}

/// The dashboard for `filter` within `scope`, at time `now` (the current month
/// is the default end). Bad input is a field error (`from`, `to`, `grain`,
/// `region`, `industry`, `item`, `method`, `funding`) with the key
/// `dashboard.error_*`; firms and owners get `Forbidden`.
pub async fn dashboard(state: &AppState, scope: &Scope<'_>, filter: &DashboardFilter, now: i64) -> Result<Dashboard, AppError> {
    let pool = &state.pool;
    // period
    let to = match filter.to.trim() {
        "" => parse_month(&date_shanghai(now)[..7]).ok_or_else(|| AppError::Server("clock".into()))?,
        s => parse_month(s).ok_or_else(|| AppError::invalid("to", "dashboard.error_month"))?,
    };
    let from = match filter.from.trim() {
        "" => to - 11,
        s => parse_month(s).ok_or_else(|| AppError::invalid("from", "dashboard.error_month"))?,
    };
    if from > to || to - from + 1 > MAX_MONTHS {
        return Err(AppError::invalid("from", "dashboard.error_range"));
    }
    let grain = match filter.grain.trim() {
        "" => "month",
        g => *GRAINS.iter().find(|x| **x == g).ok_or_else(|| AppError::invalid("grain", "dashboard.error_grain"))?,
    };

    // scope root and region
    let root = match scope.role {
        Role::Admin | Role::Operator => sqlx::query_scalar::<_, String>("SELECT code FROM regions WHERE level = 1 ORDER BY code LIMIT 1")
            .fetch_optional(pool)
            .await?
            .unwrap_or_else(|| region::PROVINCE.to_string()),
        Role::Leader | Role::Regulator => scope.region_code.ok_or(AppError::Forbidden)?.to_string(),
        Role::Firm | Role::Owner => return Err(AppError::Forbidden),
    };
    let own_industry = match scope.role {
        Role::Regulator => Some(scope.industry_code.ok_or(AppError::Forbidden)?.to_string()),
        _ => None,
    };
    let region_code = match filter.region.trim() {
        "" => root.clone(),
        r => r.to_string(),
    };
    let names: HashMap<String, String> = {
        let mut chain = vec![region_code.clone()];
        while chain.last().is_some_and(|c| *c != root) {
            match chain.last().and_then(|c| region::parent(c)) {
                Some(p) => chain.push(p),
                None => break,
            }
        }
        let mut names = HashMap::new();
        for code in &chain {
            if let Some(n) = sqlx::query_scalar::<_, String>("SELECT name FROM regions WHERE code = $1").bind(code).fetch_optional(pool).await? {
                names.insert(code.clone(), n);
            }
        }
        names
    };
    let level = region::level(&region_code).filter(|_| names.contains_key(&region_code) && region::contains(&root, &region_code));
    let Some(level) = level else {
        return Err(AppError::invalid("region", "dashboard.error_region"));
    };
    let mut path = Vec::new();
    let mut code = Some(region_code.clone());
    while let Some(c) = code {
        path.push(Crumb { name: names.get(&c).cloned().unwrap_or_default(), code: c.clone() });
        code = if c == root { None } else { region::parent(&c) };
    }
    path.reverse();

    // industry, item, method, funding
    let industry = match (&own_industry, filter.industry.trim()) {
        (Some(own), _) => Some(own.clone()),
        (None, "") => None,
        (None, i) => {
            let known: Option<String> = sqlx::query_scalar("SELECT code FROM industries WHERE code = $1").bind(i).fetch_optional(pool).await?;
            Some(known.ok_or_else(|| AppError::invalid("industry", "dashboard.error_industry"))?)
        }
    };
    let item_id = match filter.item.trim() {
        "" => None,
        code => {
            let row: Option<(i64, String)> =
                sqlx::query_as("SELECT id, industry_code FROM service_items WHERE code = $1").bind(code).fetch_optional(pool).await?;
            match row {
                Some((id, ind)) if industry.as_ref().is_none_or(|i| *i == ind) => Some(id),
                _ => return Err(AppError::invalid("item", "dashboard.error_item")),
            }
        }
    };
    let method = match filter.method.trim() {
        "" => None,
        m => Some(SelectionMethod::parse(m).ok_or_else(|| AppError::invalid("method", "dashboard.error_method"))?.as_str().to_string()),
    };
    let funding = match filter.funding.trim() {
        "" => None,
        f => Some(Funding::parse(f).ok_or_else(|| AppError::invalid("funding", "dashboard.error_funding"))?.as_str().to_string()),
    };

    let sel = Selection { from, to, region: region_code.clone(), level, industry: industry.clone(), item_id, method: method.clone(), funding: funding.clone() };
    let applied = DashboardFilter {
        from: month_key(from),
        to: month_key(to),
        region: region_code.clone(),
        industry: industry.clone().unwrap_or_default(),
        item: if item_id.is_some() { filter.item.trim().to_string() } else { String::new() },
        method: method.clone().unwrap_or_default(),
        funding: funding.clone().unwrap_or_default(),
        grain: grain.to_string(),
    };

    // every read below is independent of the others: they run at once, each on
    // its own pooled connection
    let len = to - from + 1;
    let prefix = region::like_prefix(&region_code).unwrap_or_default();
    let (start_ms, end_ms) = (month_start_ms(from), month_start_ms(to + 1));
    let children = async {
        match level {
            RegionLevel::Province => {
                sqlx::query_as("SELECT code, name FROM regions WHERE parent_code = $1 AND level = 2 ORDER BY code").bind(&region_code).fetch_all(pool).await
            }
            RegionLevel::City => {
                let mut v: Vec<(String, String)> =
                    sqlx::query_as("SELECT code, name FROM regions WHERE parent_code = $1 AND level = 3 ORDER BY code").bind(&region_code).fetch_all(pool).await?;
                v.push((region_code.clone(), format!("{}(市本级)", names.get(&region_code).cloned().unwrap_or_default())));
                Ok(v)
            }
            RegionLevel::County => Ok(Vec::new()),
        }
    };
    let item_options = async {
        let mut s = Sql::new("SELECT code, name FROM service_items");
        if let Some(i) = &industry {
            s.push(" WHERE industry_code = ").bind(i.as_str());
        }
        s.push(" ORDER BY code");
        s.query_as::<(String, String)>().fetch_all(pool).await
    };
    let (place, time, previous, children, all_industries, item_options, firms) = tokio::try_join!(
        sel.grouped(state, Rows::Below),
        sel.grouped(state, Rows::Months),
        sel.total(state, from - len, from - 1),
        children,
        sqlx::query_as::<_, (String, String)>("SELECT code, name FROM industries ORDER BY code").fetch_all(pool),
        item_options,
        in_scope(pool, &prefix, start_ms, end_ms, industry.as_deref()),
    )?;
    let cells = Cells { place, time };
    let mut totals = Figures::default();
    for (_, _, f) in &cells.time {
        totals.add(f);
    }

    let by_method = sum_by(&cells.time, |r| &r.1);
    let methods = SelectionMethod::ALL
        .iter()
        .filter(|m| method.as_deref().is_none_or(|x| x == m.as_str()))
        .map(|m| Slice { key: m.as_str().to_string(), name: crate::i18n::t(m.label_key()), figures: by_method.get(m.as_str()).cloned().unwrap_or_default() })
        .collect();

    let mut trend: Vec<Slice> = Vec::new();
    for m in from..=to {
        let key = period_key(grain, m);
        if trend.last().is_none_or(|s| s.key != key) {
            trend.push(Slice { name: key.clone(), key, figures: Figures::default() });
        }
    }
    for (month, f) in sum_by(&cells.time, |r| &r.0) {
        if let Some(m) = parse_month(month) {
            let key = period_key(grain, m);
            if let Some(s) = trend.iter_mut().find(|s| s.key == key) {
                s.figures.add(&f);
            }
        }
    }

    // regions below the selected one
    let by_region = sum_by(&cells.place, |r| &r.0);
    let regions = ranked(
        children
            .iter()
            .map(|(code, name)| Slice { key: code.clone(), name: name.clone(), figures: by_region.get(code.as_str()).cloned().unwrap_or_default() })
            .collect(),
    );

    let by_industry = sum_by(&cells.place, |r| &r.1);
    let industries = ranked(
        all_industries
            .iter()
            .filter(|(code, _)| industry.as_ref().is_none_or(|i| i == code))
            .map(|(code, name)| Slice { key: code.clone(), name: name.clone(), figures: by_industry.get(code.as_str()).cloned().unwrap_or_default() })
            .collect(),
    );
    let cells_published: HashMap<(&str, &str), i64> = cells.place.iter().map(|(r, i, f)| ((r.as_str(), i.as_str()), f.published)).collect();
    let heat = regions
        .iter()
        .flat_map(|r| {
            industries.iter().map(|i| HeatCell {
                region: r.key.clone(),
                industry: i.key.clone(),
                published: cells_published.get(&(r.key.as_str(), i.key.as_str())).copied().unwrap_or(0),
            })
        })
        .collect();

    // filter choices
    let industry_options: Vec<(String, String)> =
        all_industries.into_iter().filter(|(code, _)| own_industry.as_ref().is_none_or(|i| i == code)).collect();

    Ok(Dashboard {
        filter: applied,
        path,
        can_drill: !regions.is_empty(),
        totals,
        previous,
        methods,
        trend,
        regions,
        industries,
        heat,
        stars: firms.stars,
        grades: firms.grades,
        active_firms: firms.active,
        new_firms: firms.new,
        complaints: firms.complaints,
        industry_options,
        item_options,
        charts: Default::default(),
    })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn periods_group_months() {
        // parsing and formatting months: domain::time
        let m = parse_month("2026-03").unwrap();
        assert_eq!(period_key("quarter", m), "2026-Q1");
        assert_eq!(period_key("quarter", m + 1), "2026-Q2");
        assert_eq!(period_key("year", m), "2026");
        assert_eq!(period_key("month", m - 3), "2025-12");
    }

    #[test]
    fn whole_calendar_years_are_read_as_years() {
        let m = |s| parse_month(s).unwrap();
        assert_eq!(periods(m("2026-03"), m("2026-05")), ["2026-03", "2026-04", "2026-05"]);
        assert_eq!(periods(m("2025-01"), m("2025-12")), ["2025"]);
        assert_eq!(periods(m("2025-02"), m("2026-01")).len(), 12, "twelve months across a new year are no whole year");
        assert_eq!(periods(m("2023-11"), m("2026-02")), ["2023-11", "2023-12", "2024", "2025", "2026-01", "2026-02"]);
        // the periods cover exactly the months: no month twice, none left out
        for (a, b) in [("2021-07", "2026-06"), ("2024-01", "2026-12"), ("2026-12", "2026-12")] {
            let months: i64 = periods(m(a), m(b)).iter().map(|p| if p.len() == 4 { 12 } else { 1 }).sum();
            assert_eq!(months, m(b) - m(a) + 1, "{a}..{b}");
        }
    }
}
