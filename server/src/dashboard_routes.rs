//! `GET /dashboard/export.{csv|xlsx}`: the dashboard's figures as a file
//! (see `app::api::dashboard::serve_export`).
use app::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/{file}", get(export))
}

async fn export(State(state): State<AppState>, Path(file): Path<String>, Query(query): Query<HashMap<String, String>>, req: Request) -> Response {
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let format = file.strip_prefix("export.").unwrap_or("");
    app::api::dashboard::serve_export(&state, session.as_ref(), format, &query).await
}
