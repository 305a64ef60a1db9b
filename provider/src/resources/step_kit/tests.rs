#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use super::*;
use crate::engine::steps::step_names;

step_names!(
    enum S {
        CreateThing => "create_thing",
    }
);

struct Run {
    deadline: Instant,
    cancel: CancellationToken,
}

impl Pace for Run {
    fn deadline(&self) -> Instant {
        self.deadline
    }
    fn cancel(&self) -> &CancellationToken {
        &self.cancel
    }
}

fn run(secs: u64) -> Run {
    Run { deadline: Instant::now() + Duration::from_secs(secs), cancel: CancellationToken::new() }
}

#[tokio::test(start_paused = true)]
async fn retry_backs_off_and_gives_up_at_the_deadline() {
    let r = run(20);
    let start = Instant::now();
    let calls = Mutex::new(0);
    let got: Result<(), AwsError> = retry(&r, &[ErrorKind::InvalidState], None, || {
        *calls.lock().unwrap() += 1;
        async { Err(AwsError::new(ErrorKind::InvalidState, "InvalidState", "busy")) }
    })
    .await;
    assert_eq!(got.unwrap_err().code, "InvalidState");
    // 2 + 4 + 8 = 14 s; the next pause (15 s) would pass the deadline.
    assert_eq!(*calls.lock().unwrap(), 4);
    assert_eq!(start.elapsed(), Duration::from_secs(14));

    let other: Result<(), AwsError> =
        retry(&r, &[ErrorKind::InvalidState], None, || async { Err(AwsError::new(ErrorKind::Other, "Boom", "no")) })
            .await;
    assert_eq!(other.unwrap_err().code, "Boom");
}

#[tokio::test(start_paused = true)]
async fn poll_until_times_out_and_names_what_it_waited_for() {
    let r = run(10);
    let err = poll_until(&r, S::CreateThing, "the thing", poll_backoff(), || async { Ok(false) }).await.unwrap_err();
    assert_eq!(err.step, "create_thing");
    assert_eq!(err.message, "timed out waiting for the thing");
    let r = run(10);
    r.cancel.cancel();
    let err = poll_until(&r, S::CreateThing, "the thing", poll_backoff(), || async { Ok(false) }).await.unwrap_err();
    assert_eq!(err.message, "cancelled while waiting for the thing");
}

#[tokio::test]
async fn adopt_or_create_adopts_ours_refuses_foreign_creates_missing_and_records_at_once() {
    let recorded = Mutex::new(Vec::new());
    let record = |id: &String| recorded.lock().unwrap().push(id.clone());

    let got = adopt_or_create(
        S::CreateThing,
        "thing",
        || async { Ok(Found::Ours("ours-1".to_string())) },
        || async { panic!("must not create") },
        record,
    )
    .await
    .unwrap();
    assert_eq!(got, ("ours-1".to_string(), Came::Adopted));

    let got = adopt_or_create(
        S::CreateThing,
        "thing",
        || async { Ok(Found::Nothing) },
        || async { Ok("new-1".to_string()) },
        |id: &String| recorded.lock().unwrap().push(id.clone()),
    )
    .await
    .unwrap();
    assert_eq!(got, ("new-1".to_string(), Came::Created));

    let err = adopt_or_create(
        S::CreateThing,
        "thing",
        || async { Ok(Found::<String>::Refused("not ours".to_string())) },
        || async { panic!("must not create") },
        |id: &String| recorded.lock().unwrap().push(id.clone()),
    )
    .await
    .unwrap_err();
    assert_eq!(err, StepError::new(S::CreateThing, "not ours"));
    assert_eq!(*recorded.lock().unwrap(), vec!["ours-1", "new-1"]);
}

