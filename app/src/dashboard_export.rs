//! The dashboard's data tables as CSV and XLSX (#7 "every chart has its data
//! table, exportable"): the filter applied, the headline figures with the
//! preceding period and the change, then the table behind every chart. Money
//! in 元 with two decimals, rates in % with one decimal, averages with two
//! decimals — computed from the exact integer figures the page shows.
use crate::dashboard_charts::{grade_label, heat_grid, HeatGrid, method_name, ranked_slices, slice_name, star_label};
use crate::domain::procurement::Funding;
use crate::domain::xlsx::{self, Cell};
use crate::i18n::t;
use crate::model::dashboard::{Dashboard, Figures, Slice};

/// One table of the export: a title (sheet name / CSV section title), header and rows.
pub struct Table {
    pub title: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<V>>,
}

/// A value of the export, kept exact until it is written.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Text(String),
    Int(i64),
    /// Money in fen, written as yuan with two decimals.
    Yuan(i64),
    /// Thousandths, written as a percentage with one decimal.
    Percent(i64),
    /// Hundredths, written with two decimals.
    Hundredths(i64),
    /// No figure (nothing to compare with, no data).
    Empty,
}

impl V {
    /// Exact decimal text: `Yuan(123456)` → `1234.56`, `Percent(125)` → `12.5`.
    pub fn to_text(&self) -> String {
        fn fixed(v: i64, scale: u64, decimals: usize) -> String {
            let sign = if v < 0 { "-" } else { "" };
            let a = v.unsigned_abs();
            format!("{sign}{}.{:0decimals$}", a / scale, a % scale)
        }
        match self {
            V::Text(s) => s.clone(),
            V::Int(n) => n.to_string(),
            V::Yuan(fen) => fixed(*fen, 100, 2),
            V::Percent(m) => fixed(*m, 10, 1),
            V::Hundredths(h) => fixed(*h, 100, 2),
            V::Empty => String::new(),
        }
    }

    /// The spreadsheet cell: numbers stay numbers.
    pub fn cell(&self) -> Cell {
        match self {
            V::Text(s) => Cell::Text(s.clone()),
            V::Int(n) => Cell::Int(*n),
            V::Yuan(fen) => Cell::Num(*fen as f64 / 100.0),
            V::Percent(m) => Cell::Num(*m as f64 / 10.0),
            V::Hundredths(h) => Cell::Num(*h as f64 / 100.0),
            V::Empty => Cell::Text(String::new()),
        }
    }
}

