//! Pages by audience and shared components.
pub mod account;
pub mod audit;
pub mod charts;
pub mod complaints;
pub mod components;
pub mod contracts;
pub mod credit;
pub mod dashboard;
pub mod manage;
pub mod notices;
pub mod notifications;
pub mod performance;
pub mod firm;
pub mod ingest;
pub mod live;
pub mod open_data;
pub mod operator;
pub mod public;
pub mod public_info;
pub mod timeliness;
pub mod redflag_settings;
pub mod ratings;
pub mod redflags;
pub mod timelimits;
pub mod trading;

use crate::i18n::{provide_locale, t, use_locale};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode, StaticSegment};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = provide_locale();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy, with the nonce Leptos put on this
/// response's inline scripts (the hydration and resource scripts).
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{header, HeaderValue};
    let Some(res) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let nonce = leptos::nonce::use_nonce().filter(|n| crate::security_headers::valid_nonce(n));
    let policy = crate::security_headers::content_security_policy(nonce.as_deref());
    if let Ok(value) = HeaderValue::from_str(&policy) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_locale();
    // Marks the document once the browser has hydrated it (tests wait for this).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/zjcs.css"/>
        <Title formatter=|text: String| if text.is_empty() { t("site.name") } else { format!("{text} - {}", t("site.name")) }/>
        <Meta name="description" content=t("site.description")/>
        <Link rel="preload" href="/pkg/zjcs.css" as_="style"/>
        <Router>
            <AuthScope>
            <Header/>
            <main id="main" class="container">
                // Every page renders completely before the response starts: a missing
                // record answers with HTTP 404 rather than 200, and pages work with
                // JavaScript off (out-of-order streaming needs JS to place late chunks).
                <ErrorBoundary fallback=|errors| view! { <components::ErrorList errors/> }>
                    <Routes fallback=|| view! { <public::NotFound/> }>
                        <Route path=StaticSegment("") view=public::HomePage ssr=SsrMode::Async/>
                        <Route path=path!("/items") view=public::CataloguePage ssr=SsrMode::Async/>
                        <Route path=path!("/items/:code") view=public::ItemPage ssr=SsrMode::Async/>
                        <Route path=path!("/announcements/:code") view=trading::TradingAnnouncementPage ssr=SsrMode::Async/>
                        <Route path=path!("/firms") view=public::FirmsPage ssr=SsrMode::Async/>
                        <Route path=path!("/firms/:code") view=public::FirmPage ssr=SsrMode::Async/>
                        <Route path=path!("/stats") view=dashboard::StatsPage ssr=SsrMode::Async/>
                        <Route path=path!("/open-data") view=open_data::OpenDataPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in") view=account::SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-up") view=account::SignUpPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/accounts") view=account::AdminAccountsPage ssr=SsrMode::Async/>
                        <Route path=path!("/notices") view=notices::NoticesPage ssr=SsrMode::Async/>
                        <Route path=path!("/notices/:id") view=notices::NoticePage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/notices") view=notices::OperatorNoticesPage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/notices/new") view=notices::NewNoticePage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/notices/:id/edit") view=notices::EditNoticePage ssr=SsrMode::Async/>
                        // @routes:files-notices
                        <Route path=path!("/manage/items") view=manage::ManageItemsPage ssr=SsrMode::Async/>
                        <Route path=path!("/manage/items/new") view=manage::NewItemPage ssr=SsrMode::Async/>
                        <Route path=path!("/manage/items/:code/edit") view=manage::EditItemPage ssr=SsrMode::Async/>
                        // @routes:catalogue-maintenance
                        // @routes:oidc
                        <Route path=path!("/firm") view=firm::FirmHomePage ssr=SsrMode::Async/>
                        <Route path=path!("/firm/profile") view=firm::FirmProfileWizard ssr=SsrMode::Async/>
                        <Route path=path!("/operator/reviews") view=operator::ReviewQueuePage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/reviews/:id") view=operator::ReviewPage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/expiring") view=operator::ExpiringPage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/register") view=operator::RegisterPage ssr=SsrMode::Async/>
                        // @routes:onboarding
                        <Route path=path!("/announcements") view=trading::AnnouncementsPage ssr=SsrMode::Async/>
                        // @routes:trading-public
                        <Route path=path!("/owner") view=trading::desk::OwnerDeskPage ssr=SsrMode::Async/>
                        <Route path=path!("/owner/announcements/new") view=trading::desk::NewAnnouncementPage ssr=SsrMode::Async/>
                        <Route path=path!("/owner/announcements/:code/edit") view=trading::desk::EditAnnouncementPage ssr=SsrMode::Async/>
                        <Route path=path!("/firm/trading") view=trading::desk::FirmTradingPage ssr=SsrMode::Async/>
                        <Route path=path!("/regulator/objections") view=trading::desk::EscalatedObjectionsPage ssr=SsrMode::Async/>
                        // @routes:trading-desk
                        <Route path=path!("/operator/trading-settings") view=operator::TradingSettingsPage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/calendar") view=operator::CalendarPage ssr=SsrMode::Async/>
                        // @routes:trading-settings
                        <Route path=path!("/contracts") view=contracts::list::ContractsPage ssr=SsrMode::Async/>
                        <Route path=path!("/contracts/:code") view=contracts::page::ContractPage ssr=SsrMode::Async/>
                        <Route path=path!("/contracts/:code/verify") view=contracts::verify::ContractVerifyPage ssr=SsrMode::Async/>
                        // @routes:contracts
                        // @routes:payments
                        // @routes:contract-work
                        <Route path=path!("/regulator/sanctions") view=ratings::SanctionsDeskPage ssr=SsrMode::Async/>
                        <Route path=path!("/supervision/flags") view=redflags::RedFlagsPage ssr=SsrMode::Async/>
                        // @routes:ratings
                        <Route path=path!("/complaints") view=complaints::MyComplaintsPage ssr=SsrMode::Async/>
                        <Route path=path!("/complaints/new") view=complaints::NewComplaintPage ssr=SsrMode::Async/>
                        <Route path=path!("/complaints/:id") view=complaints::ComplaintPage ssr=SsrMode::Async/>
                        <Route path=path!("/regulator/complaints") view=complaints::RegulatorComplaintsPage ssr=SsrMode::Async/>
                        // @routes:complaints
                        <Route path=path!("/credit") view=credit::CreditLookupPage ssr=SsrMode::Async/>
                        <Route path=path!("/credit-records") view=credit::records::CreditRecordsPage ssr=SsrMode::Async/>
                        <Route path=path!("/credit/:credit_code") view=credit::CreditArchivePage ssr=SsrMode::Async/>
                        <Route path=path!("/regulator/credit") view=credit::RegulatorCreditPage ssr=SsrMode::Async/>
                        // @routes:credit
                        <Route path=path!("/supervision/audit") view=audit::AuditPage ssr=SsrMode::Async/>
                        // @routes:audit
                        <Route path=path!("/operator/time-limits") view=timelimits::TimeLimitsPage ssr=SsrMode::Async/>
                        <Route path=path!("/supervision/board") view=timelimits::SupervisionBoardPage ssr=SsrMode::Async/>
                        // @routes:timelimits
                        <Route path=path!("/notifications") view=notifications::NotificationsPage ssr=SsrMode::Async/>
                        // @routes:notify
                        <Route path=path!("/operator/platforms") view=ingest::PlatformsPage ssr=SsrMode::Async/>
                        <Route path=path!("/supervision/cases") view=ingest::ApprovalCasesPage ssr=SsrMode::Async/>
                        // @routes:ingest
                        <Route path=path!("/stats/complaints") view=public_info::ComplaintStatsPage ssr=SsrMode::Async/>
                        <Route path=path!("/lookup") view=public_info::LookupPage ssr=SsrMode::Async/>
                        <Route path=path!("/operator/redflag-settings") view=redflag_settings::RedFlagSettingsPage ssr=SsrMode::Async/>
                        <Route path=path!("/stats/performance") view=performance::PerformancePage ssr=SsrMode::Async/>
                        <Route path=path!("/stats/timeliness") view=timeliness::TimelinessPage ssr=SsrMode::Async/>
                        // @routes:publicinfo
                        <Route path=path!("/dashboard") view=dashboard::DashboardPage ssr=SsrMode::Async/>
                    </Routes>
                </ErrorBoundary>
            </main>
            <Footer/>
            </AuthScope>
        </Router>
    }
}

