//! The network the fakes' tests build again and again: a VPC with subnets, a security group.

#![allow(clippy::unwrap_used)]

use super::FakeEc2;
use crate::aws::ec2::{CreateSecurityGroupInput, CreateSubnetInput, Ec2Api, Tags};

/// A VPC `10.0.0.0/24` with a /26 subnet in each of `zones` (in order): its id and the subnets'.
pub(crate) async fn vpc_with_subnets(ec2: &FakeEc2, zones: &[&str]) -> (String, Vec<String>) {
    let vpc = ec2.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap().id;
    let mut subnets = Vec::new();
    for (i, az) in zones.iter().enumerate() {
        let input = CreateSubnetInput {
            vpc_id: vpc.clone(),
            cidr_block: format!("10.0.0.{}/26", 64 * i),
            availability_zone: az.to_string(),
            tags: Tags::new(),
        };
        subnets.push(ec2.create_subnet(input).await.unwrap().id);
    }
    (vpc, subnets)
}

/// A security group `name` in `vpc_id`: its id.
pub(crate) async fn security_group(ec2: &FakeEc2, vpc_id: &str, name: &str) -> String {
    let input = CreateSecurityGroupInput {
        vpc_id: vpc_id.to_string(),
        name: name.to_string(),
        description: name.to_string(),
        tags: Tags::new(),
    };
    ec2.create_security_group(input).await.unwrap().id
}
