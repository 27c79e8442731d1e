//! Files over HTTP: the route `GET /files/{id}` (the download,
//! `app::api::files::download`) and a guard in front of the two upload server
//! functions (files, notices, qualification documents), which only accept multipart bodies with a boundary (server_fn
//! would otherwise panic on a malformed request). Uploads
//! are streamed and limited to 5 MiB inside the functions themselves; axum's
//! default body limit applies only to buffered bodies, so it does not cut them short.
use app::state::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::server_fn::ServerFn;

pub fn routes() -> Router<AppState> {
    Router::new().route("/files/{id}", get(download))
}

async fn download(State(state): State<AppState>, Path(id): Path<String>, req: Request) -> Response {
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    app::api::files::download::serve(&state, session.as_ref(), &id, req.headers()).await
}

/// Middleware: a POST to an upload function must be a multipart body with a
/// boundary; anything else is refused with the error the upload form shows.
pub async fn guard_uploads(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let upload = path == app::api::files::UploadFile::PATH
        || path == app::api::notices::AttachFile::PATH
        || path == app::api::onboarding::AttachDocument::PATH
        || path == app::api::trading::FileObjection::PATH
        || path == app::api::contract_work::PostContractMessage::PATH
        || path == app::api::contract_work::DeliverResults::PATH
        || path == app::api::register::ImportRegister::PATH;
    if upload && req.method() == Method::POST {
        let multipart = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(app::api::files::is_multipart);
        if !multipart {
            let error = app::error::AppError::invalid("file", "files.bad_form");
            return (StatusCode::UNSUPPORTED_MEDIA_TYPE, axum::Json(error)).into_response();
        }
    }
    next.run(req).await
}