/// The dashboard as CSV: UTF-8 with a BOM (so spreadsheet programs detect the
/// encoding), CRLF line ends, one titled section per table separated by a blank line.
pub fn csv(d: &Dashboard) -> String {
    let mut out = String::from("\u{FEFF}");
    for (i, table) in tables(d).iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(&csv_field(table.title));
        out.push_str("\r\n");
        let header: Vec<String> = table.header.iter().map(|h| csv_field(h)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &table.rows {
            let fields: Vec<String> = row.iter().map(csv_cell).collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// The dashboard as an `.xlsx` workbook, one sheet per table (header row first).
pub fn xlsx(d: &Dashboard) -> Vec<u8> {
    let sheets: Vec<(&str, Vec<Vec<Cell>>)> = tables(d)
        .into_iter()
        .map(|t| {
            let mut rows = Vec::with_capacity(t.rows.len() + 1);
            rows.push(t.header.into_iter().map(Cell::Text).collect());
            rows.extend(t.rows.iter().map(|r| r.iter().map(V::cell).collect()));
            (t.title, rows)
        })
        .collect();
    xlsx::workbook(&sheets)
}

/// Every table of the export, in page order.
pub fn tables(d: &Dashboard) -> Vec<Table> {
    let mut v = vec![filter_table(d), totals_table(d), trend_table(d)];
    v.push(slices_table("地区", "地区", &ranked_slices(&d.regions)));
    v.push(slices_table("行业", "行业", &ranked_slices(&d.industries)));
    v.push(heat_table(d));
    v.push(methods_table(d));
    v.push(counts_table("星级", "星级", &d.stars, star_label));
    v.push(counts_table("信用等级", "信用等级", &d.grades, grade_label));
    v
}

fn text(s: impl Into<String>) -> V {
    V::Text(s.into())
}

fn empty() -> V {
    V::Empty
}

fn yuan(fen: i64) -> V {
    V::Yuan(fen)
}

/// Thousandths → percent with one decimal (`123` → `12.3`).
fn percent(milli: Option<i64>) -> V {
    milli.map(V::Percent).unwrap_or(V::Empty)
}

/// Thousandths → a value with two decimals, rounded half away from zero.
fn two_decimals(milli: Option<i64>) -> V {
    milli.map(|m| V::Hundredths(if m >= 0 { (m + 5) / 10 } else { (m - 5) / 10 })).unwrap_or(V::Empty)
}

/// Relative change in thousandths (`None` when there is nothing to compare with).
fn change_milli(now: i64, before: i64) -> Option<i64> {
    (before != 0).then(|| (now - before) * 1000 / before.abs())
}

fn filter_table(d: &Dashboard) -> Table {
    let f = &d.filter;
    let lookup = |options: &[(String, String)], code: &str| -> String {
        if code.is_empty() {
            "全部".to_string()
        } else {
            options.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_string())
        }
    };
    let method = if f.method.is_empty() {
        "全部".to_string()
    } else {
        method_name(&Slice { key: f.method.clone(), ..Slice::default() })
    };
    let funding = match Funding::parse(&f.funding) {
        Some(x) => t(x.label_key()),
        None if f.funding.is_empty() => "全部".to_string(),
        None => f.funding.clone(),
    };
    let grain = match f.grain.as_str() {
        "quarter" => "按季度",
        "year" => "按年",
        _ => "按月",
    };
    let region = d.path.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" > ");
    let rows = vec![
        vec![text("起始月份"), text(f.from.clone())],
        vec![text("截止月份"), text(f.to.clone())],
        vec![text("地区"), text(region)],
        vec![text("行业"), text(lookup(&d.industry_options, &f.industry))],
        vec![text("服务事项"), text(lookup(&d.item_options, &f.item))],
        vec![text("选取方式"), text(method)],
        vec![text("资金来源"), text(funding)],
        vec![text("时间粒度"), text(grain)],
        vec![text("统计口径"), text("项目及其后续成交、合同、履约、评价均计入项目发布当日所在期间、地区、行业、事项、方式和资金来源")],
    ];
    Table { title: "筛选条件", header: vec!["项目".into(), "取值".into()], rows }
}

fn totals_table(d: &Dashboard) -> Table {
    let (now, before) = (&d.totals, &d.previous);
    let mut rows = Vec::new();
    // counts and money: the change, and the change relative to the preceding period
    let mut absolute = |name: &str, n: i64, b: i64, money: bool| {
        let cell = |v: i64| if money { yuan(v) } else { V::Int(v) };
        rows.push(vec![text(name), cell(n), cell(b), cell(n - b), percent(change_milli(n, b))]);
    };
    absolute("发布项目数", now.published, before.published, false);
    absolute("选取成功项目数", now.selected, before.selected, false);
    absolute("流标项目数", now.failed, before.failed, false);
    absolute("合同金额(元)", now.contract_fen, before.contract_fen, true);
    absolute("成交项目预算金额(元)", now.budget_fen, before.budget_fen, true);
    absolute("成交金额(元)", now.award_fen, before.award_fen, true);
    // rates and averages: the change in points; no relative change
    let mut rate = |name: &str, f: fn(&Figures) -> Option<i64>, pct: bool| {
        let (n, b) = (f(now), f(before));
        let diff = n.zip(b).map(|(n, b)| n - b);
        let cell = if pct { percent } else { two_decimals };
        rows.push(vec![text(name), cell(n), cell(b), cell(diff), empty()]);
    };
    rate("节约率(%)", Figures::savings_milli, true);
    rate("平均参与机构数", Figures::avg_participants_milli, false);
    rate("按期完成率(%)", Figures::on_time_milli, true);
    rate("平均服务天数", Figures::avg_service_days_milli, false);
    rate("满意度(5分制)", Figures::satisfaction_milli, false);
    // firm and complaint counts have no preceding-period figure
    rows.push(vec![text("活跃中介机构数"), V::Int(d.active_firms), empty(), empty(), empty()]);
    rows.push(vec![text("新入驻中介机构数"), V::Int(d.new_firms), empty(), empty(), empty()]);
    rows.push(vec![text("投诉件数"), V::Int(d.complaints), empty(), empty(), empty()]);
    Table {
        title: "总体指标",
        header: ["指标", "本期", "上期", "增减", "环比(%)"].map(String::from).to_vec(),
        rows,
    }
}

const FIGURE_HEADERS: [&str; 11] = [
    "发布项目数",
    "选取成功项目数",
    "流标项目数",
    "成交项目预算金额(元)",
    "成交金额(元)",
    "合同金额(元)",
    "节约率(%)",
    "平均参与机构数",
    "按期完成率(%)",
    "平均服务天数",
    "满意度(5分制)",
];

fn figure_cells(f: &Figures) -> Vec<V> {
    vec![
        V::Int(f.published),
        V::Int(f.selected),
        V::Int(f.failed),
        yuan(f.budget_fen),
        yuan(f.award_fen),
        yuan(f.contract_fen),
        percent(f.savings_milli()),
        two_decimals(f.avg_participants_milli()),
        percent(f.on_time_milli()),
        two_decimals(f.avg_service_days_milli()),
        two_decimals(f.satisfaction_milli()),
    ]
}

fn trend_table(d: &Dashboard) -> Table {
    let mut header = vec!["期间".to_string()];
    header.extend(FIGURE_HEADERS.map(String::from));
    header.push("发布项目环比(%)".into());
    let rows = d
        .trend
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut row = vec![text(slice_name(s))];
            row.extend(figure_cells(&s.figures));
            let before = i.checked_sub(1).map(|j| d.trend[j].figures.published);
            row.push(percent(before.and_then(|b| change_milli(s.figures.published, b))));
            row
        })
        .collect();
    Table { title: "趋势", header, rows }
}

