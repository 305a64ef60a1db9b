//! `dmslink_main`: the once-deployed DMS stack as one composite resource (in progress: schema and
//! plan-time validation land first; the resource is registered once its steps exist).

pub mod desired;
pub mod naming;
pub mod schema;
#[cfg(test)]
mod tests;
pub mod validate;
