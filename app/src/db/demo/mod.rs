//! Deterministic demo market: firms, owners and three years of selection
//! projects with every method and outcome, registrations, quotes, awards,
//! contracts and ratings. Same seed + same anchor time → same data. Writes the
//! same schema the application uses and respects its constraints (eligible
//! firms only, awards among participants, stages in time order, nothing after
//! the anchor "now").
use super::sql::Arg;
use super::{Backend, Pool};
use crate::domain::credit_code;
use crate::domain::time::{DAY_MS, SHANGHAI_OFFSET_MS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub seed: u64,
    pub firms: usize,
    pub owners: usize,
    pub projects: usize,
    /// "Now" of the generated market (epoch ms); nothing happens after it.
    pub anchor_ms: i64,
    pub years: i64,
}

impl DemoOptions {
    /// The default demo: 2,000+ firms and 50,000 projects over three years.
    pub fn standard(anchor_ms: i64) -> Self {
        Self::with_projects(50_000, anchor_ms)
    }

    /// Scales firms and owners with the number of projects (for benchmarks up to 1,000,000).
    pub fn with_projects(projects: usize, anchor_ms: i64) -> Self {
        DemoOptions {
            seed: 20_261_126,
            firms: (projects / 25).max(2_000),
            owners: (projects / 30).max(1_500),
            projects,
            anchor_ms,
            years: 3,
        }
    }

