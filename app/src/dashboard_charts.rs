//! ECharts options for the statistics dashboard (#7), built on the server with
//! charming from the figures of a [`Dashboard`] — never from anything else — so
//! every chart shows exactly what its data table shows. The browser draws them
//! with `ui::charts` (the map first registers the Sichuan GeoJSON served from
//! `/vendor/maps/sichuan.json`). Labels are Chinese; method names come from
//! the same i18n keys as the rest of the UI.
use crate::domain::procurement::SelectionMethod;
use crate::i18n::t;
use crate::model::dashboard::{Dashboard, DashboardCharts, Slice};
use charming::datatype::DataPoint;
use charming::component::{Axis, Grid, Legend, VisualMap};
use charming::element::{AxisType, Label, LabelPosition, Orient, Tooltip, Trigger};
use charming::series::{Bar, Heatmap, Line, Pie};
use charming::Chart;
use serde_json::{json, Value};

/// The data tables as CSV / XLSX (`dashboard_export`).
pub use crate::dashboard_export::{csv, xlsx};

/// The map name the browser registers (`echarts.registerMap`) and the file it
/// loads (`/vendor/maps/<name>.json`), for a province code; only Sichuan's
/// GeoJSON is shipped.
pub fn map_name(code: &str) -> Option<&'static str> {
    (code == "510000").then_some("sichuan")
}

/// Every chart of the dashboard as ECharts option JSON.
pub fn charts(d: &Dashboard) -> DashboardCharts {
    DashboardCharts {
        trend: trend(d),
        regions: ranked(&ranked_slices(&d.regions), "发布项目数"),
        map: map(d),
        industries: ranked(&ranked_slices(&d.industries), "发布项目数"),
        heat: heat(d),
        methods: methods(d),
        stars: counts(&d.stars, star_label, "机构数"),
        grades: counts(&d.grades, grade_label, "机构数"),
    }
}

/// A slice's display name (its key when the name is empty).
pub(crate) fn slice_name(s: &Slice) -> String {
    if s.name.is_empty() {
        s.key.clone()
    } else {
        s.name.clone()
    }
}

/// Slices ranked by projects published, largest first (ties keep their order).
pub(crate) fn ranked_slices(slices: &[Slice]) -> Vec<&Slice> {
    let mut v: Vec<&Slice> = slices.iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.figures.published));
    v
}

/// The name of a selection method in the interface language (`method.*` keys).
pub(crate) fn method_name(s: &Slice) -> String {
    match SelectionMethod::parse(&s.key) {
        Some(m) => t(m.label_key()),
        None => slice_name(s),
    }
}

/// `"3"` → `"3星"`.
pub(crate) fn star_label(key: &str) -> String {
    if key.contains('星') {
        key.to_string()
    } else {
        format!("{key}星")
    }
}

/// `"A"` → `"A级"`.
pub(crate) fn grade_label(key: &str) -> String {
    if key.contains('级') {
        key.to_string()
    } else {
        format!("{key}级")
    }
}

/// Fen → 万元 with two decimals (as a number for the chart).
pub(crate) fn wan_yuan(fen: i64) -> f64 {
    (fen as f64 / 10_000.0).round() / 100.0
}

/// The heat map's axes and cells.
pub(crate) struct HeatGrid {
    /// Region names (top to bottom).
    pub rows: Vec<String>,
    /// Industry names (left to right).
    pub cols: Vec<String>,
    /// (column, row, projects published).
    pub cells: Vec<(usize, usize, i64)>,
}

/// Rows are the dashboard's regions and columns its industries, both ranked as
/// in their own charts; a cell naming a region or industry missing from those
/// lists (by code or by name) adds a row or column, so no figure is dropped.
pub(crate) fn heat_grid(d: &Dashboard) -> HeatGrid {
    fn axis(slices: &[Slice]) -> Vec<(String, String)> {
        ranked_slices(slices).into_iter().map(|s| (s.key.clone(), slice_name(s))).collect()
    }
    fn index(axis: &mut Vec<(String, String)>, k: &str) -> usize {
        match axis.iter().position(|(key, name)| key == k || name == k) {
            Some(i) => i,
            None => {
                axis.push((k.to_string(), k.to_string()));
                axis.len() - 1
            }
        }
    }
    let mut rows = axis(&d.regions);
    let mut cols = axis(&d.industries);
    let mut cells: Vec<(usize, usize, i64)> = Vec::new();
    for c in &d.heat {
        let (x, y) = (index(&mut cols, &c.industry), index(&mut rows, &c.region));
        match cells.iter_mut().find(|(cx, cy, _)| *cx == x && *cy == y) {
            Some(cell) => cell.2 += c.published,
            None => cells.push((x, y, c.published)),
        }
    }
    HeatGrid { rows: rows.into_iter().map(|r| r.1).collect(), cols: cols.into_iter().map(|c| c.1).collect(), cells }
}