fn slices_table(title: &'static str, what: &str, slices: &[&Slice]) -> Table {
    let mut header = vec![format!("{what}代码"), what.to_string()];
    header.extend(FIGURE_HEADERS.map(String::from));
    let rows = slices
        .iter()
        .map(|s| {
            let mut row = vec![text(s.key.clone()), text(slice_name(s))];
            row.extend(figure_cells(&s.figures));
            row
        })
        .collect();
    Table { title, header, rows }
}

fn heat_table(d: &Dashboard) -> Table {
    let HeatGrid { rows, cols, cells } = heat_grid(d);
    let mut header = vec!["地区 \\ 行业".to_string()];
    header.extend(cols.iter().cloned());
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(y, name)| {
            let mut row = vec![text(name)];
            row.extend((0..cols.len()).map(|x| {
                V::Int(cells.iter().find(|c| c.0 == x && c.1 == y).map(|c| c.2).unwrap_or(0))
            }));
            row
        })
        .collect();
    Table { title: "地区×行业", header, rows }
}

fn methods_table(d: &Dashboard) -> Table {
    let total: i64 = d.methods.iter().map(|s| s.figures.published).sum();
    let rows = d
        .methods
        .iter()
        .map(|s| {
            let share = (total > 0).then(|| s.figures.published * 1000 / total);
            vec![
                text(method_name(s)),
                V::Int(s.figures.published),
                percent(share),
                V::Int(s.figures.selected),
                yuan(s.figures.contract_fen),
                percent(s.figures.savings_milli()),
            ]
        })
        .collect();
    Table {
        title: "选取方式",
        header: ["选取方式", "发布项目数", "占比(%)", "选取成功项目数", "合同金额(元)", "节约率(%)"].map(String::from).to_vec(),
        rows,
    }
}

