use super::*;
use crate::domain::time::shanghai_midnight_ms;

const HOUR: i64 = 3_600_000;

fn publisher() -> Publisher {
    Publisher { name: "四川省中介超市".into(), prefix: "ocds-zjcs01".into(), base_url: "https://zjcs.example.cn".into() }
}

fn org(code: &str, name: &str) -> Org {
    Org { credit_code: code.into(), name: name.into(), region: "成都市".into() }
}

/// 2026-03-02 09:00 Shanghai.
fn t0() -> i64 {
    shanghai_midnight_ms(2026, 3, 2) + 9 * HOUR
}

/// A price competition: three quotes, the lowest selected, final after seven
/// days of publicity, a contract drafted, signed, paid in full and completed.
fn price_competition() -> ProcessFacts {
    let t0 = t0();
    let closed = t0 + 7 * DAY_MS;
    let final_at = closed + 7 * DAY_MS;
    let signed = final_at + DAY_MS;
    ProcessFacts {
        code: "ZJ2026-0001".into(),
        title: "某项目环境影响评价".into(),
        project_code: "2026-510100-01".into(),
        scope: "编制环境影响报告表".into(),
        item_code: "EIA-01".into(),
        item_name: "环境影响评价".into(),
        budget: Fen(10_000_000),
        method: SelectionMethod::PriceCompetition,
        status: ProcurementStatus::Selected,
        service_days: 20,
        owner: org("11510100MB0000001X", "成都市某局"),
        published_at: t0,
        deadline_at: Some(closed),
        closed_at: Some(closed),
        opened_at: Some(closed),
        ended_at: None,
        cancel_reason: None,
        direct_reason: None,
        draw_commitment: None,
        draw: None,
        price_weight: None,
        criteria: vec![],
        bids: vec![
            BidFacts { firm: org("91510100MA0000001A", "甲咨询公司"), received_at: t0 + HOUR, amount: Some(Fen(9_031_700)), disqualified_at: None },
            BidFacts { firm: org("91510100MA0000002B", "乙咨询公司"), received_at: t0 + 2 * HOUR, amount: Some(Fen(8_524_100)), disqualified_at: None },
            BidFacts { firm: org("91510100MA0000003C", "丙咨询公司"), received_at: t0 + 3 * HOUR, amount: Some(Fen(9_517_300)), disqualified_at: None },
        ],
        awards: vec![AwardFacts {
            rank: 1,
            firm: org("91510100MA0000002B", "乙咨询公司"),
            amount: Fen(8_524_100),
            selected_at: closed,
            final_at: Some(final_at),
            cancelled_at: None,
        }],
        contracts: vec![ContractFacts {
            code: "ZJ2026-0001-HT1".into(),
            rank: 1,
            price: Fen(8_524_100),
            created_at: final_at + 60_000,
            signed_at: Some(signed),
            due_at: Some(signed + 20 * DAY_MS),
            ended_at: Some(signed + 30 * DAY_MS),
            lapsed_at: None,
            payments: vec![PaymentFacts { id: "PAY-1".into(), amount: Fen(8_524_100), paid_at: signed + 30 * DAY_MS }],
        }],
        reviews: vec![],
        review_body: ReviewBody { code: "HJ".into(), name: "四川省生态环境厅".into() },
    }
}

fn tags_of(rs: &[Release]) -> Vec<Vec<&str>> {
    rs.iter().map(|r| r.tag.iter().map(String::as_str).collect()).collect()
}

#[test]
fn dates_are_iso_8601_in_shanghai_time() {
    assert_eq!(iso_shanghai(0), "1970-01-01T08:00:00+08:00");
    assert_eq!(iso_shanghai(t0() + 61_000), "2026-03-02T09:01:01+08:00");
    assert_eq!(iso_shanghai(shanghai_midnight_ms(2026, 12, 31) + DAY_MS - 1000), "2026-12-31T23:59:59+08:00");
}