/// A create failing with an unknown outcome looks again and adopts what it made; a refused
/// create (an AWS code that says nothing was done) keeps its error without a second look.
#[tokio::test]
async fn adopt_or_create_looks_again_only_after_a_lost_answer() {
    let lost = [
        AwsError::new(ErrorKind::Transport, "", "connection reset"),
        AwsError::from_code("InvalidSubnet.Conflict", "conflicts"),
        AwsError::from_code("DBInstanceAlreadyExists", "exists"),
    ];
    for e in lost {
        let looks = Mutex::new(0);
        let got = adopt_or_create(
            S::CreateThing,
            "thing",
            || async {
                let mut n = looks.lock().unwrap();
                *n += 1;
                Ok(if *n == 1 { Found::Nothing } else { Found::Ours("made-1".to_string()) })
            },
            || async { Err(aws_err(S::CreateThing, "creating thing", "x", &e)) },
            |_: &String| {},
        )
        .await;
        assert_eq!(got.unwrap(), ("made-1".to_string(), Came::Adopted), "{e}");
        assert_eq!(*looks.lock().unwrap(), 2);
    }
    let looks = Mutex::new(0);
    let refused = AwsError::from_code("InvalidParameterValue", "bad");
    let err = adopt_or_create(
        S::CreateThing,
        "thing",
        || async {
            *looks.lock().unwrap() += 1;
            Ok(Found::<String>::Nothing)
        },
        || async { Err(aws_err(S::CreateThing, "creating thing", "x", &refused)) },
        |_: &String| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.code.as_deref(), Some("InvalidParameterValue"));
    assert_eq!(*looks.lock().unwrap(), 1, "no second look after a refusal");
    // Lost, and nothing there on the second look: the create's own error stands.
    let e = AwsError::new(ErrorKind::Transport, "", "connection reset");
    let err = adopt_or_create(
        S::CreateThing,
        "thing",
        || async { Ok(Found::<String>::Nothing) },
        || async { Err(aws_err(S::CreateThing, "creating thing", "x", &e)) },
        |_: &String| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.message, "creating thing (x): connection reset");
}

#[test]
fn only_one_refuses_several_naming_them() {
    assert!(matches!(only_one::<u8>("EC2 VPC", vec![]), Found::Nothing));
    assert!(matches!(only_one("EC2 VPC", vec![("vpc-1".to_string(), 1)]), Found::Ours(1)));
    match only_one("EC2 VPC", vec![("vpc-1".to_string(), 1), ("vpc-2".to_string(), 2)]) {
        Found::Refused(why) => assert!(why.starts_with("found 2 EC2 VPCs") && why.contains("vpc-1, vpc-2"), "{why}"),
        _ => panic!("two owned matches must be refused"),
    }
}

#[test]
fn no_twins_names_what_a_retried_create_made_besides() {
    assert_eq!(no_twins(S::CreateThing, "EC2 VPC", "vpc-1", vec!["vpc-1".into()]), Ok(()));
    assert_eq!(no_twins(S::CreateThing, "EC2 VPC", "vpc-1", vec![]), Ok(()), "not listed yet: no twin seen");
    let err = no_twins(S::CreateThing, "EC2 VPC", "vpc-2", vec!["vpc-1".into(), "vpc-2".into()]).unwrap_err();
    assert!(err.message.starts_with("created EC2 VPC vpc-2, but vpc-1 also carries"), "{}", err.message);
    assert!(err.message.contains("delete vpc-1"), "{}", err.message);
}

#[tokio::test]
async fn tolerate_lost_counts_an_action_that_took_effect_as_done() {
    let lost = || async { Err::<(), _>(AwsError::new(ErrorKind::Transport, "", "reset")) };
    assert_eq!(tolerate_lost(lost, || async { Ok(true) }).await, Ok(()));
    let e = tolerate_lost(lost, || async { Ok(false) }).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transport, "not done: the error stands");
    let refused = || async { Err::<(), _>(AwsError::from_code("InvalidParameterValue", "bad")) };
    let e = tolerate_lost(refused, || async { panic!("a refusal is not looked at") }).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
}