fn counts_table(title: &'static str, what: &str, items: &[(String, i64)], label: fn(&str) -> String) -> Table {
    let total: i64 = items.iter().map(|(_, n)| n).sum();
    let rows = items
        .iter()
        .map(|(k, n)| vec![text(label(k)), V::Int(*n), percent((total > 0).then(|| n * 1000 / total))])
        .collect();
    Table { title, header: vec![what.to_string(), "机构数".into(), "占比(%)".into()], rows }
}

/// A CSV field, quoted when needed; text that a spreadsheet would run as a
/// formula is prefixed with an apostrophe.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A value as CSV text: money and rates with their fixed decimals.
fn csv_cell(v: &V) -> String {
    match v {
        V::Text(s) => csv_field(s),
        other => other.to_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard_charts::tests::sample;
    use crate::model::dashboard::DashboardFilter;

    fn sections(csv: &str) -> Vec<Vec<String>> {
        csv.trim_start_matches('\u{FEFF}')
            .split("\r\n\r\n")
            .map(|s| s.split("\r\n").filter(|l| !l.is_empty()).map(String::from).collect())
            .collect()
    }

    fn with_filter() -> Dashboard {
        let mut d = sample();
        d.filter = DashboardFilter {
            from: "2026-01".into(),
            to: "2026-03".into(),
            industry: "ZJ".into(),
            method: "merit".into(),
            funding: "fiscal".into(),
            ..DashboardFilter::default()
        };
        d.industry_options = vec![("ZJ".into(), "造价咨询".into()), ("CH".into(), "测绘".into())];
        d
    }

    #[test]
    fn dashboard_export_csv_has_a_bom_and_one_section_per_table() {
        let csv = csv(&with_filter());
        assert!(csv.starts_with('\u{FEFF}'));
        let s = sections(&csv);
        let titles: Vec<&str> = s.iter().map(|sec| sec[0].as_str()).collect();
        assert_eq!(titles, ["筛选条件", "总体指标", "趋势", "地区", "行业", "地区×行业", "选取方式", "星级", "信用等级"]);
        assert!(s[0].contains(&"行业,造价咨询".to_string()), "{:?}", s[0]);
        assert!(s[0].contains(&"选取方式,择优选取".to_string()), "{:?}", s[0]);
        assert!(s[0].contains(&format!("资金来源,{}", t("funding.fiscal"))), "{:?}", s[0]);
        assert!(s[0].contains(&"地区,四川省".to_string()));
    }

    #[test]
    fn dashboard_export_totals_with_previous_and_change() {
        let s = sections(&csv(&sample()));
        let totals = &s[1];
        assert_eq!(totals[1], "指标,本期,上期,增减,环比(%)");
        // 10 vs 8: +2, +25.0 %
        assert!(totals.contains(&"发布项目数,10,8,2,25.0".to_string()), "{totals:?}");
        // ¥12,345.67 vs ¥10,000.00: +¥2,345.67, +23.4 % (234 thousandths)
        assert!(totals.contains(&"合同金额(元),12345.67,10000.00,2345.67,23.4".to_string()), "{totals:?}");
        // savings 1 − 17,500 / 20,000 = 12.5 %; nothing selected before
        assert!(totals.contains(&"节约率(%),12.5,,,".to_string()), "{totals:?}");
        // 34 participants / 10 projects = 3.40; 3 of 4 on time = 75.0 %; 50 days / 4 = 12.50
        assert!(totals.contains(&"平均参与机构数,3.40,0.00,3.40,".to_string()), "{totals:?}");
        assert!(totals.contains(&"按期完成率(%),75.0,,,".to_string()));
        assert!(totals.contains(&"平均服务天数,12.50,,,".to_string()));
        // ratings 70 / (4 × 4) = 4.375 → 4.38
        assert!(totals.contains(&"满意度(5分制),4.38,,,".to_string()), "{totals:?}");
        assert!(totals.contains(&"活跃中介机构数,15,,,".to_string()));
        assert!(totals.contains(&"投诉件数,1,,,".to_string()));
    }

    #[test]
    fn dashboard_export_chart_tables_match_the_charts() {
        let s = sections(&csv(&sample()));
        let trend = &s[2];
        assert!(trend[1].starts_with("期间,发布项目数,"));
        assert!(trend[2].starts_with("2026-01,3,0,0,0.00,0.00,5000.00,"), "{trend:?}");
        assert!(trend[2].ends_with(','), "no change for the first period: {}", trend[2]);
        assert!(trend[3].ends_with(",-100.0"), "{}", trend[3]);
        assert!(trend[4].starts_with("2026-03,7,"));
        assert!(trend[4].ends_with(','), "no change from zero: {}", trend[4]);

        let regions: Vec<&str> = s[3][2..].iter().map(|l| l.split(',').nth(1).unwrap()).collect();
        assert_eq!(regions, ["成都市", "自贡市", "绵阳市", "阿坝藏族羌族自治州"], "ranked as in the chart");
        assert!(s[3][2].starts_with("510100,成都市,6,"));
        assert_eq!(s[4][2].split(',').take(3).collect::<Vec<_>>(), ["CH", "测绘", "7"]);

        assert_eq!(s[5][1], "地区 \\ 行业,测绘,造价咨询");
        assert_eq!(&s[5][2..], ["成都市,5,1", "自贡市,0,2", "绵阳市,2,0", "阿坝藏族羌族自治州,0,0"]);

        assert_eq!(s[6][2], "直接选取,4,40.0,0,0.00,");
        assert_eq!(s[6][5], "择优选取,1,10.0,0,0.00,");
        assert_eq!(&s[7][2..], ["1星,5,33.3", "2星,4,26.6", "3星,3,20.0", "4星,2,13.3", "5星,1,6.6"]);
        assert_eq!(&s[8][2..], ["A级,5,55.5", "B级,3,33.3", "C级,1,11.1", "D级,0,0.0"]);
    }

    #[test]
    fn dashboard_export_values_are_exact_decimals() {
        assert_eq!(V::Yuan(123_456).to_text(), "1234.56");
        assert_eq!(V::Yuan(5).to_text(), "0.05");
        assert_eq!(V::Yuan(-1_050).to_text(), "-10.50");
        assert_eq!(V::Percent(125).to_text(), "12.5");
        assert_eq!(V::Percent(-5).to_text(), "-0.5");
        assert_eq!(V::Percent(1000).to_text(), "100.0");
        assert_eq!(two_decimals(Some(4375)), V::Hundredths(438));
        assert_eq!(two_decimals(Some(-4375)), V::Hundredths(-438));
        assert_eq!(V::Hundredths(438).to_text(), "4.38");
        assert_eq!(V::Yuan(123_456).cell(), Cell::Num(1234.56));
        assert_eq!(V::Percent(125).cell(), Cell::Num(12.5));
    }

    #[test]
    fn dashboard_export_csv_quotes_and_defuses_text() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("成都市"), "成都市");
    }

    #[test]
    fn dashboard_export_xlsx_has_one_sheet_per_table_with_numbers() {
        let d = sample();
        let b = xlsx(&d);
        assert_eq!(&b[..4], b"PK\x03\x04");
        let text = String::from_utf8_lossy(&b);
        for (i, title) in ["筛选条件", "总体指标", "趋势", "地区", "行业", "地区×行业", "选取方式", "星级", "信用等级"].iter().enumerate() {
            assert!(text.contains(&format!("<sheet name=\"{title}\" sheetId=\"{}\"", i + 1)), "{title}");
        }
        // 总体指标 row 2 (发布项目数): numbers, not text
        assert!(text.contains(r#"<c r="B2"><v>10</v></c><c r="C2"><v>8</v></c><c r="D2"><v>2</v></c><c r="E2"><v>25</v></c>"#));
        // 合同金额 row 5: ¥12,345.67
        assert!(text.contains(r#"<c r="B5"><v>12345.67</v></c>"#));
    }
}