#[test]
fn a_release_at_each_public_change_tagged_by_what_changed() {
    let p = price_competition();
    let now = t0() + 100 * DAY_MS;
    let rs = releases(&publisher(), &p, now);
    // the quotes arriving change nothing public (names and amounts stay sealed)
    assert_eq!(
        tags_of(&rs),
        vec![
            vec!["tender"],
            vec!["tenderUpdate", "award"],
            vec!["tenderUpdate", "awardUpdate"],
            vec!["contract"],
            vec!["contractUpdate"],
            vec!["implementation", "contractTermination"],
        ]
    );
    let ocid = "ocds-zjcs01-ZJ2026-0001";
    assert!(rs.iter().all(|r| r.ocid == ocid && r.initiation_type == "tender"));
    assert_eq!(rs[0].id, format!("{ocid}-{}", t0()));
    assert_eq!(rs[0].date, "2026-03-02T09:00:00+08:00");
    let ids: std::collections::BTreeSet<&str> = rs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), rs.len(), "release ids are unique");

    // the tender as published: no participants, the budget in yuan
    let first = &rs[0];
    assert_eq!(first.tender.status, "active");
    assert_eq!(first.tender.value, Value { amount: 100_000.0, currency: "CNY".into() });
    assert_eq!(first.tender.procurement_method, "open");
    assert_eq!(first.tender.award_criteria.as_deref(), Some("priceOnly"));
    assert_eq!(first.tender.number_of_tenderers, None);
    assert!(first.tender.tenderers.is_empty());
    assert_eq!(first.parties.len(), 1);
    assert_eq!(first.parties[0].roles, vec!["buyer", "procuringEntity"]);
    let json = serde_json::to_string(first).unwrap();
    for secret in ["甲咨询公司", "85241", "90317"] {
        assert!(!json.contains(secret), "{secret} is public before the deadline");
    }

    // at the deadline: three tenderers, the lowest under publicity
    let opened = &rs[1];
    assert_eq!(opened.tender.number_of_tenderers, Some(3));
    assert_eq!(opened.awards.len(), 1);
    assert_eq!(opened.awards[0].id, "ZJ2026-0001-A1");
    assert_eq!(opened.awards[0].status, "pending");
    assert_eq!(opened.awards[0].value.amount, 85_241.0);
    assert_eq!(opened.awards[0].suppliers[0].id, "CN-SAIC-91510100MA0000002B");
    let winner = opened.parties.iter().find(|o| o.name == "乙咨询公司").unwrap();
    assert_eq!(winner.roles, vec!["tenderer", "supplier"]);
    assert_eq!(winner.identifier.as_ref().unwrap().id, "91510100MA0000002B");

    // publicity over: the award in force, the tender complete
    assert_eq!(rs[2].awards[0].status, "active");
    assert_eq!(rs[2].tender.status, "complete");
    // the contract drafted, signed, then paid and completed
    assert_eq!(rs[3].contracts[0].status, "pending");
    assert_eq!(rs[3].contracts[0].award_id, "ZJ2026-0001-A1");
    assert_eq!(rs[4].contracts[0].status, "active");
    assert_eq!(rs[4].contracts[0].date_signed.as_deref(), Some("2026-03-17T09:00:00+08:00"));
    let last = &rs[5].contracts[0];
    assert_eq!(last.status, "terminated");
    let tx = &last.implementation.as_ref().unwrap().transactions[0];
    assert_eq!((tx.value.amount, tx.payer.name.as_str(), tx.payee.name.as_str()), (85_241.0, "成都市某局", "乙咨询公司"));
}

#[test]
fn the_compiled_release_is_the_last_release_under_another_tag() {
    let p = price_competition();
    let now = t0() + 100 * DAY_MS;
    let rs = releases(&publisher(), &p, now);
    let mut c = compiled(&publisher(), &p, now);
    assert_eq!(c.tag, vec!["compiled"]);
    let last = rs.last().unwrap();
    assert_eq!((c.id.as_str(), c.date.as_str()), (last.id.as_str(), last.date.as_str()));
    c.tag = last.tag.clone();
    assert_eq!(&c, last);
    // halfway, only what was public by then
    let mid = t0() + 10 * DAY_MS;
    assert_eq!(releases(&publisher(), &p, mid).len(), 2);
    assert_eq!(compiled(&publisher(), &p, mid).awards[0].status, "pending");
    assert!(compiled(&publisher(), &p, mid).contracts.is_empty());
}

#[test]
fn a_declined_award_is_cancelled_and_the_next_ranked_follows() {
    let mut p = price_competition();
    let closed = p.closed_at.unwrap();
    p.awards[0].final_at = None;
    p.awards[0].cancelled_at = Some(closed + 2 * DAY_MS);
    p.awards.push(AwardFacts {
        rank: 2,
        firm: org("91510100MA0000001A", "甲咨询公司"),
        amount: Fen(9_031_700),
        selected_at: closed + 2 * DAY_MS,
        final_at: Some(closed + 9 * DAY_MS),
        cancelled_at: None,
    });
    p.contracts.clear();
    let rs = releases(&publisher(), &p, closed + 30 * DAY_MS);
    assert_eq!(tags_of(&rs), vec![vec!["tender"], vec!["tenderUpdate", "award"], vec!["awardCancellation", "award"], vec!["tenderUpdate", "awardUpdate"]]);
    let last = rs.last().unwrap();
    let statuses: Vec<(&str, &str)> = last.awards.iter().map(|a| (a.id.as_str(), a.status.as_str())).collect();
    assert_eq!(statuses, vec![("ZJ2026-0001-A1", "cancelled"), ("ZJ2026-0001-A2", "active")]);
    assert_eq!(last.tender.status, "complete");
}

