//! The WhatsApp Cloud API (graph.facebook.com) wire model: the Graph error envelope and its code
//! table, `vNN.N` versions, `wamid.` ids, the webhook encoder and its `X-Hub-Signature-256`, and
//! the Cloud validation of outbound messages. Pure, no I/O.

pub mod errors;
pub mod fields;
pub mod ids;
pub mod multipart;
pub mod outbound;
pub mod paging;
pub mod profile;
pub mod templates;
pub mod version;
pub mod webhook;

pub use errors::GraphError;
pub use version::Version;
