//! The selection announcement form (选取公告): every field checked, in the
//! browser and again on the server.
use crate::domain::calendar::WorkCalendar;
use crate::domain::credit_code;
use crate::domain::eligibility::MatchMode;
use crate::domain::merit::{self, Criterion, MeritCriteria};
use crate::domain::money::Fen;
use crate::domain::onboarding::{valid_phone, FieldProblem};
use crate::domain::procurement::{Funding, SelectionMethod};
use crate::domain::time::{days_from_civil, SHANGHAI_OFFSET_MS};
use crate::model::trading::{AnnouncementForm, MethodParams, TradingSettings};

/// The checked form.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub title: String,
    pub project_code: String,
    pub budget: Fen,
    pub scope: String,
    pub mode: MatchMode,
    /// Required types and minimum grades, as entered (codes checked by the caller).
    pub requirements: Vec<(String, Option<String>)>,
    pub service_days: i64,
    /// `None` for direct selection.
    pub deadline_ms: Option<i64>,
    pub method: SelectionMethod,
    pub funding: Funding,
    pub contact_name: String,
    pub contact_phone: String,
    pub params: MethodParams,
}

fn problem(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

fn chars(s: &str) -> usize {
    s.trim().chars().count()
}

/// Yuan with up to two decimals ("12000", "12,000.5") into fen.
pub fn parse_yuan(s: &str) -> Option<Fen> {
    let s: String = s.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let yuan: i64 = whole.parse().ok()?;
    let fen: i64 = format!("{frac:0<2}").parse().ok()?;
    yuan.checked_mul(100)?.checked_add(fen)
        .map(Fen)
}

/// `YYYY-MM-DDTHH:MM` (Asia/Shanghai) into epoch ms.
pub fn parse_local_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once('T').or_else(|| s.split_once(' '))?;
    let mut d = date.split('-');
    let (y, m, day): (i64, u32, u32) = (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let mut t = time.split(':');
    let (hh, mm): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !(0..24).contains(&hh) || !(0..60).contains(&mm) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    // Reject 2026-02-31 and the like: the date must round-trip.
    if crate::domain::time::civil_from_days(days) != (y, m, day) {
        return None;
    }
    Some(days * 86_400_000 + hh * 3_600_000 + mm * 60_000 - SHANGHAI_OFFSET_MS)
}

/// Merit criteria lines `名称:分值` (ASCII or full-width colon), one per line.
pub fn parse_criteria(price_weight: &str, lines: &str) -> Result<MeritCriteria, FieldProblem> {
    let price_weight: u32 = price_weight.trim().parse().map_err(|_| problem("price_weight", "announcement.price_weight_invalid"))?;
    let mut quality = Vec::new();
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, points) = line.rsplit_once([':', '：']).ok_or(problem("criteria", "announcement.criteria_line_invalid"))?;
        let max_points: u32 = points.trim().parse().map_err(|_| problem("criteria", "announcement.criteria_line_invalid"))?;
        quality.push(Criterion { name: name.trim().to_string(), max_points });
    }
    let c = MeritCriteria { price_weight, quality };
    match merit::validate(&c).first() {
        None => Ok(c),
        Some(p) => Err(FieldProblem { field: "criteria", key: p.message_key() }),
    }
}

