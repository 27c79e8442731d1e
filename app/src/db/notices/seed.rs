//! Demo notices and policies (called once by the demo loader). The texts are
//! written for the demo: plausible, not quotations of real documents.
use super::super::Pool;

const DAY_MS: i64 = 86_400_000;

/// (kind, title, body, pinned, published days ago; `None`: a draft)
const DEMO: &[(&str, &str, &str, bool, Option<i64>)] = &[
    (
        "notice",
        "四川省网上中介超市中介服务机构入驻指南",
        "## 入驻条件\n\n依法设立、具有独立法人资格(或依法取得营业执照)的中介服务机构,均可**零门槛、零限制**申请入驻。\n\n\
## 办理流程\n\n1. 注册账户:使用统一社会信用代码注册中介服务机构账户;\n2. 填报信息:基本信息、法定代表人、主要管理人员和专业技术人员;\n\
3. 选择服务事项:按《中介服务事项清单》选择服务范围,填报收费标准和承诺时限;\n4. 上传资质:资质证书扫描件须为 PDF、JPG 或 PNG 格式,单个文件不超过 5 MB;\n\
5. 签署承诺书并提交,运维机构在 **3 个工作日** 内完成审核。\n\n\
## 温馨提示\n\n- 通过统一身份认证的中介服务机构,可直接入库;\n- 资质证书到期前请及时更新,过期资质对应的服务事项将自动暂停;\n\
- 咨询电话:028-00000000(工作日 9:00—17:00)。",
        true,
        Some(200),
    ),
    (
        "notice",
        "关于开展2026年度中介服务机构信用评价工作的通知",
        "各入驻中介服务机构:\n\n为推进中介服务市场信用体系建设,根据《四川省网上中介服务超市管理办法》,现就开展 2026 年度信用评价工作通知如下。\n\n\
### 一、评价对象\n\n截至 2026 年 12 月 31 日在网上中介超市入驻满 6 个月的中介服务机构。\n\n\
### 二、评价内容\n\n| 指标 | 权重 |\n|---|---|\n| 服务质量(项目业主评价) | 40% |\n| 履约情况(时限、成果) | 30% |\n| 信用记录(奖惩、投诉) | 20% |\n| 信息维护 | 10% |\n\n\
### 三、时间安排\n\n- 自评阶段:2027 年 1 月 1 日至 1 月 15 日;\n- 复核阶段:2027 年 1 月 16 日至 2 月 15 日;\n- 结果公示:2027 年 2 月下旬,公示期 5 个工作日。\n\n\
评价结果分为 A、B、C、D 四级,将在中介机构库中公开,并作为择优选取的参考。",
        false,
        Some(12),
    ),
    (
        "policy",
        "四川省网上中介服务超市管理办法(摘要)",
        "## 第一章 总则\n\n**第一条** 为规范行政审批中介服务行为,营造公开透明、竞争有序的中介服务市场,制定本办法。\n\n\
**第二条** 网上中介服务超市(以下简称中介超市)是为项目业主选取中介服务机构提供服务的网络平台,实行“一地进驻、全省通行”。\n\n\
## 第二章 入驻管理\n\n**第五条** 中介服务机构入驻中介超市实行零门槛、零限制,任何单位不得设置附加条件。\n\n\
**第六条** 中介服务机构对所填报信息的真实性、准确性负责。\n\n\
## 第三章 选取规则\n\n**第十条** 项目业主可采用直接选取、随机抽取、竞价选取、择优选取等方式选取中介服务机构。\n\n\
**第十二条** 使用财政性资金的项目,应当通过中介超市选取中介服务机构,法律法规另有规定的除外。\n\n\
## 第四章 监督管理\n\n**第十八条** 行业主管部门负责对本行业中介服务机构的执业行为进行监管,对违法违规行为依法查处,并记入信用记录。\n\n\
> 本摘要仅供演示,正式文本以发布机关公布的为准。",
        false,
        Some(320),
    ),
    (
        "policy",
        "关于规范行政审批中介服务收费的通知(摘要)",
        "- 中介服务收费实行市场调节价的,由委托双方协商确定,中介服务机构应在中介超市公示收费标准;\n\
- 实行政府定价或指导价的,严格执行价格主管部门规定,不得超标准收费;\n\
- 不得以任何名义强制或变相强制项目业主接受指定中介服务;\n\
- 项目业主应按合同约定及时支付服务费用,不得无故拖欠。\n\n\
违反规定的,由价格主管部门和行业主管部门依法处理,并记入信用记录。",
        false,
        Some(150),
    ),
    (
        "notice",
        "关于网上中介超市系统升级维护的公告",
        "为提升服务质量,网上中介超市将于 **2026 年 12 月 6 日 22:00 至 12 月 7 日 06:00** 进行系统升级维护。\n\n\
维护期间平台暂停访问,已发布选取公告的报名截止时间不受影响(顺延至维护结束后 2 小时)。给您带来的不便,敬请谅解。",
        false,
        Some(3),
    ),
    (
        "notice",
        "关于2026年第三季度中介服务履约情况的通报",
        "2026 年第三季度,全省通过中介超市完成选取项目 **4,312** 个,签订合同 4,087 份,按时提交成果率 96.4%,项目业主满意率 98.1%。\n\n\
本季度有 17 家中介服务机构因超时提交成果被记录不良信用信息,6 家因无正当理由拒绝签约被暂停选取资格 3 个月。\n\n\
请各中介服务机构严格履行服务承诺,按时保质完成服务。",
        false,
        Some(45),
    ),
    (
        "notice",
        "项目业主选取中介服务机构操作指引",
        "## 发布选取公告\n\n1. 登录后进入“我的项目”,点击“发布选取公告”;\n2. 选择中介服务事项,填写项目名称、规模、服务时限和预算金额;\n\
3. 选择选取方式,设置报名截止时间(不少于 3 个工作日)。\n\n\
## 选取与签约\n\n- 随机抽取在报名截止后由系统自动进行,抽取过程可验证;\n- 选取结果公示期满无质疑的,双方在线签订合同。\n\n\
更多说明请参阅[中介服务事项清单](/items)。",
        false,
        Some(90),
    ),
    (
        "policy",
        "四川省行政审批中介服务事项清单(2025年版)说明",
        "清单共列入中介服务事项 **56** 项,涉及 14 个行业。每个事项列明了对应的审批事项、设定依据、资质要求、办理时限和收费依据。\n\n\
未列入清单的中介服务事项,审批部门不得作为行政审批受理条件。清单实行动态调整,调整情况在本栏目公布。\n\n\
查询清单:[中介服务事项](/items)",
        false,
        Some(260),
    ),
    (
        "notice",
        "关于2027年元旦假期平台服务安排的通知",
        "2027 年元旦假期期间(1 月 1 日至 1 月 3 日),平台正常运行,人工客服暂停服务。假期期间截止的选取公告,截止时间顺延至 1 月 4 日 17:00。",
        false,
        None,
    ),
];