fn to_json(chart: &Chart) -> String {
    serde_json::to_string(chart).unwrap_or_default()
}

fn grid() -> Grid {
    Grid::new().left("3%").right("4%").top(40).bottom("3%").contain_label(true)
}

/// Projects published per period (bars) and contract value in 万元 (line, right axis).
fn trend(d: &Dashboard) -> String {
    if d.trend.is_empty() {
        return String::new();
    }
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top(0))
        .grid(grid())
        .x_axis(Axis::new().type_(AxisType::Category).data(d.trend.iter().map(slice_name).collect()))
        .y_axis(Axis::new().type_(AxisType::Value).name("项目数").min_interval(1))
        .y_axis(Axis::new().type_(AxisType::Value).name("万元"))
        .series(Bar::new().name("发布项目数").data(d.trend.iter().map(|s| s.figures.published).collect()))
        .series(
            Line::new()
                .name("合同金额(万元)")
                .y_axis_index(1)
                .data(d.trend.iter().map(|s| wan_yuan(s.figures.contract_fen)).collect()),
        );
    to_json(&chart)
}

/// Horizontal bars ranked by projects published, the largest on top.
fn ranked(slices: &[&Slice], series: &str) -> String {
    if slices.is_empty() {
        return String::new();
    }
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left("3%").right("8%").top(10).bottom("3%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .y_axis(Axis::new().type_(AxisType::Category).inverse(true).data(slices.iter().map(|s| slice_name(s)).collect()))
        .series(
            Bar::new()
                .name(series)
                .label(Label::new().show(true).position(LabelPosition::Right))
                .data(slices.iter().map(|s| s.figures.published).collect()),
        );
    to_json(&chart)
}

/// The province's cities coloured by projects published (only for a province
/// whose GeoJSON is shipped). charming 0.6 has no fields for a `map` series,
/// so that series is added to the JSON here.
fn map(d: &Dashboard) -> String {
    let Some(name) = d.path.last().and_then(|c| map_name(&c.code)) else {
        return String::new();
    };
    let max = d.regions.iter().map(|s| s.figures.published).max().unwrap_or(0).max(1);
    let chart = Chart::new().tooltip(Tooltip::new().trigger(Trigger::Item)).visual_map(
        VisualMap::new()
            .min(0)
            .max(max as f64)
            .calculable(true)
            .orient(Orient::Horizontal)
            .left("center")
            .bottom(0)
            .color(vec!["#1d4ed8", "#dbeafe"]),
    );
    let mut option = serde_json::to_value(&chart).unwrap_or(Value::Null);
    let data: Vec<Value> =
        d.regions.iter().map(|s| json!({ "name": slice_name(s), "value": s.figures.published, "code": s.key })).collect();
    option["series"] = json!([{
        "type": "map",
        "map": name,
        "name": "发布项目数",
        "roam": false,
        "selectedMode": false,
        "label": { "show": false },
        "emphasis": { "label": { "show": true } },
        "data": data,
    }]);
    option.to_string()
}

/// Regions (rows) × industries (columns): projects published.
fn heat(d: &Dashboard) -> String {
    let HeatGrid { rows, cols, cells } = heat_grid(d);
    if rows.is_empty() || cols.is_empty() {
        return String::new();
    }
    let max = cells.iter().map(|c| c.2).max().unwrap_or(0).max(1);
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .grid(Grid::new().left("3%").right("3%").top(10).bottom(60).contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(cols))
        .y_axis(Axis::new().type_(AxisType::Category).inverse(true).data(rows))
        .visual_map(
            VisualMap::new()
                .min(0)
                .max(max as f64)
                .calculable(true)
                .orient(Orient::Horizontal)
                .left("center")
                .bottom(0),
        )
        .series(
            Heatmap::new()
                .name("发布项目数")
                .label(Label::new().show(true))
                .data(cells.into_iter().map(|(x, y, v)| vec![DataPoint::from(x as i64), DataPoint::from(y as i64), DataPoint::from(v)]).collect()),
        );
    to_json(&chart)
}

/// Share of projects per selection method.
fn methods(d: &Dashboard) -> String {
    if d.methods.is_empty() {
        return String::new();
    }
    let chart = Chart::new().tooltip(Tooltip::new().trigger(Trigger::Item)).legend(Legend::new().bottom(0)).series(
        Pie::new()
            .name("选取方式")
            .radius(vec!["35%", "65%"])
            .data(d.methods.iter().map(|s| (s.figures.published, method_name(s))).collect()),
    );
    to_json(&chart)
}

/// Vertical bars of firm counts by star level or credit grade.
fn counts(items: &[(String, i64)], label: fn(&str) -> String, series: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let chart = Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left("3%").right("3%").top(20).bottom("3%").contain_label(true))
        .x_axis(Axis::new().type_(AxisType::Category).data(items.iter().map(|(k, _)| label(k)).collect()))
        .y_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .series(
            Bar::new()
                .name(series)
                .label(Label::new().show(true).position(LabelPosition::Top))
                .data(items.iter().map(|(_, n)| *n).collect()),
        );
    to_json(&chart)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::dashboard::{Crumb, Figures, HeatCell};
    use serde_json::Value;

    pub(crate) fn fig(published: i64, contract_fen: i64) -> Figures {
        Figures { published, contract_fen, ..Figures::default() }
    }

    pub(crate) fn slice(key: &str, name: &str, figures: Figures) -> Slice {
        Slice { key: key.into(), name: name.into(), figures }
    }

    /// A province-level dashboard written by hand.
    pub(crate) fn sample() -> Dashboard {
        Dashboard {
            path: vec![Crumb { code: "510000".into(), name: "四川省".into() }],
            can_drill: true,
            totals: Figures {
                published: 10,
                selected: 7,
                failed: 2,
                budget_fen: 2_000_000,
                award_fen: 1_750_000,
                contract_fen: 1_234_567,
                participants: 34,
                completed: 4,
                on_time: 3,
                service_days: 50,
                rating_sum: 70,
                rating_count: 4,
            },
            previous: Figures { published: 8, selected: 5, contract_fen: 1_000_000, ..Figures::default() },
            methods: vec![
                slice("direct", "", fig(4, 0)),
                slice("random_draw", "", fig(3, 0)),
                slice("price_competition", "", fig(2, 0)),
                slice("merit", "", fig(1, 0)),
            ],
            trend: vec![
                slice("2026-01", "2026-01", fig(3, 500_000)),
                slice("2026-02", "2026-02", fig(0, 0)),
                slice("2026-03", "2026-03", fig(7, 734_567)),
            ],
            // deliberately not in rank order: the charts rank them
            regions: vec![
                slice("510300", "自贡市", fig(2, 0)),
                slice("510100", "成都市", fig(6, 1_000_000)),
                slice("513200", "阿坝藏族羌族自治州", fig(0, 0)),
                slice("510700", "绵阳市", fig(2, 234_567)),
            ],
            industries: vec![slice("ZJ", "造价咨询", fig(3, 0)), slice("CH", "测绘", fig(7, 0))],
            heat: vec![
                HeatCell { region: "510100".into(), industry: "CH".into(), published: 5 },
                HeatCell { region: "510100".into(), industry: "ZJ".into(), published: 1 },
                HeatCell { region: "510300".into(), industry: "ZJ".into(), published: 2 },
                HeatCell { region: "510700".into(), industry: "CH".into(), published: 2 },
            ],
            stars: (1..=5).map(|s| (s.to_string(), 6 - s as i64)).collect(),
            grades: vec![("A".into(), 5), ("B".into(), 3), ("C".into(), 1), ("D".into(), 0)],
            active_firms: 15,
            new_firms: 2,
            complaints: 1,
            ..Dashboard::default()
        }
    }

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
    }

    #[test]
    fn dashboard_charts_trend_has_bars_and_contract_line_in_wan_yuan() {
        let o = parse(&charts(&sample()).trend);
        assert_eq!(o["xAxis"]["data"], json!(["2026-01", "2026-02", "2026-03"]));
        assert_eq!(o["series"][0]["type"], "bar");
        assert_eq!(o["series"][0]["data"], json!([3, 0, 7]));
        assert_eq!(o["series"][1]["type"], "line");
        assert_eq!(o["series"][1]["yAxisIndex"], json!(1.0));
        // 500,000 fen = ¥5,000 = 0.5 万元; 734,567 fen = ¥7,345.67 ≈ 0.73 万元
        assert_eq!(o["series"][1]["data"], json!([0.5, 0.0, 0.73]));
        assert_eq!(o["yAxis"].as_array().map(|a| a.len()), Some(2));
    }

    #[test]
    fn dashboard_charts_regions_are_ranked_with_the_largest_on_top() {
        let o = parse(&charts(&sample()).regions);
        assert_eq!(o["yAxis"]["data"], json!(["成都市", "自贡市", "绵阳市", "阿坝藏族羌族自治州"]));
        assert_eq!(o["yAxis"]["inverse"], json!(true), "first category drawn at the top");
        assert_eq!(o["series"][0]["data"], json!([6, 2, 2, 0]));
        let o = parse(&charts(&sample()).industries);
        assert_eq!(o["yAxis"]["data"], json!(["测绘", "造价咨询"]));
        assert_eq!(o["series"][0]["data"], json!([7, 3]));
    }

    #[test]
    fn dashboard_charts_map_only_for_the_province() {
        let d = sample();
        let o = parse(&charts(&d).map);
        assert_eq!(o["series"][0]["type"], "map");
        assert_eq!(o["series"][0]["map"], "sichuan");
        let data = o["series"][0]["data"].as_array().unwrap();
        assert_eq!(data.len(), 4);
        assert!(data.contains(&json!({"name": "成都市", "value": 6, "code": "510100"})));
        assert!(data.contains(&json!({"name": "阿坝藏族羌族自治州", "value": 0, "code": "513200"})));
        assert_eq!(o["visualMap"][0]["max"], json!(6.0));
        assert_eq!(o["visualMap"][0]["min"], json!(0.0));

        let mut city = d.clone();
        city.path.push(Crumb { code: "510100".into(), name: "成都市".into() });
        assert_eq!(charts(&city).map, "", "no map for a city");
        let mut county = city.clone();
        county.path.push(Crumb { code: "510104".into(), name: "锦江区".into() });
        assert_eq!(charts(&county).map, "");
    }

    #[test]
    fn dashboard_charts_heat_cells_follow_the_ranked_axes() {
        let o = parse(&charts(&sample()).heat);
        assert_eq!(o["xAxis"]["data"], json!(["测绘", "造价咨询"]));
        assert_eq!(o["yAxis"]["data"], json!(["成都市", "自贡市", "绵阳市", "阿坝藏族羌族自治州"]));
        assert_eq!(o["series"][0]["type"], "heatmap");
        // [industry index, region index, published]
        assert_eq!(o["series"][0]["data"], json!([[0, 0, 5], [1, 0, 1], [1, 1, 2], [0, 2, 2]]));
        assert_eq!(o["visualMap"][0]["max"], json!(5.0));

        // a cell outside the listed regions still shows up
        let mut d = sample();
        d.heat.push(HeatCell { region: "511000".into(), industry: "ZJ".into(), published: 9 });
        let g = heat_grid(&d);
        assert_eq!(g.rows.last().map(String::as_str), Some("511000"));
        assert!(g.cells.contains(&(1, 4, 9)));
    }

    #[test]
    fn dashboard_charts_methods_use_the_ui_names() {
        let o = parse(&charts(&sample()).methods);
        assert_eq!(o["series"][0]["type"], "pie");
        let names: Vec<&str> = o["series"][0]["data"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, [t("method.direct"), t("method.random_draw"), t("method.price_competition"), t("method.merit")]);
        assert_eq!(names[0], "直接选取");
        let values: Vec<&Value> = o["series"][0]["data"].as_array().unwrap().iter().map(|p| &p["value"]).collect();
        assert_eq!(values, [&json!(4), &json!(3), &json!(2), &json!(1)]);
    }

    #[test]
    fn dashboard_charts_stars_and_grades() {
        let c = charts(&sample());
        let o = parse(&c.stars);
        assert_eq!(o["xAxis"]["data"], json!(["1星", "2星", "3星", "4星", "5星"]));
        assert_eq!(o["series"][0]["data"], json!([5, 4, 3, 2, 1]));
        let o = parse(&c.grades);
        assert_eq!(o["xAxis"]["data"], json!(["A级", "B级", "C级", "D级"]));
        assert_eq!(o["series"][0]["data"], json!([5, 3, 1, 0]));
    }

    #[test]
    fn dashboard_charts_are_empty_without_data() {
        let c = charts(&Dashboard::default());
        assert_eq!(c, DashboardCharts::default());
    }
}