#[test]
fn cancelled_and_failed_processes_say_so() {
    let mut p = price_competition();
    p.status = ProcurementStatus::Cancelled;
    p.ended_at = Some(t0() + DAY_MS);
    p.closed_at = None;
    p.opened_at = None;
    p.awards.clear();
    p.contracts.clear();
    let rs = releases(&publisher(), &p, t0() + 30 * DAY_MS);
    assert_eq!(tags_of(&rs), vec![vec!["tender"], vec!["tenderCancellation"]]);
    assert_eq!(rs[1].tender.status, "cancelled");

    let mut f = price_competition();
    f.status = ProcurementStatus::Failed;
    f.ended_at = f.closed_at;
    f.bids.truncate(1);
    f.awards.clear();
    f.contracts.clear();
    let rs = releases(&publisher(), &f, t0() + 30 * DAY_MS);
    assert_eq!(tags_of(&rs), vec![vec!["tender"], vec!["tenderUpdate"]]);
    assert_eq!(rs[1].tender.status, "unsuccessful");
    assert_eq!(rs[1].tender.number_of_tenderers, Some(1));
}

#[test]
fn each_method_is_described_as_ocds_expects() {
    let mut p = price_competition();
    p.method = SelectionMethod::RandomDraw;
    p.draw_commitment = Some("c0ffee".into());
    let closed = p.closed_at.unwrap();
    p.draw = Some(DrawFacts { seed: "5eed".into(), registrant_hash: "ab12".into(), ranking: vec!["91510100MA0000002B".into()], drawn_at: closed });
    let before = snapshot(&publisher(), &p, closed - 1);
    assert_eq!(before.tender.procurement_method, "open");
    assert!(before.tender.procurement_method_details.starts_with("Random Selection"));
    assert!(before.tender.procurement_method_details.contains("c0ffee"));
    assert!(!before.tender.procurement_method_details.contains("5eed"), "the seed stays secret until the draw");
    let after = snapshot(&publisher(), &p, closed);
    assert!(after.tender.procurement_method_details.contains("seed: 5eed; registrants' hash: ab12"));
    assert_eq!(after.tender.award_criteria, None);

    p.method = SelectionMethod::Direct;
    p.direct_reason = Some("承担过前期工作".into());
    let d = snapshot(&publisher(), &p, closed);
    assert_eq!(d.tender.procurement_method, "direct");
    assert_eq!(d.tender.procurement_method_rationale.as_deref(), Some("承担过前期工作"));

    p.method = SelectionMethod::Merit;
    p.price_weight = Some(40);
    p.criteria = vec![("技术方案".into(), 40), ("服务团队".into(), 20)];
    let m = snapshot(&publisher(), &p, closed);
    assert_eq!(m.tender.award_criteria.as_deref(), Some("ratedCriteria"));
    assert_eq!(m.tender.award_criteria_details.as_deref(), Some("价格 (price): 40; 技术方案: 40; 服务团队: 20"));
    p.price_weight = None;
    p.criteria.clear();
    assert_eq!(snapshot(&publisher(), &p, closed).tender.award_criteria_details, None, "no points published, none stated");
}