    /// A small market for tests.
    pub fn small(anchor_ms: i64) -> Self {
        DemoOptions { seed: 7, firms: 120, owners: 60, projects: 600, anchor_ms, years: 3 }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub firms: usize,
    pub owners: usize,
    pub projects: usize,
    pub participations: usize,
    pub quotes: usize,
    pub awards: usize,
    pub contracts: usize,
    pub ratings: usize,
    pub credit_records: usize,
    pub credit_list_entries: usize,
}

struct Item {
    id: i64,
    name: String,
    industry: String,
    qualification: Option<String>,
    min_grade: Option<String>,
    days: i64,
    weight: u32,
    base_budget_yuan: i64,
}

struct Region {
    code: String,
    name: String,
}

pub mod accounts;
mod buffers;
mod names;
#[cfg(test)]
mod tests;

use buffers::{i, oi, t, Buffers};
use names::*;

/// Shifts a time to the same local hour on the nearest working weekday (Mon–Fri).
fn on_weekday(t: i64) -> i64 {
    let local_day = (t + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS);
    match (local_day + 3).rem_euclid(7) {
        5 => t - DAY_MS,     // Saturday → Friday
        6 => t + DAY_MS,     // Sunday → Monday
        _ => t,
    }
}

fn local_date(t: i64) -> String {
    crate::domain::time::date_shanghai(t)
}

fn yyyymm(t: i64) -> String {
    let d = local_date(t);
    format!("{}{}", &d[..4], &d[5..7])
}
/// Generates and inserts the demo market in one transaction.
pub async fn load(
    pool: &Pool,
    backend: Backend,
    opts: &DemoOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<DemoReport, sqlx::Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut report = DemoReport::default();
    let now = opts.anchor_ms;
    let span = opts.years * 365 * DAY_MS;

    // reference data, in a stable order
    let item_rows: Vec<(i64, String, String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT id, name, industry_code, qualification_type_code, min_grade, time_limit_days \
         FROM service_items WHERE status = 'in_force' ORDER BY code",
    )
    .fetch_all(pool)
    .await?;
    let items: Vec<Item> = item_rows
        .into_iter()
        .enumerate()
        .map(|(k, (id, name, industry, qualification, min_grade, days))| Item {
            id,
            name,
            industry,
            qualification,
            min_grade,
            days,
            weight: 1 + (k as u32 * 7 % 5) * 2,
            base_budget_yuan: 20_000 + ((k as i64 * 37) % 20) * 15_000,
        })
        .collect();
    let qtypes: HashMap<String, (Vec<String>, String)> = sqlx::query_as::<_, (String, String, String)>(
        "SELECT code, grades, issuer FROM qualification_types ORDER BY code",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(c, g, iss)| (c, (g.split('|').map(String::from).collect(), iss)))
    .collect();
    let regions: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT code, name, level FROM regions ORDER BY code").fetch_all(pool).await?;
    let names: HashMap<String, String> = regions.iter().map(|r| (r.0.clone(), r.1.clone())).collect();
    let counties: Vec<Region> = regions
        .iter()
        .filter(|r| r.2 == 3)
        .map(|r| Region { code: r.0.clone(), name: r.1.clone() })
        .collect();
    let cities: Vec<Region> = regions
        .iter()
        .filter(|r| r.2 == 2)
        .map(|r| Region { code: r.0.clone(), name: r.1.clone() })
        .collect();
    if items.is_empty() || counties.is_empty() {
        return Err(sqlx::Error::Protocol("reference data must be loaded before demo data".into()));
    }
    let industries: Vec<String> = {
        let mut v: Vec<String> = items.iter().map(|it| it.industry.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let city_name = |code: &str| names.get(&format!("{}00", &code[..4])).cloned().unwrap_or_default();
    let pick_county = |rng: &mut ChaCha8Rng| -> usize {
        // 40 % of the market is in Chengdu
        if rng.gen_bool(0.4) {
            let chengdu: Vec<usize> =
                counties.iter().enumerate().filter(|(_, c)| c.code.starts_with("5101")).map(|(k, _)| k).collect();
            chengdu[rng.gen_range(0..chengdu.len())]
        } else {
            rng.gen_range(0..counties.len())
        }
    };

    let id_base = |table: &'static str| async move {
        sqlx::query_as::<_, (i64,)>(&format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"))
            .fetch_one(pool)
            .await
            .map(|r| r.0)
    };
    let firm_base = id_base("firms").await?;
    let owner_base = id_base("owners").await?;
    let proc_base = id_base("procurements").await?;
    let contract_base = id_base("contracts").await?;

    let mut tx = pool.begin().await?;
    let mut buf = Buffers::new();

    // ---- firms -------------------------------------------------------------
    progress(&format!("demo: {} firms", opts.firms));
    let mut firm_names = HashSet::new();
    let mut firms_by_item: HashMap<i64, Vec<(i64, f64)>> = HashMap::new();
    for k in 0..opts.firms {
        let id = firm_base + k as i64 + 1;
        let county = &counties[pick_county(&mut rng)];
        let industry = pick(&mut rng, &industries).clone();
        // "四川" or the firm's city as prefix; after a few collisions (large markets
        // exhaust the combinations) a number makes the name unique, so this always ends
        let name = {
            let mut tries = 0;
            loop {
                let prefix = if rng.gen_bool(0.5) { "四川".to_string() } else { short_region(&city_name(&county.code)) };
                let mut n = format!(
                    "{prefix}{}{}{}",
                    pick(&mut rng, CORES),
                    pick(&mut rng, CORES),
                    pick(&mut rng, business_words(&industry))
                );
                tries += 1;
                if tries > 8 {
                    n.push_str(&format!("{}", k + 1));
                }
                n.push_str("有限公司");
                if firm_names.insert(n.clone()) {
                    break n;
                }
            }
        };
        let code = credit_code::from_parts("91", &county.code, 1_000_000 + id as u64 * 7_919)
            .expect("valid parts");
        let registered = now - span - 180 * DAY_MS + (rng.gen::<f64>().powf(1.6) * (span as f64)) as i64;
        // every 25th firm is a registration awaiting review (some fail the register check)
        let status = if k % 25 == 3 {
            "submitted"
        } else if rng.gen_range(0..100) < 3 {
            "suspended"
        } else {
            "active"
        };
        let quality = 2.6 + rng.gen::<f64>() * 2.4;
        let legal_rep = person(&mut rng);
        let (firm_name, firm_code) = (name.clone(), code.clone());
        buf.push(
            "firms",
            vec![
                i(id), t(name), t(code), t(county.code.clone()),
                t(format!("{}{}{}路{}号", city_name(&county.code), county.name, pick(&mut rng, CORES), rng.gen_range(1..300))),
                t(legal_rep.clone()), t(person(&mut rng)), t(phone(&mut rng)), t(status), i(registered), i(registered),
            ],
        );
        // legal representative, senior managers, key technical staff
        let mut staff = vec![("legal_rep", legal_rep, "法定代表人".to_string(), None)];
        for _ in 0..rng.gen_range(1..3) {
            staff.push(("manager", person(&mut rng), pick(&mut rng, MANAGER_TITLES).to_string(), None));
        }
        for _ in 0..rng.gen_range(2..6) {
            let cert = format!("{}{:08}", pick(&mut rng, &["注册", "执业", "职称"]), rng.gen_range(0..100_000_000));
            staff.push(("technical", person(&mut rng), pick(&mut rng, TECH_TITLES).to_string(), Some(cert)));
        }
        for (role, person_name, title, cert) in staff {
            let idn = id_number(&mut rng, &county.code);
            buf.push(
                "firm_staff",
                vec![i(id), t(role), t(person_name), t(title), Arg::from(cert), t(idn), t(phone(&mut rng)), i(registered)],
            );
        }
        // scope: 1–4 items of the main industry, sometimes one from another industry
        let own: Vec<&Item> = items.iter().filter(|it| it.industry == industry).collect();
        let mut scope: Vec<&Item> = Vec::new();
        for _ in 0..rng.gen_range(1..=4usize) {
            let it = *pick(&mut rng, &own);
            if !scope.iter().any(|s| s.id == it.id) {
                scope.push(it);
            }
        }
        if rng.gen_bool(0.3) {
            let it = pick(&mut rng, &items);
            if !scope.iter().any(|s| s.id == it.id) {
                scope.push(it);
            }
        }
        let mut quals_done = HashSet::new();
        for it in &scope {
            buf.push(
                "firm_items",
                vec![i(id), i(it.id), t("市场调节价,按合同约定"), i(((it.days as f64) * rng.gen_range(0.6..1.0)).ceil() as i64)],
            );
            if status == "active" {
                firms_by_item.entry(it.id).or_default().push((id, quality));
            }
            if let Some(q) = &it.qualification {
                if quals_done.insert(q.clone()) {
                    let (grades, issuer) = &qtypes[q];
                    let min_idx = it
                        .min_grade
                        .as_ref()
                        .and_then(|g| grades.iter().position(|x| x == g))
                        .unwrap_or(grades.len() - 1);
                    let grade = &grades[rng.gen_range(0..=min_idx)];
                    let from = registered - rng.gen_range(30..1500) * DAY_MS;
                    // still valid at "now" (some expire soon: the expiry warnings of #3 need them)
                    let to = (from + 5 * 365 * DAY_MS).max(now + rng.gen_range(20..900) * DAY_MS);
                    let cert = format!("{}{}{:06}{:05}", q, &local_date(from)[..4], rng.gen_range(0..1_000_000), id % 100_000);
                    buf.push(
                        "firm_qualifications",
                        vec![
                            i(id), t(q.clone()), t(grade.clone()), t(cert.clone()),
                            t(issuer.clone()), t(local_date(from)), t(local_date(to)),
                        ],
                    );
                    // the authoritative register: matches for every firm, except that
                    // pending registrations get the problems the check must find
                    let (mut holder, mut holder_name, mut reg_grade, mut reg_to) =
                        (firm_code.clone(), firm_name.clone(), grade.clone(), local_date(to));
                    let problem = if status == "submitted" { (id % 4) as u8 } else { 255 };
                    match problem {
                        0 => {} // not in the register at all
                        1 => {
                            holder = credit_code::from_parts("91", "510104", 900_000_000 + id as u64).expect("valid parts");
                            holder_name = "四川其他检测有限公司".into();
                        }
                        2 => reg_to = local_date(now - 30 * DAY_MS),
                        3 if grades.len() > 1 => {
                            reg_grade = grades.iter().find(|g| *g != grade).cloned().unwrap_or_default()
                        }
                        3 => reg_to = local_date(now - DAY_MS),
                        _ => {}
                    }
                    if problem != 0 {
                        buf.push(
                            "qualification_register",
                            vec![
                                t(q.clone()), t(cert), t(holder), t(holder_name), t(reg_grade),
                                t(local_date(from)), t(reg_to), i(0), i(now),
                            ],
                        );
                    }
                }
            }
        }
    }
    report.firms = opts.firms;

    // ---- owners ------------------------------------------------------------
    progress(&format!("demo: {} owners", opts.owners));
    let mut owners: Vec<(i64, String, bool)> = Vec::new(); // id, region, public body
    let mut owner_names = HashSet::new();
    for k in 0..opts.owners {
        let id = owner_base + k as i64 + 1;
        let public = rng.gen_bool(0.4);
        let (region_code, region_name) = if rng.gen_bool(0.3) {
            let c = pick(&mut rng, &cities);
            (c.code.clone(), c.name.clone())
        } else {
            let c = &counties[pick_county(&mut rng)];
            let full = if c.name.ends_with("区") { format!("{}{}", city_name(&c.code), c.name) } else { c.name.clone() };
            (c.code.clone(), full)
        };
        let name = if public {
            format!("{}{}", region_name, pick(&mut rng, PUBLIC_BODIES))
        } else {
            format!("{}{}{}", short_region(&region_name), pick(&mut rng, CORES), pick(&mut rng, COMPANY_WORDS))
        };
        if !owner_names.insert(name.clone()) {
            continue;
        }
        let code = credit_code::from_parts(if public { "11" } else { "91" }, &region_code, 500_000_000 + id as u64 * 104_729)
            .expect("valid parts");
        buf.push("owners", vec![i(id), t(name), t(code), t(if public { "public_body" } else { "company" }), t(region_code.clone()), i(now - span - 365 * DAY_MS)]);
        owners.push((id, region_code, public));
    }
    report.owners = owners.len();
    buf.flush(&mut tx).await?;

    // ---- projects ----------------------------------------------------------
    let total_weight: u32 = items.iter().map(|it| it.weight).sum();
    let mut contract_id = contract_base;
    let mut seq_by_month: HashMap<String, u32> = HashMap::new();
    // publication times, sorted so codes follow time
    let mut times: Vec<i64> = (0..opts.projects)
        .map(|_| {
            // growth: more recent months carry more projects
            let u: f64 = rng.gen::<f64>().powf(0.8);
            let t0 = now - span + (u * span as f64) as i64;
            // office hours in Shanghai, weekdays
            let day_start = (t0 + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
            on_weekday(day_start + rng.gen_range(9 * 3_600_000..17 * 3_600_000)).min(now - 3_600_000)
        })
        .collect();
    times.sort_unstable();
    for (k, &published) in times.iter().enumerate() {
        if k % 10_000 == 0 {
            progress(&format!("demo: projects {k}/{}", opts.projects));
        }
        let pid = proc_base + k as i64 + 1;
        let mut roll = rng.gen_range(0..total_weight);
        let item = items
            .iter()
            .find(|it| {
                if roll < it.weight {
                    true
                } else {
                    roll -= it.weight;
                    false
                }
            })
            .expect("weighted pick");
        let (owner_id, region_code, public) = pick(&mut rng, &owners).clone();
        let funding = if public == rng.gen_bool(0.82) { "fiscal" } else { "social" };
        let budget = ((item.base_budget_yuan as f64 * rng.gen_range(0.4..2.2)) as i64 / 100).max(10) * 100 * 100;
        let method = match rng.gen_range(0..100) {
            0..=14 => "direct",
            15..=59 => "random_draw",
            60..=87 => "price_competition",
            _ => "merit",
        };
        let deadline = on_weekday(published + rng.gen_range(5..11) * DAY_MS);
        let month = yyyymm(published);
        let seq = seq_by_month.entry(month.clone()).or_insert(0);
        *seq += 1;
        let code = format!("ZJ{month}{:05}", seq);
        let title = format!(
            "{}{}{}",
            names.get(&region_code).map(|n| short_region(n)).unwrap_or_default(),
            pick(&mut rng, PROJECT_NOUNS),
            item.name
        );
        let candidates = firms_by_item.get(&item.id).cloned().unwrap_or_default();

        // outcome
        let cancelled = rng.gen_bool(0.025);
        let open = deadline > now;
        let want = if method == "direct" { 1 } else if rng.gen_bool(0.06) { rng.gen_range(0..3) } else { rng.gen_range(3..10) };
        let mut chosen: Vec<(i64, f64)> = Vec::new();
        let mut pool_c = candidates.clone();
        for _ in 0..want.min(pool_c.len()) {
            let j = rng.gen_range(0..pool_c.len());
            chosen.push(pool_c.swap_remove(j));
        }
        if open {
            // still collecting registrations: some have registered so far
            let keep = (chosen.len() as f64 * rng.gen::<f64>()).round() as usize;
            chosen.truncate(keep);
        }
        let enough = if method == "direct" { chosen.len() == 1 } else { chosen.len() >= 3 };
        let status = if cancelled {
            "cancelled"
        } else if open {
            "published"
        } else if !enough {
            "failed"
        } else if deadline > now - 2 * DAY_MS {
            "closed"
        } else {
            "selected"
        };
        let cancel_reason = cancelled.then(|| "项目建设方案调整,终止本次选取".to_string());
        let closed_at = (!open).then_some(deadline);
        buf.push(
            "procurements",
            vec![
                i(pid), t(code), t(title), i(owner_id), i(item.id), t(region_code), t(item.industry.clone()),
                t(funding), i(budget), t(method), t(status), i(item.days), i(published), i(deadline),
                oi(closed_at), Arg::from(cancel_reason), i(published - DAY_MS), i(deadline.min(now)),
            ],
        );
        report.projects += 1;

        let reg_window = (deadline.min(now) - published).max(60_000);
        let mut quotes: Vec<(i64, i64, f64)> = Vec::new();
        for (firm, quality) in &chosen {
            let at = published + rng.gen_range(0..reg_window);
            buf.push("participations", vec![i(pid), i(*firm), t("registered"), i(at)]);
            report.participations += 1;
            if method == "price_competition" || method == "merit" {
                let amount = ((budget as f64 * rng.gen_range(0.62..0.99)) as i64 / 100).max(1) * 100;
                buf.push("quotes", vec![i(pid), i(*firm), i(amount), i(at)]);
                report.quotes += 1;
                quotes.push((*firm, amount, *quality));
            }
        }
        if status != "selected" {
            continue;
        }

        // award
        let awarded_at = on_weekday(deadline + rng.gen_range(1..4) * DAY_MS).min(now - 60_000);
        let (firm, amount, quality, reason) = match method {
            "direct" => {
                let (f, q) = chosen[0];
                (f, (budget as f64 * rng.gen_range(0.9..1.0)) as i64 / 100 * 100, q, "业主直接选取:该机构服务范围与资质符合要求,曾承担同类项目")
            }
            "random_draw" => {
                let (f, q) = chosen[rng.gen_range(0..chosen.len())];
                (f, (budget as f64 * rng.gen_range(0.85..1.0)) as i64 / 100 * 100, q, "随机抽取产生")
            }
            "price_competition" => {
                let best = quotes.iter().min_by_key(|q| (q.1, q.0)).expect("quotes");
                (best.0, best.1, best.2, "有效报价最低者中选")
            }
            _ => {
                let best = quotes
                    .iter()
                    .max_by(|a, b| (a.2 * 20.0 - a.1 as f64 / budget as f64 * 10.0).total_cmp(&(b.2 * 20.0 - b.1 as f64 / budget as f64 * 10.0)))
                    .expect("quotes");
                (best.0, best.1, best.2, "综合评分最高者中选")
            }
        };
        let amount = amount.max(100);
        buf.push("awards", vec![i(pid), i(firm), i(amount), t(reason), i(awarded_at)]);
        report.awards += 1;

        // contract and its stages, none later than now
        contract_id += 1;
        let signed = awarded_at + rng.gen_range(1..6) * DAY_MS;
        let days_ms = item.days * DAY_MS * 7 / 5;
        let due = signed + days_ms;
        let late_factor = 0.5 + (5.0 - quality) * 0.15 + rng.gen::<f64>() * 0.5;
        let delivered = signed + (days_ms as f64 * late_factor) as i64;
        let accepted = delivered + rng.gen_range(1..11) * DAY_MS;
        let paid = accepted + rng.gen_range(3..21) * DAY_MS;
        let at = |x: i64| (x <= now).then_some(x);
        let terminated = rng.gen_bool(0.01) && at(signed).is_some();
        let status = if terminated {
            "terminated"
        } else if at(paid).is_some() {
            "completed"
        } else if at(accepted).is_some() {
            "accepted"
        } else if at(delivered).is_some() {
            "delivered"
        } else if at(signed).is_some() {
            "signed"
        } else {
            "drafted"
        };
        let (d_at, a_at, p_at) = if terminated { (None, None, None) } else { (at(delivered), at(accepted), at(paid)) };
        buf.push(
            "contracts",
            vec![
                i(contract_id), i(pid), i(firm), i(owner_id), i(amount), t(status), i(awarded_at),
                oi(at(signed)), oi(at(signed).map(|_| due)), oi(d_at), oi(a_at), oi(p_at),
            ],
        );
        report.contracts += 1;
        if let Some(acc) = a_at {
            let rated = acc + rng.gen_range(1..15) * DAY_MS;
            if rated <= now && rng.gen_bool(0.85) {
                let mut score = |bias: f64| ((quality + bias + (rng.gen::<f64>() - 0.5) * 1.6).round() as i64).clamp(1, 5);
                let timeliness = score(if delivered > due { -1.0 } else { 0.2 });
                let (q, a, f) = (score(0.0), score(0.3), score(0.2));
                let comment = match (timeliness + q + a + f) / 4 {
                    5 => Some("成果质量高,服务及时,沟通顺畅"),
                    4 => Some("总体满意"),
                    1 | 2 => Some("成果多次返工,进度滞后"),
                    _ => None,
                };
                buf.push("ratings", vec![i(contract_id), i(firm), i(timeliness), i(q), i(a), i(f), Arg::from(comment), i(rated)]);
                report.ratings += 1;
            }
        }
        if buf.len() > 40_000 {
            buf.flush(&mut tx).await?;
        }
    }
    buf.flush(&mut tx).await?;

    poor_performers(&mut tx, now).await?;
    progress("demo: credit records and red/black list entries");
    let (records, entries) = credit_archive(&mut tx, &mut rng, firm_base, now).await?;
    report.credit_records = records;
    report.credit_list_entries = entries;
    // completed services, kept on the firm for the directory; statistics first, or
    // the planner walks every completed contract per firm (hours at 1,000,000 projects)
    sqlx::query("ANALYZE contracts").execute(&mut *tx).await?;
    sqlx::query(
        "UPDATE firms SET completed_count = (SELECT COUNT(*) FROM contracts c \
         WHERE c.firm_id = firms.id AND c.status = 'completed')",
    )
    .execute(&mut *tx)
    .await?;
    // contract numbers; records from before electronic signing have no text (version 0)
    sqlx::query(
        "UPDATE contracts SET code = (SELECT p.code FROM procurements p WHERE p.id = contracts.procurement_id) || '-HT1', \
         updated_at = created_at, completed_at = CASE WHEN status = 'completed' THEN paid_at END WHERE code IS NULL",
    )
    .execute(&mut *tx)
    .await?;
    if backend == Backend::Postgres {
        for table in ["firms", "owners", "procurements", "contracts"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT CAST(COALESCE(MAX(id), 1) AS BIGINT) FROM {table}))"
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    // planner statistics for the freshly loaded tables (both backends accept ANALYZE)
    sqlx::query("ANALYZE").execute(&mut *tx).await?;
    super::meta_set(&mut *tx, "demo_loaded", &format!("seed={} projects={} anchor={}", opts.seed, opts.projects, now)).await?;
    tx.commit().await?;
    // the bulk load queued every row for the statistics: count them at once instead
    super::stats::rebuild(pool, backend).await?;
    let accounts = accounts::load(pool, now).await.map_err(|e| match e {
        super::accounts::AccountsError::Db(e) => e,
        other => sqlx::Error::Protocol(format!("demo accounts: {other}")),
    })?;
    progress(&format!("demo: {accounts} demo accounts"));
    progress(&format!("demo: done {report:?}"));
    Ok(report)
}

/// Whether the demo market has been loaded into this database.
pub async fn is_loaded(pool: &Pool) -> Result<bool, sqlx::Error> {
    Ok(super::meta_get(pool, "demo_loaded").await?.is_some())
}


/// Two persistently poorly rated firms of industry ZJ (the demo regulator's),
/// so the poor-rating rule has something to find at start-up: each takes over
/// three recently rated, completed ZJ services (direct or drawn, of an item it
/// offers; award, contract, participation and rating move together) rated
/// poorly (sum 9, average 2.250 < 2.500). Firms with no rating of their own in
/// the window, past the first twenty (the demo accounts' firms).
async fn poor_performers(tx: &mut sqlx::Transaction<'_, sqlx::Any>, now: i64) -> Result<(), sqlx::Error> {
    let since = now - crate::domain::star::POOR_WINDOW_DAYS * DAY_MS;
    let firms: Vec<i64> = sqlx::query_scalar(
        "SELECT f.id FROM firms f WHERE f.status = 'active' \
         AND f.id NOT IN (SELECT id FROM (SELECT id FROM firms WHERE status = 'active' ORDER BY id LIMIT 20) first_firms) \
         AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.firm_id = f.id AND r.rated_at >= $1) \
         AND EXISTS (SELECT 1 FROM firm_items fi JOIN service_items s ON s.id = fi.item_id WHERE fi.firm_id = f.id AND s.industry_code = 'ZJ') \
         ORDER BY f.id",
    )
    .bind(since)
    .fetch_all(&mut **tx)
    .await?;
    let mut taken: Vec<i64> = Vec::new();
    let mut done = 0;
    for firm in firms {
        if done == 2 {
            break;
        }
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT c.id, c.procurement_id, c.firm_id FROM contracts c JOIN procurements p ON p.id = c.procurement_id JOIN ratings r ON r.contract_id = c.id \
             WHERE p.industry_code = 'ZJ' AND p.method IN ('direct', 'random_draw') AND c.status = 'completed' AND r.rated_at >= $1 \
             AND p.item_id IN (SELECT item_id FROM firm_items WHERE firm_id = $2) AND c.firm_id <> $2 ORDER BY r.rated_at DESC LIMIT 12",
        )
        .bind(since)
        .bind(firm)
        .fetch_all(&mut **tx)
        .await?;
        let rows: Vec<(i64, i64, i64)> = rows.into_iter().filter(|r| !taken.contains(&r.0)).take(3).collect();
        if rows.len() < 3 {
            continue;
        }
        for (contract, procurement, old) in rows {
            taken.push(contract);
            sqlx::query(
                "INSERT INTO participations (procurement_id, firm_id, status, registered_at) \
                 SELECT procurement_id, $2, status, registered_at FROM participations WHERE procurement_id = $1 AND firm_id = $3 \
                 AND NOT EXISTS (SELECT 1 FROM participations WHERE procurement_id = $1 AND firm_id = $2)",
            )
            .bind(procurement)
            .bind(firm)
            .bind(old)
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE awards SET firm_id = $2 WHERE procurement_id = $1").bind(procurement).bind(firm).execute(&mut **tx).await?;
            sqlx::query("UPDATE contracts SET firm_id = $2 WHERE id = $1").bind(contract).bind(firm).execute(&mut **tx).await?;
            sqlx::query(
                "UPDATE ratings SET firm_id = $2, timeliness = 2, quality = 2, attitude = 3, fee_compliance = 2, comment = '成果多次返工,进度滞后' \
                 WHERE contract_id = $1",
            )
            .bind(contract)
            .bind(firm)
            .execute(&mut **tx)
            .await?;
        }
        done += 1;
    }
    Ok(())
}


const REWARD_TITLES: &[&str] = &[
    "获评年度诚信示范中介机构",
    "在重点项目服务中表现突出，予以通报表扬",
    "主动参与公益性技术服务，予以表彰",
    "年度服务质量考核优秀",
    "获评守合同重信用企业",
];
const PENALTY_TITLES: &[&str] = &[
    "未按合同约定时限提交服务成果",
    "出具的报告存在重大质量问题，予以通报批评",
    "报名材料中从业人员信息与实际不符",
    "违规转包中介服务业务",
    "超出公布的收费标准收取服务费用",
    "无正当理由拒绝签订合同",
];
const RED_REASONS: &[&str] = &["连续三年信用评价为 A 级，列入守信红名单", "获评省级诚信示范中介机构，列入红名单"];
const BLACK_REASONS: &[&str] = &["出具虚假评估报告，列入严重失信黑名单", "以弄虚作假方式参与选取，列入黑名单", "串通报价扰乱中介服务市场秩序，列入黑名单"];

/// Rewards and penalties (about one per 15 firms, decided over the last two
/// years, some no longer in force) and red/black list entries: a few red list
/// entries, and blacklist entries that have all expired or been revoked, so
/// that no demo firm is blacklisted at "now" (tests pick random demo firms to
/// take part). Admitted firms past the first twenty (the demo accounts' firms);
/// their credit score and grade are recomputed. Returns (records, entries).
async fn credit_archive(tx: &mut sqlx::Transaction<'_, sqlx::Any>, rng: &mut ChaCha8Rng, firm_base: i64, now: i64) -> Result<(usize, usize), sqlx::Error> {
    let firms: Vec<i64> = sqlx::query_scalar("SELECT id FROM firms WHERE id > $1 AND status IN ('active', 'suspended') ORDER BY id")
        .bind(firm_base)
        .fetch_all(&mut **tx)
        .await?;
    let firms: Vec<i64> = firms.into_iter().skip(20).collect();
    if firms.is_empty() {
        return Ok((0, 0));
    }
    let total_firms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firms WHERE id > $1").bind(firm_base).fetch_one(&mut **tx).await?;
    let day = |days_ago: i64| now - days_ago * DAY_MS;
    let mut touched = std::collections::BTreeSet::new();
    let n_records = (total_firms as usize / 15).max(4);
    for k in 0..n_records {
        let firm = *pick(rng, &firms);
        let reward = rng.gen_bool(0.45);
        let decided = day(rng.gen_range(1..730));
        let decided_on = local_date(decided);
        let valid_to = if rng.gen_bool(0.3) { None } else { Some(local_date(decided + rng.gen_range(90..1095) * DAY_MS)) };
        let magnitude: i64 = rng.gen_range(1..=10);
        let (kind, points, title) = if reward {
            ("reward", magnitude, *pick(rng, REWARD_TITLES))
        } else {
            ("penalty", -magnitude, *pick(rng, PENALTY_TITLES))
        };
        let source = if rng.gen_bool(0.2) { "import" } else { "regulator" };
        let document_no = format!("川信{}〔{}〕{}号", if reward { "奖" } else { "罚" }, &decided_on[..4], 10 + k);
        sqlx::query(
            "INSERT INTO credit_records (firm_id, kind, title, points, decided_on, valid_to, source, decided_by, document_no, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
        )
        .bind(firm)
        .bind(kind)
        .bind(title)
        .bind(points)
        .bind(&decided_on)
        .bind(&valid_to)
        .bind(source)
        .bind(&document_no)
        .bind(decided)
        .execute(&mut **tx)
        .await?;
        touched.insert(firm);
    }
    // list entries: red (some still in force), black (all ended: expired or revoked)
    let n_red = (total_firms as usize / 200).max(2);
    let n_black = (total_firms as usize / 250).max(2);
    let mut entries = 0;
    for k in 0..n_red + n_black {
        let firm = *pick(rng, &firms);
        let (list, from, to, revoked): (&str, i64, Option<i64>, Option<(i64, &str)>) = if k < n_red {
            let from = day(rng.gen_range(30..700));
            ("red", from, Some(from + 2 * 365 * DAY_MS), None)
        } else if k % 2 == 0 {
            // expired: ended at least a month ago
            let from = day(rng.gen_range(400..700));
            ("black", from, Some(from + rng.gen_range(90..300) * DAY_MS), None)
        } else {
            // revoked after a credit repair (信用修复)
            let from = day(rng.gen_range(60..500));
            let to = rng.gen_bool(0.5).then(|| from + 3 * 365 * DAY_MS);
            ("black", from, to, Some((from + rng.gen_range(10..50) * DAY_MS, "已完成信用修复，经申请提前移出黑名单")))
        };
        let reason = if list == "red" { *pick(rng, RED_REASONS) } else { *pick(rng, BLACK_REASONS) };
        sqlx::query(
            "INSERT INTO credit_list_entries (firm_id, list, reason, valid_from, valid_to, entered_by, entered_at, revoked_at, revoke_reason) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(firm)
        .bind(list)
        .bind(reason)
        .bind(local_date(from))
        .bind(to.map(local_date))
        .bind(from)
        .bind(revoked.map(|r| r.0))
        .bind(revoked.map(|r| r.1.to_string()))
        .execute(&mut **tx)
        .await?;
        touched.insert(firm);
        entries += 1;
    }
    for firm in touched {
        super::credit::recompute(&mut *tx, firm, now).await?;
    }
    Ok((n_records, entries))
}