/// Creates the account actions inside the router, which is where the error of a
/// form posted without JavaScript (`?__err=…`) is made available to them.
#[component]
fn AuthScope(children: Children) -> impl IntoView {
    account::provide_auth();
    children()
}

#[component]
fn Header() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    let switch_href = move || {
        let search = location.search.get();
        let search = search.trim_start_matches('?');
        let here = if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{search}", location.pathname.get())
        };
        format!("/lang/{}?to={}", locale.other().tag(), crate::model::catalogue::encode_component(&here))
    };
    view! {
        <a class="skip" href="#main">{t("nav.skip")}</a>
        <header class="site-header">
            <div class="container header-row">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"中"</span>
                    <span class="brand-text">{t("site.name")}</span>
                </a>
                // outside the collapsible menu: on a phone the unread count shows without opening it
                <span class="header-bell"><notifications::Bell/></span>
                <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label=t("nav.menu")/>
                <label for="nav-toggle" class="nav-toggle-label">
                    <span class="burger" aria-hidden="true"></span>
                    <span class="sr-only">{t("nav.menu")}</span>
                </label>
                <nav class="site-nav" aria-label=t("nav.main")>
                    <A href="/" exact=true>{t("nav.home")}</A>
                    <A href="/items">{t("nav.catalogue")}</A>
                    <A href="/announcements">{t("trading.nav")}</A>
                    <A href="/firms">{t("nav.firms")}</A>
                    <A href="/credit">{t("credit.nav")}</A>
                    <A href="/notices">{t("notices.nav")}</A>
                    <A href="/stats">{t("nav.stats")}</A>
                    <span class="user-menu"><account::UserMenu/></span>
                    <a href=switch_href rel="external" class="lang-switch" hreflang=locale.other().tag()>
                        {t("nav.switch_language")}
                    </a>
                </nav>
            </div>
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container">
                <p>{t("site.footer")}</p>
                <p class="footer-links">
                    <a href="/complaints/new">{t("complaints.nav")}</a>
                    <a href="/open-data" data-testid="footer-open-data">{t("open_data.nav")}</a>
                    <a href="/credit-records" data-testid="footer-credit-records">{t("credit.records_nav")}</a>
                </p>
            </div>
        </footer>
    }
}
