//! The working-day calendar (工作日历, #8), maintained by the operator as data:
//! every version imported from the calendar CSV, the latest in force.
use crate::error::AppError;
use crate::model::calendar::CalendarVersion;
use crate::model::credit::ImportReport;
use leptos::prelude::*;

/// Every version of the calendar, newest (the one in force) first.
#[server(prefix = "/api", endpoint = "calendar/versions")]
pub async fn get_calendar_versions() -> Result<Vec<CalendarVersion>, AppError> {
    use super::ctx::{authorize_user, check, state};
    authorize_user("calendar/versions").await?;
    let st = state()?;
    check(crate::db::calendar::versions(&st.pool).await)
}

/// Imports a whole calendar (`date,kind,name`) as the version in force from
/// now on: deadlines of stages starting from now use it. A refused line is
/// reported with its line and column and nothing changes.
#[server(prefix = "/api", endpoint = "calendar/import")]
pub async fn import_calendar(note: String, csv: String) -> Result<ImportReport, AppError> {
    use super::ctx::{authorize_user, check, fail, state};
    let user = authorize_user("calendar/import").await?;
    let st = state()?;
    let note = note.trim();
    if !(2..=100).contains(&note.chars().count()) {
        return Err(fail(AppError::invalid("note", "calendar.error_note")));
    }
    if csv.trim().is_empty() {
        return Err(fail(AppError::invalid("csv", "calendar.error_empty")));
    }
    match check(crate::db::calendar::import(&st.pool, &csv, note, Some(user.id), st.now_ms()).await)? {
        Ok(id) => {
            tracing::info!(user = user.id, version = id, "calendar imported");
            let days = crate::domain::calendar::WorkCalendar::from_csv(&csv).map(|c| c.holidays.len() + c.workdays.len()).unwrap_or(0);
            Ok(ImportReport { added: days, errors: vec![] })
        }
        Err(e) => Ok(ImportReport { added: 0, errors: vec![crate::model::credit::ImportError { row: e.line, column: e.column.to_string(), key: e.key.to_string() }] }),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::db::testing::{AccountScope, TestApp};
    use crate::domain::accounts::Role;

    #[tokio::test]
    async fn the_operator_imports_a_calendar_that_then_sets_deadlines() {
        let app = TestApp::with_demo(None).await;
        let op = app.account("cal.op", Role::Operator, AccountScope::default()).await;
        app.sign_in_as(op).await;
        let v = app.run(get_calendar_versions()).await.unwrap();
        assert_eq!(v.len(), 1, "the official schedules");
        assert_eq!((v[0].first_date.as_deref(), v[0].last_date.as_deref()), (Some("2025-01-01"), Some("2026-10-10")));

        // bad input is named
        let e = app.run(import_calendar("x".into(), "date,kind,name\n".into())).await.unwrap_err();
        assert_eq!(e, AppError::invalid("note", "calendar.error_note"));
        let r = app.run(import_calendar("2027 年安排".into(), "date,kind,name\n2027-02-08,workday,春节\n".into())).await.unwrap();
        assert_eq!((r.added, r.errors[0].row, r.errors[0].column.as_str(), r.errors[0].key.as_str()), (0, 2, "kind", "calendar.error_workday_weekday"));
        assert_eq!(app.run(get_calendar_versions()).await.unwrap().len(), 1, "nothing changed");

        // a good one is in force for the deadlines computed from now on
        let csv = "date,kind,name\n2027-02-05,holiday,春节\n2027-02-06,holiday,春节\n2027-02-07,holiday,春节\n2027-02-08,holiday,春节\n";
        let r = app.run(import_calendar("2027 年安排".into(), csv.into())).await.unwrap();
        assert_eq!((r.added, r.errors.len()), (4, 0));
        let v = app.run(get_calendar_versions()).await.unwrap();
        assert_eq!((v.len(), v[0].created_by.as_deref(), v[0].note.as_str()), (2, Some("cal.op"), "2027 年安排"));
        let cal = crate::db::trading::calendar(&app.state.pool).await.unwrap();
        // Thursday 4 February 2027 + 1 working day: the holidays and the weekend pass
        let thu = crate::domain::time::shanghai_midnight_ms(2027, 2, 4) + 36_000_000;
        assert_eq!(crate::domain::time::format_shanghai(cal.add_working_days(thu, 1))[..10].to_string(), "2027-02-09");

        // firms and owners may not
        let firm = app.account("cal.firm", Role::Firm, AccountScope::default()).await;
        app.sign_in_as(firm).await;
        assert_eq!(app.run(import_calendar("2027 年安排".into(), csv.into())).await.unwrap_err(), AppError::Forbidden);
    }
}