#[tokio::test]
async fn tolerate_lost_busy_also_looks_after_a_state_refusal() {
    let busy = || async { Err::<(), _>(AwsError::from_code("InvalidResourceStateFault", "is modifying")) };
    assert_eq!(tolerate_lost_busy(busy, || async { Ok(true) }).await, Ok(()));
    let e = tolerate_lost_busy(busy, || async { Ok(false) }).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault", "busy with something else: the refusal stands");
    let lost = || async { Err::<(), _>(AwsError::new(ErrorKind::Transport, "", "reset")) };
    assert_eq!(tolerate_lost_busy(lost, || async { Ok(true) }).await, Ok(()));
    let e = tolerate_lost_busy(lost, || async { Err(AwsError::from_code("Throttling", "slow")) }).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transport, "a failed look proves nothing: the first error stands");
    let no_change =
        || async { Err::<(), _>(AwsError::from_code("InvalidParameterCombinationException", "No modifications")) };
    assert_eq!(tolerate_lost_busy(no_change, || async { Ok(true) }).await, Ok(()));
    let refused = || async { Err::<(), _>(AwsError::from_code("InvalidParameterValueException", "bad")) };
    let e = tolerate_lost_busy(refused, || async { panic!("a refusal is not looked at") }).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValueException");
}

