//! The DMS certificate dmslink imports from `certificate_pem` (see `owned_certificate`): imported
//! or adopted inside the endpoint's create step, switched and deleted by updates, deleted after
//! the endpoint on destroy.

use crate::aws::Secret;
use crate::aws::error::ErrorKind;
use crate::resources::step_kit::{R, aws_err, delete_retrying};

use super::super::desired::Database;
use super::super::owned_certificate::identifier;
use super::{MainStep, StackRun};

/// Imports `db`'s PEM (or adopts the certificate its identifier names) and records it; `None`
/// without a PEM.
pub async fn ensure(run: &StackRun, step: MainStep, db: &Database) -> R<Option<String>> {
    let Some(pem) = &db.certificate_pem else { return Ok(None) };
    let key = run.stack.database_id(db);
    let id = identifier(&key, pem);
    let dms = run.dms();
    let find =
        || async { dms.find_certificate(&id).await.map_err(|e| aws_err(step, "reading DMS certificate", &id, &e)) };
    let cert = match find().await? {
        Some(c) => c,
        None => match dms.import_certificate(&id, &Secret::new(pem.clone())).await {
            Ok(c) => c,
            // A lost answer: the import happened (the SDK's retry met it, or no answer came).
            Err(e) if e.kind == ErrorKind::AlreadyExists || e.outcome_unknown() => match find().await? {
                Some(c) => c,
                None => return Err(aws_err(step, "importing DMS certificate", &id, &e)),
            },
            Err(e) => return Err(aws_err(step, "importing DMS certificate", &id, &e)),
        },
    };
    run.kids().db_mut(&key).imported_certificate_arn = Some(cert.arn.clone());
    Ok(Some(cert.arn))
}

/// Deletes the certificate dmslink imported from `pem` for `db`, unless it is `keep`; gone counts
/// as done.
pub async fn remove_imported(run: &StackRun, step: MainStep, db: &Database, pem: &str, keep: Option<&str>) -> R<()> {
    let id = identifier(&run.stack.database_id(db), pem);
    let dms = run.dms();
    let Some(cert) = dms.find_certificate(&id).await.map_err(|e| aws_err(step, "reading DMS certificate", &id, &e))?
    else {
        return Ok(());
    };
    if Some(cert.arn.as_str()) == keep {
        return Ok(());
    }
    // An endpoint still being deleted uses it for a moment.
    delete_retrying(run, step, "deleting DMS certificate", &id, &[ErrorKind::InvalidState], || {
        dms.delete_certificate(&cert.arn)
    })
    .await
}

/// After `db`'s endpoint is gone: deletes its imported certificate, the recorded one and the one
/// its PEM names (they differ after a rotation cut short).
pub async fn remove(run: &StackRun, step: MainStep, db: &Database) -> R<()> {
    let key = run.stack.database_id(db);
    let recorded = run.kids().db(&key).imported_certificate_arn;
    if let Some(arn) = recorded {
        let dms = run.dms();
        delete_retrying(run, step, "deleting DMS certificate", &arn, &[ErrorKind::InvalidState], || {
            dms.delete_certificate(&arn)
        })
        .await?;
    }
    if let Some(pem) = &db.certificate_pem {
        remove_imported(run, step, db, pem, None).await?;
    }
    run.kids().db_mut(&key).imported_certificate_arn = None;
    Ok(())
}
