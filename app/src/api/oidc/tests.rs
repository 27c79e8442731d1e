//! The whole round trip against a real OpenID Connect provider on loopback
//! (`end2end/oidc-provider.mjs`, npm oauth2-mock-server): our routes served on
//! a free port with the real session layer, the provider's /authorize and
//! /token, signed ID tokens checked by the library.
use super::*;
use crate::db::sessions::DbSessionStore;
use crate::db::testing::TestApp;
use crate::domain::accounts::Role;
use openidconnect::reqwest;
use std::io::BufRead;
use std::sync::Arc;

const CODE: &str = "91510100MA6CAUTH2H";
const ORG: &str = "成都统一认证测试咨询有限公司";

/// The node provider, stopped when dropped.
struct Provider {
    child: std::process::Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider on a free loopback port; `None` (the test is skipped) only when node is missing.
fn start_provider() -> Option<Provider> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc-provider.mjs");
    let child = std::process::Command::new("node")
        .arg(script)
        .arg("0")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("SKIPPED: `node` is not installed, so the OIDC round trip against a local provider cannot run");
            return None;
        }
        Err(e) => panic!("cannot start the OIDC test provider: {e}"),
    };
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let issuer = line.trim().strip_prefix("oidc-provider ready ").unwrap_or_else(|| panic!("provider did not start: {line:?}")).to_string();
    Some(Provider { child, issuer })
}

/// Serves the OIDC routes for `app` on a free loopback port; returns the base URL.
async fn serve(app: &TestApp, issuer: &str) -> (String, Arc<OidcService>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = OidcConfig::new(issuer, "zjcs-test", Some("test-secret"), &format!("{base}/auth/oidc/callback"));
    config.provider_name = Some("四川省统一身份认证平台".into());
    let service = Arc::new(OidcService::new(config).unwrap());
    let sessions = tower_sessions::SessionManagerLayer::new(DbSessionStore::new(app.state.pool.clone(), app.state.clock.clone()))
        .with_name("zjcs_session")
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(false);
    let router = routes(Some(service.clone())).layer(sessions).with_state(app.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, service)
}

/// One browser: follows the round trip by hand, carrying the session cookie.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, base: base.to_string(), cookie: None }
    }

    /// GET; remembers a new session cookie; returns the status and the redirect target.
    async fn get(&mut self, url: &str) -> (u16, String) {
        let url = if url.starts_with('/') { format!("{}{url}", self.base) } else { url.to_string() };
        let mut req = self.http.get(&url);
        if let (Some(c), true) = (&self.cookie, url.starts_with(&self.base)) {
            req = req.header("cookie", format!("zjcs_session={c}"));
        }
        let res = req.send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("zjcs_session=") {
                assert!(v.contains("SameSite=Lax") && v.contains("HttpOnly"), "{v}");
                self.cookie = Some(rest.split(';').next().unwrap().to_string());
            }
        }
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        (res.status().as_u16(), location)
    }

    /// Starts at our site, passes the provider (as `hint`), returns the callback URL.
    async fn reach_callback(&mut self, next: &str, hint: &str) -> String {
        let (status, authorize) = self.get(&format!("/auth/oidc/start?next={next}")).await;
        assert_eq!(status, 303, "start redirects to the provider");
        assert!(authorize.contains("code_challenge_method=S256") && authorize.contains("nonce="), "{authorize}");
        let (status, callback) = self.get(&format!("{authorize}&login_hint={}", encode(hint))).await;
        assert_eq!(status, 302, "the provider approves at once");
        assert!(callback.starts_with(&format!("{}/auth/oidc/callback?", self.base)), "{callback}");
        callback
    }

    /// The whole round trip; returns where the browser lands.
    async fn sign_in(&mut self, next: &str, hint: &str) -> String {
        let callback = self.reach_callback(next, hint).await;
        let (status, to) = self.get(&callback).await;
        assert_eq!(status, 303);
        to
    }

    /// Who the session is signed in as (through `accounts/me`).
    async fn user(&self, app: &TestApp) -> Option<crate::model::accounts::SessionUser> {
        let id = self.cookie.as_deref()?.parse().ok()?;
        let store = Arc::new(DbSessionStore::new(app.state.pool.clone(), app.state.clock.clone()));
        app.use_session(&tower_sessions::Session::new(Some(id), store, None));
        app.run(crate::api::accounts::me()).await.unwrap()
    }
}

fn encode(s: &str) -> String {
    crate::model::catalogue::encode_component(s)
}