#[test]
fn the_json_uses_the_standards_field_names() {
    let p = price_competition();
    let now = t0() + 100 * DAY_MS;
    let pkg = record_package(&publisher(), "https://zjcs.example.cn/api/v1/ocds/records/ZJ2026-0001".into(), &[p], now);
    let v = serde_json::to_value(&pkg).unwrap();
    assert_eq!(v["version"], "1.1");
    assert_eq!(v["publicationPolicy"], "https://zjcs.example.cn/open-data");
    let c = &v["records"][0]["compiledRelease"];
    assert_eq!(c["initiationType"], "tender");
    assert_eq!(c["tender"]["procuringEntity"]["name"], "成都市某局");
    assert_eq!(c["tender"]["contractPeriod"]["durationInDays"], 20);
    assert_eq!(c["contracts"][0]["awardID"], "ZJ2026-0001-A1");
    assert_eq!(c["contracts"][0]["implementation"]["transactions"][0]["value"]["currency"], "CNY");
    assert!(c.get("awards").is_some());
    assert!(v["records"][0]["releases"][0].get("awards").is_none(), "empty arrays are left out");
    // the bid extension, declared
    assert_eq!(v["extensions"], serde_json::json!([BID_EXTENSION]));
    let bid = &c["bids"]["details"][1];
    assert_eq!(bid["id"], "ZJ2026-0001-91510100MA0000002B");
    assert_eq!(bid["date"], "2026-03-02T11:00:00+08:00");
    assert_eq!(bid["status"], "valid");
    assert_eq!(bid["tenderers"][0]["id"], "CN-SAIC-91510100MA0000002B");
    assert_eq!(bid["value"], serde_json::json!({"amount": 85_241.0, "currency": "CNY"}));
    assert!(v["records"][0]["releases"][0].get("bids").is_none(), "no bids before the deadline");
    let pkg = release_package(&publisher(), "u".into(), vec![], now);
    assert_eq!(serde_json::to_value(&pkg).unwrap()["extensions"], serde_json::json!([BID_EXTENSION]));
}

#[test]
fn bids_are_public_from_the_deadline_and_their_amounts_from_the_opening() {
    let mut p = price_competition();
    let closed = p.closed_at.unwrap();
    // before the deadline: no bids at all (names and amounts sealed)
    let before = snapshot(&publisher(), &p, closed - 1);
    assert_eq!(before.bids, None);
    let json = serde_json::to_string(&before).unwrap();
    for secret in ["甲咨询公司", "91510100MA0000001A", "85241", "90317", "95173"] {
        assert!(!json.contains(secret), "{secret} is public before the deadline");
    }
    // at the deadline: every bid, valid, with its amount (opened at the deadline), dated when received
    let at = snapshot(&publisher(), &p, closed);
    let details = &at.bids.as_ref().unwrap().details;
    let rows: Vec<(&str, &str, Option<f64>, String)> =
        details.iter().map(|b| (b.tenderers[0].name.as_str(), b.status.as_str(), b.value.as_ref().map(|v| v.amount), b.date.clone())).collect();
    assert_eq!(
        rows,
        vec![
            ("甲咨询公司", "valid", Some(90_317.0), iso_shanghai(t0() + HOUR)),
            ("乙咨询公司", "valid", Some(85_241.0), iso_shanghai(t0() + 2 * HOUR)),
            ("丙咨询公司", "valid", Some(95_173.0), iso_shanghai(t0() + 3 * HOUR)),
        ]
    );
    assert_eq!(at.tender.number_of_tenderers, Some(3));
    // opened an hour after the deadline: the names at the deadline, the amounts from the opening
    p.opened_at = Some(closed + HOUR);
    assert!(snapshot(&publisher(), &p, closed).bids.unwrap().details.iter().all(|b| b.value.is_none()));
    assert!(snapshot(&publisher(), &p, closed + HOUR).bids.unwrap().details.iter().all(|b| b.value.is_some()));
    // a registration (random draw, direct selection) has no amount
    p.bids[0].amount = None;
    assert_eq!(snapshot(&publisher(), &p, closed + HOUR).bids.unwrap().details[0].value, None);
}

#[test]
fn a_bid_disqualified_after_the_deadline_is_a_tender_update() {
    let mut p = price_competition();
    let closed = p.closed_at.unwrap();
    p.bids[2].disqualified_at = Some(closed + DAY_MS);
    let now = t0() + 100 * DAY_MS;
    let rs = releases(&publisher(), &p, now);
    assert_eq!(tags_of(&rs)[..4], [vec!["tender"], vec!["tenderUpdate", "award"], vec!["tenderUpdate"], vec!["tenderUpdate", "awardUpdate"]]);
    assert_eq!(rs[2].date, iso_shanghai(closed + DAY_MS));
    let statuses = |r: &Release| r.bids.as_ref().unwrap().details.iter().map(|b| b.status.clone()).collect::<Vec<_>>();
    assert_eq!(statuses(&rs[1]), ["valid", "valid", "valid"]);
    assert_eq!(statuses(&rs[2]), ["valid", "valid", "disqualified"]);
    assert_eq!(statuses(&compiled(&publisher(), &p, now)), ["valid", "valid", "disqualified"]);
}

