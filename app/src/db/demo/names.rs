//! Word lists and generators for demo names, people and identifiers.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(super) const CORES: &[&str] = &[
    "华信", "中元", "恒达", "正源", "天成", "鼎盛", "广润", "博远", "安泰", "清源", "同创", "金诚", "瑞丰", "宏图",
    "中衡", "联合", "诚信", "锦程", "蓝天", "嘉禾", "川建", "兴业", "永安", "明德", "致远", "启航", "众合", "华茂",
    "立信", "长青", "和信", "银河", "海川", "国泰", "卓越", "汇通", "信达", "西南", "蜀通", "天府", "峨眉", "岷江",
    "巴山", "蜀道", "锦江", "青城", "剑门", "九寨", "嘉陵", "沱江", "涪江", "雅安", "宝光", "建研", "勘测", "精工",
];

pub(super) fn business_words(industry: &str) -> &'static [&'static str] {
    match industry {
        "HJ" => &["环保科技", "环境工程", "生态环境咨询"],
        "ZJ" => &["工程咨询", "建设工程", "建筑设计", "工程造价咨询"],
        "ZR" => &["测绘", "地理信息", "国土规划", "地质勘查"],
        "SL" => &["水利水电勘测设计", "水务咨询", "水土保持科技"],
        "YJ" => &["安全技术", "安全评价", "安全科技"],
        "QX" => &["防雷技术", "防雷检测", "雷电防护科技"],
        "FG" => &["工程咨询", "项目管理咨询", "发展研究"],
        "JT" => &["交通规划设计", "公路工程检测", "交通科技"],
        "NY" => &["农业科技", "农业工程咨询"],
        "SC" => &["检测技术", "检验检测", "计量科技"],
        "XF" => &["消防技术服务", "消防检测", "消防安全科技"],
        "CZ" => &["资产评估", "房地产土地估价"],
        "LC" => &["林业调查规划设计", "林业科技"],
        "WW" => &["文物保护", "文化遗产咨询"],
        _ => &["技术咨询", "工程技术"],
    }
}

pub(super) const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "罗", "高", "林", "邓", "唐", "蒋", "谢", "冯", "曾", "彭", "袁", "苏", "杜"];
pub(super) const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华", "平", "刚", "建国", "志强", "晓东", "丽", "婷", "宇", "浩", "鑫", "佳", "波", "川"];
pub(super) const PROJECT_NOUNS: &[&str] = &[
    "道路改造工程", "综合楼建设项目", "污水处理厂提标改造工程", "光伏发电项目", "学校改扩建工程", "人民医院住院楼建设项目",
    "工业园区标准化厂房项目", "农村供水保障工程", "河道综合治理工程", "物流园建设项目", "安置房建设项目", "体育中心建设项目",
    "天然气输配管网工程", "砂石加工项目", "食品加工生产线项目", "乡村振兴示范项目", "老旧小区改造项目", "冷链仓储项目",
    "高标准农田建设项目", "矿山地质环境治理项目", "景区提升改造项目", "数据中心建设项目", "桥梁新建工程", "垃圾转运站项目",
];
pub(super) const PUBLIC_BODIES: &[&str] = &["人民政府办公室", "交通运输局", "教育局", "卫生健康局", "水务局", "住房和城乡建设局", "农业农村局", "文化广电旅游局", "城市管理局", "自然资源局"];
pub(super) const COMPANY_WORDS: &[&str] = &["投资集团有限公司", "城市建设投资有限公司", "置业有限公司", "能源开发有限公司", "实业有限公司", "交通投资有限公司", "食品有限公司", "新材料有限公司", "文旅发展有限公司", "水务有限公司"];

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

pub(super) fn person(rng: &mut ChaCha8Rng) -> String {
    format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN))
}

pub(super) fn phone(rng: &mut ChaCha8Rng) -> String {
    format!("1{}{:09}", rng.gen_range(3..10), rng.gen_range(0..1_000_000_000u64))
}

/// A resident identity number (GB 11643) for a demo person born in `region`.
pub(super) fn id_number(rng: &mut ChaCha8Rng, region: &str) -> String {
    let first17 = format!(
        "{region}{:04}{:02}{:02}{:03}",
        rng.gen_range(1960..1998),
        rng.gen_range(1..13),
        rng.gen_range(1..29),
        rng.gen_range(0..1000)
    );
    let check = crate::domain::privacy::id_number_check(&first17).expect("17 digits");
    format!("{first17}{check}")
}

pub(super) const MANAGER_TITLES: &[&str] = &["总经理", "技术负责人", "副总经理", "质量负责人"];
pub(super) const TECH_TITLES: &[&str] = &["高级工程师", "工程师", "注册工程师", "高级经济师", "助理工程师"];

pub(super) fn short_region(name: &str) -> String {
    let trimmed = name.trim_end_matches("市").trim_end_matches("自治州").trim_end_matches("州");
    trimmed.chars().take(2).collect()
}