#[tokio::test]
async fn sign_in_through_a_real_local_provider() {
    let Some(provider) = start_provider() else { return };
    let app = TestApp::new().await;
    let (base, _service) = serve(&app, &provider.issuer).await;
    let pool = &app.state.pool;

    // a newcomer with a verified credit code: a draft firm, identity verified, signed in, sent to `next`
    let mut browser = Browser::new(&base);
    let landed = browser.sign_in("/account", &format!("alice|{CODE}|1|{ORG}")).await;
    assert_eq!(landed, "/account");
    let user = browser.user(&app).await.expect("signed in");
    assert_eq!((user.role, user.display_name.as_str()), (Role::Firm, ORG));
    let firm_id = user.firm_id.unwrap();
    let (status, code): (String, String) = sqlx::query_as("SELECT status, credit_code FROM firms WHERE id = $1").bind(firm_id).fetch_one(pool).await.unwrap();
    assert_eq!((status.as_str(), code.as_str()), ("draft", CODE));
    assert!(crate::db::oidc::firm_identity_verified(pool, firm_id).await.unwrap());

    // the same person again, from another browser and without `next`: same account, the firm's home
    let mut again = Browser::new(&base);
    assert_eq!(again.sign_in("", &format!("alice|{CODE}|1|{ORG}")).await, "/firm");
    assert_eq!(again.user(&app).await.map(|u| u.id), Some(user.id));
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE firm_id = $1").bind(firm_id).fetch_one(pool).await.unwrap();
    assert_eq!(accounts, 1);

    // an existing firm that already has a password account gets a linked one
    let (demo_firm, demo_code): (i64, String) =
        sqlx::query_as("SELECT id, credit_code FROM firms WHERE status = 'active' ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    app.account("demo.staff", Role::Firm, crate::db::testing::AccountScope { firm_id: Some(demo_firm), ..Default::default() }).await;
    let mut colleague = Browser::new(&base);
    colleague.sign_in("/account", &format!("bob|{demo_code}|1|")).await;
    assert_eq!(colleague.user(&app).await.and_then(|u| u.firm_id), Some(demo_firm));
    assert!(crate::db::oidc::firm_identity_verified(pool, demo_firm).await.unwrap());

    // a tampered state is refused, and nobody is signed in
    let mut tampered = Browser::new(&base);
    let callback = tampered.reach_callback("/account", &format!("carol|{CODE}|1|{ORG}")).await;
    let forged = callback.replace("state=", "state=x");
    assert_eq!(tampered.get(&forged).await, (303, "/sign-in?oidc_error=state".to_string()));
    assert_eq!(tampered.user(&app).await, None);
    // … and the spent attempt cannot be replayed with the right state either
    assert_eq!(tampered.get(&callback).await, (303, "/sign-in?oidc_error=state".to_string()));
    assert_eq!(tampered.user(&app).await, None);

    // a credit code the provider did not verify is refused: sign up normally
    let mut unverified = Browser::new(&base);
    assert_eq!(unverified.sign_in("/account", &format!("dave|91510100MA6CAUTH3L|0|{ORG}")).await, "/sign-in?oidc_error=unverified");
    assert_eq!(unverified.user(&app).await, None);
    let firms: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM firms WHERE credit_code = '91510100MA6CAUTH3L'").fetch_one(pool).await.unwrap();
    assert_eq!(firms, 0);
    // … as is a verified but malformed one
    let mut malformed = Browser::new(&base);
    assert_eq!(malformed.sign_in("/account", "erin|91510100MA6CAUTH3X|1|某公司").await, "/sign-in?oidc_error=credit_code");

    // the person refuses at the provider
    let mut refusing = Browser::new(&base);
    assert_eq!(refusing.sign_in("/account", "deny").await, "/sign-in?oidc_error=denied");

    // a callback nobody started (or forged elsewhere) is refused
    let mut stranger = Browser::new(&base);
    assert_eq!(stranger.get("/auth/oidc/callback?code=abc&state=def").await, (303, "/sign-in?oidc_error=state".to_string()));

    // `next` never leaves the site
    let mut open_redirect = Browser::new(&base);
    assert_eq!(open_redirect.sign_in("//evil.example/", &format!("alice|{CODE}|1|{ORG}")).await, "/firm");
}

#[tokio::test]
async fn an_unreachable_provider_sends_people_back_to_password_sign_in() {
    let app = TestApp::with_demo(None).await;
    // nothing listens on a port we just freed
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (base, service) = serve(&app, &format!("http://127.0.0.1:{port}")).await;
    assert!(service.discover(false).await.is_err());
    let mut browser = Browser::new(&base);
    assert_eq!(browser.get("/auth/oidc/start?next=/account").await, (303, "/sign-in?oidc_error=unavailable".to_string()));
}

#[tokio::test]
async fn without_a_provider_the_routes_are_absent_and_the_button_hidden() {
    let app = TestApp::with_demo(None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = routes(None).with_state(app.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let mut browser = Browser::new(&base);
    assert_eq!(browser.get("/auth/oidc/start").await.0, 404);
    assert_eq!(browser.get("/auth/oidc/callback?code=a&state=b").await.0, 404);

    app.new_session();
    assert_eq!(app.run(get_oidc_status()).await.unwrap(), OidcStatus { enabled: false, provider_name: None });
    let mut config = OidcConfig::new("http://127.0.0.1:1", "zjcs", None, "http://127.0.0.1:2/auth/oidc/callback");
    config.provider_name = Some("四川省统一身份认证平台".into());
    let handle = OidcHandle(Some(Arc::new(OidcService::new(config).unwrap())));
    let status = app
        .run(async move {
            provide_context(handle);
            get_oidc_status().await
        })
        .await
        .unwrap();
    assert_eq!(status, OidcStatus { enabled: true, provider_name: Some("四川省统一身份认证平台".into()) });
}
