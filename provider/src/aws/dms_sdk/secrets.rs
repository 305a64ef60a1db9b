//! The Secrets Manager pair of an endpoint, in and out of the engine settings object: DMS takes
//! `SecretsManagerSecretId`/`SecretsManagerAccessRoleArn` only inside `OracleSettings`,
//! `PostgreSQLSettings`, ... (service model), with `DatabaseName` beside them.

use aws_sdk_databasemigration::types as t;

use crate::aws::dms::SecretsManagerRef;

/// The settings object that carries the pair for `engine`.
pub(super) enum EngineSettings {
    Oracle(t::OracleSettings),
    Postgres(t::PostgreSqlSettings),
}

/// The settings to send for `engine` with `pair` and `database_name`; `None` for an engine whose
/// settings dmslink does not write (the plan refuses secrets there).
pub(super) fn settings_for(
    engine: &str,
    pair: &SecretsManagerRef,
    database_name: Option<&str>,
) -> Option<EngineSettings> {
    let db = database_name.map(str::to_string);
    match engine {
        "oracle" => Some(EngineSettings::Oracle(
            t::OracleSettings::builder()
                .secrets_manager_secret_id(&pair.secret_id)
                .secrets_manager_access_role_arn(&pair.access_role_arn)
                .set_database_name(db)
                .build(),
        )),
        "postgres" | "aurora-postgresql" => Some(EngineSettings::Postgres(
            t::PostgreSqlSettings::builder()
                .secrets_manager_secret_id(&pair.secret_id)
                .secrets_manager_access_role_arn(&pair.access_role_arn)
                .set_database_name(db)
                .build(),
        )),
        _ => None,
    }
}

/// The pair as DescribeEndpoints reports it, from whichever settings object holds it.
pub(crate) fn secrets_manager_from_sdk(e: &t::Endpoint) -> Option<SecretsManagerRef> {
    let pair = |id: Option<&str>, role: Option<&str>| {
        id.filter(|s| !s.is_empty()).map(|id| SecretsManagerRef {
            secret_id: id.to_string(),
            access_role_arn: role.unwrap_or_default().to_string(),
        })
    };
    e.oracle_settings().and_then(|s| pair(s.secrets_manager_secret_id(), s.secrets_manager_access_role_arn())).or_else(
        || {
            e.postgre_sql_settings()
                .and_then(|s| pair(s.secrets_manager_secret_id(), s.secrets_manager_access_role_arn()))
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pair() -> SecretsManagerRef {
        SecretsManagerRef {
            secret_id: "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:tgt-AbCdEf".into(),
            access_role_arn: "arn:aws:iam::123456789012:role/tgt-secrets".into(),
        }
    }

    #[test]
    fn the_pair_goes_into_the_engines_settings_with_the_database_name() {
        let Some(EngineSettings::Postgres(s)) = settings_for("postgres", &pair(), Some("dblink")) else {
            panic!("postgres settings expected")
        };
        assert_eq!(s.secrets_manager_secret_id(), Some(pair().secret_id.as_str()));
        assert_eq!(s.secrets_manager_access_role_arn(), Some(pair().access_role_arn.as_str()));
        assert_eq!(s.database_name(), Some("dblink"));
        assert_eq!(s.password(), None);
        let Some(EngineSettings::Oracle(o)) = settings_for("oracle", &pair(), Some("ORCL")) else {
            panic!("oracle settings expected")
        };
        assert_eq!(o.secrets_manager_secret_id(), Some(pair().secret_id.as_str()));
        assert!(settings_for("mysql", &pair(), None).is_none());
    }

    #[test]
    fn the_pair_is_read_back_from_the_settings() {
        let ep = t::Endpoint::builder()
            .oracle_settings(
                t::OracleSettings::builder()
                    .secrets_manager_secret_id(&pair().secret_id)
                    .secrets_manager_access_role_arn(&pair().access_role_arn)
                    .build(),
            )
            .build();
        assert_eq!(secrets_manager_from_sdk(&ep), Some(pair()));
        let ep = t::Endpoint::builder().postgre_sql_settings(t::PostgreSqlSettings::builder().build()).build();
        assert_eq!(secrets_manager_from_sdk(&ep), None);
    }
}
