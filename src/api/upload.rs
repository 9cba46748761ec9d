//! Request bodies that are files: streamed to a temporary file while they arrive, never held
//! whole, with their hash for `Idempotency-Key`; and the replay of a stored answer.

use actix_web::http::header;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::app::IMPORT_LIMIT;
use crate::db::{Db, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::export::FileFormat;

/// A reader over request body chunks sent from the async side, so that a blocking thread can
/// write them out while the body is still arriving, never holding it whole. Only an explicit
/// end marks the end: a channel closed without one means the body did not arrive whole.
struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<Chunk>,
    current: web::Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(Some(chunk))) => self.current = chunk,
                Some(Ok(None)) => return Ok(0),
                Some(Err(message)) => return Err(std::io::Error::other(message)),
                None => return Err(std::io::Error::other("the upload broke off")),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// The caller-chosen `Idempotency-Key` (the same form as on every other POST).
pub fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if super::idempotency::well_formed(key) => Ok(Some(key.to_owned())),
        _ => Err(super::idempotency::malformed_key()),
    }
}

pub fn replay(status: i32, body: String) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status as u16).unwrap_or_default())
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header(("Idempotent-Replayed", "true"))
        .body(body)
}

/// A piece of the body on its way to the spool file: data, the end, or why it broke off.
type Chunk = Result<Option<web::Bytes>, String>;

/// Writes the request body to an unnamed temporary file (gone when dropped) while hashing it,
/// and returns the file rewound, with the body's SHA-256. 413 past `limit`; 400 if the body
/// breaks off before its announced end.
pub async fn spool(payload: &mut web::Payload, limit: usize) -> ApiResult<(std::fs::File, String)> {
    use std::io::{Seek, SeekFrom};
    let (chunks_tx, chunks_rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    let writer = web::block(move || -> std::io::Result<std::fs::File> {
        let mut file = tempfile::tempfile()?;
        let mut reader = ChannelReader {
            chunks: chunks_rx,
            current: web::Bytes::new(),
        };
        std::io::copy(&mut reader, &mut file)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    });
    let pump = async move {
        let mut hasher = Sha256::new();
        let mut size = 0usize;
        let outcome = loop {
            let chunk = match payload.next().await {
                None => break Ok(()),
                Some(Err(_)) => {
                    break Err(ApiError::bad_request(
                        "The upload broke off before its end; nothing was stored",
                    ))
                }
                Some(Ok(bytes)) => bytes,
            };
            size += chunk.len();
            if size > limit {
                break Err(ApiError::PayloadTooLarge { limit });
            }
            hasher.update(&chunk);
            if chunks_tx.send(Ok(Some(chunk))).await.is_err() {
                break Err(ApiError::internal("the spool writer stopped"));
            }
        };
        let end: Chunk = match &outcome {
            Ok(()) => Ok(None),
            Err(_) => Err("the upload did not arrive whole".into()),
        };
        let _ = chunks_tx.send(end).await;
        outcome.map(|()| format!("{:x}", hasher.finalize()))
    };
    let (file, hash) = futures_util::join!(writer, pump);
    let hash = hash?;
    // The body arrived whole (else `hash` failed): a file that cannot be written is ours to fix.
    let file = file
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("spooling an upload: {e}")))?;
    Ok((file, hash))
}

/// An uploaded sheet (XLSX or CSV) of a plan, report or organizing-plan form, whole (at most
/// [`IMPORT_LIMIT`]: such files are small).
pub async fn sheet_file(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let accepted = req.mime_type().ok().flatten().is_some_and(|m| {
        let essence = m.essence_str();
        [
            FileFormat::XLSX_MEDIA_TYPE,
            "text/csv",
            "application/octet-stream",
        ]
        .contains(&essence)
    });
    if !accepted {
        return Err(ApiError::UnsupportedMediaType {
            expected:
                "text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        });
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > IMPORT_LIMIT) {
        return Err(ApiError::PayloadTooLarge {
            limit: IMPORT_LIMIT,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::bad_request("The upload broke off before its end; nothing was stored")
        })?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: IMPORT_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The answer of a form import: a dry run's result, its transaction rolled back (200), or what
/// the import created (201, `Location` from `location`).
pub async fn imported<T, F>(
    db: &Db,
    dry_run: bool,
    work: F,
    location: impl FnOnce(&T) -> String,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    if dry_run {
        let result = db.rolled_back(work).await?;
        return Ok(HttpResponse::Ok().json(result));
    }
    let result = db.transaction(work).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location(&result)))
        .json(result))
}
