//! The registry: every resource and data source this provider serves, plus the helpers they share.

pub mod arn;
pub mod json_doc;
pub mod main;
pub mod main_lookup;
pub mod peering;
pub mod repltask;
pub mod repltask_tables;
pub mod tags;
pub mod timeouts;

use std::sync::Arc;

use crate::engine::{DataSource, Resource};

pub fn all_resources() -> Vec<Arc<dyn Resource>> {
    vec![Arc::new(repltask::Repltask), Arc::new(main::Main), Arc::new(peering::Peering)]
}

pub fn all_data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![Arc::new(main_lookup::MainLookup), Arc::new(repltask_tables::RepltaskTables)]
}

/// Documentation that the schema cannot carry: the example module and import instructions.
pub fn doc_extras(type_name: &str) -> crate::docs::PageExtras<'static> {
    match type_name {
        "dmslink_repltask" => crate::docs::PageExtras {
            example_hcl: include_str!("../../../examples-hcl/terraform-repltask/dms-repl-task.tf"),
            import: Some(repltask::IMPORT_DOC),
            notes: repltask::NOTES_DOC,
        },
        "dmslink_main" => crate::docs::PageExtras {
            example_hcl: include_str!("../../../examples-hcl/terraform-main/dms-main.tf"),
            import: Some(main::IMPORT_DOC),
            notes: main::NOTES_DOC,
        },
        "dmslink_peering" => crate::docs::PageExtras {
            example_hcl: include_str!("../../../examples-hcl/peering/dms-peering.tf"),
            import: Some(peering::IMPORT_DOC),
            notes: peering::NOTES_DOC,
        },
        _ => crate::docs::PageExtras { example_hcl: "", import: None, notes: "" },
    }
}

/// The same for data sources, whose type names may equal a resource's (`dmslink_main`).
pub fn data_source_doc_extras(type_name: &str) -> crate::docs::PageExtras<'static> {
    match type_name {
        "dmslink_main" => crate::docs::PageExtras {
            example_hcl: main_lookup::EXAMPLE_HCL,
            import: None,
            notes: main_lookup::NOTES_DOC,
        },
        "dmslink_repltask_tables" => crate::docs::PageExtras {
            example_hcl: repltask_tables::EXAMPLE_HCL,
            import: None,
            notes: repltask_tables::NOTES_DOC,
        },
        _ => crate::docs::PageExtras { example_hcl: "", import: None, notes: "" },
    }
}
