//! Coalesced EC2 reads on the fake: one filtered describe per kind and window, a missing object is
//! still gone, a failed batch is asked again one id at a time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use super::CoalescedEc2;
use crate::aws::ec2::{Ec2Api, Tags};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::fake::{FakeEc2, tests_net};

const WINDOW: Duration = Duration::from_millis(8);

#[tokio::test(start_paused = true)]
async fn a_window_of_vpc_subnet_and_security_group_reads_makes_one_call_per_kind() {
    let fake = Arc::new(FakeEc2::new());
    let (vpc, subnets) = tests_net::vpc_with_subnets(&fake, &["us-east-1a", "us-east-1b"]).await;
    let sg = tests_net::security_group(&fake, &vpc, "dms").await;
    let other_vpc = fake.create_vpc("10.1.0.0/24", &Tags::new()).await.unwrap().id;
    fake.clear_calls();
    let ec2 = CoalescedEc2::new(fake.clone(), WINDOW);
    let (a, b, s1, s2, gone, g, no_sg) = tokio::join!(
        ec2.find_vpc(&vpc),
        ec2.find_vpc(&other_vpc),
        ec2.find_subnet(&subnets[0]),
        ec2.find_subnet(&subnets[1]),
        ec2.find_subnet("subnet-0000000000deadbee"),
        ec2.find_security_group(&sg),
        ec2.find_security_group("sg-0000000000deadbee"),
    );
    assert_eq!(a.unwrap().map(|v| v.id), Some(vpc.clone()));
    assert_eq!(b.unwrap().map(|v| v.id), Some(other_vpc));
    assert_eq!(s1.unwrap().map(|s| s.id), Some(subnets[0].clone()));
    assert_eq!(s2.unwrap().map(|s| s.vpc_id), Some(vpc));
    assert_eq!(gone.unwrap(), None);
    assert_eq!(g.unwrap().map(|g| g.id), Some(sg));
    assert_eq!(no_sg.unwrap(), None);
    let mut calls = fake.calls();
    calls.sort();
    assert_eq!(calls, vec!["find_security_groups", "find_subnets", "find_vpcs"]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_batch_is_asked_again_one_id_at_a_time() {
    let fake = Arc::new(FakeEc2::new());
    let (vpc, _) = tests_net::vpc_with_subnets(&fake, &["us-east-1a"]).await;
    let other = fake.create_vpc("10.1.0.0/24", &Tags::new()).await.unwrap().id;
    fake.clear_calls();
    fake.fail_next("find_vpcs", AwsError::new(ErrorKind::AccessDenied, "UnauthorizedOperation", "filters"));
    fake.fail_next("find_vpc", AwsError::new(ErrorKind::AccessDenied, "UnauthorizedOperation", "this one"));
    let ec2 = CoalescedEc2::new(fake.clone(), WINDOW);
    let (a, b) = tokio::join!(ec2.find_vpc(&vpc), ec2.find_vpc(&other));
    assert_eq!([a.is_err(), b.is_err()].iter().filter(|e| **e).count(), 1, "{a:?} {b:?}");
    assert_eq!(fake.calls().iter().filter(|c| *c == "find_vpc").count(), 2);
}

#[tokio::test(start_paused = true)]
async fn internet_and_vpn_gateways_coalesce_too() {
    let fake = Arc::new(FakeEc2::new());
    let igw = fake.create_internet_gateway(&Tags::new()).await.unwrap().id;
    let vgw = fake.create_vpn_gateway(Default::default()).await.unwrap().id;
    fake.clear_calls();
    let ec2 = CoalescedEc2::new(fake.clone(), WINDOW);
    let (i, v) = tokio::join!(ec2.find_internet_gateway(&igw), ec2.find_vpn_gateway(&vgw));
    assert_eq!((i.unwrap().map(|g| g.id), v.unwrap().map(|g| g.id)), (Some(igw), Some(vgw)));
    let mut calls = fake.calls();
    calls.sort();
    assert_eq!(calls, vec!["find_internet_gateways", "find_vpn_gateways"]);
}