#[test]
fn step_failure_names_step_code_and_the_ways_on() {
    let e = StepError::new(S::CreateThing, "creating thing (x): Boom: no").with_code("Boom");
    let d = step_failure(Doing::Creating, "DMS stack dblink-dev", &e, &e.message);
    let text = format!("{d:?}");
    assert!(text.contains("Error creating DMS stack dblink-dev: step create_thing failed (Boom)"), "{text}");
    assert!(text.contains("terraform untaint") && text.contains("creating thing (x): Boom: no"), "{text}");
    let d = step_failure(Doing::Updating, "VPC peering", &e, &e.message);
    let text = format!("{d:?}");
    assert!(text.contains("Error updating VPC peering: step create_thing failed (Boom)"), "{text}");
    assert!(!text.contains("untaint") && text.contains("run `terraform apply` again"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn gone_counts_as_done_for_deletes_and_lookups_and_busy_deletes_are_retried() {
    let gone = || AwsError::new(ErrorKind::NotFound, "NotFound", "no such thing");
    assert_eq!(gone_ok(S::CreateThing, "deleting thing", "x", Err::<(), _>(gone())), Ok(()));
    assert_eq!(gone_ok(S::CreateThing, "reading thing", "x", Err::<Option<u8>, _>(gone())), Ok(None));
    assert_eq!(gone_ok(S::CreateThing, "reading thing", "x", Ok(Some(7))), Ok(Some(7)));
    let err = gone_ok(S::CreateThing, "deleting thing", "x", Err::<(), _>(AwsError::from_code("Boom", "no")));
    assert_eq!(err.unwrap_err().code.as_deref(), Some("Boom"));

    let r = run(60);
    let start = Instant::now();
    let calls = Mutex::new(0);
    let got = delete_retrying(&r, S::CreateThing, "deleting thing", "x", &[ErrorKind::DependencyViolation], || {
        let mut n = calls.lock().unwrap();
        *n += 1;
        let answer = match *n {
            1 => Err(AwsError::new(ErrorKind::DependencyViolation, "DependencyViolation", "in use")),
            _ => Err(gone()),
        };
        async move { answer }
    })
    .await;
    assert_eq!(got, Ok(()));
    assert_eq!((*calls.lock().unwrap(), start.elapsed()), (2, Duration::from_secs(2)));
}

#[tokio::test(start_paused = true)]
async fn waits_for_a_present_or_a_gone_object_say_which_failed() {
    let r = run(600);
    let seen = Mutex::new(vec![None, Some("creating".to_string()), Some("ready".to_string())]);
    let next = || {
        let s = seen.lock().unwrap().pop().flatten();
        async move { Ok(s) }
    };
    // Popped from the back: `ready` at once.
    assert_eq!(
        wait_present(&r, S::CreateThing, Wait::new("thing (x)", &["creating"], &["ready"]), next).await.unwrap(),
        "ready"
    );
    // `creating`, then nothing: gone is the target of wait_gone.
    assert_eq!(wait_gone(&r, S::CreateThing, "thing (x)", &["creating"], next).await, Ok(()));

    let deleting = || async { Ok(Some("deleting".to_string())) };
    let err = wait_gone(&r, S::CreateThing, "thing (x)", &["deleting"], deleting).await.unwrap_err();
    assert_eq!(err.step, "create_thing");
    assert!(err.message.starts_with("timed out after") && err.message.contains("thing (x)"), "{}", err.message);
}

/// A create the SDK sends once: after throttling, a server error or no answer, the kit looks, and
/// only when nothing is there sends the create again; a lost answer is adopted; a look that fails,
/// "already exists" with nothing found, or a stop ends it without another create.
#[tokio::test(start_paused = true)]
async fn adopt_or_create_looking_creates_again_only_after_an_empty_look() {
    // Throttled twice (nothing made), then made.
    let (creates, looks) = (Mutex::new(0), Mutex::new(0));
    let throttled = AwsError::from_code("RequestLimitExceeded", "slow down");
    let got = adopt_or_create_looking(
        &run(600),
        S::CreateThing,
        "thing",
        || async {
            *looks.lock().unwrap() += 1;
            Ok(Found::<String>::Nothing)
        },
        || async {
            let mut n = creates.lock().unwrap();
            *n += 1;
            if *n < 3 { Err(aws_err(S::CreateThing, "creating thing", "x", &throttled)) } else { Ok("made-3".into()) }
        },
        |_: &String| {},
    )
    .await;
    assert_eq!(got.unwrap(), ("made-3".to_string(), Came::Created));
    assert_eq!((*creates.lock().unwrap(), *looks.lock().unwrap()), (3, 3), "a look before each create again");

    // The answer was lost: the look finds it, no second create.
    let (creates, looks) = (Mutex::new(0), Mutex::new(0));
    let lost = AwsError::new(ErrorKind::Transport, "", "connection reset");
    let got = adopt_or_create_looking(
        &run(600),
        S::CreateThing,
        "thing",
        || async {
            let mut n = looks.lock().unwrap();
            *n += 1;
            Ok(if *n == 1 { Found::Nothing } else { Found::Ours("made-1".to_string()) })
        },
        || async {
            *creates.lock().unwrap() += 1;
            Err(aws_err(S::CreateThing, "creating thing", "x", &lost))
        },
        |_: &String| {},
    )
    .await;
    assert_eq!(got.unwrap(), ("made-1".to_string(), Came::Adopted));
    assert_eq!(*creates.lock().unwrap(), 1);

    // Each of these ends after one create.
    let failed_look = || async { Err::<Found<String>, _>(StepError::new(S::CreateThing, "reading thing: Throttling")) };
    let empty_look = || async { Ok(Found::<String>::Nothing) };
    let exists = AwsError::from_code("InvalidGroup.Duplicate", "exists");
    let stopped = AwsError::new(ErrorKind::Cancelled, "StoppedByTerraform", "stopped by Terraform");
    for (case, e, look_fails) in
        [("look fails", &throttled, true), ("already exists", &exists, false), ("stopped", &stopped, false)]
    {
        let creates = Mutex::new(0);
        let create = || async {
            *creates.lock().unwrap() += 1;
            Err::<String, _>(aws_err(S::CreateThing, "creating thing", "x", e))
        };
        let got = if look_fails {
            let looked = Mutex::new(false);
            adopt_or_create_looking(
                &run(600),
                S::CreateThing,
                "thing",
                || async {
                    // The first look (before the create) is empty; the second one fails.
                    let second = std::mem::replace(&mut *looked.lock().unwrap(), true);
                    if second { failed_look().await } else { empty_look().await }
                },
                create,
                |_: &String| {},
            )
            .await
        } else {
            adopt_or_create_looking(&run(600), S::CreateThing, "thing", empty_look, create, |_: &String| {}).await
        };
        assert!(got.is_err(), "{case}");
        assert_eq!(*creates.lock().unwrap(), 1, "{case}: never created again");
    }

    // No answer, and the list leaves the new object out for a while (EC2's eventual consistency):
    // looked at again over the list lag, adopted, never made twice.
    let (creates, looks) = (Mutex::new(0), Mutex::new(0));
    let started = Instant::now();
    let got = adopt_or_create_looking(
        &run(600),
        S::CreateThing,
        "thing",
        || async {
            *looks.lock().unwrap() += 1;
            let shown = *creates.lock().unwrap() > 0 && started.elapsed() >= Duration::from_secs(6);
            Ok(if shown { Found::Ours("made-1".to_string()) } else { Found::Nothing })
        },
        || async {
            *creates.lock().unwrap() += 1;
            Err(aws_err(S::CreateThing, "creating thing", "x", &lost))
        },
        |_: &String| {},
    )
    .await;
    assert_eq!(got.unwrap(), ("made-1".to_string(), Came::Adopted));
    assert_eq!(*creates.lock().unwrap(), 1, "not made twice");
    assert!(*looks.lock().unwrap() > 2, "looked again over the lag");

    // Nothing shows over the whole lag: created again, once the lag has passed.
    let creates = Mutex::new(Vec::new());
    let got = adopt_or_create_looking(
        &run(600),
        S::CreateThing,
        "thing",
        || async { Ok(Found::<String>::Nothing) },
        || async {
            let mut c = creates.lock().unwrap();
            c.push(started.elapsed());
            if c.len() == 1 { Err(aws_err(S::CreateThing, "creating thing", "x", &lost)) } else { Ok("made-2".into()) }
        },
        |_: &String| {},
    )
    .await;
    assert_eq!(got.unwrap(), ("made-2".to_string(), Came::Created));
    {
        let c = creates.lock().unwrap();
        assert!(c[1] - c[0] >= LIST_LAG, "created again only after the list lag: {c:?}");
    }

    // Throttled for ever: a bounded number of creates, then the throttling stands.
    let creates = Mutex::new(0);
    let err = adopt_or_create_looking(
        &run(600),
        S::CreateThing,
        "thing",
        empty_look,
        || async {
            *creates.lock().unwrap() += 1;
            Err::<String, _>(aws_err(S::CreateThing, "creating thing", "x", &throttled))
        },
        |_: &String| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.code.as_deref(), Some("RequestLimitExceeded"));
    assert_eq!(*creates.lock().unwrap(), CREATE_ATTEMPTS);
}

/// Eventual consistency: a call naming an object created a moment ago may answer NotFound; it is
/// retried for the propagation window (5 min) and no longer, and only for the code given.
#[tokio::test(start_paused = true)]
async fn a_new_object_not_found_yet_is_retried_for_the_propagation_window_only() {
    let r = run(3600);
    let not_yet = || AwsError::from_code("DBSubnetGroupNotFoundFault", "DB subnet group g not found");
    let calls = Mutex::new(0);
    let got = retry_while_new_code(&r, "DBSubnetGroupNotFoundFault", || {
        let mut n = calls.lock().unwrap();
        *n += 1;
        let answer = if *n < 3 { Err(not_yet()) } else { Ok(*n) };
        async move { answer }
    })
    .await;
    assert_eq!(got, Ok(3));

    let start = Instant::now();
    let never = retry_while_new(&r, || async { Err::<(), _>(not_yet()) }).await.unwrap_err();
    assert_eq!(never.code, "DBSubnetGroupNotFoundFault");
    assert!(
        start.elapsed() <= PROPAGATION && start.elapsed() > PROPAGATION - Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );

    let snapshot_missing = AwsError::from_code("DBSnapshotNotFound", "no snapshot");
    let calls = Mutex::new(0);
    let e = retry_while_new_code(&r, "DBSubnetGroupNotFoundFault", || {
        *calls.lock().unwrap() += 1;
        let e = snapshot_missing.clone();
        async move { Err::<(), _>(e) }
    })
    .await
    .unwrap_err();
    assert_eq!((e.code.as_str(), *calls.lock().unwrap()), ("DBSnapshotNotFound", 1));
}
