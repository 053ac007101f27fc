use chrono::{NaiveDate, NaiveTime};
use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
use suyuan_core::reading::{PointRules, ReadingPace};
use suyuan_store::StoreError;
use suyuan_store::campaigns::NewCampaign;
use suyuan_store::testing::each_backend;

use crate::{now, province, public_collection};

const LAW: &str =
    "# 示例法\n\n<!-- INFO END -->\n\n第一条 一。\n\n第二条 二。\n\n第三条 三。\n\n第四条 四。\n";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
}

#[tokio::test]
async fn a_campaign_spreads_its_reading_over_its_days() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let collection = public_collection(&store, &p.province, "law.md", LAW).await;
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.hangzhou.id,
                    title: "学法月".into(),
                    theme: "学习示例法".into(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(23), day(26)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![p.xihu.id],
                    collections: vec![collection],
                },
                now(),
            )
            .await
            .expect("campaign");
        assert_eq!(campaign.calendar.zone, DEFAULT_ZONE);
        assert_eq!(campaign.rules, PointRules::default());
        assert!(campaign.includes(&p.cuiyuan.path) && !campaign.includes(&p.chunan.path));
        assert_eq!(campaign.units, [p.xihu.id]);
        let second_day = store.reading_on(&campaign, day(24)).await.expect("reading");
        assert_eq!(second_day.len(), 1);
        assert_eq!(second_day[0].label, "第二条");
        assert!(
            store
                .reading_on(&campaign, day(27))
                .await
                .expect("after")
                .is_empty()
        );

        let in_cuiyuan = store
            .campaigns_for(&p.cuiyuan.path)
            .await
            .expect("campaigns");
        assert_eq!(
            in_cuiyuan.iter().map(|c| c.id).collect::<Vec<_>>(),
            [campaign.id]
        );
        assert!(
            store
                .campaigns_for(&p.chunan.path)
                .await
                .expect("campaigns")
                .is_empty()
        );

        let nobody = store
            .create_campaign(
                NewCampaign {
                    owner: p.hangzhou.id,
                    title: "空".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(1), day(2)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![],
                    collections: vec![collection],
                },
                now(),
            )
            .await;
        assert!(matches!(nobody, Err(StoreError::Invalid(_))), "{nobody:?}");
    })
    .await;
}

/// A code with a deleted article and a heading written as a paragraph.
const CODE: &str = "# 示例法典\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 甲甲甲甲甲甲甲甲甲甲。\n\n第二条 （删去）\n\n第三条 乙乙乙乙乙乙乙乙乙乙。\n\n第四条 丙丙丙丙丙丙丙丙丙丙。\n\n第五条 丁丁丁丁丁丁丁丁丁丁。\n";
const CHARTER: &str = "# 示例宪章\n\n<!-- INFO END -->\n\n第一条 宪宪宪宪宪宪宪宪宪宪。\n\n第二条 章章章章章章章章章章。\n";

#[tokio::test]
async fn a_plan_reads_the_collections_in_the_order_picked_by_whole_readable_articles() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let code = public_collection(&store, &p.province, "code.md", CODE).await;
        let charter = public_collection(&store, &p.province, "charter.md", CHARTER).await;
        let campaign = store
            .create_campaign(
                NewCampaign {
                    owner: p.hangzhou.id,
                    title: "学宪章".into(),
                    theme: String::new(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(1), day(4)).expect("calendar"),
                    evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![p.xihu.id],
                    // Picked after the code was imported, but read first.
                    collections: vec![charter, code],
                },
                now(),
            )
            .await
            .expect("campaign");
        let mut days = Vec::new();
        for d in 1..=4 {
            let reading = store.reading_on(&campaign, day(d)).await.expect("reading");
            days.push(
                reading
                    .iter()
                    .map(|e| (e.collection, e.label.clone()))
                    .collect::<Vec<_>>(),
            );
        }
        let labels = |collection, items: &[&str]| {
            items
                .iter()
                .map(|l| (collection, l.to_string()))
                .collect::<Vec<_>>()
        };
        // The charter's day, then the code's four readable articles over
        // three days; the deleted article is read on none.
        assert_eq!(days[0], labels(charter, &["第一条", "第二条"]));
        let code_days: Vec<_> = days[1..].concat();
        assert_eq!(
            code_days,
            labels(code, &["第一条", "第三条", "第四条", "第五条"])
        );
        assert!(days.iter().all(|d| !d.is_empty()));
    })
    .await;
}