/// Inserts the demo notices and policies (8 published, 1 draft) unless there
/// are notices already; returns how many were inserted.
pub async fn seed_demo_notices(pool: &Pool, now_ms: i64, operator_user_id: Option<i64>) -> Result<usize, sqlx::Error> {
    let (existing,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notices").fetch_one(pool).await?;
    if existing > 0 {
        return Ok(0);
    }
    let mut tx = crate::db::begin_write_on(&pool).await?;
    for (i, (kind, title, body, pinned, days_ago)) in DEMO.iter().enumerate() {
        // `days_ago` days before now, a minute apart so the order is stable
        let published_at = days_ago.map(|d| now_ms - d * DAY_MS - (i as i64) * 60_000);
        let updated_at = published_at.unwrap_or(now_ms - DAY_MS);
        sqlx::query(
            "INSERT INTO notices (kind, title, body, pinned, published_at, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(*kind)
        .bind(*title)
        .bind(*body)
        .bind(*pinned as i64)
        .bind(published_at)
        .bind(operator_user_id)
        .bind(updated_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(DEMO.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{TestApp, TEST_NOW_MS};
    use crate::model::notices::{NoticeQuery, BODY_MAX_CHARS, TITLE_MAX_CHARS};

    #[tokio::test]
    async fn demo_notices_are_valid_and_seeded_once() {
        for (kind, title, body, _, _) in DEMO {
            assert!(crate::model::notices::NoticeKind::parse(kind).is_some());
            assert!(title.chars().count() <= TITLE_MAX_CHARS && body.chars().count() <= BODY_MAX_CHARS);
        }
        let app = TestApp::with_demo(None).await;
        assert_eq!(seed_demo_notices(&app.state.pool, TEST_NOW_MS, None).await.unwrap(), DEMO.len());
        assert_eq!(seed_demo_notices(&app.state.pool, TEST_NOW_MS, None).await.unwrap(), 0, "once");
        let page = super::super::list_public(&app.state.pool, &NoticeQuery::default(), 20).await.unwrap();
        assert_eq!(page.total, 8, "the draft is not public");
        assert_eq!(page.items[0].title, "四川省网上中介超市中介服务机构入驻指南", "the pinned guide comes first");
        assert!(page.items[1..].windows(2).all(|w| w[0].published_at >= w[1].published_at), "then newest first");
    }
}