/// Checks the form. `publishing`: also the rules that apply at publication
/// (the deadline at least `min_publication_days` working days after `now_ms`).
pub fn check(form: &AnnouncementForm, now_ms: i64, cal: &WorkCalendar, settings: &TradingSettings, publishing: bool) -> Result<Checked, FieldProblem> {
    if !(4..=100).contains(&chars(&form.title)) {
        return Err(problem("title", "announcement.title_invalid"));
    }
    if !(2..=50).contains(&chars(&form.project_code)) {
        return Err(problem("project_code", "announcement.project_code_invalid"));
    }
    if form.item_code.trim().is_empty() {
        return Err(problem("item_code", "announcement.item_required"));
    }
    if form.region_code.trim().is_empty() {
        return Err(problem("region_code", "announcement.region_required"));
    }
    let funding = Funding::parse(form.funding.trim()).ok_or(problem("funding", "announcement.funding_invalid"))?;
    let budget = parse_yuan(&form.budget).filter(|f| f.0 > 0 && f.0 <= 10_000_000_000_00).ok_or(problem("budget", "announcement.budget_invalid"))?;
    if chars(&form.scope) > 2000 {
        return Err(problem("scope", "announcement.scope_too_long"));
    }
    let mode = MatchMode::parse(form.match_mode.trim()).unwrap_or(MatchMode::Any);
    let mut requirements = Vec::new();
    for (t, g) in [(&form.req_type_1, &form.req_grade_1), (&form.req_type_2, &form.req_grade_2), (&form.req_type_3, &form.req_grade_3)] {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if requirements.iter().any(|(x, _): &(String, Option<String>)| x == t) {
            return Err(problem("req_type_1", "announcement.requirement_duplicate"));
        }
        let g = g.trim();
        requirements.push((t.to_string(), (!g.is_empty()).then(|| g.to_string())));
    }
    let service_days: i64 = form.service_days.trim().parse().ok().filter(|d| (1..=365).contains(d)).ok_or(problem("service_days", "announcement.service_days_invalid"))?;
    let method = SelectionMethod::parse(form.method.trim()).ok_or(problem("method", "announcement.method_invalid"))?;
    let deadline_ms = if method == SelectionMethod::Direct {
        None
    } else {
        let d = parse_local_datetime(&form.deadline).ok_or(problem("deadline", "announcement.deadline_invalid"))?;
        if publishing && d < cal.add_working_days(now_ms, settings.min_publication_days) {
            return Err(problem("deadline", "announcement.deadline_too_soon"));
        }
        Some(d)
    };
    if !(2..=20).contains(&chars(&form.contact_name)) {
        return Err(problem("contact_name", "announcement.contact_name_invalid"));
    }
    if !valid_phone(&form.contact_phone) {
        return Err(problem("contact_phone", "announcement.contact_phone_invalid"));
    }
    let mut params = MethodParams::default();
    match method {
        SelectionMethod::Merit => params.merit = Some(parse_criteria(&form.price_weight, &form.criteria)?),
        SelectionMethod::PriceCompetition => params.abnormal_share_pct = Some(settings.abnormal_share_pct),
        SelectionMethod::Direct => {
            let code = form.direct_firm.trim().to_uppercase();
            if credit_code::validate(&code).is_err() {
                return Err(problem("direct_firm", "announcement.direct_firm_invalid"));
            }
            if !(5..=500).contains(&chars(&form.direct_reason)) {
                return Err(problem("direct_reason", "announcement.direct_reason_invalid"));
            }
            params.direct_firm = Some(code);
            params.direct_reason = Some(form.direct_reason.trim().to_string());
        }
        SelectionMethod::RandomDraw => {}
    }
    Ok(Checked {
        title: form.title.trim().to_string(),
        project_code: form.project_code.trim().to_string(),
        budget,
        scope: form.scope.trim().to_string(),
        mode,
        requirements,
        service_days,
        deadline_ms,
        method,
        funding,
        contact_name: form.contact_name.trim().to_string(),
        contact_phone: form.contact_phone.trim().to_string(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_and_local_times_parse_exactly() {
        assert_eq!(parse_yuan("12000"), Some(Fen(1_200_000)));
        assert_eq!(parse_yuan("12,000.5"), Some(Fen(1_200_050)));
        assert_eq!(parse_yuan("0.07"), Some(Fen(7)));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("-5"), None);
        assert_eq!(parse_yuan(""), None);
        // 2026-12-01 09:30 in Shanghai is 01:30 UTC.
        let t = parse_local_datetime("2026-12-01T09:30").unwrap();
        assert_eq!(crate::domain::time::format_shanghai(t), "2026-12-01 09:30");
        assert_eq!(parse_local_datetime("2026-02-31T09:30"), None);
        assert_eq!(parse_local_datetime("2026-12-01T24:00"), None);
    }

    #[test]
    fn merit_criteria_lines_accept_both_colons() {
        let c = parse_criteria("40", "技术方案:30\n服务团队：20\n业绩:10").unwrap();
        assert_eq!(c.price_weight, 40);
        assert_eq!(c.quality.len(), 3);
        assert_eq!(parse_criteria("40", "技术方案 30").unwrap_err().field, "criteria");
        assert_eq!(parse_criteria("x", "a:1").unwrap_err().field, "price_weight");
    }
}