#[test]
fn a_months_package_holds_the_releases_dated_in_that_month() {
    let p = price_competition();
    let now = t0() + 100 * DAY_MS;
    let (from, to) = month_range("2026-03").unwrap();
    assert_eq!((iso_shanghai(from), iso_shanghai(to)), ("2026-03-01T00:00:00+08:00".to_string(), "2026-04-01T00:00:00+08:00".to_string()));
    let march = releases_between(&publisher(), &p, from, to, now);
    let april = releases_between(&publisher(), &p, to, month_range("2026-04").unwrap().1, now);
    let all = releases(&publisher(), &p, now);
    assert!(march.iter().all(|r| r.date.starts_with("2026-03")));
    assert!(april.iter().all(|r| r.date.starts_with("2026-04")));
    assert_eq!(march.len() + april.len(), all.len(), "every release is in exactly one month");
    // a month's package tags each release as the full history does
    assert_eq!(april.first(), all.get(march.len()));
    for bad in ["2026-13", "2026-3", "26-03", "2026/03", "２０２６-03", ""] {
        assert_eq!(month_range(bad), None, "{bad}");
    }
    assert_eq!(month_range("2026-12").map(|(_, to)| iso_shanghai(to)), Some("2027-01-01T00:00:00+08:00".to_string()));
}

#[test]
fn objections_and_complaints_are_documents_and_the_regulator_a_review_body_once_before_it() {
    let mut p = price_competition();
    let closed = p.closed_at.unwrap();
    // an objection during publicity: answered, then escalated and dismissed; a complaint about the contract, upheld
    p.reviews = vec![
        ReviewFacts {
            id: "Q7".into(),
            complaint: false,
            filed_at: closed + DAY_MS,
            answered_at: Some(closed + 2 * DAY_MS),
            escalated_at: Some(closed + 3 * DAY_MS),
            ended_at: Some(closed + 5 * DAY_MS),
            decision: Some("dismissed".into()),
        },
        ReviewFacts {
            id: "T3".into(),
            complaint: true,
            filed_at: closed + 40 * DAY_MS,
            answered_at: None,
            escalated_at: Some(closed + 40 * DAY_MS),
            ended_at: Some(closed + 50 * DAY_MS),
            decision: Some("upheld".into()),
        },
    ];
    let pb = publisher();
    let docs = |t: i64| snapshot(&pb, &p, t).tender.documents.iter().map(|d| (d.id.clone(), d.document_type.clone(), d.description.clone())).collect::<Vec<_>>();
    let review_body = |t: i64| snapshot(&pb, &p, t).parties.iter().any(|o| o.roles == ["reviewBody"] && o.name == "四川省生态环境厅");
    assert!(docs(closed + DAY_MS - 1).is_empty());
    assert_eq!(docs(closed + DAY_MS), vec![("Q7".into(), DOC_OBJECTION.into(), "已提出，待采购人答复 (filed, awaiting the owner's answer)".into())]);
    assert_eq!(docs(closed + 2 * DAY_MS)[0].2, "采购人已答复 (answered by the owner)");
    assert!(!review_body(closed + 3 * DAY_MS - 1), "no review body before escalation");
    assert!(review_body(closed + 3 * DAY_MS));
    assert_eq!(docs(closed + 3 * DAY_MS)[0].2, "监管部门处理中 (before the regulator)");
    assert_eq!(docs(closed + 5 * DAY_MS)[0].2, "监管部门认定不成立 (dismissed by the regulator)");
    let later = docs(closed + 50 * DAY_MS);
    assert_eq!(later.len(), 2);
    assert_eq!(later[1], ("T3".into(), DOC_COMPLAINT.into(), "监管部门认定成立 (upheld by the regulator)".into()));
    // never the text or who filed it: a document holds only its state
    let json = serde_json::to_string(&snapshot(&pb, &p, closed + 50 * DAY_MS).tender.documents).unwrap();
    assert!(json.contains("/announcements/ZJ2026-0001") && !json.contains("咨询公司"), "{json}");
    // each change is a release, tagged tenderUpdate
    let rs = releases(&pb, &p, closed + 100 * DAY_MS);
    let at = |t: i64| rs.iter().find(|r| r.date == iso_shanghai(t)).map(|r| r.tag.clone());
    for t in [closed + DAY_MS, closed + 2 * DAY_MS, closed + 3 * DAY_MS, closed + 5 * DAY_MS, closed + 40 * DAY_MS, closed + 50 * DAY_MS] {
        assert_eq!(at(t), Some(vec!["tenderUpdate".to_string()]), "{}", iso_shanghai(t));
    }
    // the compiled release is still the last release's state
    assert_eq!(compiled(&pb, &p, closed + 100 * DAY_MS).tender, rs.last().unwrap().tender);
}
