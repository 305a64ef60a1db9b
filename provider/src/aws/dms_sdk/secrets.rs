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

/// The settings to send for `engine`: the typed settings the user set, plus `pair` with
/// `database_name` when there is one; `None` when there is nothing to send or for an engine whose
/// settings dmslink does not write (the plan refuses secrets and settings there).
pub(super) fn settings_for(
    engine: &str,
    pair: Option<&SecretsManagerRef>,
    database_name: Option<&str>,
    typed: &crate::aws::engine_settings::EngineSettings,
) -> Option<EngineSettings> {
    let db = pair.and(database_name.map(str::to_string));
    let id = pair.map(|p| p.secret_id.clone());
    let role = pair.map(|p| p.access_role_arn.clone());
    match engine {
        // An empty object is sent too: with ExactSettings it clears the endpoint's settings.
        "oracle" if pair.is_some() || typed.oracle.is_some() => Some(EngineSettings::Oracle(
            super::engine_settings::oracle_to_sdk(&typed.oracle.clone().unwrap_or_default())
                .set_secrets_manager_secret_id(id)
                .set_secrets_manager_access_role_arn(role)
                .set_database_name(db)
                .build(),
        )),
        "postgres" | "aurora-postgresql" if pair.is_some() || typed.postgres.is_some() => {
            Some(EngineSettings::Postgres(
                super::engine_settings::postgres_to_sdk(&typed.postgres.clone().unwrap_or_default())
                    .set_secrets_manager_secret_id(id)
                    .set_secrets_manager_access_role_arn(role)
                    .set_database_name(db)
                    .build(),
            ))
        }
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
        let Some(EngineSettings::Postgres(s)) =
            settings_for("postgres", Some(&pair()), Some("dblink"), &Default::default())
        else {
            panic!("postgres settings expected")
        };
        assert_eq!(s.secrets_manager_secret_id(), Some(pair().secret_id.as_str()));
        assert_eq!(s.secrets_manager_access_role_arn(), Some(pair().access_role_arn.as_str()));
        assert_eq!(s.database_name(), Some("dblink"));
        assert_eq!(s.password(), None);
        let Some(EngineSettings::Oracle(o)) = settings_for("oracle", Some(&pair()), Some("ORCL"), &Default::default())
        else {
            panic!("oracle settings expected")
        };
        assert_eq!(o.secrets_manager_secret_id(), Some(pair().secret_id.as_str()));
        assert!(settings_for("mysql", Some(&pair()), None, &Default::default()).is_none());
        assert!(settings_for("postgres", None, Some("dblink"), &Default::default()).is_none());
        // An empty typed object is sent (ExactSettings clears the endpoint's settings with it).
        let empty = crate::aws::engine_settings::EngineSettings { postgres: Some(Default::default()), oracle: None };
        let Some(EngineSettings::Postgres(s)) = settings_for("postgres", None, None, &empty) else {
            panic!("an empty postgres object expected")
        };
        assert_eq!(s, t::PostgreSqlSettings::builder().build());
    }

    #[test]
    fn typed_settings_share_the_object_with_the_pair() {
        use crate::aws::engine_settings::{EngineSettings as Typed, PostgresSettings};
        let typed = Typed {
            postgres: Some(PostgresSettings { slot_name: Some("s1".into()), ..Default::default() }),
            oracle: None,
        };
        let Some(EngineSettings::Postgres(s)) = settings_for("postgres", Some(&pair()), Some("db"), &typed) else {
            panic!("postgres settings expected")
        };
        assert_eq!((s.slot_name(), s.secrets_manager_secret_id()), (Some("s1"), Some(pair().secret_id.as_str())));
        // Without a pair: only the typed settings (the top-level DatabaseName carries the name).
        let Some(EngineSettings::Postgres(s)) = settings_for("postgres", None, Some("db"), &typed) else {
            panic!("postgres settings expected")
        };
        assert_eq!((s.slot_name(), s.database_name(), s.secrets_manager_secret_id()), (Some("s1"), None, None));
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
